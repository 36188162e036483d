//! Annual training plan pages (seed 001): the unit reports its next year's plan with
//! its projects, flags (高研 / 精品 / 资助) and attachments; the organiser reviews it.
//! The guide's "in principle" rules come back as warnings that do not block.

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::get;
use gazette_forms::{Button, FormRequest, Lang, Schema, render_form};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::Role;
use crate::web::attempt::{self, Attempt};
use crate::web::desk::{Queue, QueueRow};
use crate::web::form_route::FormRoute;
use crate::web::pages::{self, allows, label_history, refusal, text};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url};

const FORM: &str = "training-plan";

/// Where the plan's forms post, and what each post does.
pub fn form_routes() -> Vec<FormRoute> {
    let plan = "/plans/{unit}/{year}";
    vec![
        FormRoute::new("/act/training-plans", Method::POST, "/training-plans", plan)
            .back(Some("/plans/new"))
            .form(FORM),
        FormRoute::new("/act/training-plans/{unit}/{year}", Method::PUT, "/training-plans/{unit}/{year}", plan)
            .form(FORM)
            .wrap_values(),
        FormRoute::new(
            "/act/training-plans/{unit}/{year}/withdraw",
            Method::POST,
            "/training-plans/{unit}/{year}/withdraw",
            plan,
        ),
        FormRoute::new(
            "/act/training-plans/{unit}/{year}/approve",
            Method::POST,
            "/training-plans/{unit}/{year}/approve",
            plan,
        ),
        FormRoute::new(
            "/act/training-plans/{unit}/{year}/return",
            Method::POST,
            "/training-plans/{unit}/{year}/return",
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

/// Plans of this year and next that the visitor may decide now (the permission model's
/// `approve`): the organiser's queue.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    if !is_reviewer(visitor) {
        return Vec::new();
    }
    let mut rows = Vec::new();
    for year in [this_year(), this_year() + 1] {
        let answer =
            web.call(visitor, Method::GET, &format!("/training-plans?year={year}&status=submitted"), None).await;
        for p in answer.body["plans"].as_array().into_iter().flatten().filter(|p| allows(p, "approve")) {
            let unit = text(&p["unit"]).unwrap_or_default();
            rows.push(QueueRow {
                label: format!(
                    "{} {year} 年度培训计划",
                    text(&p["values"]["unit_name"]).unwrap_or_else(|| unit.clone())
                ),
                detail: format!("{} 个项目", p["values"]["projects"].as_array().map_or(0, Vec::len)),
                status: text(&p["status_label"]).unwrap_or_default(),
                href: plan_url(&unit, &year.to_string()),
            });
        }
    }
    vec![Queue { title: "年度培训计划", empty: "没有待审核的年度培训计划。", rows }]
}

#[derive(Deserialize)]
struct ListQuery {
    year: Option<i32>,
    attempt: Option<String>,
}

/// `GET /web/plans` — the unit's plans, or every unit's plans of a year for reviewers.
async fn list(State(web): State<WebState>, SignedIn(visitor): SignedIn, Query(q): Query<ListQuery>) -> Response {
    let year = q.year.unwrap_or(this_year() + 1);
    let mut plans = Vec::new();
    if is_reviewer(&visitor) {
        let answer = web.call(&visitor, Method::GET, &format!("/training-plans?year={year}"), None).await;
        if !answer.is_success() {
            return refusal(&visitor, &answer);
        }
        plans = answer.body["plans"].as_array().cloned().unwrap_or_default();
    } else if let Some(unit) = visitor.unit() {
        for y in [this_year() - 1, this_year(), this_year() + 1] {
            let answer =
                web.call(&visitor, Method::GET, &format!("/training-plans/{}/{y}", path_segment(unit)), None).await;
            if answer.is_success() {
                plans.push(answer.body);
            }
        }
    }
    for p in &mut plans {
        p["href"] = json!(plan_url(&text(&p["unit"]).unwrap_or_default(), &text(&p["year"]).unwrap_or_default()));
    }
    pages::render(
        &visitor,
        "plans.html",
        json!({
            "title": "年度培训计划",
            "year": year,
            "years": [this_year() - 1, this_year(), this_year() + 1],
            "plans": plans,
            "reviewer": is_reviewer(&visitor),
            "can_submit": matches!(visitor.role(), Some(Role::Filler | Role::UnitAdmin)),
        }),
    )
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
    let values = attempt.as_ref().map(|a| a.values.clone()).unwrap_or_else(|| json!({ "year": this_year() + 1 }));
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

/// `GET /web/plans/{unit}/{year}` — one plan: status, warnings, contents, actions.
async fn plan_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path((unit, year)): Path<(String, String)>,
    Query(q): Query<AttemptQuery>,
) -> Response {
    let api_path = format!("/training-plans/{}/{}", path_segment(&unit), path_segment(&year));
    let answer = web.call(&visitor, Method::GET, &api_path, None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let mut plan = answer.body;
    label_history(&mut plan["history"]);
    let here = plan_url(&unit, &year);
    let status = text(&plan["status"]).unwrap_or_default();
    let attempt = match q.attempt.as_deref() {
        Some(token) => attempt::load(&web.app.store, token, &visitor).await,
        None => None,
    };
    let errors = attempt.as_ref().map(Attempt::field_errors).unwrap_or_default();
    let editable = allows(&plan, "save");
    let form = editable.then(|| {
        let values = match &attempt {
            Some(a) if a.form.is_some() => a.values.clone(),
            _ => plan["values"].clone(),
        };
        let hidden = vec![("_version".into(), text(&plan["version"]).unwrap_or_default())];
        plan_form(&page_url(&format!("/act{api_path}")), &values, &errors, hidden, "重新提交")
    });
    // Only what the form asks of these answers (a seminar has no 讲座场次), read with units.
    let values = schema().applicable(&plan["values"]);
    let answers = |fields: &[gazette_forms::Field], of: &Value| -> Vec<Value> {
        fields
            .iter()
            .filter(|f| !f.is_group())
            .filter_map(|f| Some((f, f.display(of.get(f.id())?, Lang::Zh))))
            .filter(|(_, shown)| !shown.is_empty())
            .map(|(f, shown)| json!({ "label": f.label(Lang::Zh), "value": shown }))
            .collect()
    };
    let rows = answers(schema().fields(), &values);
    let columns = schema().field("projects").map(|g| g.columns()).unwrap_or_default();
    let projects: Vec<Value> =
        values["projects"].as_array().into_iter().flatten().map(|p| json!({ "cells": answers(columns, p) })).collect();
    let warnings: Vec<String> =
        plan["warnings"].as_object().into_iter().flatten().filter_map(|(_, m)| text(m)).collect();
    pages::render(
        &visitor,
        "plans.html",
        json!({
            "title": format!("{} {year} 年度培训计划", text(&plan["values"]["unit_name"]).unwrap_or_else(|| unit.clone())),
            "plan": plan,
            "status": status,
            "rows": rows,
            "projects": projects,
            "warnings": warnings,
            "here": here,
            "api_path": api_path,
            "form": form,
            "message": attempt.as_ref().map(|a| a.message.clone()),
            "problems": attempt.as_ref().map(|a| a.errors.iter().filter(|(p, _)| p == "comment" || p.is_empty()).map(|(_, m)| m.clone()).collect::<Vec<_>>()),
            "can_withdraw": allows(&plan, "withdraw"),
            "can_review": allows(&plan, "approve"),
        }),
    )
}
