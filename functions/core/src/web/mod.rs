//! The site's dynamic pages: what the functions serve as HTML, under `/web/`, for
//! people using the site without a script and for everything behind sign-in.
//!
//! Every page is a view over the JSON API of [`crate::http`]: a page asks the API
//! (in-process, through the same router, carrying the visitor's session as a bearer
//! token) and renders the answer; every form posts to [`gateway`], which turns the
//! posted fields into the API's JSON, calls the API and redirects — to the next page
//! on success, or back to the form with the errors and what was typed. So the rules,
//! the permissions and the wording of errors live in one place, whichever way a
//! person comes in.
//!
//! - `gateway.rs` — plain POST (urlencoded or multipart) → API call → redirect;
//!   `/web/check/{form}` for checks as you type;
//! - `attempt.rs` — a refused submission kept for the page that shows it again;
//! - `session.rs` — the visitor: language, session cookie, sign-in with development tokens;
//! - `pages.rs` — the page templates (`functions/core/templates/`);
//! - `public.rs` — pages anyone may see: a refused form, a registration receipt;
//! - `desk.rs` — the signed-in home and review queues;
//! - `reports.rs`, `registrations.rs`, `plans.rs`, `cases/` — the pages of each workflow.

mod attempt;
mod cases;
mod desk;
mod gateway;
mod pages;
mod plans;
mod public;
mod registrations;
mod reports;
mod session;

use axum::Router;
use axum::body::Body;
use axum::extract::FromRef;
use axum::http::{Method, Request, StatusCode, header};
use axum::routing::{get, post};
use serde_json::Value;
use tower::ServiceExt;

pub use session::Visitor;

use crate::http::{AppState, AuthConfig, ErrorBody, router as api_router};

/// Where the functions are mounted on the site: `gazette serve` nests them here, and
/// in AWS CloudFront sends this path to the HTTP API. Pages link with it.
pub const MOUNT: &str = "/api";

/// The API router with the pages: `/web/…` here, everything else the API.
pub fn router(state: AppState) -> Router {
    let api = api_router(state.clone());
    let web = WebState { app: state, api: api.clone() };
    let pages = Router::new()
        .route("/submit", post(gateway::submit))
        .route("/check/{form}", post(gateway::check))
        .route("/form/{attempt}", get(public::refused_form))
        .route("/receipt/{code}", get(public::receipt))
        .route("/sign-in", get(session::sign_in_page).post(session::sign_in))
        .route("/sign-out", post(session::sign_out))
        .route("/", get(desk::home))
        .route("/review", get(desk::review))
        .merge(reports::routes())
        .merge(registrations::routes())
        .merge(cases::routes())
        .merge(plans::routes())
        .fallback(public::not_found)
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
