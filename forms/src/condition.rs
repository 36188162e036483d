//! Conditions: when a field is shown or required, and when a rule applies.
//!
//! Written in the schema as inline tables — `{ field = "kind", in = ["seminar"] }`,
//! `{ field = "flagship", equals = true }`, `{ field = "penalties", contains = "ban" }`,
//! `{ all = [ … ] }`, `{ group = "authors", any_row = { … } }` — and evaluated on
//! normalised values, so `"是"`, `"on"` and `true` are already the same thing.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::number::Decimal;

/// A reference to a field, resolved when the schema is loaded: inside a group row a
/// name means the row's column if there is one, else the top-level field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRef {
    pub(crate) id: String,
    #[serde(skip)]
    pub(crate) in_row: bool,
}

impl FieldRef {
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Whether the reference is to a column of the current group row.
    pub fn is_in_row(&self) -> bool {
        self.in_row
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The field's value equals `value`.
    Equals {
        field: FieldRef,
        value: Value,
    },
    /// The field's value is one of `values`.
    In {
        field: FieldRef,
        values: Vec<Value>,
    },
    /// The field's value is none of `values`.
    NotIn {
        field: FieldRef,
        values: Vec<Value>,
    },
    /// A checkboxes field has `value` ticked.
    Contains {
        field: FieldRef,
        value: String,
    },
    /// A checkboxes field has at least one of `values` ticked.
    ContainsAny {
        field: FieldRef,
        values: Vec<String>,
    },
    /// The field is (`true`) or is not (`false`) filled in.
    Filled {
        field: FieldRef,
        filled: bool,
    },
    /// At least one row of a group satisfies the inner condition.
    AnyRow {
        group: String,
        condition: Box<Condition>,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

/// Where names are looked up: the whole (normalised) submission and, inside a
/// group, the current row.
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub top: &'a Map<String, Value>,
    pub row: Option<&'a Map<String, Value>>,
}

impl<'a> Scope<'a> {
    pub fn get(&self, field: &FieldRef) -> &'a Value {
        let map = match (field.in_row, self.row) {
            (true, Some(row)) => row,
            _ => self.top,
        };
        map.get(&field.id).unwrap_or(&Value::Null)
    }
}

impl Condition {
    pub(crate) fn holds(&self, scope: Scope<'_>) -> bool {
        match self {
            Condition::Equals { field, value } => same(scope.get(field), value),
            Condition::In { field, values } => values.iter().any(|v| same(scope.get(field), v)),
            Condition::NotIn { field, values } => !values.iter().any(|v| same(scope.get(field), v)),
            Condition::Contains { field, value } => ticked(scope.get(field)).any(|v| v == value),
            Condition::ContainsAny { field, values } => ticked(scope.get(field)).any(|v| values.iter().any(|w| w == v)),
            Condition::Filled { field, filled } => is_filled(scope.get(field)) == *filled,
            Condition::AnyRow { group, condition } => match scope.top.get(group) {
                Some(Value::Array(rows)) => rows
                    .iter()
                    .filter_map(Value::as_object)
                    .any(|row| condition.holds(Scope { top: scope.top, row: Some(row) })),
                _ => false,
            },
            Condition::All(all) => all.iter().all(|c| c.holds(scope)),
            Condition::Any(any) => any.iter().any(|c| c.holds(scope)),
        }
    }

    /// The ids of the fields the condition looks at (for a renderer wiring up
    /// conditional reveals).
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Condition::Equals { field, .. }
            | Condition::In { field, .. }
            | Condition::NotIn { field, .. }
            | Condition::Contains { field, .. }
            | Condition::ContainsAny { field, .. }
            | Condition::Filled { field, .. } => vec![field.id.as_str()],
            Condition::AnyRow { group, .. } => vec![group.as_str()],
            Condition::All(cs) | Condition::Any(cs) => cs.iter().flat_map(Condition::fields).collect(),
        }
    }
}

/// Equality of normalised values; numbers compare by value (1 == 1.0).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Decimal::from_json(x) == Decimal::from_json(y),
        _ => a == b,
    }
}

fn ticked(value: &Value) -> impl Iterator<Item = &str> {
    value.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// Whether a normalised value counts as filled in.
pub(crate) fn is_filled(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
        Value::Number(n) => Decimal::from_json(n).is_some_and(|d| !d.is_zero()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn top(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }
    fn r(id: &str) -> FieldRef {
        FieldRef { id: id.into(), in_row: false }
    }

    #[test]
    fn conditions_evaluate_on_normalised_values() {
        let t = top(json!({ "kind": "lecture", "flag": true, "days": 3, "picked": ["a", "b"], "note": "" }));
        let s = Scope { top: &t, row: None };
        assert!(Condition::Equals { field: r("flag"), value: json!(true) }.holds(s));
        assert!(Condition::Equals { field: r("days"), value: json!(3.0) }.holds(s));
        assert!(Condition::In { field: r("kind"), values: vec![json!("seminar"), json!("lecture")] }.holds(s));
        assert!(!Condition::NotIn { field: r("kind"), values: vec![json!("lecture")] }.holds(s));
        assert!(Condition::Contains { field: r("picked"), value: "b".into() }.holds(s));
        assert!(!Condition::ContainsAny { field: r("picked"), values: vec!["c".into()] }.holds(s));
        assert!(Condition::Filled { field: r("note"), filled: false }.holds(s));
        assert!(Condition::Filled { field: r("missing"), filled: false }.holds(s));
        assert!(Condition::All(vec![]).holds(s));
        assert!(!Condition::Any(vec![]).holds(s));
    }

    #[test]
    fn row_references_look_in_the_row_and_any_row_scans_a_group() {
        let t = top(json!({ "found": "yes", "authors": [ { "penalised": false }, { "penalised": true } ] }));
        let row_ref = FieldRef { id: "penalised".into(), in_row: true };
        let any = Condition::AnyRow {
            group: "authors".into(),
            condition: Box::new(Condition::Equals { field: row_ref, value: json!(true) }),
        };
        assert!(any.holds(Scope { top: &t, row: None }));
        let row = top(json!({ "penalised": false }));
        let inner = Condition::Equals { field: FieldRef { id: "found".into(), in_row: false }, value: json!("yes") };
        assert!(inner.holds(Scope { top: &t, row: Some(&row) }));
    }
}
