//! The case pages: typical cases (典型案例, seed 000) and research-integrity cases
//! (科研诚信案件, seed 004), each drawn from its workflow: a list by status, and one case with its details, its progress
//! (办理进度) and the forms of the steps the visitor may take now. A refused form
//! comes back with `?attempt=…` and is drawn again in the form its `_action` names.
//! The API decides what is allowed; a page only leaves out the forms it would refuse.
//!
//! - `typical.rs` — a province uploads, the organisers approve or return;
//! - `integrity.rs` — national → province → institution, the result, both reviews;
//! - `action_form.rs` — the small forms of one step (approve, return, forward …);
//! - `summary.rs` — a form's answers as a summary list;
//! - here: the routes, the review queue and what both workflows share.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use gazette_forms::{Button, FormRequest, Schema, render_form};
use serde::Deserialize;
use serde_json::{Value, json};

use super::summary::file_link;
use crate::http::Role;
use crate::http::{ApiError, Lang};
pub(crate) use crate::lifecycle::time::{machine_text as machine_time, shown_text as when};
use crate::validation::region_label;
use crate::web::attempt::{self, Attempt};
use crate::web::pages::{self, refusal, text};
use crate::web::session::Visitor;
use crate::web::{WebState, page_url};

pub(crate) const ZH: gazette_forms::Lang = gazette_forms::Lang::Zh;

/// What the case pages take in their query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    /// List filter: a status of the workflow.
    pub(crate) status: Option<String>,
    /// A refused submission to draw again.
    pub(crate) attempt: Option<String>,
    /// What the visitor just did (a redirect after success), to say it worked.
    pub(crate) done: Option<String>,
    /// The file asked for (download routes).
    pub(crate) key: Option<String>,
}

/// Where the visitor sits in the case workflows, as the API's `case_actor` sees them:
/// it decides which forms a page offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seat<'a> {
    National,
    Organiser,
    Province(&'a str),
    Institution(&'a str),
    Other,
}

pub(crate) fn seat(visitor: &Visitor) -> Seat<'_> {
    match (visitor.role(), visitor.region(), visitor.unit()) {
        (Some(Role::NationalAdmin), ..) => Seat::National,
        (Some(Role::Organiser), ..) => Seat::Organiser,
        (Some(Role::RegionalAdmin), Some(region), _) if !region.is_empty() => Seat::Province(region),
        (Some(Role::UnitAdmin), _, Some(unit)) if !unit.is_empty() => Seat::Institution(unit),
        _ => Seat::Other,
    }
}

// ---- what the pages show --------------------------------------------------------------

/// The case's `history`, oldest first, as the timeline shows it.
pub(crate) fn timeline(
    case: &Value,
    action: fn(&str, &Value) -> String,
    status: fn(&str) -> String,
    file_href: &dyn Fn(&str) -> String,
) -> Vec<Value> {
    let steps = case.get("history").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    steps
        .iter()
        .map(|step| {
            let by = step.get("by").cloned().unwrap_or(Value::Null);
            let to = step.get("to").and_then(Value::as_str).map(|to| {
                if step.get("action").and_then(Value::as_str) == Some("dispatch") {
                    region_label(to, Lang::Zh)
                } else {
                    to.to_owned()
                }
            });
            let at = text(&step["at"]).unwrap_or_default();
            json!({
                "action": action(&text(&step["action"]).unwrap_or_default(), &by),
                "who": who(&by),
                "account": text(&by["id"]).unwrap_or_default(),
                "at": when(&at),
                "datetime": machine_time(&at),
                "status": status(&text(&step["status"]).unwrap_or_default()),
                "note": step.get("note").and_then(Value::as_str),
                "to": to,
                "letter": step.get("letter").and_then(|l| file_link(l, file_href)),
            })
        })
        .collect()
}

/// Who did a step, by their place in the chain.
pub(crate) fn who(by: &Value) -> String {
    match by.get("level").and_then(Value::as_str).unwrap_or("") {
        "national" => "国家级管理员".to_owned(),
        "organiser" => "主办单位".to_owned(),
        "province" => format!("省级管理员（{}）", region_label(&text(&by["region"]).unwrap_or_default(), Lang::Zh)),
        "institution" => format!("机构管理员（{}）", text(&by["unit"]).unwrap_or_default()),
        other => other.to_owned(),
    }
}

/// The status filter links of a list: 全部 first.
pub(crate) fn filters<'a>(
    path: &str,
    statuses: impl Iterator<Item = (&'a str, &'a str)>,
    current: Option<&str>,
) -> Vec<Value> {
    let mut links = vec![json!({ "label": "全部", "href": page_url(path), "current": current.is_none() })];
    links.extend(statuses.map(|(value, label)| {
        json!({
            "label": label,
            "href": page_url(&format!("{path}?status={value}")),
            "current": current == Some(value),
        })
    }));
    links
}

/// Said at the top of a page after a step went through.
pub(crate) fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "uploaded" => "案例已上传。",
        "approved" => "已审核通过。",
        "closed" => "已审核通过，案件办结。",
        "returned" => "已退回修改。",
        "resubmitted" => "已修改并重新提交。",
        "registered" => "案件已登记。",
        "dispatched" => "已发送至省级办理。",
        "dispatched_many" => "已批量发送。",
        "imported" => "撤稿论文已导入。",
        "forwarded" => "已转办至机构。",
        "taken_over" => "已由本级代机构填写，请填写办理结果。",
        "sent_back" => "已退回上级。",
        "saved" => "办理结果已保存。",
        "submitted" => "办理结果已提交。",
        "withdrawn" => "已撤回审核决定，可重新审核。",
        _ => return None,
    })
}

// ---- plumbing -------------------------------------------------------------------------

/// A form drawn from its schema, posting to the form route `action`. `novalidate` for a draft
/// saved in parts: the browser must not hold back a save for a field required only at
/// submission, so its own checks are off and the server's messages come back in place.
pub(crate) fn schema_form(
    schema: &Schema,
    action: &str,
    values: &Value,
    errors: &[(String, String)],
    hidden: Vec<(String, String)>,
    buttons: Vec<Button>,
    novalidate: bool,
) -> String {
    render_form(&FormRequest {
        schema,
        lang: ZH,
        action,
        hidden,
        part: None,
        values,
        errors,
        buttons,
        novalidate,
        part_url: None,
    })
}

pub(crate) fn controls(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The refused submission of `?attempt=`, whichever form of the page it came from.
pub(crate) async fn refused_attempt(web: &WebState, visitor: &Visitor, q: &PageQuery) -> Option<Attempt> {
    attempt::load(&web.app.store, q.attempt.as_deref()?, visitor).await
}

/// The key that makes a double click register once: the page's own, or the refused
/// attempt's when the form is shown again.
pub(crate) fn idempotency_key(attempt: Option<&Attempt>) -> String {
    attempt
        .and_then(|a| a.control("_idem"))
        .filter(|k| !k.is_empty())
        .map_or_else(|| ulid::Ulid::new().to_string(), str::to_owned)
}

/// Sends the browser to a short-lived link to a case file, or shows why not
/// (without a session: the sign-in page).
pub(crate) fn file_redirect(visitor: &Visitor, url: Result<String, ApiError>) -> Response {
    match url {
        Ok(url) => Redirect::to(&url).into_response(),
        Err(e) => refusal(visitor, &e),
    }
}

pub(crate) fn no_schema(visitor: &Visitor) -> Response {
    tracing::error!("a case form schema is not compiled in");
    pages::message_status(visitor, StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败", "表单定义缺失，请联系管理员。")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_known_done_says_anything() {
        assert!(done_message(Some("saved")).is_some());
        assert_eq!(done_message(Some("<script>")), None);
    }
}
