//! The organisers' registration list (seed 000: registrations wait for the responsible
//! department): pick a course, see its registrations in order with seats and the
//! waiting list, approve or reject (with a note), export to CSV or Excel.

use super::api::{self, ListQuery, RegistrationView};
use crate::http::extract::Path as ApiPath;
use crate::http::extract::{Idempotency, JsonBody};
use crate::http::limit::ClientAddr;
use crate::web::form_route::form_action;
use axum::extract::Path;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::web::desk::{Queue, QueueRow, Task};
use crate::web::form_route::FormRoute;
use crate::web::pages::{self, refused};
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
            form_action!(c => {
                let account = c.caller().ok().map(|caller| caller.account());
                api::submit_as(State(c.app), c.lang, ClientAddr(None), Idempotency(c.idempotency), JsonBody(c.body), account).await
            }),
            "/receipt/{receipt}",
        )
        .back(None)
        .form("registration")
        .public(),
        FormRoute::new(
            "/act/registrations/receipt/{code}/withdraw",
            form_action!(c => api::withdraw(State(c.app.clone()), c.lang, ApiPath(c.param("code")?)).await),
            "/receipt/{code}",
        )
        .public(),
        FormRoute::new(
            "/act/courses/{course}/registrations/{id}/approve",
            form_action!(c => api::approve(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?)).await),
            list,
        ),
        FormRoute::new(
            "/act/courses/{course}/registrations/{id}/reject",
            form_action!(c => api::reject(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await),
            list,
        ),
    ]
}

/// The organisers' list, and the registrant's receipt (public).
pub fn pages() -> Vec<PageRoute> {
    vec![PageRoute::signed_in("/registrations", get(list)), PageRoute::public("/receipt/{code}", get(receipt))]
}

/// What the receipt page takes in its query string.
#[derive(Debug, Default, Deserialize)]
struct ReceiptQuery {
    /// `withdraw`: ask to confirm the withdrawal (the receipt's "撤回报名" leads here).
    confirm: Option<String>,
}

/// `GET /web/receipt/{code}` — the registrant's receipt: status, place on the waiting
/// list, masked details, and withdrawal — asked to be confirmed first
/// (`?confirm=withdraw`), on the page itself, so it works the same without a script.
async fn receipt(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(code): Path<String>,
    Query(q): Query<ReceiptQuery>,
) -> Result<Response, Response> {
    let receipt = api::receipt_of(&web.app, &code, visitor.lang).await.map_err(refused(&visitor))?;
    let confirm = q.confirm.as_deref() == Some("withdraw");
    let title = if confirm { "确认撤回报名" } else { "报名回执" };
    let code = path_segment(&code);
    let context = json!({ "title": title, "code": code, "r": receipt, "confirm": confirm });
    Ok(pages::render(&visitor, "receipt.html", context))
}

/// Whether the visitor may see and decide registrations (the permission model's scope).
fn may_decide(visitor: &Visitor) -> bool {
    visitor.caller().and_then(|c| c.registration_scope(visitor.lang)).is_ok()
}

/// The home page's task, for those who may see and decide registrations.
pub fn task(visitor: &Visitor) -> Option<Task> {
    may_decide(visitor).then(|| Task::new("培训报名", "/registrations", "报名名单、审核、导出"))
}

/// Courses with registrations waiting for a decision.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    if !may_decide(visitor) {
        return Vec::new();
    }
    let Ok(caller) = visitor.caller() else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for course in web.app.registrations.catalog().iter() {
        let q = ListQuery { course: Some(course.slug.clone()), status: Some("pending".into()) };
        let waiting = api::listed(&web.app, &caller, visitor.lang, &q).await.map_or(0, |(_, rows)| rows.len());
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
struct PageQuery {
    course: Option<String>,
    status: Option<String>,
    attempt: Option<String>,
}

/// `GET /web/registrations?course=&status=`.
async fn list(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, Response> {
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
        let lang = visitor.lang;
        let caller = visitor.caller().map_err(refused(&visitor))?;
        let scope = caller.registration_scope(lang).map_err(refused(&visitor))?;
        let listing = ListQuery { course: Some(course.clone()), status: status.map(|s| s.as_str().to_owned()) };
        let (_, rows) = api::listed(&web.app, &caller, lang, &listing).await.map_err(refused(&visitor))?;
        let rows: Vec<RegistrationView> = rows.into_iter().map(|r| RegistrationView::of(r, &scope, lang)).collect();
        let seats = web.app.registrations.seats(course).await.ok();
        let problem = match q.attempt.as_deref() {
            Some(token) => attempt::load(&web.app.store, token, &visitor).await.map(|a| {
                let detail = a.errors.iter().map(|(_, m)| m.clone()).collect::<Vec<_>>().join("；");
                if detail.is_empty() { a.message } else { detail }
            }),
            None => None,
        };
        let here = page_url(&format!("/registrations?{query}"));
        context["rows"] = json!(rows);
        context["seats"] = json!(seats);
        context["here"] = json!(here);
        context["query"] = json!(query);
        context["problem"] = json!(problem);
    }
    Ok(pages::render(&visitor, "registrations.html", context))
}
