//! The page templates (in `functions/core/templates/`, compiled in so a Lambda needs
//! no files) and the answers every page shares: a rendered page, a message, an API
//! refusal shown as a page.

use std::sync::LazyLock;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

use crate::http::Role;
use crate::lifecycle::review;

use super::session::Visitor;
use super::{MOUNT, WebState, page_url};
use crate::http::ApiError;

/// `name => file`: the template `name`, read at compile time from `src/<file>`.
macro_rules! templates {
    ($($name:literal => $file:literal),* $(,)?) => {
        [$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/src/", $file)))),*]
    };
}

/// Every page template, beside the code that renders it.
static TEMPLATES: LazyLock<tera::Tera> = LazyLock::new(|| {
    let mut tera = tera::Tera::default();
    crate::lifecycle::time::register_filters(&mut tera);
    tera.add_raw_templates(templates![
        "layout.html" => "web/templates/layout.html",
        "message.html" => "web/templates/message.html",
        "sign_in.html" => "web/templates/sign_in.html",
        "new_password.html" => "web/templates/new_password.html",
        "accounts.html" => "web/templates/accounts.html",
        "register_unit.html" => "web/templates/register_unit.html",
        "register_learner.html" => "web/templates/register_learner.html",
        "outbox.html" => "web/templates/outbox.html",
        "form_page.html" => "web/templates/form_page.html",
        "desk.html" => "web/templates/desk.html",
        "review.html" => "web/templates/review.html",
        "receipt.html" => "workflows/registration/receipt.html",
        "registrations.html" => "workflows/registration/registrations.html",
        "reports.html" => "workflows/monthly_report/reports.html",
        "report.html" => "workflows/monthly_report/report.html",
        "report_part.html" => "workflows/monthly_report/report_part.html",
        "report_check.html" => "workflows/monthly_report/report_check.html",
        "annual_report.html" => "workflows/monthly_report/annual_report.html",
        "region_reports.html" => "workflows/monthly_report/region_reports.html",
        "platforms.html" => "workflows/monthly_report/platforms.html",
        "plans.html" => "workflows/training_plan/plans.html",
        "plan_print.html" => "workflows/training_plan/plan_print.html",
        "case_macros.html" => "casework/case_macros.html",
        "cases.html" => "workflows/typical_case/cases.html",
        "case.html" => "workflows/typical_case/case.html",
        "integrity_cases.html" => "workflows/integrity_case/integrity_cases.html",
        "integrity_case.html" => "workflows/integrity_case/integrity_case.html",
        "my_courses.html" => "workflows/learning/my_courses.html",
        "my_course.html" => "workflows/learning/my_course.html",
        "growth.html" => "workflows/learning/growth.html",
        "learning_stats.html" => "workflows/learning/learning_stats.html",
        "attendance.html" => "workflows/learning/attendance.html",
        "external_list.html" => "workflows/learning/external_list.html",
        "external.html" => "workflows/learning/external.html",
    ])
    .unwrap_or_else(|e| panic!("page templates do not parse: {e:?}"));
    tera
});

/// Renders `template` with `context` (a JSON object) and what every page knows:
/// the visitor, where pages and the API are, and `slug_pattern`, the browser's
/// `pattern` for a unit or platform code (the server's [`review::is_slug`]).
pub fn render(visitor: &Visitor, template: &str, context: Value) -> Response {
    render_status(visitor, StatusCode::OK, template, context)
}

pub fn render_status(visitor: &Visitor, status: StatusCode, template: &str, context: Value) -> Response {
    let mut ctx = match tera::Context::from_value(context) {
        Ok(ctx) => ctx,
        Err(e) => return internal(e),
    };
    ctx.insert("web", &page_url(""));
    ctx.insert("api", MOUNT);
    ctx.insert("slug_pattern", review::SLUG_PATTERN);
    ctx.insert("lang", visitor.lang_tag());
    ctx.insert(
        "visitor",
        &match &visitor.claims {
            Some(c) => json!({
                "signed_in": true,
                "account": c.sub,
                "role": c.role.as_str(),
                "role_label": c.role.label_zh(),
                "unit": c.unit,
                "region": c.region,
            }),
            None => json!({"signed_in": false}),
        },
    );
    match TEMPLATES.render(template, &ctx) {
        Ok(html) => (status, Html(with_anti_forgery(html, visitor.csrf().as_deref()))).into_response(),
        Err(e) => internal(e),
    }
}

fn internal(e: tera::Error) -> Response {
    tracing::error!(error = ?e, "page template failed");
    (StatusCode::INTERNAL_SERVER_ERROR, Html("<!doctype html><title>错误</title><p>页面生成失败，请稍后再试。</p>"))
        .into_response()
}

/// A page that only says something.
pub fn message(visitor: &Visitor, title: &str, text: &str) -> Response {
    message_status(visitor, StatusCode::OK, title, text)
}

pub fn message_status(visitor: &Visitor, status: StatusCode, title: &str, text: &str) -> Response {
    render_status(visitor, status, "message.html", json!({ "title": title, "text": text }))
}

/// Middleware of the pages: a refusal that is no page yet — an extractor's plain
/// text, about a query or form it cannot read — becomes a message page with the
/// same status, in the site's language.
pub async fn in_page_shape(State(web): State<WebState>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(visitor) = Visitor::from_request_parts(&mut parts, &web).await;
    let response = next.run(Request::from_parts(parts, body)).await;
    if !crate::http::error::is_foreign_refusal(&response) {
        return response;
    }
    let status = response.status();
    let (title, text) = match status {
        StatusCode::NOT_FOUND => ("找不到页面", "没有这个页面或记录。"),
        StatusCode::METHOD_NOT_ALLOWED => ("无法打开", "该地址不支持此请求方法。"),
        s if s.is_server_error() => ("出错了", "页面生成失败，请稍后再试。"),
        _ => ("无法打开", "地址中的参数或提交的内容无法读取，请返回上一页重试。"),
    };
    message_status(&visitor, status, title, text)
}

/// A workflow's refusal as a page: not signed in → the sign-in page; otherwise the
/// refusal's own message (the same words the API answers) with its status.
pub fn refusal(visitor: &Visitor, refused: &ApiError) -> Response {
    if refused.status == StatusCode::UNAUTHORIZED {
        return visitor.sign_in_redirect();
    }
    let title = match refused.status {
        StatusCode::NOT_FOUND => "找不到页面",
        StatusCode::FORBIDDEN => "无权访问",
        _ => "无法完成",
    };
    let text =
        if refused.body.error.is_empty() { "请求未能完成，请稍后再试。" } else { &refused.body.error };
    message_status(visitor, refused.status, title, text)
}

/// [`refusal`] for `map_err`: page handlers return `Result<Response, Response>` and
/// end a workflow call with `.map_err(refused(&visitor))?`.
pub fn refused(visitor: &Visitor) -> impl Fn(ApiError) -> Response + '_ {
    move |e| refusal(visitor, &e)
}

/// `s` when it is a path on this site (`/…`, not `//host`): the only places a
/// redirect may lead, so a crafted link cannot send people elsewhere.
pub fn local_path(s: &str) -> Option<String> {
    let ok = s.starts_with('/') && !s.starts_with("//") && !s.contains('\\') && !s.chars().any(char::is_control);
    ok.then(|| s.to_string())
}

/// A JSON string or number as text.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Adds the Chinese names of each step's action and role, for the timeline.
pub fn label_history(history: &mut Value) {
    for step in history.as_array_mut().into_iter().flatten() {
        if let Ok(action) = serde_json::from_value::<crate::lifecycle::review::Action>(step["action"].clone()) {
            step["action_label"] = json!(action.label_zh());
        }
        if let Some(role) = step["role"].as_str().and_then(Role::parse) {
            step["role_label"] = json!(role.label_zh());
        }
    }
}

/// A stored value as a reviewer reads it.
pub fn shown(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(true) => "是".into(),
        Value::Bool(false) => "否".into(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|i| i.get("name").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| shown(i)))
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(o) => o.get("name").and_then(Value::as_str).unwrap_or_default().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_the_site() {
        assert_eq!(local_path("/api/web/").as_deref(), Some("/api/web/"));
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil", "", "web", "/a\nb"] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_template_parses() {
        assert!(TEMPLATES.get_template_names().count() >= 10);
    }
}

/// `html` with the visitor's anti-forgery token as the first control of every
/// `method="post"` form, so no form of any page can be drawn without it (the form
/// posts check it: `gateway::submit`, the sign-in pages).
pub fn with_anti_forgery(html: String, token: Option<&str>) -> String {
    let Some(token) = token else { return html };
    let hidden = format!(r#"<input type="hidden" name="{}" value="{token}">"#, super::session::CSRF_CONTROL);
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<form") {
        let Some(len) = rest[start..].find('>') else { break };
        let tag = &rest[start..start + len + 1];
        out.push_str(&rest[..start + len + 1]);
        if tag.to_ascii_lowercase().contains(r#"method="post""#) {
            out.push_str(&hidden);
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod anti_forgery_tests {
    use super::with_anti_forgery;

    #[test]
    fn every_post_form_gets_the_token_and_get_forms_do_not() {
        let html = r#"<form method="get" action="/s"></form><form class="a" method="post" action="/x"><b></b></form><form method="POST">"#;
        let out = with_anti_forgery(html.to_string(), Some("t0k"));
        assert_eq!(out.matches(r#"name="_csrf" value="t0k""#).count(), 2, "{out}");
        assert!(out.starts_with(r#"<form method="get" action="/s"></form>"#));
        assert_eq!(with_anti_forgery(html.to_string(), None), html);
    }
}
