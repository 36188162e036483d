//! Monthly report pages (seed 002): a unit's months at a glance, a month's overview
//! (status, history, every part's figures, submit / withdraw / approve / return), and
//! one page per part to fill in — saved on its own, pre-filled from the month before,
//! with live totals next to the figures that must add up.

use super::api::{self, ReportPath, ReportView, report_caller, report_id};
use super::{ReportRole, ReportSummary, document};
use crate::http::error::workflow_error;
use crate::http::extract::Path as ApiPath;
use crate::http::extract::{Idempotency, OptionalJsonBody};
use crate::lifecycle::review::Step;
use crate::web::form_route::form_action;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gazette_forms::{Button, FormRequest, Lang, Schema, error_summary, render_form};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::Role;
use crate::web::attempt::{self, Attempt};
use crate::web::desk::{Queue, QueueRow, Task};
use crate::web::form_route::{FormRoute, Next, Params};
use crate::web::pages::{self, label_history, refusal, refused, text};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{MOUNT, PageRoute, WebState, page_url, query_value};

const FORM: &str = "monthly-report";

/// Where the report's forms post, and what each post does.
pub fn form_routes() -> Vec<FormRoute> {
    let month = "/reports/{unit}/{platform}/{period}";
    vec![
        // A part saved: on to the next part ("保存并继续"), or the same page again ("保存").
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/parts/{part}",
            form_action!(c => api::save(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?), OptionalJsonBody(c.body)).await),
            month,
        )
        .next(Next::Computed(next_part))
        .back(Some("/reports/{unit}/{platform}/{period}/{part}"))
        .form(FORM)
        .wrap_values(),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/parts/{part}/stay",
            form_action!(c => api::save(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?), OptionalJsonBody(c.body)).await),
            "/reports/{unit}/{platform}/{period}/{part}",
        )
        .form(FORM)
        .wrap_values(),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/submit",
            form_action!(c => api::submit(State(c.app.clone()), c.caller()?, c.lang, Idempotency(c.idempotency.clone()), ApiPath(c.path()?), OptionalJsonBody(c.body)).await),
            month,
        ),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/withdraw",
            form_action!(c => api::withdraw(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?)).await),
            month,
        ),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/approve",
            form_action!(c => api::approve(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?), OptionalJsonBody(c.body)).await),
            month,
        ),
        FormRoute::new(
            "/act/reports/{unit}/{platform}/{period}/return",
            form_action!(c => api::return_for_changes(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.path()?), OptionalJsonBody(c.body)).await),
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
        PageRoute::signed_in("/reports/{unit}/{platform}/{period}/check", get(check_page)),
        PageRoute::signed_in("/reports/{unit}/{platform}/{period}/file", get(file)),
        PageRoute::signed_in("/reports/{unit}/{platform}/{period}/{part}", get(part_page)),
        PageRoute::signed_in("/annual-reports/{unit}/{platform}/{year}", get(annual_page)),
        PageRoute::signed_in("/region-reports", get(region_page)),
    ]
}

/// The home page's task: for the unit's fillers and administrator, their months; for
/// a regional administrator, the region's month.
pub fn task(visitor: &Visitor) -> Option<Task> {
    let rc = visitor.caller().and_then(|c| report_caller(&c, visitor.lang)).ok()?;
    match rc.role {
        ReportRole::Filler { .. } | ReportRole::UnitAdmin { .. } => {
            Some(Task::new("月度绩效报告", "/reports", "按月填报、保存、提交、撤回"))
        }
        ReportRole::RegionalAdmin { .. } => {
            Some(Task::new("月度绩效填报情况", "/region-reports", "本地区各平台每月的提交、审核和逾期情况，导出 Excel"))
        }
        ReportRole::NationalAdmin => None,
    }
}

/// Reports waiting for the unit administrator.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    if visitor.role() != Some(Role::UnitAdmin) {
        return Vec::new();
    }
    let Ok(rc) = visitor.caller().and_then(|c| report_caller(&c, visitor.lang)) else {
        return Vec::new();
    };
    let rows = web.app.reports.review_queue(&rc).await.unwrap_or_default();
    let unit = visitor.unit().unwrap_or_default();
    vec![Queue {
        title: "月度绩效报告",
        empty: "没有待审核的月度报告。",
        rows: rows
            .iter()
            .map(|r| QueueRow {
                label: format!("{} {}", platform_name(r), r.period),
                detail: format!("平台代码 {}", r.platform),
                status: r.status_label.to_string(),
                href: report_url(unit, &r.platform, &r.period),
            })
            .collect(),
    }]
}

/// The platform's name as the report gives it (平台名称), else its code.
fn platform_name(r: &ReportSummary) -> &str {
    if r.platform_name.is_empty() { &r.platform } else { &r.platform_name }
}

fn report_url(unit: &str, platform: &str, period: &str) -> String {
    page_url(&format!("/reports/{}/{}/{}", path_segment(unit), path_segment(platform), path_segment(period)))
}

fn schema() -> &'static Schema {
    gazette_forms::schema(FORM).expect("the monthly-report form is compiled in")
}

/// `GET /web/reports` — the unit's reports, status per platform and month.
async fn list(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Result<Response, Response> {
    let rc = visitor.caller().and_then(|c| report_caller(&c, visitor.lang)).map_err(refused(&visitor))?;
    let Some(unit) = visitor.unit() else {
        return Ok(pages::message(
            &visitor,
            "月度绩效报告",
            "月度绩效报告由各单位填报：请以单位的填报人或管理员身份登录。",
        ));
    };
    let reports =
        web.app.reports.list(&rc, unit).await.map_err(|e| refusal(&visitor, &workflow_error(e, visitor.lang)))?;
    let mut platforms: Vec<(&str, &str, Vec<Value>)> = Vec::new();
    for r in &reports {
        let row = json!({
            "period": r.period, "status": r.status, "status_label": r.status_label,
            "href": report_url(unit, &r.platform, &r.period),
        });
        match platforms.iter_mut().find(|(p, ..)| *p == r.platform) {
            Some((_, name, rows)) => {
                if name.is_empty() {
                    *name = &r.platform_name;
                }
                rows.push(row)
            }
            None => platforms.push((&r.platform, &r.platform_name, vec![row])),
        }
    }
    let platforms: Vec<Value> = platforms
        .into_iter()
        .map(|(code, name, months)| json!({"code": code, "name": name, "months": months}))
        .collect();
    let this_month = crate::lifecycle::time::today().strftime("%Y-%m").to_string();
    let choices = super::platforms::of_unit(&web, unit).await;
    Ok(pages::render(
        &visitor,
        "reports.html",
        json!({
            "title": "月度绩效报告",
            "unit": unit,
            "platforms": platforms,
            "choices": choices,
            "can_manage": visitor.role() == Some(Role::UnitAdmin),
            "this_month": this_month,
            "can_fill": visitor.role() == Some(Role::Filler),
        }),
    ))
}

#[derive(Deserialize)]
struct OpenQuery {
    platform: Option<String>,
    period: Option<String>,
}

/// `GET /web/reports/open?platform=&period=` — the "fill in a month" form's target:
/// the platform must be one of the unit's in the directory.
async fn open(State(web): State<WebState>, SignedIn(visitor): SignedIn, Query(q): Query<OpenQuery>) -> Response {
    let unit = visitor.unit().unwrap_or_default().to_string();
    let platform = path_segment(q.platform.as_deref().unwrap_or("").trim());
    let period = path_segment(q.period.as_deref().unwrap_or("").trim());
    if period.len() != 7 {
        return pages::message(&visitor, "无法打开报告", "请选择填报月份。");
    }
    if !matches!(web.app.directory.platform(&unit, &platform).await, Ok(Some(_))) {
        return pages::message_status(
            &visitor,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "无法打开报告",
            "请从本单位登记的科研平台中选择平台；平台由单位管理员在“科研平台”页登记。",
        );
    }
    Redirect::to(&format!("{}/{}", report_url(&unit, &platform, &period), schema().parts()[0].id())).into_response()
}

#[derive(Deserialize)]
struct AttemptQuery {
    attempt: Option<String>,
}

async fn load_attempt(web: &WebState, visitor: &Visitor, q: &AttemptQuery) -> Option<Attempt> {
    attempt::load(&web.app.store, q.attempt.as_deref()?, visitor).await
}

/// The month `p` as the visitor sees it; a refusal as a page.
async fn month(web: &WebState, visitor: &Visitor, p: &ReportPath) -> Result<ReportView, Response> {
    let lang = visitor.lang;
    let rc = visitor.caller().and_then(|c| report_caller(&c, lang)).map_err(refused(visitor))?;
    let id = report_id(p, lang).map_err(refused(visitor))?;
    let month = web.app.reports.get(&rc, &id).await.map_err(|e| refusal(visitor, &workflow_error(e, lang)))?;
    Ok(ReportView::of(month, &rc, web.app.reports.now()))
}

/// `/web/act/reports/{unit}/{platform}/{period}`: where the month's form routes start.
fn act_path(p: &ReportPath) -> String {
    page_url(&format!(
        "/act/reports/{}/{}/{}",
        path_segment(&p.unit),
        path_segment(&p.platform),
        path_segment(&p.period)
    ))
}

/// The month's view for a template, its history labelled.
fn shown_report(view: &ReportView) -> Value {
    let mut report = serde_json::to_value(view).unwrap_or_default();
    label_history(&mut report["history"]);
    report
}

/// `GET /web/reports/{unit}/{platform}/{period}` — the month: status, actions, figures.
async fn overview(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(p): Path<ReportPath>,
    Query(q): Query<AttemptQuery>,
) -> Result<Response, Response> {
    let view = month(&web, &visitor, &p).await?;
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
    let parts = part_tables(&view, &here, &summary);
    let report = shown_report(&view);
    let files = attachments(&view, &here);
    Ok(pages::render(
        &visitor,
        "report.html",
        json!({
            "title": format!("{} {} 月度绩效", text(&view.values()["platform_name"]).unwrap_or_else(|| p.platform.clone()), p.period),
            "status": report["status"],
            "report": report,
            "here": here,
            "act": act_path(&p),
            "print": format!("{MOUNT}/reports/{}/{}/{}/print", path_segment(&p.unit), path_segment(&p.platform), path_segment(&p.period)),
            "parts": parts,
            "summary": summary,
            "message": attempt.as_ref().map(|a| a.message.clone()),
            "editable": view.allows(Step::Save),
            "can_submit": view.allows(Step::Submit),
            "check": format!("{here}/check"),
            "pdf": pdf_url(&p, &view),
            "files": files,
            "can_withdraw": view.allows(Step::Withdraw),
            "can_review": view.allows(Step::Approve),
            "comment_error": errors.iter().find(|(p, _)| p == "comment").map(|(_, m)| m.clone()),
            "idem": ulid::Ulid::new().to_string(),
        }),
    ))
}

/// Every part as a table of label, value (numbers never filled in marked as such)
/// and unit, with its count of errors and whether the filler ever saved it.
fn part_tables(view: &ReportView, here: &str, summary: &[gazette_forms::SummaryItem]) -> Vec<Value> {
    let schema = schema();
    let opened: &[String] = match &view.month {
        api::Month::Report(r) => &r.opened_parts,
        api::Month::NotStarted { .. } => &[],
    };
    schema
        .parts()
        .iter()
        .map(|part| {
            let rows: Vec<Value> = schema
                .fields_in_part(part.id())
                .filter(|f| f.kind() != gazette_forms::FieldType::Hidden)
                .map(|f| {
                    let (value, _) = document::shown(f, view.values().get(f.id()));
                    let missing = value == document::NOT_FILLED;
                    json!({ "label": f.label(Lang::Zh), "value": value, "missing": missing, "unit": f.unit().map(|u| u.label(Lang::Zh)) })
                })
                .collect();
            let errors = summary.iter().filter(|e| e.part.as_deref() == Some(part.id())).count();
            json!({
                "id": part.id(), "title": part.title(Lang::Zh), "href": format!("{here}/{}", part.id()),
                "rows": rows, "errors": errors, "opened": opened.iter().any(|o| o == part.id()),
            })
        })
        .collect()
}

/// The report's attachments, each with the page link that opens it.
fn attachments(view: &ReportView, here: &str) -> Vec<Value> {
    let api::Month::Report(r) = &view.month else { return vec![] };
    let names: Vec<(String, String)> = schema()
        .fields()
        .iter()
        .filter(|f| f.kind() == gazette_forms::FieldType::File)
        .filter_map(|f| r.values.get(f.id())?.as_array().cloned())
        .flatten()
        .filter_map(|f| Some((f.get("name")?.as_str()?.to_owned(), f.get("key")?.as_str()?.to_owned())))
        .collect();
    names
        .into_iter()
        .map(|(name, key)| json!({ "name": name, "href": format!("{here}/file?key={}", query_value(&key)) }))
        .collect()
}

/// The PDF of a started month (the API's, which refuses it until the checks pass).
fn pdf_url(p: &ReportPath, view: &ReportView) -> Option<String> {
    matches!(view.month, api::Month::Report(_)).then(|| {
        format!(
            "{MOUNT}/reports/{}/{}/{}/pdf",
            path_segment(&p.unit),
            path_segment(&p.platform),
            path_segment(&p.period)
        )
    })
}

/// `GET /web/reports/{unit}/{platform}/{period}/check` — check your answers (检查并
///提交): every part as it will be submitted, the numbers never filled in and the
/// parts never opened marked, every problem the checks find listed and linked to
/// its field; then the one button that submits.
async fn check_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(p): Path<ReportPath>,
) -> Result<Response, Response> {
    let view = month(&web, &visitor, &p).await?;
    let here = report_url(&p.unit, &p.platform, &p.period);
    if !view.allows(Step::Submit) {
        return Ok(Redirect::to(&here).into_response());
    }
    let schema = schema();
    let problems = super::check(view.values(), Lang::Zh);
    let errors: Vec<(String, String)> = problems.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let mut summary = error_summary(schema, &errors);
    for item in &mut summary {
        if let Some(part) = &item.part {
            item.href = format!("{here}/{part}#{}", item.target);
        }
    }
    let parts = part_tables(&view, &here, &summary);
    let unopened = parts.iter().filter(|x| x["opened"] == false).count();
    Ok(pages::render(
        &visitor,
        "report_check.html",
        json!({
            "title": format!("检查并提交 · {} {}", text(&view.values()["platform_name"]).unwrap_or_else(|| p.platform.clone()), p.period),
            "report": shown_report(&view),
            "here": here,
            "act": act_path(&p),
            "parts": parts,
            "unopened": unopened,
            "summary": summary,
            "idem": ulid::Ulid::new().to_string(),
        }),
    ))
}

/// `GET /web/reports/{unit}/{platform}/{period}/file?key=` — one of the report's
/// attachments, through the API's short-lived link.
async fn file(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(p): Path<ReportPath>,
    Query(q): Query<crate::casework::api::DownloadQuery>,
) -> Response {
    let lang = visitor.lang;
    let url = async {
        let rc = report_caller(&visitor.caller()?, lang)?;
        let id = report_id(&p, lang)?;
        let r = match web.app.reports.get(&rc, &id).await.map_err(|e| workflow_error(e, lang))? {
            Ok(r) => r,
            Err(_) => return Err(crate::http::ApiError::not_found(lang)),
        };
        crate::casework::api::download_url(&web.app, lang, &r.files(), q.key()).await
    };
    crate::casework::pages::file_redirect(&visitor, url.await)
}

#[derive(Deserialize)]
struct AnnualPagePath {
    unit: String,
    platform: String,
    year: String,
}

/// `GET /web/annual-reports/{unit}/{platform}/{year}` — the annual report as a page
/// (printable), with its PDF and Excel versions.
async fn annual_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(p): Path<AnnualPagePath>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let rc = visitor.caller().and_then(|c| report_caller(&c, lang)).map_err(refused(&visitor))?;
    let year: i32 = p.year.parse().map_err(|_| refusal(&visitor, &crate::http::ApiError::not_found(lang)))?;
    let a = web
        .app
        .reports
        .annual(&rc, &p.unit, &p.platform, year)
        .await
        .map_err(|e| refusal(&visitor, &workflow_error(e, lang)))?;
    let api_base = format!("{MOUNT}/annual-reports/{}/{}/{year}", path_segment(&a.unit), path_segment(&a.platform));
    let sections: Vec<Value> = document::annual_sections(schema(), &a.values)
        .into_iter()
        .map(|s| json!({ "title": s.title, "rows": s.rows }))
        .collect();
    Ok(pages::render(
        &visitor,
        "annual_report.html",
        json!({
            "title": format!("{} {} 年度报告", a.platform_name, a.year),
            "annual": a,
            "months": document::months_line(&a),
            "sections": sections,
            "pdf": format!("{api_base}/pdf"),
            "xlsx": format!("{api_base}/export.xlsx"),
            "back": page_url("/reports"),
        }),
    ))
}

#[derive(Deserialize)]
struct RegionQuery {
    period: Option<String>,
}

/// `GET /web/region-reports?period=` — the regional administrator's month: every
/// platform of the region, submitted, approved, late or not started, with its export.
async fn region_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Query(q): Query<RegionQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let rc = visitor.caller().and_then(|c| report_caller(&c, lang)).map_err(refused(&visitor))?;
    let ReportRole::RegionalAdmin { region } = &rc.role else {
        return Ok(pages::message(&visitor, "月度绩效填报情况", "本页供地方管理员查看本地区各平台的填报情况。"));
    };
    let this_month = crate::lifecycle::time::beijing(web.app.reports.now()).strftime("%Y-%m").to_string();
    let period = q.period.filter(|p| !p.trim().is_empty()).unwrap_or_else(|| this_month.clone());
    let m = web
        .app
        .reports
        .region_month(&rc, region, &period)
        .await
        .map_err(|e| refusal(&visitor, &workflow_error(e, lang)))?;
    let year = period.get(..4).unwrap_or_default().to_owned();
    let rows: Vec<Value> = m
        .rows
        .iter()
        .map(|r| {
            let mut row = serde_json::to_value(r).unwrap_or_default();
            row["annual"] = json!(page_url(&format!(
                "/annual-reports/{}/{}/{year}",
                path_segment(&r.unit),
                path_segment(&r.platform)
            )));
            row
        })
        .collect();
    Ok(pages::render(
        &visitor,
        "region_reports.html",
        json!({
            "title": format!("月度绩效填报情况 · {period}"),
            "month": m,
            "rows": rows,
            "this_month": this_month,
            "xlsx": format!("{MOUNT}/region-reports/{}/{}/export.xlsx", path_segment(region), path_segment(&period)),
        }),
    ))
}

/// `GET /web/reports/{unit}/{platform}/{period}/{part}` — one part to fill in.
async fn part_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path((unit, platform, period, part)): Path<(String, String, String, String)>,
    Query(q): Query<AttemptQuery>,
) -> Result<Response, Response> {
    let p = ReportPath { unit, platform, period };
    let schema = schema();
    let Some(index) = schema.parts().iter().position(|x| x.id() == part) else {
        return Err(crate::web::public::not_found(visitor).await);
    };
    let view = month(&web, &visitor, &p).await?;
    let here = report_url(&p.unit, &p.platform, &p.period);
    if !view.allows(Step::Save) {
        // Submitted and approved months, and everyone but the unit's filler, read the overview.
        return Ok(Redirect::to(&here).into_response());
    }
    let attempt = load_attempt(&web, &visitor, &q).await;
    let errors = attempt.as_ref().map(Attempt::field_errors).unwrap_or_default();
    // What was typed on this page when it was refused; otherwise what is saved.
    let values = match &attempt {
        Some(a) if a.part.as_deref() == Some(part.as_str()) => a.values.clone(),
        _ => view.values().clone(),
    };
    let parts = schema.parts();
    let hidden = vec![("_version".into(), view.version().to_string())];
    let last = index + 1 == parts.len();
    let action = format!("{}/parts/{}", act_path(&p), path_segment(&part));
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
    Ok(pages::render(
        &visitor,
        "report_part.html",
        json!({
            "title": format!("{} · {}", current.title(Lang::Zh), p.period),
            "part_title": current.title(Lang::Zh),
            "part_help": current.help(Lang::Zh),
            "period": p.period,
            "platform": p.platform,
            "report": shown_report(&view),
            "steps": steps,
            "step": index + 1,
            "step_count": parts.len(),
            "overview": here,
            "form": form,
            "message": attempt.as_ref().map(|a| a.message.clone()),
        }),
    ))
}
