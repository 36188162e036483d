//! Approved typical cases → Markdown bundles in `content/cases/`, ready for an
//! administrator to review and commit (seed 000: cases are published on the site).
//! Every kind of regional upload is exported the same way ([`export_approved`] over a
//! [`Publishable`]); local policy documents go to `content/policies/`
//! (`local_policy::export`).
//!
//! Each approved case becomes `content/cases/<slug>/index.md` in the site's content
//! format (README "Content format", case: title, region, provider, category, date,
//! summary, `[[attachments]]` title + file) with its files beside it, so
//! `gazette check` accepts it as is. The slug is `case-<short id>`: the upload form has
//! no ASCII slug field, and Chinese titles do not make URLs; rename the folder before
//! committing if a readable pinyin slug is wanted.
//!
//! - An existing file or folder is never overwritten: the case is reported as skipped
//!   and stays `approved`, to be exported again once the name is free.
//! - A bundle is written into a temporary folder and renamed into place, so a reader of
//!   `content/` never sees half a case; only then is the case marked `exported`, so a
//!   second run does not write it again.
//!
//! Calling it from a synchronous `main` (the `gazette cases export` command):
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! let config = gazette_core::Config::from_env(gazette_core::config::Defaults::default())?;
//! let runtime = tokio::runtime::Runtime::new()?;
//! let report = runtime.block_on(async {
//!     let store = config.open_store().await?;
//!     let files = config.open_attachments().await?;
//!     gazette_core::export_approved_cases(store, files, std::path::Path::new("content/cases")).await
//!         .map_err(anyhow::Error::from)
//! })?;
//! for case in &report.written { println!("wrote {}", case.path.display()); }
//! for case in &report.skipped { eprintln!("skipped {}: {}", case.id, case.reason); }
//! # Ok(()) }
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::attachments::{AttachmentError, SharedAttachments};
use crate::casework::ascii_file_name;
use crate::http::Lang;
use crate::store::SharedStore;
use crate::validation;
use crate::workflows::typical_case::{CaseUpload, RegionalUpload, RegionalUploads, Uploaded};
use crate::workflows::{Actor, CaseError, Level, TypicalCase, system_clock};

/// A kind of regional upload that becomes a page of the site once approved.
pub trait Publishable: RegionalUpload {
    /// The folder name of an exported upload (`case-qrstvwxyz0`): ASCII, from its id.
    fn slug(id: &str) -> String;
    /// The page: front matter in the site's content format, then the body; `files`
    /// are (file name beside it, title); `now` stands in for a missing date.
    fn markdown(upload: &Uploaded<Self>, files: &[(String, String)], now: jiff::Timestamp) -> String;
    /// Who the export acts as, in the step it records.
    fn exporter() -> Actor;
}

impl Publishable for CaseUpload {
    fn slug(id: &str) -> String {
        case_slug(id)
    }
    fn markdown(case: &TypicalCase, files: &[(String, String)], now: jiff::Timestamp) -> String {
        case_markdown(case, files, now)
    }
    fn exporter() -> Actor {
        Actor::new("gazette cases export", Level::Organiser)
    }
}

/// What one run of [`export_approved_cases`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Cases written (and marked `exported`), oldest approval first.
    pub written: Vec<ExportedCase>,
    /// Approved cases left alone, with the reason; they stay `approved`.
    pub skipped: Vec<SkippedCase>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedCase {
    pub id: String,
    pub slug: String,
    /// `…/content/cases/<slug>/index.md`
    pub path: PathBuf,
    /// Attachment files copied beside it.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedCase {
    pub id: String,
    pub slug: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot read the approved cases: {0}")]
    Store(#[from] CaseError),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The slug of an exported case: `case-` and the last ten characters of its id
/// (lowercase letters and digits, the random part of the ULID).
pub fn case_slug(id: &str) -> String {
    short_slug("case", id)
}

/// `{prefix}-` and the last ten characters of a ULID, lowercase.
pub fn short_slug(prefix: &str, id: &str) -> String {
    let short: String = id.chars().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{prefix}-{}", short.to_ascii_lowercase())
}

/// Writes every approved, not yet exported typical case to
/// `content_cases_dir/<slug>/index.md` with its attachments, and marks it `exported`.
/// Never overwrites anything; see the module documentation.
pub async fn export_approved_cases(
    store: SharedStore,
    attachments: SharedAttachments,
    content_cases_dir: &Path,
) -> Result<ExportReport, ExportError> {
    export_approved::<CaseUpload>(store, attachments, content_cases_dir).await
}

/// Writes every approved, not yet exported upload of kind `U` to
/// `content_dir/<slug>/index.md` with its attachments, and marks it `exported`.
/// Never overwrites anything; see the module documentation.
pub async fn export_approved<U: Publishable>(
    store: SharedStore,
    attachments: SharedAttachments,
    content_cases_dir: &Path,
) -> Result<ExportReport, ExportError> {
    let cases = RegionalUploads::<U>::new(store, system_clock());
    let exporter = U::exporter();
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExportError::Io { path, source }
    };
    tokio::fs::create_dir_all(content_cases_dir).await.map_err(io(content_cases_dir))?;
    let mut report = ExportReport::default();
    for case in cases.approved().await? {
        let slug = U::slug(&case.id);
        let skip = |reason: String| SkippedCase { id: case.id.clone(), slug: slug.clone(), reason };
        let bundle = content_cases_dir.join(&slug);
        let single = content_cases_dir.join(format!("{slug}.md"));
        if tokio::fs::try_exists(&bundle).await.unwrap_or(true) || tokio::fs::try_exists(&single).await.unwrap_or(true)
        {
            report.skipped.push(skip(format!("{} already exists; it was not overwritten", bundle.display())));
            continue;
        }
        // Fetch every file first: a case with a missing file is not written at all.
        let mut files = Vec::new();
        let mut missing = None;
        for (i, file) in case.upload.attachments().iter().enumerate() {
            match attachments.read(&file.key).await {
                Ok(bytes) => files.push((attachment_file_name(i, &file.name), attachment_title(&file.name), bytes)),
                Err(e @ (AttachmentError::Missing(_) | AttachmentError::BadKey(_))) => {
                    missing = Some(format!("attachment “{}” cannot be read: {e}", file.name));
                    break;
                }
                Err(e) => {
                    missing = Some(format!("attachment “{}” cannot be read now, try again: {e}", file.name));
                    break;
                }
            }
        }
        if let Some(reason) = missing {
            report.skipped.push(skip(reason));
            continue;
        }
        let markdown =
            U::markdown(&case, &files.iter().map(|(f, t, _)| (f.clone(), t.clone())).collect::<Vec<_>>(), cases.now());
        let staging =
            content_cases_dir.join(format!(".export-{slug}-{}", ulid::Ulid::new().to_string().to_lowercase()));
        let written = write_bundle(&staging, &markdown, &files).await.and_then(|()| {
            // A plain rename refuses to replace a non-empty folder; a folder that
            // appeared meanwhile keeps its content.
            if bundle.exists() {
                return Err(ExportError::Io {
                    path: bundle.clone(),
                    source: std::io::Error::new(std::io::ErrorKind::AlreadyExists, "appeared during the export"),
                });
            }
            std::fs::rename(&staging, &bundle).map_err(io(&bundle))
        });
        if let Err(e) = written {
            let _ = tokio::fs::remove_dir_all(&staging).await;
            match e {
                ExportError::Io { source, .. } if source.kind() == std::io::ErrorKind::AlreadyExists => {
                    report.skipped.push(skip(format!("{} already exists; it was not overwritten", bundle.display())));
                    continue;
                }
                e => return Err(e),
            }
        }
        match cases.mark_exported(&case.id, &slug, &exporter).await {
            Ok(_) => {}
            Err(CaseError::InvalidTransition { .. }) => {
                // Another export marked it first; ours is a duplicate folder.
                let _ = tokio::fs::remove_dir_all(&bundle).await;
                report.skipped.push(skip("exported by another run at the same time".into()));
                continue;
            }
            Err(e) => return Err(e.into()),
        }
        tracing::info!(case = %case.id, slug = %slug, files = files.len(), dir = U::CONTENT_DIR, "upload exported");
        report.written.push(ExportedCase {
            id: case.id.clone(),
            slug: slug.clone(),
            path: bundle.join("index.md"),
            files: files.iter().map(|(name, _, _)| bundle.join(name)).collect(),
        });
    }
    Ok(report)
}

async fn write_bundle(dir: &Path, markdown: &str, files: &[(String, String, Vec<u8>)]) -> Result<(), ExportError> {
    let io = |path: PathBuf| move |source| ExportError::Io { path, source };
    tokio::fs::create_dir_all(dir).await.map_err(io(dir.to_path_buf()))?;
    for (name, _, bytes) in files {
        let path = dir.join(name);
        tokio::fs::write(&path, bytes).await.map_err(io(path.clone()))?;
    }
    let index = dir.join("index.md");
    tokio::fs::write(&index, markdown).await.map_err(io(index.clone()))
}

/// `fujian1.pdf` (附件 1): ASCII, numbered, keeping the uploaded file's extension.
fn attachment_file_name(index: usize, uploaded: &str) -> String {
    let ascii = ascii_file_name(uploaded);
    match ascii.rsplit_once('.') {
        Some((_, ext)) => format!("fujian{}.{ext}", index + 1),
        None => format!("fujian{}", index + 1),
    }
}

/// The uploaded file's name without its extension, as the attachment's title.
fn attachment_title(uploaded: &str) -> String {
    let stem = match uploaded.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => uploaded,
    };
    stem.trim().to_owned()
}

/// A TOML basic string: quotes, backslashes and control characters escaped, so any
/// title or summary (quotes, line breaks) round-trips exactly.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The page: front matter in the content format, then the body.
fn case_markdown(case: &TypicalCase, files: &[(String, String)], now: jiff::Timestamp) -> String {
    let u = &case.upload;
    // The case's own date, else the day it was approved (Beijing time).
    let approved = crate::lifecycle::time::beijing(case.approved_at.unwrap_or(now)).date().to_string();
    let date = u.date.clone().filter(|d| d.parse::<jiff::civil::Date>().is_ok()).unwrap_or(approved);
    let mut out = String::from("+++\n");
    let _ = writeln!(out, "title = {}", toml_string(&u.title));
    let _ = writeln!(out, "region = {}", toml_string(&validation::case_label("region", &u.region, Lang::Zh)));
    let _ = writeln!(out, "provider = {}", toml_string(&u.provider));
    let _ = writeln!(out, "category = {}", toml_string(&validation::case_label("category", &u.category, Lang::Zh)));
    let _ = writeln!(out, "date = {date}");
    let _ = writeln!(out, "summary = {}", toml_string(&u.summary));
    for (file, title) in files {
        let _ = write!(out, "\n[[attachments]]\ntitle = {}\nfile = {}\n", toml_string(title), toml_string(file));
    }
    out.push_str("+++\n\n");
    out.push_str(u.body.trim_end());
    out.push('\n');
    if let Some(url) = &u.source_url {
        let _ = write!(out, "\n原文链接：<{url}>\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_escape_quotes_backslashes_and_line_breaks() {
        let tricky = "“三评”改革 \"quoted\" C:\\path\nnext\tline\u{7}";
        let s = toml_string(tricky);
        assert_eq!(s, "\"“三评”改革 \\\"quoted\\\" C:\\\\path\\nnext\\tline\\u0007\"");
        let parsed: toml::Table = format!("v = {s}").parse().unwrap();
        assert_eq!(parsed["v"].as_str(), Some(tricky));
    }

    #[test]
    fn slugs_and_attachment_names_are_lowercase_ascii() {
        assert_eq!(case_slug("01JABCDEFGHJKMNPQRSTVWXYZ0"), "case-qrstvwxyz0");
        assert_eq!(attachment_file_name(0, "实施方案.PDF"), "fujian1.pdf");
        assert_eq!(attachment_file_name(2, "noext"), "fujian3");
        assert_eq!(attachment_title("实施方案.PDF"), "实施方案");
    }
}
