//! Integrity case endpoints (seed 004): parse, call [`crate::workflows::IntegrityCases`],
//! answer with the case as [`crate::workflows::IntegrityCase::view`] shows it — authors'
//! ID numbers masked. Nothing here logs a result's content.

use crate::http::ApiRoute;
use axum::http::Method;
use axum::routing::{get, post, put};
use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::casework::api::{DownloadQuery, case_error, download_url, file_records, rejection, stored_uploads, written};
use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::extract::{Idempotency, JsonBody, Lang, OptionalJsonBody, Path, Query, body_text};
use crate::validation;
use crate::workflows::integrity_case::CaseFilter;
use crate::workflows::{CaseSource, IntegrityCase, IntegrityCaseForm, IntegrityStatus, Level};

fn text<'a>(body: &'a Value, name: &str) -> &'a str {
    body_text(body, name).unwrap_or("")
}

/// `POST /integrity-cases` — the national account registers a case.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Idempotency(key): Idempotency,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    if actor.level != Level::National {
        return Err(ApiError::forbidden(
            lang,
            "只有国家级管理员可以登记案件。",
            "Only the national administrator registers cases.",
        ));
    }
    let form = validation::integrity_case(&body, lang).map_err(|r| rejection(r, lang))?;
    let w = state.integrity_cases.create(&actor, form, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, replayed = w.replayed, "integrity case created");
    Ok(written(&w, StatusCode::CREATED, w.case.view(&actor)))
}

/// A list's query: `?source=retracted_paper|report|lead&status=&batch=&region=&q=`.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    pub source: Option<String>,
    pub status: Option<String>,
    pub batch: Option<String>,
    pub region: Option<String>,
    /// Words of the title.
    pub q: Option<String>,
}

impl ListQuery {
    /// The filter it asks for; an unknown source, status or region is 422 on its name.
    pub fn filter(&self, lang: Lang) -> Result<CaseFilter, ApiError> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let mut refused = BTreeMap::new();
        let source = given(&self.source).and_then(|s| {
            let found = CaseSource::parse(&s);
            if found.is_none() {
                refused.insert("source".to_owned(), lang.pick("没有这个案件来源。", "No such source.").to_owned());
            }
            found
        });
        let status = given(&self.status).and_then(|s| {
            let found = IntegrityStatus::parse(&s);
            if found.is_none() {
                refused.insert("status".to_owned(), lang.pick("没有这个办理状态。", "No such status.").to_owned());
            }
            found
        });
        let region = given(&self.region);
        if region.as_deref().is_some_and(|r| !validation::is_region(r)) {
            refused.insert(
                "region".to_owned(),
                lang.pick("请选择列表中的行政区划。", "Choose a region from the list.").to_owned(),
            );
        }
        if !refused.is_empty() {
            return Err(ApiError::invalid(lang, refused));
        }
        Ok(CaseFilter { source, status, batch: given(&self.batch), region, title: given(&self.q) })
    }
}

/// `GET /integrity-cases?source=&status=&batch=&region=&q=` — the caller's queue:
/// retracted papers, reports and leads apart or together, filtered.
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let filter = q.filter(lang)?;
    let cases = state.integrity_cases.list(&actor, &filter).await.map_err(|e| case_error(e, lang))?;
    let rows: Vec<Value> = cases.iter().map(|c| c.summary(&actor)).collect();
    Ok(Json(json!({ "count": rows.len(), "cases": rows })).into_response())
}

/// `GET /integrity-cases/{id}` — details, result (masked) and progress (办理进度).
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    Ok(Json(case.view(&actor)).into_response())
}

/// `GET /integrity-cases/{id}/download?key=` — a short-lived link to one of its files.
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    let url = download_url(&state, lang, &case_files(&case), q.key()).await?;
    Ok(Json(json!({ "url": url })).into_response())
}

/// The keys of the case's files — the result's attachments and the letters of its
/// steps: the only ones its download link opens.
pub(crate) fn case_files(case: &IntegrityCase) -> Vec<crate::casework::FileRef> {
    let mut files = vec![];
    if let Some(result) = &case.result {
        file_records(result, &mut files);
    }
    for step in &case.history {
        files.extend(step.letter.clone());
    }
    files
}

/// `POST /integrity-cases/{id}/dispatch` `{"region"?: "hebei"}` — national: send to a
/// province (again, after a misrouting, possibly to another region).
pub async fn dispatch(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let region = Some(text(&body, "region").trim().to_owned()).filter(|r| !r.is_empty());
    if let Some(region) = &region
        && !validation::is_region(region)
    {
        return Err(ApiError::invalid(lang, BTreeMap::new())
            .field("region", lang.pick("请选择列表中的行政区划。", "Choose a region from the list.")));
    }
    let case = state.integrity_cases.dispatch(&id, &actor, region).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, region = %case.details.region, "integrity case dispatched");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/import` `{"batch_name": "2023-1", "sheet": file}` — the national
/// account imports a batch of retracted papers from a workbook it uploaded (form
/// `integrity-import`; see [`super::import`]): every paper or none; 422 names each bad
/// cell (`E3`) with its row and column. Answers `{imported, batch, ids}`.
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    if actor.level != Level::National {
        return Err(ApiError::forbidden(
            lang,
            "只有国家级管理员可以导入撤稿论文。",
            "Only the national administrator imports papers.",
        ));
    }
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let (batch, sheet) = validation::integrity_import(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    let Some(files) = state.files.as_ref() else {
        tracing::error!("integrity import without file storage");
        return Err(ApiError::internal(lang));
    };
    let bytes =
        files.attachments().read(&sheet.key).await.map_err(|e| crate::casework::api::attachment_error(e, lang))?;
    let Some(schema) = gazette_forms::schema(validation::INTEGRITY_CASE) else { return Err(ApiError::internal(lang)) };
    let papers = super::import::read_batch(&bytes, schema, &batch, validation::forms_lang(lang))
        .map_err(|cells| ApiError::invalid(lang, cells))?;
    let forms = papers
        .iter()
        .map(|paper| validation::integrity_case(paper, lang))
        .collect::<Result<Vec<IntegrityCaseForm>, _>>()
        .map_err(|r| rejection(r, lang))?;
    let cases = state.integrity_cases.import_batch(&actor, forms).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(cases = cases.len(), "integrity batch imported");
    let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    Ok((StatusCode::CREATED, Json(json!({ "imported": cases.len(), "batch": batch, "ids": ids }))).into_response())
}

/// `POST /integrity-cases/dispatch` `{"batch"?: "…", "ids"?: […], "to": "region" |
/// "institution"}` — the national account sends every case of a batch (those not yet
/// sent) or the cases named, each to its region's province, or straight to the
/// institution (此次直接发至机构): the directory's unit of the case's region whose
/// name is the paper's first corresponding author's institution. Every case or none;
/// an institution not in the directory is 422 on `to`, naming the papers.
pub async fn dispatch_many(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    if actor.level != Level::National {
        return Err(ApiError::forbidden(
            lang,
            "只有国家级管理员可以发送案件。",
            "Only the national administrator sends cases.",
        ));
    }
    let direct = match text(&body, "to") {
        "region" | "" => false,
        "institution" => true,
        _ => {
            return Err(ApiError::invalid(lang, BTreeMap::new())
                .field("to", lang.pick("请选择按行政区划发送或直接发至机构。", "Choose “region” or “institution”.")));
        }
    };
    let cases = bulk_cases(&state, &actor, &body, lang).await?;
    let institutions = if direct { Some(institutions_of(&state, &cases, lang).await?) } else { None };
    let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
    let sent = state
        .integrity_cases
        .dispatch_many(&ids, &actor, institutions.as_ref())
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(cases = sent.len(), direct, "integrity cases dispatched in bulk");
    let rows: Vec<Value> = sent.iter().map(|c| c.summary(&actor)).collect();
    Ok(Json(json!({ "dispatched": rows.len(), "cases": rows })).into_response())
}

/// The cases a bulk dispatch names: `ids`, or the batch's cases not yet sent (none is 422).
async fn bulk_cases(
    state: &AppState,
    actor: &crate::casework::Actor,
    body: &Value,
    lang: Lang,
) -> Result<Vec<IntegrityCase>, ApiError> {
    // Each case once, however often it is named.
    let ids: std::collections::BTreeSet<String> = body
        .get("ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    let batch = text(body, "batch").trim();
    let cases = if !ids.is_empty() {
        if ids.len() > super::import::MAX_BATCH_ROWS {
            return Err(ApiError::invalid(lang, BTreeMap::new())
                .field("ids", lang.pick("一次最多发送 100 件案件。", "At most 100 cases at once.")));
        }
        let mut cases = Vec::with_capacity(ids.len());
        for id in &ids {
            cases.push(state.integrity_cases.get(id, actor).await.map_err(|e| case_error(e, lang))?);
        }
        cases
    } else if !batch.is_empty() {
        let filter = CaseFilter { batch: Some(batch.to_owned()), ..CaseFilter::default() };
        let all = state.integrity_cases.list(actor, &filter).await.map_err(|e| case_error(e, lang))?;
        all.into_iter()
            .filter(|c| matches!(c.status, IntegrityStatus::Created | IntegrityStatus::ReturnedToNational))
            .collect()
    } else {
        vec![]
    };
    if cases.is_empty() {
        let (field, zh, en) = if ids.is_empty() && batch.is_empty() {
            ("batch", "请选择要发送的批次。", "Choose the batch to send.")
        } else {
            ("batch", "该批次没有待发送的案件。", "The batch has no cases waiting to be sent.")
        };
        return Err(ApiError::invalid(lang, BTreeMap::new()).field(field, lang.pick(zh, en)));
    }
    if cases.len() > super::import::MAX_BATCH_ROWS {
        return Err(ApiError::invalid(lang, BTreeMap::new()).field(
            "batch",
            lang.pick(
                "该批次待发送的案件超过 100 件，请分次发送。",
                "Over 100 cases wait in the batch: send them in parts.",
            ),
        ));
    }
    Ok(cases)
}

/// Case id → (unit code, name): the directory's unit of each case's region named as
/// its first corresponding author's institution. 422 on `to` naming every paper
/// whose institution is not registered there.
async fn institutions_of(
    state: &AppState,
    cases: &[IntegrityCase],
    lang: Lang,
) -> Result<BTreeMap<String, (String, String)>, ApiError> {
    let mut found = BTreeMap::new();
    let mut missing = Vec::new();
    let mut regions: BTreeMap<String, Vec<crate::directory::Unit>> = BTreeMap::new();
    for case in cases {
        let region = &case.details.region;
        if !regions.contains_key(region) {
            let units = state.directory.units_of_region(region).await.map_err(|e| {
                tracing::error!(error = %e, "directory unavailable");
                ApiError::internal(lang)
            })?;
            regions.insert(region.clone(), units);
        }
        let wanted = case.details.corresponding_institution.trim();
        match regions[region].iter().find(|u| u.name.trim() == wanted) {
            Some(unit) => {
                found.insert(case.id.clone(), (unit.code.clone(), unit.name.clone()));
            }
            None => missing.push(if case.details.number.is_empty() {
                case.details.paper_title.clone()
            } else {
                format!("{}（{}）", case.details.number, case.details.corresponding_institution)
            }),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    let list = missing.join(lang.pick("、", ", "));
    let message = match lang {
        Lang::Zh => {
            format!("以下论文的第一通讯作者单位不是本地区已注册的机构，无法直接发至机构，请按行政区划发送：{list}")
        }
        Lang::En => {
            format!("These papers' institutions are not registered in their region; send them by region: {list}")
        }
    };
    Err(ApiError::invalid(lang, BTreeMap::new()).field("to", &message))
}

/// `POST /integrity-cases/{id}/forward` `{"unit": "…"}` — a province sends its case on
/// to an institution: a unit of the case's region in the directory, whose name the
/// case takes; any other code is 422 on `unit` (once the step itself is allowed).
pub async fn forward(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let seen = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    super::may(&actor, &seen, super::IntegrityStep::Forward).map_err(|e| case_error(e, lang))?;
    let code = crate::casework::required_note(text(&body, "unit"), "unit", 100).map_err(|e| case_error(e, lang))?;
    let institution = match state.directory.unit_in_region(&code, &seen.details.region).await {
        Ok(Some(unit)) => unit,
        Ok(None) => {
            return Err(ApiError::invalid(lang, BTreeMap::new()).field(
                "unit",
                lang.pick(
                    "请从列表中选择本地区已注册的机构。",
                    "Choose an institution of the case's region from the list.",
                ),
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "directory unavailable");
            return Err(ApiError::internal(lang));
        }
    };
    let case = state
        .integrity_cases
        .forward(&id, &actor, &institution.code, &institution.name)
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, "integrity case forwarded to an institution");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/take-over` `{"institution": "…"}` — the province records
/// the result itself for an institution without an account (seed 004), naming it;
/// its submission then goes to national review.
pub async fn take_over(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state
        .integrity_cases
        .take_over(&id, &actor, text(&body, "institution"))
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, "integrity case taken over by the province");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/return-to-superior` `{"reason": "…"}` — misrouted: back
/// up one level.
pub async fn return_to_superior(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state
        .integrity_cases
        .return_to_superior(&id, &actor, text(&body, "reason"))
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, status = case.status.as_str(), "integrity case returned to the superior");
    Ok(Json(case.view(&actor)).into_response())
}

/// `PUT /integrity-cases/{id}/result` — the institution saves its result, whole or in
/// part (drafts: the fields given are checked and replace the stored ones).
pub async fn save_result(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let stored = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?.result;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &json!([stored, body]), lang).await?;
    let check = move |stored: &Value, v: &Value| validation::integrity_result_draft(stored, v, lang, &uploads);
    let case = state.integrity_cases.save_result(&id, &actor, &body, &check).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, "integrity case result saved");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/submit` — the institution submits its result for review.
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    Idempotency(key): Idempotency,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let stored = state.integrity_cases.get(&id, &actor).await.map_err(|e| case_error(e, lang))?.result;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &json!(stored), lang).await?;
    let check = move |v: &Value| validation::integrity_result_full(v, lang, &uploads);
    let w = state.integrity_cases.submit(&id, &actor, &check, key.as_ref()).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %w.case.id, replayed = w.replayed, "integrity case result submitted");
    Ok(written(&w, StatusCode::OK, w.case.view(&actor)))
}

/// `POST /integrity-cases/{id}/approve` `{"opinion"?: "…", "letter"?: file}` — provincial
/// or national review; a province's official letter goes on to the national reviewer
/// (a letter from the nation is 422 on `letter`).
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let (opinion, letter) = validation::review(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    let case =
        state.integrity_cases.approve(&id, &actor, Some(&opinion), letter).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, status = case.status.as_str(), "integrity case result approved");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/return` `{"opinion": "…", "letter"?: file}` — a review
/// returns the result to the institution.
pub async fn return_for_changes(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let uploads = stored_uploads(&state, &actor.upload_prefix(), &body, lang).await?;
    let (opinion, letter) = validation::review(&body, lang, &uploads).map_err(|r| rejection(r, lang))?;
    let case = state
        .integrity_cases
        .return_for_changes(&id, &actor, &opinion, letter)
        .await
        .map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, status = case.status.as_str(), "integrity case result returned");
    Ok(Json(case.view(&actor)).into_response())
}

/// `POST /integrity-cases/{id}/withdraw` — the province takes back its approval until
/// the national reviewer acts (可撤回修改, seed 004); afterwards 409.
pub async fn withdraw(
    State(state): State<AppState>,
    caller: Caller,
    lang: Lang,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = caller.case_actor(lang)?;
    let case = state.integrity_cases.withdraw(&id, &actor).await.map_err(|e| case_error(e, lang))?;
    tracing::info!(case = %case.id, "integrity case approval withdrawn by the province");
    Ok(Json(case.view(&actor)).into_response())
}

/// The integrity-case endpoints; every one needs a token.
pub fn routes() -> Vec<ApiRoute> {
    vec![
        ApiRoute::token(Method::POST, "/integrity-cases", post(create)),
        ApiRoute::token(Method::POST, "/integrity-cases/import", post(import)),
        ApiRoute::token(Method::POST, "/integrity-cases/dispatch", post(dispatch_many)),
        ApiRoute::token(Method::GET, "/integrity-cases", get(list)),
        ApiRoute::token(Method::GET, "/integrity-cases/{id}", get(detail)),
        ApiRoute::token(Method::GET, "/integrity-cases/{id}/download", get(download)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/dispatch", post(dispatch)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/forward", post(forward)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/take-over", post(take_over)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/return-to-superior", post(return_to_superior)),
        ApiRoute::token(Method::PUT, "/integrity-cases/{id}/result", put(save_result)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/submit", post(submit)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/approve", post(approve)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/return", post(return_for_changes)),
        ApiRoute::token(Method::POST, "/integrity-cases/{id}/withdraw", post(withdraw)),
    ]
}
