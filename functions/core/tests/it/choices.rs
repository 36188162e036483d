//! What a person once typed as a code is a choice from the directory, and the server
//! holds to it: a monthly report only for one of the unit's registered platforms, an
//! institution to forward a case to only once its department approved it.

use axum::http::{Method, StatusCode};
use gazette_core::directory::Directory;
use serde_json::json;

use crate::decisions::{PLATFORM, UNIT, world};
use crate::reports_api::{cover, merged};
use crate::support::{self, approve_registration};

#[tokio::test]
async fn a_report_for_a_platform_the_unit_has_not_registered_is_refused_on_the_field() {
    let world = world().await;
    let filler = world
        .account(
            "li.ming",
            gazette_core::accounts::Grant::new(gazette_core::accounts::Role::Filler, Some(UNIT), None),
            Some("a@example.cn"),
            None,
        )
        .await;
    let token = world.token(&filler);
    let typed = format!("/api/reports/{UNIT}/typed-by-hand/2025-06");
    let body = json!({"version": 0, "values": merged(&[cover()])});
    let r = world.call(Method::PUT, &typed, &token, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&r.bytes));
    let message = r.json()["fields"]["platform"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("不在本单位的平台名录中"), "{message}");
    let r = world.call(Method::GET, &typed, &token, None).await;
    assert!(r.json()["history"].as_array().is_none_or(Vec::is_empty), "nothing was stored: {}", r.json());
    // Another unit's registered platform is no choice either.
    support::platform_in_directory(&world.state.store, "other-unit", "typed-by-hand").await;
    let r = world.call(Method::PUT, &typed, &token, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The unit's own registered platform is.
    support::platform_in_directory(&world.state.store, UNIT, PLATFORM).await;
    let own = format!("/api/reports/{UNIT}/{PLATFORM}/2025-06");
    let r = world.call(Method::PUT, &own, &token, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
}

#[tokio::test]
async fn a_unit_is_a_choice_for_forwarding_only_once_its_department_approved_it() {
    let (store, _guard) = support::embedded();
    let (files, _dir) = support::local_files();
    let app = gazette_core::config::cases_router(
        store.clone(),
        gazette_core::http::AuthConfig::hs256(crate::registration_api::SECRET),
        files,
    );
    let directory = Directory::new(store.clone());
    for code in ["hosp-pending", "hosp-refused", "hosp-approved"] {
        support::register_unit(&app, code, "hebei").await;
    }
    approve_registration(&app, "hosp-approved.admin", "hebei").await;
    support::refuse_registration(&app, "hosp-refused.admin", "hebei").await;
    let listed: Vec<String> = directory.units_of_region("hebei").await.unwrap().into_iter().map(|u| u.code).collect();
    assert_eq!(listed, ["hosp-approved"]);
    assert!(directory.unit_in_region("hosp-pending", "hebei").await.unwrap().is_none(), "a pending unit is no choice");
    assert!(directory.unit_in_region("hosp-refused", "hebei").await.unwrap().is_none());
    assert!(directory.unit_in_region("hosp-approved", "hebei").await.unwrap().is_some());
}
