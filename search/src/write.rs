//! Writing the index as static files for the browser.
//!
//! ```text
//! meta.json      version, counts, shard count, filter vocabularies   (every search)
//! s/<n>.json     {"term": "postings", …} for the terms hashing to n   (per query term)
//! d/<id>.json    [url, title, type, date, doc number, snippet, rows]  (per result shown,
//!                or 0 for a removed id                                 and per candidate checked)
//! ```
//! Files are only ever named `<digits>.json` under `s/` and `d/`; those not
//! written this time are stale and removed (and so are those of `p/`, where
//! an earlier format kept positions), anything else there is left alone.

use std::collections::HashSet;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::index::{DocRecord, SearchIndex, part_of};
use crate::postings::PostingList;
use crate::terms::{TermClass, class_of};
use crate::text::{hash_code_points, hash_str};
use crate::{IndexStats, SearchError};

/// Shards aim at this many bytes: a query term costs its own list and this
/// much of other terms' — the commonest pairs of a 10k-page site have lists
/// of 10–20 KB, most terms a few bytes — while a 10k-page site has thousands
/// of files rather than hundreds of thousands.
const TARGET_SHARD_BYTES: usize = 8 * 1024;
const MAX_SHARDS: usize = 65_536;

/// What the last `write` left on disk, so that the next one — serve mode,
/// after an edit — rewrites only the files whose content changed.
pub(crate) struct Written {
    dir: PathBuf,
    shards: usize,
    /// Each shard's keys, sorted: a shard can be rewritten without finding its
    /// terms among all of them.
    shard_keys: Vec<Vec<u64>>,
    /// (content hash, bytes) of each shard and of each page's details.
    shard_files: Vec<(u64, u64)>,
    doc_files: Vec<(u64, u64)>,
}

/// Write bookkeeping, behind a lock because `write` takes `&self`.
#[derive(Default)]
pub(crate) struct WriteState {
    pub written: Option<Written>,
    /// Terms whose list changed, and pages whose details changed, since then.
    pub changed_keys: FxHashSet<u64>,
    pub changed_docs: FxHashSet<u32>,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SearchError + '_ {
    move |source| SearchError::Io { path: path.to_path_buf(), source }
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // U+2028/2029 are valid JSON but not valid in older JavaScript strings.
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn shard_count(total_bytes: usize, previous: Option<usize>) -> usize {
    let ideal = total_bytes.div_ceil(TARGET_SHARD_BYTES).clamp(1, MAX_SHARDS);
    // Serve mode: keep the count while the size stays near it, so an edit does
    // not reshuffle every term into a new file.
    match previous {
        Some(n) if n <= ideal * 2 && ideal <= n * 2 => n,
        _ => ideal,
    }
}

fn content_hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.write_usize(bytes.len());
    h.finish()
}

impl SearchIndex {
    /// Writes the index into `dir` (created if missing): `meta.json`, `s/` and
    /// `d/` (what [`SearchIndex::build_into`] did not write already). Removes shard and details files of an earlier write that this
    /// one no longer has. Written again to the same directory after `upsert`
    /// or `remove`, it rewrites only the files those changed.
    pub fn write(&self, dir: &Path) -> Result<IndexStats, SearchError> {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let state = &mut *state;
        // Sized by the lists alone: they are what every query fetches.
        let total: usize = self.parts.iter().flat_map(|p| p.values()).map(|l| l.bytes.len()).sum();
        let previous = state.written.take().filter(|w| w.dir == dir && shard_count(total, Some(w.shards)) == w.shards);
        let result = match previous {
            Some(written) => self.write_changes(written, state),
            None => self.write_all(dir, shard_count(total, None)),
        };
        state.changed_keys.clear();
        state.changed_docs.clear();
        let written = result?;
        let stats = self.finish(&written)?;
        state.written = Some(written);
        Ok(stats)
    }

    fn write_all(&self, dir: &Path, shards: usize) -> Result<Written, SearchError> {
        // Place every term in its shard: a counting sort by shard, then each
        // shard's terms by key so the output is the same from run to run.
        let placed: Vec<(u32, u64)> = self
            .parts
            .par_iter()
            .flat_map_iter(|part| part.keys().map(|&key| (self.shard_of_key(key, shards) as u32, key)))
            .collect();
        let mut shard_keys: Vec<Vec<u64>> = vec![Vec::new(); shards];
        for (s, key) in placed {
            shard_keys[s as usize].push(key);
        }
        shard_keys.par_iter_mut().for_each(|keys| keys.sort_unstable());

        let dirs = Dirs::new(dir)?;
        let shard_files = (0..shards)
            .into_par_iter()
            .map(|s| self.write_shard(&dirs, s, &shard_keys[s]))
            .collect::<Result<Vec<_>, _>>()?;
        let streamed = self.streamed_to.as_deref() == Some(dir);
        let doc_files = (0..self.docs.len())
            .into_par_iter()
            .map(|id| match &self.docs[id] {
                Some(DocRecord { file: Some(file), .. }) if streamed => Ok(*file),
                _ => self.write_doc(&dirs, id),
            })
            .collect::<Result<Vec<_>, _>>()?;
        remove_stale(&dirs.shards, shards)?;
        remove_stale(&dirs.details, self.docs.len())?;
        let positions = dir.join("p");
        if positions.is_dir() {
            remove_stale(&positions, 0)?;
        }
        Ok(Written { dir: dir.to_path_buf(), shards, shard_keys, shard_files, doc_files })
    }

    fn write_changes(&self, mut written: Written, state: &WriteState) -> Result<Written, SearchError> {
        let dirs = Dirs::new(&written.dir)?;
        let mut dirty: Vec<usize> = Vec::new();
        for &key in &state.changed_keys {
            let s = self.shard_of_key(key, written.shards);
            let keys = &mut written.shard_keys[s];
            if let Err(at) = keys.binary_search(&key) {
                keys.insert(at, key);
            }
            dirty.push(s);
        }
        dirty.sort_unstable();
        dirty.dedup();
        for &s in &dirty {
            written.shard_keys[s].retain(|key| self.parts[part_of(*key)].contains_key(key));
        }
        let rewritten = dirty
            .par_iter()
            .map(|&s| self.write_shard(&dirs, s, &written.shard_keys[s]).map(|f| (s, f)))
            .collect::<Result<Vec<_>, _>>()?;
        for (s, file) in rewritten {
            written.shard_files[s] = file;
        }

        written.doc_files.resize(self.docs.len(), (0, 0));
        let dirty: Vec<usize> = state.changed_docs.iter().map(|&id| id as usize).collect();
        let rewritten =
            dirty.par_iter().map(|&id| self.write_doc(&dirs, id).map(|f| (id, f))).collect::<Result<Vec<_>, _>>()?;
        for (id, file) in rewritten {
            written.doc_files[id] = file;
        }
        Ok(written)
    }

    /// Writes `meta.json`, whose version changes whenever any file did.
    fn finish(&self, written: &Written) -> Result<IndexStats, SearchError> {
        let mut version = FxHasher::default();
        let mut bytes = 0;
        for (hash, len) in written.shard_files.iter().chain(&written.doc_files) {
            version.write_u64(*hash);
            bytes += len;
        }
        let meta = self.meta_json(version.finish(), written.shards);
        let path = written.dir.join("meta.json");
        std::fs::write(&path, &meta).map_err(io_error(&path))?;
        Ok(IndexStats {
            documents: self.len(),
            terms: written.shard_keys.iter().map(Vec::len).sum(),
            shards: written.shards,
            files: 1 + written.shards + written.doc_files.len(),
            bytes: bytes + meta.len() as u64,
        })
    }

    /// Writes `s/<n>.json`; returns its hash and size.
    fn write_shard(&self, dirs: &Dirs, s: usize, keys: &[u64]) -> Result<(u64, u64), SearchError> {
        let entries: Vec<(u64, &PostingList)> =
            keys.iter().filter_map(|&key| self.parts[part_of(key)].get(&key).map(|list| (key, list))).collect();
        let lists = self.shard_json(&entries);
        let path = dirs.shards.join(format!("{s}.json"));
        std::fs::write(&path, &lists).map_err(io_error(&path))?;
        Ok((content_hash(&lists), lists.len() as u64))
    }

    /// Writes `d/<id>.json` from the page's record (`0` for a removed page).
    fn write_doc(&self, dirs: &Dirs, id: usize) -> Result<(u64, u64), SearchError> {
        match &self.docs[id] {
            Some(record) if record.rows.is_none() => Err(SearchError::Elsewhere {
                dir: self.streamed_to.clone().unwrap_or_default(),
                asked: dirs.details.parent().unwrap_or(&dirs.details).to_path_buf(),
            }),
            Some(record) => write_details(&dirs.details, id, record),
            None => write_bytes(&dirs.details.join(format!("{id}.json")), b"0"),
        }
    }

    fn shard_of_key(&self, key: u64, shards: usize) -> usize {
        let hash = match class_of(key) {
            TermClass::Char => hash_code_points([key as u32 & 0x1F_FFFF]),
            TermClass::Pair => hash_code_points([(key >> 21) as u32 & 0x1F_FFFF, key as u32 & 0x1F_FFFF]),
            TermClass::Word | TermClass::Joint | TermClass::Facet => self.names.get(&key).map_or(0, |n| hash_str(n)),
        };
        hash as usize % shards
    }

    /// `{"term":"digits",…}` of the entries.
    fn shard_json(&self, entries: &[(u64, &PostingList)]) -> Vec<u8> {
        let size: usize = entries.iter().map(|(_, l)| l.bytes.len() + 16).sum();
        let mut out: Vec<u8> = Vec::with_capacity(size + 2);
        out.push(b'{');
        for (key, list) in entries {
            let digits = &list.bytes[..];
            if digits.is_empty() {
                continue;
            }
            if out.len() > 1 {
                out.push(b',');
            }
            self.push_term(&mut out, *key);
            out.extend_from_slice(b":\"");
            // Lists hold only base-64 digits, valid unescaped in JSON.
            out.extend_from_slice(digits);
            out.push(b'"');
        }
        out.push(b'}');
        out
    }

    /// Appends the term's text as a JSON string.
    fn push_term(&self, out: &mut Vec<u8>, key: u64) {
        let mut buf = [0u8; 4];
        let mut push_char = |out: &mut Vec<u8>, cp: u32| {
            let c = char::from_u32(cp & 0x1F_FFFF).unwrap_or(char::REPLACEMENT_CHARACTER);
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        };
        match class_of(key) {
            TermClass::Char => {
                out.push(b'"');
                push_char(out, key as u32);
                out.push(b'"');
            }
            TermClass::Pair => {
                out.push(b'"');
                push_char(out, (key >> 21) as u32);
                push_char(out, key as u32);
                out.push(b'"');
            }
            TermClass::Word | TermClass::Joint | TermClass::Facet => {
                let mut s = String::new();
                push_json_str(&mut s, self.names.get(&key).map_or("", |n| n));
                out.extend_from_slice(s.as_bytes());
            }
        }
    }

    fn meta_json(&self, version: u64, shards: usize) -> String {
        let mut types: FxHashMap<&str, usize> = FxHashMap::default();
        let mut issuers: FxHashMap<&str, usize> = FxHashMap::default();
        let mut years: FxHashMap<i32, usize> = FxHashMap::default();
        for record in self.docs.iter().flatten() {
            *types.entry(&record.kind).or_default() += 1;
            for issuer in &record.issuers {
                *issuers.entry(issuer).or_default() += 1;
            }
            if let Some(year) = record.year {
                *years.entry(year).or_default() += 1;
            }
        }
        // Most used first: the issuer list can be long and the big ones are
        // what readers look for; ties alphabetical so output is stable.
        let mut types: Vec<_> = types.into_iter().collect();
        types.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut issuers: Vec<_> = issuers.into_iter().collect();
        issuers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut years: Vec<_> = years.into_iter().collect();
        years.sort_by_key(|&(year, _)| std::cmp::Reverse(year));

        let mut out = String::with_capacity(256 + 32 * issuers.len());
        out.push_str(&format!(
            "{{\"v\":\"{version:016x}\",\"docs\":{},\"ids\":{},\"shards\":{shards},\"types\":[",
            self.len(),
            self.docs.len()
        ));
        for (i, (name, count)) in types.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            push_json_str(&mut out, name);
            out.push_str(&format!(",{count}]"));
        }
        out.push_str("],\"issuers\":[");
        for (i, (name, count)) in issuers.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            push_json_str(&mut out, name);
            out.push_str(&format!(",{count}]"));
        }
        out.push_str("],\"years\":[");
        for (i, (year, count)) in years.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!("[{year},{count}]"));
        }
        out.push_str("]}");
        out
    }
}

/// The index's folders, created if missing.
struct Dirs {
    shards: PathBuf,
    /// `d/`: one details file per page.
    details: PathBuf,
}

impl Dirs {
    fn new(dir: &Path) -> Result<Dirs, SearchError> {
        let dirs = Dirs { shards: dir.join("s"), details: dir.join("d") };
        for d in [&dirs.shards, &dirs.details] {
            std::fs::create_dir_all(d).map_err(io_error(d))?;
        }
        Ok(dirs)
    }
}

/// Writes the details file of page `id` into `dir` (`d/`): `[url, title, type,
/// date, doc number, snippet, rows]`; returns its hash and size.
pub(crate) fn write_details(dir: &Path, id: usize, record: &DocRecord) -> Result<(u64, u64), SearchError> {
    let rows = record.rows.as_deref().unwrap_or("");
    let mut out = String::with_capacity(256 + record.snippet.len() + rows.len());
    out.push('[');
    for (j, field) in [
        record.url.as_str(),
        record.title.as_str(),
        record.kind.as_str(),
        record.date.as_deref().unwrap_or(""),
        record.doc_number.as_deref().unwrap_or(""),
        record.snippet.as_str(),
        rows,
    ]
    .iter()
    .enumerate()
    {
        if j > 0 {
            out.push(',');
        }
        push_json_str(&mut out, field);
    }
    out.push(']');
    write_bytes(&dir.join(format!("{id}.json")), out.as_bytes())
}

fn write_bytes(path: &Path, bytes: &[u8]) -> Result<(u64, u64), SearchError> {
    std::fs::write(path, bytes).map_err(io_error(path))?;
    Ok((content_hash(bytes), bytes.len() as u64))
}

/// Deletes `<n>.json` files in `dir` with `n >= keep`.
fn remove_stale(dir: &Path, keep: usize) -> Result<(), SearchError> {
    let entries = std::fs::read_dir(dir).map_err(io_error(dir))?;
    let mut stale = HashSet::new();
    for entry in entries {
        let entry = entry.map_err(io_error(dir))?;
        let name = entry.file_name();
        let Some(stem) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if stem.is_empty() || !stem.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if stem.parse::<usize>().map_or(true, |n| n >= keep) {
            stale.insert(entry.path());
        }
    }
    for path in stale {
        std::fs::remove_file(&path).map_err(io_error(&path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_quotes_controls_and_line_separators() {
        let mut out = String::new();
        push_json_str(&mut out, "a\"b\\c\nd\u{1}\u{2028}中");
        assert_eq!(out, r#""a\"b\\c\nd\u0001\u2028中""#);
    }

    #[test]
    fn shard_count_holds_steady_while_the_index_size_stays_close() {
        assert_eq!(shard_count(0, None), 1);
        assert_eq!(shard_count(10 * TARGET_SHARD_BYTES, None), 10);
        assert_eq!(shard_count(15 * TARGET_SHARD_BYTES, Some(10)), 10);
        assert_eq!(shard_count(25 * TARGET_SHARD_BYTES, Some(10)), 25);
    }
}
