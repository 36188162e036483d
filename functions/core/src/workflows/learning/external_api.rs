//! Endpoints of hours from elsewhere (seed 003 学时登记): the learner registers a
//! training taken outside the platform and follows it; their unit administrator
//! lists the unit's, approves or returns each with an opinion.

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::external::{ExternalCaller, ExternalLearner, ExternalTraining};
use super::statistics::hours_text;
use crate::casework::api::{DownloadQuery, download_url, rejection, stored_uploads};
use crate::http::auth::{Caller, Role};
use crate::http::error::{ApiError, workflow_error};
use crate::http::extract::{JsonBody, Lang, Path, Query};
use crate::http::{ApiRoute, AppState};
use crate::lifecycle::review::Step;
use crate::validation;

impl Caller {
    /// The caller as [`ExternalCaller`]: a unit administrator administers the unit
    /// its token names.
    pub fn external_caller(&self) -> ExternalCaller {
        let unit = self.0.unit.clone().filter(|u| !u.is_empty());
        ExternalCaller {
            account: self.0.sub.clone(),
            role: self.0.role.as_str().to_owned(),
            administers: unit.filter(|_| self.0.role == Role::UnitAdmin),
        }
    }
}

/// A training as `caller` sees it, with its labels and the steps open to them.
pub(crate) fn external_view(t: &ExternalTraining, caller: &ExternalCaller) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or_default();
    v["actions"] = json!(caller.allowed(t));
    v["status_label"] = json!(t.status.label_zh());
    v["mode_label"] = json!(if t.form.online { "线上（网络培训）" } else { "线下" });
    v["attribute_label"] = json!(if t.form.required { "必修" } else { "选修" });
    v["hours_text"] = json!(hours_text(t.form.hours));
    v
}

/// Who registers: the account, the unit its token names (whose administrator
/// decides), and 姓名 / 部门 / region from the learner's latest registration.
async fn learner_of(state: &AppState, caller: &Caller, lang: Lang) -> Result<ExternalLearner, ApiError> {
    let Some(unit) = caller.0.unit.clone().filter(|u| !u.is_empty()) else {
        return Err(ApiError::forbidden(
            lang,
            "您的账号没有所在单位：外部培训学时由本单位管理员审核，请先由单位管理员为您开通账号。",
            "Your account names no unit: hours from elsewhere are approved by your unit's administrator.",
        ));
    };
    let registrations =
        state.learning.registrations().of_account(&caller.0.sub).await.map_err(|e| ApiError::registration(e, lang))?;
    let latest = registrations.iter().max_by_key(|r| r.submitted_at);
    Ok(ExternalLearner {
        account: caller.0.sub.clone(),
        name: latest.map_or_else(|| caller.0.sub.clone(), |r| r.name.clone()),
        department: latest.map_or_else(|| unit.clone(), |r| r.organisation.clone()),
        region: caller.0.region.clone().filter(|r| !r.is_empty()).or_else(|| latest.map(|r| r.region.clone())),
        unit,
    })
}

/// `POST /learning/external` — the `external-training` form: a training taken
/// elsewhere, with its certificate (the caller's own upload), for approval.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let learner = learner_of(&state, &caller, lang).await?;
    let prefix = crate::casework::learner_upload_prefix(&caller.0.sub);
    let uploads = stored_uploads(&state, &prefix, &body, lang).await?;
    let form = validation::external_training(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    let training = state
        .learning
        .submit_external(learner, caller.0.role.as_str(), form)
        .await
        .map_err(|e| workflow_error(e, lang))?;
    tracing::info!(training = %training.id, unit = %training.learner.unit, "training from elsewhere submitted");
    Ok((StatusCode::CREATED, Json(external_view(&training, &caller.external_caller()))).into_response())
}

/// The caller's own trainings from elsewhere.
pub(crate) async fn mine(state: &AppState, caller: &Caller, lang: Lang) -> Result<Vec<ExternalTraining>, ApiError> {
    state.learning.externals_of(&caller.0.sub).await.map_err(|e| workflow_error(e, lang))
}

/// The trainings of the unit the caller administers; refused to anyone else.
pub(crate) async fn of_unit(state: &AppState, caller: &Caller, lang: Lang) -> Result<Vec<ExternalTraining>, ApiError> {
    let Some(unit) = caller.external_caller().administers else {
        return Err(ApiError::forbidden(
            lang,
            "只有单位管理员可以审核本单位学员的外部培训学时。",
            "Only a unit administrator reviews the hours from elsewhere of the unit's learners.",
        ));
    };
    state.learning.externals_of_unit(&unit).await.map_err(|e| workflow_error(e, lang))
}

fn list_answer(list: &[ExternalTraining], caller: &Caller) -> Response {
    let who = caller.external_caller();
    let rows: Vec<Value> = list.iter().map(|t| external_view(t, &who)).collect();
    Json(json!({ "count": rows.len(), "trainings": rows })).into_response()
}

/// `GET /learning/external` — the caller's own, newest first.
pub async fn list_mine(State(state): State<AppState>, caller: Caller, lang: Lang) -> Result<Response, ApiError> {
    Ok(list_answer(&mine(&state, &caller, lang).await?, &caller))
}

/// `GET /learning/external/unit` — the unit administrator's list, newest first.
pub async fn list_unit(State(state): State<AppState>, caller: Caller, lang: Lang) -> Result<Response, ApiError> {
    Ok(list_answer(&of_unit(&state, &caller, lang).await?, &caller))
}

/// One training, if the caller is its learner or its unit's administrator.
pub(crate) async fn one(state: &AppState, caller: &Caller, lang: Lang, id: &str) -> Result<ExternalTraining, ApiError> {
    state.learning.external(&caller.external_caller(), id).await.map_err(|e| workflow_error(e, lang))
}

/// `GET /learning/external/{id}`
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let training = one(&state, &caller, lang, &id).await?;
    Ok(Json(external_view(&training, &caller.external_caller())).into_response())
}

/// `GET /learning/external/{id}/download?key=` — a short-lived link to its certificate.
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let training = one(&state, &caller, lang, &id).await?;
    let url = download_url(&state, lang, std::slice::from_ref(&training.form.certificate), q.key()).await?;
    Ok(Json(json!({ "url": url })).into_response())
}

async fn decide(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    id: &str,
    step: Step,
    body: &Value,
) -> Result<Response, ApiError> {
    let comment = body.get("comment").and_then(Value::as_str);
    let who = caller.external_caller();
    let t = state.learning.decide_external(&who, id, step, comment).await.map_err(|e| workflow_error(e, lang))?;
    tracing::info!(training = %t.id, by = %who.account, status = t.status.as_str(), "training from elsewhere decided");
    Ok(Json(external_view(&t, &who)).into_response())
}

/// `POST /learning/external/{id}/approve` `{"comment": "…"}` (optional) — its unit's administrator.
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    decide(&state, &caller, lang, &id, Step::Approve, &body).await
}

/// `POST /learning/external/{id}/return` `{"comment": "…"}` (required) — its unit's administrator.
pub async fn return_it(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    decide(&state, &caller, lang, &id, Step::Return, &body).await
}

/// The endpoints of hours from elsewhere; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::POST, "/learning/external", post(submit)),
        ApiRoute::token(Method::GET, "/learning/external", get(list_mine)),
        ApiRoute::token(Method::GET, "/learning/external/unit", get(list_unit)),
        ApiRoute::token(Method::GET, "/learning/external/{id}", get(detail)),
        ApiRoute::token(Method::GET, "/learning/external/{id}/download", get(download)),
        ApiRoute::token(Method::POST, "/learning/external/{id}/approve", post(approve)),
        ApiRoute::token(Method::POST, "/learning/external/{id}/return", post(return_it)),
    ]
}
