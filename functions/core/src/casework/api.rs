//! Case endpoints shared by both case workflows — who the caller is in the chain, the
//! error mapping, attachment tickets and the local upload/download routes. The
//! workflows' own endpoints are in `workflows/typical_case/api.rs` and
//! `workflows/integrity_case/api.rs`.

use crate::http::ApiRoute;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{get, post, put};
use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::attachments::{AttachmentError, content_disposition, media_type};
use crate::casework::{Actor, CaseError, FileRef, Level, Written};
use crate::http::AppState;
use crate::http::auth::{Caller, Role};
use crate::http::error::ApiError;
use crate::http::extract::{JsonBody, Lang, Path};
use crate::store::{Item, Key, Write};
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

pub(crate) fn case_error(e: CaseError, lang: Lang) -> ApiError {
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

pub(crate) fn rejection(r: Rejection, lang: Lang) -> ApiError {
    match r {
        Rejection::Invalid(fields) => ApiError::invalid(lang, fields),
        Rejection::NoSchema(id) => {
            tracing::error!(form = id, "form schema is not compiled in");
            ApiError::internal(lang)
        }
    }
}

/// 201 (or 200 for a change) with `idempotent-replayed: true` on a replay.
pub(crate) fn written<T>(w: &Written<T>, status: StatusCode, body: Value) -> Response {
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

pub(crate) fn attachment_error(e: AttachmentError, lang: Lang) -> ApiError {
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
        // A key no upload could have (`..`, a backslash …) names no file.
        AttachmentError::Missing(_) | AttachmentError::BadKey(_) => ApiError::not_found(lang),
        AttachmentError::AlreadyStored(_) => ApiError::new(
            StatusCode::CONFLICT,
            lang.pick(
                "该上传链接已经用过，不能再次上传或覆盖文件；请重新选择文件上传。",
                "This upload link has been used; it cannot upload or replace a file again. Upload the file anew.",
            ),
        ),
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
    // A declared `content_type` is not read: the name's extension decides.
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
    let planned: PlannedUpload = serde_json::from_value(body).map_err(|e| {
        ApiError::invalid(lang, BTreeMap::new())
            .field("", lang.pick("请求内容格式不正确。", "The request body has the wrong shape."))
            .field("detail", e.to_string())
    })?;
    let prefix = if planned.form == validation::EXTERNAL_TRAINING {
        // Anyone signed in studies: a certificate is the learner's own, under their keys.
        crate::casework::learner_upload_prefix(&caller.0.sub)
    } else {
        match (caller.case_actor(lang), caller.0.role, caller.0.unit.as_deref()) {
            (Ok(actor), ..) => actor.upload_prefix(),
            // A filler attaches files to the unit's reports and plans, under the unit's keys.
            (Err(_), Role::Filler, Some(unit)) if !unit.is_empty() => crate::casework::unit_upload_prefix(unit),
            (Err(refusal), ..) => return Err(refusal),
        }
    };
    let by = caller.0.sub.clone();
    let files = state.files.as_ref().ok_or_else(|| no_attachments(lang))?;
    // The type the name's extension stands for, whatever the client declared: the
    // field's `accept` judges the name, and the file is stored and served as that type.
    let content_type = media_type(planned.name.trim());
    validation::planned_upload(&planned.form, &planned.field, planned.name.trim(), planned.size, content_type, lang)
        .map_err(|r| rejection(r, lang))?;
    let key = crate::casework::upload_key_under(&prefix, planned.name.trim());
    let ticket = files
        .attachments()
        .presign_upload(&key, content_type, planned.size, UPLOAD_VALID_FOR)
        .await
        .map_err(|e| attachment_error(e, lang))?;
    let record = json!({ "name": planned.name.trim(), "size": planned.size, "content_type": content_type, "by": by });
    let kept = Item::new(Key::new(format!("UPLOAD#{key}"), "TICKET"), record).expiring_at(ticket.expires_at);
    state.store.transact(vec![Write::Create(kept)]).await.map_err(|e| ApiError::store(e, lang))?;
    tracing::info!(key = %key, size = planned.size, by = %by, "upload ticket issued");
    let file = json!({ "name": planned.name.trim(), "size": planned.size, "content_type": content_type, "key": key });
    Ok((StatusCode::CREATED, Json(json!({ "file": file, "upload": ticket }))).into_response())
}

/// `PUT /uploads/{token}` — the local stand-in for an S3 presigned upload. The link
/// (its signature, expiry, content type, announced length, and that nothing is
/// stored at its key yet) is checked before a byte of the body is read; the body is
/// then streamed to disk, never more than the link's length.
pub async fn receive_upload(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let local = state.files.as_ref().and_then(|f| f.local()).ok_or_else(|| ApiError::not_found(lang))?;
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").trim().to_ascii_lowercase();
    let announced = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
    let grant = local.admit(&token, &content_type, announced).map_err(|e| attachment_error(e, lang))?;
    let key = local.receive_stream(grant, body.into_data_stream()).await.map_err(|e| attachment_error(e, lang))?;
    tracing::info!(key = %key, "file uploaded");
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
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type(&name)));
    // Always saved, never shown inline, under the name it was uploaded with.
    if let Ok(disposition) = HeaderValue::from_str(&content_disposition(&name)) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct DownloadQuery {
    #[serde(default)]
    pub(crate) key: String,
}

impl DownloadQuery {
    pub fn key(&self) -> &str {
        &self.key
    }
}

/// A download link for `key`, if it is one of the files of a case the caller sees:
/// it saves the file under the name it was uploaded with.
pub(crate) async fn download_url(
    state: &AppState,
    lang: Lang,
    case_files: &[FileRef],
    key: &str,
) -> Result<String, ApiError> {
    let files = state.files.as_ref().ok_or_else(|| no_attachments(lang))?;
    let Some(file) = case_files.iter().find(|f| !key.is_empty() && f.key == key) else {
        return Err(ApiError::not_found(lang));
    };
    files
        .attachments()
        .presign_download(key, &file.name, DOWNLOAD_VALID_FOR)
        .await
        .map_err(|e| attachment_error(e, lang))
}

/// Every file record in a form value (`{key, name, size}` objects at any depth).
pub(crate) fn file_records(value: &Value, out: &mut Vec<FileRef>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(key)), Some(name), Some(size)) =
                (map.get("key"), map.get("name"), map.get("size"))
            {
                out.push(FileRef {
                    name: name.as_str().unwrap_or_default().to_owned(),
                    size: size.as_u64().unwrap_or_default(),
                    content_type: map.get("content_type").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    key: key.clone(),
                });
            }
            map.values().for_each(|v| file_records(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| file_records(v, out)),
        _ => {}
    }
}

/// The stored files (key → size) among those a submission points at under
/// `owner_prefix`: what [`crate::validation`] holds a file field's records against,
/// so that a key whose upload never happened (or was cut short) answers no field.
/// Every workflow that takes files builds it before validating.
pub(crate) async fn stored_uploads(
    state: &AppState,
    owner_prefix: &str,
    submission: &Value,
    lang: Lang,
) -> Result<validation::Uploads, ApiError> {
    let mut records = Vec::new();
    file_records(submission, &mut records);
    let keys: std::collections::BTreeSet<String> = records
        .into_iter()
        .map(|f| f.key)
        .filter(|k| k.starts_with(owner_prefix) && crate::attachments::check_key(k).is_ok())
        .collect();
    let mut stored = BTreeMap::new();
    if let (Some(files), false) = (state.files.as_ref(), keys.is_empty()) {
        let attachments = files.attachments();
        let sizes = futures_util::future::join_all(keys.iter().map(|k| attachments.size_of(k))).await;
        for (key, size) in keys.into_iter().zip(sizes) {
            if let Some(size) = size.map_err(|e| attachment_error(e, lang))? {
                stored.insert(key, size);
            }
        }
    }
    Ok(validation::Uploads { owner_prefix: owner_prefix.to_owned(), stored })
}

/// `?status=` of a case list.
#[derive(Debug, Deserialize)]
pub struct StatusQuery {
    status: Option<String>,
}

impl StatusQuery {
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }
}

/// The attachment endpoints both case workflows (and the training plan) use: an
/// upload ticket needs a token; the local upload and download routes are reached
/// through the signed links the tickets hold.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::POST, "/case-files", post(upload_ticket)),
        ApiRoute::public(
            Method::PUT,
            "/uploads/{token}",
            put(receive_upload).layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        ),
        ApiRoute::public(Method::GET, "/files/{token}", get(serve_file)),
    ]
}
