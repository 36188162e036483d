#![cfg_attr(test, recursion_limit = "256")]
//! Form schemas: each form described once, as data in `content/forms/<id>.toml`, and
//! used twice — the site renders the HTML form from it, with the validation
//! attributes HTML can express (see [`Field::html_attrs`]), and the functions validate
//! submissions against the very same schema, compiled in ([`Schema::validate`]).
//! Client and server cannot disagree because there is only one definition.
//!
//! - `schema.rs` — the model the renderer reads (fields, parts, options, limits);
//! - `load.rs` — TOML → checked model; a bad schema file is an error naming file, line, field;
//! - `validate.rs` — a submission → normalised value or every error at once;
//! - `rules.rs` — cross-field rules (sums, comparisons, conditional limits, counts);
//! - `condition.rs` — `when` / conditional `required` / rule conditions;
//! - `aggregate.rs` — monthly reports → annual report (flows summed, stocks latest);
//! - `answer.rs` — a stored answer as people read it (labels, units);
//! - `id_number.rs` — resident ID numbers: check character and masking;
//! - `html.rs` — field → HTML element and attributes;
//! - `form_data.rs` — posted HTML form fields → the JSON the validator reads;
//! - `render.rs` — schema, values and errors → the HTML form (templates in `forms/templates/`);
//! - `messages.rs` — what errors say, in Chinese and English;
//! - `chars.rs` — characters no text may hold, and characters that show nothing;
//! - `phone.rs` — phone numbers as people write them → the number.
//!
//! The file format and the design decisions are described in `forms/README.md`.

mod aggregate;
mod answer;
pub mod chars;
mod condition;
mod errors;
mod form_data;
mod html;
pub mod id_number;
mod load;
mod messages;
mod number;
mod phone;
mod render;
mod rules;
mod schema;
mod text;
mod validate;

use std::sync::LazyLock;

pub use condition::{Condition, FieldRef};
pub use errors::FieldErrors;
pub use form_data::RowEdit;
pub use html::Element;
pub use load::SchemaError;
pub use number::Decimal;
pub use render::{ADD_ROW, Button, FormRequest, REMOVE_ROW, SummaryItem, error_summary, field_id, render_form};
pub use rules::{CmpOp, Level, Operand, Rule, RuleKind, SumOp};
pub use schema::{
    Aggregate, BlankNumbers, Choice, Field, FieldType, Format, Limit, Month, Part, Pattern, Requirement, Schema, Unit,
};
pub use text::{Lang, Text};

/// The schema files compiled into every binary: (path, contents). A test checks that
/// this list and the files in `content/forms/` are the same.
pub const SOURCES: &[(&str, &str)] = &[
    ("content/forms/registration.toml", include_str!("../../content/forms/registration.toml")),
    ("content/forms/monthly-report.toml", include_str!("../../content/forms/monthly-report.toml")),
    ("content/forms/training-plan.toml", include_str!("../../content/forms/training-plan.toml")),
    ("content/forms/case-upload.toml", include_str!("../../content/forms/case-upload.toml")),
    ("content/forms/integrity-result.toml", include_str!("../../content/forms/integrity-result.toml")),
    ("content/forms/integrity-case.toml", include_str!("../../content/forms/integrity-case.toml")),
    ("content/forms/integrity-review.toml", include_str!("../../content/forms/integrity-review.toml")),
    ("content/forms/external-training.toml", include_str!("../../content/forms/external-training.toml")),
    ("content/forms/policy-upload.toml", include_str!("../../content/forms/policy-upload.toml")),
    ("content/forms/integrity-import.toml", include_str!("../../content/forms/integrity-import.toml")),
];

static SCHEMAS: LazyLock<Result<Vec<Schema>, SchemaError>> = LazyLock::new(|| load::load_all(SOURCES));

/// The compiled-in schemas, parsed once; or the first schema error.
pub fn try_all() -> Result<&'static [Schema], &'static SchemaError> {
    SCHEMAS.as_ref().map(Vec::as_slice)
}

/// The compiled-in schemas, parsed once on first use.
///
/// # Panics
/// If a compiled-in schema file is malformed. That cannot reach a deployed binary
/// once `cargo test -p gazette-forms` passes: `every_schema_file_in_content_forms_loads`
/// fails first, naming file, line and field.
pub fn all() -> &'static [Schema] {
    match try_all() {
        Ok(schemas) => schemas,
        Err(e) => panic!("compiled-in form schema is invalid: {e}"),
    }
}

/// A compiled-in schema by id (`registration`, `monthly-report`, …).
pub fn schema(id: &str) -> Option<&'static Schema> {
    all().iter().find(|s| s.id() == id)
}

#[cfg(test)]
mod form_tests;
