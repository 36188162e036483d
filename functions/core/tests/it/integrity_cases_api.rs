//! Integrity cases (seed 004) through the HTTP router: national → province →
//! institution, the result with its authors and attachments, provincial and national
//! review, returns to the superior; and that no response or log line ever carries an
//! author's ID number unmasked.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gazette_core::http::Role;
use gazette_core::store::SharedStore;
use serde_json::{Value, json};

use crate::support::{self, Reply, send, upload_file};
use crate::typical_cases_api::{call, case_app, national, ok, regional, tok};

const ID_FIRST: &str = "11010519491231002X";
const ID_SECOND: &str = "440304199001011233";
/// The registry screenshot's number: its check character is wrong (should be 2).
const ID_BAD_CHECK: &str = "110105202004080428";

fn unit(name: &str) -> String {
    tok(Role::UnitAdmin, Some(name), None)
}

/// Every reply of a workflow, kept to scan for ID numbers.
#[derive(Clone, Default)]
struct Replies(Arc<Mutex<Vec<Vec<u8>>>>);

impl Replies {
    async fn call(&self, app: &Router, method: Method, uri: &str, token: &str, body: Option<Value>) -> Reply {
        let r = call(app, method, uri, Some(token), body).await;
        self.0.lock().unwrap().push(r.bytes.clone());
        r
    }

    fn all(&self) -> Vec<Vec<u8>> {
        self.0.lock().unwrap().clone()
    }
}

/// An unmasked ID number: 17 digits and a digit or X in a row.
fn unmasked_ids(bytes: &[u8]) -> Vec<String> {
    let mut found = vec![];
    let mut run = 0;
    for (i, b) in bytes.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
            if run >= 18 {
                found.push(String::from_utf8_lossy(&bytes[i + 1 - 18..=i]).into_owned());
            }
        } else {
            if run == 17 && (*b == b'X' || *b == b'x') {
                found.push(String::from_utf8_lossy(&bytes[i - 17..=i]).into_owned());
            }
            run = 0;
        }
    }
    found
}

fn case_form(region: &str) -> Value {
    json!({
        "source": "retracted_paper",
        "batch": "2023-01",
        "paper_title": "A Hybrid Intelligent System for Company Financial Risk Detection",
        "authors": "王星星; 张三",
        "corresponding_institution": "某某省第三医院",
        "region": region,
    })
}

/// An author row; `set` is the penalty set the author chose ("none": 不予处理).
fn author(name: &str, id: &str, role: &str, set: &str) -> Value {
    json!({ "name": name, "institution": "某某省第三医院", "id_number": id, "other_id": "", "role": role, "penalty_set": set })
}

/// A grave case's penalty set: fabrication, with `penalties`, a project ban of 4 years.
fn grave_set(penalties: &[&str]) -> Value {
    json!({
        "misconduct_kinds": ["fabrication"],
        "severity": "serious",
        "penalties": penalties,
        "years_ban_projects": "4",
        "aggravating": ["repeated"],
        "aggravating_note": "同时存在多种失信行为。",
    })
}

fn result_without_files() -> Value {
    json!({
        "finding": "yes",
        "authors": [author("王星星", ID_FIRST, "first", "1"), author("张三", ID_SECOND, "corresponding", "none")],
        "penalty_sets": [grave_set(&["circular", "ban_projects", "blacklist"])],
    })
}

/// The seed's required attachments besides the report (items 1–4), each uploaded by
/// `token` as one PDF: the fields to merge into a result.
async fn items_one_to_four(app: &Router, token: &str) -> Value {
    let mut files = json!({});
    for (field, name) in [
        ("author_statements", "作者情况说明.pdf"),
        ("interview_records", "调查谈话记录.pdf"),
        ("raw_data", "原始数据.pdf"),
        ("submission_records", "投稿记录.pdf"),
    ] {
        files[field] =
            json!([upload_file(app, token, "integrity-result", field, name, "application/pdf", b"%PDF 1-4").await]);
    }
    files
}

fn merged(mut into: Value, from: &Value) -> Value {
    for (k, v) in from.as_object().into_iter().flatten() {
        into[k] = v.clone();
    }
    into
}

/// Creates a case as the national account and dispatches it to `region`.
async fn dispatched(app: &Router, log: &Replies, region: &str) -> String {
    let created = ok(
        &log.call(app, Method::POST, "/integrity-cases", &national(), Some(case_form(region))).await,
        StatusCode::CREATED,
    );
    assert_eq!((created["status"].as_str(), created["source_label"].as_str()), (Some("created"), Some("撤稿论文")));
    let id = created["id"].as_str().unwrap().to_owned();
    let sent = ok(
        &log.call(app, Method::POST, &format!("/integrity-cases/{id}/dispatch"), &national(), Some(json!({}))).await,
        StatusCode::OK,
    );
    assert_eq!(sent["status"], "at_province");
    id
}

async fn forwarded(app: &Router, log: &Replies, id: &str, region: &str, to: &str) {
    crate::support::unit_in_directory(app, to, region).await;
    let body = json!({ "unit": to });
    let r = ok(
        &log.call(app, Method::POST, &format!("/integrity-cases/{id}/forward"), &regional(region), Some(body)).await,
        StatusCode::OK,
    );
    assert_eq!(r["status"], "at_institution");
}

// ---- workflow, on both stores ---------------------------------------------------------

pub async fn a_case_goes_down_the_chain_and_its_result_up_through_both_reviews(store: SharedStore) {
    let (app, _files) = case_app(store);
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-3").await;
    let hosp = unit("hosp-3");
    let uri = |action: &str| format!("/integrity-cases/{id}/{action}");

    // A wrong check character is refused on that author's ID number; nothing is stored.
    let mut bad = result_without_files();
    bad["authors"][0]["id_number"] = json!(ID_BAD_CHECK);
    let r = log.call(&app, Method::PUT, &uri("result"), &hosp, Some(bad)).await;
    let body = ok(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["authors[0].id_number"].is_string(), "{body}");
    let stored = ok(&log.call(&app, Method::GET, &format!("/integrity-cases/{id}"), &hosp, None).await, StatusCode::OK);
    assert!(stored.get("result").is_none_or(Value::is_null));

    // Saved without the submission record, the result cannot be submitted.
    let saved =
        ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(result_without_files())).await, StatusCode::OK);
    assert_eq!(saved["result"]["authors"][0]["id_number"], "1101051949****002X", "shown masked");
    let report =
        upload_file(&app, &hosp, "integrity-result", "report", "调查报告.pdf", "application/pdf", b"%PDF report").await;
    let r = log.call(&app, Method::PUT, &uri("result"), &hosp, Some(json!({ "report": report }))).await;
    ok(&r, StatusCode::OK);
    let r = log.call(&app, Method::POST, &uri("submit"), &hosp, None).await;
    let body = ok(&r, StatusCode::UNPROCESSABLE_ENTITY);
    // Seed 004: items 1–4 are required, 5–8 not.
    for field in ["author_statements", "interview_records", "raw_data", "submission_records"] {
        assert!(body["fields"][field].is_string(), "{field}: {body}");
    }
    for field in ["report", "unit_conclusion", "decision_letter", "paper_original", "other_files"] {
        assert!(body["fields"].get(field).is_none(), "{field}: {body}");
    }

    // Items 1–4 are uploaded; the form is sent back as it was shown (IDs masked) and kept.
    let shown = merged(saved["result"].clone(), &items_one_to_four(&app, &hosp).await);
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(shown)).await, StatusCode::OK);
    let submitted = ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::OK);
    assert_eq!(
        (submitted["status"].as_str(), submitted["status_label"].as_str()),
        (Some("provincial_review"), Some("待省级审核结果"))
    );
    // A submitted result cannot be changed.
    let r = log.call(&app, Method::PUT, &uri("result"), &hosp, Some(json!({ "finding": "no" }))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The province returns it: an opinion is required, an official letter may go with it.
    let province = regional("hebei");
    let r = log.call(&app, Method::POST, &uri("return"), &province, Some(json!({ "opinion": "" }))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["opinion"].is_string());
    let letter =
        upload_file(&app, &province, "integrity-review", "letter", "正式函件.pdf", "application/pdf", b"%PDF letter")
            .await;
    let returned = ok(
        &log.call(
            &app,
            Method::POST,
            &uri("return"),
            &province,
            Some(json!({ "opinion": "请补充作者情况说明。", "letter": letter })),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(
        (returned["status"].as_str(), returned["opinion"].as_str()),
        (Some("returned_by_province"), Some("请补充作者情况说明。"))
    );
    assert_eq!(returned["letter"]["name"], "正式函件.pdf");
    // The institution can fetch the letter.
    let key = letter["key"].as_str().unwrap();
    ok(
        &log.call(&app, Method::GET, &format!("/integrity-cases/{id}/download?key={key}"), &hosp, None).await,
        StatusCode::OK,
    );

    let statement = upload_file(
        &app,
        &hosp,
        "integrity-result",
        "author_statements",
        "情况说明.pdf",
        "application/pdf",
        b"%PDF st",
    )
    .await;
    ok(
        &log.call(&app, Method::PUT, &uri("result"), &hosp, Some(json!({ "author_statements": [statement] }))).await,
        StatusCode::OK,
    );
    ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::OK);
    let approved = ok(
        &log.call(&app, Method::POST, &uri("approve"), &province, Some(json!({ "opinion": "同意。" }))).await,
        StatusCode::OK,
    );
    assert_eq!(approved["status"], "national_review");
    // The province cannot decide twice, nor the institution at all.
    assert_eq!(
        log.call(&app, Method::POST, &uri("approve"), &province, Some(json!({}))).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        log.call(&app, Method::POST, &uri("approve"), &hosp, Some(json!({}))).await.status,
        StatusCode::FORBIDDEN
    );

    // The national review returns it once, then approves the corrected result.
    let r = ok(
        &log.call(&app, Method::POST, &uri("return"), &national(), Some(json!({ "opinion": "处理措施与情节不符。" })))
            .await,
        StatusCode::OK,
    );
    assert_eq!(r["status"], "returned_by_national");
    // (一) 诫勉谈话 is for minor cases: a grave one cannot be submitted with it (seed 004).
    let wrong = json!({ "penalty_sets": [grave_set(&["circular", "ban_projects", "blacklist", "admonition"])] });
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(wrong)).await, StatusCode::OK);
    let refused =
        ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["fields"]["penalty_sets[0].penalties"],
        "“处理措施”第 1 条的“处理措施”：情节较重及以上的，给予第二项、第四至第十项、第十二项、第十三项相应处理"
    );
    let fix = json!({ "penalty_sets": [grave_set(&["circular", "ban_projects", "blacklist", "revoke_awards"])] });
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(fix)).await, StatusCode::OK);
    ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::OK);
    // Approving needs no body at all.
    ok(&log.call(&app, Method::POST, &uri("approve"), &province, None).await, StatusCode::OK);
    let done = ok(
        &log.call(&app, Method::POST, &uri("approve"), &national(), Some(json!({ "opinion": "办结。" }))).await,
        StatusCode::OK,
    );
    assert_eq!((done["status"].as_str(), done["status_label"].as_str()), (Some("approved"), Some("已办结")));

    // Progress (办理进度): every step, who and when, visible to every level above.
    let steps: Vec<(String, String)> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] != "save_result")
        .map(|s| (s["action"].as_str().unwrap().to_owned(), s["by"]["level"].as_str().unwrap().to_owned()))
        .collect();
    let expected = [
        ("create", "national"),
        ("dispatch", "national"),
        ("forward", "province"),
        ("submit", "institution"),
        ("return", "province"),
        ("submit", "institution"),
        ("approve", "province"),
        ("return", "national"),
        ("submit", "institution"),
        ("approve", "province"),
        ("approve", "national"),
    ];
    assert_eq!(steps, expected.map(|(a, l)| (a.to_owned(), l.to_owned())));
    assert!(done["history"].as_array().unwrap().iter().all(|s| s["at"].is_string() && s["by"]["id"].is_string()));
    for token in [national(), regional("hebei"), hosp.clone()] {
        let seen =
            ok(&log.call(&app, Method::GET, &format!("/integrity-cases/{id}"), &token, None).await, StatusCode::OK);
        assert_eq!(seen["status"], "approved");
        assert_eq!(seen["result"]["authors"][1]["id_number"], "4403041990****1233");
    }

    for bytes in log.all() {
        let found = unmasked_ids(&bytes);
        assert!(found.is_empty(), "unmasked ID number {found:?} in a response: {}", String::from_utf8_lossy(&bytes));
    }
}

pub async fn a_misrouted_case_goes_back_up_and_is_dispatched_again(store: SharedStore) {
    let (app, _files) = case_app(store);
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-wrong").await;
    let uri = |action: &str| format!("/integrity-cases/{id}/{action}");

    // The institution returns it to the province, with a reason; its draft goes with it.
    let wrong = unit("hosp-wrong");
    ok(&log.call(&app, Method::PUT, &uri("result"), &wrong, Some(json!({ "finding": "no" }))).await, StatusCode::OK);
    let r = log.call(&app, Method::POST, &uri("return-to-superior"), &wrong, Some(json!({}))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["reason"].is_string());
    let back = ok(
        &log.call(
            &app,
            Method::POST,
            &uri("return-to-superior"),
            &wrong,
            Some(json!({ "reason": "论文作者非本单位人员。" })),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(
        (back["status"].as_str(), back["opinion"].as_str()),
        (Some("returned_to_province"), Some("论文作者非本单位人员。"))
    );
    assert!(back.get("result").is_none_or(Value::is_null), "the wrong institution's draft is dropped");
    assert_eq!(
        log.call(&app, Method::GET, &format!("/integrity-cases/{id}"), &wrong, None).await.status,
        StatusCode::FORBIDDEN
    );

    // The province finds it is not its case either, and returns it to the nation.
    let back = ok(
        &log.call(
            &app,
            Method::POST,
            &uri("return-to-superior"),
            &regional("hebei"),
            Some(json!({ "reason": "第一通讯作者单位不在本省。" })),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(back["status"], "returned_to_national");
    let queue = ok(
        &log.call(&app, Method::GET, "/integrity-cases?status=returned_to_national", &national(), None).await,
        StatusCode::OK,
    );
    assert_eq!(queue["count"], 1);

    // Dispatched again, to the right region: the first province no longer sees it.
    let again = ok(
        &log.call(&app, Method::POST, &uri("dispatch"), &national(), Some(json!({ "region": "shanxi" }))).await,
        StatusCode::OK,
    );
    assert_eq!((again["status"].as_str(), again["region"].as_str()), (Some("at_province"), Some("shanxi")));
    assert_eq!(
        log.call(&app, Method::GET, &format!("/integrity-cases/{id}"), &regional("hebei"), None).await.status,
        StatusCode::FORBIDDEN
    );
    forwarded(&app, &log, &id, "shanxi", "hosp-right").await;
    let seen = ok(&log.call(&app, Method::GET, "/integrity-cases", &unit("hosp-right"), None).await, StatusCode::OK);
    assert_eq!(seen["count"], 1);
    let actions: Vec<String> = ok(
        &log.call(&app, Method::GET, &format!("/integrity-cases/{id}"), &national(), None).await,
        StatusCode::OK,
    )["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "create",
            "dispatch",
            "forward",
            "save_result",
            "return_to_superior",
            "return_to_superior",
            "dispatch",
            "forward"
        ]
    );
}

pub async fn a_retried_submit_with_the_same_idempotency_key_is_answered_once(store: SharedStore) {
    let (app, _files) = case_app(store);
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-3").await;
    let hosp = unit("hosp-3");
    let report = upload_file(&app, &hosp, "integrity-result", "report", "r.pdf", "application/pdf", b"%PDF r").await;
    let mut result = merged(result_without_files(), &items_one_to_four(&app, &hosp).await);
    result["report"] = report;
    ok(
        &call(&app, Method::PUT, &format!("/integrity-cases/{id}/result"), Some(&hosp), Some(result)).await,
        StatusCode::OK,
    );
    let submit = || {
        Request::builder()
            .method(Method::POST)
            .uri(format!("/integrity-cases/{id}/submit"))
            .header("authorization", format!("Bearer {hosp}"))
            .header("idempotency-key", "submit-once")
            .body(Body::empty())
            .unwrap()
    };
    let first = send(&app, submit()).await;
    let second = send(&app, submit()).await;
    assert_eq!(
        (first.status, second.status),
        (StatusCode::OK, StatusCode::OK),
        "{}",
        String::from_utf8_lossy(&second.bytes)
    );
    assert_eq!(second.headers.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    let case =
        ok(&call(&app, Method::GET, &format!("/integrity-cases/{id}"), Some(&national()), None).await, StatusCode::OK);
    let submits = case["history"].as_array().unwrap().iter().filter(|s| s["action"] == "submit").count();
    assert_eq!(submits, 1);
}

on_both_stores!(
    a_case_goes_down_the_chain_and_its_result_up_through_both_reviews,
    a_misrouted_case_goes_back_up_and_is_dispatched_again,
    a_retried_submit_with_the_same_idempotency_key_is_answered_once,
);

// ---- scope, roles and refusals (embedded) ----------------------------------------------

fn fresh() -> (Router, support::Guard, tempfile::TempDir) {
    let (store, guard) = support::embedded();
    let (app, files) = case_app(store);
    (app, guard, files)
}

#[tokio::test]
async fn each_level_sees_only_the_cases_below_it() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    let hebei = dispatched(&app, &log, "hebei").await;
    let shanxi = dispatched(&app, &log, "shanxi").await;
    let undispatched = ok(
        &call(&app, Method::POST, "/integrity-cases", Some(&national()), Some(case_form("hebei"))).await,
        StatusCode::CREATED,
    );
    forwarded(&app, &log, &hebei, "hebei", "hosp-a").await;

    let count = |v: Value| v["count"].as_u64().unwrap();
    assert_eq!(
        count(ok(&call(&app, Method::GET, "/integrity-cases", Some(&national()), None).await, StatusCode::OK)),
        3
    );
    assert_eq!(
        count(ok(&call(&app, Method::GET, "/integrity-cases", Some(&regional("hebei")), None).await, StatusCode::OK)),
        1
    );
    assert_eq!(
        count(ok(&call(&app, Method::GET, "/integrity-cases", Some(&unit("hosp-a")), None).await, StatusCode::OK)),
        1
    );
    assert_eq!(
        count(ok(&call(&app, Method::GET, "/integrity-cases", Some(&unit("hosp-b")), None).await, StatusCode::OK)),
        0
    );

    let get = |id: &str, token: String| {
        let app = app.clone();
        let uri = format!("/integrity-cases/{id}");
        async move { call(&app, Method::GET, &uri, Some(&token), None).await.status }
    };
    assert_eq!(get(&shanxi, regional("hebei")).await, StatusCode::FORBIDDEN, "another region's case");
    assert_eq!(
        get(undispatched["id"].as_str().unwrap(), regional("hebei")).await,
        StatusCode::FORBIDDEN,
        "not sent yet"
    );
    assert_eq!(get(&hebei, unit("hosp-b")).await, StatusCode::FORBIDDEN, "another institution's case");
    assert_eq!(get(&hebei, tok(Role::Filler, None, None)).await, StatusCode::FORBIDDEN);
    assert_eq!(get(&hebei, tok(Role::Organiser, None, None)).await, StatusCode::FORBIDDEN);
    assert_eq!(
        call(&app, Method::GET, &format!("/integrity-cases/{hebei}"), None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get("NOSUCHCASE", national()).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_step_is_refused_to_the_wrong_role_or_scope() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    let post = |uri: String, token: String, body: Value| {
        let app = app.clone();
        async move { call(&app, Method::POST, &uri, Some(&token), Some(body)).await.status }
    };
    assert_eq!(post("/integrity-cases".into(), regional("hebei"), case_form("hebei")).await, StatusCode::FORBIDDEN);
    let id = dispatched(&app, &log, "hebei").await;
    let uri = |action: &str| format!("/integrity-cases/{id}/{action}");
    let to_unit = json!({ "unit": "hosp-a" });
    assert_eq!(post(uri("forward"), regional("shanxi"), to_unit.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(post(uri("forward"), national(), to_unit.clone()).await, StatusCode::FORBIDDEN);
    assert_eq!(post(uri("dispatch"), national(), json!({})).await, StatusCode::CONFLICT, "already at the province");
    assert_eq!(post(uri("forward"), regional("hebei"), json!({ "unit": "" })).await, StatusCode::UNPROCESSABLE_ENTITY);
    // Only a unit of the case's region in the directory: not a code typed by hand,
    // not another region's unit.
    crate::support::unit_in_directory(&app, "hosp-sx", "shanxi").await;
    for code in ["hosp-typed-by-hand", "hosp-sx"] {
        let r =
            call(&app, Method::POST, &uri("forward"), Some(&regional("hebei")), Some(json!({ "unit": code }))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}");
        assert!(
            r.json()["fields"]["unit"].as_str().is_some_and(|m| m.contains("请从列表中选择")),
            "{code}: {:?}",
            r.json()
        );
    }
    assert_eq!(
        post(uri("dispatch"), national(), json!({ "region": "atlantis" })).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(post(uri("submit"), unit("hosp-a"), json!({})).await, StatusCode::FORBIDDEN, "not forwarded to it yet");
    forwarded(&app, &log, &id, "hebei", "hosp-a").await;
    assert_eq!(post(uri("submit"), unit("hosp-b"), json!({})).await, StatusCode::FORBIDDEN);
    assert_eq!(post(uri("approve"), regional("hebei"), json!({})).await, StatusCode::CONFLICT, "nothing submitted");
    let r = call(&app, Method::PUT, &uri("result"), Some(&regional("hebei")), Some(json!({ "finding": "no" }))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A file uploaded by another institution cannot be claimed.
    let theirs =
        upload_file(&app, &unit("hosp-b"), "integrity-result", "report", "r.pdf", "application/pdf", b"%PDF").await;
    let r = call(&app, Method::PUT, &uri("result"), Some(&unit("hosp-a")), Some(json!({ "report": theirs }))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["report"].is_string());
    let r = call(&app, Method::POST, "/integrity-cases", Some(&national()), Some(json!({ "source": "rumour" }))).await;
    let body = ok(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["source", "paper_title", "authors", "corresponding_institution", "region"] {
        assert!(body["fields"][field].is_string(), "{field} missing from {body}");
    }
}

/// Seed 004's attachments: items 5–7 are slots of their own, optional, kept and
/// downloadable; a ticket asked for a required slot but never used fills nothing (422
/// on that slot, not a 500 when it is later downloaded).
#[tokio::test]
async fn optional_items_five_to_seven_are_kept_and_a_file_never_uploaded_fills_no_required_slot() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-3").await;
    let hosp = unit("hosp-3");
    let uri = |action: &str| format!("/integrity-cases/{id}/{action}");
    let report = upload_file(&app, &hosp, "integrity-result", "report", "r.pdf", "application/pdf", b"%PDF r").await;

    // A ticket for item 3 (raw data), never followed by the upload itself.
    let ask = json!({ "form": "integrity-result", "field": "raw_data", "name": "数据.pdf", "size": 6, "content_type": "application/pdf" });
    let ticket = ok(&call(&app, Method::POST, "/case-files", Some(&hosp), Some(ask)).await, StatusCode::CREATED);
    let mut result = merged(result_without_files(), &items_one_to_four(&app, &hosp).await);
    result["report"] = report;
    result["raw_data"] = json!([ticket["file"]]);
    let r = log.call(&app, Method::PUT, &uri("result"), &hosp, Some(result.clone())).await;
    let body = ok(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["raw_data"].as_str().is_some_and(|m| m.contains("上传")), "{body}");

    // Items 5–7 each in their own slot; item 8 as well.
    let items = [
        ("unit_conclusion", "单位调查结论.pdf"),
        ("decision_letter", "处理决定书.pdf"),
        ("paper_original", "论文原文.pdf"),
        ("other_files", "其他.pdf"),
    ];
    result["raw_data"] = items_one_to_four(&app, &hosp).await["raw_data"].clone();
    for (field, name) in items {
        result[field] =
            json!([upload_file(&app, &hosp, "integrity-result", field, name, "application/pdf", b"%PDF x").await]);
    }
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(result)).await, StatusCode::OK);
    let submitted = ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::OK);
    for (field, name) in items {
        let file = &submitted["result"][field][0];
        assert_eq!(file["name"], name, "{field}");
        let key = file["key"].as_str().unwrap();
        let r = log
            .call(&app, Method::GET, &format!("/integrity-cases/{id}/download?key={key}"), &regional("hebei"), None)
            .await;
        ok(&r, StatusCode::OK);
    }

    // Without them a result is complete too: 5–8 are optional.
    let other = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &other, "hebei", "hosp-3").await;
    let report = upload_file(&app, &hosp, "integrity-result", "report", "r.pdf", "application/pdf", b"%PDF r").await;
    let mut result = merged(result_without_files(), &items_one_to_four(&app, &hosp).await);
    result["report"] = report;
    let at = |action: &str| format!("/integrity-cases/{other}/{action}");
    ok(&log.call(&app, Method::PUT, &at("result"), &hosp, Some(result)).await, StatusCode::OK);
    ok(&log.call(&app, Method::POST, &at("submit"), &hosp, None).await, StatusCode::OK);
}

/// Seed 004: the province approves with its opinion and official letter (正式函件),
/// which the national reviewer sees and opens; until the nation acts, the province
/// may withdraw its decision (可撤回修改) — afterwards not.
#[tokio::test]
async fn the_province_approves_with_its_letter_and_may_withdraw_until_the_nation_acts() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-3").await;
    let hosp = unit("hosp-3");
    let province = regional("hebei");
    let uri = |action: &str| format!("/integrity-cases/{id}/{action}");
    let mut result = merged(result_without_files(), &items_one_to_four(&app, &hosp).await);
    result["report"] =
        upload_file(&app, &hosp, "integrity-result", "report", "r.pdf", "application/pdf", b"%PDF r").await;
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(result)).await, StatusCode::OK);
    ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::OK);

    // Nothing to withdraw before the province decided; not the institution's step.
    assert_eq!(log.call(&app, Method::POST, &uri("withdraw"), &province, None).await.status, StatusCode::CONFLICT);
    let letter = |name: &'static str| {
        let (app, province) = (app.clone(), province.clone());
        async move { upload_file(&app, &province, "integrity-review", "letter", name, "application/pdf", b"%PDF l").await }
    };
    let first = letter("正式函件.pdf").await;
    let body = json!({ "opinion": "经审核，处理结果属实。", "letter": first });
    let approved = ok(&log.call(&app, Method::POST, &uri("approve"), &province, Some(body)).await, StatusCode::OK);
    assert_eq!(approved["status"], "national_review");
    assert_eq!(approved["actions"], json!(["withdraw"]), "the province may withdraw now");

    // The national reviewer sees the opinion and the letter, and opens it.
    let seen =
        ok(&log.call(&app, Method::GET, &format!("/integrity-cases/{id}"), &national(), None).await, StatusCode::OK);
    assert_eq!(
        (seen["opinion"].as_str(), seen["letter"]["name"].as_str()),
        (Some("经审核，处理结果属实。"), Some("正式函件.pdf"))
    );
    let approve_step = seen["history"].as_array().unwrap().iter().rfind(|s| s["action"] == "approve").unwrap();
    assert_eq!(approve_step["letter"]["name"], "正式函件.pdf");
    let key = first["key"].as_str().unwrap();
    ok(
        &log.call(&app, Method::GET, &format!("/integrity-cases/{id}/download?key={key}"), &national(), None).await,
        StatusCode::OK,
    );

    // Only the case's own province withdraws; then it is back in provincial review.
    for other in [regional("shanxi"), hosp.clone(), national()] {
        assert_eq!(log.call(&app, Method::POST, &uri("withdraw"), &other, None).await.status, StatusCode::FORBIDDEN);
    }
    let withdrawn = ok(&log.call(&app, Method::POST, &uri("withdraw"), &province, None).await, StatusCode::OK);
    assert_eq!(withdrawn["status"], "provincial_review");
    assert!(withdrawn["letter"].is_null() && withdrawn["opinion"].is_null(), "{withdrawn}");
    assert_eq!(withdrawn["history"].as_array().unwrap().last().unwrap()["action"], "withdraw");
    assert_eq!(log.call(&app, Method::POST, &uri("approve"), &national(), None).await.status, StatusCode::CONFLICT);

    // Approved again with another letter; the nation cannot attach one.
    let second = letter("正式函件（修改）.pdf").await;
    let body = json!({ "opinion": "同意。", "letter": second });
    ok(&log.call(&app, Method::POST, &uri("approve"), &province, Some(body)).await, StatusCode::OK);
    let own = upload_file(&app, &national(), "integrity-review", "letter", "n.pdf", "application/pdf", b"%PDF n").await;
    let r = log.call(&app, Method::POST, &uri("approve"), &national(), Some(json!({ "letter": own }))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["letter"].is_string());
    let done = ok(&log.call(&app, Method::POST, &uri("approve"), &national(), None).await, StatusCode::OK);
    assert_eq!(
        (done["status"].as_str(), done["letter"]["name"].as_str()),
        (Some("approved"), Some("正式函件（修改）.pdf"))
    );
    // Once the nation has acted, nothing is withdrawn.
    assert_eq!(log.call(&app, Method::POST, &uri("withdraw"), &province, None).await.status, StatusCode::CONFLICT);
}

/// Seed 004's penalties per author: two authors choosing set 1 get the same penalties
/// at once, a third set 2 gets others; periods chosen as 1–5 years or another number;
/// with 较重 or above only the measures the rule allows; a set nobody chose, or an
/// author's set that does not exist, is refused.
#[tokio::test]
async fn authors_share_one_penalty_set_or_get_another_and_each_set_follows_the_rule() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-3").await;
    let hosp = unit("hosp-3");
    let uri = |action: &str| format!("/integrity-cases/{id}/{action}");
    let mut third = author("李四", "", "other", "2");
    third["other_id"] = json!("护照 E12345678");
    let mut very_grave = grave_set(&["ban_projects", "ban_awards", "blacklist"]);
    very_grave["severity"] = json!("very_serious");
    very_grave["years_ban_projects"] = json!("other");
    very_grave["years_ban_projects_other"] = json!(8);
    very_grave["years_ban_awards"] = json!("5");
    let minor = json!({ "misconduct_kinds": ["authorship"], "severity": "minor", "penalties": ["admonition"] });
    let mut result = merged(result_without_files(), &items_one_to_four(&app, &hosp).await);
    result["report"] =
        upload_file(&app, &hosp, "integrity-result", "report", "r.pdf", "application/pdf", b"%PDF r").await;
    result["authors"] =
        json!([author("王星星", ID_FIRST, "first", "1"), author("张三", ID_SECOND, "corresponding", "1"), third]);
    result["penalty_sets"] = json!([very_grave, minor]);
    let saved = ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(result.clone())).await, StatusCode::OK);
    assert_eq!(saved["result"]["penalty_sets"][0]["years_ban_projects_other"], json!(8));

    // 较重 with only (一): refused on that set; a ban of 4 years in a 较重 set too.
    let mut wrong = result.clone();
    wrong["penalty_sets"][1]["severity"] = json!("moderate");
    wrong["penalty_sets"][0]["severity"] = json!("moderate");
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(wrong)).await, StatusCode::OK);
    let refused =
        ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &refused["fields"];
    assert!(fields["penalty_sets[1].penalties"].as_str().is_some_and(|m| m.contains("情节较重及以上")), "{refused}");
    assert!(fields["penalty_sets[0].years_ban_awards"].as_str().is_some_and(|m| m.contains("3 年以内")), "{refused}");
    assert!(fields["penalty_sets[0].years_ban_projects_other"].is_string(), "{refused}");

    // A set nobody chose, and an author's set that does not exist.
    let mut unmatched = result.clone();
    unmatched["authors"][2]["penalty_set"] = json!("3");
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(unmatched)).await, StatusCode::OK);
    let refused =
        ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["fields"]["authors[2].penalty_set"],
        "“作者”第 3 条：没有第 3 组处理措施，请在“处理措施”中添加或另选一组"
    );
    assert_eq!(refused["fields"]["penalty_sets"], "“处理措施”：第 2 组没有作者选择，请在“作者”中选择或删除该组");

    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(result)).await, StatusCode::OK);
    let submitted = ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::OK);
    let sets: Vec<&str> =
        submitted["result"]["authors"].as_array().unwrap().iter().map(|a| a["penalty_set"].as_str().unwrap()).collect();
    assert_eq!(sets, ["1", "1", "2"]);
}

/// An author keeps its ID number, though only ever shown masked, when rows are added,
/// removed or reordered: each row has a stable identity (`row_id`), not its position.
#[tokio::test]
async fn an_author_keeps_its_id_number_when_rows_are_added_removed_or_reordered() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-3").await;
    let hosp = unit("hosp-3");
    let uri = format!("/integrity-cases/{id}/result");
    let saved = ok(&log.call(&app, Method::PUT, &uri, &hosp, Some(result_without_files())).await, StatusCode::OK);
    let shown = saved["result"]["authors"].as_array().unwrap().clone();
    let ids: Vec<&str> = shown.iter().map(|a| a["row_id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|i| i.len() == 26) && ids[0] != ids[1], "each row has its own identity: {ids:?}");

    // 张三 moved up, 王星星 removed, a new author added at the end.
    let third = author("李四", "", "other", "none");
    let mut third = third;
    third["other_id"] = json!("护照 E12345678");
    let sent = json!({ "authors": [shown[1].clone(), third] });
    let r = ok(&log.call(&app, Method::PUT, &uri, &hosp, Some(sent)).await, StatusCode::OK);
    let authors = r["result"]["authors"].as_array().unwrap();
    assert_eq!((authors[0]["name"].as_str(), authors[0]["row_id"].as_str()), (Some("张三"), Some(ids[1])));
    assert_eq!(authors[0]["id_number"], "4403041990****1233");
    assert!(authors[1]["row_id"].as_str().is_some_and(|i| i.len() == 26 && !ids.contains(&i)));

    // Another author's masked number in a row is not that row's: refused, nothing changed.
    let mut planted = authors[1].clone();
    planted["id_number"] = authors[0]["id_number"].clone();
    planted["other_id"] = json!("");
    let r = log.call(&app, Method::PUT, &uri, &hosp, Some(json!({ "authors": [authors[0].clone(), planted] }))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["authors[1].id_number"].is_string());
}

/// A workbook of `rows` (the first the header), as the registry's export would be.
pub fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *value).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

const BATCH_HEADER: &[&str] = &["编号", "标题", "作者姓名", "第一通讯作者单位", "行政区划"];

/// The national account uploads `bytes` and imports them as `batch`.
async fn import(app: &Router, log: &Replies, batch: &str, bytes: &[u8]) -> Reply {
    let mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let sheet = upload_file(app, &national(), "integrity-import", "sheet", "撤稿论文.xlsx", mime, bytes).await;
    log.call(
        app,
        Method::POST,
        "/integrity-cases/import",
        &national(),
        Some(json!({ "batch_name": batch, "sheet": sheet })),
    )
    .await
}

async fn listed(app: &Router, token: &str, query: &str) -> Vec<Value> {
    let r = ok(&call(app, Method::GET, &format!("/integrity-cases?{query}"), Some(token), None).await, StatusCode::OK);
    r["cases"].as_array().unwrap().clone()
}

/// Seed 004: the national account imports a batch of retracted papers from a
/// spreadsheet — every row or none, problems named by row and column in Chinese — and
/// sends it out at once, by region or straight to the institutions; retracted papers,
/// reports and leads are separate lists, each filterable.
#[tokio::test]
async fn a_batch_is_imported_from_a_workbook_and_sent_out_by_region_or_to_institutions() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    // One row wrong (no title, an unknown region): nothing is imported.
    let bad = workbook(&[
        BATCH_HEADER,
        &["1", "测试论文", "王星星; 张三", "hosp-3 医院", "河北省"],
        &["2", "", "李四", "某某医院", "亚特兰蒂斯"],
    ]);
    let r = import(&app, &log, "2023年第1批", &bad).await;
    let body = ok(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["B3"], "第 3 行第 B 列（论文名称）：请填写“论文名称”", "{body}");
    assert!(body["fields"]["E3"].as_str().is_some_and(|m| m.starts_with("第 3 行第 E 列（行政区划）")), "{body}");
    assert!(listed(&app, &national(), "").await.is_empty(), "nothing half-imported");
    // Only the national account imports.
    let r =
        call(&app, Method::POST, "/integrity-cases/import", Some(&regional("hebei")), Some(json!({ "batch": "x" })))
            .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let good = workbook(&[
        BATCH_HEADER,
        &["1", "测试论文", "王星星; 张三", "hosp-3 医院", "河北省"],
        &["2", "A Hybrid Intelligent System", "Li Si", "某某大学附属医院", "shanxi"],
        &["3", "第三篇论文", "赵六", "hosp-3 医院", "河北"],
    ]);
    let imported = ok(&import(&app, &log, "2023年第1批", &good).await, StatusCode::CREATED);
    assert_eq!(imported["imported"], 3);
    let report = ok(
        &call(
            &app,
            Method::POST,
            "/integrity-cases",
            Some(&national()),
            Some(merged(case_form("hebei"), &json!({ "source": "report", "batch": "" }))),
        )
        .await,
        StatusCode::CREATED,
    );

    // Separate lists, each filterable.
    let papers = listed(&app, &national(), "source=retracted_paper").await;
    assert_eq!(papers.len(), 3);
    assert!(papers.iter().all(|c| c["batch"] == "2023年第1批" && c["status"] == "created"));
    assert_eq!(papers.iter().map(|c| c["number"].as_str().unwrap()).collect::<Vec<_>>(), ["1", "2", "3"]);
    let reports = listed(&app, &national(), "source=report").await;
    assert_eq!((reports.len(), reports[0]["id"].as_str()), (1, report["id"].as_str()));
    assert!(listed(&app, &national(), "source=lead").await.is_empty());
    assert_eq!(listed(&app, &national(), "source=retracted_paper&region=shanxi").await.len(), 1);
    assert_eq!(listed(&app, &national(), "source=retracted_paper&q=hybrid").await.len(), 1);
    assert_eq!(listed(&app, &national(), "batch=2023%E5%B9%B4%E7%AC%AC1%E6%89%B9&region=hebei").await.len(), 2);
    let r = call(&app, Method::GET, "/integrity-cases?source=rumour", Some(&national()), None).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["source"].is_string());

    // Straight to the institutions: one paper's institution is not in the directory —
    // refused, naming it, and nothing is sent.
    crate::support::unit_in_directory(&app, "hosp-3", "hebei").await;
    let direct = json!({ "batch": "2023年第1批", "to": "institution" });
    let r = log.call(&app, Method::POST, "/integrity-cases/dispatch", &national(), Some(direct)).await;
    let body = ok(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["to"].as_str().is_some_and(|m| m.contains("2（某某大学附属医院）")), "{body}");
    assert!(listed(&app, &national(), "status=created&source=retracted_paper").await.len() == 3, "nothing sent");

    // The two Hebei papers straight to hosp-3; then the rest of the batch by region.
    let hebei: Vec<String> = listed(&app, &national(), "source=retracted_paper&region=hebei")
        .await
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let body = json!({ "ids": hebei, "to": "institution" });
    let sent =
        ok(&log.call(&app, Method::POST, "/integrity-cases/dispatch", &national(), Some(body)).await, StatusCode::OK);
    assert_eq!(sent["dispatched"], 2);
    assert!(sent["cases"].as_array().unwrap().iter().all(|c| c["status"] == "at_institution" && c["unit"] == "hosp-3"));
    assert_eq!(listed(&app, &unit("hosp-3"), "").await.len(), 2, "the institution has them");
    assert_eq!(listed(&app, &regional("hebei"), "").await.len(), 2, "and its province follows them");
    let by_region = json!({ "batch": "2023年第1批", "to": "region" });
    let sent = ok(
        &log.call(&app, Method::POST, "/integrity-cases/dispatch", &national(), Some(by_region.clone())).await,
        StatusCode::OK,
    );
    assert_eq!((sent["dispatched"].as_u64(), sent["cases"][0]["status"].as_str()), (Some(1), Some("at_province")));
    assert_eq!(listed(&app, &regional("shanxi"), "").await.len(), 1);
    // Nothing left to send in the batch.
    let r = log.call(&app, Method::POST, "/integrity-cases/dispatch", &national(), Some(by_region)).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["batch"].is_string());
    // Progress names the import and the direct dispatch.
    let id = &hebei[0];
    let case =
        ok(&call(&app, Method::GET, &format!("/integrity-cases/{id}"), Some(&national()), None).await, StatusCode::OK);
    let steps: Vec<&str> = case["history"].as_array().unwrap().iter().map(|s| s["action"].as_str().unwrap()).collect();
    assert_eq!(steps, ["import", "dispatch_to_institution"]);
    assert_eq!(case["history"][0]["note"], "2023年第1批");
}

/// Seed 004: an institution without an account — its province records the result
/// (offline handling, then online: the form and the files) and submits it, straight to
/// national review; it may withdraw it until the nation acts.
#[tokio::test]
async fn the_province_records_the_result_for_an_institution_without_an_account() {
    let (app, _g, _f) = fresh();
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    let province = regional("hebei");
    let uri = |action: &str| format!("/integrity-cases/{id}/{action}");
    // Only the case's own province, and with the institution named.
    let named = json!({ "institution": "某某县卫生院" });
    assert_eq!(
        log.call(&app, Method::POST, &uri("take-over"), &regional("shanxi"), Some(named.clone())).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        log.call(&app, Method::POST, &uri("take-over"), &national(), Some(named.clone())).await.status,
        StatusCode::FORBIDDEN
    );
    let r = log.call(&app, Method::POST, &uri("take-over"), &province, Some(json!({ "institution": " " }))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["institution"].is_string());
    let taken = ok(&log.call(&app, Method::POST, &uri("take-over"), &province, Some(named)).await, StatusCode::OK);
    assert_eq!(
        (taken["status"].as_str(), taken["unit_name"].as_str(), taken["on_behalf"].as_bool()),
        (Some("at_institution"), Some("某某县卫生院"), Some(true))
    );
    assert_eq!(taken["actions"], json!(["save_result", "submit"]));

    // The province saves and submits the result, with its own uploads.
    let mut result = merged(result_without_files(), &items_one_to_four(&app, &province).await);
    result["report"] =
        upload_file(&app, &province, "integrity-result", "report", "r.pdf", "application/pdf", b"%PDF r").await;
    ok(&log.call(&app, Method::PUT, &uri("result"), &province, Some(result)).await, StatusCode::OK);
    let submitted = ok(&log.call(&app, Method::POST, &uri("submit"), &province, None).await, StatusCode::OK);
    assert_eq!(submitted["status"], "national_review", "its own result needs no provincial review");
    assert_eq!(submitted["actions"], json!(["withdraw"]));
    let withdrawn = ok(&log.call(&app, Method::POST, &uri("withdraw"), &province, None).await, StatusCode::OK);
    assert_eq!(withdrawn["status"], "at_institution", "back to its drafting");
    ok(&log.call(&app, Method::POST, &uri("submit"), &province, None).await, StatusCode::OK);

    // The national reviewer returns it to the province, which corrects and resubmits.
    let r =
        log.call(&app, Method::POST, &uri("return"), &national(), Some(json!({ "opinion": "请补充谈话记录。" }))).await;
    assert_eq!(ok(&r, StatusCode::OK)["status"], "returned_by_national");
    ok(&log.call(&app, Method::POST, &uri("submit"), &province, None).await, StatusCode::OK);
    let done = ok(&log.call(&app, Method::POST, &uri("approve"), &national(), None).await, StatusCode::OK);
    assert_eq!(done["status"], "approved");
    let steps: Vec<(&str, &str)> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] != "save_result")
        .map(|s| (s["action"].as_str().unwrap(), s["by"]["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps[2..],
        [
            ("take_over", "province"),
            ("submit", "province"),
            ("withdraw", "province"),
            ("submit", "province"),
            ("return", "national"),
            ("submit", "province"),
            ("approve", "national")
        ]
    );
    // No institution account holds it.
    assert!(listed(&app, &unit("某某县卫生院"), "").await.is_empty());
}

/// Logs never carry an ID number: the whole workflow runs with a subscriber that
/// records every line (on this thread: the runtime is single-threaded).
#[tokio::test(flavor = "current_thread")]
async fn no_log_line_carries_an_unmasked_id_number() {
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let sink = Sink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);

    let (store, _g) = support::embedded();
    let (app, _files) = case_app(store);
    let log = Replies::default();
    let id = dispatched(&app, &log, "hebei").await;
    forwarded(&app, &log, &id, "hebei", "hosp-3").await;
    let hosp = unit("hosp-3");
    let mut bad = result_without_files();
    bad["authors"][1]["id_number"] = json!(ID_BAD_CHECK);
    ok(
        &log.call(&app, Method::PUT, &format!("/integrity-cases/{id}/result"), &hosp, Some(bad)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    ok(
        &log.call(&app, Method::PUT, &format!("/integrity-cases/{id}/result"), &hosp, Some(result_without_files()))
            .await,
        StatusCode::OK,
    );
    ok(
        &log.call(&app, Method::POST, &format!("/integrity-cases/{id}/submit"), &hosp, None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    );

    let lines = sink.0.lock().unwrap().clone();
    assert!(!lines.is_empty(), "the subscriber recorded the requests");
    let found = unmasked_ids(&lines);
    assert!(found.is_empty(), "unmasked ID number {found:?} in the logs");
    for bytes in log.all() {
        assert!(unmasked_ids(&bytes).is_empty(), "{}", String::from_utf8_lossy(&bytes));
    }
}

#[tokio::test]
async fn account_names_that_are_personal_data_are_shown_masked_in_the_progress() {
    use gazette_core::http::Claims;
    let (app, _g, _f) = fresh();
    let claims = Claims {
        sub: "zhang.san@nhc.gov.cn".into(),
        role: Role::NationalAdmin,
        unit: None,
        region: None,
        exp: jiff::Timestamp::now().as_second() + 600,
        epoch: None,
    };
    let token = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(crate::registration_api::SECRET),
    )
    .unwrap();
    let case = ok(
        &call(&app, Method::POST, "/integrity-cases", Some(&token), Some(case_form("hebei"))).await,
        StatusCode::CREATED,
    );
    assert_eq!(case["created_by"]["id"], "z***@nhc.gov.cn");
    assert_eq!(case["history"][0]["by"]["id"], "z***@nhc.gov.cn");
    let id = case["id"].as_str().unwrap();
    let r = call(&app, Method::POST, &format!("/integrity-cases/{id}/dispatch"), Some(&token), None).await;
    assert_eq!(ok(&r, StatusCode::OK)["status"], "at_province", "dispatch needs no body");
}

#[test]
fn the_scan_finds_ids_with_a_check_digit_or_x_and_ignores_masked_ones() {
    assert_eq!(unmasked_ids(b"{\"id\":\"11010519491231002X\"}"), ["11010519491231002X"]);
    assert_eq!(unmasked_ids(b"440304199001011233"), ["440304199001011233"]);
    assert!(unmasked_ids(b"1101051949****002X 01JABCDEF 1234567").is_empty());
}
