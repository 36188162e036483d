#![doc = include_str!("../README.md")]

mod index;
mod postings;
mod terms;
mod text;
mod write;

use std::path::PathBuf;

pub use index::SearchIndex;

/// A page as the search index sees it. The site fills it from its content.
#[derive(Clone, Copy, Debug)]
pub struct Document<'a> {
    pub url: &'a str,
    pub title: &'a str,
    /// 发文字号, e.g. 国科办监〔2022〕83号.
    pub doc_number: Option<&'a str>,
    /// `notice` | `course` | `policy` | `case`: the type filter.
    pub kind: &'a str,
    /// 发文机关 (notice, policy): searched, and the issuer filter's values.
    pub issuers: &'a [String],
    /// Who offers a course or sends a case: searched like an issuer, but no
    /// value of the issuer filter.
    pub provider: Option<&'a str>,
    /// The year filter.
    pub year: Option<i32>,
    /// `YYYY-MM-DD`, shown in results and used for recency.
    pub date: Option<&'a str>,
    /// Plain text of the page, Markdown already stripped, one string per block
    /// (paragraph, heading, list item, table cell): no query matches across
    /// two blocks.
    pub body: &'a [&'a str],
}

/// What [`SearchIndex::write`] produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexStats {
    pub documents: usize,
    /// Distinct terms (characters, pairs, words, facet values).
    pub terms: usize,
    pub shards: usize,
    /// Files the index consists of: `meta.json`, one per shard, one per page.
    pub files: usize,
    /// Total size of every file.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("cannot write the search index at {path}: {source} (is the output directory writable?)")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An index built with [`SearchIndex::build_into`] wrote its pages' details
    /// as it went and keeps no text to write them anywhere else.
    #[error(
        "the search index's page details were written to {dir} as it was built; write the index there, not to {asked}"
    )]
    Elsewhere { dir: PathBuf, asked: PathBuf },
}

/// The on-disk format seen from outside, for benchmarks and tools that want to
/// know which files a query would fetch. Not needed to build or write an index.
pub mod format {
    use crate::text::{Mode, Tokeniser};

    /// The terms `static/search.js` looks up for `query`, in order, deduplicated:
    /// for each part (whitespace apart) of one unit, that unit; of more, every
    /// two neighbouring units, punctuation between runs counting as one
    /// separator unit (`国科办监〔2022〕83号` → `国科` … `监|`, `|2022`,
    /// `2022|`, `|83`, `83号`).
    pub fn query_terms(query: &str) -> Vec<String> {
        use crate::text::SEPARATOR;
        let mut parts: Vec<Vec<String>> = Vec::new();
        Tokeniser::default().runs(query, Mode::Query, |units, words, joined| {
            match parts.last_mut() {
                Some(part) if joined => part.push(SEPARATOR.to_string()),
                _ => parts.push(Vec::new()),
            }
            if let Some(part) = parts.last_mut() {
                let mut buf = [0u8; 4];
                part.extend(units.iter().map(|u| u.text(words, &mut buf).to_string()));
            }
        });
        let mut terms: Vec<String> = Vec::new();
        for part in parts {
            let found: Vec<String> = match part.as_slice() {
                [one] => vec![one.clone()],
                _ => part.windows(2).map(|w| w.concat()).collect(),
            };
            for term in found {
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        }
        terms
    }

    /// The shard file number (`s/<n>.json`) holding `term` in an index of `shards` shards.
    pub fn shard_of(term: &str, shards: usize) -> usize {
        crate::terms::shard_of(term, shards)
    }
}
