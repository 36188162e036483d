//! The monthly performance report workflow (seed 002) through the HTTP router, on both
//! stores, and every refusal of the reports API.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gazette_core::config::reports_router;
use gazette_core::http::{AuthConfig, Role, mint_dev_token};
use gazette_core::store::SharedStore;
use gazette_core::workflows::PlanDeadlines;
use serde_json::{Value, json};

use crate::registration_api::SECRET;
use crate::support::{self, Reply, request, send};

const UNIT: &str = "hebei-materials-lab";
const BASE: &str = "/reports/hebei-materials-lab/composites";

/// The platform of the reports below, registered in the unit's list.
const PLATFORM: &str = "composites";

/// The router, with the unit's files in a temporary directory kept with it, and the
/// unit's platform in the directory.
pub async fn app(store: SharedStore) -> (Router, tempfile::TempDir) {
    support::platform_in_directory(&store, UNIT, PLATFORM).await;
    let (files, dir) = support::local_files();
    (reports_router(store, PlanDeadlines::default(), AuthConfig::hs256(SECRET), files), dir)
}

fn token(role: Role, unit: Option<&str>, region: Option<&str>) -> String {
    mint_dev_token(SECRET, role, unit, region, Duration::from_secs(600))
}

fn filler() -> String {
    token(Role::Filler, Some(UNIT), Some("hebei"))
}

fn unit_admin() -> String {
    token(Role::UnitAdmin, Some(UNIT), Some("hebei"))
}

fn body_text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.bytes).into_owned()
}

async fn call(app: &Router, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    send(app, request(method, uri, token, body)).await
}

async fn save(app: &Router, period: &str, version: u64, values: Value) -> Reply {
    call(
        app,
        Method::PUT,
        &format!("{BASE}/{period}"),
        Some(&filler()),
        Some(json!({ "version": version, "values": values })),
    )
    .await
}

async fn get(app: &Router, period: &str, token: &str) -> Reply {
    call(app, Method::GET, &format!("{BASE}/{period}"), Some(token), None).await
}

async fn act(app: &Router, period: &str, action: &str, token: &str, body: Option<Value>) -> Reply {
    call(app, Method::POST, &format!("{BASE}/{period}/{action}"), Some(token), body).await
}

/// A certificate the filler uploads for the report (ticket, then PUT): its record.
async fn certificate(app: &Router) -> Value {
    support::upload_file(
        app,
        &filler(),
        "monthly-report",
        "supporting_files",
        "证书.pdf",
        "application/pdf",
        b"%PDF-1.7",
    )
    .await
}

pub(crate) fn cover() -> Value {
    json!({
        "platform_name": "河北省复合材料技术创新中心",
        "filler_name": "李明",
        "filler_phone": "0311-85891978",
        "filler_email": "liming@example.org",
    })
}

/// Staff that add up: 10 + 15 + 10 + 5 = 40.
pub(crate) fn staff(total: u32) -> Value {
    json!({
        "staff_total": total, "staff_senior": 10, "staff_intermediate": 15, "staff_junior": 10, "staff_other": 5,
        "staff_doctorate": 12, "staff_master": 15, "staff_full_time": 30, "staff_high_level": 2, "staff_new": 3,
    })
}

pub(crate) fn funding() -> Value {
    json!({
        "funding_total": "120.5", "funding_government": 100, "funding_enterprise": "15.5", "funding_other": 5,
        "funding_central": 60, "equipment_value": 800,
    })
}

pub(crate) fn outputs(papers: u32) -> Value {
    json!({ "papers_total": papers, "papers_sci": 1, "papers_ei": 0 })
}

pub(crate) fn merged(parts: &[Value]) -> Value {
    let mut all = serde_json::Map::new();
    for p in parts {
        all.extend(p.as_object().unwrap().clone());
    }
    Value::Object(all)
}

/// Saves a complete, consistent month (version 0 → 1), with `extra` over the usual
/// values, and returns the reply.
async fn complete_month(app: &Router, period: &str, extra: Value) -> Reply {
    let r = save(app, period, 0, merged(&[cover(), staff(40), funding(), outputs(1), extra])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    r
}

/// A month saved, submitted and approved.
async fn approved_month(app: &Router, period: &str, extra: Value) {
    complete_month(app, period, extra).await;
    let s = act(app, period, "submit", &filler(), None).await;
    assert_eq!(s.status, StatusCode::OK, "{}", body_text(&s));
    let a = act(app, period, "approve", &unit_admin(), Some(json!({ "comment": "数据属实，同意。" }))).await;
    assert_eq!(a.status, StatusCode::OK, "{}", body_text(&a));
}

fn version(r: &Reply) -> u64 {
    r.json()["version"].as_u64().expect("version")
}

// ---- workflow, on both stores ---------------------------------------------------------

pub async fn a_draft_is_saved_part_by_part_and_the_parts_are_merged(store: SharedStore) {
    let (app, _files) = app(store).await;
    let first = save(&app, "2023-04", 0, cover()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", body_text(&first));
    assert_eq!((first.json()["status"].as_str(), version(&first)), (Some("draft"), 1));
    let second = save(&app, "2023-04", 1, staff(40)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", body_text(&second));
    let third = save(&app, "2023-04", 2, json!({ "funding_total": "", "filler_phone": "13911112222" })).await;
    assert_eq!(version(&third), 3);
    let view = get(&app, "2023-04", &filler()).await.json();
    let values = &view["values"];
    assert_eq!(values["platform_name"], "河北省复合材料技术创新中心");
    assert_eq!(values["staff_total"], 40);
    assert_eq!(values["filler_phone"], "13911112222", "a later save of a field replaces it");
    assert_eq!(values["funding_total"], Value::Null, "an empty number is no answer, not 0");
    assert_eq!(values["period"], "2023-04");
    assert_eq!(view["history"][0]["action"], "create");
    assert_eq!(view["history"][0]["by"], "dev-filler");
}

pub async fn a_save_from_a_stale_version_is_a_conflict_and_changes_nothing(store: SharedStore) {
    let (app, _files) = app(store).await;
    save(&app, "2023-04", 0, cover()).await;
    assert_eq!(save(&app, "2023-04", 1, staff(40)).await.status, StatusCode::OK);
    // A second page (or browser) still holding version 1.
    let stale = save(&app, "2023-04", 1, json!({ "staff_total": 99 })).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", body_text(&stale));
    assert_eq!(stale.json()["fields"]["version"], "2");
    // Starting the month again from scratch is stale too.
    assert_eq!(save(&app, "2023-04", 0, cover()).await.status, StatusCode::CONFLICT);
    let view = get(&app, "2023-04", &filler()).await.json();
    assert_eq!((view["values"]["staff_total"].as_i64(), view["version"].as_u64()), (Some(40), Some(2)));
}

/// Two pages saved at the same moment from the same version: exactly one is kept, the
/// other is told to reload — whichever the store lets through first.
pub async fn concurrent_saves_from_one_version_keep_exactly_one(store: SharedStore) {
    let (app, _files) = app(store).await;
    save(&app, "2023-04", 0, cover()).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..8u32 {
        let app = app.clone();
        tasks.spawn(async move { (n, save(&app, "2023-04", 1, json!({ "staff_new": n })).await.status) });
    }
    let mut kept = vec![];
    while let Some(r) = tasks.join_next().await {
        let (n, status) = r.unwrap();
        match status {
            StatusCode::OK => kept.push(n),
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(kept.len(), 1, "one save wins: {kept:?}");
    let view = get(&app, "2023-04", &filler()).await.json();
    assert_eq!((view["version"].as_u64(), view["values"]["staff_new"].as_u64()), (Some(2), Some(u64::from(kept[0]))));
}

pub async fn a_new_month_starts_from_the_latest_earlier_month_without_its_attachments(store: SharedStore) {
    let (app, _files) = app(store).await;
    complete_month(&app, "2023-01", json!({ "staff_total": 38 })).await;
    let mut march = merged(&[cover(), staff(40), funding(), outputs(4)]);
    march["honours"] = json!("获评国家级创新平台");
    let certificate = certificate(&app).await;
    march["supporting_files"] = json!([certificate]);
    let r = save(&app, "2023-03", 0, march).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    // Not started yet: the filler sees what May will start from — March, the latest earlier month.
    let may = get(&app, "2023-05", &filler()).await;
    assert_eq!(may.status, StatusCode::OK, "{}", body_text(&may));
    let may = may.json();
    assert_eq!((may["status"].as_str(), may["version"].as_u64()), (Some("not_started"), Some(0)));
    assert_eq!(may["prefilled_from"], "2023-03");
    assert_eq!(may["values"]["staff_total"], 40, "a stock carries forward");
    assert!(may["values"].get("papers_total").is_none(), "a flow starts empty");
    assert!(may["values"].get("honours").is_none(), "a month's key events are its own");
    assert_eq!(may["values"]["period"], "2023-05");
    assert!(may["values"].get("supporting_files").is_none(), "attachments are not carried over");
    // The first save keeps the pre-filled values; February (before March) starts from January.
    let saved = save(&app, "2023-05", 0, json!({ "papers_total": 2 })).await.json();
    assert_eq!(
        (saved["values"]["staff_total"].as_i64(), saved["values"]["papers_total"].as_i64()),
        (Some(40), Some(2))
    );
    assert_eq!(saved["prefilled_from"], "2023-03");
    let feb = get(&app, "2023-02", &filler()).await.json();
    assert_eq!((feb["prefilled_from"].as_str(), feb["values"]["staff_total"].as_i64()), (Some("2023-01"), Some(38)));
    // The very first month starts empty.
    let first = get(&app, "2022-12", &filler()).await.json();
    assert!(first["prefilled_from"].is_null());
}

pub async fn submitting_parts_that_do_not_add_up_is_refused_on_the_total_and_then_fixed(store: SharedStore) {
    let (app, _files) = app(store).await;
    let r = save(&app, "2023-04", 0, merged(&[cover(), staff(41), funding()])).await;
    assert_eq!(r.status, StatusCode::CREATED, "a draft need not add up yet: {}", body_text(&r));
    let refused = act(&app, "2023-04", "submit", &filler(), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&refused));
    let fields = &refused.json()["fields"];
    assert!(fields["staff_total"].as_str().is_some_and(|m| m.contains("从业人员总数")), "{fields}");
    assert_eq!(fields.as_object().unwrap().len(), 1, "only the inconsistent total: {fields}");
    let still = get(&app, "2023-04", &filler()).await.json();
    assert_eq!((still["status"].as_str(), still["version"].as_u64()), (Some("draft"), Some(1)), "nothing stored");
    // Fix the total and submit.
    assert_eq!(save(&app, "2023-04", 1, json!({ "staff_total": 40 })).await.status, StatusCode::OK);
    let ok = act(&app, "2023-04", "submit", &filler(), Some(json!({ "version": 2 }))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", body_text(&ok));
    let ok = ok.json();
    assert_eq!((ok["status"].as_str(), ok["status_label"].as_str()), (Some("submitted"), Some("待审核")));
    assert_eq!(ok["values"]["patents_filed"], Value::Null, "numbers never filled in are no answer, not 0");
    // Submitted reports are read-only.
    let late = save(&app, "2023-04", 3, json!({ "staff_new": 4 })).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", body_text(&late));
    assert_eq!(act(&app, "2023-04", "submit", &filler(), None).await.status, StatusCode::CONFLICT);
}

pub async fn submitting_from_a_stale_version_is_a_conflict(store: SharedStore) {
    let (app, _files) = app(store).await;
    complete_month(&app, "2023-04", json!({})).await;
    save(&app, "2023-04", 1, json!({ "staff_new": 4 })).await;
    let r = act(&app, "2023-04", "submit", &filler(), Some(json!({ "version": 1 }))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", body_text(&r));
    assert_eq!(get(&app, "2023-04", &filler()).await.json()["status"], "draft");
}

pub async fn withdraw_resubmit_return_with_comment_and_approve_are_each_recorded(store: SharedStore) {
    let (app, _files) = app(store).await;
    complete_month(&app, "2023-04", json!({})).await;
    assert_eq!(act(&app, "2023-04", "submit", &filler(), None).await.status, StatusCode::OK);
    let w = act(&app, "2023-04", "withdraw", &filler(), None).await;
    assert_eq!((w.status, w.json()["status"].as_str()), (StatusCode::OK, Some("draft")), "{}", body_text(&w));
    // Editable again, then submitted again.
    let v = version(&get(&app, "2023-04", &filler()).await);
    assert_eq!(save(&app, "2023-04", v, json!({ "papers_total": 2 })).await.status, StatusCode::OK);
    assert_eq!(act(&app, "2023-04", "submit", &filler(), None).await.status, StatusCode::OK);
    // A return needs a comment.
    let bare = act(&app, "2023-04", "return", &unit_admin(), None).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.json()["fields"]["comment"].is_string());
    let blank = act(&app, "2023-04", "return", &unit_admin(), Some(json!({ "comment": "   " }))).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    let comment = "论文数量与佐证材料不符，请核对后重新提交。";
    let ret = act(&app, "2023-04", "return", &unit_admin(), Some(json!({ "comment": comment }))).await;
    assert_eq!(ret.status, StatusCode::OK, "{}", body_text(&ret));
    assert_eq!((ret.json()["status"].as_str(), ret.json()["comment"].as_str()), (Some("returned"), Some(comment)));
    // The filler corrects the returned report and submits it; the unit admin approves.
    let v = version(&ret);
    assert_eq!(save(&app, "2023-04", v, json!({ "papers_total": 1 })).await.status, StatusCode::OK);
    assert_eq!(act(&app, "2023-04", "submit", &filler(), None).await.status, StatusCode::OK);
    // An approval needs its opinion too (审核时须填写审核意见).
    let bare = act(&app, "2023-04", "approve", &unit_admin(), None).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&bare));
    assert!(bare.json()["fields"]["comment"].is_string());
    let ok =
        act(&app, "2023-04", "approve", &unit_admin(), Some(json!({ "comment": "同意。", "notify_by_sms": true })))
            .await;
    assert_eq!((ok.status, ok.json()["status"].as_str()), (StatusCode::OK, Some("approved")));
    // Approved is final.
    let late = act(&app, "2023-04", "withdraw", &filler(), None).await;
    assert_eq!(late.status, StatusCode::CONFLICT, "{}", body_text(&late));
    assert!(late.json()["error"].as_str().unwrap().contains("审核通过"));
    assert_eq!(
        act(&app, "2023-04", "return", &unit_admin(), Some(json!({ "comment": "再看看" }))).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(save(&app, "2023-04", version(&ok), json!({ "papers_total": 9 })).await.status, StatusCode::CONFLICT);
    let history = get(&app, "2023-04", &filler()).await.json()["history"].clone();
    let steps: Vec<(&str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["by"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("create", "dev-filler"),
            ("submit", "dev-filler"),
            ("withdraw", "dev-filler"),
            ("submit", "dev-filler"),
            ("return", "dev-unit-admin"),
            ("submit", "dev-filler"),
            ("approve", "dev-unit-admin"),
        ]
    );
    assert_eq!(history[4]["comment"], comment);
    assert_eq!(history[4]["notify_by_sms"], false, "the choice is recorded on every decision");
    assert_eq!(history[6]["notify_by_sms"], true);
    assert!(history[3].get("notify_by_sms").is_none(), "a submission tells nobody");
    assert!(history.as_array().unwrap().iter().all(|e| e["at"].is_string()));
}

pub async fn the_review_queue_lists_the_units_submitted_reports_and_the_unit_list_every_month(store: SharedStore) {
    let (app, _files) = app(store).await;
    complete_month(&app, "2023-01", json!({})).await;
    complete_month(&app, "2023-02", json!({})).await;
    complete_month(&app, "2023-03", json!({})).await;
    act(&app, "2023-01", "submit", &filler(), None).await;
    act(&app, "2023-02", "submit", &filler(), None).await;
    let queue = call(&app, Method::GET, "/reports/review-queue", Some(&unit_admin()), None).await;
    assert_eq!(queue.status, StatusCode::OK, "{}", body_text(&queue));
    let periods: Vec<String> =
        queue.json()["reports"].as_array().unwrap().iter().map(|r| r["period"].as_str().unwrap().to_owned()).collect();
    assert_eq!(periods, ["2023-01", "2023-02"]);
    act(&app, "2023-01", "approve", &unit_admin(), Some(json!({ "comment": "同意。" }))).await;
    let queue = call(&app, Method::GET, "/reports/review-queue", Some(&unit_admin()), None).await.json();
    assert_eq!(queue["count"], 1);
    // The filler's list: every month with its status.
    let list = call(&app, Method::GET, "/reports", Some(&filler()), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", body_text(&list));
    let rows: Vec<(String, String)> = list.json()["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["period"].as_str().unwrap().to_owned(), r["status"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        rows,
        [
            ("2023-01".into(), "approved".into()),
            ("2023-02".into(), "submitted".into()),
            ("2023-03".into(), "draft".into())
        ]
    );
    // Another unit's admin sees an empty queue of their own, not this one.
    let other = token(Role::UnitAdmin, Some("other-unit"), None);
    assert_eq!(call(&app, Method::GET, "/reports/review-queue", Some(&other), None).await.json()["count"], 0);
}

pub async fn the_annual_report_sums_flows_and_takes_latest_stocks_of_approved_months_only(store: SharedStore) {
    let (app, _files) = app(store).await;
    approved_month(&app, "2023-01", json!({ "papers_total": 2, "staff_high_level": 1 })).await;
    approved_month(&app, "2023-02", json!({ "papers_total": 3, "staff_high_level": 2 })).await;
    // March is submitted but not approved; April only drafted: neither counts.
    complete_month(&app, "2023-03", json!({ "papers_total": 50, "staff_high_level": 5 })).await;
    act(&app, "2023-03", "submit", &filler(), None).await;
    complete_month(&app, "2023-04", json!({ "papers_total": 70, "staff_high_level": 7 })).await;
    // A month of another year does not count either.
    approved_month(&app, "2024-01", json!({ "papers_total": 100 })).await;
    let r =
        call(&app, Method::GET, "/annual-reports/hebei-materials-lab/composites/2023", Some(&unit_admin()), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", body_text(&r));
    let annual = r.json();
    assert_eq!(annual["months"], json!(["2023-01", "2023-02"]));
    assert_eq!(annual["values"]["papers_total"], 5, "a flow is summed over the approved months");
    assert_eq!(annual["values"]["funding_total"], 241, "120.5 + 120.5, exactly");
    assert_eq!(annual["values"]["staff_high_level"], 2, "a stock is the latest approved month's");
    assert_eq!(annual["values"]["staff_total"], 40);
    assert_eq!(annual["values"]["period"], "2023-02");
}

pub async fn the_printable_view_is_a_standalone_html_page_with_every_value(store: SharedStore) {
    let (app, _files) = app(store).await;
    let mut values = merged(&[cover(), staff(40), funding(), outputs(3)]);
    values["platform_name"] = json!("材料<中心> & \"实验室\"");
    values["breakthroughs"] = json!("<script>alert(1)</script>");
    assert_eq!(save(&app, "2023-04", 0, values).await.status, StatusCode::CREATED);
    act(&app, "2023-04", "submit", &filler(), None).await;
    let r = call(&app, Method::GET, &format!("{BASE}/2023-04/print"), Some(&unit_admin()), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", body_text(&r));
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = body_text(&r);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<html lang="zh-CN">"#) && html.contains(r#"<meta charset="utf-8">"#));
    assert!(html.contains("@media print"));
    assert!(html.contains("材料&lt;中心&gt; &amp; &quot;实验室&quot;"), "names are escaped");
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
    for part in ["人员队伍", "经费筹集", "成果产出", "开放合作", "成果转化和对外服务", "科学普及", "重点信息", "附件"]
    {
        assert!(html.contains(&format!("<caption>{part}</caption>")), "part {part}");
    }
    assert!(html.contains(r#"<th scope="row">从业人员总数</th><td class="value">40</td><td>人</td>"#), "{html}");
    assert!(html.contains(r#"<th scope="row">经费筹集总额</th><td class="value">120.5</td><td>万元</td>"#));
    assert!(html.contains("待审核"));
    assert!(html.contains("<dt>提交时间</dt><dd><time datetime="), "times in a <time> element");
    assert_eq!(html.matches("<table>").count(), html.matches("</table>").count());
}

pub async fn a_submission_retried_with_the_same_idempotency_key_is_answered_once(store: SharedStore) {
    let (app, _files) = app(store).await;
    complete_month(&app, "2023-04", json!({})).await;
    complete_month(&app, "2023-05", json!({})).await;
    let req = |period: &str| {
        Request::builder()
            .method(Method::POST)
            .uri(format!("{BASE}/{period}/submit"))
            .header("authorization", format!("Bearer {}", filler()))
            .header("idempotency-key", "submit-april-1")
            .body(Body::empty())
            .unwrap()
    };
    let first = send(&app, req("2023-04")).await;
    let second = send(&app, req("2023-04")).await;
    assert_eq!((first.status, second.status), (StatusCode::OK, StatusCode::OK), "{}", body_text(&second));
    assert_eq!(second.headers.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(version(&first), version(&second));
    let history = get(&app, "2023-04", &filler()).await.json()["history"].as_array().unwrap().len();
    assert_eq!(history, 2, "submitted once");
    // The same key for another report is refused.
    let other = send(&app, req("2023-05")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.json()["fields"]["Idempotency-Key"].is_string());
}

/// The issue's case: January raised 100 (its parts adding up), submitted and
/// approved; February opens, is submitted unchanged and approved. Funding raised
/// this month is a flow: February opens with it empty, and the year says 100, not 200.
pub async fn a_flow_starts_empty_each_month_and_the_year_counts_it_once(store: SharedStore) {
    let (app, _files) = app(store).await;
    let funding = json!({ "funding_total": 100, "funding_government": 100, "funding_enterprise": 0, "funding_other": 0, "equipment_value": 800 });
    let jan = save(&app, "2023-01", 0, merged(&[cover(), staff(40), funding])).await;
    assert_eq!(jan.status, StatusCode::CREATED, "{}", body_text(&jan));
    assert_eq!(act(&app, "2023-01", "submit", &filler(), None).await.status, StatusCode::OK);
    assert_eq!(
        act(&app, "2023-01", "approve", &unit_admin(), Some(json!({ "comment": "同意。" }))).await.status,
        StatusCode::OK
    );
    let feb = get(&app, "2023-02", &filler()).await.json();
    assert!(feb["values"].get("funding_total").is_none(), "February opens with funding empty, not 100: {feb}");
    assert_eq!(feb["values"]["staff_total"], 40);
    // Unchanged: the first save keeps what it opened with; then submitted and approved.
    assert_eq!(save(&app, "2023-02", 0, json!({})).await.status, StatusCode::CREATED);
    let s = act(&app, "2023-02", "submit", &filler(), None).await;
    assert_eq!(s.status, StatusCode::OK, "{}", body_text(&s));
    assert_eq!(s.json()["values"]["funding_total"], Value::Null, "stored as no answer, not 0");
    assert_eq!(
        act(&app, "2023-02", "approve", &unit_admin(), Some(json!({ "comment": "同意。" }))).await.status,
        StatusCode::OK
    );
    let annual =
        call(&app, Method::GET, "/annual-reports/hebei-materials-lab/composites/2023", Some(&unit_admin()), None)
            .await
            .json();
    assert_eq!(annual["months"], json!(["2023-01", "2023-02"]));
    assert_eq!(annual["values"]["funding_total"], 100, "100 + nothing, not 200");
    assert_eq!(annual["values"]["funding_government"], 100);
}

/// A stock (the original value of equipment) carries into the next month, and the
/// year takes its last value rather than adding the months up.
pub async fn a_stock_carries_forward_and_the_year_takes_its_last_value(store: SharedStore) {
    let (app, _files) = app(store).await;
    approved_month(&app, "2023-01", json!({ "equipment_value": 800 })).await;
    let feb = get(&app, "2023-02", &filler()).await.json();
    assert_eq!(feb["values"]["equipment_value"], 800, "February opens with January's equipment");
    assert_eq!(save(&app, "2023-02", 0, json!({})).await.status, StatusCode::CREATED);
    act(&app, "2023-02", "submit", &filler(), None).await;
    act(&app, "2023-02", "approve", &unit_admin(), Some(json!({ "comment": "同意。" }))).await;
    let mar = get(&app, "2023-03", &filler()).await.json();
    assert_eq!(mar["values"]["equipment_value"], 800);
    assert_eq!(save(&app, "2023-03", 0, json!({ "equipment_value": 950 })).await.status, StatusCode::CREATED);
    act(&app, "2023-03", "submit", &filler(), None).await;
    act(&app, "2023-03", "approve", &unit_admin(), Some(json!({ "comment": "同意。" }))).await;
    let annual =
        call(&app, Method::GET, "/annual-reports/hebei-materials-lab/composites/2023", Some(&unit_admin()), None)
            .await
            .json();
    assert_eq!(annual["values"]["equipment_value"], 950, "the last month's value, not 800 + 800 + 950");
    assert_eq!(annual["values"]["funding_total"], 120.5, "January's flow once; February and March raised nothing");
}

/// A required number never filled in blocks the submission, the error naming its
/// part and its field; nothing is stored as 0 on the way.
pub async fn a_required_number_left_empty_blocks_submit_naming_part_and_field(store: SharedStore) {
    let (app, _files) = app(store).await;
    let mut values = merged(&[cover(), staff(40), funding()]);
    values.as_object_mut().unwrap().remove("staff_master");
    values["equipment_value"] = json!("");
    assert_eq!(save(&app, "2023-04", 0, values).await.status, StatusCode::CREATED);
    let r = act(&app, "2023-04", "submit", &filler(), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    let fields = &r.json()["fields"];
    assert_eq!(fields["staff_master"], "人员队伍：请填写“其中：硕士”");
    assert_eq!(fields["equipment_value"], "经费筹集：请填写“仪器设备原值”");
    assert!(fields.get("papers_total").is_none(), "a flow may stay empty: {fields}");
    let stored = get(&app, "2023-04", &filler()).await.json();
    assert_eq!((stored["status"].as_str(), &stored["values"]["equipment_value"]), (Some("draft"), &Value::Null));
    // The parts saved are remembered (the check page marks the others unopened).
    assert_eq!(stored["opened_parts"], json!(["cover", "staff", "funding"]));
}

/// Once its checks pass, the month is a PDF (Chinese face embedded); before, it is
/// refused with the checks' errors. The annual report comes as PDF and workbook.
pub async fn the_report_and_the_year_are_pdfs_and_the_year_a_workbook(store: SharedStore) {
    let (app, _files) = app(store).await;
    let mut values = merged(&[cover(), staff(40)]);
    values["staff_total"] = json!(41);
    assert_eq!(save(&app, "2023-04", 0, values).await.status, StatusCode::CREATED);
    let refused = call(&app, Method::GET, &format!("{BASE}/2023-04/pdf"), Some(&filler()), None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&refused));
    assert!(refused.json()["fields"]["staff_total"].is_string());
    approved_month(&app, "2023-05", json!({})).await;
    let pdf = call(&app, Method::GET, &format!("{BASE}/2023-05/pdf?download=1"), Some(&unit_admin()), None).await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", body_text(&pdf));
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    let raw = String::from_utf8_lossy(&pdf.bytes);
    assert!(raw.contains("/FontFile3") || raw.contains("/FontFile2"), "the face is embedded");
    assert!(raw.contains("NotoSansCJK"), "the Chinese face is the one embedded");
    let year = "/annual-reports/hebei-materials-lab/composites/2023";
    let apdf = call(&app, Method::GET, &format!("{year}/pdf"), Some(&unit_admin()), None).await;
    assert_eq!((apdf.status, apdf.headers["content-type"].to_str().unwrap()), (StatusCode::OK, "application/pdf"));
    assert!(apdf.headers["content-disposition"].to_str().unwrap().starts_with("inline;"));
    let book = call(&app, Method::GET, &format!("{year}/export.xlsx"), Some(&unit_admin()), None).await;
    assert_eq!(book.status, StatusCode::OK, "{}", body_text(&book));
    let rows = sheet_rows(&book.bytes);
    assert!(rows[0][0].contains("2023") && rows[0][0].contains("2023-05"), "{:?}", rows[0]);
    assert_eq!(rows[1], ["部分", "项目", "全年", "单位"]);
    assert!(rows.iter().any(|r| r[1] == "从业人员总数" && r[2] == "40" && r[3] == "人"), "{rows:?}");
}

/// The cells of a workbook's first sheet, as text.
pub fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect()
}

on_both_stores!(
    a_regional_admin_sees_every_platform_of_the_region_for_a_month_and_exports_it,
    a_flow_starts_empty_each_month_and_the_year_counts_it_once,
    a_stock_carries_forward_and_the_year_takes_its_last_value,
    a_required_number_left_empty_blocks_submit_naming_part_and_field,
    the_report_and_the_year_are_pdfs_and_the_year_a_workbook,
    a_draft_is_saved_part_by_part_and_the_parts_are_merged,
    a_save_from_a_stale_version_is_a_conflict_and_changes_nothing,
    concurrent_saves_from_one_version_keep_exactly_one,
    a_new_month_starts_from_the_latest_earlier_month_without_its_attachments,
    submitting_parts_that_do_not_add_up_is_refused_on_the_total_and_then_fixed,
    submitting_from_a_stale_version_is_a_conflict,
    withdraw_resubmit_return_with_comment_and_approve_are_each_recorded,
    the_review_queue_lists_the_units_submitted_reports_and_the_unit_list_every_month,
    the_annual_report_sums_flows_and_takes_latest_stocks_of_approved_months_only,
    the_printable_view_is_a_standalone_html_page_with_every_value,
    a_submission_retried_with_the_same_idempotency_key_is_answered_once,
);

// ---- refusals: who may do what (storage does not matter: embedded only) ---------------

async fn fresh() -> (Router, support::Guard) {
    let (store, guard) = support::embedded();
    let (app, files) = app(store).await;
    (app, Box::new((guard, files)))
}

#[tokio::test]
async fn without_a_token_every_report_endpoint_is_401() {
    let (app, _g) = fresh().await;
    for (method, uri) in [
        (Method::GET, "/reports"),
        (Method::GET, "/reports/review-queue"),
        (Method::GET, "/reports/hebei-materials-lab/composites/2023-04"),
        (Method::PUT, "/reports/hebei-materials-lab/composites/2023-04"),
        (Method::POST, "/reports/hebei-materials-lab/composites/2023-04/submit"),
        (Method::GET, "/reports/hebei-materials-lab/composites/2023-04/print"),
        (Method::GET, "/annual-reports/hebei-materials-lab/composites/2023"),
    ] {
        let r = call(&app, method.clone(), uri, None, Some(json!({ "version": 0, "values": {} }))).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert!(r.json()["fields"].is_object());
    }
}

#[tokio::test]
async fn a_filler_of_another_unit_can_neither_read_nor_change_the_report() {
    let (app, _g) = fresh().await;
    complete_month(&app, "2023-04", json!({})).await;
    let stranger = token(Role::Filler, Some("another-lab"), Some("hebei"));
    assert_eq!(get(&app, "2023-04", &stranger).await.status, StatusCode::FORBIDDEN);
    let r = call(
        &app,
        Method::PUT,
        &format!("{BASE}/2023-04"),
        Some(&stranger),
        Some(json!({ "version": 1, "values": {} })),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(act(&app, "2023-04", "submit", &stranger, None).await.status, StatusCode::FORBIDDEN);
    let list = call(&app, Method::GET, &format!("/reports?unit={UNIT}"), Some(&stranger), None).await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    // Nor can another unit's administrator approve it.
    act(&app, "2023-04", "submit", &filler(), None).await;
    let admin = token(Role::UnitAdmin, Some("another-lab"), None);
    assert_eq!(act(&app, "2023-04", "approve", &admin, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&app, "2023-04", &filler()).await.json()["status"], "submitted");
}

#[tokio::test]
async fn only_a_filler_saves_and_submits_and_only_the_unit_admin_reviews() {
    let (app, _g) = fresh().await;
    complete_month(&app, "2023-04", json!({})).await;
    for t in [unit_admin(), token(Role::NationalAdmin, None, None), token(Role::RegionalAdmin, None, Some("hebei"))] {
        let r =
            call(&app, Method::PUT, &format!("{BASE}/2023-04"), Some(&t), Some(json!({ "version": 1, "values": {} })))
                .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(act(&app, "2023-04", "submit", &t, None).await.status, StatusCode::FORBIDDEN);
    }
    act(&app, "2023-04", "submit", &filler(), None).await;
    assert_eq!(act(&app, "2023-04", "approve", &filler(), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(act(&app, "2023-04", "withdraw", &unit_admin(), None).await.status, StatusCode::FORBIDDEN);
    let national = token(Role::NationalAdmin, None, None);
    assert_eq!(act(&app, "2023-04", "approve", &national, None).await.status, StatusCode::FORBIDDEN);
    for role in [Role::Registrant, Role::Organiser] {
        assert_eq!(get(&app, "2023-04", &token(role, Some(UNIT), Some("hebei"))).await.status, StatusCode::FORBIDDEN);
    }
    // A filler's token without a unit is of no use here.
    assert_eq!(get(&app, "2023-04", &token(Role::Filler, None, None)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn regional_admins_read_their_region_and_national_admins_everything() {
    let (app, _g) = fresh().await;
    complete_month(&app, "2023-04", json!({})).await;
    let hebei = token(Role::RegionalAdmin, None, Some("hebei"));
    let beijing = token(Role::RegionalAdmin, None, Some("beijing"));
    let national = token(Role::NationalAdmin, None, None);
    assert_eq!(get(&app, "2023-04", &hebei).await.status, StatusCode::OK);
    assert_eq!(get(&app, "2023-04", &national).await.status, StatusCode::OK);
    assert_eq!(get(&app, "2023-04", &beijing).await.status, StatusCode::FORBIDDEN);
    let list = call(&app, Method::GET, &format!("/reports?unit={UNIT}"), Some(&beijing), None).await.json();
    assert_eq!(list["count"], 0, "another region's reports are not listed");
    let list = call(&app, Method::GET, &format!("/reports?unit={UNIT}"), Some(&hebei), None).await.json();
    assert_eq!(list["count"], 1);
    // A month not started is nobody's business but the filler's.
    assert_eq!(get(&app, "2023-09", &national).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_draft_with_a_malformed_value_is_refused_field_by_field_and_nothing_is_stored() {
    let (app, _g) = fresh().await;
    let r = save(&app, "2023-04", 0, json!({ "staff_total": "四十", "filler_phone": "12", "papers_total": -1 })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    let fields = &r.json()["fields"];
    for f in ["staff_total", "filler_phone", "papers_total"] {
        assert!(fields[f].is_string(), "{f} in {fields}");
    }
    assert_eq!(get(&app, "2023-04", &filler()).await.json()["status"], "not_started");
    // A month in the values that is not the report's month is refused on `period`.
    let r = save(&app, "2023-04", 0, json!({ "period": "2023-05" })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["period"].is_string());
    // Saving without saying which version is refused on `version`.
    let r = call(&app, Method::PUT, &format!("{BASE}/2023-04"), Some(&filler()), Some(json!({ "values": {} }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["version"].is_string());
}

#[tokio::test]
async fn addresses_that_cannot_name_a_report_are_not_found() {
    let (app, _g) = fresh().await;
    for period in ["2023-13", "202304", "latest"] {
        assert_eq!(get(&app, period, &filler()).await.status, StatusCode::NOT_FOUND, "{period}");
    }
    assert_eq!(act(&app, "2023-04", "submit", &filler(), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        call(&app, Method::GET, &format!("{BASE}/2023-04/print"), Some(&filler()), None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn refusals_are_in_english_when_asked_and_an_overlong_comment_is_refused() {
    let (app, _g) = fresh().await;
    complete_month(&app, "2023-04", json!({ "staff_total": 41 })).await;
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{BASE}/2023-04/submit"))
        .header("authorization", format!("Bearer {}", filler()))
        .header("accept-language", "en-GB,en;q=0.9")
        .body(Body::empty())
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = r.json()["fields"]["staff_total"].as_str().unwrap_or_default().to_owned();
    assert!(message.starts_with("Staff: Total staff") && message.is_ascii(), "{message}");
    save(&app, "2023-04", 1, json!({ "staff_total": 40 })).await;
    act(&app, "2023-04", "submit", &filler(), None).await;
    let long = "改".repeat(501);
    let r = act(&app, "2023-04", "return", &unit_admin(), Some(json!({ "comment": long }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["comment"].is_string());
    assert_eq!(get(&app, "2023-04", &filler()).await.json()["status"], "submitted");
}

/// A request in `lang` (`Accept-Language`) as the filler.
async fn call_in(app: &Router, lang: &str, method: Method, uri: &str, body: Option<Value>) -> Reply {
    let mut req = request(method, uri, Some(&filler()), body);
    req.headers_mut().insert("accept-language", lang.parse().expect("header"));
    send(app, req).await
}

#[tokio::test]
async fn months_outside_the_forms_range_are_not_found_in_the_callers_language() {
    let (app, _g) = fresh().await;
    // Issue 15, point 12: 1999-01 is before the form's first month (2023-01) …
    let r = call_in(&app, "zh-CN", Method::GET, &format!("{BASE}/1999-01"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", body_text(&r));
    assert!(r.json()["error"].as_str().is_some_and(|e| e.contains("找不到")), "{}", body_text(&r));
    // … and 9999-12 has not come yet; neither can be started, in English either.
    let r =
        call_in(&app, "en", Method::PUT, &format!("{BASE}/9999-12"), Some(json!({ "version": 0, "values": {} }))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", body_text(&r));
    assert!(r.json()["error"].as_str().is_some_and(|e| e.starts_with("No such")), "{}", body_text(&r));
    // Another member: the month just before the form's first, and next month.
    let next_month = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)))
        .date()
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .expect("a month")
        .strftime("%Y-%m")
        .to_string();
    for period in ["2022-12", next_month.as_str()] {
        assert_eq!(save(&app, period, 0, cover()).await.status, StatusCode::NOT_FOUND, "{period}");
        assert_eq!(get(&app, period, &filler()).await.status, StatusCode::NOT_FOUND, "{period}");
    }
    let listed = call(&app, Method::GET, "/reports", Some(&filler()), None).await.json();
    assert_eq!(listed["count"], 0, "nothing was started: {listed}");
    // The first month of the form is fine.
    assert_eq!(save(&app, "2023-01", 0, cover()).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_save_without_values_does_not_raise_the_version() {
    let (app, _g) = fresh().await;
    assert_eq!(version(&complete_month(&app, "2023-04", json!({})).await), 1);
    // Issue 15, point 12: no `values` at all is refused on `values` …
    let r = call(&app, Method::PUT, &format!("{BASE}/2023-04"), Some(&filler()), Some(json!({ "version": 1 }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    assert!(r.json()["fields"]["values"].is_string(), "{}", body_text(&r));
    assert_eq!(version(&get(&app, "2023-04", &filler()).await), 1);
    // … and another member: a save that changes nothing keeps the version.
    for values in [json!({}), cover(), staff(40)] {
        let r = save(&app, "2023-04", 1, values).await;
        assert_eq!((r.status, version(&r)), (StatusCode::OK, 1), "{}", body_text(&r));
    }
    // A real change still counts.
    assert_eq!(version(&save(&app, "2023-04", 1, json!({ "papers_total": 2 })).await), 2);
}

#[tokio::test]
async fn a_report_cannot_name_another_units_file_or_a_key_out_of_the_store() {
    let (app, _g) = fresh().await;
    let file = |key: &str| json!([{ "name": "证书.pdf", "size": 1024, "content_type": "application/pdf", "key": key }]);
    // Issue 15, point 13: another unit's upload, and a key that climbs out with `..`.
    for key in [
        "cases/u-other-lab/01hz0/file.pdf",
        "cases/u-hebei-materials-lab/../u-other-lab/01hz0/file.pdf",
        "cases/u-hebei-materials-lab/01hz0/%2e%2e/file.pdf\\..",
    ] {
        let r = save(&app, "2023-04", 0, json!({ "supporting_files": file(key) })).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{key}: {}", body_text(&r));
        assert!(r.json()["fields"]["supporting_files"].as_str().is_some_and(|m| m.contains("上传")), "{key}");
    }
    assert_eq!(get(&app, "2023-04", &filler()).await.json()["status"], "not_started", "nothing was stored");
    // The unit's own upload, and a key of its own that was never uploaded.
    let never =
        save(&app, "2023-04", 0, json!({ "supporting_files": file("cases/u-hebei-materials-lab/01hz0/file.pdf") }));
    assert_eq!(never.await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let own = certificate(&app).await;
    let own = save(&app, "2023-04", 0, json!({ "supporting_files": [own] })).await;
    assert_eq!(own.status, StatusCode::CREATED, "{}", body_text(&own));
}

// ---- the calendar, the region, the import (a fixed clock) ------------------------------

/// The reports router at a fixed moment.
async fn app_at(store: SharedStore, now: &str) -> Router {
    support::platform_in_directory(&store, UNIT, PLATFORM).await;
    let now: jiff::Timestamp = now.parse().unwrap();
    let clock: gazette_core::workflows::Clock = std::sync::Arc::new(move || now);
    gazette_core::config::app_router(
        store,
        gazette_core::workflows::CourseCatalog::default(),
        PlanDeadlines::default(),
        AuthConfig::hs256(SECRET),
        clock,
    )
}

#[tokio::test]
async fn a_month_is_due_by_its_end_in_beijing_and_one_not_begun_cannot_be_started() {
    let (store, _g) = support::embedded();
    // 23:30 on 30 November in Beijing (15:30 UTC): November is still open.
    let app = app_at(store.clone(), "2026-11-30T15:30:00Z").await;
    let nov = get(&app, "2026-11", &filler()).await.json();
    assert_eq!((nov["due"].as_str(), nov["late"].as_bool()), (Some("2026-11-30"), Some(false)));
    // December has not begun in Beijing: it cannot be started (no such report yet).
    let dec = save(&app, "2026-12", 0, cover()).await;
    assert_eq!(dec.status, StatusCode::NOT_FOUND, "{}", body_text(&dec));
    assert_eq!(save(&app, "2026-11", 0, merged(&[cover(), staff(40), funding()])).await.status, StatusCode::CREATED);
    // Half an hour later it is 1 December in Beijing: November, not submitted, is late;
    // December can be started now.
    let later = app_at(store.clone(), "2026-11-30T16:00:00Z").await;
    let nov = get(&later, "2026-11", &filler()).await.json();
    assert_eq!(nov["late"], true, "{nov}");
    let list = call(&later, Method::GET, "/reports", Some(&filler()), None).await.json();
    assert_eq!(list["reports"][0]["late"], true);
    assert_eq!(save(&later, "2026-12", 0, cover()).await.status, StatusCode::CREATED);
    // Submitted after its end, it stays late.
    assert_eq!(act(&later, "2026-11", "submit", &filler(), None).await.json()["late"], true);
}

pub async fn a_regional_admin_sees_every_platform_of_the_region_for_a_month_and_exports_it(store: SharedStore) {
    // 20 April 2023, 10:00 in Beijing: April is open, March is over.
    support::platform_in_directory(&store, "hebei-energy-lab", "grid").await;
    support::platform_in_directory(&store, "shanxi-lab", "grid").await;
    let app = app_at(store, "2023-04-20T02:00:00Z").await;
    let other_unit = token(Role::Filler, Some("hebei-energy-lab"), Some("hebei"));
    let elsewhere = token(Role::Filler, Some("shanxi-lab"), Some("shanxi"));
    // Composites: April approved. Energy: April submitted, March only. Shanxi: not listed.
    approved_month(&app, "2023-04", json!({})).await;
    let put = |tok: &str, unit: &str, period: &str| {
        request(
            Method::PUT,
            &format!("/reports/{unit}/grid/{period}"),
            Some(tok),
            Some(json!({
            "version": 0, "values": merged(&[cover(), staff(40), funding(), json!({ "platform_name": "智能电网平台" })]) })),
        )
    };
    assert_eq!(send(&app, put(&other_unit, "hebei-energy-lab", "2023-03")).await.status, StatusCode::CREATED);
    assert_eq!(send(&app, put(&other_unit, "hebei-energy-lab", "2023-04")).await.status, StatusCode::CREATED);
    let s = send(&app, request(Method::POST, "/reports/hebei-energy-lab/grid/2023-04/submit", Some(&other_unit), None))
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", body_text(&s));
    assert_eq!(send(&app, put(&elsewhere, "shanxi-lab", "2023-04")).await.status, StatusCode::CREATED);
    let province = token(Role::RegionalAdmin, None, Some("hebei"));
    let april = call(&app, Method::GET, "/region-reports/hebei/2023-04", Some(&province), None).await;
    assert_eq!(april.status, StatusCode::OK, "{}", body_text(&april));
    let rows: Vec<(String, String, bool)> = april.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["platform"].as_str().unwrap().into(), r["status"].as_str().unwrap().into(), r["late"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(rows, [("grid".into(), "submitted".into(), false), ("composites".into(), "approved".into(), false)]);
    // March is over: composites never started it (late), grid left it a draft (late).
    let march = call(&app, Method::GET, "/region-reports/hebei/2023-03", Some(&province), None).await.json();
    assert_eq!((&march["rows"][0]["status"], &march["rows"][0]["late"]), (&json!("draft"), &json!(true)));
    assert_eq!((&march["rows"][1]["status"], &march["rows"][1]["late"]), (&json!("not_started"), &json!(true)));
    // Another region's administrator, and a filler, are refused.
    let shanxi = token(Role::RegionalAdmin, None, Some("shanxi"));
    assert_eq!(
        call(&app, Method::GET, "/region-reports/hebei/2023-04", Some(&shanxi), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, Method::GET, "/region-reports/hebei/2023-04", Some(&filler()), None).await.status,
        StatusCode::FORBIDDEN
    );
    let book = call(&app, Method::GET, "/region-reports/hebei/2023-04/export.xlsx", Some(&province), None).await;
    assert_eq!(book.status, StatusCode::OK, "{}", body_text(&book));
    let rows = sheet_rows(&book.bytes);
    assert_eq!(rows[1], ["单位代码", "平台代码", "平台名称", "状态", "是否逾期", "提交时间", "截止日期"]);
    assert_eq!(rows[2][..5], ["hebei-energy-lab", "grid", "智能电网平台", "待审核", ""]);
    assert!(rows[2][5].starts_with("2023-04-20 10:00"), "Beijing time: {:?}", rows[2]);
    assert_eq!(rows[2][6], "2023-04-30");
    assert_eq!(rows[3][..4], ["hebei-materials-lab", "composites", "河北省复合材料技术创新中心", "审核通过"]);
}

/// A workbook of the given rows (the first is the header), numbers as numbers.
fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(n) if r > 0 => ws.write_number(r as u32, c as u16, n).map(|_| ()),
                _ => ws.write_string(r as u32, c as u16, *v).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

async fn import(app: &Router, token: &str, bytes: Vec<u8>) -> Reply {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/annual-figures")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(Body::from(bytes))
        .unwrap();
    send(app, req).await
}

#[tokio::test]
async fn a_platforms_first_month_starts_from_last_years_imported_figures() {
    let (store, _g) = support::embedded();
    let (app, _files) = app(store).await;
    let province = token(Role::RegionalAdmin, None, Some("hebei"));
    // A bad sheet names every bad cell, and imports nothing.
    let bad = workbook(&[
        &["单位代码", "平台代码", "年度", "从业人员总数", "仪器设备原值"],
        &[UNIT, "composites", "2022", "38", "812.5"],
        &[UNIT, "alloys", "2022", "三十八", ""],
    ]);
    let r = import(&app, &province, bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    assert_eq!(r.json()["fields"]["D3"], "“从业人员总数”应为数字");
    assert!(get(&app, "2023-01", &filler()).await.json()["prefilled_from"].is_null(), "nothing half-imported");
    // Only a regional administrator imports.
    let good = workbook(&[
        &["单位代码", "平台代码", "年度", "平台名称", "从业人员总数", "仪器设备原值"],
        &[UNIT, "composites", "2022", "河北省复合材料技术创新中心", "38", "812.5"],
    ]);
    assert_eq!(import(&app, &unit_admin(), good.clone()).await.status, StatusCode::FORBIDDEN);
    let ok = import(&app, &province, good).await;
    assert_eq!((ok.status, ok.json()["imported"].as_u64()), (StatusCode::OK, Some(1)), "{}", body_text(&ok));
    let jan = get(&app, "2023-01", &filler()).await.json();
    assert_eq!(jan["prefilled_from"], "2022");
    assert_eq!(jan["values"]["staff_total"], 38);
    assert_eq!(jan["values"]["equipment_value"], 812.5);
    assert_eq!(jan["values"]["platform_name"], "河北省复合材料技术创新中心");
    assert_eq!(jan["values"]["period"], "2023-01");
}
