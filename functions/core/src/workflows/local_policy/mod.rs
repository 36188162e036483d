//! Local policy documents (地方政策, seed 000 四、2): a regional platform administrator
//! uploads a policy document of their region; the national administrator approves it
//! or returns it with a comment; approved ones are exported into `content/policies/`.
//! A kind of regional upload: the steps, pages and export are the typical case's
//! (`typical_case/`), over [`PolicyUpload`].
//!
//! - `domain.rs` — what a policy upload is, who reviews it, its page in the site's format;
//! - `api.rs` — the JSON endpoints; `pages.rs` — list, upload, one policy, review.

pub mod api;
mod domain;
pub mod pages;

pub use domain::{LocalPolicies, LocalPolicy, PolicyUpload};

use std::path::Path;

use crate::attachments::SharedAttachments;
use crate::store::SharedStore;
use crate::workflows::typical_case::{ExportError, ExportReport, export_approved};

/// Writes every approved, not yet exported local policy to
/// `content_policies_dir/<slug>/index.md` with its attachments, and marks it
/// `exported` (`gazette policies export`). Never overwrites anything.
pub async fn export_approved_policies(
    store: SharedStore,
    attachments: SharedAttachments,
    content_policies_dir: &Path,
) -> Result<ExportReport, ExportError> {
    export_approved::<PolicyUpload>(store, attachments, content_policies_dir).await
}
