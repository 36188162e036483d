//! The door between a submitted JSON body and the domain's typed forms. Field rules
//! live once, in the form schemas of `content/forms/` (crate `gazette-forms`), so the
//! HTML form and the server never disagree; this module only picks the schema, maps
//! its errors to the API's `{field: message}` shape and its normalised output to the
//! domain's types.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::http::Lang;
use crate::workflows::RegistrationForm;

/// Why a submission was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Field path → message, in the submitter's language.
    Invalid(BTreeMap<String, String>),
    /// The schema is not compiled in: a build defect, never the submitter's fault.
    NoSchema(&'static str),
}

const REGISTRATION: &str = "registration";

pub fn forms_lang(lang: Lang) -> gazette_forms::Lang {
    match lang {
        Lang::Zh => gazette_forms::Lang::Zh,
        Lang::En => gazette_forms::Lang::En,
    }
}

/// Whether the registration form's hidden trap field was filled in (a bot).
pub fn registration_is_spam(input: &Value) -> bool {
    gazette_forms::schema(REGISTRATION).is_some_and(|s| s.is_spam(input))
}

/// Validates a registration against the `registration` form schema.
pub fn registration_form(input: &Value, lang: Lang) -> Result<RegistrationForm, Rejection> {
    let schema = gazette_forms::schema(REGISTRATION).ok_or(Rejection::NoSchema(REGISTRATION))?;
    let normalised = schema.validate(input, forms_lang(lang)).map_err(|errors| Rejection::Invalid(errors.to_map()))?;
    let text = |name: &str| normalised.get(name).and_then(Value::as_str).unwrap_or("").trim().to_owned();
    Ok(RegistrationForm {
        course: text("course"),
        name: text("name"),
        organisation: text("organisation"),
        position: text("position"),
        phone: text("phone"),
        email: text("email"),
        region: text("region"),
    })
}

/// The label of a region value (`hebei` → 河北省), as the registration form shows it.
pub fn region_label(value: &str, lang: Lang) -> String {
    gazette_forms::schema(REGISTRATION)
        .and_then(|s| s.field("region"))
        .and_then(|f| f.option(value))
        .map_or_else(|| value.to_owned(), |choice| choice.label(forms_lang(lang)).to_owned())
}

// ---- cases (seeds 000 and 004) -----------------------------------------------------------

pub const CASE_UPLOAD: &str = "case-upload";
pub const INTEGRITY_CASE: &str = "integrity-case";
pub const INTEGRITY_RESULT: &str = "integrity-result";
pub const INTEGRITY_REVIEW: &str = "integrity-review";
pub const INTEGRITY_IMPORT: &str = "integrity-import";

fn schema(id: &'static str) -> Result<&'static gazette_forms::Schema, Rejection> {
    gazette_forms::schema(id).ok_or(Rejection::NoSchema(id))
}

/// A key under `owner_prefix` that stays there: in the attachments' safe alphabet
/// ([`crate::attachments::check_key`]: no `..`, `.` or empty segment can lead out of
/// it, no backslash or control character be read as a separator).
fn is_own_key(key: &str, owner_prefix: &str) -> bool {
    key.starts_with(owner_prefix) && crate::attachments::check_key(key).is_ok()
}

/// The files a submission points at, top-level or in a group's rows, as (error
/// path, field, file records): `attachments`, `projects[1].plan_document`.
fn file_values<'a>(
    schema: &'a gazette_forms::Schema,
    value: &'a Value,
) -> Vec<(String, &'a gazette_forms::Field, Vec<&'a Value>)> {
    // Records only: anything else is the form validator's to refuse.
    let records = |v: Option<&'a Value>| match v {
        Some(Value::Array(items)) => items.iter().filter(|v| v.is_object()).collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => vec![],
    };
    let mut found = Vec::new();
    for field in schema.fields() {
        if field.kind() == gazette_forms::FieldType::File {
            found.push((field.id().to_owned(), field, records(value.get(field.id()))));
        }
        let rows = value.get(field.id()).and_then(Value::as_array).filter(|_| !field.columns().is_empty());
        for (index, row) in rows.into_iter().flatten().enumerate() {
            for column in field.columns().iter().filter(|c| c.kind() == gazette_forms::FieldType::File) {
                found.push((format!("{}[{index}].{}", field.id(), column.id()), column, records(row.get(column.id()))));
            }
        }
    }
    found
}

/// Whose files a submission may point at, and which of them are stored: the
/// submitter's key prefix ([`crate::workflows::Actor::upload_prefix`],
/// [`crate::casework::unit_upload_prefix`]) and, for the keys under it that the
/// submission names, the size of the file stored there (built by
/// `casework::api::stored_uploads` before validating).
#[derive(Debug, Clone, Default)]
pub struct Uploads {
    pub owner_prefix: String,
    /// key → bytes stored; a key that is absent was never uploaded (or not in full).
    pub stored: BTreeMap<String, u64>,
}

impl Uploads {
    /// A record this submitter may attach: a safe key of theirs, whose upload
    /// happened, of the size the record says.
    fn holds(&self, record: &Value) -> bool {
        let key = record.get("key").and_then(Value::as_str).unwrap_or_default();
        let size = record.get("size").and_then(Value::as_u64);
        is_own_key(key, &self.owner_prefix) && size.is_some() && self.stored.get(key).copied() == size
    }
}

/// Files a submission points at must be the submitter's own uploads (their keys start
/// with the owner's prefix) and safe keys — a form cannot claim someone else's file
/// by naming its key, nor a path out of the attachment store — and must have been
/// uploaded, whole: a ticket that was never used answers no field, required or not.
/// Each file field at fault, in a group row too, gets an error.
fn foreign_files(
    schema: &gazette_forms::Schema,
    value: &Value,
    uploads: &Uploads,
    lang: Lang,
) -> BTreeMap<String, String> {
    let mut errors = BTreeMap::new();
    for (path, field, files) in file_values(schema, value) {
        if files.iter().any(|f| !uploads.holds(f)) {
            let label = field.label(forms_lang(lang));
            errors.insert(
                path,
                match lang {
                    Lang::Zh => format!("“{label}”中的文件须由您通过本系统上传完成，请重新上传"),
                    Lang::En => {
                        format!("{label}: files must be uploaded in full by you through this system; upload them again")
                    }
                },
            );
        }
    }
    errors
}

/// The files of a unit's monthly report or training plan (`form`): each must be an
/// upload of that unit (`uploads` under [`crate::casework::unit_upload_prefix`], as
/// the upload tickets of its fillers and administrators give them).
pub fn unit_files(form: &'static str, value: &Value, uploads: &Uploads, lang: Lang) -> Result<(), Rejection> {
    let foreign = foreign_files(schema(form)?, value, uploads, lang);
    if foreign.is_empty() { Ok(()) } else { Err(Rejection::Invalid(foreign)) }
}

fn text_of(value: &Value, name: &str) -> String {
    value.get(name).and_then(Value::as_str).unwrap_or("").trim().to_owned()
}

fn file_refs(value: Option<&Value>) -> Vec<crate::workflows::FileRef> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| serde_json::from_value(v.clone()).ok()).collect(),
        Some(v @ Value::Object(_)) => serde_json::from_value(v.clone()).ok().into_iter().collect(),
        _ => vec![],
    }
}

/// A typical-case upload, validated against the `case-upload` schema.
pub fn case_upload(input: &Value, lang: Lang, uploads: &Uploads) -> Result<crate::workflows::CaseUpload, Rejection> {
    let schema = schema(CASE_UPLOAD)?;
    let v = schema.validate(input, forms_lang(lang)).map_err(|errors| Rejection::Invalid(errors.to_map()))?;
    let foreign = foreign_files(schema, &v, uploads, lang);
    if !foreign.is_empty() {
        return Err(Rejection::Invalid(foreign));
    }
    let optional = |name: &str| Some(text_of(&v, name)).filter(|s| !s.is_empty());
    Ok(crate::workflows::CaseUpload {
        title: text_of(&v, "title"),
        region: text_of(&v, "region"),
        provider: text_of(&v, "provider"),
        category: text_of(&v, "category"),
        date: optional("date"),
        source_url: optional("source_url"),
        summary: text_of(&v, "summary"),
        body: text_of(&v, "body"),
        attachments: file_refs(v.get("attachments")),
    })
}

/// The local-policy form (seed 000 四、2).
pub const POLICY_UPLOAD: &str = "policy-upload";

/// A local policy document as a regional administrator uploads it, validated against
/// the `policy-upload` schema; `region` is the uploader's own.
pub fn policy_upload(
    input: &Value,
    lang: Lang,
    uploads: &Uploads,
    region: &str,
) -> Result<crate::workflows::PolicyUpload, Rejection> {
    let schema = schema(POLICY_UPLOAD)?;
    let v = schema.validate(input, forms_lang(lang)).map_err(|errors| Rejection::Invalid(errors.to_map()))?;
    let foreign = foreign_files(schema, &v, uploads, lang);
    if !foreign.is_empty() {
        return Err(Rejection::Invalid(foreign));
    }
    let optional = |name: &str| Some(text_of(&v, name)).filter(|s| !s.is_empty());
    let issuers = text_of(&v, "issuers")
        .split(['、', '，', ',', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(crate::workflows::PolicyUpload {
        title: text_of(&v, "title"),
        issuers,
        doc_number: optional("doc_number"),
        written: text_of(&v, "written"),
        published: text_of(&v, "published"),
        disclosure: text_of(&v, "disclosure"),
        region: region.to_owned(),
        summary: optional("summary"),
        body: text_of(&v, "body"),
        attachments: file_refs(v.get("attachments")),
    })
}

// ---- learning (seed 003) ----------------------------------------------------------------

/// A training taken outside the platform (`external-training` schema).
pub const EXTERNAL_TRAINING: &str = "external-training";

/// A learner's training from elsewhere, validated against the `external-training`
/// schema; its certificate must be the learner's own upload
/// ([`crate::casework::learner_upload_prefix`]).
pub fn external_training(
    input: &Value,
    lang: Lang,
    uploads: &Uploads,
) -> Result<crate::workflows::learning::ExternalTrainingForm, Rejection> {
    let schema = schema(EXTERNAL_TRAINING)?;
    let v = schema.validate(input, forms_lang(lang)).map_err(|errors| Rejection::Invalid(errors.to_map()))?;
    let foreign = foreign_files(schema, &v, uploads, lang);
    if !foreign.is_empty() {
        return Err(Rejection::Invalid(foreign));
    }
    let date = |name: &str| text_of(&v, name).parse::<jiff::civil::Date>().ok();
    let hours = v.get("hours").and_then(|h| h.as_f64().or_else(|| h.as_str().and_then(|s| s.parse().ok())));
    let (Some(starts), Some(ends), Some(hours), Some(certificate)) =
        (date("starts"), date("ends"), hours, file_refs(v.get("certificate")).into_iter().next())
    else {
        // The schema admitted it, so this is a schema out of step with this code.
        return Err(Rejection::NoSchema(EXTERNAL_TRAINING));
    };
    Ok(crate::workflows::learning::ExternalTrainingForm {
        name: text_of(&v, "name"),
        organiser: text_of(&v, "organiser"),
        starts,
        ends,
        hours,
        online: text_of(&v, "mode") == "online",
        required: text_of(&v, "attribute") == "required",
        certificate,
    })
}

/// An integrity case as the national account registers it (`integrity-case` schema).
pub fn integrity_case(input: &Value, lang: Lang) -> Result<crate::workflows::IntegrityCaseForm, Rejection> {
    let schema = schema(INTEGRITY_CASE)?;
    let v = schema.validate(input, forms_lang(lang)).map_err(|errors| Rejection::Invalid(errors.to_map()))?;
    let source =
        crate::workflows::CaseSource::parse(&text_of(&v, "source")).ok_or(Rejection::NoSchema(INTEGRITY_CASE))?;
    Ok(crate::workflows::IntegrityCaseForm {
        source,
        batch: text_of(&v, "batch"),
        number: text_of(&v, "number"),
        paper_title: text_of(&v, "paper_title"),
        authors: text_of(&v, "authors"),
        corresponding_institution: text_of(&v, "corresponding_institution"),
        corresponding_institution_original: text_of(&v, "corresponding_institution_original"),
        journal: text_of(&v, "journal"),
        doi: text_of(&v, "doi"),
        region: text_of(&v, "region"),
        note: text_of(&v, "note"),
    })
}

/// Whether `value` is one of the regions the forms offer (`hebei`, `bingtuan`, …).
pub fn is_region(value: &str) -> bool {
    gazette_forms::schema(INTEGRITY_CASE).and_then(|s| s.field("region")).is_some_and(|f| f.option(value).is_some())
}

/// Part of an integrity result being saved, merged into the `stored` draft: types and
/// formats only (an ID number's check character included), fields that no longer
/// apply left out, files the institution's own.
pub fn integrity_result_draft(
    stored: &Value,
    input: &Value,
    lang: Lang,
    uploads: &Uploads,
) -> Result<Value, BTreeMap<String, String>> {
    let schema = schema(INTEGRITY_RESULT).map_err(no_schema)?;
    let v = schema.merge_draft(stored, input, forms_lang(lang)).map_err(|errors| errors.to_map())?;
    let foreign = foreign_files(schema, &v, uploads, lang);
    if foreign.is_empty() { Ok(v) } else { Err(foreign) }
}

/// A whole integrity result at submission: every required field and attachment
/// (调查报告, items 1–4), every rule, and every author's penalty set against the sets
/// (see [`penalty_sets_match`]).
pub fn integrity_result_full(input: &Value, lang: Lang, uploads: &Uploads) -> Result<Value, BTreeMap<String, String>> {
    let schema = schema(INTEGRITY_RESULT).map_err(no_schema)?;
    let v = schema.validate(input, forms_lang(lang)).map_err(|errors| errors.to_map())?;
    let mut refused = foreign_files(schema, &v, uploads, lang);
    refused.extend(penalty_sets_match(&v, lang));
    if refused.is_empty() { Ok(v) } else { Err(refused) }
}

/// Seed 004's penalties per author: an author penalised chooses a set (`penalty_set`
/// `"1"`…, the row of `penalty_sets`), several authors may choose the same one. A
/// chosen set must exist (refused on `authors[i].penalty_set`), and every set must be
/// chosen by some author (refused on `penalty_sets`). Runs on a validated result.
pub fn penalty_sets_match(result: &Value, lang: Lang) -> BTreeMap<String, String> {
    let mut refused = BTreeMap::new();
    let sets = result.get("penalty_sets").and_then(Value::as_array).map_or(0, Vec::len);
    let authors = result.get("authors").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let mut chosen = vec![false; sets];
    for (i, author) in authors.iter().enumerate() {
        let Some(n) = author.get("penalty_set").and_then(Value::as_str).and_then(|n| n.parse::<usize>().ok()) else {
            continue;
        };
        match chosen.get_mut(n.wrapping_sub(1)) {
            Some(used) => *used = true,
            None => {
                let msg = match lang {
                    Lang::Zh => format!("“作者”第 {} 条：没有第 {n} 组处理措施，请在“处理措施”中添加或另选一组", i + 1),
                    Lang::En => {
                        format!("Authors, row {}: there is no penalty set {n}; add it or choose another", i + 1)
                    }
                };
                refused.insert(format!("authors[{i}].penalty_set"), msg);
            }
        }
    }
    let unused: Vec<String> =
        chosen.iter().enumerate().filter(|(_, used)| !**used).map(|(j, _)| (j + 1).to_string()).collect();
    if !unused.is_empty() {
        let list = unused.join(lang.pick("、", ", "));
        let msg = match lang {
            Lang::Zh => format!("“处理措施”：第 {list} 组没有作者选择，请在“作者”中选择或删除该组"),
            Lang::En => format!("Penalty sets: no author chose set {list}; choose it under Authors or remove it"),
        };
        refused.insert("penalty_sets".to_owned(), msg);
    }
    refused
}

fn no_schema(rejection: Rejection) -> BTreeMap<String, String> {
    tracing::error!(?rejection, "form schema is not compiled in");
    BTreeMap::from([(String::new(), "form schema missing".to_owned())])
}

/// A review's opinion and (a province's) official letter (`integrity-review` schema).
pub fn review(
    input: &Value,
    lang: Lang,
    uploads: &Uploads,
) -> Result<(String, Option<crate::workflows::FileRef>), Rejection> {
    let schema = schema(INTEGRITY_REVIEW)?;
    let v = schema.validate(input, forms_lang(lang)).map_err(|errors| Rejection::Invalid(errors.to_map()))?;
    let foreign = foreign_files(schema, &v, uploads, lang);
    if !foreign.is_empty() {
        return Err(Rejection::Invalid(foreign));
    }
    Ok((text_of(&v, "opinion"), file_refs(v.get("letter")).into_iter().next()))
}

/// An import of retracted papers (`integrity-import` schema): the batch's name and the
/// workbook, uploaded by the caller.
pub fn integrity_import(
    input: &Value,
    lang: Lang,
    uploads: &Uploads,
) -> Result<(String, crate::workflows::FileRef), Rejection> {
    let schema = schema(INTEGRITY_IMPORT)?;
    let v = schema.validate(input, forms_lang(lang)).map_err(|errors| Rejection::Invalid(errors.to_map()))?;
    let foreign = foreign_files(schema, &v, uploads, lang);
    if !foreign.is_empty() {
        return Err(Rejection::Invalid(foreign));
    }
    let sheet = file_refs(v.get("sheet")).into_iter().next().ok_or(Rejection::NoSchema(INTEGRITY_IMPORT))?;
    Ok((text_of(&v, "batch_name"), sheet))
}

/// Checks a planned upload against the file field it is for (type by `accept`, size by
/// `max_size`), before any upload link is handed out. `form` must be one of the case
/// forms and `field` one of its file fields.
pub fn planned_upload(
    form: &str,
    field: &str,
    name: &str,
    size: u64,
    content_type: &str,
    lang: Lang,
) -> Result<(), Rejection> {
    let forms = [
        CASE_UPLOAD,
        POLICY_UPLOAD,
        INTEGRITY_RESULT,
        INTEGRITY_REVIEW,
        INTEGRITY_IMPORT,
        "monthly-report",
        "training-plan",
        EXTERNAL_TRAINING,
    ];
    let Some(id) = forms.into_iter().find(|f| *f == form) else {
        let msg = lang.pick(
            "表单须为 case-upload、policy-upload、integrity-result、integrity-review、integrity-import、monthly-report、training-plan 或 external-training。",
            "form must be case-upload, policy-upload, integrity-result, integrity-review, integrity-import, monthly-report, training-plan or external-training.",
        );
        return Err(Rejection::Invalid(BTreeMap::from([("form".to_owned(), msg.to_owned())])));
    };
    let schema = schema(id)?;
    let Some(f) = schema.field(field).filter(|f| f.kind() == gazette_forms::FieldType::File) else {
        let msg = lang.pick("该表单没有这个附件项。", "That form has no such file field.");
        return Err(Rejection::Invalid(BTreeMap::from([("field".to_owned(), msg.to_owned())])));
    };
    let file = serde_json::json!({ "name": name, "size": size, "content_type": content_type, "key": "planned" });
    let value = if f.is_multiple() { serde_json::json!([file]) } else { file };
    schema
        .validate_draft(&serde_json::json!({ field: value }), forms_lang(lang))
        .map(|_| ())
        .map_err(|errors| Rejection::Invalid(errors.to_map()))
}

/// The label of an option of a `case-upload` field (`region`: `shanxi` → 山西省;
/// `category`: `evaluation` → 科技成果评价).
pub fn case_label(field: &str, value: &str, lang: Lang) -> String {
    option_label(CASE_UPLOAD, field, value, lang)
}

/// The label of an option of a field of the form `form` (`policy-upload`,
/// `disclosure`: `proactive` → 主动公开); the value itself when there is none.
pub fn option_label(form: &str, field: &str, value: &str, lang: Lang) -> String {
    gazette_forms::schema(form)
        .and_then(|s| s.field(field))
        .and_then(|f| f.option(value))
        .map_or_else(|| value.to_owned(), |choice| choice.label(forms_lang(lang)).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str) -> Value {
        serde_json::json!({ "name": "plan.pdf", "size": 10, "content_type": "application/pdf", "key": key })
    }

    #[test]
    fn files_in_group_rows_must_be_the_units_own() {
        let own = crate::casework::unit_upload_prefix("ioz");
        let plan = serde_json::json!({ "projects": [
            { "plan_document": file(&format!("{own}01m8/plan.pdf")) },
            { "plan_document": file("cases/u-ibp/01m8/plan.pdf") },
        ] });
        let stored = [(format!("{own}01m8/plan.pdf"), 10), ("cases/u-ibp/01m8/plan.pdf".to_owned(), 10)];
        let uploads = Uploads { owner_prefix: own, stored: stored.into_iter().collect() };
        let errors = foreign_files(gazette_forms::schema("training-plan").unwrap(), &plan, &uploads, Lang::Zh);
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["projects[1].plan_document"]);
    }

    #[test]
    fn a_file_whose_upload_never_happened_or_was_cut_short_answers_no_field() {
        let own = crate::casework::unit_upload_prefix("ioz");
        let plan = serde_json::json!({ "projects": [
            { "plan_document": file(&format!("{own}01m8/plan.pdf")) },
            { "plan_document": file(&format!("{own}01m9/never-uploaded.pdf")) },
            { "plan_document": file(&format!("{own}01ma/half.pdf")) },
        ] });
        let stored = [(format!("{own}01m8/plan.pdf"), 10), (format!("{own}01ma/half.pdf"), 4)];
        let uploads = Uploads { owner_prefix: own, stored: stored.into_iter().collect() };
        let errors = foreign_files(gazette_forms::schema("training-plan").unwrap(), &plan, &uploads, Lang::Zh);
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["projects[1].plan_document", "projects[2].plan_document"]);
    }

    #[test]
    fn a_file_key_cannot_climb_out_of_its_owners_folder() {
        let own = "cases/u-hebei-001/";
        assert!(is_own_key("cases/u-hebei-001/01m8/r.pdf", own));
        for bad in [
            "cases/u-hebei-001/../u-hebei-002/01m8/r.pdf",
            "cases/u-hebei-001/x/../../../../dev-jwt-secret",
            "cases/u-hebei-001//r.pdf",
            "cases/u-hebei-001/./r.pdf",
            "cases/u-hebei-001/a\\..\\b",
            "cases/u-hebei-002/01m8/r.pdf",
        ] {
            assert!(!is_own_key(bad, own), "{bad}");
        }
    }
}
