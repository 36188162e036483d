//! A batch (批次) of retracted papers from a spreadsheet (seed 004: the national account
//! imports the papers, then sends them out by region or straight to institutions).
//!
//! The first sheet of an `.xlsx` workbook: a header row naming the columns — 编号,
//! 标题 (or 论文名称), 作者姓名, 第一通讯作者单位, 行政区划, and optionally any other
//! field of the `integrity-case` form by its Chinese label — and one row per paper.
//! Every row is checked by the form's own rules (a region by its name, 河北省, or its
//! code, hebei); every problem is reported by its cell (`E3`) with the row and column
//! named, and nothing is imported unless every row is right.

use std::collections::BTreeMap;

use gazette_forms::{Lang, Schema};
use serde_json::{Map, Value, json};

use crate::workflows::monthly_report::import::{column_letter, text};

/// At most this many papers in one batch (one store transaction holds them all).
pub const MAX_BATCH_ROWS: usize = 100;

/// Problems found, by cell (`E3`, or `A1` for the sheet as a whole).
pub type SheetErrors = BTreeMap<String, String>;

/// The columns every batch has, as the registry lists them (批次 is the import's own).
const REQUIRED: [(&str, &str); 5] = [
    ("number", "编号"),
    ("paper_title", "标题"),
    ("authors", "作者姓名"),
    ("corresponding_institution", "第一通讯作者单位"),
    ("region", "行政区划"),
];

/// Reads and checks a workbook: every paper of the batch as the `integrity-case` form's
/// input (source 撤稿论文, the batch's name), or every problem.
pub fn read_batch(bytes: &[u8], schema: &Schema, batch: &str, lang: Lang) -> Result<Vec<Value>, SheetErrors> {
    let say = |zh: &str, en: &str| match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    };
    let whole = |message: String| BTreeMap::from([("A1".to_owned(), message)]);
    let range = crate::workflows::monthly_report::import::first_sheet(bytes, lang)?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(whole(say("工作表是空的：第一行应为列名", "The sheet is empty: the first row names the columns")));
    };
    let letter = |col: usize| column_letter(left as usize + col);
    let cell = |row: usize, col: usize| format!("{}{}", letter(col), top as usize + row + 1);
    let mut errors = SheetErrors::new();
    let mut columns: Vec<Option<&gazette_forms::Field>> = Vec::with_capacity(header.len());
    for (c, name) in header.iter().enumerate() {
        let name = text(name);
        let field = column(schema, &name);
        if field.is_none() && !name.is_empty() {
            let message = match lang {
                Lang::Zh => format!(
                    "第 1 行第 {} 列：列名“{name}”不是可导入的列（编号、标题、作者姓名、第一通讯作者单位、行政区划等）",
                    letter(c)
                ),
                Lang::En => format!(
                    "Row 1, column {}: “{name}” is not a column of a batch (number, title, authors, institution, region …)",
                    letter(c)
                ),
            };
            errors.insert(cell(0, c), message);
        }
        columns.push(field);
    }
    for (id, zh) in REQUIRED {
        if !columns.iter().flatten().any(|f| f.id() == id) {
            let message = match lang {
                Lang::Zh => format!("缺少“{zh}”列"),
                Lang::En => format!("The column “{zh}” ({id}) is missing"),
            };
            errors.entry("A1".into()).and_modify(|m| m.push_str(&format!("；{message}"))).or_insert(message);
        }
    }
    let mut papers: Vec<Value> = Vec::new();
    let mut numbers: BTreeMap<String, usize> = BTreeMap::new();
    for (r, row) in rows.enumerate().map(|(i, row)| (i + 1, row)) {
        if row.iter().all(|d| text(d).is_empty()) {
            continue;
        }
        let line = top as usize + r + 1;
        let mut values =
            Map::from_iter([("source".to_owned(), json!("retracted_paper")), ("batch".to_owned(), json!(batch))]);
        let mut cells = BTreeMap::new();
        for (c, data) in row.iter().enumerate() {
            let Some(Some(field)) = columns.get(c) else { continue };
            let mut raw = text(data);
            if field.id() == "region" {
                raw = region_code(field, &raw).unwrap_or(raw);
            }
            cells.insert(field.id().to_owned(), c);
            values.insert(field.id().to_owned(), Value::String(raw));
        }
        let mut located = |path: &str, message: &str| {
            let c = cells.get(path).copied();
            let at = c.map_or_else(|| cell(r, 0), |c| cell(r, c));
            let named = c.and_then(|c| columns.get(c).copied().flatten()).map(|f| f.label(Lang::Zh)).unwrap_or(path);
            let message = match (lang, c) {
                (Lang::Zh, Some(c)) => format!("第 {line} 行第 {} 列（{named}）：{message}", letter(c)),
                (Lang::Zh, None) => format!("第 {line} 行：{message}"),
                (Lang::En, Some(c)) => format!("Row {line}, column {} ({path}): {message}", letter(c)),
                (Lang::En, None) => format!("Row {line}: {message}"),
            };
            errors.insert(at, message);
        };
        match schema.validate(&Value::Object(values), lang) {
            Ok(checked) => {
                let number = checked.get("number").and_then(Value::as_str).unwrap_or_default().to_owned();
                if let Some(first) = numbers.insert(number.clone(), line) {
                    let message = match lang {
                        Lang::Zh => format!("编号“{number}”与第 {first} 行重复：同一批次中编号不能重复"),
                        Lang::En => format!("number “{number}” repeats row {first}: numbers differ within a batch"),
                    };
                    located("number", &message);
                }
                papers.push(checked);
            }
            Err(e) => {
                for (path, message) in e.iter() {
                    located(path, message);
                }
            }
        }
    }
    if papers.is_empty() && errors.is_empty() {
        errors.insert(
            "A2".into(),
            say("工作表中没有论文：第二行起每行一篇", "The sheet has no papers: one a row from row 2"),
        );
    }
    if papers.len() > MAX_BATCH_ROWS {
        let message = match lang {
            Lang::Zh => format!("一个批次最多 {MAX_BATCH_ROWS} 篇论文，本表有 {} 篇：请分批导入", papers.len()),
            Lang::En => {
                format!("At most {MAX_BATCH_ROWS} papers a batch, this sheet has {}: import it in parts", papers.len())
            }
        };
        errors.insert("A1".into(), message);
    }
    if errors.is_empty() { Ok(papers) } else { Err(errors) }
}

/// The form field a header names: by its Chinese label or id, 标题 for the title;
/// never the source or the batch, which the import itself gives.
fn column<'a>(schema: &'a Schema, name: &str) -> Option<&'a gazette_forms::Field> {
    let id = match name {
        "标题" | "论文标题" => "paper_title",
        "作者" => "authors",
        _ => name,
    };
    schema
        .fields()
        .iter()
        .filter(|f| !matches!(f.id(), "source" | "batch"))
        .find(|f| f.id() == id || f.label(Lang::Zh) == name)
}

/// A region as the sheet names it (河北省, or 河北, or hebei) → its code.
fn region_code(field: &gazette_forms::Field, raw: &str) -> Option<String> {
    let raw = raw.trim();
    field
        .options()
        .iter()
        .find(|o| {
            o.value() == raw || o.label(Lang::Zh) == raw || (!raw.is_empty() && o.label(Lang::Zh).starts_with(raw))
        })
        .map(|o| o.value().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook of `rows` (the first the header), written as the registry's export would be.
    pub(crate) fn workbook(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *value).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    const HEADER: &[&str] = &["编号", "标题", "作者姓名", "第一通讯作者单位", "行政区划"];

    fn schema() -> &'static Schema {
        gazette_forms::schema("integrity-case").unwrap()
    }

    #[test]
    fn a_batch_reads_every_paper_with_its_region_by_name_or_code() {
        let bytes = workbook(&[
            HEADER,
            &["1", "测试论文", "王星星; 张三", "某某省第三医院", "河北省"],
            &["2", "A Hybrid Intelligent System", "Li Si", "某某大学附属医院", "shanxi"],
            &["", "", "", "", ""],
        ]);
        let papers = read_batch(&bytes, schema(), "2023-01", Lang::Zh).unwrap();
        assert_eq!(papers.len(), 2, "a blank row is no paper");
        assert_eq!(
            (papers[0]["region"].as_str(), papers[0]["batch"].as_str(), papers[0]["source"].as_str()),
            (Some("hebei"), Some("2023-01"), Some("retracted_paper"))
        );
        assert_eq!(papers[1]["region"], "shanxi");
        assert_eq!(papers[1]["number"], "2");
    }

    #[test]
    fn every_problem_is_named_by_row_and_column_and_nothing_is_read() {
        let bytes = workbook(&[
            HEADER,
            &["1", "测试论文", "王星星", "某某省第三医院", "河北省"],
            &["2", "", "张三", "某某医院", "亚特兰蒂斯"],
            &["1", "另一篇", "李四", "某某医院", "北京市"],
        ]);
        let e = read_batch(&bytes, schema(), "2023-01", Lang::Zh).unwrap_err();
        assert_eq!(e["B3"], "第 3 行第 B 列（论文名称）：请填写“论文名称”");
        assert!(e["E3"].starts_with("第 3 行第 E 列（行政区划）："), "{e:?}");
        assert_eq!(e["A4"], "第 4 行第 A 列（编号）：编号“1”与第 2 行重复：同一批次中编号不能重复");
        assert_eq!(e.len(), 3, "{e:?}");
    }

    #[test]
    fn a_missing_column_or_a_foreign_header_is_refused() {
        let bytes = workbook(&[&["编号", "标题", "作者姓名", "单位"], &["1", "测试论文", "王星星", "某医院"]]);
        let e = read_batch(&bytes, schema(), "b", Lang::Zh).unwrap_err();
        assert!(e["D1"].contains("列名“单位”不是可导入的列"), "{e:?}");
        assert!(e["A1"].contains("缺少“第一通讯作者单位”列") && e["A1"].contains("缺少“行政区划”列"), "{e:?}");
        let e = read_batch(b"not a workbook", schema(), "b", Lang::En).unwrap_err();
        assert_eq!(e["A1"], "Cannot read it: upload an Excel workbook (.xlsx)");
    }
}
