//! Request pieces every handler needs, refused in the house error shape: the JSON body
//! (400 if it is not JSON, 413 if too large), the reply language, the idempotency key,
//! the path parameters (404 when they cannot be read: they name no record) and the
//! query string (400 naming the parameter: given twice, not UTF-8, of the wrong kind).
//! Handlers take [`Path`] and [`Query`] from here, never axum's, whose refusals are
//! English plain text.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use encoding_rs::Encoding;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::ApiError;
use crate::lifecycle::IdempotencyKey;

/// Largest JSON request body accepted, in bytes: room for every form at its longest
/// even when every character is sent as a `\uXXXX` escape — a test holds every
/// schema to it. The longest is the annual training plan (seed 001) with its 200
/// projects filled, about 1.9 MB so escaped (a typical case's 50,000-character text
/// is 0.3 MB); 4 MB leaves room under Lambda's 6 MB request limit. Files never come
/// through the API (upload tickets).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The language of messages: Chinese unless the client prefers English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_parts(parts: &Parts) -> Lang {
        Lang::from_headers(&parts.headers)
    }

    /// English when the first language of `Accept-Language` is English, else Chinese.
    pub fn from_headers(headers: &http::HeaderMap) -> Lang {
        let header = headers.get(http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
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
                    match lang {
                        Lang::Zh => format!("提交内容过大（上限 {} MB）。", BODY_LIMIT >> 20),
                        Lang::En => format!("The request body is too large (limit {} MB).", BODY_LIMIT >> 20),
                    },
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

/// The path parameters of a route, deserialised. Parameters that cannot be read —
/// percent-encoded bytes that are not UTF-8, a value of the wrong kind — name no
/// record: 404 in the house shape.
pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = super::ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => {
                tracing::debug!(%rejection, "path parameters unreadable");
                Err(super::ApiError::not_found(Lang::from_parts(parts)))
            }
        }
    }
}

/// The query string, deserialised from its parameters as strings. Refused with 400
/// naming the parameter when one is given twice (`?status=a&status=b`: which would
/// count?), is not UTF-8, or is not of the kind the endpoint takes.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = super::ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_parts(parts);
        let refused = |field: &str, zh: String, en: String| {
            super::ApiError::new(
                StatusCode::BAD_REQUEST,
                lang.pick("查询参数有误，请按提示修改。", "The query string needs correcting; see the fields listed."),
            )
            .field(
                field,
                match lang {
                    Lang::Zh => zh,
                    Lang::En => en,
                },
            )
        };
        let query = parts.uri.query().unwrap_or("").as_bytes();
        let pairs = urlencoded_pairs(query, encoding_rs::UTF_8).map_err(|_| {
            refused("", "查询参数不是有效的 UTF-8 文字。".into(), "The query string is not valid UTF-8.".into())
        })?;
        let mut map = Map::new();
        for (name, value) in pairs {
            if map.contains_key(&name) {
                let (zh, en) = (format!("查询参数 {name} 只能给一次。"), format!("Give `{name}` once only."));
                return Err(refused(&name, zh, en));
            }
            map.insert(name, Value::String(value));
        }
        serde_json::from_value(Value::Object(map))
            .map(Query)
            .map_err(|e| refused("", format!("查询参数无法读取：{e}"), format!("The query string cannot be read: {e}")))
    }
}

/// `a=1&b=%E5%BC%A0` (a query string or a form post): each pair percent-decoded
/// (`+` is a space), then read in `encoding`. `Err` when a name or value is not
/// text in that encoding: nothing is guessed, so nothing is stored garbled.
pub fn urlencoded_pairs(body: &[u8], encoding: &'static Encoding) -> Result<Vec<(String, String)>, NotText> {
    let unescape = |part: &[u8]| {
        let spaced: Vec<u8> = part.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        let raw: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
        decode_text(&raw, encoding)
    };
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            Ok((unescape(name)?, unescape(value)?))
        })
        .collect()
}

/// Bytes that are not text in the encoding they were said to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText(pub &'static Encoding);

/// `bytes` as text in `encoding`, strictly: no replacement characters.
pub fn decode_text(bytes: &[u8], encoding: &'static Encoding) -> Result<String, NotText> {
    encoding.decode_without_bom_handling_and_without_replacement(bytes).map(Cow::into_owned).ok_or(NotText(encoding))
}

/// The `values` of a save: an object of the fields saved. Without it a save would
/// save nothing, so it is refused rather than counted as a change.
pub fn values_of(body: &Value, lang: Lang) -> Result<Value, ApiError> {
    match body.get("values") {
        Some(values @ Value::Object(_)) => Ok(values.clone()),
        _ => Err(ApiError::invalid(lang, BTreeMap::new()).field(
            "values",
            lang.pick(
                "请在 values 中带上要保存的内容（字段名到所填值的对象）。",
                "Send what to save in `values`: an object of field names and values.",
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::BODY_LIMIT;
    use gazette_forms::{Field, FieldType};
    use serde_json::{Value, json};

    /// The longest a field's value can be: its `maxlength` of Chinese characters; a
    /// number, date, choice or box 32 characters; a file's record with a
    /// 100-character name (each file of a field of several: `max_files`, else 10); a
    /// group's every row (its `max_rows`, else 50) at its longest.
    fn longest(field: &Field) -> Value {
        if field.is_group() {
            let row: serde_json::Map<String, Value> =
                field.columns().iter().map(|c| (c.id().to_owned(), longest(c))).collect();
            return Value::Array(vec![Value::Object(row); field.max_rows().unwrap_or(50) as usize]);
        }
        match (field.kind(), field.maxlength()) {
            (FieldType::File, _) => {
                let key = format!("cases/u-{}/{}/file.pdf", "a".repeat(60), "0".repeat(26));
                let record = json!({ "name": "甲".repeat(100), "size": 104_857_600u64, "content_type": "application/pdf", "key": key });
                if field.is_multiple() { json!(vec![record; field.max_files().unwrap_or(10) as usize]) } else { record }
            }
            (_, Some(n)) => Value::String("甲".repeat(n as usize)),
            (_, None) => Value::String("9".repeat(32)),
        }
    }

    /// The JSON API's body limit holds every form at its longest, every character
    /// sent as a `\uXXXX` escape (6 bytes), wrapped as a save (`{version, values}`).
    #[test]
    fn the_json_body_limit_fits_every_forms_longest_text_escaped() {
        for schema in gazette_forms::all() {
            let values: serde_json::Map<String, Value> =
                schema.fields().iter().map(|f| (f.id().to_owned(), longest(f))).collect();
            let body = json!({ "version": 1, "values": values }).to_string();
            let escaped: usize = body.chars().map(|c| if c.is_ascii() { 1 } else { 6 * c.len_utf16() }).sum();
            assert!(
                escaped <= BODY_LIMIT,
                "form {} at its longest is {escaped} bytes escaped, over {BODY_LIMIT}",
                schema.id()
            );
        }
    }
}
