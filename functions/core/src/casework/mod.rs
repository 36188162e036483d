//! What the two case workflows (typical cases, integrity cases) share: who acts, the
//! step log every change appends to, attachment references, the error type, and the
//! one way a case is written — an optimistic read-modify-write that retries when
//! someone else wrote in between, with the idempotency record (if any) in the same
//! transaction, so a change and its record are stored together or not at all.

pub mod action_form;
pub mod api;
pub mod pages;
pub mod summary;

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::lifecycle::idempotency::{self, IdempotencyKey};
use crate::store::{Item, Key, SharedStore, StoreError, Write};

const MAX_ATTEMPTS: u32 = 60;

/// Where in the administrative chain someone acts (seed 004: 国家 → 省级 → 机构; seed
/// 000: the organisers review what regional administrators upload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "level", rename_all = "snake_case")]
pub enum Level {
    /// 国家级管理员
    National,
    /// 省级（地方）管理员 of one region
    Province { region: String },
    /// 机构（单位）管理员 of one unit
    Institution { unit: String },
    /// 主办单位 / course organiser (reviews typical cases)
    Organiser,
}

/// Who does something: the account (token subject) and where it sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    #[serde(flatten)]
    pub level: Level,
}

impl Actor {
    pub fn new(id: impl Into<String>, level: Level) -> Self {
        Actor { id: id.into(), level }
    }

    /// The key prefix of the files this actor may upload and reference. Files are
    /// keyed by their owner so a submission can only point at its owner's uploads.
    pub fn upload_prefix(&self) -> String {
        match &self.level {
            Level::National | Level::Organiser => "cases/national/".to_owned(),
            Level::Province { region } => format!("cases/r-{}/", safe_part(region)),
            Level::Institution { unit } => unit_upload_prefix(unit),
        }
    }

    /// A fresh key for a file named `name` uploaded by this actor:
    /// `cases/{owner}/{ulid}/{ascii name}`.
    pub fn upload_key(&self, name: &str) -> String {
        upload_key_under(&self.upload_prefix(), name)
    }
}

/// A fresh key for a file named `name` under an owner's `prefix`:
/// `{prefix}{ulid}/{ascii name}`.
pub fn upload_key_under(prefix: &str, name: &str) -> String {
    format!("{prefix}{}/{}", ulid::Ulid::new().to_string().to_lowercase(), ascii_file_name(name))
}

/// The key prefix of one learner's own uploads (a certificate of a training from
/// elsewhere, seed 003): `cases/l-{account}/` — nobody else's submission may point
/// at them, not even a colleague's of the same unit.
pub fn learner_upload_prefix(account: &str) -> String {
    format!("cases/l-{}/", safe_part(account))
}

/// The key prefix of a unit's uploads, whoever of the unit uploads them (an
/// institution's administrator on a case, a filler on a report or plan):
/// `cases/u-{unit}/`.
pub fn unit_upload_prefix(unit: &str) -> String {
    format!("cases/u-{}/", safe_part(unit))
}

/// A value usable in a key as is, or a short hash of it (unit names may be Chinese).
fn safe_part(s: &str) -> String {
    let ok =
        !s.is_empty() && s.len() <= 40 && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok { s.to_owned() } else { Sha256::digest(s.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect() }
}

/// `调查报告 (终稿).PDF` → `file.pdf`; `report-v2.pdf` stays. Keeps the extension
/// (lowercased) and ASCII letters, digits, `-` and `_` of the stem.
pub fn ascii_file_name(name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !e.is_empty() && e.len() <= 10 && e.chars().all(|c| c.is_ascii_alphanumeric()) => {
            (s, Some(e.to_ascii_lowercase()))
        }
        _ => (name, None),
    };
    let mut clean: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c.to_ascii_lowercase() } else { '-' })
        .collect();
    while clean.contains("--") {
        clean = clean.replace("--", "-");
    }
    let clean = clean.trim_matches('-');
    let stem = if clean.is_empty() { "file" } else { &clean[..clean.len().min(60)] };
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_owned(),
    }
}

/// An uploaded file, as the form schemas describe it (`{name, size, content_type, key}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub name: String,
    pub size: u64,
    pub content_type: String,
    pub key: String,
}

/// One entry of a case's progress log (办理进度): what happened, who did it, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub at: Timestamp,
    /// What was done (`create`, `dispatch`, `approve`, …).
    pub action: String,
    pub by: Actor,
    /// The status the case went to.
    pub status: String,
    /// Opinion, comment or reason given with the step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Where the case was sent (a region or a unit), for dispatch and forward.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A file given with the step (a province's official letter, 正式函件).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<FileRef>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no such case")]
    NotFound,
    #[error("this case belongs to another region or unit")]
    OutOfScope,
    #[error("your role may not {action} this case")]
    NotAllowed { action: &'static str },
    #[error("a case that is {status} cannot be {action}")]
    InvalidTransition { status: &'static str, status_zh: &'static str, action: &'static str },
    #[error("{field} is required (at most {max} characters)")]
    Required { field: &'static str, max: usize },
    #[error("the answers need correcting")]
    Invalid(BTreeMap<String, String>),
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    #[error("the case is busy; please try again in a moment")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A required free-text note (opinion, comment, reason): trimmed of blanks and of
/// characters that show nothing (a note of zero-width spaces is no note), 1..=`max`
/// characters.
pub fn required_note(note: &str, field: &'static str, max: usize) -> Result<String, CaseError> {
    let note = gazette_forms::chars::trim_blank(note);
    if note.is_empty() || note.chars().count() > max {
        return Err(CaseError::Required { field, max });
    }
    Ok(note.to_owned())
}

/// What the case types tell the shared write path.
pub(crate) trait CaseRecord: Clone + Serialize + Sized {
    fn key(&self) -> Key;
    fn to_item(&self) -> Item;
    fn from_item(item: Item) -> Result<Self, StoreError>;
    fn version(&self) -> u64;
    fn set_version(&mut self, version: u64);
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(item: Item) -> Result<(T, u64), StoreError> {
    let version = item.version;
    let key = item.key.clone();
    serde_json::from_value(item.data)
        .map(|v| (v, version))
        .map_err(|e| StoreError::Corrupt { key, reason: e.to_string() })
}

/// An idempotency key with the operation it guards and the request's fingerprint.
pub(crate) struct Guard<'a> {
    pub key: &'a IdempotencyKey,
    pub operation: &'static str,
    pub fingerprint: String,
}

impl<'a> Guard<'a> {
    pub fn new(key: Option<&'a IdempotencyKey>, operation: &'static str, request: &impl Serialize) -> Option<Self> {
        key.map(|key| Guard { key, operation, fingerprint: idempotency::fingerprint(request) })
    }

    fn record(&self, created: Key) -> Item {
        idempotency::Record::item(
            self.key,
            self.operation,
            &idempotency::Record { fingerprint: self.fingerprint.clone(), created },
        )
    }
}

/// The result of a write: the case as stored, and whether an earlier request with the
/// same idempotency key did it.
#[derive(Debug, Clone)]
pub struct Written<T> {
    pub case: T,
    pub replayed: bool,
}

async fn back_off(attempt: u32) {
    let base = 2u64.saturating_pow(attempt.min(6)).min(50);
    let jitter = rand::random::<u64>() % (base + 1);
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}

async fn replay<T: CaseRecord>(store: &SharedStore, guard: &Guard<'_>) -> Result<Option<T>, CaseError> {
    let Some(item) = store.get(&guard.key.store_key(guard.operation)).await? else {
        return Ok(None);
    };
    let (record, _): (idempotency::Record, _) = decode(item)?;
    if record.fingerprint != guard.fingerprint {
        return Err(CaseError::IdempotencyKeyReused);
    }
    let item = store.get(&record.created).await?.ok_or(CaseError::NotFound)?;
    Ok(Some(T::from_item(item)?))
}

/// Stores a new case (and the idempotency record, in the same transaction).
pub(crate) async fn create<T: CaseRecord>(
    store: &SharedStore,
    mut case: T,
    guard: Option<Guard<'_>>,
) -> Result<Written<T>, CaseError> {
    if let Some(g) = &guard
        && let Some(found) = replay(store, g).await?
    {
        return Ok(Written { case: found, replayed: true });
    }
    case.set_version(1);
    for attempt in 0..MAX_ATTEMPTS {
        let mut writes = vec![Write::Create(case.to_item())];
        writes.extend(guard.as_ref().map(|g| Write::Create(g.record(case.key()))));
        match store.transact(writes).await {
            Ok(()) => return Ok(Written { case, replayed: false }),
            Err(StoreError::ConditionFailed { index: 1 }) => {
                if let Some(g) = &guard
                    && let Some(found) = replay(store, g).await?
                {
                    return Ok(Written { case: found, replayed: true });
                }
                back_off(attempt).await;
            }
            // A ULID clash (or a retry of ours that landed): nothing to overwrite, so
            // fail loudly rather than guess.
            Err(StoreError::ConditionFailed { .. }) => {
                return Err(CaseError::Store(StoreError::Invalid("case id already taken".into())));
            }
            Err(StoreError::Contention) => back_off(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CaseError::Busy)
}

/// Reads the case at `key`, applies `change` to it and writes the result if nobody
/// wrote in between (else reads again and re-applies, so `change` always sees the
/// latest state and refuses what is no longer allowed).
pub(crate) async fn update<T: CaseRecord>(
    store: &SharedStore,
    key: &Key,
    guard: Option<Guard<'_>>,
    change: impl Fn(&T) -> Result<T, CaseError>,
) -> Result<Written<T>, CaseError> {
    if let Some(g) = &guard
        && let Some(found) = replay(store, g).await?
    {
        return Ok(Written { case: found, replayed: true });
    }
    for attempt in 0..MAX_ATTEMPTS {
        let item = store.get(key).await?.ok_or(CaseError::NotFound)?;
        let current = T::from_item(item)?;
        let mut next = change(&current)?;
        let mut writes = vec![Write::Replace { item: next.to_item(), expected_version: current.version() }];
        writes.extend(guard.as_ref().map(|g| Write::Create(g.record(current.key()))));
        match store.transact(writes).await {
            Ok(()) => {
                next.set_version(current.version() + 1);
                return Ok(Written { case: next, replayed: false });
            }
            Err(StoreError::ConditionFailed { index: 1 }) => {
                if let Some(g) = &guard
                    && let Some(found) = replay(store, g).await?
                {
                    return Ok(Written { case: found, replayed: true });
                }
                back_off(attempt).await;
            }
            Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => back_off(attempt).await,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CaseError::Busy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_safe_ascii_keeping_the_extension() {
        assert_eq!(ascii_file_name("调查报告 (终稿).PDF"), "file.pdf");
        assert_eq!(ascii_file_name("Report v2.pdf"), "report-v2.pdf");
        assert_eq!(ascii_file_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(ascii_file_name("noext"), "noext");
    }

    #[test]
    fn upload_keys_are_owned_by_region_or_unit() {
        let province = Actor::new("p", Level::Province { region: "hebei".into() });
        assert!(province.upload_key("a.pdf").starts_with("cases/r-hebei/"));
        let unit = Actor::new("u", Level::Institution { unit: "某某省第三医院".into() });
        let key = unit.upload_key("a.pdf");
        assert!(key.starts_with(&unit.upload_prefix()));
        crate::attachments::check_key(&key).unwrap();
    }
}
