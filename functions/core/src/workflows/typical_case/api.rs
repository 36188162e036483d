//! Typical-case endpoints (典型案例, seed 000): a province uploads a case of its
//! region; the organisers approve it or return it with a comment. The handlers serve
//! every kind of regional upload ([`UploadEndpoints`]): local policy documents too.

use crate::http::ApiRoute;
use axum::Json;
use axum::extract::State;
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use std::collections::BTreeMap;

use crate::casework::api::{DownloadQuery, StatusQuery, case_error, download_url, rejection, stored_uploads, written};
use crate::casework::{Actor, Level};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::extract::{Idempotency, JsonBody, Lang, Path, Query};
use crate::validation::{self, Rejection, Uploads};
use crate::workflows::TypicalCaseStatus;
use crate::workflows::typical_case::{CaseUpload, RegionalUpload, RegionalUploads, Uploaded, allowed};

/// What the endpoints need of a kind of regional upload.
pub trait UploadEndpoints: RegionalUpload {
    /// Refused to anyone but a province: (zh, en).
    const ONLY_PROVINCES: (&'static str, &'static str);
    /// Its uploads in the state.
    fn service(state: &AppState) -> &RegionalUploads<Self>;
    /// The upload a submission of its form asks for, from the province `region`.
    fn validate(body: &Value, lang: Lang, uploads: &Uploads, region: &str) -> Result<Self, Rejection>;
    /// The labels its view adds to the stored values (`region_label` …).
    fn labels(&self, view: &mut Value, lang: Lang);
}

impl UploadEndpoints for CaseUpload {
    const ONLY_PROVINCES: (&'static str, &'static str) =
        ("只有地方管理员可以上传典型案例。", "Only regional administrators upload typical cases.");

    fn service(state: &AppState) -> &RegionalUploads<Self> {
        &state.typical_cases
    }

    fn validate(body: &Value, lang: Lang, uploads: &Uploads, _region: &str) -> Result<Self, Rejection> {
        validation::case_upload(body, lang, uploads)
    }

    fn labels(&self, v: &mut Value, lang: Lang) {
        v["region_label"] = json!(validation::case_label("region", &self.region, lang));
        v["category_label"] = json!(validation::case_label("category", &self.category, lang));
    }
}

/// A case as `actor` sees it, with the steps `actor` may take on it (`actions`).
pub(crate) fn typical_view<U: UploadEndpoints>(case: &Uploaded<U>, actor: &Actor, lang: Lang) -> Value {
    let mut v = serde_json::to_value(case).unwrap_or_default();
    v["actions"] = json!(allowed(actor, case));
    v["status_label"] = json!(case.status.label_zh());
    case.upload.labels(&mut v, lang);
    crate::lifecycle::masking::accounts_in(&mut v);
    v
}

/// `POST /typical-cases` — a regional administrator uploads a case of their region.
pub async fn upload_typical<U: UploadEndpoints>(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let Level::Province { region } = &actor.level else {
        return Err(ApiError::forbidden(lang, U::ONLY_PROVINCES.0, U::ONLY_PROVINCES.1));
    };
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let upload = U::validate(&body, lang, &uploads, region).map_err(|r| rejection(r, lang))?;
    let w = U::service(&state).upload(&actor, upload, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, region = %w.case.upload.region(), kind = U::PARTITION, replayed = w.replayed, "regional upload");
    Ok(written(&w, StatusCode::CREATED, typical_view(&w.case, &actor, lang)))
}

/// `GET /typical-cases?status=`
pub async fn list_typical<U: UploadEndpoints>(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<StatusQuery>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let status = match q.status().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(TypicalCaseStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(lang, BTreeMap::new()).field(
                "status",
                lang.pick(
                    "状态须为 submitted、returned、approved 或 exported。",
                    "Status must be submitted, returned, approved or exported.",
                ),
            )
        })?),
    };
    let cases = U::service(&state).list(&actor, status).await.map_err(|e| case_error(e, lang))?;
    let rows: Vec<Value> = cases.iter().map(|c| typical_view(c, &actor, lang)).collect();
    Ok(Json(json!({ "count": rows.len(), "cases": rows })).into_response())
}

/// `GET /typical-cases/{id}`
pub async fn typical_detail<U: UploadEndpoints>(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = U::service(&state).get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    Ok(Json(typical_view(&case, &actor, lang)).into_response())
}

/// `GET /typical-cases/{id}/download?key=` — a short-lived link to one of its files.
pub async fn typical_download<U: UploadEndpoints>(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = U::service(&state).get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    let url = download_url(&state, lang, &case_files(&case), &q.key).await?;
    Ok(Json(json!({ "url": url })).into_response())
}

/// The case's files: the only ones its download link opens.
pub(crate) fn case_files<U: RegionalUpload>(case: &Uploaded<U>) -> Vec<crate::casework::FileRef> {
    case.upload.attachments().to_vec()
}

/// `POST /typical-cases/{id}/resubmit` — the uploader's edited version of a returned case.
pub async fn resubmit_typical<U: UploadEndpoints>(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let region = match &actor.level {
        Level::Province { region } => region.clone(),
        _ => String::new(),
    };
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let upload = U::validate(&body, lang, &uploads, &region).map_err(|r| rejection(r, lang))?;
    let w = U::service(&state).resubmit(&id, &actor, upload, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, replayed = w.replayed, "typical case resubmitted");
    Ok(written(&w, StatusCode::OK, typical_view(&w.case, &actor, lang)))
}

/// `POST /typical-cases/{id}/approve` — organisers.
pub async fn approve_typical<U: UploadEndpoints>(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = U::service(&state).approve(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, by = %actor.id, "typical case approved");
    Ok(Json(typical_view(&case, &actor, lang)).into_response())
}

/// `POST /typical-cases/{id}/return` `{"comment": "…"}` — organisers.
pub async fn return_typical<U: UploadEndpoints>(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let comment = body.get("comment").and_then(Value::as_str).unwrap_or("");
    let case = U::service(&state).return_for_changes(&id, &actor, comment).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, by = %actor.id, "typical case returned");
    Ok(Json(typical_view(&case, &actor, lang)).into_response())
}

/// The typical-case endpoints; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    upload_routes::<CaseUpload>(&UploadPaths {
        base: "/typical-cases",
        one: "/typical-cases/{id}",
        download: "/typical-cases/{id}/download",
        resubmit: "/typical-cases/{id}/resubmit",
        approve: "/typical-cases/{id}/approve",
        return_it: "/typical-cases/{id}/return",
    })
}

/// Where the endpoints of a kind of regional upload are.
pub struct UploadPaths {
    pub base: &'static str,
    pub one: &'static str,
    pub download: &'static str,
    pub resubmit: &'static str,
    pub approve: &'static str,
    pub return_it: &'static str,
}

/// The endpoints of a kind of regional upload; every one needs a token.
pub fn upload_routes<U: UploadEndpoints>(at: &UploadPaths) -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::POST, at.base, post(upload_typical::<U>)),
        ApiRoute::token(Method::GET, at.base, get(list_typical::<U>)),
        ApiRoute::token(Method::GET, at.one, get(typical_detail::<U>)),
        ApiRoute::token(Method::GET, at.download, get(typical_download::<U>)),
        ApiRoute::token(Method::POST, at.resubmit, post(resubmit_typical::<U>)),
        ApiRoute::token(Method::POST, at.approve, post(approve_typical::<U>)),
        ApiRoute::token(Method::POST, at.return_it, post(return_typical::<U>)),
    ]
}
