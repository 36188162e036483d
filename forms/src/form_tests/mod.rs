//! Tests of the schema files in `content/forms/` against the engine: for each form,
//! a valid submission passes and is normalised, and each rule is refused with the
//! right field path and message.

mod case_upload;
mod catalogue;
mod integrity_result;
mod monthly_report;
mod registration;
mod training_plan;

use serde_json::Value;

use crate::{FieldErrors, Lang, Schema, schema};

pub(crate) fn form(id: &str) -> &'static Schema {
    schema(id).unwrap_or_else(|| panic!("form {id} is compiled in"))
}

/// Validates and expects success, printing the errors if not.
pub(crate) fn ok(schema: &Schema, input: &Value) -> Value {
    match schema.validate(input, Lang::Zh) {
        Ok(v) => v,
        Err(e) => panic!("expected {} to pass, got:\n{e}", schema.id()),
    }
}

/// Validates and expects failure.
pub(crate) fn errors(schema: &Schema, input: &Value, lang: Lang) -> FieldErrors {
    match schema.validate(input, lang) {
        Ok(v) => panic!("expected {} to fail, got {v:#}", schema.id()),
        Err(e) => e,
    }
}

/// Sets `path` (`a`, or `group[1].column`) in a JSON object.
pub(crate) fn set(input: &mut Value, path: &str, value: Value) {
    match crate::schema::split_path(path) {
        (top, Some((row, column))) => input[top][row][column] = value,
        (top, None) => input[top] = value,
    }
}

pub(crate) fn with(input: &Value, changes: &[(&str, Value)]) -> Value {
    let mut v = input.clone();
    for (path, value) in changes {
        set(&mut v, path, value.clone());
    }
    v
}

pub(crate) fn file(name: &str, size: u64, content_type: &str) -> Value {
    serde_json::json!({ "name": name, "size": size, "content_type": content_type, "key": format!("uploads/test/{name}") })
}
