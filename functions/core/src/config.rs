//! From environment to a ready router, for the Lambda entry points (and anything else
//! that wants the same wiring).
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `TABLE_NAME` | DynamoDB table; when set, DynamoDB is the store | unset → embedded |
//! | `DATA_DIR` | directory of the embedded store | `./data` |
//! | `AWS_ENDPOINT_URL` | DynamoDB-compatible endpoint (read by the AWS SDK) | AWS |
//! | `GAZETTE_JWT_SECRET` | HS256 secret for bearer tokens | unset → only API Gateway authorizer claims |
//! | `COURSE_CATALOG` | JSON file: `[{slug, title, capacity, opens, closes}]` | unset → no courses |

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

use crate::domain::{CourseCatalog, Registrations, system_clock};
use crate::http::{AppState, AuthConfig, router};
use crate::store::{DynamoStore, EmbeddedStore, SharedStore, StoreError, dynamo_client};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    Dynamo { table: String },
    Embedded { data_dir: PathBuf },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreConfig,
    pub jwt_secret: Option<String>,
    pub course_catalog: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the course catalog {path}: {reason}")]
    Catalog { path: PathBuf, reason: String },
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> Config {
        let store = match var("TABLE_NAME") {
            Some(table) => StoreConfig::Dynamo { table },
            None => StoreConfig::Embedded { data_dir: var("DATA_DIR").unwrap_or_else(|| "./data".into()).into() },
        };
        Config { store, jwt_secret: var("GAZETTE_JWT_SECRET"), course_catalog: var("COURSE_CATALOG").map(PathBuf::from) }
    }

    pub async fn open_store(&self) -> Result<SharedStore, ConfigError> {
        Ok(match &self.store {
            StoreConfig::Dynamo { table } => Arc::new(DynamoStore::new(dynamo_client(None).await, table.clone())),
            StoreConfig::Embedded { data_dir } => Arc::new(EmbeddedStore::open(data_dir)?),
        })
    }

    pub fn load_catalog(&self) -> Result<CourseCatalog, ConfigError> {
        let Some(path) = &self.course_catalog else {
            tracing::warn!("COURSE_CATALOG is not set: no course accepts registrations");
            return Ok(CourseCatalog::default());
        };
        let err = |reason: String| ConfigError::Catalog { path: path.clone(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let courses: Vec<crate::domain::Course> = serde_json::from_str(&text).map_err(|e| err(e.to_string()))?;
        Ok(CourseCatalog::new(courses))
    }

    pub fn auth(&self) -> AuthConfig {
        match &self.jwt_secret {
            Some(secret) => AuthConfig::hs256(secret),
            None => AuthConfig::gateway_only(),
        }
    }

    /// The registration function's router, wired from this configuration.
    pub async fn registration_router(&self) -> Result<Router, ConfigError> {
        let store = self.open_store().await?;
        Ok(registration_router(store, self.load_catalog()?, self.auth()))
    }
}

/// The registration router over a given store and catalogue — what `gazette serve`
/// mounts under `/api/` and what the tests drive.
pub fn registration_router(store: SharedStore, catalog: CourseCatalog, auth: AuthConfig) -> Router {
    let registrations = Registrations::new(store, Arc::new(catalog), system_clock());
    router(AppState { registrations, auth })
}
