//! Telling the filler of a decision on their report (seed 002: 审核时可以选择是否短信通知):
//! a text message to the filler's phone when the reviewer chose it, else an e-mail
//! when the filler's account has an address, else nothing. The decision is already
//! stored when this runs: a message that cannot go out is logged, never undoes it.

use crate::accounts::SharedAccounts;
use crate::lifecycle::review::{Action, ReviewStatus};
use crate::notify::{Message, SharedOutbox};

use super::MonthlyReport;

/// Tells whoever last submitted `report` of the decision just recorded on it.
pub(crate) async fn tell_filler(accounts: &SharedAccounts, outbox: Option<&SharedOutbox>, report: &MonthlyReport) {
    let Some(outbox) = outbox else { return };
    let Some(decision) = report.history.last() else { return };
    let Some(filler) = report.history.iter().rev().find(|h| h.action == Action::Submit).map(|h| h.by.clone()) else {
        return;
    };
    let account = match accounts.get(&filler).await {
        Ok(Some(account)) => account,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, account = %filler, "the filler of a decided report cannot be read: not told");
            return;
        }
    };
    let (subject, body) = wording(report, decision.status, decision.comment.as_deref().unwrap_or(""));
    let message = match decision.notify_by_sms {
        Some(true) => Message::by_text(&account, &subject, &body),
        _ => Message::by_email(&account, &subject, &body),
    };
    let Some(message) = message else { return };
    if let Err(e) = outbox.send(message).await {
        tracing::warn!(error = %e, account = %account.username, unit = %report.unit, period = %report.period,
            "the decision on a monthly report could not be sent");
    }
}

/// The subject and body of the message for `status`, with the opinion (审核意见).
fn wording(report: &MonthlyReport, status: ReviewStatus, opinion: &str) -> (String, String) {
    let verdict = match status {
        ReviewStatus::Approved => "已审核通过",
        _ => "已被退回，请按审核意见修改后重新提交",
    };
    let subject =
        format!("{} 月报{}", report.period, if status == ReviewStatus::Approved { "审核通过" } else { "退回" });
    let body =
        format!("{} 平台 {} 的 {} 月报{verdict}。审核意见：{opinion}", report.unit, report.platform, report.period);
    (subject, body)
}
