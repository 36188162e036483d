//! The organisers' registration list (seed 000: registrations wait for the responsible
//! department): pick a course, see its registrations in order with seats and the
//! waiting list, approve or reject (with a note), export to CSV or Excel.

use super::api;
use crate::http::extract::{Idempotency, JsonBody};
use crate::http::limit::ClientAddr;
use crate::web::form_route::form_action;
use axum::extract::Path;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::Role;
use crate::web::desk::{Queue, QueueRow};
use crate::web::form_route::FormRoute;
use crate::web::pages::{self, answer_refusal, refusal};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, attempt, page_url};
use crate::workflows::RegistrationStatus;

/// Where the registration forms post, and what each post does: the public form on
/// every course page open for registration, the receipt's withdrawal, and the
/// organisers' decisions.
pub fn form_routes() -> Vec<FormRoute> {
    let list = "/registrations?course={course}";
    vec![
        // The gateway has already counted the post against its address's limit.
        FormRoute::new(
            "/act/registrations",
            form_action!(c => api::submit(State(c.app), c.lang, ClientAddr(None), Idempotency(c.idempotency), JsonBody(c.body)).await),
            "/receipt/{receipt}",
        )
        .back(None)
        .form("registration")
        .public(),
        FormRoute::new(
            "/act/registrations/receipt/{code}/withdraw",
            form_action!(c => api::withdraw(State(c.app.clone()), c.lang, Path(c.param("code")?)).await),
            "/receipt/{code}",
        )
        .public(),
        FormRoute::new(
            "/act/courses/{course}/registrations/{id}/approve",
            form_action!(c => api::approve(State(c.app.clone()), c.caller()?, c.lang, Path(c.param("id")?)).await),
            list,
        ),
        FormRoute::new(
            "/act/courses/{course}/registrations/{id}/reject",
            form_action!(c => api::reject(State(c.app.clone()), c.caller()?, c.lang, Path(c.param("id")?), JsonBody(c.body)).await),
            list,
        ),
    ]
}

/// The organisers' list. The receipt, public, is one of the shared pages (`web/public.rs`).
pub fn pages() -> Vec<PageRoute> {
    vec![PageRoute::signed_in("/registrations", get(list))]
}

fn may_decide(visitor: &Visitor) -> bool {
    matches!(visitor.role(), Some(Role::Organiser | Role::NationalAdmin | Role::RegionalAdmin))
}

/// Courses with registrations waiting for a decision.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    if !may_decide(visitor) {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for course in web.app.registrations.catalog().iter() {
        let path = format!("/registrations?course={}&status=pending", path_segment(&course.slug));
        let answer = web.call(visitor, Method::GET, &path, None).await;
        let waiting = answer.body["count"].as_u64().unwrap_or(0);
        if waiting > 0 {
            rows.push(QueueRow {
                label: course.title.clone(),
                detail: format!("{waiting} 人待审核"),
                status: "待审核".into(),
                href: page_url(&format!("/registrations?course={}&status=pending", path_segment(&course.slug))),
            });
        }
    }
    vec![Queue { title: "培训报名", empty: "没有待审核的报名。", rows }]
}

#[derive(Deserialize)]
struct ListQuery {
    course: Option<String>,
    status: Option<String>,
    attempt: Option<String>,
}

/// `GET /web/registrations?course=&status=`.
async fn list(State(web): State<WebState>, SignedIn(visitor): SignedIn, Query(q): Query<ListQuery>) -> Response {
    let mut courses: Vec<Value> = web
        .app
        .registrations
        .catalog()
        .iter()
        .map(|c| json!({ "slug": c.slug, "title": c.title, "selected": q.course.as_deref() == Some(c.slug.as_str()) }))
        .collect();
    courses.sort_by(|a, b| a["title"].as_str().cmp(&b["title"].as_str()));
    let course = q.course.as_deref().map(path_segment).filter(|c| !c.is_empty());
    let status = q.status.as_deref().and_then(RegistrationStatus::parse);
    let statuses: Vec<Value> = ["pending", "approved", "waitlisted", "rejected", "withdrawn"]
        .into_iter()
        .filter_map(RegistrationStatus::parse)
        .map(|s| json!({ "value": s.as_str(), "label": s.label_zh(), "selected": Some(s) == status }))
        .collect();
    let mut context = json!({
        "title": "培训报名",
        "courses": courses,
        "statuses": statuses,
        "course": course,
        "may_decide": may_decide(&visitor),
    });
    if let Some(course) = &course {
        let query = match status {
            Some(s) => format!("course={course}&status={}", s.as_str()),
            None => format!("course={course}"),
        };
        let answer = web.call(&visitor, Method::GET, &format!("/registrations?{query}"), None).await;
        if !answer.is_success() {
            return answer_refusal(&visitor, &answer);
        }
        let seats = web.call(&visitor, Method::GET, &format!("/courses/{course}/seats"), None).await;
        let mut rows = answer.body["registrations"].as_array().cloned().unwrap_or_default();
        for r in &mut rows {
            let status = r["status"].as_str().and_then(RegistrationStatus::parse);
            r["status_label"] = json!(status.map(RegistrationStatus::label_zh));
            r["region_label"] =
                json!(crate::validation::region_label(r["region"].as_str().unwrap_or(""), crate::http::Lang::Zh));
        }
        let problem = match q.attempt.as_deref() {
            Some(token) => attempt::load(&web.app.store, token, &visitor).await.map(|a| {
                let detail = a.errors.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join("；");
                if detail.is_empty() { a.message } else { detail }
            }),
            None => None,
        };
        let here = page_url(&format!("/registrations?{query}"));
        context["rows"] = json!(rows);
        context["seats"] = seats.body;
        context["here"] = json!(here);
        context["query"] = json!(query);
        context["problem"] = json!(problem);
    }
    pages::render(&visitor, "registrations.html", context)
}
