//! The registration workflow (seed 000) through the HTTP router, on both stores where
//! storage matters, and every refusal of the API.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gazette_core::config::registration_router;
use gazette_core::http::{AuthConfig, Role, mint_dev_token};
use gazette_core::store::SharedStore;
use gazette_core::workflows::{Course, CourseCatalog};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

use crate::support::{Reply, request, send};

pub const SECRET: &[u8] = b"test-secret-for-hs256-tokens-only";

pub fn catalog() -> CourseCatalog {
    let now = Timestamp::now();
    let day = SignedDuration::from_hours(24);
    let course = |slug: &str, capacity: Option<u32>, opens: Option<Timestamp>, closes: Option<Timestamp>| Course {
        slug: slug.into(),
        title: format!("科技伦理政策实务 {slug}"),
        capacity,
        opens,
        closes,
        study: Default::default(),
    };
    CourseCatalog::new([
        course("ethics", Some(3), Some(now - day), Some(now + day)),
        course("evaluation", Some(3), None, None),
        course("big", Some(70), None, None),
        course("open-to-all", None, None, None),
        course("closed", Some(10), Some(now - day - day), Some(now - day)),
        course("future", Some(10), Some(now + day), None),
    ])
}

pub fn app(store: SharedStore) -> Router {
    registration_router(store, catalog(), AuthConfig::hs256(SECRET))
}

pub fn token(role: Role, region: Option<&str>) -> String {
    mint_dev_token(SECRET, role, None, region, Duration::from_secs(600))
}

fn organiser() -> String {
    token(Role::Organiser, None)
}

pub fn form(course: &str, n: usize) -> Value {
    json!({
        "course": course,
        "name": format!("张{n}"),
        "organisation": "中国科学院科技评估中心",
        "position": "研究员",
        "phone": format!("1862068{n:04}"),
        "email": format!("learner{n}@example.org"),
        "region": if n % 2 == 0 { "beijing" } else { "hebei" },
        "consent": true,
    })
}

pub async fn register(app: &Router, body: Value) -> Reply {
    send(app, request(Method::POST, "/registrations", None, Some(body))).await
}

async fn get(app: &Router, uri: &str, token: Option<&str>) -> Reply {
    send(app, request(Method::GET, uri, token, None)).await
}

async fn post(app: &Router, uri: &str, token: Option<&str>, body: Option<Value>) -> Reply {
    send(app, request(Method::POST, uri, token, body)).await
}

fn receipt_of(r: &Reply) -> String {
    r.json()["receipt"].as_str().expect("receipt").to_owned()
}

async fn status_by_receipt(app: &Router, receipt: &str) -> Value {
    let r = get(app, &format!("/registrations/receipt/{receipt}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

// ---- workflow, on both stores ---------------------------------------------------------

pub async fn registering_gives_a_pending_registration_and_a_receipt_that_shows_it_masked(store: SharedStore) {
    let app = app(store);
    let r = register(&app, form("ethics", 1)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
    assert_eq!(r.json()["status"], "pending");
    let receipt = receipt_of(&r);
    assert!(receipt.len() >= 26, "receipt codes are long enough not to be guessed");
    let view = status_by_receipt(&app, &receipt).await;
    assert_eq!(view["status"], "pending");
    assert_eq!(view["status_label"], "待审核");
    assert_eq!(view["name"], "张*");
    assert_eq!(view["phone"], "186****0001");
    assert_eq!(view["email"], "l***@example.org");
    assert_eq!(view["course_title"], "科技伦理政策实务 ethics");
}

pub async fn a_second_registration_with_the_same_email_in_another_case_is_a_conflict(store: SharedStore) {
    let app = app(store);
    assert_eq!(register(&app, form("ethics", 1)).await.status, StatusCode::CREATED);
    let mut again = form("ethics", 2);
    again["email"] = json!("LEARNER1@Example.ORG");
    let r = register(&app, again).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["fields"]["email"].is_string());
    // The refused attempt took no seat.
    let seats = get(&app, "/courses/ethics/seats", None).await.json();
    assert_eq!(seats["taken"], 1);
    // Another course is another registration.
    assert_eq!(register(&app, form("evaluation", 1)).await.status, StatusCode::CREATED);
}

pub async fn registrations_beyond_capacity_are_waitlisted_in_order(store: SharedStore) {
    let app = app(store);
    for n in 1..=3 {
        assert_eq!(register(&app, form("ethics", n)).await.json()["status"], "pending");
    }
    let fourth = register(&app, form("ethics", 4)).await;
    assert_eq!(fourth.status, StatusCode::CREATED);
    assert_eq!(fourth.json()["status"], "waitlisted");
    let fifth = register(&app, form("ethics", 5)).await;
    let view = status_by_receipt(&app, &receipt_of(&fifth)).await;
    assert_eq!((view["status_label"].as_str(), view["waitlist_position"].as_u64()), (Some("候补"), Some(2)));
    let seats = get(&app, "/courses/ethics/seats", None).await.json();
    assert_eq!(
        (seats["capacity"].as_u64(), seats["taken"].as_i64(), seats["waiting"].as_i64()),
        (Some(3), Some(3), Some(2))
    );
}

pub async fn withdrawing_frees_the_seat_for_the_oldest_waitlisted_registration(store: SharedStore) {
    let app = app(store);
    let first = receipt_of(&register(&app, form("ethics", 1)).await);
    for n in 2..=3 {
        register(&app, form("ethics", n)).await;
    }
    let w4 = receipt_of(&register(&app, form("ethics", 4)).await);
    let w5 = receipt_of(&register(&app, form("ethics", 5)).await);
    let r = post(&app, &format!("/registrations/receipt/{first}/withdraw"), None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "withdrawn");
    assert_eq!(status_by_receipt(&app, &w4).await["status"], "pending", "the oldest waitlisted moves up");
    let still = status_by_receipt(&app, &w5).await;
    assert_eq!((still["status"].as_str(), still["waitlist_position"].as_u64()), (Some("waitlisted"), Some(1)));
    // Withdrawing twice is refused; the seat count is unchanged.
    let again = post(&app, &format!("/registrations/receipt/{first}/withdraw"), None, None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let seats = get(&app, "/courses/ethics/seats", None).await.json();
    assert_eq!((seats["taken"].as_i64(), seats["waiting"].as_i64()), (Some(3), Some(1)));
}

pub async fn withdrawing_with_nobody_waiting_gives_the_seat_back(store: SharedStore) {
    let app = app(store);
    let first = receipt_of(&register(&app, form("ethics", 1)).await);
    post(&app, &format!("/registrations/receipt/{first}/withdraw"), None, None).await;
    assert_eq!(get(&app, "/courses/ethics/seats", None).await.json()["taken"], 0);
    // A waitlisted registration withdrawing leaves the seats alone.
    for n in 2..=4 {
        register(&app, form("ethics", n)).await;
    }
    let w = receipt_of(&register(&app, form("ethics", 5)).await);
    post(&app, &format!("/registrations/receipt/{w}/withdraw"), None, None).await;
    let seats = get(&app, "/courses/ethics/seats", None).await.json();
    assert_eq!((seats["taken"].as_i64(), seats["waiting"].as_i64()), (Some(3), Some(0)));
}

pub async fn a_registrant_who_withdrew_may_register_again_once(store: SharedStore) {
    let app = app(store);
    let first = receipt_of(&register(&app, form("ethics", 1)).await);
    assert_eq!(
        post(&app, &format!("/registrations/receipt/{first}/withdraw"), None, None).await.status,
        StatusCode::OK
    );
    // The same person, the same course: registered again, with a new receipt.
    let again = register(&app, form("ethics", 1)).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&again.bytes));
    let second = receipt_of(&again);
    assert_ne!(second, first);
    assert_eq!(status_by_receipt(&app, &second).await["status"], "pending");
    assert_eq!(status_by_receipt(&app, &first).await["status"], "withdrawn", "the withdrawal stays on record");
    // Still one live registration per person: a third is refused while the second stands.
    let third = register(&app, form("ethics", 1)).await;
    assert_eq!(third.status, StatusCode::CONFLICT);
    assert_eq!(get(&app, "/courses/ethics/seats", None).await.json()["taken"], 1);
    // A rejected registration is final: no new one in its place.
    let rejected = register(&app, form("evaluation", 2)).await.json()["id"].as_str().unwrap().to_owned();
    let r = post(
        &app,
        &format!("/registrations/{rejected}/reject"),
        Some(&organiser()),
        Some(json!({"note": "不符合条件"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(register(&app, form("evaluation", 2)).await.status, StatusCode::CONFLICT);
}

pub async fn registering_again_after_withdrawing_at_once_twice_makes_one_registration(store: SharedStore) {
    let app = app(store);
    let first = receipt_of(&register(&app, form("open-to-all", 7)).await);
    post(&app, &format!("/registrations/receipt/{first}/withdraw"), None, None).await;
    let tries = (0..8).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { register(&app, form("open-to-all", 7)).await.status })
    });
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.expect("task"));
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
    assert_eq!(ids(&app, "open-to-all", "pending").await.len(), 1);
}

async fn ids(app: &Router, course: &str, status: &str) -> Vec<String> {
    let r = get(app, &format!("/registrations?course={course}&status={status}"), Some(&organiser())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.bytes));
    r.json()["registrations"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

pub async fn the_organiser_approves_and_rejects_and_rejection_moves_the_waitlist(store: SharedStore) {
    let app = app(store);
    let mut receipts = vec![];
    for n in 1..=4 {
        receipts.push(receipt_of(&register(&app, form("ethics", n)).await));
    }
    let pending = ids(&app, "ethics", "pending").await;
    assert_eq!(pending.len(), 3);
    let tok = organiser();
    let a = post(&app, &format!("/registrations/{}/approve", pending[0]), Some(&tok), None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["status"], "approved");
    // Approving twice, or a waitlisted registration, is a conflict.
    assert_eq!(
        post(&app, &format!("/registrations/{}/approve", pending[0]), Some(&tok), None).await.status,
        StatusCode::CONFLICT
    );
    let waiting = ids(&app, "ethics", "waitlisted").await;
    assert_eq!(
        post(&app, &format!("/registrations/{}/approve", waiting[0]), Some(&tok), None).await.status,
        StatusCode::CONFLICT
    );
    // Rejecting an approved registration hands its seat on.
    let note = json!({ "note": "培训对象限于负责相关工作的同志。" });
    let r = post(&app, &format!("/registrations/{}/reject", pending[0]), Some(&tok), Some(note)).await;
    assert_eq!(r.status, StatusCode::OK);
    let rejected = status_by_receipt(&app, &receipts[0]).await;
    assert_eq!(
        (rejected["status_label"].as_str(), rejected["note"].as_str()),
        (Some("未通过"), Some("培训对象限于负责相关工作的同志。"))
    );
    assert_eq!(status_by_receipt(&app, &receipts[3]).await["status"], "pending");
    assert!(ids(&app, "ethics", "waitlisted").await.is_empty());
}

pub async fn a_retried_submission_with_the_same_idempotency_key_is_not_duplicated(store: SharedStore) {
    let app = app(store);
    let req = |body: Value| {
        Request::builder()
            .method(Method::POST)
            .uri("/registrations")
            .header("content-type", "application/json")
            .header("idempotency-key", "retry-7f3a")
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let first = send(&app, req(form("ethics", 1))).await;
    let second = send(&app, req(form("ethics", 1))).await;
    assert_eq!((first.status, second.status), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first.json()["id"], second.json()["id"]);
    assert_eq!(first.json()["receipt"], second.json()["receipt"]);
    assert_eq!(second.headers.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    assert_eq!(ids(&app, "ethics", "").await.len(), 1);
    // The same key for a different registration is refused.
    let other = send(&app, req(form("ethics", 2))).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.json()["fields"]["Idempotency-Key"].is_string());
}

pub async fn concurrent_retries_with_one_idempotency_key_make_one_registration(store: SharedStore) {
    let app = app(store);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let app = app.clone();
        tasks.spawn(async move {
            let req = Request::builder()
                .method(Method::POST)
                .uri("/registrations")
                .header("idempotency-key", "double-click")
                .body(Body::from(form("ethics", 9).to_string()))
                .unwrap();
            send(&app, req).await
        });
    }
    let mut ids_seen = std::collections::HashSet::new();
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
        ids_seen.insert(r.json()["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids_seen.len(), 1);
    assert_eq!(get(&app, "/courses/ethics/seats", None).await.json()["taken"], 1);
}

/// 200 people register at once for 70 seats: exactly 70 hold seats, 130 wait, nobody
/// twice. Requests are sent 32 at a time.
pub async fn capacity_is_exact_under_200_concurrent_registrations(store: SharedStore) {
    let app = app(store);
    let started = std::time::Instant::now();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let (app, gate) = (app.clone(), gate.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await.unwrap();
            register(&app, form("big", n)).await
        });
    }
    let (mut pending, mut waitlisted) = (0, 0);
    let mut receipts = std::collections::HashSet::new();
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
        match r.json()["status"].as_str() {
            Some("pending") => pending += 1,
            Some("waitlisted") => waitlisted += 1,
            other => panic!("unexpected status {other:?}"),
        }
        assert!(receipts.insert(receipt_of(&r)), "receipts are unique");
    }
    assert_eq!((pending, waitlisted), (70, 130));
    let listed = get(&app, "/registrations?course=big", Some(&organiser())).await.json();
    let rows = listed["registrations"].as_array().unwrap();
    assert_eq!(rows.len(), 200, "nothing stored twice");
    let emails: std::collections::HashSet<_> = rows.iter().map(|r| r["email"].as_str().unwrap()).collect();
    assert_eq!(emails.len(), 200);
    assert_eq!(rows.iter().filter(|r| r["status"] == "pending").count(), 70);
    let seats = get(&app, "/courses/big/seats", None).await.json();
    assert_eq!((seats["taken"].as_i64(), seats["waiting"].as_i64()), (Some(70), Some(130)));
    eprintln!("200 concurrent registrations took {:?}", started.elapsed());
}

/// Withdrawals racing new registrations: whatever the interleaving, nobody waits while
/// a seat is free, and the counters match the registrations.
pub async fn withdrawals_racing_registrations_never_leave_a_free_seat_while_someone_waits(store: SharedStore) {
    let app = app(store);
    let mut seated = vec![];
    for n in 0..3 {
        seated.push(receipt_of(&register(&app, form("ethics", n)).await));
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, receipt) in seated.into_iter().enumerate() {
        let app = app.clone();
        tasks.spawn(async move {
            tokio::time::sleep(Duration::from_millis(3 * i as u64)).await;
            post(&app, &format!("/registrations/receipt/{receipt}/withdraw"), None, None).await.status
        });
    }
    for n in 10..22 {
        let app = app.clone();
        tasks.spawn(async move { register(&app, form("ethics", n)).await.status });
    }
    while let Some(s) = tasks.join_next().await {
        let s = s.unwrap();
        assert!(s == StatusCode::OK || s == StatusCode::CREATED, "{s}");
    }
    let pending = ids(&app, "ethics", "pending").await.len();
    let waiting = ids(&app, "ethics", "waitlisted").await.len();
    assert_eq!((pending, waiting), (3, 9));
    let seats = get(&app, "/courses/ethics/seats", None).await.json();
    assert_eq!((seats["taken"].as_i64(), seats["waiting"].as_i64()), (Some(3), Some(9)));
}

on_both_stores!(
    registering_gives_a_pending_registration_and_a_receipt_that_shows_it_masked,
    a_second_registration_with_the_same_email_in_another_case_is_a_conflict,
    registrations_beyond_capacity_are_waitlisted_in_order,
    withdrawing_frees_the_seat_for_the_oldest_waitlisted_registration,
    withdrawing_with_nobody_waiting_gives_the_seat_back,
    a_registrant_who_withdrew_may_register_again_once,
    registering_again_after_withdrawing_at_once_twice_makes_one_registration,
    the_organiser_approves_and_rejects_and_rejection_moves_the_waitlist,
    a_retried_submission_with_the_same_idempotency_key_is_not_duplicated,
    concurrent_retries_with_one_idempotency_key_make_one_registration,
    capacity_is_exact_under_200_concurrent_registrations,
    withdrawals_racing_registrations_never_leave_a_free_seat_while_someone_waits,
);
