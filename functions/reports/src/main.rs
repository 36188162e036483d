//! The reports Lambda (monthly performance reports, annual training plans):
//! configuration from the environment (see `gazette_core::config`), the shared
//! router, `lambda_http::run`. Nothing else lives here — `gazette serve` mounts the
//! very same router under `/api/`.

use anyhow::Context;
use gazette_core::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(true)
        .without_time() // CloudWatch stamps each line
        .init();
    let config = Config::from_env();
    tracing::info!(store = ?config.store, "starting reports function");
    let router = config.reports_router().await.context("cannot set up the reports function")?;
    lambda_http::run(router).await.map_err(|e| anyhow::anyhow!(e)).context("lambda runtime stopped")
}
