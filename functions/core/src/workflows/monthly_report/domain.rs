//! Monthly performance reports of research platforms (科技平台月度绩效, seed 002,
//! 冀科平函〔2023〕16号) and the annual report made from them.
//!
//! - A filler saves a month's report part by part, many times; each save is merged
//!   into the stored draft and the draft checked for types and formats only
//!   (`merge_draft` of the `monthly-report` schema: a field that does not apply is
//!   left out). Saves carry the version they started from, so a
//!   save over someone else's newer one is refused instead of losing it.
//! - The first save of a month starts from the platform's latest earlier report:
//!   its stocks only (`aggregate = "stock"` in the schema); flows, key events and
//!   attachments are the month's own and start empty: "if nothing changed, check
//!   and submit" must not count last month's funding again.
//! - A platform's first month starts from the previous year's annual figures, as a
//!   regional administrator imported them from a spreadsheet (`import.rs`).
//! - A month is due by its last day and late after it (Beijing time); a month that
//!   has not begun cannot be started.
//! - Submitting runs every consistency check (`validate`: an empty number is no
//!   answer, and a required one is refused by part and field); a submitted report is
//!   read-only; the filler may withdraw it until the unit administrator approves it or
//!   returns it, with an opinion either way and the choice of a text message to the
//!   filler (see [`crate::lifecycle::review`]).
//! - The annual report sums the flows and takes the latest stocks of the APPROVED
//!   months only (`aggregate_annual`), and lists the months it includes.
//!
//! Keys (single table, see `functions/README.md`):
//! - report `UNIT#{unit}` / `REPORT#{platform}#{yyyy-mm}`; while submitted, gsi1
//!   `REPORT-QUEUE#{unit}` / `{submitted at}#{platform}#{yyyy-mm}` (the review queue)
//! - idempotency record `IDEMPOTENCY#report-submit#{unit}#{key}` / `IDEMPOTENCY`
//! - with a region, gsi2 `REPORTS#REGION#{region}` / `{yyyy-mm}#{unit}#{platform}` (the
//!   region's month)
//! - imported annual figures `UNIT#{unit}` / `ANNUAL-FIGURES#{platform}#{yyyy}`

use gazette_forms::{Lang, Schema};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::lifecycle::Clock;
use crate::lifecycle::idempotency::{self, IdempotencyKey};
use crate::lifecycle::review::{
    self, Action, Actor, Denied, HistoryEntry, ReviewStatus, Reviewed, Side, Step, WorkflowError,
};
use crate::lifecycle::time;
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

/// gsi2 of every report of a region: the regional administrator's month overview.
fn region_pk(region: &str) -> String {
    format!("REPORTS#REGION#{region}")
}

/// Whether the form's `period` field takes `period` (its `min` and `max`): the
/// schema's own check, so the address and the form cannot disagree.
fn in_form_range(period: &str) -> bool {
    schema().is_ok_and(|s| s.validate_draft(&serde_json::json!({ PERIOD_FIELD: period }), Lang::Zh).is_ok())
}

/// The month it is in Beijing at `now`, `YYYY-MM`: a report is made during or after
/// its month ("每月月底前更新本月数据"), never for one still to come.
fn current_period(now: Timestamp) -> String {
    time::beijing(now).strftime("%Y-%m").to_string()
}

/// The last day of `period` (`YYYY-MM`): a month's report is due by its end (seed 002:
/// 每月月底前更新本月数据). `None` for what is no month.
pub fn due_date(period: &str) -> Option<jiff::civil::Date> {
    let first: jiff::civil::Date = format!("{period}-01").parse().ok()?;
    Some(first.last_of_month())
}

/// Whether the report of `period` is late at `now`: first submitted (`submitted`)
/// after its due date, or not submitted and its due date past — in Beijing time.
pub fn is_late(period: &str, submitted: Option<Timestamp>, now: Timestamp) -> bool {
    let Some(deadline) = due_date(period).and_then(|d| d.tomorrow().ok()).and_then(time::start_of) else {
        return false;
    };
    submitted.unwrap_or(now) >= deadline
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
    /// The parts the filler has saved at least once, in form order: the
    /// check-your-answers page marks the others as never opened.
    #[serde(default)]
    pub opened_parts: Vec<String>,
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

    /// When it was first submitted (what decides whether it came in late).
    pub fn first_submitted(&self) -> Option<Timestamp> {
        self.history.iter().find(|h| h.action == Action::Submit).map(|h| h.at)
    }

    /// Whether it is late at `now` ([`is_late`]).
    pub fn late(&self, now: Timestamp) -> bool {
        is_late(&self.period, self.first_submitted(), now)
    }

    /// Its attachments (佐证材料): the only files its download link opens.
    pub fn files(&self) -> Vec<crate::casework::FileRef> {
        let Ok(schema) = schema() else { return vec![] };
        let mut files = Vec::new();
        schema
            .fields()
            .iter()
            .filter(|f| f.kind() == gazette_forms::FieldType::File)
            .filter_map(|f| self.values.get(f.id()))
            .for_each(|v| crate::casework::api::file_records(v, &mut files));
        files
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
        let mut item = Item::new(self.id().key(), serde_json::to_value(self).unwrap_or_default());
        if let Some(region) = &self.region {
            item = item.with_index(
                Index::Gsi2,
                region_pk(region),
                format!("{}#{}#{}", self.period, self.unit, self.platform),
            );
        }
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
    /// Late: first submitted after the month's end, or still not submitted after it.
    pub late: bool,
}

impl ReportSummary {
    fn of(r: &MonthlyReport, now: Timestamp) -> Self {
        ReportSummary { late: r.late(now), ..ReportSummary::from(r) }
    }
}

impl From<&MonthlyReport> for ReportSummary {
    fn from(r: &MonthlyReport) -> Self {
        ReportSummary {
            late: false,
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

/// A platform's annual figures of a year before monthly reporting (年报指标数据),
/// imported by an administrator from a spreadsheet: the stocks its first month
/// starts from. Key `UNIT#{unit}` / `ANNUAL-FIGURES#{platform}#{year}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnualFigures {
    pub unit: String,
    pub platform: String,
    pub year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Stock fields only (field id → normalised value).
    pub values: Value,
    pub imported_at: Timestamp,
    pub imported_by: String,
}

fn figures_key(unit: &str, platform: &str, year: i32) -> Key {
    Key::new(unit_pk(unit), format!("ANNUAL-FIGURES#{platform}#{year:04}"))
}

/// The most rows one import takes: they are written in one all-or-nothing
/// transaction (DynamoDB's limit is 100 writes).
pub const MAX_IMPORT_ROWS: usize = 100;

/// One row of an import, checked: which platform, which year, its stocks.
#[derive(Debug, Clone, PartialEq)]
pub struct FiguresRow {
    pub unit: String,
    pub platform: String,
    pub year: i32,
    pub values: Value,
}

/// The year of a `YYYY-MM` period.
fn year_of(period: &str) -> i32 {
    period.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0)
}

/// 年度报告: a platform's year, made from its approved months.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnualReport {
    pub unit: String,
    pub platform: String,
    /// 平台名称 as the latest approved month gives it (else the code).
    pub platform_name: String,
    pub year: i32,
    /// The approved months included, ascending.
    pub months: Vec<String>,
    pub values: Value,
}

/// One line of a regional administrator's month (seed 002: the province counts every
/// platform each month): a platform of the region and where its report of the month
/// stands — submitted, approved, late, or not started.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionRow {
    pub unit: String,
    pub platform: String,
    pub platform_name: String,
    /// `not_started`, or the report's status.
    pub status: String,
    pub status_label: &'static str,
    pub late: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<Timestamp>,
}

/// A region's month: every platform of the region that has reported in it, one row each.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegionMonth {
    pub region: String,
    pub period: String,
    /// The due date, `YYYY-MM-DD` (the month's last day, Beijing time).
    pub due: String,
    pub rows: Vec<RegionRow>,
}

/// A unit administrator's decision on a submitted report (审核): the opinion
/// (审核意见, required on approval and return alike — seed 002: 审核时须填写审核意见)
/// and whether the filler is told by text message (审核时可以选择是否短信通知).
/// The choice is recorded on the decision; the accounts' outbox does the sending.
#[derive(Debug, Clone, Default)]
pub struct Decision<'a> {
    pub comment: Option<&'a str>,
    pub notify_by_sms: bool,
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

/// `had` and the parts whose fields `input` saves, in form order.
fn parts_saved(schema: &Schema, had: &[String], input: &Value) -> Vec<String> {
    let touched = |part: &str| {
        input.as_object().is_some_and(|given| given.keys().any(|k| schema.part_of(k).is_some_and(|p| p.id() == part)))
    };
    schema
        .parts()
        .iter()
        .map(|p| p.id())
        .filter(|p| had.iter().any(|h| h == p) || touched(p))
        .map(str::to_owned)
        .collect()
}

/// A submission's errors, each naming its part before its field
/// (`人员队伍：请填写“从业人员总数”`): the report is filled part by part.
fn in_parts(
    schema: &Schema,
    errors: &gazette_forms::FieldErrors,
    lang: Lang,
) -> std::collections::BTreeMap<String, String> {
    errors
        .iter()
        .map(|(path, message)| {
            let message = match schema.part_of(path) {
                Some(part) => match lang {
                    Lang::Zh => format!("{}：{message}", part.title(lang)),
                    Lang::En => format!("{}: {message}", part.title(lang)),
                },
                None => message.to_owned(),
            };
            (path.to_owned(), message)
        })
        .collect()
}

/// Every problem the submission checks find in `values` (the check-your-answers
/// page shows them before the filler submits), each naming its part: empty when
/// the month can be submitted.
pub fn check(values: &Value, lang: Lang) -> std::collections::BTreeMap<String, String> {
    match schema() {
        Ok(schema) => schema.validate(values, lang).err().map(|e| in_parts(schema, &e, lang)).unwrap_or_default(),
        Err(_) => std::collections::BTreeMap::new(),
    }
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

    /// What a new month starts from: the latest earlier month's stocks (staff, the
    /// cover); its flows (raised this month) and its own entries (key events,
    /// attachments) start empty, so "unchanged, check and submit" counts nothing twice.
    async fn prefill(&self, id: &ReportId) -> Result<(Map<String, Value>, Option<String>), WorkflowError> {
        let schema = schema()?;
        let earlier = self.months(&id.unit, &id.platform, "").await?.into_iter().rev().find(|r| r.period < id.period);
        let mut values = Map::new();
        let mut from = None;
        let last_year = match earlier {
            Some(_) => None,
            None => self.figures(&id.unit, &id.platform, year_of(&id.period) - 1).await?,
        };
        if let Some(figures) = last_year {
            // The platform's first month: the previous year's annual report (seed 002:
            // 系统已自动读取2022年年报指标数据), as an administrator imported it.
            from = Some(figures.year.to_string());
            if let Some(stocks) = figures.values.as_object() {
                values.extend(stocks.clone());
            }
        }
        if let Some(previous) = earlier {
            from = Some(previous.period.clone());
            if let Some(old) = previous.values.as_object() {
                for field in schema.fields() {
                    if !field.aggregation().carries_forward() || field.id() == PERIOD_FIELD {
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

    /// The report's platform must be one of its unit's platforms in the directory
    /// (seed 002's list, kept by the unit administrator): a code typed by hand is
    /// refused on the field `platform`.
    async fn platform_of_unit(&self, id: &ReportId, lang: Lang) -> Result<(), WorkflowError> {
        let directory = crate::directory::Directory::new(self.store.clone());
        match directory.platform(&id.unit, &id.platform).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(WorkflowError::invalid_field(
                "platform",
                match lang {
                    Lang::Zh => "该平台不在本单位的平台名录中：请从名录中选择平台（名录由单位管理员维护）。",
                    Lang::En => {
                        "This platform is not in the unit's list of platforms: choose one from the list (kept by the unit administrator)."
                    }
                },
            )),
            Err(crate::directory::DirectoryError::Store(e)) => Err(e.into()),
            Err(e) => Err(WorkflowError::Store(StoreError::Backend(e.to_string()))),
        }
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
        // A month that has not begun (Beijing time) has no report to start: 404.
        self.not_to_come(id)?;
        self.platform_of_unit(id, lang).await?;
        let schema = schema()?;
        let opened = |had: &[String]| parts_saved(schema, had, input);
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
                    opened_parts: opened(&[]),
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
                let opened_parts = opened(&r.opened_parts);
                // A save that changes nothing is no change: the version stays.
                if Some(&values) == r.values.as_object() && opened_parts == r.opened_parts {
                    return Ok(r);
                }
                let saved = MonthlyReport {
                    values: Value::Object(values),
                    opened_parts,
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
        let values =
            schema.validate(&r.values, lang).map_err(|e| WorkflowError::Invalid(in_parts(schema, &e, lang)))?;
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
        self.take_back(caller, id).await
    }

    /// The unit administrator approves (审核通过) with an opinion; approved reports are final.
    pub async fn approve(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        decision: Decision<'_>,
    ) -> Result<MonthlyReport, WorkflowError> {
        caller.may(Side::Reviewer, &id.unit)?;
        self.decide(caller, id, Action::Approve, decision).await
    }

    /// The unit administrator returns the report (退回) with an opinion saying what to fix.
    pub async fn return_for_changes(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        decision: Decision<'_>,
    ) -> Result<MonthlyReport, WorkflowError> {
        caller.may(Side::Reviewer, &id.unit)?;
        self.decide(caller, id, Action::Return, decision).await
    }

    /// A decision (`action`) on the report `id`, through the lifecycle engine: the
    /// opinion is required either way; the text-message choice goes into the history.
    async fn decide(
        &self,
        caller: &ReportCaller,
        id: &ReportId,
        action: Action,
        decision: Decision<'_>,
    ) -> Result<MonthlyReport, WorkflowError> {
        let comment = review::comment(decision.comment, true)?;
        let note = review::Note { comment, notify_by_sms: Some(decision.notify_by_sms) };
        review::transition_noting(&self.store, &id.key(), &caller.actor, action, note, (self.clock)()).await
    }

    /// The filler takes it back: no opinion, nobody told.
    async fn take_back(&self, caller: &ReportCaller, id: &ReportId) -> Result<MonthlyReport, WorkflowError> {
        review::transition(&self.store, &id.key(), &caller.actor, Action::Withdraw, None, (self.clock)()).await
    }

    /// Now, by the workflow's clock (what "late" is measured against).
    pub fn now(&self) -> Timestamp {
        (self.clock)()
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
                rows.push(ReportSummary::of(&r, self.now()));
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
                    rows.push(ReportSummary::of(&r, self.now()));
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
        let values = schema.aggregate_annual(&values);
        let platform_name = values.get("platform_name").and_then(Value::as_str).filter(|n| !n.is_empty());
        Ok(AnnualReport {
            unit: unit.to_owned(),
            platform: platform.to_owned(),
            platform_name: platform_name.unwrap_or(platform).to_owned(),
            year,
            months,
            values,
        })
    }

    /// The imported annual figures of a platform's `year`, if any.
    async fn figures(&self, unit: &str, platform: &str, year: i32) -> Result<Option<AnnualFigures>, WorkflowError> {
        let Some(item) = self.store.get(&figures_key(unit, platform, year)).await? else { return Ok(None) };
        Ok(Some(review::decode::<AnnualFigures>(item)?.0))
    }

    /// Imports annual figures (a regional administrator, for the platforms of their
    /// region): every row or none, each replacing what an earlier import gave for its
    /// platform and year. The rows are checked already ([`super::import`]).
    pub async fn import_figures(&self, caller: &ReportCaller, rows: Vec<FiguresRow>) -> Result<usize, WorkflowError> {
        let ReportRole::RegionalAdmin { region } = &caller.role else {
            return Err(WorkflowError::Denied(Denied::Role));
        };
        let now = self.now();
        let mut writes = Vec::with_capacity(rows.len());
        for row in &rows {
            let key = figures_key(&row.unit, &row.platform, row.year);
            let figures = AnnualFigures {
                unit: row.unit.clone(),
                platform: row.platform.clone(),
                year: row.year,
                region: Some(region.clone()),
                values: row.values.clone(),
                imported_at: now,
                imported_by: caller.actor.id.clone(),
            };
            let stored = self.store.get(&key).await?;
            if let Some(old) = &stored {
                let (before, _) = review::decode::<AnnualFigures>(old.clone())?;
                if before.region.as_deref() != Some(region) {
                    return Err(WorkflowError::Denied(Denied::OtherRegion));
                }
            }
            let item = Item::new(key, serde_json::to_value(&figures).unwrap_or_default());
            writes.push(match stored {
                Some(old) => Write::Replace { item, expected_version: old.version },
                None => Write::Create(item),
            });
        }
        match self.store.transact(writes).await {
            Ok(()) => Ok(rows.len()),
            Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => Err(WorkflowError::Busy),
            Err(e) => Err(e.into()),
        }
    }

    /// A region's month (the regional administrator's, or the national one's for any
    /// region): every platform of the region that has reported in any month, and
    /// where its report of `period` stands. Platforms come from the reports
    /// themselves; one that never reported is not known here.
    pub async fn region_month(
        &self,
        caller: &ReportCaller,
        region: &str,
        period: &str,
    ) -> Result<RegionMonth, WorkflowError> {
        match &caller.role {
            ReportRole::RegionalAdmin { region: r } if r == region => {}
            ReportRole::NationalAdmin => {}
            ReportRole::RegionalAdmin { .. } => return Err(WorkflowError::Denied(Denied::OtherRegion)),
            _ => return Err(WorkflowError::Denied(Denied::Role)),
        }
        let due = due_date(period).filter(|_| is_period(period)).ok_or(WorkflowError::NotFound)?;
        let now = self.now();
        let mut rows: Vec<RegionRow> = Vec::new();
        for item in self.store.query_index(Index::Gsi2, &region_pk(region)).await? {
            let r = MonthlyReport::from_item(item)?;
            if r.region.as_deref() != Some(region) {
                continue; // the index may lag a move
            }
            let name = r.values.get("platform_name").and_then(Value::as_str).unwrap_or_default().to_owned();
            let at = rows.iter().position(|x| x.unit == r.unit && x.platform == r.platform);
            let row = match at {
                Some(i) => &mut rows[i],
                None => {
                    rows.push(RegionRow {
                        unit: r.unit.clone(),
                        platform: r.platform.clone(),
                        platform_name: name.clone(),
                        status: "not_started".to_owned(),
                        status_label: "未开始",
                        late: is_late(period, None, now),
                        submitted_at: None,
                    });
                    rows.last_mut().expect("just pushed")
                }
            };
            if !name.is_empty() && (row.platform_name.is_empty() || r.period.as_str() <= period) {
                row.platform_name = name;
            }
            if r.period == period {
                row.status = r.status.as_str().to_owned();
                row.status_label = r.status.label_zh();
                row.late = r.late(now);
                row.submitted_at = r.submitted_at;
            }
        }
        rows.sort_by(|a, b| (&a.unit, &a.platform).cmp(&(&b.unit, &b.platform)));
        Ok(RegionMonth { region: region.to_owned(), period: period.to_owned(), due: due.to_string(), rows })
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
