//! The pages of hours from elsewhere (seed 003 学时登记): the learner's list and the
//! `external-training` form, one training with its status and opinion, and for the
//! unit administrator the unit's list and approve / return with an opinion.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use gazette_forms::Button;
use serde_json::{Value, json};

use super::external::ExternalTraining;
use super::external_api::{self, external_view};
use crate::casework::action_form::{ActionField, ActionForm};
use crate::casework::api::download_url;
use crate::casework::pages::{
    PageQuery, controls, file_redirect, idempotency_key, no_schema, refused_attempt, schema_form, when,
};
use crate::http::extract::{JsonBody, Path as ApiPath};
use crate::lifecycle::review::{ReviewStatus, Step};
use crate::validation::EXTERNAL_TRAINING;
use crate::web::desk::{Queue, QueueRow};
use crate::web::form_route::{FormRoute, form_action};
use crate::web::pages::{self, refused};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url, query_value};

pub fn pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/learning/external", get(list)),
        PageRoute::signed_in("/learning/external/new", get(new_form)),
        PageRoute::signed_in("/learning/external/{id}", get(page)),
        PageRoute::signed_in("/learning/external/{id}/file", get(file)),
    ]
}

/// Where the forms post: the registration, and the unit administrator's decisions.
pub fn form_routes() -> Vec<FormRoute> {
    vec![
        FormRoute::new(
            "/act/learning/external",
            form_action!(c => external_api::submit(State(c.app.clone()), c.caller()?, c.lang, JsonBody(c.body)).await),
            "/learning/external/{id}?done=submitted",
        )
        .back(Some("/learning/external/new"))
        .form(EXTERNAL_TRAINING),
        FormRoute::new(
            "/act/learning/external/{id}/approve",
            form_action!(c => external_api::approve(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await),
            "/learning/external/{id}?done=approved",
        )
        .back(Some("/learning/external/{id}")),
        FormRoute::new(
            "/act/learning/external/{id}/return",
            form_action!(c => external_api::return_it(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await),
            "/learning/external/{id}?done=returned",
        )
        .back(Some("/learning/external/{id}")),
    ]
}

fn training_url(id: &str) -> String {
    page_url(&format!("/learning/external/{}", path_segment(id)))
}

/// A training as a row of a list.
fn row(t: &ExternalTraining) -> Value {
    json!({
        "href": training_url(&t.id),
        "name": t.form.name,
        "learner": t.learner.name,
        "organiser": t.form.organiser,
        "dates": format!("{} 至 {}", t.form.starts, t.form.ends),
        "hours": super::statistics::hours_text(t.form.hours),
        "status": t.status.as_str(),
        "status_label": t.status.label_zh(),
    })
}

/// `GET /web/learning/external` — the visitor's own trainings from elsewhere and, for
/// a unit administrator, those of the unit's learners.
async fn list(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Result<Response, Response> {
    let lang = visitor.lang;
    let caller = visitor.caller().map_err(refused(&visitor))?;
    let mine = external_api::mine(&web.app, &caller, lang).await.map_err(refused(&visitor))?;
    let unit = match caller.external_caller().administers {
        Some(_) => Some(external_api::of_unit(&web.app, &caller, lang).await.map_err(refused(&visitor))?),
        None => None,
    };
    let mut lists = vec![json!({
        "heading": "我登记的培训", "learner": false, "empty": "还没有登记外部培训。",
        "rows": mine.iter().map(row).collect::<Vec<_>>(),
    })];
    if let Some(unit) = unit {
        lists.push(json!({
            "heading": "本单位学员的登记", "learner": true, "empty": "本单位学员还没有登记外部培训。",
            "rows": unit.iter().map(row).collect::<Vec<_>>(),
        }));
    }
    Ok(pages::render(
        &visitor,
        "external_list.html",
        json!({ "title": "外部培训学时", "lists": lists, "new_href": page_url("/learning/external/new") }),
    ))
}

/// `GET /web/learning/external/new` — the `external-training` form.
async fn new_form(State(web): State<WebState>, SignedIn(visitor): SignedIn, Query(q): Query<PageQuery>) -> Response {
    let Some(schema) = gazette_forms::schema(EXTERNAL_TRAINING) else { return no_schema(&visitor) };
    let attempt = refused_attempt(&web, &visitor, &q).await;
    let hidden = controls(&[("_action", "submit"), ("_idem", &idempotency_key(attempt.as_ref()))]);
    let (values, errors, message) = match &attempt {
        Some(a) => (a.values.clone(), a.field_errors(), a.message.clone()),
        None => (json!({}), Vec::new(), schema.description(crate::casework::pages::ZH).unwrap_or_default().to_owned()),
    };
    let action = page_url("/act/learning/external");
    let form = schema_form(schema, &action, &values, &errors, hidden, vec![Button::submit("提交审核")], false);
    pages::render(
        &visitor,
        "form_page.html",
        json!({ "title": "登记外部培训学时", "message": message, "form": form, "return": page_url("/learning/external") }),
    )
}

/// Said at the top of the page after a step went through.
fn done_text(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "submitted" => "已提交，等待本单位管理员审核。",
        "approved" => "已审核通过，学时已计入学员成长档案。",
        "returned" => "已退回。",
        _ => return None,
    })
}

/// `GET /web/learning/external/{id}` — one training: what was declared, the
/// certificate, status and opinion, the history; its unit administrator's decision.
async fn page(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let caller = visitor.caller().map_err(refused(&visitor))?;
    let training = external_api::one(&web.app, &caller, lang, &id).await.map_err(refused(&visitor))?;
    let who = caller.external_caller();
    let steps = who.allowed(&training);
    let attempt = refused_attempt(&web, &visitor, &q).await;
    let id = path_segment(&training.id);
    let mut actions = Vec::new();
    if steps.contains(&Step::Approve) {
        actions.push(
            ActionForm::new("approve", "审核通过", &page_url(&format!("/act/learning/external/{id}/approve")))
                .intro("证书与所填内容相符的，审核通过后学时计入学员成长档案和本单位年度汇总。")
                .field(ActionField::textarea("comment", "审核意见", false, 500))
                .button("审核通过", false)
                .with_attempt(attempt.as_ref()),
        );
    }
    if steps.contains(&Step::Return) {
        actions.push(
            ActionForm::new("return", "退回", &page_url(&format!("/act/learning/external/{id}/return")))
                .intro("证书与所填内容不符或不应计入学时的，写明审核意见后退回；学员可修改后重新登记。")
                .field(ActionField::textarea("comment", "审核意见", true, 500).hint("学员将看到这段意见。"))
                .button("退回", true)
                .with_attempt(attempt.as_ref()),
        );
    }
    let drawn = actions.iter().any(|a| a.drawn);
    let history: Vec<Value> = training
        .history
        .iter()
        .map(|h| {
            let at = h.at.to_string();
            json!({ "action": h.action.label_zh(), "status": h.status.label_zh(), "by": h.by, "at": when(&at),
                    "datetime": crate::lifecycle::time::machine(h.at), "comment": h.comment })
        })
        .collect();
    let file_href =
        page_url(&format!("/learning/external/{id}/file?key={}", query_value(&training.form.certificate.key)));
    Ok(pages::render(
        &visitor,
        "external.html",
        json!({
            "title": training.form.name,
            "t": external_view(&training, &who),
            "returned": training.status == ReviewStatus::Returned,
            "file_href": file_href,
            "actions": actions,
            "history": history,
            "problem": attempt.as_ref().filter(|_| !drawn).map(|a| a.message.clone()),
            "done": done_text(q.done.as_deref()),
            "list_href": page_url("/learning/external"),
            "new_href": page_url("/learning/external/new"),
        }),
    ))
}

/// `GET /web/learning/external/{id}/file?key=` — the certificate, through the API's
/// short-lived link.
async fn file(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = visitor.lang;
    let url = async {
        let caller = visitor.caller()?;
        let training = external_api::one(&web.app, &caller, lang, &id).await?;
        let key = q.key.as_deref().unwrap_or("");
        download_url(&web.app, lang, std::slice::from_ref(&training.form.certificate), key).await
    };
    file_redirect(&visitor, url.await)
}

/// What waits for a unit administrator: the unit's trainings from elsewhere to decide.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    let Ok(caller) = visitor.caller() else { return Vec::new() };
    let who = caller.external_caller();
    if who.administers.is_none() {
        return Vec::new();
    }
    let list = external_api::of_unit(&web.app, &caller, visitor.lang).await.unwrap_or_default();
    let rows = list
        .iter()
        .filter(|t| who.allowed(t).contains(&Step::Approve))
        .map(|t| QueueRow {
            label: t.form.name.clone(),
            detail: format!("{} · {} 学时", t.learner.name, super::statistics::hours_text(t.form.hours)),
            status: t.status.label_zh().to_owned(),
            href: training_url(&t.id),
        })
        .collect();
    vec![Queue { title: "外部培训学时：待审核", empty: "没有待审核的外部培训学时。", rows }]
}
