//! Course registration (培训报名, seed 000): anyone registers for a course open for
//! registration; the organiser approves or rejects; seats and a waiting list.
//!
//! - `domain.rs` — registrations, seats, receipts, withdrawal (no HTTP);
//! - `course.rs` — the course catalogue the functions know (from `content/courses/`);
//! - `api.rs` — the JSON endpoints; `pages.rs` — the organiser's list and the receipt.

pub mod api;
pub mod course;
mod domain;
pub mod pages;

pub use course::{Course, CourseCatalog, Lesson, Study, StudyMode};
pub use domain::*;
