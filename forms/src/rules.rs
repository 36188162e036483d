//! Cross-field rules: what a single field cannot check on its own.
//!
//! Seven kinds, each written as a `[[rules]]` table in the schema:
//! - `sum`: parts add up to their total (`op = "eq"`) or stay within it (`op = "le"`);
//! - `compare`: one field against another or a constant (`SCI 论文 ≤ 论文总数`, `end ≥ start`);
//! - `range`: numbers within bounds under a condition (精品 ⇒ days ≥ 4);
//! - `allowed`: a choice limited to (`in`) or kept from (`not_in`) some values under a condition;
//! - `count`: how many rows of a group may match a condition (at most one 高研 per plan);
//! - `unique`: a column's values differ between rows (one author per ID number);
//! - `span`: a number of days fits between two dates (a course of 10 days cannot run
//!   from the 8th to the 9th; seed 001's 培训天数 against 开始日期 and 结束日期).
//!
//! Any rule may carry `when` (it only applies if the condition holds), `scope` (it
//! applies to every row of that group, and its field names are the group's columns),
//! `level = "warning"` (reported but not blocking — for the guide's 原则上) and a
//! bilingual `message` (`{field}` is replaced by the field's name, otherwise the
//! name is put in front). Rules run on normalised values and skip fields that
//! already have an error or are hidden by their own `when`.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::condition::{Condition, Scope};
use crate::errors::FieldErrors;
use crate::messages::{Loc, Problem, say, with_unit};
use crate::number::Decimal;
use crate::schema::{Field, Limit, Schema};
use crate::text::{Lang, Text};

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub(crate) kind: RuleKind,
    pub(crate) scope: Option<String>,
    pub(crate) when: Option<Condition>,
    pub(crate) level: Level,
    pub(crate) message: Option<Text>,
}

/// Whether a broken rule refuses the submission or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    Error,
    /// For what the guide asks "in principle" (原则上): shown, not blocking.
    Warning,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    Sum {
        total: String,
        parts: Vec<String>,
        op: SumOp,
    },
    Compare {
        left: String,
        op: CmpOp,
        right: Operand,
    },
    Range {
        fields: Vec<String>,
        min: Option<Decimal>,
        max: Option<Decimal>,
    },
    Allowed {
        field: String,
        values: Vec<Value>,
        negate: bool,
    },
    Count {
        group: String,
        filter: Option<Condition>,
        min: Option<u32>,
        max: Option<u32>,
    },
    Unique {
        group: String,
        field: String,
    },
    /// `days` is at most the days from `start` to `end`, both counted.
    Span {
        days: String,
        start: String,
        end: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SumOp {
    /// The parts add up to the total exactly.
    #[default]
    Eq,
    /// The parts together do not exceed the total ("其中" breakdowns).
    Le,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    Field(String),
    Value(Limit),
}

impl Rule {
    pub fn kind(&self) -> &RuleKind {
        &self.kind
    }
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }
    pub fn applies_when(&self) -> Option<&Condition> {
        self.when.as_ref()
    }
    pub fn level(&self) -> Level {
        self.level
    }
    pub fn message(&self, lang: Lang) -> Option<&str> {
        self.message.as_ref().map(|m| m.get(lang))
    }
    /// The fields the rule reads (columns of `scope` for row rules).
    pub fn fields(&self) -> Vec<&str> {
        let mut out: Vec<&str> = match &self.kind {
            RuleKind::Sum { total, parts, .. } => std::iter::once(total).chain(parts).map(String::as_str).collect(),
            RuleKind::Compare { left, right: Operand::Field(right), .. } => vec![left, right],
            RuleKind::Compare { left, .. } => vec![left],
            RuleKind::Range { fields, .. } => fields.iter().map(String::as_str).collect(),
            RuleKind::Allowed { field, .. } => vec![field],
            RuleKind::Count { group, .. } | RuleKind::Unique { group, .. } => vec![group],
            RuleKind::Span { days, start, end } => vec![days, start, end],
        };
        if let Some(scope) = &self.scope {
            out.push(scope);
        }
        out
    }
}

/// What the rules need to know about a validated submission.
pub(crate) struct Checked<'a> {
    pub schema: &'a Schema,
    pub lang: Lang,
    pub top: &'a Map<String, Value>,
    /// For each group, the submitted index of each kept row (blank rows are dropped).
    pub rows: &'a HashMap<String, Vec<usize>>,
    /// Paths of fields cleared because their `when` did not hold.
    pub hidden: &'a HashSet<String>,
}

/// A place rules read values from: the whole form, or one row of a group.
struct At<'a> {
    checked: &'a Checked<'a>,
    row: Option<(&'a Field, usize, &'a Map<String, Value>)>,
}

impl<'a> At<'a> {
    fn scope(&self) -> Scope<'a> {
        Scope { top: self.checked.top, row: self.row.map(|r| r.2) }
    }
    fn field(&self, id: &str) -> Option<&'a Field> {
        match self.row {
            Some((group, _, _)) => group.column(id),
            None => self.checked.schema.field(id),
        }
    }
    fn loc(&self, id: &str) -> Option<Loc<'a>> {
        let field = self.field(id)?;
        Some(match self.row {
            Some((group, index, _)) => Loc::cell(group, index, field),
            None => Loc::top(field),
        })
    }
    fn value(&self, id: &str) -> &'a Value {
        let map = self.row.map_or(self.checked.top, |r| r.2);
        map.get(id).unwrap_or(&Value::Null)
    }
    fn number(&self, id: &str) -> Decimal {
        match self.value(id) {
            Value::Number(n) => Decimal::from_json(n).unwrap_or(Decimal::ZERO),
            _ => Decimal::ZERO,
        }
    }
    /// Whether the rule should leave this field alone: it already has an error, or it is hidden.
    fn skip(&self, id: &str, errors: &FieldErrors) -> bool {
        self.loc(id).is_none_or(|loc| {
            let path = loc.path();
            errors.touches(&path) || self.checked.hidden.contains(&path)
        })
    }
}

/// Checks every rule of the given level and records what is broken.
pub(crate) fn check(checked: &Checked<'_>, level: Level, errors: &mut FieldErrors) {
    for rule in checked.schema.rules.iter().filter(|r| r.level == level) {
        match &rule.scope {
            None => check_at(rule, &At { checked, row: None }, errors),
            Some(group_id) => {
                let Some(group) = checked.schema.field(group_id) else {
                    continue;
                };
                let rows = checked.top.get(group_id).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                let indexes = checked.rows.get(group_id);
                for (kept, row) in rows.iter().enumerate() {
                    let Some(row) = row.as_object() else { continue };
                    let index = indexes.and_then(|ix| ix.get(kept)).copied().unwrap_or(kept);
                    check_at(rule, &At { checked, row: Some((group, index, row)) }, errors);
                }
            }
        }
    }
}

fn check_at(rule: &Rule, at: &At<'_>, errors: &mut FieldErrors) {
    if rule.when.as_ref().is_some_and(|c| !c.holds(at.scope())) {
        return;
    }
    let lang = at.checked.lang;
    let report = |loc: Loc<'_>, default: String, errors: &mut FieldErrors| {
        let message = match &rule.message {
            Some(custom) => custom_message(custom.get(lang), &loc, lang),
            None => default,
        };
        errors.add(loc.order(at.checked.schema), loc.path(), message);
    };
    match &rule.kind {
        RuleKind::Sum { total, parts, op } => {
            if std::iter::once(total).chain(parts).any(|id| at.skip(id, errors)) {
                return;
            }
            let Some(loc) = at.loc(total) else { return };
            let sum = parts.iter().try_fold(Decimal::ZERO, |acc, id| acc.checked_add(at.number(id)));
            let Some(sum) = sum else { return };
            let t = at.number(total);
            let broken = match op {
                SumOp::Eq => sum != t,
                SumOp::Le => sum > t,
            };
            if broken {
                let unit = loc.field.unit;
                let names = labels(at, parts, lang);
                let (t, s) = (with_unit(t, unit, lang), with_unit(sum, unit, lang));
                let text = match op {
                    SumOp::Eq => say(
                        &loc,
                        lang,
                        format!("（{t}）应等于{names}之和（{s}）"),
                        format!("must equal the sum of {names} ({s}), not {t}"),
                    ),
                    SumOp::Le => say(
                        &loc,
                        lang,
                        format!("（{t}）不能小于{names}之和（{s}）"),
                        format!("must be at least the sum of {names} ({s}), not {t}"),
                    ),
                };
                report(loc, text, errors);
            }
        }
        RuleKind::Span { days, start, end } => {
            if [days, start, end].into_iter().any(|id| at.skip(id, errors)) {
                return;
            }
            let Some(loc) = at.loc(days) else { return };
            let Some(span) = days_between(at.value(start), at.value(end)) else { return };
            let n = at.number(days);
            if n > Decimal::from_i64(span) {
                let unit = loc.field.unit;
                let (given_zh, given_en) = (with_unit(n, unit, Lang::Zh), with_unit(n, unit, Lang::En));
                let (span_zh, span_en) = (with_unit(span, unit, Lang::Zh), with_unit(span, unit, Lang::En));
                let (from_zh, to_zh) = (quoted(at, start, Lang::Zh), quoted(at, end, Lang::Zh));
                let (from_en, to_en) = (quoted(at, start, Lang::En), quoted(at, end, Lang::En));
                let text = say(
                    &loc,
                    lang,
                    format!("（{given_zh}）不能多于{from_zh}至{to_zh}的天数（{span_zh}）"),
                    format!("{given_en} is more than the {span_en} from {from_en} to {to_en}"),
                );
                report(loc, text, errors);
            }
        }
        RuleKind::Compare { left, op, right } => {
            if at.skip(left, errors) || matches!(right, Operand::Field(r) if at.skip(r, errors)) {
                return;
            }
            let Some(loc) = at.loc(left) else { return };
            let Some((ordering, right_text)) = compare(at, left, right) else {
                return;
            };
            let holds = match op {
                CmpOp::Eq => ordering.is_eq(),
                CmpOp::Ne => ordering.is_ne(),
                CmpOp::Lt => ordering.is_lt(),
                CmpOp::Le => ordering.is_le(),
                CmpOp::Gt => ordering.is_gt(),
                CmpOp::Ge => ordering.is_ge(),
            };
            if !holds {
                let dated = !matches!(at.value(left), Value::Number(_));
                let (zh, en) = match (op, dated) {
                    (CmpOp::Eq, _) => ("应等于", "must equal"),
                    (CmpOp::Ne, _) => ("不能等于", "must not equal"),
                    (CmpOp::Lt, false) => ("应小于", "must be less than"),
                    (CmpOp::Le, false) => ("不能大于", "must be no more than"),
                    (CmpOp::Gt, false) => ("应大于", "must be more than"),
                    (CmpOp::Ge, false) => ("不能小于", "must be at least"),
                    (CmpOp::Lt, true) => ("应早于", "must be before"),
                    (CmpOp::Le, true) => ("不能晚于", "must be on or before"),
                    (CmpOp::Gt, true) => ("应晚于", "must be after"),
                    (CmpOp::Ge, true) => ("不能早于", "must be on or after"),
                };
                let text = say(&loc, lang, format!("{zh}{}", right_text.0), format!("{en} {}", right_text.1));
                report(loc, text, errors);
            }
        }
        RuleKind::Range { fields, min, max } => {
            for id in fields {
                if at.skip(id, errors) {
                    continue;
                }
                let Some(loc) = at.loc(id) else { continue };
                let n = at.number(id);
                let problem = match (min, max) {
                    (Some(min), _) if n < *min => Problem::Below(Limit::Number(*min)),
                    (_, Some(max)) if n > *max => Problem::Above(Limit::Number(*max)),
                    _ => continue,
                };
                let text = problem.message(&loc, lang);
                report(loc, text, errors);
            }
        }
        RuleKind::Allowed { field, values, negate } => {
            if at.skip(field, errors) {
                return;
            }
            let Some(loc) = at.loc(field) else { return };
            let listed = |v: &Value| values.contains(v);
            let ok = match at.value(field) {
                Value::Null => true,
                Value::String(s) if s.is_empty() => true,
                Value::Array(ticked) if *negate => !ticked.iter().any(listed),
                Value::Array(ticked) => ticked.iter().all(listed),
                v if *negate => !listed(v),
                v => listed(v),
            };
            if !ok {
                let text = say(&loc, lang, "与其他填写内容不一致", "does not fit with other answers");
                report(loc, text, errors);
            }
        }
        RuleKind::Count { group, filter, min, max } => {
            if at.skip(group, errors) {
                return;
            }
            let Some(loc) = at.loc(group) else { return };
            let rows = at.value(group).as_array().map(Vec::as_slice).unwrap_or_default();
            let matching = rows
                .iter()
                .filter_map(Value::as_object)
                .filter(|row| filter.as_ref().is_none_or(|c| c.holds(Scope { top: at.checked.top, row: Some(row) })))
                .count() as u32;
            let text = match (min, max) {
                (Some(min), _) if matching < *min => {
                    say(&loc, lang, format!("至少应有 {min} 条符合要求"), format!("needs at least {min} matching rows"))
                }
                (_, Some(max)) if matching > *max => say(
                    &loc,
                    lang,
                    format!("最多只能有 {max} 条符合要求"),
                    format!("can have at most {max} matching rows"),
                ),
                _ => return,
            };
            report(loc, text, errors);
        }
        RuleKind::Unique { group, field } => {
            let Some(group_field) = at.field(group) else {
                return;
            };
            let Some(column) = group_field.column(field) else {
                return;
            };
            let rows = at.value(group).as_array().map(Vec::as_slice).unwrap_or_default();
            let indexes = at.checked.rows.get(group);
            let index_of = |kept: usize| indexes.and_then(|ix| ix.get(kept)).copied().unwrap_or(kept);
            let mut seen: Vec<(&Value, usize)> = Vec::new();
            for (kept, row) in rows.iter().enumerate() {
                let value = row.get(field).unwrap_or(&Value::Null);
                let loc = Loc::cell(group_field, index_of(kept), column);
                if !crate::condition::is_filled(value)
                    || errors.touches(&loc.path())
                    || at.checked.hidden.contains(&loc.path())
                {
                    continue;
                }
                match seen.iter().find(|(v, _)| *v == value) {
                    Some((_, first)) => {
                        let n = first + 1;
                        let text = say(&loc, lang, format!("与第 {n} 条重复"), format!("is the same as in row {n}"));
                        report(loc, text, errors);
                    }
                    None => seen.push((value, index_of(kept))),
                }
            }
        }
    }
}

/// The days from one `YYYY-MM-DD` to another, both counted (`2027-05-08` to
/// `2027-05-09` is 2); `None` when either is empty or the end comes first.
fn days_between(start: &Value, end: &Value) -> Option<i64> {
    let date = |v: &Value| v.as_str().and_then(|s| s.parse::<jiff::civil::Date>().ok());
    let (start, end) = (date(start)?, date(end)?);
    let days = i64::from(start.until(end).ok()?.get_days()) + 1;
    (days >= 1).then_some(days)
}

/// Compares `left` with the right operand: numbers by value, dates and months as
/// ISO text. `None` when either side is empty (nothing to compare yet).
fn compare(at: &At<'_>, left: &str, right: &Operand) -> Option<(std::cmp::Ordering, (String, String))> {
    let unit = at.field(left).and_then(|f| f.unit);
    match (at.value(left), right) {
        (Value::Number(_), Operand::Field(r)) => {
            let (l, rv) = (at.number(left), at.number(r));
            let zh = format!("{}（{}）", quoted(at, r, Lang::Zh), with_unit(rv, unit, Lang::Zh));
            let en = format!("{} ({})", quoted(at, r, Lang::En), with_unit(rv, unit, Lang::En));
            Some((l.cmp(&rv), (zh, en)))
        }
        (Value::Number(_), Operand::Value(Limit::Number(n))) => {
            Some((at.number(left).cmp(n), (with_unit(n, unit, Lang::Zh), with_unit(n, unit, Lang::En))))
        }
        (Value::String(l), Operand::Field(r)) => {
            let rv = at.value(r).as_str()?;
            if l.is_empty() || rv.is_empty() {
                return None;
            }
            Some((
                l.as_str().cmp(rv),
                (format!("{}（{rv}）", quoted(at, r, Lang::Zh)), format!("{} ({rv})", quoted(at, r, Lang::En))),
            ))
        }
        (Value::String(l), Operand::Value(limit)) if !l.is_empty() => {
            let text = limit.to_string();
            Some((l.as_str().cmp(text.as_str()), (text.clone(), text)))
        }
        _ => None,
    }
}

/// A field's label as quoted inside a sentence: `“发表论文”` / `Papers published`.
fn quoted(at: &At<'_>, id: &str, lang: Lang) -> String {
    let label = at.field(id).map_or(id, |f| f.label.get(lang));
    match lang {
        Lang::Zh => format!("“{label}”"),
        Lang::En => label.to_string(),
    }
}

/// `“高级职称”、“中级职称”` / `Senior, Intermediate and Junior`.
fn labels(at: &At<'_>, ids: &[String], lang: Lang) -> String {
    let names: Vec<String> = ids.iter().map(|id| quoted(at, id, lang)).collect();
    match (lang, names.as_slice()) {
        (Lang::Zh, _) => names.join("、"),
        (Lang::En, [one]) => one.clone(),
        (Lang::En, [init @ .., last]) => format!("{} and {last}", init.join(", ")),
        (Lang::En, []) => String::new(),
    }
}

/// A schema-written message: `{field}` becomes the field's name, or the name is put in front.
fn custom_message(text: &str, loc: &Loc<'_>, lang: Lang) -> String {
    let name = loc.name(lang);
    if text.contains("{field}") {
        text.replace("{field}", &name)
    } else {
        match lang {
            Lang::Zh => format!("{name}：{text}"),
            Lang::En => format!("{name}: {text}"),
        }
    }
}
