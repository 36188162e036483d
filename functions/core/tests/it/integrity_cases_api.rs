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

fn author(name: &str, id: &str, role: &str, penalised: bool) -> Value {
    json!({ "name": name, "institution": "某某省第三医院", "id_number": id, "other_id": "", "role": role, "penalised": penalised })
}

fn result_without_files() -> Value {
    json!({
        "finding": "yes",
        "authors": [author("王星星", ID_FIRST, "first", true), author("张三", ID_SECOND, "corresponding", false)],
        "misconduct_kinds": ["fabrication"],
        "severity": "serious",
        "penalties": ["circular", "ban_projects", "blacklist"],
        "years_ban_projects": 4,
        "aggravating": ["repeated"],
        "aggravating_note": "同时存在多种失信行为。",
    })
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
    assert!(body["fields"]["submission_records"].is_string(), "{body}");
    assert!(body["fields"].get("report").is_none(), "{body}");

    // The record is uploaded; the form is sent back as it was shown (IDs masked) and kept.
    let records = upload_file(
        &app,
        &hosp,
        "integrity-result",
        "submission_records",
        "投稿记录.pdf",
        "application/pdf",
        b"%PDF rec",
    )
    .await;
    let mut shown = saved["result"].clone();
    shown["submission_records"] = json!([records]);
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
    let wrong = json!({ "penalties": ["circular", "ban_projects", "blacklist", "admonition"] });
    ok(&log.call(&app, Method::PUT, &uri("result"), &hosp, Some(wrong)).await, StatusCode::OK);
    let refused =
        ok(&log.call(&app, Method::POST, &uri("submit"), &hosp, None).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["fields"]["penalties"],
        "“处理措施”：情节较重及以上的，给予第二项、第四至第十项、第十二项、第十三项相应处理"
    );
    let fix = json!({ "penalties": ["circular", "ban_projects", "blacklist", "revoke_awards"] });
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
    let records =
        upload_file(&app, &hosp, "integrity-result", "submission_records", "s.pdf", "application/pdf", b"%PDF s").await;
    let mut result = result_without_files();
    result["report"] = report;
    result["submission_records"] = json!([records]);
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
