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
//! | `ATTACHMENTS_BUCKET` | S3 bucket of case attachments (presigned uploads) | unset → a local directory |
//! | `ATTACHMENTS_DIR` | local attachment directory | `$DATA_DIR/attachments` |
//! | `API_BASE_URL` | where the router is reachable, for local upload links | `http://127.0.0.1:1111/api` |

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

use crate::attachments::{LocalAttachments, S3Attachments, SharedAttachments};
use crate::domain::{CourseCatalog, system_clock};
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
                let secret = self.jwt_secret.clone().map(String::into_bytes).unwrap_or_else(|| rand::random::<[u8; 32]>().to_vec());
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

    /// The cases function's router (typical and integrity cases, attachments), wired
    /// from this configuration.
    pub async fn cases_router(&self) -> Result<Router, ConfigError> {
        let store = self.open_store().await?;
        Ok(cases_router(store, self.auth(), self.files().await?))
    }
}

/// The registration router over a given store and catalogue — what `gazette serve`
/// mounts under `/api/` and what the tests drive.
pub fn registration_router(store: SharedStore, catalog: CourseCatalog, auth: AuthConfig) -> Router {
    router(AppState::new(store, catalog, auth, system_clock()))
}

/// The cases router over a given store and attachment storage. It is the same router
/// (one route list); only the wiring differs.
pub fn cases_router(store: SharedStore, auth: AuthConfig, files: Files) -> Router {
    router(AppState::new(store, CourseCatalog::default(), auth, system_clock()).with_files(files))
}

/// Everything at once — what `gazette serve` mounts under `/api/`.
pub fn full_router(store: SharedStore, catalog: CourseCatalog, auth: AuthConfig, files: Files) -> Router {
    router(AppState::new(store, catalog, auth, system_clock()).with_files(files))
}
