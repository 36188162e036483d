//! A form's answers as people read them, for a summary list
//! (`<dl class="gz-summary-list">`, the `summary_list` macro of `case_macros.html`):
//! option labels, units, files as links, a group as a table, and nothing a
//! condition of the form did not ask for.

use gazette_forms::{FieldType, Schema};
use serde::Serialize;
use serde_json::{Value, json};

use super::pages::ZH;

/// One line of a summary list: a field of a form and its answer.
#[derive(Debug, Serialize)]
pub(crate) struct SummaryRow {
    label: String,
    texts: Vec<String>,
    /// A text shown as paragraphs (a long answer).
    block: bool,
    href: Option<String>,
    files: Vec<Value>,
    table: Option<Value>,
}

impl SummaryRow {
    pub(crate) fn text(label: &str, text: String) -> SummaryRow {
        SummaryRow { label: label.to_owned(), texts: vec![text], block: false, href: None, files: vec![], table: None }
    }
}

pub(crate) fn summary_rows(schema: &Schema, values: &Value, file_href: &dyn Fn(&str) -> String) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    // Only what the form asked for these answers (a result stored before fields not
    // asked were left out may still hold them).
    let values = schema.applicable(values);
    for field in schema.fields() {
        let Some(value) = values.get(field.id()).filter(|v| filled(v)) else { continue };
        let mut row = SummaryRow::text(field.label(ZH), String::new());
        row.texts.clear();
        match field.kind() {
            FieldType::Group => {
                // Hidden columns (an author's row identity) are for the form, not for
                // people; nor is a column no row answers (a period of a penalty no set chose).
                let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
                let answered = |id: &str| items.iter().any(|item| item.get(id).is_some_and(filled));
                let columns: Vec<_> =
                    field.columns().iter().filter(|c| c.kind() != FieldType::Hidden && answered(c.id())).collect();
                let head: Vec<&str> = columns.iter().map(|c| c.label(ZH)).collect();
                let body: Vec<Vec<String>> = value
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .map(|item| {
                                columns
                                    .iter()
                                    .map(|c| item.get(c.id()).map(|v| c.display(v, ZH)).unwrap_or_default())
                                    .collect()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                row.table = Some(json!({ "head": head, "rows": body }));
            }
            FieldType::File => {
                let items = match value {
                    Value::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                row.files = items.into_iter().filter_map(|f| file_link(f, file_href)).collect();
            }
            FieldType::Checkboxes => {
                row.texts = value.as_array().into_iter().flatten().map(|v| field.display(v, ZH)).collect();
                row.block = row.texts.len() > 1;
            }
            FieldType::Textarea => {
                let text = value.as_str().unwrap_or_default().replace("\r\n", "\n");
                row.texts = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
                row.block = true;
            }
            FieldType::Url => {
                let url = value.as_str().unwrap_or_default().to_owned();
                if url.starts_with("https://") || url.starts_with("http://") {
                    row.href = Some(url.clone());
                }
                row.texts = vec![url];
            }
            _ => row.texts = vec![field.display(value, ZH)],
        }
        rows.push(row);
    }
    rows
}

fn filled(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

/// `{name, size, key}` → `{name, size, href}` for a link to it.
pub(crate) fn file_link(file: &Value, file_href: &dyn Fn(&str) -> String) -> Option<Value> {
    let key = file.get("key")?.as_str()?;
    let name = file.get("name").and_then(Value::as_str).unwrap_or(key);
    let size = file.get("size").and_then(Value::as_u64).map(file_size).unwrap_or_default();
    Some(json!({ "name": name, "size": size, "href": file_href(key) }))
}

fn file_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} 字节"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_reads_as_labels_units_and_a_table_of_authors() {
        let schema = gazette_forms::schema("integrity-result").unwrap();
        let result = json!({
            "finding": "yes",
            "authors": [{"row_id": "01J0", "name": "张三", "institution": "某医院", "id_number": "1101051949****002X", "role": "first", "penalty_set": "1"}],
            "penalty_sets": [
                {"misconduct_kinds": ["fabrication"], "severity": "serious", "penalties": ["circular", "ban_projects"], "years_ban_projects": "4", "years_suspend": "2"},
                {"misconduct_kinds": ["authorship"], "severity": "minor", "penalties": ["admonition"]},
            ],
            "report": {"name": "调查报告.pdf", "size": 2048, "content_type": "application/pdf", "key": "cases/u-h/1/r.pdf"},
        });
        let rows = summary_rows(schema, &result, &|key| format!("/f?key={key}"));
        let row = |label: &str| rows.iter().find(|r| r.label == label).unwrap_or_else(|| panic!("{label}"));
        assert_eq!(row("是否存在科研失信行为").texts, ["是"]);
        let sets = row("处理措施").table.as_ref().unwrap();
        assert_eq!(
            sets["head"],
            json!(["失信行为类型", "情节轻重", "处理措施", "禁止承担或参与科技活动期限"]),
            "{sets}"
        );
        assert_eq!(sets["rows"][0][3], "4 年");
        assert_eq!(sets["rows"][1][3], "", "a period the set did not choose");
        let table = row("作者").table.as_ref().unwrap();
        assert_eq!(table["head"][0], "姓名", "the row identity is not shown");
        assert_eq!(table["rows"][0][2], "1101051949****002X");
        // 其他证件号码 is answered by no row: not a column.
        assert_eq!(table["rows"][0][3], "第一作者");
        assert_eq!(table["rows"][0][4], "按第 1 组处理措施处理");
        assert_eq!(row("机构调查报告").files[0]["href"], "/f?key=cases/u-h/1/r.pdf");
        assert_eq!(row("机构调查报告").files[0]["size"], "2.0 KB");
        assert!(!sets["head"].as_array().unwrap().contains(&json!("暂停期限")), "a period not asked for is not shown");
    }
}
