//! Typical cases (典型案例, seed 000): a province uploads a case of its region
//! (`case-upload`), the organisers approve it or return it with a comment, the
//! province corrects and resubmits it; an approved case is exported as site content.

use super::api;
use crate::http::extract::{Idempotency, JsonBody};
use crate::web::form_route::form_action;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use gazette_forms::{Button, Schema};
use serde_json::{Map, Value, json};

use crate::casework::action_form::{ActionField, ActionForm};
use crate::casework::pages::{
    PageQuery, Seat, ZH, controls, done_message, file_redirect, filters, idempotency_key, listed, machine_time,
    no_schema, refused, schema_form, seat, timeline, when,
};
use crate::casework::summary::summary_rows;
use crate::web::attempt::Attempt;
use crate::web::desk::{Queue, QueueRow};
use crate::web::form_route::FormRoute;
use crate::web::pages::{self, allows, answer_refusal, refusal, text};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url, query_value};
use crate::workflows::TypicalCaseStatus;

const CASE_UPLOAD: &str = "case-upload";

/// The typical-case pages, for signed-in visitors.
pub fn pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/cases", get(list)),
        PageRoute::signed_in("/cases/new", get(upload_form)),
        PageRoute::signed_in("/cases/{id}", get(page)),
        PageRoute::signed_in("/cases/{id}/file", get(file)),
    ]
}

/// Where the typical-case forms post, and what each post does.
pub fn form_routes() -> Vec<FormRoute> {
    vec![
        FormRoute::new(
            "/act/typical-cases",
            form_action!(c => api::upload_typical(State(c.app.clone()), c.caller()?, c.lang, Idempotency(c.idempotency), JsonBody(c.body)).await),
            "/cases/{id}?done=uploaded",
        )
        .back(Some("/cases/new"))
        .form(CASE_UPLOAD),
        FormRoute::new(
            "/act/typical-cases/{id}/resubmit",
            form_action!(c => api::resubmit_typical(State(c.app.clone()), c.caller()?, c.lang, Path(c.param("id")?), Idempotency(c.idempotency), JsonBody(c.body)).await),
            "/cases/{id}?done=resubmitted",
        )
        .back(Some("/cases/{id}"))
        .form(CASE_UPLOAD),
        FormRoute::new(
            "/act/typical-cases/{id}/approve",
            form_action!(c => api::approve_typical(State(c.app.clone()), c.caller()?, c.lang, Path(c.param("id")?)).await),
            "/cases/{id}?done=approved",
        )
        .back(Some("/cases/{id}")),
        FormRoute::new(
            "/act/typical-cases/{id}/return",
            form_action!(c => api::return_typical(State(c.app.clone()), c.caller()?, c.lang, Path(c.param("id")?), JsonBody(c.body)).await),
            "/cases/{id}?done=returned",
        )
        .back(Some("/cases/{id}")),
    ]
}

/// `GET /web/cases` — the typical cases the visitor may see, by status.
pub(crate) async fn list(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<PageQuery>,
) -> Response {
    let status = q.status.as_deref().and_then(TypicalCaseStatus::parse);
    let path = match status {
        Some(s) => format!("/typical-cases?status={}", s.as_str()),
        None => "/typical-cases".to_owned(),
    };
    let answer = web.call(&visitor, Method::GET, &path, None).await;
    if !answer.is_success() {
        return answer_refusal(&visitor, &answer);
    }
    let rows: Vec<Value> = listed(&answer)
        .iter()
        .map(|c| {
            let updated = text(&c["updated_at"]).unwrap_or_default();
            json!({
                "title": text(&c["title"]).unwrap_or_default(),
                "href": case_url(c),
                "region": text(&c["region_label"]).unwrap_or_default(),
                "category": text(&c["category_label"]).unwrap_or_default(),
                "provider": text(&c["provider"]).unwrap_or_default(),
                "updated": when(&updated),
                "updated_iso": machine_time(&updated),
                "status": text(&c["status"]).unwrap_or_default(),
                "status_label": text(&c["status_label"]).unwrap_or_default(),
            })
        })
        .collect();
    let statuses = TypicalCaseStatus::ALL.iter().map(|s| (s.as_str(), s.label_zh()));
    pages::render(
        &visitor,
        "cases.html",
        json!({
            "title": "典型案例",
            "filters": filters("/cases", statuses, status.map(TypicalCaseStatus::as_str)),
            "filtered": status.map(TypicalCaseStatus::label_zh),
            "rows": rows,
            "can_upload": matches!(seat(&visitor), Seat::Province(_)),
            "new_href": page_url("/cases/new"),
            "done": done_message(q.done.as_deref()),
        }),
    )
}

/// `GET /web/cases/new` — a province uploads a case of its region (`case-upload`).
pub(crate) async fn upload_form(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<PageQuery>,
) -> Response {
    let region = match seat(&visitor) {
        Seat::Province(region) => region.to_owned(),
        _ => {
            return pages::message_status(
                &visitor,
                StatusCode::FORBIDDEN,
                "无权访问",
                "只有地方（省级）管理员可以上传本地区的典型案例。",
            );
        }
    };
    let Some(schema) = gazette_forms::schema(CASE_UPLOAD) else { return no_schema(&visitor) };
    let attempt = load_attempt(&web, &visitor, &q, "upload").await;
    let hidden = controls(&[("_action", "upload"), ("_idem", &idempotency_key(attempt.as_ref()))]);
    let (values, errors, message) = match &attempt {
        Some(a) => (a.values.clone(), a.field_errors(), a.message.clone()),
        None => (json!({ "region": region }), Vec::new(), schema.description(ZH).unwrap_or_default().to_owned()),
    };
    let action = page_url("/act/typical-cases");
    let form = schema_form(schema, &action, &values, &errors, hidden, vec![Button::submit("提交审核")], false);
    pages::render(
        &visitor,
        "form_page.html",
        json!({ "title": "上传典型案例", "message": message, "form": form, "return": page_url("/cases") }),
    )
}

/// `GET /web/cases/{id}` — one case: details, files, progress, and what the visitor
/// may do: the organisers approve or return it, its province edits and resubmits it
/// once returned.
pub(crate) async fn page(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let id = path_segment(&id);
    let answer = web.call(&visitor, Method::GET, &format!("/typical-cases/{id}"), None).await;
    if !answer.is_success() {
        return answer_refusal(&visitor, &answer);
    }
    let c = &answer.body;
    let Some(schema) = gazette_forms::schema(CASE_UPLOAD) else { return no_schema(&visitor) };
    let attempt = refused(&web, &visitor, &q).await;
    let status = text(&c["status"]).unwrap_or_default();
    let file_href = |key: &str| page_url(&format!("/cases/{id}/file?key={}", query_value(key)));

    let mut actions = Vec::new();
    let mut resubmit = None;
    if allows(c, "approve") {
        actions.push(
            ActionForm::new("approve", "审核通过", &page_url(&format!("/act/typical-cases/{id}/approve")))
                .intro("案例内容无误的，审核通过后即可导出为网站内容发布。")
                .button("审核通过", false)
                .with_attempt(attempt.as_ref()),
        );
    }
    if allows(c, "return") {
        actions.push(
            ActionForm::new("return", "退回修改", &page_url(&format!("/act/typical-cases/{id}/return")))
                .intro("需要上传单位修改或补充的，写明审核意见后退回。")
                .field(
                    ActionField::textarea("comment", "审核意见", true, 1000)
                        .hint("写明需要修改或补充的内容，上传单位将看到这段意见。"),
                )
                .button("退回修改", true)
                .with_attempt(attempt.as_ref()),
        );
    }
    if allows(c, "resubmit") {
        {
            let mine = attempt.as_ref().filter(|a| a.control("_action") == Some("resubmit"));
            let (values, errors) = match mine {
                Some(a) => (a.values.clone(), a.field_errors()),
                None => (upload_values(schema, c), Vec::new()),
            };
            let hidden = controls(&[("_action", "resubmit"), ("_idem", &idempotency_key(mine))]);
            let action = page_url(&format!("/act/typical-cases/{id}/resubmit"));
            let buttons = vec![Button::submit("修改后重新提交")];
            resubmit = Some(json!({
                "message": mine.map(|a| a.message.clone()),
                "form": schema_form(schema, &action, &values, &errors, hidden, buttons, false),
            }));
        }
    }
    let drawn = actions.iter().any(|a| a.drawn) || resubmit.as_ref().is_some_and(|r| !r["message"].is_null());
    let exported = c.get("exported").and_then(|e| e.get("slug")).and_then(Value::as_str);
    pages::render(
        &visitor,
        "case.html",
        json!({
            "title": text(&c["title"]).unwrap_or_default(),
            "c": c,
            "explain": explanation(&status, exported),
            "details": summary_rows(schema, c, &file_href),
            "history": timeline(c, action_label, status_label, &file_href),
            "actions": actions,
            "resubmit": resubmit,
            "problem": attempt.as_ref().filter(|_| !drawn).map(|a| a.message.clone()),
            "done": done_message(q.done.as_deref()),
            "list_href": page_url("/cases"),
        }),
    )
}

/// `GET /web/cases/{id}/file?key=` — one of the case's files, through the API's
/// short-lived link.
pub(crate) async fn file(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let path = format!("/typical-cases/{}/download", path_segment(&id));
    file_redirect(&web, &visitor, &path, q.key.as_deref().unwrap_or("")).await
}

/// What waits for the visitor: cases to review (organisers, the nation) or to
/// correct (their province).
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    queue_at(web, visitor, seat(visitor)).await.into_iter().collect()
}

async fn queue_at(web: &WebState, visitor: &Visitor, seat: Seat<'_>) -> Option<Queue> {
    let (title, empty, status) = match seat {
        Seat::National | Seat::Organiser => ("典型案例：待审核", "没有待审核的典型案例。", "submitted"),
        Seat::Province(_) => ("典型案例：退回修改", "没有退回修改的典型案例。", "returned"),
        _ => return None,
    };
    let answer = web.call(visitor, Method::GET, &format!("/typical-cases?status={status}"), None).await;
    let step = if status == "submitted" { "approve" } else { "resubmit" };
    let rows = listed(&answer)
        .iter()
        .filter(|c| allows(c, step))
        .map(|c| QueueRow {
            label: text(&c["title"]).unwrap_or_default(),
            detail: [text(&c["region_label"]).unwrap_or_default(), text(&c["provider"]).unwrap_or_default()]
                .join(" · "),
            status: text(&c["status_label"]).unwrap_or_default(),
            href: case_url(c),
        })
        .collect();
    Some(Queue { title, empty, rows })
}

fn case_url(case: &Value) -> String {
    page_url(&format!("/cases/{}", path_segment(&text(&case["id"]).unwrap_or_default())))
}

/// The refused submission of `?attempt=`, if it came from the form `action`.
async fn load_attempt(web: &WebState, visitor: &Visitor, q: &PageQuery, action: &str) -> Option<Attempt> {
    refused(web, visitor, q).await.filter(|a| a.control("_action") == Some(action))
}

/// The case as the `case-upload` form holds it, to edit it again.
fn upload_values(schema: &Schema, case: &Value) -> Value {
    let fields: Map<String, Value> =
        schema.fields().iter().filter_map(|f| case.get(f.id()).map(|v| (f.id().to_owned(), v.clone()))).collect();
    Value::Object(fields)
}

fn action_label(action: &str, _by: &Value) -> String {
    match action {
        "upload" => "上传案例",
        "return" => "退回修改",
        "resubmit" => "修改后重新提交",
        "approve" => "审核通过",
        "export" => "导出为网站内容",
        other => other,
    }
    .to_owned()
}

fn status_label(status: &str) -> String {
    TypicalCaseStatus::parse(status).map_or_else(|| status.to_owned(), |s| s.label_zh().to_owned())
}

fn explanation(status: &str, exported: Option<&str>) -> String {
    match (status, exported) {
        ("submitted", _) => "案例已提交，等待主办单位审核。".to_owned(),
        ("returned", _) => "主办单位已退回修改，请按审核意见修改后重新提交。".to_owned(),
        ("approved", _) => "审核通过，待导出为网站内容后发布。".to_owned(),
        ("exported", Some(slug)) => {
            format!("已导出为网站内容（content/cases/{slug}/），提交到仓库后即在网站发布。")
        }
        ("exported", None) => "已导出为网站内容，提交到仓库后即在网站发布。".to_owned(),
        _ => String::new(),
    }
}
