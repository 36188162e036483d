//! The functions' configuration: every environment variable they read, read once at
//! start-up. A blank variable counts as unset; a malformed one stops start-up with
//! a message that names the variable and the form it takes.
//!
//! | variable | meaning | when unset |
//! | --- | --- | --- |
//! | `TABLE_NAME` | DynamoDB table; when set, DynamoDB is the store | the embedded store |
//! | `DATA_DIR` | directory of the embedded store and local attachments | `./data` (`gazette serve`: `--data-dir`) |
//! | `AWS_ENDPOINT_URL` | DynamoDB-compatible endpoint (read by the AWS SDK) | AWS |
//! | `GAZETTE_JWT_SECRET` | HS256 secret for bearer tokens and local file links | only API Gateway authorizer claims (`gazette serve`: a development secret) |
//! | `COURSE_CATALOG` | JSON file: `[{slug, title, capacity, opens, closes}]` (`gazette course-catalog`) | no courses (`gazette serve`: from `content/courses/`) |
//! | `PLAN_DEADLINES` | training-plan deadlines, JSON `{"2023": "2022-11-14"}` (inline or a file path) | no plan accepted (`gazette serve`: from the notices) |
//! | `ATTACHMENTS_BUCKET` | S3 bucket of case attachments (presigned uploads) | a local directory |
//! | `ATTACHMENTS_DIR` | local attachment directory | `$DATA_DIR/attachments` |
//! | `API_BASE_URL` | where the router is reachable, for local upload links | `http://127.0.0.1:1111/api` |
//! | `GAZETTE_RATE_LIMIT` | public submissions per address and minute, `0` = no limit | `20` |
//! | `GAZETTE_DEV_SIGN_IN` | `1`: the sign-in page offers development roles (needs `GAZETTE_JWT_SECRET`) | off |
//! | `GAZETTE_MAIL_FROM` | sender address verified in SES: messages go out by e-mail through SES and by text through SNS (at `AWS_ENDPOINT_URL` when set) | the local outbox below |
//! | `OUTBOX_DIR` | where the local notification outbox writes messages | `$DATA_DIR/outbox` with the embedded store; none with DynamoDB |
//! | `GAZETTE_USER_POOL_ID` | Cognito user pool (`cn-north-1_AbC…`); with the next, accounts live in the pool and the functions accept its tokens | accounts in the store |
//! | `GAZETTE_USER_POOL_CLIENT_ID` | the pool's app client the functions sign in through | (both or neither) |
//! | `STUDY_TARGETS` | the year's hour targets, JSON `{"total_hours": 90, "online_hours": 50}` | seed 003's: 90 and 50 |
//!
//! [`Config::from_env`] reads them over [`Defaults`]; the Lambda entry point and
//! `gazette serve` build the same router from the result ([`Config::router`]).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;

use crate::accounts::cognito::tokens::TokenVerifier;
use crate::accounts::cognito::{CognitoAccounts, UserPool};
use crate::accounts::{SharedAccounts, StoreAccounts};
use crate::attachments::{LocalAttachments, S3Attachments, SharedAttachments};
use crate::http::limit::RateLimit;
use crate::http::{AppState, AuthConfig, Files, router};
use crate::notify::{AwsOutbox, DirOutbox, SharedOutbox};
use crate::store::{DynamoStore, EmbeddedStore, SharedStore, StoreError, dynamo_client};
use crate::workflows::{Clock, CourseCatalog, PlanDeadlines, StudyTargets, system_clock};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    Dynamo { table: String },
    Embedded { data_dir: PathBuf },
}

/// What the environment says, parsed.
#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreConfig,
    pub jwt_secret: Option<String>,
    /// `COURSE_CATALOG`, read: `None` when unset.
    pub course_catalog: Option<CourseCatalog>,
    /// `PLAN_DEADLINES`, read: `None` when unset.
    pub plan_deadlines: Option<PlanDeadlines>,
    pub attachments: AttachmentsConfig,
    /// `GAZETTE_RATE_LIMIT`: public submissions per address and minute.
    pub rate_limit: u32,
    /// `GAZETTE_DEV_SIGN_IN=1`: the sign-in page offers the development role picker.
    pub dev_sign_in: bool,
    /// `GAZETTE_MAIL_FROM` or `OUTBOX_DIR`: where messages go.
    pub outbox: OutboxConfig,
    /// `GAZETTE_USER_POOL_ID` and `GAZETTE_USER_POOL_CLIENT_ID`: accounts in a Cognito
    /// user pool, reached at `AWS_ENDPOINT_URL` when set.
    pub user_pool: Option<(UserPool, Option<String>)>,
    /// `STUDY_TARGETS`: the year's hour targets of the growth records.
    pub study_targets: StudyTargets,
}

/// Where case attachments are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentsConfig {
    /// S3, uploads through presigned URLs.
    S3 { bucket: String },
    /// A directory; upload links point at `{base_url}/uploads/{token}`.
    Local { dir: PathBuf, base_url: String },
}

/// Where messages to people (one-time passwords, decisions) go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxConfig {
    /// SES (e-mail from `from`) and SNS (text messages), at `endpoint` when set.
    Aws { from: String, endpoint: Option<String> },
    /// One file per message in a directory, listed on the development outbox page.
    Dir(PathBuf),
    /// Nowhere: what needs a message is refused.
    None,
}

/// What a variable left unset means, for the program reading them: the Lambda
/// entry point takes [`Defaults::default`]; `gazette serve` its `--data-dir` and port.
#[derive(Debug, Clone)]
pub struct Defaults {
    pub data_dir: PathBuf,
    pub api_base_url: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { data_dir: "./data".into(), api_base_url: "http://127.0.0.1:1111/api".into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{variable} is malformed: {problem}. Expected {expected}.")]
    Malformed { variable: &'static str, problem: String, expected: &'static str },
    #[error(transparent)]
    Attachments(#[from] crate::attachments::AttachmentError),
}

const PLAN_DEADLINES_FORM: &str =
    r#"a JSON object of plan year → last day, like {"2023": "2022-11-14"}, inline or in a file"#;
const COURSE_CATALOG_FORM: &str =
    "the path of a JSON file [{slug, title, capacity, opens, closes}], as `gazette course-catalog` writes it";
const RATE_LIMIT_FORM: &str = "a whole number of submissions per address and minute (0: no limit)";
const USER_POOL_FORM: &str = "both GAZETTE_USER_POOL_ID and GAZETTE_USER_POOL_CLIENT_ID (the stack's outputs UserPoolId, UserPoolClientId), or neither";

impl Config {
    /// The process environment over `defaults`.
    pub fn from_env(defaults: Defaults) -> Result<Config, ConfigError> {
        Config::from_vars(defaults, |name| std::env::var(name).ok())
    }

    /// `var(name)` over `defaults`: blank counts as unset.
    pub fn from_vars(defaults: Defaults, var: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let data_dir = var("DATA_DIR").map(PathBuf::from).unwrap_or(defaults.data_dir);
        let store = match var("TABLE_NAME") {
            Some(table) => StoreConfig::Dynamo { table },
            None => StoreConfig::Embedded { data_dir: data_dir.join("store") },
        };
        let attachments = match var("ATTACHMENTS_BUCKET") {
            Some(bucket) => AttachmentsConfig::S3 { bucket },
            None => AttachmentsConfig::Local {
                dir: var("ATTACHMENTS_DIR").map(PathBuf::from).unwrap_or_else(|| data_dir.join("attachments")),
                base_url: var("API_BASE_URL").unwrap_or(defaults.api_base_url),
            },
        };
        let rate_limit = match var("GAZETTE_RATE_LIMIT") {
            None => 20,
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError::Malformed {
                variable: "GAZETTE_RATE_LIMIT",
                problem: format!("{raw:?} is not a whole number"),
                expected: RATE_LIMIT_FORM,
            })?,
        };
        let dev_sign_in = match var("GAZETTE_DEV_SIGN_IN").as_deref().map(str::trim) {
            None | Some("0") => false,
            Some("1") => true,
            Some(raw) => {
                return Err(ConfigError::Malformed {
                    variable: "GAZETTE_DEV_SIGN_IN",
                    problem: format!("{raw:?} is neither 1 nor 0"),
                    expected: "1 (the sign-in page offers development roles) or 0",
                });
            }
        };
        let outbox = match (var("GAZETTE_MAIL_FROM"), var("OUTBOX_DIR")) {
            (Some(from), _) if !from.contains('@') => {
                return Err(ConfigError::Malformed {
                    variable: "GAZETTE_MAIL_FROM",
                    problem: format!("{from:?} is not an e-mail address"),
                    expected: "the sender address verified in SES, like noreply@kjgl.example.org",
                });
            }
            (Some(from), _) => OutboxConfig::Aws { from: from.trim().into(), endpoint: var("AWS_ENDPOINT_URL") },
            (None, Some(dir)) => OutboxConfig::Dir(dir.into()),
            (None, None) => match &store {
                StoreConfig::Embedded { .. } => OutboxConfig::Dir(data_dir.join("outbox")),
                StoreConfig::Dynamo { .. } => OutboxConfig::None,
            },
        };
        let user_pool = read_user_pool(&var)?.map(|pool| (pool, var("AWS_ENDPOINT_URL")));
        Ok(Config {
            dev_sign_in,
            outbox,
            user_pool,
            store,
            jwt_secret: var("GAZETTE_JWT_SECRET"),
            course_catalog: var("COURSE_CATALOG").map(|path| read_catalog(&path)).transpose()?,
            plan_deadlines: var("PLAN_DEADLINES").map(|raw| read_plan_deadlines(&raw)).transpose()?,
            attachments,
            rate_limit,
            study_targets: match var("STUDY_TARGETS") {
                None => StudyTargets::default(),
                Some(raw) => serde_json::from_str(&raw).map_err(|e| ConfigError::Malformed {
                    variable: "STUDY_TARGETS",
                    problem: e.to_string(),
                    expected: STUDY_TARGETS_FORM,
                })?,
            },
        })
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
            StoreConfig::Embedded { data_dir } => {
                let store = EmbeddedStore::open(data_dir)?;
                sweep_now_and_then(store.clone());
                Arc::new(store)
            }
        })
    }

    /// The accounts: the Cognito user pool when one is configured (its listing, sign-in
    /// guard and audit log in `store`), else the store's own.
    pub async fn open_accounts(&self, store: SharedStore) -> SharedAccounts {
        match &self.user_pool {
            Some((pool, endpoint)) => {
                let sdk = crate::aws::sdk_config(endpoint.as_deref()).await;
                Arc::new(CognitoAccounts::new(&sdk, pool.clone(), store))
            }
            None => Arc::new(StoreAccounts::new(store)),
        }
    }

    /// The verifier of the pool's tokens, checking each token's account in `accounts`.
    pub fn pool_tokens(&self, accounts: SharedAccounts) -> Option<Arc<TokenVerifier>> {
        let (pool, endpoint) = self.user_pool.as_ref()?;
        Some(Arc::new(TokenVerifier::new(pool.clone(), pool.jwks_url(endpoint.as_deref())).with_accounts(accounts)))
    }

    pub fn auth(&self) -> AuthConfig {
        match &self.jwt_secret {
            Some(secret) => AuthConfig::hs256(secret).with_dev_sign_in(self.dev_sign_in),
            None => AuthConfig::gateway_only(),
        }
    }

    /// The functions' router, wired from this configuration: every workflow, with
    /// the configured attachment storage and the pages. Each Lambda serves this same
    /// router; `gazette serve` mounts it under `/api/`.
    pub async fn router(&self) -> Result<Router, ConfigError> {
        let store = self.open_store().await?;
        let accounts = self.open_accounts(store.clone()).await;
        let auth = match self.pool_tokens(accounts.clone()) {
            Some(pool) => self.auth().with_pool_tokens(pool),
            None => self.auth(),
        };
        let state = AppState::new(
            store,
            self.course_catalog.clone().unwrap_or_default(),
            self.plan_deadlines.clone().unwrap_or_default(),
            auth,
            system_clock(),
        );
        if self.course_catalog.is_none() {
            tracing::warn!("COURSE_CATALOG is not set: no course accepts registrations");
        }
        if self.plan_deadlines.is_none() {
            tracing::warn!("PLAN_DEADLINES is not set: no training plan is accepted");
        }
        let mut state = state
            .with_accounts(accounts)
            .with_files(self.files().await?)
            .with_rate_limit(RateLimit::per_minute(self.rate_limit))
            .with_study_targets(self.study_targets);
        match self.open_outbox().await {
            Some(outbox) => state = state.with_outbox(outbox),
            None => tracing::warn!(
                "neither GAZETTE_MAIL_FROM nor OUTBOX_DIR is set: no message (one-time passwords, decisions) can be sent"
            ),
        }
        Ok(crate::web::router(state))
    }

    /// The outbox: SES and SNS when `GAZETTE_MAIL_FROM` is set, else the local
    /// directory, else none.
    pub async fn open_outbox(&self) -> Option<SharedOutbox> {
        match &self.outbox {
            OutboxConfig::Aws { from, endpoint } => {
                let sdk = crate::aws::sdk_config(endpoint.as_deref()).await;
                Some(Arc::new(AwsOutbox::new(&sdk, from.clone())))
            }
            OutboxConfig::Dir(dir) => Some(Arc::new(DirOutbox::new(dir.clone()))),
            OutboxConfig::None => None,
        }
    }
}

/// How often the embedded store deletes its expired records (DynamoDB's TTL does it in AWS).
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Deletes the embedded store's expired records at once, then every [`SWEEP_EVERY`],
/// for as long as the process runs (`gazette serve`); outside a runtime, nothing.
fn sweep_now_and_then(store: EmbeddedStore) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            every.tick().await;
            match store.sweep_expired(jiff::Timestamp::now().as_second()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "expired records swept"),
                Err(e) => tracing::warn!(error = %e, "cannot sweep expired records"),
            }
        }
    });
}

const STUDY_TARGETS_FORM: &str = r#"JSON {"total_hours": 90, "online_hours": 50} (学时 a year, all and online)"#;

/// `COURSE_CATALOG`: the catalogue file.
fn read_catalog(path: &str) -> Result<CourseCatalog, ConfigError> {
    let malformed = |problem: String| ConfigError::Malformed {
        variable: "COURSE_CATALOG",
        problem: format!("{path}: {problem}"),
        expected: COURSE_CATALOG_FORM,
    };
    let text = std::fs::read_to_string(path).map_err(|e| malformed(e.to_string()))?;
    let courses: Vec<crate::workflows::Course> = serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))?;
    Ok(CourseCatalog::new(courses))
}

/// `GAZETTE_USER_POOL_ID` and `GAZETTE_USER_POOL_CLIENT_ID`: both, or neither.
fn read_user_pool(var: &impl Fn(&str) -> Option<String>) -> Result<Option<UserPool>, ConfigError> {
    match (var("GAZETTE_USER_POOL_ID"), var("GAZETTE_USER_POOL_CLIENT_ID")) {
        (None, None) => Ok(None),
        (Some(id), Some(client_id)) if id.contains('_') => {
            Ok(Some(UserPool { id: id.trim().into(), client_id: client_id.trim().into() }))
        }
        (Some(id), Some(_)) => Err(ConfigError::Malformed {
            variable: "GAZETTE_USER_POOL_ID",
            problem: format!("{id:?} is not a pool id (region_id)"),
            expected: USER_POOL_FORM,
        }),
        (id, _) => Err(ConfigError::Malformed {
            variable: if id.is_some() { "GAZETTE_USER_POOL_CLIENT_ID" } else { "GAZETTE_USER_POOL_ID" },
            problem: "it is unset while the other is set".into(),
            expected: USER_POOL_FORM,
        }),
    }
}

/// `PLAN_DEADLINES`: inline JSON (starts with `{`) or the path of a JSON file.
fn read_plan_deadlines(raw: &str) -> Result<PlanDeadlines, ConfigError> {
    let malformed =
        |problem: String| ConfigError::Malformed { variable: "PLAN_DEADLINES", problem, expected: PLAN_DEADLINES_FORM };
    let text = if raw.trim_start().starts_with('{') {
        raw.to_string()
    } else {
        std::fs::read_to_string(raw).map_err(|e| malformed(format!("{raw}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| malformed(e.to_string()))
}

/// The router over a given store and settings, without attachment storage (tests).
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

/// The router with training-plan deadlines and attachment storage (the files of
/// reports and plans), and no courses.
pub fn reports_router(store: SharedStore, deadlines: PlanDeadlines, auth: AuthConfig, files: Files) -> Router {
    router(AppState::new(store, CourseCatalog::default(), deadlines, auth, system_clock()).with_files(files))
}

/// The router with attachment storage and no courses or deadlines.
pub fn cases_router(store: SharedStore, auth: AuthConfig, files: Files) -> Router {
    let state = AppState::new(store, CourseCatalog::default(), PlanDeadlines::default(), auth, system_clock());
    crate::web::router(state.with_files(files))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_vars(Defaults::default(), |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn plan_deadlines_are_read_inline_or_from_a_file() {
        let inline = config(&[("PLAN_DEADLINES", r#"{"2023": "2022-11-14"}"#)]).unwrap();
        assert_eq!(inline.plan_deadlines.unwrap().of(2023), Some(jiff::civil::date(2022, 11, 14)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deadlines.json");
        std::fs::write(&path, r#"{"2024": "2023-11-10"}"#).unwrap();
        let from_file = config(&[("PLAN_DEADLINES", path.to_str().unwrap())]).unwrap();
        assert_eq!(from_file.plan_deadlines.unwrap().of(2024), Some(jiff::civil::date(2023, 11, 10)));
        assert!(config(&[]).unwrap().plan_deadlines.is_none());
    }

    #[test]
    fn malformed_plan_deadlines_are_an_error_that_shows_the_expected_shape() {
        let err = config(&[("PLAN_DEADLINES", r#"{"2023": "14/11/2022"}"#)]).unwrap_err().to_string();
        assert!(err.contains("PLAN_DEADLINES") && err.contains(r#"{"2023": "2022-11-14"}"#), "{err}");
        assert!(config(&[("PLAN_DEADLINES", "/no/such/file.json")]).is_err());
    }

    #[test]
    fn a_blank_variable_is_unset_everywhere() {
        let blank = config(&[
            ("PLAN_DEADLINES", ""),
            ("GAZETTE_RATE_LIMIT", " "),
            ("TABLE_NAME", ""),
            ("COURSE_CATALOG", ""),
            ("GAZETTE_JWT_SECRET", "  "),
            ("ATTACHMENTS_BUCKET", ""),
        ])
        .unwrap();
        assert!(blank.plan_deadlines.is_none());
        assert!(blank.course_catalog.is_none());
        assert!(blank.jwt_secret.is_none());
        assert_eq!(blank.rate_limit, 20);
        assert_eq!(blank.store, StoreConfig::Embedded { data_dir: "./data/store".into() });
        assert!(matches!(blank.attachments, AttachmentsConfig::Local { .. }));
    }

    #[test]
    fn a_malformed_rate_limit_stops_start_up_naming_the_variable() {
        let err = config(&[("GAZETTE_RATE_LIMIT", "abc")]).unwrap_err().to_string();
        assert!(err.contains("GAZETTE_RATE_LIMIT") && err.contains("\"abc\"") && err.contains("whole number"), "{err}");
        assert_eq!(config(&[("GAZETTE_RATE_LIMIT", "0")]).unwrap().rate_limit, 0);
    }

    #[test]
    fn a_user_pool_needs_its_client_and_chooses_cognito() {
        let pool = config(&[("GAZETTE_USER_POOL_ID", "cn-north-1_AbC"), ("GAZETTE_USER_POOL_CLIENT_ID", "client1")])
            .unwrap()
            .user_pool
            .unwrap();
        assert_eq!(pool.0, UserPool { id: "cn-north-1_AbC".into(), client_id: "client1".into() });
        let err = config(&[("GAZETTE_USER_POOL_ID", "cn-north-1_AbC")]).unwrap_err().to_string();
        assert!(err.contains("GAZETTE_USER_POOL_CLIENT_ID") && err.contains("UserPoolClientId"), "{err}");
        let err = config(&[("GAZETTE_USER_POOL_ID", "AbC"), ("GAZETTE_USER_POOL_CLIENT_ID", "c")]).unwrap_err();
        assert!(err.to_string().contains("GAZETTE_USER_POOL_ID"), "{err}");
        assert!(config(&[]).unwrap().user_pool.is_none());
    }

    #[test]
    fn a_mail_sender_chooses_ses_and_sns_over_the_local_outbox() {
        let aws = config(&[("GAZETTE_MAIL_FROM", "noreply@kjgl.example.org"), ("OUTBOX_DIR", "/tmp/o")]).unwrap();
        assert_eq!(aws.outbox, OutboxConfig::Aws { from: "noreply@kjgl.example.org".into(), endpoint: None });
        assert_eq!(config(&[("OUTBOX_DIR", "/tmp/o")]).unwrap().outbox, OutboxConfig::Dir("/tmp/o".into()));
        assert_eq!(config(&[]).unwrap().outbox, OutboxConfig::Dir("./data/outbox".into()));
        assert_eq!(config(&[("TABLE_NAME", "t")]).unwrap().outbox, OutboxConfig::None);
        let err = config(&[("GAZETTE_MAIL_FROM", "noreply")]).unwrap_err().to_string();
        assert!(err.contains("GAZETTE_MAIL_FROM") && err.contains("verified in SES"), "{err}");
    }

    #[test]
    fn a_missing_course_catalog_file_stops_start_up_naming_the_variable() {
        let err = config(&[("COURSE_CATALOG", "/no/such/catalog.json")]).unwrap_err().to_string();
        assert!(err.contains("COURSE_CATALOG") && err.contains("gazette course-catalog"), "{err}");
    }

    #[test]
    fn study_targets_come_from_the_variable_and_a_malformed_one_stops_start_up() {
        assert_eq!(config(&[]).unwrap().study_targets, StudyTargets { total_hours: 90.0, online_hours: 50.0 });
        let set = config(&[("STUDY_TARGETS", r#"{"total_hours": 120, "online_hours": 60}"#)]).unwrap();
        assert_eq!(set.study_targets, StudyTargets { total_hours: 120.0, online_hours: 60.0 });
        let err = config(&[("STUDY_TARGETS", "90")]).unwrap_err().to_string();
        assert!(err.contains("STUDY_TARGETS") && err.contains("total_hours"), "{err}");
    }
}
