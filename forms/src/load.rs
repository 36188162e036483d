//! Loading a schema file: TOML text → a checked [`Schema`].
//!
//! A schema is data, and bad data must fail loudly and early: every file under
//! `content/forms/` is loaded by a test, so a typo'd key, an unknown type, a rule
//! naming a field that does not exist or a pattern the browser would read
//! differently is a failing test naming the file, the line and the field — never a
//! form that silently accepts what it should refuse.

use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::condition::{Condition, FieldRef};
use crate::number::Decimal;
use crate::rules::{CmpOp, Level, Operand, Rule, RuleKind, SumOp};
use crate::schema::{
    Aggregate, BlankNumbers, Choice, Field, FieldType, Format, Limit, Month, Part, Pattern, Requirement, Schema, UNITS,
    Unit,
};
use crate::text::Text;

/// Why a schema file could not be loaded.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum SchemaError {
    /// Not valid TOML, or a key/value the format does not know (the TOML error names line and column).
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    /// Valid TOML that does not make a sound form.
    #[error("{file}{}: {subject}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid { file: String, line: Option<usize>, subject: String, message: String },
}

impl SchemaError {
    pub fn file(&self) -> &str {
        match self {
            SchemaError::Syntax { file, .. } | SchemaError::Invalid { file, .. } => file,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    id: String,
    title: Text,
    description: Option<Text>,
    #[serde(default)]
    blank_numbers: BlankNumbers,
    #[serde(default)]
    parts: Vec<RawPart>,
    #[serde(default)]
    fields: Vec<RawField>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPart {
    id: String,
    title: Text,
    help: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: String,
    #[serde(rename = "type")]
    kind: FieldType,
    label: Text,
    help: Option<Text>,
    placeholder: Option<Text>,
    part: Option<String>,
    required: Option<toml::Value>,
    when: Option<RawCondition>,
    pattern: Option<String>,
    pattern_message: Option<Text>,
    minlength: Option<u32>,
    maxlength: Option<u32>,
    format: Option<Format>,
    autocomplete: Option<String>,
    min: Option<toml::Value>,
    max: Option<toml::Value>,
    step: Option<toml::Value>,
    unit: Option<String>,
    aggregate: Option<Aggregate>,
    options: Option<Vec<RawChoice>>,
    accept: Option<Vec<String>>,
    max_size: Option<String>,
    multiple: Option<bool>,
    max_files: Option<u32>,
    fields: Option<Vec<RawField>>,
    min_rows: Option<u32>,
    max_rows: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    value: String,
    zh: String,
    en: String,
    help: Option<Text>,
}

#[derive(Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    field: Option<String>,
    equals: Option<toml::Value>,
    #[serde(rename = "in")]
    is_in: Option<Vec<toml::Value>>,
    not_in: Option<Vec<toml::Value>>,
    contains: Option<String>,
    contains_any: Option<Vec<String>>,
    filled: Option<bool>,
    group: Option<String>,
    any_row: Option<Box<RawCondition>>,
    all: Option<Vec<RawCondition>>,
    any: Option<Vec<RawCondition>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum RawRuleKind {
    Sum,
    Compare,
    Range,
    Allowed,
    Count,
    Unique,
    Span,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    kind: RawRuleKind,
    scope: Option<String>,
    when: Option<RawCondition>,
    #[serde(default)]
    level: Level,
    message: Option<Text>,
    total: Option<String>,
    parts: Option<Vec<String>>,
    op: Option<String>,
    left: Option<String>,
    right: Option<String>,
    value: Option<toml::Value>,
    fields: Option<Vec<String>>,
    min: Option<toml::Value>,
    max: Option<toml::Value>,
    field: Option<String>,
    #[serde(rename = "in")]
    is_in: Option<Vec<toml::Value>>,
    not_in: Option<Vec<toml::Value>>,
    group: Option<String>,
    #[serde(rename = "where")]
    filter: Option<RawCondition>,
}

/// Field conditions kept aside until every field exists (a `required` condition may
/// look forward; a `when` may only look back).
struct PendingConditions {
    when: Option<RawCondition>,
    required: Option<RawCondition>,
    columns: Vec<PendingConditions>,
}

impl Schema {
    /// Loads and checks one schema file. `file` is used in messages and must be named
    /// after the schema's `id` (`registration.toml` holds `id = "registration"`).
    pub fn from_toml(file: &str, text: &str) -> Result<Schema, SchemaError> {
        let raw: RawSchema =
            toml::from_str(text).map_err(|e| SchemaError::Syntax { file: file.to_string(), message: e.to_string() })?;
        Loader { file, lines: Lines::scan(text) }.schema(raw)
    }
}

/// Loads several files and checks that their ids are distinct.
pub(crate) fn load_all(sources: &[(&str, &str)]) -> Result<Vec<Schema>, SchemaError> {
    let mut schemas: Vec<Schema> = Vec::new();
    for (file, text) in sources {
        let schema = Schema::from_toml(file, text)?;
        if schemas.iter().any(|s| s.id == schema.id) {
            return Err(SchemaError::Invalid {
                file: file.to_string(),
                line: None,
                subject: format!("form `{}`", schema.id),
                message: "another schema file already uses this id".into(),
            });
        }
        schemas.push(schema);
    }
    Ok(schemas)
}

/// Where things are in the file, so semantic errors can name a line.
struct Lines {
    /// (line number, table header in force, `id` value) for every `id = "…"` line.
    ids: Vec<(usize, String, String)>,
    /// Line numbers of `[[rules]]` headers.
    rules: Vec<usize>,
}

impl Lines {
    fn scan(text: &str) -> Lines {
        let mut header = String::new();
        let mut ids = Vec::new();
        let mut rules = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with('[') {
                header = line.to_string();
                if line == "[[rules]]" {
                    rules.push(n + 1);
                }
            } else if let Some(rest) = line.strip_prefix("id") {
                if let Some(value) = rest.trim_start().strip_prefix('=') {
                    ids.push((n + 1, header.clone(), value.trim().trim_matches('"').to_string()));
                }
            }
        }
        Lines { ids, rules }
    }

    fn find(&self, header: &str, id: &str, after: usize) -> Option<usize> {
        self.ids.iter().find(|(n, h, i)| *n > after && h == header && i == id).map(|(n, _, _)| *n)
    }
}

/// What a name in a condition can refer to at a given place in the schema.
#[derive(Clone, Copy)]
struct Visible<'s> {
    top: &'s [Field],
    columns: &'s [Field],
}

struct Loader<'f> {
    file: &'f str,
    lines: Lines,
}

const ID_CHARS: &str = "lowercase letters, digits and `_`, starting with a letter";

fn is_id(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl<'f> Loader<'f> {
    fn invalid(&self, line: Option<usize>, subject: impl Into<String>, message: impl Into<String>) -> SchemaError {
        SchemaError::Invalid { file: self.file.to_string(), line, subject: subject.into(), message: message.into() }
    }

    fn schema(&self, raw: RawSchema) -> Result<Schema, SchemaError> {
        let stem = self.file.rsplit('/').next().unwrap_or(self.file).trim_end_matches(".toml");
        if raw.id != stem {
            return Err(self.invalid(
                self.lines.find("", &raw.id, 0),
                "id",
                format!("`{}` must match the file name `{stem}`", raw.id),
            ));
        }
        check_text(&raw.title).map_err(|m| self.invalid(None, "title", m))?;
        let mut parts: Vec<Part> = Vec::new();
        for p in raw.parts {
            let line = self.lines.find("[[parts]]", &p.id, 0);
            let subject = format!("part `{}`", p.id);
            if !is_id(&p.id) {
                return Err(self.invalid(line, subject, format!("ids use {ID_CHARS}")));
            }
            if parts.iter().any(|q| q.id == p.id) {
                return Err(self.invalid(line, subject, "two parts have this id"));
            }
            check_text(&p.title).map_err(|m| self.invalid(line, format!("part `{}`", p.id), m))?;
            parts.push(Part { id: p.id, title: p.title, help: p.help });
        }

        let mut fields: Vec<Field> = Vec::new();
        let mut pending = Vec::new();
        for rf in raw.fields {
            let line = self.lines.find("[[fields]]", &rf.id, 0);
            let (field, conditions) = self.field(rf, None, line)?;
            let subject = format!("field `{}`", field.id);
            if fields.iter().any(|f| f.id == field.id) {
                return Err(self.invalid(line, subject, "two fields have this id"));
            }
            match (&field.part, parts.is_empty()) {
                (None, false) => {
                    return Err(self.invalid(line, subject, "the form has parts: say which `part` this field is on"));
                }
                (Some(_), true) => {
                    return Err(self.invalid(line, subject, "`part` is set but the form has no `[[parts]]`"));
                }
                (Some(p), false) if !parts.iter().any(|q| &q.id == p) => {
                    let known: Vec<&str> = parts.iter().map(|q| q.id.as_str()).collect();
                    return Err(self.invalid(
                        line,
                        subject,
                        format!("part `{p}` does not exist (parts: {})", known.join(", ")),
                    ));
                }
                _ => {}
            }
            fields.push(field);
            pending.push(conditions);
        }
        if fields.is_empty() {
            return Err(self.invalid(None, "fields", "a form needs at least one `[[fields]]`"));
        }
        self.resolve_field_conditions(&mut fields, pending)?;
        if fields.iter().any(|f| f.aggregate.is_some()) {
            if let Some(f) = fields.iter().find(|f| f.kind == FieldType::Number && f.aggregate.is_none()) {
                return Err(self.invalid(
                    self.lines.find("[[fields]]", &f.id, 0),
                    format!("field `{}`", f.id),
                    "this form is aggregated into an annual report: say whether the number is a `flow` (summed) or a `stock` (latest month)",
                ));
            }
        }
        let mut rules = Vec::new();
        for (i, rr) in raw.rules.into_iter().enumerate() {
            let line = self.lines.rules.get(i).copied();
            rules.push(self.rule(rr, &fields, i + 1, line)?);
        }
        Ok(Schema {
            id: raw.id,
            file: self.file.to_string(),
            title: raw.title,
            description: raw.description,
            blank_numbers: raw.blank_numbers,
            parts,
            fields,
            rules,
        })
    }

    /// Builds one field (conditions left pending); `group` is the enclosing group's id.
    fn field(
        &self,
        rf: RawField,
        group: Option<&str>,
        line: Option<usize>,
    ) -> Result<(Field, PendingConditions), SchemaError> {
        use FieldType as T;
        let subject = match group {
            Some(g) => format!("field `{g}.{}`", rf.id),
            None => format!("field `{}`", rf.id),
        };
        let err = |m: String| self.invalid(line, subject.clone(), m);
        if !is_id(&rf.id) {
            return Err(err(format!("ids use {ID_CHARS}")));
        }
        check_text(&rf.label).map_err(|m| err(format!("label: {m}")))?;
        let k = rf.kind;
        let text_like = matches!(k, T::Text | T::Textarea | T::Email | T::Tel | T::Url | T::Hidden);
        let not_for = |key: &str, present: bool, allowed: bool| -> Result<(), SchemaError> {
            if present && !allowed {
                Err(self.invalid(
                    line,
                    subject.clone(),
                    format!("`{key}` does not apply to a `{}` field", type_name(k)),
                ))
            } else {
                Ok(())
            }
        };
        not_for("pattern", rf.pattern.is_some(), text_like && k != T::Textarea)?;
        not_for("pattern_message", rf.pattern_message.is_some(), rf.pattern.is_some())?;
        not_for("minlength", rf.minlength.is_some(), text_like)?;
        not_for("maxlength", rf.maxlength.is_some(), text_like)?;
        not_for("min", rf.min.is_some(), matches!(k, T::Number | T::Date | T::Month))?;
        not_for("max", rf.max.is_some(), matches!(k, T::Number | T::Date | T::Month))?;
        not_for("step", rf.step.is_some(), k == T::Number)?;
        not_for("unit", rf.unit.is_some(), k == T::Number)?;
        not_for("options", rf.options.is_some(), matches!(k, T::Select | T::Radio | T::Checkboxes))?;
        not_for("accept", rf.accept.is_some(), k == T::File)?;
        not_for("max_size", rf.max_size.is_some(), k == T::File)?;
        not_for("multiple", rf.multiple.is_some(), k == T::File)?;
        not_for("max_files", rf.max_files.is_some(), k == T::File && rf.multiple == Some(true))?;
        not_for("fields", rf.fields.is_some(), k == T::Group)?;
        not_for("min_rows", rf.min_rows.is_some(), k == T::Group)?;
        not_for("max_rows", rf.max_rows.is_some(), k == T::Group)?;
        not_for("placeholder", rf.placeholder.is_some(), text_like || k == T::Number)?;
        not_for("autocomplete", rf.autocomplete.is_some(), !matches!(k, T::Group | T::Honeypot | T::File))?;
        not_for("required", rf.required.is_some(), k != T::Honeypot)?;
        not_for("when", rf.when.is_some(), k != T::Honeypot)?;
        not_for("part", rf.part.is_some(), group.is_none())?;
        match rf.format {
            Some(Format::IdNumber) if k != T::Text => {
                return Err(err("`format = \"id_number\"` is for `text` fields".into()));
            }
            Some(Format::Markdown) if k != T::Textarea => {
                return Err(err("`format = \"markdown\"` is for `textarea` fields".into()));
            }
            _ => {}
        }
        if k == T::Group && group.is_some() {
            return Err(err("a group cannot contain another group".into()));
        }
        match rf.aggregate {
            Some(Aggregate::Flow) if k != T::Number => {
                return Err(err("only numbers can be a `flow`".into()));
            }
            Some(Aggregate::Collect)
                if !(matches!(k, T::Text | T::Textarea) || (k == T::File && rf.multiple == Some(true))) =>
            {
                return Err(err("`collect` is for text and for files with `multiple = true`".into()));
            }
            Some(_) if group.is_some() || matches!(k, T::Group | T::Honeypot) => {
                return Err(err("`aggregate` applies to top-level fields only".into()));
            }
            _ => {}
        }

        let pattern = match rf.pattern {
            Some(source) => Some(compile_pattern(&source).map_err(|m| err(format!("pattern `{source}`: {m}")))?),
            None => None,
        };
        if let (Some(min), Some(max)) = (rf.minlength, rf.maxlength) {
            if min > max {
                return Err(err("`minlength` is greater than `maxlength`".into()));
            }
        }
        let limit = |v: &Option<toml::Value>, key: &str| -> Result<Option<Limit>, SchemaError> {
            v.as_ref()
                .map(|v| limit_for(k, v).ok_or_else(|| err(format!("`{key}` must be a {}", limit_kind(k)))))
                .transpose()
        };
        let (min, max) = (limit(&rf.min, "min")?, limit(&rf.max, "max")?);
        if let (Some(a), Some(b)) = (min, max) {
            if limit_gt(a, b) {
                return Err(err("`min` is greater than `max`".into()));
            }
        }
        let step = match &rf.step {
            None => Decimal::ONE,
            Some(v) => match number_of(v) {
                Some(s) if s > Decimal::ZERO => s,
                _ => return Err(err("`step` must be a positive number".into())),
            },
        };
        let unit = match &rf.unit {
            None => None,
            Some(name) => Some(Unit::named(name).ok_or_else(|| {
                let known: Vec<&str> = UNITS.iter().map(|u| u.0).collect();
                err(format!("unit `{name}` is not known (units: {})", known.join(" ")))
            })?),
        };
        if unit.is_some_and(|u| u.count) && !step.is_integer() {
            return Err(err(format!(
                "`{}` counts whole things, so `step` must be a whole number",
                unit.map_or("", |u| u.zh)
            )));
        }
        let mut options = Vec::new();
        for o in rf.options.unwrap_or_default() {
            let ok = !o.value.is_empty()
                && o.value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
            if !ok {
                return Err(err(format!("option value `{}` must be lowercase letters, digits, `_` or `-`", o.value)));
            }
            if options.iter().any(|c: &Choice| c.value == o.value) {
                return Err(err(format!("option `{}` is listed twice", o.value)));
            }
            let label = Text { zh: o.zh, en: o.en };
            check_text(&label).map_err(|m| err(format!("option `{}`: {m}", o.value)))?;
            options.push(Choice { value: o.value, label, help: o.help });
        }
        if matches!(k, T::Select | T::Radio | T::Checkboxes) && options.is_empty() {
            return Err(err("a choice field needs `options`".into()));
        }
        let accept = rf.accept.unwrap_or_default();
        if let Some(bad) = accept.iter().find(|a| !(a.starts_with('.') && a.len() > 1 || a.contains('/'))) {
            return Err(err(format!(
                "accept `{bad}`: use an extension (`.pdf`) or a MIME type (`application/pdf`, `image/*`)"
            )));
        }
        let max_size = rf
            .max_size
            .as_deref()
            .map(|s| parse_size(s).ok_or_else(|| err(format!("max_size `{s}`: write it like \"20 MB\" or \"512 KB\""))))
            .transpose()?;
        if k == T::File && max_size.is_none() {
            return Err(err("a file field needs `max_size` (e.g. \"20 MB\")".into()));
        }
        let (required, required_when) = match rf.required {
            None | Some(toml::Value::Boolean(false)) => (Requirement::Optional, None),
            Some(toml::Value::Boolean(true)) => (Requirement::Always, None),
            Some(v @ toml::Value::Table(_)) => {
                let c: RawCondition =
                    v.try_into().map_err(|e: toml::de::Error| err(format!("required: {}", e.message())))?;
                (Requirement::Optional, Some(c))
            }
            Some(_) => {
                return Err(err(
                    "`required` is `true`, `false` or a condition such as `{ field = \"x\", equals = \"y\" }`".into(),
                ));
            }
        };

        let mut columns = Vec::new();
        let mut column_conditions = Vec::new();
        if k == T::Group {
            let raw_columns = rf.fields.unwrap_or_default();
            if raw_columns.is_empty() {
                return Err(err("a group needs `[[fields.fields]]` columns".into()));
            }
            for rc in raw_columns {
                let line_c = self.lines.find("[[fields.fields]]", &rc.id, line.unwrap_or(0));
                let (column, pending) = self.field(rc, Some(&rf.id), line_c)?;
                if columns.iter().any(|c: &Field| c.id == column.id) {
                    return Err(self.invalid(
                        line_c,
                        format!("field `{}.{}`", rf.id, column.id),
                        "two columns have this id",
                    ));
                }
                columns.push(column);
                column_conditions.push(pending);
            }
            if let (Some(min), Some(max)) = (rf.min_rows, rf.max_rows) {
                if min > max {
                    return Err(err("`min_rows` is greater than `max_rows`".into()));
                }
            }
        }

        let field = Field {
            id: rf.id,
            kind: k,
            label: rf.label,
            help: rf.help,
            placeholder: rf.placeholder,
            part: rf.part,
            required,
            when: None,
            pattern,
            pattern_message: rf.pattern_message,
            minlength: rf.minlength,
            maxlength: rf.maxlength,
            format: rf.format,
            autocomplete: rf.autocomplete,
            min,
            max,
            step,
            unit,
            aggregate: rf.aggregate,
            options,
            accept,
            max_size,
            multiple: rf.multiple.unwrap_or(false),
            max_files: rf.max_files,
            fields: columns,
            min_rows: rf.min_rows.unwrap_or(0),
            max_rows: rf.max_rows,
        };
        Ok((field, PendingConditions { when: rf.when, required: required_when, columns: column_conditions }))
    }

    /// Resolves `when` (may only name fields before it: it decides what is shown as the
    /// form is filled top to bottom) and conditional `required` (may name any field).
    fn resolve_field_conditions(
        &self,
        fields: &mut [Field],
        pending: Vec<PendingConditions>,
    ) -> Result<(), SchemaError> {
        for (i, p) in pending.into_iter().enumerate() {
            let line = self.lines.find("[[fields]]", &fields[i].id, 0);
            let subject = format!("field `{}`", fields[i].id);
            let all_top: &[Field] = fields;
            let when = match &p.when {
                Some(c) => Some(self.condition(c, Visible { top: &all_top[..i], columns: &[] }, line, &subject)?),
                None => None,
            };
            let required = match &p.required {
                Some(c) => Some(self.condition(c, Visible { top: all_top, columns: &[] }, line, &subject)?),
                None => None,
            };
            let mut column_conditions = Vec::new();
            for (j, pc) in p.columns.iter().enumerate() {
                let column = &all_top[i].fields[j];
                let line_c = self.lines.find("[[fields.fields]]", &column.id, line.unwrap_or(0));
                let subject_c = format!("field `{}.{}`", all_top[i].id, column.id);
                let cols = &all_top[i].fields;
                let when_c = match &pc.when {
                    Some(c) => Some(self.condition(
                        c,
                        Visible { top: &all_top[..i], columns: &cols[..j] },
                        line_c,
                        &subject_c,
                    )?),
                    None => None,
                };
                let required_c = match &pc.required {
                    Some(c) => Some(self.condition(c, Visible { top: all_top, columns: cols }, line_c, &subject_c)?),
                    None => None,
                };
                column_conditions.push((when_c, required_c));
            }
            let field = &mut fields[i];
            field.when = when;
            if let Some(c) = required {
                field.required = Requirement::When(c);
            }
            for (column, (when_c, required_c)) in field.fields.iter_mut().zip(column_conditions) {
                column.when = when_c;
                if let Some(c) = required_c {
                    column.required = Requirement::When(c);
                }
            }
        }
        Ok(())
    }

    fn condition(
        &self,
        raw: &RawCondition,
        visible: Visible<'_>,
        line: Option<usize>,
        subject: &str,
    ) -> Result<Condition, SchemaError> {
        let err = |m: String| self.invalid(line, subject.to_string(), m);
        let ops = [
            raw.equals.is_some(),
            raw.is_in.is_some(),
            raw.not_in.is_some(),
            raw.contains.is_some(),
            raw.contains_any.is_some(),
            raw.filled.is_some(),
            raw.any_row.is_some(),
            raw.all.is_some(),
            raw.any.is_some(),
        ];
        if ops.iter().filter(|x| **x).count() != 1 {
            return Err(err(
                "a condition has exactly one of `equals`, `in`, `not_in`, `contains`, `contains_any`, `filled`, `any_row`, `all`, `any`".into(),
            ));
        }
        if let Some(all) = &raw.all {
            return Ok(Condition::All(
                all.iter().map(|c| self.condition(c, visible, line, subject)).collect::<Result<_, _>>()?,
            ));
        }
        if let Some(any) = &raw.any {
            return Ok(Condition::Any(
                any.iter().map(|c| self.condition(c, visible, line, subject)).collect::<Result<_, _>>()?,
            ));
        }
        if let Some(inner) = &raw.any_row {
            let group = raw.group.as_deref().ok_or_else(|| err("`any_row` needs `group`".into()))?;
            let g = visible
                .top
                .iter()
                .find(|f| f.id == group && f.kind == FieldType::Group)
                .ok_or_else(|| err(format!("condition: `{group}` is not a group declared before this point")))?;
            let inner = self.condition(inner, Visible { top: visible.top, columns: &g.fields }, line, subject)?;
            return Ok(Condition::AnyRow { group: group.to_string(), condition: Box::new(inner) });
        }
        if raw.group.is_some() {
            return Err(err("`group` goes with `any_row`".into()));
        }
        let name = raw.field.as_deref().ok_or_else(|| err("the condition needs `field`".into()))?;
        let (field, target) = resolve(name, visible).ok_or_else(|| {
            err(format!(
                "condition: no field `{name}` declared before this point (a `when` can only look at fields above it)"
            ))
        })?;
        let value_ok = |v: &toml::Value| -> Result<Value, SchemaError> {
            let json = json_of(v)
                .ok_or_else(|| err(format!("condition on `{name}`: values are strings, numbers or booleans")))?;
            match (target.kind, &json) {
                (FieldType::Select | FieldType::Radio, Value::String(s)) if target.option(s).is_some() => Ok(json),
                (FieldType::Select | FieldType::Radio, _) => {
                    Err(err(format!("condition on `{name}`: `{json}` is not one of its options")))
                }
                (FieldType::Checkbox, Value::Bool(_)) => Ok(json),
                (FieldType::Checkbox, _) => Err(err(format!("condition on `{name}`: a checkbox is `true` or `false`"))),
                (FieldType::Number, Value::Number(_)) => Ok(json),
                (FieldType::Number, _) => Err(err(format!("condition on `{name}`: compare a number with a number"))),
                (FieldType::Checkboxes | FieldType::File | FieldType::Group, _) => {
                    Err(err(format!("condition on `{name}`: use `contains`/`contains_any` or `filled` for this field")))
                }
                (_, Value::String(_)) => Ok(json),
                _ => Err(err(format!("condition on `{name}`: compare text with text"))),
            }
        };
        let option_ok = |v: &String| -> Result<String, SchemaError> {
            if target.kind != FieldType::Checkboxes {
                return Err(err(format!("condition on `{name}`: `contains` is for checkboxes fields")));
            }
            if target.option(v).is_none() {
                return Err(err(format!("condition on `{name}`: `{v}` is not one of its options")));
            }
            Ok(v.clone())
        };
        Ok(if let Some(v) = &raw.equals {
            Condition::Equals { field, value: value_ok(v)? }
        } else if let Some(vs) = &raw.is_in {
            Condition::In { field, values: vs.iter().map(value_ok).collect::<Result<_, _>>()? }
        } else if let Some(vs) = &raw.not_in {
            Condition::NotIn { field, values: vs.iter().map(value_ok).collect::<Result<_, _>>()? }
        } else if let Some(v) = &raw.contains {
            Condition::Contains { field, value: option_ok(v)? }
        } else if let Some(vs) = &raw.contains_any {
            Condition::ContainsAny { field, values: vs.iter().map(option_ok).collect::<Result<_, _>>()? }
        } else {
            if target.kind == FieldType::Number {
                return Err(err(format!(
                    "condition on `{name}`: an empty number is 0, so `filled` says nothing; compare it instead"
                )));
            }
            Condition::Filled { field, filled: raw.filled.unwrap_or(true) }
        })
    }

    fn rule(&self, r: RawRule, fields: &[Field], n: usize, line: Option<usize>) -> Result<Rule, SchemaError> {
        let subject = format!("rule {n} ({})", format!("{:?}", r.kind).to_lowercase());
        let err = |m: String| self.invalid(line, subject.clone(), m);
        // Keys each kind reads; anything else set is a mistake worth reporting.
        let used: &[&str] = match r.kind {
            RawRuleKind::Sum => &["total", "parts", "op"],
            RawRuleKind::Compare => &["left", "op", "right", "value"],
            RawRuleKind::Range => &["fields", "min", "max"],
            RawRuleKind::Allowed => &["field", "in", "not_in"],
            RawRuleKind::Count => &["group", "where", "min", "max"],
            RawRuleKind::Unique => &["group", "field"],
            RawRuleKind::Span => &["field", "left", "right"],
        };
        let set = [
            ("total", r.total.is_some()),
            ("parts", r.parts.is_some()),
            ("op", r.op.is_some()),
            ("left", r.left.is_some()),
            ("right", r.right.is_some()),
            ("value", r.value.is_some()),
            ("fields", r.fields.is_some()),
            ("min", r.min.is_some()),
            ("max", r.max.is_some()),
            ("field", r.field.is_some()),
            ("in", r.is_in.is_some()),
            ("not_in", r.not_in.is_some()),
            ("group", r.group.is_some()),
            ("where", r.filter.is_some()),
        ];
        if let Some((key, _)) = set.iter().find(|(key, present)| *present && !used.contains(key)) {
            return Err(err(format!("`{key}` is not used by this kind of rule (it reads {})", used.join(", "))));
        }
        let scope_group = match &r.scope {
            None => None,
            Some(s) => Some(
                fields
                    .iter()
                    .find(|f| &f.id == s && f.kind == FieldType::Group)
                    .ok_or_else(|| err(format!("scope `{s}` is not a group of this form")))?,
            ),
        };
        let visible = Visible { top: fields, columns: scope_group.map_or(&[], |g| g.fields.as_slice()) };
        // Rule targets are the group's columns in a scoped rule, top-level fields otherwise.
        let target = |id: &str| -> Result<&Field, SchemaError> {
            let found = match scope_group {
                Some(g) => g.column(id),
                None => fields.iter().find(|f| f.id == id),
            };
            found.ok_or_else(|| match scope_group {
                Some(g) => err(format!("`{id}` is not a column of `{}`", g.id)),
                None => err(format!("no field `{id}` in this form")),
            })
        };
        let number = |id: &str| -> Result<String, SchemaError> {
            let f = target(id)?;
            if f.kind != FieldType::Number {
                return Err(err(format!("`{id}` is a {} field; this rule needs numbers", type_name(f.kind))));
            }
            Ok(id.to_string())
        };
        let need = |v: Option<String>, key: &str| v.ok_or_else(|| err(format!("needs `{key}`")));
        let kind = match r.kind {
            RawRuleKind::Sum => {
                let total = number(&need(r.total, "total")?)?;
                let parts = r.parts.unwrap_or_default();
                if parts.is_empty() {
                    return Err(err("needs `parts`".into()));
                }
                let parts = parts.iter().map(|p| number(p)).collect::<Result<Vec<_>, _>>()?;
                let op = match r.op.as_deref() {
                    None | Some("eq") => SumOp::Eq,
                    Some("le") => SumOp::Le,
                    Some(other) => {
                        return Err(err(format!(
                            "op `{other}`: a sum is `eq` (parts add up to the total) or `le` (parts within it)"
                        )));
                    }
                };
                RuleKind::Sum { total, parts, op }
            }
            RawRuleKind::Compare => {
                let left_id = need(r.left, "left")?;
                let left = target(&left_id)?;
                let op = match r.op.as_deref() {
                    Some("eq") => CmpOp::Eq,
                    Some("ne") => CmpOp::Ne,
                    Some("lt") => CmpOp::Lt,
                    Some("le") => CmpOp::Le,
                    Some("gt") => CmpOp::Gt,
                    Some("ge") => CmpOp::Ge,
                    _ => return Err(err("needs `op`: one of eq, ne, lt, le, gt, ge".into())),
                };
                if !matches!(left.kind, FieldType::Number | FieldType::Date | FieldType::Month) {
                    return Err(err(format!(
                        "`{left_id}` is a {} field; compare numbers, dates or months",
                        type_name(left.kind)
                    )));
                }
                let right = match (r.right, r.value) {
                    (Some(right_id), None) => {
                        let right = target(&right_id)?;
                        if right.kind != left.kind {
                            return Err(err(format!("`{left_id}` and `{right_id}` are of different types")));
                        }
                        Operand::Field(right_id)
                    }
                    (None, Some(v)) => Operand::Value(
                        limit_for(left.kind, &v)
                            .ok_or_else(|| err(format!("`value` must be a {}", limit_kind(left.kind))))?,
                    ),
                    _ => {
                        return Err(err("needs exactly one of `right` (a field) or `value`".into()));
                    }
                };
                RuleKind::Compare { left: left_id, op, right }
            }
            RawRuleKind::Range => {
                let ids = r.fields.unwrap_or_default();
                if ids.is_empty() {
                    return Err(err("needs `fields`".into()));
                }
                let ids = ids.iter().map(|f| number(f)).collect::<Result<Vec<_>, _>>()?;
                let bound = |v: Option<toml::Value>, key: &str| {
                    v.map(|v| number_of(&v).ok_or_else(|| err(format!("`{key}` must be a number")))).transpose()
                };
                let (min, max) = (bound(r.min, "min")?, bound(r.max, "max")?);
                if min.is_none() && max.is_none() {
                    return Err(err("needs `min`, `max` or both".into()));
                }
                RuleKind::Range { fields: ids, min, max }
            }
            RawRuleKind::Allowed => {
                let id = need(r.field, "field")?;
                let f = target(&id)?;
                let (values, negate) = match (r.is_in, r.not_in) {
                    (Some(v), None) => (v, false),
                    (None, Some(v)) => (v, true),
                    _ => return Err(err("needs exactly one of `in` or `not_in`".into())),
                };
                let values = values
                    .iter()
                    .map(|v| match (f.kind, json_of(v)) {
                        (FieldType::Select | FieldType::Radio | FieldType::Checkboxes, Some(Value::String(s)))
                            if f.option(&s).is_some() =>
                        {
                            Ok(Value::String(s))
                        }
                        (FieldType::Checkbox, Some(Value::Bool(b))) => Ok(Value::Bool(b)),
                        (FieldType::Select | FieldType::Radio | FieldType::Checkboxes | FieldType::Checkbox, _) => {
                            Err(err(format!("`{v}` is not a value `{id}` can take")))
                        }
                        _ => Err(err(format!(
                            "`{id}` is a {} field; `allowed` is for choices and checkboxes",
                            type_name(f.kind)
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if r.message.is_none() {
                    return Err(err("needs a `message` saying why the choice is not allowed".into()));
                }
                RuleKind::Allowed { field: id, values, negate }
            }
            RawRuleKind::Count => {
                if scope_group.is_some() {
                    return Err(err("a count looks at a whole group; it cannot have a `scope`".into()));
                }
                let group_id = need(r.group, "group")?;
                let g = fields
                    .iter()
                    .find(|f| f.id == group_id && f.kind == FieldType::Group)
                    .ok_or_else(|| err(format!("`{group_id}` is not a group of this form")))?;
                let filter = match &r.filter {
                    Some(c) => Some(self.condition(c, Visible { top: fields, columns: &g.fields }, line, &subject)?),
                    None => None,
                };
                let count = |v: Option<toml::Value>, key: &str| {
                    v.map(|v| match v {
                        toml::Value::Integer(i) if i >= 0 => {
                            u32::try_from(i).map_err(|_| err(format!("`{key}` is too large")))
                        }
                        _ => Err(err(format!("`{key}` must be a whole number"))),
                    })
                    .transpose()
                };
                let (min, max) = (count(r.min, "min")?, count(r.max, "max")?);
                if min.is_none() && max.is_none() {
                    return Err(err("needs `min`, `max` or both".into()));
                }
                if r.message.is_none() {
                    return Err(err("needs a `message` saying what the count is about".into()));
                }
                RuleKind::Count { group: group_id, filter, min, max }
            }
            RawRuleKind::Unique => {
                let group_id = need(r.group, "group")?;
                let g = fields
                    .iter()
                    .find(|f| f.id == group_id && f.kind == FieldType::Group)
                    .ok_or_else(|| err(format!("`{group_id}` is not a group of this form")))?;
                let column = need(r.field, "field")?;
                if g.column(&column).is_none() {
                    return Err(err(format!("`{column}` is not a column of `{group_id}`")));
                }
                if scope_group.is_some() {
                    return Err(err("`unique` looks at a whole group; it cannot have a `scope`".into()));
                }
                RuleKind::Unique { group: group_id, field: column }
            }
            RawRuleKind::Span => {
                let days = number(&need(r.field, "field")?)?;
                let date = |id: String| -> Result<String, SchemaError> {
                    let f = target(&id)?;
                    if f.kind != FieldType::Date {
                        return Err(err(format!("`{id}` is a {} field; a span runs between dates", type_name(f.kind))));
                    }
                    Ok(id)
                };
                let (start, end) = (date(need(r.left, "left")?)?, date(need(r.right, "right")?)?);
                RuleKind::Span { days, start, end }
            }
        };
        let when = match &r.when {
            Some(c) => Some(self.condition(c, visible, line, &subject)?),
            None => None,
        };
        if let Some(m) = &r.message {
            check_text(m).map_err(|e| err(format!("message: {e}")))?;
        }
        Ok(Rule { kind, scope: r.scope, when, level: r.level, message: r.message })
    }
}

/// Looks a name up where a condition sits: the row's columns first, then top-level fields.
fn resolve<'s>(name: &str, visible: Visible<'s>) -> Option<(FieldRef, &'s Field)> {
    if let Some(c) = visible.columns.iter().find(|c| c.id == name) {
        return Some((FieldRef { id: name.to_string(), in_row: true }, c));
    }
    visible.top.iter().find(|f| f.id == name).map(|f| (FieldRef { id: name.to_string(), in_row: false }, f))
}

fn check_text(t: &Text) -> Result<(), String> {
    if t.zh.trim().is_empty() || t.en.trim().is_empty() { Err("needs both `zh` and `en`".into()) } else { Ok(()) }
}

fn type_name(k: FieldType) -> String {
    format!("{k:?}").to_lowercase()
}

fn limit_kind(k: FieldType) -> &'static str {
    match k {
        FieldType::Date => "date (2023-01-31)",
        FieldType::Month => "month (\"2023-01\")",
        _ => "number",
    }
}

fn number_of(v: &toml::Value) -> Option<Decimal> {
    match v {
        toml::Value::Integer(i) => Some(Decimal::from_i64(*i)),
        toml::Value::Float(f) => Decimal::parse(&f.to_string()),
        toml::Value::String(s) => Decimal::parse(s),
        _ => None,
    }
}

/// A bound for a field of type `k`, from a TOML number, date or string.
fn limit_for(k: FieldType, v: &toml::Value) -> Option<Limit> {
    match k {
        FieldType::Number => number_of(v).map(Limit::Number),
        FieldType::Date => {
            let text = match v {
                toml::Value::Datetime(d) => d.to_string(),
                toml::Value::String(s) => s.clone(),
                _ => return None,
            };
            text.parse::<jiff::civil::Date>().ok().filter(|d| d.to_string() == text).map(Limit::Date)
        }
        FieldType::Month => {
            let s = v.as_str()?;
            let (y, m) = s.split_once('-')?;
            let (year, month) = (y.parse::<i16>().ok()?, m.parse::<i8>().ok()?);
            (y.len() == 4 && m.len() == 2 && (1..=12).contains(&month)).then_some(Limit::Month(Month { year, month }))
        }
        _ => None,
    }
}

fn limit_gt(a: Limit, b: Limit) -> bool {
    match (a, b) {
        (Limit::Number(a), Limit::Number(b)) => a > b,
        (Limit::Date(a), Limit::Date(b)) => a > b,
        (Limit::Month(a), Limit::Month(b)) => a > b,
        _ => false,
    }
}

fn json_of(v: &toml::Value) -> Option<Value> {
    match v {
        toml::Value::String(s) => Some(Value::String(s.clone())),
        toml::Value::Integer(i) => Some(Value::from(*i)),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map(Value::Number),
        toml::Value::Boolean(b) => Some(Value::Bool(*b)),
        _ => None,
    }
}

/// `"20 MB"` → bytes (1 MB = 1024 KB = 1,048,576 bytes, as browsers and S3 count).
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: u64 = n.parse().ok()?;
    let factor = match unit.trim().to_ascii_uppercase().as_str() {
        "KB" => 1024,
        "MB" => 1024 * 1024,
        "GB" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(factor).filter(|&b| b > 0)
}

/// Compiles an HTML `pattern` for the server, refusing what the two engines read
/// differently. Browsers use JavaScript regular expressions with the `v` flag; the
/// `regex` crate is Unicode-aware, so `\d`, `\w`, `\s` and `\b` would match more on
/// the server (full-width digits, for instance) than in the browser: write `[0-9]`.
/// The `v` flag also needs `(`, `)`, `[`, `{`, `}`, `/`, `|` and a leading or
/// trailing `-` escaped inside a character class, and neither side shares inline
/// flags or look-around.
fn compile_pattern(source: &str) -> Result<Pattern, String> {
    let mut chars = source.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next().ok_or("ends with a lone `\\`")?;
                if "dDwWsSbBpP".contains(next) {
                    return Err(format!(
                        "`\\{next}` means different things in the browser and on the server; spell the characters out, e.g. `[0-9]`"
                    ));
                }
                class_start = false;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                if chars.peek() == Some(&'^') {
                    chars.next();
                }
            }
            ']' if in_class => in_class = false,
            '-' if in_class && (class_start || chars.peek() == Some(&']')) => {
                return Err("write a literal `-` in a character class as `\\-`".into());
            }
            '(' | ')' | '[' | '{' | '}' | '/' | '|' if in_class => {
                return Err(format!(
                    "escape `{c}` inside a character class (`\\{c}`): the browser's `v` flag requires it"
                ));
            }
            '(' if !in_class && chars.peek() == Some(&'?') => {
                chars.next();
                if chars.next() != Some(':') {
                    return Err("only `(?:…)` groups work in both the browser and the server".into());
                }
            }
            _ => class_start = false,
        }
        if c == '[' {
            class_start = true;
        }
    }
    if in_class {
        return Err("a character class is not closed".into());
    }
    let regex = regex::Regex::new(&format!("^(?:{source})$")).map_err(|e| e.to_string())?;
    Ok(Pattern { source: source.to_string(), regex })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Schema, SchemaError> {
        Schema::from_toml("content/forms/sample.toml", text)
    }

    const HEAD: &str = "id = \"sample\"\ntitle = { zh = \"样例\", en = \"Sample\" }\n";

    fn field_error(text: &str) -> String {
        match load(&format!("{HEAD}{text}")) {
            Ok(_) => panic!("should not load:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_minimal_schema_loads() {
        let s = load(&format!("{HEAD}[[fields]]\nid = \"name\"\ntype = \"text\"\nlabel = {{ zh = \"姓名\", en = \"Name\" }}\nrequired = true\n")).unwrap();
        assert_eq!(s.id(), "sample");
        assert!(s.fields()[0].is_required());
    }

    #[test]
    fn a_toml_syntax_error_names_the_file_and_line() {
        let e = field_error(
            "[[fields]]\nid = \"name\"\ntype = \"text\"\nlabel = { zh = \"姓名\", en = \"Name\" }\nrequried = true\n",
        );
        assert!(e.starts_with("content/forms/sample.toml: "), "{e}");
        assert!(e.contains("line 7"), "{e}");
        assert!(e.contains("requried"), "{e}");
    }

    #[test]
    fn an_unknown_type_is_refused() {
        let e = field_error("[[fields]]\nid = \"n\"\ntype = \"numbr\"\nlabel = { zh = \"数\", en = \"N\" }\n");
        assert!(e.contains("numbr"), "{e}");
    }

    #[test]
    fn a_semantic_error_names_file_line_and_field() {
        let e = field_error(
            "[[fields]]\nid = \"phone\"\ntype = \"tel\"\nlabel = { zh = \"手机\", en = \"Phone\" }\npattern = \"1\\\\d{10}\"\n",
        );
        assert!(e.starts_with("content/forms/sample.toml:4: field `phone`: pattern"), "{e}");
        assert!(e.contains("[0-9]"), "{e}");
    }

    #[test]
    fn attributes_that_do_not_fit_the_type_are_refused() {
        let e = field_error(
            "[[fields]]\nid = \"n\"\ntype = \"textarea\"\nlabel = { zh = \"说明\", en = \"Note\" }\npattern = \"a+\"\n",
        );
        assert!(e.contains("`pattern` does not apply to a `textarea` field"), "{e}");
        let e = field_error(
            "[[fields]]\nid = \"n\"\ntype = \"number\"\nlabel = { zh = \"人数\", en = \"People\" }\nunit = \"人\"\nstep = 0.5\n",
        );
        assert!(e.contains("whole number"), "{e}");
        let e = field_error(
            "[[fields]]\nid = \"n\"\ntype = \"number\"\nlabel = { zh = \"数\", en = \"N\" }\nunit = \"斤\"\n",
        );
        assert!(e.contains("unit `斤` is not known"), "{e}");
    }

    #[test]
    fn a_rule_naming_a_missing_field_is_refused() {
        let e = field_error(
            "[[fields]]\nid = \"total\"\ntype = \"number\"\nlabel = { zh = \"总数\", en = \"Total\" }\n\n[[rules]]\nkind = \"sum\"\ntotal = \"total\"\nparts = [\"senoir\"]\n",
        );
        assert!(e.starts_with("content/forms/sample.toml:8: rule 1 (sum): no field `senoir`"), "{e}");
    }

    #[test]
    fn a_when_may_only_look_at_fields_above_it() {
        let e = field_error(
            "[[fields]]\nid = \"note\"\ntype = \"text\"\nlabel = { zh = \"说明\", en = \"Note\" }\nwhen = { field = \"found\", equals = \"other\" }\n\n[[fields]]\nid = \"found\"\ntype = \"radio\"\nlabel = { zh = \"结论\", en = \"Finding\" }\noptions = [{ value = \"other\", zh = \"其他\", en = \"Other\" }]\n",
        );
        assert!(e.contains("field `note`") && e.contains("no field `found` declared before"), "{e}");
    }

    #[test]
    fn a_condition_value_must_be_an_option() {
        let e = field_error(
            "[[fields]]\nid = \"found\"\ntype = \"radio\"\nlabel = { zh = \"结论\", en = \"Finding\" }\noptions = [{ value = \"other\", zh = \"其他\", en = \"Other\" }]\n\n[[fields]]\nid = \"note\"\ntype = \"text\"\nlabel = { zh = \"说明\", en = \"Note\" }\nwhen = { field = \"found\", equals = \"others\" }\n",
        );
        assert!(e.contains("`\"others\"` is not one of its options"), "{e}");
    }

    #[test]
    fn a_rule_key_the_kind_does_not_read_is_refused() {
        let e = field_error(
            "[[fields]]\nid = \"a\"\ntype = \"number\"\nlabel = { zh = \"甲\", en = \"A\" }\n\n[[rules]]\nkind = \"compare\"\nleft = \"a\"\nop = \"le\"\nvalue = 3\ntotal = \"a\"\n",
        );
        assert!(e.contains("`total` is not used by this kind of rule"), "{e}");
    }

    #[test]
    fn the_id_must_match_the_file_name() {
        let e = Schema::from_toml(
            "content/forms/other.toml",
            &format!("{HEAD}[[fields]]\nid = \"a\"\ntype = \"text\"\nlabel = {{ zh = \"甲\", en = \"A\" }}\n"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("must match the file name `other`"), "{e}");
    }

    #[test]
    fn patterns_the_browser_would_read_differently_are_refused() {
        assert!(compile_pattern("1[3-9][0-9]{9}").is_ok());
        assert!(compile_pattern("[a-z0-9]+(?:-[a-z0-9]+)*").is_ok());
        assert!(compile_pattern("[0-9]{17}[0-9Xx]").is_ok());
        assert!(compile_pattern("\\d{11}").is_err());
        assert!(compile_pattern("[a-z-]+").is_err());
        assert!(compile_pattern("[a-z\\-]+").is_ok());
        assert!(compile_pattern("(?i)abc").is_err());
        assert!(compile_pattern("[(]").is_err());
        assert!(compile_pattern("[abc").is_err());
    }

    #[test]
    fn sizes_read_as_binary_units() {
        assert_eq!(parse_size("20 MB"), Some(20 * 1024 * 1024));
        assert_eq!(parse_size("512KB"), Some(512 * 1024));
        assert_eq!(parse_size("20"), None);
        assert_eq!(parse_size("MB"), None);
    }
}
