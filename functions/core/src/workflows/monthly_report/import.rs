//! Annual figures from a spreadsheet (seed 002: 系统已自动读取2022年年报指标数据): the
//! previous year's stocks of each platform, which its first month starts from.
//!
//! The first sheet of an `.xlsx` workbook: a header row naming the columns — 单位代码,
//! 平台代码, 年度, then any stock field of the monthly report by its Chinese label
//! (从业人员总数 …) or its id — and one row per platform. Every cell is checked by the
//! form's own rules; every problem is reported with its cell (`C3`) and nothing is
//! imported unless every row is right.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use gazette_forms::{FieldType, Lang, Schema};
use serde_json::{Map, Value};

use super::domain::{FiguresRow, MAX_IMPORT_ROWS};
use crate::lifecycle::review::is_slug;

/// What a column holds.
#[derive(Debug, Clone, Copy)]
enum Column<'a> {
    Unit,
    Platform,
    Year,
    Figure(&'a gazette_forms::Field),
}

/// Problems found, by cell (`C3`, or `A1` for the sheet as a whole).
pub type SheetErrors = BTreeMap<String, String>;

/// The first sheet of an `.xlsx` workbook, or the problem with the whole file (on `A1`).
pub(crate) fn first_sheet(bytes: &[u8], lang: Lang) -> Result<calamine::Range<calamine::Data>, SheetErrors> {
    let whole =
        |zh: &str, en: &str| BTreeMap::from([("A1".to_owned(), if lang == Lang::Zh { zh } else { en }.to_owned())]);
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|_| {
        whole("无法读取：请上传 Excel 工作簿（.xlsx）", "Cannot read it: upload an Excel workbook (.xlsx)")
    })?;
    match book.worksheet_range_at(0) {
        Some(Ok(range)) => Ok(range),
        _ => Err(whole("工作簿中没有工作表", "The workbook has no sheet")),
    }
}

/// Reads and checks a workbook: every row, or every problem.
pub fn read_figures(bytes: &[u8], schema: &Schema, lang: Lang) -> Result<Vec<FiguresRow>, SheetErrors> {
    let say = |zh: &str, en: &str| match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    };
    let whole = |message: String| BTreeMap::from([("A1".to_owned(), message)]);
    let range = first_sheet(bytes, lang)?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = range.rows();
    let Some(header) = rows.next() else {
        return Err(whole(say("工作表是空的：第一行应为列名", "The sheet is empty: the first row names the columns")));
    };
    let mut errors = SheetErrors::new();
    let cell = |row: usize, col: usize| format!("{}{}", column_letter(left as usize + col), top as usize + row + 1);
    let mut columns = Vec::with_capacity(header.len());
    for (c, name) in header.iter().enumerate() {
        let name = text(name);
        match column(schema, &name) {
            Some(col) => columns.push(Some(col)),
            None if name.is_empty() => columns.push(None),
            None => {
                columns.push(None);
                errors.insert(
                    cell(0, c),
                    match lang {
                        Lang::Zh => format!(
                            "列名“{name}”不是可导入的存量指标（如“从业人员总数”），也不是单位代码、平台代码或年度"
                        ),
                        Lang::En => format!("“{name}” is not a stock figure of the report, nor unit, platform or year"),
                    },
                );
            }
        }
    }
    for (needed, zh, en) in
        [(Column::Unit, "单位代码", "unit"), (Column::Platform, "平台代码", "platform"), (Column::Year, "年度", "year")]
    {
        if !columns.iter().flatten().any(|c| std::mem::discriminant(c) == std::mem::discriminant(&needed)) {
            errors.insert(
                "A1".into(),
                match lang {
                    Lang::Zh => format!("缺少“{zh}”列"),
                    Lang::En => format!("The column “{en}” is missing"),
                },
            );
        }
    }
    let mut out: Vec<FiguresRow> = Vec::new();
    for (r, row) in rows.enumerate().map(|(i, row)| (i + 1, row)) {
        if row.iter().all(|d| text(d).is_empty()) {
            continue;
        }
        let mut found = FiguresRow { unit: String::new(), platform: String::new(), year: 0, values: Value::Null };
        let mut values = Map::new();
        let mut cells = BTreeMap::new();
        for (c, data) in row.iter().enumerate() {
            let Some(Some(col)) = columns.get(c) else { continue };
            let raw = text(data);
            match col {
                Column::Unit | Column::Platform if !is_slug(&raw) => {
                    errors.insert(
                        cell(r, c),
                        say(
                            &format!("“{raw}”不是有效代码：应为小写字母、数字、连字符或下划线"),
                            &format!("“{raw}” is no code: lowercase letters, digits, - or _"),
                        ),
                    );
                }
                Column::Unit => found.unit = raw,
                Column::Platform => found.platform = raw,
                Column::Year => match raw.parse::<i32>() {
                    Ok(y) if (2000..=2100).contains(&y) => found.year = y,
                    _ => {
                        errors.insert(
                            cell(r, c),
                            say(
                                &format!("年度“{raw}”应为四位年份，如 2022"),
                                &format!("Year “{raw}”: must be a year like 2022"),
                            ),
                        );
                    }
                },
                Column::Figure(field) if !raw.is_empty() => {
                    cells.insert(field.id().to_owned(), cell(r, c));
                    values.insert(field.id().to_owned(), Value::String(raw));
                }
                Column::Figure(_) => {}
            }
        }
        match schema.validate_draft(&Value::Object(values), lang) {
            Ok(checked) => found.values = checked,
            Err(e) => {
                for (path, message) in e.iter() {
                    let at = cells.get(path).cloned().unwrap_or_else(|| cell(r, 0));
                    errors.insert(at, message.to_owned());
                }
            }
        }
        if out.iter().any(|o| (&o.unit, &o.platform, o.year) == (&found.unit, &found.platform, found.year)) {
            errors.insert(
                cell(r, 0),
                say(
                    "与前面的行重复：同一平台同一年度只能有一行",
                    "Repeats an earlier row: one row per platform and year",
                ),
            );
        }
        out.push(found);
    }
    if out.is_empty() && errors.is_empty() {
        errors.insert("A2".into(), say("工作表中没有数据行", "The sheet has no rows of figures"));
    }
    if out.len() > MAX_IMPORT_ROWS {
        errors.insert(
            "A1".into(),
            match lang {
                Lang::Zh => format!("一次最多导入 {MAX_IMPORT_ROWS} 行，本表有 {} 行：请分批导入", out.len()),
                Lang::En => {
                    format!("At most {MAX_IMPORT_ROWS} rows at once, this sheet has {}: import it in parts", out.len())
                }
            },
        );
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// The column a header names: the three keys, or a stock field by label or id.
fn column<'a>(schema: &'a Schema, name: &str) -> Option<Column<'a>> {
    match name {
        "单位代码" | "unit" => return Some(Column::Unit),
        "平台代码" | "platform" => return Some(Column::Platform),
        "年度" | "year" => return Some(Column::Year),
        _ => {}
    }
    schema
        .fields()
        .iter()
        .filter(|f| f.aggregation().carries_forward() && !matches!(f.kind(), FieldType::File | FieldType::Month))
        .find(|f| f.id() == name || f.label(Lang::Zh) == name)
        .map(Column::Figure)
}

/// A cell as text: numbers as written (`120.5`, `40`), blanks empty.
pub(crate) fn text(data: &Data) -> String {
    match data {
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::String(s) => s.trim().to_owned(),
        Data::Bool(b) => b.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("{e:?}"),
        Data::Empty => String::new(),
    }
}

/// `A`, `B`, … `Z`, `AA` …: a column as spreadsheets name it.
pub(crate) fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::Workbook;

    fn sheet(rows: &[&[&str]]) -> Vec<u8> {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(n) if r > 0 => ws.write_number(r as u32, c as u16, n).map(|_| ()),
                    _ => ws.write_string(r as u32, c as u16, *v).map(|_| ()),
                }
                .unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    fn schema() -> &'static Schema {
        gazette_forms::schema("monthly-report").unwrap()
    }

    #[test]
    fn columns_are_named_as_spreadsheets_name_them() {
        assert_eq!([0, 2, 25, 26, 27].map(column_letter), ["A", "C", "Z", "AA", "AB"]);
    }

    #[test]
    fn a_good_sheet_gives_every_row_checked() {
        let bytes = sheet(&[
            &["单位代码", "平台代码", "年度", "平台名称", "从业人员总数", "仪器设备原值"],
            &["hebei-lab", "composites", "2022", "复合材料中心", "38", "812.5"],
            &["hebei-lab", "alloys", "2022", "合金中心", "12", ""],
        ]);
        let rows = read_figures(&bytes, schema(), Lang::Zh).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].year, rows[0].values["staff_total"].as_i64()), (2022, Some(38)));
        assert_eq!(rows[0].values["equipment_value"], serde_json::json!(812.5));
        assert_eq!(rows[0].values["platform_name"], "复合材料中心");
        assert!(rows[1].values.get("equipment_value").is_none(), "an empty cell imports nothing");
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let bytes = sheet(&[
            &["单位代码", "平台代码", "年度", "从业人员总数", "本月新进人员"],
            &["hebei-lab", "composites", "2022", "三十", ""],
            &["Hebei Lab", "alloys", "22", "-1", ""],
        ]);
        let e = read_figures(&bytes, schema(), Lang::Zh).unwrap_err();
        assert!(e["E1"].contains("本月新进人员"), "a flow is not imported: {e:?}");
        assert_eq!(e["D2"], "“从业人员总数”应为数字");
        assert!(e["A3"].contains("Hebei Lab"));
        assert!(e["C3"].contains("四位年份"));
        assert!(e["D3"].contains("从业人员总数"), "{e:?}");
    }

    #[test]
    fn what_is_no_workbook_is_refused_as_a_whole() {
        let e = read_figures(b"not a workbook", schema(), Lang::En).unwrap_err();
        assert!(e["A1"].contains(".xlsx"));
    }
}
