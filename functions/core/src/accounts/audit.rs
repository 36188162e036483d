//! The audit log of accounts: every change (created, registered, approved,
//! rejected, role added or removed, disabled or enabled, password reset or changed,
//! locked) with who did it and when (stored UTC). Kept in the store by every
//! implementation — Cognito's own event history is not queryable by scope — one item
//! per entry under the account, indexed by the scope the account answers to, so the
//! administrator above reads the changes of every account in their charge.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{AccountResult, Grant, Scope};
use crate::store::{Index, Item, Key, SharedStore, Write};

/// What happened to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum AuditEvent {
    Created,
    Registered,
    Approved,
    Rejected { reason: String },
    GrantAdded { grant: Grant },
    GrantRemoved { grant: Grant },
    Disabled,
    Enabled,
    PasswordReset,
    PasswordChanged,
    Locked { until: Timestamp },
}

impl AuditEvent {
    /// The event as the administrator reads it.
    pub fn label_zh(&self) -> String {
        match self {
            AuditEvent::Created => "创建账号".into(),
            AuditEvent::Registered => "注册（待审核）".into(),
            AuditEvent::Approved => "审核通过".into(),
            AuditEvent::Rejected { reason } => format!("审核未通过：{reason}"),
            AuditEvent::GrantAdded { grant } => format!("授予角色：{}", grant.label_zh()),
            AuditEvent::GrantRemoved { grant } => format!("撤销角色：{}", grant.label_zh()),
            AuditEvent::Disabled => "停用".into(),
            AuditEvent::Enabled => "启用".into(),
            AuditEvent::PasswordReset => "重置密码".into(),
            AuditEvent::PasswordChanged => "修改密码".into(),
            AuditEvent::Locked { until } => {
                format!("密码错误次数过多，锁定至 {}", crate::lifecycle::time::shown(*until))
            }
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub account: String,
    /// Who did it: a username, `cli`, or the account itself.
    pub by: String,
    /// Stored UTC.
    pub at: Timestamp,
    #[serde(flatten)]
    pub event: AuditEvent,
}

impl AuditEntry {
    /// The write that records this entry: `ACCOUNT#{username}` / `AUDIT#{ulid}`, gsi1
    /// `ACCOUNT-AUDIT#{scope}` / `{ulid}` (ULIDs sort by time).
    pub fn write(&self, steward: &Scope) -> Write {
        let id = ulid::Ulid::from_parts(self.at.as_millisecond().max(0) as u64, rand::random()).to_string();
        let data = serde_json::to_value(self).unwrap_or_default();
        Write::Create(Item::new(Key::new(account_pk(&self.account), format!("AUDIT#{id}")), data).with_index(
            Index::Gsi1,
            format!("ACCOUNT-AUDIT#{}", steward.key()),
            id,
        ))
    }
}

/// The partition of an account's items.
pub fn account_pk(username: &str) -> String {
    format!("ACCOUNT#{username}")
}

/// The log of one account, oldest first.
pub async fn of_account(store: &SharedStore, username: &str) -> AccountResult<Vec<AuditEntry>> {
    let items = store.query(&account_pk(username), "AUDIT#").await?;
    Ok(read(items))
}

/// The log of every account that answers to `scope`, oldest first.
pub async fn of_scope(store: &SharedStore, scope: &Scope) -> AccountResult<Vec<AuditEntry>> {
    let items = store.query_index(Index::Gsi1, &format!("ACCOUNT-AUDIT#{}", scope.key())).await?;
    Ok(read(items))
}

fn read(items: Vec<Item>) -> Vec<AuditEntry> {
    items.into_iter().filter_map(|item| serde_json::from_value(item.data).ok()).collect()
}
