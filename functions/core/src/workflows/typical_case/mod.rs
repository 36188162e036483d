//! Typical cases (典型案例, seed 000): a province uploads a case of its region; the
//! organisers approve it or return it; approved cases are exported as Markdown.
//!
//! - `domain.rs` — the case and its steps (no HTTP);
//! - `api.rs` — the JSON endpoints; `pages.rs` — list, upload, progress, review;
//! - `export.rs` — approved cases → page bundles in `content/cases/`.

pub mod api;
mod domain;
pub mod export;
pub mod pages;

pub use domain::*;
pub use export::{ExportError, ExportReport, Publishable, export_approved, export_approved_cases, short_slug};
