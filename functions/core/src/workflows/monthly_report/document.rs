//! A report as a document: its parts as tables of label, value and unit, read once
//! from the form's values and laid out three ways — the printable page, the PDF
//! (`crate::pdf`) and the Excel workbook of the annual report — so the three cannot
//! disagree.

use gazette_forms::{Field, FieldType, Lang, Schema};
use serde_json::Value;

use super::{AnnualReport, MonthlyReport};
use crate::lifecycle::time;
use crate::pdf::{PdfReport, Section};

/// What a number left empty shows: no answer, not 0 (the form's `blank_numbers`).
pub const NOT_FILLED: &str = "未填写";

/// The shown value of a field and whether it is a number (right-aligned).
pub fn shown(field: &Field, value: Option<&Value>) -> (String, bool) {
    let lang = Lang::Zh;
    match (field.kind(), value) {
        (FieldType::Number, Some(Value::Number(n))) => (n.to_string(), true),
        (FieldType::Number, _) => (NOT_FILLED.to_owned(), true),
        (FieldType::Checkbox, Some(Value::Bool(b))) => ((if *b { "是" } else { "否" }).to_owned(), false),
        (FieldType::File, Some(Value::Array(files))) => {
            let names: Vec<&str> = files.iter().filter_map(|f| f.get("name")?.as_str()).collect();
            (if names.is_empty() { "—".to_owned() } else { names.join("\n") }, false)
        }
        (FieldType::File, Some(Value::Object(f))) => {
            (f.get("name").and_then(Value::as_str).unwrap_or("—").to_owned(), false)
        }
        (FieldType::Select | FieldType::Radio, Some(Value::String(s))) => {
            (field.option(s).map_or(s.as_str(), |c| c.label(lang)).to_owned(), false)
        }
        (_, Some(Value::String(s))) if !s.trim().is_empty() => (s.clone(), false),
        (_, Some(Value::Array(items))) if !items.is_empty() => {
            let parts: Vec<String> =
                items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).collect();
            (parts.join("、"), false)
        }
        _ => ("—".to_owned(), false),
    }
}

/// Every part of the form with its rows (label, shown value, unit), from `values`.
pub fn sections(schema: &Schema, values: &Value) -> Vec<Section> {
    schema
        .parts()
        .iter()
        .map(|part| Section {
            title: part.title(Lang::Zh).to_owned(),
            rows: schema
                .fields_in_part(part.id())
                .filter(|f| f.kind() != FieldType::Hidden)
                .map(|f| {
                    let unit = f.unit().map_or("", |u| u.label(Lang::Zh));
                    [f.label(Lang::Zh).to_owned(), shown(f, values.get(f.id())).0, unit.to_owned()]
                })
                .collect(),
        })
        .collect()
}

/// The platform's name as the values give it, else its code.
pub fn platform_name<'a>(values: &'a Value, code: &'a str) -> &'a str {
    values.get("platform_name").and_then(Value::as_str).filter(|n| !n.is_empty()).unwrap_or(code)
}

/// A month's report as a PDF document.
pub fn month_pdf(schema: &Schema, r: &MonthlyReport) -> PdfReport {
    let name = platform_name(&r.values, &r.platform);
    let mut facts = vec![
        ("平台".to_owned(), name.to_owned()),
        ("单位".to_owned(), r.unit.clone()),
        ("填报月份".to_owned(), r.period.clone()),
        ("状态".to_owned(), r.status.label_zh().to_owned()),
    ];
    if let Some(at) = r.submitted_at {
        facts.push(("提交时间（北京时间）".to_owned(), time::shown(at)));
    }
    if let Some(c) = &r.comment {
        facts.push(("审核意见".to_owned(), c.clone()));
    }
    PdfReport {
        title: format!("{name} {} {}", r.period, schema.title(Lang::Zh)),
        facts,
        sections: sections(schema, &r.values),
    }
}

/// The months an annual report was made from, as people read them.
pub fn months_line(a: &AnnualReport) -> String {
    if a.months.is_empty() { "尚无审核通过的月份".to_owned() } else { a.months.join("、") }
}

/// A year's report as a PDF document.
pub fn annual_pdf(schema: &Schema, a: &AnnualReport) -> PdfReport {
    PdfReport {
        title: format!("{} {} 年度报告", a.platform_name, a.year),
        facts: vec![
            ("平台".to_owned(), a.platform_name.clone()),
            ("单位".to_owned(), a.unit.clone()),
            ("年度".to_owned(), a.year.to_string()),
            ("所含月份（审核通过）".to_owned(), months_line(a)),
        ],
        sections: annual_sections(schema, &a.values),
    }
}

/// The annual report's parts: as a month's, without the month reported.
pub fn annual_sections(schema: &Schema, values: &Value) -> Vec<Section> {
    let mut all = sections(schema, values);
    for s in &mut all {
        s.rows.retain(|r| r[0] != "填报月份");
    }
    all
}

/// The annual report as workbook rows: part, item, value, unit.
pub fn annual_rows(schema: &Schema, a: &AnnualReport) -> Vec<Vec<String>> {
    annual_sections(schema, &a.values)
        .into_iter()
        .flat_map(|s| {
            let part = s.title;
            s.rows.into_iter().map(move |[label, value, unit]| vec![part.clone(), label, value, unit])
        })
        .collect()
}
