//! Case endpoints shared by both workflows — who the caller is in the chain, the error
//! mapping, attachment tickets and the local upload/download routes — and the typical
//! case endpoints (seed 000). Integrity cases are in `integrity_cases.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::auth::{Caller, Role};
use super::error::ApiError;
use super::extract::{Idempotency, JsonBody, Lang};
use crate::attachments::AttachmentError;
use crate::domain::{Actor, CaseError, Level, TypicalCase, TypicalCaseStatus, Written};
use crate::validation::{self, Rejection};

/// How long an upload or download link stays valid.
const UPLOAD_VALID_FOR: Duration = Duration::from_secs(15 * 60);
const DOWNLOAD_VALID_FOR: Duration = Duration::from_secs(5 * 60);
/// Largest file the local upload route takes (the largest `max_size` of the forms).
pub const UPLOAD_LIMIT: usize = 100 * 1024 * 1024;

impl Caller {
    /// Where this caller acts in the case workflows: national, a province (region
    /// claim), an institution (unit claim) or the organisers.
    pub fn case_actor(&self, lang: Lang) -> Result<Actor, ApiError> {
        let claims = &self.0;
        let level = match (claims.role, &claims.region, &claims.unit) {
            (Role::NationalAdmin, _, _) => Level::National,
            (Role::Organiser, _, _) => Level::Organiser,
            (Role::RegionalAdmin, Some(region), _) if !region.is_empty() => Level::Province { region: region.clone() },
            (Role::UnitAdmin, _, Some(unit)) if !unit.is_empty() => Level::Institution { unit: unit.clone() },
            (Role::RegionalAdmin, _, _) => {
                return Err(ApiError::forbidden(
                    lang,
                    "地方管理员的令牌须注明所辖地区。",
                    "A regional administrator's token must name a region.",
                ));
            }
            (Role::UnitAdmin, _, _) => {
                return Err(ApiError::forbidden(
                    lang,
                    "单位管理员的令牌须注明所在单位。",
                    "A unit administrator's token must name a unit.",
                ));
            }
            _ => return Err(ApiError::forbidden(lang, "您的角色无权办理案例。", "Your role may not handle cases.")),
        };
        Ok(Actor::new(claims.sub.clone(), level))
    }
}

pub(super) fn case_error(e: CaseError, lang: Lang) -> ApiError {
    match e {
        CaseError::NotFound => ApiError::not_found(lang),
        CaseError::OutOfScope => ApiError::forbidden(
            lang,
            "该案例不属于您所管辖的地区或单位。",
            "This case belongs to another region or unit.",
        ),
        CaseError::NotAllowed { action } => {
            ApiError::forbidden(lang, "您的角色无权执行此操作。", &format!("Your role may not {action} this case."))
        }
        CaseError::InvalidTransition { status, status_zh, action } => ApiError::new(
            StatusCode::CONFLICT,
            lang.pick(
                &format!("案例当前状态为“{status_zh}”，不能执行此操作。"),
                &format!("A case that is {status} cannot be {action}."),
            ),
        ),
        CaseError::Required { field, max } => {
            let (zh, en) = match field {
                "comment" => ("请填写审核意见", "Give a comment"),
                "opinion" => ("请填写审查意见", "Give an opinion"),
                "reason" => ("请填写退回原因", "Give a reason"),
                "unit" => ("请指明转办机构", "Name the institution"),
                _ => ("请填写此项", "This is required"),
            };
            ApiError::invalid(lang, BTreeMap::new()).field(
                field,
                match lang {
                    Lang::Zh => format!("{zh}（不超过 {max} 字）。"),
                    Lang::En => format!("{en} (at most {max} characters)."),
                },
            )
        }
        CaseError::Invalid(fields) => ApiError::invalid(lang, fields),
        CaseError::IdempotencyKeyReused => ApiError::invalid(lang, BTreeMap::new()).field(
            "Idempotency-Key",
            lang.pick(
                "该幂等键已用于另一次提交，请换一个新的键。",
                "This Idempotency-Key was used for a different request; use a new key.",
            ),
        ),
        CaseError::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            lang.pick("系统繁忙，请稍后重试。", "The service is busy; please retry in a moment."),
        ),
        CaseError::Store(e) => ApiError::store(e, lang),
    }
}

pub(super) fn rejection(r: Rejection, lang: Lang) -> ApiError {
    match r {
        Rejection::Invalid(fields) => ApiError::invalid(lang, fields),
        Rejection::NoSchema(id) => {
            tracing::error!(form = id, "form schema is not compiled in");
            ApiError::internal(lang)
        }
    }
}

/// 201 (or 200 for a change) with `idempotent-replayed: true` on a replay.
pub(super) fn written<T>(w: &Written<T>, status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    if w.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

fn no_attachments(lang: Lang) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        lang.pick("附件存储未配置，暂不能上传附件。", "Attachment storage is not configured; uploads are unavailable."),
    )
}

fn attachment_error(e: AttachmentError, lang: Lang) -> ApiError {
    match e {
        AttachmentError::BadTicket => ApiError::forbidden(
            lang,
            "上传或下载链接无效或已过期，请重新获取。",
            "The upload or download link is invalid or has expired; ask for a new one.",
        ),
        AttachmentError::WrongLength { expected, actual } => ApiError::invalid(lang, BTreeMap::new()).field(
            "file",
            match lang {
                Lang::Zh => format!("文件大小为 {actual} 字节，与申请上传时的 {expected} 字节不符。"),
                Lang::En => format!("The file is {actual} bytes, not the {expected} bytes the link is for."),
            },
        ),
        AttachmentError::WrongType { expected, actual } => ApiError::invalid(lang, BTreeMap::new()).field(
            "file",
            match lang {
                Lang::Zh => format!("文件类型为 {actual}，与申请上传时的 {expected} 不符。"),
                Lang::En => format!("The file is of type {actual}, not the {expected} the link is for."),
            },
        ),
        AttachmentError::Missing(_) => ApiError::not_found(lang),
        e => {
            tracing::error!(error = %e, "attachment storage failed");
            ApiError::internal(lang)
        }
    }
}

// ---- attachments ---------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct PlannedUpload {
    #[serde(default)]
    form: String,
    #[serde(default)]
    field: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    content_type: String,
}

/// `POST /case-files` `{form, field, name, size, content_type}` — an upload ticket for
/// one file of a case form, checked against that field's `accept` and `max_size`.
/// Answers the file record to put in the form once uploaded, and how to upload it.
pub async fn upload_ticket(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = match (caller.case_actor(lang), caller.0.role, caller.0.unit.as_deref()) {
        (Ok(actor), ..) => actor,
        // A filler attaches files to the unit's reports and plans, under the unit's keys.
        (Err(_), Role::Filler, Some(unit)) if !unit.is_empty() => {
            Actor::new(caller.0.sub.clone(), Level::Institution { unit: unit.to_owned() })
        }
        (Err(refusal), ..) => return Err(refusal),
    };
    let files = state.files.as_ref().ok_or_else(|| no_attachments(lang))?;
    let planned: PlannedUpload = serde_json::from_value(body).map_err(|e| {
        ApiError::invalid(lang, BTreeMap::new())
            .field("", lang.pick("请求内容格式不正确。", "The request body has the wrong shape."))
            .field("detail", e.to_string())
    })?;
    let content_type = planned.content_type.trim().to_ascii_lowercase();
    validation::planned_upload(&planned.form, &planned.field, planned.name.trim(), planned.size, &content_type, lang)
        .map_err(|r| rejection(r, lang))?;
    let key = actor.upload_key(planned.name.trim());
    let ticket = files
        .attachments()
        .presign_upload(&key, &content_type, planned.size, UPLOAD_VALID_FOR)
        .await
        .map_err(|e| attachment_error(e, lang))?;
    tracing::info!(key = %key, size = planned.size, by = %actor.id, "upload ticket issued");
    let file = json!({ "name": planned.name.trim(), "size": planned.size, "content_type": content_type, "key": key });
    Ok((StatusCode::CREATED, Json(json!({ "file": file, "upload": ticket }))).into_response())
}

/// `PUT /uploads/{token}` — the local stand-in for an S3 presigned upload.
pub async fn receive_upload(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let local = state.files.as_ref().and_then(|f| f.local()).ok_or_else(|| ApiError::not_found(lang))?;
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").trim().to_ascii_lowercase();
    let key = local.receive(&token, &content_type, &body).await.map_err(|e| attachment_error(e, lang))?;
    tracing::info!(key = %key, bytes = body.len(), "file uploaded");
    Ok(Json(json!({ "key": key })).into_response())
}

/// `GET /files/{token}` — the local stand-in for an S3 presigned download.
pub async fn serve_file(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let local = state.files.as_ref().and_then(|f| f.local()).ok_or_else(|| ApiError::not_found(lang))?;
    let (name, bytes) = local.open(&token).await.map_err(|e| attachment_error(e, lang))?;
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    // Saved under the stored name, not the link's token. Keys hold ASCII names only.
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    key: String,
}

impl DownloadQuery {
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A download link for `key`, if it is one of the files of a case the caller sees.
pub(super) async fn download_link(
    state: &AppState,
    lang: Lang,
    case_files: &[String],
    key: &str,
) -> Result<Response, ApiError> {
    let files = state.files.as_ref().ok_or_else(|| no_attachments(lang))?;
    if key.is_empty() || !case_files.iter().any(|k| k == key) {
        return Err(ApiError::not_found(lang));
    }
    let url =
        files.attachments().presign_download(key, DOWNLOAD_VALID_FOR).await.map_err(|e| attachment_error(e, lang))?;
    Ok(Json(json!({ "url": url })).into_response())
}

/// Every file key in a form value (`{key}` objects at any depth).
pub(super) fn file_keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(key)), Some(_), Some(_)) = (map.get("key"), map.get("name"), map.get("size")) {
                out.push(key.clone());
            }
            map.values().for_each(|v| file_keys(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| file_keys(v, out)),
        _ => {}
    }
}

// ---- typical cases (seed 000) ---------------------------------------------------------

fn typical_view(case: &TypicalCase, lang: Lang) -> Value {
    let mut v = serde_json::to_value(case).unwrap_or_default();
    v["status_label"] = json!(case.status.label_zh());
    v["region_label"] = json!(validation::case_label("region", &case.upload.region, lang));
    v["category_label"] = json!(validation::case_label("category", &case.upload.category, lang));
    crate::domain::masking::accounts_in(&mut v);
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
    let upload = validation::case_upload(&body, lang, &actor.upload_prefix()).map_err(|r| rejection(r, lang))?;
    let w = state.typical_cases.upload(&actor, upload, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, region = %w.case.upload.region, replayed = w.replayed, "typical case uploaded");
    Ok(written(&w, StatusCode::CREATED, typical_view(&w.case, lang)))
}

#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    status: Option<String>,
}

impl StatusQuery {
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
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
    let rows: Vec<Value> = cases.iter().map(|c| typical_view(c, lang)).collect();
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
    Ok(Json(typical_view(&case, lang)).into_response())
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
    let keys: Vec<String> = case.upload.attachments.iter().map(|f| f.key.clone()).collect();
    download_link(&state, lang, &keys, &q.key).await
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
    let upload = validation::case_upload(&body, lang, &actor.upload_prefix()).map_err(|r| rejection(r, lang))?;
    let w = state.typical_cases.resubmit(&id, &actor, upload, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, replayed = w.replayed, "typical case resubmitted");
    Ok(written(&w, StatusCode::OK, typical_view(&w.case, lang)))
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
    Ok(Json(typical_view(&case, lang)).into_response())
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
    Ok(Json(typical_view(&case, lang)).into_response())
}
