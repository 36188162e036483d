//! Integrity case endpoints (seed 004): parse, call [`crate::workflows::IntegrityCases`],
//! answer with the case as [`crate::workflows::IntegrityCase::view`] shows it — authors'
//! ID numbers masked. Nothing here logs a result's content.

use crate::http::ApiRoute;
use axum::http::Method;
use axum::routing::{get, post, put};
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::casework::api::{
    DownloadQuery, StatusQuery, case_error, download_url, file_records, rejection, stored_uploads, written,
};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::extract::{Idempotency, JsonBody, Lang, OptionalJsonBody, Path, Query, body_text};
use crate::validation;
use crate::workflows::{IntegrityCase, IntegrityStatus, Level};

fn text<'a>(body: &'a Value, name: &str) -> &'a str {
    body_text(body, name).unwrap_or("")
}

/// `POST /integrity-cases` — the national account registers a case.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    if actor.level != Level::National {
        return Err(ApiError::forbidden(
            lang,
            "只有国家级管理员可以登记案件。",
            "Only the national administrator registers cases.",
        ));
    }
    let form = validation::integrity_case(&body, lang).map_err(|r| rejection(r, lang))?;
    let w = state.integrity_cases.create(&actor, form, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, replayed = w.replayed, "integrity case created");
    Ok(written(&w, StatusCode::CREATED, w.case.view(&actor)))
}

/// `GET /integrity-cases?status=` — the caller's queue.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<StatusQuery>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let status = match q.status().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(IntegrityStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(lang, BTreeMap::new()).field("status", lang.pick("没有这个办理状态。", "No such status."))
        })?),
    };
    let cases = state.integrity_cases.list(&actor, status).await.map_err(|e| case_error(e, lang))?;
    let rows: Vec<Value> = cases.iter().map(|c| c.summary(&actor)).collect();
    Ok(Json(json!({ "count": rows.len(), "cases": rows })).into_response())
}

/// `GET /integrity-cases/{id}` — details, result (masked) and progress (办理进度).
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    Ok(Json(case.view(&actor)).into_response())
}

/// `GET /integrity-cases/{id}/download?key=` — a short-lived link to one of its files.
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    let url = download_url(&state, lang, &case_files(&case), q.key()).await?;
    Ok(Json(json!({ "url": url })).into_response())
}

/// The keys of the case's files — the result's attachments and the letters of its
/// steps: the only ones its download link opens.
pub(crate) fn case_files(case: &IntegrityCase) -> Vec<crate::casework::FileRef> {
    let mut files = vec![];
    if let Some(result) = &case.result {
        file_records(result, &mut files);
    }
    for step in &case.history {
        files.extend(step.letter.clone());
    }
    files
}

/// `POST /integrity-cases/{id}/dispatch` `{"region"?: "hebei"}` — national: send to a
/// province (again, after a misrouting, possibly to another region).
pub async fn dispatch(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let region = Some(text(&body, "region").trim().to_owned()).filter(|r| !r.is_empty());
    if let Some(region) = &region
        && !validation::is_region(region)
    {
        return Err(ApiError::invalid(lang, BTreeMap::new())
            .field("region", lang.pick("请选择列表中的行政区划。", "Choose a region from the list.")));
    }
    let case = state.integrity_cases.dispatch(&id, &actor, region).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, region = %case.details.region, "integrity case dispatched");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/forward` `{"unit": "…"}` — a province sends its case on
/// to an institution: a unit of the case's region in the directory, whose name the
/// case takes; any other code is 422 on `unit` (once the step itself is allowed).
pub async fn forward(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let seen = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    super::may(&actor, &seen, super::IntegrityStep::Forward).map_err(|e| case_error(e, lang))?;
    let code = crate::casework::required_note(text(&body, "unit"), "unit", 100).map_err(|e| case_error(e, lang))?;
    let institution = match state.directory.unit_in_region(&code, &seen.details.region).await {
        Ok(Some(unit)) => unit,
        Ok(None) => {
            return Err(ApiError::invalid(lang, BTreeMap::new()).field(
                "unit",
                lang.pick(
                    "请从列表中选择本地区已注册的机构。",
                    "Choose an institution of the case's region from the list.",
                ),
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "directory unavailable");
            return Err(ApiError::internal(lang));
        }
    };
    let case = state
        .integrity_cases
        .forward(&id, &actor, &institution.code, &institution.name)
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, "integrity case forwarded to an institution");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/return-to-superior` `{"reason": "…"}` — misrouted: back
/// up one level.
pub async fn return_to_superior(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state
        .integrity_cases
        .return_to_superior(&id, &actor, text(&body, "reason"))
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, status = case.status.as_str(), "integrity case returned to the superior");
    Ok(Json(case.view(&actor)).into_response())
}

/// `PUT /integrity-cases/{id}/result` — the institution saves its result, whole or in
/// part (drafts: the fields given are checked and replace the stored ones).
pub async fn save_result(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let stored = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?.result;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &json!([stored, body]), lang).await?;
    let check = move |stored: &Value, v: &Value| validation::integrity_result_draft(stored, v, lang, &uploads);
    let case = state.integrity_cases.save_result(&id, &actor, &body, &check).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, "integrity case result saved");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/submit` — the institution submits its result for review.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Idempotency(key): Idempotency,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let stored = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?.result;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &json!(stored), lang).await?;
    let check = move |v: &Value| validation::integrity_result_full(v, lang, &uploads);
    let w = state.integrity_cases.submit(&id, &actor, &check, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, replayed = w.replayed, "integrity case result submitted");
    Ok(written(&w, StatusCode::OK, w.case.view(&actor)))
}

/// `POST /integrity-cases/{id}/approve` `{"opinion"?: "…"}` — provincial or national review.
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let (opinion, letter) = validation::review(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    if letter.is_some() {
        return Err(ApiError::invalid(lang, BTreeMap::new()).field(
            "letter",
            lang.pick("正式函件随退回意见提交。", "An official letter goes with a return, not an approval."),
        ));
    }
    let case = state.integrity_cases.approve(&id, &actor, Some(&opinion)).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, status = case.status.as_str(), "integrity case result approved");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/return` `{"opinion": "…", "letter"?: file}` — a review
/// returns the result to the institution.
pub async fn return_for_changes(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let (opinion, letter) = validation::review(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    let case = state
        .integrity_cases
        .return_for_changes(&id, &actor, &opinion, letter)
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, status = case.status.as_str(), "integrity case result returned");
    Ok(Json(case.view(&actor)).into_response())
}

/// The integrity-case endpoints; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::POST, "/integrity-cases", post(create)),
        ApiRoute::token(Method::GET, "/integrity-cases", get(list)),
        ApiRoute::token(Method::GET, "/integrity-cases/{id}", get(detail)),
        ApiRoute::token(Method::GET, "/integrity-cases/{id}/download", get(download)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/dispatch", post(dispatch)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/forward", post(forward)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/return-to-superior", post(return_to_superior)),
        ApiRoute::token(Method::PUT, "/integrity-cases/{id}/result", put(save_result)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/submit", post(submit)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/approve", post(approve)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/return", post(return_for_changes)),
    ]
}
