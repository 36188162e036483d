//! Monthly report endpoints: parse, call [`crate::workflows::Reports`], answer — JSON, or
//! a printable HTML page of one report.

use crate::http::ApiRoute;
use axum::http::Method;
use axum::routing::{get, post, put};
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{document, import};
use crate::casework::api::{DownloadQuery, download_url, rejection, stored_uploads};
use crate::http::AppState;
use crate::http::auth::{Caller, Role};
use crate::http::error::ApiError;
use crate::http::error::workflow_error;
use crate::http::export;
use crate::http::extract::{Idempotency, Lang, OptionalJsonBody, Path, Query, body_text, values_of};
use crate::lifecycle::review::{Actor, Step};
use crate::validation::{self, forms_lang};
use crate::workflows::{
    AnnualReport, Decision, MonthlyReport, NewMonth, RegionMonth, ReportCaller, ReportId, ReportRole, due_date, is_late,
};

fn actor(caller: &Caller) -> Actor {
    Actor { id: caller.0.sub.clone(), role: caller.0.role.as_str().to_owned() }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.clone().filter(|s| !s.is_empty())
}

/// What the token allows with reports.
pub(crate) fn report_caller(caller: &Caller, lang: Lang) -> Result<ReportCaller, ApiError> {
    let claims = &caller.0;
    let role = match claims.role {
        Role::Filler => {
            non_empty(&claims.unit).map(|unit| ReportRole::Filler { unit, region: non_empty(&claims.region) })
        }
        Role::UnitAdmin => non_empty(&claims.unit).map(|unit| ReportRole::UnitAdmin { unit }),
        Role::RegionalAdmin => non_empty(&claims.region).map(|region| ReportRole::RegionalAdmin { region }),
        Role::NationalAdmin => Some(ReportRole::NationalAdmin),
        _ => {
            return Err(ApiError::forbidden(
                lang,
                "您的角色无权查看月度绩效报告。",
                "Your role may not use monthly reports.",
            ));
        }
    };
    let role = role.ok_or_else(|| {
        ApiError::forbidden(lang, "令牌未注明所属单位或地区。", "The token names no unit or region for this role.")
    })?;
    Ok(ReportCaller { actor: actor(caller), role })
}

/// `{unit}/{platform}/{period}` of a report's path.
#[derive(Debug, Deserialize)]
pub struct ReportPath {
    pub unit: String,
    pub platform: String,
    pub period: String,
}

pub(crate) fn report_id(p: &ReportPath, lang: Lang) -> Result<ReportId, ApiError> {
    ReportId::parse(&p.unit, &p.platform, &p.period).ok_or_else(|| ApiError::not_found(lang))
}

/// A month as one caller sees it — what the API answers and the pages draw: its
/// report, or what a month not started yet starts from; its status in words; the
/// steps the caller may take on it now (`actions`, the permission model's answer);
/// when it is due and whether it is late.
#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    #[serde(flatten)]
    pub month: Month,
    pub status_label: &'static str,
    pub actions: Vec<Step>,
    /// The month's last day, `YYYY-MM-DD` (Beijing time): due by its end.
    pub due: String,
    /// Not submitted by its due date (or first submitted after it).
    pub late: bool,
}

/// A month: started (a report) or not.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Month {
    Report(MonthlyReport),
    /// Pre-filled; `status` is `not_started`, `version` 0.
    NotStarted {
        #[serde(flatten)]
        new: NewMonth,
        status: &'static str,
        version: u64,
    },
}

impl ReportView {
    /// The view of `month` for `rc` at `now` (what "late" is measured against).
    pub fn of(month: Result<MonthlyReport, NewMonth>, rc: &ReportCaller, now: jiff::Timestamp) -> ReportView {
        match month {
            Ok(r) => ReportView {
                status_label: r.status.label_zh(),
                actions: rc.allowed(&r.unit, Some(r.status)),
                due: due_text(&r.period),
                late: r.late(now),
                month: Month::Report(r),
            },
            Err(new) => ReportView {
                status_label: "未开始",
                actions: rc.allowed(&new.unit, None),
                due: due_text(&new.period),
                late: is_late(&new.period, None, now),
                month: Month::NotStarted { new, status: "not_started", version: 0 },
            },
        }
    }

    /// The form's values, saved or pre-filled.
    pub fn values(&self) -> &Value {
        match &self.month {
            Month::Report(r) => &r.values,
            Month::NotStarted { new, .. } => &new.values,
        }
    }

    /// The version a page draws its forms from (0 for a month not started).
    pub fn version(&self) -> u64 {
        match &self.month {
            Month::Report(r) => r.version,
            Month::NotStarted { .. } => 0,
        }
    }

    /// Whether the caller may take `step` now: a page draws its button only then.
    pub fn allows(&self, step: Step) -> bool {
        self.actions.contains(&step)
    }
}

fn due_text(period: &str) -> String {
    due_date(period).map(|d| d.to_string()).unwrap_or_default()
}

/// `GET /reports?unit=` — a unit's reports, status per platform and month. A filler
/// or unit administrator may leave `unit` out.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    unit: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let unit = non_empty(&q.unit).or_else(|| non_empty(&caller.0.unit)).ok_or_else(|| {
        ApiError::invalid(lang, BTreeMap::new())
            .field("unit", lang.pick("请在查询参数 unit 中指明单位。", "Name the unit in the `unit` query parameter."))
    })?;
    let rows = state.reports.list(&rc, &unit).await.map_err(|e| workflow_error(e, lang))?;
    Ok(Json(json!({ "unit": unit, "count": rows.len(), "reports": rows })).into_response())
}

/// `GET /reports/review-queue` — the unit administrator's submitted reports, oldest first.
pub async fn review_queue(State(state): State<AppState>, caller: Caller, lang: Lang) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let rows = state.reports.review_queue(&rc).await.map_err(|e| workflow_error(e, lang))?;
    Ok(Json(json!({ "unit": caller.0.unit, "count": rows.len(), "reports": rows })).into_response())
}

/// `GET /reports/{unit}/{platform}/{period}` — the report, or what a new month starts from.
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let id = report_id(&p, lang)?;
    let month = state.reports.get(&rc, &id).await.map_err(|e| workflow_error(e, lang))?;
    Ok(Json(ReportView::of(month, &rc, state.reports.now())).into_response())
}

fn version_of(body: &Value, lang: Lang, required: bool) -> Result<Option<u64>, ApiError> {
    match body.get("version") {
        None | Some(Value::Null) if !required => Ok(None),
        Some(v) if v.as_u64().is_some() => Ok(v.as_u64()),
        _ => Err(ApiError::invalid(lang, BTreeMap::new()).field(
            "version",
            lang.pick(
                "请带上所基于的版本号 version（新的月份为 0）。",
                "Send the `version` you started from (0 for a month not started yet).",
            ),
        )),
    }
}

/// `PUT /reports/{unit}/{platform}/{period}` with `{"version": n, "values": {…}}` —
/// saves some fields of the draft (a page of the form).
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let id = report_id(&p, lang)?;
    let version = version_of(&body, lang, true)?.unwrap_or(0);
    let values = values_of(&body, lang)?;
    if let ReportRole::Filler { unit, .. } = &rc.role {
        // Attachments must be the unit's own uploads; others may not save at all.
        let uploads = stored_uploads(&state, &crate::casework::unit_upload_prefix(unit), &values, lang).await?;
        validation::unit_files("monthly-report", &values, &uploads, lang).map_err(|r| rejection(r, lang))?;
    }
    let r = state
        .reports
        .save_draft(&rc, &id, version, &values, forms_lang(lang))
        .await
        .map_err(|e| workflow_error(e, lang))?;
    let status = if version == 0 { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ReportView::of(Ok(r), &rc, state.reports.now()))).into_response())
}

/// `POST /reports/{unit}/{platform}/{period}/submit`, optionally `{"version": n}`.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Idempotency(key): Idempotency,
    Path(p): Path<ReportPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let id = report_id(&p, lang)?;
    let version = version_of(&body, lang, false)?;
    let done = state
        .reports
        .submit(&rc, &id, version, key.as_ref(), forms_lang(lang))
        .await
        .map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %id.unit, platform = %id.platform, period = %id.period, by = %caller.0.sub,
        replayed = done.replayed, "monthly report submitted");
    let mut response = Json(ReportView::of(Ok(done.report), &rc, state.reports.now())).into_response();
    if done.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// `POST /reports/{unit}/{platform}/{period}/withdraw` — the filler, until approved.
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let id = report_id(&p, lang)?;
    let r = state.reports.withdraw(&rc, &id).await.map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %id.unit, platform = %id.platform, period = %id.period, by = %caller.0.sub, "monthly report withdrawn");
    Ok(Json(ReportView::of(Ok(r), &rc, state.reports.now())).into_response())
}

/// A decision's body: `{"comment": "…", "notify_by_sms": true}` (a ticked box from
/// a form comes as `"on"`).
fn decision(body: &Value) -> Decision<'_> {
    let notify = match body.get("notify_by_sms") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "on" | "true" | "1"),
        Some(Value::Array(ticked)) => !ticked.is_empty(),
        _ => false,
    };
    Decision { comment: body_text(body, "comment"), notify_by_sms: notify }
}

/// `POST /reports/{unit}/{platform}/{period}/approve` with `{"comment": "…"}`
/// (required: 审核意见) and optionally `"notify_by_sms"`.
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let id = report_id(&p, lang)?;
    let r = state.reports.approve(&rc, &id, decision(&body)).await.map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %id.unit, platform = %id.platform, period = %id.period, by = %caller.0.sub, "monthly report approved");
    super::notices::tell_filler(&state.accounts, state.outbox.as_ref(), &r).await;
    Ok(Json(ReportView::of(Ok(r), &rc, state.reports.now())).into_response())
}

/// `POST /reports/{unit}/{platform}/{period}/return` with `{"comment": "…"}`
/// (required) and optionally `"notify_by_sms"`.
pub async fn return_for_changes(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let id = report_id(&p, lang)?;
    let r = state.reports.return_for_changes(&rc, &id, decision(&body)).await.map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %id.unit, platform = %id.platform, period = %id.period, by = %caller.0.sub, "monthly report returned");
    super::notices::tell_filler(&state.accounts, state.outbox.as_ref(), &r).await;
    Ok(Json(ReportView::of(Ok(r), &rc, state.reports.now())).into_response())
}

#[derive(Debug, Deserialize)]
pub struct AnnualPath {
    pub unit: String,
    pub platform: String,
    pub year: String,
}

/// `GET /annual-reports/{unit}/{platform}/{year}` — made from the approved months.
pub async fn annual(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<AnnualPath>,
) -> Result<Response, ApiError> {
    Ok(Json(annual_of(&state, &caller, lang, &p).await?).into_response())
}

/// `GET /reports/{unit}/{platform}/{period}/print` — the report as a printable page.
pub async fn print(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let id = report_id(&p, lang)?;
    let r = match state.reports.get(&rc, &id).await.map_err(|e| workflow_error(e, lang))? {
        Ok(r) => r,
        Err(_) => return Err(ApiError::not_found(lang)),
    };
    let schema = gazette_forms::schema("monthly-report").ok_or_else(|| ApiError::internal(lang))?;
    let html = print::page(schema, &r);
    let mut response = (StatusCode::OK, html).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    // Its own policy, stricter than the site's: no script at all; its one inline style.
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    Ok(response)
}

/// The month `p`, started, as the caller may read it.
async fn started(state: &AppState, rc: &ReportCaller, p: &ReportPath, lang: Lang) -> Result<MonthlyReport, ApiError> {
    let id = report_id(p, lang)?;
    match state.reports.get(rc, &id).await.map_err(|e| workflow_error(e, lang))? {
        Ok(r) => Ok(r),
        Err(_) => Err(ApiError::not_found(lang)),
    }
}

fn report_schema(lang: Lang) -> Result<&'static gazette_forms::Schema, ApiError> {
    gazette_forms::schema("monthly-report").ok_or_else(|| ApiError::internal(lang))
}

/// `GET /reports/{unit}/{platform}/{period}/download?key=` — a short-lived link to
/// one of the report's attachments (the unit administrator reviews them).
pub async fn download_file(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let r = started(&state, &rc, &p, lang).await?;
    let url = download_url(&state, lang, &r.files(), q.key()).await?;
    Ok(Json(json!({ "url": url })).into_response())
}

/// `GET /reports/{unit}/{platform}/{period}/pdf[?download=1]` — the report as PDF,
/// once it passes every check (seed 002: 经过系统检测通过后，生成 PDF 版); shown in
/// the browser, or saved with `download`.
pub async fn pdf(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<ReportPath>,
    Query(q): Query<PdfQuery>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let r = started(&state, &rc, &p, lang).await?;
    let schema = report_schema(lang)?;
    schema.validate(&r.values, forms_lang(lang)).map_err(|e| ApiError::invalid(lang, e.to_map()))?;
    let bytes = crate::pdf::render(&document::month_pdf(schema, &r)).map_err(|e| {
        tracing::error!(error = %e, "report pdf failed");
        ApiError::internal(lang)
    })?;
    Ok(pdf_response(bytes, &format!("report-{}-{}-{}.pdf", r.unit, r.platform, r.period), q.download.is_some()))
}

/// `?download=1`: save the file rather than show it.
#[derive(Debug, Deserialize)]
pub struct PdfQuery {
    download: Option<String>,
}

fn pdf_response(bytes: Vec<u8>, name: &str, download: bool) -> Response {
    if download {
        export::download(bytes, "application/pdf", name)
    } else {
        export::inline(bytes, "application/pdf", name)
    }
}

/// The annual report of `p` for the caller.
async fn annual_of(state: &AppState, caller: &Caller, lang: Lang, p: &AnnualPath) -> Result<AnnualReport, ApiError> {
    let rc = report_caller(caller, lang)?;
    let year: i32 = p.year.parse().map_err(|_| ApiError::not_found(lang))?;
    state.reports.annual(&rc, &p.unit, &p.platform, year).await.map_err(|e| workflow_error(e, lang))
}

/// `GET /annual-reports/{unit}/{platform}/{year}/pdf[?download=1]`.
pub async fn annual_pdf(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<AnnualPath>,
    Query(q): Query<PdfQuery>,
) -> Result<Response, ApiError> {
    let a = annual_of(&state, &caller, lang, &p).await?;
    let bytes = crate::pdf::render(&document::annual_pdf(report_schema(lang)?, &a)).map_err(|e| {
        tracing::error!(error = %e, "annual pdf failed");
        ApiError::internal(lang)
    })?;
    Ok(pdf_response(bytes, &format!("annual-{}-{}-{}.pdf", a.unit, a.platform, a.year), q.download.is_some()))
}

/// `GET /annual-reports/{unit}/{platform}/{year}/export.xlsx`.
pub async fn annual_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<AnnualPath>,
) -> Result<Response, ApiError> {
    let a = annual_of(&state, &caller, lang, &p).await?;
    let title = format!("{} {} 年度报告（{}）", a.platform_name, a.year, document::months_line(&a));
    let rows = document::annual_rows(report_schema(lang)?, &a);
    let bytes =
        export::table_xlsx("年度报告", std::slice::from_ref(&title), &["部分", "项目", "全年", "单位"], &rows, &[])
            .map_err(|e| {
                tracing::error!(error = %e, "annual xlsx failed");
                ApiError::internal(lang)
            })?;
    Ok(export::download(bytes, export::XLSX, &format!("annual-{}-{}-{}.xlsx", a.unit, a.platform, a.year)))
}

#[derive(Debug, Deserialize)]
pub struct RegionPath {
    pub region: String,
    pub period: String,
}

/// `GET /region-reports/{region}/{period}` — every platform of the region that
/// reports, and where its month stands (regional administrator of the region,
/// national administrator).
pub async fn region_month(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<RegionPath>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let month = state.reports.region_month(&rc, &p.region, &p.period).await.map_err(|e| workflow_error(e, lang))?;
    Ok(Json(month).into_response())
}

/// The headers of a region's month in a workbook.
pub const REGION_HEADERS: [&str; 7] = ["单位代码", "平台代码", "平台名称", "状态", "是否逾期", "提交时间", "截止日期"];

/// A region's month as workbook rows (times in Beijing time).
pub fn region_rows(m: &RegionMonth) -> Vec<Vec<String>> {
    m.rows
        .iter()
        .map(|r| {
            vec![
                r.unit.clone(),
                r.platform.clone(),
                r.platform_name.clone(),
                r.status_label.to_owned(),
                (if r.late { "逾期" } else { "" }).to_owned(),
                r.submitted_at.map(crate::lifecycle::time::exported).unwrap_or_default(),
                m.due.clone(),
            ]
        })
        .collect()
}

/// `GET /region-reports/{region}/{period}/export.xlsx`.
pub async fn region_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<RegionPath>,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    let m = state.reports.region_month(&rc, &p.region, &p.period).await.map_err(|e| workflow_error(e, lang))?;
    let title = format!("{} {} 月度绩效填报情况（截止 {}）", m.region, m.period, m.due);
    let bytes = export::table_xlsx("填报情况", std::slice::from_ref(&title), &REGION_HEADERS, &region_rows(&m), &[])
        .map_err(|e| {
            tracing::error!(error = %e, "region xlsx failed");
            ApiError::internal(lang)
        })?;
    Ok(export::download(bytes, export::XLSX, &format!("reports-{}-{}.xlsx", m.region, m.period)))
}

/// `POST /annual-figures` with an `.xlsx` workbook as the body — a regional
/// administrator imports the previous year's annual figures (stocks) of the
/// platforms of their region; every row or none. 422 names each bad cell (`C3`).
pub async fn import_figures(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let rc = report_caller(&caller, lang)?;
    if !matches!(rc.role, ReportRole::RegionalAdmin { .. }) {
        return Err(workflow_error(
            crate::lifecycle::WorkflowError::Denied(crate::lifecycle::review::Denied::Role),
            lang,
        ));
    }
    let rows =
        import::read_figures(&body, report_schema(lang)?, forms_lang(lang)).map_err(|e| ApiError::invalid(lang, e))?;
    let count = state.reports.import_figures(&rc, rows).await.map_err(|e| workflow_error(e, lang))?;
    tracing::info!(by = %caller.0.sub, rows = count, "annual figures imported");
    Ok(Json(json!({ "imported": count })).into_response())
}

/// The printable page: standalone HTML5, every part a table of label / value / unit.
mod print {
    use std::fmt::Write as _;

    use gazette_forms::{Lang, Schema};
    use serde_json::Value;

    use super::super::document::shown;
    use crate::workflows::MonthlyReport;

    const STYLE: &str = "\
:root{color-scheme:light}\
body{font-family:system-ui,-apple-system,\"PingFang SC\",\"Hiragino Sans GB\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",\"Source Han Sans SC\",sans-serif;\
line-height:1.75;color:#0b0c0c;background:#fff;max-width:52rem;margin:2rem auto;padding:0 1rem}\
h1{font-size:1.6rem;line-height:1.3;margin:0 0 1rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1.5rem}\
dt{font-weight:bold}dd{margin:0}\
table{border-collapse:collapse;width:100%;margin:0 0 1.5rem}\
caption{text-align:left;font-weight:bold;font-size:1.15rem;padding:.5rem 0}\
th,td{border:1px solid #6f777b;padding:.3rem .6rem;text-align:left;vertical-align:top}\
thead th{background:#f3f2f1}\
td.value{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
td.text{white-space:pre-wrap}\
@media print{@page{size:A4;margin:15mm}body{margin:0;max-width:none;font-size:10.5pt}\
table{page-break-inside:auto}tr,caption{page-break-inside:avoid;page-break-after:avoid}thead{display:table-header-group}\
thead th{background:none}}";

    /// Escapes text for HTML content and attribute values.
    pub fn escape(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }

    /// A moment as readers in China read it (Beijing time), in a `<time>` element.
    fn when(t: jiff::Timestamp) -> String {
        use crate::lifecycle::time;
        format!("<time datetime=\"{}\">{}</time>", escape(&time::machine(t)), escape(&time::shown(t)))
    }

    pub fn page(schema: &Schema, r: &MonthlyReport) -> String {
        let lang = Lang::Zh;
        let text = |id: &str| r.values.get(id).and_then(Value::as_str).unwrap_or_default().to_owned();
        let name = text("platform_name");
        let name = if name.is_empty() { r.platform.clone() } else { name };
        let title = format!("{name} {} {}", r.period, schema.title(lang));
        let mut h = String::with_capacity(16 * 1024);
        let _ = write!(
            h,
            "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n<dl>\n",
            escape(&title),
            escape(&title)
        );
        for (term, value) in [
            ("平台", name.as_str()),
            ("单位", r.unit.as_str()),
            ("填报月份", r.period.as_str()),
            ("状态", r.status.label_zh()),
        ] {
            let _ = writeln!(h, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(value));
        }
        if let Some(at) = r.submitted_at {
            let _ = writeln!(h, "<dt>提交时间</dt><dd>{}</dd>", when(at));
        }
        if let Some(c) = &r.comment {
            let _ = writeln!(h, "<dt>审核意见</dt><dd>{}</dd>", escape(c));
        }
        h.push_str("</dl>\n");
        for part in schema.parts() {
            let _ = write!(
                h,
                "<table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">项目</th><th scope=\"col\">填报内容</th>\
                 <th scope=\"col\">单位</th></tr></thead>\n<tbody>\n",
                escape(part.title(lang))
            );
            for field in schema.fields_in_part(part.id()) {
                let (value, numeric) = shown(field, r.values.get(field.id()));
                let unit = field.unit().map_or("", |u| u.label(lang));
                let _ = writeln!(
                    h,
                    "<tr><th scope=\"row\">{}</th><td class=\"{}\">{}</td><td>{}</td></tr>",
                    escape(field.label(lang)),
                    if numeric { "value" } else { "text" },
                    escape(&value),
                    escape(unit)
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
        h.push_str(
            "<table>\n<caption>流转记录</caption>\n<thead><tr><th scope=\"col\">时间（北京时间）</th><th scope=\"col\">操作</th>\
             <th scope=\"col\">操作人</th><th scope=\"col\">意见</th></tr></thead>\n<tbody>\n",
        );
        for e in &r.history {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                when(e.at),
                escape(e.action.label_zh()),
                escape(&e.by),
                escape(e.comment.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
        h
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn escaping_leaves_no_markup() {
            assert_eq!(
                super::escape(r#"<a href="x">'&'</a>"#),
                "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
            );
        }
    }
}

/// The monthly and annual report endpoints; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::GET, "/reports", get(list)),
        ApiRoute::token(Method::GET, "/reports/review-queue", get(review_queue)),
        ApiRoute::token(Method::GET, "/reports/{unit}/{platform}/{period}", get(detail)),
        ApiRoute::token(Method::PUT, "/reports/{unit}/{platform}/{period}", put(save)),
        ApiRoute::token(Method::POST, "/reports/{unit}/{platform}/{period}/submit", post(submit)),
        ApiRoute::token(Method::POST, "/reports/{unit}/{platform}/{period}/withdraw", post(withdraw)),
        ApiRoute::token(Method::POST, "/reports/{unit}/{platform}/{period}/approve", post(approve)),
        ApiRoute::token(Method::POST, "/reports/{unit}/{platform}/{period}/return", post(return_for_changes)),
        ApiRoute::token(Method::GET, "/reports/{unit}/{platform}/{period}/print", get(print)),
        ApiRoute::token(Method::GET, "/reports/{unit}/{platform}/{period}/pdf", get(pdf)),
        ApiRoute::token(Method::GET, "/reports/{unit}/{platform}/{period}/download", get(download_file)),
        ApiRoute::token(Method::GET, "/annual-reports/{unit}/{platform}/{year}", get(annual)),
        ApiRoute::token(Method::GET, "/annual-reports/{unit}/{platform}/{year}/pdf", get(annual_pdf)),
        ApiRoute::token(Method::GET, "/annual-reports/{unit}/{platform}/{year}/export.xlsx", get(annual_xlsx)),
        ApiRoute::token(Method::GET, "/region-reports/{region}/{period}", get(region_month)),
        ApiRoute::token(Method::GET, "/region-reports/{region}/{period}/export.xlsx", get(region_xlsx)),
        ApiRoute::token(Method::POST, "/annual-figures", post(import_figures)),
    ]
}
