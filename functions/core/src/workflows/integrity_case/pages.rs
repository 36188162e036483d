//! Research-integrity cases (科研诚信案件, seed 004): the national account registers a
//! case and sends it to a province, the province forwards it to an institution (either
//! may return it to the level above), the institution saves and submits its result,
//! and the province then the nation review it.

use super::api::{self, case_files};
use super::{IntegrityCase, IntegrityStep, allowed, takes_part};
use crate::casework::api::{case_error, download_url};
use crate::http::extract::Path as ApiPath;
use crate::http::extract::{Idempotency, JsonBody, OptionalJsonBody};
use crate::validation::region_label;
use crate::web::form_route::{FormAction, form_action};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::casework::action_form::{ActionField, ActionForm};
use crate::casework::pages::{
    PageQuery, Seat, ZH, controls, done_message, file_redirect, idempotency_key, machine_time, no_schema,
    refused_attempt, schema_form, seat, timeline, when,
};
use crate::casework::summary::{SummaryRow, file_link, summary_rows};
use crate::web::desk::{Queue, QueueRow, Task};
use crate::web::form_route::FormRoute;
use crate::web::pages::{self, refusal, refused};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url, query_value};
use crate::workflows::integrity_case::CaseFilter;
use crate::workflows::{CaseSource, IntegrityStatus};
use gazette_forms::Button;

/// The registration form; its `region` options name the regions on every case page.
pub(crate) const INTEGRITY_CASE: &str = "integrity-case";
const INTEGRITY_RESULT: &str = "integrity-result";
const INTEGRITY_REVIEW: &str = "integrity-review";
const INTEGRITY_IMPORT: &str = "integrity-import";
/// The investigation report's template (seed 004: 上传机构调查报告 — 下载模板), a static
/// file of the site written by `scripts/integrity-report-template.py`.
pub const REPORT_TEMPLATE: &str = "/downloads/integrity-investigation-report.docx";

/// The integrity-case pages, for signed-in visitors.
pub fn pages() -> Vec<PageRoute> {
    vec![
        PageRoute::signed_in("/integrity-cases", get(list)),
        PageRoute::signed_in("/integrity-cases/{id}", get(page)),
        PageRoute::signed_in("/integrity-cases/{id}/submit", get(confirm)),
        PageRoute::signed_in("/integrity-cases/{id}/file", get(file)),
    ]
}

/// Where the integrity-case forms post, and what each post does. One action with two
/// next pages has two routes: a result saved, or saved and then confirmed; a case
/// approved by the province, or closed by the nation.
pub fn form_routes() -> Vec<FormRoute> {
    let case = "/integrity-cases/{id}";
    let step =
        |path: &'static str, call: FormAction, next: &'static str| FormRoute::new(path, call, next).back(Some(case));
    let dispatch = form_action!(c => api::dispatch(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), OptionalJsonBody(c.body)).await);
    let forward = form_action!(c => api::forward(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await);
    let take_over = form_action!(c => api::take_over(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await);
    let send_back = form_action!(c => api::return_to_superior(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await);
    let save_result = form_action!(c => api::save_result(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await);
    let submit = form_action!(c => api::submit(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), Idempotency(c.idempotency)).await);
    let approve = form_action!(c => api::approve(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), OptionalJsonBody(c.body)).await);
    let withdraw =
        form_action!(c => api::withdraw(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?)).await);
    let return_ = form_action!(c => api::return_for_changes(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await);
    vec![
        FormRoute::new(
            "/act/integrity-cases",
            form_action!(c => api::create(State(c.app.clone()), c.caller()?, c.lang, Idempotency(c.idempotency), JsonBody(c.body)).await),
            "/integrity-cases/{id}?done=registered",
        )
        .back(Some("/integrity-cases"))
        .form(INTEGRITY_CASE),
        FormRoute::new(
            "/act/integrity-cases/import",
            form_action!(c => api::import(State(c.app.clone()), c.caller()?, c.lang, JsonBody(c.body)).await),
            "/integrity-cases?source=retracted_paper&batch={batch}&done=imported",
        )
        .back(Some("/integrity-cases"))
        .form(INTEGRITY_IMPORT),
        FormRoute::new(
            "/act/integrity-cases/dispatch",
            form_action!(c => api::dispatch_many(State(c.app.clone()), c.caller()?, c.lang, JsonBody(c.body)).await),
            "/integrity-cases?done=dispatched_many",
        )
        .back(Some("/integrity-cases")),
        step("/act/integrity-cases/{id}/dispatch", dispatch, "/integrity-cases/{id}?done=dispatched"),
        step("/act/integrity-cases/{id}/forward", forward, "/integrity-cases/{id}?done=forwarded"),
        step("/act/integrity-cases/{id}/take-over", take_over, "/integrity-cases/{id}?done=taken_over"),
        step("/act/integrity-cases/{id}/return-to-superior", send_back, "/integrity-cases/{id}?done=sent_back"),
        // The institution returns a case to its province and no longer sees it: back to its list.
        step("/act/integrity-cases/{id}/return-to-province", send_back, "/integrity-cases?done=sent_back"),
        step("/act/integrity-cases/{id}/result", save_result, "/integrity-cases/{id}?done=saved").form(INTEGRITY_RESULT),
        step("/act/integrity-cases/{id}/result/then-submit", save_result, "/integrity-cases/{id}/submit")
            .form(INTEGRITY_RESULT),
        step("/act/integrity-cases/{id}/submit", submit, "/integrity-cases/{id}?done=submitted"),
        step("/act/integrity-cases/{id}/approve", approve, "/integrity-cases/{id}?done=approved").form(INTEGRITY_REVIEW),
        step("/act/integrity-cases/{id}/close", approve, "/integrity-cases/{id}?done=closed"),
        step("/act/integrity-cases/{id}/return", return_, "/integrity-cases/{id}?done=returned").form(INTEGRITY_REVIEW),
        step("/act/integrity-cases/{id}/national-return", return_, "/integrity-cases/{id}?done=returned"),
        step("/act/integrity-cases/{id}/withdraw", withdraw, "/integrity-cases/{id}?done=withdrawn"),
    ]
}

/// `/web/act/integrity-cases/{id}/…`: the form route of a step of case `id`.
fn act(id: &str, step: &str) -> String {
    page_url(&format!("/act/integrity-cases/{id}/{step}"))
}

/// The three lists of seed 004, each its own page of the queue.
const SOURCES: [(&str, &str); 3] = [("retracted_paper", "撤稿论文"), ("report", "举报案件"), ("lead", "问题线索")];

/// `GET /web/integrity-cases?source=&status=&batch=&region=&q=` — the visitor's
/// queue: retracted papers (撤稿论文), reports (举报案件) and leads (问题线索) as
/// separate lists, each filtered by status, batch, region and title. The national
/// account registers cases here, imports a batch of retracted papers from a workbook
/// and sends a batch out, by region or straight to the institutions.
pub(crate) async fn list(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<PageQuery>,
    Query(lq): Query<api::ListQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).map_err(refused(&visitor))?;
    let filter = lq.filter(lang).map_err(|e| refusal(&visitor, &e))?;
    let cases =
        web.app.integrity_cases.list(&actor, &filter).await.map_err(|e| refusal(&visitor, &case_error(e, lang)))?;
    let rows: Vec<Value> = cases.iter().map(|c| list_row(c, lang)).collect();

    let mut register = None;
    let mut import = None;
    let mut dispatch = None;
    let mut problem = None;
    let attempt = refused_attempt(&web, &visitor, &q).await;
    if seat(&visitor) == Seat::National {
        let (Some(schema), Some(import_schema)) =
            (gazette_forms::schema(INTEGRITY_CASE), gazette_forms::schema(INTEGRITY_IMPORT))
        else {
            return Err(no_schema(&visitor));
        };
        let mine = attempt.as_ref().filter(|a| a.control("_action") == Some("register"));
        let (values, errors) = match mine {
            Some(a) => (a.values.clone(), a.field_errors()),
            None => (json!({}), Vec::new()),
        };
        let hidden = controls(&[("_action", "register"), ("_idem", &idempotency_key(mine))]);
        let action = page_url("/act/integrity-cases");
        register = Some(json!({
            "intro": schema.description(ZH),
            "message": mine.map(|a| a.message.clone()),
            "form": schema_form(schema, &action, &values, &errors, hidden, vec![Button::submit("登记案件")], false),
        }));
        let imported = attempt.as_ref().filter(|a| a.control("_action") == Some("import"));
        // The form's own fields, and the workbook's problems by cell (`E3`), listed apart.
        let (values, all) = match imported {
            Some(a) => (a.values.clone(), a.field_errors()),
            None => (json!({}), Vec::new()),
        };
        let (errors, cells): (Vec<_>, Vec<_>) = all.into_iter().partition(|(k, _)| k == "batch_name" || k == "sheet");
        let hidden = controls(&[("_action", "import")]);
        let action = page_url("/act/integrity-cases/import");
        import = Some(json!({
            "intro": import_schema.description(ZH),
            "message": imported.map(|a| a.message.clone()),
            "cells": cells.into_iter().map(|(_, m)| m).collect::<Vec<_>>(),
            "form": schema_form(import_schema, &action, &values, &errors, hidden, vec![Button::submit("导入")], false),
        }));
        dispatch = dispatch_form(&web, &actor, filter.batch.as_deref(), attempt.as_ref()).await;
        let ours = ["register", "import", "dispatch"];
        problem = attempt
            .as_ref()
            .filter(|a| !ours.iter().any(|o| a.control("_action") == Some(o)))
            .map(|a| a.message.clone());
    } else if let Some(a) = &attempt {
        problem = Some(a.message.clone());
    }
    let here = |source: Option<&str>| match source {
        Some(s) => page_url(&format!("/integrity-cases?source={s}")),
        None => page_url("/integrity-cases"),
    };
    let current = filter.source.map(source_code);
    let mut tabs = vec![json!({ "label": "全部", "href": here(None), "current": current.is_none() })];
    tabs.extend(
        SOURCES
            .into_iter()
            .map(|(code, label)| json!({ "label": label, "href": here(Some(code)), "current": current == Some(code) })),
    );
    let title = SOURCES.into_iter().find(|(code, _)| current == Some(*code)).map_or("科研诚信案件", |(_, label)| label);
    let Some(case_schema) = gazette_forms::schema(INTEGRITY_CASE) else { return Err(no_schema(&visitor)) };
    let regions: Vec<Value> = case_schema
        .field("region")
        .map(|f| f.options())
        .unwrap_or_default()
        .iter()
        .map(|o| json!({ "value": o.value(), "label": o.label(lang_of(lang)), "selected": filter.region.as_deref() == Some(o.value()) }))
        .collect();
    let statuses: Vec<Value> = IntegrityStatus::ALL
        .iter()
        .map(|st| json!({ "value": st.as_str(), "label": st.label_zh(), "selected": filter.status == Some(*st) }))
        .collect();
    let filtered =
        filter.status.is_some() || filter.batch.is_some() || filter.region.is_some() || filter.title.is_some();
    Ok(pages::render(
        &visitor,
        "integrity_cases.html",
        json!({
            "title": title,
            "tabs": tabs,
            "search": {
                "action": page_url("/integrity-cases"),
                "source": current,
                "statuses": statuses,
                "regions": regions,
                "batch": filter.batch.clone().unwrap_or_default(),
                "q": filter.title.clone().unwrap_or_default(),
            },
            "filtered": filtered,
            "rows": rows,
            "register": register,
            "import": import,
            "dispatch": dispatch,
            "problem": problem,
            "done": done_message(q.done.as_deref()),
        }),
    ))
}

fn source_code(source: CaseSource) -> &'static str {
    match source {
        CaseSource::RetractedPaper => "retracted_paper",
        CaseSource::Report => "report",
        CaseSource::Lead => "lead",
    }
}

fn lang_of(lang: crate::http::Lang) -> gazette_forms::Lang {
    crate::validation::forms_lang(lang)
}

/// A line of the list, as the table shows it.
fn list_row(c: &IntegrityCase, lang: crate::http::Lang) -> Value {
    let updated = c.updated_at.to_string();
    let d = &c.details;
    json!({
        "title": d.paper_title,
        "href": case_url(&c.id),
        "source": d.source.label_zh(),
        "batch": d.batch,
        "number": d.number,
        "authors": d.authors,
        "institution": d.corresponding_institution,
        "region": region_label(&d.region, lang),
        "unit": c.unit_name.clone().unwrap_or_default(),
        "status": c.status.as_str(),
        "status_label": c.status.label_zh(),
        "updated": when(&updated),
        "updated_iso": machine_time(&updated),
    })
}

/// The national account's bulk dispatch (统一发送): the batches with cases not yet
/// sent, by region or straight to the institutions (此次直接发至机构).
async fn dispatch_form(
    web: &WebState,
    actor: &crate::casework::Actor,
    batch: Option<&str>,
    attempt: Option<&crate::web::attempt::Attempt>,
) -> Option<ActionForm> {
    let waiting = CaseFilter { status: Some(IntegrityStatus::Created), ..CaseFilter::default() };
    let cases = web.app.integrity_cases.list(actor, &waiting).await.unwrap_or_default();
    let mut batches: Vec<String> = cases.iter().map(|c| c.details.batch.clone()).filter(|b| !b.is_empty()).collect();
    batches.sort();
    batches.dedup();
    if batches.is_empty() {
        return None;
    }
    let count = |b: &str| cases.iter().filter(|c| c.details.batch == b).count();
    let options = batches.iter().map(|b| (b.clone(), format!("{b}（{} 件待发送）", count(b))));
    let to = [
        ("region".to_owned(), "按行政区划发送至省级".to_owned()),
        ("institution".to_owned(), "此次直接发至机构".to_owned()),
    ];
    Some(
        ActionForm::new("dispatch", "批量发送", &page_url("/act/integrity-cases/dispatch"))
            .intro("将所选批次中尚未发送的案件统一发送：按行政区划发至各省级，或直接发至第一通讯作者单位（须为该地区已注册的机构）。")
            .field(ActionField::choices("batch", "批次", options, batch.unwrap_or_default()))
            .field(ActionField::choices("to", "发送方式", to, "region"))
            .button("发送", false)
            .with_attempt(attempt),
    )
}

/// `GET /web/integrity-cases/{id}` — one case: details, the institution's result
/// (ID numbers masked, as the API gives them), progress along the chain, and the
/// visitor's step: dispatch, forward, return to the superior, the result, a review.
pub(crate) async fn page(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Response> {
    let (case, steps, c) = seen(&web, &visitor, &id).await?;
    let id = path_segment(&case.id);
    let allows = |step: IntegrityStep| steps.contains(&step);
    let (Some(case_schema), Some(result_schema), Some(review_schema)) = (
        gazette_forms::schema(INTEGRITY_CASE),
        gazette_forms::schema(INTEGRITY_RESULT),
        gazette_forms::schema(INTEGRITY_REVIEW),
    ) else {
        return Err(no_schema(&visitor));
    };
    let attempt = refused_attempt(&web, &visitor, &q).await;
    let file_href = |key: &str| page_url(&format!("/integrity-cases/{id}/file?key={}", query_value(key)));
    let status = case.status;
    let region = &case.details.region;
    let stored_result = c.get("result").filter(|r| r.is_object()).cloned().unwrap_or_else(|| json!({}));
    let action = |name: &str| attempt.as_ref().filter(|a| a.control("_action") == Some(name));

    let mut actions = Vec::new();
    let mut result_form = None;
    let mut review_form = None;
    // What the visitor may do here is the permission model's answer (`actions`);
    // who the visitor is (their seat) only words the forms.
    let national = seat(&visitor) == Seat::National;
    if allows(IntegrityStep::Dispatch) {
        let regions = case_schema.field("region").map(|f| f.options()).unwrap_or_default();
        actions.push(
            ActionForm::new("dispatch", "发送至省级办理", &act(&id, "dispatch"))
                .intro("案件发送至所选地区的省级管理部门，由其转办至机构。")
                .field(ActionField::select("region", "行政区划", regions, region))
                .button("发送", false)
                .with_attempt(attempt.as_ref()),
        );
    }
    if allows(IntegrityStep::Forward) {
        // The institutions of the case's region, from the directory.
        let units = web.app.directory.units_of_region(region).await.unwrap_or_default();
        let intro = if units.is_empty() {
            "本地区还没有经审核注册的机构：机构完成单位注册并经审核后即可选择。"
        } else {
            "从本地区已注册的机构中选择负责办理的机构。"
        };
        let options = units.into_iter().map(|u| (u.code.clone(), format!("{}（{}）", u.name, u.code)));
        actions.push(
            ActionForm::new("forward", "转办至机构", &act(&id, "forward"))
                .intro(intro)
                .field(ActionField::choices("unit", "机构", options, ""))
                .button("转办", false)
                .with_attempt(attempt.as_ref()),
        );
    }
    if allows(IntegrityStep::TakeOver) {
        actions.push(
            ActionForm::new("take_over", "代机构填写办理结果", &act(&id, "take-over"))
                .intro("机构在系统中没有账号的，线下办理后由本级填写办理结果并上传附件，提交后直接报国家审核。")
                .field(ActionField::text("institution", "机构名称", true, 200))
                .button("代为填写", true)
                .with_attempt(attempt.as_ref()),
        );
    }
    if allows(IntegrityStep::ReturnToSuperior) {
        let (superior, route) = match seat(&visitor) {
            Seat::Institution(_) => ("省级", "return-to-province"),
            _ => ("国家", "return-to-superior"),
        };
        actions.push(return_to_superior_form(&id, superior, route).with_attempt(attempt.as_ref()));
    }
    if allows(IntegrityStep::SaveResult) {
        // Saved as often as the institution likes; "submit" saves, then asks to
        // confirm on a page of its own (the API submits what is stored).
        let (values, errors, message) = match (action("result"), action("submit")) {
            (Some(a), _) => (a.values.clone(), a.field_errors(), Some(a.message.clone())),
            (None, Some(a)) => (stored_result.clone(), a.field_errors(), Some(a.message.clone())),
            (None, None) => (stored_result.clone(), Vec::new(), None),
        };
        let hidden = controls(&[("_action", "result")]);
        let action = act(&id, "result");
        let buttons = vec![Button::submit("保存"), Button::to("保存并提交审核", &act(&id, "result/then-submit"))];
        result_form = Some(json!({
            "intro": result_schema.description(ZH),
            "message": message,
            "template_href": REPORT_TEMPLATE,
            // A draft saved in parts: the server checks it (see `schema_form`).
            "form": schema_form(result_schema, &action, &values, &errors, hidden, buttons, true),
        }));
    }
    if allows(IntegrityStep::Approve) && !national {
        let mine = action("review");
        let (values, errors) = match mine {
            Some(a) => (a.values.clone(), a.field_errors()),
            None => (json!({}), Vec::new()),
        };
        let hidden = controls(&[("_action", "review")]);
        let action = act(&id, "approve");
        let buttons = vec![Button::submit("审核通过"), Button::to("退回修改", &act(&id, "return"))];
        review_form = Some(json!({
            "intro": "审核通过的，连同审查意见和正式函件报国家审核（国家审核前可撤回修改）；需要机构修改的，填写审查意见后退回，可附正式函件。",
            "message": mine.map(|a| a.message.clone()),
            "form": schema_form(review_schema, &action, &values, &errors, hidden, buttons, false),
        }));
    }
    if allows(IntegrityStep::Approve) && national {
        let opinion = review_schema.field("opinion");
        actions.push(
            ActionForm::new("review", "审核办理结果", &act(&id, "close"))
                .intro("审核通过即办结；需要机构修改的，填写审查意见后退回。")
                .button("审核通过（办结）", false)
                .button_to("退回修改", &act(&id, "national-return"), true)
                .field(
                    ActionField::textarea("opinion", "审查意见", false, 2000)
                        .hint(opinion.and_then(|f| f.help(ZH)).unwrap_or("退回时必须填写。")),
                )
                .with_attempt(attempt.as_ref()),
        );
    }

    if allows(IntegrityStep::Withdraw) {
        actions.push(
            ActionForm::new("withdraw", "撤回审核决定", &act(&id, "withdraw"))
                .intro("国家审核前，可撤回本级的审核通过，重新审核或退回机构修改。")
                .button("撤回修改", true)
                .with_attempt(attempt.as_ref()),
        );
    }

    let drawn = actions.iter().any(|a| a.drawn)
        || [&result_form, &review_form].iter().any(|f| f.as_ref().is_some_and(|f| !f["message"].is_null()));
    let mut details = summary_rows(case_schema, &c, &file_href);
    if let Some(unit) = &case.unit {
        let name = case.unit_name.as_deref().unwrap_or_default();
        let shown = if name.is_empty() || name == unit { unit.to_owned() } else { format!("{name}（{unit}）") };
        details.push(SummaryRow::text("转办机构", shown));
    }
    let show_result = (!handled_by_institution(status) || result_form.is_none())
        && result_submitted(status)
        && case.result.as_ref().is_some_and(Value::is_object);
    Ok(pages::render(
        &visitor,
        "integrity_case.html",
        json!({
            "title": case.details.paper_title,
            "c": c,
            "explain": if case.on_behalf && handled_by_institution(status) {
                "机构在系统中没有账号：由省级代为填写办理结果，提交后报国家审核。"
            } else {
                explanation(Some(status))
            },
            "opinion": opinion_line(&case),
            "letter": c.get("letter").and_then(|l| file_link(l, &file_href)),
            "details": details,
            "result": show_result.then(|| summary_rows(result_schema, &stored_result, &file_href)),
            "history": timeline(&c, action_label, status_label, &file_href),
            "actions_title": if result_form.is_some() { "分发有误" } else { "办理" },
            "actions": actions,
            "result_form": result_form,
            "review_form": review_form,
            "problem": attempt.as_ref().filter(|_| !drawn).map(|a| a.message.clone()),
            "done": done_message(q.done.as_deref()),
            "list_href": page_url("/integrity-cases"),
        }),
    ))
}

/// `GET /web/integrity-cases/{id}/submit` — the institution checks its saved result
/// before submitting it for provincial review (check your answers).
pub(crate) async fn confirm(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, Response> {
    let (case, steps, c) = seen(&web, &visitor, &id).await?;
    let id = path_segment(&case.id);
    let here = page_url(&format!("/integrity-cases/{id}"));
    if !steps.contains(&IntegrityStep::Submit) {
        return Ok(Redirect::to(&here).into_response());
    }
    let Some(schema) = gazette_forms::schema(INTEGRITY_RESULT) else { return Err(no_schema(&visitor)) };
    let file_href = |key: &str| page_url(&format!("/integrity-cases/{id}/file?key={}", query_value(key)));
    let stored = c.get("result").filter(|r| r.is_object()).cloned().unwrap_or_else(|| json!({}));
    let submit = ActionForm::new("submit", "提交办理结果", &act(&id, "submit"))
        .intro("提交后由省级审核，审核期间不能修改。")
        .hidden("_idem", &idempotency_key(None))
        .button("确认提交", false);
    Ok(pages::render(
        &visitor,
        "integrity_case.html",
        json!({
            "title": format!("提交办理结果：{}", case.details.paper_title),
            "confirm": true,
            "c": c,
            "result": summary_rows(schema, &stored, &file_href),
            "actions": [submit],
            "back_href": here,
        }),
    ))
}

/// Case `id` as the visitor sees it: the case, the steps the visitor may take on it
/// now (the permission model), and the case as the API shows it (ID numbers masked)
/// for the schema-driven summaries; a refusal as a page.
async fn seen(
    web: &WebState,
    visitor: &Visitor,
    id: &str,
) -> Result<(IntegrityCase, Vec<IntegrityStep>, Value), Response> {
    let lang = visitor.lang;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).map_err(refused(visitor))?;
    let case = web.app.integrity_cases.get(id, &actor).await.map_err(|e| refusal(visitor, &case_error(e, lang)))?;
    let view = case.view(&actor);
    Ok((case.clone(), allowed(&actor, &case), view))
}

/// `GET /web/integrity-cases/{id}/file?key=` — a result file or a province's letter.
pub(crate) async fn file(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = visitor.lang;
    let url = async {
        let actor = visitor.caller()?.case_actor(lang)?;
        let case = web.app.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
        download_url(&web.app, lang, &case_files(&case), q.key.as_deref().unwrap_or("")).await
    };
    file_redirect(&visitor, url.await)
}

/// The home page's task, for those who take part in integrity cases.
pub fn task(visitor: &Visitor) -> Option<Task> {
    let actor = visitor.caller().and_then(|c| c.case_actor(visitor.lang)).ok()?;
    takes_part(&actor.level).then(|| Task::new("科研诚信案件", "/integrity-cases", "下发、转办、调查处理结果、审核"))
}

/// The review queue's integrity cases at the visitor's step of the chain.
/// The integrity cases at the visitor's step of the chain.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    use IntegrityStatus as S;
    let seat = seat(visitor);
    let integrity: &[(&'static str, &'static str, &[IntegrityStatus])] = match seat {
        Seat::National => &[
            ("科研诚信案件：待发送", "没有待发送的案件。", &[S::Created, S::ReturnedToNational]),
            ("科研诚信案件：待国家审核", "没有待国家审核的办理结果。", &[S::NationalReview]),
        ],
        Seat::Province(_) => &[
            ("科研诚信案件：待转办", "没有待转办的案件。", &[S::AtProvince, S::ReturnedToProvince]),
            ("科研诚信案件：待省级审核", "没有待省级审核的办理结果。", &[S::ProvincialReview]),
            ("科研诚信案件：代机构填写", "没有代机构填写的案件。", &[S::AtInstitution, S::ReturnedByNational]),
        ],
        Seat::Institution(_) => &[(
            "科研诚信案件：待机构办理",
            "没有待办理的案件。",
            &[S::AtInstitution, S::ReturnedByProvince, S::ReturnedByNational],
        )],
        _ => return Vec::new(),
    };
    let Ok(actor) = visitor.caller().and_then(|c| c.case_actor(visitor.lang)) else {
        return Vec::new();
    };
    let cases = web.app.integrity_cases.list(&actor, &CaseFilter::default()).await.unwrap_or_default();
    integrity
        .iter()
        .map(|(title, empty, statuses)| {
            let rows = cases
                .iter()
                // At the visitor's step of the chain, and theirs to act on (the permission model).
                .filter(|c| statuses.contains(&c.status))
                .filter(|c| !allowed(&actor, c).is_empty())
                .map(|c| QueueRow {
                    label: c.details.paper_title.clone(),
                    detail: [
                        c.details.source.label_zh().to_owned(),
                        region_label(&c.details.region, visitor.lang),
                        c.unit_name.clone().unwrap_or_default(),
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                    status: c.status.label_zh().to_owned(),
                    href: case_url(&c.id),
                })
                .collect();
            Queue { title, empty, rows }
        })
        .collect()
}

fn case_url(id: &str) -> String {
    page_url(&format!("/integrity-cases/{}", path_segment(id)))
}

/// The form that returns a misrouted case to `superior`, posting to the form route `step`.
fn return_to_superior_form(id: &str, superior: &str, step: &str) -> ActionForm {
    ActionForm::new("return_to_superior", "退回上级", &act(id, step))
        .intro(&format!("案件分发有误、不应由本级办理的，写明原因后退回{superior}。"))
        .field(ActionField::textarea("reason", "退回原因", true, 1000))
        .button("退回上级", true)
}

/// The institution records and submits its result in these.
fn handled_by_institution(status: IntegrityStatus) -> bool {
    matches!(
        status,
        IntegrityStatus::AtInstitution | IntegrityStatus::ReturnedByProvince | IntegrityStatus::ReturnedByNational
    )
}

/// A result has been submitted at least once: reviewers may see it.
fn result_submitted(status: IntegrityStatus) -> bool {
    matches!(
        status,
        IntegrityStatus::ProvincialReview
            | IntegrityStatus::ReturnedByProvince
            | IntegrityStatus::NationalReview
            | IntegrityStatus::ReturnedByNational
            | IntegrityStatus::Approved
    )
}

/// The reviewers' opinion or the reason of a return, while it is what the case waits on.
fn opinion_line(case: &IntegrityCase) -> Option<Value> {
    let opinion = case.opinion.as_deref().filter(|o| !o.is_empty())?;
    let label = match case.status {
        IntegrityStatus::ReturnedByProvince | IntegrityStatus::ReturnedByNational => "审查意见",
        IntegrityStatus::ReturnedToProvince | IntegrityStatus::ReturnedToNational => "退回原因",
        IntegrityStatus::NationalReview | IntegrityStatus::Approved => "审核意见",
        _ => return None,
    };
    Some(json!({ "label": label, "text": opinion }))
}

fn action_label(action: &str, by: &Value) -> String {
    let level = by.get("level").and_then(Value::as_str).unwrap_or("");
    match (action, level) {
        ("create", _) => "登记案件",
        ("dispatch", _) => "发送至省级办理",
        ("dispatch_to_institution", _) => "直接发至机构",
        ("import", _) => "导入批次",
        ("forward", _) => "转办至机构",
        ("take_over", _) => "省级代机构填写",
        ("return_to_superior", _) => "退回上级",
        ("save_result", _) => "保存办理结果",
        ("submit", _) => "提交办理结果",
        ("approve", "national") => "国家审核通过（办结）",
        ("approve", _) => "省级审核通过",
        ("return", "national") => "国家审核退回",
        ("return", _) => "省级审核退回",
        ("withdraw", _) => "省级撤回审核决定",
        (other, _) => other,
    }
    .to_owned()
}

fn status_label(status: &str) -> String {
    IntegrityStatus::parse(status).map_or_else(|| status.to_owned(), |s| s.label_zh().to_owned())
}

fn explanation(status: Option<IntegrityStatus>) -> &'static str {
    match status {
        Some(IntegrityStatus::Created) => "案件已登记，尚未发送至省级。",
        Some(IntegrityStatus::AtProvince) => "已发送至省级，待省级转办至机构。",
        Some(IntegrityStatus::AtInstitution) => "已转办至机构，待机构填写并提交办理结果。",
        Some(IntegrityStatus::ReturnedToProvince) => "机构认为分发有误，已退回省级，待省级重新转办或退回国家。",
        Some(IntegrityStatus::ReturnedToNational) => "省级认为分发有误，已退回国家，待国家重新发送。",
        Some(IntegrityStatus::ProvincialReview) => "机构已提交办理结果，待省级审核。",
        Some(IntegrityStatus::ReturnedByProvince) => "省级审核退回，待机构修改后重新提交。",
        Some(IntegrityStatus::NationalReview) => "省级审核通过，待国家审核。",
        Some(IntegrityStatus::ReturnedByNational) => "国家审核退回，待机构修改后重新提交。",
        Some(IntegrityStatus::Approved) => "国家审核通过，案件已办结。",
        None => "",
    }
}
