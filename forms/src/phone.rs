//! Phone numbers as people write and paste them → the number the schema's `pattern`
//! describes. People write `186 1234 7239`, `186-1234-7239`, `+86 186 1234 7239`,
//! `0086 18612347239`, `(010) 6859 7406`, or type full-width digits with a Chinese
//! input method; all are the same numbers as `18612347239` and `010-68597406`.
//!
//! Only grouping is removed: digits are never added, dropped or reordered, so a
//! number that is wrong stays wrong and the pattern refuses it.

/// The separators people group a number with.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '/')
}

/// Full-width digits, signs and brackets, and the dashes word processors put in,
/// as ASCII.
fn ascii(c: char) -> char {
    match c {
        '＋' => '+',
        '‐' | '‑' | '‒' | '–' | '—' | '―' | '−' => '-',
        '（' => '(',
        '）' => ')',
        '／' => '/',
        c => crate::validate::halfwidth_char(c),
    }
}

/// The country code of China in front of a number (`+86`, `0086`, `(+86)`, `86`
/// followed by a separator), removed; the text unchanged when there is none.
fn without_country_code(s: &str) -> &str {
    let s = s.trim_start_matches('(');
    for prefix in ["+86", "0086"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return rest.trim_start_matches(')');
        }
    }
    match s.strip_prefix("86") {
        Some(rest) if rest.trim_start_matches(')').starts_with(is_separator) => rest.trim_start_matches(')'),
        _ => s,
    }
}

/// A phone number as written → `18612347239` (a mobile: 11 digits from `1`),
/// `010-68597406` (a landline whose area code was set apart) or the digits alone.
/// Text with anything but digits, separators and a leading country code is
/// returned as typed, for the pattern to refuse with its message.
pub fn normalise(typed: &str) -> String {
    let ascii: String = typed.chars().map(ascii).collect();
    let trimmed = ascii.trim();
    let national = without_country_code(trimmed);
    if !national.chars().all(|c| c.is_ascii_digit() || is_separator(c)) {
        return trimmed.to_owned();
    }
    let groups: Vec<&str> = national.split(is_separator).filter(|g| !g.is_empty()).collect();
    let digits: String = groups.concat();
    let is_mobile = digits.len() == 11 && digits.starts_with('1');
    match groups.as_slice() {
        [area, _, ..] if !is_mobile && area.starts_with('0') && (3..=4).contains(&area.len()) => {
            format!("{area}-{}", &digits[area.len()..])
        }
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn mobiles_as_people_write_them_are_the_eleven_digits() {
        for written in [
            "186 1234 7002",
            "186-1234-7003",
            "+86 186 1234 7239",
            "+86-18612347239",
            "0086 18612347239",
            "(+86) 186 1234 7239",
            "86 186 1234 7239",
            "１８６ １２３４ ７２３９",
            "186—1234—7239",
            " 18612347239 ",
        ] {
            let number = normalise(written);
            assert!(number.len() == 11 && number.starts_with("186"), "{written:?} → {number:?}");
        }
        assert_eq!(normalise("186 1234 7002"), "18612347002");
    }

    #[test]
    fn landlines_keep_their_area_code_apart() {
        assert_eq!(normalise("010-68597406"), "010-68597406");
        assert_eq!(normalise("(010) 6859 7406"), "010-68597406");
        assert_eq!(normalise("０３１１－８５８９１９７８"), "0311-85891978");
        assert_eq!(normalise("+86 0311 85891978"), "0311-85891978");
        assert_eq!(normalise("01068597406"), "01068597406");
    }

    #[test]
    fn what_is_not_a_number_stays_as_typed() {
        assert_eq!(normalise("call me"), "call me");
        assert_eq!(normalise("186 1234 72a9"), "186 1234 72a9");
        assert_eq!(normalise("8612347239"), "8612347239", "86 without a separator is part of the number");
    }
}
