//! PDF versions of reports (seed 002: 经过系统检测通过后，生成 PDF 版平台月度绩效): A4
//! pages laid out from the same data as the report's page — a title, its facts, and
//! one table per part (项目 / 填报内容 / 单位) — with a Chinese face embedded, so the
//! file reads the same on any machine.
//!
//! Written with `krilla` (text shaped by rustybuzz, the face subset to the glyphs
//! used). The face is Noto Sans CJK SC cut down to GB 2312 (`fonts/`, SIL OFL 1.1),
//! compiled into the binary: the same PDF locally and on Lambda, no font installed.
//! A leaf module: it knows no workflow.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};

/// Noto Sans CJK SC, subset (see `fonts/subset.py`).
static FACE: &[u8] = include_bytes!("../fonts/NotoSansSC-Report.otf");
static FONT: LazyLock<Option<Font>> = LazyLock::new(|| Font::new(FACE.into(), 0));

/// A4 in points, and the margins (15 mm).
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 42.5;
const BODY: f32 = 10.0;
const LEADING: f32 = 1.5;
/// Column shares of a table row: 项目, 填报内容, 单位.
const COLUMNS: [f32; 3] = [0.45, 0.42, 0.13];

/// What a PDF report holds, in reading order.
#[derive(Debug, Clone, Default)]
pub struct PdfReport {
    /// The heading, also the document's title.
    pub title: String,
    /// Facts under the title (平台, 单位, 月份, 状态 …), as term and value.
    pub facts: Vec<(String, String)>,
    pub sections: Vec<Section>,
}

/// A titled table: each row label, value and unit; a value may hold line breaks.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    pub rows: Vec<[String; 3]>,
}

/// Why no PDF could be made (the face did not load, or writing failed).
#[derive(Debug, thiserror::Error)]
#[error("PDF: {0}")]
pub struct PdfError(String);

/// The report as PDF bytes.
pub fn render(report: &PdfReport) -> Result<Vec<u8>, PdfError> {
    let font = FONT.clone().ok_or_else(|| PdfError("the embedded face did not load".into()))?;
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(report.title.clone()).language("zh-CN".into()));
    let pages = layout(report);
    let count = pages.len();
    for (n, lines) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| PdfError("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for mark in lines {
            mark.draw(&mut surface, &font);
        }
        let folio = format!("第 {} 页，共 {count} 页", n + 1);
        Mark::Text { x: PAGE_W / 2.0 - width(&folio, 8.0) / 2.0, y: PAGE_H - MARGIN / 2.0, size: 8.0, text: folio }
            .draw(&mut surface, &font);
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError(format!("{e:?}")))
}

/// The marks of each page.
fn layout(report: &PdfReport) -> Vec<Vec<Mark>> {
    let mut pen = Pen { lines: Vec::new(), y: MARGIN, pages: Vec::new() };
    pen.text(&report.title, 16.0, MARGIN, PAGE_W - 2.0 * MARGIN);
    pen.y += 6.0;
    for (term, value) in &report.facts {
        pen.text(&format!("{term}：{value}"), BODY, MARGIN, PAGE_W - 2.0 * MARGIN);
    }
    for section in &report.sections {
        pen.y += 8.0;
        pen.keep(BODY * LEADING * 3.0);
        pen.text(&section.title, 12.0, MARGIN, PAGE_W - 2.0 * MARGIN);
        pen.rule();
        for row in &section.rows {
            pen.row(row);
        }
    }
    pen.pages.push(std::mem::take(&mut pen.lines));
    pen.pages
}

/// Something drawn on a page.
enum Mark {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rule {
        y: f32,
    },
}

impl Mark {
    fn draw(&self, surface: &mut Surface<'_>, font: &Font) {
        match self {
            Mark::Text { x, y, size, text } => {
                surface.set_fill(Some(Fill { paint: rgb::Color::new(11, 12, 12).into(), ..Fill::default() }));
                surface.set_stroke(None);
                surface.draw_text(Point::from_xy(*x, *y), font.clone(), *size, text, false, TextDirection::Auto);
            }
            Mark::Rule { y } => {
                let mut path = PathBuilder::new();
                path.move_to(MARGIN, *y);
                path.line_to(PAGE_W - MARGIN, *y);
                if let Some(path) = path.finish() {
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: rgb::Color::new(111, 119, 123).into(),
                        width: 0.5,
                        ..Stroke::default()
                    }));
                    surface.draw_path(&path);
                }
            }
        }
    }
}

/// Lays marks out top to bottom, starting a page where the next would not fit.
struct Pen {
    lines: Vec<Mark>,
    /// Top of the next line.
    y: f32,
    pages: Vec<Vec<Mark>>,
}

impl Pen {
    /// Starts a new page unless `height` still fits on this one.
    fn keep(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN {
            self.pages.push(std::mem::take(&mut self.lines));
            self.y = MARGIN;
        }
    }

    fn text(&mut self, text: &str, size: f32, x: f32, room: f32) {
        for line in wrap(text, size, room) {
            self.keep(size * LEADING);
            self.lines.push(Mark::Text { x, y: self.y + size, size, text: line });
            self.y += size * LEADING;
        }
    }

    fn rule(&mut self) {
        self.lines.push(Mark::Rule { y: self.y + 1.0 });
        self.y += 3.0;
    }

    /// A table row: three wrapped cells side by side, a rule below.
    fn row(&mut self, cells: &[String; 3]) {
        let room = PAGE_W - 2.0 * MARGIN;
        let wrapped: Vec<Vec<String>> =
            cells.iter().zip(COLUMNS).map(|(c, share)| wrap(c, BODY, room * share - 6.0)).collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * BODY * LEADING;
        self.keep(height + 3.0);
        let mut x = MARGIN;
        for (lines, share) in wrapped.into_iter().zip(COLUMNS) {
            for (i, line) in lines.into_iter().enumerate() {
                let y = self.y + BODY + i as f32 * BODY * LEADING;
                self.lines.push(Mark::Text { x, y, size: BODY, text: line });
            }
            x += room * share;
        }
        self.y += height;
        self.rule();
    }
}

/// The width of `text` at `size`, near enough to break lines: CJK characters and
/// full-width forms are square, the rest about half as wide.
fn width(text: &str, size: f32) -> f32 {
    text.chars().map(|c| if c.is_ascii() || (c as u32) < 0x2E80 { 0.6 } else { 1.0 }).sum::<f32>() * size
}

/// `text` broken into lines of at most `room` points: at its own line breaks, and
/// wherever a line would overflow (between any two characters, as Chinese is set).
fn wrap(text: &str, size: f32, room: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for c in paragraph.chars() {
            line.push(c);
            if width(&line, size) > room && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_a_pdf_with_the_face_embedded() {
        let report = PdfReport {
            title: "河北省复合材料技术创新中心 2023-01 月度绩效".into(),
            facts: vec![("单位".into(), "hebei-materials-lab".into())],
            sections: vec![Section {
                title: "人员队伍".into(),
                rows: vec![["从业人员总数".into(), "40".into(), "人".into()]],
            }],
        };
        let pdf = render(&report).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/FontFile3") || text.contains("/FontFile2"), "the face is embedded");
        assert!(pdf.len() < 400_000, "the face is subset to the glyphs used: {} bytes", pdf.len());
    }

    #[test]
    fn long_text_wraps_and_many_rows_take_several_pages() {
        let lines = wrap(&"重大技术突破".repeat(40), BODY, 100.0);
        assert!(lines.len() > 10 && lines.iter().all(|l| width(l, BODY) <= 100.0));
        let rows = (0..200).map(|i| [format!("第 {i} 项"), i.to_string(), "项".into()]).collect();
        let report =
            PdfReport { title: "t".into(), facts: vec![], sections: vec![Section { title: "s".into(), rows }] };
        let pages = layout(&report);
        assert!(pages.len() >= 5, "200 rows of 15 pt: {} pages", pages.len());
        assert!(pages.iter().all(|p| p.iter().all(|m| match m {
            Mark::Text { y, .. } | Mark::Rule { y } => *y <= PAGE_H - MARGIN + 1.0,
        })));
    }
}
