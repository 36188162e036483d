//! Attachments (附件): files that go with a case result or a report.
//!
//! The functions never carry file bytes through Lambda: they hand out an upload ticket
//! — a URL the browser `PUT`s the file to directly, bound to one key, one content type
//! and one exact length, valid for a short time. In AWS that is an S3 presigned URL
//! ([`S3Attachments`]); on a laptop it is a signed URL the local server accepts and
//! writes into a directory ([`LocalAttachments`]).

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

    /// A URL to download `key`, valid for `valid_for`.
    async fn presign_download(&self, key: &str, valid_for: Duration) -> Result<String, AttachmentError>;

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

pub(crate) fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::check_key;

    #[test]
    fn keys_with_traversal_or_odd_characters_are_refused() {
        assert!(check_key("cases/2024/report-1.pdf").is_ok());
        for bad in ["", "/abs", "a//b", "../etc/passwd", "a/../b", "a/./b", "空格 name", "trail/"] {
            assert!(check_key(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
