//! Learning-record endpoints: a learner's courses, lesson progress and growth record;
//! the organiser's attendance; the administrators' statistics and their exports.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::domain::{Learner, LearningError, LearningRecord, LearningStatus, Report};
use super::statistics::{self, DayRange, Growth, StatsFilter, StatsRow, StatsScope};
use crate::http::auth::{Caller, Role};
use crate::http::error::ApiError;
use crate::http::export;
use crate::http::extract::{JsonBody, Lang, OptionalJsonBody, Path, Query};
use crate::http::{ApiRoute, AppState};
use crate::lifecycle::time;
use crate::workflows::registration::{Course, Registration, RegistrationStatus};

/// Rows of the statistics on one screen.
pub const PAGE_SIZE: usize = 50;

/// The learning errors in the house shape, in the caller's language.
pub fn learning_error(e: LearningError, lang: Lang) -> ApiError {
    match e {
        LearningError::UnknownCourse | LearningError::UnknownLesson => ApiError::not_found(lang),
        LearningError::NotEnrolled => ApiError::forbidden(
            lang,
            "您没有这门课程已通过审核的报名：请先报名，审核通过后即可学习。",
            "You have no approved registration for this course: register first, and study once it is approved.",
        ),
        LearningError::Invalid(field, zh, en) => {
            ApiError::invalid(lang, BTreeMap::new()).field(field, lang.pick(&zh, &en))
        }
        LearningError::NoAttendance => ApiError::new(
            StatusCode::CONFLICT,
            lang.pick(
                "这是线上课程，学时在学完全部章节时授予，不登记考勤。",
                "An online course grants its hours when every lesson is finished; it takes no attendance.",
            ),
        ),
        LearningError::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            lang.pick("系统繁忙，请稍后重试。", "The service is busy; please retry in a moment."),
        ),
        LearningError::Review(e) => crate::http::error::workflow_error(e, lang),
        LearningError::Registration(e) => ApiError::registration(e, lang),
        LearningError::Store(e) => ApiError::store(e, lang),
    }
}

impl Caller {
    /// Whose learning records this caller sees in the statistics: national
    /// administrators all; an organiser the courses its unit organises (all when its
    /// token names no unit, as for registrations); a regional administrator the
    /// learners of its region; a unit administrator those of its unit.
    pub fn stats_scope(&self, lang: Lang) -> Result<StatsScope, ApiError> {
        let claim = |c: &Option<String>| c.clone().filter(|s| !s.is_empty());
        match self.0.role {
            Role::NationalAdmin => Ok(StatsScope::All),
            Role::Organiser => Ok(claim(&self.0.unit).map_or(StatsScope::All, StatsScope::Organiser)),
            Role::RegionalAdmin => claim(&self.0.region).map(StatsScope::Region).ok_or_else(|| {
                ApiError::forbidden(
                    lang,
                    "地方管理员的令牌须注明所辖地区。",
                    "A regional administrator's token must name a region.",
                )
            }),
            Role::UnitAdmin => claim(&self.0.unit).map(StatsScope::Unit).ok_or_else(|| {
                ApiError::forbidden(
                    lang,
                    "单位管理员的令牌须注明所在单位。",
                    "A unit administrator's token must name a unit.",
                )
            }),
            _ => Err(ApiError::forbidden(
                lang,
                "您的角色无权查看学习情况统计。",
                "Your role may not see the learning statistics.",
            )),
        }
    }

    /// Whether this caller records attendance at `course`: its organiser (or any
    /// organiser whose token names no unit) and national administrators.
    pub fn may_record_attendance(&self, course: &Course, lang: Lang) -> Result<(), ApiError> {
        let organises = match self.stats_scope(lang) {
            Ok(StatsScope::All) => true,
            Ok(StatsScope::Organiser(unit)) => course.study.organiser.as_deref() == Some(unit.as_str()),
            _ => false,
        };
        if organises {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                lang,
                "只有本课程的组织者可以登记考勤和结业。",
                "Only the course's organiser records attendance and completion.",
            ))
        }
    }

    /// The caller as the learner of `registration`: the account from the token, name
    /// and department from the registration, unit and region from the claims where
    /// they name them (else from the registration).
    pub fn learner(&self, registration: &Registration) -> Learner {
        let mut learner = Learner::of_registration(registration);
        learner.account = self.0.sub.clone();
        learner.unit = self.0.unit.clone().filter(|u| !u.is_empty()).or(learner.unit);
        learner
    }
}

/// One course of 我的课程.
#[derive(Debug, Clone, Serialize)]
pub struct MyCourse {
    pub course: String,
    pub title: String,
    /// 必修 / 选修
    pub attribute: &'static str,
    pub hours_offered: f64,
    pub online: bool,
    /// The registration's status while it is not approved (待审核 …).
    pub registration_status: RegistrationStatus,
    pub registration_label: &'static str,
    pub status: LearningStatus,
    pub status_label: &'static str,
    pub started_at: Option<jiff::Timestamp>,
    pub finished_at: Option<jiff::Timestamp>,
    pub study: String,
    pub effective: String,
    pub hours: f64,
    /// `hours_offered` and `hours` as people write them (`2`, `0.5`).
    pub hours_offered_text: String,
    pub hours_text: String,
    pub lessons: Vec<LessonView>,
}

/// A lesson of a course as its learner sees it.
#[derive(Debug, Clone, Serialize)]
pub struct LessonView {
    pub slug: String,
    pub title: String,
    pub duration: String,
    pub started: bool,
    pub finished: bool,
    pub effective: String,
    /// The lesson's page on the site.
    pub url: String,
}

fn my_course(course: &Course, registration: &Registration, record: Option<&LearningRecord>) -> MyCourse {
    let fallback = LearningRecord::not_started(&course.slug, registration);
    let record = record.unwrap_or(&fallback);
    let lessons = course
        .study
        .lessons
        .iter()
        .map(|l| {
            let progress = record.lessons.get(&l.slug);
            LessonView {
                slug: l.slug.clone(),
                title: l.title.clone(),
                duration: statistics::hms(u64::from(l.duration_secs)),
                started: progress.is_some(),
                finished: progress.is_some_and(|p| p.finished_at.is_some()),
                effective: statistics::hms(progress.map_or(0, |p| p.effective_secs)),
                url: format!("/courses/{}/{}/", course.slug, l.slug),
            }
        })
        .collect();
    MyCourse {
        course: course.slug.clone(),
        title: course.title.clone(),
        attribute: if course.study.required { "必修" } else { "选修" },
        hours_offered: course.study.hours,
        online: !course.study.lessons.is_empty(),
        registration_status: registration.status,
        registration_label: registration.status.label_zh(),
        status: record.status,
        status_label: record.status.label_zh(),
        started_at: record.started_at,
        finished_at: record.finished_at,
        study: statistics::hms(record.study_secs),
        effective: statistics::hms(record.effective_secs),
        hours: record.hours,
        hours_offered_text: statistics::hours_text(course.study.hours),
        hours_text: statistics::hours_text(record.hours),
        lessons,
    }
}

/// 我的课程 of `caller`: each course they registered for while signed in (the latest
/// registration of each, withdrawn and rejected ones left out), with its record.
pub(crate) async fn my_courses(state: &AppState, caller: &Caller, lang: Lang) -> Result<Vec<MyCourse>, ApiError> {
    let learning = &state.learning;
    let fail = |e| learning_error(e, lang);
    let account = &caller.0.sub;
    let registrations = learning.registrations().of_account(account).await.map_err(|e| fail(e.into()))?;
    let records = learning.records_of(account).await.map_err(fail)?;
    let mut latest: BTreeMap<&str, &Registration> = BTreeMap::new();
    for r in registrations
        .iter()
        .filter(|r| !matches!(r.status, RegistrationStatus::Withdrawn | RegistrationStatus::Rejected))
    {
        latest.insert(r.course.as_str(), r);
    }
    let mut courses: Vec<MyCourse> = latest
        .into_values()
        .filter_map(|r| {
            let course = learning.catalog().get(&r.course)?;
            Some(my_course(course, r, records.iter().find(|rec| rec.course == r.course)))
        })
        .collect();
    courses.sort_by(|a, b| b.started_at.cmp(&a.started_at).then_with(|| a.title.cmp(&b.title)));
    Ok(courses)
}

/// `GET /learning/courses` — 我的课程 of the caller.
pub async fn list_my_courses(State(state): State<AppState>, caller: Caller, lang: Lang) -> Result<Response, ApiError> {
    let courses = my_courses(&state, &caller, lang).await?;
    Ok(Json(json!({ "count": courses.len(), "courses": courses })).into_response())
}

/// `{course}` and `{lesson}` of a lesson's address.
#[derive(Debug, Deserialize)]
pub struct LessonPath {
    pub course: String,
    pub lesson: String,
}

/// A number of seconds in a body: a JSON number, or digits as a form posts them;
/// absent is 0.
fn seconds(body: &Value, field: &'static str, lang: Lang) -> Result<u64, ApiError> {
    let value = match &body[field] {
        Value::Null => return Ok(0),
        Value::Number(n) => n.as_u64(),
        Value::String(s) if s.trim().is_empty() => Some(0),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    value.ok_or_else(|| {
        ApiError::invalid(lang, BTreeMap::new())
            .field(field, lang.pick("应为不小于 0 的整数秒数。", "must be a whole number of seconds, 0 or more."))
    })
}

/// The caller as the learner of `registration` ([`Caller::learner`]), with the 姓名
/// and 部门 of the caller's account where it has them: the account's name, and the
/// name of its unit in the directory. A registration's typed name and organisation
/// are kept only for what the account lacks (a learner registered without one).
async fn learner_of(state: &AppState, caller: &Caller, registration: &Registration) -> Learner {
    let mut learner = caller.learner(registration);
    let Ok(Some(account)) = state.accounts.get(&caller.0.sub).await else { return learner };
    if !account.name.trim().is_empty() {
        learner.name = account.name.clone();
    }
    let unit = account.grants.iter().find_map(|g| g.unit.clone());
    if let Some(unit) = unit
        && let Ok(Some(unit)) = state.directory.unit(&unit).await
    {
        learner.department = unit.name;
        learner.unit = Some(unit.code);
    }
    learner
}

/// The lesson's progress as the caller reports it; `finish` marks it finished.
async fn report_lesson(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    at: &LessonPath,
    body: &Value,
    finish: bool,
) -> Result<Response, ApiError> {
    let report = Report {
        study_secs: seconds(body, "study_secs", lang)?,
        effective_secs: seconds(body, "effective_secs", lang)?,
    };
    let learning = &state.learning;
    let registration = learning.enrolment(&caller.0.sub, &at.course).await.map_err(|e| learning_error(e, lang))?;
    let learner = learner_of(state, caller, &registration).await;
    let record = learning
        .progress(&registration, &learner, &at.lesson, report, finish)
        .await
        .map_err(|e| learning_error(e, lang))?;
    let course = learning.catalog().get(&at.course).ok_or_else(|| ApiError::not_found(lang))?;
    Ok(Json(my_course(course, &registration, Some(&record))).into_response())
}

/// `POST /learning/courses/{course}/lessons/{lesson}/progress` — `{study_secs,
/// effective_secs}` since the last report (the first report starts the lesson).
pub async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(at): Path<LessonPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    report_lesson(&state, &caller, lang, &at, &body, false).await
}

/// `POST /learning/courses/{course}/lessons/{lesson}/finish` — 学完本节, with the
/// seconds since the last report, if any.
pub async fn finish(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(at): Path<LessonPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    report_lesson(&state, &caller, lang, &at, &body, true).await
}

/// `{year}` of a growth record's address.
#[derive(Debug, Deserialize)]
pub struct YearPath {
    pub year: String,
}

/// A calendar year from a path or a query: 2000–2100.
pub fn year_of(text: &str, lang: Lang) -> Result<i16, ApiError> {
    text.trim().parse::<i16>().ok().filter(|y| (2000..=2100).contains(y)).ok_or_else(|| {
        ApiError::invalid(lang, BTreeMap::new()).field(
            "year",
            lang.pick("年份应为 2000 至 2100 之间的四位数字。", "The year must be four digits, 2000 to 2100."),
        )
    })
}

/// The growth record of the caller for `year`.
pub(crate) async fn growth_of(state: &AppState, caller: &Caller, lang: Lang, year: i16) -> Result<Growth, ApiError> {
    state.learning.growth(&caller.0.sub, year).await.map_err(|e| learning_error(e, lang))
}

/// `GET /learning/growth/{year}` — 学员成长档案 of the caller for a year.
pub async fn growth(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(YearPath { year }): Path<YearPath>,
) -> Result<Response, ApiError> {
    let year = year_of(&year, lang)?;
    Ok(Json(growth_of(&state, &caller, lang, year).await?).into_response())
}

/// The query of the statistics (seed 000 附件4's conditions), every value text.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct StatsQuery {
    pub course: Option<String>,
    pub name: Option<String>,
    /// `required` (必修) or `elective` (选修).
    pub attribute: Option<String>,
    pub started_from: Option<String>,
    pub started_to: Option<String>,
    pub finished_from: Option<String>,
    pub finished_to: Option<String>,
    pub course_from: Option<String>,
    pub course_to: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl StatsQuery {
    /// The filter this query asks for; every malformed condition is an error on its field.
    pub fn filter(&self, lang: Lang) -> Result<StatsFilter, ApiError> {
        let mut errors = BTreeMap::new();
        let mut day = |field: &str, value: &Option<String>| -> Option<jiff::civil::Date> {
            let text = given(value)?;
            match text.parse::<jiff::civil::Date>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.insert(
                        field.to_owned(),
                        lang.pick("日期应写作 2026-11-29 的形式。", "Write the date as 2026-11-29.").to_owned(),
                    );
                    None
                }
            }
        };
        let started =
            DayRange { from: day("started_from", &self.started_from), to: day("started_to", &self.started_to) };
        let finished =
            DayRange { from: day("finished_from", &self.finished_from), to: day("finished_to", &self.finished_to) };
        let course_date =
            DayRange { from: day("course_from", &self.course_from), to: day("course_to", &self.course_to) };
        let required = match given(&self.attribute) {
            None => None,
            Some("required") => Some(true),
            Some("elective") => Some(false),
            Some(_) => {
                errors.insert(
                    "attribute".into(),
                    lang.pick(
                        "属性应为 required（必修）或 elective（选修）。",
                        "Attribute must be required or elective.",
                    )
                    .into(),
                );
                None
            }
        };
        let status = match given(&self.status) {
            None => None,
            Some(s) => LearningStatus::parse(s).or_else(|| {
                errors.insert(
                    "status".into(),
                    lang.pick(
                        "状态应为 completed（已完成）、in_progress（学习中）或 not_started（未学习）。",
                        "Status must be completed, in_progress or not_started.",
                    )
                    .into(),
                );
                None
            }),
        };
        for (field, range) in [("started_to", started), ("finished_to", finished), ("course_to", course_date)] {
            if let (Some(from), Some(to)) = (range.from, range.to) {
                if to < from {
                    errors.insert(
                        field.into(),
                        lang.pick("结束日期不能早于开始日期。", "The end date cannot be before the start.").into(),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::invalid(lang, errors));
        }
        Ok(StatsFilter {
            course: given(&self.course).map(str::to_owned),
            name: given(&self.name).map(str::to_owned),
            required,
            started,
            finished,
            course_date,
            status,
        })
    }

    /// The page asked for, from 1.
    pub fn page(&self, lang: Lang) -> Result<usize, ApiError> {
        match given(&self.page) {
            None => Ok(1),
            Some(p) => p.parse::<usize>().ok().filter(|p| *p >= 1).ok_or_else(|| {
                ApiError::invalid(lang, BTreeMap::new())
                    .field("page", lang.pick("页码应为从 1 开始的整数。", "The page is a whole number from 1."))
            }),
        }
    }
}

/// The rows of the caller's scope the query admits.
pub(crate) async fn stats_rows(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    q: &StatsQuery,
) -> Result<Vec<StatsRow>, ApiError> {
    let scope = caller.stats_scope(lang)?;
    let filter = q.filter(lang)?;
    state.learning.statistics(&scope, &filter).await.map_err(|e| learning_error(e, lang))
}

/// `GET /learning/statistics?…&page=` — one page of the rows, with the total.
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<StatsQuery>,
) -> Result<Response, ApiError> {
    let page = q.page(lang)?;
    let rows = stats_rows(&state, &caller, lang, &q).await?;
    let total = rows.len();
    let shown: Vec<Value> = rows
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["cells"] = json!(r.cells());
            v
        })
        .collect();
    Ok(Json(
        json!({ "total": total, "page": page, "page_size": PAGE_SIZE, "headers": statistics::HEADERS, "rows": shown }),
    )
    .into_response())
}

fn workbook(sheet: &str, headers: &[&str], rows: &[Vec<String>], lang: Lang) -> Result<Vec<u8>, ApiError> {
    export::table_xlsx(sheet, &[], headers, rows, &[]).map_err(|e| {
        tracing::error!(error = %e, "xlsx export failed");
        ApiError::internal(lang)
    })
}

/// `GET /learning/statistics.xlsx?…` — every row the query admits, with exactly the
/// columns of seed 000's sample table.
pub async fn stats_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<StatsQuery>,
) -> Result<Response, ApiError> {
    let rows: Vec<Vec<String>> =
        stats_rows(&state, &caller, lang, &q).await?.iter().map(|r| r.cells().to_vec()).collect();
    let bytes = workbook("成员统计", &statistics::HEADERS, &rows, lang)?;
    Ok(export::download(bytes, export::XLSX, "learning-statistics.xlsx"))
}

/// `?year=` of the year-end summary.
#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
}

/// The year a summary is asked for: the query's, or this year in Beijing.
pub fn asked_year(q: &YearQuery, lang: Lang) -> Result<i16, ApiError> {
    match given(&q.year) {
        Some(y) => year_of(y, lang),
        None => Ok(time::today().year()),
    }
}

/// `GET /learning/year-summary.xlsx?year=` — the year's hours per unit of the
/// caller's scope (seed 003: for the personnel department).
pub async fn year_summary_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<YearQuery>,
) -> Result<Response, ApiError> {
    let scope = caller.stats_scope(lang)?;
    let year = asked_year(&q, lang)?;
    let units = state.learning.year_summary(&scope, year).await.map_err(|e| learning_error(e, lang))?;
    let rows: Vec<Vec<String>> = units.iter().map(|u| u.cells().to_vec()).collect();
    let bytes = workbook(&format!("{year}年度学时汇总"), &statistics::SUMMARY_HEADERS, &rows, lang)?;
    Ok(export::download(bytes, export::XLSX, &format!("learning-hours-{year}.xlsx")))
}

/// `{course}` of an attendance address.
#[derive(Debug, Deserialize)]
pub struct CoursePath {
    pub course: String,
}

/// One registered learner on the attendance list.
#[derive(Debug, Clone, Serialize)]
pub struct AttendanceRow {
    pub registration: String,
    pub name: String,
    pub department: String,
    pub completed: bool,
    pub status_label: &'static str,
}

/// The course and its approved registrations with whether each has completed, for
/// a caller who records its attendance.
pub(crate) async fn attendance_of(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    course: &str,
) -> Result<(Course, Vec<Registration>, Vec<AttendanceRow>), ApiError> {
    let learning = &state.learning;
    let course = learning.catalog().get(course).cloned().ok_or_else(|| ApiError::not_found(lang))?;
    caller.may_record_attendance(&course, lang)?;
    let fail = |e| learning_error(e, lang);
    let registrations: Vec<Registration> = learning
        .registrations()
        .course_registrations(&course.slug)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .filter(|r| r.status == RegistrationStatus::Approved)
        .collect();
    let records = learning.records_of_course(&course.slug).await.map_err(fail)?;
    let rows = registrations
        .iter()
        .map(|r| {
            let status = records
                .iter()
                .find(|rec| rec.registration == r.id)
                .map_or(LearningStatus::NotStarted, |rec| rec.status);
            AttendanceRow {
                registration: r.id.clone(),
                name: r.name.clone(),
                department: r.organisation.clone(),
                completed: status == LearningStatus::Completed,
                status_label: status.label_zh(),
            }
        })
        .collect();
    Ok((course, registrations, rows))
}

/// `GET /learning/courses/{course}/attendance` — the organiser's list.
pub async fn attendance(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(CoursePath { course }): Path<CoursePath>,
) -> Result<Response, ApiError> {
    let (course, _, rows) = attendance_of(&state, &caller, lang, &course).await?;
    Ok(Json(json!({ "course": course.slug, "title": course.title, "hours": course.study.hours, "learners": rows }))
        .into_response())
}

/// `POST /learning/courses/{course}/attendance` — `{"completed": [registration id, …]}`:
/// exactly these learners have completed the course (线下, its hours granted); one
/// completed offline before and not listed now goes back to 未学习.
pub async fn record_attendance(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(CoursePath { course }): Path<CoursePath>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let (course, registrations, _) = attendance_of(&state, &caller, lang, &course).await?;
    let completed: Vec<String> = match &body["completed"] {
        Value::Array(ids) if ids.iter().all(Value::is_string) => {
            ids.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
        }
        Value::Null => Vec::new(),
        _ => {
            return Err(ApiError::invalid(lang, BTreeMap::new()).field(
                "completed",
                lang.pick(
                    "应为已结业学员的报名编号列表。",
                    "must be a list of the registration ids of those who completed.",
                ),
            ));
        }
    };
    let changed = state
        .learning
        .record_attendance(&course.slug, &registrations, &completed)
        .await
        .map_err(|e| learning_error(e, lang))?;
    tracing::info!(course = %course.slug, completed = completed.len(), changed, "attendance recorded");
    Ok(Json(json!({ "course": course.slug, "completed": completed.len(), "changed": changed })).into_response())
}

/// The learning-record endpoints.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::GET, "/learning/courses", get(list_my_courses)),
        ApiRoute::token(Method::POST, "/learning/courses/{course}/lessons/{lesson}/progress", post(progress)),
        ApiRoute::token(Method::POST, "/learning/courses/{course}/lessons/{lesson}/finish", post(finish)),
        ApiRoute::token(Method::GET, "/learning/courses/{course}/attendance", get(attendance)),
        ApiRoute::token(Method::POST, "/learning/courses/{course}/attendance", post(record_attendance)),
        ApiRoute::token(Method::GET, "/learning/growth/{year}", get(growth)),
        ApiRoute::token(Method::GET, "/learning/statistics", get(stats)),
        ApiRoute::token(Method::GET, "/learning/statistics.xlsx", get(stats_xlsx)),
        ApiRoute::token(Method::GET, "/learning/year-summary.xlsx", get(year_summary_xlsx)),
    ]
}
