//! [`CognitoAccounts`]: the [`Accounts`] interface over an Amazon Cognito user pool
//! (the pool of `infra/template.yaml`), through Cognito's admin API — the same
//! contract as [`super::StoreAccounts`] (`tests/it/accounts_contract.rs` runs both).
//!
//! What lives where:
//!
//! | what | in Cognito | in the store |
//! | --- | --- | --- |
//! | username, password, one-time password | the user; `FORCE_CHANGE_PASSWORD` while one-time | |
//! | name, e-mail, phone | `name`, `email`, `phone_number` (`+86…`) | |
//! | grants | one group per grant ([`group_name`]: `filler@unit:hebei-kjpt-001`) — in both tokens' `cognito:groups`, and no account can change its own groups | |
//! | status, steward, session epoch, creator | `custom:status`, `custom:steward`, `custom:epoch`, `custom:created_by` ([`CUSTOM_ATTRIBUTES`]) | |
//! | who answers for whom (listing by scope) | | `ACCOUNT#{username}` / `POOL-ACCOUNT`, gsi1 `ACCOUNTS#{steward}` / `{username}` — Cognito cannot filter users by a custom attribute |
//! | wrong passwords, lock | (its own, looser: never reached first) | the same item ([`SignInGuard`]) |
//! | a unit's one administrator | | `UNIT-ADMIN#{unit}` / `UNIT-ADMIN`, as the local implementation |
//! | the audit log | | [`super::audit`], as the local implementation |
//!
//! A disabled account stays enabled in Cognito and is refused by its `custom:status`
//! after its password is checked: a user disabled in Cognito is refused before the
//! password is looked at, which would tell a stranger that the account exists. No one
//! but the functions can sign in (the app client allows only
//! `ADMIN_USER_PASSWORD_AUTH` and refresh), disabling signs the account out
//! everywhere (`AdminUserGlobalSignOut`), and the functions check the account on
//! every request ([`tokens::TokenVerifier`]).
//!
//! Creating an account writes the store first (one transaction: the account's item,
//! the unit's marker, the audit entry — so "username taken" and "one administrator
//! per unit" hold under races), then the user; if Cognito refuses, the store's items
//! are removed again, so nothing half-written is kept.

pub mod tokens;

use async_trait::async_trait;
use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, MessageActionType, UserStatusType,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::audit::{self, AuditEntry, AuditEvent, account_pk};
use super::guard::SignInGuard;
use super::local::{self, normalise_username, unit_admin_key};
use super::policy::{LOCKOUT, Lockout};
use super::{
    Account, AccountError, AccountResult, AccountStatus, Accounts, Created, Grant, NewAccount, Role, Scope,
    SignInOutcome, password,
};
use crate::lifecycle::{Clock, system_clock};
use crate::store::{Index, Item, Key, SharedStore, StoreError, Write};

/// The custom attributes the pool declares (`custom:` + each), all strings, mutable.
/// `infra/template.yaml` declares the same (a test compares).
pub const CUSTOM_ATTRIBUTES: [&str; 4] = ["status", "steward", "epoch", "created_by"];

/// The shortest password the pool takes. The functions ask more of a chosen password
/// ([`password::check_new`]: 10 characters, letters and digits — a letter may be a
/// Chinese character, which Cognito's lowercase/uppercase rules would refuse), so the
/// pool asks only the length.
pub const POOL_MIN_PASSWORD_LENGTH: i32 = 10;

/// Which pool, and the app client the functions sign in through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    /// `GAZETTE_USER_POOL_ID`, like `cn-north-1_AbCdEf123`: the region, `_`, an id.
    pub id: String,
    /// `GAZETTE_USER_POOL_CLIENT_ID`: the app client (no secret).
    pub client_id: String,
}

impl UserPool {
    /// The region the pool is in: what comes before `_` in its id.
    pub fn region(&self) -> &str {
        self.id.split_once('_').map_or("", |(region, _)| region)
    }

    /// The `iss` of the pool's tokens: `https://cognito-idp.{region}.amazonaws.com/{id}`
    /// (`amazonaws.com.cn` in the China regions).
    pub fn issuer(&self) -> String {
        let suffix = if self.region().starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
        format!("https://cognito-idp.{}.{suffix}/{}", self.region(), self.id)
    }

    /// Where the pool's public keys are served: under the issuer, or under `endpoint`
    /// when the admin API is reached there (a local server such as moto's).
    pub fn jwks_url(&self, endpoint: Option<&str>) -> String {
        match endpoint {
            Some(endpoint) => format!("{}/{}/.well-known/jwks.json", endpoint.trim_end_matches('/'), self.id),
            None => format!("{}/.well-known/jwks.json", self.issuer()),
        }
    }
}

/// The Cognito group of a grant: the role, then `@unit:{code}` and `@region:{code}`
/// when it is held for one — `national-admin`, `filler@unit:hebei-kjpt-001`,
/// `regional-admin@region:hebei`. One group per grant keeps a role paired with its unit.
pub fn group_name(grant: &Grant) -> String {
    let mut name = grant.role.as_str().to_string();
    if let Some(unit) = &grant.unit {
        name.push_str(&format!("@unit:{unit}"));
    }
    if let Some(region) = &grant.region {
        name.push_str(&format!("@region:{region}"));
    }
    name
}

/// The grant of a group [`group_name`] wrote; `None` for any other group.
pub fn grant_of_group(name: &str) -> Option<Grant> {
    let mut parts = name.split('@');
    let role = Role::parse(parts.next()?)?;
    let mut grant = Grant::new(role, None, None);
    for part in parts {
        match part.split_once(':')? {
            ("unit", code) if !code.is_empty() && grant.unit.is_none() => grant.unit = Some(code.into()),
            ("region", code) if !code.is_empty() && grant.region.is_none() => grant.region = Some(code.into()),
            _ => return None,
        }
    }
    Some(grant)
}

/// `custom:status` of each [`AccountStatus`].
fn status_code(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Pending => "pending",
        AccountStatus::Active => "active",
        AccountStatus::Rejected => "rejected",
        AccountStatus::Disabled => "disabled",
    }
}

fn status_of(code: &str) -> Option<AccountStatus> {
    [AccountStatus::Pending, AccountStatus::Active, AccountStatus::Rejected, AccountStatus::Disabled]
        .into_iter()
        .find(|s| status_code(*s) == code)
}

/// [`Scope::key`] read back.
fn scope_of(key: &str) -> Option<Scope> {
    match key.split_once(':') {
        None if key == "national" => Some(Scope::National),
        Some(("region", code)) => Some(Scope::Region(code.into())),
        Some(("unit", code)) => Some(Scope::Unit(code.into())),
        _ => None,
    }
}

/// An SDK failure as a provider error, with the service's code and message.
fn provider<E: ProvideErrorMetadata>(what: &str, e: &E) -> AccountError {
    AccountError::Provider(format!(
        "Cognito {what}: {} {}",
        e.code().unwrap_or("error"),
        e.message().unwrap_or_default()
    ))
}

fn attribute(name: &str, value: impl Into<String>) -> AccountResult<AttributeType> {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .map_err(|e| AccountError::Provider(format!("Cognito attribute {name}: {e}")))
}

/// The account's item in the store: its place in the listing and its sign-in guard.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PoolRecord {
    username: String,
    steward: Option<Scope>,
    #[serde(flatten)]
    guard: SignInGuard,
}

fn record_key(username: &str) -> Key {
    Key::new(account_pk(username), "POOL-ACCOUNT")
}

fn record_item(record: &PoolRecord) -> Item {
    let item = Item::new(record_key(&record.username), serde_json::to_value(record).unwrap_or_default());
    match &record.steward {
        Some(steward) => item.with_index(Index::Gsi1, format!("ACCOUNTS#{}", steward.key()), record.username.clone()),
        None => item,
    }
}

/// Accounts in a Cognito user pool, with their listing, sign-in guard and audit log
/// in the store beside it.
#[derive(Clone)]
pub struct CognitoAccounts {
    idp: Client,
    pool: UserPool,
    store: SharedStore,
    clock: Clock,
    lockout: Lockout,
}

impl CognitoAccounts {
    /// Over `pool`, reached with `sdk` (credentials, region, endpoint).
    pub fn new(sdk: &aws_config::SdkConfig, pool: UserPool, store: SharedStore) -> CognitoAccounts {
        CognitoAccounts { idp: Client::new(sdk), pool, store, clock: system_clock(), lockout: LOCKOUT }
    }

    /// Another lockout rule (tests use short waits).
    pub fn with_lockout(mut self, lockout: Lockout) -> CognitoAccounts {
        self.lockout = lockout;
        self
    }

    pub fn pool(&self) -> &UserPool {
        &self.pool
    }

    fn now(&self) -> Timestamp {
        (self.clock)()
    }

    async fn load_record(&self, username: &str) -> AccountResult<Option<(PoolRecord, u64)>> {
        let Some(item) = self.store.get(&record_key(username)).await? else { return Ok(None) };
        let record = serde_json::from_value(item.data.clone())
            .map_err(|e| StoreError::Corrupt { key: item.key.clone(), reason: e.to_string() })?;
        Ok(Some((record, item.version)))
    }

    /// Changes the account's record in the store (re-read and retried when someone
    /// wrote between); a record that is missing (a user made outside the functions)
    /// is created.
    async fn update_record<T>(&self, username: &str, mut change: impl FnMut(&mut PoolRecord) -> T) -> AccountResult<T> {
        for _ in 0..20 {
            let (mut record, write) = match self.load_record(username).await? {
                Some((record, version)) => (record, Some(version)),
                None => (PoolRecord { username: username.to_string(), ..PoolRecord::default() }, None),
            };
            let out = change(&mut record);
            let item = record_item(&record);
            let write = match write {
                Some(expected_version) => Write::Replace { item, expected_version },
                None => Write::Create(item),
            };
            match self.store.transact(vec![write]).await {
                Ok(()) => return Ok(out),
                Err(StoreError::ConditionFailed { .. } | StoreError::Contention) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Contention.into())
    }

    /// Records `event` on the account's log.
    async fn log(&self, by: &str, account: &Account, event: AuditEvent) -> AccountResult<()> {
        let entry = AuditEntry { account: account.username.clone(), by: by.to_string(), at: self.now(), event };
        Ok(self.store.transact(vec![entry.write(&account.steward)]).await?)
    }

    /// The user's groups, every page.
    async fn groups(&self, username: &str) -> AccountResult<Vec<String>> {
        let mut names = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = self
                .idp
                .admin_list_groups_for_user()
                .user_pool_id(&self.pool.id)
                .username(username)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| provider("AdminListGroupsForUser", &e))?;
            names.extend(page.groups().iter().filter_map(|g| g.group_name().map(str::to_owned)));
            match page.next_token() {
                Some(token) if !token.is_empty() => next = Some(token.to_owned()),
                _ => return Ok(names),
            }
        }
    }

    /// The account as Cognito holds it, read consistently; `None` for no such user.
    async fn read(&self, username: &str) -> AccountResult<Option<Account>> {
        let user = match self.idp.admin_get_user().user_pool_id(&self.pool.id).username(username).send().await {
            Ok(user) => user,
            Err(e) if e.code() == Some("UserNotFoundException") => return Ok(None),
            Err(e) => return Err(provider("AdminGetUser", &e)),
        };
        let attr = |name: &str| {
            user.user_attributes().iter().find(|a| a.name() == name).and_then(|a| a.value()).map(str::to_owned)
        };
        let status = attr("custom:status").and_then(|s| status_of(&s)).unwrap_or(AccountStatus::Active);
        let one_time =
            matches!(user.user_status(), Some(UserStatusType::ForceChangePassword | UserStatusType::ResetRequired));
        let mut grants: Vec<Grant> = self.groups(username).await?.iter().filter_map(|g| grant_of_group(g)).collect();
        grants.sort_by_key(group_name);
        Ok(Some(Account {
            username: user.username().to_string(),
            name: attr("name").unwrap_or_default(),
            email: attr("email"),
            phone: attr("phone_number").map(|p| p.trim_start_matches("+86").to_string()),
            grants,
            status,
            steward: attr("custom:steward").and_then(|s| scope_of(&s)).unwrap_or(Scope::National),
            must_change_password: status == AccountStatus::Active && one_time,
            session_epoch: attr("custom:epoch").and_then(|e| e.parse().ok()).unwrap_or(0),
            created_at: user
                .user_create_date()
                .and_then(|d| Timestamp::from_second(d.secs()).ok())
                .unwrap_or_else(|| self.now()),
            created_by: attr("custom:created_by").unwrap_or_default(),
        }))
    }

    /// The account, or [`AccountError::NotFound`].
    async fn existing(&self, username: &str) -> AccountResult<Account> {
        let username = normalise_username(username)?;
        self.read(&username).await?.ok_or(AccountError::NotFound(username))
    }

    async fn set_attributes(&self, username: &str, attributes: Vec<AttributeType>) -> AccountResult<()> {
        self.idp
            .admin_update_user_attributes()
            .user_pool_id(&self.pool.id)
            .username(username)
            .set_user_attributes(Some(attributes))
            .send()
            .await
            .map_err(|e| provider("AdminUpdateUserAttributes", &e))?;
        Ok(())
    }

    /// Sets the status and raises the session epoch: every earlier session ends.
    async fn set_status(&self, account: &Account, status: AccountStatus) -> AccountResult<()> {
        self.set_attributes(
            &account.username,
            vec![
                attribute("custom:status", status_code(status))?,
                attribute("custom:epoch", (account.session_epoch + 1).to_string())?,
            ],
        )
        .await
    }

    /// A new one-time password on the account (to be changed at the next sign-in),
    /// its session epoch raised and its refresh tokens revoked; the guard starts again.
    async fn issue_one_time(&self, account: &Account) -> AccountResult<String> {
        let one_time = password::one_time();
        self.idp
            .admin_set_user_password()
            .user_pool_id(&self.pool.id)
            .username(&account.username)
            .password(&one_time)
            .permanent(false)
            .send()
            .await
            .map_err(|e| provider("AdminSetUserPassword", &e))?;
        self.set_status(account, AccountStatus::Active).await?;
        self.sign_out_everywhere(&account.username).await?;
        self.update_record(&account.username, |r| r.guard.clear()).await?;
        Ok(one_time)
    }

    /// Approval and reset: an account in the `needed` status (else `refusal`) gets a new
    /// one-time password, active, logged as `event`.
    async fn renew(
        &self,
        by: &str,
        username: &str,
        needed: AccountStatus,
        refusal: AccountError,
        event: AuditEvent,
    ) -> AccountResult<String> {
        let account = self.existing(username).await?;
        if account.status != needed {
            return Err(refusal);
        }
        let one_time = self.issue_one_time(&account).await?;
        self.log(by, &account, event).await?;
        Ok(one_time)
    }

    async fn sign_out_everywhere(&self, username: &str) -> AccountResult<()> {
        self.idp
            .admin_user_global_sign_out()
            .user_pool_id(&self.pool.id)
            .username(username)
            .send()
            .await
            .map_err(|e| provider("AdminUserGlobalSignOut", &e))?;
        Ok(())
    }

    /// The group of `grant`, created when it does not exist yet.
    async fn ensure_group(&self, grant: &Grant) -> AccountResult<String> {
        let name = group_name(grant);
        match self
            .idp
            .create_group()
            .user_pool_id(&self.pool.id)
            .group_name(&name)
            .description(grant.label_zh())
            .send()
            .await
        {
            Ok(_) => Ok(name),
            Err(e) if e.code() == Some("GroupExistsException") => Ok(name),
            Err(e) => Err(provider("CreateGroup", &e)),
        }
    }

    async fn join_group(&self, username: &str, grant: &Grant) -> AccountResult<()> {
        let group = self.ensure_group(grant).await?;
        self.idp
            .admin_add_user_to_group()
            .user_pool_id(&self.pool.id)
            .username(username)
            .group_name(group)
            .send()
            .await
            .map_err(|e| provider("AdminAddUserToGroup", &e))?;
        Ok(())
    }

    /// Signs in with a password through the functions' app client: Cognito's answer
    /// (tokens, or the new-password challenge), after the account's guard admitted the
    /// try; a wrong password is counted on the guard.
    pub async fn authenticate(&self, username: &str, password: &str) -> AccountResult<PoolSignIn> {
        let Ok(username) = normalise_username(username) else { return Err(AccountError::WrongPassword) };
        let record = self.load_record(&username).await?;
        if let Some((record, _)) = &record {
            record.guard.admits(self.now(), &self.lockout)?;
        }
        let answer = self
            .idp
            .admin_initiate_auth()
            .user_pool_id(&self.pool.id)
            .client_id(&self.pool.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", &username)
            .auth_parameters("PASSWORD", password)
            .send()
            .await;
        let answer = match answer {
            Ok(answer) => answer,
            Err(e) => {
                return Err(match e.code() {
                    Some("NotAuthorizedException" | "UserNotFoundException" | "UserNotConfirmedException")
                        if e.message().is_some_and(|m| m.contains("attempts exceeded")) =>
                    {
                        AccountError::SlowDown { seconds: 60 }
                    }
                    Some("NotAuthorizedException" | "UserNotFoundException" | "UserNotConfirmedException") => {
                        self.wrong_password(&username, record.is_some()).await?
                    }
                    _ => provider("AdminInitiateAuth", &e),
                });
            }
        };
        if record.is_some_and(|(r, _)| !r.guard.is_clear()) {
            self.update_record(&username, |r| r.guard.clear()).await?;
        }
        if answer.challenge_name() == Some(&ChallengeNameType::NewPasswordRequired) {
            let session = answer.session().unwrap_or_default().to_string();
            return Ok(PoolSignIn::NewPasswordRequired { username, session });
        }
        let tokens = answer.authentication_result().ok_or_else(|| {
            AccountError::Provider(format!(
                "Cognito AdminInitiateAuth: unexpected challenge {:?}",
                answer.challenge_name()
            ))
        })?;
        Ok(PoolSignIn::Tokens(PoolTokens {
            username,
            id_token: tokens.id_token().unwrap_or_default().to_string(),
            access_token: tokens.access_token().unwrap_or_default().to_string(),
        }))
    }

    /// Counts a wrong password of an account the store knows; the error to answer.
    async fn wrong_password(&self, username: &str, known: bool) -> AccountResult<AccountError> {
        if !known {
            return Ok(AccountError::WrongPassword);
        }
        let (now, lockout) = (self.now(), self.lockout);
        let locked = self.update_record(username, |r| r.guard.record_failure(now, &lockout)).await?;
        let Some(until) = locked else { return Ok(AccountError::WrongPassword) };
        if let Some(account) = self.read(username).await? {
            self.log("system", &account, AuditEvent::Locked { until }).await?;
        }
        Ok(AccountError::Locked { until })
    }

    /// The account may go on only while active.
    fn active(account: &Account) -> AccountResult<()> {
        match account.status {
            AccountStatus::Active => Ok(()),
            AccountStatus::Pending => Err(AccountError::Pending),
            AccountStatus::Rejected | AccountStatus::Disabled => Err(AccountError::Inactive),
        }
    }

    /// Removes what [`Accounts::create`] wrote to the store, when Cognito refused the user.
    async fn undo_create(&self, writes: &[Write]) {
        let deletes = writes.iter().map(|w| Write::Delete { key: w.key().clone(), expected_version: 1 }).collect();
        if let Err(e) = self.store.transact(deletes).await {
            tracing::error!("could not remove the store items of a refused account: {e}");
        }
    }
}

/// What a right password leads to on the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PoolSignIn {
    /// Signed in: the pool's tokens.
    Tokens(PoolTokens),
    /// A one-time password: the challenge's session, for [`Accounts::complete_new_password`].
    NewPasswordRequired { username: String, session: String },
}

/// The tokens Cognito issued on a sign-in (RS256, verified by [`tokens::TokenVerifier`]).
#[derive(Clone, PartialEq, Eq)]
pub struct PoolTokens {
    pub username: String,
    pub id_token: String,
    pub access_token: String,
}

impl std::fmt::Debug for PoolTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolTokens").field("username", &self.username).finish_non_exhaustive()
    }
}

#[async_trait]
impl Accounts for CognitoAccounts {
    async fn create(&self, by: &str, mut new: NewAccount) -> AccountResult<Created> {
        new.username = normalise_username(&new.username)?;
        local::check_new(&new)?;
        let username = new.username.clone();
        let status = if new.pending { AccountStatus::Pending } else { AccountStatus::Active };
        let record =
            PoolRecord { username: username.clone(), steward: Some(new.steward.clone()), ..Default::default() };
        let mut writes = vec![Write::Create(record_item(&record))];
        let unit = new.grants.iter().find(|g| g.role == Role::UnitAdmin).and_then(|g| g.unit.clone());
        if let Some(unit) = &unit {
            writes.push(Write::Create(Item::new(unit_admin_key(unit), serde_json::json!({"username": username}))));
        }
        let event = if new.pending { AuditEvent::Registered } else { AuditEvent::Created };
        writes.push(
            AuditEntry { account: username.clone(), by: by.to_string(), at: self.now(), event }.write(&new.steward),
        );
        match self.store.transact(writes.clone()).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed { index: 0 }) => return Err(AccountError::UsernameTaken(username)),
            Err(StoreError::ConditionFailed { index: 1 }) if unit.is_some() => {
                return Err(AccountError::UnitHasAdmin(unit.unwrap_or_default()));
            }
            Err(e) => return Err(e.into()),
        }
        match self.create_user(by, &new, status).await {
            Ok(one_time) => {
                let account = self.read(&username).await?.ok_or_else(|| AccountError::NotFound(username.clone()))?;
                Ok(Created { account, one_time_password: one_time })
            }
            Err(e) => {
                self.undo_create(&writes).await;
                Err(e)
            }
        }
    }

    async fn get(&self, username: &str) -> AccountResult<Option<Account>> {
        let Ok(username) = normalise_username(username) else { return Ok(None) };
        self.read(&username).await
    }

    async fn list(&self, scope: &Scope) -> AccountResult<Vec<Account>> {
        let found = self.store.query_index(Index::Gsi1, &format!("ACCOUNTS#{}", scope.key())).await?;
        let mut accounts = Vec::new();
        for item in found {
            let Some(username) = item.data.get("username").and_then(|u| u.as_str()) else { continue };
            // The index may lag, and the pool is the truth: kept if it still answers here.
            if let Some(account) = self.read(username).await?
                && &account.steward == scope
            {
                accounts.push(account);
            }
        }
        Ok(accounts)
    }

    async fn sign_in(&self, username: &str, password: &str) -> AccountResult<SignInOutcome> {
        let outcome = self.authenticate(username, password).await?;
        let name = match &outcome {
            PoolSignIn::Tokens(tokens) => &tokens.username,
            PoolSignIn::NewPasswordRequired { username, .. } => username,
        };
        let account = self.read(name).await?.ok_or(AccountError::WrongPassword)?;
        Self::active(&account)?;
        Ok(match outcome {
            PoolSignIn::Tokens(_) => SignInOutcome::SignedIn(account),
            PoolSignIn::NewPasswordRequired { username, session } => {
                SignInOutcome::MustChangePassword { username, challenge: session }
            }
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
        let account = self.read(&username).await?.ok_or(AccountError::ChallengeExpired)?;
        if account.status != AccountStatus::Active {
            return Err(AccountError::ChallengeExpired);
        }
        let answer = self
            .idp
            .admin_respond_to_auth_challenge()
            .user_pool_id(&self.pool.id)
            .client_id(&self.pool.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(challenge)
            .challenge_responses("USERNAME", &username)
            .challenge_responses("NEW_PASSWORD", new_password)
            .send()
            .await;
        match answer {
            Ok(_) => {}
            Err(e) if e.code() == Some("InvalidPasswordException") => {
                return Err(AccountError::Invalid {
                    field: "new_password",
                    message: format!("新密码不符合要求：至少 {POOL_MIN_PASSWORD_LENGTH} 个字符。"),
                });
            }
            Err(e) => {
                return Err(match e.code() {
                    Some(
                        "NotAuthorizedException"
                        | "ResourceNotFoundException"
                        | "ExpiredCodeException"
                        | "CodeMismatchException"
                        | "InvalidParameterException",
                    ) => AccountError::ChallengeExpired,
                    _ => provider("AdminRespondToAuthChallenge", &e),
                });
            }
        }
        self.log(&username, &account, AuditEvent::PasswordChanged).await?;
        self.existing(&username).await
    }

    async fn change_password(&self, username: &str, old_password: &str, new_password: &str) -> AccountResult<()> {
        let username = normalise_username(username)?;
        password::check_new(&username, new_password)?;
        if old_password == new_password {
            return Err(AccountError::Invalid {
                field: "new_password", message: "新密码不能与原密码相同。".into()
            });
        }
        let wrong_old = || AccountError::Invalid { field: "old_password", message: "原密码不正确。".into() };
        let account = match self.authenticate(&username, old_password).await {
            Ok(PoolSignIn::Tokens(tokens)) => {
                self.idp
                    .change_password()
                    .access_token(&tokens.access_token)
                    .previous_password(old_password)
                    .proposed_password(new_password)
                    .send()
                    .await
                    .map_err(|e| provider("ChangePassword", &e))?;
                self.existing(&username).await?
            }
            Ok(PoolSignIn::NewPasswordRequired { session, .. }) => {
                self.complete_new_password(&username, &session, new_password).await?
            }
            Err(AccountError::WrongPassword) => return Err(wrong_old()),
            Err(e) => return Err(e),
        };
        self.set_attributes(&username, vec![attribute("custom:epoch", (account.session_epoch + 1).to_string())?])
            .await?;
        if !account.must_change_password {
            self.log(&username, &account, AuditEvent::PasswordChanged).await?;
        }
        Ok(())
    }

    async fn approve(&self, by: &str, username: &str) -> AccountResult<String> {
        let refusal = AccountError::Conflict("只有待审核的账号可以审核");
        self.renew(by, username, AccountStatus::Pending, refusal, AuditEvent::Approved).await
    }

    async fn reject(&self, by: &str, username: &str, reason: &str) -> AccountResult<()> {
        let reason = reason.trim().to_string();
        if reason.is_empty() {
            return Err(AccountError::Invalid { field: "reason", message: "请填写不予通过的理由。".into() });
        }
        let account = self.existing(username).await?;
        if account.status != AccountStatus::Pending {
            return Err(AccountError::Conflict("只有待审核的账号可以审核"));
        }
        self.set_status(&account, AccountStatus::Rejected).await?;
        let mut writes = Vec::new();
        // The unit is free again for a registration that its department can approve.
        for grant in account.grants.iter().filter(|g| g.role == Role::UnitAdmin) {
            if let Some(unit) = &grant.unit
                && let Some(marker) = self.store.get(&unit_admin_key(unit)).await?
                && marker.data.get("username").and_then(|u| u.as_str()) == Some(account.username.as_str())
            {
                writes.push(Write::Delete { key: marker.key, expected_version: marker.version });
            }
        }
        writes.push(
            AuditEntry {
                account: account.username.clone(),
                by: by.into(),
                at: self.now(),
                event: AuditEvent::Rejected { reason },
            }
            .write(&account.steward),
        );
        Ok(self.store.transact(writes).await?)
    }

    async fn reset_password(&self, by: &str, username: &str) -> AccountResult<String> {
        let refusal = AccountError::Conflict("只能为正常状态的账号重置密码");
        self.renew(by, username, AccountStatus::Active, refusal, AuditEvent::PasswordReset).await
    }

    async fn add_grant(&self, by: &str, username: &str, grant: Grant) -> AccountResult<Account> {
        let account = self.existing(username).await?;
        if account.grants.contains(&grant) {
            return Ok(account);
        }
        let marker = match (grant.role, &grant.unit) {
            (Role::UnitAdmin, Some(unit)) => Some(unit_admin_key(unit)),
            _ => None,
        };
        if let Some(key) = &marker {
            let item = Item::new(key.clone(), serde_json::json!({"username": account.username}));
            match self.store.transact(vec![Write::Create(item)]).await {
                Ok(()) => {}
                Err(StoreError::ConditionFailed { .. }) => {
                    return Err(AccountError::UnitHasAdmin(grant.unit.clone().unwrap_or_default()));
                }
                Err(e) => return Err(e.into()),
            }
        }
        if let Err(e) = self.join_group(&account.username, &grant).await {
            if let Some(key) = marker {
                let _ = self.store.transact(vec![Write::Delete { key, expected_version: 1 }]).await;
            }
            return Err(e);
        }
        self.log(by, &account, AuditEvent::GrantAdded { grant }).await?;
        self.existing(username).await
    }

    async fn remove_grant(&self, by: &str, username: &str, grant: &Grant) -> AccountResult<Account> {
        let account = self.existing(username).await?;
        if !account.grants.contains(grant) {
            return Ok(account);
        }
        self.idp
            .admin_remove_user_from_group()
            .user_pool_id(&self.pool.id)
            .username(&account.username)
            .group_name(group_name(grant))
            .send()
            .await
            .map_err(|e| provider("AdminRemoveUserFromGroup", &e))?;
        let mut writes = Vec::new();
        if let (Role::UnitAdmin, Some(unit)) = (grant.role, &grant.unit)
            && let Some(marker) = self.store.get(&unit_admin_key(unit)).await?
        {
            writes.push(Write::Delete { key: marker.key, expected_version: marker.version });
        }
        writes.push(
            AuditEntry {
                account: account.username.clone(),
                by: by.into(),
                at: self.now(),
                event: AuditEvent::GrantRemoved { grant: grant.clone() },
            }
            .write(&account.steward),
        );
        self.store.transact(writes).await?;
        self.existing(username).await
    }

    async fn set_disabled(&self, by: &str, username: &str, disabled: bool) -> AccountResult<Account> {
        let account = self.existing(username).await?;
        let (from, to, event) = if disabled {
            (AccountStatus::Active, AccountStatus::Disabled, AuditEvent::Disabled)
        } else {
            (AccountStatus::Disabled, AccountStatus::Active, AuditEvent::Enabled)
        };
        if account.status == to {
            return Ok(account);
        }
        if account.status != from {
            return Err(AccountError::Conflict("待审核或未通过的账号不能停用或启用"));
        }
        self.set_status(&account, to).await?;
        if disabled {
            self.sign_out_everywhere(&account.username).await?;
        }
        self.log(by, &account, event).await?;
        self.existing(username).await
    }

    async fn audit(&self, username: &str) -> AccountResult<Vec<AuditEntry>> {
        let username = normalise_username(username)?;
        audit::of_account(&self.store, &username).await
    }

    async fn audit_of_scope(&self, scope: &Scope) -> AccountResult<Vec<AuditEntry>> {
        audit::of_scope(&self.store, scope).await
    }
}

impl CognitoAccounts {
    /// `AdminCreateUser` with the one-time password as `TemporaryPassword` and no
    /// message from Cognito (`MessageAction=SUPPRESS`: the caller delivers it through
    /// the outbox), then its groups. A pending account gets a random password no one
    /// is told, so it cannot sign in until approved. Answers the one-time password.
    async fn create_user(&self, by: &str, new: &NewAccount, status: AccountStatus) -> AccountResult<Option<String>> {
        let one_time = password::one_time();
        let temporary =
            if new.pending { format!("{}{}", password::one_time(), password::one_time()) } else { one_time.clone() };
        let mut attributes = vec![
            attribute("name", new.name.trim())?,
            attribute("custom:status", status_code(status))?,
            attribute("custom:steward", new.steward.key())?,
            attribute("custom:epoch", "0")?,
            attribute("custom:created_by", by)?,
        ];
        if let Some(email) = new.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            attributes.push(attribute("email", email)?);
        }
        if let Some(phone) = new.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            attributes.push(attribute("phone_number", crate::accounts::e164(phone))?);
        }
        let created = self
            .idp
            .admin_create_user()
            .user_pool_id(&self.pool.id)
            .username(&new.username)
            .temporary_password(&temporary)
            .message_action(MessageActionType::Suppress)
            .set_user_attributes(Some(attributes))
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e) if e.code() == Some("UsernameExistsException") => {
                return Err(AccountError::UsernameTaken(new.username.clone()));
            }
            Err(e) => return Err(provider("AdminCreateUser", &e)),
        }
        for grant in &new.grants {
            if let Err(e) = self.join_group(&new.username, grant).await {
                let _ = self.idp.admin_delete_user().user_pool_id(&self.pool.id).username(&new.username).send().await;
                return Err(e);
            }
        }
        Ok((!new.pending).then_some(one_time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_is_one_group_and_reads_back() {
        let cases = [
            (Grant::new(Role::NationalAdmin, None, None), "national-admin"),
            (Grant::new(Role::Filler, Some("hebei-kjpt-001"), None), "filler@unit:hebei-kjpt-001"),
            (Grant::new(Role::RegionalAdmin, None, Some("hebei")), "regional-admin@region:hebei"),
        ];
        for (grant, name) in cases {
            assert_eq!(group_name(&grant), name);
            assert_eq!(grant_of_group(name), Some(grant));
        }
        for other in ["admins", "filler@unit:", "filler@team:x", "filler@unit:a@unit:b", "root@unit:a"] {
            assert_eq!(grant_of_group(other), None, "{other}");
        }
    }

    #[test]
    fn the_issuer_and_keys_follow_the_pool_and_its_region() {
        let pool = UserPool { id: "cn-north-1_AbC".into(), client_id: "c".into() };
        assert_eq!(pool.issuer(), "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_AbC");
        let pool = UserPool { id: "us-east-1_AbC".into(), client_id: "c".into() };
        assert_eq!(
            pool.jwks_url(None),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/.well-known/jwks.json"
        );
        assert_eq!(
            pool.jwks_url(Some("http://127.0.0.1:5000/")),
            "http://127.0.0.1:5000/us-east-1_AbC/.well-known/jwks.json"
        );
    }

    #[test]
    fn a_scope_reads_back_from_its_key() {
        for scope in [Scope::National, Scope::Region("hebei".into()), Scope::Unit("u1".into())] {
            assert_eq!(scope_of(&scope.key()), Some(scope));
        }
    }
}
