//! One folder per workflow, each with everything it is: its states and transitions
//! and who may take them (`domain.rs`, knows no HTTP), its JSON API (`api.rs`), its
//! pages (`pages.rs`) and their templates (`*.html`).
//!
//! | folder | seed | what |
//! | --- | --- | --- |
//! | `registration/` | 000 | course registration: pending → approved / rejected, seats and waiting list |
//! | `monthly_report/` | 002 | monthly performance reports: draft → submitted → approved / returned; annual report |
//! | `training_plan/` | 001 | annual training plans with projects, flags and attachments |
//! | `typical_case/` | 000 | typical cases uploaded by provinces, reviewed, exported as Markdown |
//! | `local_policy/` | 000 | local policy documents uploaded by provinces, reviewed, exported into `content/policies/` |
//! | `integrity_case/` | 004 | research-integrity cases down the chain national → province → institution |
//! | `learning/` | 000, 003 | learning records: my courses, lesson progress, attendance, hours, statistics and export |
//!
//! Shared parts live in leaf modules the workflows use: [`crate::lifecycle`],
//! [`crate::casework`], [`crate::http`] (caller, errors, extractors), [`crate::web`]
//! (session, rendering, form posts), [`crate::store`], [`crate::attachments`].

pub mod integrity_case;
pub mod learning;
pub mod local_policy;
pub mod monthly_report;
pub mod registration;
pub mod training_plan;
pub mod typical_case;

pub use crate::casework::{Actor, CaseError, FileRef, Level, Step, Written};
pub use crate::lifecycle::{Clock, IdempotencyKey, ReviewStatus, WorkflowError, system_clock};
pub use integrity_case::{CaseSource, IntegrityCase, IntegrityCaseForm, IntegrityCases, IntegrityStatus};
pub use learning::{Learning, StudyTargets};
pub use local_policy::{LocalPolicies, LocalPolicy, PolicyUpload};
pub use monthly_report::{
    AnnualFigures, AnnualReport, Decision, MonthlyReport, NewMonth, RegionMonth, RegionRow, ReportCaller, ReportId,
    ReportRole, ReportSummary, Reports, due_date, is_late,
};
pub use registration::{
    Course, CourseCatalog, Lesson, ReceiptView, Registration, RegistrationError, RegistrationForm, RegistrationStatus,
    Registrations, Scope, Seats, Study, StudyMode, Submission,
};
pub use training_plan::{PlanCaller, PlanDeadlines, PlanRole, TrainingPlan, TrainingPlans};
pub use typical_case::{CaseUpload, TypicalCase, TypicalCaseStatus, TypicalCases};
