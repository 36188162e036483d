//! Research-integrity cases (科研诚信案件), after seed 004 — retracted papers (撤稿论文),
//! reports (举报案件) and leads (问题线索) handled down the administrative chain:
//!
//! ```text
//!  national: create ─► created ─dispatch(region)─► at_province
//!  province: at_province ─forward(unit)─► at_institution
//!            at_province ─return_to_superior(reason)─► returned_to_national ─dispatch─► at_province
//!  institution: at_institution ─return_to_superior(reason)─► returned_to_province ─forward─► at_institution
//!               at_institution ─save_result…submit─► provincial_review
//!  province: provincial_review ─approve─► national_review
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
use crate::store::{Index, Item, Key, SharedStore, StoreError};

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
    /// The institution's result (`integrity-result` form, normalised; ID numbers in full).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// The last review opinion or return reason (审查意见 / 退回原因).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opinion: Option<String>,
    /// The province's official letter with its last review (省级正式函件).
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

/// Puts the stored numbers back where a client sent a row's number as it was shown to
/// it (masked), so an institution can edit its result without retyping every ID.
fn unmask_input(input: &Value, stored: Option<&Value>) -> Value {
    let mut out = input.clone();
    let stored_rows = stored.and_then(|s| s.get("authors")).and_then(Value::as_array);
    if let (Some(rows), Some(stored_rows)) = (out.get_mut("authors").and_then(Value::as_array_mut), stored_rows) {
        for (row, old) in rows.iter_mut().zip(stored_rows) {
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
}

impl IntegrityStep {
    pub const ALL: [IntegrityStep; 7] = [
        IntegrityStep::Dispatch,
        IntegrityStep::Forward,
        IntegrityStep::ReturnToSuperior,
        IntegrityStep::SaveResult,
        IntegrityStep::Submit,
        IntegrityStep::Approve,
        IntegrityStep::Return,
    ];
}

fn province_holds(actor: &Actor, case: &IntegrityCase, action: &'static str) -> Result<(), CaseError> {
    match &actor.level {
        Level::Province { region } if *region == case.details.region => Ok(()),
        Level::Province { .. } => Err(CaseError::OutOfScope),
        _ => Err(CaseError::NotAllowed { action }),
    }
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
            institution_holds(actor, case, "record a result for")?;
            at(case.status.institution_handles(), "changed")
        }
        IntegrityStep::Submit => {
            institution_holds(actor, case, "submit")?;
            at(case.status.institution_handles(), "submitted")
        }
        IntegrityStep::Approve | IntegrityStep::Return => {
            let (action, done) =
                if step == IntegrityStep::Approve { ("approve", "approved") } else { ("return", "returned") };
            match &actor.level {
                Level::Province { .. } => {
                    province_holds(actor, case, action)?;
                    at(case.status == S::ProvincialReview, done)
                }
                Level::National => at(case.status == S::NationalReview, done),
                _ => Err(CaseError::NotAllowed { action }),
            }
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
    /// an institution its own.
    pub async fn list(&self, actor: &Actor, status: Option<IntegrityStatus>) -> Result<Vec<IntegrityCase>, CaseError> {
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
            if may_see(actor, &case) && status.is_none_or(|s| s == case.status) {
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
                let mut step = next.step("forward", actor, now);
                step.to = Some(unit_name.clone());
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
            let mut next = case.moved(IntegrityStatus::ProvincialReview, now);
            next.result = Some(full);
            next.history.push(next.step("submit", actor, now));
            Ok(next)
        })
        .await
    }

    /// A review approves the result: the province sends it on to national review, the
    /// national account closes the case (办结).
    pub async fn approve(&self, id: &str, actor: &Actor, opinion: Option<&str>) -> Result<IntegrityCase, CaseError> {
        let opinion =
            opinion.map(str::trim).filter(|o| !o.is_empty()).map(|o| o.chars().take(2000).collect::<String>());
        let written = self
            .change(id, None, |case, now| {
                may(actor, case, IntegrityStep::Approve)?;
                let to = match &actor.level {
                    Level::National => IntegrityStatus::Approved,
                    _ => IntegrityStatus::NationalReview,
                };
                let mut next = case.moved(to, now);
                next.opinion = opinion.clone();
                let mut step = next.step("approve", actor, now);
                step.note = opinion.clone();
                next.history.push(step);
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
                if actor.level == Level::National && letter.is_some() {
                    return Err(CaseError::Invalid(BTreeMap::from([(
                        "letter".to_owned(),
                        "只有省级审核可附正式函件 / only a provincial review carries a letter".to_owned(),
                    )])));
                }
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
        let stored = json!({"authors": [{"name": "张三", "id_number": "110105202004080422", "other_id": ""}]});
        let masked = mask_result(&stored);
        assert_eq!(masked["authors"][0]["id_number"], "1101052020****0422");
        let back = unmask_input(&masked, Some(&stored));
        assert_eq!(back["authors"][0]["id_number"], "110105202004080422");
        // A masked value that does not match the stored number stays as sent (and fails validation).
        let other = json!({"authors": [{"id_number": "4403041990****1233"}]});
        assert_eq!(unmask_input(&other, Some(&stored))["authors"][0]["id_number"], "4403041990****1233");
    }
}
