//! Monthly report pages (seed 002): a unit's months at a glance, a month's overview
//! (status, history, every part's figures, submit / withdraw / approve / return), and
//! one page per part to fill in — saved on its own, pre-filled from the month before,
//! with live totals next to the figures that must add up.

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gazette_forms::{Button, FormRequest, Lang, Schema, error_summary, render_form};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::Role;
use crate::web::attempt::{self, Attempt};
use crate::web::desk::{Queue, QueueRow};
use crate::web::form_route::{FormRoute, Next, Params};
use crate::web::pages::{self, allows, label_history, refusal, shown, text};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url};

const FORM: &str = "monthly-report";

/// Where the report's forms post, and what each post does.
pub fn form_routes() -> Vec<FormRoute> {
    let month = "/reports/{unit}/{platform}/{period}";
    vec![
        // A part saved: on to the next part ("保存并继续"), or the same page again ("保存").
        FormRoute::new("/act/reports/{unit}/{platform}/{period}/parts/{part}", Method::PUT, month, month)
            .next(Next::Computed(next_part))
            .back(Some("/reports/{unit}/{platform}/{period}/{part}"))
            .form(FORM)
            .wrap_values(),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/parts/{part}/stay",
            Method::PUT,
            month,
            "/reports/{unit}/{platform}/{period}/{part}",
        )
        .form(FORM)
        .wrap_values(),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/submit",
            Method::POST,
            "/reports/{unit}/{platform}/{period}/submit",
            month,
        ),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/withdraw",
            Method::POST,
            "/reports/{unit}/{platform}/{period}/withdraw",
            month,
        ),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/approve",
            Method::POST,
            "/reports/{unit}/{platform}/{period}/approve",
            month,
        ),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/return",
            Method::POST,
            "/reports/{unit}/{platform}/{period}/return",
            month,
        ),
    ]
}

/// The page after a saved part: the next part, or the month's overview after the last.
fn next_part(params: &Params, _: &Value) -> String {
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("");
    let here = report_url(param("unit"), param("platform"), param("period"));
    let parts = schema().parts();
    match parts.iter().position(|x| x.id() == param("part")).and_then(|i| parts.get(i + 1)) {
        Some(next) => format!("{here}/{}", next.id()),
        None => here,
    }
}

/// The report's pages, for signed-in visitors.
pub fn pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/reports", get(list)),
        PageRoute::signed_in("/reports/open", get(open)),
        PageRoute::signed_in("/reports/{unit}/{platform}/{period}", get(overview)),
        PageRoute::signed_in("/reports/{unit}/{platform}/{period}/{part}", get(part_page)),
    ]
}

/// Reports waiting for the unit administrator.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    if visitor.role() != Some(Role::UnitAdmin) {
        return Vec::new();
    }
    let answer = web.call(visitor, Method::GET, "/reports/review-queue", None).await;
    let rows = answer.body["reports"].as_array().cloned().unwrap_or_default();
    let unit = visitor.unit().unwrap_or_default();
    vec![Queue {
        title: "月度绩效报告",
        empty: "没有待审核的月度报告。",
        rows: rows
            .iter()
            .map(|r| QueueRow {
                label: format!(
                    "{} {}",
                    text(&r["platform_name"]).or_else(|| text(&r["platform"])).unwrap_or_default(),
                    text(&r["period"]).unwrap_or_default()
                ),
                detail: format!("平台代码 {}", text(&r["platform"]).unwrap_or_default()),
                status: text(&r["status_label"]).unwrap_or_default(),
                href: report_url(
                    unit,
                    &text(&r["platform"]).unwrap_or_default(),
                    &text(&r["period"]).unwrap_or_default(),
                ),
            })
            .collect(),
    }]
}

fn report_url(unit: &str, platform: &str, period: &str) -> String {
    page_url(&format!("/reports/{}/{}/{}", path_segment(unit), path_segment(platform), path_segment(period)))
}

fn schema() -> &'static Schema {
    gazette_forms::schema(FORM).expect("the monthly-report form is compiled in")
}

/// `GET /web/reports` — the unit's reports, status per platform and month.
async fn list(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Response {
    let answer = web.call(&visitor, Method::GET, "/reports", None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let unit = text(&answer.body["unit"]).unwrap_or_default();
    let mut platforms: Vec<(String, String, Vec<Value>)> = Vec::new();
    for r in answer.body["reports"].as_array().cloned().unwrap_or_default() {
        let platform = text(&r["platform"]).unwrap_or_default();
        let row = json!({
            "period": r["period"], "status": r["status"], "status_label": r["status_label"],
            "href": report_url(&unit, &platform, &text(&r["period"]).unwrap_or_default()),
        });
        match platforms.iter_mut().find(|(p, ..)| *p == platform) {
            Some((_, name, rows)) => {
                if name.is_empty() {
                    *name = text(&r["platform_name"]).unwrap_or_default();
                }
                rows.push(row)
            }
            None => platforms.push((platform, text(&r["platform_name"]).unwrap_or_default(), vec![row])),
        }
    }
    let platforms: Vec<Value> = platforms
        .into_iter()
        .map(|(code, name, months)| json!({"code": code, "name": name, "months": months}))
        .collect();
    let this_month = crate::lifecycle::time::today().strftime("%Y-%m").to_string();
    pages::render(
        &visitor,
        "reports.html",
        json!({
            "title": "月度绩效报告",
            "unit": unit,
            "platforms": platforms,
            "this_month": this_month,
            "can_fill": visitor.role() == Some(Role::Filler),
        }),
    )
}

#[derive(Deserialize)]
struct OpenQuery {
    platform: Option<String>,
    period: Option<String>,
}

/// `GET /web/reports/open?platform=&period=` — the "fill in a month" form's target.
async fn open(SignedIn(visitor): SignedIn, Query(q): Query<OpenQuery>) -> Response {
    let unit = visitor.unit().unwrap_or_default().to_string();
    let platform = path_segment(q.platform.as_deref().unwrap_or("").trim());
    let period = path_segment(q.period.as_deref().unwrap_or("").trim());
    if platform.is_empty() || period.len() != 7 {
        return pages::message(&visitor, "无法打开报告", "请填写平台代码（字母、数字或连字符）并选择填报月份。");
    }
    Redirect::to(&format!("{}/{}", report_url(&unit, &platform, &period), schema().parts()[0].id())).into_response()
}

#[derive(Deserialize)]
struct ReportPath {
    unit: String,
    platform: String,
    period: String,
}

#[derive(Deserialize)]
struct AttemptQuery {
    attempt: Option<String>,
}

async fn load_attempt(web: &WebState, visitor: &Visitor, q: &AttemptQuery) -> Option<Attempt> {
    attempt::load(&web.app.store, q.attempt.as_deref()?, visitor).await
}

fn api_path(p: &ReportPath) -> String {
    format!("/reports/{}/{}/{}", path_segment(&p.unit), path_segment(&p.platform), path_segment(&p.period))
}

/// `GET /web/reports/{unit}/{platform}/{period}` — the month: status, actions, figures.
async fn overview(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(p): Path<ReportPath>,
    Query(q): Query<AttemptQuery>,
) -> Response {
    let answer = web.call(&visitor, Method::GET, &api_path(&p), None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let mut report = answer.body;
    label_history(&mut report["history"]);
    let schema = schema();
    let here = report_url(&p.unit, &p.platform, &p.period);
    let attempt = load_attempt(&web, &visitor, &q).await;
    let errors = attempt.as_ref().map(Attempt::field_errors).unwrap_or_default();
    let mut summary = error_summary(schema, &errors);
    // Each error links to its part's page, which shows the same errors at the fields.
    let with_attempt = q.attempt.as_deref().map(|t| format!("?attempt={}", path_segment(t))).unwrap_or_default();
    for item in &mut summary {
        if let Some(part) = &item.part {
            item.href = format!("{here}/{part}{with_attempt}#{}", item.target);
        }
    }
    let status = text(&report["status"]).unwrap_or_default();
    let parts: Vec<Value> = schema
        .parts()
        .iter()
        .map(|part| {
            let rows: Vec<Value> = schema
                .fields_in_part(part.id())
                .filter(|f| f.kind() != gazette_forms::FieldType::Hidden)
                .map(|f| json!({ "label": f.label(Lang::Zh), "value": shown(&report["values"][f.id()]), "unit": f.unit().map(|u| u.label(Lang::Zh)) }))
                .collect();
            let errors = summary.iter().filter(|e| e.part.as_deref() == Some(part.id())).count();
            json!({ "id": part.id(), "title": part.title(Lang::Zh), "href": format!("{here}/{}", part.id()), "rows": rows, "errors": errors })
        })
        .collect();
    let editable = allows(&report, "save");
    pages::render(
        &visitor,
        "report.html",
        json!({
            "title": format!("{} {} 月度绩效", text(&report["values"]["platform_name"]).unwrap_or_else(|| p.platform.clone()), p.period),
            "report": report,
            "status": status,
            "here": here,
            "api_path": api_path(&p),
            "parts": parts,
            "summary": summary,
            "message": attempt.as_ref().map(|a| a.message.clone()),
            "editable": editable,
            "can_submit": allows(&report, "submit"),
            "can_withdraw": allows(&report, "withdraw"),
            "can_review": allows(&report, "approve"),
            "comment_error": errors.iter().find(|(p, _)| p == "comment").map(|(_, m)| m.clone()),
            "idem": ulid::Ulid::new().to_string(),
        }),
    )
}

/// `GET /web/reports/{unit}/{platform}/{period}/{part}` — one part to fill in.
async fn part_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path((unit, platform, period, part)): Path<(String, String, String, String)>,
    Query(q): Query<AttemptQuery>,
) -> Response {
    let p = ReportPath { unit, platform, period };
    let schema = schema();
    let Some(index) = schema.parts().iter().position(|x| x.id() == part) else {
        return crate::web::public::not_found(visitor).await;
    };
    let answer = web.call(&visitor, Method::GET, &api_path(&p), None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let report = answer.body;
    let here = report_url(&p.unit, &p.platform, &p.period);
    if !allows(&report, "save") {
        // Submitted and approved months, and everyone but the unit's filler, read the overview.
        return Redirect::to(&here).into_response();
    }
    let attempt = load_attempt(&web, &visitor, &q).await;
    let errors = attempt.as_ref().map(Attempt::field_errors).unwrap_or_default();
    // What was typed on this page when it was refused; otherwise what is saved.
    let values = match &attempt {
        Some(a) if a.part.as_deref() == Some(part.as_str()) => a.values.clone(),
        _ => report["values"].clone(),
    };
    let parts = schema.parts();
    let version = text(&report["version"]).unwrap_or_else(|| "0".into());
    let hidden = vec![("_version".into(), version)];
    let last = index + 1 == parts.len();
    let action = page_url(&format!("/act{}/parts/{}", api_path(&p), path_segment(&part)));
    let buttons = vec![
        Button::submit(if last { "保存并检查" } else { "保存并继续" }),
        Button::to("保存", &format!("{action}/stay")),
    ];
    let with_attempt = q.attempt.as_deref().map(|t| format!("?attempt={}", path_segment(t))).unwrap_or_default();
    let part_url = format!("{here}/{{part}}{with_attempt}");
    let form = render_form(&FormRequest {
        schema,
        lang: Lang::Zh,
        action: &action,
        hidden,
        part: Some(&part),
        values: &values,
        errors: &errors,
        buttons,
        novalidate: true,
        part_url: Some(&part_url),
    });
    let steps: Vec<Value> = parts
        .iter()
        .enumerate()
        .map(|(i, x)| json!({ "n": i + 1, "title": x.title(Lang::Zh), "href": format!("{here}/{}", x.id()), "current": i == index }))
        .collect();
    let current = &parts[index];
    pages::render(
        &visitor,
        "report_part.html",
        json!({
            "title": format!("{} · {}", current.title(Lang::Zh), p.period),
            "part_title": current.title(Lang::Zh),
            "part_help": current.help(Lang::Zh),
            "period": p.period,
            "platform": p.platform,
            "report": report,
            "steps": steps,
            "step": index + 1,
            "step_count": parts.len(),
            "overview": here,
            "form": form,
            "message": attempt.as_ref().map(|a| a.message.clone()),
        }),
    )
}
