//! What every form post does, whichever form: the posted fields → the API's JSON →
//! the one API call its [`FormRoute`] names → a redirect. The route decides the call,
//! the next page and the page for errors; of what a form posts, only these hidden
//! controls are read, and none of them chooses an action or a page:
//!
//! | control | meaning |
//! | --- | --- |
//! | `_version` | the version the page was drawn from, sent as the number `version` |
//! | `_idem` | idempotency key, fixed when the page was drawn, so a double click registers once |
//! | `_action` | which of a page's forms this was, so a refusal is drawn in it again |
//! | `_title`, `_return` | heading and "back to" link of the generic refused-form page |
//!
//! The body is read by [`super::form_body`] (its charset, `filename*`). Files of a
//! multipart post are stored first (upload ticket, then the local upload
//! route) and go in as their records. A refused post is kept as an [`Attempt`] for
//! the visitor who made it, and only for them.
//!
//! With `Accept: application/json` (the page's script) the answer is JSON instead of a
//! redirect: the API's own refusal, or `{"redirect": next}`.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use super::attempt::{self, Attempt};
use super::form_body::{Upload, read_post};
use super::form_route::{FormAccess, FormRoute, Params};
use super::pages::{local_path, message_status};
use super::session::Visitor;
use super::{WebState, page_url};
use crate::http::limit::ClientAddr;

/// The longest path parameter a form route takes: ids and codes are far shorter.
const PARAM_LIMIT: usize = 100;

/// `POST /web{route.path}`: one form post, as `route` says.
pub async fn submit(
    route: &FormRoute,
    State(web): State<WebState>,
    visitor: Visitor,
    ClientAddr(addr): ClientAddr,
    Path(params): Path<Params>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let wants_json = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("json"));
    let refuse = |status: StatusCode, message: &str| {
        if wants_json {
            (status, Json(json!({ "error": message, "fields": {} }))).into_response()
        } else {
            message_status(&visitor, status, "无法提交", message)
        }
    };
    if params.iter().any(|(_, v)| v.len() > PARAM_LIMIT) {
        return refuse(StatusCode::NOT_FOUND, "没有这个记录。");
    }
    if visitor.token.is_none() && route.access == FormAccess::Public {
        if let Err(e) = web.app.rate_limit.check(addr, visitor.lang) {
            return refuse(e.status, &e.body.error);
        }
    }
    let posted = match read_post(request).await {
        Ok(posted) => posted,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &message),
    };
    let controls = Controls(posted.controls);
    let (method, path) = (route.call.0.clone(), route.call_path(&params));
    let schema = route.form.and_then(gazette_forms::schema);
    let part = params.iter().find(|(k, _)| k == "part").map(|(_, v)| v.as_str());

    let mut pairs = posted.fields;
    let mut upload_errors = posted.file_errors;
    for upload in posted.files {
        match store_upload(&web, &visitor, route.form.unwrap_or(""), &upload).await {
            Ok(record) => pairs.push((upload.field, record)),
            Err(message) => upload_errors.push((upload.field, message)),
        }
    }
    let values = match schema {
        Some(schema) => schema.from_form_pairs(&pairs, part),
        None => Value::Object(pairs.iter().filter(|(k, _)| !k.starts_with('_')).cloned().collect::<Map<_, _>>()),
    };

    let answer = if upload_errors.is_empty() {
        let version = controls.get("_version").and_then(|v| v.parse::<u64>().ok());
        let mut body = if route.wrap_values {
            json!({ "version": version.unwrap_or(0), "values": values })
        } else {
            values.clone()
        };
        if let (Some(version), Value::Object(fields)) = (version, &mut body) {
            fields.insert("version".into(), json!(version));
        }
        let body = (method != Method::GET).then_some(&body);
        Some(web.call_with(&visitor, method, &path, body, controls.get("_idem").filter(|k| !k.is_empty())).await)
    } else {
        None
    };

    match answer {
        Some(answer) if answer.is_success() => {
            let next = local_path(&route.next_page(&params, &answer.body)).unwrap_or_else(|| page_url("/"));
            if wants_json {
                Json(json!({ "redirect": next, "result": answer.body })).into_response()
            } else {
                Redirect::to(&next).into_response()
            }
        }
        Some(answer) if answer.status == StatusCode::UNAUTHORIZED && !wants_json => {
            // Back to the form's page after signing in, not to this POST-only address.
            let page = route.form_page(&params).or_else(|| referer_path(&headers)).unwrap_or_else(|| page_url("/"));
            Visitor { here: page, ..visitor }.sign_in_redirect()
        }
        Some(answer) if wants_json => (answer.status, Json(answer.body)).into_response(),
        refused => {
            let (message, mut errors) = match &refused {
                Some(answer) => {
                    let error = answer.error();
                    (error.error, error.fields.into_iter().collect::<Vec<_>>())
                }
                None => ("上传的文件未能保存，请按提示修改后重新提交。".to_string(), Vec::new()),
            };
            errors.extend(upload_errors);
            if wants_json {
                let fields: Map<String, Value> = errors.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
                return (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({ "error": message, "fields": fields })))
                    .into_response();
            }
            let (owner, new_browser) = visitor.owner();
            let attempt = Attempt {
                owner,
                posted_to: visitor.here.clone(),
                form: schema.map(|s| s.id().to_string()),
                part: part.map(str::to_owned),
                values,
                errors,
                message,
                controls: controls.0.clone(),
                expires: 0,
            };
            let Some(token) = attempt::save(&web.app.store, attempt).await else {
                return refuse(StatusCode::SERVICE_UNAVAILABLE, "暂时无法保存您填写的内容，请返回上一页重试。");
            };
            let mut response = Redirect::to(&route.back_page(&params, &token)).into_response();
            if let Some(cookie) = new_browser {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
    }
}

/// `POST /web/check/{form}` — the checks of `form` on what is typed so far, for the
/// page's script to show as you type: `{"fields": {path: message}, "hidden": [path]}`
/// (the fields whose `when` does not hold, for the script to hide), always 200.
/// The same validator as a submission; nothing is stored.
pub async fn check(Path(form): Path<String>, visitor: Visitor, request: Request) -> Response {
    let Some(schema) = gazette_forms::schema(&form) else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "没有这个表单。", "fields": {} }))).into_response();
    };
    let posted = match read_post(request).await {
        Ok(posted) => posted,
        Err(message) => {
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": message, "fields": {} }))).into_response();
        }
    };
    let part = posted.controls.iter().find(|(k, _)| k == "_part").map(|(_, v)| v.as_str()).filter(|p| !p.is_empty());
    let values = schema.from_form_pairs(&posted.fields, part);
    let lang = match visitor.lang {
        crate::http::Lang::Zh => gazette_forms::Lang::Zh,
        crate::http::Lang::En => gazette_forms::Lang::En,
    };
    let fields = match schema.validate(&values, lang) {
        Ok(_) => Default::default(),
        Err(errors) => errors.to_map(),
    };
    Json(json!({ "fields": fields, "hidden": schema.hidden_paths(&values) })).into_response()
}

/// The path of the page the form was on, when the browser says and it is this site's.
fn referer_path(headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let after_scheme = referer.split_once("://").map_or(referer, |(_, rest)| rest);
    let path = &after_scheme[after_scheme.find('/')?..];
    local_path(path)
}

/// The page's controls, in the order posted; the last of a name wins.
struct Controls(Vec<(String, String)>);

impl Controls {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Stores one posted file the way a script would: an upload ticket from the API,
/// then the bytes to the ticket's (local) address. Returns the file's record.
async fn store_upload(web: &WebState, visitor: &Visitor, form: &str, upload: &Upload) -> Result<Value, String> {
    let planned = json!({
        "form": form,
        // `projects[0].plan_document` → `projects.plan_document`: the column, whatever the row.
        "field": column_path(&upload.field),
        "name": upload.name,
        "size": upload.bytes.len(),
        "content_type": upload.content_type,
    });
    let ticket = web.call(visitor, Method::POST, "/case-files", Some(&planned)).await;
    if !ticket.is_success() {
        let error = ticket.error();
        let detail = error.fields.values().next().cloned().unwrap_or(error.error);
        return Err(format!("{}：{detail}", upload.name));
    }
    let url = ticket.body["upload"]["url"].as_str().unwrap_or("");
    let Some(at) = url.find("/uploads/") else {
        return Err(format!("{}：附件存于云端存储时，网页表单暂不能转交文件；请联系平台管理员。", upload.name));
    };
    let stored = web.put_bytes(&url[at..], &upload.content_type, upload.bytes.clone()).await;
    if !stored.is_success() {
        return Err(format!("{}：{}", upload.name, stored.error().error));
    }
    Ok(ticket.body["file"].clone())
}

fn column_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => in_index = true,
            ']' => in_index = false,
            _ if !in_index => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_in_a_group_row_is_ticketed_for_its_column() {
        assert_eq!(column_path("projects[0].plan_document"), "projects.plan_document");
        assert_eq!(column_path("attachments"), "attachments");
    }
}
