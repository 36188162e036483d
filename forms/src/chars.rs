//! Characters that may not reach a page, a feed or a record, and characters that
//! show nothing. XML 1.0 (the feeds, the sitemap) allows only tab, line feed,
//! carriage return and the characters from U+0020 up, less the surrogates and
//! U+FFFE/U+FFFF; HTML also forbids C1 controls, DEL and the noncharacters. Text
//! pasted from PDFs and chat apps carries such characters unseen: `gazette check`
//! names each one in content, and a form refuses them in what is typed.

/// Whether `c` may appear in both an HTML page and an XML 1.0 document.
pub fn is_allowed(c: char) -> bool {
    let code = c as u32;
    match c {
        '\t' | '\n' | '\r' => true,
        _ if code < 0x20 => false,
        '\u{7f}'..='\u{9f}' => false,
        '\u{fdd0}'..='\u{fdef}' => false,
        _ => code & 0xfffe != 0xfffe,
    }
}

/// Whether `c` draws nothing on its own: Unicode's default-ignorable code points
/// (zero-width space and joiners, the byte-order mark U+FEFF, soft hyphen, bidi
/// controls, variation selectors, tags) and the blank fillers that fonts draw
/// empty (Hangul fillers, the braille blank). Text made only of these and
/// whitespace is empty to a reader, so a required field holding it is not filled.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{2800}' | '\u{3164}'
        | '\u{fe00}'..='\u{fe0f}'
        | '\u{feff}' | '\u{ffa0}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
}

/// `s` without the whitespace and invisible characters at either end.
pub fn trim_blank(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || is_invisible(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_noncharacters_are_forbidden() {
        for c in [
            '\u{0}',
            '\u{7}',
            '\u{10}',
            '\u{0c}',
            '\u{1b}',
            '\u{7f}',
            '\u{85}',
            '\u{9f}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{1ffff}',
        ] {
            assert!(!is_allowed(c), "U+{:04X} must be forbidden", c as u32);
        }
    }

    #[test]
    fn text_and_whitespace_are_allowed() {
        for c in ['\t', '\n', '\r', ' ', '中', '。', '\u{3000}', '\u{a0}', '\u{fffd}', '\u{1f600}', '\u{200b}'] {
            assert!(is_allowed(c), "U+{:04X} must be allowed", c as u32);
        }
    }

    #[test]
    fn blank_looking_text_trims_to_nothing() {
        assert_eq!(trim_blank("\u{200b}\u{feff} \u{3000}\u{2060}"), "");
        assert_eq!(trim_blank("\u{feff}张三\u{200b}"), "张三");
        // Inside a word a joiner stays: it shapes emoji and some scripts.
        assert_eq!(trim_blank("👩\u{200d}🔬"), "👩\u{200d}🔬");
        assert!(!is_invisible('张') && !is_invisible('-'));
    }
}
