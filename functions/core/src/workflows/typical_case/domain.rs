//! Typical cases (典型案例), after seed 000: once approved by the organisers, a regional
//! platform administrator may upload their region's typical cases. The organisers
//! (主办单位) review each upload; approved cases are exported as Markdown into
//! `content/cases/` and committed by an administrator (see [`crate::case_export`]).
//!
//! ```text
//!   upload ──► submitted ──approve──► approved ──export──► exported
//!                 ▲   │
//!      resubmit   │   └──return (comment)──► returned
//!                 └──────────────────────────────┘
//! ```
//!
//! The same steps serve every kind of regional upload ([`RegionalUpload`]): typical
//! cases, and local policy documents (地方政策, `local_policy/`), which the national
//! administrator reviews and which are exported into `content/policies/`.
//!
//! Keys (single table, see `functions/README.md`):
//! - case `CASES#typical` / `CASE#{id}`; gsi1 `CASES#typical#REGION#{region}` / `CASE#{id}`
//! - local policy `CASES#policy` / `CASE#{id}`; gsi1 `CASES#policy#REGION#{region}` / `CASE#{id}`
//!
//! Each kind's set lives in one partition: the reviewers' queue and the export read it
//! consistently in upload order (ids are ULIDs); the regional queue is gsi1.

use std::marker::PhantomData;

use jiff::Timestamp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::casework::{self, Actor, CaseError, CaseRecord, FileRef, Guard, Level, Step, Written};
use crate::lifecycle::{Clock, IdempotencyKey};
use crate::store::{Index, Item, Key, SharedStore, StoreError};

/// What a regional platform administrator uploads of their region for review and
/// publication on the site (seed 000 四、2): a typical case, a local policy document.
pub trait RegionalUpload: Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The partition of the whole set (`CASES#typical`).
    const PARTITION: &'static str;
    /// The idempotency operations of an upload and a resubmission.
    const UPLOAD_OPERATION: &'static str;
    const RESUBMIT_OPERATION: &'static str;
    /// The folder under `content/` it is exported to (`cases`).
    const CONTENT_DIR: &'static str;
    /// Its title (the list's, the page's).
    fn title(&self) -> &str;
    /// The region (option value of the regions list, `shanxi`) it belongs to.
    fn region(&self) -> &str;
    /// Its files, exported beside it.
    fn attachments(&self) -> &[FileRef];
    /// Whether someone at `level` reviews this kind.
    fn reviewed_by(level: &Level) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypicalCaseStatus {
    /// 待审核
    Submitted,
    /// 退回修改
    Returned,
    /// 审核通过
    Approved,
    /// 已导出 (written to `content/cases/`)
    Exported,
}

impl TypicalCaseStatus {
    pub const ALL: [TypicalCaseStatus; 4] = [
        TypicalCaseStatus::Submitted,
        TypicalCaseStatus::Returned,
        TypicalCaseStatus::Approved,
        TypicalCaseStatus::Exported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TypicalCaseStatus::Submitted => "submitted",
            TypicalCaseStatus::Returned => "returned",
            TypicalCaseStatus::Approved => "approved",
            TypicalCaseStatus::Exported => "exported",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TypicalCaseStatus::Submitted => "待审核",
            TypicalCaseStatus::Returned => "退回修改",
            TypicalCaseStatus::Approved => "审核通过",
            TypicalCaseStatus::Exported => "已导出",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// What a regional administrator uploads, after validation against the `case-upload`
/// form schema. `region` and `category` are the schema's option values (`shanxi`,
/// `evaluation`); their labels are what the site shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseUpload {
    pub title: String,
    pub region: String,
    pub provider: String,
    pub category: String,
    /// `YYYY-MM-DD`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    pub summary: String,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<FileRef>,
}

impl RegionalUpload for CaseUpload {
    const PARTITION: &'static str = "CASES#typical";
    const UPLOAD_OPERATION: &'static str = "typical-case-upload";
    const RESUBMIT_OPERATION: &'static str = "typical-case-resubmit";
    const CONTENT_DIR: &'static str = "cases";

    fn title(&self) -> &str {
        &self.title
    }

    fn region(&self) -> &str {
        &self.region
    }

    fn attachments(&self) -> &[FileRef] {
        &self.attachments
    }

    /// The organisers (主办单位) and the nation.
    fn reviewed_by(level: &Level) -> bool {
        matches!(level, Level::National | Level::Organiser)
    }
}

/// Where an exported case was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exported {
    pub slug: String,
    pub at: Timestamp,
}

/// An uploaded case or policy under review: the upload, its status and its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "U: RegionalUpload")]
pub struct Uploaded<U> {
    pub id: String,
    #[serde(flatten)]
    pub upload: U,
    pub status: TypicalCaseStatus,
    /// The organisers' comment on the last return (审核意见).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub uploaded_by: Actor,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exported: Option<Exported>,
    /// Every step, oldest first.
    pub history: Vec<Step>,
    #[serde(skip)]
    pub version: u64,
}

/// A typical case (典型案例).
pub type TypicalCase = Uploaded<CaseUpload>;

fn case_key<U: RegionalUpload>(id: &str) -> Key {
    Key::new(U::PARTITION, format!("CASE#{id}"))
}

impl<U: RegionalUpload> CaseRecord for Uploaded<U> {
    fn key(&self) -> Key {
        case_key::<U>(&self.id)
    }
    fn to_item(&self) -> Item {
        Item::new(self.key(), serde_json::to_value(self).unwrap_or_default()).with_index(
            Index::Gsi1,
            format!("{}#REGION#{}", U::PARTITION, self.upload.region()),
            format!("CASE#{}", self.id),
        )
    }
    fn from_item(item: Item) -> Result<Self, StoreError> {
        let (mut case, version): (Uploaded<U>, u64) = casework::decode(item)?;
        case.version = version;
        Ok(case)
    }
    fn version(&self) -> u64 {
        self.version
    }
    fn set_version(&mut self, version: u64) {
        self.version = version;
    }
}

impl<U: RegionalUpload> Uploaded<U> {
    fn step(&self, action: &str, by: &Actor, now: Timestamp, note: Option<String>) -> Step {
        Step {
            at: now,
            action: action.into(),
            by: by.clone(),
            status: self.status.as_str().into(),
            note,
            to: None,
            letter: None,
        }
    }
}

/// Which uploads a caller may see: its reviewers all, a province its own region's.
fn may_see<U: RegionalUpload>(actor: &Actor, case: &Uploaded<U>) -> bool {
    match &actor.level {
        level @ (Level::National | Level::Organiser) => U::reviewed_by(level),
        Level::Province { region } => case.upload.region() == region,
        Level::Institution { .. } => false,
    }
}

/// Who takes part in typical cases: the provinces upload, the nation and the
/// organisers review (seed 000).
pub fn takes_part(level: &Level) -> bool {
    matches!(level, Level::National | Level::Organiser | Level::Province { .. })
}

fn is_reviewer<U: RegionalUpload>(actor: &Actor) -> bool {
    U::reviewed_by(&actor.level)
}

/// A step a caller may take on a typical case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStep {
    /// The province edits a returned case and submits it again.
    Resubmit,
    /// The organisers (or the nation) approve a submitted case for publication.
    Approve,
    /// The organisers return a submitted case with a comment.
    Return,
}

impl CaseStep {
    pub const ALL: [CaseStep; 3] = [CaseStep::Resubmit, CaseStep::Approve, CaseStep::Return];
}

/// The permission model of the typical case, answered once for an actor and a
/// case's state: whether `actor` may take `step` on `case` now, and if not, why. The
/// handlers enforce it, [`allowed`] lists it for the pages and the review queue.
pub fn may<U: RegionalUpload>(actor: &Actor, case: &Uploaded<U>, step: CaseStep) -> Result<(), CaseError> {
    let (status, action) = match step {
        CaseStep::Resubmit => {
            match &actor.level {
                Level::Province { region } if region == case.upload.region() => {}
                Level::Province { .. } => return Err(CaseError::OutOfScope),
                _ => return Err(CaseError::NotAllowed { action: "resubmit" }),
            }
            (TypicalCaseStatus::Returned, "resubmitted")
        }
        CaseStep::Approve | CaseStep::Return => {
            let action = if step == CaseStep::Approve { "approve" } else { "return" };
            if !is_reviewer::<U>(actor) {
                return Err(CaseError::NotAllowed { action });
            }
            (TypicalCaseStatus::Submitted, if step == CaseStep::Approve { "approved" } else { "returned" })
        }
    };
    if case.status != status {
        return Err(invalid(case.status, action));
    }
    Ok(())
}

/// The steps `actor` may take on `case` now.
pub fn allowed<U: RegionalUpload>(actor: &Actor, case: &Uploaded<U>) -> Vec<CaseStep> {
    CaseStep::ALL.into_iter().filter(|step| may(actor, case, *step).is_ok()).collect()
}

fn check_id(id: &str) -> Result<(), CaseError> {
    if id.is_empty() || id.len() > 40 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CaseError::NotFound);
    }
    Ok(())
}

fn invalid(status: TypicalCaseStatus, action: &'static str) -> CaseError {
    CaseError::InvalidTransition { status: status.as_str(), status_zh: status.label_zh(), action }
}

/// The uploads of one kind over a store.
pub struct RegionalUploads<U> {
    store: SharedStore,
    clock: Clock,
    kind: PhantomData<fn() -> U>,
}

impl<U> Clone for RegionalUploads<U> {
    fn clone(&self) -> Self {
        RegionalUploads { store: self.store.clone(), clock: self.clock.clone(), kind: PhantomData }
    }
}

/// The typical cases.
pub type TypicalCases = RegionalUploads<CaseUpload>;

impl<U: RegionalUpload> RegionalUploads<U> {
    pub fn new(store: SharedStore, clock: Clock) -> Self {
        RegionalUploads { store, clock, kind: PhantomData }
    }

    /// A regional administrator uploads a case of their own region: it waits for review.
    pub async fn upload(
        &self,
        actor: &Actor,
        upload: U,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Written<Uploaded<U>>, CaseError> {
        match &actor.level {
            Level::Province { region } if region == upload.region() => {}
            Level::Province { .. } => return Err(CaseError::OutOfScope),
            _ => return Err(CaseError::NotAllowed { action: "upload" }),
        }
        let guard = Guard::new(idempotency_key, U::UPLOAD_OPERATION, &(&actor.id, &upload));
        let now = (self.clock)();
        let mut case = Uploaded {
            id: ulid::Ulid::new().to_string(),
            upload,
            status: TypicalCaseStatus::Submitted,
            comment: None,
            uploaded_by: actor.clone(),
            submitted_at: now,
            updated_at: now,
            approved_at: None,
            exported: None,
            history: vec![],
            version: 0,
        };
        case.history.push(case.step("upload", actor, now, None));
        casework::create(&self.store, case, guard).await
    }

    pub async fn get(&self, id: &str, actor: &Actor) -> Result<Uploaded<U>, CaseError> {
        check_id(id)?;
        let item = self.store.get(&case_key::<U>(id)).await?.ok_or(CaseError::NotFound)?;
        let case = Uploaded::<U>::from_item(item)?;
        if !may_see(actor, &case) {
            return Err(CaseError::OutOfScope);
        }
        Ok(case)
    }

    /// The cases a caller may see, oldest upload first: the organisers all of them, a
    /// regional administrator those of their region.
    pub async fn list(&self, actor: &Actor, status: Option<TypicalCaseStatus>) -> Result<Vec<Uploaded<U>>, CaseError> {
        let items = match &actor.level {
            level @ (Level::National | Level::Organiser) if U::reviewed_by(level) => {
                self.store.query(U::PARTITION, "CASE#").await?
            }
            Level::Province { region } => {
                self.store.query_index(Index::Gsi1, &format!("{}#REGION#{region}", U::PARTITION)).await?
            }
            _ => return Err(CaseError::NotAllowed { action: "list" }),
        };
        let mut cases = Vec::with_capacity(items.len());
        for item in items {
            let case = Uploaded::<U>::from_item(item)?;
            if may_see(actor, &case) && status.is_none_or(|s| s == case.status) {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    /// The uploader edits a returned case and submits it again.
    pub async fn resubmit(
        &self,
        id: &str,
        actor: &Actor,
        upload: U,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Written<Uploaded<U>>, CaseError> {
        check_id(id)?;
        let guard = Guard::new(idempotency_key, U::RESUBMIT_OPERATION, &(id, &actor.id, &upload));
        let now = (self.clock)();
        casework::update(&self.store, &case_key::<U>(id), guard, |case: &Uploaded<U>| {
            may(actor, case, CaseStep::Resubmit)?;
            // The case stays in its region: an upload naming another is out of scope.
            if upload.region() != case.upload.region() {
                return Err(CaseError::OutOfScope);
            }
            let mut next = Uploaded {
                upload: upload.clone(),
                status: TypicalCaseStatus::Submitted,
                updated_at: now,
                ..case.clone()
            };
            next.history.push(next.step("resubmit", actor, now, None));
            Ok(next)
        })
        .await
    }

    /// The organisers approve a submitted case for publication.
    pub async fn approve(&self, id: &str, actor: &Actor) -> Result<Uploaded<U>, CaseError> {
        check_id(id)?;
        if !is_reviewer::<U>(actor) {
            return Err(CaseError::NotAllowed { action: "approve" });
        }
        let now = (self.clock)();
        let written = casework::update(&self.store, &case_key::<U>(id), None, |case: &Uploaded<U>| {
            may(actor, case, CaseStep::Approve)?;
            let mut next = Uploaded {
                status: TypicalCaseStatus::Approved,
                approved_at: Some(now),
                updated_at: now,
                ..case.clone()
            };
            next.history.push(next.step("approve", actor, now, None));
            Ok(next)
        })
        .await?;
        Ok(written.case)
    }

    /// The organisers return a submitted case to its uploader with a comment.
    pub async fn return_for_changes(&self, id: &str, actor: &Actor, comment: &str) -> Result<Uploaded<U>, CaseError> {
        check_id(id)?;
        if !is_reviewer::<U>(actor) {
            return Err(CaseError::NotAllowed { action: "return" });
        }
        let comment = casework::required_note(comment, "comment", 1000)?;
        let now = (self.clock)();
        let written = casework::update(&self.store, &case_key::<U>(id), None, |case: &Uploaded<U>| {
            may(actor, case, CaseStep::Return)?;
            let mut next = Uploaded {
                status: TypicalCaseStatus::Returned,
                comment: Some(comment.clone()),
                updated_at: now,
                ..case.clone()
            };
            next.history.push(next.step("return", actor, now, Some(comment.clone())));
            Ok(next)
        })
        .await?;
        Ok(written.case)
    }

    /// Approved cases not yet exported, oldest first (for [`crate::case_export`]).
    pub async fn approved(&self) -> Result<Vec<Uploaded<U>>, CaseError> {
        let items = self.store.query(U::PARTITION, "CASE#").await?;
        let mut cases = vec![];
        for item in items {
            let case = Uploaded::<U>::from_item(item)?;
            if case.status == TypicalCaseStatus::Approved {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    /// Records that an approved case was written to `content/cases/{slug}/`. Refused
    /// (409) if it is no longer approved — another export got there first.
    pub async fn mark_exported(&self, id: &str, slug: &str, actor: &Actor) -> Result<Uploaded<U>, CaseError> {
        check_id(id)?;
        let now = (self.clock)();
        let written = casework::update(&self.store, &case_key::<U>(id), None, |case: &Uploaded<U>| {
            if case.status != TypicalCaseStatus::Approved {
                return Err(invalid(case.status, "exported"));
            }
            let mut next = Uploaded {
                status: TypicalCaseStatus::Exported,
                exported: Some(Exported { slug: slug.to_owned(), at: now }),
                updated_at: now,
                ..case.clone()
            };
            let mut step = next.step("export", actor, now, None);
            step.to = Some(format!("content/{}/{slug}/", U::CONTENT_DIR));
            next.history.push(step);
            Ok(next)
        })
        .await?;
        Ok(written.case)
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }
}
