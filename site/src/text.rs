//! Characters that may not reach the output. XML 1.0 (the feeds, the sitemap)
//! allows only tab, line feed, carriage return and the characters from U+0020 up,
//! less the surrogates and U+FFFE/U+FFFF; HTML also forbids C1 controls, DEL and
//! the noncharacters. Text pasted from PDFs carries such characters unseen, so
//! `gazette check` names each one, and the feeds drop any that slip through.

pub use gazette_forms::chars::is_allowed;

/// The forbidden characters of `text`, each once, in order of appearance.
pub fn forbidden_chars(text: &str) -> Vec<char> {
    let mut found: Vec<char> = Vec::new();
    for c in text.chars().filter(|c| !is_allowed(*c)) {
        if !found.contains(&c) {
            found.push(c);
        }
    }
    found
}

/// (1-based line, 1-based column in characters, character) of every forbidden
/// character in a file.
pub fn forbidden_positions(text: &str) -> Vec<(usize, usize, char)> {
    let mut positions = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        for (column, c) in line.chars().enumerate() {
            if !is_allowed(c) {
                positions.push((index + 1, column + 1, c));
            }
        }
    }
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_name_line_and_column() {
        assert_eq!(forbidden_positions("正文\n第二\u{10}行"), vec![(2, 3, '\u{10}')]);
    }
}
