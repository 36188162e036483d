//! The site's dynamic pages: what the functions serve as HTML, under `/web/`, for
//! people using the site without a script and for everything behind sign-in. Each
//! workflow draws its own pages (`workflows/<name>/pages.rs`); this module is what
//! they share.
//!
//! Every page is a view over the JSON API of [`crate::http`]: a page asks the API
//! (in-process, through the same router, carrying the visitor's session as a bearer
//! token) and renders the answer. Every form posts to a [`form_route::FormRoute`]
//! declared by its workflow: the route names the API call and the next page, the
//! [`gateway`] turns the posted fields into the API's JSON, calls the API and
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

pub mod attempt;
pub mod desk;
pub mod form_body;
pub mod form_route;
pub mod gateway;
pub mod pages;
pub mod public;
pub mod session;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Method, Request, StatusCode, header};
use axum::routing::{MethodRouter, get, post};
use serde_json::Value;
use tower::ServiceExt;

pub use session::Visitor;

use crate::http::{Access, AppState, AuthConfig, ErrorBody, router as api_router};

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

    /// A post anyone may make that is no workflow's form.
    pub fn public_post(path: &'static str, handler: MethodRouter<WebState>) -> PageRoute {
        PageRoute { method: Method::POST, path, access: Access::Public, handler }
    }
}

/// The pages that belong to no workflow: sign-in, the desk, the review queue, a
/// refused form again, a registration receipt, the checks as you type.
pub fn shared_pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/", get(desk::home)),
        PageRoute::signed_in("/review", get(desk::review)),
        PageRoute::public("/sign-in", get(session::sign_in_page)),
        PageRoute::public_post("/sign-in", post(session::sign_in)),
        PageRoute::public_post("/sign-out", post(session::sign_out)),
        PageRoute::public("/form/{attempt}", get(public::refused_form)),
        PageRoute::public("/receipt/{code}", get(public::receipt)),
        PageRoute::public_post("/check/{form}", post(gateway::check)),
    ]
}

/// The API router with the pages and form routes of [`crate::routes`]: `/web/…`
/// here, everything else the API.
pub fn router(state: AppState) -> Router {
    let api = api_router(state.clone());
    let web = WebState { app: state, api: api.clone() };
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
        add(
            path,
            post(move |state, visitor, addr, params, headers, request| {
                let form = form.clone();
                async move { gateway::submit(&form, state, visitor, addr, params, headers, request).await }
            }),
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
    Router::new().nest("/web", pages).merge(desk_home).fallback_service(api)
}

/// What the pages reach: the workflows, and the API router to ask.
#[derive(Clone)]
pub struct WebState {
    pub app: AppState,
    api: Router,
}

impl FromRef<WebState> for AuthConfig {
    fn from_ref(state: &WebState) -> AuthConfig {
        state.app.auth.clone()
    }
}

/// An API answer: its status and JSON body (`Null` when it had none or was not JSON).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The API's error body (`{error, fields}`), for a refusal.
    pub fn error(&self) -> ErrorBody {
        serde_json::from_value(self.body.clone()).unwrap_or_else(|_| ErrorBody {
            error: self.body.as_str().unwrap_or("").to_string(),
            fields: Default::default(),
        })
    }
}

impl WebState {
    /// Calls the API in-process as `visitor`: `path` is an API path (`/reports?unit=u1`).
    pub async fn call(&self, visitor: &Visitor, method: Method, path: &str, body: Option<&Value>) -> Answer {
        self.call_with(visitor, method, path, body, None).await
    }

    pub async fn call_with(
        &self,
        visitor: &Visitor,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Answer {
        let mut request =
            Request::builder().method(method).uri(path).header(header::ACCEPT_LANGUAGE, visitor.lang_tag());
        if let Some(token) = &visitor.token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        let request = match body {
            Some(json) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())),
            None => request.body(Body::empty()),
        };
        self.send(request).await
    }

    /// Calls the API with raw bytes (a file to the local upload route).
    pub async fn put_bytes(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> Answer {
        let request = Request::builder()
            .method(Method::PUT)
            .uri(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, bytes.len())
            .body(Body::from(bytes));
        self.send(request).await
    }

    async fn send(&self, request: Result<Request<Body>, axum::http::Error>) -> Answer {
        let Ok(request) = request else {
            return Answer { status: StatusCode::BAD_REQUEST, body: Value::Null };
        };
        let response = match self.api.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap_or_default();
        Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
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
