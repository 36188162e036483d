//! Attachments (附件): files that go with a case result or a report.
//!
//! The functions never carry file bytes through Lambda: they hand out an upload ticket
//! — a URL the browser `PUT`s the file to directly, bound to one key, one content type
//! and one exact length, valid for a short time. In AWS that is an S3 presigned URL
//! ([`S3Attachments`]); on a laptop it is a signed URL the local server accepts and
//! writes into a directory ([`LocalAttachments`]).
//!
//! Both hold to the same rules: a ticket writes a new file only, never over one
//! already stored (S3: a signed `if-none-match: *`; locally, a link that fails if the
//! file exists), so a ticket used once — or replayed within its fifteen minutes —
//! cannot replace an approved case's file; the content type is the one the file
//! name's extension stands for ([`media_type`]), whatever the client declared; and
//! a download always saves as an attachment under the uploaded name
//! ([`content_disposition`], RFC 6266 `filename*`), locally and through S3's
//! `response-content-disposition`.

mod local;
mod s3;

pub use local::LocalAttachments;
pub use s3::S3Attachments;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;

/// How to upload one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadTicket {
    pub method: &'static str,
    pub url: String,
    /// Headers the upload must carry exactly as given (they are part of the signature).
    pub headers: Vec<(String, String)>,
    /// Unix seconds after which the URL is refused.
    pub expires_at: i64,
}

impl UploadTicket {
    /// A ticket as the ticket endpoint answered it (`{"method", "url", "headers", "expires_at"}`).
    pub fn from_json(ticket: &serde_json::Value) -> Option<UploadTicket> {
        let headers = ticket["headers"]
            .as_array()?
            .iter()
            .map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())))
            .collect::<Option<Vec<_>>>()?;
        (ticket["method"] == "PUT").then_some(())?;
        Some(UploadTicket {
            method: "PUT",
            url: ticket["url"].as_str()?.to_owned(),
            headers,
            expires_at: ticket["expires_at"].as_i64()?,
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AttachmentError {
    #[error("attachment key {0:?} is not allowed: use letters, digits, '-', '_', '.' and '/' between non-empty parts")]
    BadKey(String),
    #[error("the upload link is invalid or has expired; ask for a new one")]
    BadTicket,
    #[error("the file is {actual} bytes but the upload link is for {expected} bytes")]
    WrongLength { expected: u64, actual: u64 },
    #[error("the file is of type {actual:?} but the upload link is for {expected:?}")]
    WrongType { expected: String, actual: String },
    #[error("no file was uploaded at {0:?}")]
    Missing(String),
    #[error("a file is already stored at {0:?}; an upload link writes a new file only once")]
    AlreadyStored(String),
    #[error("attachment storage failed: {0}")]
    Backend(String),
}

#[async_trait]
pub trait Attachments: Send + Sync + 'static {
    /// A ticket to upload exactly `length` bytes of `content_type` to `key`.
    async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        length: u64,
        valid_for: Duration,
    ) -> Result<UploadTicket, AttachmentError>;

    /// A URL to download `key`, valid for `valid_for`, that saves the file as an
    /// attachment named `name` (the name it was uploaded under).
    async fn presign_download(&self, key: &str, name: &str, valid_for: Duration) -> Result<String, AttachmentError>;

    /// Stores `bytes` with a ticket from [`Attachments::presign_upload`], as the
    /// browser would (a form post without a script): the same checks of type, length
    /// and single use.
    async fn deliver(&self, ticket: &UploadTicket, bytes: Vec<u8>) -> Result<(), AttachmentError>;

    /// The size in bytes of the file stored at `key`, `None` when nothing was uploaded there.
    async fn size_of(&self, key: &str) -> Result<Option<u64>, AttachmentError>;

    /// The bytes stored at `key` (for exporting approved cases into `content/`);
    /// [`AttachmentError::Missing`] when nothing was uploaded there.
    async fn read(&self, key: &str) -> Result<Vec<u8>, AttachmentError>;
}

pub type SharedAttachments = Arc<dyn Attachments>;

/// Keys become S3 object keys and file paths: keep them to a safe alphabet, no `..`,
/// no leading or trailing slash.
pub fn check_key(key: &str) -> Result<(), AttachmentError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if ok { Ok(()) } else { Err(AttachmentError::BadKey(key.to_owned())) }
}

/// The media type a file is stored and served as, from its name's extension — never
/// from what a client declares, so a `.pdf` is `application/pdf` however it was
/// announced. The extensions are those the forms' `accept` lists name
/// (`content/forms/*.toml`); any other is `application/octet-stream`.
pub fn media_type(file_name: &str) -> &'static str {
    let extension = file_name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    match extension.as_str() {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv" => "text/csv",
        "zip" => "application/zip",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// `Content-Disposition` of a download: always `attachment` (never shown inline, so
/// no uploaded file runs as a page of the site), with the uploaded name — an ASCII
/// stand-in in `filename` for old clients and the name itself, percent-encoded
/// UTF-8, in `filename*` (RFC 6266, RFC 8187): `调查报告.pdf` downloads as `调查报告.pdf`.
pub fn content_disposition(file_name: &str) -> String {
    let name: String = file_name.chars().filter(|c| !c.is_control()).collect();
    let name = if name.trim().is_empty() { "file".to_owned() } else { name };
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(&name, RFC8187_ATTR_CHAR).to_string();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// What RFC 8187's `attr-char` leaves unencoded: letters, digits and `!#$&+-.^_`|~`.
const RFC8187_ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

pub(crate) fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::{check_key, content_disposition, media_type};

    #[test]
    fn the_media_type_follows_the_extension() {
        assert_eq!(media_type("调查报告.PDF"), "application/pdf");
        assert_eq!(media_type("photo.jpeg"), "image/jpeg");
        assert_eq!(media_type("page.html"), "application/octet-stream");
        assert_eq!(media_type("no-extension"), "application/octet-stream");
    }

    #[test]
    fn a_download_is_an_attachment_with_the_uploaded_chinese_name() {
        assert_eq!(
            content_disposition("调查报告 1.pdf"),
            "attachment; filename=\"_____1.pdf\"; filename*=UTF-8''%E8%B0%83%E6%9F%A5%E6%8A%A5%E5%91%8A%201.pdf"
        );
        // A quote or a line break cannot end the header's value early.
        let odd = content_disposition("a\"b\r\nc.pdf");
        assert!(odd.starts_with("attachment; filename=\"a_bc.pdf\"; filename*=UTF-8''a%22bc.pdf"), "{odd}");
    }

    #[test]
    fn keys_with_traversal_or_odd_characters_are_refused() {
        assert!(check_key("cases/2024/report-1.pdf").is_ok());
        for bad in ["", "/abs", "a//b", "../etc/passwd", "a/../b", "a/./b", "空格 name", "trail/"] {
            assert!(check_key(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
