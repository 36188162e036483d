//! Every kind of content error is reported as `file:line: field: message`, all at
//! once, and stops the build before anything is written.

use std::fs;

use gazette_site::BuildError;
use gazette_site::build::load_checked;
use gazette_site::config::Language;

const NOTICE: &str = r#"+++
title = "关于举办培训的通知"
doc_number = "国科办监〔2022〕83号"
issuers = ["科技部办公厅"]
written = 2022-06-20
published = 2022-06-20
disclosure = "主动公开"
+++

各有关单位：正文。
"#;

const COURSE: &str = r#"+++
title = "科技伦理审查实务"
category = "科技伦理"
kind = "专题培训"
required = false
hours = 3.0
start = 2022-07-05
end = 2022-07-06
mode = "线上"
provider = "科技部科技评估中心"
+++

课程介绍。
"#;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }
    dir
}

/// The errors of checking a project, as printed lines, in English.
fn errors(files: &[(&str, &str)]) -> Vec<String> {
    errors_in(Language::En, files)
}

/// The errors of checking a project, as printed lines in `language`.
fn errors_in(language: Language, files: &[(&str, &str)]) -> Vec<String> {
    let dir = project(files);
    match load_checked(dir.path()) {
        Ok(_) => Vec::new(),
        Err(BuildError::Content(errors)) => errors.iter().map(|e| e.localized(language)).collect(),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

fn assert_has(errors: &[String], expected: &str) {
    assert!(
        errors.iter().any(|e| e.starts_with(expected)),
        "expected an error starting with\n  {expected}\ngot\n  {}",
        errors.join("\n  ")
    );
}

#[test]
fn valid_content_has_no_errors() {
    assert_eq!(errors(&[("content/notices/a.md", NOTICE), ("content/courses/c.md", COURSE)]), Vec::<String>::new());
}

#[test]
fn unknown_field_is_an_error_with_a_suggestion() {
    let text = NOTICE.replace("disclosure =", "disclosur =");
    let errors = errors(&[("content/notices/a.md", &text)]);
    assert_has(&errors, "content/notices/a.md:7: disclosur: unknown field (did you mean `disclosure`?)");
    assert_has(&errors, "content/notices/a.md:1: disclosure: required field is missing");
}

#[test]
fn missing_required_field_names_the_field() {
    let text = NOTICE.replace("issuers = [\"科技部办公厅\"]\n", "");
    assert_has(
        &errors(&[("content/notices/a.md", &text)]),
        "content/notices/a.md:1: issuers: required field is missing",
    );
}

#[test]
fn bad_dates_are_errors() {
    let quoted = NOTICE.replace("written = 2022-06-20", "written = \"2022/06/20\"");
    assert_has(
        &errors(&[("content/notices/a.md", &quoted)]),
        "content/notices/a.md:5: written: expected a date like 2022-06-20",
    );
    let impossible = NOTICE.replace("published = 2022-06-20", "published = 2022-02-30");
    let errors = errors(&[("content/notices/a.md", &impossible)]);
    assert!(errors.iter().any(|e| e.starts_with("content/notices/a.md:6:")), "{errors:?}");
}

#[test]
fn malformed_doc_number_is_an_error() {
    let text = NOTICE.replace("国科办监〔2022〕83号", "国科办监2022年83号");
    assert_has(
        &errors(&[("content/notices/a.md", &text)]),
        "content/notices/a.md:3: doc_number: \"国科办监2022年83号\": no year in brackets",
    );
}

#[test]
fn duplicate_doc_number_names_both_files() {
    let errors = errors(&[("content/notices/a.md", NOTICE), ("content/notices/b.md", NOTICE)]);
    assert_has(
        &errors,
        "content/notices/b.md:3: doc_number: 国科办监〔2022〕83号 is already used by content/notices/a.md (line 3)",
    );
}

#[test]
fn duplicate_url_is_an_error() {
    let errors =
        errors(&[("content/notices/a.md", NOTICE), ("content/notices/a/index.md", &NOTICE.replace("83号", "84号"))]);
    assert!(errors.iter().any(|e| e.contains(": url: /notices/a/ is also produced by")), "{errors:?}");
}

#[test]
fn link_to_missing_page_is_an_error_on_its_line() {
    let text = format!("{NOTICE}\n参见[课程](/courses/none/)。\n");
    assert_has(
        &errors(&[("content/notices/a.md", &text)]),
        "content/notices/a.md:12: link: /courses/none/: no page or file has this URL",
    );
}

#[test]
fn link_to_missing_anchor_is_an_error() {
    let text = format!("{NOTICE}\n参见[第一节](/courses/c/#s9)。\n");
    let errors = errors(&[("content/notices/a.md", &text), ("content/courses/c.md", COURSE)]);
    assert_has(
        &errors,
        "content/notices/a.md:12: link: /courses/c/#s9: content/courses/c.md has no heading with anchor #s9",
    );
}

#[test]
fn missing_attachment_file_is_an_error() {
    let text = NOTICE.replace("+++\n\n", "\n[[attachments]]\ntitle = \"附件1\"\nfile = \"fujian1.pdf\"\n+++\n\n");
    let errors = errors(&[("content/notices/a/index.md", &text)]);
    assert_has(&errors, "content/notices/a/index.md:9: attachments: file \"fujian1.pdf\" is not in the page's folder");
}

#[test]
fn link_to_missing_attachment_is_an_error() {
    let text = format!("{NOTICE}见[附件2](fujian2.pdf)。\n");
    let errors = errors(&[("content/notices/a/index.md", &text)]);
    assert_has(&errors, "content/notices/a/index.md:11: link: fujian2.pdf: no such attachment");
}

#[test]
fn deadline_before_written_date_is_an_error() {
    let text = NOTICE.replace("disclosure = \"主动公开\"", "disclosure = \"主动公开\"\ndeadline = 2022-06-01");
    assert_has(
        &errors(&[("content/notices/a.md", &text)]),
        "content/notices/a.md:8: deadline: deadline 2022-06-01 is before the written date 2022-06-20",
    );
}

#[test]
fn value_outside_the_allowed_set_lists_the_allowed_ones() {
    let text = COURSE.replace("mode = \"线上\"", "mode = \"网络\"");
    assert_has(
        &errors(&[("content/courses/c.md", &text)]),
        "content/courses/c.md:9: mode: \"网络\" is not one of: 线上, 线下, 线上线下",
    );
}

#[test]
fn course_reference_and_form_must_exist() {
    let text = NOTICE
        .replace("disclosure = \"主动公开\"", "disclosure = \"主动公开\"\nform = \"registration\"\ncourse = \"nope\"");
    let errors = errors(&[("content/notices/a.md", &text)]);
    assert_has(&errors, "content/notices/a.md:9: course: no course \"nope\"");
    assert_has(&errors, "content/notices/a.md:8: form: no form \"registration\"");
}

#[test]
fn bad_slug_and_stray_folder_are_errors() {
    let errors = errors(&[("content/notices/Bad_Name.md", NOTICE), ("content/news/x.md", NOTICE)]);
    assert_has(&errors, "content/notices/Bad_Name.md:1: slug:");
    assert_has(&errors, "content/news:1: path: not a content folder");
}

#[test]
fn every_error_in_every_file_is_reported_at_once() {
    let broken = NOTICE
        .replace("written = 2022-06-20", "written = 20220620")
        .replace("disclosure = \"主动公开\"", "disclosure = \"公开\"");
    let errors = errors(&[
        ("content/notices/a.md", &broken),
        ("content/courses/c.md", &COURSE.replace("hours = 3.0", "hours = \"三\"")),
    ]);
    assert_eq!(errors.len(), 3, "{errors:#?}");
}

#[test]
fn toml_syntax_error_points_at_its_line() {
    let text = NOTICE.replace("title = \"关于举办培训的通知\"", "title = \"unterminated");
    let errors = errors(&[("content/notices/a.md", &text)]);
    assert_has(&errors, "content/notices/a.md:2: front matter: invalid TOML");
}
