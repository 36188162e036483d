//! Annual continuing-education and training plans (年度继续教育与培训计划, seed 001: the
//! CAS notice of 2022-10-27 and its 院级资助项目申报指南).
//!
//! A unit submits its year's plan once; the guide's rules are those of the
//! `training-plan` schema (kinds, tiers, the four flags, flagship attachments), its
//! 原则上 rules come back as warnings with a successful submission. On top of the
//! schema the domain enforces:
//! - the deadline of the plan year ([`PlanDeadlines`], from configuration): nothing is
//!   accepted after the end of that day, China time — nor for a year without one;
//! - one plan per unit and year (a conditional create);
//! - the review: the training organiser approves or returns it with a comment, the
//!   unit may withdraw it until it is approved and submit it again (see [`crate::lifecycle::review`]);
//! - the selection (遴选): approving, the organiser decides every project that applies
//!   for academy support — funded, technical support or not selected ([`Selection`]).
//!
//! Keys (single table, see `functions/README.md`):
//! - plan `UNIT#{unit}` / `PLAN#{year}`; gsi1 `PLANS#{year}` / `{unit}` (all plans of a year)
//! - idempotency record `IDEMPOTENCY#plan-submit#{unit}#{key}` / `IDEMPOTENCY`

use std::collections::BTreeMap;

use gazette_forms::{Lang, Schema};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lifecycle::Clock;
use crate::lifecycle::idempotency::{self, IdempotencyKey};
use crate::lifecycle::review::{
    self, Action, Actor, Denied, HistoryEntry, ReviewStatus, Reviewed, Side, Step, WorkflowError,
};
use crate::store::{Index, Item, Key, SharedStore, StoreError, Write};

const SCHEMA: &str = "training-plan";
const YEAR_FIELD: &str = "year";
/// 单位名称: named by the directory when it holds the unit, not as typed.
const UNIT_NAME_FIELD: &str = "unit_name";

/// The last day plans of each year are accepted (报送截止日期), inclusive, China time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDeadlines(pub BTreeMap<i32, Date>);

impl PlanDeadlines {
    pub fn new(deadlines: impl IntoIterator<Item = (i32, Date)>) -> Self {
        PlanDeadlines(deadlines.into_iter().collect())
    }

    /// The deadline of a plan year, if one is configured.
    pub fn of(&self, year: i32) -> Option<Date> {
        self.0.get(&year).copied()
    }

    /// Whether a plan for `year` is accepted at `now`: up to the end of the deadline
    /// day in Beijing time.
    fn check(&self, year: i32, now: Timestamp, lang: Lang) -> Result<(), WorkflowError> {
        let Some(deadline) = self.of(year) else {
            return Err(WorkflowError::invalid_field(
                YEAR_FIELD,
                match lang {
                    Lang::Zh => format!("“计划年度”：{year} 年度的培训计划尚未开放报送，请核对年度"),
                    Lang::En => format!("Plan year: plans for {year} are not being accepted; check the year"),
                },
            ));
        };
        let closes = deadline.tomorrow().ok().and_then(crate::lifecycle::time::start_of);
        match closes {
            Some(closes) if now < closes => Ok(()),
            _ => Err(WorkflowError::invalid_field(
                YEAR_FIELD,
                match lang {
                    Lang::Zh => format!("“计划年度”：{year} 年度培训计划已于 {deadline} 截止报送，不再接收"),
                    Lang::En => format!("Plan year: plans for {year} closed on {deadline}; no more are accepted"),
                },
            )),
        }
    }
}

/// What a caller is, as far as training plans go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanRole {
    /// Someone of the unit (filler or unit administrator): submits and withdraws its plan.
    Unit { unit: String },
    /// 培训组织者 (the Bureau of Personnel): reviews every plan.
    Organiser,
    /// 国家级管理员: reads every plan.
    NationalAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanCaller {
    pub actor: Actor,
    pub role: PlanRole,
}

impl PlanCaller {
    fn unit(&self) -> Result<&str, WorkflowError> {
        match &self.role {
            PlanRole::Unit { unit } => Ok(unit),
            _ => Err(WorkflowError::Denied(Denied::Role)),
        }
    }

    fn may_change(&self, unit: &str) -> Result<(), WorkflowError> {
        if self.unit()? == unit { Ok(()) } else { Err(WorkflowError::Denied(Denied::OtherUnit)) }
    }

    fn may_read(&self, unit: &str) -> Result<(), WorkflowError> {
        match &self.role {
            PlanRole::Unit { unit: u } if u == unit => Ok(()),
            PlanRole::Unit { .. } => Err(WorkflowError::Denied(Denied::OtherUnit)),
            PlanRole::Organiser | PlanRole::NationalAdmin => Ok(()),
        }
    }

    fn may_review(&self) -> Result<(), WorkflowError> {
        match self.role {
            PlanRole::Organiser => Ok(()),
            _ => Err(WorkflowError::Denied(Denied::Role)),
        }
    }

    /// Whether the caller acts on `side` of the unit's plan: the unit submits and
    /// withdraws its own plan, the organiser reviews every plan.
    fn may(&self, side: Side, unit: &str) -> Result<(), WorkflowError> {
        match side {
            Side::Author => self.may_change(unit),
            Side::Reviewer => self.may_review(),
        }
    }

    /// The steps this caller may take on `plan` now — the permission model of the
    /// training plan, which the handlers enforce and the pages draw.
    pub fn allowed(&self, plan: &TrainingPlan) -> Vec<Step> {
        review::allowed(Some(plan.status), |side| self.may(side, &plan.unit).is_ok())
    }
}

/// 遴选结果: the organiser's decision on a project that applies for academy support
/// (seed 001: 经遴选后，院将对申报项目给予经费资助或专项技术支持).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Selection {
    /// 经费资助: only for a project that applied for funding (是否申请资助).
    Funded,
    /// 专项技术支持: only for a project that applied for it (是否申请专项技术支持).
    TechSupport,
    /// 未入选
    NotSelected,
}

impl Selection {
    pub const ALL: [Selection; 3] = [Selection::Funded, Selection::TechSupport, Selection::NotSelected];

    pub fn as_str(self) -> &'static str {
        match self {
            Selection::Funded => "funded",
            Selection::TechSupport => "tech_support",
            Selection::NotSelected => "not_selected",
        }
    }

    pub fn parse(s: &str) -> Option<Selection> {
        Selection::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Selection::Funded, Lang::Zh) => "经费资助",
            (Selection::Funded, Lang::En) => "Funded",
            (Selection::TechSupport, Lang::Zh) => "专项技术支持",
            (Selection::TechSupport, Lang::En) => "Technical support",
            (Selection::NotSelected, Lang::Zh) => "未入选",
            (Selection::NotSelected, Lang::En) => "Not selected",
        }
    }
}

/// A project of a plan that asks for academy support, and what it may be given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Application {
    /// The project's row in the plan, from 0.
    pub project: usize,
    pub name: String,
    /// The decisions open to the organiser for it, `not_selected` last.
    pub open: Vec<Selection>,
}

/// The projects of a plan's values that apply for funding or technical support, in
/// plan order: the ones the organiser decides (所级 projects are the unit's own).
pub fn applications(values: &Value) -> Vec<Application> {
    let ticked = |p: &Value, id: &str| p.get(id).and_then(Value::as_bool).unwrap_or(false);
    let projects = values.get("projects").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    projects
        .iter()
        .enumerate()
        .filter_map(|(project, p)| {
            let mut open = Vec::new();
            if ticked(p, "apply_funding") {
                open.push(Selection::Funded);
            }
            if ticked(p, "apply_tech_support") {
                open.push(Selection::TechSupport);
            }
            if open.is_empty() {
                return None;
            }
            open.push(Selection::NotSelected);
            let name = p.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
            Some(Application { project, name, open })
        })
        .collect()
}

/// The decision on one project, as the plan keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSelection {
    /// The project's row in the plan, from 0.
    pub project: usize,
    pub name: String,
    pub decision: Selection,
}

/// The organiser's decisions (`project row → decision`, as given) checked against the
/// plan: every application decided with a decision open to it, nothing else decided.
/// Errors name `selections[i]` and the project, in `lang`.
pub fn selections(
    values: &Value,
    given: &BTreeMap<String, String>,
    lang: Lang,
) -> Result<Vec<ProjectSelection>, WorkflowError> {
    let open = applications(values);
    let mut errors = BTreeMap::new();
    let mut decided = Vec::with_capacity(open.len());
    for a in &open {
        let path = format!("selections[{}]", a.project);
        let row = a.project + 1;
        match given.get(&a.project.to_string()).map(|d| d.trim()).filter(|d| !d.is_empty()) {
            None => {
                errors.insert(
                    path,
                    match lang {
                        Lang::Zh => format!("“培训项目”第 {row} 条（{}）的“遴选结果”：请选择", a.name),
                        Lang::En => format!("Training projects, row {row} ({}), Selection: choose one", a.name),
                    },
                );
            }
            Some(d) => match Selection::parse(d).filter(|d| a.open.contains(d)) {
                Some(decision) => decided.push(ProjectSelection { project: a.project, name: a.name.clone(), decision }),
                None => {
                    let choices: Vec<&str> = a.open.iter().map(|d| d.label(lang)).collect();
                    errors.insert(
                        path,
                        match lang {
                            Lang::Zh => {
                                format!("“培训项目”第 {row} 条（{}）的“遴选结果”只能是{}", a.name, choices.join("、"))
                            }
                            Lang::En => format!(
                                "Training projects, row {row} ({}), Selection: must be one of {}",
                                a.name,
                                choices.join(", ")
                            ),
                        },
                    );
                }
            },
        }
    }
    for key in given.keys().filter(|k| !open.iter().any(|a| a.project.to_string() == **k)) {
        let row = key.parse::<usize>().map_or_else(|_| key.clone(), |i| (i + 1).to_string());
        errors.insert(
            format!("selections[{key}]"),
            match lang {
                Lang::Zh => format!("“培训项目”第 {row} 条未申请院级资助或专项技术支持，无需遴选"),
                Lang::En => {
                    format!("Training projects, row {row}: applies for no academy support, so nothing to select")
                }
            },
        );
    }
    if errors.is_empty() { Ok(decided) } else { Err(WorkflowError::Invalid(errors)) }
}

/// A unit's plan for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingPlan {
    pub unit: String,
    pub year: i32,
    pub status: ReviewStatus,
    /// The form's values, normalised by the schema.
    pub values: Value,
    /// The guide's 原则上 rules the plan does not meet (path → message), as submitted.
    #[serde(default)]
    pub warnings: BTreeMap<String, String>,
    /// The organiser's latest comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The organiser's decision on each project applying for support, once approved.
    #[serde(default)]
    pub selections: Vec<ProjectSelection>,
    pub history: Vec<HistoryEntry>,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub version: u64,
}

fn plan_key(unit: &str, year: i32) -> Key {
    Key::new(format!("UNIT#{unit}"), format!("PLAN#{year}"))
}

fn year_pk(year: i32) -> String {
    format!("PLANS#{year}")
}

impl TrainingPlan {
    fn key(&self) -> Key {
        plan_key(&self.unit, self.year)
    }
}

impl Reviewed for TrainingPlan {
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
        next.version = self.version + 1;
        next.history.push(step);
        next
    }

    fn to_item(&self) -> Item {
        Item::new(self.key(), serde_json::to_value(self).unwrap_or_default()).with_index(
            Index::Gsi1,
            year_pk(self.year),
            self.unit.clone(),
        )
    }

    fn from_item(item: Item) -> Result<Self, WorkflowError> {
        let (mut p, version): (TrainingPlan, u64) = review::decode(item)?;
        p.version = version;
        Ok(p)
    }
}

/// The result of a submission.
#[derive(Debug, Clone)]
pub struct PlanSubmitted {
    pub plan: TrainingPlan,
    pub replayed: bool,
}

#[derive(Clone)]
pub struct TrainingPlans {
    store: SharedStore,
    deadlines: PlanDeadlines,
    clock: Clock,
}

fn schema() -> Result<&'static Schema, WorkflowError> {
    gazette_forms::schema(SCHEMA).ok_or(WorkflowError::NoSchema(SCHEMA))
}

/// The plan's values checked against the schema and the deadline: (values, year, warnings).
fn checked(
    input: &Value,
    deadlines: &PlanDeadlines,
    now: Timestamp,
    lang: Lang,
) -> Result<(Value, i32, BTreeMap<String, String>), WorkflowError> {
    let schema = schema()?;
    let values = schema.validate(input, lang).map_err(|e| WorkflowError::Invalid(e.to_map()))?;
    let year = year_of(&values);
    deadlines.check(year, now, lang)?;
    Ok((values, year, schema.warnings(input, lang).to_map()))
}

fn year_of(values: &Value) -> i32 {
    values.get(YEAR_FIELD).and_then(Value::as_i64).and_then(|y| i32::try_from(y).ok()).unwrap_or(0)
}

impl TrainingPlans {
    pub fn new(store: SharedStore, deadlines: PlanDeadlines, clock: Clock) -> Self {
        TrainingPlans { store, deadlines, clock }
    }

    pub fn deadlines(&self) -> &PlanDeadlines {
        &self.deadlines
    }

    async fn load(&self, unit: &str, year: i32) -> Result<Option<TrainingPlan>, WorkflowError> {
        if !review::is_slug(unit) {
            return Ok(None);
        }
        self.store.get(&plan_key(unit, year)).await?.map(TrainingPlan::from_item).transpose()
    }

    /// The plan's 单位名称 as the directory names the unit, whatever was typed; a
    /// unit the directory does not hold (a development token's) keeps what was typed.
    async fn named_by_directory(&self, unit: &str, input: &Value) -> Result<Value, WorkflowError> {
        let directory = crate::directory::Directory::new(self.store.clone());
        let known = match directory.unit(unit).await {
            Ok(known) => known,
            Err(crate::directory::DirectoryError::Store(e)) => return Err(e.into()),
            Err(_) => None,
        };
        let mut input = input.clone();
        if let (Some(known), Some(fields)) = (known, input.as_object_mut()) {
            fields.insert(UNIT_NAME_FIELD.to_owned(), Value::String(known.name));
        }
        Ok(input)
    }

    /// A unit submits its plan for the year named in it (报送计划).
    pub async fn submit(
        &self,
        caller: &PlanCaller,
        input: &Value,
        idempotency_key: Option<&IdempotencyKey>,
        lang: Lang,
    ) -> Result<PlanSubmitted, WorkflowError> {
        let unit = caller.unit()?.to_owned();
        if !review::is_slug(&unit) {
            return Err(WorkflowError::Denied(Denied::OtherUnit));
        }
        let now = (self.clock)();
        let schema = schema()?;
        let input = &self.named_by_directory(&unit, input).await?;
        let values = schema.validate(input, lang).map_err(|e| WorkflowError::Invalid(e.to_map()))?;
        let operation = format!("plan-submit#{unit}");
        let fingerprint = idempotency::fingerprint(&values);
        if let Some(key) = idempotency_key {
            if let Some(found) = self.replay(key, &operation, &fingerprint).await? {
                return Ok(found);
            }
        }
        let year = year_of(&values);
        self.deadlines.check(year, now, lang)?;
        let warnings = schema.warnings(input, lang).to_map();
        let status = ReviewStatus::Submitted;
        let plan = TrainingPlan {
            unit: unit.clone(),
            year,
            status,
            values,
            warnings,
            comment: None,
            selections: Vec::new(),
            history: vec![HistoryEntry::new(Action::Submit, status, &caller.actor, now, None)],
            submitted_at: now,
            updated_at: now,
            version: 1,
        };
        let mut writes = vec![Write::Create(plan.to_item())];
        if let Some(key) = idempotency_key {
            let record = idempotency::Record { fingerprint: fingerprint.clone(), created: plan.key() };
            writes.push(Write::Create(idempotency::Record::item(key, &operation, &record)));
        }
        match self.store.transact(writes).await {
            Ok(()) => Ok(PlanSubmitted { plan, replayed: false }),
            Err(StoreError::ConditionFailed { index }) => {
                if let Some(key) = idempotency_key {
                    if let Some(found) = self.replay(key, &operation, &fingerprint).await? {
                        return Ok(found);
                    }
                }
                if index == 0 { Err(WorkflowError::AlreadyExists) } else { Err(WorkflowError::Busy) }
            }
            Err(StoreError::Contention) => Err(WorkflowError::Busy),
            Err(e) => Err(e.into()),
        }
    }

    /// A withdrawn or returned plan, changed and submitted again (before the deadline).
    pub async fn resubmit(
        &self,
        caller: &PlanCaller,
        unit: &str,
        year: i32,
        expected_version: u64,
        input: &Value,
        lang: Lang,
    ) -> Result<TrainingPlan, WorkflowError> {
        caller.may(Side::Author, unit)?;
        let p = self.load(unit, year).await?.ok_or(WorkflowError::NotFound)?;
        if p.version != expected_version {
            return Err(WorkflowError::StaleVersion { expected: expected_version, current: p.version });
        }
        let Some(status) = Action::Submit.from_status(p.status) else {
            return Err(WorkflowError::InvalidTransition { from: p.status, action: Action::Submit });
        };
        let now = (self.clock)();
        let input = &self.named_by_directory(unit, input).await?;
        let (values, plan_year, warnings) = checked(input, &self.deadlines, now, lang)?;
        if plan_year != year {
            return Err(WorkflowError::invalid_field(
                YEAR_FIELD,
                match lang {
                    Lang::Zh => format!("“计划年度”应为 {year}，与所改计划的年度一致"),
                    Lang::En => format!("Plan year: must be {year}, the year of this plan"),
                },
            ));
        }
        let mut history = p.history.clone();
        history.push(HistoryEntry::new(Action::Submit, status, &caller.actor, now, None));
        let next = TrainingPlan {
            status,
            values,
            warnings,
            comment: None,
            selections: Vec::new(),
            history,
            submitted_at: now,
            updated_at: now,
            version: p.version + 1,
            ..p.clone()
        };
        match self.store.transact(vec![Write::Replace { item: next.to_item(), expected_version: p.version }]).await {
            Ok(()) => Ok(next),
            Err(StoreError::ConditionFailed { .. }) => {
                let current = self.load(unit, year).await?.map_or(0, |p| p.version);
                Err(WorkflowError::StaleVersion { expected: expected_version, current })
            }
            Err(StoreError::Contention) => Err(WorkflowError::Busy),
            Err(e) => Err(e.into()),
        }
    }

    async fn replay(
        &self,
        key: &IdempotencyKey,
        operation: &str,
        fingerprint: &str,
    ) -> Result<Option<PlanSubmitted>, WorkflowError> {
        let Some(item) = review::replayed(&self.store, key, operation, fingerprint).await? else {
            return Ok(None);
        };
        Ok(Some(PlanSubmitted { plan: TrainingPlan::from_item(item)?, replayed: true }))
    }

    pub async fn get(&self, caller: &PlanCaller, unit: &str, year: i32) -> Result<TrainingPlan, WorkflowError> {
        caller.may_read(unit)?;
        self.load(unit, year).await?.ok_or(WorkflowError::NotFound)
    }

    /// Every plan of a year, optionally of one status, by unit — for the organiser.
    pub async fn list(
        &self,
        caller: &PlanCaller,
        year: i32,
        status: Option<ReviewStatus>,
    ) -> Result<Vec<TrainingPlan>, WorkflowError> {
        if let PlanRole::Unit { .. } = caller.role {
            return Err(WorkflowError::Denied(Denied::Role));
        }
        let mut plans = vec![];
        for found in self.store.query_index(Index::Gsi1, &year_pk(year)).await? {
            if let Some(item) = self.store.get(&found.key).await? {
                let p = TrainingPlan::from_item(item)?;
                if status.is_none_or(|s| p.status == s) {
                    plans.push(p);
                }
            }
        }
        Ok(plans)
    }

    /// `action` on the unit's plan of `year`, through the lifecycle engine.
    async fn decide(
        &self,
        caller: &PlanCaller,
        unit: &str,
        year: i32,
        action: Action,
        comment: Option<String>,
    ) -> Result<TrainingPlan, WorkflowError> {
        if !review::is_slug(unit) {
            return Err(WorkflowError::NotFound);
        }
        review::transition(&self.store, &plan_key(unit, year), &caller.actor, action, comment, (self.clock)()).await
    }

    /// The unit takes its plan back (撤回) until it is approved.
    pub async fn withdraw(&self, caller: &PlanCaller, unit: &str, year: i32) -> Result<TrainingPlan, WorkflowError> {
        caller.may(Side::Author, unit)?;
        self.decide(caller, unit, year, Action::Withdraw, None).await
    }

    /// The organiser approves the plan, deciding every project that applies for support
    /// (`selections`: project row → `funded` / `tech_support` / `not_selected`).
    pub async fn approve(
        &self,
        caller: &PlanCaller,
        unit: &str,
        year: i32,
        comment: Option<&str>,
        given: &BTreeMap<String, String>,
        lang: Lang,
    ) -> Result<TrainingPlan, WorkflowError> {
        caller.may(Side::Reviewer, unit)?;
        let comment = review::comment(comment, false)?;
        if !review::is_slug(unit) {
            return Err(WorkflowError::NotFound);
        }
        let key = plan_key(unit, year);
        let now = (self.clock)();
        review::transition_with(
            &self.store,
            &key,
            &caller.actor,
            Action::Approve,
            review::Note { comment, notify_by_sms: None },
            now,
            |p: &TrainingPlan| Ok(TrainingPlan { selections: selections(&p.values, given, lang)?, ..p.clone() }),
        )
        .await
    }

    pub async fn return_for_changes(
        &self,
        caller: &PlanCaller,
        unit: &str,
        year: i32,
        comment: Option<&str>,
    ) -> Result<TrainingPlan, WorkflowError> {
        caller.may(Side::Reviewer, unit)?;
        let comment = review::comment(comment, true)?;
        self.decide(caller, unit, year, Action::Return, comment).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn plans_are_accepted_until_the_end_of_the_deadline_day_in_china() {
        let d = PlanDeadlines::new([(2023, jiff::civil::date(2022, 11, 14))]);
        assert!(d.check(2023, at("2022-11-14T15:59:59Z"), Lang::Zh).is_ok());
        let late = d.check(2023, at("2022-11-14T16:00:00Z"), Lang::Zh);
        assert!(matches!(late, Err(WorkflowError::Invalid(f)) if f["year"].contains("2022-11-14")));
    }

    #[test]
    fn a_year_without_a_deadline_accepts_nothing() {
        let d = PlanDeadlines::default();
        assert!(
            matches!(d.check(2024, at("2023-01-01T00:00:00Z"), Lang::En), Err(WorkflowError::Invalid(f)) if f.contains_key("year"))
        );
    }

    fn plan(status: ReviewStatus) -> TrainingPlan {
        TrainingPlan {
            unit: "u1".into(),
            year: 2027,
            status,
            values: Value::Null,
            warnings: BTreeMap::new(),
            comment: None,
            selections: Vec::new(),
            history: Vec::new(),
            submitted_at: at("2026-11-01T00:00:00Z"),
            updated_at: at("2026-11-01T00:00:00Z"),
            version: 1,
        }
    }

    fn caller(role: PlanRole) -> PlanCaller {
        PlanCaller { actor: Actor { id: "someone".into(), role: "x".into() }, role }
    }

    #[test]
    fn the_unit_withdraws_its_submitted_plan_and_only_the_organiser_decides_it() {
        let submitted = plan(ReviewStatus::Submitted);
        assert_eq!(caller(PlanRole::Unit { unit: "u1".into() }).allowed(&submitted), [Step::Withdraw]);
        assert_eq!(caller(PlanRole::Organiser).allowed(&submitted), [Step::Approve, Step::Return]);
        // A national administrator reads every plan but decides none.
        assert!(caller(PlanRole::NationalAdmin).allowed(&submitted).is_empty());
        assert!(caller(PlanRole::Unit { unit: "u2".into() }).allowed(&submitted).is_empty());
    }

    #[test]
    fn every_project_applying_for_support_is_decided_with_a_decision_open_to_it() {
        let values = serde_json::json!({ "projects": [
            { "name": "所级研修班", "apply_funding": false },
            { "name": "精品班", "apply_funding": true },
            { "name": "讲坛", "apply_tech_support": true },
        ]});
        let open: Vec<(usize, Vec<Selection>)> =
            applications(&values).into_iter().map(|a| (a.project, a.open)).collect();
        assert_eq!(
            open,
            [
                (1, vec![Selection::Funded, Selection::NotSelected]),
                (2, vec![Selection::TechSupport, Selection::NotSelected])
            ]
        );
        let given = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let decided = selections(&values, &given(&[("1", "funded"), ("2", "not_selected")]), Lang::Zh).unwrap();
        assert_eq!(decided.iter().map(|d| d.decision).collect::<Vec<_>>(), [Selection::Funded, Selection::NotSelected]);
        let Err(WorkflowError::Invalid(e)) = selections(&values, &given(&[("0", "funded"), ("2", "funded")]), Lang::Zh)
        else {
            panic!("refused")
        };
        assert_eq!(e["selections[1]"], "“培训项目”第 2 条（精品班）的“遴选结果”：请选择");
        assert_eq!(e["selections[2]"], "“培训项目”第 3 条（讲坛）的“遴选结果”只能是专项技术支持、未入选");
        assert!(e["selections[0]"].contains("无需遴选"));
    }

    #[test]
    fn a_returned_plan_is_the_units_to_change_and_an_approved_one_nobodys() {
        let unit = caller(PlanRole::Unit { unit: "u1".into() });
        assert_eq!(unit.allowed(&plan(ReviewStatus::Returned)), [Step::Save, Step::Submit]);
        for role in [PlanRole::Unit { unit: "u1".into() }, PlanRole::Organiser, PlanRole::NationalAdmin] {
            assert!(caller(role).allowed(&plan(ReviewStatus::Approved)).is_empty(), "approved is final");
        }
    }
}
