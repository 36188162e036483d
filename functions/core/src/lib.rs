//! The functions of gazette: what people submit through the site — course
//! registrations, monthly performance reports, annual training plans, typical cases
//! and integrity cases — as one axum router, served by `lambda_http` on AWS Lambda
//! and mounted under `/api/` by `gazette serve`.
//!
//! ```text
//! accounts/     who may sign in, as what: the Accounts interface ← leaf
//! workflows/    one folder per workflow: domain, API, pages, templates
//! lifecycle/    review lifecycle, idempotency, masking, clock    ← leaf, no HTTP
//! casework/     what the two case workflows share                ← leaf
//! http/         the caller (JWT), errors, extractors, limits     ← leaf
//! web/          pages' plumbing: session, rendering, form posts  ← leaf
//! routes        the one route table: every route, who may call it
//! validation    JSON body → typed form, through the form schemas
//! store/        Store trait + DynamoDB + embedded (redb)         ← the only door to data
//! attachments/  presigned uploads: S3 or a local directory
//! directory/    regions, departments, units, platforms         ← leaf
//! notify/       the notification outbox (one interface; local files)  ← leaf
//! config        the environment, read once at start-up
//! ```

pub mod accounts;
pub mod attachments;
pub mod aws;
pub mod casework;
pub mod config;
pub mod directory;
pub mod http;
pub mod lifecycle;
pub mod notify;
pub mod pdf;
pub mod routes;
pub mod store;
pub mod validation;
pub mod web;
pub mod workflows;

pub use config::{AttachmentsConfig, Config, StoreConfig};
pub use workflows::local_policy::export_approved_policies;
pub use workflows::typical_case::{ExportError, ExportReport, export_approved_cases};
