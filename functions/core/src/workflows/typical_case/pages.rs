//! Typical cases (典型案例, seed 000): a province uploads a case of its region
//! (`case-upload`), the organisers approve it or return it with a comment, the
//! province corrects and resubmits it; an approved case is exported as site content.
//! The pages serve every kind of regional upload ([`UploadPages`]): local policies too.

use super::api::{self, UploadEndpoints, case_files, typical_view};
use super::{CaseStep, CaseUpload, Publishable, allowed, takes_part};
use crate::casework::api::{case_error, download_url};
use crate::http::extract::Path as ApiPath;
use crate::http::extract::{Idempotency, JsonBody};
use crate::validation;
use crate::web::form_route::form_action;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use gazette_forms::{Button, Schema};
use serde_json::{Map, Value, json};

use crate::casework::action_form::{ActionField, ActionForm};
use crate::casework::pages::{
    PageQuery, Seat, ZH, controls, done_message, file_redirect, filters, idempotency_key, machine_time, no_schema,
    refused_attempt, schema_form, seat, timeline, when,
};
use crate::casework::summary::summary_rows;
use crate::web::attempt::Attempt;
use crate::web::desk::{Queue, QueueRow, Task};
use crate::web::form_route::FormRoute;
use crate::web::pages::{self, refusal, refused};
use crate::web::public::path_segment;
use crate::web::session::{SignedIn, Visitor};
use crate::web::{PageRoute, WebState, page_url, query_value};
use crate::workflows::TypicalCaseStatus;

const CASE_UPLOAD: &str = "case-upload";

/// Where the pages of a kind of regional upload are, and what they call it.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct UploadPaths {
    /// The list, `/cases`; then the form, one upload, one file.
    #[serde(skip)]
    pub list: &'static str,
    #[serde(skip)]
    pub new: &'static str,
    #[serde(skip)]
    pub one: &'static str,
    #[serde(skip)]
    pub file: &'static str,
    /// The form posts: upload, resubmit, approve, return (`/act/typical-cases…`).
    #[serde(skip)]
    pub act: [&'static str; 4],
    /// Where each post leads: `{one}?done=…`.
    #[serde(skip)]
    pub next: [&'static str; 4],
    /// The form schema.
    #[serde(skip)]
    pub form: &'static str,
    /// 典型案例 — the list's title.
    pub name: &'static str,
    /// 案例 — one of them.
    pub thing: &'static str,
    /// 案例标题 — the title column.
    pub title: &'static str,
    /// 上传典型案例
    pub upload: &'static str,
    /// The list's lead paragraph.
    pub lead: &'static str,
    /// The two columns of the list after the region.
    pub columns: [&'static str; 2],
    /// Who reviews, and who may upload, as the pages say it.
    #[serde(skip)]
    pub approve_intro: &'static str,
    /// 主办单位 — who reviews, as the status explains it.
    #[serde(skip)]
    pub reviewer: &'static str,
    #[serde(skip)]
    pub only_provinces: &'static str,
    #[serde(skip)]
    pub queue: (&'static str, &'static str, &'static str, &'static str),
}

/// What the pages need of a kind of regional upload.
pub trait UploadPages: UploadEndpoints + Publishable {
    const PAGES: UploadPaths;
    /// The list's two kind-specific cells.
    fn columns(&self, lang: crate::http::Lang) -> [String; 2];
    /// A new upload's values: a case starts in the uploader's region.
    fn new_values(region: &str) -> Value;
    /// The queue row's detail.
    fn detail(&self, lang: crate::http::Lang) -> String;
}

impl UploadPages for CaseUpload {
    const PAGES: UploadPaths = UploadPaths {
        list: "/cases",
        new: "/cases/new",
        one: "/cases/{id}",
        file: "/cases/{id}/file",
        act: [
            "/act/typical-cases",
            "/act/typical-cases/{id}/resubmit",
            "/act/typical-cases/{id}/approve",
            "/act/typical-cases/{id}/return",
        ],
        next: [
            "/cases/{id}?done=uploaded",
            "/cases/{id}?done=resubmitted",
            "/cases/{id}?done=approved",
            "/cases/{id}?done=returned",
        ],
        form: CASE_UPLOAD,
        name: "典型案例",
        thing: "案例",
        title: "案例标题",
        upload: "上传典型案例",
        lead: "地方管理员上传本地区的典型案例，主办单位审核；审核通过的案例导出后在网站“典型案例”栏目发布。",
        columns: ["类别", "提供单位"],
        approve_intro: "案例内容无误的，审核通过后即可导出为网站内容发布。",
        reviewer: "主办单位",
        only_provinces: "只有地方（省级）管理员可以上传本地区的典型案例。",
        queue: ("典型案例：待审核", "没有待审核的典型案例。", "典型案例：退回修改", "没有退回修改的典型案例。"),
    };

    fn columns(&self, lang: crate::http::Lang) -> [String; 2] {
        [validation::case_label("category", &self.category, lang), self.provider.clone()]
    }

    fn new_values(region: &str) -> Value {
        json!({ "region": region })
    }

    fn detail(&self, lang: crate::http::Lang) -> String {
        [validation::case_label("region", &self.region, lang), self.provider.clone()].join(" · ")
    }
}

/// The typical-case pages, for signed-in visitors.
pub fn pages() -> Vec<PageRoute> {
    upload_pages::<CaseUpload>()
}

/// The pages of a kind of regional upload, for signed-in visitors.
pub fn upload_pages<U: UploadPages>() -> Vec<PageRoute> {
    let at = U::PAGES;
    vec![
        PageRoute::signed_in(at.list, get(list::<U>)),
        PageRoute::signed_in(at.new, get(upload_form::<U>)),
        PageRoute::signed_in(at.one, get(page::<U>)),
        PageRoute::signed_in(at.file, get(file::<U>)),
    ]
}

/// Where the typical-case forms post, and what each post does.
pub fn form_routes() -> Vec<FormRoute> {
    upload_form_routes::<CaseUpload>()
}

/// Where the forms of a kind of regional upload post, and what each post does.
pub fn upload_form_routes<U: UploadPages>() -> Vec<FormRoute> {
    let at = U::PAGES;
    vec![
        FormRoute::new(
            at.act[0],
            form_action!(c => api::upload_typical::<U>(State(c.app.clone()), c.caller()?, c.lang, Idempotency(c.idempotency), JsonBody(c.body)).await),
            at.next[0],
        )
        .back(Some(at.new))
        .form(at.form),
        FormRoute::new(
            at.act[1],
            form_action!(c => api::resubmit_typical::<U>(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), Idempotency(c.idempotency), JsonBody(c.body)).await),
            at.next[1],
        )
        .back(Some(at.one))
        .form(at.form),
        FormRoute::new(
            at.act[2],
            form_action!(c => api::approve_typical::<U>(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?)).await),
            at.next[2],
        )
        .back(Some(at.one)),
        FormRoute::new(
            at.act[3],
            form_action!(c => api::return_typical::<U>(State(c.app.clone()), c.caller()?, c.lang, ApiPath(c.param("id")?), JsonBody(c.body)).await),
            at.next[3],
        )
        .back(Some(at.one)),
    ]
}

/// `/cases/{id}` with the id in it.
fn with_id(path: &str, id: &str) -> String {
    page_url(&path.replace("{id}", &path_segment(id)))
}

/// `GET /web/cases` — the uploads of the kind the visitor may see, by status.
pub(crate) async fn list<U: UploadPages>(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<PageQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let at = U::PAGES;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).map_err(refused(&visitor))?;
    let status = q.status.as_deref().and_then(TypicalCaseStatus::parse);
    let cases = U::service(&web.app).list(&actor, status).await.map_err(|e| refusal(&visitor, &case_error(e, lang)))?;
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            let updated = c.updated_at.to_string();
            json!({
                "title": c.upload.title(),
                "href": with_id(at.one, &c.id),
                "region": validation::case_label("region", c.upload.region(), lang),
                "columns": c.upload.columns(lang),
                "updated": when(&updated),
                "updated_iso": machine_time(&updated),
                "status": c.status.as_str(),
                "status_label": c.status.label_zh(),
            })
        })
        .collect();
    let statuses = TypicalCaseStatus::ALL.iter().map(|s| (s.as_str(), s.label_zh()));
    Ok(pages::render(
        &visitor,
        "cases.html",
        json!({
            "title": at.name,
            "kind": at,
            "filters": filters(at.list, statuses, status.map(TypicalCaseStatus::as_str)),
            "filtered": status.map(TypicalCaseStatus::label_zh),
            "rows": rows,
            "can_upload": matches!(seat(&visitor), Seat::Province(_)),
            "new_href": page_url(at.new),
            "done": done_message(q.done.as_deref()),
        }),
    ))
}

/// `GET /web/cases/new` — a province uploads a case of its region (`case-upload`).
pub(crate) async fn upload_form<U: UploadPages>(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Query(q): Query<PageQuery>,
) -> Response {
    let at = U::PAGES;
    let region = match seat(&visitor) {
        Seat::Province(region) => region.to_owned(),
        _ => {
            return pages::message_status(&visitor, StatusCode::FORBIDDEN, "无权访问", at.only_provinces);
        }
    };
    let Some(schema) = gazette_forms::schema(at.form) else { return no_schema(&visitor) };
    let attempt = load_attempt(&web, &visitor, &q, "upload").await;
    let hidden = controls(&[("_action", "upload"), ("_idem", &idempotency_key(attempt.as_ref()))]);
    let (values, errors, message) = match &attempt {
        Some(a) => (a.values.clone(), a.field_errors(), a.message.clone()),
        None => (U::new_values(&region), Vec::new(), schema.description(ZH).unwrap_or_default().to_owned()),
    };
    let action = page_url(at.act[0]);
    let form = schema_form(schema, &action, &values, &errors, hidden, vec![Button::submit("提交审核")], false);
    pages::render(
        &visitor,
        "form_page.html",
        json!({ "title": at.upload, "message": message, "form": form, "return": page_url(at.list) }),
    )
}

/// `GET /web/cases/{id}` — one case: details, files, progress, and what the visitor
/// may do: the organisers approve or return it, its province edits and resubmits it
/// once returned.
pub(crate) async fn page<U: UploadPages>(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Response> {
    let lang = visitor.lang;
    let at = U::PAGES;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).map_err(refused(&visitor))?;
    let case = U::service(&web.app).get(&id, &actor).await.map_err(|e| refusal(&visitor, &case_error(e, lang)))?;
    let steps = allowed(&actor, &case);
    // The case as the API shows it (personal data masked), for the schema-driven summary.
    let c = &typical_view(&case, &actor, lang);
    let Some(schema) = gazette_forms::schema(at.form) else { return Err(no_schema(&visitor)) };
    let attempt = refused_attempt(&web, &visitor, &q).await;
    let file_page = with_id(at.file, &case.id);
    let file_href = |key: &str| format!("{file_page}?key={}", query_value(key));

    let mut actions = Vec::new();
    let mut resubmit = None;
    if steps.contains(&CaseStep::Approve) {
        actions.push(
            ActionForm::new("approve", "审核通过", &with_id(at.act[2], &case.id))
                .intro(at.approve_intro)
                .button("审核通过", false)
                .with_attempt(attempt.as_ref()),
        );
    }
    if steps.contains(&CaseStep::Return) {
        actions.push(
            ActionForm::new("return", "退回修改", &with_id(at.act[3], &case.id))
                .intro("需要上传单位修改或补充的，写明审核意见后退回。")
                .field(
                    ActionField::textarea("comment", "审核意见", true, 1000)
                        .hint("写明需要修改或补充的内容，上传单位将看到这段意见。"),
                )
                .button("退回修改", true)
                .with_attempt(attempt.as_ref()),
        );
    }
    if steps.contains(&CaseStep::Resubmit) {
        {
            let mine = attempt.as_ref().filter(|a| a.control("_action") == Some("resubmit"));
            let (values, errors) = match mine {
                Some(a) => (a.values.clone(), a.field_errors()),
                None => (upload_values(schema, c), Vec::new()),
            };
            let hidden = controls(&[("_action", "resubmit"), ("_idem", &idempotency_key(mine))]);
            let action = with_id(at.act[1], &case.id);
            let buttons = vec![Button::submit("修改后重新提交")];
            resubmit = Some(json!({
                "message": mine.map(|a| a.message.clone()),
                "form": schema_form(schema, &action, &values, &errors, hidden, buttons, false),
            }));
        }
    }
    let drawn = actions.iter().any(|a| a.drawn) || resubmit.as_ref().is_some_and(|r| !r["message"].is_null());
    let exported = case.exported.as_ref().map(|e| format!("content/{}/{}/", U::CONTENT_DIR, e.slug));
    Ok(pages::render(
        &visitor,
        "case.html",
        json!({
            "title": case.upload.title(),
            "kind": at,
            "c": c,
            "explain": explanation(case.status, exported.as_deref(), &at),
            "details": summary_rows(schema, c, &file_href),
            "history": timeline(c, action_label, status_label, &file_href),
            "actions": actions,
            "resubmit": resubmit,
            "problem": attempt.as_ref().filter(|_| !drawn).map(|a| a.message.clone()),
            "done": done_message(q.done.as_deref()),
            "list_href": page_url(at.list),
        }),
    ))
}

/// `GET /web/cases/{id}/file?key=` — one of the case's files, through the API's
/// short-lived link.
pub(crate) async fn file<U: UploadPages>(
    State(web): State<WebState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let lang = visitor.lang;
    let url = async {
        let actor = visitor.caller()?.case_actor(lang)?;
        let case = U::service(&web.app).get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
        download_url(&web.app, lang, &case_files(&case), q.key.as_deref().unwrap_or("")).await
    };
    file_redirect(&visitor, url.await)
}

/// The home page's task, for those who take part in typical cases.
pub fn task(visitor: &Visitor) -> Option<Task> {
    let actor = visitor.caller().and_then(|c| c.case_actor(visitor.lang)).ok()?;
    takes_part(&actor.level).then(|| Task::new("典型案例", "/cases", "上传、审核、退回和进度"))
}

/// What waits for the visitor: cases to review (organisers, the nation) or to
/// correct (their province).
pub async fn queue(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    upload_queue::<CaseUpload>(web, visitor).await
}

/// What waits for the visitor among the uploads of a kind: to review (its
/// reviewers) or to correct (their province).
pub async fn upload_queue<U: UploadPages>(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    queue_at::<U>(web, visitor, seat(visitor)).await.into_iter().collect()
}

async fn queue_at<U: UploadPages>(web: &WebState, visitor: &Visitor, seat: Seat<'_>) -> Option<Queue> {
    let (to_review, none_to_review, to_correct, none_to_correct) = U::PAGES.queue;
    let lang = visitor.lang;
    let actor = visitor.caller().and_then(|c| c.case_actor(lang)).ok()?;
    let (title, empty, status) = match seat {
        Seat::National | Seat::Organiser if U::reviewed_by(&actor.level) => {
            (to_review, none_to_review, TypicalCaseStatus::Submitted)
        }
        Seat::Province(_) => (to_correct, none_to_correct, TypicalCaseStatus::Returned),
        _ => return None,
    };
    let cases = U::service(&web.app).list(&actor, Some(status)).await.unwrap_or_default();
    let step = if status == TypicalCaseStatus::Submitted { CaseStep::Approve } else { CaseStep::Resubmit };
    let rows = cases
        .iter()
        .filter(|c| allowed(&actor, c).contains(&step))
        .map(|c| QueueRow {
            label: c.upload.title().to_owned(),
            detail: c.upload.detail(lang),
            status: c.status.label_zh().to_owned(),
            href: with_id(U::PAGES.one, &c.id),
        })
        .collect();
    Some(Queue { title, empty, rows })
}

/// The refused submission of `?attempt=`, if it came from the form `action`.
async fn load_attempt(web: &WebState, visitor: &Visitor, q: &PageQuery, action: &str) -> Option<Attempt> {
    refused_attempt(web, visitor, q).await.filter(|a| a.control("_action") == Some(action))
}

/// The case as the `case-upload` form holds it, to edit it again.
fn upload_values(schema: &Schema, case: &Value) -> Value {
    let fields: Map<String, Value> =
        schema.fields().iter().filter_map(|f| case.get(f.id()).map(|v| (f.id().to_owned(), v.clone()))).collect();
    Value::Object(fields)
}

fn action_label(action: &str, _by: &Value) -> String {
    match action {
        "upload" => "上传案例",
        "return" => "退回修改",
        "resubmit" => "修改后重新提交",
        "approve" => "审核通过",
        "export" => "导出为网站内容",
        other => other,
    }
    .to_owned()
}

fn status_label(status: &str) -> String {
    TypicalCaseStatus::parse(status).map_or_else(|| status.to_owned(), |s| s.label_zh().to_owned())
}

/// What the status means; `exported` is the folder written.
fn explanation(status: TypicalCaseStatus, exported: Option<&str>, kind: &UploadPaths) -> String {
    use TypicalCaseStatus as S;
    let (thing, reviewer) = (kind.thing, kind.reviewer);
    match (status, exported) {
        (S::Submitted, _) => format!("{thing}已提交，等待{reviewer}审核。"),
        (S::Returned, _) => format!("{reviewer}已退回修改，请按审核意见修改后重新提交。"),
        (S::Approved, _) => "审核通过，待导出为网站内容后发布。".to_owned(),
        (S::Exported, Some(folder)) => {
            format!("已导出为网站内容（{folder}），提交到仓库后即在网站发布。")
        }
        (S::Exported, None) => "已导出为网站内容，提交到仓库后即在网站发布。".to_owned(),
    }
}
