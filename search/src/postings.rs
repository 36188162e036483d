//! Posting lists: which documents hold a term, encoded as the text the browser reads.
//!
//! A list is kept in memory exactly as it is written — strings of base-64
//! digits (`A–Z a–z 0–9 - _`, safe unescaped inside JSON) — so writing an index
//! is copying bytes, and the 10k-page corpus never exists as millions of small
//! structs. Numbers are little-endian varints of 5 bits per digit, the sixth
//! bit (32) meaning "more digits follow".
//!
//! The list proper (shard `s/`), one posting per document in ascending id:
//! - `varint(delta)` for facet terms (`t:notice`, `y:2023`, `i:科技部办公厅`);
//! - `varint(delta) A` for every other term,
//!
//! where `delta` is the id minus the previous id (the first counts from -1) and
//! `A` is one digit: bits 0–2 say the term is in the title / doc number /
//! issuers, bits 3–5 the bucketed count of occurrences in the body.
//!
//! Which pages *hold* a query of three or more units — its pairs side by side,
//! not just present — the browser checks on the pages' text (`d/`), not here.

use crate::terms::TermClass;

pub(crate) const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn digit_value(b: u8) -> u32 {
    match b {
        b'A'..=b'Z' => (b - b'A') as u32,
        b'a'..=b'z' => (b - b'a') as u32 + 26,
        b'0'..=b'9' => (b - b'0') as u32 + 52,
        b'-' => 62,
        _ => 63,
    }
}

/// Digits kept in place up to this many; more go to the heap.
const INLINE: usize = 22;

/// A list's digits. Most terms of a site occur on one or two pages, so their
/// lists are a few bytes long; keeping those inline spares the build a
/// million small allocations, and appending (all the build does) stays a
/// bounds check and a store.
#[derive(Clone, Debug)]
pub(crate) enum Digits {
    Inline([u8; INLINE], u8),
    Heap(Vec<u8>),
}

impl Default for Digits {
    fn default() -> Digits {
        Digits::Inline([0; INLINE], 0)
    }
}

impl std::ops::Deref for Digits {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Digits::Inline(buf, len) => &buf[..*len as usize],
            Digits::Heap(v) => v,
        }
    }
}

impl Digits {
    pub fn push(&mut self, b: u8) {
        match self {
            Digits::Inline(buf, len) if (*len as usize) < INLINE => {
                buf[*len as usize] = b;
                *len += 1;
            }
            _ => self.vec().push(b),
        }
    }

    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        match self {
            Digits::Inline(buf, len) if *len as usize + bytes.len() <= INLINE => {
                buf[*len as usize..*len as usize + bytes.len()].copy_from_slice(bytes);
                *len += bytes.len() as u8;
            }
            _ => self.vec().extend_from_slice(bytes),
        }
    }

    /// The digits as a `Vec`, moving them to the heap: for the edits of serve
    /// mode, which are rare enough not to need their own inline versions.
    pub fn vec(&mut self) -> &mut Vec<u8> {
        if let Digits::Inline(buf, len) = self {
            let mut v = Vec::with_capacity(2 * INLINE);
            v.extend_from_slice(&buf[..*len as usize]);
            *self = Digits::Heap(v);
        }
        match self {
            Digits::Heap(v) => v,
            Digits::Inline(..) => unreachable!("moved to the heap just above"),
        }
    }
}

/// Where digits are written: a list, or a scratch buffer.
pub(crate) trait Sink {
    fn put(&mut self, b: u8);
}

impl Sink for Vec<u8> {
    fn put(&mut self, b: u8) {
        self.push(b);
    }
}

impl Sink for Digits {
    fn put(&mut self, b: u8) {
        self.push(b);
    }
}

pub(crate) fn push_varint(out: &mut impl Sink, mut v: u64) {
    while v >= 32 {
        out.put(ALPHABET[(32 | (v & 31)) as usize]);
        v >>= 5;
    }
    out.put(ALPHABET[v as usize]);
}

/// Reads a varint at `*pos`, advancing it. Lists are only ever produced by this
/// crate, so a truncated one is a bug; it reads as whatever digits are there.
fn read_varint(bytes: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*pos) {
        *pos += 1;
        let d = digit_value(b) as u64;
        v |= (d & 31) << shift;
        shift += 5;
        if d & 32 == 0 {
            break;
        }
    }
    v
}

/// What one document contributes to one term's list, minus the id: the `A`
/// digit, or nothing for a facet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Posting {
    pub tail: Option<u8>,
}

impl Posting {
    pub fn tail(&self) -> &[u8] {
        self.tail.as_slice()
    }

    fn from_tail(tail: &[u8]) -> Posting {
        Posting { tail: tail.first().copied() }
    }
}

/// Body occurrence count → 0..=7 (0: not in the body): 1, 2, 3–4, 5–8, …, 33+.
pub(crate) fn tf_bucket(tf: u32) -> u8 {
    if tf == 0 { 0 } else { (32 - (tf - 1).leading_zeros()).min(6) as u8 + 1 }
}

pub(crate) fn encode_posting(class: TermClass, fields: u8, body_tf: u32) -> Posting {
    match class {
        TermClass::Facet => Posting { tail: None },
        _ => Posting { tail: Some(ALPHABET[(fields | tf_bucket(body_tf) << 3) as usize]) },
    }
}

/// A term's list as written to its shard.
#[derive(Clone, Debug, Default)]
pub(crate) struct PostingList {
    pub bytes: Digits,
    pub first: u32,
    pub last: u32,
    pub count: u32,
}

impl PostingList {
    fn push_id(&mut self, id: u32) {
        let delta = if self.count == 0 { id as u64 + 1 } else { (id - self.last) as u64 };
        push_varint(&mut self.bytes, delta);
        if self.count == 0 {
            self.first = id;
        }
        self.last = id;
        self.count += 1;
    }

    /// Appends a posting for a document newer in id order than every one held.
    pub fn push(&mut self, id: u32, posting: &Posting) {
        debug_assert!(self.count == 0 || id > self.last);
        self.push_id(id);
        self.bytes.extend_from_slice(posting.tail());
    }

    /// Appends a list whose ids all follow this one's: only its first delta changes.
    pub fn append(&mut self, other: PostingList) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other;
            return;
        }
        let mut pos = 0;
        read_varint(&other.bytes, &mut pos);
        let count = self.count;
        self.push_id(other.first);
        self.bytes.extend_from_slice(&other.bytes[pos..]);
        self.last = other.last;
        self.count = count + other.count;
    }

    /// Every posting as (id, posting), in id order.
    #[cfg(test)]
    pub fn decode(&self, class: TermClass) -> Vec<(u32, Posting)> {
        let mut out = Vec::with_capacity(self.count as usize);
        let mut cursor = Cursor::default();
        while let Some(step) = cursor.next(&self.bytes, class) {
            out.push((step.id, Posting::from_tail(&self.bytes[step.tail_start..step.end])));
        }
        out
    }

    /// Finds where `id` is or would go: the posting at or after it (if any) and
    /// the id before that.
    fn seek(&self, class: TermClass, id: u32) -> (Option<Step>, i64) {
        let mut cursor = Cursor::default();
        let mut previous = -1;
        while let Some(step) = cursor.next(&self.bytes, class) {
            if step.id >= id {
                return (Some(step), previous);
            }
            previous = step.id as i64;
        }
        (None, previous)
    }

    /// Rewrites the id prefix of the posting at `step` so it counts from `previous`.
    fn rebase(&mut self, step: &Step, previous: i64) {
        let mut prefix = Vec::with_capacity(4);
        push_varint(&mut prefix, (step.id as i64 - previous) as u64);
        self.bytes.vec().splice(step.start..step.tail_start, prefix);
    }

    /// Removes `id`'s posting and returns it, if there was one.
    pub fn remove(&mut self, class: TermClass, id: u32) -> Option<Posting> {
        if self.count == 0 || id < self.first || id > self.last {
            return None;
        }
        let (Some(found), previous) = self.seek(class, id) else {
            return None;
        };
        if found.id != id {
            return None;
        }
        let posting = Posting::from_tail(&self.bytes[found.tail_start..found.end]);
        let mut cursor = Cursor { pos: found.end, id: id as i64 };
        match cursor.next(&self.bytes, class) {
            Some(next) => {
                let removed = found.end - found.start;
                let next = Step { start: found.start, tail_start: next.tail_start - removed, ..next };
                self.bytes.vec().drain(found.start..found.end);
                self.rebase(&next, previous);
                if id == self.first {
                    self.first = next.id;
                }
            }
            None => {
                self.bytes.vec().truncate(found.start);
                self.last = previous.max(0) as u32;
            }
        }
        self.count -= 1;
        if self.count == 0 {
            *self = PostingList::default();
        }
        Some(posting)
    }

    /// Adds `id`'s posting anywhere in the list, replacing one it already has.
    pub fn insert(&mut self, class: TermClass, id: u32, posting: &Posting) {
        self.remove(class, id);
        let (next, previous) = self.seek(class, id);
        let Some(next) = next else {
            self.push(id, posting);
            return;
        };
        let mut encoded = Vec::with_capacity(12);
        push_varint(&mut encoded, (id as i64 - previous) as u64);
        encoded.extend_from_slice(posting.tail());
        let shift = encoded.len();
        self.bytes.vec().splice(next.start..next.start, encoded);
        let moved =
            Step { start: next.start + shift, tail_start: next.tail_start + shift, end: next.end + shift, ..next };
        self.rebase(&moved, id as i64);
        self.first = self.first.min(id);
        self.count += 1;
    }
}

/// One posting's place in a list's bytes.
#[derive(Clone, Copy, Debug)]
struct Step {
    id: u32,
    start: usize,
    tail_start: usize,
    end: usize,
}

/// Walks a list posting by posting without allocating.
struct Cursor {
    pos: usize,
    id: i64,
}

impl Default for Cursor {
    fn default() -> Cursor {
        Cursor { pos: 0, id: -1 }
    }
}

impl Cursor {
    fn next(&mut self, bytes: &[u8], class: TermClass) -> Option<Step> {
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        self.id += read_varint(bytes, &mut self.pos) as i64;
        let tail_start = self.pos;
        let tail_len = if class == TermClass::Facet { 0 } else { 1 };
        self.pos = (self.pos + tail_len).min(bytes.len());
        Some(Step { id: self.id as u32, start, tail_start, end: self.pos })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(class: TermClass, fields: u8, tf: u32) -> Posting {
        encode_posting(class, fields, tf)
    }

    #[test]
    fn body_counts_fall_into_doubling_buckets() {
        let buckets: Vec<u8> = [0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33, 1000].iter().map(|&t| tf_bucket(t)).collect();
        assert_eq!(buckets, vec![0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    }

    #[test]
    fn lists_appended_in_pieces_decode_like_one_built_whole() {
        let class = TermClass::Joint;
        let p = |n: u32| posting(class, (n % 8) as u8, n);
        let mut whole = PostingList::default();
        for id in [0, 3, 40, 41, 1000, 70_000] {
            whole.push(id, &p(id));
        }
        let mut a = PostingList::default();
        let mut b = PostingList::default();
        for id in [0, 3, 40] {
            a.push(id, &p(id));
        }
        for id in [41, 1000, 70_000] {
            b.push(id, &p(id));
        }
        a.append(b);
        assert_eq!(&a.bytes[..], &whole.bytes[..]);
        assert_eq!((a.first, a.last, a.count), (0, 70_000, 6));
        let decoded = a.decode(class);
        let ids: Vec<u32> = decoded.iter().map(|(i, _)| *i).collect();
        assert_eq!(ids, vec![0, 3, 40, 41, 1000, 70_000]);
        assert_eq!(decoded[4].1, p(1000));
    }

    #[test]
    fn removing_and_inserting_in_the_middle_keeps_the_others_intact() {
        let class = TermClass::Pair;
        let p = |tf: u32| posting(class, 1, tf);
        let mut list = PostingList::default();
        for id in [2, 5, 9] {
            list.push(id, &p(id));
        }
        assert_eq!(list.remove(class, 5), Some(p(5)));
        assert_eq!(list.remove(class, 6), None);
        list.insert(class, 7, &p(7));
        list.insert(class, 0, &p(0));
        list.insert(class, 9, &p(90));
        let decoded = list.decode(class);
        assert_eq!(decoded, vec![(0, p(0)), (2, p(2)), (7, p(7)), (9, p(90))]);
        assert_eq!((list.first, list.last, list.count), (0, 9, 4));
        for id in [0, 2, 7, 9] {
            assert!(list.remove(class, id).is_some());
        }
        assert!(list.bytes.is_empty());
    }

    #[test]
    fn digits_move_to_the_heap_when_they_outgrow_their_inline_room() {
        let mut d = Digits::default();
        for i in 0..(INLINE as u8 + 10) {
            d.push(b'A' + i % 26);
        }
        d.extend_from_slice(b"xyz");
        assert!(matches!(d, Digits::Heap(_)));
        assert_eq!(d.len(), INLINE + 13);
        assert_eq!(&d[INLINE + 10..], b"xyz");
    }
}
