//! AWS SDK configuration shared by the DynamoDB store, the S3 attachments and the
//! Cognito accounts, and the one HTTPS client for what the SDK does not send (presigned
//! S3 links, the user pool's key set).
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

/// A request to `url` (https, or http on loopback: a presigned S3 link, a key set)
/// through the same rustls (ring) stack the SDK uses, so no other client is linked in:
/// the response with its whole body, or what failed.
pub(crate) async fn https_request(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Result<http::Response<bytes::Bytes>, String> {
    use http_body_util::BodyExt;
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| e.to_string())?
        .https_or_http()
        .enable_http1()
        .build();
    let client: hyper_util::client::legacy::Client<_, http_body_util::Full<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(https);
    let mut request = http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let request = request.body(http_body_util::Full::new(bytes::Bytes::from(body))).map_err(|e| e.to_string())?;
    let (head, body) = client.request(request).await.map_err(|e| e.to_string())?.into_parts();
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(http::Response::from_parts(head, body))
}

/// A GET of `url` ([`https_request`]) within `timeout`: the status and the body, or
/// what failed.
pub(crate) async fn https_get(url: &str, timeout: std::time::Duration) -> Result<(u16, bytes::Bytes), String> {
    let exchange = async {
        let response = https_request("GET", url, &[], Vec::new()).await?;
        Ok((response.status().as_u16(), response.into_body()))
    };
    tokio::time::timeout(timeout, exchange).await.map_err(|_| format!("no answer within {timeout:?}"))?
}
