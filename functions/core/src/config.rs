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
//! | `PLAN_DEADLINES` | training-plan deadlines, JSON `{"2023": "2022-11-14"}` (inline or a file path) | unset → no plan accepted |
//! | `ATTACHMENTS_BUCKET` | S3 bucket of case attachments (presigned uploads) | unset → a local directory |
//! | `ATTACHMENTS_DIR` | local attachment directory | `$DATA_DIR/attachments` |
//! | `API_BASE_URL` | where the router is reachable, for local upload links | `http://127.0.0.1:1111/api` |
//!
//! Every function serves the one router of [`crate::http::routes`]; the entry points
//! differ only in name.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

use crate::attachments::{LocalAttachments, S3Attachments, SharedAttachments};
use crate::domain::{Clock, CourseCatalog, PlanDeadlines, system_clock};
use crate::http::limit::RateLimit;
use crate::http::{AppState, AuthConfig, Files, router};
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
    /// `PLAN_DEADLINES`: inline JSON, or the path of a JSON file.
    pub plan_deadlines: Option<String>,
    pub attachments: AttachmentsConfig,
}

/// Where case attachments are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentsConfig {
    /// S3, uploads through presigned URLs.
    S3 { bucket: String },
    /// A directory; upload links point at `{base_url}/uploads/{token}`.
    Local { dir: PathBuf, base_url: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read the course catalog {path}: {reason}")]
    Catalog { path: PathBuf, reason: String },
    #[error(
        "PLAN_DEADLINES must be a JSON object of year → last day, like {{\"2023\": \"2022-11-14\"}} (inline or in a file): {0}"
    )]
    PlanDeadlines(String),
    #[error(transparent)]
    Attachments(#[from] crate::attachments::AttachmentError),
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
        let attachments = match var("ATTACHMENTS_BUCKET") {
            Some(bucket) => AttachmentsConfig::S3 { bucket },
            None => AttachmentsConfig::Local {
                dir: var("ATTACHMENTS_DIR").map(PathBuf::from).unwrap_or_else(|| {
                    PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "./data".into())).join("attachments")
                }),
                base_url: var("API_BASE_URL").unwrap_or_else(|| "http://127.0.0.1:1111/api".into()),
            },
        };
        Config {
            store,
            jwt_secret: var("GAZETTE_JWT_SECRET"),
            course_catalog: var("COURSE_CATALOG").map(PathBuf::from),
            plan_deadlines: var("PLAN_DEADLINES"),
            attachments,
        }
    }

    /// The attachment storage, with the local upload routes when it is a directory.
    /// Local links are signed with `GAZETTE_JWT_SECRET`, or a random per-process key
    /// (links then die with the process, which is all a laptop needs).
    pub async fn files(&self) -> Result<Files, ConfigError> {
        Ok(match &self.attachments {
            AttachmentsConfig::S3 { bucket } => {
                Files::Remote(Arc::new(S3Attachments::new(&crate::aws::sdk_config(None).await, bucket.clone())?))
            }
            AttachmentsConfig::Local { dir, base_url } => {
                let secret = self
                    .jwt_secret
                    .clone()
                    .map(String::into_bytes)
                    .unwrap_or_else(|| rand::random::<[u8; 32]>().to_vec());
                Files::Local(LocalAttachments::new(dir.clone(), secret, base_url.clone()))
            }
        })
    }

    /// The attachment storage alone (for [`crate::export_approved_cases`]).
    pub async fn open_attachments(&self) -> Result<SharedAttachments, ConfigError> {
        Ok(self.files().await?.attachments())
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

    /// The training-plan deadlines: `PLAN_DEADLINES` as inline JSON (starts with `{`)
    /// or as the path of a JSON file.
    pub fn load_plan_deadlines(&self) -> Result<PlanDeadlines, ConfigError> {
        let Some(raw) = &self.plan_deadlines else {
            tracing::warn!("PLAN_DEADLINES is not set: no training plan is accepted");
            return Ok(PlanDeadlines::default());
        };
        let text = if raw.trim_start().starts_with('{') {
            raw.clone()
        } else {
            std::fs::read_to_string(raw).map_err(|e| ConfigError::PlanDeadlines(format!("{raw}: {e}")))?
        };
        serde_json::from_str(&text).map_err(|e| ConfigError::PlanDeadlines(e.to_string()))
    }

    pub fn auth(&self) -> AuthConfig {
        match &self.jwt_secret {
            Some(secret) => AuthConfig::hs256(secret),
            None => AuthConfig::gateway_only(),
        }
    }

    /// The functions' router, wired from this configuration: every workflow, with
    /// the configured attachment storage. Each Lambda serves this same router.
    pub async fn router(&self) -> Result<Router, ConfigError> {
        let store = self.open_store().await?;
        let state =
            AppState::new(store, self.load_catalog()?, self.load_plan_deadlines()?, self.auth(), system_clock());
        Ok(crate::web::router(state.with_files(self.files().await?).with_rate_limit(rate_limit_from_env())))
    }

    /// The registration function's router (the one router; see [`Config::router`]).
    pub async fn registration_router(&self) -> Result<Router, ConfigError> {
        self.router().await
    }

    /// The reports function's router (the one router; see [`Config::router`]).
    pub async fn reports_router(&self) -> Result<Router, ConfigError> {
        self.router().await
    }

    /// The cases function's router (the one router; see [`Config::router`]).
    pub async fn cases_router(&self) -> Result<Router, ConfigError> {
        self.router().await
    }
}

/// The router over a given store and settings, without attachment storage.
pub fn app_router(
    store: SharedStore,
    catalog: CourseCatalog,
    deadlines: PlanDeadlines,
    auth: AuthConfig,
    clock: Clock,
) -> Router {
    router(AppState::new(store, catalog, deadlines, auth, clock))
}

/// The router with a course catalogue and nothing else configured.
pub fn registration_router(store: SharedStore, catalog: CourseCatalog, auth: AuthConfig) -> Router {
    app_router(store, catalog, PlanDeadlines::default(), auth, system_clock())
}

/// The router with training-plan deadlines and no courses.
pub fn reports_router(store: SharedStore, deadlines: PlanDeadlines, auth: AuthConfig) -> Router {
    app_router(store, CourseCatalog::default(), deadlines, auth, system_clock())
}

/// The router with attachment storage and no courses or deadlines.
pub fn cases_router(store: SharedStore, auth: AuthConfig, files: Files) -> Router {
    full_router(store, CourseCatalog::default(), PlanDeadlines::default(), auth, files)
}

/// Everything at once, with the pages — what `gazette serve` mounts under `/api/`.
pub fn full_router(
    store: SharedStore,
    catalog: CourseCatalog,
    deadlines: PlanDeadlines,
    auth: AuthConfig,
    files: Files,
) -> Router {
    let state = AppState::new(store, catalog, deadlines, auth, system_clock()).with_files(files);
    crate::web::router(state.with_rate_limit(rate_limit_from_env()))
}

/// `GAZETTE_RATE_LIMIT`: public submissions per address and minute (default 20; 0 = no limit).
pub fn rate_limit_from_env() -> RateLimit {
    RateLimit::per_minute(var("GAZETTE_RATE_LIMIT").and_then(|v| v.trim().parse().ok()).unwrap_or(20))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_deadlines(raw: Option<&str>) -> Config {
        Config {
            store: StoreConfig::Embedded { data_dir: "./data".into() },
            jwt_secret: None,
            course_catalog: None,
            plan_deadlines: raw.map(str::to_owned),
            attachments: AttachmentsConfig::Local {
                dir: "./data/attachments".into(),
                base_url: "http://127.0.0.1:1111/api".into(),
            },
        }
    }

    #[test]
    fn plan_deadlines_are_read_inline_or_from_a_file() {
        let inline = with_deadlines(Some(r#"{"2023": "2022-11-14"}"#)).load_plan_deadlines().unwrap();
        assert_eq!(inline.of(2023), Some(jiff::civil::date(2022, 11, 14)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deadlines.json");
        std::fs::write(&path, r#"{"2024": "2023-11-10"}"#).unwrap();
        let from_file = with_deadlines(Some(path.to_str().unwrap())).load_plan_deadlines().unwrap();
        assert_eq!(from_file.of(2024), Some(jiff::civil::date(2023, 11, 10)));
        assert_eq!(with_deadlines(None).load_plan_deadlines().unwrap(), PlanDeadlines::default());
    }

    #[test]
    fn malformed_plan_deadlines_are_an_error_that_shows_the_expected_shape() {
        let err = with_deadlines(Some(r#"{"2023": "14/11/2022"}"#)).load_plan_deadlines().unwrap_err();
        assert!(err.to_string().contains(r#"{"2023": "2022-11-14"}"#), "{err}");
        assert!(with_deadlines(Some("/no/such/file.json")).load_plan_deadlines().is_err());
    }
}
