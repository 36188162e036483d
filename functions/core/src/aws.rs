//! AWS SDK configuration shared by the DynamoDB store and the S3 attachments.
//!
//! HTTPS goes through rustls with ring (already built for the JWT code) rather than the
//! SDK's default aws-lc, which would add a long C build to every compile.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls;

pub(crate) fn http_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https()
}

/// SDK configuration. With `endpoint` (a local DynamoDB/S3-compatible server) the
/// region is us-east-1 and the credentials are dummies, so nothing is read from the
/// environment and nothing can reach AWS by accident. Without it, the standard chain
/// applies (region, credentials, and `AWS_ENDPOINT_URL` if set).
pub async fn sdk_config(endpoint: Option<&str>) -> SdkConfig {
    match endpoint {
        Some(url) => local_sdk_config(url),
        None => aws_config::defaults(BehaviorVersion::latest()).http_client(http_client()).load().await,
    }
}

pub fn local_sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "local",
            "local",
            None,
            None,
            "gazette-local",
        )))
        .endpoint_url(endpoint)
        .http_client(http_client())
        .build()
}

/// A GET of `url` (https, or http on loopback) through the same rustls (ring) stack
/// the SDK uses, within `timeout`: the status and the body, or what failed.
pub(crate) async fn https_get(url: &str, timeout: std::time::Duration) -> Result<(u16, bytes::Bytes), String> {
    use http_body_util::BodyExt;
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| e.to_string())?
        .https_or_http()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, http_body_util::Empty<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
    let uri: http::Uri = url.parse().map_err(|e: http::uri::InvalidUri| e.to_string())?;
    let exchange = async {
        let response = client.get(uri).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, body))
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| format!("no answer within {timeout:?}"))?
}
