//! Research-integrity cases (科研诚信案件), after seed 004 — retracted papers (撤稿论文),
//! reports (举报案件) and leads (问题线索) handled down the administrative chain:
//!
//! ```text
//!  national: create | import(batch) ─► created ─dispatch(region)─► at_province
//!            created ─dispatch(institution, 此次直接发至机构)─► at_institution
//!  province: at_province ─forward(unit)─► at_institution
//!            at_province ─take_over(institution)─► at_institution, held by the province
//!              (an institution without an account: the province records the result,
//!              and its submission goes to national review)
//!            at_province ─return_to_superior(reason)─► returned_to_national ─dispatch─► at_province
//!  institution: at_institution ─return_to_superior(reason)─► returned_to_province ─forward─► at_institution
//!               at_institution ─save_result…submit─► provincial_review
//!  province: provincial_review ─approve(opinion?, letter?)─► national_review
//!            national_review ─withdraw─► provincial_review   (可撤回修改, until the nation acts)
//!            provincial_review ─return(opinion, letter?)─► returned_by_province ─submit─► provincial_review
//!  national: national_review ─approve─► approved (办结)
//!            national_review ─return(opinion)─► returned_by_national ─submit─► provincial_review
//! ```
//!
//! Every step is appended to the case's log (办理进度) with who and when, in the same
//! write as the change. Visibility follows the chain: the national level sees every
//! case, a province the cases dispatched to its region, an institution the cases
//! forwarded to it.
//!
//! The result (处理结果) is stored as the `integrity-result` form's normalised value,
//! authors' ID numbers in full; [`IntegrityCase::view`] is the only way out and masks
//! them (`1101052020****0428`, as the registry shows them).
//!
//! Keys (single table, see `functions/README.md`):
//! - case `CASES#integrity` / `CASE#{id}`;
//!   gsi1 `CASES#integrity#REGION#{region}` / `CASE#{id}` (the province's queue);
//!   gsi2 `CASES#integrity#UNIT#{unit}` / `CASE#{id}` while an institution holds it.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::casework::{self, Actor, CaseError, CaseRecord, FileRef, Guard, Level, Step, Written};
use crate::lifecycle::{Clock, IdempotencyKey};
use crate::store::{Index, Item, Key, SharedStore, StoreError, Write};

const PARTITION: &str = "CASES#integrity";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityStatus {
    Created,
    AtProvince,
    AtInstitution,
    ReturnedToProvince,
    ReturnedToNational,
    ProvincialReview,
    ReturnedByProvince,
    NationalReview,
    ReturnedByNational,
    Approved,
}

impl IntegrityStatus {
    pub const ALL: [IntegrityStatus; 10] = [
        IntegrityStatus::Created,
        IntegrityStatus::AtProvince,
        IntegrityStatus::AtInstitution,
        IntegrityStatus::ReturnedToProvince,
        IntegrityStatus::ReturnedToNational,
        IntegrityStatus::ProvincialReview,
        IntegrityStatus::ReturnedByProvince,
        IntegrityStatus::NationalReview,
        IntegrityStatus::ReturnedByNational,
        IntegrityStatus::Approved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IntegrityStatus::Created => "created",
            IntegrityStatus::AtProvince => "at_province",
            IntegrityStatus::AtInstitution => "at_institution",
            IntegrityStatus::ReturnedToProvince => "returned_to_province",
            IntegrityStatus::ReturnedToNational => "returned_to_national",
            IntegrityStatus::ProvincialReview => "provincial_review",
            IntegrityStatus::ReturnedByProvince => "returned_by_province",
            IntegrityStatus::NationalReview => "national_review",
            IntegrityStatus::ReturnedByNational => "returned_by_national",
            IntegrityStatus::Approved => "approved",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            IntegrityStatus::Created => "未发送",
            IntegrityStatus::AtProvince => "待省级办理",
            IntegrityStatus::AtInstitution => "待机构办理",
            IntegrityStatus::ReturnedToProvince => "机构已退回上级",
            IntegrityStatus::ReturnedToNational => "省级已退回上级",
            IntegrityStatus::ProvincialReview => "待省级审核结果",
            IntegrityStatus::ReturnedByProvince => "省级审核退回",
            IntegrityStatus::NationalReview => "待国家审核结果",
            IntegrityStatus::ReturnedByNational => "国家审核退回",
            IntegrityStatus::Approved => "已办结",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The institution may record and submit its result.
    fn institution_handles(self) -> bool {
        matches!(
            self,
            IntegrityStatus::AtInstitution | IntegrityStatus::ReturnedByProvince | IntegrityStatus::ReturnedByNational
        )
    }
}

/// 案件来源
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    /// 撤稿论文
    RetractedPaper,
    /// 举报案件
    Report,
    /// 问题线索
    Lead,
}

impl CaseSource {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "retracted_paper" => Some(CaseSource::RetractedPaper),
            "report" => Some(CaseSource::Report),
            "lead" => Some(CaseSource::Lead),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseSource::RetractedPaper => "撤稿论文",
            CaseSource::Report => "举报案件",
            CaseSource::Lead => "问题线索",
        }
    }
}

/// What the national account registers, after validation against the
/// `integrity-case` form schema. Empty optional fields are empty strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityCaseForm {
    pub source: CaseSource,
    pub batch: String,
    /// 编号: the paper's number within its batch (empty for a case registered by hand).
    #[serde(default)]
    pub number: String,
    pub paper_title: String,
    /// 作者姓名, in byline order.
    pub authors: String,
    /// 第一通讯作者单位
    pub corresponding_institution: String,
    /// 第一通讯作者所在单位原文
    pub corresponding_institution_original: String,
    pub journal: String,
    pub doi: String,
    /// 行政区划: the region the case is (to be) dispatched to.
    pub region: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrityCase {
    pub id: String,
    #[serde(flatten)]
    pub details: IntegrityCaseForm,
    pub status: IntegrityStatus,
    /// The institution holding the case (转办机构), once forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_name: Option<String>,
    /// The province records the result for an institution without an account
    /// (`unit_name`; seed 004: 系统中无账号的机构，由主管卫健委的科研诚信管理员填写办理结果).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub on_behalf: bool,
    /// The institution's result (`integrity-result` form, normalised; ID numbers in full).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The last review opinion or return reason (审查意见 / 退回原因).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opinion: Option<String>,
    /// The province's official letter (省卫健委正式函件) with its last decision — a
    /// return, or an approval the national reviewer then sees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub letter: Option<FileRef>,
    pub created_by: Actor,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub history: Vec<Step>,
    #[serde(skip)]
    pub version: u64,
}

fn case_key(id: &str) -> Key {
    Key::new(PARTITION, format!("CASE#{id}"))
}

impl CaseRecord for IntegrityCase {
    fn key(&self) -> Key {
        case_key(&self.id)
    }
    fn to_item(&self) -> Item {
        let mut item = Item::new(self.key(), serde_json::to_value(self).unwrap_or_default()).with_index(
            Index::Gsi1,
            format!("{PARTITION}#REGION#{}", self.details.region),
            format!("CASE#{}", self.id),
        );
        if let Some(unit) = &self.unit {
            item = item.with_index(Index::Gsi2, format!("{PARTITION}#UNIT#{unit}"), format!("CASE#{}", self.id));
        }
        item
    }
    fn from_item(item: Item) -> Result<Self, StoreError> {
        let (mut case, version): (IntegrityCase, u64) = casework::decode(item)?;
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

/// The step of a case the nation sent straight to an institution (此次直接发至机构).
pub const DISPATCH_TO_INSTITUTION: &str = "dispatch_to_institution";

/// The step of a case the province handles for an institution without an account.
pub const TAKE_OVER: &str = "take_over";

/// The step of a saved draft of the result.
const SAVE_RESULT: &str = "save_result";

/// The case's progress (办理进度) as people follow it: its steps and decisions, with
/// the institution's drafts of the result as one "saved" step per stretch of saves
/// (the last of them), however often it saved in between.
pub fn progress(history: &[Step]) -> Vec<Step> {
    let is_save = |step: &Step| step.action == SAVE_RESULT;
    history
        .iter()
        .enumerate()
        .filter(|(i, step)| !is_save(step) || !history.get(i + 1).is_some_and(is_save))
        .map(|(_, step)| step.clone())
        .collect()
}

/// The ID-number-like values of a result's author rows.
const SECRET_COLUMNS: [&str; 2] = ["id_number", "other_id"];

fn mask_result(result: &Value) -> Value {
    let mut out = result.clone();
    if let Some(rows) = out.get_mut("authors").and_then(Value::as_array_mut) {
        for row in rows {
            for column in SECRET_COLUMNS {
                if let Some(Value::String(s)) = row.get_mut(column) {
                    *s = gazette_forms::id_number::mask(s);
                }
            }
        }
    }
    out
}

/// The column that gives each author row its identity (`row_id`, a ULID the server
/// gives it), so that an author keeps its ID number when rows are added, removed or
/// reordered.
const ROW_ID: &str = "row_id";

/// Gives every author row without an identity a new one.
fn identify_rows(input: &mut Value) {
    if let Some(rows) = input.get_mut("authors").and_then(Value::as_array_mut) {
        for row in rows.iter_mut().filter_map(Value::as_object_mut) {
            let known = row.get(ROW_ID).and_then(Value::as_str).is_some_and(|id| !id.trim().is_empty());
            if !known {
                row.insert(ROW_ID.into(), Value::String(ulid::Ulid::new().to_string()));
            }
        }
    }
}

/// Puts the stored numbers back where a client sent an author's number as it was
/// shown to it (masked): the author is found by its row identity, wherever the row
/// now is, so an institution edits its result without retyping numbers it never saw.
/// A masked value of a row the result does not hold (or of another author) stays as
/// sent, and fails validation. Rows without an identity get a new one.
fn unmask_input(input: &Value, stored: Option<&Value>) -> Value {
    let mut out = input.clone();
    let stored_rows = stored.and_then(|s| s.get("authors")).and_then(Value::as_array);
    if let (Some(rows), Some(stored_rows)) = (out.get_mut("authors").and_then(Value::as_array_mut), stored_rows) {
        let id_of =
            |row: &Value| row.get(ROW_ID).and_then(Value::as_str).filter(|id| !id.is_empty()).map(str::to_owned);
        for (index, row) in rows.iter_mut().enumerate() {
            let old = match id_of(row) {
                Some(id) => stored_rows.iter().find(|old| id_of(old).as_deref() == Some(id.as_str())),
                // A result stored before rows had identities: by position, as it was shown.
                None => stored_rows.get(index).filter(|old| id_of(old).is_none()),
            };
            let Some(old) = old else { continue };
            for column in SECRET_COLUMNS {
                let Some(old_value) = old.get(column).and_then(Value::as_str) else { continue };
                if let Some(Value::String(given)) = row.get_mut(column)
                    && given.contains('*')
                    && *given == gazette_forms::id_number::mask(old_value)
                {
                    *given = old_value.to_owned();
                }
            }
        }
    }
    identify_rows(&mut out);
    out
}

impl IntegrityCase {
    fn step(&self, action: &str, by: &Actor, now: Timestamp) -> Step {
        Step {
            at: now,
            action: action.into(),
            by: by.clone(),
            status: self.status.as_str().into(),
            note: None,
            to: None,
            letter: None,
        }
    }

    fn moved(&self, status: IntegrityStatus, now: Timestamp) -> IntegrityCase {
        IntegrityCase { status, updated_at: now, ..self.clone() }
    }

    /// The case as any caller may see it: ID numbers (and account names that are
    /// personal data) masked, status labelled.
    /// The case as `actor` sees it: the result's ID numbers masked, with the steps
    /// `actor` may take on it now (`actions`).
    pub fn view(&self, actor: &Actor) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["history"] = serde_json::to_value(progress(&self.history)).unwrap_or_default();
        v["actions"] = json!(allowed(actor, self));
        if let Some(result) = &self.result {
            v["result"] = mask_result(result);
        }
        v["status_label"] = json!(self.status.label_zh());
        v["source_label"] = json!(self.details.source.label_zh());
        crate::lifecycle::masking::accounts_in(&mut v);
        v
    }

    /// A line of a queue: what a list shows, without the result, with the steps
    /// `actor` may take on the case now.
    pub fn summary(&self, actor: &Actor) -> Value {
        json!({
            "actions": allowed(actor, self),
            "id": self.id,
            "source": self.details.source,
            "source_label": self.details.source.label_zh(),
            "batch": self.details.batch,
            "number": self.details.number,
            "paper_title": self.details.paper_title,
            "authors": self.details.authors,
            "corresponding_institution": self.details.corresponding_institution,
            "region": self.details.region,
            "unit": self.unit,
            "unit_name": self.unit_name,
            "status": self.status,
            "status_label": self.status.label_zh(),
            "updated_at": self.updated_at,
        })
    }
}

/// A list's filter (seed 004: 撤稿论文, 举报案件 and 问题线索 are separate lists, each
/// filterable by 处理状态, 批次, 行政区划 and the title). `None` or empty: any.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub source: Option<CaseSource>,
    pub status: Option<IntegrityStatus>,
    pub batch: Option<String>,
    pub region: Option<String>,
    /// Words of the title (论文名称), any case.
    pub title: Option<String>,
}

impl CaseFilter {
    pub fn matches(&self, case: &IntegrityCase) -> bool {
        let d = &case.details;
        let title = self.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
        self.source.is_none_or(|s| s == d.source)
            && self.status.is_none_or(|s| s == case.status)
            && self.batch.as_deref().is_none_or(|b| b.trim() == d.batch)
            && self.region.as_deref().is_none_or(|r| r == d.region)
            && title.is_none_or(|t| d.paper_title.to_lowercase().contains(&t.to_lowercase()))
    }
}

/// Who takes part in integrity cases: the nation, the provinces and the
/// institutions along the chain (seed 004); the training organisers do not.
pub fn takes_part(level: &Level) -> bool {
    !matches!(level, Level::Organiser)
}

fn may_see(actor: &Actor, case: &IntegrityCase) -> bool {
    match &actor.level {
        Level::National => true,
        Level::Province { region } => &case.details.region == region && case.status != IntegrityStatus::Created,
        Level::Institution { unit } => case.unit.as_deref() == Some(unit.as_str()),
        Level::Organiser => false,
    }
}

fn check_id(id: &str) -> Result<(), CaseError> {
    if id.is_empty() || id.len() > 40 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(CaseError::NotFound);
    }
    Ok(())
}

fn invalid(status: IntegrityStatus, action: &'static str) -> CaseError {
    CaseError::InvalidTransition { status: status.as_str(), status_zh: status.label_zh(), action }
}

/// Validates a whole result: the form schema, bound to the caller's language and
/// upload prefix by the HTTP layer. Field path → message on refusal.
pub type ResultCheck<'a> = &'a (dyn Fn(&Value) -> Result<Value, BTreeMap<String, String>> + Send + Sync);

/// Merges the fields being saved into the stored draft and checks the merged draft
/// (`(stored, given) → draft`): the form schema's draft checks, bound as for
/// [`ResultCheck`]. Fields that do not apply to the merged answers are left out.
pub type DraftCheck<'a> = &'a (dyn Fn(&Value, &Value) -> Result<Value, BTreeMap<String, String>> + Send + Sync);

#[derive(Clone)]
pub struct IntegrityCases {
    store: SharedStore,
    clock: Clock,
}

/// A step on an integrity case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrityStep {
    /// 发送办理: the nation sends the case to a province.
    Dispatch,
    /// 转办: the province sends it on to an institution.
    Forward,
    /// 代为填写: the province records the result itself, for an institution without an account.
    TakeOver,
    /// 退回上级: a misrouted case goes back up one level.
    ReturnToSuperior,
    /// 填写办理结果: the institution saves its result.
    SaveResult,
    /// 提交结果: the institution submits it for review.
    Submit,
    /// 审核通过: the province sends it on to the nation; the nation closes it.
    Approve,
    /// 退回修改: a review returns the result to the institution.
    Return,
    /// 撤回: the province takes back its approval while the nation has not acted on it.
    Withdraw,
}

impl IntegrityStep {
    pub const ALL: [IntegrityStep; 9] = [
        IntegrityStep::Dispatch,
        IntegrityStep::Forward,
        IntegrityStep::TakeOver,
        IntegrityStep::ReturnToSuperior,
        IntegrityStep::SaveResult,
        IntegrityStep::Submit,
        IntegrityStep::Approve,
        IntegrityStep::Return,
        IntegrityStep::Withdraw,
    ];
}

fn province_holds(actor: &Actor, case: &IntegrityCase, action: &'static str) -> Result<(), CaseError> {
    match &actor.level {
        Level::Province { region } if *region == case.details.region => Ok(()),
        Level::Province { .. } => Err(CaseError::OutOfScope),
        _ => Err(CaseError::NotAllowed { action }),
    }
}

/// Who records the case's result: its institution, or its province on the
/// institution's behalf.
fn result_holder(actor: &Actor, case: &IntegrityCase, action: &'static str) -> Result<(), CaseError> {
    if case.on_behalf { province_holds(actor, case, action) } else { institution_holds(actor, case, action) }
}

fn institution_holds(actor: &Actor, case: &IntegrityCase, action: &'static str) -> Result<(), CaseError> {
    match &actor.level {
        Level::Institution { unit } if case.unit.as_deref() == Some(unit.as_str()) => Ok(()),
        Level::Institution { .. } => Err(CaseError::OutOfScope),
        _ => Err(CaseError::NotAllowed { action }),
    }
}

/// The permission model of the integrity case (seed 004), answered once for an actor
/// and a case's state: whether `actor` may take `step` on `case` now, and if not, why
/// (another role's step, another region's or unit's case, or not at this status).
/// The handlers enforce it; [`allowed`] lists it for the pages and the review queue.
pub fn may(actor: &Actor, case: &IntegrityCase, step: IntegrityStep) -> Result<(), CaseError> {
    use IntegrityStatus as S;
    let at = |ok: bool, action: &'static str| if ok { Ok(()) } else { Err(invalid(case.status, action)) };
    match step {
        IntegrityStep::Dispatch => {
            if actor.level != Level::National {
                return Err(CaseError::NotAllowed { action: "dispatch" });
            }
            at(matches!(case.status, S::Created | S::ReturnedToNational), "dispatched")
        }
        IntegrityStep::Forward => {
            province_holds(actor, case, "forward")?;
            at(matches!(case.status, S::AtProvince | S::ReturnedToProvince), "forwarded")
        }
        IntegrityStep::TakeOver => {
            province_holds(actor, case, "take over")?;
            at(matches!(case.status, S::AtProvince | S::ReturnedToProvince), "taken over")
        }
        IntegrityStep::ReturnToSuperior => match &actor.level {
            Level::Institution { .. } => {
                institution_holds(actor, case, "return")?;
                at(case.status == S::AtInstitution, "returned to the province")
            }
            Level::Province { .. } => {
                province_holds(actor, case, "return")?;
                at(matches!(case.status, S::AtProvince | S::ReturnedToProvince), "returned to the national level")
            }
            _ => Err(CaseError::NotAllowed { action: "return" }),
        },
        IntegrityStep::SaveResult => {
            result_holder(actor, case, "record a result for")?;
            at(case.status.institution_handles(), "changed")
        }
        IntegrityStep::Submit => {
            result_holder(actor, case, "submit")?;
            at(case.status.institution_handles(), "submitted")
        }
        IntegrityStep::Approve | IntegrityStep::Return => {
            let (action, done) =
                if step == IntegrityStep::Approve { ("approve", "approved") } else { ("return", "returned") };
            match &actor.level {
                Level::Province { .. } => {
                    province_holds(actor, case, action)?;
                    at(case.status == S::ProvincialReview && !case.on_behalf, done)
                }
                Level::National => at(case.status == S::NationalReview, done),
                _ => Err(CaseError::NotAllowed { action }),
            }
        }
        IntegrityStep::Withdraw => {
            province_holds(actor, case, "withdraw")?;
            at(case.status == S::NationalReview, "withdrawn")
        }
    }
}

/// The steps `actor` may take on `case` now.
pub fn allowed(actor: &Actor, case: &IntegrityCase) -> Vec<IntegrityStep> {
    IntegrityStep::ALL.into_iter().filter(|step| may(actor, case, *step).is_ok()).collect()
}

impl IntegrityCases {
    pub fn new(store: SharedStore, clock: Clock) -> Self {
        IntegrityCases { store, clock }
    }

    /// The national account registers a case (not yet sent).
    pub async fn create(
        &self,
        actor: &Actor,
        form: IntegrityCaseForm,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Written<IntegrityCase>, CaseError> {
        if actor.level != Level::National {
            return Err(CaseError::NotAllowed { action: "create" });
        }
        let guard = Guard::new(idempotency_key, "integrity-case-create", &(&actor.id, &form));
        let now = (self.clock)();
        let mut case = IntegrityCase {
            id: ulid::Ulid::new().to_string(),
            details: form,
            status: IntegrityStatus::Created,
            unit: None,
            unit_name: None,
            on_behalf: false,
            result: None,
            opinion: None,
            letter: None,
            created_by: actor.clone(),
            created_at: now,
            updated_at: now,
            history: vec![],
            version: 0,
        };
        case.history.push(case.step("create", actor, now));
        casework::create(&self.store, case, guard).await
    }

    pub async fn get(&self, id: &str, actor: &Actor) -> Result<IntegrityCase, CaseError> {
        check_id(id)?;
        let item = self.store.get(&case_key(id)).await?.ok_or(CaseError::NotFound)?;
        let case = IntegrityCase::from_item(item)?;
        if !may_see(actor, &case) {
            return Err(CaseError::OutOfScope);
        }
        Ok(case)
    }

    /// The caller's queue, oldest case first: national all, a province its region's,
    /// an institution its own; those `filter` matches.
    pub async fn list(&self, actor: &Actor, filter: &CaseFilter) -> Result<Vec<IntegrityCase>, CaseError> {
        let items = match &actor.level {
            Level::National => self.store.query(PARTITION, "CASE#").await?,
            Level::Province { region } => {
                self.store.query_index(Index::Gsi1, &format!("{PARTITION}#REGION#{region}")).await?
            }
            Level::Institution { unit } => {
                self.store.query_index(Index::Gsi2, &format!("{PARTITION}#UNIT#{unit}")).await?
            }
            Level::Organiser => return Err(CaseError::NotAllowed { action: "list" }),
        };
        let mut cases = Vec::with_capacity(items.len());
        for item in items {
            let case = IntegrityCase::from_item(item)?;
            // The index may lag a moment behind a move; the item itself decides.
            if may_see(actor, &case) && filter.matches(&case) {
                cases.push(case);
            }
        }
        Ok(cases)
    }

    async fn change(
        &self,
        id: &str,
        guard: Option<Guard<'_>>,
        change: impl Fn(&IntegrityCase, Timestamp) -> Result<IntegrityCase, CaseError>,
    ) -> Result<Written<IntegrityCase>, CaseError> {
        check_id(id)?;
        let now = (self.clock)();
        casework::update(&self.store, &case_key(id), guard, |case: &IntegrityCase| change(case, now)).await
    }

    /// The national account sends a case to a region's province (发送办理), first or
    /// again after the province returned it as misrouted (optionally to another region).
    pub async fn dispatch(&self, id: &str, actor: &Actor, region: Option<String>) -> Result<IntegrityCase, CaseError> {
        if actor.level != Level::National {
            return Err(CaseError::NotAllowed { action: "dispatch" });
        }
        let written = self
            .change(id, None, |case, now| {
                may(actor, case, IntegrityStep::Dispatch)?;
                let mut next = case.moved(IntegrityStatus::AtProvince, now);
                if let Some(region) = &region {
                    next.details.region = region.clone();
                }
                let mut step = next.step("dispatch", actor, now);
                step.to = Some(next.details.region.clone());
                next.history.push(step);
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }

    /// The national account imports a batch (批次) of retracted papers (seed 004):
    /// every case or none, in one store transaction (at most
    /// [`super::import::MAX_BATCH_ROWS`]). Each is registered as by [`Self::create`],
    /// its first step `import` naming the batch.
    pub async fn import_batch(
        &self,
        actor: &Actor,
        forms: Vec<IntegrityCaseForm>,
    ) -> Result<Vec<IntegrityCase>, CaseError> {
        if actor.level != Level::National {
            return Err(CaseError::NotAllowed { action: "import" });
        }
        let now = (self.clock)();
        // Ids that rise row by row: the batch lists in the workbook's order.
        let mut ids = ulid::Generator::new();
        let cases: Vec<IntegrityCase> = forms
            .into_iter()
            .map(|form| {
                let batch = form.batch.clone();
                let mut case = IntegrityCase {
                    id: ids.generate().unwrap_or_else(|_| ulid::Ulid::new()).to_string(),
                    details: form,
                    status: IntegrityStatus::Created,
                    unit: None,
                    unit_name: None,
                    on_behalf: false,
                    result: None,
                    opinion: None,
                    letter: None,
                    created_by: actor.clone(),
                    created_at: now,
                    updated_at: now,
                    history: vec![],
                    version: 0,
                };
                let mut step = case.step("import", actor, now);
                step.note = Some(batch);
                case.history.push(step);
                case
            })
            .collect();
        self.write_all(cases.iter().map(|c| Write::Create(c.to_item())).collect()).await?;
        Ok(cases)
    }

    /// The national account sends several cases at once (统一发送): each to its own
    /// region's province, or — `institutions` given, case id → (unit code, name) —
    /// straight to an institution (此次直接发至机构), which the province still
    /// reviews. Every case or none: one not in a state to be sent refuses them all.
    pub async fn dispatch_many(
        &self,
        ids: &[String],
        actor: &Actor,
        institutions: Option<&BTreeMap<String, (String, String)>>,
    ) -> Result<Vec<IntegrityCase>, CaseError> {
        if actor.level != Level::National {
            return Err(CaseError::NotAllowed { action: "dispatch" });
        }
        let now = (self.clock)();
        let mut sent = Vec::with_capacity(ids.len());
        for id in ids {
            let case = self.get(id, actor).await?;
            may(actor, &case, IntegrityStep::Dispatch)?;
            let (next, step) = match institutions {
                None => {
                    let next = case.moved(IntegrityStatus::AtProvince, now);
                    let mut step = next.step("dispatch", actor, now);
                    step.to = Some(next.details.region.clone());
                    (next, step)
                }
                Some(to) => {
                    let (code, name) = to.get(id).ok_or_else(|| {
                        CaseError::Invalid(BTreeMap::from([(
                            "to".to_owned(),
                            format!("{id}: 没有指明机构 / no institution"),
                        )]))
                    })?;
                    let mut next = case.moved(IntegrityStatus::AtInstitution, now);
                    next.unit = Some(code.clone());
                    next.unit_name = Some(name.clone());
                    let mut step = next.step(DISPATCH_TO_INSTITUTION, actor, now);
                    step.to = Some(name.clone());
                    (next, step)
                }
            };
            let mut next = next;
            next.history.push(step);
            sent.push(next);
        }
        let writes = sent.iter().map(|c| Write::Replace { item: c.to_item(), expected_version: c.version }).collect();
        self.write_all(writes).await?;
        Ok(sent)
    }

    /// Several writes in one transaction; a conflict (another change in between) is
    /// [`CaseError::Busy`], nothing written.
    async fn write_all(&self, writes: Vec<Write>) -> Result<(), CaseError> {
        if writes.is_empty() {
            return Ok(());
        }
        match self.store.transact(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => Err(CaseError::Busy),
            Err(e) => Err(e.into()),
        }
    }

    /// The province sends the case on to an institution (转办).
    pub async fn forward(
        &self,
        id: &str,
        actor: &Actor,
        unit: &str,
        unit_name: &str,
    ) -> Result<IntegrityCase, CaseError> {
        let unit = casework::required_note(unit, "unit", 100)?;
        let unit_name = unit_name.trim();
        let unit_name = if unit_name.is_empty() { unit.clone() } else { unit_name.chars().take(200).collect() };
        let written = self
            .change(id, None, |case, now| {
                may(actor, case, IntegrityStep::Forward)?;
                let mut next = case.moved(IntegrityStatus::AtInstitution, now);
                next.unit = Some(unit.clone());
                next.unit_name = Some(unit_name.clone());
                next.on_behalf = false;
                let mut step = next.step("forward", actor, now);
                step.to = Some(unit_name.clone());
                next.history.push(step);
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }

    /// The province takes the case over for an institution without an account
    /// (seed 004: 线下办理后，线上填写 + 上传附件): named by the province, it holds no
    /// account, and the province records and submits the result, which goes to
    /// national review.
    pub async fn take_over(&self, id: &str, actor: &Actor, institution: &str) -> Result<IntegrityCase, CaseError> {
        let institution = casework::required_note(institution, "institution", 200)?;
        let written = self
            .change(id, None, |case, now| {
                may(actor, case, IntegrityStep::TakeOver)?;
                let mut next = case.moved(IntegrityStatus::AtInstitution, now);
                next.unit = None;
                next.unit_name = Some(institution.clone());
                next.on_behalf = true;
                let mut step = next.step(TAKE_OVER, actor, now);
                step.to = Some(institution.clone());
                next.history.push(step);
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }

    /// A misrouted case goes back up one level with a reason (退回上级): from the
    /// institution to its province, from the province to the national account.
    pub async fn return_to_superior(&self, id: &str, actor: &Actor, reason: &str) -> Result<IntegrityCase, CaseError> {
        let reason = casework::required_note(reason, "reason", 1000)?;
        let written = self
            .change(id, None, |case, now| {
                may(actor, case, IntegrityStep::ReturnToSuperior)?;
                let mut next = match &actor.level {
                    Level::Institution { .. } => {
                        let mut next = case.moved(IntegrityStatus::ReturnedToProvince, now);
                        next.unit = None;
                        next.unit_name = None;
                        // Whatever the wrong institution drafted is not the case's
                        // result, and must not be shown to the next one.
                        next.result = None;
                        next
                    }
                    _ => case.moved(IntegrityStatus::ReturnedToNational, now),
                };
                next.opinion = Some(reason.clone());
                let mut step = next.step("return_to_superior", actor, now);
                step.note = Some(reason.clone());
                next.history.push(step);
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }

    /// The institution saves (part of) its result (填写办理结果, saved any number of
    /// times). `check` merges the given fields into the stored draft and checks the
    /// whole: a field that no longer applies (a period of a penalty not chosen) is
    /// dropped, never stored nor checked again. Progress records one save per
    /// stretch of saves, not each (see [`progress`]).
    pub async fn save_result(
        &self,
        id: &str,
        actor: &Actor,
        input: &Value,
        check: DraftCheck<'_>,
    ) -> Result<IntegrityCase, CaseError> {
        if !input.is_object() {
            return Err(CaseError::Invalid(BTreeMap::from([(String::new(), "result must be a JSON object".into())])));
        }
        let written = self
            .change(id, None, |case, now| {
                may(actor, case, IntegrityStep::SaveResult)?;
                let stored = case.result.clone().unwrap_or_else(|| Value::Object(Map::new()));
                let draft = check(&stored, &unmask_input(input, case.result.as_ref())).map_err(CaseError::Invalid)?;
                let mut next = case.moved(case.status, now);
                next.result = Some(draft);
                next.history.push(next.step(SAVE_RESULT, actor, now));
                next.history = progress(&next.history);
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }

    /// The institution submits its result for provincial review (提交结果): the whole
    /// result must pass `check` (every required field and attachment).
    pub async fn submit(
        &self,
        id: &str,
        actor: &Actor,
        check: ResultCheck<'_>,
        idempotency_key: Option<&IdempotencyKey>,
    ) -> Result<Written<IntegrityCase>, CaseError> {
        let guard = Guard::new(idempotency_key, "integrity-case-submit", &(id, &actor.id));
        self.change(id, guard, |case, now| {
            may(actor, case, IntegrityStep::Submit)?;
            let stored = case.result.clone().unwrap_or_else(|| json!({}));
            let full = check(&stored).map_err(CaseError::Invalid)?;
            // A result the province recorded itself is its own review: on to the nation.
            let to = if case.on_behalf { IntegrityStatus::NationalReview } else { IntegrityStatus::ProvincialReview };
            let mut next = case.moved(to, now);
            next.result = Some(full);
            next.history.push(next.step("submit", actor, now));
            Ok(next)
        })
        .await
    }

    /// A review approves the result: the province sends it on to national review with
    /// its opinion and official letter (审查意见, 省卫健委正式函件, seed 004), which the
    /// national reviewer sees; the national account closes the case (办结), the
    /// province's letter staying with it. A letter from the nation is refused.
    pub async fn approve(
        &self,
        id: &str,
        actor: &Actor,
        opinion: Option<&str>,
        letter: Option<FileRef>,
    ) -> Result<IntegrityCase, CaseError> {
        let opinion =
            opinion.map(str::trim).filter(|o| !o.is_empty()).map(|o| o.chars().take(2000).collect::<String>());
        let written = self
            .change(id, None, |case, now| {
                provincial_letter_only(actor, &letter)?;
                may(actor, case, IntegrityStep::Approve)?;
                let mut next = match &actor.level {
                    Level::National => case.moved(IntegrityStatus::Approved, now),
                    _ => {
                        let mut next = case.moved(IntegrityStatus::NationalReview, now);
                        next.letter = letter.clone();
                        next
                    }
                };
                next.opinion = opinion.clone();
                let mut step = next.step("approve", actor, now);
                step.note = opinion.clone();
                step.letter = letter.clone();
                next.history.push(step);
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }

    /// The province withdraws its approval (撤回修改, seed 004) while the national
    /// reviewer has not acted on it: the result is back in provincial review, the
    /// approval's opinion and letter no longer the case's (they stay in its progress).
    /// Once the nation has approved or returned it, 409.
    pub async fn withdraw(&self, id: &str, actor: &Actor) -> Result<IntegrityCase, CaseError> {
        let written = self
            .change(id, None, |case, now| {
                may(actor, case, IntegrityStep::Withdraw)?;
                // A result the province recorded itself goes back to its drafting.
                let to =
                    if case.on_behalf { IntegrityStatus::AtInstitution } else { IntegrityStatus::ProvincialReview };
                let mut next = case.moved(to, now);
                next.opinion = None;
                next.letter = None;
                next.history.push(next.step("withdraw", actor, now));
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }

    /// A review returns the result to the institution with an opinion (审查意见,
    /// required); a province may attach its official letter (正式函件).
    pub async fn return_for_changes(
        &self,
        id: &str,
        actor: &Actor,
        opinion: &str,
        letter: Option<FileRef>,
    ) -> Result<IntegrityCase, CaseError> {
        let opinion = casework::required_note(opinion, "opinion", 2000)?;
        let written = self
            .change(id, None, |case, now| {
                provincial_letter_only(actor, &letter)?;
                may(actor, case, IntegrityStep::Return)?;
                let to = match &actor.level {
                    Level::National => IntegrityStatus::ReturnedByNational,
                    _ => IntegrityStatus::ReturnedByProvince,
                };
                let mut next = case.moved(to, now);
                next.opinion = Some(opinion.clone());
                next.letter = letter.clone();
                let mut step = next.step("return", actor, now);
                step.note = Some(opinion.clone());
                step.letter = letter.clone();
                next.history.push(step);
                Ok(next)
            })
            .await?;
        Ok(written.case)
    }
}

/// Only a province's review carries an official letter (正式函件, seed 004).
fn provincial_letter_only(actor: &Actor, letter: &Option<FileRef>) -> Result<(), CaseError> {
    if actor.level == Level::National && letter.is_some() {
        return Err(CaseError::Invalid(BTreeMap::from([(
            "letter".to_owned(),
            "只有省级审核可附正式函件 / only a provincial review carries a letter".to_owned(),
        )])));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_keeps_one_save_per_stretch_of_saves() {
        let by = Actor { id: "hosp-3".into(), level: Level::Institution { unit: "hosp-3".into() } };
        let step = |action: &str, minute: i64| Step {
            at: Timestamp::from_second(1_700_000_000 + minute * 60).unwrap(),
            action: action.into(),
            by: by.clone(),
            status: "at_institution".into(),
            note: None,
            to: None,
            letter: None,
        };
        let mut history = vec![step("forward", 0)];
        history.extend((1..=7).map(|m| step(SAVE_RESULT, m)));
        history.push(step("submit", 8));
        history.push(step("return", 9));
        history.extend((10..=12).map(|m| step(SAVE_RESULT, m)));
        let shown: Vec<(String, i64)> =
            progress(&history).iter().map(|s| (s.action.clone(), (s.at.as_second() - 1_700_000_000) / 60)).collect();
        let expected = [("forward", 0), (SAVE_RESULT, 7), ("submit", 8), ("return", 9), (SAVE_RESULT, 12)];
        assert_eq!(shown, expected.map(|(a, m)| (a.to_owned(), m)));
    }

    #[test]
    fn results_are_masked_and_a_masked_number_sent_back_keeps_the_stored_one() {
        let stored =
            json!({"authors": [{"row_id": "A1", "name": "张三", "id_number": "110105202004080422", "other_id": ""}]});
        let masked = mask_result(&stored);
        assert_eq!(masked["authors"][0]["id_number"], "1101052020****0422");
        let back = unmask_input(&masked, Some(&stored));
        assert_eq!(back["authors"][0]["id_number"], "110105202004080422");
        // A masked value that does not match the stored number stays as sent (and fails validation).
        let other = json!({"authors": [{"id_number": "4403041990****1233"}]});
        assert_eq!(unmask_input(&other, Some(&stored))["authors"][0]["id_number"], "4403041990****1233");
    }

    #[test]
    fn an_author_keeps_its_number_when_rows_are_added_removed_or_reordered() {
        let stored = json!({"authors": [
            {"row_id": "A1", "name": "张三", "id_number": "110105202004080422"},
            {"row_id": "B2", "name": "李四", "id_number": "440304199001011233"},
        ]});
        let shown = mask_result(&stored);
        // 李四 moved up, 张三 removed, a new author added first.
        let sent = json!({"authors": [
            {"name": "王五", "id_number": "", "row_id": ""},
            shown["authors"][1].clone(),
        ]});
        let back = unmask_input(&sent, Some(&stored));
        assert_eq!(back["authors"][1]["id_number"], "440304199001011233", "found by its identity, not its row");
        assert_eq!(back["authors"][1]["row_id"], "B2");
        let new_id = back["authors"][0]["row_id"].as_str().unwrap();
        assert!(!new_id.is_empty() && new_id != "A1" && new_id != "B2", "a new author gets a new identity");
        // 张三's masked number put into 李四's row is not 李四's: it stays masked.
        let swapped = json!({"authors": [{"row_id": "B2", "id_number": shown["authors"][0]["id_number"]}]});
        assert_eq!(unmask_input(&swapped, Some(&stored))["authors"][0]["id_number"], "1101052020****0422");
    }
}
