//! What monthly reports (seed 002) and annual training plans (seed 001) share: a
//! document is filled in, submitted, then approved or returned by a reviewer; the one
//! who submitted may withdraw it until it is approved; approved is final. Every
//! transition is kept in the document's history with who made it and when.
//!
//! ```text
//!   draft ──submit──► submitted ──approve──► approved (final)
//!     ▲                 │    │
//!     └───withdraw──────┘    └──return (comment)──► returned ──submit──► submitted
//! ```
//!
//! A returned document can be edited and submitted again, like a draft.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::idempotency::{self, IdempotencyKey};
use crate::store::{Item, Key, SharedStore, StoreError, Write};

/// Longest reviewer's comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// 草稿 (also after a withdrawal)
    Draft,
    /// 已提交，待审核
    Submitted,
    /// 审核通过 — final
    Approved,
    /// 已退回，待修改
    Returned,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] =
        [ReviewStatus::Draft, ReviewStatus::Submitted, ReviewStatus::Approved, ReviewStatus::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "draft",
            ReviewStatus::Submitted => "submitted",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "草稿",
            ReviewStatus::Submitted => "待审核",
            ReviewStatus::Approved => "审核通过",
            ReviewStatus::Returned => "已退回",
        }
    }

    /// Whether its content may still change (saved, or submitted again).
    pub fn is_editable(self) -> bool {
        matches!(self, ReviewStatus::Draft | ReviewStatus::Returned)
    }
}

/// A step of the workflow, as recorded in the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 新建 (first save of a report)
    Create,
    /// 提交
    Submit,
    /// 撤回
    Withdraw,
    /// 审核通过
    Approve,
    /// 退回
    Return,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Approve => "approve",
            Action::Return => "return",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Create => "新建",
            Action::Submit => "提交",
            Action::Withdraw => "撤回",
            Action::Approve => "审核通过",
            Action::Return => "退回",
        }
    }

    /// The status the action leads to, from `from`; `None` when not allowed there.
    pub fn from_status(self, from: ReviewStatus) -> Option<ReviewStatus> {
        use ReviewStatus as S;
        match (self, from) {
            (Action::Submit, S::Draft | S::Returned) => Some(S::Submitted),
            (Action::Withdraw, S::Submitted) => Some(S::Draft),
            (Action::Approve, S::Submitted) => Some(S::Approved),
            (Action::Return, S::Submitted) => Some(S::Returned),
            _ => None,
        }
    }
}

/// Who did something: the token's subject and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub role: String,
}

/// One line of a document's history (流转记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub action: Action,
    pub status: ReviewStatus,
    pub by: String,
    pub role: String,
    pub at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// On a decision: whether the author is to be told by text message (seed 002).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_by_sms: Option<bool>,
}

impl HistoryEntry {
    pub fn new(action: Action, status: ReviewStatus, actor: &Actor, at: Timestamp, comment: Option<String>) -> Self {
        HistoryEntry {
            action,
            status,
            by: actor.id.clone(),
            role: actor.role.clone(),
            at,
            comment,
            notify_by_sms: None,
        }
    }
}

/// Which side of a document a caller acts on: the side that fills it in, submits and
/// withdraws it (the unit), or the side that reviews it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Author,
    Reviewer,
}

/// A step a caller may take on a document now. Each workflow's permission model
/// (`allowed`) answers with these, once, for a caller and a document's state: its
/// handlers enforce the same answer, its pages draw a button for each, its review
/// queue lists the documents a caller may decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Change the content (a draft, a returned document, a month not started).
    Save,
    Submit,
    Withdraw,
    Approve,
    Return,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Save, Step::Submit, Step::Withdraw, Step::Approve, Step::Return];

    /// Who takes the step.
    pub fn side(self) -> Side {
        match self {
            Step::Save | Step::Submit | Step::Withdraw => Side::Author,
            Step::Approve | Step::Return => Side::Reviewer,
        }
    }

    /// Whether the step is open from `status` (`None`: not started yet).
    pub fn open_from(self, status: Option<ReviewStatus>) -> bool {
        let action = match self {
            Step::Save => return status.is_none_or(ReviewStatus::is_editable),
            Step::Submit => Action::Submit,
            Step::Withdraw => Action::Withdraw,
            Step::Approve => Action::Approve,
            Step::Return => Action::Return,
        };
        status.is_some_and(|s| action.from_status(s).is_some())
    }
}

/// The steps open from `status` to a caller for whom `may(side)` holds: the one
/// rule both workflows of this lifecycle answer with.
pub fn allowed(status: Option<ReviewStatus>, may: impl Fn(Side) -> bool) -> Vec<Step> {
    Step::ALL.into_iter().filter(|step| step.open_from(status) && may(step.side())).collect()
}

/// Why a caller may not do something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The caller's role does not do this at all.
    Role,
    /// The document belongs to another unit.
    OtherUnit,
    /// The document belongs to another region.
    OtherRegion,
}

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("no such document")]
    NotFound,
    #[error("not allowed: {0:?}")]
    Denied(Denied),
    /// Field path → message, in the caller's language.
    #[error("some fields need correcting: {0:?}")]
    Invalid(BTreeMap<String, String>),
    #[error("the document was changed since version {expected} was read (now version {current})")]
    StaleVersion { expected: u64, current: u64 },
    #[error("a {} document cannot be changed or take the action {}", .from.as_str(), .action.as_str())]
    InvalidTransition { from: ReviewStatus, action: Action },
    #[error("returning a document needs a comment (at most 500 characters)")]
    CommentRequired,
    #[error("the document already exists")]
    AlreadyExists,
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    #[error("the document is busy; please try again in a moment")]
    Busy,
    #[error("form schema {0} is not compiled in")]
    NoSchema(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WorkflowError {
    pub fn invalid_field(path: &str, message: impl Into<String>) -> Self {
        WorkflowError::Invalid(BTreeMap::from([(path.to_owned(), message.into())]))
    }
}

/// A reviewer's comment: trimmed of blanks and of characters that show nothing, at
/// most [`MAX_COMMENT_CHARS`]; required for a return.
pub fn comment(raw: Option<&str>, required: bool) -> Result<Option<String>, WorkflowError> {
    let c = raw.map(gazette_forms::chars::trim_blank).filter(|c| !c.is_empty());
    match c {
        None if required => Err(WorkflowError::CommentRequired),
        Some(c) if c.chars().count() > MAX_COMMENT_CHARS => Err(WorkflowError::CommentRequired),
        c => Ok(c.map(str::to_owned)),
    }
}

/// [`is_slug`] as an HTML `pattern` (a JavaScript regular expression with the `v`
/// flag, where a `-` in a class must be escaped); inputs add `maxlength="64"`.
pub const SLUG_PATTERN: &str = r"[a-z0-9_\-]+";

/// A slug as used in keys (unit, platform): lowercase letters, digits, `-`, `_`; no `#`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(item: Item) -> Result<(T, u64), WorkflowError> {
    let version = item.version;
    let value = serde_json::from_value(item.data)
        .map_err(|e| StoreError::Corrupt { key: item.key.clone(), reason: e.to_string() })?;
    Ok((value, version))
}

/// The earlier result of a request retried with the same idempotency key, if any:
/// the item it wrote, as stored now. A key reused for another request is refused.
pub(crate) async fn replayed(
    store: &SharedStore,
    key: &IdempotencyKey,
    operation: &str,
    fingerprint: &str,
) -> Result<Option<Item>, WorkflowError> {
    let Some(item) = store.get(&key.store_key(operation)).await? else {
        return Ok(None);
    };
    let record: idempotency::Record = serde_json::from_value(item.data)
        .map_err(|e| StoreError::Corrupt { key: item.key.clone(), reason: e.to_string() })?;
    if record.fingerprint != fingerprint {
        return Err(WorkflowError::IdempotencyKeyReused);
    }
    store.get(&record.created).await?.ok_or(WorkflowError::NotFound).map(Some)
}

/// A document under review — a monthly report, a training plan: what the lifecycle
/// engine ([`transition`]) reads and writes of it.
pub(crate) trait Reviewed: Sized + Clone {
    fn status(&self) -> ReviewStatus;
    fn version(&self) -> u64;
    fn to_item(&self) -> Item;
    fn from_item(item: Item) -> Result<Self, WorkflowError>;
    /// This document after `step` (already checked): its status is `step.status`,
    /// `step` ends its history, it was last changed at `step.at` by `step.by`, its
    /// version is one up; a decision (approve, return) makes `step.comment` its comment.
    fn after(&self, step: HistoryEntry) -> Self;
}

/// How often a transition reads again after someone else wrote in between.
const TRANSITION_ATTEMPTS: u32 = 20;

/// Takes `action` (withdraw, approve, return) on the document at `key` as `actor`, at
/// `now`: refuses it where the document's status does not allow it, records it in the
/// history, and writes it only if nobody wrote in between — else reads again and
/// decides again, so the step always applies to the latest state.
///
/// Errors: [`WorkflowError::NotFound`], [`WorkflowError::InvalidTransition`],
/// [`WorkflowError::Busy`] after repeated contention, store errors.
pub(crate) async fn transition<D: Reviewed>(
    store: &SharedStore,
    key: &Key,
    actor: &Actor,
    action: Action,
    comment: Option<String>,
    now: Timestamp,
) -> Result<D, WorkflowError> {
    transition_with(store, key, actor, action, Note { comment, notify_by_sms: None }, now, |d: &D| Ok(d.clone())).await
}

/// What a step records besides itself: a comment, and for a decision whether the
/// author is told by text message.
#[derive(Debug, Clone, Default)]
pub(crate) struct Note {
    pub comment: Option<String>,
    pub notify_by_sms: Option<bool>,
}

/// [`transition`], recording `note` on the step.
pub(crate) async fn transition_noting<D: Reviewed>(
    store: &SharedStore,
    key: &Key,
    actor: &Actor,
    action: Action,
    note: Note,
    now: Timestamp,
) -> Result<D, WorkflowError> {
    transition_with(store, key, actor, action, note, now, |d: &D| Ok(d.clone())).await
}

/// [`transition_noting`], with what the decision itself records on the document (a
/// plan's 遴选 per project): `decide` reads the latest state and answers the document
/// as the step leaves it, or refuses the step — checked again on every retry.
pub(crate) async fn transition_with<D: Reviewed>(
    store: &SharedStore,
    key: &Key,
    actor: &Actor,
    action: Action,
    note: Note,
    now: Timestamp,
    decide: impl Fn(&D) -> Result<D, WorkflowError>,
) -> Result<D, WorkflowError> {
    for attempt in 0..TRANSITION_ATTEMPTS {
        let current = D::from_item(store.get(key).await?.ok_or(WorkflowError::NotFound)?)?;
        let from = current.status();
        let status = action.from_status(from).ok_or(WorkflowError::InvalidTransition { from, action })?;
        let step = HistoryEntry {
            notify_by_sms: note.notify_by_sms,
            ..HistoryEntry::new(action, status, actor, now, note.comment.clone())
        };
        let next = decide(&current)?.after(step);
        match store.transact(vec![Write::Replace { item: next.to_item(), expected_version: current.version() }]).await {
            Ok(()) => return Ok(next),
            Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => back_off(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WorkflowError::Busy)
}

/// The comment a document keeps after `step`: a decision's own, else the one it had.
pub(crate) fn comment_after(step: &HistoryEntry, had: &Option<String>) -> Option<String> {
    if matches!(step.action, Action::Approve | Action::Return) { step.comment.clone() } else { had.clone() }
}

pub(crate) async fn back_off(attempt: u32) {
    let base = 2u64.saturating_pow(attempt.min(6)).min(50);
    let jitter = rand::random::<u64>() % (base + 1);
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}
