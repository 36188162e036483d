//! The door between a submitted JSON body and the domain's typed forms. Field rules
//! live once, in the form schemas of `content/forms/` (crate `gazette-forms`), so the
//! HTML form and the server never disagree; this module only picks the schema, maps
//! its errors to the API's `{field: message}` shape and its normalised output to the
//! domain's types.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::domain::RegistrationForm;
use crate::http::Lang;

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
