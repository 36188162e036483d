//! Attachments in a local directory, uploaded through signed links the local server
//! checks. The link's token is an HS256 JWT naming key, content type, length and
//! expiry, so the server keeps no state between handing out a link and receiving a file;
//! a link writes only where no file is yet (single use), and is checked before a byte
//! of the body is read.

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
    /// The name a download saves as (download links only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
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

    /// What an upload link admits, checked before its body is read: the token, the
    /// content type the link is for, and — when the client announces it — the exact
    /// length. Answers the grant [`LocalAttachments::receive_stream`] writes with.
    pub fn admit(
        &self,
        token: &str,
        content_type: &str,
        announced_length: Option<u64>,
    ) -> Result<UploadGrant, AttachmentError> {
        let grant = self.verify(token, "put")?;
        let expected_type = grant.content_type.clone().unwrap_or_default();
        if content_type != expected_type {
            return Err(AttachmentError::WrongType { expected: expected_type, actual: content_type.to_owned() });
        }
        let expected = grant.length.unwrap_or(0);
        if let Some(actual) = announced_length.filter(|actual| *actual != expected) {
            return Err(AttachmentError::WrongLength { expected, actual });
        }
        if self.dir.join(&grant.key).exists() {
            return Err(AttachmentError::AlreadyStored(grant.key));
        }
        Ok(UploadGrant { key: grant.key, length: expected })
    }

    /// Writes the body of an admitted upload: streamed to a temporary file, never
    /// more than the grant's length read, then linked into place only if no file is
    /// there yet — so a half-received file is never visible and a replayed link
    /// cannot replace a stored file.
    pub async fn receive_stream(
        &self,
        grant: UploadGrant,
        mut body: impl futures_util::Stream<Item = Result<bytes::Bytes, impl std::fmt::Display>> + Unpin,
    ) -> Result<String, AttachmentError> {
        use futures_util::StreamExt;
        use tokio::io::AsyncWriteExt;
        let io = |e: std::io::Error| AttachmentError::Backend(e.to_string());
        let path = self.dir.join(&grant.key);
        let parent = path.parent().unwrap_or(&self.dir).to_path_buf();
        tokio::fs::create_dir_all(&parent).await.map_err(io)?;
        let tmp = tempfile_in(&parent);
        let written = async {
            let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
            let mut received = 0u64;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| AttachmentError::Backend(format!("upload interrupted: {e}")))?;
                received += chunk.len() as u64;
                if received > grant.length {
                    return Err(AttachmentError::WrongLength { expected: grant.length, actual: received });
                }
                file.write_all(&chunk).await.map_err(io)?;
            }
            if received != grant.length {
                return Err(AttachmentError::WrongLength { expected: grant.length, actual: received });
            }
            file.sync_all().await.map_err(io)?;
            // A hard link fails where a file exists: the one check that holds under a race.
            match tokio::fs::hard_link(&tmp, &path).await {
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    Err(AttachmentError::AlreadyStored(grant.key.clone()))
                }
                other => other.map_err(io),
            }
        }
        .await;
        let _ = tokio::fs::remove_file(&tmp).await;
        written.map(|()| grant.key)
    }

    /// Accepts a whole upload made with a ticket from [`Attachments::presign_upload`]
    /// ([`LocalAttachments::admit`], then [`LocalAttachments::receive_stream`]).
    pub async fn receive(&self, token: &str, content_type: &str, body: &[u8]) -> Result<String, AttachmentError> {
        let grant = self.admit(token, content_type, Some(body.len() as u64))?;
        let chunk: Result<bytes::Bytes, std::convert::Infallible> = Ok(bytes::Bytes::copy_from_slice(body));
        self.receive_stream(grant, futures_util::stream::iter([chunk])).await
    }

    /// The file a download link names: the name it saves as and its bytes.
    pub async fn open(&self, token: &str) -> Result<(String, Vec<u8>), AttachmentError> {
        let grant = self.verify(token, "get")?;
        let bytes = match tokio::fs::read(self.dir.join(&grant.key)).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(AttachmentError::Missing(grant.key)),
            Err(e) => return Err(AttachmentError::Backend(e.to_string())),
        };
        let stored_name = grant.key.rsplit('/').next().unwrap_or("file").to_string();
        Ok((grant.name.unwrap_or(stored_name), bytes))
    }
}

/// An upload the local server has admitted: where it goes and its exact length.
#[derive(Debug)]
pub struct UploadGrant {
    key: String,
    length: u64,
}

fn tempfile_in(dir: &Path) -> PathBuf {
    dir.join(format!(".upload-{}", ulid::Ulid::new()))
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
            name: None,
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

    async fn presign_download(&self, key: &str, name: &str, valid_for: Duration) -> Result<String, AttachmentError> {
        check_key(key)?;
        let exp = now_unix() + valid_for.as_secs() as i64;
        let grant =
            Grant { op: "get".into(), key: key.into(), content_type: None, length: None, name: Some(name.into()), exp };
        Ok(format!("{}/files/{}", self.base_url, self.sign(&grant)?))
    }

    async fn deliver(&self, ticket: &UploadTicket, bytes: Vec<u8>) -> Result<(), AttachmentError> {
        let token = ticket.url.rsplit_once("/uploads/").map(|(_, token)| token).ok_or(AttachmentError::BadTicket)?;
        let content_type =
            ticket.headers.iter().find(|(name, _)| name == "content-type").map_or("", |(_, value)| value.as_str());
        self.receive(token, content_type, &bytes).await.map(|_| ())
    }

    async fn size_of(&self, key: &str) -> Result<Option<u64>, AttachmentError> {
        check_key(key)?;
        match tokio::fs::metadata(self.dir.join(key)).await {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(AttachmentError::Backend(e.to_string())),
        }
    }
}
