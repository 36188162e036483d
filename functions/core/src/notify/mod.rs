//! The notification outbox: messages to people — a new account's one-time password,
//! a registration approved or refused, a report returned or approved — through one
//! interface ([`Outbox`]). Locally ([`DirOutbox`]) every message is a JSON file in
//! the data directory, listed on the administrators' outbox page in development; on
//! AWS ([`AwsOutbox`]) e-mail goes through SES and text messages through SNS. Without
//! an outbox configured, what needs a message (a one-time password) is refused rather
//! than lost. A leaf: it knows no workflow.

mod aws;

pub use aws::AwsOutbox;

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 电子邮件 (SES on AWS).
    Email,
    /// 短信 (SNS on AWS) — seed 002 lets the reviewer choose to send one.
    Sms,
}

impl Channel {
    pub fn label_zh(self) -> &'static str {
        match self {
            Channel::Email => "电子邮件",
            Channel::Sms => "短信",
        }
    }
}

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub channel: Channel,
    /// An e-mail address or a mobile number.
    pub to: String,
    /// The account it is for, when it is for one (the outbox page filters by it).
    pub account: Option<String>,
    pub subject: String,
    pub body: String,
    /// When it was handed to the outbox, UTC.
    pub at: Timestamp,
}

impl Message {
    /// A message to an account by e-mail when it has an address, else by text.
    pub fn to_account(account: &crate::accounts::Account, subject: &str, body: &str) -> Option<Message> {
        Message::by_email(account, subject, body).or_else(|| Message::by_text(account, subject, body))
    }

    /// An e-mail to the account, when it has an address.
    pub fn by_email(account: &crate::accounts::Account, subject: &str, body: &str) -> Option<Message> {
        Some(Message::new(Channel::Email, account.email.as_ref()?, account, subject, body))
    }

    /// A text message to the account's mobile number, when it has one.
    pub fn by_text(account: &crate::accounts::Account, subject: &str, body: &str) -> Option<Message> {
        Some(Message::new(Channel::Sms, account.phone.as_ref()?, account, subject, body))
    }

    fn new(channel: Channel, to: &str, account: &crate::accounts::Account, subject: &str, body: &str) -> Message {
        Message {
            channel,
            to: to.into(),
            account: Some(account.username.clone()),
            subject: subject.into(),
            body: body.into(),
            at: Timestamp::now(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("the message could not be written to {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("the message could not be sent: {0}")]
    Send(String),
}

/// Where messages go.
#[async_trait]
pub trait Outbox: Send + Sync + 'static {
    /// Hands one message over for delivery.
    async fn send(&self, message: Message) -> Result<(), NotifyError>;
    /// The messages handed over, newest first (the development page); an
    /// implementation that keeps none answers an empty list.
    async fn recent(&self, limit: usize) -> Result<Vec<Message>, NotifyError>;
}

pub type SharedOutbox = Arc<dyn Outbox>;

/// The local outbox: one JSON file per message in a directory
/// (`$DATA_DIR/outbox/{ulid}.json`), written whole or not at all.
#[derive(Debug, Clone)]
pub struct DirOutbox {
    dir: PathBuf,
}

impl DirOutbox {
    pub fn new(dir: impl Into<PathBuf>) -> DirOutbox {
        DirOutbox { dir: dir.into() }
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

#[async_trait]
impl Outbox for DirOutbox {
    async fn send(&self, message: Message) -> Result<(), NotifyError> {
        let id = ulid::Ulid::from_parts(message.at.as_millisecond().max(0) as u64, rand::random()).to_string();
        let path = self.dir.join(format!("{id}.json"));
        let partial = self.dir.join(format!(".{id}.json.part"));
        let body = serde_json::to_vec_pretty(&message).unwrap_or_default();
        let write = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&partial, body).await?;
            tokio::fs::rename(&partial, &path).await
        };
        write.await.map_err(|source| NotifyError::Write { path, source })?;
        tracing::info!(channel = ?message.channel, account = ?message.account, "message written to the outbox");
        Ok(())
    }

    async fn recent(&self, limit: usize) -> Result<Vec<Message>, NotifyError> {
        let mut names = Vec::new();
        let mut entries = match tokio::fs::read_dir(&self.dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(NotifyError::Write { path: self.dir.clone(), source }),
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") && !name.starts_with('.') {
                names.push(name);
            }
        }
        names.sort_unstable_by(|a, b| b.cmp(a));
        let mut messages = Vec::new();
        for name in names.into_iter().take(limit) {
            if let Ok(bytes) = tokio::fs::read(self.dir.join(&name)).await
                && let Ok(message) = serde_json::from_slice(&bytes)
            {
                messages.push(message);
            }
        }
        Ok(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_are_files_listed_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = DirOutbox::new(dir.path().join("outbox"));
        assert!(outbox.recent(10).await.unwrap().is_empty());
        for (i, subject) in ["一", "二"].into_iter().enumerate() {
            let at = Timestamp::from_second(1_700_000_000 + i as i64).unwrap();
            let message = Message {
                channel: Channel::Email,
                to: "a@example.cn".into(),
                account: Some("li.si".into()),
                subject: subject.into(),
                body: "正文".into(),
                at,
            };
            outbox.send(message).await.unwrap();
        }
        let listed: Vec<_> = outbox.recent(10).await.unwrap().into_iter().map(|m| m.subject).collect();
        assert_eq!(listed, ["二", "一"]);
        assert_eq!(std::fs::read_dir(dir.path().join("outbox")).unwrap().count(), 2, "no partial files are left");
    }
}
