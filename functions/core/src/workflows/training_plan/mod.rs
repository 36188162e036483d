//! Annual training plans (年度培训计划, seed 001): a unit submits next year's plan
//! with its projects, flags and attachments; the organiser approves or returns it.
//!
//! - `domain.rs` — the plan, the guide's rules, deadlines (no HTTP);
//! - `api.rs` — the JSON endpoints; `pages.rs` — the form, the plan, the review;
//! - `export.rs` — the plan list the unit stamps and sends (Excel, printable page).

pub mod api;
mod domain;
pub mod export;
pub mod pages;

pub use domain::*;
