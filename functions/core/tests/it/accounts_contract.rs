//! One contract for every implementation of `gazette_core::accounts::Accounts`: the
//! local one over the embedded store and over DynamoDB (moto), and — one line at the
//! bottom — any other (a Cognito user pool against moto's server).
//!
//! Each case takes the implementation as `&dyn Accounts`; an implementation joins
//! with one `accounts_contract!(name, make)` line, configured with the lockout rule
//! [`LOCKOUT`] (short waits, so the case runs in seconds).

use std::sync::Arc;
use std::time::Duration;

use gazette_core::accounts::policy::Lockout;
use gazette_core::accounts::{
    AccountError, AccountStatus, Accounts, AuditEvent, Grant, NewAccount, Role, Scope, SharedAccounts, SignInOutcome,
    StoreAccounts,
};

/// The lockout rule the cases expect: 2 free tries, then 1 s between tries, locked
/// for a minute at the 4th wrong password in a row.
pub const LOCKOUT: Lockout =
    Lockout { free_tries: 2, delay: Duration::from_secs(1), lock_after: 4, lock_for: Duration::from_secs(60) };

fn person(username: &str, grant: Grant, steward: Scope) -> NewAccount {
    NewAccount {
        username: username.into(),
        name: "张三".into(),
        email: Some(format!("{username}@example.cn")),
        phone: None,
        grants: vec![grant],
        steward,
        pending: false,
    }
}

fn filler(username: &str, unit: &str) -> NewAccount {
    person(username, Grant::new(Role::Filler, Some(unit), None), Scope::Unit(unit.into()))
}

/// A unit's own registration (单位注册): its administrator, waiting for the department.
fn unit_registration(username: &str, unit: &str, region: &str) -> NewAccount {
    NewAccount {
        pending: true,
        name: "河北省科技平台一".into(),
        ..person(username, Grant::new(Role::UnitAdmin, Some(unit), None), Scope::Region(region.into()))
    }
}

/// Signs in with the one-time password and sets `new_password`.
async fn activate(accounts: &dyn Accounts, username: &str, one_time: &str, new_password: &str) {
    match accounts.sign_in(username, one_time).await.unwrap() {
        SignInOutcome::MustChangePassword { challenge, .. } => {
            accounts.complete_new_password(username, &challenge, new_password).await.unwrap();
        }
        other => panic!("a one-time password must be changed first, got {other:?}"),
    }
}

pub async fn a_new_account_must_change_its_one_time_password(accounts: &dyn Accounts) {
    let created = accounts.create("admin-1", filler("li.si", "u1")).await.unwrap();
    let one_time = created.one_time_password.expect("an active account gets a one-time password");
    assert!(created.account.must_change_password);
    let SignInOutcome::MustChangePassword { challenge, .. } = accounts.sign_in("li.si", &one_time).await.unwrap()
    else {
        panic!("the one-time password leads to the new-password step");
    };
    // A weak password is refused on its field; the challenge stays open.
    let weak = accounts.complete_new_password("li.si", &challenge, "short").await.unwrap_err();
    assert!(matches!(weak, AccountError::Invalid { field: "new_password", .. }), "{weak:?}");
    assert!(matches!(
        accounts.complete_new_password("li.si", "not-the-challenge", "river stone 2024").await,
        Err(AccountError::ChallengeExpired)
    ));
    let account = accounts.complete_new_password("li.si", &challenge, "river stone 2024").await.unwrap();
    assert!(!account.must_change_password);
    assert!(
        matches!(accounts.sign_in("LI.SI", "river stone 2024").await.unwrap(), SignInOutcome::SignedIn(a) if a.username == "li.si")
    );
    assert!(matches!(accounts.sign_in("li.si", &one_time).await, Err(AccountError::WrongPassword)));
}

pub async fn an_unknown_account_and_a_wrong_password_are_refused_alike(accounts: &dyn Accounts) {
    let created = accounts.create("admin-1", filler("wang.wu", "u1")).await.unwrap();
    activate(accounts, "wang.wu", &created.one_time_password.unwrap(), "river stone 2024").await;
    let unknown = accounts.sign_in("nobody.here", "river stone 2024").await.unwrap_err();
    let wrong = accounts.sign_in("wang.wu", "river stone 2025").await.unwrap_err();
    assert!(matches!(unknown, AccountError::WrongPassword), "{unknown:?}");
    assert!(matches!(wrong, AccountError::WrongPassword), "{wrong:?}");
    assert_eq!(unknown.message_zh(), wrong.message_zh());
}

pub async fn wrong_passwords_slow_down_and_then_lock(accounts: &dyn Accounts) {
    let created = accounts.create("admin-1", filler("zhao.liu", "u1")).await.unwrap();
    activate(accounts, "zhao.liu", &created.one_time_password.unwrap(), "river stone 2024").await;
    for _ in 0..LOCKOUT.free_tries {
        assert!(matches!(accounts.sign_in("zhao.liu", "wrong 1234567").await, Err(AccountError::WrongPassword)));
    }
    // Past the free tries the next one must wait, even with the right password.
    assert!(matches!(accounts.sign_in("zhao.liu", "river stone 2024").await, Err(AccountError::SlowDown { .. })));
    let mut last = None;
    for _ in LOCKOUT.free_tries..LOCKOUT.lock_after {
        tokio::time::sleep(LOCKOUT.delay + Duration::from_millis(100)).await;
        last = Some(accounts.sign_in("zhao.liu", "wrong 1234567").await);
    }
    assert!(matches!(last, Some(Err(AccountError::Locked { .. }))), "{last:?}");
    tokio::time::sleep(LOCKOUT.delay + Duration::from_millis(100)).await;
    assert!(matches!(accounts.sign_in("zhao.liu", "river stone 2024").await, Err(AccountError::Locked { .. })));
    let log = accounts.audit("zhao.liu").await.unwrap();
    assert!(log.iter().any(|e| matches!(e.event, AuditEvent::Locked { .. })), "{log:?}");
}

pub async fn a_registered_unit_signs_in_only_once_its_department_approves(accounts: &dyn Accounts) {
    let created =
        accounts.create("kjpt.admin", unit_registration("kjpt.admin", "hebei-kjpt-001", "hebei")).await.unwrap();
    assert_eq!(created.account.status, AccountStatus::Pending);
    assert_eq!(created.one_time_password, None);
    assert!(matches!(accounts.sign_in("kjpt.admin", "anything 12345").await, Err(AccountError::WrongPassword)));
    let pending = accounts.list(&Scope::Region("hebei".into())).await.unwrap();
    assert_eq!(pending.iter().map(|a| a.username.as_str()).collect::<Vec<_>>(), ["kjpt.admin"]);
    let one_time = accounts.approve("hebei.dept", "kjpt.admin").await.unwrap();
    assert!(matches!(accounts.approve("hebei.dept", "kjpt.admin").await, Err(AccountError::Conflict(_))));
    activate(accounts, "kjpt.admin", &one_time, "river stone 2024").await;
    let account = accounts.get("kjpt.admin").await.unwrap().unwrap();
    assert!(account.holds(&Grant::new(Role::UnitAdmin, Some("hebei-kjpt-001"), None)));
}

pub async fn a_unit_has_exactly_one_unit_administrator(accounts: &dyn Accounts) {
    accounts.create("a.admin", unit_registration("a.admin", "hebei-kjpt-002", "hebei")).await.unwrap();
    let second = accounts.create("b.admin", unit_registration("b.admin", "hebei-kjpt-002", "hebei")).await;
    assert!(matches!(second, Err(AccountError::UnitHasAdmin(ref u)) if u == "hebei-kjpt-002"), "{second:?}");
    assert_eq!(accounts.get("b.admin").await.unwrap(), None, "nothing of a refused account is kept");
    // Refused, the first registration frees the unit for another.
    accounts.reject("hebei.dept", "a.admin", "单位名称与代码不符").await.unwrap();
    assert!(matches!(accounts.sign_in("a.admin", "x").await, Err(AccountError::WrongPassword)));
    accounts.create("b.admin", unit_registration("b.admin", "hebei-kjpt-002", "hebei")).await.unwrap();
    let taken = accounts.create("admin-1", filler("b.admin", "u9")).await;
    assert!(matches!(taken, Err(AccountError::UsernameTaken(_))), "{taken:?}");
}

pub async fn removing_a_role_removes_the_right_at_once(accounts: &dyn Accounts) {
    let integrity = Grant::new(Role::IntegrityAdmin, Some("hosp-3"), None);
    let mut new = person("chen.qi", integrity.clone(), Scope::Unit("hosp-3".into()));
    new.phone = Some("13800138000".into());
    accounts.create("hosp.admin", new).await.unwrap();
    accounts.create("hosp.admin", person("zhou.ba", integrity.clone(), Scope::Unit("hosp-3".into()))).await.unwrap();
    assert!(accounts.get("chen.qi").await.unwrap().unwrap().holds(&integrity));
    let after = accounts.remove_grant("hosp.admin", "chen.qi", &integrity).await.unwrap();
    assert!(!after.holds(&integrity));
    assert!(!accounts.get("chen.qi").await.unwrap().unwrap().holds(&integrity));
    assert!(accounts.get("zhou.ba").await.unwrap().unwrap().holds(&integrity), "the other one keeps it");
    let log = accounts.audit("chen.qi").await.unwrap();
    assert_eq!(
        log.last().map(|e| (&e.by, &e.event)),
        Some((&"hosp.admin".to_string(), &AuditEvent::GrantRemoved { grant: integrity }))
    );
}

pub async fn a_reset_gives_a_new_one_time_password_and_ends_sessions(accounts: &dyn Accounts) {
    let created = accounts.create("admin-1", filler("sun.jiu", "u1")).await.unwrap();
    activate(accounts, "sun.jiu", &created.one_time_password.unwrap(), "river stone 2024").await;
    let before = accounts.get("sun.jiu").await.unwrap().unwrap().session_epoch;
    let one_time = accounts.reset_password("admin-1", "sun.jiu").await.unwrap();
    let after = accounts.get("sun.jiu").await.unwrap().unwrap();
    assert!(after.session_epoch > before, "earlier sessions end");
    assert!(after.must_change_password);
    assert!(matches!(accounts.sign_in("sun.jiu", "river stone 2024").await, Err(AccountError::WrongPassword)));
    activate(accounts, "sun.jiu", &one_time, "field of wheat 7").await;
}

pub async fn a_disabled_account_cannot_sign_in_until_enabled(accounts: &dyn Accounts) {
    let created = accounts.create("admin-1", filler("wu.shi", "u1")).await.unwrap();
    activate(accounts, "wu.shi", &created.one_time_password.unwrap(), "river stone 2024").await;
    let disabled = accounts.set_disabled("admin-1", "wu.shi", true).await.unwrap();
    assert_eq!(disabled.status, AccountStatus::Disabled);
    assert!(!disabled.holds(&Grant::new(Role::Filler, Some("u1"), None)));
    assert!(matches!(accounts.sign_in("wu.shi", "river stone 2024").await, Err(AccountError::Inactive)));
    accounts.set_disabled("admin-1", "wu.shi", false).await.unwrap();
    assert!(matches!(accounts.sign_in("wu.shi", "river stone 2024").await.unwrap(), SignInOutcome::SignedIn(_)));
}

pub async fn the_administrator_above_lists_and_audits_their_accounts(accounts: &dyn Accounts) {
    accounts.create("u2.admin", filler("f.one", "u2")).await.unwrap();
    accounts.create("u2.admin", filler("f.two", "u2")).await.unwrap();
    accounts.create("u3.admin", filler("f.three", "u3")).await.unwrap();
    accounts.reset_password("u2.admin", "f.two").await.unwrap();
    let listed: Vec<_> =
        accounts.list(&Scope::Unit("u2".into())).await.unwrap().into_iter().map(|a| a.username).collect();
    assert_eq!(listed, ["f.one", "f.two"]);
    let log = accounts.audit_of_scope(&Scope::Unit("u2".into())).await.unwrap();
    let lines: Vec<_> = log.iter().map(|e| (e.account.as_str(), e.by.as_str(), &e.event)).collect();
    assert_eq!(
        lines,
        [
            ("f.one", "u2.admin", &AuditEvent::Created),
            ("f.two", "u2.admin", &AuditEvent::Created),
            ("f.two", "u2.admin", &AuditEvent::PasswordReset)
        ]
    );
    assert!(log.windows(2).all(|w| w[0].at <= w[1].at));
}

pub async fn a_new_account_out_of_shape_is_refused_on_its_field(accounts: &dyn Accounts) {
    let cases = [
        (NewAccount { username: "A B".into(), ..filler("x", "u1") }, "username"),
        (NewAccount { name: " ".into(), ..filler("ok.name", "u1") }, "name"),
        (NewAccount { email: None, ..filler("ok.name", "u1") }, "email"),
        (NewAccount { email: None, phone: Some("12345".into()), ..filler("ok.name", "u1") }, "phone"),
        (person("ok.name", Grant::new(Role::Filler, None, None), Scope::National), "unit"),
    ];
    for (new, field) in cases {
        match accounts.create("admin-1", new).await {
            Err(AccountError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("expected a refusal on {field}, got {other:?}"),
        }
    }
    assert_eq!(accounts.get("ok.name").await.unwrap(), None);
}

/// The local implementation over a store, with the contract's lockout rule.
fn local(store: gazette_core::store::SharedStore) -> SharedAccounts {
    Arc::new(StoreAccounts::new(store).with_lockout(LOCKOUT))
}

/// Runs every case against the implementation `$make` (an async expression giving
/// `Option<(SharedAccounts, Guard)>`, `None` to skip) in the module `$name`.
macro_rules! accounts_contract {
    ($name:ident, $make:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            accounts_contract!(@cases $make, [
                a_new_account_must_change_its_one_time_password,
                an_unknown_account_and_a_wrong_password_are_refused_alike,
                wrong_passwords_slow_down_and_then_lock,
                a_registered_unit_signs_in_only_once_its_department_approves,
                a_unit_has_exactly_one_unit_administrator,
                removing_a_role_removes_the_right_at_once,
                a_reset_gives_a_new_one_time_password_and_ends_sessions,
                a_disabled_account_cannot_sign_in_until_enabled,
                the_administrator_above_lists_and_audits_their_accounts,
                a_new_account_out_of_shape_is_refused_on_its_field,
            ]);
        }
    };
    (@cases $make:expr, [$($case:ident),* $(,)?]) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some((accounts, _guard)) = $make.await else { return };
                super::$case(accounts.as_ref()).await;
            }
        )*
    };
}

accounts_contract!(local_embedded, async {
    let (store, guard) = crate::support::embedded();
    Some((local(store), guard))
});
accounts_contract!(local_dynamodb, async {
    crate::support::dynamo().await.map(|(store, guard)| (local(store), guard))
});
accounts_contract!(cognito_moto, crate::cognito::accounts(LOCKOUT));
