//! The case pages: typical cases (典型案例, seed 000 — a province uploads, the
//! organisers review) and research-integrity cases (科研诚信案件, seed 004 — national →
//! province → institution, the institution's result, provincial then national review).
//!
//! Each page is a view over the JSON API (`/typical-cases`, `/integrity-cases`): a list
//! with status filters, and one case with its details, its progress (办理进度) as a
//! timeline and the forms of the steps the visitor may take now. Every form posts to
//! the gateway; a refused one comes back here with `?attempt=…` and is drawn again,
//! with what was typed and the errors, in the form it came from (its `_action`
//! control says which). The API decides what is allowed; a page only leaves out the
//! forms that the API would refuse for this visitor and status.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use gazette_forms::{FieldType, FormRequest, Schema, render_form};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::attempt::{self, Attempt};
use super::desk::{Queue, QueueRow};
use super::pages::{self, refusal};
use super::public::urlencoding;
use super::session::Visitor;
use super::{Answer, WebState, page_url};
use crate::domain::{IntegrityStatus, TypicalCaseStatus};
use crate::http::Role;

const ZH: gazette_forms::Lang = gazette_forms::Lang::Zh;
const CASE_UPLOAD: &str = "case-upload";
const INTEGRITY_CASE: &str = "integrity-case";
const INTEGRITY_RESULT: &str = "integrity-result";
const INTEGRITY_REVIEW: &str = "integrity-review";

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/cases", get(typical_list))
        .route("/cases/new", get(typical_new))
        .route("/cases/{id}", get(typical_page))
        .route("/cases/{id}/file", get(typical_file))
        .route("/integrity-cases", get(integrity_list))
        .route("/integrity-cases/{id}", get(integrity_page))
        .route("/integrity-cases/{id}/submit", get(integrity_confirm))
        .route("/integrity-cases/{id}/file", get(integrity_file))
}

/// What the case pages take in their query string.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// List filter: a status of the workflow.
    status: Option<String>,
    /// A refused submission to draw again.
    attempt: Option<String>,
    /// What the visitor just did (a redirect after success), to say it worked.
    done: Option<String>,
    /// The file asked for (download routes).
    key: Option<String>,
}

/// Where the visitor sits in the case workflows, as the API's `case_actor` sees them:
/// it decides which forms a page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seat<'a> {
    National,
    Organiser,
    Province(&'a str),
    Institution(&'a str),
    Other,
}

fn seat(visitor: &Visitor) -> Seat<'_> {
    match (visitor.role(), visitor.region(), visitor.unit()) {
        (Some(Role::NationalAdmin), ..) => Seat::National,
        (Some(Role::Organiser), ..) => Seat::Organiser,
        (Some(Role::RegionalAdmin), Some(region), _) if !region.is_empty() => Seat::Province(region),
        (Some(Role::UnitAdmin), _, Some(unit)) if !unit.is_empty() => Seat::Institution(unit),
        _ => Seat::Other,
    }
}

// ---- typical cases (seed 000) ---------------------------------------------------------

/// `GET /web/cases` — the typical cases the visitor may see, by status.
async fn typical_list(State(web): State<WebState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Response {
    if visitor.role().is_none() {
        return visitor.sign_in_redirect();
    }
    let status = q.status.as_deref().and_then(TypicalCaseStatus::parse);
    let path = match status {
        Some(s) => format!("/typical-cases?status={}", s.as_str()),
        None => "/typical-cases".to_owned(),
    };
    let answer = web.call(&visitor, Method::GET, &path, None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let rows: Vec<Value> = listed(&answer)
        .iter()
        .map(|c| {
            json!({
                "title": text(c, "title"),
                "href": page_url(&format!("/cases/{}", urlencoding(&text(c, "id")))),
                "region": text(c, "region_label"),
                "category": text(c, "category_label"),
                "provider": text(c, "provider"),
                "updated": when(&text(c, "updated_at")),
                "updated_iso": machine_time(&text(c, "updated_at")),
                "status": text(c, "status"),
                "status_label": text(c, "status_label"),
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
async fn typical_new(State(web): State<WebState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Response {
    let region = match seat(&visitor) {
        Seat::Province(region) => region.to_owned(),
        _ if visitor.role().is_none() => return visitor.sign_in_redirect(),
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
    let attempt = load_attempt(&web, &q, "upload").await;
    let hidden = controls(&[
        ("_action", "upload"),
        ("_form", CASE_UPLOAD),
        ("_to", "POST /typical-cases"),
        ("_next", &page_url("/cases/{id}?done=uploaded")),
        ("_back", &page_url("/cases/new")),
        ("_idem", &idempotency_key(attempt.as_ref())),
    ]);
    let (values, errors, message) = match &attempt {
        Some(a) => (a.values.clone(), a.field_errors(), a.message.clone()),
        None => (json!({ "region": region }), Vec::new(), schema.description(ZH).unwrap_or_default().to_owned()),
    };
    let form = schema_form(schema, &values, &errors, hidden, vec![button("", "", "提交审核")]);
    pages::render(
        &visitor,
        "form_page.html",
        json!({ "title": "上传典型案例", "message": message, "form": form, "return": page_url("/cases") }),
    )
}

/// `GET /web/cases/{id}` — one case: details, files, progress, and what the visitor
/// may do: the organisers approve or return it, its province edits and resubmits it
/// once returned.
async fn typical_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    if visitor.role().is_none() {
        return visitor.sign_in_redirect();
    }
    let id = urlencoding(&id);
    let answer = web.call(&visitor, Method::GET, &format!("/typical-cases/{id}"), None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let c = &answer.body;
    let Some(schema) = gazette_forms::schema(CASE_UPLOAD) else { return no_schema(&visitor) };
    let attempt = refused(&web, &q).await;
    let here = page_url(&format!("/cases/{id}"));
    let status = text(c, "status");
    let file_href = |key: &str| page_url(&format!("/cases/{id}/file?key={}", query_value(key)));

    let mut actions = Vec::new();
    let mut resubmit = None;
    match seat(&visitor) {
        Seat::National | Seat::Organiser if status == "submitted" => {
            actions.push(
                ActionForm::new("approve", "审核通过", &here)
                    .intro("案例内容无误的，审核通过后即可导出为网站内容发布。")
                    .to(&format!("POST /typical-cases/{id}/approve"), &format!("{here}?done=approved"))
                    .button("审核通过", false)
                    .with_attempt(attempt.as_ref()),
            );
            actions.push(
                ActionForm::new("return", "退回修改", &here)
                    .intro("需要上传单位修改或补充的，写明审核意见后退回。")
                    .to(&format!("POST /typical-cases/{id}/return"), &format!("{here}?done=returned"))
                    .field(
                        ActionField::textarea("comment", "审核意见", true, 1000)
                            .hint("写明需要修改或补充的内容，上传单位将看到这段意见。"),
                    )
                    .button("退回修改", true)
                    .with_attempt(attempt.as_ref()),
            );
        }
        Seat::Province(region) if status == "returned" && region == text(c, "region") => {
            let mine = attempt.as_ref().filter(|a| a.control("_action") == Some("resubmit"));
            let (values, errors) = match mine {
                Some(a) => (a.values.clone(), a.field_errors()),
                None => (upload_values(schema, c), Vec::new()),
            };
            let hidden = controls(&[
                ("_action", "resubmit"),
                ("_form", CASE_UPLOAD),
                ("_to", &format!("POST /typical-cases/{id}/resubmit")),
                ("_next", &format!("{here}?done=resubmitted")),
                ("_back", &here),
                ("_idem", &idempotency_key(mine)),
            ]);
            resubmit = Some(json!({
                "message": mine.map(|a| a.message.clone()),
                "form": schema_form(schema, &values, &errors, hidden, vec![button("", "", "修改后重新提交")]),
            }));
        }
        _ => {}
    }
    let drawn = actions.iter().any(|a| a.drawn) || resubmit.as_ref().is_some_and(|r| !r["message"].is_null());
    let exported = c.get("exported").and_then(|e| e.get("slug")).and_then(Value::as_str);
    pages::render(
        &visitor,
        "case.html",
        json!({
            "title": text(c, "title"),
            "c": c,
            "explain": typical_explanation(&status, exported),
            "details": summary_rows(schema, c, &file_href),
            "history": timeline(c, typical_action, typical_status_label, &file_href),
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
async fn typical_file(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let path = format!("/typical-cases/{}/download", urlencoding(&id));
    file_redirect(&web, &visitor, &path, q.key.as_deref().unwrap_or("")).await
}

/// The case as the `case-upload` form holds it, to edit it again.
fn upload_values(schema: &Schema, case: &Value) -> Value {
    let fields: Map<String, Value> =
        schema.fields().iter().filter_map(|f| case.get(f.id()).map(|v| (f.id().to_owned(), v.clone()))).collect();
    Value::Object(fields)
}

fn typical_action(action: &str, _by: &Value) -> String {
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

fn typical_status_label(status: &str) -> String {
    TypicalCaseStatus::parse(status).map_or_else(|| status.to_owned(), |s| s.label_zh().to_owned())
}

fn typical_explanation(status: &str, exported: Option<&str>) -> String {
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

// ---- integrity cases (seed 004) -------------------------------------------------------

/// `GET /web/integrity-cases` — the visitor's queue, by status; the national account
/// registers new cases here.
async fn integrity_list(State(web): State<WebState>, visitor: Visitor, Query(q): Query<PageQuery>) -> Response {
    if visitor.role().is_none() {
        return visitor.sign_in_redirect();
    }
    let status = q.status.as_deref().and_then(IntegrityStatus::parse);
    let path = match status {
        Some(s) => format!("/integrity-cases?status={}", s.as_str()),
        None => "/integrity-cases".to_owned(),
    };
    let answer = web.call(&visitor, Method::GET, &path, None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let rows: Vec<Value> = listed(&answer)
        .iter()
        .map(|c| {
            json!({
                "title": text(c, "paper_title"),
                "href": page_url(&format!("/integrity-cases/{}", urlencoding(&text(c, "id")))),
                "source": text(c, "source_label"),
                "batch": text(c, "batch"),
                "authors": text(c, "authors"),
                "institution": text(c, "corresponding_institution"),
                "region": region_label(&text(c, "region")),
                "unit": text(c, "unit_name"),
                "status": text(c, "status"),
                "status_label": text(c, "status_label"),
                "updated": when(&text(c, "updated_at")),
                "updated_iso": machine_time(&text(c, "updated_at")),
            })
        })
        .collect();

    let mut register = None;
    let mut problem = None;
    let attempt = refused(&web, &q).await;
    if seat(&visitor) == Seat::National {
        let Some(schema) = gazette_forms::schema(INTEGRITY_CASE) else { return no_schema(&visitor) };
        let mine = attempt.as_ref().filter(|a| a.control("_action") == Some("register"));
        let (values, errors) = match mine {
            Some(a) => (a.values.clone(), a.field_errors()),
            None => (json!({}), Vec::new()),
        };
        let hidden = controls(&[
            ("_action", "register"),
            ("_form", INTEGRITY_CASE),
            ("_to", "POST /integrity-cases"),
            ("_next", &page_url("/integrity-cases/{id}?done=registered")),
            ("_back", &page_url("/integrity-cases")),
            ("_idem", &idempotency_key(mine)),
        ]);
        register = Some(json!({
            "intro": schema.description(ZH),
            "message": mine.map(|a| a.message.clone()),
            "form": schema_form(schema, &values, &errors, hidden, vec![button("", "", "登记案件")]),
        }));
        problem = attempt.as_ref().filter(|_| mine.is_none()).map(|a| a.message.clone());
    } else if let Some(a) = &attempt {
        problem = Some(a.message.clone());
    }
    let statuses = IntegrityStatus::ALL.iter().map(|s| (s.as_str(), s.label_zh()));
    pages::render(
        &visitor,
        "integrity_cases.html",
        json!({
            "title": "科研诚信案件",
            "filters": filters("/integrity-cases", statuses, status.map(IntegrityStatus::as_str)),
            "filtered": status.map(IntegrityStatus::label_zh),
            "rows": rows,
            "register": register,
            "problem": problem,
            "done": done_message(q.done.as_deref()),
        }),
    )
}

/// `GET /web/integrity-cases/{id}` — one case: details, the institution's result
/// (ID numbers masked, as the API gives them), progress along the chain, and the
/// visitor's step: dispatch, forward, return to the superior, the result, a review.
async fn integrity_page(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    if visitor.role().is_none() {
        return visitor.sign_in_redirect();
    }
    let id = urlencoding(&id);
    let answer = web.call(&visitor, Method::GET, &format!("/integrity-cases/{id}"), None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let c = &answer.body;
    let (Some(case_schema), Some(result_schema), Some(review_schema)) = (
        gazette_forms::schema(INTEGRITY_CASE),
        gazette_forms::schema(INTEGRITY_RESULT),
        gazette_forms::schema(INTEGRITY_REVIEW),
    ) else {
        return no_schema(&visitor);
    };
    let attempt = refused(&web, &q).await;
    let here = page_url(&format!("/integrity-cases/{id}"));
    let file_href = |key: &str| page_url(&format!("/integrity-cases/{id}/file?key={}", query_value(key)));
    let status = IntegrityStatus::parse(&text(c, "status"));
    let region = text(c, "region");
    let holder = c.get("unit").and_then(Value::as_str).unwrap_or("");
    let stored_result = c.get("result").filter(|r| r.is_object()).cloned().unwrap_or_else(|| json!({}));
    let action = |name: &str| attempt.as_ref().filter(|a| a.control("_action") == Some(name));

    let mut actions = Vec::new();
    let mut result_form = None;
    let mut review_form = None;
    match (seat(&visitor), status) {
        (Seat::National, Some(IntegrityStatus::Created | IntegrityStatus::ReturnedToNational)) => {
            let regions = case_schema.field("region").map(|f| f.options()).unwrap_or_default();
            actions.push(
                ActionForm::new("dispatch", "发送至省级办理", &here)
                    .intro("案件发送至所选地区的省级管理部门，由其转办至机构。")
                    .to(&format!("POST /integrity-cases/{id}/dispatch"), &format!("{here}?done=dispatched"))
                    .field(ActionField::select("region", "行政区划", regions, &region))
                    .button("发送", false)
                    .with_attempt(attempt.as_ref()),
            );
        }
        (Seat::Province(mine), Some(IntegrityStatus::AtProvince | IntegrityStatus::ReturnedToProvince))
            if mine == region =>
        {
            actions.push(
                ActionForm::new("forward", "转办至机构", &here)
                    .intro("填写负责办理的机构（其单位管理员账号的单位代码）。")
                    .to(&format!("POST /integrity-cases/{id}/forward"), &format!("{here}?done=forwarded"))
                    .field(ActionField::text("unit", "机构单位代码", true, 100).hint("如 hosp-3。"))
                    .field(ActionField::text("unit_name", "机构名称", false, 200).hint("如 某某省第三医院；可不填。"))
                    .button("转办", false)
                    .with_attempt(attempt.as_ref()),
            );
            actions.push(return_to_superior_form(&id, &here, "国家", &here).with_attempt(attempt.as_ref()));
        }
        (Seat::Institution(mine), Some(s)) if mine == holder && handled_by_institution(s) => {
            if s == IntegrityStatus::AtInstitution {
                let list = page_url("/integrity-cases");
                actions.push(return_to_superior_form(&id, &here, "省级", &list).with_attempt(attempt.as_ref()));
            }
            // Saved as often as the institution likes; "submit" saves, then asks to
            // confirm on a page of its own (the API submits what is stored).
            let (values, errors, message) = match (action("result"), action("submit")) {
                (Some(a), _) => (a.values.clone(), a.field_errors(), Some(a.message.clone())),
                (None, Some(a)) => (stored_result.clone(), a.field_errors(), Some(a.message.clone())),
                (None, None) => (stored_result.clone(), Vec::new(), None),
            };
            let hidden = controls(&[
                ("_action", "result"),
                ("_form", INTEGRITY_RESULT),
                ("_to.save", &format!("PUT /integrity-cases/{id}/result")),
                ("_next.save", &format!("{here}?done=saved")),
                ("_to.submit", &format!("PUT /integrity-cases/{id}/result")),
                ("_next.submit", &format!("{here}/submit")),
                ("_back", &here),
            ]);
            let buttons = vec![button("_step", "save", "保存"), button("_step", "submit", "保存并提交审核")];
            let form = schema_form(result_schema, &values, &errors, hidden, buttons);
            result_form = Some(json!({
                "intro": result_schema.description(ZH),
                "message": message,
                "form": drafts_checked_by_the_server(&form),
            }));
        }
        (Seat::Province(mine), Some(IntegrityStatus::ProvincialReview)) if mine == region => {
            let mine = action("review");
            let (values, errors) = match mine {
                Some(a) => (a.values.clone(), a.field_errors()),
                None => (json!({}), Vec::new()),
            };
            let hidden = controls(&[
                ("_action", "review"),
                ("_form", INTEGRITY_REVIEW),
                ("_to.approve", &format!("POST /integrity-cases/{id}/approve")),
                ("_next.approve", &format!("{here}?done=approved")),
                ("_to.return", &format!("POST /integrity-cases/{id}/return")),
                ("_next.return", &format!("{here}?done=returned")),
                ("_back", &here),
            ]);
            let buttons = vec![button("_step", "approve", "审核通过"), button("_step", "return", "退回修改")];
            review_form = Some(json!({
                "intro": "审核通过的，报国家审核；需要机构修改的，填写审查意见后退回，可附正式函件。",
                "message": mine.map(|a| a.message.clone()),
                "form": schema_form(review_schema, &values, &errors, hidden, buttons),
            }));
        }
        (Seat::National, Some(IntegrityStatus::NationalReview)) => {
            let opinion = review_schema.field("opinion");
            actions.push(
                ActionForm::new("review", "审核办理结果", &here)
                    .intro("审核通过即办结；需要机构修改的，填写审查意见后退回。")
                    .step(
                        "approve",
                        "审核通过（办结）",
                        &format!("POST /integrity-cases/{id}/approve"),
                        &format!("{here}?done=closed"),
                        false,
                    )
                    .step(
                        "return",
                        "退回修改",
                        &format!("POST /integrity-cases/{id}/return"),
                        &format!("{here}?done=returned"),
                        true,
                    )
                    .field(
                        ActionField::textarea("opinion", "审查意见", false, 2000)
                            .hint(opinion.and_then(|f| f.help(ZH)).unwrap_or("退回时必须填写。")),
                    )
                    .with_attempt(attempt.as_ref()),
            );
        }
        _ => {}
    }

    let drawn = actions.iter().any(|a| a.drawn)
        || [&result_form, &review_form].iter().any(|f| f.as_ref().is_some_and(|f| !f["message"].is_null()));
    let mut details = summary_rows(case_schema, c, &file_href);
    if let Some(unit) = c.get("unit").and_then(Value::as_str) {
        let name = text(c, "unit_name");
        let shown = if name.is_empty() || name == unit { unit.to_owned() } else { format!("{name}（{unit}）") };
        details.push(SummaryRow::text("转办机构", shown));
    }
    let show_result = status.is_some_and(|s| !handled_by_institution(s) || result_form.is_none())
        && status.is_some_and(result_submitted)
        && c.get("result").is_some_and(Value::is_object);
    pages::render(
        &visitor,
        "integrity_case.html",
        json!({
            "title": text(c, "paper_title"),
            "c": c,
            "explain": integrity_explanation(status),
            "opinion": opinion_line(c, status),
            "letter": c.get("letter").and_then(|l| file_link(l, &file_href)),
            "details": details,
            "result": show_result.then(|| summary_rows(result_schema, &stored_result, &file_href)),
            "history": timeline(c, integrity_action, integrity_status_label, &file_href),
            "actions_title": if result_form.is_some() { "分发有误" } else { "办理" },
            "actions": actions,
            "result_form": result_form,
            "review_form": review_form,
            "problem": attempt.as_ref().filter(|_| !drawn).map(|a| a.message.clone()),
            "done": done_message(q.done.as_deref()),
            "list_href": page_url("/integrity-cases"),
        }),
    )
}

/// `GET /web/integrity-cases/{id}/submit` — the institution checks its saved result
/// before submitting it for provincial review (check your answers).
async fn integrity_confirm(State(web): State<WebState>, visitor: Visitor, Path(id): Path<String>) -> Response {
    if visitor.role().is_none() {
        return visitor.sign_in_redirect();
    }
    let id = urlencoding(&id);
    let answer = web.call(&visitor, Method::GET, &format!("/integrity-cases/{id}"), None).await;
    if !answer.is_success() {
        return refusal(&visitor, &answer);
    }
    let c = &answer.body;
    let here = page_url(&format!("/integrity-cases/{id}"));
    let holds =
        matches!(seat(&visitor), Seat::Institution(unit) if c.get("unit").and_then(Value::as_str) == Some(unit));
    let status = IntegrityStatus::parse(&text(c, "status"));
    if !holds || !status.is_some_and(handled_by_institution) {
        return Redirect::to(&here).into_response();
    }
    let Some(schema) = gazette_forms::schema(INTEGRITY_RESULT) else { return no_schema(&visitor) };
    let file_href = |key: &str| page_url(&format!("/integrity-cases/{id}/file?key={}", query_value(key)));
    let stored = c.get("result").filter(|r| r.is_object()).cloned().unwrap_or_else(|| json!({}));
    let submit = ActionForm::new("submit", "提交办理结果", &here)
        .intro("提交后由省级审核，审核期间不能修改。")
        .to(&format!("POST /integrity-cases/{id}/submit"), &format!("{here}?done=submitted"))
        .hidden("_idem", &idempotency_key(None))
        .button("确认提交", false);
    pages::render(
        &visitor,
        "integrity_case.html",
        json!({
            "title": format!("提交办理结果：{}", text(c, "paper_title")),
            "confirm": true,
            "c": c,
            "result": summary_rows(schema, &stored, &file_href),
            "actions": [submit],
            "back_href": here,
        }),
    )
}

/// `GET /web/integrity-cases/{id}/file?key=` — a result file or a province's letter.
async fn integrity_file(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let path = format!("/integrity-cases/{}/download", urlencoding(&id));
    file_redirect(&web, &visitor, &path, q.key.as_deref().unwrap_or("")).await
}

fn return_to_superior_form(id: &str, here: &str, superior: &str, next: &str) -> ActionForm {
    let done = if next.contains('?') { "&done=sent_back" } else { "?done=sent_back" };
    ActionForm::new("return_to_superior", "退回上级", here)
        .intro(&format!("案件分发有误、不应由本级办理的，写明原因后退回{superior}。"))
        .to(&format!("POST /integrity-cases/{id}/return-to-superior"), &format!("{next}{done}"))
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
fn opinion_line(c: &Value, status: Option<IntegrityStatus>) -> Option<Value> {
    let opinion = c.get("opinion").and_then(Value::as_str).filter(|o| !o.is_empty())?;
    let label = match status? {
        IntegrityStatus::ReturnedByProvince | IntegrityStatus::ReturnedByNational => "审查意见",
        IntegrityStatus::ReturnedToProvince | IntegrityStatus::ReturnedToNational => "退回原因",
        IntegrityStatus::NationalReview | IntegrityStatus::Approved => "审核意见",
        _ => return None,
    };
    Some(json!({ "label": label, "text": opinion }))
}

fn integrity_action(action: &str, by: &Value) -> String {
    let level = by.get("level").and_then(Value::as_str).unwrap_or("");
    match (action, level) {
        ("create", _) => "登记案件",
        ("dispatch", _) => "发送至省级办理",
        ("forward", _) => "转办至机构",
        ("return_to_superior", _) => "退回上级",
        ("save_result", _) => "保存办理结果",
        ("submit", _) => "提交办理结果",
        ("approve", "national") => "国家审核通过（办结）",
        ("approve", _) => "省级审核通过",
        ("return", "national") => "国家审核退回",
        ("return", _) => "省级审核退回",
        (other, _) => other,
    }
    .to_owned()
}

fn integrity_status_label(status: &str) -> String {
    IntegrityStatus::parse(status).map_or_else(|| status.to_owned(), |s| s.label_zh().to_owned())
}

fn integrity_explanation(status: Option<IntegrityStatus>) -> &'static str {
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

/// The integrity-result form, which is saved in parts as a draft: the browser must
/// not hold back a save for a field required only at submission (or a file input
/// left empty beside an uploaded file it keeps), so its own checks are turned off
/// and the server's messages — the same rules — come back in place.
fn drafts_checked_by_the_server(form: &str) -> String {
    form.replacen("<form class=\"gz-form\"", "<form class=\"gz-form\" novalidate", 1)
}

// ---- the review queue -----------------------------------------------------------------

/// What waits for the visitor: typical cases to review (organisers) or to correct
/// (their province); integrity cases at the visitor's step of the chain.
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    let mut queues = Vec::new();
    let seat = seat(visitor);
    let typical = match seat {
        Seat::National | Seat::Organiser => Some(("典型案例：待审核", "没有待审核的典型案例。", "submitted")),
        Seat::Province(_) => Some(("典型案例：退回修改", "没有退回修改的典型案例。", "returned")),
        _ => None,
    };
    if let Some((title, empty, status)) = typical {
        let answer = web.call(visitor, Method::GET, &format!("/typical-cases?status={status}"), None).await;
        let rows = listed(&answer)
            .iter()
            .map(|c| QueueRow {
                label: text(c, "title"),
                detail: [text(c, "region_label"), text(c, "provider")].join(" · "),
                status: text(c, "status_label"),
                href: page_url(&format!("/cases/{}", urlencoding(&text(c, "id")))),
            })
            .collect();
        queues.push(Queue { title, empty, rows });
    }

    use IntegrityStatus as S;
    let integrity: &[(&'static str, &'static str, &[IntegrityStatus])] = match seat {
        Seat::National => &[
            ("科研诚信案件：待发送", "没有待发送的案件。", &[S::Created, S::ReturnedToNational]),
            ("科研诚信案件：待国家审核", "没有待国家审核的办理结果。", &[S::NationalReview]),
        ],
        Seat::Province(_) => &[
            ("科研诚信案件：待转办", "没有待转办的案件。", &[S::AtProvince, S::ReturnedToProvince]),
            ("科研诚信案件：待省级审核", "没有待省级审核的办理结果。", &[S::ProvincialReview]),
        ],
        Seat::Institution(_) => &[(
            "科研诚信案件：待机构办理",
            "没有待办理的案件。",
            &[S::AtInstitution, S::ReturnedByProvince, S::ReturnedByNational],
        )],
        _ => &[],
    };
    if !integrity.is_empty() {
        let answer = web.call(visitor, Method::GET, "/integrity-cases", None).await;
        for (title, empty, statuses) in integrity {
            let rows = listed(&answer)
                .iter()
                .filter(|c| IntegrityStatus::parse(&text(c, "status")).is_some_and(|s| statuses.contains(&s)))
                .map(|c| QueueRow {
                    label: text(c, "paper_title"),
                    detail: [text(c, "source_label"), region_label(&text(c, "region")), text(c, "unit_name")]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" · "),
                    status: text(c, "status_label"),
                    href: page_url(&format!("/integrity-cases/{}", urlencoding(&text(c, "id")))),
                })
                .collect();
            queues.push(Queue { title, empty, rows });
        }
    }
    queues
}

// ---- small forms of one step ----------------------------------------------------------

/// A form of one step (approve, return with a comment, forward …), drawn by the
/// `action_form` macro of `case.html`. Posts to the gateway; `_action` names it so a
/// refusal is shown in it again.
#[derive(Debug, Serialize)]
struct ActionForm {
    id: String,
    title: String,
    intro: Option<String>,
    action: String,
    hidden: Vec<(String, String)>,
    fields: Vec<ActionField>,
    buttons: Vec<Button>,
    /// The error summary: `(href, message)`, href empty when no field is at fault.
    summary: Vec<(String, String)>,
    message: Option<String>,
    /// A refused attempt of this form is shown in it.
    drawn: bool,
}

#[derive(Debug, Serialize)]
struct ActionField {
    name: String,
    id: String,
    label: String,
    /// `text`, `textarea` or `select`.
    kind: &'static str,
    hint: Option<String>,
    value: String,
    error: Option<String>,
    required: bool,
    maxlength: Option<u32>,
    options: Vec<Choice>,
    described_by: String,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Debug, Serialize)]
struct Button {
    name: String,
    value: String,
    label: String,
    secondary: bool,
}

impl ActionForm {
    fn new(id: &str, title: &str, back: &str) -> ActionForm {
        ActionForm {
            id: id.to_owned(),
            title: title.to_owned(),
            intro: None,
            action: page_url("/submit"),
            hidden: controls(&[("_action", id), ("_back", back)]),
            fields: Vec::new(),
            buttons: Vec::new(),
            summary: Vec::new(),
            message: None,
            drawn: false,
        }
    }

    fn intro(mut self, text: &str) -> Self {
        self.intro = Some(text.to_owned());
        self
    }

    fn hidden(mut self, name: &str, value: &str) -> Self {
        self.hidden.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The API call and the page after it.
    fn to(self, call: &str, next: &str) -> Self {
        self.hidden("_to", call).hidden("_next", next)
    }

    /// A button of its own call and next page (`_step`).
    fn step(mut self, step: &str, label: &str, call: &str, next: &str, secondary: bool) -> Self {
        self.buttons.push(Button { name: "_step".into(), value: step.into(), label: label.into(), secondary });
        self.hidden(&format!("_to.{step}"), call).hidden(&format!("_next.{step}"), next)
    }

    fn button(mut self, label: &str, secondary: bool) -> Self {
        self.buttons.push(Button { name: String::new(), value: String::new(), label: label.into(), secondary });
        self
    }

    fn field(mut self, mut field: ActionField) -> Self {
        field.id = format!("{}-{}", self.id, field.name);
        self.fields.push(field);
        self
    }

    /// Fills in what was typed and the errors, when `attempt` came from this form.
    fn with_attempt(mut self, attempt: Option<&Attempt>) -> Self {
        let Some(a) = attempt.filter(|a| a.control("_action") == Some(self.id.as_str())) else {
            return self.described();
        };
        for f in &mut self.fields {
            if let Some(v) = a.values.get(&f.name).and_then(Value::as_str) {
                f.value = v.to_owned();
                f.options.iter_mut().for_each(|o| o.selected = o.value == v);
            }
            f.error = a.errors.iter().find(|(path, _)| *path == f.name).map(|(_, m)| m.clone());
        }
        self.summary = a
            .errors
            .iter()
            .filter(|(path, _)| !path.is_empty())
            .map(|(path, message)| {
                let href = self.fields.iter().find(|f| f.name == *path).map(|f| format!("#{}", f.id));
                (href.unwrap_or_default(), message.clone())
            })
            .collect();
        self.message = Some(a.message.clone()).filter(|m| !m.is_empty());
        self.drawn = true;
        self.described()
    }

    fn described(mut self) -> Self {
        for f in &mut self.fields {
            let mut ids = Vec::new();
            if f.hint.is_some() {
                ids.push(format!("{}-hint", f.id));
            }
            if f.error.is_some() {
                ids.push(format!("{}-error", f.id));
            }
            f.described_by = ids.join(" ");
        }
        self
    }
}

impl ActionField {
    fn new(name: &str, label: &str, kind: &'static str, required: bool, maxlength: Option<u32>) -> ActionField {
        ActionField {
            name: name.to_owned(),
            id: name.to_owned(),
            label: label.to_owned(),
            kind,
            hint: None,
            value: String::new(),
            error: None,
            required,
            maxlength,
            options: Vec::new(),
            described_by: String::new(),
        }
    }

    fn text(name: &str, label: &str, required: bool, maxlength: u32) -> ActionField {
        ActionField::new(name, label, "text", required, Some(maxlength))
    }

    fn textarea(name: &str, label: &str, required: bool, maxlength: u32) -> ActionField {
        ActionField::new(name, label, "textarea", required, Some(maxlength))
    }

    fn select(name: &str, label: &str, options: &[gazette_forms::Choice], selected: &str) -> ActionField {
        let mut field = ActionField::new(name, label, "select", true, None);
        field.value = selected.to_owned();
        field.options = options
            .iter()
            .map(|o| Choice { value: o.value().into(), label: o.label(ZH).into(), selected: o.value() == selected })
            .collect();
        field
    }

    fn hint(mut self, hint: &str) -> Self {
        self.hint = Some(hint.to_owned());
        self
    }
}

// ---- what the pages show --------------------------------------------------------------

/// One line of a summary list (`<dl class="gz-summary-list">`): a field of a form and
/// its answer as people read it — option labels, units, files as links, a group as a table.
#[derive(Debug, Serialize)]
struct SummaryRow {
    label: String,
    texts: Vec<String>,
    /// A text shown as paragraphs (a long answer).
    block: bool,
    href: Option<String>,
    files: Vec<Value>,
    table: Option<Value>,
}

impl SummaryRow {
    fn text(label: &str, text: String) -> SummaryRow {
        SummaryRow { label: label.to_owned(), texts: vec![text], block: false, href: None, files: vec![], table: None }
    }
}

fn summary_rows(schema: &Schema, values: &Value, file_href: &dyn Fn(&str) -> String) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for field in schema.fields() {
        let Some(value) = values.get(field.id()).filter(|v| filled(v)) else { continue };
        if field.shown_when().is_some_and(|when| !holds(when, values)) {
            // Not asked for these answers (the validator stores 0 for an empty number).
            continue;
        }
        let mut row = SummaryRow::text(field.label(ZH), String::new());
        row.texts.clear();
        match field.kind() {
            FieldType::Group => {
                let head: Vec<&str> = field.columns().iter().map(|c| c.label(ZH)).collect();
                let body: Vec<Vec<String>> = value
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .map(|item| {
                                field
                                    .columns()
                                    .iter()
                                    .map(|c| item.get(c.id()).map(|v| answer(c, v)).unwrap_or_default())
                                    .collect()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                row.table = Some(json!({ "head": head, "rows": body }));
            }
            FieldType::File => {
                let items = match value {
                    Value::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                row.files = items.into_iter().filter_map(|f| file_link(f, file_href)).collect();
            }
            FieldType::Checkboxes => {
                row.texts = value.as_array().into_iter().flatten().map(|v| answer(field, v)).collect();
                row.block = row.texts.len() > 1;
            }
            FieldType::Textarea => {
                let text = value.as_str().unwrap_or_default().replace("\r\n", "\n");
                row.texts = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
                row.block = true;
            }
            FieldType::Url => {
                let url = value.as_str().unwrap_or_default().to_owned();
                if url.starts_with("https://") || url.starts_with("http://") {
                    row.href = Some(url.clone());
                }
                row.texts = vec![url];
            }
            _ => row.texts = vec![answer(field, value)],
        }
        rows.push(row);
    }
    rows
}

/// A value as people read it: an option's label, a number with its unit, 是/否.
fn answer(field: &gazette_forms::Field, value: &Value) -> String {
    let raw = match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => return if *b { "是".into() } else { "否".into() },
        other => other.to_string(),
    };
    if let Some(choice) = field.option(&raw) {
        return choice.label(ZH).to_owned();
    }
    match field.kind() {
        FieldType::Checkbox => if raw == "on" || raw == "true" { "是" } else { "否" }.to_owned(),
        _ => match field.unit().map(|u| u.label(ZH)).filter(|u| !u.is_empty()) {
            Some(unit) if !raw.is_empty() => format!("{raw} {unit}"),
            _ => raw,
        },
    }
}

/// Whether a field's `when` holds for the answers (top-level conditions; a row
/// condition counts as met, so nothing given is hidden by mistake).
fn holds(condition: &gazette_forms::Condition, values: &Value) -> bool {
    use gazette_forms::Condition as C;
    let value = |field: &gazette_forms::FieldRef| values.get(field.id()).unwrap_or(&Value::Null);
    let ticked = |field: &gazette_forms::FieldRef| -> Vec<String> {
        value(field).as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
    };
    match condition {
        C::Equals { field, value: wanted } => value(field) == wanted,
        C::In { field, values: wanted } => wanted.contains(value(field)),
        C::NotIn { field, values: wanted } => !wanted.contains(value(field)),
        C::Contains { field, value: wanted } => ticked(field).contains(wanted),
        C::ContainsAny { field, values: wanted } => ticked(field).iter().any(|v| wanted.contains(v)),
        C::Filled { field, filled: wanted } => filled(value(field)) == *wanted,
        C::AnyRow { .. } => true,
        C::All(all) => all.iter().all(|c| holds(c, values)),
        C::Any(any) => any.iter().any(|c| holds(c, values)),
    }
}

fn filled(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

/// `{name, size, key}` → `{name, size, href}` for a link to it.
fn file_link(file: &Value, file_href: &dyn Fn(&str) -> String) -> Option<Value> {
    let key = file.get("key")?.as_str()?;
    let name = file.get("name").and_then(Value::as_str).unwrap_or(key);
    let size = file.get("size").and_then(Value::as_u64).map(file_size).unwrap_or_default();
    Some(json!({ "name": name, "size": size, "href": file_href(key) }))
}

fn file_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} 字节"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

/// The case's `history`, oldest first, as the timeline shows it.
fn timeline(
    case: &Value,
    action: fn(&str, &Value) -> String,
    status: fn(&str) -> String,
    file_href: &dyn Fn(&str) -> String,
) -> Vec<Value> {
    let steps = case.get("history").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    steps
        .iter()
        .map(|step| {
            let by = step.get("by").cloned().unwrap_or(Value::Null);
            let to = step.get("to").and_then(Value::as_str).map(|to| {
                if step.get("action").and_then(Value::as_str) == Some("dispatch") {
                    region_label(to)
                } else {
                    to.to_owned()
                }
            });
            json!({
                "action": action(&text(step, "action"), &by),
                "who": who(&by),
                "account": text(&by, "id"),
                "at": when(&text(step, "at")),
                "datetime": machine_time(&text(step, "at")),
                "status": status(&text(step, "status")),
                "note": step.get("note").and_then(Value::as_str),
                "to": to,
                "letter": step.get("letter").and_then(|l| file_link(l, file_href)),
            })
        })
        .collect()
}

/// Who did a step, by their place in the chain.
fn who(by: &Value) -> String {
    match by.get("level").and_then(Value::as_str).unwrap_or("") {
        "national" => "国家级管理员".to_owned(),
        "organiser" => "主办单位".to_owned(),
        "province" => format!("省级管理员（{}）", region_label(&text(by, "region"))),
        "institution" => format!("机构管理员（{}）", text(by, "unit")),
        other => other.to_owned(),
    }
}

/// A region's name (`hebei` → 河北省), as the forms list them.
fn region_label(code: &str) -> String {
    gazette_forms::schema(INTEGRITY_CASE)
        .and_then(|s| s.field("region"))
        .and_then(|f| f.option(code))
        .map_or_else(|| code.to_owned(), |o| o.label(ZH).to_owned())
}

/// An RFC 3339 time as Beijing time, `2026-11-23 14:05`.
fn when(at: &str) -> String {
    beijing(at, "%Y-%m-%d %H:%M")
}

/// The same time for a `<time datetime>` attribute: to the second, with its offset
/// (HTML takes at most three digits of a fraction; the API gives nine).
fn machine_time(at: &str) -> String {
    beijing(at, "%Y-%m-%dT%H:%M:%S%:z")
}

fn beijing(at: &str, format: &str) -> String {
    let zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
    match at.parse::<jiff::Timestamp>() {
        Ok(ts) => ts.to_zoned(zone).strftime(format).to_string(),
        Err(_) => at.to_owned(),
    }
}

/// The status filter links of a list: 全部 first.
fn filters<'a>(path: &str, statuses: impl Iterator<Item = (&'a str, &'a str)>, current: Option<&str>) -> Vec<Value> {
    let mut links = vec![json!({ "label": "全部", "href": page_url(path), "current": current.is_none() })];
    links.extend(statuses.map(|(value, label)| {
        json!({
            "label": label,
            "href": page_url(&format!("{path}?status={value}")),
            "current": current == Some(value),
        })
    }));
    links
}

/// Said at the top of a page after a step went through.
fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "uploaded" => "案例已上传。",
        "approved" => "已审核通过。",
        "closed" => "已审核通过，案件办结。",
        "returned" => "已退回修改。",
        "resubmitted" => "已修改并重新提交。",
        "registered" => "案件已登记。",
        "dispatched" => "已发送至省级办理。",
        "forwarded" => "已转办至机构。",
        "sent_back" => "已退回上级。",
        "saved" => "办理结果已保存。",
        "submitted" => "办理结果已提交。",
        _ => return None,
    })
}

// ---- plumbing -------------------------------------------------------------------------

/// A form drawn from its schema, posting to the gateway.
fn schema_form(
    schema: &Schema,
    values: &Value,
    errors: &[(String, String)],
    hidden: Vec<(String, String)>,
    buttons: Vec<(String, String, String)>,
) -> String {
    let action = page_url("/submit");
    render_form(&FormRequest {
        schema,
        lang: ZH,
        action: &action,
        hidden,
        part: None,
        values,
        errors,
        buttons,
        novalidate: false,
        part_url: None,
    })
}

fn button(name: &str, value: &str, label: &str) -> (String, String, String) {
    (name.to_owned(), value.to_owned(), label.to_owned())
}

fn controls(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The refused submission of `?attempt=`, whichever form of the page it came from.
async fn refused(web: &WebState, q: &PageQuery) -> Option<Attempt> {
    attempt::load(&web.app.store, q.attempt.as_deref()?).await
}

/// The refused submission of `?attempt=`, if it came from the form `action`.
async fn load_attempt(web: &WebState, q: &PageQuery, action: &str) -> Option<Attempt> {
    refused(web, q).await.filter(|a| a.control("_action") == Some(action))
}

/// The key that makes a double click register once: the page's own, or the refused
/// attempt's when the form is shown again.
fn idempotency_key(attempt: Option<&Attempt>) -> String {
    attempt
        .and_then(|a| a.control("_idem"))
        .filter(|k| !k.is_empty())
        .map_or_else(|| ulid::Ulid::new().to_string(), str::to_owned)
}

/// The `cases` of a list answer (none when the call failed).
fn listed(answer: &Answer) -> Vec<Value> {
    if !answer.is_success() {
        return Vec::new();
    }
    answer.body.get("cases").and_then(Value::as_array).cloned().unwrap_or_default()
}

fn text(v: &Value, name: &str) -> String {
    v.get(name).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn query_value(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Asks the API for a short-lived link to a case file and sends the browser there.
async fn file_redirect(web: &WebState, visitor: &Visitor, download: &str, key: &str) -> Response {
    if visitor.role().is_none() {
        return visitor.sign_in_redirect();
    }
    let answer = web.call(visitor, Method::GET, &format!("{download}?key={}", query_value(key)), None).await;
    if !answer.is_success() {
        return refusal(visitor, &answer);
    }
    match answer.body.get("url").and_then(Value::as_str) {
        Some(url) => Redirect::to(url).into_response(),
        None => {
            pages::message_status(visitor, StatusCode::BAD_GATEWAY, "无法下载", "暂时无法取得下载链接，请稍后再试。")
        }
    }
}

fn no_schema(visitor: &Visitor) -> Response {
    tracing::error!("a case form schema is not compiled in");
    pages::message_status(visitor, StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败", "表单定义缺失，请联系管理员。")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_beijing_time() {
        assert_eq!(when("2026-11-23T06:05:00.123456789Z"), "2026-11-23 14:05");
        assert_eq!(machine_time("2026-11-23T06:05:00.123456789Z"), "2026-11-23T14:05:00+08:00");
        assert_eq!(when("not a time"), "not a time");
    }

    #[test]
    fn a_result_reads_as_labels_units_and_a_table_of_authors() {
        let schema = gazette_forms::schema(INTEGRITY_RESULT).unwrap();
        let result = json!({
            "finding": "yes",
            "authors": [{"name": "张三", "institution": "某医院", "id_number": "110105********002X", "role": "first", "penalised": true}],
            "penalties": ["circular", "ban_projects"],
            "years_ban_projects": 4,
            "years_suspend": 0,
            "report": {"name": "调查报告.pdf", "size": 2048, "content_type": "application/pdf", "key": "cases/u-h/1/r.pdf"},
        });
        let rows = summary_rows(schema, &result, &|key| format!("/f?key={key}"));
        let row = |label: &str| rows.iter().find(|r| r.label == label).unwrap_or_else(|| panic!("{label}"));
        assert_eq!(row("是否存在科研失信行为").texts, ["是"]);
        assert_eq!(row("禁止承担或参与科技活动期限").texts, ["4 年"]);
        assert_eq!(row("处理措施").texts.len(), 2);
        let table = row("作者").table.as_ref().unwrap();
        assert_eq!(table["rows"][0][2], "110105********002X");
        assert_eq!(table["rows"][0][4], "第一作者");
        assert_eq!(row("机构调查报告").files[0]["href"], "/f?key=cases/u-h/1/r.pdf");
        assert_eq!(row("机构调查报告").files[0]["size"], "2.0 KB");
        assert!(rows.iter().all(|r| r.label != "暂停期限"), "a period not asked for is not shown");
    }

    #[test]
    fn only_a_known_done_says_anything() {
        assert!(done_message(Some("saved")).is_some());
        assert_eq!(done_message(Some("<script>")), None);
    }
}
