//! Hours from elsewhere (外部培训学时登记, seed 003 学时登记制度): a learner registers a
//! training taken outside the platform — name, organiser, dates, hours, online or
//! offline, required or elective, a certificate — and their unit administrator
//! approves it or returns it with an opinion. Approved hours count in the learner's
//! growth record and in the year summary per unit, in the year the training ended.
//!
//! The review is the shared lifecycle of reports and plans
//! (`lifecycle::review::transition`), entered at 已提交:
//!
//! ```text
//!   submit ──► submitted ──approve (opinion)──► approved (final, hours count)
//!                  │
//!                  └──return (opinion)──► returned (the learner registers it again)
//! ```
//!
//! Keys (single table, see `functions/README.md`):
//! - `LEARNER#{account}` / `EXTERNAL#{id}`: a learner's own, one consistent query;
//! - gsi1 `EXTERNAL#UNIT#{unit}` / `{id}`: the unit administrator's list;
//! - gsi2 `EXTERNAL#YEAR#{year}` / `{id}`: the year summary of every unit.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::domain::{Learning, LearningStatus};
use super::statistics::StatsRow;
use crate::casework::FileRef;
use crate::lifecycle::review::{
    self, Action, Actor, Denied, HistoryEntry, Note, ReviewStatus, Reviewed, Side, Step, WorkflowError,
};
use crate::lifecycle::time;
use crate::store::{Index, Item, Key, Write};

/// 来源 of an approved training from elsewhere, as the growth record shows it.
pub const SOURCE_EXTERNAL: &str = "外部培训";

/// What the learner declares (the `external-training` form, validated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalTrainingForm {
    /// 培训名称
    pub name: String,
    /// 主办单位
    pub organiser: String,
    pub starts: Date,
    /// The hours count towards this day's year.
    pub ends: Date,
    /// 学时, as the certificate gives them.
    pub hours: f64,
    /// 线上 (网络培训) or 线下, as the learner declares.
    pub online: bool,
    /// 必修 or 选修, as the learner declares.
    pub required: bool,
    /// 证书或结业证明: one of the learner's own uploads.
    pub certificate: FileRef,
}

/// Who registered it: the account, and who they are for the summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalLearner {
    /// The token's `sub`.
    pub account: String,
    /// 姓名 (from the learner's registrations; the account when there is none).
    pub name: String,
    /// 部门
    pub department: String,
    /// The unit whose administrator decides.
    pub unit: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A training from elsewhere under review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalTraining {
    /// A ULID.
    pub id: String,
    pub learner: ExternalLearner,
    #[serde(flatten)]
    pub form: ExternalTrainingForm,
    pub status: ReviewStatus,
    /// The unit administrator's opinion on the last decision (审核意见).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    pub history: Vec<HistoryEntry>,
    #[serde(skip)]
    pub version: u64,
}

fn training_key(account: &str, id: &str) -> Key {
    Key::new(format!("LEARNER#{account}"), format!("EXTERNAL#{id}"))
}

fn unit_partition(unit: &str) -> String {
    format!("EXTERNAL#UNIT#{unit}")
}

fn year_partition(year: i16) -> String {
    format!("EXTERNAL#YEAR#{year}")
}

impl Reviewed for ExternalTraining {
    fn status(&self) -> ReviewStatus {
        self.status
    }

    fn version(&self) -> u64 {
        self.version
    }

    fn to_item(&self) -> Item {
        Item::new(training_key(&self.learner.account, &self.id), serde_json::to_value(self).unwrap_or_default())
            .with_index(Index::Gsi1, unit_partition(&self.learner.unit), self.id.clone())
            .with_index(Index::Gsi2, year_partition(self.form.ends.year()), self.id.clone())
    }

    fn from_item(item: Item) -> Result<Self, WorkflowError> {
        let (mut t, version): (ExternalTraining, u64) = review::decode(item)?;
        t.version = version;
        Ok(t)
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
}

impl ExternalTraining {
    /// The training as a completed row of the growth record and the year summary:
    /// 来源 外部培训, finished on its last day (Beijing midnight).
    pub fn as_row(&self) -> StatsRow {
        let day = time::start_of;
        StatsRow {
            course: format!("external-{}", self.id),
            account: self.learner.account.clone(),
            name: self.learner.name.clone(),
            alias: String::new(),
            department: self.learner.department.clone(),
            course_title: self.form.name.clone(),
            source: SOURCE_EXTERNAL.to_owned(),
            attribute: if self.form.required { "必修" } else { "选修" },
            started_at: day(self.form.starts),
            finished_at: day(self.form.ends),
            study_secs: 0,
            effective_secs: 0,
            status: LearningStatus::Completed,
            hours: self.form.hours,
            unit: Some(self.learner.unit.clone()),
            online: self.form.online,
            required: self.form.required,
        }
    }
}

/// Who looks at a training from elsewhere: the account, and the unit it
/// administers (a unit administrator's token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalCaller {
    pub account: String,
    pub role: String,
    /// `Some(unit)` for that unit's administrator.
    pub administers: Option<String>,
}

impl ExternalCaller {
    /// Whether the caller sees `t`: its learner, and its unit's administrator.
    pub fn may_see(&self, t: &ExternalTraining) -> Result<(), WorkflowError> {
        if t.learner.account == self.account || self.administers.as_deref() == Some(t.learner.unit.as_str()) {
            Ok(())
        } else {
            Err(WorkflowError::Denied(Denied::OtherUnit))
        }
    }

    /// The permission model: `step` on `t` now, or why not. Only the unit's
    /// administrator decides, and not on their own training; the learner takes no
    /// step after submitting (a returned one is registered again).
    pub fn may(&self, t: &ExternalTraining, step: Step) -> Result<(), WorkflowError> {
        match step.side() {
            Side::Author => return Err(WorkflowError::Denied(Denied::Role)),
            Side::Reviewer => match &self.administers {
                None => return Err(WorkflowError::Denied(Denied::Role)),
                Some(unit) if *unit != t.learner.unit => return Err(WorkflowError::Denied(Denied::OtherUnit)),
                Some(_) if t.learner.account == self.account => return Err(WorkflowError::Denied(Denied::Role)),
                Some(_) => {}
            },
        }
        if step.open_from(Some(t.status)) {
            Ok(())
        } else {
            let action = if step == Step::Approve { Action::Approve } else { Action::Return };
            Err(WorkflowError::InvalidTransition { from: t.status, action })
        }
    }

    /// The steps the caller may take on `t` now.
    pub fn allowed(&self, t: &ExternalTraining) -> Vec<Step> {
        review::allowed(Some(t.status), |_| true).into_iter().filter(|s| self.may(t, *s).is_ok()).collect()
    }

    fn actor(&self) -> Actor {
        Actor { id: self.account.clone(), role: self.role.clone() }
    }
}

/// Ids are ULIDs: anything else finds nothing.
fn check_id(id: &str) -> Result<(), WorkflowError> {
    if id.len() == 26 && id.chars().all(|c| c.is_ascii_alphanumeric()) { Ok(()) } else { Err(WorkflowError::NotFound) }
}

impl Learning {
    /// The learner registers a training from elsewhere: it waits for their unit
    /// administrator. Errors: `ends` before `starts` (on `ends`).
    pub async fn submit_external(
        &self,
        learner: ExternalLearner,
        role: &str,
        form: ExternalTrainingForm,
    ) -> Result<ExternalTraining, WorkflowError> {
        if form.ends < form.starts {
            return Err(WorkflowError::invalid_field("ends", "结束日期不能早于开始日期。"));
        }
        let now = self.now();
        let actor = Actor { id: learner.account.clone(), role: role.to_owned() };
        let training = ExternalTraining {
            id: ulid::Ulid::new().to_string(),
            learner,
            form,
            status: ReviewStatus::Submitted,
            comment: None,
            submitted_at: now,
            updated_at: now,
            history: vec![HistoryEntry::new(Action::Submit, ReviewStatus::Submitted, &actor, now, None)],
            version: 1,
        };
        self.store().transact(vec![Write::Create(training.to_item())]).await?;
        Ok(training)
    }

    /// The trainings `account` registered, newest first.
    pub async fn externals_of(&self, account: &str) -> Result<Vec<ExternalTraining>, WorkflowError> {
        let items = self.store().query(&format!("LEARNER#{account}"), "EXTERNAL#").await?;
        let mut list = items.into_iter().map(ExternalTraining::from_item).collect::<Result<Vec<_>, _>>()?;
        list.reverse();
        Ok(list)
    }

    /// The trainings of `unit`'s learners (its administrator's list), newest first.
    pub async fn externals_of_unit(&self, unit: &str) -> Result<Vec<ExternalTraining>, WorkflowError> {
        let items = self.store().query_index(Index::Gsi1, &unit_partition(unit)).await?;
        let mut list = items
            .into_iter()
            .map(ExternalTraining::from_item)
            .filter(|t| t.as_ref().map_or(true, |t| t.learner.unit == unit))
            .collect::<Result<Vec<_>, _>>()?;
        list.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(list)
    }

    /// The approved trainings that ended in `year` (Beijing calendar), every unit.
    pub async fn approved_externals_in(&self, year: i16) -> Result<Vec<ExternalTraining>, WorkflowError> {
        let items = self.store().query_index(Index::Gsi2, &year_partition(year)).await?;
        let list = items.into_iter().map(ExternalTraining::from_item).collect::<Result<Vec<_>, _>>()?;
        Ok(list.into_iter().filter(|t| t.status == ReviewStatus::Approved && t.form.ends.year() == year).collect())
    }

    /// One training, as `caller` may see it: their own (read by key), or one of the
    /// unit they administer (found through the unit's list, then read by key).
    pub async fn external(&self, caller: &ExternalCaller, id: &str) -> Result<ExternalTraining, WorkflowError> {
        check_id(id)?;
        let own = self.store().get(&training_key(&caller.account, id)).await?;
        let item = match (own, &caller.administers) {
            (Some(item), _) => item,
            (None, Some(unit)) => {
                let listed = self.externals_of_unit(unit).await?.into_iter().find(|t| t.id == id);
                let t = listed.ok_or(WorkflowError::NotFound)?;
                self.store().get(&training_key(&t.learner.account, id)).await?.ok_or(WorkflowError::NotFound)?
            }
            (None, None) => return Err(WorkflowError::NotFound),
        };
        let training = ExternalTraining::from_item(item)?;
        caller.may_see(&training)?;
        Ok(training)
    }

    /// The unit administrator approves (opinion optional) or returns (opinion
    /// required) a submitted training of their unit.
    pub async fn decide_external(
        &self,
        caller: &ExternalCaller,
        id: &str,
        step: Step,
        comment: Option<&str>,
    ) -> Result<ExternalTraining, WorkflowError> {
        let found = self.external(caller, id).await?;
        caller.may(&found, step)?;
        let action = match step {
            Step::Approve => Action::Approve,
            Step::Return => Action::Return,
            _ => return Err(WorkflowError::Denied(Denied::Role)),
        };
        let comment = review::comment(comment, action == Action::Return)?;
        let key = training_key(&found.learner.account, id);
        let note = Note { comment, notify_by_sms: None };
        review::transition_with(
            self.store(),
            &key,
            &caller.actor(),
            action,
            note,
            self.now(),
            |t: &ExternalTraining| {
                caller.may(t, step)?;
                Ok(t.clone())
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn training(account: &str, unit: &str, status: ReviewStatus) -> ExternalTraining {
        let at: Timestamp = "2027-03-01T02:00:00Z".parse().unwrap();
        ExternalTraining {
            id: "01JABCDEFGHJKMNPQRSTVWXYZ0".into(),
            learner: ExternalLearner { account: account.into(), unit: unit.into(), ..Default::default() },
            form: ExternalTrainingForm {
                name: "科研诚信专题研修".into(),
                organiser: "中国科协".into(),
                starts: jiff::civil::date(2027, 2, 27),
                ends: jiff::civil::date(2027, 2, 28),
                hours: 12.0,
                online: false,
                required: true,
                certificate: FileRef {
                    name: "证书.pdf".into(),
                    size: 10,
                    content_type: "application/pdf".into(),
                    key: "cases/l-a/x/z.pdf".into(),
                },
            },
            status,
            comment: None,
            submitted_at: at,
            updated_at: at,
            history: vec![],
            version: 1,
        }
    }

    fn admin(account: &str, unit: &str) -> ExternalCaller {
        ExternalCaller { account: account.into(), role: "unit_admin".into(), administers: Some(unit.into()) }
    }

    #[test]
    fn only_the_units_administrator_decides_and_not_on_their_own() {
        let t = training("learner", "ioz", ReviewStatus::Submitted);
        assert_eq!(admin("boss", "ioz").allowed(&t), vec![Step::Approve, Step::Return]);
        assert!(matches!(admin("boss", "ibp").may(&t, Step::Approve), Err(WorkflowError::Denied(Denied::OtherUnit))));
        let own = training("boss", "ioz", ReviewStatus::Submitted);
        assert!(admin("boss", "ioz").allowed(&own).is_empty());
        let learner = ExternalCaller { account: "learner".into(), role: "filler".into(), administers: None };
        assert!(learner.allowed(&t).is_empty());
        assert!(learner.may_see(&t).is_ok());
        assert!(admin("boss", "ibp").may_see(&t).is_err());
    }

    #[test]
    fn an_approved_training_is_final() {
        let t = training("learner", "ioz", ReviewStatus::Approved);
        assert!(admin("boss", "ioz").allowed(&t).is_empty());
        assert!(matches!(admin("boss", "ioz").may(&t, Step::Return), Err(WorkflowError::InvalidTransition { .. })));
    }

    #[test]
    fn its_hours_count_on_its_last_day_in_beijing() {
        let row = training("learner", "ioz", ReviewStatus::Approved).as_row();
        assert_eq!(row.finished_at.map(|at| time::beijing(at).date()), Some(jiff::civil::date(2027, 2, 28)));
        assert_eq!((row.hours, row.online, row.required), (12.0, false, true));
        assert_eq!(row.source, SOURCE_EXTERNAL);
    }
}
