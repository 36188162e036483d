//! A schema → an HTML form, the one renderer for every form of the system: the site
//! writes the empty registration form into each open course page at build time, and
//! the functions write the same form again, filled in and with its errors, on the
//! pages they serve (a refused plain POST, a report part, a case result).
//!
//! The markup follows the GOV.UK patterns people already know: an error summary at
//! the top (`role=alert`, focused, each message a link to its field), a message above
//! each field at fault, hints and errors tied to the control with `aria-describedby`.
//! Names are the error paths of [`crate::FieldErrors`] (`authors[1].id_number`), so a
//! message finds its control by name alone; [`field_id`] turns a path into the id.
//!
//! Controls carry the checks HTML can express ([`Field::html_attrs`]); everything else
//! comes back from the server. `static/forms.js` enhances the result (live checks,
//! totals, errors in place) but nothing here needs it.

use std::sync::LazyLock;

use serde::Serialize;
use serde_json::Value;

use crate::html::Element;
use crate::rules::{RuleKind, SumOp};
use crate::schema::{Field, FieldType, Schema, split_path};
use crate::text::Lang;

/// A submit button of a form.
#[derive(Debug, Clone, Serialize)]
pub struct Button {
    pub label: String,
    /// Where this button posts, when not to the form's `action` (HTML `formaction`):
    /// how a page with two outcomes (approve or return) gives each its own route.
    pub formaction: Option<String>,
}

impl Button {
    /// A button posting to the form's action.
    pub fn submit(label: &str) -> Button {
        Button { label: label.to_owned(), formaction: None }
    }

    /// A button posting to `formaction`.
    pub fn to(label: &str, formaction: &str) -> Button {
        Button { label: label.to_owned(), formaction: Some(formaction.to_owned()) }
    }
}

/// What to render: the form, where it goes, what is in it.
pub struct FormRequest<'a> {
    pub schema: &'a Schema,
    pub lang: Lang,
    /// Where the form posts to.
    pub action: &'a str,
    /// Hidden inputs besides the schema's own (where to go next, the version …).
    pub hidden: Vec<(String, String)>,
    /// Only the fields of this part (a page of a multi-part form); `None` for all.
    pub part: Option<&'a str>,
    /// Current values, as the validator reads them (an object keyed by field id).
    pub values: &'a Value,
    /// Errors as `(path, message)`; shown in form order whatever order they come in.
    pub errors: &'a [(String, String)],
    /// The buttons; the first is the default action.
    pub buttons: Vec<Button>,
    /// Leave the browser's own checks off (`novalidate`): for drafts saved piece by
    /// piece, where a field required on submission may stay empty for now. The
    /// server's messages, from the same rules, come back in place.
    pub novalidate: bool,
    /// For a part of a multi-part form: the address of another part, with `{part}`
    /// in place of its id, so the summary can link to errors on other pages.
    pub part_url: Option<&'a str>,
}

/// The id of the control for an error path: `authors[1].id_number` → `f-authors-1-id_number`.
pub fn field_id(path: &str) -> String {
    let mut id = String::from("f-");
    let mut last_dash = true;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            id.push(c);
            last_dash = false;
        } else if !last_dash {
            id.push('-');
            last_dash = true;
        }
    }
    id.trim_end_matches('-').to_string()
}

/// Renders the form. The HTML is a fragment (`<form>…</form>`) for a page to embed.
pub fn render_form(request: &FormRequest<'_>) -> String {
    let view = FormView::new(request);
    let context = tera::Context::from_serialize(&view).expect("form view serialises");
    TEMPLATES.render("form.html", &context).unwrap_or_else(|e| panic!("form template failed: {e:?}"))
}

/// Errors in the order of the form (so the summary reads top to bottom), each with
/// the control it links to: what an error summary lists.
pub fn error_summary(schema: &Schema, errors: &[(String, String)]) -> Vec<SummaryItem> {
    let mut items: Vec<(usize, usize, usize, SummaryItem)> = errors
        .iter()
        .map(|(path, message)| {
            let (top, cell) = split_path(path);
            let position = schema.position(top);
            let (row, column) = match (cell, schema.field_at(top)) {
                (Some((row, column)), Some(group)) => {
                    (row + 1, group.columns().iter().position(|c| c.id() == column).unwrap_or(0) + 1)
                }
                _ => (0, 0),
            };
            let target = match schema.field_at(path) {
                Some(f) if matches!(f.kind, FieldType::Radio | FieldType::Checkboxes) && !f.options.is_empty() => {
                    format!("{}-0", field_id(path))
                }
                Some(f) if f.kind == FieldType::Group => format!("{}-0", field_id(path)),
                Some(_) => field_id(path),
                // Not a field of the form (an action's `comment`): the page's own control, same id rule.
                None if !path.is_empty() => field_id(path),
                None => String::new(),
            };
            let part = schema.part_of(path).map(|p| p.id().to_string());
            let href = format!("#{target}");
            (position, row, column, SummaryItem { path: path.clone(), message: message.clone(), target, href, part })
        })
        .collect();
    items.sort_by_key(|(p, r, c, _)| (*p, *r, *c));
    items.into_iter().map(|(.., item)| item).collect()
}

/// One line of an error summary.
#[derive(Debug, Clone, Serialize)]
pub struct SummaryItem {
    pub path: String,
    /// The message; it names its field (and row) itself.
    pub message: String,
    /// The id of the control to jump to; empty when the error is about the whole form.
    pub target: String,
    /// Where the summary links: `#target`, or another part's page.
    pub href: String,
    /// The part (page) the field is on, for multi-part forms.
    pub part: Option<String>,
}

static TEMPLATES: LazyLock<tera::Tera> = LazyLock::new(|| {
    let mut tera = tera::Tera::default();
    tera.add_raw_templates([
        ("form_macros.html", include_str!("../templates/form_macros.html")),
        ("form.html", include_str!("../templates/form.html")),
    ])
    .expect("form templates parse");
    tera
});

#[derive(Serialize)]
struct FormView {
    id: String,
    form_id: String,
    action: String,
    multipart: bool,
    novalidate: bool,
    part: Option<String>,
    hidden: Vec<(String, String)>,
    summary_title: &'static str,
    summary: Vec<SummaryItem>,
    fields: Vec<FieldView>,
    buttons: Vec<Button>,
    lang: &'static str,
    required_note: &'static str,
}

#[derive(Serialize)]
struct FieldView {
    path: String,
    id: String,
    element: Element,
    kind: FieldType,
    label: String,
    hint: Option<String>,
    error: Option<String>,
    required: bool,
    attrs: Vec<(&'static str, String)>,
    value: String,
    checked: bool,
    options: Vec<OptionView>,
    unit: Option<&'static str>,
    /// For a total: the fields that add up to it, and whether they must equal it.
    sum_of: Vec<String>,
    sum_exact: bool,
    /// For a group: its rows, each a list of cells.
    rows: Vec<RowView>,
    /// For a file field: files already uploaded, as JSON (kept when ticked).
    files: Vec<FileView>,
    honeypot: bool,
    /// Shown only under a condition (`when`): the page's script hides it while the
    /// condition does not hold; without the script it is always shown.
    conditional: bool,
}

#[derive(Serialize)]
struct OptionView {
    value: String,
    label: String,
    hint: Option<String>,
    selected: bool,
}

#[derive(Serialize)]
struct RowView {
    legend: String,
    cells: Vec<FieldView>,
}

#[derive(Serialize)]
struct FileView {
    name: String,
    json: String,
}

impl FormView {
    fn new(r: &FormRequest<'_>) -> FormView {
        let s = r.schema;
        let in_part = |f: &&Field| r.part.is_none() || f.part() == r.part;
        let fields: Vec<FieldView> = s
            .fields()
            .iter()
            .filter(in_part)
            .filter(|f| f.kind != FieldType::Hidden || r.values.get(f.id()).is_some())
            .map(|f| FieldView::new(s, f, f.id().to_string(), r.values.get(f.id()), r))
            .collect();
        let multipart = fields.iter().any(|f| {
            f.kind == FieldType::File || f.rows.iter().any(|row| row.cells.iter().any(|c| c.kind == FieldType::File))
        });
        let mut summary = error_summary(s, r.errors);
        for item in &mut summary {
            item.href = match (&item.part, r.part, r.part_url) {
                (Some(part), Some(here), Some(url)) if part != here => {
                    format!("{}#{}", url.replace("{part}", part), item.target)
                }
                _ => format!("#{}", item.target),
            };
        }
        FormView {
            id: format!("form-{}", s.id()),
            form_id: s.id().to_string(),
            action: r.action.to_string(),
            multipart,
            novalidate: r.novalidate,
            part: r.part.map(str::to_owned),
            hidden: r.hidden.clone(),
            summary_title: r.lang_pick("提交前请修改以下问题", "There is a problem"),
            summary,
            fields,
            buttons: r.buttons.clone(),
            lang: r.lang.tag(),
            required_note: r.lang_pick("带 * 的为必填项。", "Fields marked * are required."),
        }
    }
}

impl FormRequest<'_> {
    fn lang_pick(&self, zh: &'static str, en: &'static str) -> &'static str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn error(&self, path: &str) -> Option<String> {
        self.errors.iter().find(|(p, _)| p == path).map(|(_, m)| m.clone())
    }
}

impl FieldView {
    fn new(s: &Schema, f: &Field, path: String, value: Option<&Value>, r: &FormRequest<'_>) -> FieldView {
        let lang = r.lang;
        let text = value.map(as_text).unwrap_or_default();
        let (sum_of, sum_exact) = sum_parts(s, f);
        let options = f
            .options()
            .iter()
            .map(|o| OptionView {
                value: o.value().to_string(),
                label: o.label(lang).to_string(),
                hint: o.help(lang).map(str::to_owned),
                selected: match value {
                    Some(Value::Array(items)) => items.iter().any(|v| as_text(v) == o.value()),
                    Some(v) => as_text(v) == o.value(),
                    None => false,
                },
            })
            .collect();
        let rows = if f.is_group() { group_rows(s, f, &path, value, r) } else { Vec::new() };
        let files = match (f.kind, value) {
            (FieldType::File, Some(Value::Array(items))) => items.iter().filter_map(file_view).collect(),
            (FieldType::File, Some(item @ Value::Object(_))) => file_view(item).into_iter().collect(),
            _ => Vec::new(),
        };
        let mut attrs = f.html_attrs();
        if f.is_group() || f.kind == FieldType::Checkboxes {
            attrs.clear();
        }
        if !files.is_empty() {
            // A file already kept answers the field; the empty input beside it may stay empty.
            attrs.retain(|(name, _)| *name != "required");
        }
        FieldView {
            id: field_id(&path),
            error: r.error(&path),
            element: f.html_element(),
            kind: f.kind,
            label: f.label(lang).to_string(),
            hint: f.help(lang).map(str::to_owned),
            required: f.is_required() && f.kind != FieldType::Hidden,
            attrs,
            checked: matches!(value, Some(v) if crate::condition::is_filled(v) && as_text(v) != "false"),
            value: text,
            options,
            unit: f.unit().map(|u| u.label(lang)).filter(|u| !u.is_empty()),
            sum_of,
            sum_exact,
            rows,
            files,
            honeypot: f.kind == FieldType::Honeypot,
            conditional: f.shown_when().is_some(),
            path,
        }
    }
}

/// The rows a group shows: those filled in, then one blank row to add another (no
/// script needed), at least `min_rows`, at most `max_rows`.
fn group_rows(s: &Schema, group: &Field, path: &str, value: Option<&Value>, r: &FormRequest<'_>) -> Vec<RowView> {
    let filled: &[Value] = match value {
        Some(Value::Array(rows)) => rows,
        _ => &[],
    };
    let wanted = (filled.len() + 1).max(group.min_rows() as usize).max(1);
    let count = group.max_rows().map_or(wanted, |max| wanted.min(max as usize));
    (0..count)
        .map(|i| {
            let row = filled.get(i);
            let cells = group
                .columns()
                .iter()
                .map(|c| {
                    let mut cell =
                        FieldView::new(s, c, format!("{path}[{i}].{}", c.id()), row.and_then(|v| v.get(c.id())), r);
                    if i >= group.min_rows() as usize {
                        // A blank extra row is optional as a whole; the server checks filled rows.
                        cell.attrs.retain(|(name, _)| *name != "required");
                        cell.required = false;
                    }
                    cell
                })
                .collect();
            RowView { legend: format!("{} {}", group.label(r.lang), i + 1), cells }
        })
        .collect()
}

/// For a total that a `sum` rule checks: the ids of its parts and whether they must add up exactly.
fn sum_parts(s: &Schema, f: &Field) -> (Vec<String>, bool) {
    for rule in s.rules() {
        if rule.scope.is_some() {
            continue;
        }
        if let RuleKind::Sum { total, parts, op } = &rule.kind {
            if total == f.id() {
                return (parts.clone(), *op == SumOp::Eq);
            }
        }
    }
    (Vec::new(), false)
}

fn file_view(item: &Value) -> Option<FileView> {
    let name = item.get("name")?.as_str()?.to_string();
    Some(FileView { name, json: item.to_string() })
}

/// A value as the text a control shows.
fn as_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}
