//! Request pieces every handler needs, refused in the house error shape: the JSON body
//! (400 if it is not JSON, 413 if too large), the reply language, the idempotency key.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::lifecycle::IdempotencyKey;

/// Largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The language of messages: Chinese unless the client prefers English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_parts(parts: &Parts) -> Lang {
        let header = parts.headers.get(http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let first = header.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
        if first.starts_with("en") { Lang::En } else { Lang::Zh }
    }

    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_parts(parts))
    }
}

/// A JSON body, any content type (forms posted by `fetch` sometimes omit it).
pub struct JsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = Lang::from_parts(&parts);
        let req = Request::from_parts(parts, body);
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    lang.pick("提交内容过大（上限 64 KB）。", "The request body is too large (limit 64 KB)."),
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    lang.pick("无法读取请求内容。", "The request body could not be read."),
                )
            }
        })?;
        let value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                match lang {
                    Lang::Zh => format!("请求内容不是有效的 JSON：{e}"),
                    Lang::En => format!("The request body is not valid JSON: {e}"),
                },
            )
        })?;
        Ok(JsonBody(value))
    }
}

/// A JSON body that may be left out entirely (an empty body reads as `{}`), for
/// actions whose fields are all optional (approve with an opinion, dispatch).
pub struct OptionalJsonBody(pub serde_json::Value);

impl<S: Send + Sync> FromRequest<S> for OptionalJsonBody {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req.headers().get(http::header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() == b"0")
            || (req.headers().get(http::header::CONTENT_LENGTH).is_none()
                && req.headers().get(http::header::TRANSFER_ENCODING).is_none()
                && axum::body::HttpBody::size_hint(req.body()).exact() == Some(0));
        if empty {
            return Ok(OptionalJsonBody(serde_json::json!({})));
        }
        JsonBody::from_request(req, state).await.map(|JsonBody(v)| OptionalJsonBody(v))
    }
}

/// The optional `Idempotency-Key` header; malformed keys are refused with 422.
pub struct Idempotency(pub Option<IdempotencyKey>);

impl<S: Send + Sync> FromRequestParts<S> for Idempotency {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get("idempotency-key") else {
            return Ok(Idempotency(None));
        };
        let lang = Lang::from_parts(parts);
        raw.to_str().ok().and_then(IdempotencyKey::parse).map(|k| Idempotency(Some(k))).ok_or_else(|| {
            ApiError::invalid(lang, Default::default()).field(
                "Idempotency-Key",
                lang.pick(
                    "幂等键须为 1–200 个可见 ASCII 字符。",
                    "Idempotency-Key must be 1–200 visible ASCII characters.",
                ),
            )
        })
    }
}

/// A string field of a JSON body, if present: comments, reasons, opinions.
pub fn body_text<'a>(body: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    body.get(name).and_then(serde_json::Value::as_str)
}
