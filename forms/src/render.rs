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
//!
//! A group (a repeatable set of fields: a plan's projects, a result's authors) is
//! drawn as one fieldset per row, with a button to add a row and one to remove each
//! row. Without a script they are submit buttons posting the page's controls
//! [`ADD_ROW`] / [`REMOVE_ROW`] to the form's own route, which draws the form again
//! with what was typed and the row added or removed, and saves or submits nothing;
//! with `static/forms.js` they add a blank row (from the `<template>` drawn with the
//! group) or remove one in place.

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

/// The page control a group's "add a row" button posts: the group's id (`projects`).
pub const ADD_ROW: &str = "_add_row";
/// The page control a row's "remove" button posts: the row's path (`projects[1]`).
pub const REMOVE_ROW: &str = "_remove_row";
/// What stands for the row's index (and, in the legend, its number) in the blank
/// row a script copies for "add a row".
const ROW_INDEX: &str = "__i__";
const ROW_NUMBER: &str = "__n__";

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
    /// The form has buttons of its own besides `buttons` (add or remove a row): an
    /// unseen copy of the first of `buttons` comes first, so Enter in a field
    /// presses it (a browser presses the first submit button of a form).
    default_first: bool,
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
    /// For a group: what its buttons say and do (see [`GroupView`]).
    group: Option<GroupView>,
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
    /// `projects[1]`: what its remove button posts.
    path: String,
    /// `f-projects-1`: the fieldset's id, where a message about the row leads.
    id: String,
    /// Whether it has a remove button (a group keeps at least one row).
    removable: bool,
    cells: Vec<FieldView>,
}

/// A group's controls: add a row, remove one.
#[derive(Serialize)]
struct GroupView {
    /// `培训项目`: rows are numbered after it.
    row_label: String,
    add_label: String,
    remove_label: String,
    /// Whether another row may be added (`max_rows`).
    can_add: bool,
    max_rows: Option<u32>,
    /// The index the next row added takes.
    next_row: usize,
    /// A blank row with [`ROW_INDEX`] and [`ROW_NUMBER`] in place of its index and
    /// number, for a script to copy.
    template: Option<Box<RowView>>,
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
        let default_first = fields.iter().any(|f| f.group.is_some()) && !r.buttons.is_empty();
        FormView {
            default_first,
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
        let group = f.is_group().then(|| group_view(s, f, &path, rows.len(), r));
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
            group,
            files,
            honeypot: f.kind == FieldType::Honeypot,
            conditional: f.shown_when().is_some(),
            path,
        }
    }
}

/// The rows a group shows: those given (a blank one too: a row just added), at
/// least `min_rows` and one, at most `max_rows`. More come with "add a row".
fn group_rows(s: &Schema, group: &Field, path: &str, value: Option<&Value>, r: &FormRequest<'_>) -> Vec<RowView> {
    let given: &[Value] = match value {
        Some(Value::Array(rows)) => rows,
        _ => &[],
    };
    let wanted = given.len().max(group.min_rows() as usize).max(1);
    let count = group.max_rows().map_or(wanted, |max| wanted.min(max as usize));
    (0..count)
        .map(|i| {
            let mut row = group_row(s, group, path, &i.to_string(), &(i + 1).to_string(), given.get(i), r);
            row.removable = count > 1;
            row
        })
        .collect()
}

/// Row `index` of a group (numbered `number` in its legend), holding `row`.
fn group_row(
    s: &Schema,
    group: &Field,
    path: &str,
    index: &str,
    number: &str,
    row: Option<&Value>,
    r: &FormRequest<'_>,
) -> RowView {
    let required_row = index.parse::<usize>().is_ok_and(|i| i < group.min_rows() as usize);
    let cells = group
        .columns()
        .iter()
        .map(|c| {
            let mut cell =
                FieldView::new(s, c, format!("{path}[{index}].{}", c.id()), row.and_then(|v| v.get(c.id())), r);
            if !required_row {
                // A row beyond `min_rows` is optional as a whole; the server checks filled rows.
                cell.attrs.retain(|(name, _)| *name != "required");
                cell.required = false;
            }
            cell
        })
        .collect();
    RowView {
        legend: format!("{} {number}", group.label(r.lang)),
        id: field_id(&format!("{path}[{index}]")),
        path: format!("{path}[{index}]"),
        removable: true,
        cells,
    }
}

fn group_view(s: &Schema, group: &Field, path: &str, rows: usize, r: &FormRequest<'_>) -> GroupView {
    let label = group.label(r.lang);
    let can_add = group.max_rows().is_none_or(|max| rows < max as usize);
    GroupView {
        row_label: label.to_owned(),
        add_label: match r.lang {
            Lang::Zh => format!("添加{label}"),
            Lang::En => format!("Add to {label}"),
        },
        remove_label: r.lang_pick("删除", "Remove").to_owned(),
        can_add,
        max_rows: group.max_rows(),
        next_row: rows,
        template: can_add.then(|| Box::new(group_row(s, group, path, ROW_INDEX, ROW_NUMBER, None, r))),
    }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn drawn(schema: &str, values: Value) -> String {
        let schema = crate::schema(schema).unwrap();
        render_form(&FormRequest {
            schema,
            lang: Lang::Zh,
            action: "/api/web/act/x",
            hidden: vec![],
            part: None,
            values: &values,
            errors: &[],
            buttons: vec![Button::submit("提交计划")],
            novalidate: false,
            part_url: None,
        })
    }

    #[test]
    fn a_group_has_buttons_to_add_a_row_and_remove_one_without_a_script() {
        let one = drawn("training-plan", json!({}));
        assert_eq!(one.matches("<legend>培训项目").count(), 2, "one row, and the blank one of the template");
        assert!(
            one.contains(
                r#"type="submit" name="_add_row" value="projects" formnovalidate data-add-row>添加培训项目</button>"#
            ),
            "{one}"
        );
        assert!(
            one.contains(r#"name="_remove_row" value="projects[0]" formnovalidate data-remove-row aria-label="删除：培训项目 1" hidden>"#),
            "the only row is not removed"
        );
        // The template: a blank row for a script, its index and number to fill in.
        let template = &one[one.find("<template data-row-template>").unwrap()..one.find("</template>").unwrap()];
        assert!(template.contains(r#"id="f-projects-__i__-name" name="projects[__i__].name""#), "{template}");
        assert!(template.contains("<legend>培训项目 __n__</legend>"));
        assert!(!template.contains(" required"), "a row added is optional as a whole");
        // Enter in a field presses the main button, which comes first (unseen) in the form.
        let first_button = &one[one.find("<button").unwrap()..];
        assert!(
            first_button.starts_with(
                r#"<button class="gz-visually-hidden" type="submit" tabindex="-1" aria-hidden="true">提交计划</button>"#
            ),
            "{first_button:.200}"
        );

        let two = drawn("training-plan", json!({ "projects": [{ "name": "研修班" }, {}] }));
        assert!(two.contains("<legend>培训项目 2</legend>"), "a blank row added is drawn");
        assert!(
            two.contains(
                r#"value="projects[1]" formnovalidate data-remove-row aria-label="删除：培训项目 2">删除</button>"#
            ),
            "{two}"
        );
        assert!(two.contains(r#"data-next-row="2""#));
    }

    #[test]
    fn a_group_at_its_limit_offers_no_row_more() {
        let max = crate::schema("training-plan").unwrap().field("projects").unwrap().max_rows().unwrap() as usize;
        let full = drawn("training-plan", json!({ "projects": vec![json!({ "name": "x" }); max] }));
        assert!(full.contains(r#"data-add-row hidden>"#), "the add button is hidden");
        assert!(!full.contains("<template"), "and there is no row to copy");
    }

    #[test]
    fn a_form_without_a_group_has_no_unseen_button() {
        let registration = drawn("registration", json!({}));
        assert!(!registration.contains("aria-hidden=\"true\">提交计划"), "{registration}");
    }
}
