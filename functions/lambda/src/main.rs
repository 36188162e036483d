//! The Lambda entry point of every function (registration, reports, cases): the
//! configuration read once from the environment (`gazette_core::config`), the one
//! router, `lambda_http::run`. The functions differ only in the routes API Gateway
//! sends them and in their permissions (`infra/template.yaml`); `gazette serve`
//! mounts the very same router under `/api/`.

use anyhow::Context;
use gazette_core::Config;
use gazette_core::config::Defaults;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(true)
        .without_time() // CloudWatch stamps each line
        .init();
    let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "gazette".into());
    // A bad setting stops here, naming the variable and the form it takes.
    let config = Config::from_env(Defaults::default()).with_context(|| format!("cannot start {function}"))?;
    tracing::info!(%function, store = ?config.store, attachments = ?config.attachments, "starting");
    let router = config.router().await.with_context(|| format!("cannot set up {function}"))?;
    lambda_http::run(router).await.map_err(|e| anyhow::anyhow!(e)).context("lambda runtime stopped")
}
