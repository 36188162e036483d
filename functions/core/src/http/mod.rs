//! The HTTP face of the functions: one axum [`Router`] that `lambda_http::run` serves
//! on Lambda and `gazette serve` mounts under `/api/`.
//!
//! The endpoints themselves are listed by each workflow (`workflows/*/api.rs`) and
//! gathered in [`crate::routes`], the one route table; the router is built from it.
//! Here: the state every handler reaches, the caller (`auth`), errors, extractors,
//! limits and exports that every workflow's endpoints share.

pub mod auth;
pub mod error;
pub mod export;
pub mod extract;
pub mod limit;
pub mod origin;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{Method, Request, StatusCode};
use axum::routing::MethodRouter;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use auth::{AuthConfig, Caller, Claims, Role, mint_dev_token};
pub use error::{ALREADY_REGISTERED, ApiError, ErrorBody};
pub use extract::{BODY_LIMIT, Lang};

pub use crate::casework::api::UPLOAD_LIMIT;

use crate::accounts::{SharedAccounts, StoreAccounts};
use crate::attachments::{LocalAttachments, SharedAttachments};
use crate::notify::SharedOutbox;
use crate::store::SharedStore;
use crate::workflows::{
    Clock, CourseCatalog, IntegrityCases, Learning, LocalPolicies, PlanDeadlines, Registrations, Reports, StudyTargets,
    TrainingPlans, TypicalCases,
};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub registrations: Registrations,
    /// Monthly performance reports (seed 002).
    pub reports: Reports,
    /// Annual training plans (seed 001).
    pub training_plans: TrainingPlans,
    pub typical_cases: TypicalCases,
    /// Local policy documents (地方政策, seed 000).
    pub local_policies: LocalPolicies,
    pub integrity_cases: IntegrityCases,
    /// Learning records: my courses, progress, attendance, statistics (seeds 000, 003).
    pub learning: Learning,
    /// Where case attachments go; `None` when not configured (upload tickets → 503).
    pub files: Option<Files>,
    pub auth: AuthConfig,
    /// The store itself, for what belongs to no workflow (refused submissions kept for their page).
    pub store: SharedStore,
    /// Per-address limit on public submissions; off unless set.
    pub rate_limit: limit::RateLimit,
    /// Who may sign in, as what (the store's accounts unless another is given).
    pub accounts: SharedAccounts,
    /// Where messages to people go; `None`: nothing that needs one can be done.
    pub outbox: Option<SharedOutbox>,
    /// Units and their platforms.
    pub directory: crate::directory::Directory,
}

impl AppState {
    /// Every workflow over one store, without attachment storage.
    pub fn new(
        store: SharedStore,
        catalog: CourseCatalog,
        deadlines: PlanDeadlines,
        auth: AuthConfig,
        clock: Clock,
    ) -> Self {
        let accounts: SharedAccounts = std::sync::Arc::new(StoreAccounts::new(store.clone()));
        let auth = auth.with_accounts(accounts.clone());
        let registrations = Registrations::new(store.clone(), std::sync::Arc::new(catalog), clock.clone());
        AppState {
            learning: Learning::new(store.clone(), registrations.clone(), clock.clone()),
            registrations,
            reports: Reports::new(store.clone(), clock.clone()),
            training_plans: TrainingPlans::new(store.clone(), deadlines, clock.clone()),
            typical_cases: TypicalCases::new(store.clone(), clock.clone()),
            local_policies: LocalPolicies::new(store.clone(), clock.clone()),
            integrity_cases: IntegrityCases::new(store.clone(), clock),
            directory: crate::directory::Directory::new(store.clone()),
            store,
            files: None,
            auth,
            rate_limit: limit::RateLimit::default(),
            accounts,
            outbox: None,
        }
    }

    /// Another implementation of the accounts (a Cognito user pool).
    pub fn with_accounts(mut self, accounts: SharedAccounts) -> Self {
        self.auth = self.auth.with_accounts(accounts.clone());
        self.accounts = accounts;
        self
    }

    pub fn with_outbox(mut self, outbox: SharedOutbox) -> Self {
        self.outbox = Some(outbox);
        self
    }

    pub fn with_rate_limit(mut self, rate_limit: limit::RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// The year's hour targets of the growth records (`STUDY_TARGETS`).
    pub fn with_study_targets(mut self, targets: StudyTargets) -> Self {
        self.learning = self.learning.with_targets(targets);
        self
    }

    pub fn with_files(mut self, files: Files) -> Self {
        self.files = Some(files);
        self
    }
}

/// Attachment storage: S3 in AWS, or a local directory whose upload and download
/// routes (`PUT /uploads/{token}`, `GET /files/{token}`) this router serves.
#[derive(Clone)]
pub enum Files {
    Local(LocalAttachments),
    Remote(SharedAttachments),
}

impl Files {
    pub fn attachments(&self) -> SharedAttachments {
        match self {
            Files::Local(local) => std::sync::Arc::new(local.clone()),
            Files::Remote(remote) => remote.clone(),
        }
    }

    pub fn local(&self) -> Option<&LocalAttachments> {
        match self {
            Files::Local(local) => Some(local),
            Files::Remote(_) => None,
        }
    }
}

impl FromRef<AppState> for AuthConfig {
    fn from_ref(state: &AppState) -> AuthConfig {
        state.auth.clone()
    }
}

/// Who may call a route ([`crate::routes`] lists every route with its access).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: no token, no session (registering for a course, a receipt, seats left,
    /// the signed upload and download links, public pages and forms).
    Public,
    /// A bearer token (the JSON API). In AWS, API Gateway's JWT authorizer checks it
    /// before the function runs; the handler's [`Caller`] checks it again.
    Token,
    /// A signed-in visitor: the session cookie (pages and their forms), checked by the
    /// page's [`crate::web::session::SignedIn`] or by the API call the form makes.
    Session,
}

/// One endpoint of the JSON API: method, path (axum and OpenAPI share the `{param}`
/// syntax), who may call it, handler.
pub struct ApiRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

impl ApiRoute {
    /// An endpoint that needs a bearer token.
    pub fn token(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> ApiRoute {
        ApiRoute { method, path, access: Access::Token, handler }
    }

    /// An endpoint anyone may call.
    pub fn public(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> ApiRoute {
        ApiRoute { method, path, access: Access::Public, handler }
    }
}

/// `(method, path)` of every endpoint of the JSON API, in [`crate::routes::api`] order.
pub fn route_table() -> Vec<(Method, &'static str)> {
    crate::routes::api().into_iter().map(|r| (r.method, r.path)).collect()
}

async fn not_found(lang: Lang) -> ApiError {
    ApiError::not_found(lang)
}

async fn method_not_allowed(lang: Lang) -> ApiError {
    ApiError::of_status(StatusCode::METHOD_NOT_ALLOWED, lang)
}

/// The router with its layers: every refusal in the house shape
/// ([`error::in_house_shape`]), body limit, request id (generated or propagated as
/// `x-request-id`), and a tracing span per request carrying that id.
pub fn router(state: AppState) -> Router {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for ApiRoute { path, handler, .. } in crate::routes::api() {
        match by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => *existing = std::mem::take(existing).merge(handler),
            None => by_path.push((path, handler)),
        }
    }
    let mut router = Router::new();
    for (path, handler) in by_path {
        router = router.route(path, handler);
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(error::in_house_shape))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_response(|res: &axum::response::Response, latency: Duration, _span: &tracing::Span| {
                    tracing::info!(status = res.status().as_u16(), latency_ms = latency.as_millis() as u64, "response");
                }),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
