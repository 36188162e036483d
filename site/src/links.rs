//! Which link targets may be published. Only relative links and the schemes
//! http, https, mailto and tel are built; anything else (`javascript:`,
//! `vbscript:`, `data:`, `file:` …) could run script or reach into the reader's
//! machine, and `gazette check` reports it.
//!
//! The scheme is read the way a browser reads it (WHATWG URL): leading and
//! trailing spaces and control characters are stripped and tabs and line breaks
//! inside are ignored, so `\u{1}java\tscript:` is `javascript:`. Entity references
//! (`&#106;avascript:`) are already decoded by the Markdown parser.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// Schemes a published link may use.
pub const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto", "tel"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// No scheme: a site path, a file beside the page, or `#anchor`.
    Relative,
    /// One of [`SAFE_SCHEMES`].
    External,
    /// Any other scheme, lower-cased, e.g. `javascript`.
    Unsafe(String),
}

/// Classifies a link destination as a browser would resolve it.
pub fn classify(dest: &str) -> Target {
    let cleaned: String =
        dest.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let Some((scheme, _)) = cleaned.split_once(':') else { return Target::Relative };
    let is_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // A colon after `/`, `?` or `#` belongs to the path, query or fragment.
    if !is_scheme {
        return if scheme.contains(['/', '?', '#']) { Target::Relative } else { Target::Unsafe(scheme.to_lowercase()) };
    }
    let scheme = scheme.to_ascii_lowercase();
    if SAFE_SCHEMES.contains(&scheme.as_str()) { Target::External } else { Target::Unsafe(scheme) }
}

/// Characters percent-encoded in a file name written into `href`/`src`.
const FILE_NAME: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'\\')
    .add(b'^')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b'\'');

/// A file path inside a bundle (`附件1 申报指南.txt`, `images/a.png`) as it is
/// written into a URL: `/` kept, spaces and reserved characters percent-encoded.
pub fn encode_path(path: &str) -> String {
    path.split('/').map(|segment| utf8_percent_encode(segment, FILE_NAME).to_string()).collect::<Vec<_>>().join("/")
}

/// The path part of a relative destination, percent-decoded: what is on disk.
pub fn decoded_path(dest: &str) -> String {
    let path = dest.split(['#', '?']).next().unwrap_or_default();
    percent_decode_str(path).decode_utf8_lossy().into_owned()
}

/// The fragment of a destination (`#s1-2` → `s1-2`), percent-decoded.
pub fn fragment(dest: &str) -> Option<String> {
    dest.split_once('#')
        .map(|(_, fragment)| percent_decode_str(fragment).decode_utf8_lossy().into_owned())
        .filter(|f| !f.is_empty())
}

/// A plausible e-mail address for a `mailto:` link: one `@`, something on both
/// sides, no spaces, quotes, angle brackets or colons.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control() || "\"'<>:;,()[]\\".contains(c))
}

/// A telephone number for a `tel:` link: digits with the usual separators.
pub fn is_phone(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_digit() || " +-()（）转,、/".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_schemes_are_unsafe_however_written() {
        for dest in [
            "javascript://%0Aalert(document.domain)",
            "JavaScript:alert(1)",
            " \u{1}javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "file:///etc/passwd",
        ] {
            assert!(matches!(classify(dest), Target::Unsafe(_)), "{dest:?} must be unsafe");
        }
        assert_eq!(classify("VBScript:x"), Target::Unsafe("vbscript".into()));
    }

    #[test]
    fn web_mail_phone_and_relative_links_are_safe() {
        for dest in ["https://www.most.gov.cn/", "HTTP://a.b/", "mailto:a@b.cn", "tel:01062165119"] {
            assert_eq!(classify(dest), Target::External, "{dest}");
        }
        for dest in ["/courses/a/", "fujian.txt", "附件1%20申报指南.txt", "#s1-2", "a/b:c", "?q=a:b", "//cdn.example/x"]
        {
            assert_eq!(classify(dest), Target::Relative, "{dest}");
        }
    }

    #[test]
    fn file_names_are_encoded_and_decoded() {
        assert_eq!(encode_path("附件1 申报指南.txt"), "%E9%99%84%E4%BB%B61%20%E7%94%B3%E6%8A%A5%E6%8C%87%E5%8D%97.txt");
        assert_eq!(decoded_path("附件1%20申报指南.txt#p2"), "附件1 申报指南.txt");
        assert_eq!(fragment("/policies/a/#s1-2"), Some("s1-2".into()));
    }

    #[test]
    fn contact_addresses_are_checked() {
        assert!(is_email("jiandu@ncste.org"));
        for bad in ["javascript:alert(1)//@x.cn", "a b@c.cn", "no-at-sign", "a@b", "\"x\"@y.cn"] {
            assert!(!is_email(bad), "{bad}");
        }
        assert!(is_phone("010-62165119"));
        assert!(!is_phone("javascript:alert(1)"));
    }
}
