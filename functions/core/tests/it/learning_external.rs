//! Hours from elsewhere (seed 003 学时登记) through the HTTP router, on both stores:
//! a learner registers a training taken outside the platform with its certificate
//! (ticket → PUT → submit); only their unit's administrator sees and decides it;
//! approved hours count in the growth record and the year summary, returned ones
//! do not. And the same through the pages, without a script.

use axum::Router;
use axum::http::{Method, StatusCode};
use gazette_core::http::{AppState, AuthConfig, Role};
use gazette_core::store::SharedStore;
use gazette_core::workflows::{PlanDeadlines, StudyTargets};
use serde_json::{Value, json};

use crate::learning_api::{ONLINE, SECRET, TestClock, call, catalog, enrol, read_sheet, token};
use crate::support::{self, Reply, upload_file};

const FORM: &str = "external-training";

/// The router over `store` with attachments in a temporary directory.
fn app(store: SharedStore, clock: &TestClock) -> (Router, tempfile::TempDir) {
    let (files, dir) = support::local_files();
    let state = AppState::new(store, catalog(), PlanDeadlines::default(), AuthConfig::hs256(SECRET), clock.clock())
        .with_study_targets(StudyTargets { total_hours: 30.0, online_hours: 2.0 })
        .with_files(files);
    (gazette_core::web::router(state), dir)
}

async fn certificate(app: &Router, learner: &str) -> Value {
    upload_file(app, learner, FORM, "certificate", "结业证书.pdf", "application/pdf", b"%PDF-1.4 certificate").await
}

fn training(certificate: &Value, name: &str, hours: &str, mode: &str) -> Value {
    json!({
        "name": name, "organiser": "中国科协", "starts": "2026-11-20", "ends": "2026-11-22",
        "hours": hours, "mode": mode, "attribute": "elective", "certificate": certificate,
    })
}

fn ok(r: &Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

async fn growth(app: &Router, learner: &str) -> Value {
    ok(&call(app, Method::GET, "/learning/growth/2026", learner, None).await, StatusCode::OK)
}

pub async fn approved_hours_from_elsewhere_count_for_the_learner_and_the_unit(store: SharedStore) {
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let (app, _dir) = app(store, &clock);
    enrol(&app, "zhang", "lab-1", "hebei", "%E5%BC%A0%E4%B8%89", ONLINE).await;
    let zhang = token("zhang", Role::Filler, Some("lab-1"), None);
    let li = token("li", Role::Filler, Some("lab-1"), None);
    let admin = token("boss", Role::UnitAdmin, Some("lab-1"), None);
    let other_admin = token("boss2", Role::UnitAdmin, Some("lab-2"), None);

    // Bad input: each field at fault named, nothing kept.
    let cert = certificate(&app, &zhang).await;
    let mut backwards = training(&cert, "科研诚信专题研修班", "12", "offline");
    backwards["ends"] = json!("2026-11-19");
    let r = call(&app, Method::POST, "/learning/external", &zhang, Some(backwards)).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["ends"].is_string(), "{}", r.json());
    let mut no_hours = training(&cert, "科研诚信专题研修班", "", "offline");
    no_hours["certificate"] = Value::Null;
    let fields = ok(
        &call(&app, Method::POST, "/learning/external", &zhang, Some(no_hours)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )["fields"]
        .clone();
    assert!(fields["hours"].is_string() && fields["certificate"].is_string(), "{fields}");
    // A colleague's upload is not zhang's certificate, even from the same unit.
    let lis = certificate(&app, &li).await;
    let r =
        call(&app, Method::POST, "/learning/external", &zhang, Some(training(&lis, "借用证书", "12", "offline"))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["certificate"].is_string());
    // An account without a unit has no administrator to decide.
    let nobody = token("wang", Role::Registrant, None, None);
    let r = call(&app, Method::POST, "/learning/external", &nobody, Some(training(&cert, "x", "1", "online"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(ok(&call(&app, Method::GET, "/learning/external", &zhang, None).await, StatusCode::OK)["count"], 0);

    let submitted = ok(
        &call(
            &app,
            Method::POST,
            "/learning/external",
            &zhang,
            Some(training(&cert, "科研诚信专题研修班", "12", "offline")),
        )
        .await,
        StatusCode::CREATED,
    );
    assert_eq!(submitted["status"], "submitted");
    assert_eq!(submitted["learner"]["name"], "张三", "姓名 from the learner's registration");
    assert_eq!(submitted["actions"], json!([]), "the learner decides nothing");
    let id = submitted["id"].as_str().unwrap().to_owned();
    assert_eq!(growth(&app, &zhang).await["total_hours"], 0.0, "not before approval");

    // Who sees it: the learner and their unit's administrator, nobody else.
    let detail = format!("/learning/external/{id}");
    let approve = format!("{detail}/approve");
    for outsider in [&li, &other_admin, &token("r", Role::RegionalAdmin, None, Some("hebei"))] {
        let r = call(&app, Method::GET, &detail, outsider, None).await;
        assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", r.status);
        let r = call(&app, Method::POST, &approve, outsider, Some(json!({}))).await;
        assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{}", r.status);
    }
    let r = call(&app, Method::GET, "/learning/external/unit", &other_admin, None).await;
    assert_eq!(ok(&r, StatusCode::OK)["count"], 0, "another unit's list");
    assert_eq!(call(&app, Method::GET, "/learning/external/unit", &zhang, None).await.status, StatusCode::FORBIDDEN);
    let key = cert["key"].as_str().unwrap();
    let download = format!("{detail}/download?key={}", support_query(key));
    assert_eq!(call(&app, Method::GET, &download, &zhang, None).await.status, StatusCode::OK);
    assert_eq!(call(&app, Method::GET, &download, &admin, None).await.status, StatusCode::OK);
    assert_ne!(call(&app, Method::GET, &download, &other_admin, None).await.status, StatusCode::OK);

    let unit = ok(&call(&app, Method::GET, "/learning/external/unit", &admin, None).await, StatusCode::OK);
    assert_eq!(unit["trainings"][0]["actions"], json!(["approve", "return"]));
    let r = call(&app, Method::POST, &format!("{detail}/return"), &admin, Some(json!({"comment": " "}))).await;
    assert!(ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["comment"].is_string(), "a return needs an opinion");
    let approved =
        ok(&call(&app, Method::POST, &approve, &admin, Some(json!({"comment": "证书核对无误"}))).await, StatusCode::OK);
    assert_eq!((approved["status"].as_str(), approved["comment"].as_str()), (Some("approved"), Some("证书核对无误")));
    assert_eq!(call(&app, Method::POST, &approve, &admin, Some(json!({}))).await.status, StatusCode::CONFLICT);

    // A second one, returned: it does not count.
    let cert2 = certificate(&app, &zhang).await;
    let second = ok(
        &call(&app, Method::POST, "/learning/external", &zhang, Some(training(&cert2, "网络课程", "40", "online")))
            .await,
        StatusCode::CREATED,
    );
    let r = call(
        &app,
        Method::POST,
        &format!("/learning/external/{}/return", second["id"].as_str().unwrap()),
        &admin,
        Some(json!({"comment": "证书不清晰"})),
    )
    .await;
    assert_eq!(ok(&r, StatusCode::OK)["status"], "returned");

    let g = growth(&app, &zhang).await;
    assert_eq!(
        (g["offline_hours"].as_f64(), g["elective_hours"].as_f64(), g["online_hours"].as_f64()),
        (Some(12.0), Some(12.0), Some(0.0))
    );
    let row = &g["courses"][0];
    assert_eq!((row["course_title"].as_str(), row["source"].as_str()), (Some("科研诚信专题研修班"), Some("外部培训")));

    // The year summary: lab-1's 12 offline elective hours, for the nation, the region
    // (from the registration) and the unit; not for another unit nor an organiser.
    let national = token("n", Role::NationalAdmin, None, None);
    let lab1 = ["lab-1", "1", "1", "0", "12", "0", "12", "12", "0"];
    for viewer in [&national, &token("r", Role::RegionalAdmin, None, Some("hebei")), &admin] {
        let sheet =
            read_sheet(&call(&app, Method::GET, "/learning/year-summary.xlsx?year=2026", viewer, None).await.bytes);
        assert_eq!(sheet.get(1).cloned().unwrap_or_default(), lab1, "{sheet:?}");
    }
    for viewer in [
        &other_admin,
        &token("r2", Role::RegionalAdmin, None, Some("shanxi")),
        &token("o", Role::Organiser, Some("ncste"), None),
    ] {
        let sheet =
            read_sheet(&call(&app, Method::GET, "/learning/year-summary.xlsx?year=2026", viewer, None).await.bytes);
        assert_eq!(sheet.len(), 1, "headers only: {sheet:?}");
    }
}

/// A unit administrator's own training waits for someone else.
pub async fn a_unit_administrator_does_not_approve_their_own(store: SharedStore) {
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let (app, _dir) = app(store, &clock);
    let admin = token("boss", Role::UnitAdmin, Some("lab-1"), None);
    let cert = certificate(&app, &admin).await;
    let mine = ok(
        &call(&app, Method::POST, "/learning/external", &admin, Some(training(&cert, "管理培训", "8", "online"))).await,
        StatusCode::CREATED,
    );
    assert_eq!(mine["actions"], json!([]));
    let r = call(
        &app,
        Method::POST,
        &format!("/learning/external/{}/approve", mine["id"].as_str().unwrap()),
        &admin,
        Some(json!({})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

fn support_query(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The pages, as a browser without a script uses them: the learner posts the form
/// with the certificate (multipart), the unit administrator approves with an opinion.
pub async fn the_pages_register_and_decide_hours_from_elsewhere(store: SharedStore) {
    use crate::web_cases::{Sent, form, get, page, post, redirected};
    let clock = TestClock::at("2026-12-02T01:00:00Z");
    let (app, _dir) = app(store, &clock);
    let zhang = token("zhang", Role::Filler, Some("lab-1"), None);
    let admin = token("boss", Role::UnitAdmin, Some("lab-1"), None);

    let html = page(&app, &zhang, "/web/learning/external/new").await;
    let filled = [
        ("name", "科研诚信专题研修班"),
        ("organiser", "中国科协"),
        ("starts", "2026-11-20"),
        ("ends", "2026-11-22"),
        ("hours", "12"),
        ("mode", "offline"),
        ("attribute", "required"),
    ];
    let sent = form(&html, "form-external-training", &filled);
    let pdf: &[u8] = b"%PDF-1.4 certificate";
    let to = redirected(&post(&app, &zhang, &sent, &[("certificate", "结业证书.pdf", "application/pdf", pdf)]).await);
    assert!(to.contains("done=submitted"), "{to}");
    let html = page(&app, &zhang, &to).await;
    assert!(html.contains("待审核") && html.contains("结业证书.pdf") && !html.contains("id=\"approve\""), "{html}");

    // Refused without the certificate: the form again, naming the field.
    let sent = form(&page(&app, &zhang, "/web/learning/external/new").await, "form-external-training", &filled);
    let back =
        redirected(&post(&app, &zhang, &Sent { action: sent.action.clone(), fields: sent.fields.clone() }, &[]).await);
    let again = page(&app, &zhang, &back).await;
    let list = again.split("gz-error-summary__list\">").nth(1).unwrap_or_default();
    let summary = &list[..list.find("</ul>").unwrap_or(0)];
    assert!(summary.contains("证书或结业证明"), "the error summary names the field: {again}");

    let list = page(&app, &admin, "/web/learning/external").await;
    assert!(list.contains("本单位学员的登记") && list.contains("科研诚信专题研修班"), "{list}");
    let html = page(&app, &admin, &to).await;
    let sent = form(&html, "approve", &[("comment", "证书核对无误")]);
    let done = redirected(&post(&app, &admin, &sent, &[]).await);
    let html = page(&app, &zhang, &done).await;
    assert!(html.contains("审核通过") && html.contains("证书核对无误"), "{html}");
    let other = token("boss2", Role::UnitAdmin, Some("lab-2"), None);
    assert_ne!(get(&app, &other, &to).await.status, StatusCode::OK, "another unit's administrator");
    let growth = page(&app, &zhang, "/web/growth?year=2026").await;
    assert!(growth.contains("外部培训") && growth.contains("科研诚信专题研修班"), "{growth}");
}

on_both_stores!(
    approved_hours_from_elsewhere_count_for_the_learner_and_the_unit,
    a_unit_administrator_does_not_approve_their_own,
    the_pages_register_and_decide_hours_from_elsewhere,
);
