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
    /// Issuers (notice, policy) or provider (course, case): the issuer filter.
    pub issuers: &'a [String],
    /// The year filter.
    pub year: Option<i32>,
    /// `YYYY-MM-DD`, shown in results and used for recency.
    pub date: Option<&'a str>,
    /// Plain text of the page, Markdown already stripped.
    pub body: &'a str,
}

/// What [`SearchIndex::write`] produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexStats {
    pub documents: usize,
    /// Distinct terms (characters, pairs, words, facet values).
    pub terms: usize,
    pub shards: usize,
    /// Files the index consists of: `meta.json`, two per shard, the chunks.
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
}

/// The on-disk format seen from outside, for benchmarks and tools that want to
/// know which files a query would fetch. Not needed to build or write an index.
pub mod format {
    use crate::text::{Mode, Tokeniser};

    /// The terms `static/search.js` looks up for `query`, in order, deduplicated.
    pub fn query_terms(query: &str) -> Vec<String> {
        let mut terms: Vec<String> = Vec::new();
        Tokeniser::default().runs(query, Mode::Query, |units, words| {
            for (i, unit) in units.iter().enumerate() {
                let next = units.get(i + 1).and_then(|u| u.cjk);
                let previous = i.checked_sub(1).and_then(|p| units[p].cjk);
                let term = match (unit.cjk, next, previous) {
                    (Some(c), Some(n), _) => [c, n].iter().collect(),
                    (Some(c), None, None) => c.to_string(),
                    (Some(_), None, Some(_)) => continue,
                    (None, _, _) => words[unit.start as usize..unit.end as usize].to_string(),
                };
                if !terms.contains(&term) {
                    terms.push(term);
                }
            }
        });
        terms
    }

    /// The shard file number (`s/<n>.json`) holding `term` in an index of `shards` shards.
    pub fn shard_of(term: &str, shards: usize) -> usize {
        crate::terms::shard_of(term, shards)
    }
}
