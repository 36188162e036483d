//! The site's configuration, `gazette.toml` at the project root.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::BuildError;

/// UI language of the generated pages. Content stays as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Zh,
    En,
}

impl Language {
    /// The value of the `lang` attribute on `<html>`.
    pub fn html_lang(self) -> &'static str {
        match self {
            Language::Zh => "zh-CN",
            Language::En => "en",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site name shown in the header and feeds.
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Absolute URL the site is published at, used in feeds, the sitemap and iCalendar.
    pub base_url: String,
    #[serde(default)]
    pub language: Language,
    /// Items per listing page.
    #[serde(default = "default_paginate")]
    pub paginate: usize,
    /// Days before a deadline when it shows as "closing soon".
    #[serde(default = "default_closing_soon_days")]
    pub closing_soon_days: i64,
    /// Where the site's forms post to. `GAZETTE_API_URL` overrides it at build time.
    #[serde(default = "default_api_url")]
    pub api_url: String,
}

fn default_paginate() -> usize {
    20
}
fn default_closing_soon_days() -> i64 {
    7
}
fn default_api_url() -> String {
    "/api".to_string()
}

impl Config {
    pub const FILE_NAME: &'static str = "gazette.toml";

    /// Reads `gazette.toml` from the project root.
    pub fn load(root: &Path) -> Result<Config, BuildError> {
        let path = root.join(Self::FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                BuildError::Config {
                    path: path.clone(),
                    message: "not found: run gazette in the project root, or pass --root".into(),
                }
            } else {
                BuildError::io("read", &path, source)
            }
        })?;
        Self::parse(&text, &path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, BuildError> {
        let mut config: Config = toml::from_str(text).map_err(|err| BuildError::Config {
            path: PathBuf::from(format!("{}:{}", path.display(), line_of(text, err.span()))),
            message: err.message().to_string(),
        })?;
        // Blank counts as unset: the forms then post to `api_url` of gazette.toml.
        if let Some(api_url) = std::env::var("GAZETTE_API_URL").ok().filter(|u| !u.trim().is_empty()) {
            config.api_url = api_url;
        }
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        if config.paginate == 0 {
            return Err(BuildError::Config { path: path.into(), message: "paginate must be at least 1".into() });
        }
        Ok(config)
    }
}

/// 1-based line of a byte span's start, for error messages.
pub(crate) fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> usize {
    let offset = span.map_or(0, |s| s.start).min(text.len());
    text[..offset].matches('\n').count() + 1
}
