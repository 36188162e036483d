//! Attachments in a local directory, uploaded through signed links the local server
//! checks. The link's token is an HS256 JWT naming key, content type, length and
//! expiry, so the server keeps no state between handing out a link and receiving a file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::{AttachmentError, Attachments, UploadTicket, check_key, now_unix};

#[derive(Debug, Serialize, Deserialize)]
struct Grant {
    /// "put" or "get"
    op: String,
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    length: Option<u64>,
    exp: i64,
}

#[derive(Clone)]
pub struct LocalAttachments {
    dir: PathBuf,
    secret: Vec<u8>,
    /// Where the local server mounts the upload route, e.g. `http://127.0.0.1:1111/api`.
    base_url: String,
}

impl std::fmt::Debug for LocalAttachments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAttachments").field("dir", &self.dir).field("base_url", &self.base_url).finish()
    }
}

impl LocalAttachments {
    pub fn new(dir: impl Into<PathBuf>, secret: impl AsRef<[u8]>, base_url: impl Into<String>) -> Self {
        LocalAttachments {
            dir: dir.into(),
            secret: secret.as_ref().to_vec(),
            base_url: base_url.into().trim_end_matches('/').to_owned(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn sign(&self, grant: &Grant) -> Result<String, AttachmentError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), grant, &EncodingKey::from_secret(&self.secret))
            .map_err(|e| AttachmentError::Backend(format!("cannot sign upload link: {e}")))
    }

    fn verify(&self, token: &str, op: &str) -> Result<Grant, AttachmentError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        let grant = jsonwebtoken::decode::<Grant>(token, &DecodingKey::from_secret(&self.secret), &validation)
            .map_err(|_| AttachmentError::BadTicket)?
            .claims;
        if grant.op != op || check_key(&grant.key).is_err() {
            return Err(AttachmentError::BadTicket);
        }
        Ok(grant)
    }

    /// Accepts an upload made with a ticket from [`Attachments::presign_upload`]: checks
    /// the token, the content type and the exact length, then writes the file atomically
    /// (temporary file + rename), so a half-received file is never visible.
    pub async fn receive(&self, token: &str, content_type: &str, body: &[u8]) -> Result<String, AttachmentError> {
        let grant = self.verify(token, "put")?;
        let expected_type = grant.content_type.clone().unwrap_or_default();
        if content_type != expected_type {
            return Err(AttachmentError::WrongType { expected: expected_type, actual: content_type.to_owned() });
        }
        let expected = grant.length.unwrap_or(0);
        if body.len() as u64 != expected {
            return Err(AttachmentError::WrongLength { expected, actual: body.len() as u64 });
        }
        let path = self.dir.join(&grant.key);
        let parent = path.parent().unwrap_or(&self.dir).to_path_buf();
        let body = body.to_vec();
        let io = |e: std::io::Error| AttachmentError::Backend(e.to_string());
        tokio::task::spawn_blocking(move || -> Result<(), AttachmentError> {
            std::fs::create_dir_all(&parent).map_err(io)?;
            let tmp = tempfile_in(&parent).map_err(io)?;
            std::fs::write(&tmp, &body).map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(io)
        })
        .await
        .map_err(|e| AttachmentError::Backend(e.to_string()))??;
        Ok(grant.key)
    }

    /// The bytes behind a download link from [`Attachments::presign_download`].
    /// The file a download link names: its stored name (the key's last segment) and bytes.
    pub async fn open(&self, token: &str) -> Result<(String, Vec<u8>), AttachmentError> {
        let grant = self.verify(token, "get")?;
        let bytes =
            tokio::fs::read(self.dir.join(&grant.key)).await.map_err(|e| AttachmentError::Backend(e.to_string()))?;
        let name = grant.key.rsplit('/').next().unwrap_or("file").to_string();
        Ok((name, bytes))
    }
}

fn tempfile_in(dir: &Path) -> std::io::Result<PathBuf> {
    Ok(dir.join(format!(".upload-{}", ulid::Ulid::new())))
}

#[async_trait]
impl Attachments for LocalAttachments {
    async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        length: u64,
        valid_for: Duration,
    ) -> Result<UploadTicket, AttachmentError> {
        check_key(key)?;
        let exp = now_unix() + valid_for.as_secs() as i64;
        let token = self.sign(&Grant {
            op: "put".into(),
            key: key.into(),
            content_type: Some(content_type.into()),
            length: Some(length),
            exp,
        })?;
        Ok(UploadTicket {
            method: "PUT",
            url: format!("{}/uploads/{token}", self.base_url),
            headers: vec![("content-type".into(), content_type.into()), ("content-length".into(), length.to_string())],
            expires_at: exp,
        })
    }

    async fn read(&self, key: &str) -> Result<Vec<u8>, AttachmentError> {
        check_key(key)?;
        match tokio::fs::read(self.dir.join(key)).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AttachmentError::Missing(key.to_owned())),
            Err(e) => Err(AttachmentError::Backend(e.to_string())),
        }
    }

    async fn presign_download(&self, key: &str, valid_for: Duration) -> Result<String, AttachmentError> {
        check_key(key)?;
        let exp = now_unix() + valid_for.as_secs() as i64;
        let token = self.sign(&Grant { op: "get".into(), key: key.into(), content_type: None, length: None, exp })?;
        Ok(format!("{}/files/{token}", self.base_url))
    }
}
