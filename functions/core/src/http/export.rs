//! Registration lists as spreadsheets, with Chinese headers (seed 000: administrators
//! export learners' data "为 excel 表格").

use rust_xlsxwriter::{Format, Workbook};

use crate::workflows::Registration;

pub const HEADERS: [&str; 11] =
    ["编号", "课程", "姓名", "单位", "职务/职称", "联系电话", "邮箱", "地区", "状态", "提交时间", "审核意见"];

fn row(r: &Registration) -> [String; 11] {
    [
        r.id.clone(),
        r.course.clone(),
        r.name.clone(),
        r.organisation.clone(),
        r.position.clone(),
        r.phone.clone(),
        r.email.clone(),
        crate::validation::region_label(&r.region, crate::http::Lang::Zh),
        r.status.label_zh().to_owned(),
        r.submitted_at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
        r.note.clone().unwrap_or_default(),
    ]
}

/// Cells that a spreadsheet would run as formulas are prefixed with `'` (CSV injection).
fn defuse(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@']) { format!("'{cell}") } else { cell }
}

/// CSV with a UTF-8 byte-order mark, so Excel opens the Chinese correctly.
pub fn csv(rows: &[Registration]) -> Result<Vec<u8>, String> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(HEADERS).map_err(|e| e.to_string())?;
        for r in rows {
            w.write_record(row(r).map(defuse)).map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

pub fn xlsx(course_title: &str, rows: &[Registration]) -> Result<Vec<u8>, String> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("报名名单").map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, course_title, &bold).map_err(|e| e.to_string())?;
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, *header, &bold).map_err(|e| e.to_string())?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (col, cell) in row(r).iter().enumerate() {
            // Strings, always: phone numbers and IDs must keep their leading zeros.
            sheet.write_string(i as u32 + 2, col as u16, cell).map_err(|e| e.to_string())?;
        }
    }
    sheet.autofit();
    book.save_to_buffer().map_err(|e| e.to_string())
}
