//! The annual training plan (seed 001) through the HTTP router, on both stores, and
//! every refusal of the plan API.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gazette_core::config::reports_router;
use gazette_core::http::{AuthConfig, Role, mint_dev_token};
use gazette_core::store::SharedStore;
use gazette_core::workflows::PlanDeadlines;
use jiff::ToSpan;
use serde_json::{Value, json};

use crate::registration_api::SECRET;
use crate::support::{self, Reply, request, send};

/// The plan year still open in these tests, and one long closed (seed 001: 2022-11-14).
const OPEN_YEAR: i32 = 2030;
const CLOSED_YEAR: i32 = 2023;

fn deadlines() -> PlanDeadlines {
    let in_two_months = jiff::Zoned::now().date().checked_add(60.days()).expect("a date");
    PlanDeadlines::new([(CLOSED_YEAR, jiff::civil::date(2022, 11, 14)), (OPEN_YEAR, in_two_months)])
}

/// The router, with the units' files in a temporary directory kept with it.
fn app(store: SharedStore) -> (Router, tempfile::TempDir) {
    let (files, dir) = support::local_files();
    (reports_router(store, deadlines(), AuthConfig::hs256(SECRET), files), dir)
}

fn token(role: Role, unit: Option<&str>) -> String {
    mint_dev_token(SECRET, role, unit, None, Duration::from_secs(600))
}

fn unit(name: &str) -> String {
    token(Role::UnitAdmin, Some(name))
}

fn organiser() -> String {
    token(Role::Organiser, None)
}

fn body_text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.bytes).into_owned()
}

/// A PDF uploaded by unit `ioz` for `column` of a project (ticket, then PUT): its record.
async fn file(app: &Router, column: &str, name: &str) -> Value {
    let field = format!("projects.{column}");
    support::upload_file(app, &unit("ioz"), "training-plan", &field, name, "application/pdf", b"%PDF-1.7 plan").await
}

/// An institute-level seminar: no support asked, nothing but the basics.
fn seminar(name: &str, days: u32) -> Value {
    json!({
        "name": name, "kind": "seminar", "tier": "institute",
        "start": format!("{OPEN_YEAR}-05-10"), "end": format!("{OPEN_YEAR}-05-14"),
        "runs": 1, "days": days, "participants": 40, "budget": 5,
    })
}

/// A flagship short course with all the documents the guide asks for, uploaded.
async fn flagship(app: &Router) -> Value {
    json!({
        "name": "大型科研仪器操作与维护技术培训班", "kind": "short_course", "tier": "flagship",
        "start": format!("{OPEN_YEAR}-09-01"), "end": format!("{OPEN_YEAR}-09-05"),
        "runs": 2, "days": 5, "participants": 80, "budget": 30.5, "held_before": true,
        "apply_funding": true, "flagship": true,
        "teachers": file(app, "teachers", "师资名单.pdf").await,
        "curriculum": file(app, "curriculum", "课程设置.pdf").await,
        "materials": file(app, "materials", "教材清单.pdf").await,
        "needs_analysis": file(app, "needs_analysis", "需求调研.pdf").await,
        "evaluation": file(app, "evaluation", "效果评估.pdf").await,
    })
}

/// A lecture series applying for technical support (院级培育).
fn lectures() -> Value {
    json!({
        "name": "前沿科学讲坛", "kind": "lecture", "tier": "cultivation",
        "start": format!("{OPEN_YEAR}-03-01"), "end": format!("{OPEN_YEAR}-12-01"),
        "runs": 1, "sessions": 8, "hours_per_session": 2, "participants": 300, "budget": 0, "apply_tech_support": true,
    })
}

/// The special training on the Party congress every plan holds (seed 001).
fn special() -> Value {
    json!({
        "name": "学习贯彻党的二十大精神专题培训", "kind": "special",
        "start": format!("{OPEN_YEAR}-03-06"), "end": format!("{OPEN_YEAR}-03-07"),
        "runs": 2, "days": 2, "participants": 150, "budget": 2,
    })
}

/// A plan of `projects`, the special training after them.
fn plan(year: i32, mut projects: Vec<Value>) -> Value {
    projects.push(special());
    json!({
        "year": year,
        "unit_name": "中国科学院某研究所",
        "unit_type": "institute",
        "contact_name": "王芳",
        "contact_phone": "010-68597406",
        "contact_email": "wangfang@example.org",
        "projects": projects,
    })
}

async fn submit(app: &Router, token: &str, body: Value) -> Reply {
    send(app, request(Method::POST, "/training-plans", Some(token), Some(body))).await
}

async fn call(app: &Router, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    send(app, request(method, uri, token, body)).await
}

fn plan_uri(unit: &str, year: i32) -> String {
    format!("/training-plans/{unit}/{year}")
}

// ---- workflow, on both stores ---------------------------------------------------------

pub async fn a_unit_submits_its_plan_and_gets_the_guides_warnings_with_it(store: SharedStore) {
    let (app, _files) = app(store);
    // Two projects applying for academy support: allowed, but 原则上 one per institute.
    let projects = vec![seminar("科研诚信专题研修班", 3), flagship(&app).await, lectures()];
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, projects)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    let body = r.json();
    assert_eq!(
        (body["status"].as_str(), body["unit"].as_str(), body["year"].as_i64()),
        (Some("submitted"), Some("ioz"), Some(OPEN_YEAR as i64))
    );
    assert!(body["warnings"]["projects"].as_str().is_some_and(|w| w.contains("原则上")), "{body}");
    assert_eq!(body["values"]["projects"].as_array().unwrap().len(), 4);
    assert_eq!(body["history"][0]["action"], "submit");
    // The unit and the organiser can read it back.
    let mine = call(&app, Method::GET, &plan_uri("ioz", OPEN_YEAR), Some(&unit("ioz")), None).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.json()["warnings"], body["warnings"]);
    assert_eq!(
        call(&app, Method::GET, &plan_uri("ioz", OPEN_YEAR), Some(&organiser()), None).await.status,
        StatusCode::OK
    );
    // One project only: no warnings.
    let r = submit(&app, &unit("iop"), plan(OPEN_YEAR, vec![seminar("科研诚信专题研修班", 3)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    assert_eq!(r.json()["warnings"], json!({}));
}

pub async fn a_second_plan_for_the_same_unit_and_year_is_a_conflict(store: SharedStore) {
    let (app, _files) = app(store);
    assert_eq!(submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![seminar("A", 3)])).await.status, StatusCode::CREATED);
    let again = submit(&app, &token(Role::Filler, Some("ioz")), plan(OPEN_YEAR, vec![seminar("B", 4)])).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", body_text(&again));
    let kept = call(&app, Method::GET, &plan_uri("ioz", OPEN_YEAR), Some(&unit("ioz")), None).await.json();
    assert_eq!(kept["values"]["projects"][0]["name"], "A", "the first plan is untouched");
    // Another unit, same year: its own plan.
    assert_eq!(submit(&app, &unit("iop"), plan(OPEN_YEAR, vec![seminar("A", 3)])).await.status, StatusCode::CREATED);
}

pub async fn the_organiser_returns_with_a_comment_and_approves_and_the_unit_withdraws_until_then(store: SharedStore) {
    let (app, _files) = app(store);
    let first = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![seminar("A", 3)])).await.json();
    let uri = plan_uri("ioz", OPEN_YEAR);
    // The queue: submitted plans of the year.
    let queue = call(
        &app,
        Method::GET,
        &format!("/training-plans?year={OPEN_YEAR}&status=submitted"),
        Some(&organiser()),
        None,
    )
    .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", body_text(&queue));
    assert_eq!(queue.json()["count"], 1);
    // A return needs a comment.
    let bare = call(&app, Method::POST, &format!("{uri}/return"), Some(&organiser()), None).await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.json()["fields"]["comment"].is_string());
    let comment = "请补充培训需求调研情况。";
    let ret =
        call(&app, Method::POST, &format!("{uri}/return"), Some(&organiser()), Some(json!({ "comment": comment })))
            .await;
    assert_eq!(ret.status, StatusCode::OK, "{}", body_text(&ret));
    assert_eq!((ret.json()["status"].as_str(), ret.json()["comment"].as_str()), (Some("returned"), Some(comment)));
    // The unit changes it and submits it again, from the version it read.
    let stale = call(
        &app,
        Method::PUT,
        &uri,
        Some(&unit("ioz")),
        Some(json!({ "version": first["version"], "values": plan(OPEN_YEAR, vec![seminar("A", 4)]) })),
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", body_text(&stale));
    let again = call(
        &app,
        Method::PUT,
        &uri,
        Some(&unit("ioz")),
        Some(json!({ "version": ret.json()["version"], "values": plan(OPEN_YEAR, vec![seminar("A", 4)]) })),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", body_text(&again));
    assert_eq!(again.json()["status"], "submitted");
    // Withdrawn before review: a draft again, then resubmitted.
    let w = call(&app, Method::POST, &format!("{uri}/withdraw"), Some(&unit("ioz")), None).await;
    assert_eq!((w.status, w.json()["status"].as_str()), (StatusCode::OK, Some("draft")));
    let again = call(
        &app,
        Method::PUT,
        &uri,
        Some(&unit("ioz")),
        Some(json!({ "version": w.json()["version"], "values": plan(OPEN_YEAR, vec![seminar("A", 5)]) })),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", body_text(&again));
    // Only the organiser approves.
    assert_eq!(
        call(&app, Method::POST, &format!("{uri}/approve"), Some(&unit("ioz")), None).await.status,
        StatusCode::FORBIDDEN
    );
    let ok = call(&app, Method::POST, &format!("{uri}/approve"), Some(&organiser()), None).await;
    assert_eq!((ok.status, ok.json()["status"].as_str()), (StatusCode::OK, Some("approved")));
    // Approved is final.
    let late = call(&app, Method::POST, &format!("{uri}/withdraw"), Some(&unit("ioz")), None).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let put = call(
        &app,
        Method::PUT,
        &uri,
        Some(&unit("ioz")),
        Some(json!({ "version": ok.json()["version"], "values": plan(OPEN_YEAR, vec![seminar("A", 3)]) })),
    )
    .await;
    assert_eq!(put.status, StatusCode::CONFLICT);
    let steps: Vec<String> =
        ok.json()["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(steps, ["submit", "return", "submit", "withdraw", "submit", "approve"]);
    let queue = call(
        &app,
        Method::GET,
        &format!("/training-plans?year={OPEN_YEAR}&status=submitted"),
        Some(&organiser()),
        None,
    )
    .await;
    assert_eq!(queue.json()["count"], 0);
}

pub async fn a_plan_retried_with_the_same_idempotency_key_is_stored_once(store: SharedStore) {
    let (app, _files) = app(store);
    let req = |body: Value| {
        Request::builder()
            .method(Method::POST)
            .uri("/training-plans")
            .header("authorization", format!("Bearer {}", unit("ioz")))
            .header("idempotency-key", "plan-2030-ioz")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let first = send(&app, req(plan(OPEN_YEAR, vec![seminar("A", 3)]))).await;
    let second = send(&app, req(plan(OPEN_YEAR, vec![seminar("A", 3)]))).await;
    assert_eq!((first.status, second.status), (StatusCode::CREATED, StatusCode::CREATED), "{}", body_text(&second));
    assert_eq!(second.headers.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(first.json()["submitted_at"], second.json()["submitted_at"]);
    let other = send(&app, req(plan(OPEN_YEAR, vec![seminar("B", 3)]))).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.json()["fields"]["Idempotency-Key"].is_string());
}

on_both_stores!(
    a_unit_submits_its_plan_and_gets_the_guides_warnings_with_it,
    a_second_plan_for_the_same_unit_and_year_is_a_conflict,
    the_organiser_returns_with_a_comment_and_approves_and_the_unit_withdraws_until_then,
    a_plan_retried_with_the_same_idempotency_key_is_stored_once,
);

// ---- refusals (embedded only: storage does not matter) --------------------------------

fn fresh() -> (Router, support::Guard) {
    let (store, guard) = support::embedded();
    let (app, files) = app(store);
    (app, Box::new((guard, files)))
}

async fn assert_nothing_stored(app: &Router, unit_name: &str, year: i32) {
    let r = call(app, Method::GET, &plan_uri(unit_name, year), Some(&unit(unit_name)), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "nothing half-written: {}", body_text(&r));
}

#[tokio::test]
async fn a_seminar_of_two_days_breaks_the_guide_and_is_refused_on_its_days() {
    let (app, _g) = fresh();
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![seminar("A", 3), seminar("研修班", 2)])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    let fields = r.json()["fields"].clone();
    assert!(fields["projects[1].days"].as_str().is_some_and(|m| m.contains('3')), "{fields}");
    assert_nothing_stored(&app, "ioz", OPEN_YEAR).await;
}

#[tokio::test]
async fn a_flagship_project_without_its_attachments_is_refused_on_each_document() {
    let (app, _g) = fresh();
    let mut bare = flagship(&app).await;
    for doc in ["teachers", "curriculum", "materials", "needs_analysis", "evaluation"] {
        bare.as_object_mut().unwrap().remove(doc);
    }
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![bare])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    let fields = r.json()["fields"].clone();
    for doc in ["teachers", "curriculum", "materials", "needs_analysis", "evaluation"] {
        assert!(fields[format!("projects[0].{doc}")].is_string(), "{doc} in {fields}");
    }
    assert_nothing_stored(&app, "ioz", OPEN_YEAR).await;
}

#[tokio::test]
async fn a_flagship_project_under_four_days_is_refused() {
    let (app, _g) = fresh();
    let mut short = flagship(&app).await;
    short["days"] = json!(3);
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![short])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["projects[0].days"].as_str().is_some_and(|m| m.contains("4")));
}

#[tokio::test]
async fn a_plan_after_the_deadline_is_refused_on_the_year() {
    let (app, _g) = fresh();
    let mut late = plan(CLOSED_YEAR, vec![seminar("A", 3)]);
    late["projects"][0]["start"] = json!("2023-05-10");
    late["projects"][0]["end"] = json!("2023-05-14");
    let r = submit(&app, &unit("ioz"), late).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    let message = r.json()["fields"]["year"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("2022-11-14") && message.contains("截止"), "{message}");
    assert_nothing_stored(&app, "ioz", CLOSED_YEAR).await;
    // A year with no deadline configured is not open either.
    let r = submit(&app, &unit("ioz"), plan(2031, vec![seminar("A", 3)])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["year"].is_string());
}

#[tokio::test]
async fn who_may_submit_read_and_review_plans() {
    let (app, _g) = fresh();
    let body = plan(OPEN_YEAR, vec![seminar("A", 3)]);
    // No token, or a role with no part in plans.
    assert_eq!(
        call(&app, Method::POST, "/training-plans", None, Some(body.clone())).await.status,
        StatusCode::UNAUTHORIZED
    );
    for t in [token(Role::Registrant, None), token(Role::RegionalAdmin, None), organiser(), token(Role::Filler, None)] {
        assert_eq!(submit(&app, &t, body.clone()).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(submit(&app, &unit("ioz"), body).await.status, StatusCode::CREATED);
    let uri = plan_uri("ioz", OPEN_YEAR);
    // Another unit neither reads nor withdraws it; a unit does not list every plan.
    assert_eq!(call(&app, Method::GET, &uri, Some(&unit("iop")), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        call(&app, Method::POST, &format!("{uri}/withdraw"), Some(&unit("iop")), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, Method::GET, &format!("/training-plans?year={OPEN_YEAR}"), Some(&unit("ioz")), None).await.status,
        StatusCode::FORBIDDEN
    );
    // A national administrator reads but does not review.
    let national = token(Role::NationalAdmin, None);
    assert_eq!(call(&app, Method::GET, &uri, Some(&national), None).await.status, StatusCode::OK);
    assert_eq!(
        call(&app, Method::POST, &format!("{uri}/approve"), Some(&national), None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&app, Method::GET, &plan_uri("ioz", 2029), Some(&unit("ioz")), None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_plan_naming_another_units_file_is_refused_on_that_document() {
    let (app, _g) = fresh();
    // Issue 15, point 13: a flagship project whose course plan is unit ibp's upload.
    let mut borrowed = flagship(&app).await;
    borrowed["curriculum"]["key"] = json!("cases/u-ibp/01hzabc/file.pdf");
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![seminar("科研诚信专题研修班", 3), borrowed])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    let fields = r.json()["fields"].clone();
    assert!(fields["projects[1].curriculum"].as_str().is_some_and(|m| m.contains("上传")), "{fields}");
    assert_nothing_stored(&app, "ioz", OPEN_YEAR).await;
    // Another member: the unit's own folder left through `..`.
    let mut climbing = flagship(&app).await;
    climbing["teachers"]["key"] = json!("cases/u-ioz/../u-ibp/01hzabc/file.pdf");
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![climbing])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    assert!(r.json()["fields"]["projects[0].teachers"].is_string());
    assert_nothing_stored(&app, "ioz", OPEN_YEAR).await;
}

#[tokio::test]
async fn a_plan_sent_again_without_values_is_refused_on_values() {
    let (app, _g) = fresh();
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![seminar("科研诚信专题研修班", 3)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    let withdraw = format!("{}/withdraw", plan_uri("ioz", OPEN_YEAR));
    let withdrawn = call(&app, Method::POST, &withdraw, Some(&unit("ioz")), None).await;
    let version = withdrawn.json()["version"].as_u64().expect("version");
    let r =
        call(&app, Method::PUT, &plan_uri("ioz", OPEN_YEAR), Some(&unit("ioz")), Some(json!({ "version": version })))
            .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    assert!(r.json()["fields"]["values"].is_string(), "{}", body_text(&r));
    let stored = call(&app, Method::GET, &plan_uri("ioz", OPEN_YEAR), Some(&unit("ioz")), None).await.json();
    assert_eq!((stored["version"].as_u64(), stored["status"].as_str()), (Some(version), Some("draft")));
}

#[tokio::test]
async fn ten_training_days_over_two_dates_are_refused_naming_the_row_and_field() {
    let (app, _g) = fresh();
    let mut short = seminar("研修班", 10);
    short["start"] = json!(format!("{OPEN_YEAR}-05-08"));
    short["end"] = json!(format!("{OPEN_YEAR}-05-09"));
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![short.clone()])).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    assert_eq!(
        r.json()["fields"]["projects[0].days"],
        "“培训项目”第 1 条的“培训天数”（10 天）不能多于“开始日期”至“结束日期”的天数（2 天）"
    );
    let mut english = request(Method::POST, "/training-plans", Some(&unit("ioz")), Some(plan(OPEN_YEAR, vec![short])));
    english.headers_mut().insert("accept-language", axum::http::HeaderValue::from_static("en"));
    let en = send(&app, english).await;
    assert_eq!(
        en.json()["fields"]["projects[0].days"],
        "Training projects, row 1, Days: 10 days is more than the 2 days from Start date to End date"
    );
    assert_nothing_stored(&app, "ioz", OPEN_YEAR).await;
    // The special training is held to its dates too.
    let mut body = plan(OPEN_YEAR, vec![seminar("研修班", 3)]);
    body["projects"][1]["days"] = json!(5);
    let r = submit(&app, &unit("ioz"), body).await;
    assert!(
        r.json()["fields"]["projects[1].days"].as_str().is_some_and(|m| m.contains("（2 天）")),
        "{}",
        body_text(&r)
    );
}

#[tokio::test]
async fn a_plan_without_the_special_training_is_refused_on_its_projects() {
    let (app, _g) = fresh();
    let mut body = plan(OPEN_YEAR, vec![seminar("研修班", 3)]);
    body["projects"].as_array_mut().unwrap().pop();
    let r = submit(&app, &unit("ioz"), body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["projects"].as_str().is_some_and(|m| m.contains("专题培训")), "{}", body_text(&r));
}

#[tokio::test]
async fn the_organiser_selects_project_by_project_and_the_unit_exports_the_list() {
    let (app, _g) = fresh();
    let r =
        submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![seminar("所级研修班", 3), flagship(&app).await, lectures()]))
            .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    let approve = format!("{}/approve", plan_uri("ioz", OPEN_YEAR));
    // Approving without a decision on the two projects that apply for support.
    let r = call(&app, Method::POST, &approve, Some(&organiser()), Some(json!({ "comment": "同意" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", body_text(&r));
    let fields = r.json()["fields"].clone();
    assert_eq!(fields["selections[1]"], "“培训项目”第 2 条（大型科研仪器操作与维护技术培训班）的“遴选结果”：请选择");
    assert!(fields["selections[2]"].is_string());
    // Funding for a lecture series that asked for technical support; a decision on the institute's own project.
    let wrong = json!({ "selections": { "0": "funded", "1": "funded", "2": "funded" } });
    let r = call(&app, Method::POST, &approve, Some(&organiser()), Some(wrong)).await;
    let fields = r.json()["fields"].clone();
    assert_eq!(fields["selections[2]"], "“培训项目”第 3 条（前沿科学讲坛）的“遴选结果”只能是专项技术支持、未入选");
    assert!(fields["selections[0]"].as_str().is_some_and(|m| m.contains("无需遴选")), "{fields}");
    let mine = call(&app, Method::GET, &plan_uri("ioz", OPEN_YEAR), Some(&unit("ioz")), None).await.json();
    assert_eq!(mine["status"], "submitted", "nothing decided on a refusal");
    let right = json!({ "comment": "同意", "selections": { "1": "funded", "2": "not_selected" } });
    let r = call(&app, Method::POST, &approve, Some(&organiser()), Some(right)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", body_text(&r));
    let decided: Vec<(u64, String)> = r.json()["selections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["project"].as_u64().unwrap(), s["decision"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(decided, [(1, "funded".to_owned()), (2, "not_selected".to_owned())]);

    // The unit exports its list to stamp and send; another unit may not.
    let export = format!("{}/export.xlsx", plan_uri("ioz", OPEN_YEAR));
    assert_eq!(call(&app, Method::GET, &export, Some(&unit("iop")), None).await.status, StatusCode::FORBIDDEN);
    let r = call(&app, Method::GET, &export, Some(&unit("ioz")), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let sheet = support::xlsx_rows(&r.bytes);
    assert_eq!(sheet[0][0], format!("中国科学院某研究所 {OPEN_YEAR} 年度继续教育与培训计划"));
    let header = sheet.iter().position(|row| row.first().is_some_and(|c| c == "序号")).expect("a header row");
    let col = |name: &str| sheet[header].iter().position(|c| c == name).expect(name);
    let flagship_row = &sheet[header + 2];
    assert_eq!(flagship_row[col("项目名称")], "大型科研仪器操作与维护技术培训班");
    assert_eq!(flagship_row[col("期数")], "2 期");
    assert_eq!(flagship_row[col("经费预算")], "30.5 万元");
    assert_eq!(flagship_row[col("遴选结果")], "经费资助");
    assert_eq!(sheet[header + 3][col("遴选结果")], "未入选");
    assert_eq!(sheet[header + 4][col("培训类别")], "专题培训（学习贯彻党的二十大精神）");
    assert!(sheet.iter().flatten().any(|c| c.starts_with("单位（盖章）")), "a line for the stamp");
}

/// A page of the router as the signed-in visitor `token` sees it.
async fn visit(app: &Router, token: &str, path: &str) -> Reply {
    let req = axum::http::Request::builder()
        .uri(path)
        .header(axum::http::header::COOKIE, format!("gazette_session={token}"))
        .body(axum::body::Body::empty())
        .expect("request");
    let mut reply = send(app, req).await;
    // The page as a browser reads it: the `/` the templates escape, back.
    reply.bytes = String::from_utf8_lossy(&reply.bytes).replace("&#x2F;", "/").into_bytes();
    reply
}

#[tokio::test]
async fn the_plan_page_opens_every_attachment_takes_the_selection_and_prints_the_list() {
    use gazette_core::attachments::LocalAttachments;
    use gazette_core::http::{AppState, Files};
    use gazette_core::workflows::{CourseCatalog, system_clock};
    let (store, _g) = support::embedded();
    let dir = tempfile::tempdir().expect("a directory");
    let files = Files::Local(LocalAttachments::new(dir.path(), SECRET, "http://127.0.0.1:1111/api"));
    let state = AppState::new(store, CourseCatalog::default(), deadlines(), AuthConfig::hs256(SECRET), system_clock());
    let app = gazette_core::web::router(state.with_files(files));
    let flagship = flagship(&app).await;
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![flagship.clone()])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    let here = format!("/web/plans/ioz/{OPEN_YEAR}");

    // Every attachment is a link through the plan's own file route.
    let page = body_text(&visit(&app, &organiser(), &here).await);
    let key = flagship["teachers"]["key"].as_str().unwrap().to_owned();
    let link = format!("/api/web/plans/ioz/{OPEN_YEAR}/file?key={}", key.replace('/', "%2F"));
    assert!(page.contains(&format!("href=\"{link}\"")), "{page}");
    let opened = visit(&app, &organiser(), link.trim_start_matches("/api")).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let to = opened.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(to.contains("/files/"), "{to}");
    // A key that is not one of the plan's files opens nothing, nor does another unit.
    let stranger = format!("{here}/file?key=cases%2Fu-iop%2F01hz%2Ffile.pdf");
    assert_eq!(visit(&app, &organiser(), &stranger).await.status, StatusCode::NOT_FOUND);
    assert_eq!(visit(&app, &unit("iop"), link.trim_start_matches("/api")).await.status, StatusCode::FORBIDDEN);

    // The review form asks the flagship's selection; a post without one comes back with it.
    assert!(page.contains("name=\"selections[0]\""), "{page}");
    let session = organiser();
    let csrf = support::csrf_of(&page);
    let post = |fields: &'static str| {
        axum::http::Request::builder()
            .method(Method::POST)
            .uri(format!("/web/act/training-plans/ioz/{OPEN_YEAR}/approve"))
            .header(axum::http::header::COOKIE, format!("gazette_session={session}"))
            .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!("_csrf={csrf}&{fields}")))
            .expect("request")
    };
    let refused = send(&app, post("comment=")).await;
    let back = refused.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(back.contains("attempt="), "{back}");
    let again = body_text(&visit(&app, &organiser(), back.trim_start_matches("/api")).await);
    assert!(again.contains("的“遴选结果”：请选择"), "{again}");
    let done = send(&app, post("comment=%E5%90%8C%E6%84%8F&selections%5B0%5D=funded")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", body_text(&done));
    let approved = body_text(&visit(&app, &unit("ioz"), &here).await);
    assert!(approved.contains("<dt>遴选结果</dt><dd><strong>经费资助</strong></dd>"), "{approved}");

    // The list to print: the same rows as the workbook, a line for the stamp.
    let print = visit(&app, &unit("ioz"), &format!("{here}/print")).await;
    assert_eq!(print.status, StatusCode::OK);
    let print = body_text(&print);
    for expected in ["gz-plan-list", "<th scope=\"col\">序号</th>", "经费资助", "30.5 万元", "单位（盖章）"]
    {
        assert!(print.contains(expected), "{expected} in {print}");
    }
}

/// The plan's 单位名称 is the directory's name of the unit, not what was typed.
#[tokio::test]
async fn a_plans_unit_name_is_the_directorys_not_what_was_typed() {
    use gazette_core::directory::Directory;
    let (store, _guard) = support::embedded();
    let directory = Directory::new(store.clone());
    directory.add_unit(&Directory::check_unit("ioz", "中国科学院动物研究所", "beijing-kjt").unwrap()).await.unwrap();
    directory.approve_unit("ioz").await.unwrap();
    let (app, _files) = app(store);
    let r = submit(&app, &unit("ioz"), plan(OPEN_YEAR, vec![seminar("科研诚信专题研修班", 3)])).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", body_text(&r));
    assert_eq!(r.json()["values"]["unit_name"], "中国科学院动物研究所", "typed: 中国科学院某研究所");
}
