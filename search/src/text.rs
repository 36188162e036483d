//! Text → runs of units, the one tokenisation both the index and the browser use.
//!
//! Chinese has no spaces between words, so the index never tries to find words:
//! a *unit* is one CJK character or one run of ASCII letters and digits, and a
//! *run* is a stretch of units with no separator between them. Full-width forms
//! are folded to ASCII and letters lowercased, so `ＡＩ`, `AI` and `ai` are one
//! unit; every other character (punctuation, brackets such as 〔〕[]（）, symbols)
//! separates runs, which is what makes `国科办监〔2022〕83号` and
//! `国科办监[2022]83号` tokenise identically.
//!
//! Runs of one block (a paragraph, heading, list item, table cell, a field of
//! the page) that only punctuation separates are *joined*: a query may span
//! them (`国科办监〔2022〕83号` is three runs of one block), but never two
//! blocks, and in a query whitespace ends the part (`2023 绩效` is two parts,
//! ANDed).
//!
//! `static/search.js` mirrors this module character for character (`normalise`,
//! `classify`, the hash); a change here is a change of index format and must be
//! made there too, or queries silently stop matching.

/// How whitespace is treated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// Page text: whitespace separates words but does not end a run. Text
    /// extracted from PDFs and Markdown soft line breaks put newlines in the
    /// middle of words (`《关\n于加强`), and official documents space out
    /// numbers (`2022 年 6 月`); a reader sees `2022年6月`, so must a search.
    Document,
    /// A query: whitespace separates the parts a user wants ANDed (`2023 绩效`);
    /// punctuation separates runs of one part, which must follow each other.
    Query,
}

/// One unit of a run: a CJK character (`cjk` is `Some`) or an ASCII word whose
/// bytes are `words[start..end]` of the tokeniser's scratch buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Unit {
    pub cjk: Option<char>,
    pub start: u32,
    pub end: u32,
}

impl Unit {
    /// The unit's text: its character, or its word in `words`.
    pub fn text<'a>(&self, words: &'a str, buf: &'a mut [u8; 4]) -> &'a str {
        match self.cjk {
            Some(c) => c.encode_utf8(buf),
            None => &words[self.start as usize..self.end as usize],
        }
    }
}

/// Stands for the punctuation between two joined runs in the text of a term
/// (`监|`, `|2022`): no run contains it, so no other term is spelt the same.
pub(crate) const SEPARATOR: char = '|';

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Cjk,
    Space,
    Break,
}

/// Folds full-width ASCII and the ideographic space to ASCII and lowercases
/// letters. One character in, one out, so offsets in a display string survive.
pub(crate) fn normalise(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// CJK ideographs (unified, extension A, compatibility, extensions B–G), 〇, kana
/// and Hangul syllables: scripts written without spaces, indexed by character.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3007 | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

fn classify(c: char) -> Class {
    if c.is_ascii_alphanumeric() {
        Class::Word
    } else if is_cjk(c) {
        Class::Cjk
    } else if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{A0}' | '\u{2028}' | '\u{2029}') {
        Class::Space
    } else {
        Class::Break
    }
}

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

/// FNV-1a over code points with a murmur3 finaliser: cheap, trivially the same
/// in JavaScript (`Math.imul`), and well mixed in the low bits that `% shards`
/// and the 12-bit follower codes use.
pub(crate) fn hash_code_points(cps: impl IntoIterator<Item = u32>) -> u32 {
    let mut h = FNV_OFFSET;
    for cp in cps {
        h = (h ^ cp).wrapping_mul(FNV_PRIME);
    }
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

pub(crate) fn hash_str(s: &str) -> u32 {
    hash_code_points(s.chars().map(|c| c as u32))
}

/// Splits text into runs of units, reusing its buffers between calls.
#[derive(Default)]
pub(crate) struct Tokeniser {
    units: Vec<Unit>,
    words: String,
    /// A run has been handed out since `runs` began.
    any: bool,
    /// Whitespace came since the last run (queries only).
    apart: bool,
}

impl Tokeniser {
    /// Calls `on_run(units, words, joined)` for every run of `text`, in order;
    /// `joined` says the run follows the one before it across punctuation only
    /// (always, after the first run, in a page's block; in a query, unless
    /// whitespace came between).
    pub fn runs(&mut self, text: &str, mode: Mode, mut on_run: impl FnMut(&[Unit], &str, bool)) {
        self.units.clear();
        self.words.clear();
        self.any = false;
        self.apart = false;
        let mut in_word = false;
        let mut word_start = 0usize;
        let mut pending_space = false;
        for raw in text.chars() {
            let c = normalise(raw);
            let class = classify(c);
            if class == Class::Space && mode == Mode::Query {
                if in_word {
                    self.finish_word(word_start);
                    in_word = false;
                }
                self.flush(&mut on_run);
                self.apart = true;
                continue;
            }
            match class {
                Class::Word => {
                    if in_word && pending_space {
                        // `ai 2023`: two words, though one run.
                        self.finish_word(word_start);
                        in_word = false;
                    }
                    pending_space = false;
                    if !in_word {
                        in_word = true;
                        word_start = self.words.len();
                    }
                    self.words.push(c);
                }
                Class::Cjk => {
                    if in_word {
                        self.finish_word(word_start);
                        in_word = false;
                    }
                    pending_space = false;
                    self.units.push(Unit { cjk: Some(c), start: 0, end: 0 });
                }
                Class::Space => pending_space = true,
                Class::Break => {
                    if in_word {
                        self.finish_word(word_start);
                        in_word = false;
                    }
                    pending_space = false;
                    self.flush(&mut on_run);
                }
            }
        }
        if in_word {
            self.finish_word(word_start);
        }
        self.flush(&mut on_run);
    }

    fn finish_word(&mut self, start: usize) {
        let end = self.words.len();
        // Word buffers are far below 4 GiB: a page is kilobytes.
        self.units.push(Unit { cjk: None, start: start as u32, end: end as u32 });
    }

    fn flush(&mut self, on_run: &mut impl FnMut(&[Unit], &str, bool)) {
        if !self.units.is_empty() {
            on_run(&self.units, &self.words, self.any && !self.apart);
            self.any = true;
            self.apart = false;
            self.units.clear();
        }
        self.words.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(text: &str, mode: Mode) -> Vec<String> {
        let mut t = Tokeniser::default();
        let mut out = Vec::new();
        t.runs(text, mode, |units, words, joined| {
            let parts: Vec<String> = units
                .iter()
                .map(|u| match u.cjk {
                    Some(c) => c.to_string(),
                    None => format!("[{}]", &words[u.start as usize..u.end as usize]),
                })
                .collect();
            out.push(format!("{}{}", if joined { "+" } else { "" }, parts.concat()));
        });
        out
    }

    #[test]
    fn doc_number_brackets_of_any_kind_tokenise_alike() {
        let want = vec!["国科办监", "+[2022]", "+[83]号"];
        assert_eq!(runs("国科办监〔2022〕83号", Mode::Query), want);
        assert_eq!(runs("国科办监[2022]83号", Mode::Query), want);
        assert_eq!(runs("国科办监（２０２２）８３号", Mode::Query), want);
    }

    #[test]
    fn full_width_and_upper_case_letters_fold_to_lower_ascii() {
        assert_eq!(runs("ＡＩ伦理 Covid-19", Mode::Query), vec!["[ai]伦理", "[covid]", "+[19]"]);
    }

    #[test]
    fn line_breaks_inside_chinese_text_do_not_split_a_word_in_pages() {
        assert_eq!(runs("《关\n于加强》", Mode::Document), vec!["关于加强"]);
        assert_eq!(runs("2022 年 6 - 12 月", Mode::Document), vec!["[2022]年[6]", "+[12]月"]);
        assert_eq!(runs("ai 2023", Mode::Document), vec!["[ai][2023]"]);
    }

    #[test]
    fn spaces_in_a_query_separate_its_parts_and_punctuation_joins_its_runs() {
        assert_eq!(runs("科研 诚信", Mode::Query), vec!["科研", "诚信"]);
        assert_eq!(runs("科研，诚信 伦理", Mode::Query), vec!["科研", "+诚信", "伦理"]);
        assert_eq!(runs("科研 ，诚信", Mode::Query), vec!["科研", "诚信"]);
        assert_eq!(runs("科研，\n诚信", Mode::Document), vec!["科研", "+诚信"]);
    }
}
