//! [`StoreAccounts`]: accounts kept in the [`Store`] — the embedded redb file on a
//! laptop, a DynamoDB table alike — with Argon2 password hashes.
//!
//! | item | pk | sk | gsi1 |
//! | --- | --- | --- | --- |
//! | account | `ACCOUNT#{username}` | `ACCOUNT` | `ACCOUNTS#{steward}` / `{username}` |
//! | audit entry | `ACCOUNT#{username}` | `AUDIT#{ulid}` | `ACCOUNT-AUDIT#{steward}` / `{ulid}` |
//! | a unit's one administrator | `UNIT-ADMIN#{unit}` | `UNIT-ADMIN` | |
//!
//! Every change is one transaction: the account replaced at the version read (re-read
//! and retried on a conflict), its audit entry created, and for a unit administrator
//! the unit's marker created or deleted — so "exactly one per unit" holds under races.

use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditEntry, AuditEvent, account_pk};
use super::guard::SignInGuard;
use super::policy::{LOCKOUT, Lockout};
use super::{
    Account, AccountError, AccountResult, AccountStatus, Accounts, Created, Grant, NewAccount, Role, Scope,
    SignInOutcome, password,
};
use crate::lifecycle::{Clock, system_clock};
use crate::store::{Index, Item, Key, SharedStore, StoreError, Write};

/// How long the step "choose a new password" stays open after a one-time password.
const CHALLENGE_LIFE: Duration = Duration::from_secs(15 * 60);

/// Tries of a change that lost a race before giving up (503 to the caller).
const RETRIES: usize = 20;

/// Accounts in the store.
#[derive(Clone)]
pub struct StoreAccounts {
    store: SharedStore,
    clock: Clock,
    lockout: Lockout,
}

/// The account item: what [`Account`] shows, and what it never shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    account: Account,
    password_hash: Option<String>,
    #[serde(flatten)]
    guard: SignInGuard,
    /// SHA-256 of the open new-password challenge, and when it closes.
    #[serde(default)]
    challenge: Option<(String, Timestamp)>,
}

fn account_key(username: &str) -> Key {
    Key::new(account_pk(username), "ACCOUNT")
}

pub(super) fn unit_admin_key(unit: &str) -> Key {
    Key::new(format!("UNIT-ADMIN#{unit}"), "UNIT-ADMIN")
}

fn digest(s: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(s.as_bytes()))
}

/// The unit an account administers as its unit administrator, if it does.
fn admin_unit(grants: &[Grant]) -> Option<&str> {
    grants.iter().find(|g| g.role == Role::UnitAdmin).and_then(|g| g.unit.as_deref())
}

/// `username` lowercased and trimmed, when it is `[a-z0-9._-]{3,64}`.
pub fn normalise_username(username: &str) -> AccountResult<String> {
    let name = username.trim().to_ascii_lowercase();
    let ok = (3..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name)
    } else {
        Err(AccountError::Invalid {
            field: "username",
            message: "账号为 3–64 个字符，只用小写字母、数字、点、连字符或下划线，如 zhang.san。".into(),
        })
    }
}

/// The fields of a new account, checked: name, a way to reach the person, grants.
pub(super) fn check_new(new: &NewAccount) -> AccountResult<()> {
    let invalid = |field, message: &str| Err(AccountError::Invalid { field, message: message.into() });
    if new.name.trim().is_empty() || new.name.chars().count() > 100 {
        return invalid("name", "请填写姓名或单位名称（不超过 100 个字符）。");
    }
    let email = new.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
    let phone = new.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
    if email.is_none() && phone.is_none() {
        return invalid("email", "请填写电子邮箱或手机号，一次性密码将发送至此。");
    }
    if email.is_some_and(|e| !e.contains('@') || e.len() > 254 || e.contains(char::is_whitespace)) {
        return invalid("email", "电子邮箱格式不正确，如 name@example.cn。");
    }
    if phone.is_some_and(|p| p.len() != 11 || !p.starts_with('1') || !p.chars().all(|c| c.is_ascii_digit())) {
        return invalid("phone", "手机号应为 11 位数字，以 1 开头。");
    }
    if new.grants.is_empty() {
        return invalid("role", "请至少指定一个角色。");
    }
    for grant in &new.grants {
        let needs_unit = matches!(grant.role, Role::Filler | Role::UnitAdmin | Role::IntegrityAdmin);
        if needs_unit && grant.unit.as_deref().is_none_or(str::is_empty) {
            return invalid("unit", "该角色须指定所在单位。");
        }
        if grant.role == Role::RegionalAdmin && grant.region.as_deref().is_none_or(str::is_empty) {
            return invalid("region", "地方管理员须指定所辖地区。");
        }
    }
    Ok(())
}

impl StoreAccounts {
    pub fn new(store: SharedStore) -> StoreAccounts {
        StoreAccounts { store, clock: system_clock(), lockout: LOCKOUT }
    }

    /// Another clock (tests stand at any moment).
    pub fn with_clock(mut self, clock: Clock) -> StoreAccounts {
        self.clock = clock;
        self
    }

    /// Another lockout rule (tests use short waits).
    pub fn with_lockout(mut self, lockout: Lockout) -> StoreAccounts {
        self.lockout = lockout;
        self
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    async fn load(&self, username: &str) -> AccountResult<Option<(Stored, u64)>> {
        let Some(item) = self.store.get(&account_key(username)).await? else { return Ok(None) };
        let stored: Stored = serde_json::from_value(item.data.clone())
            .map_err(|e| StoreError::Corrupt { key: item.key.clone(), reason: e.to_string() })?;
        Ok(Some((stored, item.version)))
    }

    fn item(stored: &Stored) -> Item {
        let data = serde_json::to_value(stored).unwrap_or_default();
        let a = &stored.account;
        Item::new(account_key(&a.username), data).with_index(
            Index::Gsi1,
            format!("ACCOUNTS#{}", a.steward.key()),
            a.username.clone(),
        )
    }

    /// Changes an account: `change` edits it and names what happened (no event: a
    /// change not worth a line, like a failed-attempt count), plus any further writes;
    /// the account is replaced at the version read, retried when someone wrote between.
    async fn update<T>(
        &self,
        by: &str,
        username: &str,
        mut change: impl FnMut(&mut Stored, Timestamp) -> AccountResult<(Vec<AuditEvent>, Vec<Write>, T)>,
    ) -> AccountResult<(Account, T)> {
        let username = normalise_username(username)?;
        for _ in 0..RETRIES {
            let Some((mut stored, version)) = self.load(&username).await? else {
                return Err(AccountError::NotFound(username));
            };
            let now = self.now();
            let (events, extra, out) = change(&mut stored, now)?;
            let mut writes = vec![Write::Replace { item: Self::item(&stored), expected_version: version }];
            writes.extend(extra);
            let steward = stored.account.steward.clone();
            for event in events {
                writes
                    .push(AuditEntry { account: username.clone(), by: by.to_string(), at: now, event }.write(&steward));
            }
            match self.store.transact(writes).await {
                Ok(()) => return Ok((stored.account, out)),
                Err(StoreError::ConditionFailed { index: 0 } | StoreError::Contention) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Contention.into())
    }

    /// Opens the new-password step: a random challenge, its digest kept.
    fn open_challenge(stored: &mut Stored, now: Timestamp) -> String {
        let challenge = ulid::Ulid::from(rand::random::<u128>()).to_string();
        let closes = now + SignedDuration::try_from(CHALLENGE_LIFE).unwrap_or_default();
        stored.challenge = Some((digest(&challenge), closes));
        challenge
    }

    /// A new one-time password on the account; earlier sessions end.
    fn issue_one_time(stored: &mut Stored) -> AccountResult<String> {
        let one_time = password::one_time();
        stored.password_hash = Some(password::hash(&one_time)?);
        stored.account.must_change_password = true;
        stored.account.session_epoch += 1;
        stored.guard.clear();
        stored.challenge = None;
        Ok(one_time)
    }

    /// The marker of `unit`'s one administrator, when it exists, with its version.
    async fn unit_admin_marker(&self, unit: &str) -> AccountResult<Option<u64>> {
        Ok(self.store.get(&unit_admin_key(unit)).await?.map(|item| item.version))
    }
}

#[async_trait]
impl Accounts for StoreAccounts {
    async fn create(&self, by: &str, mut new: NewAccount) -> AccountResult<Created> {
        new.username = normalise_username(&new.username)?;
        check_new(&new)?;
        let now = self.now();
        let mut stored = Stored {
            account: Account {
                username: new.username.clone(),
                name: new.name.trim().to_string(),
                email: new.email.map(|e| e.trim().to_string()).filter(|e| !e.is_empty()),
                phone: new.phone.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
                grants: new.grants,
                status: if new.pending { AccountStatus::Pending } else { AccountStatus::Active },
                steward: new.steward,
                must_change_password: false,
                session_epoch: 0,
                created_at: now,
                created_by: by.to_string(),
            },
            password_hash: None,
            guard: SignInGuard::default(),
            challenge: None,
        };
        let one_time = if new.pending { None } else { Some(Self::issue_one_time(&mut stored)?) };
        let mut writes = vec![Write::Create(Self::item(&stored))];
        let unit = admin_unit(&stored.account.grants).map(str::to_owned);
        if let Some(unit) = &unit {
            writes.push(Write::Create(Item::new(unit_admin_key(unit), serde_json::json!({"username": new.username}))));
        }
        let event = if new.pending { AuditEvent::Registered } else { AuditEvent::Created };
        writes.push(
            AuditEntry { account: new.username.clone(), by: by.to_string(), at: now, event }
                .write(&stored.account.steward),
        );
        match self.store.transact(writes).await {
            Ok(()) => Ok(Created { account: stored.account, one_time_password: one_time }),
            Err(StoreError::ConditionFailed { index: 0 }) => Err(AccountError::UsernameTaken(new.username)),
            Err(StoreError::ConditionFailed { index: 1 }) if unit.is_some() => {
                Err(AccountError::UnitHasAdmin(unit.unwrap_or_default()))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn get(&self, username: &str) -> AccountResult<Option<Account>> {
        let Ok(username) = normalise_username(username) else { return Ok(None) };
        Ok(self.load(&username).await?.map(|(stored, _)| stored.account))
    }

    async fn list(&self, scope: &Scope) -> AccountResult<Vec<Account>> {
        let found = self.store.query_index(Index::Gsi1, &format!("ACCOUNTS#{}", scope.key())).await?;
        let mut accounts = Vec::new();
        // The index may lag: each account is read again and kept if it still answers here.
        for item in found {
            if let Some((stored, _)) = self.load(&item.key.pk["ACCOUNT#".len()..]).await?
                && &stored.account.steward == scope
            {
                accounts.push(stored.account);
            }
        }
        Ok(accounts)
    }

    async fn sign_in(&self, username: &str, password: &str) -> AccountResult<SignInOutcome> {
        let Ok(username) = normalise_username(username) else { return Err(AccountError::WrongPassword) };
        let Some((stored, _)) = self.load(&username).await? else {
            // As long as a real check, so the time taken does not tell either.
            let _ = password::verify(
                password,
                "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            );
            return Err(AccountError::WrongPassword);
        };
        stored.guard.admits(self.now(), &self.lockout)?;
        let right = stored.password_hash.as_deref().is_some_and(|h| password::verify(password, h));
        if !right {
            let lockout = self.lockout;
            let (_, locked) = self
                .update("system", &username, |s, now| match s.guard.record_failure(now, &lockout) {
                    Some(until) => Ok((vec![AuditEvent::Locked { until }], vec![], Some(until))),
                    None => Ok((vec![], vec![], None)),
                })
                .await?;
            return Err(match locked {
                Some(until) => AccountError::Locked { until },
                None => AccountError::WrongPassword,
            });
        }
        match stored.account.status {
            AccountStatus::Active => {}
            AccountStatus::Pending => return Err(AccountError::Pending),
            AccountStatus::Rejected | AccountStatus::Disabled => return Err(AccountError::Inactive),
        }
        let (account, challenge) = self
            .update("system", &username, |s, now| {
                s.guard.clear();
                let challenge = s.account.must_change_password.then(|| Self::open_challenge(s, now));
                Ok((vec![], vec![], challenge))
            })
            .await?;
        Ok(match challenge {
            Some(challenge) => SignInOutcome::MustChangePassword { username: account.username, challenge },
            None => SignInOutcome::SignedIn(account),
        })
    }

    async fn complete_new_password(
        &self,
        username: &str,
        challenge: &str,
        new_password: &str,
    ) -> AccountResult<Account> {
        let username = normalise_username(username)?;
        password::check_new(&username, new_password)?;
        let hash = password::hash(new_password)?;
        let (account, ()) = self
            .update(&username.clone(), &username, |s, now| {
                let open = s.challenge.as_ref().is_some_and(|(d, closes)| *d == digest(challenge) && *closes > now);
                if !open || s.account.status != AccountStatus::Active {
                    return Err(AccountError::ChallengeExpired);
                }
                if s.password_hash.as_deref().is_some_and(|h| password::verify(new_password, h)) {
                    return Err(AccountError::Invalid {
                        field: "new_password",
                        message: "新密码不能与一次性密码相同。".into(),
                    });
                }
                s.password_hash = Some(hash.clone());
                s.account.must_change_password = false;
                s.challenge = None;
                Ok((vec![AuditEvent::PasswordChanged], vec![], ()))
            })
            .await?;
        Ok(account)
    }

    async fn change_password(&self, username: &str, old_password: &str, new_password: &str) -> AccountResult<()> {
        let username = normalise_username(username)?;
        password::check_new(&username, new_password)?;
        let Some((stored, _)) = self.load(&username).await? else { return Err(AccountError::WrongPassword) };
        if !stored.password_hash.as_deref().is_some_and(|h| password::verify(old_password, h)) {
            return Err(AccountError::Invalid { field: "old_password", message: "原密码不正确。".into() });
        }
        if old_password == new_password {
            return Err(AccountError::Invalid {
                field: "new_password", message: "新密码不能与原密码相同。".into()
            });
        }
        let hash = password::hash(new_password)?;
        self.update(&username.clone(), &username, |s, _| {
            s.password_hash = Some(hash.clone());
            s.account.must_change_password = false;
            s.account.session_epoch += 1;
            Ok((vec![AuditEvent::PasswordChanged], vec![], ()))
        })
        .await?;
        Ok(())
    }

    async fn approve(&self, by: &str, username: &str) -> AccountResult<String> {
        let (_, one_time) = self
            .update(by, username, |s, _| {
                if s.account.status != AccountStatus::Pending {
                    return Err(AccountError::Conflict("只有待审核的账号可以审核"));
                }
                s.account.status = AccountStatus::Active;
                let one_time = Self::issue_one_time(s)?;
                Ok((vec![AuditEvent::Approved], vec![], one_time))
            })
            .await?;
        Ok(one_time)
    }

    async fn reject(&self, by: &str, username: &str, reason: &str) -> AccountResult<()> {
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(AccountError::Invalid { field: "reason", message: "请填写不予通过的理由。".into() });
        }
        let unit_marker =
            match self.get(username).await?.as_ref().and_then(|a| admin_unit(&a.grants).map(str::to_owned)) {
                Some(unit) => self.unit_admin_marker(&unit).await?.map(|v| (unit, v)),
                None => None,
            };
        self.update(by, username, |s, _| {
            if s.account.status != AccountStatus::Pending {
                return Err(AccountError::Conflict("只有待审核的账号可以审核"));
            }
            s.account.status = AccountStatus::Rejected;
            // The unit is free again for a registration that its department can approve.
            let extra = unit_marker
                .iter()
                .map(|(unit, v)| Write::Delete { key: unit_admin_key(unit), expected_version: *v })
                .collect();
            Ok((vec![AuditEvent::Rejected { reason: reason.clone() }], extra, ()))
        })
        .await?;
        Ok(())
    }

    async fn reset_password(&self, by: &str, username: &str) -> AccountResult<String> {
        let (_, one_time) = self
            .update(by, username, |s, _| {
                if s.account.status != AccountStatus::Active {
                    return Err(AccountError::Conflict("只能为正常状态的账号重置密码"));
                }
                Ok((vec![AuditEvent::PasswordReset], vec![], Self::issue_one_time(s)?))
            })
            .await?;
        Ok(one_time)
    }

    async fn add_grant(&self, by: &str, username: &str, grant: Grant) -> AccountResult<Account> {
        let marker = (grant.role == Role::UnitAdmin).then(|| grant.unit.clone()).flatten();
        let (account, ()) = self
            .update(by, username, |s, _| {
                if s.account.grants.contains(&grant) {
                    return Ok((vec![], vec![], ()));
                }
                s.account.grants.push(grant.clone());
                let extra = marker
                    .iter()
                    .map(|unit| {
                        Write::Create(Item::new(
                            unit_admin_key(unit),
                            serde_json::json!({"username": s.account.username}),
                        ))
                    })
                    .collect();
                Ok((vec![AuditEvent::GrantAdded { grant: grant.clone() }], extra, ()))
            })
            .await
            .map_err(|e| match (e, &marker) {
                (AccountError::Store(StoreError::ConditionFailed { index: 1 }), Some(unit)) => {
                    AccountError::UnitHasAdmin(unit.clone())
                }
                (e, _) => e,
            })?;
        Ok(account)
    }

    async fn remove_grant(&self, by: &str, username: &str, grant: &Grant) -> AccountResult<Account> {
        let marker = match (grant.role, &grant.unit) {
            (Role::UnitAdmin, Some(unit)) => self.unit_admin_marker(unit).await?.map(|v| (unit.clone(), v)),
            _ => None,
        };
        let (account, ()) = self
            .update(by, username, |s, _| {
                if !s.account.grants.contains(grant) {
                    return Ok((vec![], vec![], ()));
                }
                s.account.grants.retain(|g| g != grant);
                let extra = marker
                    .iter()
                    .map(|(unit, v)| Write::Delete { key: unit_admin_key(unit), expected_version: *v })
                    .collect();
                Ok((vec![AuditEvent::GrantRemoved { grant: grant.clone() }], extra, ()))
            })
            .await?;
        Ok(account)
    }

    async fn set_disabled(&self, by: &str, username: &str, disabled: bool) -> AccountResult<Account> {
        let (account, ()) = self
            .update(by, username, |s, _| {
                let (from, to, event) = if disabled {
                    (AccountStatus::Active, AccountStatus::Disabled, AuditEvent::Disabled)
                } else {
                    (AccountStatus::Disabled, AccountStatus::Active, AuditEvent::Enabled)
                };
                if s.account.status == to {
                    return Ok((vec![], vec![], ()));
                }
                if s.account.status != from {
                    return Err(AccountError::Conflict("待审核或未通过的账号不能停用或启用"));
                }
                s.account.status = to;
                s.account.session_epoch += 1;
                Ok((vec![event], vec![], ()))
            })
            .await?;
        Ok(account)
    }

    async fn audit(&self, username: &str) -> AccountResult<Vec<AuditEntry>> {
        let username = normalise_username(username)?;
        audit::of_account(&self.store, &username).await
    }

    async fn audit_of_scope(&self, scope: &Scope) -> AccountResult<Vec<AuditEntry>> {
        audit::of_scope(&self.store, scope).await
    }
}
