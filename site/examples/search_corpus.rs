//! Writes a project's pages as the search sees them, for `bench/search.mjs`.
//!
//! `cargo run --release -p gazette-site --example search_corpus -- PROJECT OUT.json`

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let (Some(root), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: search_corpus PROJECT OUT.json".into());
    };
    let (library, _) = gazette_site::build::load_checked(&root)?;
    let bodies = gazette_site::build::page_bodies(&root, library.pages())?;
    let corpus = gazette_site::build::search_documents(library.pages().iter().zip(&bodies)).corpus_json();
    std::fs::write(&out, corpus.to_string())?;
    Ok(())
}
