//! Monthly performance reports of research platforms (科技平台月度绩效报告, seed 002)
//! and the annual report made from them.
//!
//! - `domain.rs` — drafts by part, pre-fill, submit / withdraw / approve / return (no HTTP);
//! - `api.rs` — the JSON endpoints; `pages.rs` — months, overview, one page per part;
//! - `platforms.rs` — the unit's platforms (the directory's list), kept by its administrator.
//! - `notices.rs` — the filler told of a decision through the outbox (text or e-mail).

pub mod api;
pub mod document;
mod domain;
pub mod import;
mod notices;
pub mod pages;
pub mod platforms;

pub use domain::*;
