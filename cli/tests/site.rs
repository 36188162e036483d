//! The `gazette` command end to end on the repository's own content: build,
//! check, new, and every generated page through the Nu HTML Checker.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn gazette(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gazette"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("GAZETTE_TODAY", "2026-11-23")
        .output()
        .expect("run gazette")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Builds the repository's content into a fresh folder.
fn build_repository() -> tempfile::TempDir {
    let out = tempfile::tempdir().expect("temp dir");
    let output = gazette(&repo(), &["build", "--out", &out.path().to_string_lossy()]);
    assert!(output.status.success(), "build failed:\n{}{}", text(&output.stdout), text(&output.stderr));
    assert!(text(&output.stdout).starts_with("Built "), "{}", text(&output.stdout));
    out
}

fn read(out: &Path, path: &str) -> String {
    fs::read_to_string(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn build_produces_every_kind_of_page_and_feed() {
    let out = build_repository();
    let out = out.path();
    for path in [
        "index.html",
        "404.html",
        "search/index.html",
        "notices/index.html",
        "notices/guokebanjian-2022-83/index.html",
        "courses/index.html",
        "policies/index.html",
        "policies/kexiefazuzi-2020-17/index.html",
        "cases/index.html",
        "atom.xml",
        "notices/atom.xml",
        "courses/atom.xml",
        "policies/atom.xml",
        "cases/atom.xml",
        "sitemap.xml",
        "robots.txt",
        "calendar.ics",
        "style.css",
    ] {
        assert!(out.join(path).is_file(), "{path} missing");
    }
    // Facets: by issuer (Chinese, percent-decoded on disk), year and topic.
    assert!(out.join("notices/issuer/科技部办公厅/index.html").is_file());
    assert!(out.join("notices/year/2022/index.html").is_file());
    assert!(out.join("courses/tier/精品/index.html").is_file());

    let notice = read(out, "notices/guokebanjian-2022-83/index.html");
    assert!(notice.contains(r#"<html lang="zh-CN">"#));
    assert!(notice.contains("国科办监〔2022〕83号"));
    assert!(notice.contains("科技部办公厅、教育部办公厅、卫生健康委办公厅、中科院办公厅"));
    // Attachments with computed format and size.
    assert!(notice.contains("（TXT，"), "attachment format missing");
    assert!(out.join("notices/guokebanjian-2022-83/fujian3-peixun-pingtai-guanliyuan-xinxibiao.csv").is_file());

    let policy = read(out, "policies/kexiefazuzi-2020-17/index.html");
    assert!(policy.contains(r##"<a href="#s1-1">"##), "outline links to numbered anchors");
    assert!(policy.contains(r#"<h3 id="s1-1">"#));

    let ics = read(out, "calendar.ics");
    assert!(ics.contains("BEGIN:VEVENT") && ics.contains("DTSTART;VALUE=DATE:"));
    assert!(read(out, "sitemap.xml").contains("/notices/guokebanjian-2022-83/</loc>"));
    assert!(read(out, "atom.xml").matches("<entry>").count() >= 10);
}

#[test]
fn deadlines_show_their_state_on_the_build_date() {
    let out = build_repository();
    let home = read(out.path(), "index.html");
    assert!(home.contains("status-open"), "an open registration on 2026-11-23");
    assert!(home.contains("status-closing_soon"), "a course closing within 7 days of 2026-11-23");
    let old = read(out.path(), "notices/guokebanjian-2022-83/index.html");
    assert!(old.contains("status-closed"), "a 2022 deadline is closed");
}

#[test]
fn every_generated_page_is_valid_html() {
    let jar = repo().join("tests/node_modules/vnu-jar/build/dist/vnu.jar");
    assert!(jar.is_file(), "Nu HTML Checker not installed: run scripts/setup (it installs npm's vnu-jar into tests/)");
    let out = build_repository();
    let output = Command::new("java")
        .args(["-jar", &jar.to_string_lossy(), "--skip-non-html", "--errors-only", "--format", "text"])
        .arg(out.path())
        .output()
        .expect("run java: install a JRE (scripts/setup does)");
    let report = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert!(output.status.success() && !report.contains("Error:"), "HTML errors:\n{report}");
    let pages = walkdir(out.path()).into_iter().filter(|p| p.extension().is_some_and(|e| e == "html")).count();
    assert!(pages > 50, "only {pages} pages were checked");
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walkdir(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn check_passes_on_the_repository() {
    let output = gazette(&repo(), &["check"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).starts_with("OK: "));
}

/// A project with the repository's config and templates and one broken notice.
fn broken_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::copy(repo().join("gazette.toml"), dir.path().join("gazette.toml")).expect("config");
    let notices = dir.path().join("content/notices");
    fs::create_dir_all(&notices).expect("mkdir");
    fs::write(
        notices.join("bad.md"),
        "+++\ntitle = \"通知\"\ndoc_number = \"国科办监2022-83\"\nissuers = [\"科技部\"]\nwritten = 2022-06-20\npublished = 2022-06-20\ndisclosure = \"主动公开\"\ndeadline = 2022-01-01\ncolour = \"red\"\n+++\n\n[链接](/courses/none/)\n",
    )
    .expect("write");
    dir
}

#[test]
fn check_lists_every_error_and_exits_non_zero() {
    let dir = broken_project();
    let output = gazette(dir.path(), &["check"]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    for expected in [
        "content/notices/bad.md:3: doc_number:",
        "content/notices/bad.md:8: deadline: 截止日期 2022-01-01 早于成文日期 2022-06-20",
        "content/notices/bad.md:9: colour: 未知字段",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
}

#[test]
fn check_speaks_the_sites_language() {
    let dir = broken_project();
    let zh = text(&gazette(dir.path(), &["check"]).stderr);
    assert!(zh.contains("错误：以上列出"), "{zh}");
    assert!(!zh.contains("is before the written date"), "English in a Chinese site's check:\n{zh}");
    let config = read(dir.path(), "gazette.toml").replace("language = \"zh\"", "language = \"en\"");
    fs::write(dir.path().join("gazette.toml"), config).expect("config");
    let en = text(&gazette(dir.path(), &["check"]).stderr);
    assert!(
        en.contains("content/notices/bad.md:8: deadline: deadline 2022-01-01 is before the written date 2022-06-20"),
        "{en}"
    );
}

#[test]
fn a_new_stub_fails_check_only_where_the_editor_must_fill_in() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::copy(repo().join("gazette.toml"), dir.path().join("gazette.toml")).expect("config");
    for (kind, slug, blanks) in [
        ("notice", "peixun-tongzhi", vec!["issuers"]),
        ("policy", "guihua-2027", vec!["issuers"]),
        ("course", "kycx-anli", vec!["category", "provider"]),
        ("case", "anli-1", vec!["region", "provider", "category", "summary"]),
    ] {
        let output = gazette(dir.path(), &["new", kind, "关于开展科研诚信培训的通知", "--slug", slug]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        let check = gazette(dir.path(), &["check"]);
        let stderr = text(&check.stderr);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("content/")).collect();
        let fields: Vec<&str> = errors.iter().filter_map(|l| l.split(": ").nth(1)).collect();
        assert_eq!(fields, blanks, "{kind}:\n{stderr}");
        assert!(errors.iter().all(|l| l.contains("请填写")), "{kind}: not a fill-in message:\n{stderr}");
        fs::remove_file(
            dir.path().join(format!("content/{}s/{slug}.md", if kind == "policy" { "policie" } else { kind })),
        )
        .expect("remove stub");
    }
}

#[test]
fn build_with_content_errors_writes_nothing() {
    let dir = broken_project();
    let out = dir.path().join("public");
    let output = gazette(dir.path(), &["build", "--out", &out.to_string_lossy()]);
    assert!(!output.status.success());
    assert!(!out.exists(), "a failed build must not leave output");
}

#[test]
fn new_stubs_every_field_and_refuses_to_overwrite() {
    let dir = broken_project();
    let output = gazette(dir.path(), &["new", "course", "科研诚信案例课", "--slug", "kycx-anli"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let file = read(dir.path(), "content/courses/kycx-anli.md");
    for field in [
        "title = \"科研诚信案例课\"",
        "category",
        "kind",
        "tier",
        "required",
        "hours",
        "start",
        "end",
        "mode",
        "provider",
    ] {
        assert!(file.contains(field), "{field} not stubbed:\n{file}");
    }
    let again = gazette(dir.path(), &["new", "course", "科研诚信案例课", "--slug", "kycx-anli"]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));
    let chinese_without_slug = gazette(dir.path(), &["new", "notice", "关于开展培训的通知"]);
    assert!(text(&chinese_without_slug.stderr).contains("--slug"));
}

#[test]
fn english_ui_is_selectable_in_the_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = read(&repo(), "gazette.toml").replace("language = \"zh\"", "language = \"en\"");
    fs::write(dir.path().join("gazette.toml"), config).expect("config");
    for item in ["templates", "static", "content"] {
        let status = Command::new("cp").arg("-r").arg(repo().join(item)).arg(dir.path()).status().expect("cp");
        assert!(status.success());
    }
    let out = dir.path().join("public");
    let output = gazette(dir.path(), &["build", "--out", &out.to_string_lossy()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let home = read(&out, "index.html");
    assert!(home.contains(r#"<html lang="en">"#));
    assert!(home.contains("Latest notices"));
}

#[test]
fn token_prints_a_signed_token_on_its_last_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = gazette(dir.path(), &["token", "--role", "unit-admin", "--unit", "hebei-kjpt"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let token = stdout.lines().last().expect("a line");
    assert_eq!(token.split('.').count(), 3, "not a JWT: {token}");
    assert!(dir.path().join("data/dev-jwt-secret").is_file(), "the development secret is kept for serve");
    let bad = gazette(dir.path(), &["token", "--role", "mayor"]);
    assert!(!bad.status.success());
    assert!(text(&bad.stderr).contains("unknown role"));
}

#[test]
fn cases_export_with_nothing_approved_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = gazette(dir.path(), &["cases", "export"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("0 case(s) exported, 0 skipped."));
    assert!(
        !dir.path().join("content/cases").exists()
            || fs::read_dir(dir.path().join("content/cases")).expect("dir").next().is_none()
    );
}
