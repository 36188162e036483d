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
//! | `_add_row`, `_remove_row` | a group's button: add a row to it, or remove one |
//! | `_csrf` | the visitor's anti-forgery token ([`Visitor::csrf`]), written into every post form of a page |
//!
//! A post of a group's button ("add a row", "remove") calls nothing: what was typed
//! is kept as an attempt without errors, with the row added or removed, and the form's
//! page (from the route, as for a refusal) draws it again.
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
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{Map, Value, json};

use super::attempt::{self, Attempt};
use super::form_body::{Limits, Upload, read_post};
use super::form_route::{FormAccess, FormCall, FormRoute, Params};
use super::pages::{local_path, message_status};
use super::session::{CSRF_CONTROL, Visitor};
use super::{WebState, page_url};
use crate::casework::api::{attachment_error, upload_ticket};
use crate::http::extract::JsonBody;
use crate::http::limit::ClientAddr;
use crate::http::{ApiError, ErrorBody};
use crate::lifecycle::IdempotencyKey;

/// The refusal of a form whose anti-forgery token is not the visitor's.
pub const FORGED: &str = "表单已失效或并非从本站提交：请回到本站页面重新填写后提交。";

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
    // Signed in or not, a public form counts against the address's limit.
    if route.access == FormAccess::Public {
        if let Err(e) = web.app.rate_limit.check(addr, visitor.lang) {
            return refuse(e.status, &e.body.error);
        }
    }
    let schema = route.form.and_then(gazette_forms::schema);
    // Files posted to S3 storage travel through Lambda (its 6 MB request limit).
    let through_lambda = matches!(web.app.files, Some(crate::http::Files::Remote(_)));
    let posted = match read_post(request, Limits::of(schema).through_lambda(through_lambda)).await {
        Ok(posted) => posted,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &message),
    };
    let controls = Controls(posted.controls);
    // Forgery: a post is the visitor's own when it carries their anti-forgery token,
    // or when the browser says it came from this origin's pages (Fetch Metadata or
    // `Origin`) — the static site's pages carry no token: a course's registration, a
    // lesson's progress. A signed-in form that is neither is refused; a public one
    // acts as nobody signed in.
    let own_page = crate::http::origin::from_own_pages(&headers);
    let forged = !visitor.csrf_matches(controls.get(CSRF_CONTROL)) && !own_page;
    if forged && route.access == FormAccess::SignedIn && visitor.claims.is_some() {
        return refuse(StatusCode::FORBIDDEN, FORGED);
    }
    let visitor = if forged { visitor.anonymous() } else { visitor };
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

    if let Some(edit) = row_edit(&controls) {
        let mut values = values;
        if let Some(schema) = schema {
            schema.edit_rows(&mut values, edit);
        }
        let kept = Attempt {
            values,
            errors: upload_errors,
            message: String::new(),
            ..attempt_of(&visitor, schema, part, &controls)
        };
        return keep(&web, &visitor, route, &params, kept, wants_json).await;
    }

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
        let idempotency = controls.get("_idem").and_then(IdempotencyKey::parse);
        let call = FormCall {
            app: web.app.clone(),
            visitor: visitor.clone(),
            lang: visitor.lang,
            params: params.clone(),
            body,
            idempotency,
        };
        Some(Answer::of((route.call)(call).await).await)
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
            let refused = Attempt { values, errors, message, ..attempt_of(&visitor, schema, part, &controls) };
            keep(&web, &visitor, route, &params, refused, false).await
        }
    }
}

/// The group button a post was made with, if any (see [`gazette_forms::RowEdit`]).
fn row_edit(controls: &Controls) -> Option<gazette_forms::RowEdit<'_>> {
    use gazette_forms::{ADD_ROW, REMOVE_ROW, RowEdit};
    controls.get(ADD_ROW).map(RowEdit::Add).or_else(|| controls.get(REMOVE_ROW).map(RowEdit::Remove))
}

/// An attempt of `visitor` at the form `schema` (the `part` of it), with the page's
/// controls, to be filled with what was posted.
fn attempt_of(
    visitor: &Visitor,
    schema: Option<&gazette_forms::Schema>,
    part: Option<&str>,
    controls: &Controls,
) -> Attempt {
    Attempt {
        owner: String::new(),
        posted_to: visitor.here.clone(),
        form: schema.map(|s| s.id().to_string()),
        part: part.map(str::to_owned),
        controls: controls.0.clone(),
        ..Attempt::default()
    }
}

/// Keeps `attempt` for `visitor` and sends them to the page that draws its form
/// again (the route's, with `?attempt=`): a refusal, or a row added or removed.
async fn keep(
    web: &WebState,
    visitor: &Visitor,
    route: &FormRoute,
    params: &Params,
    attempt: Attempt,
    wants_json: bool,
) -> Response {
    let (owner, new_browser) = visitor.owner();
    let Some(token) = attempt::save(&web.app.store, Attempt { owner, ..attempt }).await else {
        let message = "暂时无法保存您填写的内容，请返回上一页重试。";
        return if wants_json {
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": message, "fields": {} }))).into_response()
        } else {
            message_status(visitor, StatusCode::SERVICE_UNAVAILABLE, "无法提交", message)
        };
    };
    let back = route.back_page(params, &token);
    let mut response = if wants_json {
        Json(json!({ "redirect": back })).into_response()
    } else {
        Redirect::to(&back).into_response()
    };
    if let Some(cookie) = new_browser {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /web/check/{form}` — the checks of `form` on what is typed so far, for the
/// page's script to show as you type: `{"fields": {path: message}, "hidden": [path]}`
/// (the fields whose `when` does not hold, for the script to hide), always 200.
/// The same validator as a submission; nothing is stored.
pub async fn check(Path(form): Path<String>, visitor: Visitor, request: Request) -> Response {
    let Some(schema) = gazette_forms::schema(&form) else {
        return (StatusCode::NOT_FOUND, Json(json!({ "error": "没有这个表单。", "fields": {} }))).into_response();
    };
    let posted = match read_post(request, Limits::of(Some(schema))).await {
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

/// Stores one posted file the way a script would: an upload ticket from the
/// endpoint that grants them (its checks of type and size), then the bytes to the
/// ticket's address — the local upload route or S3's presigned URL. Returns the
/// file's record.
async fn store_upload(web: &WebState, visitor: &Visitor, form: &str, upload: &Upload) -> Result<Value, String> {
    let planned = json!({
        "form": form,
        // `projects[0].plan_document` → `projects.plan_document`: the column, whatever the row.
        "field": column_path(&upload.field),
        "name": upload.name,
        "size": upload.bytes.len(),
        "content_type": upload.content_type,
    });
    let caller = visitor.caller().map_err(|e| format!("{}：{}", upload.name, e.body.error))?;
    let ticket = Answer::of(upload_ticket(State(web.app.clone()), caller, visitor.lang, JsonBody(planned)).await).await;
    if !ticket.is_success() {
        let error = ticket.error();
        let detail = error.fields.values().next().cloned().unwrap_or(error.error);
        return Err(format!("{}：{detail}", upload.name));
    }
    let upload_ticket = crate::attachments::UploadTicket::from_json(&ticket.body["upload"]);
    let (Some(files), Some(upload_ticket)) = (web.app.files.as_ref(), upload_ticket) else {
        return Err(format!("{}：附件存储未配置，暂不能上传附件。", upload.name));
    };
    match files.attachments().deliver(&upload_ticket, upload.bytes.clone()).await {
        Ok(()) => Ok(ticket.body["file"].clone()),
        Err(e) => Err(format!("{}：{}", upload.name, attachment_error(e, visitor.lang).body.error)),
    }
}

/// What an action answered: its status and JSON body (`Null` when it had none).
struct Answer {
    status: StatusCode,
    body: Value,
}

impl Answer {
    async fn of(result: Result<Response, ApiError>) -> Answer {
        match result {
            Ok(response) => {
                let status = response.status();
                let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.unwrap_or_default();
                Answer { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
            }
            Err(e) => Answer { status: e.status, body: serde_json::to_value(e.body).unwrap_or(Value::Null) },
        }
    }

    fn is_success(&self) -> bool {
        self.status.is_success()
    }

    /// The refusal's `{error, fields}`.
    fn error(&self) -> ErrorBody {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|_| ErrorBody { error: String::new(), fields: Default::default() })
    }
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
