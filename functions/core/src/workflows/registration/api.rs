//! Registration endpoints: parse, call [`crate::workflows::Registrations`], answer.

use crate::http::ApiRoute;
use axum::Json;
use axum::extract::State;
use axum::http::Method;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::http::AppState;
use crate::http::auth::{Caller, Role};
use crate::http::error::ApiError;
use crate::http::export;
use crate::http::extract::{Idempotency, JsonBody, Lang, Path, Query};
use crate::http::limit::ClientAddr;
use crate::validation;
use crate::workflows::registration::{Account, RegistrationStep, Scope, allowed};
use crate::workflows::{ReceiptView, Registration, RegistrationStatus};

impl Caller {
    /// The caller as a registrant: the account and its unit.
    pub fn account(&self) -> Account {
        Account { id: self.0.sub.clone(), unit: self.0.unit.clone() }
    }

    /// Which registrations this caller may see and decide: organisers and national
    /// administrators all, a regional administrator those of their region.
    pub fn registration_scope(&self, lang: Lang) -> Result<Scope, ApiError> {
        match (self.0.role, &self.0.region) {
            (Role::Organiser | Role::NationalAdmin, _) => Ok(Scope::All),
            (Role::RegionalAdmin, Some(region)) if !region.is_empty() => Ok(Scope::Region(region.clone())),
            (Role::RegionalAdmin, _) => Err(ApiError::forbidden(
                lang,
                "地方管理员的令牌须注明所辖地区。",
                "A regional administrator's token must name a region.",
            )),
            _ => Err(ApiError::forbidden(
                lang,
                "您的角色无权管理培训报名。",
                "Your role may not manage training registrations.",
            )),
        }
    }
}

/// A registration as an organiser of `scope` sees it — what the API answers and the
/// pages draw: the registration, its status and region in words, and the decisions
/// open to them now (`actions`, the permission model's answer).
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationView {
    #[serde(flatten)]
    pub registration: Registration,
    pub status_label: &'static str,
    pub region_label: String,
    pub actions: Vec<RegistrationStep>,
}

impl RegistrationView {
    pub fn of(r: Registration, scope: &Scope, lang: Lang) -> RegistrationView {
        RegistrationView {
            status_label: r.status.label_zh(),
            region_label: validation::region_label(&r.region, lang),
            actions: allowed(scope, &r, &[RegistrationStep::Approve, RegistrationStep::Reject]),
            registration: r,
        }
    }
}

fn created(r: &Registration, replayed: bool) -> Response {
    let body = json!({
        "id": r.id,
        "course": r.course,
        "status": r.status,
        "status_label": r.status.label_zh(),
        "receipt": r.receipt,
        "receipt_url": format!("/registrations/receipt/{}", r.receipt),
    });
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// `POST /registrations` — public.
pub async fn submit(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(addr): ClientAddr,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    submit_as(State(state), lang, ClientAddr(addr), Idempotency(key), JsonBody(body), None).await
}

/// [`submit`] by a registrant who may be signed in (the course page's form): the
/// registration names `account` (the caller's `sub` and `unit`), so the course joins
/// their learning record (我的课程) once approved.
pub async fn submit_as(
    State(state): State<AppState>,
    lang: Lang,
    ClientAddr(addr): ClientAddr,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
    account: Option<Account>,
) -> Result<Response, ApiError> {
    state.rate_limit.check(addr, lang)?;
    if validation::registration_is_spam(&body) {
        // Looks like success to the bot; nothing is stored.
        tracing::warn!("registration discarded: honeypot field filled");
        let receipt = ulid::Ulid::from(rand::random::<u128>()).to_string();
        let body = json!({ "id": ulid::Ulid::new().to_string(), "course": body.get("course"), "status": "pending",
            "status_label": "待审核", "receipt": receipt, "receipt_url": format!("/registrations/receipt/{receipt}") });
        return Ok((StatusCode::CREATED, Json(body)).into_response());
    }
    let form = validation::registration_form(&body, lang).map_err(|rejection| match rejection {
        validation::Rejection::Invalid(fields) => ApiError::invalid(lang, fields),
        validation::Rejection::NoSchema(id) => {
            tracing::error!(form = id, "form schema is not compiled in");
            ApiError::internal(lang)
        }
    })?;
    let submission = state
        .registrations
        .register_as(form, key.as_ref(), account)
        .await
        .map_err(|e| ApiError::registration(e, lang))?;
    tracing::info!(registration = %submission.registration.id, course = %submission.registration.course,
        status = submission.registration.status.as_str(), replayed = submission.replayed, "registration submitted");
    Ok(created(&submission.registration, submission.replayed))
}

/// `GET /registrations/receipt/{code}` — public, masked.
pub async fn receipt(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(receipt_of(&state, &code, lang).await?).into_response())
}

/// What a receipt shows (the registration, masked) and its region in words.
#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    #[serde(flatten)]
    pub view: ReceiptView,
    pub region_label: String,
}

/// The receipt of `code`: what the API answers and the receipt page draws.
pub(crate) async fn receipt_of(state: &AppState, code: &str, lang: Lang) -> Result<Receipt, ApiError> {
    let view = state.registrations.receipt(code).await.map_err(|e| ApiError::registration(e, lang))?;
    Ok(Receipt { region_label: validation::region_label(&view.region, lang), view })
}

/// `POST /registrations/receipt/{code}/withdraw` — public.
pub async fn withdraw(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let r = state.registrations.withdraw(&code).await.map_err(|e| ApiError::registration(e, lang))?;
    tracing::info!(registration = %r.id, "registration withdrawn");
    Ok(Json(json!({ "status": r.status, "status_label": r.status.label_zh() })).into_response())
}

/// `?course=&status=` of a list or an export.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub course: Option<String>,
    pub status: Option<String>,
}

fn course_param(q: &ListQuery, lang: Lang) -> Result<String, ApiError> {
    q.course.clone().filter(|c| !c.is_empty()).ok_or_else(|| {
        ApiError::invalid(lang, Default::default()).field(
            "course",
            lang.pick("请在查询参数 course 中指明课程。", "Name the course in the `course` query parameter."),
        )
    })
}

/// The registrations of `q.course` (and `q.status`) the caller may see.
pub(crate) async fn listed(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    q: &ListQuery,
) -> Result<(String, Vec<Registration>), ApiError> {
    let scope = caller.registration_scope(lang)?;
    let course = course_param(q, lang)?;
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(RegistrationStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(lang, Default::default()).field(
                "status",
                lang.pick(
                    "状态须为 pending、approved、rejected、waitlisted 或 withdrawn。",
                    "Status must be pending, approved, rejected, waitlisted or withdrawn.",
                ),
            )
        })?),
    };
    let rows = state.registrations.list(&course, status, &scope).await.map_err(|e| ApiError::registration(e, lang))?;
    Ok((course, rows))
}

/// `GET /registrations?course=&status=` — organiser, national or regional admin.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let (course, rows) = listed(&state, &caller, lang, &q).await?;
    let scope = caller.registration_scope(lang)?;
    let rows: Vec<RegistrationView> = rows.into_iter().map(|r| RegistrationView::of(r, &scope, lang)).collect();
    Ok(Json(json!({ "course": course, "count": rows.len(), "registrations": rows })).into_response())
}

/// `GET /registrations/export.csv?course=`
pub async fn export_csv(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let (course, rows) = listed(&state, &caller, lang, &q).await?;
    let bytes = export::csv(&rows).map_err(|e| {
        tracing::error!(error = %e, "csv export failed");
        ApiError::internal(lang)
    })?;
    Ok(export::download(bytes, "text/csv; charset=utf-8", &format!("registrations-{course}.csv")))
}

/// `GET /registrations/export.xlsx?course=`
pub async fn export_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let (course, rows) = listed(&state, &caller, lang, &q).await?;
    let title = state.registrations.catalog().get(&course).map_or(course.clone(), |c| c.title.clone());
    let bytes = export::xlsx(&title, &rows).map_err(|e| {
        tracing::error!(error = %e, "xlsx export failed");
        ApiError::internal(lang)
    })?;
    Ok(export::download(bytes, export::XLSX, &format!("registrations-{course}.xlsx")))
}

/// `GET /registrations/{id}`
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let scope = caller.registration_scope(lang)?;
    let r = state.registrations.get(&id, &scope).await.map_err(|e| ApiError::registration(e, lang))?;
    Ok(Json(RegistrationView::of(r, &scope, lang)).into_response())
}

/// `POST /registrations/{id}/approve`
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let scope = caller.registration_scope(lang)?;
    let r = state.registrations.approve(&id, &scope).await.map_err(|e| ApiError::registration(e, lang))?;
    tracing::info!(registration = %r.id, by = %caller.0.sub, "registration approved");
    Ok(Json(RegistrationView::of(r, &scope, lang)).into_response())
}

/// `POST /registrations/{id}/reject` with `{"note": "…"}`
pub async fn reject(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let scope = caller.registration_scope(lang)?;
    let note = body.get("note").and_then(|n| n.as_str()).unwrap_or("");
    let r = state.registrations.reject(&id, note, &scope).await.map_err(|e| ApiError::registration(e, lang))?;
    tracing::info!(registration = %r.id, by = %caller.0.sub, "registration rejected");
    Ok(Json(RegistrationView::of(r, &scope, lang)).into_response())
}

/// `GET /courses/{course}/seats` — public: capacity, seats taken, people waiting.
pub async fn seats(
    State(state): State<AppState>,
    lang: Lang,
    Path(course): Path<String>,
) -> Result<Response, ApiError> {
    match state.registrations.seats(&course).await {
        Ok(seats) => Ok(Json(seats).into_response()),
        Err(crate::workflows::RegistrationError::UnknownCourse(_)) => Err(ApiError::not_found(lang)),
        Err(e) => Err(ApiError::registration(e, lang)),
    }
}

/// The registration endpoints and who may call them.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::public(Method::POST, "/registrations", post(submit)),
        ApiRoute::token(Method::GET, "/registrations", get(list)),
        ApiRoute::token(Method::GET, "/registrations/export.csv", get(export_csv)),
        ApiRoute::token(Method::GET, "/registrations/export.xlsx", get(export_xlsx)),
        ApiRoute::public(Method::GET, "/registrations/receipt/{code}", get(receipt)),
        ApiRoute::public(Method::POST, "/registrations/receipt/{code}/withdraw", post(withdraw)),
        ApiRoute::token(Method::GET, "/registrations/{id}", get(detail)),
        ApiRoute::token(Method::POST, "/registrations/{id}/approve", post(approve)),
        ApiRoute::token(Method::POST, "/registrations/{id}/reject", post(reject)),
        ApiRoute::public(Method::GET, "/courses/{course}/seats", get(seats)),
    ]
}
