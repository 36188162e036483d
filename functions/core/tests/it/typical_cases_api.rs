//! Typical-case uploads (seed 000) through the HTTP router: a regional administrator
//! uploads a case with its files (ticket → PUT → submit), the organisers return or
//! approve it; on both stores where storage matters, and every refusal.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gazette_core::attachments::content_disposition;
use gazette_core::config::cases_router;
use gazette_core::http::{AuthConfig, Role, mint_dev_token};
use gazette_core::store::SharedStore;
use serde_json::{Value, json};

use crate::registration_api::SECRET;
use crate::support::{self, API_BASE, Reply, request, send, upload_file};

/// The router over `store`, with attachments in a temporary directory.
pub fn case_app(store: SharedStore) -> (Router, tempfile::TempDir) {
    let (files, dir) = support::local_files();
    (cases_router(store, AuthConfig::hs256(SECRET), files), dir)
}

pub fn tok(role: Role, unit: Option<&str>, region: Option<&str>) -> String {
    mint_dev_token(SECRET, role, unit, region, Duration::from_secs(600))
}

pub fn regional(region: &str) -> String {
    tok(Role::RegionalAdmin, None, Some(region))
}

pub fn national() -> String {
    tok(Role::NationalAdmin, None, None)
}

pub fn organiser() -> String {
    tok(Role::Organiser, None, None)
}

pub async fn call(app: &Router, method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    send(app, request(method, uri, token, body)).await
}

pub fn ok(r: &Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

pub fn case_form(region: &str) -> Value {
    json!({
        "title": "破除“四唯”局限 上海职称评审更重人才实绩",
        "region": region,
        "provider": "山西省科技厅",
        "category": "talent",
        "date": "2021-08-05",
        "source_url": "https://www.most.gov.cn/case/11.html",
        "summary": "以“三评”改革为抓手，建立分类评价体系。",
        "body": "## 一、背景\n\n为深入贯彻落实《关于完善科技成果评价机制的指导意见》，该省开展科研项目验收备案试点。\n\n## 二、做法\n\n1. 分类评价。",
        "attachments": [],
    })
}

/// Uploads a case with one PDF as the region's administrator; returns the case.
pub async fn uploaded_case(app: &Router, region: &str) -> Value {
    let token = regional(region);
    let file =
        upload_file(app, &token, "case-upload", "attachments", "实施方案.pdf", "application/pdf", b"%PDF-1.7 plan")
            .await;
    let mut form = case_form(region);
    form["attachments"] = json!([file]);
    ok(&call(app, Method::POST, "/typical-cases", Some(&token), Some(form)).await, StatusCode::CREATED)
}

fn id_of(case: &Value) -> String {
    case["id"].as_str().expect("case id").to_owned()
}

// ---- workflow, on both stores ---------------------------------------------------------

pub async fn an_uploaded_case_with_its_file_waits_for_review_and_only_its_region_and_the_organisers_see_it(
    store: SharedStore,
) {
    let (app, _files) = case_app(store);
    let case = uploaded_case(&app, "shanxi").await;
    assert_eq!((case["status"].as_str(), case["status_label"].as_str()), (Some("submitted"), Some("待审核")));
    assert_eq!(case["region_label"], "山西省");
    assert_eq!(case["attachments"][0]["name"], "实施方案.pdf");
    let id = id_of(&case);

    let seen =
        ok(&call(&app, Method::GET, &format!("/typical-cases/{id}"), Some(&organiser()), None).await, StatusCode::OK);
    assert_eq!(seen["history"][0]["action"], "upload");
    assert_eq!(seen["history"][0]["by"]["region"], "shanxi");
    let queue =
        ok(&call(&app, Method::GET, "/typical-cases?status=submitted", Some(&organiser()), None).await, StatusCode::OK);
    assert_eq!(queue["count"], 1);
    let own = ok(&call(&app, Method::GET, "/typical-cases", Some(&regional("shanxi")), None).await, StatusCode::OK);
    assert_eq!(own["count"], 1);
    let other = ok(&call(&app, Method::GET, "/typical-cases", Some(&regional("hebei")), None).await, StatusCode::OK);
    assert_eq!(other["count"], 0, "another region's queue does not show it");
    let r = call(&app, Method::GET, &format!("/typical-cases/{id}"), Some(&regional("hebei")), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The organisers open the attachment through a short-lived link.
    let key = case["attachments"][0]["key"].as_str().unwrap();
    let link = ok(
        &call(&app, Method::GET, &format!("/typical-cases/{id}/download?key={key}"), Some(&organiser()), None).await,
        StatusCode::OK,
    );
    let path = link["url"].as_str().unwrap().strip_prefix(API_BASE).unwrap().to_owned();
    let file = call(&app, Method::GET, &path, None, None).await;
    assert_eq!((file.status, file.bytes.as_slice()), (StatusCode::OK, &b"%PDF-1.7 plan"[..]));
    let saved_as = file.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(saved_as, content_disposition("实施方案.pdf"), "saved under the name it was uploaded with");
    assert!(saved_as.contains("filename*=UTF-8''%E5%AE%9E%E6%96%BD%E6%96%B9%E6%A1%88.pdf"), "{saved_as}");
}

pub async fn a_returned_case_is_edited_and_resubmitted_and_then_approved(store: SharedStore) {
    let (app, _files) = case_app(store);
    let id = id_of(&uploaded_case(&app, "shanxi").await);
    let uri = |action: &str| format!("/typical-cases/{id}/{action}");

    let r = call(&app, Method::POST, &uri("return"), Some(&organiser()), Some(json!({ "comment": "  " }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["fields"]["comment"].is_string());
    let comment = "请补充试点成效的数据。";
    let returned = ok(
        &call(&app, Method::POST, &uri("return"), Some(&organiser()), Some(json!({ "comment": comment }))).await,
        StatusCode::OK,
    );
    assert_eq!((returned["status"].as_str(), returned["comment"].as_str()), (Some("returned"), Some(comment)));
    // A returned case cannot be approved until it is resubmitted.
    assert_eq!(call(&app, Method::POST, &uri("approve"), Some(&organiser()), None).await.status, StatusCode::CONFLICT);

    let mut edited = case_form("shanxi");
    edited["summary"] = json!("试点后验收周期缩短一半。");
    let again = ok(
        &call(&app, Method::POST, &uri("resubmit"), Some(&regional("shanxi")), Some(edited.clone())).await,
        StatusCode::OK,
    );
    assert_eq!(
        (again["status"].as_str(), again["summary"].as_str()),
        (Some("submitted"), Some("试点后验收周期缩短一半。"))
    );
    // Only a returned case can be resubmitted.
    let twice = call(&app, Method::POST, &uri("resubmit"), Some(&regional("shanxi")), Some(edited)).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // Regional administrators do not review.
    assert_eq!(
        call(&app, Method::POST, &uri("approve"), Some(&regional("shanxi")), None).await.status,
        StatusCode::FORBIDDEN
    );
    let approved = ok(&call(&app, Method::POST, &uri("approve"), Some(&national()), None).await, StatusCode::OK);
    assert_eq!(approved["status"], "approved");
    let actions: Vec<&str> =
        approved["history"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["upload", "return", "resubmit", "approve"]);
    assert_eq!(call(&app, Method::POST, &uri("approve"), Some(&organiser()), None).await.status, StatusCode::CONFLICT);
}

pub async fn a_retried_upload_with_the_same_idempotency_key_stores_one_case(store: SharedStore) {
    let (app, _files) = case_app(store);
    let token = regional("shanxi");
    let req = |body: Value| {
        Request::builder()
            .method(Method::POST)
            .uri("/typical-cases")
            .header("authorization", format!("Bearer {token}"))
            .header("idempotency-key", "case-upload-1")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let first = send(&app, req(case_form("shanxi"))).await;
    let second = send(&app, req(case_form("shanxi"))).await;
    assert_eq!((first.status, second.status), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first.json()["id"], second.json()["id"]);
    assert_eq!(second.headers.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    let all = ok(&call(&app, Method::GET, "/typical-cases", Some(&organiser()), None).await, StatusCode::OK);
    assert_eq!(all["count"], 1);
    let mut other = case_form("shanxi");
    other["title"] = json!("另一个案例");
    let reused = send(&app, req(other)).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reused.json()["fields"]["Idempotency-Key"].is_string());
}

/// Two organisers decide the same case at the same moment: exactly one decision is
/// stored, the other is told the case has moved on.
pub async fn concurrent_decisions_on_one_case_store_exactly_one(store: SharedStore) {
    let (app, _files) = case_app(store);
    let id = id_of(&uploaded_case(&app, "shanxi").await);
    let approve = {
        let (app, uri) = (app.clone(), format!("/typical-cases/{id}/approve"));
        tokio::spawn(async move { call(&app, Method::POST, &uri, Some(&organiser()), None).await.status })
    };
    let give_back = {
        let (app, uri) = (app.clone(), format!("/typical-cases/{id}/return"));
        tokio::spawn(async move {
            call(&app, Method::POST, &uri, Some(&national()), Some(json!({ "comment": "请补充。" }))).await.status
        })
    };
    let mut statuses = [approve.await.unwrap(), give_back.await.unwrap()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let case =
        ok(&call(&app, Method::GET, &format!("/typical-cases/{id}"), Some(&organiser()), None).await, StatusCode::OK);
    assert_eq!(case["history"].as_array().unwrap().len(), 2, "one upload, one decision");
}

on_both_stores!(
    an_uploaded_case_with_its_file_waits_for_review_and_only_its_region_and_the_organisers_see_it,
    a_returned_case_is_edited_and_resubmitted_and_then_approved,
    a_retried_upload_with_the_same_idempotency_key_stores_one_case,
    concurrent_decisions_on_one_case_store_exactly_one,
);

// ---- refusals (storage does not matter: embedded only) --------------------------------

fn fresh() -> (Router, support::Guard, tempfile::TempDir) {
    let (store, guard) = support::embedded();
    let (app, files) = case_app(store);
    (app, guard, files)
}

#[tokio::test]
async fn an_upload_for_another_region_or_by_another_role_is_forbidden() {
    let (app, _g, _f) = fresh();
    let r = call(&app, Method::POST, "/typical-cases", Some(&regional("hebei")), Some(case_form("shanxi"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for token in [tok(Role::UnitAdmin, Some("u1"), None), tok(Role::Filler, None, None), organiser()] {
        let r = call(&app, Method::POST, "/typical-cases", Some(&token), Some(case_form("shanxi"))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = call(&app, Method::POST, "/typical-cases", None, Some(case_form("shanxi"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = call(
        &app,
        Method::POST,
        "/typical-cases",
        Some(&tok(Role::RegionalAdmin, None, None)),
        Some(case_form("shanxi")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a regional token must name its region");
}

#[tokio::test]
async fn missing_answers_are_refused_field_by_field_and_nothing_is_stored() {
    let (app, _g, _f) = fresh();
    let r = call(
        &app,
        Method::POST,
        "/typical-cases",
        Some(&regional("shanxi")),
        Some(json!({ "region": "shanxi", "body": "太短" })),
    )
    .await;
    let body = ok(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["title", "provider", "category", "summary", "body"] {
        assert!(body["fields"][field].is_string(), "{field} missing from {body}");
    }
    let all = ok(&call(&app, Method::GET, "/typical-cases", Some(&organiser()), None).await, StatusCode::OK);
    assert_eq!(all["count"], 0);
}

#[tokio::test]
async fn a_file_uploaded_by_another_region_cannot_be_attached() {
    let (app, _g, _f) = fresh();
    let theirs =
        upload_file(&app, &regional("hebei"), "case-upload", "attachments", "a.pdf", "application/pdf", b"%PDF").await;
    let mut form = case_form("shanxi");
    form["attachments"] = json!([theirs]);
    let r = call(&app, Method::POST, "/typical-cases", Some(&regional("shanxi")), Some(form)).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["attachments"].is_string());
}

#[tokio::test]
async fn a_file_the_form_does_not_accept_gets_no_upload_ticket() {
    let (app, _g, _f) = fresh();
    let token = regional("shanxi");
    let ask = |name: &str, size: u64, form: &str, field: &str| json!({ "form": form, "field": field, "name": name, "size": size, "content_type": "application/octet-stream" });
    let r =
        call(&app, Method::POST, "/case-files", Some(&token), Some(ask("setup.exe", 10, "case-upload", "attachments")))
            .await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["attachments"].is_string());
    let r = call(
        &app,
        Method::POST,
        "/case-files",
        Some(&token),
        Some(ask("big.pdf", 30 * 1024 * 1024, "case-upload", "attachments")),
    )
    .await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["attachments"].is_string());
    let r = call(&app, Method::POST, "/case-files", Some(&token), Some(ask("a.pdf", 10, "case-upload", "title"))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["field"].is_string());
    let r = call(&app, Method::POST, "/case-files", Some(&token), Some(ask("a.pdf", 10, "registration", "x"))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["form"].is_string());
    let r = call(&app, Method::POST, "/case-files", None, Some(ask("a.pdf", 10, "case-upload", "attachments"))).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_upload_of_another_length_or_with_a_forged_link_is_refused() {
    let (app, _g, files) = fresh();
    let body = json!({ "form": "case-upload", "field": "attachments", "name": "a.pdf", "size": 10, "content_type": "application/pdf" });
    let ticket =
        ok(&call(&app, Method::POST, "/case-files", Some(&regional("shanxi")), Some(body)).await, StatusCode::CREATED);
    let path = ticket["upload"]["url"].as_str().unwrap().strip_prefix(API_BASE).unwrap().to_owned();
    let put = |path: &str, bytes: &'static [u8]| {
        Request::builder()
            .method(Method::PUT)
            .uri(path)
            .header("content-type", "application/pdf")
            .body(Body::from(bytes))
            .unwrap()
    };
    assert_eq!(send(&app, put(&path, b"short")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(send(&app, put("/uploads/not-a-token", b"0123456789")).await.status, StatusCode::FORBIDDEN);
    let key = ticket["file"]["key"].as_str().unwrap();
    assert!(!files.path().join(key).exists(), "nothing refused is written");
    assert_eq!(send(&app, put(&path, b"0123456789")).await.status, StatusCode::OK);
    assert!(files.path().join(key).exists());
}

#[tokio::test]
async fn a_file_that_is_not_the_cases_own_gets_no_download_link() {
    let (app, _g, _f) = fresh();
    let case = uploaded_case(&app, "shanxi").await;
    let id = id_of(&case);
    let r = call(
        &app,
        Method::GET,
        &format!("/typical-cases/{id}/download?key=cases/r-hebei/x/a.pdf"),
        Some(&organiser()),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = call(&app, Method::GET, "/typical-cases/NOSUCHCASE", Some(&organiser()), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
