use serde_json::json;

use super::*;

fn valid() -> Value {
    json!({
        "title": "重构高校高层次人才评价体系",
        "region": "shanxi",
        "provider": "山西省科技厅",
        "category": "evaluation",
        "date": "2021/8/5",
        "source_url": "https://www.most.gov.cn/case/1.html",
        "summary": "以“三评”改革为抓手，破除“四唯”，建立分类评价体系。",
        "body": "## 一、背景\r\n\r\n为深入贯彻落实《关于完善科技成果评价机制的指导意见》，该校……\r\n\r\n## 二、做法\r\n\r\n1. 分类评价。",
        "attachments": [file("fangan.pdf", 120_000, "application/pdf"), file("tupian.PNG", 80_000, "image/png")]
    })
}

#[test]
fn a_valid_case_passes_and_is_normalised() {
    let out = ok(form("case-upload"), &valid());
    assert_eq!(out["date"], "2021-08-05", "lenient dates become ISO");
    assert!(!out["body"].as_str().unwrap_or_default().contains('\r'), "line breaks become \\n");
    assert_eq!(out["attachments"].as_array().map(Vec::len), Some(2));
    assert_eq!(out["attachments"][0]["key"], "uploads/test/fangan.pdf");
}

#[test]
fn optional_fields_may_be_left_empty() {
    let out = ok(
        form("case-upload"),
        &with(&valid(), &[("date", json!("")), ("source_url", json!(null)), ("attachments", json!([]))]),
    );
    assert_eq!(out["date"], "");
    assert_eq!(out["attachments"], json!([]));
}

#[test]
fn the_summary_and_body_lengths_are_limited() {
    let s = form("case-upload");
    let e = errors(s, &with(&valid(), &[("summary", json!("字".repeat(301))), ("body", json!("太短"))]), Lang::Zh);
    assert_eq!(e.get("summary"), Some("“摘要”不能超过 300 个字"));
    assert_eq!(e.get("body"), Some("“案例正文”不能少于 50 个字"));
    assert_eq!(s.field("body").unwrap().format(), Some(crate::Format::Markdown));
}

#[test]
fn a_link_must_be_a_web_address() {
    let s = form("case-upload");
    let e = errors(s, &with(&valid(), &[("source_url", json!("ftp://example.org/a"))]), Lang::Zh);
    assert!(e.contains("source_url"));
    let e = errors(s, &with(&valid(), &[("source_url", json!("www.example.org"))]), Lang::En);
    assert!(e.get("source_url").is_some_and(|m| m.starts_with("Link to the original: ")));
}

#[test]
fn dates_must_be_real_and_not_before_the_minimum() {
    let s = form("case-upload");
    let e = errors(s, &with(&valid(), &[("date", json!("2023-02-30"))]), Lang::Zh);
    assert_eq!(e.get("date"), Some("“案例日期”应为有效日期，格式如 2023-01-31"));
    let e = errors(s, &with(&valid(), &[("date", json!("1999-12-31"))]), Lang::En);
    assert_eq!(e.get("date"), Some("Date of the case: must be 2000-01-01 or later"));
    ok(s, &with(&valid(), &[("date", json!("2022年6月20日"))]));
}

#[test]
fn attachments_are_checked_for_type_size_and_number() {
    let s = form("case-upload");
    let e = errors(
        s,
        &with(&valid(), &[("attachments", json!([file("virus.exe", 10, "application/x-msdownload")]))]),
        Lang::Zh,
    );
    assert_eq!(
        e.get("attachments"),
        Some("“附件”文件类型不符合要求，只接受 .pdf、.doc、.docx、.xls、.xlsx、.jpg、.jpeg、.png")
    );
    let e = errors(
        s,
        &with(&valid(), &[("attachments", json!([file("big.pdf", 20 * 1024 * 1024 + 1, "application/pdf")]))]),
        Lang::En,
    );
    assert_eq!(e.get("attachments"), Some("Attachments: the file must be smaller than 20 MB"));
    let six: Vec<Value> = (0..6).map(|i| file(&format!("{i}.pdf"), 10, "application/pdf")).collect();
    let e = errors(s, &with(&valid(), &[("attachments", json!(six))]), Lang::Zh);
    assert_eq!(e.get("attachments"), Some("“附件”最多上传 5 个文件"));
    let e = errors(s, &with(&valid(), &[("attachments", json!([{ "name": "a.pdf", "size": 10 }]))]), Lang::Zh);
    assert!(
        e.get("attachments").is_some_and(|m| m.contains("重新上传")),
        "a file without its storage key is incomplete"
    );
    let e = errors(s, &with(&valid(), &[("attachments", json!([file("empty.pdf", 0, "application/pdf")]))]), Lang::Zh);
    assert!(e.get("attachments").is_some_and(|m| m.contains("文件为空")));
}

#[test]
fn a_draft_case_checks_only_what_is_there() {
    let s = form("case-upload");
    let out = s.validate_draft(&json!({ "title": " 草稿 " }), Lang::Zh).unwrap();
    assert_eq!(out, json!({ "title": "草稿" }));
    let e = s.validate_draft(&json!({ "category": "nonsense" }), Lang::Zh).unwrap_err();
    assert_eq!(e.paths().collect::<Vec<_>>(), ["category"]);
}
