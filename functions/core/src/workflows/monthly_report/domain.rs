//! Monthly performance reports of research platforms (科技平台月度绩效, seed 002,
//! 冀科平函〔2023〕16号) and the annual report made from them.
//!
//! - A filler saves a month's report part by part, many times; each save is merged
//!   into the stored draft and the draft checked for types and formats only
//!   (`merge_draft` of the `monthly-report` schema: a field that does not apply is
//!   left out). Saves carry the version they started from, so a
//!   save over someone else's newer one is refused instead of losing it.
//! - The first save of a month starts from the platform's latest earlier report
//!   (numbers and texts; attachments are per month and not carried over): "if nothing
//!   changed, check and submit".
//! - Submitting runs every consistency check (`validate`); a submitted report is
//!   read-only; the filler may withdraw it until the unit administrator approves it or
//!   returns it with a comment (see [`crate::lifecycle::review`]).
//! - The annual report sums the flows and takes the latest stocks of the APPROVED
//!   months only (`aggregate_annual`), and lists the months it includes.
//!
//! Keys (single table, see `functions/README.md`):
//! - report `UNIT#{unit}` / `REPORT#{platform}#{yyyy-mm}`; while submitted, gsi1
//!   `REPORT-QUEUE#{unit}` / `{submitted at}#{platform}#{yyyy-mm}` (the review queue)
//! - idempotency record `IDEMPOTENCY#report-submit#{unit}#{key}` / `IDEMPOTENCY`

use gazette_forms::{FieldType, Lang, Schema};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lifecycle::Clock;
use crate::lifecycle::idempotency::{self, IdempotencyKey};
use crate::lifecycle::review::{
    self, Action, Actor, Denied, HistoryEntry, ReviewStatus, Reviewed, Side, Step, WorkflowError,
};
use crate::store::{Index, Item, Key, SharedStore, StoreError, Write};

const SCHEMA: &str = "monthly-report";
const PERIOD_FIELD: &str = "period";

/// What a caller is, as far as reports go (from the verified token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportRole {
    /// 填报人: fills in and submits the reports of their own unit.
    Filler { unit: String, region: Option<String> },
    /// 单位管理员: reviews the reports of their own unit.
    UnitAdmin { unit: String },
    /// 地方管理员: reads the reports of their region.
    RegionalAdmin { region: String },
    /// 国家级管理员: reads every report.
    NationalAdmin,
}

/// A caller: who (for the history) and in which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportCaller {
    pub actor: Actor,
    pub role: ReportRole,
}

impl ReportCaller {
    fn may_read(&self, unit: &str, region: Option<&str>) -> Result<(), WorkflowError> {
        match &self.role {
            ReportRole::Filler { unit: u, .. } | ReportRole::UnitAdmin { unit: u } if u == unit => Ok(()),
            ReportRole::Filler { .. } | ReportRole::UnitAdmin { .. } => Err(WorkflowError::Denied(Denied::OtherUnit)),
            ReportRole::RegionalAdmin { region: r } if Some(r.as_str()) == region => Ok(()),
            ReportRole::RegionalAdmin { .. } => Err(WorkflowError::Denied(Denied::OtherRegion)),
            ReportRole::NationalAdmin => Ok(()),
        }
    }

    fn may_fill(&self, unit: &str) -> Result<(), WorkflowError> {
        match &self.role {
            ReportRole::Filler { unit: u, .. } if u == unit => Ok(()),
            ReportRole::Filler { .. } => Err(WorkflowError::Denied(Denied::OtherUnit)),
            _ => Err(WorkflowError::Denied(Denied::Role)),
        }
    }

    fn may_review(&self, unit: &str) -> Result<(), WorkflowError> {
        match &self.role {
            ReportRole::UnitAdmin { unit: u } if u == unit => Ok(()),
            ReportRole::UnitAdmin { .. } => Err(WorkflowError::Denied(Denied::OtherUnit)),
            _ => Err(WorkflowError::Denied(Denied::Role)),
        }
    }

    /// Whether the caller acts on `side` of a report of `unit`: the unit's filler
    /// fills in, submits and withdraws (seed 002: one person, one account); the unit's
    /// administrator reviews.
    fn may(&self, side: Side, unit: &str) -> Result<(), WorkflowError> {
        match side {
            Side::Author => self.may_fill(unit),
            Side::Reviewer => self.may_review(unit),
        }
    }

    /// The steps this caller may take on the month of `unit` in `status` (`None`: not
    /// started) — the permission model of the monthly report, which the handlers
    /// enforce and the pages draw.
    pub fn allowed(&self, unit: &str, status: Option<ReviewStatus>) -> Vec<Step> {
        review::allowed(status, |side| self.may(side, unit).is_ok())
    }
}

/// Which report: a platform's month, in a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportId {
    pub unit: String,
    pub platform: String,
    /// `YYYY-MM`
    pub period: String,
}

impl ReportId {
    /// Checks the parts of an address; `None` means no such report can exist: a unit
    /// or platform that is no slug, or a month the form's `period` field refuses
    /// (before its `min`, 2023-01, or after its `max`).
    pub fn parse(unit: &str, platform: &str, period: &str) -> Option<ReportId> {
        (review::is_slug(unit) && review::is_slug(platform) && is_period(period) && in_form_range(period))
            .then(|| ReportId { unit: unit.to_owned(), platform: platform.to_owned(), period: period.to_owned() })
    }

    fn key(&self) -> Key {
        report_key(&self.unit, &self.platform, &self.period)
    }
}

fn report_key(unit: &str, platform: &str, period: &str) -> Key {
    Key::new(unit_pk(unit), format!("REPORT#{platform}#{period}"))
}

fn unit_pk(unit: &str) -> String {
    format!("UNIT#{unit}")
}

fn queue_pk(unit: &str) -> String {
    format!("REPORT-QUEUE#{unit}")
}

/// Whether the form's `period` field takes `period` (its `min` and `max`): the
/// schema's own check, so the address and the form cannot disagree.
fn in_form_range(period: &str) -> bool {
    schema().is_ok_and(|s| s.validate_draft(&serde_json::json!({ PERIOD_FIELD: period }), Lang::Zh).is_ok())
}

/// The month it is in Beijing at `now`, `YYYY-MM`: a report is made during or after
/// its month ("每月月底前更新本月数据"), never for one still to come.
fn current_period(now: Timestamp) -> String {
    now.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).strftime("%Y-%m").to_string()
}

/// `YYYY-MM` with a month 01–12.
fn is_period(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}

/// 月度绩效报告: one platform's month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthlyReport {
    pub unit: String,
    pub platform: String,
    pub period: String,
    /// The filler's region when the report was started; regional administrators read
    /// the reports of their region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub status: ReviewStatus,
    /// The form's values (field id → normalised value), merged over the saves.
    pub values: Value,
    /// The month the first save was pre-filled from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefilled_from: Option<String>,
    /// The unit administrator's latest comment (审核意见).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub history: Vec<HistoryEntry>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub updated_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Timestamp>,
    /// Optimistic-concurrency version: send it back with the next save.
    #[serde(default)]
    pub version: u64,
}

impl MonthlyReport {
    pub fn id(&self) -> ReportId {
        ReportId { unit: self.unit.clone(), platform: self.platform.clone(), period: self.period.clone() }
    }
}

impl Reviewed for MonthlyReport {
    fn status(&self) -> ReviewStatus {
        self.status
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn after(&self, step: HistoryEntry) -> Self {
        let mut next = self.clone();
        next.status = step.status;
        next.comment = review::comment_after(&step, &self.comment);
        next.updated_at = step.at;
        next.updated_by = step.by.clone();
        next.version = self.version + 1;
        next.history.push(step);
        next
    }

    fn to_item(&self) -> Item {
        let item = Item::new(self.id().key(), serde_json::to_value(self).unwrap_or_default());
        match (self.status, self.submitted_at) {
            (ReviewStatus::Submitted, Some(at)) => item.with_index(
                Index::Gsi1,
                queue_pk(&self.unit),
                format!("{}#{}#{}", at.as_millisecond(), self.platform, self.period),
            ),
            _ => item,
        }
    }

    fn from_item(item: Item) -> Result<Self, WorkflowError> {
        let (mut r, version): (MonthlyReport, u64) = review::decode(item)?;
        r.version = version;
        Ok(r)
    }
}

/// A month not started yet: what its first save will start from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMonth {
    pub unit: String,
    pub platform: String,
    pub period: String,
    pub values: Value,
    /// As on a report: left out when there is no earlier month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefilled_from: Option<String>,
}

/// One line of a unit's list: the status of a platform's month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportSummary {
    pub platform: String,
    pub platform_name: String,
    pub period: String,
    pub status: ReviewStatus,
    pub status_label: &'static str,
    pub version: u64,
    pub updated_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Timestamp>,
}

impl From<&MonthlyReport> for ReportSummary {
    fn from(r: &MonthlyReport) -> Self {
        ReportSummary {
            platform: r.platform.clone(),
            platform_name: r.values.get("platform_name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            period: r.period.clone(),
            status: r.status,
            status_label: r.status.label_zh(),
            version: r.version,
            updated_at: r.updated_at,
            submitted_at: r.submitted_at,
        }
    }
}

/// 年度报告: a platform's year, made from its approved months.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnualReport {
    pub unit: String,
    pub platform: String,
    pub year: i32,
    /// The approved months included, ascending.
    pub months: Vec<String>,
    pub values: Value,
}

/// The result of a submission.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub report: MonthlyReport,
    /// True when an earlier request with the same idempotency key did it.
    pub replayed: bool,
}

#[derive(Clone)]
pub struct Reports {
    store: SharedStore,
    clock: Clock,
}

fn schema() -> Result<&'static Schema, WorkflowError> {
    gazette_forms::schema(SCHEMA).ok_or(WorkflowError::NoSchema(SCHEMA))
}

fn period_mismatch(lang: Lang, period: &str) -> WorkflowError {
    WorkflowError::invalid_field(
        PERIOD_FIELD,
        match lang {
            Lang::Zh => format!("“填报月份”应为 {period}，与所填报告的月份一致"),
            Lang::En => format!("Month reported: must be {period}, the month of this report"),
        },
    )
}

impl Reports {
    pub fn new(store: SharedStore, clock: Clock) -> Self {
        Reports { store, clock }
    }

    async fn load(&self, id: &ReportId) -> Result<Option<MonthlyReport>, WorkflowError> {
        self.store.get(&id.key()).await?.map(MonthlyReport::from_item).transpose()
    }

    /// Every month of a platform, ascending.
    async fn months(&self, unit: &str, platform: &str, prefix: &str) -> Result<Vec<MonthlyReport>, WorkflowError> {
        self.store
            .query(&unit_pk(unit), &format!("REPORT#{platform}#{prefix}"))
            .await?
            .into_iter()
            .map(MonthlyReport::from_item)
            .collect()
    }

    /// What a new month starts from: the latest earlier month's numbers and texts.
    async fn prefill(&self, id: &ReportId) -> Result<(Map<String, Value>, Option<String>), WorkflowError> {
        let schema = schema()?;
        let earlier = self.months(&id.unit, &id.platform, "").await?.into_iter().rev().find(|r| r.period < id.period);
        let mut values = Map::new();
        let mut from = None;
        if let Some(previous) = earlier {
            from = Some(previous.period.clone());
            if let Some(old) = previous.values.as_object() {
                for field in schema.fields() {
                    if field.kind() == FieldType::File || field.id() == PERIOD_FIELD {
                        continue;
                    }
                    if let Some(v) = old.get(field.id()) {
                        values.insert(field.id().to_owned(), v.clone());
                    }
                }
            }
        }
        values.insert(PERIOD_FIELD.to_owned(), Value::String(id.period.clone()));
        Ok((values, from))
    }

    /// A report as the caller may see it; a month not started yet shows the filler of
    /// its unit what it will start from.
    pub async fn get(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
    ) -> Result<Result<MonthlyReport, NewMonth>, WorkflowError> {
        self.not_to_come(id)?;
        match self.load(id).await? {
            Some(r) => {
                caller.may_read(&r.unit, r.region.as_deref())?;
                Ok(Ok(r))
            }
            None => {
                if caller.may(Side::Author, &id.unit).is_err() {
                    caller.may_read(&id.unit, None)?;
                    return Err(WorkflowError::NotFound);
                }
                let (values, prefilled_from) = self.prefill(id).await?;
                Ok(Err(NewMonth {
                    unit: id.unit.clone(),
                    platform: id.platform.clone(),
                    period: id.period.clone(),
                    values: Value::Object(values),
                    prefilled_from,
                }))
            }
        }
    }

    /// `NotFound` for a month still to come, in Beijing time: no report of it exists.
    fn not_to_come(&self, id: &ReportId) -> Result<(), WorkflowError> {
        if id.period > current_period((self.clock)()) { Err(WorkflowError::NotFound) } else { Ok(()) }
    }

    /// Saves some fields of a draft (保存草稿). `expected_version` is the version the
    /// filler's page started from: 0 for a month not started yet. A save that
    /// changes nothing writes nothing: the version stays, so nobody else's page
    /// goes stale for it.
    pub async fn save_draft(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        expected_version: u64,
        input: &Value,
        lang: Lang,
    ) -> Result<MonthlyReport, WorkflowError> {
        caller.may(Side::Author, &id.unit)?;
        self.not_to_come(id)?;
        let schema = schema()?;
        if let Some(p) = input.get(PERIOD_FIELD).and_then(Value::as_str) {
            if p.trim() != id.period {
                return Err(period_mismatch(lang, &id.period));
            }
        }
        // The fields saved replace the stored ones, and the merged draft is checked:
        // what no longer applies is left out, never stored nor checked again.
        let merge = |stored: &Value| {
            let merged = schema.merge_draft(stored, input, lang).map_err(|e| WorkflowError::Invalid(e.to_map()))?;
            let mut values = merged.as_object().cloned().unwrap_or_default();
            values.insert(PERIOD_FIELD.to_owned(), Value::String(id.period.clone()));
            Ok::<_, WorkflowError>(values)
        };
        let now = (self.clock)();
        match self.load(id).await? {
            None => {
                if expected_version != 0 {
                    return Err(WorkflowError::NotFound);
                }
                let (prefilled, prefilled_from) = self.prefill(id).await?;
                let values = merge(&Value::Object(prefilled))?;
                let region = match &caller.role {
                    ReportRole::Filler { region, .. } => region.clone(),
                    _ => None,
                };
                let status = ReviewStatus::Draft;
                let report = MonthlyReport {
                    unit: id.unit.clone(),
                    platform: id.platform.clone(),
                    period: id.period.clone(),
                    region,
                    status,
                    values: Value::Object(values),
                    prefilled_from,
                    comment: None,
                    history: vec![HistoryEntry::new(Action::Create, status, &caller.actor, now, None)],
                    created_at: now,
                    updated_at: now,
                    updated_by: caller.actor.id.clone(),
                    submitted_at: None,
                    version: 1,
                };
                match self.store.transact(vec![Write::Create(report.to_item())]).await {
                    Ok(()) => Ok(report),
                    Err(StoreError::ConditionFailed { .. }) => {
                        let current = self.load(id).await?.map_or(0, |r| r.version);
                        Err(WorkflowError::StaleVersion { expected: 0, current })
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Some(r) => {
                caller.may_read(&r.unit, r.region.as_deref())?;
                if !r.status.is_editable() {
                    return Err(WorkflowError::InvalidTransition { from: r.status, action: Action::Create });
                }
                if r.version != expected_version {
                    return Err(WorkflowError::StaleVersion { expected: expected_version, current: r.version });
                }
                let values = merge(&r.values)?;
                // A save that changes nothing is no change: the version stays.
                if Some(&values) == r.values.as_object() {
                    return Ok(r);
                }
                let saved = MonthlyReport {
                    values: Value::Object(values),
                    updated_at: now,
                    updated_by: caller.actor.id.clone(),
                    version: r.version + 1,
                    ..r.clone()
                };
                match self
                    .store
                    .transact(vec![Write::Replace { item: saved.to_item(), expected_version: r.version }])
                    .await
                {
                    Ok(()) => Ok(saved),
                    Err(StoreError::ConditionFailed { .. }) => {
                        let current = self.load(id).await?.map_or(0, |r| r.version);
                        Err(WorkflowError::StaleVersion { expected: expected_version, current })
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Submits a draft (提交) after every consistency check. With `expected_version`
    /// the submission is refused if the draft changed since.
    pub async fn submit(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        expected_version: Option<u64>,
        idempotency_key: Option<&IdempotencyKey>,
        lang: Lang,
    ) -> Result<Submitted, WorkflowError> {
        caller.may(Side::Author, &id.unit)?;
        let operation = format!("report-submit#{}", id.unit);
        let fingerprint = idempotency::fingerprint(&(&id.unit, &id.platform, &id.period, expected_version));
        if let Some(key) = idempotency_key {
            if let Some(found) = self.replay(key, &operation, &fingerprint).await? {
                return Ok(found);
            }
        }
        let schema = schema()?;
        let r = self.load(id).await?.ok_or(WorkflowError::NotFound)?;
        caller.may_read(&r.unit, r.region.as_deref())?;
        if let Some(expected) = expected_version {
            if expected != r.version {
                return Err(WorkflowError::StaleVersion { expected, current: r.version });
            }
        }
        let Some(status) = Action::Submit.from_status(r.status) else {
            return Err(WorkflowError::InvalidTransition { from: r.status, action: Action::Submit });
        };
        let values = schema.validate(&r.values, lang).map_err(|e| WorkflowError::Invalid(e.to_map()))?;
        if values.get(PERIOD_FIELD).and_then(Value::as_str) != Some(id.period.as_str()) {
            return Err(period_mismatch(lang, &id.period));
        }
        let now = (self.clock)();
        let mut history = r.history.clone();
        history.push(HistoryEntry::new(Action::Submit, status, &caller.actor, now, None));
        let submitted = MonthlyReport {
            status,
            values,
            history,
            comment: None,
            updated_at: now,
            updated_by: caller.actor.id.clone(),
            submitted_at: Some(now),
            version: r.version + 1,
            ..r.clone()
        };
        let mut writes = vec![Write::Replace { item: submitted.to_item(), expected_version: r.version }];
        if let Some(key) = idempotency_key {
            let record = idempotency::Record { fingerprint: fingerprint.clone(), created: id.key() };
            writes.push(Write::Create(idempotency::Record::item(key, &operation, &record)));
        }
        match self.store.transact(writes).await {
            Ok(()) => Ok(Submitted { report: submitted, replayed: false }),
            Err(StoreError::ConditionFailed { index: 0 }) => {
                // Saved, withdrawn or submitted meanwhile — by a retry of this request?
                if let Some(key) = idempotency_key {
                    if let Some(found) = self.replay(key, &operation, &fingerprint).await? {
                        return Ok(found);
                    }
                }
                let current = self.load(id).await?.map_or(0, |r| r.version);
                Err(WorkflowError::StaleVersion { expected: r.version, current })
            }
            Err(StoreError::ConditionFailed { .. }) => match idempotency_key {
                Some(key) => self.replay(key, &operation, &fingerprint).await?.ok_or(WorkflowError::Busy),
                None => Err(WorkflowError::Busy),
            },
            Err(StoreError::Contention) => Err(WorkflowError::Busy),
            Err(e) => Err(e.into()),
        }
    }

    async fn replay(
        &self,
        key: &IdempotencyKey,
        operation: &str,
        fingerprint: &str,
    ) -> Result<Option<Submitted>, WorkflowError> {
        let Some(item) = review::replayed(&self.store, key, operation, fingerprint).await? else {
            return Ok(None);
        };
        Ok(Some(Submitted { report: MonthlyReport::from_item(item)?, replayed: true }))
    }

    /// The filler takes a submitted report back (撤回) to edit it; not once approved.
    pub async fn withdraw(&self, caller: &ReportCaller, id: &ReportId) -> Result<MonthlyReport, WorkflowError> {
        caller.may(Side::Author, &id.unit)?;
        self.decide(caller, id, Action::Withdraw, None).await
    }

    /// The unit administrator approves (审核通过); approved reports are final.
    pub async fn approve(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        comment: Option<&str>,
    ) -> Result<MonthlyReport, WorkflowError> {
        caller.may(Side::Reviewer, &id.unit)?;
        let comment = review::comment(comment, false)?;
        self.decide(caller, id, Action::Approve, comment).await
    }

    /// The unit administrator returns the report (退回) with a comment saying what to fix.
    pub async fn return_for_changes(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        comment: Option<&str>,
    ) -> Result<MonthlyReport, WorkflowError> {
        caller.may(Side::Reviewer, &id.unit)?;
        let comment = review::comment(comment, true)?;
        self.decide(caller, id, Action::Return, comment).await
    }

    /// `action` on the report `id`, through the lifecycle engine.
    async fn decide(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        action: Action,
        comment: Option<String>,
    ) -> Result<MonthlyReport, WorkflowError> {
        review::transition(&self.store, &id.key(), &caller.actor, action, comment, (self.clock)()).await
    }

    /// The reports of a unit (status per platform and month), as the caller may see them.
    pub async fn list(&self, caller: &ReportCaller, unit: &str) -> Result<Vec<ReportSummary>, WorkflowError> {
        match &caller.role {
            ReportRole::RegionalAdmin { .. } => {}
            _ => caller.may_read(unit, None)?,
        }
        if !review::is_slug(unit) {
            return Ok(vec![]);
        }
        let reports = self.store.query(&unit_pk(unit), "REPORT#").await?;
        let mut rows = vec![];
        for item in reports {
            let r = MonthlyReport::from_item(item)?;
            if caller.may_read(&r.unit, r.region.as_deref()).is_ok() {
                rows.push(ReportSummary::from(&r));
            }
        }
        Ok(rows)
    }

    /// The unit administrator's queue: the unit's submitted reports, oldest first.
    pub async fn review_queue(&self, caller: &ReportCaller) -> Result<Vec<ReportSummary>, WorkflowError> {
        let ReportRole::UnitAdmin { unit } = &caller.role else {
            return Err(WorkflowError::Denied(Denied::Role));
        };
        let mut rows = vec![];
        // The index only says where to look; each report is read consistently.
        for found in self.store.query_index(Index::Gsi1, &queue_pk(unit)).await? {
            if let Some(item) = self.store.get(&found.key).await? {
                let r = MonthlyReport::from_item(item)?;
                if caller.allowed(&r.unit, Some(r.status)).contains(&Step::Approve) {
                    rows.push(ReportSummary::from(&r));
                }
            }
        }
        Ok(rows)
    }

    /// The annual report of a platform: its approved months of `year`, aggregated.
    pub async fn annual(
        &self,
        caller: &ReportCaller,
        unit: &str,
        platform: &str,
        year: i32,
    ) -> Result<AnnualReport, WorkflowError> {
        let schema = schema()?;
        if let ReportRole::RegionalAdmin { .. } = caller.role {
        } else {
            caller.may_read(unit, None)?;
        }
        if !review::is_slug(unit) || !review::is_slug(platform) || !(2000..=2100).contains(&year) {
            return Err(WorkflowError::NotFound);
        }
        let mut months = vec![];
        let mut values = vec![];
        for r in self.months(unit, platform, &format!("{year:04}-")).await? {
            caller.may_read(&r.unit, r.region.as_deref())?;
            if r.status == ReviewStatus::Approved {
                months.push(r.period.clone());
                values.push(r.values);
            }
        }
        Ok(AnnualReport {
            unit: unit.to_owned(),
            platform: platform.to_owned(),
            year,
            months,
            values: schema.aggregate_annual(&values),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_year_and_month() {
        assert!(is_period("2023-01") && is_period("2023-12"));
        assert!(!is_period("2023-13") && !is_period("2023-00") && !is_period("2023-1") && !is_period("２０２３-01"));
    }

    #[test]
    fn a_report_id_refuses_what_would_break_a_key() {
        assert!(ReportId::parse("hebei-lab", "p1", "2023-05").is_some());
        assert!(ReportId::parse("a#b", "p1", "2023-05").is_none());
        assert!(ReportId::parse("unit", "P1", "2023-05").is_none());
    }

    #[test]
    fn a_report_id_refuses_months_the_form_refuses() {
        // The form's `period` starts at 2023-01.
        assert!(ReportId::parse("hebei-lab", "p1", "2023-01").is_some());
        assert!(ReportId::parse("hebei-lab", "p1", "1999-01").is_none());
        assert!(ReportId::parse("hebei-lab", "p1", "2022-12").is_none());
    }

    #[test]
    fn the_current_month_is_beijings() {
        let new_year_in_beijing: Timestamp = "2026-12-31T16:30:00Z".parse().unwrap();
        assert_eq!(current_period(new_year_in_beijing), "2027-01");
    }

    #[test]
    fn only_a_submitted_report_can_be_withdrawn_approved_or_returned() {
        for action in [Action::Withdraw, Action::Approve, Action::Return] {
            assert!(action.from_status(ReviewStatus::Submitted).is_some());
            assert!(action.from_status(ReviewStatus::Approved).is_none());
            assert!(action.from_status(ReviewStatus::Draft).is_none());
        }
        assert_eq!(Action::Submit.from_status(ReviewStatus::Returned), Some(ReviewStatus::Submitted));
        assert_eq!(Action::Submit.from_status(ReviewStatus::Approved), None);
    }
}
