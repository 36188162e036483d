//! Domain core of gazette's functions: training registration, monthly performance
//! reports and annual training plans, typical cases and integrity cases.
//!
//! ```text
//! http/         axum router: routes, auth (JWT), errors, exports   ← thin
//! domain/       workflows in the documents' words                 ← knows no HTTP/AWS
//! validation    JSON body → typed form, through the form schemas
//! store/        Store trait + DynamoDB + embedded (redb)           ← the only door to data
//! attachments/  presigned uploads: S3 or a local directory
//! config        environment → store, auth, router (for the Lambda entry points)
//! case_export   approved typical cases → Markdown bundles in content/cases/
//! ```

pub mod attachments;
pub mod aws;
pub mod case_export;
pub mod config;
pub mod domain;
pub mod http;
pub mod store;
pub mod validation;
pub mod web;

pub use case_export::{ExportError, ExportReport, export_approved_cases};
pub use config::{AttachmentsConfig, Config, StoreConfig};
