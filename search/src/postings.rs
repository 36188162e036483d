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
//! - `varint(delta) A` for single CJK characters and CJK pairs;
//! - `varint(delta << 3 | K) A F…` for ASCII words,
//!
//! where `delta` is the id minus the previous id (the first counts from -1);
//! `A` is one digit: bits 0–2 say the term is in the title / doc number /
//! issuers, bits 3–5 the bucketed count of occurrences in the body; `K` says
//! what follows the word: 0 nothing, 1–4 that many distinct next units whose
//! 12-bit hash codes follow as two digits each (`F`), 5 more than four (any
//! passes). `K` only serves a word followed by a lone character (`83号`).
//!
//! Positions (shard `p/`, pairs and words only), for the same postings in the
//! same order: each document's unit positions as varint deltas (the first
//! counting from -1), then a `0` digit. A delta is never 0 and a varint never
//! ends in a 0 digit, so `A` alone marks the end of a document. Positions are
//! kept apart because only queries of three or more characters need them.

use crate::terms::TermClass;

pub(crate) const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Ends one document's positions.
pub(crate) const END_OF_POSITIONS: u8 = b'A';

/// Followers beyond this many are not recorded (K = `MANY_FOLLOWERS`).
pub(crate) const MAX_FOLLOWERS: usize = 4;
pub(crate) const MANY_FOLLOWERS: u8 = 5;

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

/// What one document contributes to one term's list, minus the id.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Posting {
    /// Follower kind `K` (only meaningful for classes with followers).
    pub k: u8,
    /// The digits after the id: `A` and the follower codes.
    pub tail: [u8; 1 + 2 * MAX_FOLLOWERS],
    pub tail_len: u8,
}

impl Posting {
    pub fn tail(&self) -> &[u8] {
        &self.tail[..self.tail_len as usize]
    }

    fn from_parts(k: u8, tail: &[u8]) -> Posting {
        let mut p = Posting { k, tail: [0; 1 + 2 * MAX_FOLLOWERS], tail_len: tail.len() as u8 };
        p.tail[..tail.len()].copy_from_slice(tail);
        p
    }
}

impl PartialEq for Posting {
    fn eq(&self, other: &Posting) -> bool {
        self.k == other.k && self.tail() == other.tail()
    }
}

/// Body occurrence count → 0..=7 (0: not in the body): 1, 2, 3–4, 5–8, …, 33+.
pub(crate) fn tf_bucket(tf: u32) -> u8 {
    if tf == 0 { 0 } else { (32 - (tf - 1).leading_zeros()).min(6) as u8 + 1 }
}

pub(crate) fn encode_posting(
    class: TermClass,
    fields: u8,
    body_tf: u32,
    followers: &[u32],
    distinct_followers: usize,
) -> Posting {
    let mut p = Posting { k: 0, tail: [0; 1 + 2 * MAX_FOLLOWERS], tail_len: 0 };
    match class {
        TermClass::Facet => {}
        TermClass::Char | TermClass::Pair => {
            p.tail[0] = ALPHABET[(fields | tf_bucket(body_tf) << 3) as usize];
            p.tail_len = 1;
        }
        TermClass::Word => {
            p.tail[0] = ALPHABET[(fields | tf_bucket(body_tf) << 3) as usize];
            p.tail_len = 1;
            if distinct_followers > MAX_FOLLOWERS {
                p.k = MANY_FOLLOWERS;
            } else {
                p.k = distinct_followers as u8;
                for &h in &followers[..distinct_followers] {
                    let code = h & 0xFFF;
                    p.tail[p.tail_len as usize] = ALPHABET[(code >> 6) as usize];
                    p.tail[p.tail_len as usize + 1] = ALPHABET[(code & 63) as usize];
                    p.tail_len += 2;
                }
            }
        }
    }
    p
}

/// A term's list as written to its shard.
#[derive(Clone, Debug, Default)]
pub(crate) struct PostingList {
    pub bytes: Digits,
    /// Pairs and words: each posting's positions, `END_OF_POSITIONS` after each.
    pub positions: Digits,
    pub first: u32,
    pub last: u32,
    pub count: u32,
}

fn has_k(class: TermClass) -> bool {
    class == TermClass::Word
}

pub(crate) fn has_positions(class: TermClass) -> bool {
    matches!(class, TermClass::Pair | TermClass::Word)
}

/// Appends one position to a document's positions, given the previous one.
pub(crate) fn push_position(out: &mut impl Sink, previous: Option<u32>, position: u32) {
    push_varint(
        out,
        match previous {
            None => position as u64 + 1,
            Some(p) => (position - p) as u64,
        },
    );
}

impl PostingList {
    fn push_id(&mut self, class: TermClass, id: u32, k: u8) {
        let delta = if self.count == 0 { id as u64 + 1 } else { (id - self.last) as u64 };
        push_prefix(&mut self.bytes, class, delta, k);
        if self.count == 0 {
            self.first = id;
        }
        self.last = id;
        self.count += 1;
    }

    /// Appends a posting for a document newer in id order than every one held;
    /// its positions (pairs and words) are added separately, with `end_positions`.
    pub fn push(&mut self, class: TermClass, id: u32, posting: &Posting) {
        debug_assert!(self.count == 0 || id > self.last);
        self.push_id(class, id, posting.k);
        self.bytes.extend_from_slice(posting.tail());
    }

    pub fn end_positions(&mut self) {
        self.positions.push(END_OF_POSITIONS);
    }

    /// Appends a list whose ids all follow this one's: only its first delta changes.
    pub fn append(&mut self, class: TermClass, other: PostingList) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = other;
            return;
        }
        let mut pos = 0;
        let v = read_varint(&other.bytes, &mut pos);
        let k = if has_k(class) { (v & 7) as u8 } else { 0 };
        let count = self.count;
        self.push_id(class, other.first, k);
        self.bytes.extend_from_slice(&other.bytes[pos..]);
        self.positions.extend_from_slice(&other.positions);
        self.last = other.last;
        self.count = count + other.count;
    }

    /// Every posting as (id, posting, positions without the end mark), in id order.
    #[cfg(test)]
    pub fn decode(&self, class: TermClass) -> Vec<(u32, Posting, Vec<u8>)> {
        let mut out = Vec::with_capacity(self.count as usize);
        let mut cursor = Cursor::default();
        while let Some(step) = cursor.next(&self.bytes, class) {
            let p = Posting::from_parts(step.k, &self.bytes[step.tail_start..step.end]);
            let segment = if has_positions(class) {
                let range = self.segment(step.index);
                self.positions[range.start..range.end - 1].to_vec()
            } else {
                Vec::new()
            };
            out.push((step.id, p, segment));
        }
        out
    }

    /// The bytes of the `index`-th posting's positions, end mark included.
    fn segment(&self, index: usize) -> std::ops::Range<usize> {
        let mut start = 0;
        let mut seen = 0;
        for (i, &b) in self.positions.iter().enumerate() {
            if b == END_OF_POSITIONS {
                if seen == index {
                    return start..i + 1;
                }
                seen += 1;
                start = i + 1;
            }
        }
        start..start
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
    fn rebase(&mut self, class: TermClass, step: &Step, previous: i64) {
        let mut prefix = Vec::with_capacity(4);
        push_prefix(&mut prefix, class, (step.id as i64 - previous) as u64, step.k);
        self.bytes.vec().splice(step.start..step.tail_start, prefix);
    }

    /// Removes `id`'s posting and positions, and returns them (positions
    /// without the end mark) if there was one.
    pub fn remove(&mut self, class: TermClass, id: u32) -> Option<(Posting, Vec<u8>)> {
        if self.count == 0 || id < self.first || id > self.last {
            return None;
        }
        let (Some(found), previous) = self.seek(class, id) else {
            return None;
        };
        if found.id != id {
            return None;
        }
        let posting = Posting::from_parts(found.k, &self.bytes[found.tail_start..found.end]);
        let mut positions: Vec<u8> = Vec::new();
        if has_positions(class) {
            let range = self.segment(found.index);
            positions.extend(self.positions.vec().drain(range));
            positions.pop();
        }
        let mut cursor = Cursor { pos: found.end, id: id as i64, index: found.index + 1 };
        match cursor.next(&self.bytes, class) {
            Some(next) => {
                let removed = found.end - found.start;
                let next = Step { start: found.start, tail_start: next.tail_start - removed, ..next };
                self.bytes.vec().drain(found.start..found.end);
                self.rebase(class, &next, previous);
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
        Some((posting, positions))
    }

    /// Adds `id`'s posting anywhere in the list, replacing one it already has.
    /// `positions` are the document's positions of the term, without end mark.
    pub fn insert(&mut self, class: TermClass, id: u32, posting: &Posting, positions: &[u8]) {
        self.remove(class, id);
        let (next, previous) = self.seek(class, id);
        let Some(next) = next else {
            self.push(class, id, posting);
            if has_positions(class) {
                self.positions.extend_from_slice(positions);
                self.end_positions();
            }
            return;
        };
        let mut encoded = Vec::with_capacity(12);
        push_prefix(&mut encoded, class, (id as i64 - previous) as u64, posting.k);
        encoded.extend_from_slice(posting.tail());
        let shift = encoded.len();
        self.bytes.vec().splice(next.start..next.start, encoded);
        let moved =
            Step { start: next.start + shift, tail_start: next.tail_start + shift, end: next.end + shift, ..next };
        self.rebase(class, &moved, id as i64);
        if has_positions(class) {
            let at = self.segment(next.index).start;
            self.positions.vec().splice(at..at, positions.iter().copied().chain([END_OF_POSITIONS]));
        }
        self.first = self.first.min(id);
        self.count += 1;
    }
}

fn push_prefix(out: &mut impl Sink, class: TermClass, delta: u64, k: u8) {
    if has_k(class) {
        push_varint(out, delta << 3 | k as u64);
    } else {
        push_varint(out, delta);
    }
}

/// One posting's place in a list's bytes.
#[derive(Clone, Copy, Debug)]
struct Step {
    id: u32,
    k: u8,
    /// How many postings come before it.
    index: usize,
    start: usize,
    tail_start: usize,
    end: usize,
}

/// Walks a list posting by posting without allocating.
struct Cursor {
    pos: usize,
    id: i64,
    index: usize,
}

impl Default for Cursor {
    fn default() -> Cursor {
        Cursor { pos: 0, id: -1, index: 0 }
    }
}

impl Cursor {
    fn next(&mut self, bytes: &[u8], class: TermClass) -> Option<Step> {
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        let v = read_varint(bytes, &mut self.pos);
        let (delta, k) = if has_k(class) { (v >> 3, (v & 7) as u8) } else { (v, 0) };
        self.id += delta as i64;
        let tail_start = self.pos;
        let tail_len = match class {
            TermClass::Facet => 0,
            TermClass::Char | TermClass::Pair => 1,
            TermClass::Word => 1 + if (1..=MAX_FOLLOWERS as u8).contains(&k) { 2 * k as usize } else { 0 },
        };
        self.pos = (self.pos + tail_len).min(bytes.len());
        let index = self.index;
        self.index += 1;
        Some(Step { id: self.id as u32, k, index, start, tail_start, end: self.pos })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(class: TermClass, fields: u8, tf: u32, followers: &[u32]) -> Posting {
        encode_posting(class, fields, tf, followers, followers.len())
    }

    fn positions_of(ps: &[u32]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut previous = None;
        for &p in ps {
            push_position(&mut out, previous, p);
            previous = Some(p);
        }
        out
    }

    fn push_with_positions(list: &mut PostingList, class: TermClass, id: u32, p: &Posting, ps: &[u32]) {
        list.push(class, id, p);
        list.positions.extend_from_slice(&positions_of(ps));
        list.end_positions();
    }

    #[test]
    fn body_counts_fall_into_doubling_buckets() {
        let buckets: Vec<u8> = [0, 1, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33, 1000].iter().map(|&t| tf_bucket(t)).collect();
        assert_eq!(buckets, vec![0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7]);
    }

    #[test]
    fn lists_appended_in_pieces_decode_like_one_built_whole() {
        let class = TermClass::Word;
        let p = |n: u32| {
            posting(class, (n % 8) as u8, n, &[n.wrapping_mul(7919), n.wrapping_mul(104_729)][..(n % 3) as usize])
        };
        let ps = |n: u32| vec![n % 5, n % 5 + 40, 1000 + n % 7];
        let mut whole = PostingList::default();
        for id in [0, 3, 40, 41, 1000, 70_000] {
            push_with_positions(&mut whole, class, id, &p(id), &ps(id));
        }
        let mut a = PostingList::default();
        let mut b = PostingList::default();
        for id in [0, 3, 40] {
            push_with_positions(&mut a, class, id, &p(id), &ps(id));
        }
        for id in [41, 1000, 70_000] {
            push_with_positions(&mut b, class, id, &p(id), &ps(id));
        }
        a.append(class, b);
        assert_eq!(&a.bytes[..], &whole.bytes[..]);
        assert_eq!(&a.positions[..], &whole.positions[..]);
        assert_eq!((a.first, a.last, a.count), (0, 70_000, 6));
        let decoded = a.decode(class);
        let ids: Vec<u32> = decoded.iter().map(|(i, _, _)| *i).collect();
        assert_eq!(ids, vec![0, 3, 40, 41, 1000, 70_000]);
        assert_eq!(decoded[4].2, positions_of(&ps(1000)));
    }

    #[test]
    fn removing_and_inserting_in_the_middle_keeps_the_others_intact() {
        let class = TermClass::Pair;
        let p = posting(class, 1, 2, &[]);
        let mut list = PostingList::default();
        for id in [2, 5, 9] {
            push_with_positions(&mut list, class, id, &p, &[id, id + 100]);
        }
        assert_eq!(list.remove(class, 5), Some((p, positions_of(&[5, 105]))));
        assert_eq!(list.remove(class, 6), None);
        list.insert(class, 7, &p, &positions_of(&[7]));
        list.insert(class, 0, &p, &positions_of(&[0, 1, 2]));
        list.insert(class, 9, &p, &positions_of(&[90]));
        let decoded = list.decode(class);
        let ids: Vec<u32> = decoded.iter().map(|(i, _, _)| *i).collect();
        assert_eq!(ids, vec![0, 2, 7, 9]);
        let positions: Vec<Vec<u8>> = decoded.into_iter().map(|(_, _, ps)| ps).collect();
        assert_eq!(
            positions,
            vec![positions_of(&[0, 1, 2]), positions_of(&[2, 102]), positions_of(&[7]), positions_of(&[90])]
        );
        assert_eq!((list.first, list.last, list.count), (0, 9, 4));
        for id in [0, 2, 7, 9] {
            assert!(list.remove(class, id).is_some());
        }
        assert!(list.positions.is_empty() && list.bytes.is_empty());
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

    #[test]
    fn a_lone_zero_digit_only_ever_ends_a_documents_positions() {
        for v in 1..5000u64 {
            let mut out = Vec::new();
            push_varint(&mut out, v);
            assert_ne!(*out.last().unwrap(), END_OF_POSITIONS, "{v}");
        }
    }
}
