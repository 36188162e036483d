//! Serve mode rebuilds only what a change touches, and a broken edit leaves the
//! last good output in place.

use std::fs;
use std::path::{Path, PathBuf};

use gazette_site::BuildError;
use gazette_site::serve::LiveSite;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A copy of the repository's site (config, templates, static, content).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for item in ["gazette.toml", "templates", "static", "content"] {
        copy(&repo().join(item), &dir.path().join(item));
    }
    dir
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).expect("mkdir");
        for entry in fs::read_dir(from).expect("read dir") {
            let entry = entry.expect("entry");
            copy(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        fs::copy(from, to).expect("copy");
    }
}

const CASE: &str = "content/cases/nanjing-daxue-anli.md";

#[test]
fn body_edit_renders_only_that_page() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    let file = dir.path().join(CASE);
    let text = fs::read_to_string(&file).expect("read");
    fs::write(&file, format!("{text}\n补充说明：新增段落。\n")).expect("write");

    let rebuild = live.apply(&[file]).expect("rebuild");
    assert_eq!(rebuild.rendered, 1);
    let html = fs::read_to_string(out.join("cases/nanjing-daxue-anli/index.html")).expect("page");
    assert!(html.contains("补充说明：新增段落。"));
}

#[test]
fn title_edit_also_renders_listings_and_home() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    let file = dir.path().join(CASE);
    let text = fs::read_to_string(&file).expect("read");
    let edited = text.replacen("title = \"", "title = \"（修订）", 1);
    fs::write(&file, edited).expect("write");

    let rebuild = live.apply(&[file]).expect("rebuild");
    assert!(rebuild.rendered > 2, "{rebuild:?}");
    let listing = fs::read_to_string(out.join("cases/index.html")).expect("listing");
    assert!(listing.contains("（修订）"));
}

#[test]
fn broken_edit_keeps_the_last_good_page() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    let page = out.join("cases/nanjing-daxue-anli/index.html");
    let before = fs::read_to_string(&page).expect("page");
    let file = dir.path().join(CASE);
    let text = fs::read_to_string(&file).expect("read");
    fs::write(&file, text.replacen("date = ", "dat = ", 1)).expect("write");

    match live.apply(&[file]) {
        Err(BuildError::Content(errors)) => assert!(errors.iter().any(|e| e.field == "dat"), "{errors:?}"),
        other => panic!("expected content errors, got {other:?}"),
    }
    assert_eq!(fs::read_to_string(&page).expect("page"), before);
}

#[test]
fn deleted_page_disappears_from_listings_and_output() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    // Nothing links to this case, so deleting it breaks no link.
    let file = dir.path().join("content/cases/qinghua-daxue-zhili-tixi.md");
    fs::remove_file(&file).expect("remove");
    live.apply(&[file]).expect("rebuild");
    assert!(live.library().get("/cases/qinghua-daxue-zhili-tixi/").is_none());
    assert!(!out.join("cases/qinghua-daxue-zhili-tixi").exists());
    let listing = fs::read_to_string(out.join("cases/index.html")).expect("listing");
    assert!(!listing.contains("/cases/qinghua-daxue-zhili-tixi/"));
}

#[test]
fn deleting_a_linked_page_is_refused_with_the_broken_link() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    let file = dir.path().join(CASE);
    fs::remove_file(&file).expect("remove");
    match live.apply(&[file]) {
        Err(BuildError::Content(errors)) => {
            assert!(
                errors.iter().any(|e| e.message.en.starts_with("/cases/nanjing-daxue-anli/: no page")),
                "{errors:?}"
            )
        }
        other => panic!("expected a broken-link error, got {other:?}"),
    }
}

#[test]
fn removing_a_heading_another_page_links_to_is_refused() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    // A course links to /policies/kexiefazuzi-2020-17/#s4-2.
    let file = dir.path().join("content/policies/kexiefazuzi-2020-17.md");
    let file = if file.exists() { file } else { dir.path().join("content/policies/kexiefazuzi-2020-17/index.md") };
    let text = fs::read_to_string(&file).expect("read");
    let edited: String = text
        .lines()
        .filter(|l| !l.starts_with("### （二）中国科协机关和直属单位干部"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(edited, text, "the heading is in the policy");
    fs::write(&file, edited).expect("write");
    match live.apply(&[file]) {
        Err(BuildError::Content(errors)) => {
            assert!(errors.iter().any(|e| e.message.en.contains("#s4-2")), "{errors:?}")
        }
        other => panic!("expected a broken-anchor error, got {other:?}"),
    }
}

#[test]
fn title_edit_renders_only_the_listing_pages_that_show_it() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    // A listing page of cases that does not show this case: left as it was.
    let region = live.library().get("/cases/nanjing-daxue-anli/").map(|p| match &p.meta {
        gazette_site::content::Meta::Case(c) => c.region.clone(),
        _ => unreachable!("a case"),
    });
    let other = live
        .library()
        .pages()
        .iter()
        .filter_map(|p| match &p.meta {
            gazette_site::content::Meta::Case(c) if Some(&c.region) != region.as_ref() => Some(c.region.clone()),
            _ => None,
        })
        .next()
        .expect("a case of another region");
    let untouched = out.join("cases/region").join(&other).join("index.html");
    fs::write(&untouched, "left alone").expect("mark");
    let file = dir.path().join(CASE);
    let text = fs::read_to_string(&file).expect("read");
    fs::write(&file, text.replacen("title = \"", "title = \"（修订）", 1)).expect("write");

    live.apply(&[file]).expect("rebuild");
    assert_eq!(fs::read_to_string(&untouched).expect("listing"), "left alone");
    let region_listing = out.join("cases/region").join(region.expect("region")).join("index.html");
    assert!(fs::read_to_string(region_listing).expect("listing").contains("（修订）"));
}

#[test]
fn a_course_title_edit_renders_the_notices_that_name_the_course() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    let file = dir.path().join("content/courses/cas-jingpin-heitu-liangcang-2027.md");
    let text = fs::read_to_string(&file).expect("read");
    fs::write(&file, text.replacen("title = \"", "title = \"（改期）", 1)).expect("write");

    live.apply(&[file]).expect("rebuild");
    let notice = fs::read_to_string(out.join("notices/cas-2027-jingpin-peixun-baoming/index.html")).expect("notice");
    assert!(notice.contains("（改期）"), "the notice links to the course by its title");
}

#[test]
fn feeds_and_search_index_follow_an_edit_once_asked_and_not_before() {
    let dir = project();
    let out = dir.path().join("public");
    let (mut live, _) = LiveSite::build(dir.path(), &out).expect("build");
    let meta = out.join("search/index/meta.json");
    let before = fs::read_to_string(&meta).expect("meta");
    let file = dir.path().join(CASE);
    let text = fs::read_to_string(&file).expect("read");
    let feed = out.join("cases/atom.xml");
    let feed_before = fs::read_to_string(&feed).expect("feed");
    fs::write(&file, format!("{text}\n补充说明：鹦鹉螺。\n").replacen("title = \"", "title = \"（修订）", 1))
        .expect("write");

    live.apply(&[file]).expect("rebuild");
    assert_eq!(fs::read_to_string(&meta).expect("meta"), before, "the page comes first");
    assert_eq!(fs::read_to_string(&feed).expect("feed"), feed_before);
    assert!(live.update_feeds_and_search().expect("search").is_some());
    assert_ne!(fs::read_to_string(&meta).expect("meta"), before);
    assert!(fs::read_to_string(&feed).expect("feed").contains("（修订）"), "the case is in its kind's feed");
    assert!(live.update_feeds_and_search().expect("search").is_none(), "nothing left to do");
}
