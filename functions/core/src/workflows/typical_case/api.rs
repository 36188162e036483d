//! Typical-case endpoints (典型案例, seed 000): a province uploads a case of its
//! region; the organisers approve it or return it with a comment.

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
use crate::validation;
use crate::workflows::{TypicalCase, TypicalCaseStatus};

/// A case as `actor` sees it, with the steps `actor` may take on it (`actions`).
pub(crate) fn typical_view(case: &TypicalCase, actor: &Actor, lang: Lang) -> Value {
    let mut v = serde_json::to_value(case).unwrap_or_default();
    v["actions"] = json!(crate::workflows::typical_case::allowed(actor, case));
    v["status_label"] = json!(case.status.label_zh());
    v["region_label"] = json!(validation::case_label("region", &case.upload.region, lang));
    v["category_label"] = json!(validation::case_label("category", &case.upload.category, lang));
    crate::lifecycle::masking::accounts_in(&mut v);
    v
}

/// `POST /typical-cases` — a regional administrator uploads a case of their region.
pub async fn upload_typical(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    if !matches!(actor.level, Level::Province { .. }) {
        return Err(ApiError::forbidden(
            lang,
            "只有地方管理员可以上传典型案例。",
            "Only regional administrators upload typical cases.",
        ));
    }
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let upload = validation::case_upload(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    let w = state.typical_cases.upload(&actor, upload, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, region = %w.case.upload.region, replayed = w.replayed, "typical case uploaded");
    Ok(written(&w, StatusCode::CREATED, typical_view(&w.case, &actor, lang)))
}

/// `GET /typical-cases?status=`
pub async fn list_typical(
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
    let cases = state.typical_cases.list(&actor, status).await.map_err(|e| case_error(e, lang))?;
    let rows: Vec<Value> = cases.iter().map(|c| typical_view(c, &actor, lang)).collect();
    Ok(Json(json!({ "count": rows.len(), "cases": rows })).into_response())
}

/// `GET /typical-cases/{id}`
pub async fn typical_detail(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.typical_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    Ok(Json(typical_view(&case, &actor, lang)).into_response())
}

/// `GET /typical-cases/{id}/download?key=` — a short-lived link to one of its files.
pub async fn typical_download(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.typical_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    let url = download_url(&state, lang, &case_files(&case), &q.key).await?;
    Ok(Json(json!({ "url": url })).into_response())
}

/// The case's files: the only ones its download link opens.
pub(crate) fn case_files(case: &TypicalCase) -> Vec<crate::casework::FileRef> {
    case.upload.attachments.clone()
}

/// `POST /typical-cases/{id}/resubmit` — the uploader's edited version of a returned case.
pub async fn resubmit_typical(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let upload = validation::case_upload(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    let w = state.typical_cases.resubmit(&id, &actor, upload, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, replayed = w.replayed, "typical case resubmitted");
    Ok(written(&w, StatusCode::OK, typical_view(&w.case, &actor, lang)))
}

/// `POST /typical-cases/{id}/approve` — organisers.
pub async fn approve_typical(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.typical_cases.approve(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, by = %actor.id, "typical case approved");
    Ok(Json(typical_view(&case, &actor, lang)).into_response())
}

/// `POST /typical-cases/{id}/return` `{"comment": "…"}` — organisers.
pub async fn return_typical(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let comment = body.get("comment").and_then(Value::as_str).unwrap_or("");
    let case = state.typical_cases.return_for_changes(&id, &actor, comment).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, by = %actor.id, "typical case returned");
    Ok(Json(typical_view(&case, &actor, lang)).into_response())
}

/// The typical-case endpoints; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::POST, "/typical-cases", post(upload_typical)),
        ApiRoute::token(Method::GET, "/typical-cases", get(list_typical)),
        ApiRoute::token(Method::GET, "/typical-cases/{id}", get(typical_detail)),
        ApiRoute::token(Method::GET, "/typical-cases/{id}/download", get(typical_download)),
        ApiRoute::token(Method::POST, "/typical-cases/{id}/resubmit", post(resubmit_typical)),
        ApiRoute::token(Method::POST, "/typical-cases/{id}/approve", post(approve_typical)),
        ApiRoute::token(Method::POST, "/typical-cases/{id}/return", post(return_typical)),
    ]
}
