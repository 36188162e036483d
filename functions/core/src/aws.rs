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
