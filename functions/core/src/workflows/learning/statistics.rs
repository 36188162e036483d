//! The administrators' statistics of seed 000 附件4 (成员统计): every learner's record
//! of every course in the caller's scope, filtered by 开课主题, 姓名, 属性 (必修/选修),
//! 开始学习时间, 完成学习时间, 课程创建时间 (the course's date) and 状态; the year-end
//! hours per unit (seed 003, 学时登记制度); and a learner's growth record by year
//! (学员成长档案). Approved trainings from elsewhere (`external.rs`) count in the last
//! two, not in 附件4's table of the platform's courses.
//!
//! Reads go course by course: a course's approved registrations (one consistent
//! query of its partition) and its records (one index query), merged — an approved
//! registration without a record is 未学习. Scopes filter those rows: nothing is
//! scanned, and a filter on the course reads that course alone.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use super::domain::{Learning, LearningError, LearningRecord, LearningStatus, Source, StudyTargets};
use super::external::ExternalTraining;
use crate::lifecycle::ReviewStatus;
use crate::lifecycle::time;
use crate::workflows::registration::{Course, RegistrationStatus};

/// Whose records a caller sees (seed 000: a platform administrator sees their own
/// learners; the organiser its courses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsScope {
    /// National administrators, and organisers whose token names no unit.
    All,
    /// An organiser of `unit`: the courses whose `organiser` is that unit.
    Organiser(String),
    /// A regional administrator: learners who registered from that region.
    Region(String),
    /// A unit administrator: learners of that unit.
    Unit(String),
}

impl StatsScope {
    fn covers_course(&self, course: &Course) -> bool {
        match self {
            StatsScope::Organiser(unit) => course.study.organiser.as_deref() == Some(unit.as_str()),
            _ => true,
        }
    }

    /// An approved training from elsewhere: the learner's unit or region; an
    /// organiser's courses do not include it.
    fn covers_external(&self, training: &ExternalTraining) -> bool {
        match self {
            StatsScope::All => true,
            StatsScope::Organiser(_) => false,
            StatsScope::Region(region) => training.learner.region.as_deref() == Some(region.as_str()),
            StatsScope::Unit(unit) => training.learner.unit == *unit,
        }
    }

    fn covers(&self, record: &LearningRecord) -> bool {
        match self {
            StatsScope::All | StatsScope::Organiser(_) => true,
            StatsScope::Region(region) => record.learner.region.as_deref() == Some(region.as_str()),
            StatsScope::Unit(unit) => record.learner.unit.as_deref() == Some(unit.as_str()),
        }
    }
}

/// A range of days, both ends included, Beijing calendar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl DayRange {
    fn admits_day(&self, day: Date) -> bool {
        self.from.is_none_or(|from| day >= from) && self.to.is_none_or(|to| day <= to)
    }

    fn is_open(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// A moment's day in Beijing within the range; no moment passes a range that is set.
    fn admits(&self, at: Option<Timestamp>) -> bool {
        match at {
            Some(at) => self.admits_day(time::beijing(at).date()),
            None => self.is_open(),
        }
    }
}

/// The query of 附件4's 成员统计.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsFilter {
    /// 开课主题: a course's slug.
    pub course: Option<String>,
    /// 姓名: part of the learner's name.
    pub name: Option<String>,
    /// 属性: 必修 (true) or 选修.
    pub required: Option<bool>,
    /// 开始学习时间
    pub started: DayRange,
    /// 完成学习时间
    pub finished: DayRange,
    /// 课程创建时间: the course's first day.
    pub course_date: DayRange,
    /// 状态
    pub status: Option<LearningStatus>,
}

impl StatsFilter {
    fn admits_course(&self, course: &Course) -> bool {
        self.course.as_deref().is_none_or(|c| c == course.slug)
            && self.required.is_none_or(|r| r == course.study.required)
            && (self.course_date.is_open() || course.study.starts.is_some_and(|d| self.course_date.admits_day(d)))
    }

    fn admits(&self, record: &LearningRecord) -> bool {
        self.name.as_deref().is_none_or(|n| record.learner.name.contains(n.trim()))
            && self.status.is_none_or(|s| s == record.status)
            && self.started.admits(record.started_at)
            && self.finished.admits(record.finished_at)
    }
}

/// One row of the export, exactly the columns of seed 000's sample table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    pub course: String,
    /// 账号
    pub account: String,
    /// 姓名
    pub name: String,
    /// 别名 (the platform's nickname; empty until accounts carry one)
    pub alias: String,
    /// 部门
    pub department: String,
    /// 开课主题
    pub course_title: String,
    /// 来源
    pub source: String,
    /// 属性: 必修 / 选修
    pub attribute: &'static str,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// 学习时长, seconds
    pub study_secs: u64,
    /// 有效时长, seconds
    pub effective_secs: u64,
    pub status: LearningStatus,
    /// 学时 earned
    pub hours: f64,
    #[serde(skip)]
    pub unit: Option<String>,
    #[serde(skip)]
    pub online: bool,
    #[serde(skip)]
    pub required: bool,
}

/// The headers of seed 000's sample export, in its order.
pub const HEADERS: [&str; 12] = [
    "账号",
    "姓名",
    "别名",
    "部门",
    "开课主题",
    "来源",
    "属性",
    "开始学习时间",
    "完成学习时间",
    "学习时长",
    "有效时长",
    "状态",
];

/// `00:00:30`: a duration as the sample writes it (hours may pass 99).
pub fn hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

impl StatsRow {
    fn of(record: LearningRecord, course: &Course) -> StatsRow {
        let source = record.source.map_or("课堂管理后台", |s| match s {
            Source::Online => "课堂管理后台",
            Source::Offline => "线下培训",
        });
        StatsRow {
            course: course.slug.clone(),
            account: if record.learner.account.starts_with("registration-") {
                String::new()
            } else {
                record.learner.account.clone()
            },
            name: record.learner.name,
            alias: String::new(),
            department: record.learner.department,
            course_title: course.title.clone(),
            source: source.to_owned(),
            attribute: if course.study.required { "必修" } else { "选修" },
            started_at: record.started_at,
            finished_at: record.finished_at,
            study_secs: record.study_secs,
            effective_secs: record.effective_secs,
            status: record.status,
            hours: record.hours,
            unit: record.learner.unit,
            online: record.source != Some(Source::Offline),
            required: course.study.required,
        }
    }

    /// The row's cells under [`HEADERS`]: Beijing times, durations `hh:mm:ss`.
    pub fn cells(&self) -> [String; 12] {
        [
            self.account.clone(),
            self.name.clone(),
            self.alias.clone(),
            self.department.clone(),
            self.course_title.clone(),
            self.source.clone(),
            self.attribute.to_owned(),
            self.started_at.map(time::exported).unwrap_or_default(),
            self.finished_at.map(time::exported).unwrap_or_default(),
            hms(self.study_secs),
            hms(self.effective_secs),
            self.status.label_zh().to_owned(),
        ]
    }
}

/// One unit's year (seed 003: 每年年底统一汇总报组织人事部门备案).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitYear {
    /// The unit's slug, or the department's name for learners without one.
    pub unit: String,
    /// Learners with hours this year.
    pub learners: usize,
    /// Courses completed.
    pub completed: usize,
    pub online_hours: f64,
    pub offline_hours: f64,
    pub required_hours: f64,
    pub elective_hours: f64,
    pub total_hours: f64,
    /// Learners who reached the year's total target.
    pub learners_on_target: usize,
}

/// The headers of the year-end summary export.
pub const SUMMARY_HEADERS: [&str; 9] = [
    "单位",
    "有学时学员数",
    "完成课程数",
    "线上学时",
    "线下学时",
    "必修学时",
    "选修学时",
    "合计学时",
    "达到年度学时要求人数",
];

impl UnitYear {
    pub fn cells(&self) -> [String; 9] {
        [
            self.unit.clone(),
            self.learners.to_string(),
            self.completed.to_string(),
            hours_text(self.online_hours),
            hours_text(self.offline_hours),
            hours_text(self.required_hours),
            hours_text(self.elective_hours),
            hours_text(self.total_hours),
            self.learners_on_target.to_string(),
        ]
    }
}

/// `12`, `0.5`: hours as people write them.
pub fn hours_text(hours: f64) -> String {
    let text = format!("{hours:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A learner's year (学员成长档案): hours by kind against the targets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Growth {
    pub year: i16,
    pub online_hours: f64,
    pub offline_hours: f64,
    pub required_hours: f64,
    pub elective_hours: f64,
    pub total_hours: f64,
    pub targets: StudyTargets,
    pub total_met: bool,
    pub online_met: bool,
    /// The courses completed that year, and the approved trainings from elsewhere
    /// that ended in it (来源 外部培训), by finishing time.
    pub courses: Vec<StatsRow>,
}

/// Hours of completed rows, summed by kind: (online, offline, required, elective).
fn sums<'r>(rows: impl Iterator<Item = &'r StatsRow>) -> (f64, f64, f64, f64) {
    rows.fold((0.0, 0.0, 0.0, 0.0), |(on, off, req, ele), r| {
        let (on, off) = if r.online { (on + r.hours, off) } else { (on, off + r.hours) };
        let (req, ele) = if r.required { (req + r.hours, ele) } else { (req, ele + r.hours) };
        (on, off, req, ele)
    })
}

fn completed_in(row: &StatsRow, year: i16) -> bool {
    row.status == LearningStatus::Completed && row.finished_at.is_some_and(|at| time::beijing(at).year() == year)
}

impl Learning {
    /// Every row of `scope` the filter admits: started ones newest first, then those
    /// not started, by course and name.
    pub async fn statistics(&self, scope: &StatsScope, filter: &StatsFilter) -> Result<Vec<StatsRow>, LearningError> {
        let mut rows = Vec::new();
        let courses: Vec<&Course> =
            self.catalog().iter().filter(|c| scope.covers_course(c) && filter.admits_course(c)).collect();
        for course in courses {
            for record in self.course_rows(course).await? {
                if scope.covers(&record) && filter.admits(&record) {
                    rows.push(StatsRow::of(record, course));
                }
            }
        }
        rows.sort_by(|a, b| {
            b.started_at
                .cmp(&a.started_at)
                .then_with(|| a.course_title.cmp(&b.course_title))
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(rows)
    }

    /// A course's records, and 未学习 for each approved registration without one.
    async fn course_rows(&self, course: &Course) -> Result<Vec<LearningRecord>, LearningError> {
        let mut records = self.records_of_course(&course.slug).await?;
        let registrations = self.registrations().course_registrations(&course.slug).await?;
        let started: std::collections::HashSet<String> = records.iter().map(|r| r.registration.clone()).collect();
        let not_started = registrations
            .iter()
            .filter(|r| r.status == RegistrationStatus::Approved && !started.contains(&r.id))
            .map(|r| LearningRecord::not_started(&course.slug, r));
        records.extend(not_started);
        Ok(records)
    }

    /// The year's hours by unit in `scope` (seed 003: summed up at the end of each
    /// year for the personnel department).
    pub async fn year_summary(&self, scope: &StatsScope, year: i16) -> Result<Vec<UnitYear>, LearningError> {
        let filter = StatsFilter { status: Some(LearningStatus::Completed), ..StatsFilter::default() };
        let mut rows: Vec<StatsRow> =
            self.statistics(scope, &filter).await?.into_iter().filter(|r| completed_in(r, year)).collect();
        rows.extend(
            self.approved_externals_in(year).await?.iter().filter(|t| scope.covers_external(t)).map(|t| t.as_row()),
        );
        let mut by_unit: std::collections::BTreeMap<String, Vec<&StatsRow>> = Default::default();
        for row in &rows {
            by_unit.entry(row.unit.clone().unwrap_or_else(|| row.department.clone())).or_default().push(row);
        }
        let target = self.targets().total_hours;
        Ok(by_unit
            .into_iter()
            .map(|(unit, rows)| {
                let (online, offline, required, elective) = sums(rows.iter().copied());
                let mut per_learner: std::collections::HashMap<&str, f64> = Default::default();
                for r in &rows {
                    *per_learner.entry(r.account.as_str()).or_default() += r.hours;
                }
                UnitYear {
                    unit,
                    learners: per_learner.len(),
                    completed: rows.len(),
                    online_hours: online,
                    offline_hours: offline,
                    required_hours: required,
                    elective_hours: elective,
                    total_hours: online + offline,
                    learners_on_target: per_learner.values().filter(|h| **h >= target).count(),
                }
            })
            .collect())
    }

    /// The growth record of `account` for `year`: the courses completed that year
    /// (Beijing calendar) and their hours by kind, against the targets.
    pub async fn growth(&self, account: &str, year: i16) -> Result<Growth, LearningError> {
        let mut courses: Vec<StatsRow> = self
            .records_of(account)
            .await?
            .into_iter()
            .filter_map(|record| {
                let course = self.catalog().get(&record.course)?;
                Some(StatsRow::of(record, course))
            })
            .filter(|row| completed_in(row, year))
            .collect();
        let approved = self.externals_of(account).await?.into_iter().filter(|t| t.status == ReviewStatus::Approved);
        courses.extend(approved.map(|t| t.as_row()).filter(|row| completed_in(row, year)));
        courses.sort_by_key(|r| r.finished_at);
        let (online, offline, required, elective) = sums(courses.iter());
        let targets = self.targets();
        let total = online + offline;
        Ok(Growth {
            year,
            online_hours: online,
            offline_hours: offline,
            required_hours: required,
            elective_hours: elective,
            total_hours: total,
            targets,
            total_met: total >= targets.total_hours,
            online_met: online >= targets.online_hours,
            courses,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_the_sample_writes_them() {
        assert_eq!(hms(30), "00:00:30");
        assert_eq!(hms(59), "00:00:59");
        assert_eq!(hms(3 * 3600 + 2 * 60 + 1), "03:02:01");
        assert_eq!(hms(100 * 3600), "100:00:00");
    }

    #[test]
    fn hours_read_without_trailing_zeros() {
        assert_eq!(hours_text(12.0), "12");
        assert_eq!(hours_text(0.5), "0.5");
        assert_eq!(hours_text(90.25), "90.25");
    }

    #[test]
    fn a_set_range_admits_no_record_without_the_time() {
        let range = DayRange { from: Some(jiff::civil::date(2021, 8, 5)), to: None };
        assert!(!range.admits(None));
        assert!(DayRange::default().admits(None));
        // 2021-08-04 23:30 UTC is 08-05 07:30 in Beijing.
        assert!(range.admits(Some("2021-08-04T23:30:00Z".parse().unwrap())));
        assert!(!range.admits(Some("2021-08-04T15:59:59Z".parse().unwrap())));
    }
}
