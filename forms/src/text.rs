//! Bilingual text. Chinese is the site's main language and the default; every label,
//! option and message also exists in English for `lang=en` pages.

use serde::{Deserialize, Serialize};

/// The language a label or message is wanted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// 中文 (default).
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads a language tag or `lang=` query value: anything starting with `en` is
    /// English, everything else (including an empty or unknown tag) is Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.trim().to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::Zh }
    }

    /// The BCP 47 tag for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A text in both languages, written in the schema as `{ zh = "…", en = "…" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_tags_starting_with_en_are_english_and_everything_else_chinese() {
        assert_eq!(Lang::from_tag("en"), Lang::En);
        assert_eq!(Lang::from_tag("en-GB"), Lang::En);
        assert_eq!(Lang::from_tag("zh-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag(""), Lang::Zh);
        assert_eq!(Lang::default(), Lang::Zh);
    }
}
