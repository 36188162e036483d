//! Annual training plan endpoints: parse, call [`crate::workflows::TrainingPlans`], answer.

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

use super::export;
use crate::casework::api::{download_url, file_records, rejection, stored_uploads};
use crate::http::AppState;
use crate::http::auth::{Caller, Role};
use crate::http::error::ApiError;
use crate::http::error::workflow_error;
use crate::http::extract::{Idempotency, JsonBody, Lang, OptionalJsonBody, Path, Query, body_text, values_of};
use crate::lifecycle::review::{Actor, ReviewStatus, Step};
use crate::validation::{self, forms_lang};
use crate::workflows::{PlanCaller, PlanRole, TrainingPlan};

/// What the token allows with training plans: a unit's filler or administrator
/// submits its plan, the training organiser reviews, a national administrator reads.
pub(crate) fn plan_caller(caller: &Caller, lang: Lang) -> Result<PlanCaller, ApiError> {
    let claims = &caller.0;
    let role = match claims.role {
        Role::Filler | Role::UnitAdmin => match claims.unit.clone().filter(|u| !u.is_empty()) {
            Some(unit) => PlanRole::Unit { unit },
            None => return Err(ApiError::forbidden(lang, "令牌未注明所属单位。", "The token names no unit.")),
        },
        Role::Organiser => PlanRole::Organiser,
        Role::NationalAdmin => PlanRole::NationalAdmin,
        _ => {
            return Err(ApiError::forbidden(
                lang,
                "您的角色无权报送或审核培训计划。",
                "Your role may not use training plans.",
            ));
        }
    };
    Ok(PlanCaller { actor: Actor { id: claims.sub.clone(), role: claims.role.as_str().to_owned() }, role })
}

/// A plan as one caller sees it — what the API answers and the pages draw: the
/// plan's fields, its status in words, and the steps the caller may take on it now
/// (`actions`, the permission model's answer).
#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    #[serde(flatten)]
    pub plan: TrainingPlan,
    pub status_label: &'static str,
    pub actions: Vec<Step>,
}

/// The plan's attachments must be uploads of the caller's unit (issue 15: another
/// unit's key, or one with `..`, is refused on its field). Callers of no unit may
/// not submit at all, which the domain says.
async fn own_files(state: &AppState, pc: &PlanCaller, values: &Value, lang: Lang) -> Result<(), ApiError> {
    match &pc.role {
        PlanRole::Unit { unit } => {
            let uploads = stored_uploads(state, &crate::casework::unit_upload_prefix(unit), values, lang).await?;
            validation::unit_files("training-plan", values, &uploads, lang).map_err(|r| rejection(r, lang))
        }
        _ => Ok(()),
    }
}

impl PlanView {
    pub fn of(plan: TrainingPlan, pc: &PlanCaller) -> PlanView {
        PlanView { status_label: plan.status.label_zh(), actions: pc.allowed(&plan), plan }
    }

    /// Whether the caller may take `step` now: a page draws its button only then.
    pub fn allows(&self, step: Step) -> bool {
        self.actions.contains(&step)
    }
}

/// `{unit}/{year}` of a plan's path.
#[derive(Debug, Deserialize)]
pub struct PlanPath {
    pub unit: String,
    pub year: String,
}

pub(crate) fn year_of(p: &PlanPath, lang: Lang) -> Result<i32, ApiError> {
    p.year.parse().map_err(|_| ApiError::not_found(lang))
}

/// `POST /training-plans` — the plan's fields as the body; 201 with `warnings`.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    own_files(&state, &pc, &body, lang).await?;
    let done = state
        .training_plans
        .submit(&pc, &body, key.as_ref(), forms_lang(lang))
        .await
        .map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %done.plan.unit, year = done.plan.year, by = %caller.0.sub, replayed = done.replayed,
        "training plan submitted");
    let mut response = (StatusCode::CREATED, Json(PlanView::of(done.plan, &pc))).into_response();
    if done.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    year: Option<String>,
    status: Option<String>,
}

/// `GET /training-plans?year=&status=` — the organiser's list (status `submitted` is the queue).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let year: i32 = q.year.as_deref().and_then(|y| y.parse().ok()).ok_or_else(|| {
        ApiError::invalid(lang, BTreeMap::new()).field(
            "year",
            lang.pick("请在查询参数 year 中指明计划年度。", "Name the plan year in the `year` query parameter."),
        )
    })?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ReviewStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(lang, BTreeMap::new()).field(
                "status",
                lang.pick(
                    "状态须为 draft、submitted、approved 或 returned。",
                    "Status must be draft, submitted, approved or returned.",
                ),
            )
        })?),
    };
    let plans = state.training_plans.list(&pc, year, status).await.map_err(|e| workflow_error(e, lang))?;
    let rows: Vec<PlanView> = plans.into_iter().map(|p| PlanView::of(p, &pc)).collect();
    Ok(Json(json!({ "year": year, "count": rows.len(), "plans": rows })).into_response())
}

/// `GET /training-plans/{unit}/{year}`
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<PlanPath>,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let year = year_of(&p, lang)?;
    let plan = state.training_plans.get(&pc, &p.unit, year).await.map_err(|e| workflow_error(e, lang))?;
    Ok(Json(PlanView::of(plan, &pc)).into_response())
}

/// `PUT /training-plans/{unit}/{year}` with `{"version": n, "values": {…}}` — a
/// withdrawn or returned plan submitted again.
pub async fn resubmit(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<PlanPath>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let year = year_of(&p, lang)?;
    let version = body.get("version").and_then(Value::as_u64).ok_or_else(|| {
        ApiError::invalid(lang, BTreeMap::new())
            .field("version", lang.pick("请带上所基于的版本号 version。", "Send the `version` you started from."))
    })?;
    let values = values_of(&body, lang)?;
    own_files(&state, &pc, &values, lang).await?;
    let plan = state
        .training_plans
        .resubmit(&pc, &p.unit, year, version, &values, forms_lang(lang))
        .await
        .map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %plan.unit, year = plan.year, by = %caller.0.sub, "training plan submitted again");
    Ok(Json(PlanView::of(plan, &pc)).into_response())
}

/// `POST /training-plans/{unit}/{year}/withdraw` — the unit, until approved.
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<PlanPath>,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let year = year_of(&p, lang)?;
    let plan = state.training_plans.withdraw(&pc, &p.unit, year).await.map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %plan.unit, year = plan.year, by = %caller.0.sub, "training plan withdrawn");
    Ok(Json(PlanView::of(plan, &pc)).into_response())
}

/// The organiser's 遴选 in a body: `{"selections": {"1": "funded"}}` (project row →
/// decision), or, from a form, `selections[1]=funded`.
fn selections_of(body: &Value) -> BTreeMap<String, String> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    if let Some(map) = body.get("selections").and_then(Value::as_object) {
        return map.iter().map(|(k, v)| (k.clone(), text(v))).collect();
    }
    let Some(fields) = body.as_object() else { return BTreeMap::new() };
    fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("selections[")?.strip_suffix(']')?.to_owned(), text(v))))
        .collect()
}

/// `POST /training-plans/{unit}/{year}/approve` with `{"comment"?, "selections": {row: decision}}`:
/// every project applying for support decided (`funded`, `tech_support`, `not_selected`).
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<PlanPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let year = year_of(&p, lang)?;
    let plan = state
        .training_plans
        .approve(&pc, &p.unit, year, body_text(&body, "comment"), &selections_of(&body), forms_lang(lang))
        .await
        .map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %plan.unit, year = plan.year, by = %caller.0.sub, "training plan approved");
    Ok(Json(PlanView::of(plan, &pc)).into_response())
}

/// `POST /training-plans/{unit}/{year}/return` with `{"comment": "…"}` (required).
pub async fn return_for_changes(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<PlanPath>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let year = year_of(&p, lang)?;
    let plan = state
        .training_plans
        .return_for_changes(&pc, &p.unit, year, body_text(&body, "comment"))
        .await
        .map_err(|e| workflow_error(e, lang))?;
    tracing::info!(unit = %plan.unit, year = plan.year, by = %caller.0.sub, "training plan returned");
    Ok(Json(PlanView::of(plan, &pc)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    key: String,
}

/// A short-lived link to one of the plan's attachments, for whoever may read the plan.
pub(crate) async fn file_url(
    state: &AppState,
    pc: &PlanCaller,
    lang: Lang,
    p: &PlanPath,
    key: &str,
) -> Result<String, ApiError> {
    let year = year_of(p, lang)?;
    let plan = state.training_plans.get(pc, &p.unit, year).await.map_err(|e| workflow_error(e, lang))?;
    let mut files = Vec::new();
    file_records(&plan.values, &mut files);
    download_url(state, lang, &files, key).await
}

/// `GET /training-plans/{unit}/{year}/download?key=` — a 5-minute link to one of the
/// plan's attachments (the unit, the organiser, the national administrator).
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<PlanPath>,
    Query(q): Query<FileQuery>,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let url = file_url(&state, &pc, lang, &p, &q.key).await?;
    Ok(Json(json!({ "url": url })).into_response())
}

/// `GET /training-plans/{unit}/{year}/export.xlsx` — the plan list (Excel) the unit
/// stamps and sends (seed 001: 导出的年度继续教育与培训计划列表，加盖单位公章后报送).
pub async fn export_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(p): Path<PlanPath>,
) -> Result<Response, ApiError> {
    let pc = plan_caller(&caller, lang)?;
    let year = year_of(&p, lang)?;
    let plan = state.training_plans.get(&pc, &p.unit, year).await.map_err(|e| workflow_error(e, lang))?;
    let schema = gazette_forms::schema("training-plan").ok_or_else(|| ApiError::internal(lang))?;
    let bytes = export::xlsx(schema, &plan).map_err(|e| {
        tracing::error!(error = %e, "plan xlsx export failed");
        ApiError::internal(lang)
    })?;
    let name = format!("training-plan-{}-{}.xlsx", plan.unit, plan.year);
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

/// The training-plan endpoints; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::POST, "/training-plans", post(submit)),
        ApiRoute::token(Method::GET, "/training-plans", get(list)),
        ApiRoute::token(Method::GET, "/training-plans/{unit}/{year}", get(detail)),
        ApiRoute::token(Method::PUT, "/training-plans/{unit}/{year}", put(resubmit)),
        ApiRoute::token(Method::POST, "/training-plans/{unit}/{year}/withdraw", post(withdraw)),
        ApiRoute::token(Method::POST, "/training-plans/{unit}/{year}/approve", post(approve)),
        ApiRoute::token(Method::POST, "/training-plans/{unit}/{year}/return", post(return_for_changes)),
        ApiRoute::token(Method::GET, "/training-plans/{unit}/{year}/download", get(download)),
        ApiRoute::token(Method::GET, "/training-plans/{unit}/{year}/export.xlsx", get(export_xlsx)),
    ]
}
