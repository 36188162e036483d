//! What a build publishes: every file a page refers to, links and HTML as the
//! rules allow, and feeds, calendar and sitemap that readers' tools accept.

use std::fs;
use std::path::Path;
use std::process::Command;

use gazette_site::{BuildError, build_site};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

/// A project with the repository's config, templates and static files and the
/// given content files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::copy(repo().join("gazette.toml"), dir.path().join("gazette.toml")).expect("config");
    copy_dir(&repo().join("templates"), &dir.path().join("templates"));
    copy_dir(&repo().join("static"), &dir.path().join("static"));
    for (path, text) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }
    dir
}

fn build(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("public");
    if let Err(error) = build_site(dir, &out) {
        let details = match &error {
            BuildError::Content(errors) => errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
            _ => String::new(),
        };
        panic!("build failed: {error}\n{details}");
    }
    out
}

fn read(out: &Path, path: &str) -> String {
    fs::read_to_string(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

const NOTICE: &str = "+++\ntitle = \"关于办理流程的通知\"\nissuers = [\"科技部办公厅\"]\nwritten = 2022-06-20\npublished = 2022-06-21\ndisclosure = \"主动公开\"\ndeadline = 2022-07-31\n\n[[attachments]]\ntitle = \"申报指南\"\nfile = \"附件1 申报指南.txt\"\n+++\n\n各有关单位：\n\n请按流程办理，见下图。\n\n![办理流程图](liucheng.png)\n\n<!-- 内部备注：联系人电话待核实，发布前删除 -->\n\n| 材料 | 要求 |\n|---|---|\n| 申请表 | 一式两份<br>加盖公章 |\n\n另见[材料清单](cailiao%20qingdan.csv)和[附件1](附件1%20申报指南.txt)。\n\n**（一）坚持问题导向。**聚焦突出问题。\n";

const COURSE: &str = "+++\ntitle = \"科技伦理审查实务\"\ncategory = \"科技伦理\"\nkind = \"专题培训\"\nrequired = false\nhours = 3.0\nstart = 2099-07-05\nend = 2099-07-06\nmode = \"线下\"\nplace = \"北京市海淀区; 复兴路, 15号\"\nregistration_opens = 2099-06-01\nregistration_closes = 2099-07-01\nprovider = \"科技部科技评估中心\"\nsummary = \"面向科研管理人员的伦理审查实务课程。\"\n+++\n\n课程介绍。\n";

fn site() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = project(&[
        ("content/notices/liucheng-tu/index.md", NOTICE),
        ("content/notices/liucheng-tu/liucheng.png", "png"),
        ("content/notices/liucheng-tu/cailiao qingdan.csv", "材料,份数\n"),
        ("content/notices/liucheng-tu/附件1 申报指南.txt", "指南"),
        ("content/courses/lunli-shencha.md", COURSE),
    ]);
    let out = build(dir.path());
    (dir, out)
}

#[test]
fn every_file_a_page_refers_to_is_published() {
    let (_dir, out) = site();
    assert!(out.join("notices/liucheng-tu/liucheng.png").is_file(), "the image shown but not listed");
    assert!(out.join("notices/liucheng-tu/cailiao qingdan.csv").is_file(), "a linked file not listed");
    assert!(out.join("notices/liucheng-tu/附件1 申报指南.txt").is_file(), "the listed attachment");
}

#[test]
fn pages_carry_encoded_links_allowed_html_and_no_comments() {
    let (_dir, out) = site();
    let page = read(&out, "notices/liucheng-tu/index.html");
    assert!(page.contains(r#"<img src="liucheng.png" alt="办理流程图">"#), "{page}");
    assert!(page.contains("一式两份<br>加盖公章"), "{page}");
    assert!(!page.contains("内部备注"), "an editor's comment was published");
    assert!(page.contains("<strong>（一）坚持问题导向。</strong>聚焦突出问题。"));
    let encoded = "%E9%99%84%E4%BB%B61%20%E7%94%B3%E6%8A%A5%E6%8C%87%E5%8D%97.txt";
    // Templates escape `/` as `&#x2F;` inside attributes; browsers read it as `/`.
    let href = format!(r#"href="&#x2F;notices&#x2F;liucheng-tu&#x2F;{encoded}""#);
    assert!(page.contains(&href), "attachment list: {page}");
    assert!(page.contains(r#"href="cailiao%20qingdan.csv""#), "{page}");
    assert!(!page.contains("申报指南.txt\""), "an unencoded href: {page}");
}

#[test]
fn feeds_parse_and_each_kind_has_its_own_title() {
    let (_dir, out) = site();
    for (path, title) in [
        ("atom.xml", "科技管理公开信息平台"),
        ("notices/atom.xml", "科技管理公开信息平台 · 通知公告"),
        ("courses/atom.xml", "科技管理公开信息平台 · 培训课程"),
        ("policies/atom.xml", "科技管理公开信息平台 · 政策文件"),
        ("cases/atom.xml", "科技管理公开信息平台 · 典型案例"),
    ] {
        let text = read(&out, path);
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        let feed_title = doc.root_element().children().find(|n| n.has_tag_name("title")).and_then(|n| n.text());
        assert_eq!(feed_title, Some(title), "{path}");
    }
}

#[test]
fn feed_dates_are_publication_dates_never_in_the_future() {
    let (_dir, out) = site();
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8))).date().to_string();
    let notices = read(&out, "notices/atom.xml");
    assert!(notices.contains("<updated>2022-06-21T00:00:00+08:00</updated>"), "published, not written: {notices}");
    let courses = read(&out, "courses/atom.xml");
    assert!(!courses.contains("2099"), "a course starting in 2099 is not dated in 2099: {courses}");
    assert!(courses.contains(&format!("<updated>{today}T00:00:00+08:00</updated>")), "{courses}");
}

#[test]
fn calendar_has_locations_descriptions_deadlines_and_a_real_stamp() {
    let (_dir, out) = site();
    let ics = read(&out, "calendar.ics");
    assert!(!ics.contains("DTSTAMP:20000101T000000Z"), "a constant stamp");
    let stamp = ics.lines().find_map(|l| l.strip_prefix("DTSTAMP:")).expect("DTSTAMP");
    assert!(stamp.len() == 16 && stamp.ends_with('Z') && stamp.starts_with("20"), "{stamp}");
    assert!(ics.contains("LOCATION:北京市海淀区\\; 复兴路\\, 15号\r\n"), "escaped per RFC 5545: {ics}");
    assert!(ics.contains("DESCRIPTION:面向科研管理人员的伦理审查实务课程。\r\n"), "{ics}");
    assert!(ics.contains("SUMMARY:报名截止：科技伦理审查实务\r\n"), "{ics}");
    assert!(ics.contains("DTSTART;VALUE=DATE:20990701\r\nDTEND;VALUE=DATE:20990702"), "registration deadline: {ics}");
    assert!(ics.contains("SUMMARY:截止：关于办理流程的通知"), "notice deadline: {ics}");
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
}

#[test]
fn sitemap_gives_every_url_its_last_change() {
    let (_dir, out) = site();
    let sitemap = read(&out, "sitemap.xml");
    roxmltree::Document::parse(&sitemap).expect("sitemap parses");
    assert!(sitemap.contains("/notices/liucheng-tu/</loc><lastmod>2022-06-21</lastmod>"), "{sitemap}");
    assert!(!sitemap.contains("<lastmod>2099"), "{sitemap}");
    for line in sitemap.lines().filter(|l| l.contains("/notices/") && l.contains("<url>")) {
        assert!(line.contains("<lastmod>"), "{line}");
    }
}

#[test]
fn control_character_stops_the_build_before_any_feed_is_written() {
    let text = "+++\ntitle = \"关于开展培训的通知\"\nissuers = [\"科技部办公厅\"]\nwritten = 2022-06-20\npublished = 2022-06-20\ndisclosure = \"主动公开\"\n+++\n\n为深入贯彻\u{10}落实有关要求，现通知如下。\n";
    let dir = project(&[("content/notices/a.md", text)]);
    let out = dir.path().join("public");
    match build_site(dir.path(), &out) {
        Err(BuildError::Content(errors)) => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!((errors[0].line, errors[0].field.as_str()), (9, "body"));
        }
        other => panic!("expected a content error, got {:?}", other.map(|_| ())),
    }
    assert!(!out.join("atom.xml").exists());
}

#[test]
fn pages_with_images_line_breaks_and_encoded_links_are_valid_html() {
    let jar = repo().join("tests/node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(jar.is_file(), "Nu HTML Checker not installed: run scripts/setup (it installs npm's vnu-jar into tests/)");
    let (_dir, out) = site();
    let output = Command::new("java")
        .args(["-jar", &jar.to_string_lossy(), "--errors-only", "--format", "text"])
        .arg(out.join("notices/liucheng-tu/index.html"))
        .arg(out.join("courses/lunli-shencha/index.html"))
        .output()
        .expect("run java: install a JRE (scripts/setup does)");
    let report = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && !report.contains("Error:"), "HTML errors:\n{report}");
}

#[test]
fn a_build_into_an_earlier_output_leaves_nothing_of_it_and_follows_no_link() {
    let (dir, out) = site();
    // What an earlier build of a larger site left: a page since deleted, a
    // file at the top, a file inside a kind's folder.
    fs::create_dir_all(out.join("notices/deleted-page")).expect("mkdir");
    fs::write(out.join("notices/deleted-page/index.html"), "old").expect("write");
    fs::write(out.join("stray.txt"), "old").expect("write");
    fs::write(out.join("notices/stray.html"), "old").expect("write");
    // A link to a folder outside the output is removed, not emptied.
    let outside = tempfile::tempdir().expect("temp dir");
    fs::write(outside.path().join("keep.txt"), "keep").expect("write");
    std::os::unix::fs::symlink(outside.path(), out.join("linked")).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), out.join("notices/linked")).expect("symlink");

    let out = build(dir.path());
    for gone in ["notices/deleted-page", "stray.txt", "notices/stray.html", "linked", "notices/linked"] {
        assert!(fs::symlink_metadata(out.join(gone)).is_err(), "{gone} is left from the earlier build");
    }
    assert_eq!(fs::read_to_string(outside.path().join("keep.txt")).expect("kept"), "keep");
    assert!(out.join("notices/liucheng-tu/index.html").is_file(), "this build's pages are written");
    assert!(out.join("notices/liucheng-tu/liucheng.png").is_file(), "and the files they refer to");
}
