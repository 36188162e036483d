//! Accounts: who may sign in, as what, and who answers for them — one interface
//! ([`Accounts`]) with a local implementation over the [`crate::store::Store`]
//! ([`StoreAccounts`]: embedded redb on a laptop, DynamoDB alike) and room for a
//! second one over an Amazon Cognito user pool. A leaf: it knows no workflow.
//!
//! The hierarchy the seeds describe (who creates or approves whom) is
//! [`policy`]: the implementations store and check passwords; they do not decide
//! who may administer whom, so both keep the same rules.
//!
//! | seed | account | created by | answers to ([`Scope`]) |
//! | --- | --- | --- | --- |
//! | — | national administrator 国家级管理员 | the first by `gazette accounts create-admin`, then national administrators | national |
//! | 004 | regional administrator 地方（省级）管理员 | a national administrator | national |
//! | 002 | unit administrator 单位管理员 (one per unit) | the unit's own registration 单位注册, approved by its superior department 归口管理部门 | the department's region |
//! | 002 | filler 填报人 (一人一号) | the unit administrator | the unit |
//! | 004 | integrity administrator 科研诚信管理员 (several per institution) | the institution's unit administrator | the unit |
//! | 000 | course organiser 培训组织者 | a national administrator | national |
//! | 000 | learner 学员 | self-registration, approved by the responsible department | the chosen region |
//!
//! How a Cognito implementation maps onto this interface:
//! - [`Grant`]s are groups (`role:filler`, `unit:hebei-kjpt-001`, …) or the custom
//!   attributes `custom:role`, `custom:unit`, `custom:region`; the [`Scope`] an
//!   account answers to is `custom:steward`.
//! - [`SignInOutcome::MustChangePassword`] is Cognito's `NEW_PASSWORD_REQUIRED`
//!   challenge; its `challenge` is the challenge's `Session`, given back to
//!   [`Accounts::complete_new_password`] (`RespondToAuthChallenge`).
//! - [`Accounts::create`] is `AdminCreateUser` with the one-time password as
//!   `TemporaryPassword` and `MessageAction=SUPPRESS`: the password is delivered by
//!   the caller through the notification outbox, the same in both places.
//! - The audit log ([`Accounts::audit`]) is not Cognito's: an implementation keeps
//!   it in the store beside the pool (see [`audit`]).

pub mod audit;
pub mod cognito;
pub mod guard;
pub mod local;
pub mod password;
pub mod policy;

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use crate::http::auth::Role;
pub use audit::{AuditEntry, AuditEvent};
pub use local::StoreAccounts;

/// The interface every account store keeps; `Arc<dyn Accounts>` is what the
/// router holds. Every method that changes an account takes `by`, the username of
/// whoever does it (`cli` for the command line, the account itself for a
/// self-registration), and records it in the audit log with the time.
#[async_trait]
pub trait Accounts: Send + Sync + 'static {
    /// Creates an account. `new.pending` → it waits for approval ([`Accounts::approve`])
    /// and no password exists yet (`one_time_password: None`); otherwise it is active
    /// with a random one-time password that must be changed at first sign-in.
    /// Refused: username taken ([`AccountError::UsernameTaken`]), a second unit
    /// administrator of a unit ([`AccountError::UnitHasAdmin`]), a field out of shape.
    async fn create(&self, by: &str, new: NewAccount) -> AccountResult<Created>;

    /// The account, when it exists (read consistently).
    async fn get(&self, username: &str) -> AccountResult<Option<Account>>;

    /// The accounts that answer to `scope`, by username.
    async fn list(&self, scope: &Scope) -> AccountResult<Vec<Account>>;

    /// Checks a password. Wrong ones slow down and then lock the account for a while
    /// ([`policy::LOCKOUT`]); an unknown username is refused exactly like a wrong
    /// password, so the answer never tells whether an account exists.
    async fn sign_in(&self, username: &str, password: &str) -> AccountResult<SignInOutcome>;

    /// Answers [`SignInOutcome::MustChangePassword`]: sets the new password and signs in.
    async fn complete_new_password(
        &self,
        username: &str,
        challenge: &str,
        new_password: &str,
    ) -> AccountResult<Account>;

    /// The account holder changes their own password (the old one checked).
    async fn change_password(&self, username: &str, old_password: &str, new_password: &str) -> AccountResult<()>;

    /// Approves a pending account (单位注册, a learner): it becomes active with a new
    /// one-time password, returned for delivery.
    async fn approve(&self, by: &str, username: &str) -> AccountResult<String>;

    /// Refuses a pending account, with the reason (kept in the audit log).
    async fn reject(&self, by: &str, username: &str, reason: &str) -> AccountResult<()>;

    /// An administrator resets the password: a new one-time password (returned for
    /// delivery), to be changed at the next sign-in; every earlier session ends.
    async fn reset_password(&self, by: &str, username: &str) -> AccountResult<String>;

    /// Adds a role (idempotent).
    async fn add_grant(&self, by: &str, username: &str, grant: Grant) -> AccountResult<Account>;

    /// Removes a role; the right goes at once (sessions check the account on every
    /// request, [`Account::holds`]).
    async fn remove_grant(&self, by: &str, username: &str, grant: &Grant) -> AccountResult<Account>;

    /// Disables (`true`) or enables (`false`) an account; disabling ends its sessions.
    async fn set_disabled(&self, by: &str, username: &str, disabled: bool) -> AccountResult<Account>;

    /// Every change to one account, oldest first.
    async fn audit(&self, username: &str) -> AccountResult<Vec<AuditEntry>>;

    /// Every change to the accounts that answer to `scope`, oldest first: what the
    /// administrator above sees.
    async fn audit_of_scope(&self, scope: &Scope) -> AccountResult<Vec<AuditEntry>>;
}

/// What the router holds.
pub type SharedAccounts = Arc<dyn Accounts>;

/// One role an account holds, with the unit or region it holds it for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    /// 单位代码, for a filler, a unit administrator, an integrity administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// 地区代码, for a regional administrator or a learner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Grant {
    pub fn new(role: Role, unit: Option<&str>, region: Option<&str>) -> Grant {
        Grant { role, unit: unit.map(str::to_owned), region: region.map(str::to_owned) }
    }

    /// "单位管理员（hebei-kjpt-001）": the role and what it is held for.
    pub fn label_zh(&self) -> String {
        match (&self.unit, &self.region) {
            (Some(unit), _) => format!("{}（{unit}）", self.role.label_zh()),
            (None, Some(region)) => format!("{}（{region}）", self.role.label_zh()),
            (None, None) => self.role.label_zh().to_string(),
        }
    }
}

/// Who answers for an account: the administrators of this scope list it, approve,
/// reset and disable it, and read its audit log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "level", content = "code", rename_all = "kebab-case")]
pub enum Scope {
    /// National administrators.
    National,
    /// The regional administrators of a region (the department a unit chose is in it).
    Region(String),
    /// The unit administrator of a unit.
    Unit(String),
}

impl Scope {
    /// `national`, `region:hebei`, `unit:hebei-kjpt-001` — the form kept in keys and
    /// in Cognito's `custom:steward`.
    pub fn key(&self) -> String {
        match self {
            Scope::National => "national".into(),
            Scope::Region(r) => format!("region:{r}"),
            Scope::Unit(u) => format!("unit:{u}"),
        }
    }
}

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// Registered, waiting for its department's approval; cannot sign in.
    Pending,
    /// May sign in.
    Active,
    /// Registration refused; cannot sign in.
    Rejected,
    /// Disabled by an administrator; cannot sign in.
    Disabled,
}

impl AccountStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            AccountStatus::Pending => "待审核",
            AccountStatus::Active => "正常",
            AccountStatus::Rejected => "未通过",
            AccountStatus::Disabled => "已停用",
        }
    }
}

/// An account as the interface shows it (never its password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// 账号: `[a-z0-9._-]{3,64}`, unique, never changes.
    pub username: String,
    /// 姓名 (a person) or 单位名称 (a unit's own registration).
    pub name: String,
    /// Where messages go (one-time passwords, decisions); at least one of the two.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub grants: Vec<Grant>,
    pub status: AccountStatus,
    pub steward: Scope,
    /// The password is a one-time one and must be changed before anything else.
    pub must_change_password: bool,
    /// Raised by a password change or reset and by disabling: a session made under an
    /// earlier epoch is over.
    pub session_epoch: u64,
    /// Stored UTC.
    pub created_at: Timestamp,
    pub created_by: String,
}

/// A mainland mobile number (11 digits, as accounts keep it) in E.164, the form
/// Cognito keeps and SNS sends to: `+86` before the digits; one already in E.164
/// stays as it is.
pub fn e164(phone: &str) -> String {
    if phone.starts_with('+') { phone.to_string() } else { format!("+86{phone}") }
}

impl Account {
    /// Whether the account may act as `grant` right now: active and holding it.
    pub fn holds(&self, grant: &Grant) -> bool {
        self.status == AccountStatus::Active && self.grants.contains(grant)
    }
}

/// What [`Accounts::create`] is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAccount {
    pub username: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub grants: Vec<Grant>,
    pub steward: Scope,
    /// Waits for approval (self-registration) instead of being active at once.
    pub pending: bool,
}

/// What [`Accounts::create`] answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub account: Account,
    /// The one-time password, for delivery through the outbox; `None` while pending.
    pub one_time_password: Option<String>,
}

/// What a right username and password lead to.
#[derive(Debug, Clone, PartialEq)]
pub enum SignInOutcome {
    /// Signed in.
    SignedIn(Account),
    /// The password was a one-time one: a new password first
    /// ([`Accounts::complete_new_password`] with `challenge`).
    MustChangePassword { username: String, challenge: String },
}

/// Why an account operation was refused. Messages are for the person in front of the
/// form; the web layer words them in Chinese ([`AccountError::message_zh`]).
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Unknown username or wrong password — never told apart.
    #[error("the username or password is wrong")]
    WrongPassword,
    /// Too many wrong passwords: wait until `until` (UTC).
    #[error("too many wrong passwords; the account is locked until {until}")]
    Locked { until: Timestamp },
    /// A wrong password shortly after another: wait `seconds` before the next try.
    #[error("wrong passwords in a row; wait {seconds} seconds before trying again")]
    SlowDown { seconds: u64 },
    #[error("the account is waiting for approval")]
    Pending,
    #[error("the account was not approved or is disabled")]
    Inactive,
    #[error("no account {0}")]
    NotFound(String),
    #[error("the username {0} is taken")]
    UsernameTaken(String),
    #[error("unit {0} already has a unit administrator")]
    UnitHasAdmin(String),
    /// A field out of shape: its name and what is wrong, in Chinese.
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// The one-time-password challenge is unknown or expired.
    #[error("the password-change step has expired; sign in again")]
    ChallengeExpired,
    /// Not in the state this step needs (approving an active account …).
    #[error("not possible now: {0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The identity provider failed (Cognito).
    #[error("identity provider failed: {0}")]
    Provider(String),
}

pub type AccountResult<T> = Result<T, AccountError>;

impl AccountError {
    /// The refusal as the person reads it, and the form field at fault, if one is.
    pub fn message_zh(&self) -> (Option<&'static str>, String) {
        use AccountError::*;
        let beijing = |t: &Timestamp| crate::lifecycle::time::shown(*t);
        match self {
            WrongPassword => (Some("password"), "账号或密码不正确。".into()),
            Locked { until } => {
                (None, format!("密码错误次数过多，账号已锁定至 {}（北京时间），请稍后再试。", beijing(until)))
            }
            SlowDown { seconds } => (Some("password"), format!("密码连续错误，请 {seconds} 秒后再试。")),
            Pending => (None, "账号尚待主管部门审核，审核通过后才能登录。".into()),
            Inactive => (None, "账号未通过审核或已停用，请联系管理员。".into()),
            NotFound(name) => (Some("username"), format!("没有账号 {name}。")),
            UsernameTaken(name) => (Some("username"), format!("账号 {name} 已被使用，请换一个。")),
            UnitHasAdmin(unit) => (Some("unit"), format!("单位 {unit} 已有单位管理员：每个单位只设一名。")),
            Invalid { field, message } => (Some(field), message.clone()),
            ChallengeExpired => (None, "修改密码的步骤已过期，请重新登录。".into()),
            Conflict(what) => (None, format!("当前状态下不能这样操作：{what}。")),
            Store(_) | Provider(_) => (None, "账号服务暂时不可用，请稍后再试。".into()),
        }
    }
}
