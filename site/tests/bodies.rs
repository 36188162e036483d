//! A loaded site keeps no page's body — its HTML and text are what grows with
//! the site — and the build renders each body again from its file when it
//! writes the page and indexes it for search.

use std::path::{Path, PathBuf};

use gazette_site::build::{build_site, load_checked};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn loaded_pages_keep_what_checks_need_and_no_body() {
    let (library, _) = load_checked(&repo()).expect("the project's content passes check");
    assert!(library.pages().iter().all(|p| p.content.html.is_empty() && p.content.text_blocks.is_empty()));
    for page in library.pages() {
        let body = page.body(&repo()).expect("body");
        assert!(!body.text_blocks.is_empty(), "{}", page.url);
        assert_eq!(body.outline, page.content.outline, "{}", page.url);
        assert_eq!(body.links, page.content.links, "{}", page.url);
        assert_eq!(body.first_paragraph, page.content.first_paragraph, "{}", page.url);
        assert_eq!(body.raw_html, page.content.raw_html, "{}", page.url);
    }
}

#[test]
fn the_build_writes_each_body_into_its_page_and_its_search_details() {
    let out = tempfile::tempdir().expect("temp dir");
    build_site(&repo(), out.path()).expect("build");
    let (library, _) = load_checked(&repo()).expect("content");
    let page = library.pages().iter().find(|p| p.url == "/cases/nanjing-daxue-anli/").expect("the case");
    let body = page.body(&repo()).expect("body");
    let sentence = body.text_blocks.iter().find(|b| b.chars().count() > 20).expect("a paragraph");
    let html = std::fs::read_to_string(out.path().join("cases/nanjing-daxue-anli/index.html")).expect("page");
    let start: String = sentence.chars().take(12).collect();
    assert!(html.contains(&start), "{start}");
    let details: Vec<String> = std::fs::read_dir(out.path().join("search/index/d"))
        .expect("details")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("file"))
        .filter(|d| d.contains("/cases/nanjing-daxue-anli/"))
        .collect();
    assert_eq!(details.len(), 1);
    // Six characters of the body without punctuation between them: as they stand in a row.
    let chars: Vec<char> = sentence.chars().collect();
    let run = chars
        .windows(6)
        .find(|w| w.iter().all(|c| ('\u{4e00}'..='\u{9fff}').contains(c)))
        .map(|w| w.iter().collect::<String>())
        .expect("six characters in a row");
    assert!(details[0].contains(&run), "the page's rows hold {run}");
}
