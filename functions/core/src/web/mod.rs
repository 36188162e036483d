//! The site's dynamic pages: what the functions serve as HTML, under `/web/`, for
//! people using the site without a script and for everything behind sign-in. Each
//! workflow draws its own pages (`workflows/<name>/pages.rs`); this module is what
//! they share.
//!
//! A page calls its workflow directly, as the visitor (their session's claims make
//! the same caller the API's extractor would), and renders the workflow's typed
//! view — the same view the JSON API answers, with the steps the visitor may take
//! (`actions`, the workflow's permission model). Every form posts to a
//! [`form_route::FormRoute`] declared by its workflow: the route names the action
//! (the endpoint's handler, called with typed values) and the next page; the
//! [`gateway`] turns the posted fields into the endpoint's JSON, runs the action and
//! redirects — to the next page on success, or back to the form with the errors and
//! what was typed. So the rules, the permissions and the wording of errors live in
//! one place, whichever way a person comes in.
//!
//! - `form_route.rs` — where a form posts and what the post does;
//! - `gateway.rs` — a form post → API call → redirect; `/web/check/{form}` for checks as you type;
//! - `form_body.rs` — a post's body → names and values, in its charset; file names (`filename*`);
//! - `attempt.rs` — a refused submission kept for the visitor who made it;
//! - `session.rs` — the visitor: language, session cookie, sign-in with development tokens;
//! - `pages.rs` — rendering the page templates (each beside its workflow);
//! - `public.rs` — pages anyone may see: a refused form, a registration receipt;
//! - `desk.rs` — the signed-in home and review queues.

pub mod accounts;
pub mod attempt;
pub mod desk;
pub mod form_body;
pub mod form_route;
pub mod gateway;
pub mod pages;
pub mod public;
pub mod session;

use axum::Router;
use axum::extract::FromRef;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

pub use session::Visitor;

use crate::http::{Access, AppState, AuthConfig, router as api_router};

/// Where the functions are mounted on the site: `gazette serve` nests them here, and
/// in AWS CloudFront sends this path to the HTTP API. Pages link with it.
pub const MOUNT: &str = "/api";

/// One page (or a post that is no workflow's form: sign-in, checks as you type) under
/// `/web`: method, path, who may see it, handler.
pub struct PageRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<WebState>,
}

impl PageRoute {
    /// A page for signed-in visitors; anyone else is sent to sign in.
    pub fn signed_in(path: &'static str, handler: MethodRouter<WebState>) -> PageRoute {
        PageRoute { method: Method::GET, path, access: Access::Session, handler }
    }

    /// A page anyone may see.
    pub fn public(path: &'static str, handler: MethodRouter<WebState>) -> PageRoute {
        PageRoute { method: Method::GET, path, access: Access::Public, handler }
    }

    /// A post of a signed-in visitor that is no workflow's form (account management).
    pub fn signed_in_post(path: &'static str, handler: MethodRouter<WebState>) -> PageRoute {
        PageRoute { method: Method::POST, path, access: Access::Session, handler }
    }

    /// A post anyone may make that is no workflow's form.
    pub fn public_post(path: &'static str, handler: MethodRouter<WebState>) -> PageRoute {
        PageRoute { method: Method::POST, path, access: Access::Public, handler }
    }
}

/// The pages that belong to no workflow: sign-in, the desk, the review queue, a
/// refused form again, the checks as you type.
pub fn shared_pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/", get(desk::home)),
        PageRoute::signed_in("/review", get(desk::review)),
        PageRoute::public("/sign-in", get(session::sign_in_page)),
        PageRoute::public_post("/sign-in", post(session::sign_in)),
        PageRoute::public_post("/new-password", post(session::new_password)),
        PageRoute::public_post("/dev-sign-in", post(session::dev_sign_in)),
        PageRoute::public_post("/sign-out", post(session::sign_out)),
        PageRoute::public("/register-unit", get(accounts::register_unit_page)),
        PageRoute::public_post("/register-unit", post(accounts::register_unit)),
        PageRoute::public("/register-learner", get(accounts::register_learner_page)),
        PageRoute::public_post("/register-learner", post(accounts::register_learner)),
        PageRoute::signed_in("/accounts", get(accounts::accounts_page)),
        PageRoute::signed_in_post("/accounts", post(accounts::create_account)),
        PageRoute::signed_in_post("/accounts/{username}/{step}", post(accounts::account_step)),
        PageRoute::signed_in("/outbox", get(accounts::outbox_page)),
        PageRoute::public("/form/{attempt}", get(public::refused_form)),
        PageRoute::public_post("/check/{form}", post(gateway::check)),
    ]
}

/// The API router with the pages and form routes of [`crate::routes`]: `/web/…`
/// here, everything else the API.
pub fn router(state: AppState) -> Router {
    let api = api_router(state.clone());
    let web = WebState { app: state };
    let mut by_path: Vec<(&'static str, MethodRouter<WebState>)> = Vec::new();
    let mut add =
        |path: &'static str, handler: MethodRouter<WebState>| match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => by_path.push((path, handler)),
        };
    for page in crate::routes::pages() {
        add(page.path, page.handler);
    }
    for form in crate::routes::forms() {
        let form = std::sync::Arc::new(form);
        let path = form.path;
        // A form post's limits are its form's own (`form_body::Limits`: up to a file
        // field's 20–100 MB), not the framework's 2 MB default.
        add(
            path,
            post(move |state, visitor, addr, params, headers, request| {
                let form = form.clone();
                async move { gateway::submit(&form, state, visitor, addr, params, headers, request).await }
            })
            .layer(axum::extract::DefaultBodyLimit::disable()),
        );
    }
    let mut pages = Router::new();
    for (path, handler) in by_path {
        pages = pages.route(path, handler);
    }
    let pages = pages
        .fallback(public::not_found)
        .layer(axum::middleware::from_fn_with_state(web.clone(), pages::in_page_shape))
        .with_state(web.clone());
    // A nested "/" answers `/web` only; the desk is linked as `/web/` too.
    let desk_home = Router::new().route("/web/", get(desk::home)).with_state(web);
    Router::new()
        .nest("/web", pages)
        .merge(desk_home)
        .fallback_service(api)
        .layer(axum::middleware::from_fn(crate::http::origin::same_origin_only))
}

/// What the pages reach: the workflows.
#[derive(Clone)]
pub struct WebState {
    pub app: AppState,
}

impl FromRef<WebState> for AuthConfig {
    fn from_ref(state: &WebState) -> AuthConfig {
        state.app.auth.clone()
    }
}

/// `s` as one value of a query string (`?next=…`), percent-encoded.
pub fn query_value(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `/api/web` + `path`: a link to a page.
pub fn page_url(path: &str) -> String {
    format!("{MOUNT}/web{path}")
}
