//! The outbox on AWS: e-mail through SES (API v2) from one verified sender
//! (`GAZETTE_MAIL_FROM`), text messages through SNS to a mainland mobile number.
//! Nothing is kept here: SES and SNS keep their own delivery logs, so
//! [`Outbox::recent`] answers an empty list and the outbox page says so.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent};

use super::{Channel, Message, NotifyError, Outbox};

/// Sends through SES and SNS.
#[derive(Debug, Clone)]
pub struct AwsOutbox {
    ses: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    /// The sender of every e-mail: an address (or an address of a domain) verified in SES.
    from: String,
}

impl AwsOutbox {
    /// An outbox sending e-mail as `from`, through the services `sdk` reaches.
    pub fn new(sdk: &SdkConfig, from: impl Into<String>) -> AwsOutbox {
        AwsOutbox { ses: aws_sdk_sesv2::Client::new(sdk), sns: aws_sdk_sns::Client::new(sdk), from: from.into() }
    }

    async fn email(&self, message: &Message) -> Result<(), NotifyError> {
        let text = |data: &str| Content::builder().data(data).charset("UTF-8").build().map_err(send_error);
        let simple = aws_sdk_sesv2::types::Message::builder()
            .subject(text(&message.subject)?)
            .body(Body::builder().text(text(&message.body)?).build())
            .build();
        self.ses
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(&message.to).build())
            .content(EmailContent::builder().simple(simple).build())
            .send()
            .await
            .map_err(|e| send_error(aws_sdk_sesv2::error::DisplayErrorContext(e)))?;
        Ok(())
    }

    async fn text_message(&self, message: &Message) -> Result<(), NotifyError> {
        self.sns
            .publish()
            .phone_number(crate::accounts::e164(&message.to))
            .message(sms_text(message))
            .send()
            .await
            .map_err(|e| send_error(aws_sdk_sns::error::DisplayErrorContext(e)))?;
        Ok(())
    }
}

/// A text message has no subject line: the subject heads the body.
fn sms_text(message: &Message) -> String {
    format!("【{}】{}", message.subject, message.body)
}

fn send_error(e: impl std::fmt::Display) -> NotifyError {
    NotifyError::Send(e.to_string())
}

#[async_trait]
impl Outbox for AwsOutbox {
    async fn send(&self, message: Message) -> Result<(), NotifyError> {
        match message.channel {
            Channel::Email => self.email(&message).await?,
            Channel::Sms => self.text_message(&message).await?,
        }
        tracing::info!(channel = ?message.channel, account = ?message.account, "message sent");
        Ok(())
    }

    async fn recent(&self, _limit: usize) -> Result<Vec<Message>, NotifyError> {
        Ok(Vec::new())
    }
}
