//! Reading the body of a form post into names and values, whatever encoding it
//! comes in — or refusing it with a clear message, never storing mojibake:
//!
//! - `application/x-www-form-urlencoded`: percent-decoded, then read in the
//!   `charset` of the content type (any label of the Encoding Standard: `GBK`,
//!   `gb18030`, `big5` …; UTF-8 when none is given). Bytes that are not text in that
//!   encoding, or a charset no one knows, refuse the whole post.
//! - `multipart/form-data` (RFC 7578): a text part is read in its own `charset`, or
//!   UTF-8. A part with a file name is a file; its name comes from `filename*`
//!   (RFC 6266 / RFC 8187: `UTF-8''%E8%B0%83%E6%9F%A5.pdf`) when given, else from
//!   `filename`. A file whose name cannot be read is refused on its field.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{HeaderMap, header};
use encoding_rs::{Encoding, UTF_8};
use serde_json::Value;

use crate::http::extract::{NotText, decode_text, urlencoded_pairs};

/// What a post may hold beyond its form's own allowance: the page's controls, field
/// names, separators, a multipart post's part headers.
const OVERHEAD: usize = 64 * 1024;
/// The most a post of a form without a schema (an approval's comment, sign-in) holds.
pub(super) const FIELDS_LIMIT: usize = 256 * 1024;

/// How much a post to a form may carry, from its schema: every text field at its
/// `maxlength` in 4-byte characters (plus [`OVERHEAD`]) — three times that
/// urlencoded, where each byte may become `%XX` — and each file field its
/// `max_size` (20–100 MB, `content/forms/*.toml`). A 30,000-character case text
/// (seed 000, `body` allows 50,000) fits; a post over these limits is refused on the
/// field being read when it ran over.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits<'a> {
    schema: Option<&'a gazette_forms::Schema>,
    /// The most one posted file may be whatever its field allows ([`LAMBDA_POST_FILE`]).
    file_cap: Option<u64>,
}

/// The largest file a form post carries through AWS Lambda (S3 storage): a
/// request reaches a function with 6 MB at most, and API Gateway hands it a
/// multipart body base64-encoded (4 bytes for 3), so about 4.5 MB of file arrive;
/// 4 MB leaves room for the form's text. A larger file is refused on its field,
/// saying so; an API client's upload ticket takes it straight to S3 up to the
/// field's own `max_size` (the pages do not use tickets yet). A post over 6 MB does
/// not reach the function: API Gateway answers 413 itself (README, deploy section).
pub const LAMBDA_POST_FILE: u64 = 4 * 1024 * 1024;

impl<'a> Limits<'a> {
    pub(super) fn of(schema: Option<&'a gazette_forms::Schema>) -> Self {
        Limits { schema, file_cap: None }
    }

    /// These limits where posted files go through Lambda on their way to S3
    /// (`through_lambda`): no file over [`LAMBDA_POST_FILE`].
    pub(super) fn through_lambda(self, through_lambda: bool) -> Self {
        Limits { file_cap: through_lambda.then_some(LAMBDA_POST_FILE), ..self }
    }

    /// Bytes of typed text (UTF-8) the form's fields may hold together.
    pub(super) fn text(&self) -> usize {
        let Some(schema) = self.schema else { return FIELDS_LIMIT };
        let text: usize = schema.fields().iter().map(field_text_bytes).sum();
        (text + OVERHEAD).max(FIELDS_LIMIT)
    }

    /// Bytes of an urlencoded post.
    pub(super) fn urlencoded(&self) -> usize {
        3 * self.text()
    }

    /// The largest file a post may carry for the field at `path`, and the message when
    /// one is larger: its `max_size`, or less through Lambda.
    fn file(&self, path: &str) -> Option<(u64, String)> {
        let max = self.field_max_size(path)?;
        Some(match self.file_cap {
            Some(cap) if cap < max => (cap, too_big_through_lambda(cap, max)),
            _ => (max, too_big(max)),
        })
    }

    /// The largest file the field at `path` (`attachments`, `projects[0].plan_document`) takes.
    fn field_max_size(&self, path: &str) -> Option<u64> {
        let schema = self.schema?;
        let (group, column) = match path.split_once('.') {
            Some((group, column)) => (group.split('[').next().unwrap_or(group), Some(column)),
            None => (path, None),
        };
        let field = schema.field(group)?;
        let field = match column {
            Some(column) => field.column(column)?,
            None => field,
        };
        field.max_size()
    }
}

/// The UTF-8 bytes a field may hold: 4 per character of its `maxlength` (a group:
/// its columns, times its rows); 1 KB for a field without one (numbers, choices).
fn field_text_bytes(field: &gazette_forms::Field) -> usize {
    if field.is_group() {
        let rows = field.max_rows().unwrap_or(50) as usize;
        return rows * field.columns().iter().map(field_text_bytes).sum::<usize>();
    }
    match field.kind() {
        gazette_forms::FieldType::File => 4 * 1024,
        _ => field.maxlength().map_or(1024, |n| 4 * n as usize),
    }
}

/// A form post, read.
pub(super) struct Posted {
    /// The form's fields, in the order posted.
    pub fields: Vec<(String, Value)>,
    /// The page's controls (names starting with `_`).
    pub controls: Vec<(String, String)>,
    pub files: Vec<Upload>,
    /// (field, message) for each file part that could not be taken, and for the
    /// field a post over its limits ran over on (the rest of such a post is not read).
    pub file_errors: Vec<(String, String)>,
}

/// One posted file.
pub(super) struct Upload {
    pub field: String,
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Posted {
    fn add(&mut self, name: String, value: String) {
        if name.starts_with('_') {
            self.controls.push((name, value));
        } else {
            self.fields.push((name, Value::String(value)));
        }
    }
}

/// The post's fields, controls and files within `limits`; `Err` with the message for
/// the person when the body cannot be read as a form.
pub(super) async fn read_post(request: Request, limits: Limits<'_>) -> Result<Posted, String> {
    let content_type = request.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes().to_vec()).unwrap_or_default();
    let content_type = String::from_utf8_lossy(&content_type).to_string();
    let mut posted = Posted { fields: Vec::new(), controls: Vec::new(), files: Vec::new(), file_errors: Vec::new() };
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if media_type == "multipart/form-data" {
        read_multipart(request, limits, &mut posted).await?;
    } else {
        let encoding = charset(&content_type)?;
        let (bytes, cut) = read_at_most(request.into_body(), limits.urlencoded()).await?;
        // Cut short: the pairs before the one being read when the limit was reached
        // are kept; that one is the field that ran over.
        let (whole, over) = match (cut, bytes.iter().rposition(|&b| b == b'&')) {
            (false, _) => (&bytes[..], None),
            (true, Some(at)) => (&bytes[..at], Some(&bytes[at + 1..])),
            (true, None) => (&bytes[..0], Some(&bytes[..])),
        };
        for (name, value) in urlencoded_pairs(whole, encoding).map_err(not_text)? {
            posted.add(name, value);
        }
        if let Some(over) = over {
            let name = over.split(|&b| b == b'=').next().unwrap_or_default();
            let name = urlencoded_pairs(name, encoding).ok().and_then(|p| p.into_iter().next()).map(|(n, _)| n);
            posted.file_errors.push((name.unwrap_or_default(), too_long(limits.text())));
        }
    }
    Ok(posted)
}

async fn read_multipart(request: Request, limits: Limits<'_>, posted: &mut Posted) -> Result<(), String> {
    let unreadable = |detail: String| format!("表单内容无法读取：{detail}");
    let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| unreadable(e.body_text()))?;
    let mut text_bytes = 0usize;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| unreadable(e.body_text()))? {
        let name = field.name().unwrap_or("").to_string();
        let headers = field.headers().clone();
        let is_file = file_name(&headers);
        // Files have their field's own limit; the typed fields share the form's.
        let (limit, file_too_big) = match (&is_file, limits.file(&name)) {
            (Some(_), Some((max, message))) => (max as usize, message),
            (Some(_), None) => {
                posted.file_errors.push((name, "此项不接受上传文件。".to_string()));
                return Ok(());
            }
            (None, _) => (limits.text().saturating_sub(text_bytes), String::new()),
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| format!("上传的内容无法读取：{}", e.body_text()))?
        {
            if bytes.len() + chunk.len() > limit {
                // Over its limit: the rest of the post is not read; what came before is kept.
                let message = match is_file {
                    Some(_) => file_too_big,
                    None => too_long(limits.text()),
                };
                posted.file_errors.push((name, message));
                return Ok(());
            }
            bytes.extend_from_slice(&chunk);
        }
        match is_file {
            Some(Ok(file_name)) => {
                // A file input left empty still sends a part with no name and no bytes.
                if !file_name.is_empty() {
                    let content_type = part_content_type(&headers).unwrap_or("application/octet-stream").to_string();
                    posted.files.push(Upload { field: name, name: file_name, content_type, bytes });
                }
            }
            Some(Err(())) => posted
                .file_errors
                .push((name, "上传文件的文件名无法识别（应为 UTF-8 文字），请把文件改名后重新选择上传。".to_string())),
            None => {
                text_bytes += name.len() + bytes.len();
                let encoding = charset(part_content_type(&headers).unwrap_or(""))?;
                posted.add(name, decode(&bytes, encoding)?);
            }
        }
    }
    Ok(())
}

/// The body, up to `limit` bytes: `(bytes, true)` when there was more (not read).
async fn read_at_most(body: axum::body::Body, limit: usize) -> Result<(Vec<u8>, bool), String> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("表单内容无法读取：{e}"))?;
        if bytes.len() + chunk.len() > limit {
            bytes.extend_from_slice(&chunk[..limit - bytes.len()]);
            return Ok((bytes, true));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok((bytes, false))
}

/// The error on a file over its field's `max_size`.
fn too_big(limit: u64) -> String {
    format!("文件超过大小上限（{} MB），请压缩或拆分后重新上传。", limit / (1024 * 1024))
}

/// The error on a file over what a form post carries through Lambda (`cap`), though
/// its field takes up to `max` through an upload ticket.
fn too_big_through_lambda(cap: u64, max: u64) -> String {
    format!(
        "随网页表单提交的文件不能超过 {} MB（此项通过上传接口可达 {} MB），请压缩或拆分后重新提交。",
        cap / (1024 * 1024),
        max / (1024 * 1024)
    )
}

/// The error on a text that ran over what the whole form may hold.
fn too_long(limit: usize) -> String {
    format!("填写的内容过长，超出本表单可提交的上限（约 {} KB），请删减后重新提交。", limit / 1024)
}

fn part_content_type(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
}

/// The encoding a `charset` parameter of `content_type` names; UTF-8 without one.
fn charset(content_type: &str) -> Result<&'static Encoding, String> {
    let label = content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_string())
    });
    match label {
        None => Ok(UTF_8),
        Some(label) => Encoding::for_label(label.as_bytes())
            .ok_or_else(|| format!("不支持的字符编码“{label}”：请用 UTF-8 提交表单。")),
    }
}

/// `bytes` as text in `encoding`, refusing what is not text in it.
fn decode(bytes: &[u8], encoding: &'static Encoding) -> Result<String, String> {
    decode_text(bytes, encoding).map_err(not_text)
}

fn not_text(NotText(encoding): NotText) -> String {
    format!("表单内容不是有效的 {} 编码文字，无法读取：请用 UTF-8 提交表单。", encoding.name())
}

/// The parameters of a `Content-Disposition` value, names lowercased, values
/// unquoted (`\"` → `"`), as bytes: browsers send file names as raw UTF-8.
fn disposition_params(value: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut params = Vec::new();
    let mut rest = value;
    // Skip the disposition type (`form-data`).
    match rest.iter().position(|&b| b == b';') {
        Some(at) => rest = &rest[at + 1..],
        None => return params,
    }
    while !rest.is_empty() {
        let start = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
        rest = &rest[start..];
        let Some(eq) = rest.iter().position(|&b| b == b'=' || b == b';') else { break };
        let name = String::from_utf8_lossy(&rest[..eq]).trim().to_ascii_lowercase();
        if rest[eq] == b';' {
            rest = &rest[eq + 1..];
            continue;
        }
        rest = &rest[eq + 1..];
        let start = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
        rest = &rest[start..];
        let mut value = Vec::new();
        if rest.first() == Some(&b'"') {
            let mut i = 1;
            while i < rest.len() && rest[i] != b'"' {
                if rest[i] == b'\\' && i + 1 < rest.len() {
                    i += 1;
                }
                value.push(rest[i]);
                i += 1;
            }
            rest = &rest[(i + 1).min(rest.len())..];
            let next = rest.iter().position(|&b| b == b';').map_or(rest.len(), |at| at + 1);
            rest = &rest[next..];
        } else {
            let end = rest.iter().position(|&b| b == b';').unwrap_or(rest.len());
            value.extend_from_slice(rest[..end].trim_ascii_end());
            rest = &rest[(end + 1).min(rest.len())..];
        }
        params.push((name, value));
    }
    params
}

/// The file name of a part: `None` for a text field; `Some(Err)` when the part is a
/// file whose name cannot be read. `filename*` wins over `filename` (RFC 6266 §4.3).
fn file_name(headers: &HeaderMap) -> Option<Result<String, ()>> {
    let disposition = headers.get(header::CONTENT_DISPOSITION)?;
    let params = disposition_params(disposition.as_bytes());
    let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_slice());
    if let Some(extended) = param("filename*") {
        return Some(extended_value(extended).ok_or(()));
    }
    param("filename").map(|plain| String::from_utf8(plain.to_vec()).map_err(|_| ()))
}

/// An RFC 8187 extended value, `charset'language'percent-encoded`, as text.
fn extended_value(value: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(value).ok()?;
    let (charset, rest) = text.split_once('\'')?;
    let (_language, encoded) = rest.split_once('\'')?;
    let encoding = Encoding::for_label(charset.trim().as_bytes())?;
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
    decode_text(&bytes, encoding).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn through_lambda_a_posted_file_is_held_to_4_mb_with_the_way_round_it() {
        let case = gazette_forms::schema("case-upload");
        let (max, message) = Limits::of(case).file("attachments").unwrap();
        assert_eq!(max, 20 * 1024 * 1024, "the field's own max_size");
        assert!(message.contains("20 MB"), "{message}");
        let (max, message) = Limits::of(case).through_lambda(true).file("attachments").unwrap();
        assert_eq!(max, LAMBDA_POST_FILE);
        assert!(message.contains("不能超过 4 MB") && message.contains("20 MB"), "{message}");
        // A group's file column too (the training plan's documents).
        let plan = gazette_forms::schema("training-plan");
        assert_eq!(Limits::of(plan).through_lambda(true).file("projects[3].teachers").unwrap().0, LAMBDA_POST_FILE);
        // With the script or locally the field's limit holds.
        assert!(Limits::of(plan).file("projects[3].teachers").unwrap().0 > LAMBDA_POST_FILE);
    }

    fn disposition(value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_bytes(value).unwrap());
        headers
    }

    #[test]
    fn a_gbk_form_is_read_in_gbk() {
        // 张三 in GBK: D5 C5 C8 FD.
        let gbk = charset("application/x-www-form-urlencoded; charset=GBK").unwrap();
        let pairs = urlencoded_pairs(b"name=%D5%C5%C8%FD&position=a+b", gbk).map_err(not_text).unwrap();
        assert_eq!(pairs, [("name".to_string(), "张三".to_string()), ("position".to_string(), "a b".to_string())]);
        // The same bytes are no UTF-8: refused, not stored as mojibake.
        let e = urlencoded_pairs(b"name=%D5%C5%C8%FD", UTF_8).map_err(not_text).unwrap_err();
        assert!(e.contains("UTF-8"), "{e}");
        assert!(charset("application/x-www-form-urlencoded; charset=\"x-unknown\"").unwrap_err().contains("x-unknown"));
    }

    #[test]
    fn a_file_name_is_read_from_filename_star() {
        let star =
            disposition(b"form-data; name=\"report\"; filename*=UTF-8''%E8%B0%83%E6%9F%A5%E6%8A%A5%E5%91%8A.pdf");
        assert_eq!(file_name(&star), Some(Ok("调查报告.pdf".to_string())));
        let both = disposition(
            b"form-data; name=\"report\"; filename=\"report.pdf\"; filename*=utf-8'zh'%E6%8A%A5%E5%91%8A.pdf",
        );
        assert_eq!(file_name(&both), Some(Ok("报告.pdf".to_string())));
        let raw = disposition("form-data; name=\"report\"; filename=\"调查 \\\"终稿\\\".pdf\"".as_bytes());
        assert_eq!(file_name(&raw), Some(Ok("调查 \"终稿\".pdf".to_string())));
        assert_eq!(file_name(&disposition(b"form-data; name=\"title\"")), None);
        // A name that is no text in its charset is refused, not dropped.
        assert_eq!(file_name(&disposition(b"form-data; name=\"r\"; filename*=UTF-8''%FF%FE.pdf")), Some(Err(())));
        assert_eq!(file_name(&disposition(b"form-data; name=\"r\"; filename*=nonsense")), Some(Err(())));
    }
}
