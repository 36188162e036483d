//! Training registration (培训报名), after seed 000: anyone may register for a course;
//! a registration waits (待审核) until the responsible department approves it.
//!
//! ```text
//!   register ──► pending ──approve──► approved
//!      │            │  ╲                 │
//!      │ (full)     │   reject/withdraw  │ reject/withdraw
//!      ▼            ▼         ╲          ▼
//!  waitlisted ──► (moves up to pending, oldest first, when a seat frees)
//!      │                        rejected / withdrawn (final)
//!      └──reject/withdraw──────►
//! ```
//!
//! A registration withdrawn is final, but its registrant may register for the course
//! again: a new registration, which takes over the e-mail's marker.
//!
//! Capacity is exact under concurrency because every change of who holds a seat moves
//! two counters in the same transaction as the registration itself: `SEATS` (pending +
//! approved, bounded by the capacity) and `WAITING` (waitlisted). A registration takes
//! a seat with `SEATS + 1 ≤ capacity`; it joins the waitlist only while `SEATS ≥
//! capacity`; a seat is handed back (`SEATS − 1`) only while `WAITING = 0`, otherwise it
//! goes to the oldest waitlisted registration. So "someone waits while a seat is free"
//! can never be committed. One live registration per e-mail (case-insensitive) per
//! course: a marker item, created in the same transaction — or, when the registration
//! it names was withdrawn, replaced (on its version) by the one that takes its place.
//!
//! Keys (single table, see `functions/README.md`):
//! - registration `COURSE#{course}` / `REG#{id}`; gsi1 `REG#{id}` / `REG`;
//!   gsi2 `RECEIPT#{receipt}` / `REG`
//! - e-mail marker `COURSE#{course}` / `EMAIL#{email lowercased}`
//! - counters `COURSE#{course}` / `SEATS` and `COURSE#{course}` / `WAITING`

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::course::{CourseCatalog, Window};
use crate::lifecycle::idempotency::{self, IdempotencyKey};
use crate::lifecycle::{Clock, masking};
use crate::store::{Bounds, Index, Item, Key, SharedStore, StoreError, Write};

/// How often a workflow re-reads and retries when another request changed the same
/// items between its read and its write.
const MAX_ATTEMPTS: u32 = 60;
const IDEMPOTENCY_OPERATION: &str = "register";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// 待审核
    Pending,
    /// 已通过
    Approved,
    /// 未通过
    Rejected,
    /// 候补
    Waitlisted,
    /// 已撤回
    Withdrawn,
}

impl RegistrationStatus {
    pub const ALL: [RegistrationStatus; 5] = [
        RegistrationStatus::Pending,
        RegistrationStatus::Approved,
        RegistrationStatus::Rejected,
        RegistrationStatus::Waitlisted,
        RegistrationStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Approved => "approved",
            RegistrationStatus::Rejected => "rejected",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "待审核",
            RegistrationStatus::Approved => "已通过",
            RegistrationStatus::Rejected => "未通过",
            RegistrationStatus::Waitlisted => "候补",
            RegistrationStatus::Withdrawn => "已撤回",
        }
    }

    /// Holds one of the course's seats.
    pub fn holds_seat(self) -> bool {
        matches!(self, RegistrationStatus::Pending | RegistrationStatus::Approved)
    }
}

/// What a registrant submits, after validation against the registration form schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationForm {
    pub course: String,
    /// 姓名
    pub name: String,
    /// 单位
    pub organisation: String,
    /// 职务/职称
    pub position: String,
    /// 联系电话
    pub phone: String,
    /// 邮箱
    pub email: String,
    /// 所在地区 (province-level region)
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub id: String,
    pub course: String,
    pub name: String,
    pub organisation: String,
    pub position: String,
    pub phone: String,
    pub email: String,
    pub region: String,
    pub status: RegistrationStatus,
    /// The organiser's note on a rejection (审核意见).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Receipt code (回执码): the registrant's only key to the registration.
    pub receipt: String,
    /// The account of a registrant who was signed in (the token's `sub`): whose
    /// learning record (我的课程) the course joins once approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// That account's unit (the token's `unit` claim), for the unit administrator's
    /// statistics of learning records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(skip)]
    pub version: u64,
}

impl Registration {
    fn key(&self) -> Key {
        registration_key(&self.course, &self.id)
    }

    /// The stored item, with its indexes (what a bulk load, such as the statistics
    /// benchmark, writes; registering writes the counters and markers besides).
    pub fn to_item(&self) -> Item {
        Item::new(self.key(), serde_json::to_value(self).unwrap_or_default())
            .with_index(Index::Gsi1, format!("REG#{}", self.id), "REG")
            .with_index(Index::Gsi2, format!("RECEIPT#{}", self.receipt), "REG")
    }

    fn from_item(item: Item) -> Result<Self, RegistrationError> {
        let mut r: Registration = serde_json::from_value(item.data).map_err(|e| {
            RegistrationError::Store(StoreError::Corrupt { key: item.key.clone(), reason: e.to_string() })
        })?;
        r.version = item.version;
        Ok(r)
    }

    fn with_status(&self, status: RegistrationStatus, now: Timestamp) -> Registration {
        Registration { status, updated_at: now, ..self.clone() }
    }
}

fn registration_key(course: &str, id: &str) -> Key {
    Key::new(format!("COURSE#{course}"), format!("REG#{id}"))
}

/// The entry that lists a registration under its registrant's account (我的课程).
fn account_entry_key(account: &str, course: &str, id: &str) -> Key {
    Key::new(format!("ACCOUNT#{account}"), format!("REG#{course}#{id}"))
}

fn seats_key(course: &str) -> Key {
    Key::new(format!("COURSE#{course}"), "SEATS")
}

fn waiting_key(course: &str) -> Key {
    Key::new(format!("COURSE#{course}"), "WAITING")
}

fn email_key(course: &str, email: &str) -> Key {
    Key::new(format!("COURSE#{course}"), format!("EMAIL#{}", email.trim().to_lowercase()))
}

/// What an e-mail's marker says of a course: free, or taken by a live registration,
/// or by one since withdrawn (whose marker, at `version`, a new registration takes over).
enum EmailMarker {
    Free,
    Live,
    Withdrawn { version: u64 },
}

/// A registrant who is signed in: the account (the token's `sub`) and its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub unit: Option<String>,
}

/// Which registrations an organiser-side caller may see and decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Course organisers and national administrators.
    All,
    /// A regional (provincial) administrator: registrants from that region only (seed 000:
    /// the responsible local department approves).
    Region(String),
}

impl Scope {
    fn covers(&self, r: &Registration) -> bool {
        match self {
            Scope::All => true,
            Scope::Region(region) => &r.region == region,
        }
    }
}

/// A step on a registration: the organisers' decisions, and the registrant's
/// withdrawal with the receipt code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStep {
    /// 审核通过: a pending registration takes its seat.
    Approve,
    /// 审核不通过, with a note: also after approval or on the waiting list.
    Reject,
    /// 撤回: the registrant, until rejected.
    Withdraw,
}

impl RegistrationStep {
    pub const ALL: [RegistrationStep; 3] =
        [RegistrationStep::Approve, RegistrationStep::Reject, RegistrationStep::Withdraw];

    fn done(self) -> &'static str {
        match self {
            RegistrationStep::Approve => "approved",
            RegistrationStep::Reject => "rejected",
            RegistrationStep::Withdraw => "withdrawn",
        }
    }
}

/// The permission model of registration (seed 000), answered once for a caller's
/// scope and a registration's state: the organisers decide registrations within
/// their scope; the holder of the receipt (scope: that registration) withdraws. The
/// handlers enforce it; [`allowed`] lists it for the pages.
pub fn may(scope: &Scope, r: &Registration, step: RegistrationStep) -> Result<(), RegistrationError> {
    if !scope.covers(r) {
        return Err(RegistrationError::OutOfScope);
    }
    let open = match step {
        RegistrationStep::Approve => r.status == RegistrationStatus::Pending,
        RegistrationStep::Reject | RegistrationStep::Withdraw => {
            !matches!(r.status, RegistrationStatus::Rejected | RegistrationStatus::Withdrawn)
        }
    };
    if open {
        Ok(())
    } else {
        Err(RegistrationError::InvalidTransition { from: r.status.label_en(), action: step.done() })
    }
}

/// The steps of `steps` a caller of `scope` may take on `r` now.
pub fn allowed(scope: &Scope, r: &Registration, steps: &[RegistrationStep]) -> Vec<RegistrationStep> {
    steps.iter().copied().filter(|step| may(scope, r, *step).is_ok()).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    #[error("there is no course {0:?} open for registration")]
    UnknownCourse(String),
    #[error("registration for this course opens at {0}")]
    NotYetOpen(Timestamp),
    #[error("registration for this course closed at {0}")]
    Closed(Timestamp),
    #[error("this e-mail address is already registered for this course")]
    AlreadyRegistered,
    #[error("no such registration")]
    NotFound,
    #[error("this registration belongs to another region")]
    OutOfScope,
    #[error("a {from} registration cannot be {action}")]
    InvalidTransition { from: &'static str, action: &'static str },
    #[error("a rejection needs a note for the registrant (at most 500 characters)")]
    NoteRequired,
    #[error("this Idempotency-Key was already used for a different registration")]
    IdempotencyKeyReused,
    #[error("the course is busy; please try again in a moment")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of `register`.
#[derive(Debug, Clone)]
pub struct Submission {
    pub registration: Registration,
    /// True when an earlier request with the same idempotency key made it.
    pub replayed: bool,
}

/// What a receipt code shows: the registration with personal data masked.
#[derive(Debug, Clone, Serialize)]
pub struct ReceiptView {
    pub course: String,
    pub course_title: String,
    pub status: RegistrationStatus,
    pub status_label: &'static str,
    pub name: String,
    pub organisation: String,
    pub phone: String,
    pub email: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// 1 = next to move up; only while waitlisted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waitlist_position: Option<usize>,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    /// What the holder may do now: withdraw, until rejected.
    pub actions: Vec<RegistrationStep>,
}

/// Seat availability of a course.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Seats {
    pub course: String,
    pub capacity: Option<u32>,
    pub taken: i64,
    pub waiting: i64,
    pub open: bool,
}

#[derive(Clone)]
pub struct Registrations {
    store: SharedStore,
    catalog: Arc<CourseCatalog>,
    clock: Clock,
}

fn new_receipt() -> String {
    // 128 random bits, Crockford base32: unguessable, easy to read out over the phone.
    ulid::Ulid::from(rand::random::<u128>()).to_string()
}

async fn back_off(attempt: u32) {
    let base = 2u64.saturating_pow(attempt.min(6)).min(50);
    let jitter = rand::random::<u64>() % (base + 1);
    tokio::time::sleep(Duration::from_millis(base + jitter)).await;
}

impl Registrations {
    pub fn new(store: SharedStore, catalog: Arc<CourseCatalog>, clock: Clock) -> Self {
        Registrations { store, catalog, clock }
    }

    pub fn catalog(&self) -> &CourseCatalog {
        &self.catalog
    }

    /// Registers for a course: pending while seats remain, waitlisted after.
    pub async fn register(
        &self,
        form: RegistrationForm,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Submission, RegistrationError> {
        self.register_as(form, idempotency_key, None).await
    }

    /// [`Registrations::register`] by a registrant who is signed in as `account`: the
    /// registration names the account and is listed under it, in the same transaction.
    pub async fn register_as(
        &self,
        form: RegistrationForm,
        idempotency_key: Option<&IdempotencyKey>,
        account: Option<Account>,
    ) -> Result<Submission, RegistrationError> {
        let course =
            self.catalog.get(&form.course).ok_or_else(|| RegistrationError::UnknownCourse(form.course.clone()))?;
        let now = (self.clock)();
        match course.window_at(now) {
            Window::Open => {}
            Window::NotYetOpen(at) => return Err(RegistrationError::NotYetOpen(at)),
            Window::Closed(at) => return Err(RegistrationError::Closed(at)),
        }
        let fingerprint = idempotency::fingerprint(&form);
        if let Some(key) = idempotency_key {
            if let Some(found) = self.replay(key, &fingerprint).await? {
                return Ok(found);
            }
        }

        let capacity = course.capacity.map(i64::from);
        let mut registration = Registration {
            id: ulid::Ulid::new().to_string(),
            course: form.course.clone(),
            name: form.name,
            organisation: form.organisation,
            position: form.position,
            phone: form.phone,
            email: form.email.trim().to_owned(),
            region: form.region,
            status: RegistrationStatus::Pending,
            note: None,
            receipt: new_receipt(),
            account: account.as_ref().map(|a| a.id.clone()),
            unit: account.as_ref().and_then(|a| a.unit.clone()),
            submitted_at: now,
            updated_at: now,
            version: 1,
        };
        let marker = Item::new(
            email_key(&registration.course, &registration.email),
            serde_json::json!({ "registration": registration.id }),
        );
        // A new e-mail's marker is created; a withdrawn registration's is taken over.
        let mut marker_write = Write::Create(marker.clone());
        let record = idempotency_key.map(|key| {
            idempotency::Record::item(
                key,
                IDEMPOTENCY_OPERATION,
                &idempotency::Record { fingerprint: fingerprint.clone(), created: registration.key() },
            )
        });

        for attempt in 0..MAX_ATTEMPTS {
            // First try for a seat; when the course is full, for a place on the waitlist,
            // which is refused if a seat freed up meanwhile (then try for the seat again).
            for status in [RegistrationStatus::Pending, RegistrationStatus::Waitlisted] {
                registration.status = status;
                let gate = match status {
                    RegistrationStatus::Pending => vec![Write::Count {
                        key: seats_key(&registration.course),
                        delta: 1,
                        bounds: capacity.map_or(Bounds::NONE, Bounds::at_most),
                    }],
                    _ => vec![
                        Write::Count {
                            key: seats_key(&registration.course),
                            delta: 0,
                            bounds: Bounds::at_least(capacity.unwrap_or(0)),
                        },
                        Write::Count { key: waiting_key(&registration.course), delta: 1, bounds: Bounds::NONE },
                    ],
                };
                let gates = gate.len();
                let mut writes = gate;
                writes.push(Write::Create(registration.to_item()));
                writes.push(marker_write.clone());
                writes.extend(record.clone().map(Write::Create));
                if let Some(account) = &registration.account {
                    let entry = account_entry_key(account, &registration.course, &registration.id);
                    writes
                        .push(Write::Create(Item::new(entry, serde_json::json!({ "registration": registration.id }))));
                }
                match self.store.transact(writes).await {
                    Ok(()) => return Ok(Submission { registration, replayed: false }),
                    Err(StoreError::ConditionFailed { index: 0 }) => {
                        // Seats full (for pending) or freed (for waitlisted): try the other.
                        if status == RegistrationStatus::Waitlisted {
                            back_off(attempt).await;
                        }
                    }
                    Err(StoreError::ConditionFailed { index }) if index == gates => {
                        // The id is a fresh ULID; a clash means a retry of ours landed.
                        registration.id = ulid::Ulid::new().to_string();
                        break;
                    }
                    Err(StoreError::ConditionFailed { index }) if index == gates + 1 => {
                        // Taken e-mail — unless by an earlier try of this very request.
                        if let Some(key) = idempotency_key {
                            if let Some(found) = self.replay(key, &fingerprint).await? {
                                return Ok(found);
                            }
                        }
                        // Taken by a registration since withdrawn: register again in its place.
                        marker_write = match self.email_marker(&marker.key, &registration.course).await? {
                            EmailMarker::Free => Write::Create(marker.clone()),
                            EmailMarker::Withdrawn { version } => {
                                Write::Replace { item: marker.clone(), expected_version: version }
                            }
                            EmailMarker::Live => return Err(RegistrationError::AlreadyRegistered),
                        };
                        break;
                    }
                    Err(StoreError::ConditionFailed { .. }) => {
                        // The idempotency record: a concurrent request with the same key won.
                        if let Some(key) = idempotency_key {
                            if let Some(found) = self.replay(key, &fingerprint).await? {
                                return Ok(found);
                            }
                        }
                        back_off(attempt).await;
                        break;
                    }
                    Err(StoreError::Contention) => {
                        back_off(attempt).await;
                        break;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Err(RegistrationError::Busy)
    }

    /// Whom an e-mail's marker at `key` stands for now.
    async fn email_marker(&self, key: &Key, course: &str) -> Result<EmailMarker, RegistrationError> {
        let Some(marker) = self.store.get(key).await? else {
            return Ok(EmailMarker::Free);
        };
        let Some(id) = marker.data.get("registration").and_then(serde_json::Value::as_str) else {
            return Ok(EmailMarker::Live);
        };
        let withdrawn = match self.store.get(&registration_key(course, id)).await? {
            Some(item) => Registration::from_item(item)?.status == RegistrationStatus::Withdrawn,
            None => false,
        };
        Ok(if withdrawn { EmailMarker::Withdrawn { version: marker.version } } else { EmailMarker::Live })
    }

    async fn replay(&self, key: &IdempotencyKey, fingerprint: &str) -> Result<Option<Submission>, RegistrationError> {
        let Some(item) = self.store.get(&key.store_key(IDEMPOTENCY_OPERATION)).await? else {
            return Ok(None);
        };
        let record: idempotency::Record = serde_json::from_value(item.data)
            .map_err(|e| StoreError::Corrupt { key: item.key.clone(), reason: e.to_string() })?;
        if record.fingerprint != fingerprint {
            return Err(RegistrationError::IdempotencyKeyReused);
        }
        let item = self.store.get(&record.created).await?.ok_or(RegistrationError::NotFound)?;
        Ok(Some(Submission { registration: Registration::from_item(item)?, replayed: true }))
    }

    async fn by_index(&self, index: Index, pk: String) -> Result<Registration, RegistrationError> {
        // The index only tells where the registration lives; read it consistently from there.
        let found = self.store.query_index(index, &pk).await?;
        let key = found.into_iter().next().map(|item| item.key).ok_or(RegistrationError::NotFound)?;
        let item = self.store.get(&key).await?.ok_or(RegistrationError::NotFound)?;
        Registration::from_item(item)
    }

    async fn by_receipt(&self, receipt: &str) -> Result<Registration, RegistrationError> {
        let receipt = receipt.trim().to_ascii_uppercase();
        if receipt.is_empty() || !receipt.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(RegistrationError::NotFound);
        }
        self.by_index(Index::Gsi2, format!("RECEIPT#{receipt}")).await
    }

    /// The registrations made while signed in as `account`, by course then submission.
    pub async fn of_account(&self, account: &str) -> Result<Vec<Registration>, RegistrationError> {
        let entries = self.store.query(&format!("ACCOUNT#{account}"), "REG#").await?;
        let mut found = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some((course, id)) = entry.key.sk.strip_prefix("REG#").and_then(|rest| rest.rsplit_once('#')) else {
                continue;
            };
            if let Some(item) = self.store.get(&registration_key(course, id)).await? {
                found.push(Registration::from_item(item)?);
            }
        }
        Ok(found)
    }

    /// Registrations of a course in submission order.
    pub async fn course_registrations(&self, course: &str) -> Result<Vec<Registration>, RegistrationError> {
        self.store.query(&format!("COURSE#{course}"), "REG#").await?.into_iter().map(Registration::from_item).collect()
    }

    /// What the holder of a receipt code may see.
    pub async fn receipt(&self, receipt: &str) -> Result<ReceiptView, RegistrationError> {
        let r = self.by_receipt(receipt).await?;
        let waitlist_position = if r.status == RegistrationStatus::Waitlisted {
            let all = self.course_registrations(&r.course).await?;
            all.iter().filter(|o| o.status == RegistrationStatus::Waitlisted).position(|o| o.id == r.id).map(|p| p + 1)
        } else {
            None
        };
        let actions = allowed(&Scope::All, &r, &[RegistrationStep::Withdraw]);
        Ok(ReceiptView {
            course_title: self.catalog.get(&r.course).map(|c| c.title.clone()).unwrap_or_else(|| r.course.clone()),
            course: r.course,
            status: r.status,
            status_label: r.status.label_zh(),
            name: masking::name(&r.name),
            organisation: r.organisation,
            phone: masking::phone(&r.phone),
            email: masking::email(&r.email),
            region: r.region,
            note: r.note,
            waitlist_position,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            actions,
        })
    }

    /// The registrant withdraws (撤回) with the receipt code.
    pub async fn withdraw(&self, receipt: &str) -> Result<Registration, RegistrationError> {
        let r = self.by_receipt(receipt).await?;
        self.release(r.key(), RegistrationStep::Withdraw, None, &Scope::All).await
    }

    pub async fn get(&self, id: &str, scope: &Scope) -> Result<Registration, RegistrationError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(RegistrationError::NotFound);
        }
        let r = self.by_index(Index::Gsi1, format!("REG#{id}")).await?;
        if !scope.covers(&r) {
            return Err(RegistrationError::OutOfScope);
        }
        Ok(r)
    }

    /// Registrations of a course the caller may see, optionally of one status, in
    /// submission order.
    pub async fn list(
        &self,
        course: &str,
        status: Option<RegistrationStatus>,
        scope: &Scope,
    ) -> Result<Vec<Registration>, RegistrationError> {
        if self.catalog.get(course).is_none() {
            return Err(RegistrationError::UnknownCourse(course.to_owned()));
        }
        Ok(self
            .course_registrations(course)
            .await?
            .into_iter()
            .filter(|r| scope.covers(r) && status.is_none_or(|s| r.status == s))
            .collect())
    }

    pub async fn seats(&self, course: &str) -> Result<Seats, RegistrationError> {
        let c = self.catalog.get(course).ok_or_else(|| RegistrationError::UnknownCourse(course.to_owned()))?;
        Ok(Seats {
            course: c.slug.clone(),
            capacity: c.capacity,
            taken: self.store.count(&seats_key(course)).await?,
            waiting: self.store.count(&waiting_key(course)).await?,
            open: c.window_at((self.clock)()) == Window::Open,
        })
    }

    /// The organiser approves (审核通过) a pending registration.
    pub async fn approve(&self, id: &str, scope: &Scope) -> Result<Registration, RegistrationError> {
        for attempt in 0..MAX_ATTEMPTS {
            let r = self.get(id, scope).await?;
            may(scope, &r, RegistrationStep::Approve)?;
            let approved = r.with_status(RegistrationStatus::Approved, (self.clock)());
            match self
                .store
                .transact(vec![Write::Replace { item: approved.to_item(), expected_version: r.version }])
                .await
            {
                Ok(()) => return Ok(Registration { version: r.version + 1, ..approved }),
                Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => back_off(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RegistrationError::Busy)
    }

    /// The organiser rejects (审核不通过) with a note for the registrant.
    pub async fn reject(&self, id: &str, note: &str, scope: &Scope) -> Result<Registration, RegistrationError> {
        // Blanks and characters that show nothing make no note.
        let note = gazette_forms::chars::trim_blank(note);
        if note.is_empty() || note.chars().count() > 500 {
            return Err(RegistrationError::NoteRequired);
        }
        let r = self.get(id, scope).await?;
        self.release(r.key(), RegistrationStep::Reject, Some(note.to_owned()), scope).await
    }

    /// Moves a registration to a final status, handing its seat (if it held one) to the
    /// oldest waitlisted registration, or back to the course when nobody waits.
    async fn release(
        &self,
        key: Key,
        step: RegistrationStep,
        note: Option<String>,
        scope: &Scope,
    ) -> Result<Registration, RegistrationError> {
        let to = if step == RegistrationStep::Withdraw {
            RegistrationStatus::Withdrawn
        } else {
            RegistrationStatus::Rejected
        };
        for attempt in 0..MAX_ATTEMPTS {
            let item = self.store.get(&key).await?.ok_or(RegistrationError::NotFound)?;
            let r = Registration::from_item(item)?;
            may(scope, &r, step)?;
            let now = (self.clock)();
            let mut released = r.with_status(to, now);
            if note.is_some() {
                released.note = note.clone();
            }
            let mut writes = vec![Write::Replace { item: released.to_item(), expected_version: r.version }];
            if r.status.holds_seat() {
                let next = self
                    .course_registrations(&r.course)
                    .await?
                    .into_iter()
                    .find(|o| o.status == RegistrationStatus::Waitlisted);
                match next {
                    Some(w) => {
                        let promoted = w.with_status(RegistrationStatus::Pending, now);
                        writes.push(Write::Replace { item: promoted.to_item(), expected_version: w.version });
                        writes.push(Write::Count {
                            key: waiting_key(&r.course),
                            delta: -1,
                            bounds: Bounds::at_least(0),
                        });
                    }
                    None => {
                        writes.push(Write::Count { key: seats_key(&r.course), delta: -1, bounds: Bounds::at_least(0) });
                        writes.push(Write::Count { key: waiting_key(&r.course), delta: 0, bounds: Bounds::at_most(0) });
                    }
                }
            } else {
                writes.push(Write::Count { key: waiting_key(&r.course), delta: -1, bounds: Bounds::at_least(0) });
            }
            match self.store.transact(writes).await {
                Ok(()) => return Ok(Registration { version: r.version + 1, ..released }),
                Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => back_off(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RegistrationError::Busy)
    }
}

impl RegistrationStatus {
    fn label_en(self) -> &'static str {
        self.as_str()
    }
}
