//! Research-integrity cases (科研诚信案件, seed 004): dispatched national → province →
//! institution; the institution records the result; provincial then national review;
//! returns with an opinion, or to the superior when misrouted.
//!
//! - `domain.rs` — the case, its chain and its result (no HTTP);
//! - `api.rs` — the JSON endpoints; `pages.rs` — queue, case, result, reviews.

pub mod api;
mod domain;
pub mod import;
pub mod pages;

pub use domain::*;
