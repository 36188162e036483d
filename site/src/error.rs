//! Errors the generator reports. A content error always names the file, the line
//! and the field, so `gazette check` output reads like a compiler's.

use std::fmt;
use std::path::PathBuf;

use crate::config::Language;

/// What is wrong and what to do, in each language of the site: editors read
/// `gazette check` in the language the site is written in (`language` in
/// `gazette.toml`), so every message is written in both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub zh: String,
    pub en: String,
}

impl Message {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Message {
        Message { zh: zh.into(), en: en.into() }
    }

    pub fn in_language(&self, language: Language) -> &str {
        match language {
            Language::Zh => &self.zh,
            Language::En => &self.en,
        }
    }
}

/// One problem in one content file, printed as `file:line: field: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub file: PathBuf,
    /// 1-based line in the file; the front-matter line of the field when known.
    pub line: usize,
    pub field: String,
    pub message: Message,
}

impl ContentError {
    pub fn new(file: impl Into<PathBuf>, line: usize, field: impl Into<String>, message: Message) -> Self {
        ContentError { file: file.into(), line, field: field.into(), message }
    }

    /// The error as `file:line: field: message` in `language`.
    pub fn localized(&self, language: Language) -> String {
        format!("{}:{}: {}: {}", self.file.display(), self.line, self.field, self.message.in_language(language))
    }
}

/// In the site's default language, Chinese; see [`ContentError::localized`].
impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.localized(Language::Zh))
    }
}

impl std::error::Error for ContentError {}

/// Why a build or check stopped.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("{} content error{} listed above; nothing was written", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Content(Vec<ContentError>),
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    #[error("template error: {0}")]
    Template(String),
    #[error("search index: {0}")]
    Search(String),
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<gazette_search::SearchError> for BuildError {
    fn from(error: gazette_search::SearchError) -> Self {
        BuildError::Search(error.to_string())
    }
}

impl BuildError {
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BuildError::Io { action, path: path.into(), source }
    }

    /// Tera nests the useful part of its messages in `source()`; flatten the chain.
    pub fn template(err: &tera::Error) -> Self {
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(inner) = source {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            source = inner.source();
        }
        BuildError::Template(message)
    }
}
