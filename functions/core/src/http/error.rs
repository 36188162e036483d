//! The one error shape every endpoint answers with:
//! `{"error": "what is wrong and what to do", "fields": {"email": "…"}}`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::extract::Lang;
use crate::lifecycle::review::{Denied, WorkflowError};
use crate::store::StoreError;
use crate::workflows::RegistrationError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ErrorBody {
    pub error: String,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        ApiError { status, body: ErrorBody { error: error.into(), fields: BTreeMap::new() } }
    }

    pub fn field(mut self, name: impl Into<String>, message: impl Into<String>) -> Self {
        self.body.fields.insert(name.into(), message.into());
        self
    }

    pub fn with_fields(mut self, fields: BTreeMap<String, String>) -> Self {
        self.body.fields.extend(fields);
        self
    }

    pub fn invalid(lang: Lang, fields: BTreeMap<String, String>) -> Self {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang.pick(
                "提交的内容有误，请按提示修改后重新提交。",
                "Some answers need correcting; see the fields listed.",
            ),
        )
        .with_fields(fields)
    }

    pub fn not_found(lang: Lang) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, lang.pick("找不到该地址或记录。", "No such address or record."))
    }

    pub fn unauthorized(lang: Lang, why_zh: &str, why_en: &str) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, lang.pick(why_zh, why_en))
    }

    pub fn forbidden(lang: Lang, why_zh: &str, why_en: &str) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, lang.pick(why_zh, why_en))
    }

    pub fn internal(lang: Lang) -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            lang.pick(
                "服务暂时出错，请稍后再试；若一再出现，请联系管理员。",
                "Something went wrong on our side; please try again later.",
            ),
        )
    }

    pub fn store(e: StoreError, lang: Lang) -> Self {
        match e {
            StoreError::Contention => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                lang.pick("系统繁忙，请稍后重试。", "The service is busy; please retry in a moment."),
            ),
            e => {
                tracing::error!(error = %e, "storage failed");
                ApiError::internal(lang)
            }
        }
    }

    pub fn registration(e: RegistrationError, lang: Lang) -> Self {
        use RegistrationError as E;
        let unprocessable =
            |zh: &str, en: &str| ApiError::invalid(lang, BTreeMap::new()).field("course", lang.pick(zh, en));
        match e {
            E::UnknownCourse(_) => {
                unprocessable("没有这门可报名的课程。", "There is no such course open for registration.")
            }
            E::NotYetOpen(at) => {
                let at = crate::lifecycle::time::shown(at);
                let (zh, en) = (
                    format!("报名尚未开始，开始时间：{at}（北京时间）。"),
                    format!("Registration opens at {at} (Beijing time)."),
                );
                unprocessable(&zh, &en)
            }
            E::Closed(at) => {
                let at = crate::lifecycle::time::shown(at);
                let (zh, en) = (
                    format!("报名已于 {at}（北京时间）截止。"),
                    format!("Registration closed at {at} (Beijing time)."),
                );
                unprocessable(&zh, &en)
            }
            E::AlreadyRegistered => {
                // One sentence for the refusal and for the field, on every page and in the API.
                let message = lang.pick(ALREADY_REGISTERED.0, ALREADY_REGISTERED.1);
                ApiError::new(StatusCode::CONFLICT, message).field("email", message)
            }
            E::NotFound => ApiError::not_found(lang),
            E::OutOfScope => ApiError::forbidden(
                lang,
                "该报名不属于您所管辖的地区。",
                "This registration belongs to another region.",
            ),
            E::InvalidTransition { from, action } => ApiError::new(
                StatusCode::CONFLICT,
                lang.pick(
                    &format!("当前状态（{}）下不能执行此操作。", zh_status(from)),
                    &format!("A {from} registration cannot be {action}."),
                ),
            ),
            E::NoteRequired => ApiError::invalid(lang, BTreeMap::new()).field(
                "note",
                lang.pick(
                    "请填写审核意见（不超过 500 字）。",
                    "Give the registrant a reason (at most 500 characters).",
                ),
            ),
            E::IdempotencyKeyReused => ApiError::invalid(lang, BTreeMap::new()).field(
                "Idempotency-Key",
                lang.pick(
                    "该幂等键已用于另一份提交，请换一个新的键。",
                    "This Idempotency-Key was used for a different submission; use a new key.",
                ),
            ),
            E::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                lang.pick("报名人数较多，系统繁忙，请稍后重试。", "The course is busy; please try again in a moment."),
            ),
            E::Store(e) => ApiError::store(e, lang),
        }
    }
}

/// The answer to a refused workflow step, for reports and training plans alike.
pub(crate) fn workflow_error(e: WorkflowError, lang: Lang) -> ApiError {
    use WorkflowError as E;
    match e {
        E::NotFound => ApiError::not_found(lang),
        E::Denied(Denied::Role) => ApiError::forbidden(lang, "您的角色无权执行此操作。", "Your role may not do this."),
        E::Denied(Denied::OtherUnit) => {
            ApiError::forbidden(lang, "该记录属于其他单位，您无权查看或修改。", "This record belongs to another unit.")
        }
        E::Denied(Denied::OtherRegion) => {
            ApiError::forbidden(lang, "该记录不属于您所管辖的地区。", "This record belongs to another region.")
        }
        E::Invalid(fields) => ApiError::invalid(lang, fields),
        E::StaleVersion { expected, current } => ApiError::new(
            StatusCode::CONFLICT,
            match lang {
                Lang::Zh => format!("内容已被他人修改（您基于第 {expected} 版，当前为第 {current} 版）。请刷新后重新填写本页再保存。"),
                Lang::En => format!(
                    "Someone changed it since you opened it (you started from version {expected}, it is now {current}). Reload, then save again."
                ),
            },
        )
        .field("version", current.to_string()),
        E::InvalidTransition { from, action } => ApiError::new(
            StatusCode::CONFLICT,
            match lang {
                Lang::Zh => format!("当前状态（{}）下不能{}或修改。", from.label_zh(), action.label_zh()),
                Lang::En => format!("A {} record cannot be changed or take the step “{}”.", from.as_str(), action.as_str()),
            },
        ),
        E::CommentRequired => ApiError::invalid(lang, BTreeMap::new()).field(
            "comment",
            lang.pick("请填写审核意见（退回时必填，不超过 500 字）。", "Give a comment (required when returning; at most 500 characters)."),
        ),
        E::AlreadyExists => ApiError::new(
            StatusCode::CONFLICT,
            lang.pick("本单位该年度的计划已经报送，每个单位每年只能报送一份。", "Your unit has already submitted its plan for this year; there is one per unit and year."),
        ),
        E::IdempotencyKeyReused => ApiError::invalid(lang, BTreeMap::new()).field(
            "Idempotency-Key",
            lang.pick("该幂等键已用于另一份提交，请换一个新的键。", "This Idempotency-Key was used for a different submission; use a new key."),
        ),
        E::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, lang.pick("系统繁忙，请稍后重试。", "The service is busy; please retry in a moment.")),
        E::NoSchema(id) => {
            tracing::error!(form = id, "form schema is not compiled in");
            ApiError::internal(lang)
        }
        E::Store(e) => ApiError::store(e, lang),
    }
}

/// A second live registration with one e-mail for one course (zh, en).
pub const ALREADY_REGISTERED: (&str, &str) = (
    "该邮箱已报名本课程，每人每门课程只能有一份有效报名；如需查看或撤回，请使用报名回执。",
    "This e-mail address is already registered for this course (one registration per person and course); use your receipt to check or withdraw it.",
);

fn zh_status(s: &str) -> &'static str {
    crate::workflows::RegistrationStatus::parse(s).map_or("未知", |s| s.label_zh())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl ApiError {
    /// The refusal for `status` when nothing more is known: what a framework's own
    /// refusal (an unreadable request, a body of the wrong type) says in the house
    /// shape and the caller's language.
    pub fn of_status(status: StatusCode, lang: Lang) -> Self {
        let (zh, en) = match status {
            StatusCode::NOT_FOUND => return ApiError::not_found(lang),
            StatusCode::METHOD_NOT_ALLOWED => ("该地址不支持此请求方法。", "This address does not accept that method."),
            StatusCode::PAYLOAD_TOO_LARGE => ("提交内容过大。", "The request body is too large."),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("请求内容的类型不受支持：请以 JSON 提交。", "The request body's type is not supported: send JSON.")
            }
            s if s.is_server_error() => return ApiError::internal(lang).with_status(s),
            _ => (
                "请求无法读取，请检查地址、参数和内容后重试。",
                "The request cannot be read; check its address, parameters and body.",
            ),
        };
        ApiError::new(status, lang.pick(zh, en))
    }

    fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

/// Whether a response is a refusal that is not in the house shape yet: an error
/// status whose body is not JSON (axum's plain-text rejections, an empty 405).
pub fn is_foreign_refusal(response: &Response) -> bool {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("text/html"));
    (status.is_client_error() || status.is_server_error()) && !json
}

/// Middleware: every refusal leaves in the house shape, `{error, fields}` in the
/// caller's language, whichever layer refused — a handler (already so), or an
/// extractor or the router (plain text, in English), so a client never has to
/// read two kinds of error. Headers of the refusal (`allow` …) are kept.
pub async fn in_house_shape(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let response = next.run(request).await;
    if !is_foreign_refusal(&response) {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let mut answer = ApiError::of_status(parts.status, lang).into_response();
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in parts.headers.iter() {
        answer.headers_mut().entry(name).or_insert_with(|| value.clone());
    }
    answer
}
