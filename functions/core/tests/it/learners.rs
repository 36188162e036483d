//! A learner creates their own account (学员注册, seed 000): the unit chosen from the
//! directory's approved units, the account waiting — as a unit's registration does —
//! for the approval of that unit's department, the one-time password then sent
//! through the outbox.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gazette_core::accounts::AccountStatus;
use gazette_core::directory::Directory;

use crate::decisions::{UNIT, world};
use crate::support::{self, Reply, send};

async fn post_registration(app: &axum::Router, fields: &[(&str, &str)]) -> Reply {
    let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields.iter().copied()).finish();
    let post = Request::builder()
        .method(Method::POST)
        .uri("/api/web/register-learner")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    send(app, post).await
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.bytes).into_owned()
}

#[tokio::test]
async fn a_learner_registers_choosing_an_approved_unit_and_its_department_approves() {
    let world = world().await;
    world.state.directory.approve_unit(UNIT).await.unwrap();
    let pending = Directory::check_unit("lab-pending", "待审核的研究所", "hebei-kjt").unwrap();
    world.state.directory.add_unit(&pending).await.unwrap();

    let form = send(&world.app, Request::builder().uri("/api/web/register-learner").body(Body::empty()).unwrap()).await;
    assert_eq!(form.status, StatusCode::OK);
    let page = text(&form);
    assert!(page.contains(&format!("<option value=\"{UNIT}\">河北省材料实验室（河北省）</option>")), "{page}");
    assert!(!page.contains("lab-pending"), "a unit waiting for approval is no choice: {page}");

    let learner = [("username", "zhang.san"), ("name", "张三"), ("email", "zhang.san@example.cn"), ("phone", "")];
    let refused = post_registration(&world.app, &[&learner[..], &[("unit", "lab-pending")]].concat()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(&refused).contains("请从列表中选择您所在的单位。"), "{}", text(&refused));
    assert!(world.state.accounts.get("zhang.san").await.unwrap().is_none(), "nothing is kept");

    let sent = post_registration(&world.app, &[&learner[..], &[("unit", UNIT)]].concat()).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", text(&sent));
    assert!(text(&sent).contains("注册已提交") && text(&sent).contains("河北省科学技术厅"), "{}", text(&sent));
    let account = world.state.accounts.get("zhang.san").await.unwrap().expect("the account waits");
    assert_eq!(account.status, AccountStatus::Pending);
    assert!(world.messages_to("zhang.san").await.is_empty(), "no password before approval");

    // Another region's administrator does not answer for it; Hebei's approves.
    let elsewhere = support::decide_registration(&world.app, "/api/web", "zhang.san", "shanxi", "approve", &[]).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let approved = support::decide_registration(&world.app, "/api/web", "zhang.san", "hebei", "approve", &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", text(&approved));
    let account = world.state.accounts.get("zhang.san").await.unwrap().unwrap();
    assert_eq!(account.status, AccountStatus::Active);
    let messages = world.messages_to("zhang.san").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].body.contains("一次性密码"), "{messages:?}");
}
