//! The search index of the project's own content, as `gazette build` makes it:
//! what the issuer filter offers, and the fixture `search/js/content.test.mjs`
//! runs the real client against, comparing every answer with brute force over
//! the same pages' text.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gazette_search::SearchIndex;
use gazette_site::build::{load_checked, page_bodies, search_documents};
use gazette_site::content::Meta;
use serde_json::Value;

fn repo() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    repo.canonicalize().unwrap_or(repo)
}

/// `<target>/search-fixtures/<this checkout>/content`: checkouts sharing a
/// target directory each test their own client against their own index (the
/// same folder as the search crate's fixture, see search/tests/index.rs).
fn fixture_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => repo().join(dir),
        // target/<profile>/deps/<this test>
        None => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
            .unwrap_or_else(|| repo().join("target")),
    };
    let name: String =
        repo().to_string_lossy().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    target.join("search-fixtures").join(name).join("content")
}

#[test]
fn the_issuer_filter_offers_the_issuers_of_notices_and_policies_and_no_provider() {
    let (library, _) = load_checked(&repo()).expect("the project's content passes check");
    let bodies = page_bodies(&repo(), library.pages()).expect("bodies");
    let parts = search_documents(library.pages().iter().zip(&bodies));
    let dir = tempfile::tempdir().expect("temp dir");
    SearchIndex::build(&parts.documents()).write(dir.path()).expect("index written");
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("meta.json")).expect("meta")).expect("json");
    let offered: BTreeSet<String> =
        meta["issuers"].as_array().expect("issuers").iter().filter_map(|i| i[0].as_str().map(String::from)).collect();
    let mut issuers = BTreeSet::new();
    let mut providers = BTreeSet::new();
    for page in library.pages() {
        match &page.meta {
            Meta::Notice(n) => issuers.extend(n.issuers.iter().cloned()),
            Meta::Policy(p) => issuers.extend(p.notice.issuers.iter().cloned()),
            Meta::Course(c) => _ = providers.insert(c.provider.clone()),
            Meta::Case(c) => _ = providers.insert(c.provider.clone()),
        }
    }
    assert_eq!(offered, issuers);
    assert!(
        providers.iter().any(|p| !issuers.contains(p)),
        "the content should have a provider that issues nothing, or this test proves little"
    );
}

#[test]
fn the_contents_search_index_is_written_for_the_client_tests() {
    let (library, _) = load_checked(&repo()).expect("the project's content passes check");
    let bodies = page_bodies(&repo(), library.pages()).expect("bodies");
    let parts = search_documents(library.pages().iter().zip(&bodies));
    let docs = parts.documents();
    let dir = fixture_dir();
    let _ = std::fs::remove_dir_all(&dir);
    let stats = SearchIndex::build(&docs).write(&dir.join("index")).expect("index written");
    assert_eq!(stats.documents, library.pages().len());
    assert!(docs.iter().any(|d| d.body.len() > 20), "pages reach the index as blocks");
    std::fs::write(dir.join("corpus.json"), parts.corpus_json().to_string()).expect("corpus written");
}
