//! Annual training plan pages (seed 001): the unit reports its next year's plan with
//! its projects, flags (高研 / 精品 / 资助) and attachments; the organiser reviews it.
//! The guide's "in principle" rules come back as warnings that do not block.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use gazette_forms::{Button, FormRequest, Lang, Schema, render_form};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::api::{self, PlanPath, PlanView, plan_caller, year_of};
use super::{PlanRole, Selection, TrainingPlan, applications, export};
use crate::casework::pages::file_redirect;
use crate::casework::summary::file_link;
use crate::http::Role;
use crate::http::error::workflow_error;
use crate::http::extract::Path as ApiPath;
use crate::http::extract::{Idempotency, JsonBody, OptionalJsonBody};
use crate::lifecycle::review::{ReviewStatus, Step};
use crate::web::attempt::{self, Attempt};
use crate::web::desk::{Queue, QueueRow, Task};
use crate::web::form_route::{FormRoute, form_action};
use crate::web::pages::{self, label_history, refusal, refused, text};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url, query_value};

const FORM: &str = "training-plan";

/// Where the plan's forms post, and what each post does.
pub fn form_routes() -> Vec<FormRoute> {
    let plan = "/plans/{unit}/{year}";
    vec![
        FormRoute::new(
            "/act/training-plans",
            form_action!(c => api::submit(State(c.app.clone()), c.caller()?, c.lang, Idempotency(c.idempotency), JsonBody(c.body)).await),
            plan,
        )
        .back(Some("/plans/new"))
        .form(FORM),
        FormRoute::new(
            "/act/training-plans/{unit}/{year}",
            form_action!(c => api::resubmit(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?), JsonBody(c.body)).await),
            plan,
        )
        .form(FORM)
        .wrap_values(),
        FormRoute::new(
            "/act/training-plans/{unit}/{year}/withdraw",
            form_action!(c => api::withdraw(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?)).await),
            plan,
        ),
        FormRoute::new(
            "/act/training-plans/{unit}/{year}/approve",
            form_action!(c => api::approve(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?), OptionalJsonBody(c.body)).await),
            plan,
        ),
        FormRoute::new(
            "/act/training-plans/{unit}/{year}/return",
            form_action!(c => api::return_for_changes(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?), OptionalJsonBody(c.body)).await),
            plan,
        ),
    ]
}

/// The plan's pages, for signed-in visitors.
pub fn pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/plans", get(list)),
        PageRoute::signed_in("/plans/new", get(new_plan)),
        PageRoute::signed_in("/plans/{unit}/{year}", get(plan_page)),
        PageRoute::signed_in("/plans/{unit}/{year}/file", get(file)),
        PageRoute::signed_in("/plans/{unit}/{year}/print", get(print)),
    ]
}

fn schema() -> &'static Schema {
    gazette_forms::schema(FORM).expect("the training-plan form is compiled in")
}

fn is_reviewer(visitor: &Visitor) -> bool {
    matches!(visitor.role(), Some(Role::Organiser | Role::NationalAdmin))
}

fn this_year() -> i32 {
    i32::from(crate::lifecycle::time::today().year())
}

fn plan_url(unit: &str, year: &str) -> String {
    page_url(&format!("/plans/{}/{}", path_segment(unit), path_segment(year)))
}

/// The home page's task, for those the plan's permission model lets take part.
pub fn task(visitor: &Visitor) -> Option<Task> {
    visitor.caller().and_then(|c| plan_caller(&c, visitor.lang)).ok()?;
    Some(Task::new("年度培训计划", "/plans", "报送和审核年度培训计划"))
}

/// Plans of this year and next that the visitor may decide now (the permission model's
/// `approve`): the organiser's queue.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    if !is_reviewer(visitor) {
        return Vec::new();
    }
    let Ok(pc) = visitor.caller().and_then(|c| plan_caller(&c, visitor.lang)) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for year in [this_year(), this_year() + 1] {
        let plans = web.app.training_plans.list(&pc, year, Some(ReviewStatus::Submitted)).await.unwrap_or_default();
        for p in plans.into_iter().map(|p| PlanView::of(p, &pc)).filter(|p| p.allows(Step::Approve)) {
            let plan = &p.plan;
            rows.push(QueueRow {
                label: format!("{} {year} 年度培训计划", unit_name(plan)),
                detail: format!("{} 个项目", plan.values["projects"].as_array().map_or(0, Vec::len)),
                status: p.status_label.to_string(),
                href: plan_url(&plan.unit, &year.to_string()),
            });
        }
    }
    vec![Queue { title: "年度培训计划", empty: "没有待审核的年度培训计划。", rows }]
}

/// The unit's name as the plan gives it (单位名称), else its code.
fn unit_name(plan: &TrainingPlan) -> String {
    text(&plan.values["unit_name"]).unwrap_or_else(|| plan.unit.clone())
}

#[derive(Deserialize)]
struct ListQuery {
    year: Option<i32>,
    attempt: Option<String>,
}

/// A plan in a list: the view and its page.
#[derive(Serialize)]
struct PlanRow {
    #[serde(flatten)]
    view: PlanView,
    href: String,
}

/// `GET /web/plans` — the unit's plans, or every unit's plans of a year for reviewers.
async fn list(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, Response> {
    let year = q.year.unwrap_or(this_year() + 1);
    let pc = visitor.caller().and_then(|c| plan_caller(&c, visitor.lang)).map_err(refused(&visitor))?;
    let plans = match pc.role {
        PlanRole::Organiser | PlanRole::NationalAdmin => web
            .app
            .training_plans
            .list(&pc, year, None)
            .await
            .map_err(|e| refusal(&visitor, &workflow_error(e, visitor.lang)))?,
        PlanRole::Unit { ref unit } => {
            let mut plans = Vec::new();
            for y in [this_year() - 1, this_year(), this_year() + 1] {
                if let Ok(plan) = web.app.training_plans.get(&pc, unit, y).await {
                    plans.push(plan);
                }
            }
            plans
        }
    };
    let plans: Vec<PlanRow> = plans
        .into_iter()
        .map(|p| PlanRow { href: plan_url(&p.unit, &p.year.to_string()), view: PlanView::of(p, &pc) })
        .collect();
    Ok(pages::render(
        &visitor,
        "plans.html",
        json!({
            "title": "年度培训计划",
            "year": year,
            "years": [this_year() - 1, this_year(), this_year() + 1],
            "plans": plans,
            "reviewer": is_reviewer(&visitor),
            "can_submit": matches!(pc.role, PlanRole::Unit { .. }),
        }),
    ))
}

fn plan_form(
    action: &str,
    values: &Value,
    errors: &[(String, String)],
    hidden: Vec<(String, String)>,
    submit: &str,
) -> String {
    render_form(&FormRequest {
        schema: schema(),
        lang: Lang::Zh,
        action,
        hidden,
        part: None,
        values,
        errors,
        buttons: vec![Button::submit(submit)],
        novalidate: false,
        part_url: None,
    })
}

/// `GET /web/plans/new` — the plan form.
async fn new_plan(State(web): State<WebState>, visitor: Visitor, Query(q): Query<ListQuery>) -> Response {
    if visitor.unit().is_none() {
        return match visitor.role() {
            None => visitor.sign_in_redirect(),
            Some(_) => {
                pages::message(&visitor, "年度培训计划", "年度培训计划由各单位报送：请以单位的填报人或管理员身份登录。")
            }
        };
    };
    let attempt = match q.attempt.as_deref() {
        Some(token) => attempt::load(&web.app.store, token, &visitor).await,
        None => None,
    };
    let mut values = attempt.as_ref().map(|a| a.values.clone()).unwrap_or_else(|| json!({ "year": this_year() + 1 }));
    // The unit's name as the directory has it: the server names the plan so anyway.
    if let Some(unit) = visitor.unit()
        && let Ok(Some(known)) = web.app.directory.unit(unit).await
        && let Some(fields) = values.as_object_mut()
    {
        fields.insert("unit_name".into(), json!(known.name));
    }
    let errors = attempt.as_ref().map(Attempt::field_errors).unwrap_or_default();
    let hidden = vec![("_idem".into(), ulid::Ulid::new().to_string())];
    pages::render(
        &visitor,
        "plans.html",
        json!({
            "title": "报送年度培训计划",
            "new": true,
            "description": schema().description(Lang::Zh),
            "message": attempt.as_ref().map(|a| a.message.clone()),
            "form": plan_form(&page_url("/act/training-plans"), &values, &errors, hidden, "提交计划"),
        }),
    )
}

#[derive(Deserialize)]
struct AttemptQuery {
    attempt: Option<String>,
}

#[derive(Deserialize)]
struct FileQuery {
    #[serde(default)]
    key: String,
}

/// `GET /web/plans/{unit}/{year}/file?key=` — to a short-lived link to one of the
/// plan's attachments, for whoever may read the plan.
async fn file(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path(path): Path<PlanPath>,
    Query(q): Query<FileQuery>,
) -> Response {
    let url = match visitor.caller().and_then(|c| plan_caller(&c, visitor.lang)) {
        Ok(pc) => api::file_url(&web.app, &pc, visitor.lang, &path, &q.key).await,
        Err(e) => Err(e),
    };
    file_redirect(&visitor, url)
}

/// `GET /web/plans/{unit}/{year}/print` — the plan list as a page to print, stamp
/// (加盖单位公章) and send (seed 001); the same rows as the Excel export.
async fn print(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path(path): Path<PlanPath>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let pc = visitor.caller().and_then(|c| plan_caller(&c, lang)).map_err(refused(&visitor))?;
    let year = year_of(&path, lang).map_err(refused(&visitor))?;
    let plan = web
        .app
        .training_plans
        .get(&pc, &path.unit, year)
        .await
        .map_err(|e| refusal(&visitor, &workflow_error(e, lang)))?;
    let contact = |id: &str| text(&plan.values[id]).unwrap_or_default();
    Ok(pages::render(
        &visitor,
        "plan_print.html",
        json!({
            "title": export::title(&plan),
            "back": plan_url(&plan.unit, &year.to_string()),
            "status_label": plan.status.label_zh(),
            "headers": export::headers(),
            "rows": export::rows(schema(), &plan),
            "contact": [contact("contact_name"), contact("contact_phone"), contact("contact_email")],
            "stamp": export::STAMP_LINE,
        }),
    ))
}

/// What the organiser decides of each project applying for support, as the review
/// form draws it: the project, and the decisions open to it (the one chosen before, if
/// a refused form comes back).
fn selection_fields(plan: &TrainingPlan, attempt: Option<&Attempt>) -> Vec<Value> {
    applications(&plan.values)
        .into_iter()
        .map(|a| {
            let name = format!("selections[{}]", a.project);
            let chosen = attempt.and_then(|at| text(&at.values[&name]));
            let error = attempt.and_then(|at| at.errors.iter().find(|(p, _)| *p == name).map(|(_, m)| m.clone()));
            json!({
                "name": name,
                "id": format!("f-selection-{}", a.project),
                "label": format!("项目 {}：{}", a.project + 1, a.name),
                "error": error,
                "options": a.open.iter().map(|d| json!({
                    "value": d.as_str(),
                    "label": d.label(Lang::Zh),
                    "selected": chosen.as_deref() == Some(d.as_str()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// `GET /web/plans/{unit}/{year}` — one plan: status, warnings, contents, actions.
async fn plan_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(path): Path<PlanPath>,
    Query(q): Query<AttemptQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let pc = visitor.caller().and_then(|c| plan_caller(&c, lang)).map_err(refused(&visitor))?;
    let year = year_of(&path, lang).map_err(refused(&visitor))?;
    let view = web
        .app
        .training_plans
        .get(&pc, &path.unit, year)
        .await
        .map(|plan| PlanView::of(plan, &pc))
        .map_err(|e| refusal(&visitor, &workflow_error(e, lang)))?;
    let plan = &view.plan;
    let here = plan_url(&plan.unit, &year.to_string());
    let attempt = match q.attempt.as_deref() {
        Some(token) => attempt::load(&web.app.store, token, &visitor).await,
        None => None,
    };
    let errors = attempt.as_ref().map(Attempt::field_errors).unwrap_or_default();
    let act = page_url(&format!("/act/training-plans/{}/{year}", path_segment(&plan.unit)));
    let form = view.allows(Step::Save).then(|| {
        let values = match &attempt {
            Some(a) if a.form.is_some() => &a.values,
            _ => &plan.values,
        };
        let hidden = vec![("_version".into(), plan.version.to_string())];
        plan_form(&act, values, &errors, hidden, "重新提交")
    });
    // Only what the form asks of these answers (a seminar has no 讲座场次), read with units.
    let values = schema().applicable(&plan.values);
    let file_href =
        |key: &str| page_url(&format!("/plans/{}/{year}/file?key={}", path_segment(&plan.unit), query_value(key)));
    let answers = |fields: &[gazette_forms::Field], of: &Value| -> Vec<Value> {
        fields
            .iter()
            .filter(|f| !f.is_group())
            .filter_map(|f| Some((f, of.get(f.id())?)))
            .filter_map(|(f, value)| {
                let label = f.label(Lang::Zh);
                if f.kind() == gazette_forms::FieldType::File {
                    // Every attachment opens, through the plan's own download route.
                    let files: Vec<Value> = match value {
                        Value::Array(items) => items.iter().filter_map(|v| file_link(v, &file_href)).collect(),
                        one => file_link(one, &file_href).into_iter().collect(),
                    };
                    return (!files.is_empty()).then(|| json!({ "label": label, "files": files }));
                }
                let shown = f.display(value, Lang::Zh);
                (!shown.is_empty()).then(|| json!({ "label": label, "value": shown }))
            })
            .collect()
    };
    let rows = answers(schema().fields(), &values);
    let columns = schema().field("projects").map(|g| g.columns()).unwrap_or_default();
    let projects: Vec<Value> = values["projects"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "cells": answers(columns, p),
                "selection": export::selection_of(plan, i).map(|d: Selection| d.label(Lang::Zh)),
            })
        })
        .collect();
    let warnings: Vec<&String> = plan.warnings.values().collect();
    let mut shown_plan = serde_json::to_value(&view).unwrap_or_default();
    label_history(&mut shown_plan["history"]);
    Ok(pages::render(
        &visitor,
        "plans.html",
        json!({
            "title": format!("{} {year} 年度培训计划", unit_name(plan)),
            "plan": shown_plan,
            "status": plan.status,
            "rows": rows,
            "projects": projects,
            "warnings": warnings,
            "here": here,
            "act": act,
            "form": form,
            "message": attempt.as_ref().map(|a| a.message.clone()),
            "problems": attempt.as_ref().map(|a| a.errors.iter().filter(|(p, _)| p == "comment" || p.is_empty()).map(|(_, m)| m.clone()).collect::<Vec<_>>()),
            "can_withdraw": view.allows(Step::Withdraw),
            "can_review": view.allows(Step::Approve),
            "selections": selection_fields(plan, attempt.as_ref()),
            "export_path": format!("/training-plans/{}/{year}/export.xlsx", path_segment(&plan.unit)),
            "print": format!("{here}/print"),
        }),
    ))
}
