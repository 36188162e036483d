//! Decisions told through the outbox, read back from the local outbox: a monthly
//! report returned or approved (seed 002: a text message to the filler when the
//! reviewer chose it, else an e-mail when the filler has an address), a unit's
//! registration approved or refused — and a message that cannot go out never undoes
//! the decision.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode};
use gazette_core::accounts::{Account, Grant, NewAccount, Role, Scope};
use gazette_core::http::{AppState, AuthConfig};
use gazette_core::notify::{Channel, DirOutbox, Message, Outbox};
use gazette_core::workflows::{CourseCatalog, PlanDeadlines, system_clock};
use serde_json::{Value, json};

use crate::registration_api::SECRET;
use crate::reports_api::{cover, funding, merged, outputs, staff};
use crate::support::{self, Reply, request, send};

pub(crate) const UNIT: &str = "hebei-materials-lab";
pub(crate) const PLATFORM: &str = "composites";
const REPORT: &str = "/api/reports/hebei-materials-lab/composites/2025-06";

/// The router mounted as `gazette serve` mounts it, its state, and the local outbox.
pub(crate) struct World {
    pub(crate) app: Router,
    pub(crate) state: AppState,
    pub(crate) outbox: DirOutbox,
    _dirs: (tempfile::TempDir, tempfile::TempDir, support::Guard),
}

pub(crate) async fn world() -> World {
    let (store, guard) = support::embedded();
    let (files, files_dir) = support::local_files();
    let outbox_dir = tempfile::tempdir().expect("outbox directory");
    let outbox = DirOutbox::new(outbox_dir.path().join("outbox"));
    let state = AppState::new(
        store,
        CourseCatalog::default(),
        PlanDeadlines::default(),
        AuthConfig::hs256(SECRET),
        system_clock(),
    )
    .with_files(files)
    .with_outbox(Arc::new(outbox.clone()));
    let unit = gazette_core::directory::Directory::check_unit(UNIT, "河北省材料实验室", "hebei-kjt").expect("unit");
    state.directory.add_unit(&unit).await.expect("unit in the directory");
    World {
        app: Router::new().nest(gazette_core::web::MOUNT, gazette_core::web::router(state.clone())),
        state,
        outbox,
        _dirs: (files_dir, outbox_dir, guard),
    }
}

impl World {
    /// An active account holding `grant`, with the addresses given.
    pub(crate) async fn account(
        &self,
        username: &str,
        grant: Grant,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Account {
        let new = NewAccount {
            username: username.into(),
            name: "李明".into(),
            email: email.map(str::to_owned),
            phone: phone.map(str::to_owned),
            steward: Scope::Unit(UNIT.into()),
            grants: vec![grant],
            pending: false,
        };
        self.state.accounts.create("root", new).await.expect("account created").account
    }

    pub(crate) fn token(&self, account: &Account) -> String {
        self.state.auth.mint_account_token(account, &account.grants[0], Duration::from_secs(600)).expect("token")
    }

    pub(crate) async fn call(&self, method: Method, uri: &str, token: &str, body: Option<Value>) -> Reply {
        send(&self.app, request(method, uri, Some(token), body)).await
    }

    /// The messages to `account`, newest first.
    pub(crate) async fn messages_to(&self, account: &str) -> Vec<Message> {
        let all = self.outbox.recent(100).await.expect("outbox");
        all.into_iter().filter(|m| m.account.as_deref() == Some(account)).collect()
    }
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.bytes).into_owned()
}

/// The filler (e-mail and phone) and the unit administrator, with a report of
/// June 2025 submitted by the filler: (filler, reviewer's token).
async fn submitted(world: &World, email: Option<&str>) -> (Account, String) {
    let filler = world.account("li.ming", Grant::new(Role::Filler, Some(UNIT), None), email, Some("13912345678")).await;
    let admin =
        world.account("wang.fang", Grant::new(Role::UnitAdmin, Some(UNIT), None), Some("wang@example.cn"), None).await;
    support::platform_in_directory(&world.state.store, UNIT, PLATFORM).await;
    let token = world.token(&filler);
    let values = merged(&[cover(), staff(40), funding(), outputs(1)]);
    let r = world.call(Method::PUT, REPORT, &token, Some(json!({"version": 0, "values": values}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", text(&r));
    let r = world.call(Method::POST, &format!("{REPORT}/submit"), &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    (filler, world.token(&admin))
}

#[tokio::test]
async fn a_return_the_reviewer_marks_for_a_text_goes_to_the_fillers_phone_with_the_opinion() {
    let world = world().await;
    let (filler, reviewer) = submitted(&world, Some("liming@example.cn")).await;
    let body = json!({"comment": "人员合计有误，请核对。", "notify_by_sms": true});
    let r = world.call(Method::POST, &format!("{REPORT}/return"), &reviewer, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    let messages = world.messages_to(&filler.username).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].channel, Channel::Sms);
    assert_eq!(messages[0].to, "13912345678");
    assert!(messages[0].body.contains("退回") && messages[0].body.contains("人员合计有误，请核对。"), "{messages:?}");
}

#[tokio::test]
async fn an_approval_without_a_text_is_mailed_to_a_filler_with_an_address_and_to_no_one_else() {
    let world = world().await;
    let (filler, reviewer) = submitted(&world, Some("liming@example.cn")).await;
    let r = world.call(Method::POST, &format!("{REPORT}/approve"), &reviewer, Some(json!({"comment": "同意。"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    let messages = world.messages_to(&filler.username).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!((messages[0].channel, messages[0].to.as_str()), (Channel::Email, "liming@example.cn"));
    assert!(messages[0].subject.contains("审核通过") && messages[0].body.contains("同意。"), "{messages:?}");
    assert!(world.messages_to("wang.fang").await.is_empty(), "the reviewer is not told of their own decision");
}

#[tokio::test]
async fn a_filler_without_an_address_is_not_mailed_when_no_text_was_chosen() {
    let world = world().await;
    let (filler, reviewer) = submitted(&world, None).await;
    let body = json!({"comment": "请补充证明材料。", "notify_by_sms": false});
    let r = world.call(Method::POST, &format!("{REPORT}/return"), &reviewer, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    assert!(world.messages_to(&filler.username).await.is_empty());
}

#[tokio::test]
async fn a_message_that_cannot_go_out_leaves_the_decision_standing() {
    let world = world().await;
    let (filler, reviewer) = submitted(&world, Some("liming@example.cn")).await;
    // The outbox's directory cannot be made: a file stands where it should be.
    std::fs::write(world.outbox.dir(), b"not a directory").expect("block the outbox");
    let body = json!({"comment": "人员合计有误。", "notify_by_sms": true});
    let r = world.call(Method::POST, &format!("{REPORT}/return"), &reviewer, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    let report = world.call(Method::GET, REPORT, &world.token(&filler), None).await;
    assert_eq!(report.json()["status"], "returned", "{}", text(&report));
}

// ---- a unit's registration ---------------------------------------------------------------

/// The unit administrator's account waiting for approval, as `/web/register-unit` leaves it.
async fn registered(world: &World, username: &str) {
    let new = NewAccount {
        username: username.into(),
        name: "河北省材料实验室".into(),
        email: Some(format!("{username}@example.cn")),
        phone: None,
        grants: vec![Grant::new(Role::UnitAdmin, Some(UNIT), None)],
        steward: Scope::Region("hebei".into()),
        pending: true,
    };
    world.state.accounts.create(username, new).await.expect("pending account");
}

#[tokio::test]
async fn an_approved_registration_mails_the_unit_its_one_time_password() {
    let world = world().await;
    registered(&world, "hebei.lab").await;
    let r = support::decide_registration(&world.app, "/api/web", "hebei.lab", "hebei", "approve", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let messages = world.messages_to("hebei.lab").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!((messages[0].channel, messages[0].to.as_str()), (Channel::Email, "hebei.lab@example.cn"));
    assert!(messages[0].body.contains("注册已审核通过") && messages[0].body.contains("一次性密码"), "{messages:?}");
}

#[tokio::test]
async fn a_refused_registration_mails_the_reason() {
    let world = world().await;
    registered(&world, "hebei.lab").await;
    let reason = [("reason", "单位名称与统一社会信用代码不符。")];
    let r = support::decide_registration(&world.app, "/api/web", "hebei.lab", "hebei", "reject", &reason).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", text(&r));
    let messages = world.messages_to("hebei.lab").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].body.contains("未获通过") && messages[0].body.contains("单位名称与统一社会信用代码不符。"));
}
