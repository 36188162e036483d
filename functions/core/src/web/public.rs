//! Pages anyone may see: a refused form shown again, a page that does not exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use gazette_forms::{FormRequest, render_form};
use serde_json::json;

use super::WebState;
use super::attempt::{self, Attempt};
use super::pages;
use super::session::Visitor;

/// The form of an attempt, filled in as it was posted and with its errors, posting
/// the same way again. Pages that draw their own forms call this with their schema.
pub fn form_html(attempt: &Attempt, schema: &gazette_forms::Schema, lang: gazette_forms::Lang, submit: &str) -> String {
    let hidden: Vec<(String, String)> = attempt.controls.clone();
    let errors = attempt.field_errors();
    render_form(&FormRequest {
        schema,
        lang,
        action: &attempt.posted_to,
        hidden,
        part: attempt.part.as_deref(),
        values: &attempt.values,
        errors: &errors,
        buttons: vec![gazette_forms::Button::submit(submit)],
        novalidate: false,
        part_url: None,
    })
}

/// `GET /web/form/{attempt}` — a refused form, again.
pub async fn refused_form(State(web): State<WebState>, visitor: Visitor, Path(token): Path<String>) -> Response {
    let Some(attempt) = attempt::load(&web.app.store, &token, &visitor).await else {
        return pages::message_status(
            &visitor,
            StatusCode::NOT_FOUND,
            "内容已过期",
            "这次填写的内容已不再保留（保留一小时，且只向填写人本人显示）。请回到原页面重新填写。",
        );
    };
    let schema = attempt.form.as_deref().and_then(gazette_forms::schema);
    let form = schema.map(|s| form_html(&attempt, s, gazette_forms::Lang::Zh, "重新提交"));
    let title = attempt
        .control("_title")
        .map(str::to_owned)
        .or_else(|| schema.map(|s| s.title(gazette_forms::Lang::Zh).to_string()))
        .unwrap_or_else(|| "提交未成功".into());
    // A refusal that is one field's message (an e-mail already registered) is said once, at the field.
    let message = Some(&attempt.message).filter(|m| form.is_none() || attempt.errors.iter().all(|(_, e)| e != *m));
    pages::render_status(
        &visitor,
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_page.html",
        json!({
            "title": title,
            "message": message,
            "form": form,
            "return": attempt.control("_return").and_then(pages::local_path),
        }),
    )
}

/// `/web/…` that is no page.
pub async fn not_found(visitor: Visitor) -> Response {
    pages::message_status(&visitor, StatusCode::NOT_FOUND, "找不到页面", "没有这个页面。请检查地址，或从工作台进入。")
}

/// A code or id as a path segment: only the characters codes and ids use pass, so
/// nothing typed into an address can change the path it is put in.
pub fn path_segment(segment: &str) -> String {
    segment.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect()
}
