//! Learning records (学习记录): what a learner did with a course they registered for
//! and what it earned them (seed 000 附件4: 开始学习时间, 完成学习时间, 学习时长, 有效时长,
//! 状态 未学习 / 学习中 / 已完成; seed 003: 学时登记, online and offline hours).
//!
//! A record exists per learner and course. It starts at the learner's first lesson,
//! or when the organiser records attendance at an offline course; a learner whose
//! registration is approved and who has not begun yet has no record and is 未学习.
//!
//! ```text
//!   (approved registration) ──first lesson──► 学习中 ──every lesson finished──► 已完成
//!            │                                                   (学时 granted)
//!            └──organiser records attendance (offline)─────────► 已完成
//! ```
//!
//! Keys (single table, see `functions/README.md`):
//! - record `LEARNER#{account}` / `COURSE#{course}`; gsi1 `LEARNING#COURSE#{course}` /
//!   `{account}` — a learner's courses are one consistent query, a course's learners
//!   one index query (statistics, attendance).
//!
//! The account is the token's `sub`; a registrant who registered without signing in
//! (offline courses only) is `registration-{id}`.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::lifecycle::Clock;
use crate::store::{Index, Item, Key, SharedStore, StoreError, Write};
use crate::workflows::registration::{
    Course, CourseCatalog, Lesson, Registration, RegistrationError, RegistrationStatus, Registrations,
};

/// How often a change is re-read and retried when another request wrote the record
/// between the read and the write.
const MAX_ATTEMPTS: u32 = 20;

/// Time a progress report may claim beyond what the server's clock saw, for the
/// network between the page and the server (seconds).
const CLOCK_SLACK_SECS: u64 = 5;

/// The longest stretch one progress report may carry (the page reports every 30 s
/// and when it is hidden; a longer one is not a report of this page).
pub const MAX_REPORT_SECS: u64 = 3600;

/// 状态, as seed 000's export names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LearningStatus {
    /// 未学习
    NotStarted,
    /// 学习中
    InProgress,
    /// 已完成
    Completed,
}

impl LearningStatus {
    pub const ALL: [LearningStatus; 3] =
        [LearningStatus::NotStarted, LearningStatus::InProgress, LearningStatus::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            LearningStatus::NotStarted => "not_started",
            LearningStatus::InProgress => "in_progress",
            LearningStatus::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            LearningStatus::NotStarted => "未学习",
            LearningStatus::InProgress => "学习中",
            LearningStatus::Completed => "已完成",
        }
    }
}

/// How a record was completed: which kind of hours it earned (seed 003 counts online
/// and offline hours apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 课堂: the course's lessons, online.
    Online,
    /// 线下: attendance recorded by the organiser.
    Offline,
}

impl Source {
    /// 来源, as the export shows it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Source::Online => "课堂",
            Source::Offline => "线下",
        }
    }
}

/// One lesson's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    pub started_at: Timestamp,
    /// 学习时长: seconds the page was open.
    pub study_secs: u64,
    /// 有效时长: seconds the page was visible (Page Visibility API).
    pub effective_secs: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
}

/// Who the learner is, for the statistics (seed 000 附件4's 账号, 姓名, 部门) and the
/// scopes (unit, region): from the registration record, the claims filling in what
/// it lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learner {
    /// 账号: the token's `sub`.
    pub account: String,
    /// 姓名
    pub name: String,
    /// 部门: the organisation the registration names.
    pub department: String,
    /// The unit (slug) a unit administrator's scope matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The region a regional administrator's scope matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Learner {
    /// The learner of a registration: its account (or `registration-{id}` for one made
    /// without signing in), name, organisation, unit and region.
    pub fn of_registration(r: &Registration) -> Learner {
        Learner {
            account: r.account.clone().unwrap_or_else(|| format!("registration-{}", r.id)),
            name: r.name.clone(),
            department: r.organisation.clone(),
            unit: r.unit.clone(),
            region: Some(r.region.clone()).filter(|s| !s.is_empty()),
        }
    }
}

/// A learner's record of one course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearningRecord {
    pub course: String,
    #[serde(flatten)]
    pub learner: Learner,
    /// The approved registration this record belongs to.
    pub registration: String,
    pub status: LearningStatus,
    /// 开始学习时间
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// 完成学习时间
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<Timestamp>,
    /// 学习时长, seconds: the lessons' sum.
    pub study_secs: u64,
    /// 有效时长, seconds: the lessons' sum.
    pub effective_secs: u64,
    /// 学时 earned: the course's hours once completed, else 0.
    pub hours: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Progress by lesson slug.
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
    #[serde(skip)]
    pub version: u64,
}

impl LearningRecord {
    /// A learner who has not begun: what statistics show for an approved registration
    /// without a record (未学习).
    pub fn not_started(course: &str, registration: &Registration) -> LearningRecord {
        LearningRecord {
            course: course.to_owned(),
            learner: Learner::of_registration(registration),
            registration: registration.id.clone(),
            status: LearningStatus::NotStarted,
            started_at: None,
            finished_at: None,
            study_secs: 0,
            effective_secs: 0,
            hours: 0.0,
            source: None,
            lessons: BTreeMap::new(),
            version: 0,
        }
    }

    fn key(&self) -> Key {
        record_key(&self.learner.account, &self.course)
    }

    /// The stored item: at `LEARNER#{account}` / `COURSE#{course}`, indexed by course
    /// (what a bulk load, such as the statistics benchmark, writes).
    pub fn to_item(&self) -> Item {
        Item::new(self.key(), serde_json::to_value(self).unwrap_or_default()).with_index(
            Index::Gsi1,
            course_partition(&self.course),
            self.learner.account.clone(),
        )
    }

    fn from_item(item: Item) -> Result<Self, LearningError> {
        let mut r: LearningRecord = serde_json::from_value(item.data)
            .map_err(|e| LearningError::Store(StoreError::Corrupt { key: item.key.clone(), reason: e.to_string() }))?;
        r.version = item.version;
        Ok(r)
    }

    /// The course-level figures again from the lessons: times, sums, status, hours.
    fn total_up(&mut self, course: &Course) {
        self.started_at = self.lessons.values().map(|l| l.started_at).min().or(self.started_at);
        self.study_secs = self.lessons.values().map(|l| l.study_secs).sum();
        self.effective_secs = self.lessons.values().map(|l| l.effective_secs).sum();
        let lessons = &course.study.lessons;
        let all_finished = !lessons.is_empty()
            && lessons.iter().all(|l| self.lessons.get(&l.slug).is_some_and(|p| p.finished_at.is_some()));
        if all_finished && self.status != LearningStatus::Completed {
            self.status = LearningStatus::Completed;
            self.finished_at =
                lessons.iter().filter_map(|l| self.lessons.get(&l.slug).and_then(|p| p.finished_at)).max();
            self.hours = course.study.hours;
            self.source = Some(Source::Online);
        } else if self.status == LearningStatus::NotStarted && self.started_at.is_some() {
            self.status = LearningStatus::InProgress;
        }
    }
}

fn record_key(account: &str, course: &str) -> Key {
    Key::new(format!("LEARNER#{account}"), format!("COURSE#{course}"))
}

fn course_partition(course: &str) -> String {
    format!("LEARNING#COURSE#{course}")
}

#[derive(Debug, thiserror::Error)]
pub enum LearningError {
    #[error("no such course")]
    UnknownCourse,
    #[error("no such lesson")]
    UnknownLesson,
    /// The learner has no approved registration for the course.
    #[error("not registered for this course, or not approved yet")]
    NotEnrolled,
    /// A field of a progress report is out of bounds: (field, zh, en).
    #[error("{0}: {2}")]
    Invalid(&'static str, String, String),
    /// Attendance at a course without it (an online course).
    #[error("the course records no attendance")]
    NoAttendance,
    #[error("the store is busy")]
    Busy,
    /// A training from elsewhere could not be read (`external.rs`).
    #[error(transparent)]
    Review(#[from] crate::lifecycle::WorkflowError),
    #[error(transparent)]
    Registration(#[from] RegistrationError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The seconds a page reports since its last report: the page was open `study`
/// seconds, visible `effective` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Report {
    pub study_secs: u64,
    pub effective_secs: u64,
}

impl Report {
    /// Each figure within one report's bounds, visible time within open time.
    fn check(&self) -> Result<(), LearningError> {
        for (field, value) in [("study_secs", self.study_secs), ("effective_secs", self.effective_secs)] {
            if value > MAX_REPORT_SECS {
                return Err(LearningError::Invalid(
                    field,
                    format!("一次最多报告 {MAX_REPORT_SECS} 秒。"),
                    format!("One report carries at most {MAX_REPORT_SECS} seconds."),
                ));
            }
        }
        if self.effective_secs > self.study_secs {
            return Err(LearningError::Invalid(
                "effective_secs",
                "有效时长不能超过学习时长。".into(),
                "Effective time cannot exceed the time the page was open.".into(),
            ));
        }
        Ok(())
    }
}

/// The year's hour targets (seed 003, 一、2: 每年参加各类培训累计不少于 12 天或者 90 学时,
/// 网络培训不少于 50 学时), from configuration (`STUDY_TARGETS`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StudyTargets {
    /// 学时 a year, all kinds together.
    pub total_hours: f64,
    /// 学时 a year online (网络培训).
    pub online_hours: f64,
}

impl Default for StudyTargets {
    fn default() -> Self {
        StudyTargets { total_hours: 90.0, online_hours: 50.0 }
    }
}

/// The learning records over one store.
#[derive(Clone)]
pub struct Learning {
    store: SharedStore,
    /// The registrations records belong to (who may study a course, who is 未学习).
    registrations: Registrations,
    targets: StudyTargets,
    clock: Clock,
}

async fn back_off(attempt: u32) {
    let base = 2u64.saturating_pow(attempt.min(6)).min(50);
    tokio::time::sleep(Duration::from_millis(base + rand::random::<u64>() % (base + 1))).await;
}

impl Learning {
    pub fn new(store: SharedStore, registrations: Registrations, clock: Clock) -> Self {
        Learning { store, registrations, targets: StudyTargets::default(), clock }
    }

    /// The year's hour targets the growth record measures against.
    pub fn with_targets(mut self, targets: StudyTargets) -> Self {
        self.targets = targets;
        self
    }

    pub fn targets(&self) -> StudyTargets {
        self.targets
    }

    pub fn catalog(&self) -> &CourseCatalog {
        self.registrations.catalog()
    }

    pub fn registrations(&self) -> &Registrations {
        &self.registrations
    }

    pub(crate) fn store(&self) -> &SharedStore {
        &self.store
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    fn course(&self, slug: &str) -> Result<&Course, LearningError> {
        self.catalog().get(slug).ok_or(LearningError::UnknownCourse)
    }

    fn lesson<'c>(course: &'c Course, slug: &str) -> Result<&'c Lesson, LearningError> {
        course.study.lessons.iter().find(|l| l.slug == slug).ok_or(LearningError::UnknownLesson)
    }

    /// The record of `account` for `course`, if it has begun.
    pub async fn record(&self, account: &str, course: &str) -> Result<Option<LearningRecord>, LearningError> {
        match self.store.get(&record_key(account, course)).await? {
            Some(item) => Ok(Some(LearningRecord::from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Every record of `account`, by course.
    pub async fn records_of(&self, account: &str) -> Result<Vec<LearningRecord>, LearningError> {
        let items = self.store.query(&format!("LEARNER#{account}"), "COURSE#").await?;
        items.into_iter().map(LearningRecord::from_item).collect()
    }

    /// Every record of `course` (the index: may lag a write by a moment, as a
    /// DynamoDB GSI does — statistics and attendance lists, not decisions).
    pub async fn records_of_course(&self, course: &str) -> Result<Vec<LearningRecord>, LearningError> {
        let items = self.store.query_index(Index::Gsi1, &course_partition(course)).await?;
        items.into_iter().map(LearningRecord::from_item).collect()
    }

    /// The approved registration of `account` for `course`: what lets them study it.
    pub async fn enrolment(&self, account: &str, course: &str) -> Result<Registration, LearningError> {
        self.course(course)?;
        let registrations = self.registrations.of_account(account).await?;
        registrations
            .into_iter()
            .find(|r| r.course == course && r.status == RegistrationStatus::Approved)
            .ok_or(LearningError::NotEnrolled)
    }

    /// Records a lesson's progress for the learner of `registration` (approved, for
    /// `course`): starts the lesson and the course at the first report, adds the
    /// report's seconds, and with `finish` marks the lesson finished — the course
    /// completed, its hours granted, when it was the last. The lesson's time cannot
    /// exceed the time since it started.
    pub async fn progress(
        &self,
        registration: &Registration,
        account: &Learner,
        lesson: &str,
        report: Report,
        finish: bool,
    ) -> Result<LearningRecord, LearningError> {
        if registration.status != RegistrationStatus::Approved {
            return Err(LearningError::NotEnrolled);
        }
        let course = self.course(&registration.course)?;
        Self::lesson(course, lesson)?;
        report.check()?;
        for attempt in 0..MAX_ATTEMPTS {
            let now = self.now();
            let stored = self.record(&account.account, &course.slug).await?;
            let mut record = stored.clone().unwrap_or_else(|| LearningRecord {
                learner: account.clone(),
                ..LearningRecord::not_started(&course.slug, registration)
            });
            let progress = record.lessons.entry(lesson.to_owned()).or_insert(LessonProgress {
                started_at: now,
                study_secs: 0,
                effective_secs: 0,
                finished_at: None,
            });
            let since_start = now.duration_since(progress.started_at).as_secs().max(0) as u64;
            let study = progress.study_secs + report.study_secs;
            if study > since_start + CLOCK_SLACK_SECS {
                return Err(LearningError::Invalid(
                    "study_secs",
                    format!("学习时长（{study} 秒）超过了本节开始学习以来的时间（{since_start} 秒）。"),
                    format!("Study time ({study} s) exceeds the time since the lesson began ({since_start} s)."),
                ));
            }
            progress.study_secs = study;
            progress.effective_secs += report.effective_secs;
            if finish && progress.finished_at.is_none() {
                progress.finished_at = Some(now);
            }
            record.total_up(course);
            if stored.as_ref() == Some(&record) {
                return Ok(record);
            }
            let write = match &stored {
                Some(s) => Write::Replace { item: record.to_item(), expected_version: s.version },
                None => Write::Create(record.to_item()),
            };
            match self.store.transact(vec![write]).await {
                Ok(()) => {
                    record.version = stored.map_or(1, |s| s.version + 1);
                    return Ok(record);
                }
                Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => back_off(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(LearningError::Busy)
    }

    /// The organiser's attendance at an offline (or blended) course: each of
    /// `registrations` in `completed` is 已完成 with the course's hours (线下), each
    /// other one that was completed offline goes back to 未学习. Returns how many
    /// records changed.
    pub async fn record_attendance(
        &self,
        course: &str,
        registrations: &[Registration],
        completed: &[String],
    ) -> Result<usize, LearningError> {
        let course = self.course(course)?;
        if !course.study.mode.has_attendance() {
            return Err(LearningError::NoAttendance);
        }
        if let Some(unknown) = completed.iter().find(|id| !registrations.iter().any(|r| &r.id == *id)) {
            return Err(LearningError::Invalid(
                "completed",
                format!("“{unknown}”不是本课程已通过审核的报名。"),
                format!("“{unknown}” is not an approved registration of this course."),
            ));
        }
        let mut changed = 0;
        for registration in registrations.iter().filter(|r| r.status == RegistrationStatus::Approved) {
            let attended = completed.contains(&registration.id);
            if self.mark_attendance(course, registration, attended).await? {
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// One learner's attendance: whether the record changed.
    async fn mark_attendance(
        &self,
        course: &Course,
        registration: &Registration,
        attended: bool,
    ) -> Result<bool, LearningError> {
        let account = Learner::of_registration(registration).account;
        for attempt in 0..MAX_ATTEMPTS {
            let stored = self.record(&account, &course.slug).await?;
            let now = self.now();
            let write = match (&stored, attended) {
                (Some(r), true) if r.status == LearningStatus::Completed => return Ok(false),
                (None, false) => return Ok(false),
                (Some(r), false) if r.source != Some(Source::Offline) => return Ok(false),
                (Some(r), false) => {
                    // Completion recorded by mistake: back to what the lessons say.
                    let mut record = LearningRecord { lessons: r.lessons.clone(), ..r.clone() };
                    record.status = LearningStatus::NotStarted;
                    record.finished_at = None;
                    record.hours = 0.0;
                    record.source = None;
                    record.started_at = None;
                    record.total_up(course);
                    Write::Replace { item: record.to_item(), expected_version: r.version }
                }
                (stored, true) => {
                    let mut record =
                        stored.clone().unwrap_or_else(|| LearningRecord::not_started(&course.slug, registration));
                    record.status = LearningStatus::Completed;
                    record.started_at = record.started_at.or(Some(now));
                    record.finished_at = Some(now);
                    record.hours = course.study.hours;
                    record.source = Some(Source::Offline);
                    match stored {
                        Some(s) => Write::Replace { item: record.to_item(), expected_version: s.version },
                        None => Write::Create(record.to_item()),
                    }
                }
            };
            match self.store.transact(vec![write]).await {
                Ok(()) => return Ok(true),
                Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => back_off(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(LearningError::Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_cannot_claim_more_visible_than_open_time() {
        let bad = Report { study_secs: 10, effective_secs: 11 };
        assert!(matches!(bad.check(), Err(LearningError::Invalid("effective_secs", _, _))));
        let long = Report { study_secs: MAX_REPORT_SECS + 1, effective_secs: 0 };
        assert!(matches!(long.check(), Err(LearningError::Invalid("study_secs", _, _))));
        assert!(Report { study_secs: 30, effective_secs: 30 }.check().is_ok());
    }
}
