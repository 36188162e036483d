//! The outbox on AWS against moto's server: e-mail through SES from a verified
//! sender, text messages through SNS to the number in E.164, read back from moto's
//! record of what was sent (`/moto-api/data.json`). An unverified sender is refused,
//! as SES refuses it.

use gazette_core::notify::{AwsOutbox, Channel, Message, Outbox};
use serde_json::Value;

use crate::attachments::http;
use crate::support::moto;

fn message(channel: Channel, to: &str, subject: &str) -> Message {
    Message {
        channel,
        to: to.into(),
        account: Some("li.si".into()),
        subject: subject.into(),
        body: "您的账号 li.si 已开通。一次性密码：Abc123456789".into(),
        at: jiff::Timestamp::now(),
    }
}

/// What moto recorded of one service's model (`ses` `Message`, `sns` `SMS`).
async fn sent(endpoint: &str, service: &str, model: &str) -> Vec<Value> {
    let (status, body) = http("GET", &format!("{endpoint}/moto-api/data.json"), &[], b"").await;
    assert_eq!(status, 200);
    let data: Value = serde_json::from_slice(&body).expect("moto's data.json");
    data[service][model].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn e_mail_goes_through_ses_from_the_verified_sender_and_texts_through_sns() {
    let Some(moto) = moto() else { return };
    let sdk = gazette_core::aws::local_sdk_config(&moto.endpoint);
    let from = format!("noreply-{}@kjgl.example.org", ulid::Ulid::new().to_string().to_lowercase());
    let outbox = AwsOutbox::new(&sdk, &from);
    let to = format!("{}@example.cn", ulid::Ulid::new().to_string().to_lowercase());

    let refused = outbox.send(message(Channel::Email, &to, "账号开通")).await;
    assert!(refused.is_err(), "SES refuses a sender that is not verified");

    let ses = aws_sdk_sesv2::Client::new(&sdk);
    ses.create_email_identity().email_identity(&from).send().await.expect("verify the sender on moto");
    outbox.send(message(Channel::Email, &to, "账号开通")).await.expect("e-mail sent");
    let mails: Vec<_> = sent(&moto.endpoint, "ses", "Message")
        .await
        .into_iter()
        .filter(|m| m["destinations"]["ToAddresses"][0] == to.as_str())
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["source"], from.as_str());
    assert_eq!(mails[0]["subject"], "账号开通");
    assert!(mails[0]["body"].as_str().unwrap().contains("Abc123456789"));

    let phone = format!("139{:08}", rand::random::<u32>() % 100_000_000);
    outbox.send(message(Channel::Sms, &phone, "月报退回")).await.expect("text sent");
    let texts: Vec<_> = sent(&moto.endpoint, "sns", "SMS")
        .await
        .into_iter()
        .filter(|m| m["phone_number"] == format!("+86{phone}").as_str())
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert_eq!(texts[0]["message"], "【月报退回】您的账号 li.si 已开通。一次性密码：Abc123456789");
}
