//! S3 presigned URLs, signed with SigV4 (the SDK's own signer, `aws-sigv4`) rather than
//! through the whole S3 SDK: the functions only ever presign, and the S3 client would
//! double the build. `content-type`, `content-length` and `if-none-match: *` are
//! signed headers, so S3 refuses an upload of another type or size, and one to a key
//! that already holds a file (a ticket writes once). A download link signs
//! `response-content-disposition`, so S3 serves the file as an attachment under its
//! uploaded name.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4;

use super::{AttachmentError, Attachments, UploadTicket, check_key, content_disposition};

#[derive(Clone, Debug)]
pub struct S3Attachments {
    bucket: String,
    region: String,
    /// Path-style endpoint for an S3-compatible server (tests, local); virtual-hosted
    /// AWS endpoint when `None`.
    endpoint: Option<String>,
    credentials: SharedCredentialsProvider,
}

impl S3Attachments {
    /// From SDK configuration (region, credentials, endpoint override if any).
    pub fn new(config: &SdkConfig, bucket: impl Into<String>) -> Result<Self, AttachmentError> {
        let credentials = config
            .credentials_provider()
            .ok_or_else(|| AttachmentError::Backend("no AWS credentials are configured for S3 presigning".into()))?;
        Ok(S3Attachments {
            bucket: bucket.into(),
            region: config.region().map_or_else(|| "us-east-1".to_owned(), |r| r.to_string()),
            endpoint: config.endpoint_url().map(|e| e.trim_end_matches('/').to_owned()),
            credentials,
        })
    }

    fn object_url(&self, key: &str) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{endpoint}/{}/{key}", self.bucket),
            None => format!("https://{}.s3.{}.amazonaws.com/{key}", self.bucket, self.region),
        }
    }

    async fn presign(
        &self,
        method: &str,
        key: &str,
        query: &str,
        headers: &[(String, String)],
        valid_for: Duration,
    ) -> Result<String, AttachmentError> {
        check_key(key)?;
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| AttachmentError::Backend(format!("cannot load AWS credentials: {e}")))?;
        let identity = credentials.into();
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(valid_for);
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("s3")
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| AttachmentError::Backend(e.to_string()))?
            .into();
        let url = if query.is_empty() { self.object_url(key) } else { format!("{}?{query}", self.object_url(key)) };
        let host = url.split("://").nth(1).and_then(|rest| rest.split('/').next()).unwrap_or_default().to_owned();
        let mut signed_headers: Vec<(&str, &str)> = vec![("host", host.as_str())];
        signed_headers.extend(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let request =
            SignableRequest::new(method, url.clone(), signed_headers.into_iter(), SignableBody::UnsignedPayload)
                .map_err(|e| AttachmentError::Backend(e.to_string()))?;
        let (instructions, _signature) =
            sign(request, &params).map_err(|e| AttachmentError::Backend(e.to_string()))?.into_parts();
        let mut http_request = http::Request::builder()
            .method(method)
            .uri(&url)
            .body(())
            .map_err(|e| AttachmentError::Backend(e.to_string()))?;
        instructions.apply_to_request_http1x(&mut http_request);
        Ok(http_request.uri().to_string())
    }
}

#[async_trait]
impl Attachments for S3Attachments {
    async fn presign_upload(
        &self,
        key: &str,
        content_type: &str,
        length: u64,
        valid_for: Duration,
    ) -> Result<UploadTicket, AttachmentError> {
        let headers = vec![
            ("content-length".to_owned(), length.to_string()),
            ("content-type".to_owned(), content_type.to_owned()),
            ("if-none-match".to_owned(), "*".to_owned()),
        ];
        let url = self.presign("PUT", key, "", &headers, valid_for).await?;
        Ok(UploadTicket { method: "PUT", url, headers, expires_at: super::now_unix() + valid_for.as_secs() as i64 })
    }

    async fn presign_download(&self, key: &str, name: &str, valid_for: Duration) -> Result<String, AttachmentError> {
        let disposition = content_disposition(name);
        let query = format!(
            "response-content-disposition={}",
            percent_encoding::utf8_percent_encode(&disposition, percent_encoding::NON_ALPHANUMERIC)
        );
        self.presign("GET", key, &query, &[], valid_for).await
    }

    async fn deliver(&self, ticket: &UploadTicket, bytes: Vec<u8>) -> Result<(), AttachmentError> {
        let response = crate::aws::https_request(ticket.method, &ticket.url, &ticket.headers, bytes)
            .await
            .map_err(|e| AttachmentError::Backend(format!("cannot upload to S3: {e}")))?;
        let body = response.body();
        match response.status().as_u16() {
            200..=299 => Ok(()),
            412 => Err(AttachmentError::AlreadyStored(String::new())),
            403 => Err(AttachmentError::BadTicket),
            code => Err(AttachmentError::Backend(format!(
                "S3 answered HTTP {code} to an upload: {}",
                String::from_utf8_lossy(body).chars().take(300).collect::<String>()
            ))),
        }
    }

    async fn size_of(&self, key: &str) -> Result<Option<u64>, AttachmentError> {
        let url = self.presign("HEAD", key, "", &[], Duration::from_secs(60)).await?;
        let backend =
            |e: &dyn std::fmt::Display| AttachmentError::Backend(format!("cannot look up {key:?} on S3: {e}"));
        let response = crate::aws::https_request("HEAD", &url, &[], Vec::new()).await.map_err(|e| backend(&e))?;
        match response.status().as_u16() {
            200 => Ok(response
                .headers()
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())),
            // Without ListBucket, S3 answers a missing key with 403.
            403 | 404 => Ok(None),
            code => Err(backend(&format!("HTTP {code}"))),
        }
    }

    async fn read(&self, key: &str) -> Result<Vec<u8>, AttachmentError> {
        let url = self.presign("GET", key, "", &[], Duration::from_secs(300)).await?;
        let response = crate::aws::https_request("GET", &url, &[], Vec::new())
            .await
            .map_err(|e| AttachmentError::Backend(format!("cannot read {key:?} from S3: {e}")))?;
        match response.status().as_u16() {
            200 => Ok(response.body().to_vec()),
            404 => Err(AttachmentError::Missing(key.to_owned())),
            code => Err(AttachmentError::Backend(format!("cannot read {key:?} from S3: HTTP {code}"))),
        }
    }
}
