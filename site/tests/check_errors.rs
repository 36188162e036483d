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

const CASE: &str = "+++\ntitle = \"重构高校人才评价体系\"\nregion = \"北京市\"\nprovider = \"教育部\"\ncategory = \"人才评价\"\ndate = 2021-08-05\nsummary = \"简介。\"\n+++\n\n";

#[test]
fn script_link_in_a_case_is_an_error_on_its_line() {
    let text = format!("{CASE}正文。\n\n[实施方案](javascript://%0Aalert(document.domain))\n");
    assert_has(
        &errors(&[("content/cases/anli/index.md", &text)]),
        "content/cases/anli/index.md:12: link: javascript://%0Aalert(document.domain): `javascript:` links are not allowed",
    );
}

#[test]
fn every_unsafe_scheme_is_an_error_for_links_and_images() {
    let text = format!(
        "{NOTICE}[a](VBScript:msgbox(1))\n![b](data:image/svg+xml;base64,PHN2Zz4=)\n[c](&#106;avascript:alert(1))\n[d](java&#9;script:alert(1))\n"
    );
    let errors = errors(&[("content/notices/a.md", &text)]);
    assert_has(&errors, "content/notices/a.md:11: link: VBScript:msgbox(1): `vbscript:` links are not allowed");
    assert_has(&errors, "content/notices/a.md:12: link: data:image/svg+xml;base64,PHN2Zz4=: `data:` links");
    assert_has(&errors, "content/notices/a.md:13: link: javascript:alert(1): `javascript:` links");
    assert_has(&errors, "content/notices/a.md:14: link: java\tscript:alert(1): `javascript:` links");
}

#[test]
fn contact_email_must_be_an_address() {
    let text = NOTICE.replace(
        "+++\n\n",
        "\n[[contacts]]\nname = \"韩勇\"\nemail = \"javascript:alert(1)\"\nphone = \"010-62165119\"\n+++\n\n",
    );
    assert_has(
        &errors(&[("content/notices/a.md", &text)]),
        "content/notices/a.md:11: contacts[1].email: \"javascript:alert(1)\" is not an e-mail address",
    );
}

#[test]
fn missing_image_in_a_bundle_is_an_error_naming_the_file() {
    let text = format!("{NOTICE}![办理流程图](liucheng.png)\n");
    assert_has(
        &errors(&[("content/notices/liucheng-tu/index.md", &text)]),
        "content/notices/liucheng-tu/index.md:11: link: liucheng.png: no such image beside the page",
    );
    let outside = format!("{NOTICE}![办理流程图](liucheng.png)\n[上级](../other/fujian.txt)\n");
    let errors = errors(&[("content/notices/a.md", &outside)]);
    assert_has(&errors, "content/notices/a.md:11: link: liucheng.png: no such image: files live in the page's bundle");
    assert_has(&errors, "content/notices/a.md:12: link: ../other/fujian.txt: a relative link may only name a file");
}

#[test]
fn control_character_in_the_first_paragraph_is_an_error_on_its_line() {
    let text = format!("{NOTICE}为深入贯彻\u{10}落实有关要求。\n");
    assert_has(
        &errors(&[("content/notices/a.md", &text)]),
        "content/notices/a.md:11: body: control character U+0010 (col 6) that pages and feeds cannot carry",
    );
}

#[test]
fn control_characters_in_front_matter_name_the_field() {
    let escaped = NOTICE.replace("title = \"关于举办培训的通知\"", "title = \"关于举办\\u001B培训的通知\"");
    assert_has(
        &errors(&[("content/notices/a.md", &escaped)]),
        "content/notices/a.md:2: title: contains control characters that pages and feeds cannot carry, U+001B",
    );
    let raw = NOTICE.replace("issuers = [\"科技部办公厅\"]", "issuers = [\"科技部\u{7f}办公厅\"]");
    assert_has(&errors(&[("content/notices/a.md", &raw)]), "content/notices/a.md:4: issuers: control character U+007F");
    let contact = NOTICE.replace("+++\n\n", "\n[[contacts]]\nname = \"韩\u{85}勇\"\n+++\n\n");
    let errors = errors(&[("content/notices/a.md", &contact)]);
    assert_eq!(
        errors,
        vec![
            "content/notices/a.md:10: contacts[1].name: control character U+0085 (col 10) that pages and feeds cannot carry (text pasted from PDFs often has them): delete it"
        ]
    );
}

#[test]
fn raw_html_that_would_show_as_text_is_an_error() {
    let text = format!("{NOTICE}<font color=\"red\">重要</font>\n\n一式两份<br>加盖公章<!-- 备注 -->\n");
    let errors = errors(&[("content/notices/a.md", &text)]);
    assert_has(&errors, "content/notices/a.md:11: body: HTML <font color=\"red\"> is not allowed");
    assert!(!errors.iter().any(|e| e.contains("<br>") && e.contains(":13:")), "<br> is allowed: {errors:#?}");
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn percent_encoded_link_to_an_attachment_with_a_space_passes() {
    let text = NOTICE
        .replace("+++\n\n", "\n[[attachments]]\ntitle = \"申报指南\"\nfile = \"附件1 申报指南.txt\"\n+++\n\n")
        + "[附件1](附件1%20申报指南.txt) [同一文件](<附件1 申报指南.txt>)\n";
    let dir = project(&[("content/notices/a/index.md", &text), ("content/notices/a/附件1 申报指南.txt", "指南")]);
    let (library, _) = load_checked(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let page = library.get("/notices/a/").expect("page");
    assert_eq!(page.attachments[0].url, "/notices/a/%E9%99%84%E4%BB%B61%20%E7%94%B3%E6%8A%A5%E6%8C%87%E5%8D%97.txt");
    let wrong = errors(&[
        ("content/notices/a/index.md", &text.replace("%20申报", "%20指南")),
        ("content/notices/a/附件1 申报指南.txt", "指南"),
    ]);
    assert!(wrong.iter().any(|e| e.contains("no such attachment beside the page")), "{wrong:#?}");
}

#[test]
fn missing_same_page_anchor_is_named_as_an_anchor() {
    let text = format!("{NOTICE}### 一、培训内容\n\n见[本文第一部分](#s1)和[第二部分](#s2)。\n");
    let errors = errors(&[("content/notices/a.md", &text)]);
    assert_eq!(errors, vec!["content/notices/a.md:13: link: #s2: no heading on this page has the anchor #s2"]);
}

#[test]
fn link_into_an_appendix_breaks_loudly_not_silently() {
    let policy = |body: &str| {
        NOTICE
            .replace("国科办监〔2022〕83号", "科协发组字〔2020〕17号")
            .replace("+++\n\n", "status = \"现行有效\"\n+++\n\n")
            + body
    };
    let before = policy("## 一、总体要求\n### （一）指导思想\n## 二、主要任务\n# 附件\n## 一、填报说明\n");
    let link = format!("{NOTICE}见[填报说明](/policies/p/#a1-1)和[指导思想](/policies/p/#s1-1)。\n");
    assert_eq!(errors(&[("content/policies/p.md", &before), ("content/notices/a.md", &link)]), Vec::<String>::new());
    let old_dedup = format!("{NOTICE}见[填报说明](/policies/p/#s1-2)。\n");
    assert_has(
        &errors(&[("content/policies/p.md", &before), ("content/notices/a.md", &old_dedup)]),
        "content/notices/a.md:11: link: /policies/p/#s1-2: content/policies/p.md has no heading with anchor #s1-2",
    );
}

#[test]
fn front_matter_delimiters_may_carry_trailing_spaces_a_bom_and_crlf() {
    let spaces = NOTICE.replacen("+++\n", "+++  \n", 1).replacen("\n+++\n", "\n+++\t \n", 1);
    let crlf = format!("\u{feff}{}", NOTICE.replace('\n', "\r\n").replacen("+++\r\n", "+++ \r\n", 1));
    assert_eq!(
        errors(&[("content/notices/a.md", &spaces), ("content/notices/b.md", &crlf.replace("83号", "84号"))]),
        Vec::<String>::new()
    );
    assert_has(
        &errors(&[("content/notices/a.md", &NOTICE.replacen("+++\n", "++\n", 1))]),
        "content/notices/a.md:1: front matter: missing",
    );
}

#[test]
fn messages_follow_the_sites_language() {
    let text = NOTICE
        .replace("disclosure = \"主动公开\"", "disclosure = \"主动公开\"\ndeadline = 2022-06-01\ncolour = \"red\"");
    let errors = errors_in(Language::Zh, &[("content/notices/a.md", &text)]);
    assert_has(&errors, "content/notices/a.md:8: deadline: 截止日期 2022-06-01 早于成文日期 2022-06-20");
    assert_has(&errors, "content/notices/a.md:9: colour: 未知字段");
    let missing =
        errors_in(Language::Zh, &[("content/notices/a.md", &NOTICE.replace("issuers = [\"科技部办公厅\"]\n", ""))]);
    assert_has(&missing, "content/notices/a.md:1: issuers: 缺少必填字段：请填写");
}

#[test]
fn summary_skips_the_salutation() {
    let dir = project(&[("content/notices/a.md", NOTICE)]);
    let (library, _) = load_checked(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(library.get("/notices/a/").expect("page").summary, "各有关单位：正文。", "one paragraph stays");
    let text = NOTICE.replace("各有关单位：正文。", "各有关单位：\n\n为深入贯彻落实有关要求，现通知如下。");
    let dir = project(&[("content/notices/a.md", &text)]);
    let (library, _) = load_checked(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(library.get("/notices/a/").expect("page").summary, "为深入贯彻落实有关要求，现通知如下。");
}

#[test]
fn site_path_to_another_pages_file_must_exist() {
    let bundle = NOTICE
        .replace("83号", "84号")
        .replace("+++\n\n", "\n[[attachments]]\ntitle = \"名单\"\nfile = \"ming dan.csv\"\n+++\n\n");
    let linking = format!("{NOTICE}见[名单](/notices/b/ming%20dan.csv)和[旧名单](/notices/b/old.csv)。\n");
    let errors = errors(&[
        ("content/notices/a.md", &linking),
        ("content/notices/b/index.md", &bundle),
        ("content/notices/b/ming dan.csv", "a,b\n"),
    ]);
    assert_eq!(errors, vec!["content/notices/a.md:11: link: /notices/b/old.csv: no page or file has this URL"]);
}

#[test]
fn a_lessons_bad_duration_and_missing_title_name_file_line_and_field() {
    let lesson = "+++\nduration = \"00:75:00\"\n+++\n\n正文。\n";
    let errors = errors(&[("content/courses/c/index.md", COURSE), ("content/courses/c/01-intro.md", lesson)]);
    assert_has(&errors, "content/courses/c/01-intro.md:2: duration: \"00:75:00\" is not a duration");
    assert_has(&errors, "content/courses/c/01-intro.md:1: title:");
}

#[test]
fn a_lesson_inside_a_course_bundle_is_loaded_in_order_and_markdown_in_other_bundles_is_still_an_error() {
    let lesson = |title: &str, order: u32| {
        format!("+++\ntitle = \"{title}\"\nduration = \"00:20:00\"\norder = {order}\n+++\n\n正文。\n")
    };
    let dir = project(&[
        ("content/courses/c/index.md", COURSE),
        ("content/courses/c/b-second.md", &lesson("第二节", 2)),
        ("content/courses/c/a-first.md", &lesson("第一节", 1)),
    ]);
    let (library, _) = load_checked(dir.path()).expect("a course with lessons checks");
    let lessons: Vec<(&str, u32, &str)> =
        library.lessons_of("c").map(|l| (l.title.as_str(), l.duration_secs, l.url.as_str())).collect();
    assert_eq!(lessons, [("第一节", 1200, "/courses/c/a-first/"), ("第二节", 1200, "/courses/c/b-second/")]);
    let errors = errors(&[("content/notices/n/index.md", NOTICE), ("content/notices/n/extra.md", &lesson("x", 1))]);
    assert_has(&errors, "content/notices/n/extra.md:1: path: Markdown inside a bundle is not a page");
}
