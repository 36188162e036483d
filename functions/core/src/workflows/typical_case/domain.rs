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
//! Keys (single table, see `functions/README.md`):
//! - case `CASES#typical` / `CASE#{id}`; gsi1 `CASES#typical#REGION#{region}` / `CASE#{id}`
//!
//! The whole set lives in one partition: the organisers' queue and the export read it
//! consistently in upload order (ids are ULIDs); the regional queue is gsi1.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::casework::{self, Actor, CaseError, CaseRecord, FileRef, Guard, Level, Step, Written};
use crate::lifecycle::{Clock, IdempotencyKey};
use crate::store::{Index, Item, Key, SharedStore, StoreError};

const PARTITION: &str = "CASES#typical";

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

/// Where an exported case was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exported {
    pub slug: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypicalCase {
    pub id: String,
    #[serde(flatten)]
    pub upload: CaseUpload,
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

fn case_key(id: &str) -> Key {
    Key::new(PARTITION, format!("CASE#{id}"))
}

impl CaseRecord for TypicalCase {
    fn key(&self) -> Key {
        case_key(&self.id)
    }
    fn to_item(&self) -> Item {
        Item::new(self.key(), serde_json::to_value(self).unwrap_or_default()).with_index(
            Index::Gsi1,
            format!("{PARTITION}#REGION#{}", self.upload.region),
            format!("CASE#{}", self.id),
        )
    }
    fn from_item(item: Item) -> Result<Self, StoreError> {
        let (mut case, version): (TypicalCase, u64) = casework::decode(item)?;
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

impl TypicalCase {
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

/// Which typical cases a caller may see.
fn may_see(actor: &Actor, case: &TypicalCase) -> bool {
    match &actor.level {
        Level::National | Level::Organiser => true,
        Level::Province { region } => &case.upload.region == region,
        Level::Institution { .. } => false,
    }
}

/// Who takes part in typical cases: the provinces upload, the nation and the
/// organisers review (seed 000).
pub fn takes_part(level: &Level) -> bool {
    matches!(level, Level::National | Level::Organiser | Level::Province { .. })
}

fn is_reviewer(actor: &Actor) -> bool {
    matches!(actor.level, Level::National | Level::Organiser)
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
pub fn may(actor: &Actor, case: &TypicalCase, step: CaseStep) -> Result<(), CaseError> {
    let (status, action) = match step {
        CaseStep::Resubmit => {
            match &actor.level {
                Level::Province { region } if *region == case.upload.region => {}
                Level::Province { .. } => return Err(CaseError::OutOfScope),
                _ => return Err(CaseError::NotAllowed { action: "resubmit" }),
            }
            (TypicalCaseStatus::Returned, "resubmitted")
        }
        CaseStep::Approve | CaseStep::Return => {
            let action = if step == CaseStep::Approve { "approve" } else { "return" };
            if !is_reviewer(actor) {
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
pub fn allowed(actor: &Actor, case: &TypicalCase) -> Vec<CaseStep> {
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

#[derive(Clone)]
pub struct TypicalCases {
    store: SharedStore,
    clock: Clock,
}

impl TypicalCases {
    pub fn new(store: SharedStore, clock: Clock) -> Self {
        TypicalCases { store, clock }
    }

    /// A regional administrator uploads a case of their own region: it waits for review.
    pub async fn upload(
        &self,
        actor: &Actor,
        upload: CaseUpload,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Written<TypicalCase>, CaseError> {
        match &actor.level {
            Level::Province { region } if *region == upload.region => {}
            Level::Province { .. } => return Err(CaseError::OutOfScope),
            _ => return Err(CaseError::NotAllowed { action: "upload" }),
        }
        let guard = Guard::new(idempotency_key, "typical-case-upload", &(&actor.id, &upload));
        let now = (self.clock)();
        let mut case = TypicalCase {
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

    pub async fn get(&self, id: &str, actor: &Actor) -> Result<TypicalCase, CaseError> {
        check_id(id)?;
        let item = self.store.get(&case_key(id)).await?.ok_or(CaseError::NotFound)?;
        let case = TypicalCase::from_item(item)?;
        if !may_see(actor, &case) {
            return Err(CaseError::OutOfScope);
        }
        Ok(case)
    }

    /// The cases a caller may see, oldest upload first: the organisers all of them, a
    /// regional administrator those of their region.
    pub async fn list(&self, actor: &Actor, status: Option<TypicalCaseStatus>) -> Result<Vec<TypicalCase>, CaseError> {
        let items = match &actor.level {
            Level::National | Level::Organiser => self.store.query(PARTITION, "CASE#").await?,
            Level::Province { region } => {
                self.store.query_index(Index::Gsi1, &format!("{PARTITION}#REGION#{region}")).await?
            }
            Level::Institution { .. } => return Err(CaseError::NotAllowed { action: "list" }),
        };
        let mut cases = Vec::with_capacity(items.len());
        for item in items {
            let case = TypicalCase::from_item(item)?;
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
        upload: CaseUpload,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Written<TypicalCase>, CaseError> {
        check_id(id)?;
        let guard = Guard::new(idempotency_key, "typical-case-resubmit", &(id, &actor.id, &upload));
        let now = (self.clock)();
        casework::update(&self.store, &case_key(id), guard, |case: &TypicalCase| {
            may(actor, case, CaseStep::Resubmit)?;
            // The case stays in its region: an upload naming another is out of scope.
            if upload.region != case.upload.region {
                return Err(CaseError::OutOfScope);
            }
            let mut next = TypicalCase {
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
    pub async fn approve(&self, id: &str, actor: &Actor) -> Result<TypicalCase, CaseError> {
        check_id(id)?;
        if !is_reviewer(actor) {
            return Err(CaseError::NotAllowed { action: "approve" });
        }
        let now = (self.clock)();
        let written = casework::update(&self.store, &case_key(id), None, |case: &TypicalCase| {
            may(actor, case, CaseStep::Approve)?;
            let mut next = TypicalCase {
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
    pub async fn return_for_changes(&self, id: &str, actor: &Actor, comment: &str) -> Result<TypicalCase, CaseError> {
        check_id(id)?;
        if !is_reviewer(actor) {
            return Err(CaseError::NotAllowed { action: "return" });
        }
        let comment = casework::required_note(comment, "comment", 1000)?;
        let now = (self.clock)();
        let written = casework::update(&self.store, &case_key(id), None, |case: &TypicalCase| {
            may(actor, case, CaseStep::Return)?;
            let mut next = TypicalCase {
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
    pub async fn approved(&self) -> Result<Vec<TypicalCase>, CaseError> {
        let items = self.store.query(PARTITION, "CASE#").await?;
        let mut cases = vec![];
        for item in items {
            let case = TypicalCase::from_item(item)?;
            if case.status == TypicalCaseStatus::Approved {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    /// Records that an approved case was written to `content/cases/{slug}/`. Refused
    /// (409) if it is no longer approved — another export got there first.
    pub async fn mark_exported(&self, id: &str, slug: &str, actor: &Actor) -> Result<TypicalCase, CaseError> {
        check_id(id)?;
        let now = (self.clock)();
        let written = casework::update(&self.store, &case_key(id), None, |case: &TypicalCase| {
            if case.status != TypicalCaseStatus::Approved {
                return Err(invalid(case.status, "exported"));
            }
            let mut next = TypicalCase {
                status: TypicalCaseStatus::Exported,
                exported: Some(Exported { slug: slug.to_owned(), at: now }),
                updated_at: now,
                ..case.clone()
            };
            let mut step = next.step("export", actor, now, None);
            step.to = Some(format!("content/cases/{slug}/"));
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
