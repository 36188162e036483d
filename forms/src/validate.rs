//! Checking a submission against its schema and normalising it.
//!
//! Three passes over the submitted JSON (an object keyed by field id; groups as
//! arrays of row objects; files as `{name, size, content_type, key}` objects):
//! 1. each field is parsed by its type — numbers parsed (empty → 0), strings trimmed,
//!    dates made ISO, choices checked against their options — and fields whose
//!    `when` does not hold are cleared;
//! 2. `required` is checked, including conditional requirements, which may look at
//!    any field;
//! 3. the cross-field rules run on the normalised values.
//!
//! Every error is collected; nothing stops at the first one. A draft runs pass 1
//! only, on the fields present, so a part can be saved before the rest is filled in.
//!
//! A field whose `when` does not hold does not apply: it is neither checked nor
//! returned, in a submission and in a draft alike, so nothing a person cannot see is
//! ever stored, and nothing stored from an earlier answer comes back to be checked.
//! An empty number is 0 where 0 is an answer the field takes, and stays empty where
//! it is not (a period of at least 1 year), so a draft never stores an answer nobody gave.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::chars;
use crate::condition::{Scope, is_filled};
use crate::errors::FieldErrors;
use crate::id_number;
use crate::messages::{Loc, Problem, not_an_object};
use crate::number::Decimal;
use crate::phone;
use crate::rules::{self, Checked, Level};
use crate::schema::{BlankNumbers, Field, FieldType, Format, Limit, Month, Requirement, Schema};
use crate::text::Lang;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A whole submission: every field, `when`, `required`, rules.
    Submit,
    /// A whole draft (stored answers and new ones merged): the fields present, by
    /// type and format, under their `when`; nothing required, no rule.
    Draft,
    /// Each field present on its own, by type and format only (no `when`: the
    /// answers it depends on may not be there).
    Fields,
}

impl Mode {
    /// Whether a field's `when` decides if it applies at all.
    fn applies_when(self) -> bool {
        self != Mode::Fields
    }
}

impl Schema {
    /// Validates a complete submission and returns it normalised: numbers parsed (an
    /// empty number is 0), strings trimmed, dates as `YYYY-MM-DD`, checkboxes in
    /// option order, blank group rows dropped, hidden fields cleared, unknown keys and
    /// the honeypot dropped. Otherwise returns every error at once, each keyed by its
    /// field path (`authors[1].id_number`) with a message in `lang`.
    ///
    /// Rules with `level = "warning"` do not block; see [`Schema::warnings`].
    pub fn validate(&self, input: &Value, lang: Lang) -> Result<Value, FieldErrors> {
        let run = Run::new(self, input, lang, Mode::Submit);
        run.finish(Level::Error)
    }

    /// Checks the fields present, each on its own by its type and format: nothing is
    /// required, no `when` hides anything and no rule runs. Returns only the fields
    /// present, normalised. For one value out of context (a file about to be
    /// uploaded); a draft being saved goes through [`Schema::merge_draft`].
    pub fn validate_draft(&self, input: &Value, lang: Lang) -> Result<Value, FieldErrors> {
        let run = Run::new(self, input, lang, Mode::Fields);
        if run.errors.is_empty() { Ok(run.output()) } else { Err(run.errors) }
    }

    /// Saves a draft — typically one part of a multi-part form, or a form saved
    /// before it is complete: the answers of `input` replace those of `stored` (field
    /// by field; a group as a whole), and the merged draft is checked field by field
    /// for types and formats. Nothing is required and no rule runs, but a field whose
    /// `when` does not hold for the merged answers does not apply: it is not checked
    /// and is left out, so an answer that no longer applies (a ban period after its
    /// penalty was unticked) is dropped rather than stored and checked again.
    /// Returns the whole new draft, normalised; errors name the fields at fault.
    pub fn merge_draft(&self, stored: &Value, input: &Value, lang: Lang) -> Result<Value, FieldErrors> {
        let Some(given) = input.as_object() else {
            return Err(Run::new(self, input, lang, Mode::Draft).errors);
        };
        let mut merged = stored.as_object().cloned().unwrap_or_default();
        merged.extend(given.iter().map(|(k, v)| (k.clone(), v.clone())));
        let run = Run::new(self, &Value::Object(merged), lang, Mode::Draft);
        if run.errors.is_empty() { Ok(run.output()) } else { Err(run.errors) }
    }

    /// The answers of `values` that apply: each field (and each cell of a group row)
    /// whose `when` does not hold is left out, as [`Schema::validate`] leaves it out.
    /// For pages that show stored answers, which must not show what was never asked
    /// (a seminar's 讲座场次).
    pub fn applicable(&self, values: &Value) -> Value {
        let run = Run::new(self, values, Lang::Zh, Mode::Submit);
        let mut out = values.clone();
        if let Value::Object(map) = &mut out {
            let submitted: HashMap<String, Vec<usize>> = HashMap::new();
            strip_hidden(map, &run.hidden, &submitted);
        }
        out
    }

    /// The warnings for a submission: rules with `level = "warning"` that do not hold
    /// (the guide's 原则上 — e.g. more than one funded project per plan). Paths and
    /// messages as in [`Schema::validate`]; show them, but accept the submission.
    pub fn warnings(&self, input: &Value, lang: Lang) -> FieldErrors {
        let run = Run::new(self, input, lang, Mode::Submit);
        let mut warnings = FieldErrors::new();
        run.rules(Level::Warning, &mut warnings);
        warnings
    }

    /// The paths of the fields whose `when` does not hold for `input`: what a page
    /// hides as the person types, and what a submission clears. Cells are named with
    /// the row as submitted (`projects[0].days`); rows left blank are not looked at.
    pub fn hidden_paths(&self, input: &Value) -> Vec<String> {
        let run = Run::new(self, input, Lang::Zh, Mode::Submit);
        let mut paths: Vec<String> = run.hidden.into_iter().collect();
        paths.sort();
        paths
    }

    /// Whether the honeypot field was filled in: a bot. Handlers may answer as if
    /// the submission succeeded and store nothing; [`Schema::validate`] refuses it too.
    pub fn is_spam(&self, input: &Value) -> bool {
        self.fields.iter().filter(|f| f.kind == FieldType::Honeypot).any(|f| {
            input.get(&f.id).is_some_and(|v| match v {
                Value::Null => false,
                Value::String(s) => !s.trim().is_empty(),
                _ => true,
            })
        })
    }
}

/// One validation in progress.
struct Run<'a> {
    schema: &'a Schema,
    lang: Lang,
    mode: Mode,
    out: Map<String, Value>,
    errors: FieldErrors,
    /// Paths left empty (for `required`).
    empty: HashSet<String>,
    /// Paths cleared because their `when` did not hold.
    hidden: HashSet<String>,
    /// For each group, the submitted index of each kept row.
    rows: HashMap<String, Vec<usize>>,
}

impl<'a> Run<'a> {
    fn new(schema: &'a Schema, input: &Value, lang: Lang, mode: Mode) -> Run<'a> {
        let mut run = Run {
            schema,
            lang,
            mode,
            out: Map::new(),
            errors: FieldErrors::new(),
            empty: HashSet::new(),
            hidden: HashSet::new(),
            rows: HashMap::new(),
        };
        let Some(input) = input.as_object() else {
            run.errors.add((0, 0, 0), String::new(), not_an_object(lang));
            return run;
        };
        for field in &schema.fields {
            let raw = input.get(&field.id);
            if mode != Mode::Submit && (raw.is_none() || field.kind == FieldType::Honeypot) {
                continue;
            }
            let loc = Loc::top(field);
            if field.kind == FieldType::Honeypot {
                if raw.is_some_and(|v| !matches!(v, Value::Null) && v.as_str().is_none_or(|s| !s.trim().is_empty())) {
                    run.problem(&loc, Problem::Honeypot);
                }
                continue;
            }
            if mode.applies_when() && field.when.as_ref().is_some_and(|c| !c.holds(Scope { top: &run.out, row: None }))
            {
                run.hidden.insert(field.id.clone());
                run.out.insert(field.id.clone(), empty_value(field));
                continue;
            }
            let value = if field.kind == FieldType::Group { run.group(field, raw) } else { run.value(&loc, raw) };
            run.out.insert(field.id.clone(), value);
        }
        if mode == Mode::Submit {
            run.check_required();
        }
        run
    }

    fn problem(&mut self, loc: &Loc<'_>, problem: Problem) {
        let message = problem.message(loc, self.lang);
        self.errors.add(loc.order(self.schema), loc.path(), message);
    }

    fn finish(mut self, level: Level) -> Result<Value, FieldErrors> {
        let mut errors = std::mem::take(&mut self.errors);
        self.rules(level, &mut errors);
        if errors.is_empty() { Ok(self.output()) } else { Err(errors) }
    }

    /// The normalised answers without the fields that do not apply. (While the run
    /// goes on they hold their empty value, so conditions read them as unanswered.)
    fn output(&self) -> Value {
        let mut out = self.out.clone();
        strip_hidden(&mut out, &self.hidden, &self.rows);
        Value::Object(out)
    }

    fn rules(&self, level: Level, errors: &mut FieldErrors) {
        let checked =
            Checked { schema: self.schema, lang: self.lang, top: &self.out, rows: &self.rows, hidden: &self.hidden };
        match level {
            // `errors` already holds the field errors, so rules skip those fields.
            Level::Error => rules::check(&checked, level, errors),
            Level::Warning => {
                let mut merged = self.errors.clone();
                rules::check(&checked, level, &mut merged);
                for (path, message) in merged.iter().filter(|(path, _)| !self.errors.contains(path)) {
                    errors.add(self.order_of(path), path.to_string(), message.to_string());
                }
            }
        }
    }

    fn order_of(&self, path: &str) -> (usize, usize, usize) {
        let (top, cell) = crate::schema::split_path(path);
        let position = self.schema.position(top);
        match (cell, self.schema.field(top)) {
            (Some((row, column)), Some(group)) => {
                (position, row + 1, group.fields.iter().position(|c| c.id == column).map_or(0, |c| c + 1))
            }
            _ => (position, 0, 0),
        }
    }

    /// Parses a group's rows; blank rows (nothing typed, ticked or chosen) are dropped.
    fn group(&mut self, group: &'a Field, raw: Option<&Value>) -> Value {
        let rows: &[Value] = match raw {
            None | Some(Value::Null) => &[],
            Some(Value::Array(rows)) => rows,
            Some(_) => {
                self.problem(&Loc::top(group), Problem::NotRows);
                return Value::Array(Vec::new());
            }
        };
        let mut kept = Vec::new();
        let mut indexes = Vec::new();
        for (index, row) in rows.iter().enumerate() {
            let Some(row) = row.as_object() else {
                self.problem(&Loc::top(group), Problem::NotRows);
                continue;
            };
            if group.fields.iter().all(|c| is_blank(row.get(&c.id))) {
                continue;
            }
            let mut out_row = Map::new();
            for column in &group.fields {
                let loc = Loc::cell(group, index, column);
                let hidden = self.mode.applies_when()
                    && column.when.as_ref().is_some_and(|c| !c.holds(Scope { top: &self.out, row: Some(&out_row) }));
                let value = if hidden {
                    self.hidden.insert(loc.path());
                    empty_value(column)
                } else {
                    self.value(&loc, row.get(&column.id))
                };
                out_row.insert(column.id.clone(), value);
            }
            kept.push(Value::Object(out_row));
            indexes.push(index);
        }
        if let Some(max) = group.max_rows {
            if kept.len() > max as usize {
                self.problem(&Loc::top(group), Problem::TooManyRows(max));
            }
        }
        self.rows.insert(group.id.clone(), indexes);
        Value::Array(kept)
    }

    /// Parses one value by its field's type, recording problems and emptiness.
    fn value(&mut self, loc: &Loc<'a>, raw: Option<&Value>) -> Value {
        let field = loc.field;
        let raw = raw.unwrap_or(&Value::Null);
        let parsed = match field.kind {
            FieldType::Number => self.number(field, raw),
            FieldType::Date | FieldType::Month => date(field, raw),
            FieldType::Select | FieldType::Radio => choice(field, raw),
            FieldType::Checkboxes => choices(field, raw),
            FieldType::Checkbox => boolean(raw),
            FieldType::File => files(field, raw),
            FieldType::Group | FieldType::Honeypot => Ok(Value::Null),
            FieldType::Text
            | FieldType::Textarea
            | FieldType::Email
            | FieldType::Tel
            | FieldType::Url
            | FieldType::Hidden => text(field, raw),
        };
        match parsed {
            Ok(value) => {
                let blank = match field.kind {
                    FieldType::Number => is_blank(Some(raw)),
                    _ => !is_filled(&value),
                };
                if blank {
                    self.empty.insert(loc.path());
                }
                value
            }
            Err(problem) => {
                self.problem(loc, problem);
                empty_value(field)
            }
        }
    }

    fn number(&self, field: &Field, raw: &Value) -> Result<Value, Problem> {
        let n = match raw {
            Value::Null => return Ok(blank_number(self.schema, field)),
            Value::Number(n) => Decimal::from_json(n).ok_or(Problem::NotNumber)?,
            Value::String(s) => {
                let s = halfwidth(s);
                let s = s.trim();
                if s.is_empty() {
                    return Ok(blank_number(self.schema, field));
                }
                Decimal::parse(s).ok_or(Problem::NotNumber)?
            }
            _ => return Err(Problem::NotNumber),
        };
        if let Some(Limit::Number(min)) = field.min {
            if n < min {
                return Err(Problem::Below(Limit::Number(min)));
            }
        }
        if let Some(Limit::Number(max)) = field.max {
            if n > max {
                return Err(Problem::Above(Limit::Number(max)));
            }
        }
        // As in HTML, the step counts from `min` when there is one.
        let base = match field.min {
            Some(Limit::Number(min)) => min,
            _ => Decimal::ZERO,
        };
        let offset = n.checked_sub(base).ok_or(Problem::NotNumber)?;
        if !offset.is_zero() && !offset.is_multiple_of(field.step) {
            return Err(Problem::Step(field.step));
        }
        Ok(n.to_json())
    }

    /// Required fields (pass 2), with conditions evaluated on the normalised values.
    fn check_required(&mut self) {
        let schema = self.schema;
        for field in &schema.fields {
            if field.kind == FieldType::Honeypot || self.hidden.contains(&field.id) {
                continue;
            }
            let top = Scope { top: &self.out, row: None };
            let required = requires(field, top);
            if field.kind == FieldType::Group {
                let count = self.out.get(&field.id).and_then(Value::as_array).map_or(0, Vec::len) as u32;
                let min = field.min_rows.max(u32::from(required));
                if count < min && !self.errors.touches(&field.id) {
                    self.problem(&Loc::top(field), Problem::TooFewRows(min));
                }
                let indexes = self.rows.get(&field.id).cloned().unwrap_or_default();
                let rows = self.out.get(&field.id).and_then(Value::as_array).cloned().unwrap_or_default();
                for (row, index) in rows.iter().zip(indexes) {
                    let Some(row) = row.as_object() else { continue };
                    for column in &field.fields {
                        let loc = Loc::cell(field, index, column);
                        let path = loc.path();
                        if self.hidden.contains(&path) || !self.empty.contains(&path) {
                            continue;
                        }
                        if requires(column, Scope { top: &self.out, row: Some(row) }) {
                            self.problem(&loc, Problem::Required);
                        }
                    }
                }
            } else if required && self.empty.contains(&field.id) {
                self.problem(&Loc::top(field), Problem::Required);
            }
        }
    }
}

/// An empty number: 0 where the field takes 0 (a count of papers), and nothing where
/// it does not (a ban of at least 1 year), so no answer is made up that the field
/// itself would refuse. In a form whose `blank_numbers = "missing"`, nothing at all.
fn blank_number(schema: &Schema, field: &Field) -> Value {
    if schema.blank_numbers == BlankNumbers::Missing {
        return Value::Null;
    }
    let zero = Decimal::ZERO;
    let above_min = !matches!(field.min, Some(Limit::Number(min)) if min > zero);
    let below_max = !matches!(field.max, Some(Limit::Number(max)) if max < zero);
    if above_min && below_max { zero.to_json() } else { Value::Null }
}

/// Leaves out of `out` the fields and cells named in `hidden` (paths as submitted:
/// `projects[2].days`). `rows` maps each group's kept rows to their submitted
/// index; a group missing from it is taken as submitted.
fn strip_hidden(out: &mut Map<String, Value>, hidden: &HashSet<String>, rows: &HashMap<String, Vec<usize>>) {
    if hidden.is_empty() {
        return;
    }
    out.retain(|id, _| !hidden.contains(id));
    for (id, value) in out.iter_mut() {
        let Value::Array(items) = value else { continue };
        let indexes = rows.get(id);
        for (kept, row) in items.iter_mut().enumerate() {
            let Value::Object(cells) = row else { continue };
            let index = indexes.and_then(|ix| ix.get(kept)).copied().unwrap_or(kept);
            cells.retain(|column, _| !hidden.contains(&format!("{id}[{index}].{column}")));
        }
    }
}

fn requires(field: &Field, scope: Scope<'_>) -> bool {
    match &field.required {
        Requirement::Optional => false,
        Requirement::Always => true,
        Requirement::When(condition) => condition.holds(scope),
    }
}

/// The value a field has when nothing was entered (or it is hidden).
pub(crate) fn empty_value(field: &Field) -> Value {
    match field.kind {
        FieldType::Number => Value::from(0),
        FieldType::Checkbox => Value::Bool(false),
        FieldType::Checkboxes | FieldType::Group => Value::Array(Vec::new()),
        FieldType::File if field.multiple => Value::Array(Vec::new()),
        FieldType::File => Value::Null,
        _ => Value::String(String::new()),
    }
}

/// Whether a submitted value is "nothing entered" (decides blank rows and empty numbers).
fn is_blank(raw: Option<&Value>) -> bool {
    match raw {
        None | Some(Value::Null) | Some(Value::Bool(false)) => true,
        Some(Value::String(s)) => chars::trim_blank(s).is_empty(),
        Some(Value::Array(a)) => a.iter().all(|v| is_blank(Some(v))),
        Some(Value::Object(o)) => o.is_empty(),
        _ => false,
    }
}

/// Full-width digits and signs typed with a Chinese IME → ASCII.
fn halfwidth(s: &str) -> String {
    s.chars().map(halfwidth_char).collect()
}

/// One character of [`halfwidth`].
pub(crate) fn halfwidth_char(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' | '。' => '.',
        '－' => '-',
        '\u{3000}' => ' ',
        c => c,
    }
}

/// A submitted scalar as text; numbers become their decimal text.
fn scalar_text(raw: &Value) -> Result<String, Problem> {
    match raw {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(Problem::NotText),
    }
}

/// Length as HTML's `maxlength` counts it: UTF-16 code units.
fn html_length(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

/// Text as typed → trimmed of blanks and invisible characters at either end (a
/// value of only zero-width spaces or byte-order marks is empty); refused when it
/// holds a control character. A phone number loses the grouping people write it
/// with before its length and pattern are checked ([`phone::normalise`]).
fn text(field: &Field, raw: &Value) -> Result<Value, Problem> {
    let raw = scalar_text(raw)?;
    let s = if field.kind == FieldType::Textarea {
        raw.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        // Single-line inputs cannot hold line breaks; HTML strips them.
        raw.replace(['\r', '\n'], "")
    };
    if let Some(c) = s.chars().find(|c| !chars::is_allowed(*c)) {
        return Err(Problem::ControlCharacter(c));
    }
    let mut s = chars::trim_blank(&s).to_string();
    if s.is_empty() {
        return Ok(Value::String(s));
    }
    if field.kind == FieldType::Tel {
        s = phone::normalise(&s);
    }
    // The pattern's message says what the value should be, which helps more than a
    // length when both are off (`186 1234 72a9` is no number, not "too long").
    if let Some(pattern) = &field.pattern {
        if !pattern.is_match(&s) {
            return Err(Problem::Pattern);
        }
    }
    if let Some(min) = field.minlength {
        if html_length(&s) < min {
            return Err(Problem::TooShort(min));
        }
    }
    if let Some(max) = field.maxlength {
        if html_length(&s) > max {
            return Err(Problem::TooLong(max));
        }
    }
    match field.kind {
        FieldType::Email if !is_email(&s) => return Err(Problem::Email),
        FieldType::Url if !is_url(&s) => return Err(Problem::Url),
        _ => {}
    }
    if field.format == Some(Format::IdNumber) {
        id_number::validate(&s).map_err(Problem::IdNumber)?;
        s = s.to_ascii_uppercase();
    }
    Ok(Value::String(s))
}

/// The HTML Standard's "valid e-mail address" — exactly what `type=email` accepts.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok =
        !local.is_empty() && local.chars().all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    local_ok && domain.split('.').all(label_ok)
}

/// An absolute URL: a scheme, a colon and no spaces (what `type=url` insists on);
/// schemas narrow it further with a pattern such as `https?://.+`.
fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    scheme_ok && !rest.is_empty() && !s.chars().any(char::is_whitespace)
}

/// Dates as `YYYY-MM-DD` and months as `YYYY-MM`; also reads what people type where a
/// browser has no date picker: `2023/1/5`, `2023.1.5`, `2023年1月5日`.
fn date(field: &Field, raw: &Value) -> Result<Value, Problem> {
    let bad = || {
        if field.kind == FieldType::Date { Problem::NotDate } else { Problem::NotMonth }
    };
    let s = halfwidth(&scalar_text(raw).map_err(|_| bad())?);
    let s = s.trim();
    if s.is_empty() {
        return Ok(Value::String(String::new()));
    }
    let numbers: Vec<&str> = s.trim_end_matches(['日', '月']).split(['-', '/', '.', '年', '月']).collect();
    let num = |t: &str, max_len: usize| {
        (!t.is_empty() && t.len() <= max_len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse::<i16>().ok())
            .flatten()
    };
    let (limit, text) = match (field.kind, numbers.as_slice()) {
        (FieldType::Date, [y, m, d]) if y.len() == 4 => {
            let (Some(y), Some(m), Some(d)) = (num(y, 4), num(m, 2), num(d, 2)) else {
                return Err(bad());
            };
            let date = jiff::civil::Date::new(y, m as i8, d as i8).map_err(|_| Problem::NotDate)?;
            (Limit::Date(date), date.to_string())
        }
        (FieldType::Month, [y, m]) if y.len() == 4 => {
            let (Some(y), Some(m)) = (num(y, 4), num(m, 2)) else {
                return Err(bad());
            };
            if !(1..=12).contains(&m) || y < 1 {
                return Err(bad());
            }
            let month = Month { year: y, month: m as i8 };
            (Limit::Month(month), month.to_string())
        }
        _ => return Err(bad()),
    };
    if let Some(min) = field.min {
        if limit.to_string() < min.to_string() {
            return Err(Problem::Below(min));
        }
    }
    if let Some(max) = field.max {
        if limit.to_string() > max.to_string() {
            return Err(Problem::Above(max));
        }
    }
    Ok(Value::String(text))
}

fn choice(field: &Field, raw: &Value) -> Result<Value, Problem> {
    let s = scalar_text(raw).map_err(|_| Problem::NotOption)?;
    let s = s.trim();
    if s.is_empty() || field.option(s).is_some() { Ok(Value::String(s.to_string())) } else { Err(Problem::NotOption) }
}

/// Ticked checkboxes: an array of option values (or one value, as a form posts a
/// single ticked box), returned in the options' order without duplicates.
fn choices(field: &Field, raw: &Value) -> Result<Value, Problem> {
    let ticked: Vec<String> = match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => {
            items.iter().map(scalar_text).collect::<Result<_, _>>().map_err(|_| Problem::NotOption)?
        }
        other => vec![scalar_text(other).map_err(|_| Problem::NotOption)?],
    };
    let ticked: Vec<&str> = ticked.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    if ticked.iter().any(|t| field.option(t).is_none()) {
        return Err(Problem::NotOption);
    }
    Ok(Value::Array(
        field
            .options
            .iter()
            .filter(|o| ticked.contains(&o.value.as_str()))
            .map(|o| Value::String(o.value.clone()))
            .collect(),
    ))
}

/// Yes/no: JSON booleans, and what forms and people send (`on`, `true`, `1`, `是`).
fn boolean(raw: &Value) -> Result<Value, Problem> {
    match raw {
        Value::Null => Ok(Value::Bool(false)),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(Value::Bool(true)),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(Value::Bool(false)),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" | "是" => Ok(Value::Bool(true)),
            "" | "off" | "false" | "0" | "no" | "否" => Ok(Value::Bool(false)),
            _ => Err(Problem::NotBool),
        },
        _ => Err(Problem::NotBool),
    }
}

fn files(field: &Field, raw: &Value) -> Result<Value, Problem> {
    let items: Vec<&Value> = match raw {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().filter(|v| !v.is_null()).collect(),
        Value::Object(_) => vec![raw],
        _ => return Err(Problem::NotFile),
    };
    if !field.multiple && items.len() > 1 {
        return Err(Problem::TooManyFiles(1));
    }
    if let Some(max) = field.max_files {
        if items.len() > max as usize {
            return Err(Problem::TooManyFiles(max));
        }
    }
    let files = items.into_iter().map(|item| file(field, item)).collect::<Result<Vec<_>, _>>()?;
    Ok(if field.multiple { Value::Array(files) } else { files.into_iter().next().unwrap_or(Value::Null) })
}

/// One uploaded file's record: `{name, size, content_type, key}`, the key being where
/// the functions stored it. Checked against `accept` and `max_size`.
fn file(field: &Field, raw: &Value) -> Result<Value, Problem> {
    let obj = raw.as_object().ok_or(Problem::NotFile)?;
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::trim).unwrap_or_default().to_string();
    let (name, key, content_type) = (text("name"), text("key"), text("content_type").to_ascii_lowercase());
    let size = obj.get("size").and_then(Value::as_u64).ok_or(Problem::NotFile)?;
    if name.is_empty() || key.is_empty() {
        return Err(Problem::NotFile);
    }
    if size == 0 {
        return Err(Problem::FileEmpty);
    }
    if !accepts(&field.accept, &name, &content_type) {
        return Err(Problem::FileType);
    }
    if let Some(max) = field.max_size {
        if size > max {
            return Err(Problem::FileTooBig(max));
        }
    }
    let mut out = Map::new();
    out.insert("name".into(), Value::String(name));
    out.insert("size".into(), Value::from(size));
    out.insert("content_type".into(), Value::String(content_type));
    out.insert("key".into(), Value::String(key));
    Ok(Value::Object(out))
}

/// HTML `accept` semantics: an extension (`.pdf`), a MIME type (`application/pdf`) or
/// a MIME family (`image/*`); a file matches if any token does. No tokens: anything.
pub(crate) fn accepts(accept: &[String], name: &str, content_type: &str) -> bool {
    if accept.is_empty() {
        return true;
    }
    let name = name.to_lowercase();
    accept.iter().any(|token| {
        let token = token.to_ascii_lowercase();
        if token.starts_with('.') {
            name.ends_with(&token)
        } else if let Some(family) = token.strip_suffix("/*") {
            content_type.split('/').next() == Some(family)
        } else {
            content_type == token
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_follow_the_html_standard() {
        for ok in ["a@b", "jiandu@ncste.org", "first.last+tag@mail.example.cn", "x@a-b.c"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["", "a", "@b.org", "a@", "a@b..org", "a@-b.org", "a b@c.org", "张三@ncste.org", "a@b.org."] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn urls_need_a_scheme_and_no_spaces() {
        assert!(is_url("https://www.most.gov.cn/"));
        assert!(is_url("mailto:a@b.org"));
        assert!(!is_url("www.most.gov.cn"));
        assert!(!is_url("https://a b"));
        assert!(!is_url("1http://x"));
    }

    #[test]
    fn accept_matches_extensions_mime_types_and_families() {
        let accept = |tokens: &[&str]| tokens.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert!(accepts(&accept(&[".pdf"]), "Report.PDF", ""));
        assert!(accepts(&accept(&["application/pdf"]), "report", "application/pdf"));
        assert!(accepts(&accept(&["image/*"]), "x", "image/png"));
        assert!(!accepts(&accept(&["image/*"]), "x.png", "text/plain"));
        assert!(!accepts(&accept(&[".pdf", ".docx"]), "x.pdf.exe", "application/x-msdownload"));
        assert!(accepts(&[], "anything.bin", ""));
    }

    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(halfwidth("１２．５"), "12.5");
        assert_eq!(halfwidth("－３"), "-3");
    }

    #[test]
    fn blank_means_nothing_entered() {
        assert!(is_blank(None));
        assert!(is_blank(Some(&Value::String("  ".into()))));
        assert!(is_blank(Some(&serde_json::json!([null, ""]))));
        assert!(is_blank(Some(&Value::Bool(false))));
        assert!(!is_blank(Some(&serde_json::json!(0))));
        assert!(!is_blank(Some(&Value::Bool(true))));
    }

    #[test]
    fn hidden_paths_follow_the_conditions_row_by_row() {
        let plan = crate::schema("training-plan").unwrap();
        let input = serde_json::json!({
            "prior_funded": "",
            "projects": [{ "name": "研修班", "kind": "seminar" }, { "name": "讲坛", "kind": "lecture" }],
        });
        let hidden = plan.hidden_paths(&input);
        assert!(hidden.contains(&"prior_execution_rate".to_string()), "{hidden:?}");
        assert!(hidden.contains(&"projects[0].sessions".to_string()), "{hidden:?}");
        assert!(!hidden.contains(&"projects[0].days".to_string()), "{hidden:?}");
        assert!(hidden.contains(&"projects[1].days".to_string()), "{hidden:?}");
        assert!(!hidden.contains(&"projects[1].sessions".to_string()), "{hidden:?}");
        let funded = plan.hidden_paths(&serde_json::json!({ "prior_funded": "on" }));
        assert!(!funded.contains(&"prior_execution_rate".to_string()), "{funded:?}");
    }
}
