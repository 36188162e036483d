//! Lists as spreadsheets, with Chinese headers: registrations (seed 000:
//! administrators export learners' data "为 excel 表格"), and any table of text cells
//! ([`table_xlsx`]: a training plan's list for the unit to stamp, seed 001; a
//! report's figures, seed 002); files as downloads.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
        // Beijing time, as every time a person reads (stored in UTC).
        crate::lifecycle::time::exported(r.submitted_at),
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
    let rows: Vec<Vec<String>> = rows.iter().map(|r| row(r).to_vec()).collect();
    table_xlsx("报名名单", &[course_title.to_owned()], &HEADERS, &rows, &[])
}

/// The content type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook of one sheet named `sheet`: the `above` lines in bold, the `headers` in
/// bold, the `rows`, then the `below` lines (a contact, a line to sign and stamp).
/// Every cell is a string: phone numbers and IDs keep their leading zeros, and a cell
/// is never a formula.
pub fn table_xlsx(
    sheet_name: &str,
    above: &[String],
    headers: &[&str],
    rows: &[Vec<String>],
    below: &[String],
) -> Result<Vec<u8>, String> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(|e| e.to_string())?;
    let bold = Format::new().set_bold();
    let mut at = 0u32;
    for line in above {
        sheet.write_string_with_format(at, 0, line, &bold).map_err(|e| e.to_string())?;
        at += 1;
    }
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(at, col as u16, *header, &bold).map_err(|e| e.to_string())?;
    }
    at += 1;
    for cells in rows {
        for (col, cell) in cells.iter().enumerate() {
            sheet.write_string(at, col as u16, cell).map_err(|e| e.to_string())?;
        }
        at += 1;
    }
    for line in below {
        at += 1;
        sheet.write_string(at, 0, line).map_err(|e| e.to_string())?;
    }
    sheet.autofit();
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// `bytes` as a file to save (`attachment`) under `filename` (reduced to ASCII
/// letters, digits, `.` and `-`).
pub fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    file_response(bytes, content_type, filename, "attachment")
}

/// `bytes` as a file the browser shows (`inline`: a PDF opened in its viewer).
pub fn inline(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    file_response(bytes, content_type, filename, "inline")
}

fn file_response(bytes: Vec<u8>, content_type: &'static str, filename: &str, disposition: &str) -> Response {
    let disposition = format!(
        "{disposition}; filename=\"{}\"",
        filename.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-', "_")
    );
    let mut response = (StatusCode::OK, bytes).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::RegistrationStatus;

    fn submitted_at(utc: &str) -> Registration {
        let at: jiff::Timestamp = utc.parse().unwrap();
        Registration {
            id: "01J".into(),
            course: "ethics".into(),
            name: "张三".into(),
            organisation: "某研究所".into(),
            position: "研究员".into(),
            phone: "18612347239".into(),
            email: "z@example.org".into(),
            region: "hebei".into(),
            status: RegistrationStatus::Pending,
            note: None,
            receipt: "R".into(),
            account: None,
            unit: None,
            submitted_at: at,
            updated_at: at,
            version: 1,
        }
    }

    #[test]
    fn the_submission_time_is_exported_in_beijing_time() {
        // Submitted at 20:16 in Beijing: 12:16 UTC, as stored.
        let rows = [submitted_at("2026-11-23T12:16:05Z")];
        let text = String::from_utf8(csv(&rows).unwrap()).unwrap();
        assert!(text.contains(",2026-11-23 20:16:05,"), "{text}");
        assert!(!text.contains("12:16"), "{text}");
        // Late in the evening UTC is the next morning in Beijing.
        assert_eq!(row(&submitted_at("2026-12-31T17:00:00Z"))[9], "2027-01-01 01:00:00");
    }
}
