//! The HTTP face of the functions: one axum [`Router`] that `lambda_http::run` serves
//! on Lambda and `gazette serve` mounts under `/api/`.
//!
//! [`routes`] is the single list of endpoints: the router is built from it, and the
//! OpenAPI test checks `functions/openapi.yaml` against it.

pub mod auth;
mod cases;
pub mod error;
pub mod export;
pub mod extract;
mod integrity_cases;
pub mod limit;
mod registration;
mod reports;
mod training_plan;

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::http::{Method, Request, StatusCode};
use axum::routing::{MethodRouter, get, post, put};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use auth::{AuthConfig, Caller, Claims, Role, mint_dev_token};
pub use error::{ApiError, ErrorBody};
pub use extract::{BODY_LIMIT, Lang};

pub use cases::UPLOAD_LIMIT;

use crate::attachments::{LocalAttachments, SharedAttachments};
use crate::domain::{
    Clock, CourseCatalog, IntegrityCases, PlanDeadlines, Registrations, Reports, TrainingPlans, TypicalCases,
};
use crate::store::SharedStore;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub registrations: Registrations,
    /// Monthly performance reports (seed 002).
    pub reports: Reports,
    /// Annual training plans (seed 001).
    pub training_plans: TrainingPlans,
    pub typical_cases: TypicalCases,
    pub integrity_cases: IntegrityCases,
    /// Where case attachments go; `None` when not configured (upload tickets → 503).
    pub files: Option<Files>,
    pub auth: AuthConfig,
    /// The store itself, for what belongs to no workflow (refused submissions kept for their page).
    pub store: SharedStore,
    /// Per-address limit on public submissions; off unless set.
    pub rate_limit: limit::RateLimit,
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
        AppState {
            registrations: Registrations::new(store.clone(), std::sync::Arc::new(catalog), clock.clone()),
            reports: Reports::new(store.clone(), clock.clone()),
            training_plans: TrainingPlans::new(store.clone(), deadlines, clock.clone()),
            typical_cases: TypicalCases::new(store.clone(), clock.clone()),
            integrity_cases: IntegrityCases::new(store.clone(), clock),
            store,
            files: None,
            auth,
            rate_limit: limit::RateLimit::default(),
        }
    }

    pub fn with_rate_limit(mut self, rate_limit: limit::RateLimit) -> Self {
        self.rate_limit = rate_limit;
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

/// Every endpoint: method, path (axum and OpenAPI share the `{param}` syntax), handler.
pub fn routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::POST, "/registrations", post(registration::submit)),
        (Method::GET, "/registrations", get(registration::list)),
        (Method::GET, "/registrations/export.csv", get(registration::export_csv)),
        (Method::GET, "/registrations/export.xlsx", get(registration::export_xlsx)),
        (Method::GET, "/registrations/receipt/{code}", get(registration::receipt)),
        (Method::POST, "/registrations/receipt/{code}/withdraw", post(registration::withdraw)),
        (Method::GET, "/registrations/{id}", get(registration::detail)),
        (Method::POST, "/registrations/{id}/approve", post(registration::approve)),
        (Method::POST, "/registrations/{id}/reject", post(registration::reject)),
        (Method::GET, "/courses/{course}/seats", get(registration::seats)),
        // reports
        (Method::GET, "/reports", get(reports::list)),
        (Method::GET, "/reports/review-queue", get(reports::review_queue)),
        (Method::GET, "/reports/{unit}/{platform}/{period}", get(reports::detail)),
        (Method::PUT, "/reports/{unit}/{platform}/{period}", put(reports::save)),
        (Method::POST, "/reports/{unit}/{platform}/{period}/submit", post(reports::submit)),
        (Method::POST, "/reports/{unit}/{platform}/{period}/withdraw", post(reports::withdraw)),
        (Method::POST, "/reports/{unit}/{platform}/{period}/approve", post(reports::approve)),
        (Method::POST, "/reports/{unit}/{platform}/{period}/return", post(reports::return_for_changes)),
        (Method::GET, "/reports/{unit}/{platform}/{period}/print", get(reports::print)),
        (Method::GET, "/annual-reports/{unit}/{platform}/{year}", get(reports::annual)),
        (Method::POST, "/training-plans", post(training_plan::submit)),
        (Method::GET, "/training-plans", get(training_plan::list)),
        (Method::GET, "/training-plans/{unit}/{year}", get(training_plan::detail)),
        (Method::PUT, "/training-plans/{unit}/{year}", put(training_plan::resubmit)),
        (Method::POST, "/training-plans/{unit}/{year}/withdraw", post(training_plan::withdraw)),
        (Method::POST, "/training-plans/{unit}/{year}/approve", post(training_plan::approve)),
        (Method::POST, "/training-plans/{unit}/{year}/return", post(training_plan::return_for_changes)),
        // cases
        (Method::POST, "/case-files", post(cases::upload_ticket)),
        (Method::PUT, "/uploads/{token}", put(cases::receive_upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT))),
        (Method::GET, "/files/{token}", get(cases::serve_file)),
        (Method::POST, "/typical-cases", post(cases::upload_typical)),
        (Method::GET, "/typical-cases", get(cases::list_typical)),
        (Method::GET, "/typical-cases/{id}", get(cases::typical_detail)),
        (Method::GET, "/typical-cases/{id}/download", get(cases::typical_download)),
        (Method::POST, "/typical-cases/{id}/resubmit", post(cases::resubmit_typical)),
        (Method::POST, "/typical-cases/{id}/approve", post(cases::approve_typical)),
        (Method::POST, "/typical-cases/{id}/return", post(cases::return_typical)),
        (Method::POST, "/integrity-cases", post(integrity_cases::create)),
        (Method::GET, "/integrity-cases", get(integrity_cases::list)),
        (Method::GET, "/integrity-cases/{id}", get(integrity_cases::detail)),
        (Method::GET, "/integrity-cases/{id}/download", get(integrity_cases::download)),
        (Method::POST, "/integrity-cases/{id}/dispatch", post(integrity_cases::dispatch)),
        (Method::POST, "/integrity-cases/{id}/forward", post(integrity_cases::forward)),
        (Method::POST, "/integrity-cases/{id}/return-to-superior", post(integrity_cases::return_to_superior)),
        (Method::PUT, "/integrity-cases/{id}/result", put(integrity_cases::save_result)),
        (Method::POST, "/integrity-cases/{id}/submit", post(integrity_cases::submit)),
        (Method::POST, "/integrity-cases/{id}/approve", post(integrity_cases::approve)),
        (Method::POST, "/integrity-cases/{id}/return", post(integrity_cases::return_for_changes)),
    ]
}

/// `(method, path)` of every endpoint, in [`routes`] order.
pub fn route_table() -> Vec<(Method, &'static str)> {
    routes().into_iter().map(|(m, p, _)| (m, p)).collect()
}

async fn not_found(lang: Lang) -> ApiError {
    ApiError::not_found(lang)
}

async fn method_not_allowed(lang: Lang) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        lang.pick("该地址不支持此请求方法。", "This address does not accept that method."),
    )
}

/// The router with its layers: body limit, request id (generated or propagated as
/// `x-request-id`), and a tracing span per request carrying that id.
pub fn router(state: AppState) -> Router {
    let mut by_path: Vec<(&'static str, MethodRouter<AppState>)> = Vec::new();
    for (_, path, handler) in routes() {
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
