//! Learning records (学习记录, seeds 000 and 003): a learner's courses (我的课程) and
//! their progress through a course's lessons, the organiser's attendance at offline
//! courses, the hours earned, a learner's growth record by year (学员成长档案), and
//! the administrators' statistics with the export of seed 000 附件4.
//!
//! - `domain.rs` — the record, its progress and attendance, the hour targets (no HTTP);
//! - `external.rs` — hours from elsewhere: a learner's training outside the platform,
//!   approved by their unit administrator (the review lifecycle);
//! - `statistics.rs` — statistics by scope and filter, the year-end summary per unit,
//!   the growth record;
//! - `api.rs` — the JSON endpoints; `pages.rs` — 我的课程, a course's lessons, the
//!   growth record, attendance, statistics.
//!
//! The learner is the signed-in caller (`Caller`, the token's `sub`); the course
//! joins their records through a registration made while signed in and approved.

pub mod api;
mod domain;
mod external;
pub mod external_api;
pub mod external_pages;
pub mod pages;
pub mod statistics;

pub use domain::*;
pub use external::{ExternalCaller, ExternalLearner, ExternalTraining, ExternalTrainingForm, SOURCE_EXTERNAL};
pub use statistics::{DayRange, Growth, StatsFilter, StatsRow, StatsScope, UnitYear};
