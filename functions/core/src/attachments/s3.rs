//! S3 presigned URLs, signed with SigV4 (the SDK's own signer, `aws-sigv4`) rather than
//! through the whole S3 SDK: the functions only ever presign, and the S3 client would
//! double the build. `content-type` and `content-length` are signed headers, so S3
//! refuses an upload of another type or size.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
    sign,
};
use aws_sigv4::sign::v4;

use super::{AttachmentError, Attachments, UploadTicket, check_key};

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
        let url = self.object_url(key);
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
        ];
        let url = self.presign("PUT", key, &headers, valid_for).await?;
        Ok(UploadTicket { method: "PUT", url, headers, expires_at: super::now_unix() + valid_for.as_secs() as i64 })
    }

    async fn presign_download(&self, key: &str, valid_for: Duration) -> Result<String, AttachmentError> {
        self.presign("GET", key, &[], valid_for).await
    }

    /// A GET of a short-lived presigned URL, through the same rustls (ring) stack the
    /// SDK uses, so no S3 client is linked in.
    async fn read(&self, key: &str) -> Result<Vec<u8>, AttachmentError> {
        let url = self.presign("GET", key, &[], Duration::from_secs(300)).await?;
        let (status, body) = crate::aws::https_get(&url, Duration::from_secs(600))
            .await
            .map_err(|e| AttachmentError::Backend(format!("cannot read {key:?} from S3: {e}")))?;
        match status {
            200 => Ok(body.to_vec()),
            404 => Err(AttachmentError::Missing(key.to_owned())),
            code => Err(AttachmentError::Backend(format!("cannot read {key:?} from S3: HTTP {code}"))),
        }
    }
}
