//! HTML form fields → the JSON object the validator reads: the inverse of the names
//! `render.rs` gives controls. A plain POST arrives as `(name, value)` pairs; this
//! puts `authors[1].name` back into row 1 of `authors`, collects the ticked boxes of
//! a checkboxes field into a list, and files (already stored, as `{name, size,
//! content_type, key}` objects) into their field.
//!
//! An unticked checkbox sends nothing, so for the fields of the form (or of the part
//! being saved) that sent nothing, a checkbox becomes `false` and a checkboxes field
//! `[]` — otherwise unticking could never clear a saved box. Names starting with `_`
//! are the page's own controls and are left out; other names the schema does not know
//! are kept as strings (an action's `comment`), for the endpoint to judge.
//!
//! A group's "add a row" and "remove" buttons post the form too, without a script;
//! [`Schema::edit_rows`] applies them to what was posted, for the page to draw again.

use serde_json::{Map, Value};

use crate::schema::{FieldType, Schema, split_path};

impl Schema {
    /// The JSON object for the submitted pairs. `part` limits which absent boxes are
    /// cleared to the fields of that part (a page of a multi-part form).
    pub fn from_form_pairs(&self, pairs: &[(String, Value)], part: Option<&str>) -> Value {
        let mut out = Map::new();
        for (name, value) in pairs {
            if name.starts_with('_') {
                continue;
            }
            let (top, cell) = split_path(name);
            let Some(field) = self.field_at(top) else {
                out.insert(name.clone(), value.clone());
                continue;
            };
            match cell {
                Some((row, column)) if field.kind == FieldType::Group => {
                    let Some(col) = field.column(column) else { continue };
                    let rows = out.entry(top.to_string()).or_insert_with(|| Value::Array(Vec::new()));
                    let Value::Array(rows) = rows else { continue };
                    // Rows beyond the form's own limit are not kept: a hostile post cannot grow them.
                    if row >= field.max_rows().unwrap_or(100).max(1) as usize {
                        continue;
                    }
                    while rows.len() <= row {
                        rows.push(Value::Object(Map::new()));
                    }
                    if let Value::Object(cells) = &mut rows[row] {
                        put(cells, col.id(), col.kind, col.multiple, value.clone());
                    }
                }
                Some(_) => {}
                None => put(&mut out, field.id(), field.kind, field.multiple, value.clone()),
            }
        }
        for field in self.fields().iter().filter(|f| part.is_none() || f.part() == part) {
            if !out.contains_key(field.id()) {
                match field.kind {
                    FieldType::Checkbox => {
                        out.insert(field.id().to_string(), Value::Bool(false));
                    }
                    FieldType::Checkboxes => {
                        out.insert(field.id().to_string(), Value::Array(Vec::new()));
                    }
                    _ => {}
                }
            }
        }
        // Blank rows (an untouched "add another" row) are left for the validator to drop.
        Value::Object(out)
    }
}

/// What a group's button asks of the answers posted with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowEdit<'a> {
    /// "Add a row" to the group with this id (`projects`).
    Add(&'a str),
    /// "Remove" the row at this path (`projects[1]`).
    Remove(&'a str),
}

impl Schema {
    /// Applies a group's button to `values` (as [`Schema::from_form_pairs`] made
    /// them): a blank row added at the end, up to the group's `max_rows`, or the row
    /// taken out (those after it move up). Returns whether it named a group of this
    /// form; if not, `values` is left as it was.
    pub fn edit_rows(&self, values: &mut Value, edit: RowEdit<'_>) -> bool {
        let (id, remove) = match edit {
            RowEdit::Add(id) => (id, None),
            RowEdit::Remove(path) => {
                let Some((id, index)) = path.strip_suffix(']').and_then(|p| p.split_once('[')) else { return false };
                let Ok(index) = index.parse::<usize>() else { return false };
                (id, Some(index))
            }
        };
        let Some(group) = self.field(id).filter(|f| f.kind == FieldType::Group) else { return false };
        let Value::Object(fields) = values else { return false };
        let rows = fields.entry(id.to_string()).or_insert_with(|| Value::Array(Vec::new()));
        if !rows.is_array() {
            *rows = Value::Array(Vec::new());
        }
        let Value::Array(rows) = rows else { return false };
        match remove {
            Some(index) if index < rows.len() => {
                rows.remove(index);
            }
            Some(_) => {}
            None if group.max_rows().is_none_or(|max| rows.len() < max as usize) => {
                rows.push(Value::Object(Map::new()))
            }
            None => {}
        }
        true
    }
}

fn put(into: &mut Map<String, Value>, id: &str, kind: FieldType, multiple: bool, value: Value) {
    match kind {
        FieldType::Checkboxes => push(into, id, value),
        FieldType::File => {
            // A kept file comes back from its checkbox as the JSON of its record.
            let record = match value {
                Value::String(s) => match serde_json::from_str::<Value>(&s) {
                    Ok(record @ Value::Object(_)) => record,
                    _ => return,
                },
                other => other,
            };
            if multiple {
                push(into, id, record);
            } else {
                into.insert(id.to_string(), record);
            }
        }
        _ => {
            into.insert(id.to_string(), value);
        }
    }
}

fn push(into: &mut Map<String, Value>, id: &str, value: Value) {
    match into.entry(id.to_string()).or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(items) => items.push(value),
        other => *other = Value::Array(vec![value]),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    fn pairs(items: &[(&str, serde_json::Value)]) -> Vec<(String, serde_json::Value)> {
        items.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn rows_boxes_and_files_are_put_back_together() {
        let schema = crate::schema("integrity-result").unwrap();
        let file =
            json!({"name": "报告.pdf", "size": 10, "content_type": "application/pdf", "key": "cases/u-x/1/a.pdf"});
        let value = schema.from_form_pairs(
            &pairs(&[
                ("_next", json!("/x")),
                ("finding", json!("confirmed")),
                ("authors[1].name", json!("李四")),
                ("authors[0].name", json!("张三")),
                ("authors[0].penalty_set", json!("1")),
                ("penalty_sets[0].misconduct_kinds", json!("fabrication")),
                ("penalty_sets[0].misconduct_kinds", json!("plagiarism")),
                ("report", json!(file.to_string())),
                ("authors[99999].name", json!("too far")),
                ("comment", json!("kept as text")),
            ]),
            None,
        );
        assert_eq!(value["finding"], "confirmed");
        assert_eq!(value["authors"][0]["name"], "张三");
        assert_eq!(value["authors"][0]["penalty_set"], "1");
        assert_eq!(value["authors"][1]["name"], "李四");
        assert_eq!(value["authors"].as_array().unwrap().len(), 2);
        assert_eq!(value["penalty_sets"][0]["misconduct_kinds"], json!(["fabrication", "plagiarism"]));
        assert_eq!(value["comment"], "kept as text");
        assert_eq!(value["authors"][1]["name"], "李四", "(unticked top-level boxes: see only_the_part_being_saved…)");
        assert!(value.get("_next").is_none());
        let field = schema.field("report").unwrap();
        assert_eq!(value["report"], if field.is_multiple() { json!([file]) } else { file });
    }

    #[test]
    fn a_group_button_adds_a_blank_row_or_takes_one_out() {
        use super::RowEdit;
        let plan = crate::schema("training-plan").unwrap();
        let posted = pairs(&[("projects[0].name", json!("研修班")), ("projects[1].name", json!("讲坛"))]);
        let mut values = plan.from_form_pairs(&posted, None);
        assert!(plan.edit_rows(&mut values, RowEdit::Add("projects")));
        assert_eq!(values["projects"].as_array().map(Vec::len), Some(3));
        assert_eq!(values["projects"][2], json!({}));
        assert!(plan.edit_rows(&mut values, RowEdit::Remove("projects[0]")));
        assert_eq!(values["projects"][0]["name"], "讲坛", "the rows after it move up");
        assert_eq!(values["projects"].as_array().map(Vec::len), Some(2));
        // Anything that is not a group of the form changes nothing.
        let before = values.clone();
        for edit in
            [RowEdit::Add("year"), RowEdit::Add("nope"), RowEdit::Remove("projects"), RowEdit::Remove("projects[x]")]
        {
            assert!(!plan.edit_rows(&mut values, edit), "{edit:?}");
        }
        assert!(plan.edit_rows(&mut values, RowEdit::Remove("projects[99]")));
        assert_eq!(values, before);
        // A result's authors too, from none posted.
        let result = crate::schema("integrity-result").unwrap();
        let mut values = result.from_form_pairs(&[], None);
        assert!(result.edit_rows(&mut values, RowEdit::Add("authors")));
        assert_eq!(values["authors"], json!([{}]));
    }

    #[test]
    fn no_more_rows_are_added_than_the_group_takes() {
        let plan = crate::schema("training-plan").unwrap();
        let max = plan.field("projects").and_then(|f| f.max_rows()).unwrap() as usize;
        let mut values = json!({ "projects": vec![json!({ "name": "x" }); max] });
        assert!(plan.edit_rows(&mut values, super::RowEdit::Add("projects")));
        assert_eq!(values["projects"].as_array().map(Vec::len), Some(max));
    }

    #[test]
    fn only_the_part_being_saved_has_its_unticked_boxes_cleared() {
        let schema = crate::schema("registration").unwrap();
        let whole = schema.from_form_pairs(&pairs(&[("name", json!("张三"))]), None);
        assert_eq!(whole["consent"], false);
        let report = crate::schema("monthly-report").unwrap();
        let part = report.from_form_pairs(&pairs(&[("staff_total", json!("3"))]), Some("staff"));
        assert_eq!(part.as_object().unwrap().len(), 1, "{part}");
    }
}
