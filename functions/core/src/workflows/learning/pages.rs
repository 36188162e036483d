//! The learning pages: 我的课程 (and its module on the desk), a course's lessons with
//! 学完本节, the growth record (学员成长档案, printable), the organiser's attendance,
//! and the administrators' statistics (seed 000 附件4) with their exports.

use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::api::{self, CoursePath, LessonPath, StatsQuery, YearQuery};
use super::statistics::{self, hours_text};
use crate::http::extract::{JsonBody, OptionalJsonBody, Path as ApiPath};
use crate::web::desk::{Queue, QueueRow, Task};
use crate::web::form_route::{FormRoute, form_action};
use crate::web::pages::{self, refused};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url, query_value};

/// The lesson reports (the page's script), 学完本节, and the attendance list.
pub fn form_routes() -> Vec<FormRoute> {
    let course_page = "/my-courses/{course}";
    vec![
        FormRoute::new(
            "/act/learning/courses/{course}/lessons/{lesson}/progress",
            form_action!(c => api::progress(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path::<LessonPath>()?), OptionalJsonBody(c.body)).await),
            course_page,
        ),
        FormRoute::new(
            "/act/learning/courses/{course}/lessons/{lesson}/finish",
            form_action!(c => api::finish(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path::<LessonPath>()?), OptionalJsonBody(c.body)).await),
            course_page,
        ),
        FormRoute::new(
            "/act/learning/courses/{course}/attendance",
            form_action!(c => {
                let body = attendance_body(&c.body);
                api::record_attendance(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path::<CoursePath>()?), JsonBody(body)).await
            }),
            "/learning/attendance/{course}",
        )
        .next(crate::web::form_route::Next::Page("/learning/attendance/{course}?saved=1")),
    ]
}

/// The attendance form's ticked boxes (`completed:{registration}`) as the API's
/// `{"completed": [...]}`.
fn attendance_body(fields: &Value) -> Value {
    let completed: Vec<&str> =
        fields.as_object().map(|m| m.keys().filter_map(|k| k.strip_prefix("completed:")).collect()).unwrap_or_default();
    json!({ "completed": completed })
}

pub fn pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/my-courses", get(my_courses)),
        PageRoute::signed_in("/my-courses/{course}", get(my_course)),
        PageRoute::signed_in("/growth", get(growth)),
        PageRoute::signed_in("/learning/statistics", get(statistics_page)),
        PageRoute::signed_in("/learning/attendance/{course}", get(attendance)),
    ]
}

/// Whether the visitor sees learning statistics (the permission model's scope).
fn sees_statistics(visitor: &Visitor) -> bool {
    visitor.caller().and_then(|c| c.stats_scope(visitor.lang)).is_ok()
}

/// The desk's tasks: 我的课程 for everyone signed in, the statistics for administrators.
pub fn tasks(visitor: &Visitor) -> Vec<Task> {
    let mut tasks = vec![
        Task::new("我的课程", "/my-courses", "已报名课程的学习进度、学时"),
        Task::new("学员成长档案", "/growth", "本人各年度线上线下学时与年度要求"),
        Task::new("外部培训学时", "/learning/external", "登记在本平台以外参加的培训，经单位管理员审核后计入学时"),
    ];
    if sees_statistics(visitor) {
        tasks.push(Task::new("学习情况统计", "/learning/statistics", "成员学习情况查询、导出 Excel，年度学时汇总"));
    }
    tasks
}

/// The desk's 我的课程 module: the visitor's courses with their status.
pub async fn desk_module(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    let Ok(caller) = visitor.caller() else { return Vec::new() };
    let Ok(courses) = api::my_courses(&web.app, &caller, visitor.lang).await else { return Vec::new() };
    let rows = courses
        .into_iter()
        .map(|c| QueueRow {
            detail: format!(
                "{} · {} 学时 · 已得 {} 学时",
                c.attribute,
                hours_text(c.hours_offered),
                hours_text(c.hours)
            ),
            status: if c.registration_status == crate::workflows::RegistrationStatus::Approved {
                c.status_label.to_owned()
            } else {
                format!("报名{}", c.registration_label)
            },
            href: page_url(&format!("/my-courses/{}", path_segment(&c.course))),
            label: c.title,
        })
        .collect();
    vec![Queue {
        title: "我的课程", empty: "还没有报名课程：登录后在课程页面报名，审核通过后即可学习。", rows
    }]
}

/// `GET /web/my-courses` — 我的课程.
async fn my_courses(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Result<Response, Response> {
    let caller = visitor.caller().map_err(refused(&visitor))?;
    let courses = api::my_courses(&web.app, &caller, visitor.lang).await.map_err(refused(&visitor))?;
    Ok(pages::render(&visitor, "my_courses.html", json!({ "title": "我的课程", "courses": courses })))
}

/// `GET /web/my-courses/{course}` — one course: its lessons, each with 学完本节.
async fn my_course(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    axum::extract::Path(course): axum::extract::Path<String>,
) -> Result<Response, Response> {
    let caller = visitor.caller().map_err(refused(&visitor))?;
    let courses = api::my_courses(&web.app, &caller, visitor.lang).await.map_err(refused(&visitor))?;
    let Some(course) = courses.into_iter().find(|c| c.course == course) else {
        return Err(pages::refusal(&visitor, &crate::http::ApiError::not_found(visitor.lang)));
    };
    Ok(pages::render(&visitor, "my_course.html", json!({ "title": course.title.clone(), "c": course })))
}

/// `GET /web/growth?year=` — 学员成长档案 of the visitor (printable).
async fn growth(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<YearQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let caller = visitor.caller().map_err(refused(&visitor))?;
    let year = api::asked_year(&q, lang).map_err(refused(&visitor))?;
    let growth = api::growth_of(&web.app, &caller, lang, year).await.map_err(refused(&visitor))?;
    let mut rows: Vec<Value> = Vec::new();
    for r in &growth.courses {
        rows.push(json!({ "title": r.course_title, "attribute": r.attribute, "source": r.source,
            "finished_at": r.finished_at, "hours": hours_text(r.hours) }));
    }
    let context = json!({
        "title": format!("学员成长档案（{year}年）"),
        "year": year,
        "prev": year - 1,
        "next": year + 1,
        "g": growth,
        "online": hours_text(growth.online_hours),
        "offline": hours_text(growth.offline_hours),
        "required": hours_text(growth.required_hours),
        "elective": hours_text(growth.elective_hours),
        "total": hours_text(growth.total_hours),
        "target_total": hours_text(growth.targets.total_hours),
        "target_online": hours_text(growth.targets.online_hours),
        "rows": rows,
    });
    Ok(pages::render(&visitor, "growth.html", context))
}

/// `GET /web/learning/statistics?…` — 成员统计: the conditions, one page of rows,
/// links to the exports.
async fn statistics_page(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<StatsQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let caller = visitor.caller().map_err(refused(&visitor))?;
    caller.stats_scope(lang).map_err(refused(&visitor))?;
    let mut courses: Vec<Value> = web
        .app
        .learning
        .catalog()
        .iter()
        .map(|c| json!({ "slug": c.slug, "title": c.title, "selected": q.course.as_deref() == Some(c.slug.as_str()) }))
        .collect();
    courses.sort_by(|a, b| a["title"].as_str().cmp(&b["title"].as_str()));
    let query = serde_urlencoded(&q);
    let mut context = json!({
        "title": "学习情况统计",
        "courses": courses,
        "q": { "name": text(&q.name), "attribute": text(&q.attribute) },
        "statuses": crate::workflows::learning::LearningStatus::ALL.iter()
            .map(|s| json!({"value": s.as_str(), "label": s.label_zh(), "selected": q.status.as_deref() == Some(s.as_str())}))
            .collect::<Vec<_>>(),
        "headers": statistics::HEADERS,
        "ranges": [
            {"label": "开始学习时间", "from": "started_from", "to": "started_to", "from_value": text(&q.started_from), "to_value": text(&q.started_to)},
            {"label": "完成学习时间", "from": "finished_from", "to": "finished_to", "from_value": text(&q.finished_from), "to_value": text(&q.finished_to)},
            {"label": "课程创建时间", "from": "course_from", "to": "course_to", "from_value": text(&q.course_from), "to_value": text(&q.course_to)},
        ],
        "export_query": query,
        "year": crate::lifecycle::time::today().year(),
    });
    match (q.page(lang), api::stats_rows(&web.app, &caller, lang, &q).await) {
        (Ok(page), Ok(rows)) => {
            let pages_count = rows.len().div_ceil(api::PAGE_SIZE).max(1);
            let shown: Vec<[String; 12]> =
                rows.iter().skip((page - 1) * api::PAGE_SIZE).take(api::PAGE_SIZE).map(|r| r.cells()).collect();
            let link = |p: usize| {
                let mut paged = q.clone();
                paged.page = Some(p.to_string());
                page_url(&format!("/learning/statistics?{}", serde_urlencoded(&paged)))
            };
            context["rows"] = json!(shown);
            context["total"] = json!(rows.len());
            context["page"] = json!(page);
            context["pages"] = json!(pages_count);
            context["prev_href"] = json!((page > 1).then(|| link(page - 1)));
            context["next_href"] = json!((page < pages_count).then(|| link(page + 1)));
        }
        (Err(e), _) | (_, Err(e)) => {
            let errors: Vec<Value> =
                e.body.fields.iter().map(|(field, message)| json!({"field": field, "message": message})).collect();
            context["errors"] = json!(errors);
            context["problem"] = json!(e.body.error);
        }
    }
    Ok(pages::render(&visitor, "learning_stats.html", context))
}

/// A condition as typed, `""` when absent.
fn text(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}

/// `q` as a query string, the empty conditions left out.
fn serde_urlencoded(q: &StatsQuery) -> String {
    let value = serde_json::to_value(q).unwrap_or_default();
    let pairs: Map<String, Value> = value.as_object().cloned().unwrap_or_default();
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_str().filter(|s| !s.trim().is_empty()).map(|s| format!("{k}={}", query_value(s))))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Debug, Default, Deserialize)]
struct AttendanceQuery {
    saved: Option<String>,
    attempt: Option<String>,
}

/// `GET /web/learning/attendance/{course}` — the organiser ticks who completed.
async fn attendance(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    axum::extract::Path(course): axum::extract::Path<String>,
    Query(q): Query<AttendanceQuery>,
) -> Result<Response, Response> {
    let caller = visitor.caller().map_err(refused(&visitor))?;
    let (course, _, rows) =
        api::attendance_of(&web.app, &caller, visitor.lang, &course).await.map_err(refused(&visitor))?;
    let problem = match q.attempt.as_deref() {
        Some(token) => crate::web::attempt::load(&web.app.store, token, &visitor).await.map(|a| {
            let detail = a.errors.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join("；");
            if detail.is_empty() { a.message } else { detail }
        }),
        None => None,
    };
    let context = json!({
        "title": format!("考勤与结业：{}", course.title),
        "course": course.slug,
        "course_title": course.title,
        "hours": hours_text(course.study.hours),
        "takes_attendance": course.study.mode.has_attendance(),
        "rows": rows,
        "saved": q.saved.is_some(),
        "problem": problem,
    });
    Ok(pages::render(&visitor, "attendance.html", context))
}
