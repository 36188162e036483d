//! Typical cases (典型案例, seed 000): a province uploads a case of its region
//! (`case-upload`), the organisers approve it or return it with a comment, the
//! province corrects and resubmits it; an approved case is exported as site content.

use super::api::{self, case_files, typical_view};
use super::{CaseStep, allowed, takes_part};
use crate::casework::api::{case_error, download_url};
use crate::http::extract::Path as ApiPath;
use crate::http::extract::{Idempotency, JsonBody};
use crate::validation;
use crate::web::form_route::form_action;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use gazette_forms::{Button, Schema};
use serde_json::{Map, Value, json};

use crate::casework::action_form::{ActionField, ActionForm};
use crate::casework::pages::{
    PageQuery, Seat, ZH, controls, done_message, file_redirect, filters, idempotency_key, machine_time, no_schema,
    refused_attempt, schema_form, seat, timeline, when,
};
use crate::casework::summary::summary_rows;
use crate::web::attempt::Attempt;
use crate::web::desk::{Queue, QueueRow, Task};
use crate::web::form_route::FormRoute;
use crate::web::pages::{self, refusal, refused};
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
            form_action!(c => api::resubmit_typical(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), Idempotency(c.idempotency), JsonBody(c.body)).await),
            "/cases/{id}?done=resubmitted",
        )
        .back(Some("/cases/{id}"))
        .form(CASE_UPLOAD),
        FormRoute::new(
            "/act/typical-cases/{id}/approve",
            form_action!(c => api::approve_typical(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?)).await),
            "/cases/{id}?done=approved",
        )
        .back(Some("/cases/{id}")),
        FormRoute::new(
            "/act/typical-cases/{id}/return",
            form_action!(c => api::return_typical(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await),
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
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).map_err(refused(&visitor))?;
    let status = q.status.as_deref().and_then(TypicalCaseStatus::parse);
    let cases =
        web.app.typical_cases.list(&actor, status).await.map_err(|e| refusal(&visitor, &case_error(e, lang)))?;
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            let updated = c.updated_at.to_string();
            json!({
                "title": c.upload.title,
                "href": case_url(&c.id),
                "region": validation::case_label("region", &c.upload.region, lang),
                "category": validation::case_label("category", &c.upload.category, lang),
                "provider": c.upload.provider,
                "updated": when(&updated),
                "updated_iso": machine_time(&updated),
                "status": c.status.as_str(),
                "status_label": c.status.label_zh(),
            })
        })
        .collect();
    let statuses = TypicalCaseStatus::ALL.iter().map(|s| (s.as_str(), s.label_zh()));
    Ok(pages::render(
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
    ))
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
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).map_err(refused(&visitor))?;
    let case = web.app.typical_cases.get(&id, &actor).await.map_err(|e| refusal(&visitor, &case_error(e, lang)))?;
    let id = path_segment(&case.id);
    let steps = allowed(&actor, &case);
    // The case as the API shows it (personal data masked), for the schema-driven summary.
    let c = &typical_view(&case, &actor, lang);
    let Some(schema) = gazette_forms::schema(CASE_UPLOAD) else { return Err(no_schema(&visitor)) };
    let attempt = refused_attempt(&web, &visitor, &q).await;
    let file_href = |key: &str| page_url(&format!("/cases/{id}/file?key={}", query_value(key)));

    let mut actions = Vec::new();
    let mut resubmit = None;
    if steps.contains(&CaseStep::Approve) {
        actions.push(
            ActionForm::new("approve", "审核通过", &page_url(&format!("/act/typical-cases/{id}/approve")))
                .intro("案例内容无误的，审核通过后即可导出为网站内容发布。")
                .button("审核通过", false)
                .with_attempt(attempt.as_ref()),
        );
    }
    if steps.contains(&CaseStep::Return) {
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
    if steps.contains(&CaseStep::Resubmit) {
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
    let exported = case.exported.as_ref().map(|e| e.slug.as_str());
    Ok(pages::render(
        &visitor,
        "case.html",
        json!({
            "title": case.upload.title,
            "c": c,
            "explain": explanation(case.status, exported),
            "details": summary_rows(schema, c, &file_href),
            "history": timeline(c, action_label, status_label, &file_href),
            "actions": actions,
            "resubmit": resubmit,
            "problem": attempt.as_ref().filter(|_| !drawn).map(|a| a.message.clone()),
            "done": done_message(q.done.as_deref()),
            "list_href": page_url("/cases"),
        }),
    ))
}

/// `GET /web/cases/{id}/file?key=` — one of the case's files, through the API's
/// short-lived link.
pub(crate) async fn file(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = visitor.lang;
    let url = async {
        let actor = visitor.caller()?.case_actor(lang)?;
        let case = web.app.typical_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
        download_url(&web.app, lang, &case_files(&case), q.key.as_deref().unwrap_or("")).await
    };
    file_redirect(&visitor, url.await)
}

/// The home page's task, for those who take part in typical cases.
pub fn task(visitor: &Visitor) -> Option<Task> {
    let actor = visitor.caller().and_then(|c| c.case_actor(visitor.lang)).ok()?;
    takes_part(&actor.level).then(|| Task::new("典型案例", "/cases", "上传、审核、退回和进度"))
}

/// What waits for the visitor: cases to review (organisers, the nation) or to
/// correct (their province).
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    queue_at(web, visitor, seat(visitor)).await.into_iter().collect()
}

async fn queue_at(web: &WebState, visitor: &Visitor, seat: Seat<'_>) -> Option<Queue> {
    let (title, empty, status) = match seat {
        Seat::National | Seat::Organiser => {
            ("典型案例：待审核", "没有待审核的典型案例。", TypicalCaseStatus::Submitted)
        }
        Seat::Province(_) => ("典型案例：退回修改", "没有退回修改的典型案例。", TypicalCaseStatus::Returned),
        _ => return None,
    };
    let lang = visitor.lang;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).ok()?;
    let cases = web.app.typical_cases.list(&actor, Some(status)).await.unwrap_or_default();
    let step = if status == TypicalCaseStatus::Submitted { CaseStep::Approve } else { CaseStep::Resubmit };
    let rows = cases
        .iter()
        .filter(|c| allowed(&actor, c).contains(&step))
        .map(|c| QueueRow {
            label: c.upload.title.clone(),
            detail: [validation::case_label("region", &c.upload.region, lang), c.upload.provider.clone()].join(" · "),
            status: c.status.label_zh().to_owned(),
            href: case_url(&c.id),
        })
        .collect();
    Some(Queue { title, empty, rows })
}

fn case_url(id: &str) -> String {
    page_url(&format!("/cases/{}", path_segment(id)))
}

/// The refused submission of `?attempt=`, if it came from the form `action`.
async fn load_attempt(web: &WebState, visitor: &Visitor, q: &PageQuery, action: &str) -> Option<Attempt> {
    refused_attempt(web, visitor, q).await.filter(|a| a.control("_action") == Some(action))
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

fn explanation(status: TypicalCaseStatus, exported: Option<&str>) -> String {
    use TypicalCaseStatus as S;
    match (status, exported) {
        (S::Submitted, _) => "案例已提交，等待主办单位审核。".to_owned(),
        (S::Returned, _) => "主办单位已退回修改，请按审核意见修改后重新提交。".to_owned(),
        (S::Approved, _) => "审核通过，待导出为网站内容后发布。".to_owned(),
        (S::Exported, Some(slug)) => {
            format!("已导出为网站内容（content/cases/{slug}/），提交到仓库后即在网站发布。")
        }
        (S::Exported, None) => "已导出为网站内容，提交到仓库后即在网站发布。".to_owned(),
    }
}
