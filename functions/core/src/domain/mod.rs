//! The workflows, in the documents' own words. Nothing here knows of HTTP, AWS or
//! files: every read and write goes through [`crate::store::Store`].

pub mod casework;
pub mod course;
pub mod idempotency;
pub mod integrity_case;
pub mod masking;
pub mod registration;
pub mod reports;
pub mod review;
pub mod training_plan;
pub mod typical_case;

pub use casework::{Actor, CaseError, FileRef, Level, Step, Written};
pub use course::{Course, CourseCatalog};
pub use idempotency::IdempotencyKey;
pub use integrity_case::{CaseSource, IntegrityCase, IntegrityCaseForm, IntegrityCases, IntegrityStatus};
pub use registration::{
    ReceiptView, Registration, RegistrationError, RegistrationForm, RegistrationStatus, Registrations, Scope, Seats,
    Submission,
};
pub use reports::{AnnualReport, MonthlyReport, NewMonth, ReportCaller, ReportId, ReportRole, ReportSummary, Reports};
pub use review::{ReviewStatus, WorkflowError};
pub use training_plan::{PlanCaller, PlanDeadlines, PlanRole, TrainingPlan, TrainingPlans};
pub use typical_case::{CaseUpload, TypicalCase, TypicalCaseStatus, TypicalCases};

/// Where "now" comes from, so tests can stand at any moment of a registration window.
pub type Clock = std::sync::Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

pub fn system_clock() -> Clock {
    std::sync::Arc::new(jiff::Timestamp::now)
}
