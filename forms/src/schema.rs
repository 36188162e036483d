//! The form model: what a schema file in `content/forms/` becomes once loaded.
//!
//! Everything here is read-only: the site's renderer reads labels, types and limits
//! to write the HTML form, and the functions validate submissions against the same
//! values (see `validate.rs`). Loading and checking the TOML lives in `load.rs`.

use serde::Serialize;

use crate::condition::Condition;
use crate::number::Decimal;
use crate::rules::Rule;
use crate::text::{Lang, Text};

/// One form: its fields (grouped into parts for multi-part forms) and the rules that
/// relate fields to each other.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    pub(crate) id: String,
    /// The file it was loaded from, for messages.
    pub(crate) file: String,
    pub(crate) title: Text,
    pub(crate) description: Option<Text>,
    /// What an empty number is: 0 (the default), or no answer at all.
    pub(crate) blank_numbers: BlankNumbers,
    pub(crate) parts: Vec<Part>,
    pub(crate) fields: Vec<Field>,
    pub(crate) rules: Vec<Rule>,
}

/// A page of a multi-part form (the monthly report's 人员队伍, 经费筹集 …).
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub(crate) id: String,
    pub(crate) title: Text,
    pub(crate) help: Option<Text>,
}

/// What kind of value a field holds; decides parsing, checks and the HTML control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Several lines of text (`format = "markdown"` for a Markdown body).
    Textarea,
    Email,
    /// Telephone number; give it a `pattern`, HTML checks nothing else for `tel`.
    Tel,
    Url,
    /// A decimal number, with `min`, `max`, `step` (default 1, i.e. whole numbers) and a unit.
    Number,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM`.
    Month,
    /// One choice from `options`, as a drop-down.
    Select,
    /// One choice from `options`, as radio buttons.
    Radio,
    /// Any number of choices from `options`, as checkboxes.
    Checkboxes,
    /// A single yes/no checkbox.
    Checkbox,
    /// Carried through the form but not shown (e.g. the course slug).
    Hidden,
    /// A trap for bots: hidden from people, must stay empty, never stored.
    Honeypot,
    /// An uploaded file (or several, with `multiple = true`).
    File,
    /// A repeatable group of fields: a list of rows (authors, training projects).
    Group,
}

/// When a field must be filled in.
#[derive(Debug, Clone, Serialize)]
pub enum Requirement {
    Optional,
    Always,
    /// Only when the condition holds (e.g. the explanation when 其他 is chosen).
    When(Condition),
}

/// Checks beyond the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// 18-character resident ID number with check character (GB 11643).
    IdNumber,
    /// Markdown text (a textarea; the site renders it as Markdown).
    Markdown,
}

/// What a number left empty is, form by form (`blank_numbers` in the schema).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlankNumbers {
    /// 0, where the field takes 0 (a count of papers in a registration form).
    #[default]
    Zero,
    /// No answer: kept empty (`null`), never stored as 0, and refused when required —
    /// the monthly report (seed 002), whose figures must be typed in, "0" included.
    Missing,
}

/// How a monthly figure becomes an annual one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// Summed over the months (papers published, funding raised).
    Flow,
    /// The latest month's value (staff on the books).
    Stock,
    /// Every month's entry kept: texts joined under their month, files listed together.
    Collect,
}

impl Aggregate {
    /// Whether a new month starts from the month before's value: only a stock does
    /// (staff on the books); a flow (raised this month) and a month's own entries
    /// start empty, or the year would count them twice.
    pub fn carries_forward(self) -> bool {
        self == Aggregate::Stock
    }
}

/// A lower or upper bound, typed like the field it bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Limit {
    Number(Decimal),
    #[serde(serialize_with = "crate::schema::serialize_display")]
    Date(jiff::civil::Date),
    Month(Month),
}

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i16,
    pub month: i8,
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

pub(crate) fn serialize_display<S: serde::Serializer, T: std::fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::Number(n) => n.fmt(f),
            Limit::Date(d) => d.fmt(f),
            Limit::Month(m) => m.fmt(f),
        }
    }
}

/// One option of a select, radio or checkboxes field.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub(crate) value: String,
    pub(crate) label: Text,
    pub(crate) help: Option<Text>,
}

impl Choice {
    /// What is submitted and stored.
    pub fn value(&self) -> &str {
        &self.value
    }
    pub fn label(&self, lang: Lang) -> &str {
        self.label.get(lang)
    }
    pub fn help(&self, lang: Lang) -> Option<&str> {
        self.help.as_ref().map(|h| h.get(lang))
    }
}

/// A pattern written for HTML's `pattern` attribute, compiled for the server.
///
/// The browser matches `^(?:pattern)$` against the whole value (with the `v` flag); the
/// server compiles the same anchored string with the `regex` crate. Loading refuses
/// the constructs where the two engines differ (see `load.rs`).
#[derive(Debug, Clone)]
pub struct Pattern {
    pub(crate) source: String,
    pub(crate) regex: regex::Regex,
}

impl Pattern {
    /// The string for the HTML `pattern` attribute.
    pub fn as_str(&self) -> &str {
        &self.source
    }
    pub fn is_match(&self, value: &str) -> bool {
        self.regex.is_match(value)
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

/// A unit of measure. Count units (人, 项, 篇 …) only take whole numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub(crate) zh: &'static str,
    pub(crate) en: &'static str,
    pub(crate) count: bool,
}

/// The units a schema may use: (Chinese, English, counts whole things).
pub(crate) const UNITS: &[(&str, &str, bool)] = &[
    ("人", "people", true),
    ("人次", "attendances", true),
    ("万元", "× 10,000 yuan", false),
    ("项", "items", true),
    ("篇", "papers", true),
    ("次", "times", true),
    ("场", "sessions", true),
    ("期", "runs", true),
    ("天", "days", true),
    ("家", "organisations", true),
    ("年", "years", true),
    ("学时", "class hours", false),
    ("小时", "hours", false),
    ("%", "%", false),
];

impl Unit {
    pub(crate) fn named(zh: &str) -> Option<Unit> {
        UNITS.iter().find(|u| u.0 == zh).map(|&(zh, en, count)| Unit { zh, en, count })
    }
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
    /// Whether the unit counts whole things (人, 项, 篇, 次 …).
    pub fn is_count(&self) -> bool {
        self.count
    }
}

impl Serialize for Unit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.zh)
    }
}

/// One field of a form, or one column of a repeatable group.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub(crate) id: String,
    #[serde(rename = "type")]
    pub(crate) kind: FieldType,
    pub(crate) label: Text,
    pub(crate) help: Option<Text>,
    pub(crate) placeholder: Option<Text>,
    pub(crate) part: Option<String>,
    pub(crate) required: Requirement,
    /// Shown and validated only when this holds; otherwise cleared on submit.
    pub(crate) when: Option<Condition>,
    pub(crate) pattern: Option<Pattern>,
    pub(crate) pattern_message: Option<Text>,
    pub(crate) minlength: Option<u32>,
    pub(crate) maxlength: Option<u32>,
    pub(crate) format: Option<Format>,
    pub(crate) autocomplete: Option<String>,
    pub(crate) min: Option<Limit>,
    pub(crate) max: Option<Limit>,
    pub(crate) step: Decimal,
    pub(crate) unit: Option<Unit>,
    pub(crate) aggregate: Option<Aggregate>,
    pub(crate) options: Vec<Choice>,
    pub(crate) accept: Vec<String>,
    pub(crate) max_size: Option<u64>,
    pub(crate) multiple: bool,
    pub(crate) max_files: Option<u32>,
    /// Columns of a group.
    pub(crate) fields: Vec<Field>,
    pub(crate) min_rows: u32,
    pub(crate) max_rows: Option<u32>,
}

impl Field {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn kind(&self) -> FieldType {
        self.kind
    }
    pub fn label(&self, lang: Lang) -> &str {
        self.label.get(lang)
    }
    pub fn help(&self, lang: Lang) -> Option<&str> {
        self.help.as_ref().map(|h| h.get(lang))
    }
    pub fn placeholder(&self, lang: Lang) -> Option<&str> {
        self.placeholder.as_ref().map(|h| h.get(lang))
    }
    /// The part (page) the field belongs to, for multi-part forms. Group columns
    /// belong to their group's part.
    pub fn part(&self) -> Option<&str> {
        self.part.as_deref()
    }
    pub fn requirement(&self) -> &Requirement {
        &self.required
    }
    /// Required unconditionally — what the HTML `required` attribute can say.
    pub fn is_required(&self) -> bool {
        matches!(self.required, Requirement::Always) && self.when.is_none()
    }
    /// The condition under which the field is shown at all (GOV.UK "conditional reveal").
    pub fn shown_when(&self) -> Option<&Condition> {
        self.when.as_ref()
    }
    pub fn pattern(&self) -> Option<&Pattern> {
        self.pattern.as_ref()
    }
    pub fn minlength(&self) -> Option<u32> {
        self.minlength
    }
    pub fn maxlength(&self) -> Option<u32> {
        self.maxlength
    }
    pub fn format(&self) -> Option<Format> {
        self.format
    }
    /// The HTML `autocomplete` token (`name`, `tel`, `email`, `organization` …).
    pub fn autocomplete(&self) -> Option<&str> {
        self.autocomplete.as_deref()
    }
    pub fn min(&self) -> Option<Limit> {
        self.min
    }
    pub fn max(&self) -> Option<Limit> {
        self.max
    }
    /// Granularity of a number (1 = whole numbers, 0.01 = two decimals).
    pub fn step(&self) -> Decimal {
        self.step
    }
    pub fn unit(&self) -> Option<Unit> {
        self.unit
    }
    pub fn aggregate(&self) -> Option<Aggregate> {
        self.aggregate
    }
    /// How the field carries into the year: a field without `aggregate` is a stock.
    pub fn aggregation(&self) -> Aggregate {
        self.aggregate.unwrap_or(Aggregate::Stock)
    }
    pub fn options(&self) -> &[Choice] {
        &self.options
    }
    pub fn option(&self, value: &str) -> Option<&Choice> {
        self.options.iter().find(|c| c.value == value)
    }
    /// File types accepted, as in HTML `accept` (`.pdf`, `application/pdf`, `image/*`).
    pub fn accept(&self) -> &[String] {
        &self.accept
    }
    /// Largest file accepted, in bytes.
    pub fn max_size(&self) -> Option<u64> {
        self.max_size
    }
    /// Whether several files may be uploaded.
    pub fn is_multiple(&self) -> bool {
        self.multiple
    }
    pub fn max_files(&self) -> Option<u32> {
        self.max_files
    }
    /// A group's columns (empty for other fields).
    pub fn columns(&self) -> &[Field] {
        &self.fields
    }
    pub fn column(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }
    pub fn min_rows(&self) -> u32 {
        self.min_rows
    }
    pub fn max_rows(&self) -> Option<u32> {
        self.max_rows
    }
    pub fn is_group(&self) -> bool {
        self.kind == FieldType::Group
    }
}

impl Part {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn title(&self, lang: Lang) -> &str {
        self.title.get(lang)
    }
    pub fn help(&self, lang: Lang) -> Option<&str> {
        self.help.as_ref().map(|h| h.get(lang))
    }
}

impl Schema {
    /// The form's id: its file name without `.toml`.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// The file it was loaded from.
    pub fn file(&self) -> &str {
        &self.file
    }
    pub fn title(&self, lang: Lang) -> &str {
        self.title.get(lang)
    }
    pub fn description(&self, lang: Lang) -> Option<&str> {
        self.description.as_ref().map(|d| d.get(lang))
    }
    /// Parts in order; empty for single-page forms.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }
    pub fn part(&self, id: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.id == id)
    }
    /// Top-level fields in form order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
    /// The top-level fields of one part.
    pub fn fields_in_part<'a>(&'a self, part: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| f.part.as_deref() == Some(part))
    }
    /// A field by id, or a group column as `group.column`.
    pub fn field(&self, id: &str) -> Option<&Field> {
        match id.split_once('.') {
            Some((group, column)) => self.top(group)?.column(column),
            None => self.top(id),
        }
    }
    fn top(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }
    /// The field an error path points at: `phone`, `authors[1].id_number`, `authors`.
    pub fn field_at(&self, path: &str) -> Option<&Field> {
        let (top, rest) = split_path(path);
        let field = self.top(top)?;
        match rest {
            Some((_, column)) => field.column(column),
            None => Some(field),
        }
    }
    /// The part an error path belongs to, so a multi-part form can flag the page.
    pub fn part_of(&self, path: &str) -> Option<&Part> {
        let (top, _) = split_path(path);
        self.part(self.top(top)?.part.as_deref()?)
    }
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    /// Position of a top-level field in the form, for ordering errors.
    pub(crate) fn position(&self, id: &str) -> usize {
        self.fields.iter().position(|f| f.id == id).unwrap_or(usize::MAX)
    }
}

/// `authors[1].id_number` → (`authors`, Some((1, `id_number`))).
pub(crate) fn split_path(path: &str) -> (&str, Option<(usize, &str)>) {
    let Some((top, rest)) = path.split_once('[') else {
        return (path, None);
    };
    let Some((index, column)) = rest.split_once("].") else {
        return (top, None);
    };
    match index.parse() {
        Ok(i) => (top, Some((i, column))),
        Err(_) => (top, None),
    }
}
