//! Local policy documents (地方政策, seed 000 四、2): what a regional platform
//! administrator uploads of their region, reviewed by the national administrator and
//! exported into `content/policies/` as a policy page of the site. The steps, keys
//! and export are those of every regional upload (`typical_case::RegionalUploads`,
//! `typical_case::export_approved`): only what a policy is differs.
//!
//! Keys: `CASES#policy` / `CASE#{id}`; gsi1 `CASES#policy#REGION#{region}` / `CASE#{id}`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::casework::{Actor, FileRef, Level};
use crate::http::Lang;
use crate::validation;
use crate::workflows::typical_case::export::toml_string;
use crate::workflows::typical_case::{Publishable, RegionalUpload, RegionalUploads, Uploaded, short_slug};

/// What a regional administrator uploads (the `policy-upload` form, validated), in
/// the front matter of the site's policies (README "Content format", policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyUpload {
    pub title: String,
    /// 发文机关, one or more.
    pub issuers: Vec<String>,
    /// 发文字号, as typed (`晋科监发〔2023〕12号`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_number: Option<String>,
    /// 成文日期, `YYYY-MM-DD`.
    pub written: String,
    /// 发布日期, `YYYY-MM-DD`.
    pub published: String,
    /// The option value of 公开属性: `proactive` (主动公开) or `on_request` (依申请公开).
    pub disclosure: String,
    /// The uploader's region (option value of the regions list, `shanxi`).
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<FileRef>,
}

/// A local policy document under review.
pub type LocalPolicy = Uploaded<PolicyUpload>;

/// The local policy documents.
pub type LocalPolicies = RegionalUploads<PolicyUpload>;

impl RegionalUpload for PolicyUpload {
    const PARTITION: &'static str = "CASES#policy";
    const UPLOAD_OPERATION: &'static str = "local-policy-upload";
    const RESUBMIT_OPERATION: &'static str = "local-policy-resubmit";
    const CONTENT_DIR: &'static str = "policies";

    fn title(&self) -> &str {
        &self.title
    }

    fn region(&self) -> &str {
        &self.region
    }

    fn attachments(&self) -> &[FileRef] {
        &self.attachments
    }

    /// The national administrator (seed 000: 经审核后).
    fn reviewed_by(level: &Level) -> bool {
        matches!(level, Level::National)
    }
}

impl Publishable for PolicyUpload {
    /// `policy-` and the ULID's last ten characters.
    fn slug(id: &str) -> String {
        short_slug("policy", id)
    }

    /// A policy page: the notice's fields, `status = "现行有效"`, the region as the
    /// first topic (地方政策 the second: the policy library's facets).
    fn markdown(policy: &LocalPolicy, files: &[(String, String)], _now: jiff::Timestamp) -> String {
        let p = &policy.upload;
        let list = |items: &[String]| items.iter().map(|i| toml_string(i)).collect::<Vec<_>>().join(", ");
        let region = validation::case_label("region", &p.region, Lang::Zh);
        let mut out = String::from("+++\n");
        let _ = writeln!(out, "title = {}", toml_string(&p.title));
        if let Some(number) = &p.doc_number {
            let _ = writeln!(out, "doc_number = {}", toml_string(number));
        }
        let _ = writeln!(out, "issuers = [{}]", list(&p.issuers));
        let _ = writeln!(out, "written = {}", p.written);
        let _ = writeln!(out, "published = {}", p.published);
        let disclosure = validation::option_label(validation::POLICY_UPLOAD, "disclosure", &p.disclosure, Lang::Zh);
        let _ = writeln!(out, "disclosure = {}", toml_string(&disclosure));
        let _ = writeln!(out, "topics = [{}]", list(&[region, "地方政策".to_owned()]));
        if let Some(summary) = &p.summary {
            let _ = writeln!(out, "summary = {}", toml_string(summary));
        }
        let _ = writeln!(out, "status = \"现行有效\"");
        for (file, title) in files {
            let _ = write!(out, "\n[[attachments]]\ntitle = {}\nfile = {}\n", toml_string(title), toml_string(file));
        }
        out.push_str("+++\n\n");
        out.push_str(p.body.trim_end());
        out.push('\n');
        out
    }

    fn exporter() -> Actor {
        Actor::new("gazette policies export", Level::National)
    }
}
