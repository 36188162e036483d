//! Terms: what a document is indexed under, and how a page becomes its postings.
//!
//! Every CJK character is a term (single-character queries), every ASCII word
//! is a term (single-word queries), and every two neighbouring units of a
//! block are a *pair* term: two CJK characters (`诚信`), a word and a
//! character (`83号`, `第2`), or a unit and the punctuation between two joined
//! runs (`监|`, `|2022`, written with [`SEPARATOR`]). A query of two units is
//! one pair, found exactly; a longer one is a chain of pairs, and the pages
//! holding all of them are its *candidates*, which the browser checks against
//! each page's rows ([`rows`]) before it shows them. Words next to words
//! (`ai 2023` in a page, one run) form no pair: a query never has them side
//! by side. The facets a reader filters by are terms too (`t:notice`,
//! `y:2023`, `i:科技部办公厅`), so that filtering reuses the same shards and
//! costs a phone nothing until a filter is chosen.
//!
//! In memory a term is a `u64` key — the characters themselves for CJK terms
//! and CJK-with-separator pairs, a 61/62-bit hash for words, pairs with a word
//! and facets (whose text is kept once, in a names table) — because the build
//! does millions of map operations on them.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::Document;
use crate::postings::{Posting, encode_posting};
use crate::text::{Mode, SEPARATOR, Tokeniser, Unit, hash_code_points};

const TAG_SHIFT: u32 = 62;
const HASH_MASK: u64 = (1 << TAG_SHIFT) - 1;
/// Under tag 3, tells a pair with a word from a facet.
const JOINT_BIT: u64 = 1 << 61;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum TermClass {
    /// One CJK character.
    Char,
    /// Two neighbouring CJK characters, or one and a separator.
    Pair,
    /// A run of ASCII letters and digits.
    Word,
    /// A word and its neighbouring character or separator (`83号`, `|2022`).
    Joint,
    /// A filter value: type, year or issuer.
    Facet,
}

pub(crate) fn class_of(key: u64) -> TermClass {
    match key >> TAG_SHIFT {
        0 => TermClass::Char,
        1 => TermClass::Pair,
        2 => TermClass::Word,
        _ if key & JOINT_BIT != 0 => TermClass::Joint,
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
    named_key_of_parts(class, &[name])
}

/// The key of the concatenation of `parts`, without building it.
fn named_key_of_parts(class: TermClass, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.bytes()) {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    match class {
        TermClass::Word => 2 << TAG_SHIFT | (h & HASH_MASK),
        TermClass::Joint => 3 << TAG_SHIFT | JOINT_BIT | (h & (JOINT_BIT - 1)),
        _ => 3 << TAG_SHIFT | (h & (JOINT_BIT - 1)),
    }
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
/// position and its field. Positions count units from the start of the page;
/// runs of a block are one apart (the separator's place), blocks two apart,
/// so no pair spans two blocks and none spans two runs but by its separator.
/// For a single character, whose positions are not kept, the page's
/// occurrences are counted up front: `position` holds the count in the body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Occurrence {
    pub key: u64,
    pub position: u32,
    /// Bits 0–3 field flags; bits 24–31 free for the build's use (the page in
    /// its batch).
    pub meta: u32,
}

pub(crate) const META_TAG_SHIFT: u32 = 24;

impl Occurrence {
    fn new(key: u64, position: u32, field: u8) -> Occurrence {
        Occurrence { key, position, meta: field as u32 }
    }

    fn field(&self) -> u8 {
        (self.meta & 0xF) as u8
    }
}

/// What one page has gathered for one term so far.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Gathered {
    fields: u8,
    body_tf: u32,
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
    }

    pub fn posting(&self, class: TermClass) -> Posting {
        encode_posting(class, self.fields, self.body_tf)
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
    /// Named keys already handed out for the page being read.
    named: FxHashSet<u64>,
    last_word: String,
}

impl Default for Analyser {
    fn default() -> Analyser {
        Analyser {
            tokeniser: Tokeniser::default(),
            char_body: vec![0; BMP],
            char_fields: vec![0; BMP],
            touched: Vec::new(),
            named: FxHashSet::default(),
            last_word: String::new(),
        }
    }
}

impl Analyser {
    /// Hands what a page says about each term to `emit`: occurrences of pairs
    /// and words in page order, then one count per character, then facets.
    /// Returns the text of the word, joint and facet keys among them.
    pub fn occurrences(&mut self, doc: &Document, mut emit: impl FnMut(Occurrence)) -> Vec<(u64, Box<str>)> {
        let mut names = Names { seen: &mut self.named, list: Vec::new() };
        names.seen.clear();
        let mut position = 0u32;
        let last_word = &mut self.last_word;
        for (text, field) in blocks(doc) {
            let mut chars =
                CharCounts { body: &mut self.char_body, fields: &mut self.char_fields, touched: &mut self.touched };
            // The last unit of the run before, for the pairs across the separator.
            let mut last: Option<Option<char>> = None;
            self.tokeniser.runs(text, Mode::Document, |units, words, joined| {
                if let (true, Some(previous), Some(first)) = (joined, last, units.first()) {
                    let mut buf = [0u8; 4];
                    let gap = position - 1;
                    let previous = match previous {
                        Some(c) => Piece::Char(c),
                        None => Piece::Word(last_word.as_str()),
                    };
                    if let Some(key) = pair_term(previous, Piece::Separator, &mut names) {
                        emit(Occurrence::new(key, gap - 1, field));
                    }
                    if let Some(key) = pair_term(Piece::Separator, Piece::of(first, words, &mut buf), &mut names) {
                        emit(Occurrence::new(key, gap, field));
                    }
                }
                emit_run(units, words, field, position, &mut chars, &mut emit, &mut names);
                if let Some(unit) = units.last() {
                    last = Some(unit.cjk);
                    last_word.clear();
                    if unit.cjk.is_none() {
                        last_word.push_str(&words[unit.start as usize..unit.end as usize]);
                    }
                }
                position = position.saturating_add(units.len() as u32 + 1);
            });
            // Blocks are two apart: no chain of pairs reaches across.
            position = position.saturating_add(1);
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
            emit(Occurrence::new(key, 0, FIELD_NONE));
            names.list.push((key, facet.into_boxed_str()));
        }
        names.list
    }

    /// One posting per term of a page (serve mode's single-page path).
    #[allow(clippy::type_complexity)]
    pub fn postings(&mut self, doc: &Document) -> (Vec<(u64, Posting)>, Vec<(u64, Box<str>)>) {
        let mut gathered: FxHashMap<u64, Gathered> = FxHashMap::default();
        let names = self.occurrences(doc, |o| gathered.entry(o.key).or_default().add(class_of(o.key), &o));
        let postings = gathered.into_iter().map(|(key, g)| (key, g.posting(class_of(key)))).collect();
        (postings, names)
    }

    /// The page's blocks as the rows a query is checked against: one line per
    /// block (title, doc number, each issuer, the provider, each block of the
    /// body); in a line each unit as it is indexed — a CJK character, or a
    /// word of `[0-9a-z]` — with [`SEPARATOR`] for the punctuation between two
    /// joined runs and a space between two words side by side. A part of a
    /// query (its units and separators, written the same way) is in a page
    /// exactly when it is in one of these lines and neither of its ends cuts
    /// a word: what `static/search.js` checks before it shows a candidate.
    pub fn rows(&mut self, doc: &Document) -> String {
        let mut out = String::with_capacity(doc.body.iter().map(|b| b.len()).sum::<usize>() + 256);
        for (i, (text, _)) in blocks(doc).enumerate() {
            if i > 0 && !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            let mut last_was_word = false;
            self.tokeniser.runs(text, Mode::Document, |units, words, joined| {
                if joined {
                    out.push(SEPARATOR);
                    last_was_word = false;
                }
                for unit in units {
                    match unit.cjk {
                        Some(c) => {
                            out.push(c);
                            last_was_word = false;
                        }
                        None => {
                            if last_was_word {
                                out.push(' ');
                            }
                            out.push_str(&words[unit.start as usize..unit.end as usize]);
                            last_was_word = true;
                        }
                    }
                }
            });
        }
        out
    }
}

/// The blocks of a page with their field: title, doc number, each issuer, the
/// provider, each block of the body.
fn blocks<'a>(doc: &Document<'a>) -> impl Iterator<Item = (&'a str, u8)> {
    [(doc.title, FIELD_TITLE)]
        .into_iter()
        .chain(doc.doc_number.map(|n| (n, FIELD_DOC_NUMBER)))
        .chain(doc.issuers.iter().map(|i| (i.as_str(), FIELD_ISSUER)))
        .chain(doc.provider.map(|p| (p, FIELD_ISSUER)))
        .chain(doc.body.iter().map(|b| (*b, FIELD_BODY)))
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

/// The text of named keys, each once per page.
struct Names<'a> {
    seen: &'a mut FxHashSet<u64>,
    list: Vec<(u64, Box<str>)>,
}

impl Names<'_> {
    fn add(&mut self, key: u64, parts: &[&str]) {
        if self.seen.insert(key) {
            self.list.push((key, parts.concat().into_boxed_str()));
        }
    }
}

/// One side of a pair.
#[derive(Clone, Copy)]
enum Piece<'a> {
    Char(char),
    Word(&'a str),
    /// The punctuation between two joined runs.
    Separator,
}

impl<'a> Piece<'a> {
    fn of(unit: &Unit, words: &'a str, buf: &'a mut [u8; 4]) -> Piece<'a> {
        match unit.cjk {
            Some(c) => Piece::Char(c),
            None => Piece::Word(unit.text(words, buf)),
        }
    }
}

/// The key of the pair `a b`, or `None` for two words (never side by side in
/// a query) or two separators.
fn pair_term(a: Piece, b: Piece, names: &mut Names) -> Option<u64> {
    let mut buf = [[0u8; 4]; 2];
    let [ba, bb] = &mut buf;
    let (ta, tb) = match (a, b) {
        (Piece::Char(x), Piece::Char(y)) => return Some(pair_key(x, y)),
        (Piece::Char(x), Piece::Separator) => return Some(pair_key(x, SEPARATOR)),
        (Piece::Separator, Piece::Char(y)) => return Some(pair_key(SEPARATOR, y)),
        (Piece::Word(_), Piece::Word(_)) | (Piece::Separator, Piece::Separator) => return None,
        (Piece::Word(w), Piece::Char(y)) => (w, &*y.encode_utf8(bb)),
        (Piece::Char(x), Piece::Word(w)) => (&*x.encode_utf8(ba), w),
        (Piece::Word(w), Piece::Separator) => (w, &*SEPARATOR.encode_utf8(bb)),
        (Piece::Separator, Piece::Word(w)) => (&*SEPARATOR.encode_utf8(ba), w),
    };
    let key = named_key_of_parts(TermClass::Joint, &[ta, tb]);
    names.add(key, &[ta, tb]);
    Some(key)
}

fn emit_run(
    units: &[Unit],
    words: &str,
    field: u8,
    start: u32,
    chars: &mut CharCounts,
    emit: &mut impl FnMut(Occurrence),
    names: &mut Names,
) {
    for (i, unit) in units.iter().enumerate() {
        let position = start.saturating_add(i as u32);
        let piece = match unit.cjk {
            Some(c) => {
                if let Some(o) = chars.count(c, field) {
                    emit(o);
                }
                Piece::Char(c)
            }
            None => {
                let word = &words[unit.start as usize..unit.end as usize];
                let key = named_key(TermClass::Word, word);
                names.add(key, &[word]);
                emit(Occurrence::new(key, position, field));
                Piece::Word(word)
            }
        };
        if let Some(next) = units.get(i + 1) {
            let mut next_buf = [0u8; 4];
            if let Some(key) = pair_term(piece, Piece::of(next, words, &mut next_buf), names) {
                emit(Occurrence::new(key, position, field));
            }
        }
    }
}
