//! Terms: what a document is indexed under, and how a page becomes its postings.
//!
//! Every CJK character is a term (single-character queries), every adjacent
//! pair of CJK characters is a term (everything longer is found through its
//! pairs), every ASCII word is a term, and the facets a reader filters by are
//! terms (`t:notice`, `y:2023`, `i:科技部办公厅`) so that filtering reuses the
//! same shards and costs a phone nothing until a filter is chosen. Pairs and
//! words also keep their positions, so that a longer query can be checked
//! for its pairs standing side by side.
//!
//! In memory a term is a `u64` key — the characters themselves for CJK terms,
//! a 62-bit hash for words and facets (whose text is kept once, in a names
//! table) — because the build does millions of map operations on them.

use rustc_hash::FxHashMap;

use crate::Document;
use crate::postings::{MAX_FOLLOWERS, Posting, encode_posting, has_positions, push_position};
use crate::text::{Mode, Tokeniser, Unit, hash_code_points};

const TAG_SHIFT: u32 = 62;
const HASH_MASK: u64 = (1 << TAG_SHIFT) - 1;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TermClass {
    /// One CJK character.
    Char,
    /// Two adjacent CJK characters.
    Pair,
    /// A run of ASCII letters and digits.
    Word,
    /// A filter value: type, year or issuer.
    Facet,
}

pub(crate) fn class_of(key: u64) -> TermClass {
    match key >> TAG_SHIFT {
        0 => TermClass::Char,
        1 => TermClass::Pair,
        2 => TermClass::Word,
        _ => TermClass::Facet,
    }
}

fn char_key(c: char) -> u64 {
    c as u64
}

fn pair_key(a: char, b: char) -> u64 {
    1 << TAG_SHIFT | (a as u64) << 21 | b as u64
}

/// FNV-1a 64 with a murmur finaliser; only Rust sees these keys, never the browser.
pub(crate) fn named_key(class: TermClass, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    let tag = if class == TermClass::Word { 2 } else { 3 };
    tag << TAG_SHIFT | (h & HASH_MASK)
}

/// Which shard a term lives in; `static/search.js` computes the same.
pub(crate) fn shard_of(term: &str, shards: usize) -> usize {
    (hash_code_points(term.chars().map(|c| c as u32)) as usize) % shards.max(1)
}

pub(crate) const FIELD_TITLE: u8 = 1;
pub(crate) const FIELD_DOC_NUMBER: u8 = 2;
pub(crate) const FIELD_ISSUER: u8 = 4;
pub(crate) const FIELD_BODY: u8 = 8;
/// Facet terms have no field: they are filters, not text.
pub(crate) const FIELD_NONE: u8 = 0;

/// What a page says about a term, in 16 bytes so the build can buffer tens
/// of millions of them cheaply. For a pair or word it is one occurrence: its
/// position (in units from the start of the page, runs one unit apart so
/// nothing spans two), its field and, for a word, the code of the unit after
/// it. For a single character, whose positions are not kept, the page's
/// occurrences are counted up front: `position` holds the count in the body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Occurrence {
    pub key: u64,
    pub position: u32,
    /// Bits 0–3 field flags; bit 4 has a follower; bits 5–16 the follower's
    /// 12-bit code; bits 24–31 free for the build's use (the page in its batch).
    pub meta: u32,
}

const HAS_FOLLOWER: u32 = 1 << 4;
pub(crate) const META_TAG_SHIFT: u32 = 24;

impl Occurrence {
    fn new(key: u64, position: u32, field: u8, follower: Option<u32>) -> Occurrence {
        let meta = field as u32 | follower.map_or(0, |h| HAS_FOLLOWER | (h & 0xFFF) << 5);
        Occurrence { key, position, meta }
    }

    fn field(&self) -> u8 {
        (self.meta & 0xF) as u8
    }

    fn follower(&self) -> Option<u32> {
        (self.meta & HAS_FOLLOWER != 0).then_some((self.meta >> 5) & 0xFFF)
    }
}

/// What one page has gathered for one term so far.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Gathered {
    fields: u8,
    body_tf: u32,
    /// Distinct followers seen, counting past `MAX_FOLLOWERS` only as "more".
    distinct: u8,
    followers: [u32; MAX_FOLLOWERS],
}

impl Gathered {
    pub fn add(&mut self, class: TermClass, o: &Occurrence) {
        let field = o.field();
        if class == TermClass::Char {
            self.fields |= field;
            self.body_tf += o.position;
            return;
        }
        if field == FIELD_BODY {
            self.body_tf += 1;
        } else {
            self.fields |= field;
        }
        if let Some(code) = o.follower() {
            let known = (self.distinct as usize).min(MAX_FOLLOWERS);
            if self.distinct as usize <= MAX_FOLLOWERS && !self.followers[..known].contains(&code) {
                if known < MAX_FOLLOWERS {
                    self.followers[known] = code;
                }
                self.distinct += 1;
            }
        }
    }

    pub fn posting(&self, class: TermClass) -> Posting {
        let shown = (self.distinct as usize).min(MAX_FOLLOWERS);
        encode_posting(class, self.fields, self.body_tf, &self.followers[..shown], self.distinct as usize)
    }
}

/// Characters of the Basic Multilingual Plane, counted per page in flat tables.
const BMP: usize = 0x1_0000;

/// Per-thread scratch space, so analysing a page allocates little.
pub(crate) struct Analyser {
    tokeniser: Tokeniser,
    /// Per character: occurrences in the body, and the other fields it is in.
    /// A page has thousands of character occurrences but a few hundred
    /// distinct characters; counting here spares the build a record for each.
    char_body: Vec<u16>,
    char_fields: Vec<u8>,
    touched: Vec<u16>,
}

impl Default for Analyser {
    fn default() -> Analyser {
        Analyser {
            tokeniser: Tokeniser::default(),
            char_body: vec![0; BMP],
            char_fields: vec![0; BMP],
            touched: Vec::new(),
        }
    }
}

impl Analyser {
    /// Hands what a page says about each term to `emit`: occurrences of pairs
    /// and words in page order, then one count per character, then facets.
    /// Returns the text of the word and facet keys among them.
    pub fn occurrences(&mut self, doc: &Document, mut emit: impl FnMut(Occurrence)) -> Vec<(u64, Box<str>)> {
        let mut names: Vec<(u64, Box<str>)> = Vec::new();
        let mut position = 0u32;
        let fields = [(doc.title, FIELD_TITLE)]
            .into_iter()
            .chain(doc.doc_number.map(|n| (n, FIELD_DOC_NUMBER)))
            .chain(doc.issuers.iter().map(|i| (i.as_str(), FIELD_ISSUER)))
            .chain([(doc.body, FIELD_BODY)]);
        for (text, field) in fields {
            let mut chars =
                CharCounts { body: &mut self.char_body, fields: &mut self.char_fields, touched: &mut self.touched };
            self.tokeniser.runs(text, Mode::Document, |units, words| {
                emit_run(units, words, field, position, &mut chars, &mut emit, &mut names);
                position = position.saturating_add(units.len() as u32 + 1);
            });
        }
        for c in self.touched.drain(..) {
            let i = c as usize;
            let key = char_key(char::from_u32(c as u32).unwrap_or(char::REPLACEMENT_CHARACTER));
            emit(Occurrence { key, position: self.char_body[i] as u32, meta: self.char_fields[i] as u32 });
            self.char_body[i] = 0;
            self.char_fields[i] = 0;
        }

        let mut facets: Vec<String> = Vec::with_capacity(2 + doc.issuers.len());
        facets.push(format!("t:{}", doc.kind));
        if let Some(year) = doc.year {
            facets.push(format!("y:{year}"));
        }
        for issuer in doc.issuers {
            facets.push(format!("i:{issuer}"));
        }
        for facet in facets {
            let key = named_key(TermClass::Facet, &facet);
            emit(Occurrence::new(key, 0, FIELD_NONE, None));
            names.push((key, facet.into_boxed_str()));
        }
        names
    }

    /// One posting per term of a page, with its positions (serve mode's
    /// single-page path).
    #[allow(clippy::type_complexity)]
    pub fn postings(&mut self, doc: &Document) -> (Vec<(u64, Posting, Vec<u8>)>, Vec<(u64, Box<str>)>) {
        let mut gathered: FxHashMap<u64, (Gathered, Vec<u8>, Option<u32>)> = FxHashMap::default();
        let names = self.occurrences(doc, |o| {
            let class = class_of(o.key);
            let (g, positions, last) = gathered.entry(o.key).or_default();
            g.add(class, &o);
            if has_positions(class) {
                push_position(positions, *last, o.position);
                *last = Some(o.position);
            }
        });
        let postings =
            gathered.into_iter().map(|(key, (g, positions, _))| (key, g.posting(class_of(key)), positions)).collect();
        (postings, names)
    }
}

struct CharCounts<'a> {
    body: &'a mut [u16],
    fields: &'a mut [u8],
    touched: &'a mut Vec<u16>,
}

impl CharCounts<'_> {
    /// Counts a character, or hands back the occurrence of one outside the
    /// tables (rare ideographs beyond U+FFFF) to be emitted as it is.
    fn count(&mut self, c: char, field: u8) -> Option<Occurrence> {
        let i = c as usize;
        if i >= BMP {
            let body = u32::from(field == FIELD_BODY);
            let fields = if field == FIELD_BODY { 0 } else { field as u32 };
            return Some(Occurrence { key: char_key(c), position: body, meta: fields });
        }
        if self.body[i] == 0 && self.fields[i] == 0 {
            self.touched.push(i as u16);
        }
        if field == FIELD_BODY {
            self.body[i] = self.body[i].saturating_add(1);
        } else {
            self.fields[i] |= field;
        }
        None
    }
}

fn emit_run(
    units: &[Unit],
    words: &str,
    field: u8,
    start: u32,
    chars: &mut CharCounts,
    emit: &mut impl FnMut(Occurrence),
    names: &mut Vec<(u64, Box<str>)>,
) {
    for (i, unit) in units.iter().enumerate() {
        let position = start.saturating_add(i as u32);
        match unit.cjk {
            Some(c) => {
                if let Some(o) = chars.count(c, field) {
                    emit(o);
                }
                if let Some(next) = units.get(i + 1).and_then(|u| u.cjk) {
                    emit(Occurrence::new(pair_key(c, next), position, field, None));
                }
            }
            None => {
                let word = &words[unit.start as usize..unit.end as usize];
                let key = named_key(TermClass::Word, word);
                if !names.iter().any(|(k, _)| *k == key) {
                    names.push((key, word.into()));
                }
                emit(Occurrence::new(key, position, field, units.get(i + 1).map(|u| u.hash(words))));
            }
        }
    }
}
