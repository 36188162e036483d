//! The in-memory index: posting lists per term plus what a result shows.
//!
//! Document ids are assigned newest first (by date, then URL), so a lower id
//! means a more recent page: the browser breaks ranking ties by id and needs no
//! table of dates. Pages added later by `upsert` (serve mode) take the next free
//! id instead — slightly wrong recency in a preview, never wrong results — and
//! the next full build renumbers.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::postings::{Posting, PostingList};
use crate::terms::{Analyser, Gathered, META_TAG_SHIFT, Occurrence, class_of};
use crate::write::WriteState;
use crate::{Document, SearchError};

/// Lists are spread over this many maps, by key, so that merging the build's
/// per-thread fragments and scanning for a removed page run in parallel.
pub(crate) const PARTS: usize = 256;

/// Characters of body text kept to show under a result.
const SNIPPET_CHARS: usize = 80;

/// The top bits of a multiplicative hash: one multiply per occurrence. The
/// constant differs from the map's own hasher, so keys sharing a part still
/// spread over its buckets.
pub(crate) fn part_of(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - PARTS.trailing_zeros())) as usize
}

/// What a result line shows, and the page's rows that a query is checked
/// against; written to the page's details file `d/<id>.json`.
#[derive(Clone, Debug)]
pub(crate) struct DocRecord {
    pub url: String,
    pub title: String,
    pub kind: String,
    pub date: Option<String>,
    pub doc_number: Option<String>,
    pub snippet: String,
    pub issuers: Vec<String>,
    pub year: Option<i32>,
    /// The page's rows ([`Analyser::rows`]) until its file is written, or
    /// `None` once [`SearchIndex::build_into`] wrote it.
    pub rows: Option<Box<str>>,
    /// (content hash, bytes) of its details file, when already written.
    pub file: Option<(u64, u64)>,
}

impl DocRecord {
    fn of(doc: &Document, analyser: &mut Analyser) -> DocRecord {
        DocRecord {
            url: doc.url.to_string(),
            title: doc.title.to_string(),
            kind: doc.kind.to_string(),
            date: doc.date.map(String::from),
            doc_number: doc.doc_number.map(String::from),
            snippet: snippet(doc.body),
            issuers: doc.issuers.to_vec(),
            year: doc.year,
            rows: Some(analyser.rows(doc).into_boxed_str()),
            file: None,
        }
    }
}

/// The start of the body with whitespace runs collapsed (and dropped between
/// CJK characters, where a line break is an artefact, not a space); blocks
/// are read as if a line break ended each.
fn snippet(body: &[&str]) -> String {
    let mut out = String::with_capacity(SNIPPET_CHARS * 3);
    let mut chars = 0;
    let mut pending_space = false;
    for c in body.iter().flat_map(|block| block.chars().chain(['\n'])) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let joins = out.chars().next_back().is_some_and(crate::text::is_cjk) && crate::text::is_cjk(c);
            if !joins {
                out.push(' ');
                chars += 1;
            }
            pending_space = false;
        }
        if chars >= SNIPPET_CHARS {
            out.push('…');
            break;
        }
        out.push(c);
        chars += 1;
    }
    out
}

/// A searchable index of the site's pages, written out as static files by
/// [`SearchIndex::write`].
#[derive(Default)]
pub struct SearchIndex {
    /// By id; `None` for a page removed since the build.
    pub(crate) docs: Vec<Option<DocRecord>>,
    pub(crate) ids_by_url: HashMap<String, u32>,
    pub(crate) parts: Vec<FxHashMap<u64, PostingList>>,
    /// The text of word and facet keys.
    pub(crate) names: FxHashMap<u64, Box<str>>,
    /// Where [`SearchIndex::build_into`] wrote the details files.
    pub(crate) streamed_to: Option<PathBuf>,
    /// What the last `write` left, and what changed since.
    pub(crate) state: Mutex<WriteState>,
}

/// Pages analysed between two flushes of a fragment's buffered postings: enough
/// that each part's buffer is a long sequential run, few enough that the
/// buffers stay a few megabytes.
const BATCH: usize = 1 << (32 - META_TAG_SHIFT);

/// A term's list while a fragment is built: the finished postings, and what
/// the page being read has gathered so far.
#[derive(Default)]
struct Building {
    list: PostingList,
    /// The page being read: its id and what it gathered.
    open: Option<(u32, Gathered)>,
}

impl Building {
    fn add(&mut self, key: u64, id: u32, o: &Occurrence) {
        if !matches!(&self.open, Some((open, _)) if *open == id) {
            self.close(key);
            self.open = Some((id, Gathered::default()));
        }
        if let Some((_, gathered)) = &mut self.open {
            gathered.add(class_of(key), o);
        }
    }

    fn close(&mut self, key: u64) {
        if let Some((id, gathered)) = self.open.take() {
            self.list.push(id, &gathered.posting(class_of(key)));
        }
    }
}

/// One thread's share of the build: a contiguous range of ids.
struct Fragment {
    parts: Vec<FxHashMap<u64, PostingList>>,
    names: FxHashMap<u64, Box<str>>,
    records: Vec<DocRecord>,
}

impl Fragment {
    /// Indexes the documents `document(k)` hands over for k in `range`, whose
    /// ids are k.
    ///
    /// Applying each occurrence straight to its term would touch a random one
    /// of ~600k terms each time — a cache miss. Occurrences are instead
    /// buffered per part (sequential writes) and each part's buffer is then
    /// applied to that part's terms, which fit in cache. The same pass groups
    /// a page's occurrences of a term into its posting, so a page needs no map
    /// of its own.
    fn build<E: From<SearchError>>(
        range: std::ops::Range<usize>,
        details: Option<&Path>,
        document: &impl Fn(usize, &mut dyn FnMut(&Document)) -> Result<(), E>,
    ) -> Result<Fragment, E> {
        let mut analyser = Analyser::default();
        let mut building: Vec<FxHashMap<u64, Building>> = (0..PARTS).map(|_| FxHashMap::default()).collect();
        let mut names = FxHashMap::default();
        let mut records = Vec::with_capacity(range.len());
        let mut pending: Vec<Vec<Occurrence>> = (0..PARTS).map(|_| Vec::new()).collect();
        for batch_start in range.clone().step_by(BATCH) {
            for k in batch_start..(batch_start + BATCH).min(range.end) {
                // The page's place in its batch rides in the occurrence's spare bits.
                let tag = ((k - batch_start) as u32) << META_TAG_SHIFT;
                let mut written: Result<(), SearchError> = Ok(());
                let before = records.len();
                document(k, &mut |doc| {
                    let doc_names = analyser.occurrences(doc, |mut o| {
                        o.meta |= tag;
                        pending[part_of(o.key)].push(o);
                    });
                    for (key, name) in doc_names {
                        names.entry(key).or_insert(name);
                    }
                    let mut record = DocRecord::of(doc, &mut analyser);
                    if let Some(dir) = details {
                        // Written now, so that no page's text waits in memory for the others.
                        written = crate::write::write_details(dir, k, &record).map(|file| {
                            record.file = Some(file);
                            record.rows = None;
                        });
                    }
                    records.push(record);
                })?;
                written?;
                assert_eq!(records.len(), before + 1, "one document for id {k}");
            }
            let batch_start = batch_start as u32;
            for (part, buffered) in building.iter_mut().zip(&mut pending) {
                for o in buffered.drain(..) {
                    let id = batch_start + (o.meta >> META_TAG_SHIFT);
                    part.entry(o.key).or_default().add(o.key, id, &o);
                }
            }
        }
        let parts = building
            .into_iter()
            .map(|part| {
                part.into_iter()
                    .map(|(key, mut term)| {
                        term.close(key);
                        (key, term.list)
                    })
                    .collect()
            })
            .collect();
        Ok(Fragment { parts, names, records })
    }
}

impl SearchIndex {
    /// Indexes `docs` in parallel. Where two documents share a URL the later one
    /// wins, as if it had been upserted.
    pub fn build(docs: &[Document]) -> SearchIndex {
        let mut last_of_url: HashMap<&str, usize> = HashMap::with_capacity(docs.len());
        for (i, doc) in docs.iter().enumerate() {
            last_of_url.insert(doc.url, i);
        }
        let mut order: Vec<usize> = (0..docs.len()).filter(|&i| last_of_url.get(docs[i].url) == Some(&i)).collect();
        order.sort_by(|a, b| Self::newest_first(&docs[*a], &docs[*b]));
        let built = SearchIndex::build_from(None, order.len(), |k, index| {
            index(&docs[order[k]]);
            Ok::<(), SearchError>(())
        });
        // Nothing is written without a folder: the build cannot fail.
        built.unwrap_or_default()
    }

    /// The order of ids: newest first (by date), then by URL.
    pub fn newest_first(a: &Document, b: &Document) -> std::cmp::Ordering {
        b.date.cmp(&a.date).then_with(|| a.url.cmp(b.url))
    }

    /// Indexes `count` documents without holding them, and writes each one's
    /// details file into `dir` (`d/<id>.json`) as it comes; [`SearchIndex::write`]
    /// into the same `dir` then writes the rest. For each id k, in parallel
    /// over ranges of ids, `document(k, index)` calls `index` once with the
    /// document whose id is k, which may be dropped as soon as `index` returns
    /// (the site renders a page, writes it and hands over its text in one go).
    /// Documents come in the order of [`SearchIndex::newest_first`] and with
    /// distinct URLs, as [`SearchIndex::build`] sorts them. The first error —
    /// `document`'s, or writing a file — stops the build and is returned.
    pub fn build_into<E: Send + From<SearchError>>(
        dir: &Path,
        count: usize,
        document: impl Fn(usize, &mut dyn FnMut(&Document)) -> Result<(), E> + Sync,
    ) -> Result<SearchIndex, E> {
        let details = dir.join("d");
        std::fs::create_dir_all(&details).map_err(|source| SearchError::Io { path: details.clone(), source })?;
        let mut index = SearchIndex::build_from(Some(&details), count, document)?;
        index.streamed_to = Some(dir.to_path_buf());
        Ok(index)
    }

    fn build_from<E: Send + From<SearchError>>(
        details: Option<&Path>,
        count: usize,
        document: impl Fn(usize, &mut dyn FnMut(&Document)) -> Result<(), E> + Sync,
    ) -> Result<SearchIndex, E> {
        // Two fragments per thread: fewer lists to merge than with many small
        // fragments, yet a thread slowed by a neighbour does not hold up the build.
        let per_fragment = count.div_ceil(rayon::current_num_threads() * 2).max(BATCH);
        let fragments: Vec<Fragment> = (0..count.div_ceil(per_fragment))
            .into_par_iter()
            .map(|f| Fragment::build(f * per_fragment..((f + 1) * per_fragment).min(count), details, &document))
            .collect::<Result<_, E>>()?;

        let mut by_part: Vec<Vec<FxHashMap<u64, PostingList>>> = (0..PARTS).map(|_| Vec::new()).collect();
        let mut names = FxHashMap::default();
        let mut records = Vec::with_capacity(count);
        for fragment in fragments {
            for (p, map) in fragment.parts.into_iter().enumerate() {
                by_part[p].push(map);
            }
            if names.is_empty() {
                names = fragment.names;
            } else {
                for (key, name) in fragment.names {
                    names.entry(key).or_insert(name);
                }
            }
            records.extend(fragment.records);
        }
        // Fragments hold ascending id ranges, so appending them in order keeps
        // every list sorted.
        let parts = by_part
            .into_par_iter()
            .map(|maps| {
                let mut maps = maps.into_iter();
                let mut merged = maps.next().unwrap_or_default();
                for map in maps {
                    for (key, list) in map {
                        match merged.entry(key) {
                            std::collections::hash_map::Entry::Occupied(e) => e.into_mut().append(list),
                            std::collections::hash_map::Entry::Vacant(e) => {
                                e.insert(list);
                            }
                        }
                    }
                }
                merged
            })
            .collect();

        let ids_by_url = records.iter().enumerate().map(|(id, r)| (r.url.clone(), id as u32)).collect();
        let docs = records.into_iter().map(Some).collect();
        Ok(SearchIndex { docs, ids_by_url, parts, names, streamed_to: None, state: Mutex::default() })
    }

    /// Adds a page, or replaces the page with the same URL (serve mode).
    pub fn upsert(&mut self, doc: &Document) {
        if self.parts.len() != PARTS {
            self.parts = (0..PARTS).map(|_| FxHashMap::default()).collect();
        }
        let (id, mut old) = match self.ids_by_url.get(doc.url) {
            Some(&id) => (id, self.remove_postings(id)),
            None => {
                let id = self.docs.len() as u32;
                self.docs.push(None);
                self.ids_by_url.insert(doc.url.to_string(), id);
                (id, FxHashMap::default())
            }
        };
        let state = self.state.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut analyser = Analyser::default();
        let (postings, names) = analyser.postings(doc);
        for (key, posting) in postings {
            // An edit leaves most of a page's postings as they were; only the
            // lists that really changed need their shard rewritten.
            if old.remove(&key) != Some(posting) {
                state.changed_keys.insert(key);
            }
            self.parts[part_of(key)].entry(key).or_default().insert(class_of(key), id, &posting);
        }
        state.changed_keys.extend(old.into_keys());
        state.changed_docs.insert(id);
        for (key, name) in names {
            self.names.entry(key).or_insert(name);
        }
        self.docs[id as usize] = Some(DocRecord::of(doc, &mut analyser));
    }

    /// Drops the page at `url`, if indexed.
    pub fn remove(&mut self, url: &str) {
        if let Some(id) = self.ids_by_url.remove(url) {
            let old = self.remove_postings(id);
            let state = self.state.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner());
            state.changed_keys.extend(old.into_keys());
            state.changed_docs.insert(id);
            self.docs[id as usize] = None;
        }
    }

    /// Takes `id` out of every list, returning what it had in each.
    ///
    /// The index keeps no list of a page's terms (it would cost as much memory
    /// as the postings), so this scans every list; each scan is a walk over
    /// varints that stops at the id, and most lists are skipped by their range.
    fn remove_postings(&mut self, id: u32) -> FxHashMap<u64, Posting> {
        self.parts
            .par_iter_mut()
            .flat_map_iter(|part| {
                let mut removed = Vec::new();
                part.retain(|&key, list| {
                    if let Some(old) = list.remove(class_of(key), id) {
                        removed.push((key, old));
                    }
                    list.count > 0
                });
                removed
            })
            .collect()
    }

    /// Pages currently indexed.
    pub fn len(&self) -> usize {
        self.ids_by_url.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids_by_url.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_keeps_the_start_of_the_body_without_line_breaks() {
        assert_eq!(snippet(&["  为深入\n贯彻", "落实\n\nthe plan  2023年"]), "为深入贯彻落实 the plan 2023年");
        let long: String = "科".repeat(200);
        assert_eq!(snippet(&[&long]).chars().count(), SNIPPET_CHARS + 1);
    }
}
