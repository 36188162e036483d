//! What every workflow shares and no workflow owns: the review lifecycle of reports
//! and plans (draft → submitted → approved / returned, with history), idempotency
//! records, masking of personal data, the clock, and times as people read them
//! (Beijing time, `time.rs`). Leaf modules: they know no
//! workflow, and nothing here knows of HTTP, AWS or files.

pub mod idempotency;
pub mod masking;
pub mod review;
pub mod time;

pub use idempotency::IdempotencyKey;
pub use review::{ReviewStatus, WorkflowError};

/// Where "now" comes from, so tests can stand at any moment of a registration window.
pub type Clock = std::sync::Arc<dyn Fn() -> jiff::Timestamp + Send + Sync>;

/// The real clock.
pub fn system_clock() -> Clock {
    std::sync::Arc::new(jiff::Timestamp::now)
}
