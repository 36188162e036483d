//! A whole build: load → check → render → write, with the time of each stage.
//! [`Site`] holds the result of the first three stages so that `serve` can
//! update it in place.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use rayon::prelude::*;
use walkdir::WalkDir;

use crate::check;
use crate::config::Config;
use crate::content::{Kind, Library};
use crate::content::{Meta, Page, Rendered};
use crate::error::BuildError;
use crate::feeds;
use crate::render::{Job, Listings, Renderer};
use gazette_search::SearchIndex;

pub const STATIC_DIR: &str = "static";
/// Where the search index is written, and where `static/search.js` reads it from.
pub const SEARCH_INDEX_DIR: &str = "search/index";

/// Figures a build prints: what it wrote and where the time went.
#[derive(Debug, Default, Clone)]
pub struct BuildReport {
    pub content_pages: usize,
    pub html_files: usize,
    pub other_files: usize,
    pub load: Duration,
    /// Rendering and writing the HTML pages, the search index built as the
    /// content pages are written.
    pub render: Duration,
    /// Writing the search index's shards and `meta.json`.
    pub search: Duration,
    /// Feeds, sitemap, calendar, attachments and static files.
    pub write: Duration,
    pub total: Duration,
}

/// The build date: `GAZETTE_TODAY=YYYY-MM-DD` for reproducible builds and tests,
/// otherwise today in China Standard Time (deadlines are set in Beijing time).
pub fn today() -> Result<Date, BuildError> {
    // Blank counts as unset, as for every variable of the functions (`gazette_core::config`).
    if let Some(text) = std::env::var("GAZETTE_TODAY").ok().filter(|t| !t.trim().is_empty()) {
        return text.trim().parse().map_err(|_| BuildError::Config {
            path: "GAZETTE_TODAY".into(),
            message: format!("\"{text}\" is not a date like 2026-11-23"),
        });
    }
    let beijing = jiff::tz::TimeZone::fixed(jiff::tz::offset(8));
    Ok(jiff::Timestamp::now().to_zoned(beijing).date())
}

/// A loaded and checked site, ready to render.
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub today: Date,
    pub library: Library,
    pub listings: Listings,
    pub renderer: Renderer,
}

impl Site {
    /// Loads config, content and templates, and runs every check. Fails with every
    /// content error at once.
    pub fn load(root: &Path, live_reload: bool) -> Result<Site, BuildError> {
        let config = Config::load(root)?;
        let today = today()?;
        let (library, listings) = load_checked(root)?;
        let renderer = Renderer::new(root, &config, today, live_reload)?;
        Ok(Site { root: root.to_path_buf(), config, today, library, listings, renderer })
    }

    pub fn jobs(&self) -> Vec<Job> {
        Renderer::plan(&self.library, &self.listings, self.config.paginate)
    }

    /// Every URL of the sitemap with the date it last changed: a page's publication
    /// date, a listing's newest item's, the home page's newest page's.
    pub fn sitemap_entries(&self) -> Vec<(String, Option<Date>)> {
        let pages = self.library.pages();
        let published = |index: &usize| feeds::published_on(&pages[*index], self.today);
        let newest = pages.iter().map(|p| feeds::published_on(p, self.today)).max();
        let per_page = self.config.paginate;
        let mut entries = vec![("/".to_string(), newest), ("/search/".to_string(), None)];
        for listing in &self.listings.all {
            for number in 1..=listing.page_count(per_page) {
                let on_page = listing.items.iter().skip((number - 1) * per_page).take(per_page);
                entries.push((listing.page_url(number), on_page.map(published).max()));
            }
        }
        entries.extend(pages.iter().map(|p| (p.url.clone(), Some(feeds::published_on(p, self.today)))));
        entries
    }

    /// Writes the whole site into `out`, replacing what a previous build left, and
    /// returns the search index so that `serve` can update it page by page.
    ///
    /// Nothing grows with the pages' length: listings are rendered and written
    /// in parallel, then each content page's body is rendered once, newest page
    /// first (the search index's order), written as HTML and handed to the
    /// index, and dropped.
    pub fn write_all(&self, out: &Path, report: &mut BuildReport) -> Result<SearchIndex, BuildError> {
        let started = Instant::now();
        prepare_out_dir(&self.root, out)?;
        let listings: Vec<Job> = self.jobs().into_iter().filter(|job| !matches!(job, Job::Page(_))).collect();
        self.render_and_write(&listings, out)?;
        let pages = self.library.pages();
        let mut order: Vec<usize> = (0..pages.len()).collect();
        // As `SearchIndex::newest_first` orders the documents: date, then URL.
        order.sort_by(|&a, &b| pages[b].date().cmp(&pages[a].date()).then_with(|| pages[a].url.cmp(&pages[b].url)));
        let index = SearchIndex::build_into(&out.join(SEARCH_INDEX_DIR), order.len(), |k, index| {
            let page = &pages[order[k]];
            let body = page.body(&self.root).map_err(BuildError::Content)?;
            let output = self.renderer.render_page(page, &body, &self.library)?;
            write_file(&output_path(out, &output.url), &output.html)?;
            index(&SearchParts::of(page, &body).document());
            Ok::<(), BuildError>(())
        })?;
        let lessons = self.write_lessons(out)?;
        report.render = started.elapsed();
        report.html_files = listings.len() + pages.len() + lessons;

        let started = Instant::now();
        report.other_files = self.write_extras(out)?;
        report.write = started.elapsed();

        let started = Instant::now();
        let stats = write_search_index(&index, out)?;
        report.search = started.elapsed();
        report.other_files += stats.files;
        Ok(index)
    }

    /// Writes every course's lessons; returns how many.
    pub fn write_lessons(&self, out: &Path) -> Result<usize, BuildError> {
        let lessons = self.library.lessons();
        lessons.par_iter().try_for_each(|lesson| {
            let body = crate::content::lesson_body(&self.root, lesson).map_err(BuildError::Content)?;
            let output = self.renderer.render_lesson(lesson, &body, &self.library)?;
            write_file(&output_path(out, &output.url), &output.html)
        })?;
        Ok(lessons.len())
    }

    /// The listing pages on which the page at `index` of the library has its card.
    pub fn listing_pages_showing(&self, index: usize) -> Vec<Job> {
        let per_page = self.config.paginate;
        let listings = self.listings.all.iter().enumerate();
        listings
            .filter_map(|(i, listing)| {
                listing.items.iter().position(|&item| item == index).map(|at| Job::Listing(i, at / per_page + 1))
            })
            .collect()
    }

    /// Renders `jobs` and writes each as soon as it is rendered; returns how many.
    pub fn render_and_write(&self, jobs: &[Job], out: &Path) -> Result<usize, BuildError> {
        jobs.par_iter().try_for_each(|job| {
            let output = self.renderer.render(job, &self.library, &self.listings)?;
            write_file(&output_path(out, &output.url), &output.html)
        })?;
        Ok(jobs.len())
    }

    /// Feeds, sitemap, robots.txt, calendar, attachments and static files.
    pub fn write_extras(&self, out: &Path) -> Result<usize, BuildError> {
        let (feeds, page_files) = rayon::join(
            || self.write_feeds(out),
            || {
                self.library
                    .pages()
                    .par_iter()
                    .map(|page| copy_page_files(page, out))
                    .try_reduce(|| 0, |a, b| Ok(a + b))
            },
        );
        Ok(feeds? + page_files? + copy_static(&self.root.join(STATIC_DIR), out)?)
    }

    /// Feeds, sitemap, robots.txt and calendar: what depends on every page's
    /// metadata. Returns how many files.
    pub fn write_feeds(&self, out: &Path) -> Result<usize, BuildError> {
        let today = self.today;
        let mut files: Vec<(String, String)> = vec![
            (feeds::feed_url(None), feeds::atom(&self.config, &self.library, None, today)),
            ("/robots.txt".into(), feeds::robots(&self.config)),
            ("/calendar.ics".into(), feeds::calendar(&self.config, &self.library, jiff::Timestamp::now())),
        ];
        for kind in Kind::ALL {
            files.push((feeds::feed_url(Some(kind)), feeds::atom(&self.config, &self.library, Some(kind), today)));
        }
        files.push(("/sitemap.xml".into(), feeds::sitemap(&self.config, &self.sitemap_entries())));
        for (url, text) in &files {
            write_file(&out.join(url.trim_start_matches('/')), text.as_bytes())?;
        }
        Ok(files.len())
    }

    /// URLs other than pages that content may link to.
    pub fn known_urls(root: &Path, listings: &Listings) -> HashSet<String> {
        let mut urls: HashSet<String> =
            ["/", "/search/", "/atom.xml", "/sitemap.xml", "/robots.txt", "/calendar.ics"].map(String::from).into();
        for listing in &listings.all {
            urls.insert(listing.url.clone());
            urls.insert(percent_encoding::percent_decode_str(&listing.url).decode_utf8_lossy().into_owned());
        }
        for kind in Kind::ALL {
            urls.insert(feeds::feed_url(Some(kind)));
        }
        let static_dir = root.join(STATIC_DIR);
        for entry in WalkDir::new(&static_dir).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
            if let Ok(relative) = entry.path().strip_prefix(&static_dir) {
                urls.insert(format!("/{}", relative.to_string_lossy()));
            }
        }
        urls
    }
}

/// The search documents of several pages.
pub struct SearchDocuments<'a> {
    pages: Vec<SearchParts<'a>>,
}

/// What the search index reads of one page and its body.
pub struct SearchParts<'a> {
    page: &'a Page,
    date: String,
    /// 发文机关 of a notice or policy: the issuer filter lists these only.
    issuers: &'a [String],
    /// Who offers a course or sends a case: searched, but not an issuer.
    provider: Option<&'a str>,
    doc_number: Option<String>,
    blocks: Vec<&'a str>,
}

impl<'a> SearchParts<'a> {
    /// `body` is the page's whole body ([`Page::body`]).
    pub fn of(page: &'a Page, body: &'a Rendered) -> SearchParts<'a> {
        let (issuers, provider): (&[String], _) = match &page.meta {
            Meta::Notice(n) => (&n.issuers, None),
            Meta::Policy(p) => (&p.notice.issuers, None),
            Meta::Course(c) => (&[], Some(c.provider.as_str())),
            Meta::Case(c) => (&[], Some(c.provider.as_str())),
        };
        SearchParts {
            page,
            date: page.date().to_string(),
            issuers,
            provider,
            doc_number: page.notice().and_then(|n| n.doc_number.as_ref()).map(ToString::to_string),
            blocks: body.text_blocks.iter().map(String::as_str).collect(),
        }
    }

    pub fn document(&self) -> gazette_search::Document<'_> {
        gazette_search::Document {
            url: &self.page.url,
            title: &self.page.title,
            doc_number: self.doc_number.as_deref(),
            kind: self.page.kind.name(),
            issuers: self.issuers,
            provider: self.provider,
            year: Some(i32::from(self.page.date().year())),
            date: Some(&self.date),
            body: &self.blocks,
        }
    }
}

impl<'a> SearchDocuments<'a> {
    pub fn documents(&self) -> Vec<gazette_search::Document<'_>> {
        self.pages.iter().map(SearchParts::document).collect()
    }

    /// The pages as the search sees them, as JSON for the brute-force checks of
    /// the client (`search/js/oracle.mjs`) and the search benchmark:
    /// `[{"url", "title", "doc_number", "kind", "issuers", "provider", "body": [block…]}…]`.
    pub fn corpus_json(&self) -> serde_json::Value {
        self.documents()
            .iter()
            .map(|d| {
                serde_json::json!({"url": d.url, "title": d.title, "doc_number": d.doc_number, "kind": d.kind,
                    "issuers": d.issuers, "provider": d.provider, "body": d.body})
            })
            .collect()
    }
}

/// The search documents of `pages`, each with its whole body ([`page_bodies`]).
pub fn search_documents<'a>(pages: impl Iterator<Item = (&'a Page, &'a Rendered)>) -> SearchDocuments<'a> {
    SearchDocuments { pages: pages.map(|(page, body)| SearchParts::of(page, body)).collect() }
}

/// The whole bodies of `pages` ([`Page::body`]), read in parallel.
pub fn page_bodies(root: &Path, pages: &[Page]) -> Result<Vec<Rendered>, BuildError> {
    pages.par_iter().map(|page| page.body(root).map_err(BuildError::Content)).collect()
}

pub struct SearchWritten {
    pub files: usize,
}

pub fn write_search_index(index: &SearchIndex, out: &Path) -> Result<SearchWritten, BuildError> {
    let stats = index.write(&out.join(SEARCH_INDEX_DIR))?;
    Ok(SearchWritten { files: stats.files })
}

/// Loads the library, builds its listings (which links may point to) and runs the
/// cross-page checks; every error at once.
pub fn load_checked(root: &Path) -> Result<(Library, Listings), BuildError> {
    let (library, mut errors) = Library::load(root);
    let listings = Listings::build(&library);
    errors.extend(check::check_library(&library, root, &Site::known_urls(root, &listings)));
    if errors.is_empty() {
        Ok((library, listings))
    } else {
        errors.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
        Err(BuildError::Content(errors))
    }
}

/// `gazette build`: the whole site into `out`.
pub fn build_site(root: &Path, out: &Path) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let site = Site::load(root, false)?;
    let mut report =
        BuildReport { content_pages: site.library.pages().len(), load: started.elapsed(), ..Default::default() };
    site.write_all(out, &mut report)?;
    report.total = started.elapsed();
    Ok(report)
}

/// Empties `out`, refusing folders that are clearly not a build output.
fn prepare_out_dir(root: &Path, out: &Path) -> Result<(), BuildError> {
    let refuse = |why: &str| BuildError::Config {
        path: out.to_path_buf(),
        message: format!("refusing to use as output folder: {why}"),
    };
    let canonical_root = root.canonicalize().map_err(|e| BuildError::io("resolve", root, e))?;
    if out.exists() {
        let canonical_out = out.canonicalize().map_err(|e| BuildError::io("resolve", out, e))?;
        if canonical_root.starts_with(&canonical_out) {
            return Err(refuse("it contains the project"));
        }
        for protected in ["content", "templates", "static", "site", "functions"] {
            if canonical_out == canonical_root.join(protected) {
                return Err(refuse("it is part of the project's sources"));
            }
        }
        empty_dir(out)?;
    }
    std::fs::create_dir_all(out).map_err(|e| BuildError::io("create", out, e))
}

/// Removes everything in `dir`, on every core: a previous build left a folder
/// per page, and removing them on one thread kept the other core idle for
/// about a twentieth of a build. The entries of the first two levels (kinds,
/// then pages) are listed first and removed in parallel; symbolic links are
/// removed, never followed.
fn empty_dir(dir: &Path) -> Result<(), BuildError> {
    let entries = |dir: &Path| -> Result<Vec<PathBuf>, BuildError> {
        let read = std::fs::read_dir(dir).map_err(|e| BuildError::io("empty the output folder", dir, e))?;
        read.map(|entry| entry.map(|e| e.path()).map_err(|e| BuildError::io("empty the output folder", dir, e)))
            .collect()
    };
    let mut items = Vec::new();
    let mut folders = Vec::new();
    for path in entries(dir)? {
        if path.is_dir() && !path.is_symlink() {
            items.extend(entries(&path)?);
            folders.push(path);
        } else {
            items.push(path);
        }
    }
    items.par_iter().try_for_each(|path| {
        let removed = if path.is_dir() && !path.is_symlink() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
        removed.map_err(|e| BuildError::io("empty the output folder", path, e))
    })?;
    for folder in &folders {
        std::fs::remove_dir(folder).map_err(|e| BuildError::io("empty the output folder", folder, e))?;
    }
    Ok(())
}

/// The file a URL is written to: `/a/b/` → `out/a/b/index.html`, decoded.
pub fn output_path(out: &Path, url: &str) -> PathBuf {
    let decoded = percent_encoding::percent_decode_str(url).decode_utf8_lossy();
    let relative = decoded.trim_start_matches('/');
    if relative.is_empty() || relative.ends_with('/') {
        out.join(relative).join("index.html")
    } else {
        out.join(relative)
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BuildError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BuildError::io("create", parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| BuildError::io("write", path, e))
}

/// Copies a page's attachments and every other file of its bundle the body
/// refers to (images, linked files) next to the page; returns how many.
pub fn copy_page_files(page: &Page, out: &Path) -> Result<usize, BuildError> {
    let Some(bundle) = &page.bundle else { return Ok(0) };
    let mut files: Vec<(PathBuf, String)> =
        page.attachments.iter().map(|a| (bundle.join(&a.file), a.url.clone())).collect();
    for (file, url) in page.bundle_files() {
        if !files.iter().any(|(f, _)| *f == file) {
            files.push((file, url));
        }
    }
    for (file, url) in &files {
        copy_file(file, &output_path(out, url))?;
    }
    Ok(files.len())
}

fn copy_file(from: &Path, to: &Path) -> Result<(), BuildError> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BuildError::io("create", parent, e))?;
    }
    std::fs::copy(from, to).map(|_| ()).map_err(|e| BuildError::io("copy", from, e))
}

pub fn copy_static(static_dir: &Path, out: &Path) -> Result<usize, BuildError> {
    let mut copied = 0;
    for entry in WalkDir::new(static_dir).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let Ok(relative) = entry.path().strip_prefix(static_dir) else { continue };
        copy_file(entry.path(), &out.join(relative))?;
        copied += 1;
    }
    Ok(copied)
}
