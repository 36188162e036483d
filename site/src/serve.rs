//! `gazette serve`: build, serve on 127.0.0.1, watch `content/`, `templates/`,
//! `static/` and `gazette.toml`, rebuild only what a change touches, and tell open
//! browsers to reload.
//!
//! The site is kept in memory between rebuilds. A changed content file is reloaded
//! alone; when what listings show of it (title, date, summary, metadata) is
//! unchanged only its own page is rendered again, otherwise its kind's listings,
//! the home page and the feeds too. Templates or config changes re-render all.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::stream::Stream;
use notify::{RecursiveMode, Watcher};
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;
use tower_http::services::{ServeDir, ServeFile};

use crate::build::{self, BuildReport, STATIC_DIR, Site};
use crate::config::Config;
use crate::content::{self, CONTENT_DIR, Kind, Library, Meta};
use crate::error::BuildError;
use crate::render::{Job, TEMPLATES_DIR};

const LIVE_RELOAD_JS: &str = "new EventSource('/__gazette/events').onmessage = function () { location.reload(); };\n";
/// Editors save in bursts (write, rename, chmod): wait this long for quiet.
const DEBOUNCE: Duration = Duration::from_millis(30);

/// What a rebuild did, printed after each change.
#[derive(Debug)]
pub struct Rebuild {
    pub rendered: usize,
    pub elapsed: Duration,
    pub what: String,
}

/// A site in memory with its output folder: the state `serve` updates.
pub struct LiveSite {
    site: Site,
    search: gazette_search::SearchIndex,
    /// Listing and static URLs links may point to; refreshed when listings change.
    known_urls: HashSet<String>,
    out: PathBuf,
    /// Pages changed since the search index was last written, and whether
    /// the feeds, sitemap and calendar are behind: both are brought up to date
    /// after the reload, by [`LiveSite::update_feeds_and_search`].
    search_pending: Vec<String>,
    feeds_pending: bool,
}

impl LiveSite {
    /// Full build into `out`, with the live-reload script in every page.
    pub fn build(root: &Path, out: &Path) -> Result<(LiveSite, BuildReport), BuildError> {
        let started = Instant::now();
        let site = Site::load(root, true)?;
        let mut report =
            BuildReport { content_pages: site.library.pages().len(), load: started.elapsed(), ..Default::default() };
        let search = site.write_all(out, &mut report)?;
        report.total = started.elapsed();
        let known_urls = Site::known_urls(root, &site.listings);
        Ok((
            LiveSite {
                site,
                search,
                known_urls,
                out: out.to_path_buf(),
                search_pending: Vec::new(),
                feeds_pending: false,
            },
            report,
        ))
    }

    /// Applies a batch of changed paths, doing as little as the change needs.
    pub fn apply(&mut self, changed: &[PathBuf]) -> Result<Rebuild, BuildError> {
        let started = Instant::now();
        let root = self.site.root.clone();
        let touches = |dir: &str| changed.iter().any(|p| p.starts_with(root.join(dir)));
        if touches(TEMPLATES_DIR) || changed.iter().any(|p| p.ends_with(Config::FILE_NAME)) {
            let (live, report) = LiveSite::build(&root, &self.out)?;
            *self = live;
            return Ok(Rebuild {
                rendered: report.html_files,
                elapsed: started.elapsed(),
                what: "templates or config: everything".into(),
            });
        }
        let mut rendered = 0;
        let mut what = Vec::new();
        if touches(STATIC_DIR) {
            build::copy_static(&root.join(STATIC_DIR), &self.out)?;
            what.push("static files".to_string());
        }
        let mut pages: Vec<(Kind, PathBuf)> = changed.iter().filter_map(|p| page_file(&root, p)).collect();
        pages.sort();
        pages.dedup();
        for (kind, file) in pages {
            rendered += self.update_page(kind, &file)?;
            what.push(file.strip_prefix(&root).unwrap_or(&file).display().to_string());
        }
        Ok(Rebuild { rendered, elapsed: started.elapsed(), what: what.join(", ") })
    }

    /// Brings the feeds, sitemap, calendar and search index up to date with
    /// the pages changed since they were last written; returns how long that
    /// took, or `None` if nothing was pending. Serve mode calls it once the
    /// browser has been told to reload, so that none of them (the index takes
    /// about 100 ms for a 10,000-page site, the feeds as much) delays the page.
    pub fn update_feeds_and_search(&mut self) -> Result<Option<Duration>, BuildError> {
        if self.search_pending.is_empty() && !self.feeds_pending {
            return Ok(None);
        }
        let started = Instant::now();
        if std::mem::take(&mut self.feeds_pending) {
            self.site.write_feeds(&self.out)?;
        }
        for url in std::mem::take(&mut self.search_pending) {
            match self.site.library.get(&url) {
                Some(page) => {
                    let body = page.body(&self.site.root).map_err(BuildError::Content)?;
                    self.search.upsert(&build::SearchParts::of(page, &body).document());
                }
                None => self.search.remove(&url),
            }
        }
        build::write_search_index(&self.search, &self.out)?;
        Ok(Some(started.elapsed()))
    }

    /// Re-renders what an edit of one content file changes: the page; and when
    /// what listings show of it changed (title, date, summary, metadata), the
    /// home page, the listing pages whose cards, order or facets changed, the
    /// pages that show its title (a policy it supersedes, a notice of its
    /// course) and the feeds. Checks the page alone unless the edit can break
    /// other pages' links (a page or anchor gone, a facet listing gone).
    /// Returns how many pages were rendered; the search index follows later
    /// ([`LiveSite::update_search`]).
    fn update_page(&mut self, kind: Kind, file: &Path) -> Result<usize, BuildError> {
        let root = self.site.root.clone();
        let slug = slug_of(file);
        let url = format!("/{}/{}/", kind.dir(), slug);
        let new_page = if file.exists() {
            Some(content::load_page(&root, kind, file).map_err(BuildError::Content)?)
        } else {
            None
        };
        // What orders a page into listings and facets, and what its card shows besides.
        let order_view =
            |page: Option<&content::Page>| page.map(|p| (p.date(), serde_json::to_string(&p.meta).unwrap_or_default()));
        let card_view = |page: Option<&content::Page>| page.map(|p| (p.title.clone(), p.summary.clone()));
        let old_page = self.site.library.get(&url);
        let order_unchanged = order_view(old_page) == order_view(new_page.as_ref());
        let cards_unchanged = card_view(old_page) == card_view(new_page.as_ref());
        let link_targets = |page: Option<&content::Page>| {
            page.map(|p| {
                let anchors: Vec<String> = p.content.outline.iter().map(|h| h.id.clone()).collect();
                let files: Vec<String> = p.attachments.iter().map(|a| a.url.clone()).collect();
                (anchors, files)
            })
        };
        let targets_unchanged = link_targets(old_page) == link_targets(new_page.as_ref());
        let existed = old_page.is_some();

        let before = (!order_unchanged).then(|| ListingPages::of(&self.site, &url));
        match new_page {
            Some(page) if order_unchanged && targets_unchanged => {
                if let Err(page) = self.site.library.update_in_place(page) {
                    self.site.library.replace(&url, Some(*page));
                }
            }
            other => {
                self.site.library.replace(&url, other);
                self.site.listings = crate::render::Listings::build(&self.site.library);
            }
        }
        let after = before.as_ref().map(|_| ListingPages::of(&self.site, &url));
        let listing_urls_unchanged = match (&before, &after) {
            (Some(before), Some(after)) => before.urls_equal(after),
            _ => true,
        };
        if !listing_urls_unchanged {
            self.known_urls = Site::known_urls(&root, &self.site.listings);
        }
        let page_alone = targets_unchanged && listing_urls_unchanged && existed;
        let errors = match self.site.library.get(&url) {
            Some(page) if page_alone => crate::check::check_page(page, &self.site.library, &root, &self.known_urls),
            _ => crate::check::check_library(&self.site.library, &root, &self.known_urls),
        };
        if !errors.is_empty() {
            return Err(BuildError::Content(errors));
        }

        if self.site.library.get(&url).is_none() {
            let folder = build::output_path(&self.out, &url);
            if let Some(folder) = folder.parent().filter(|f| f.exists()) {
                std::fs::remove_dir_all(folder).map_err(|e| BuildError::io("remove", folder, e))?;
            }
        }
        let pages = self.site.library.pages();
        let index = pages.iter().position(|p| p.url == url);
        let mut jobs: Vec<Job> = index.map(Job::Page).into_iter().collect();
        if let (Some(before), Some(after)) = (&before, &after) {
            jobs.extend(after.changed_since(before));
            for gone in before.gone_from(after) {
                let file = build::output_path(&self.out, gone);
                if file.exists() {
                    std::fs::remove_file(&file).map_err(|e| BuildError::io("remove", &file, e))?;
                }
            }
        } else if let Some(index) = index.filter(|_| !cards_unchanged) {
            jobs.extend(self.site.listing_pages_showing(index));
        }
        if !order_unchanged || !cards_unchanged {
            jobs.push(Job::Home);
            jobs.extend(showing_title_of(pages, kind, &slug).filter(|i| pages[*i].url != url).map(Job::Page));
            self.feeds_pending = true;
        }
        let rendered = self.site.render_and_write(&jobs, &self.out)?;
        if let Some(page) = self.site.library.get(&url) {
            build::copy_page_files(page, &self.out)?;
        }
        self.search_pending.push(url);
        Ok(rendered)
    }

    pub fn library(&self) -> &Library {
        &self.site.library
    }
}

/// The content file and kind a changed path belongs to: the page itself, or the
/// `index.md` of the bundle an attachment sits in.
/// What every listing page shows of its items — their URLs in order and the
/// pagination, hashed — by listing page URL, and each kind's facets, so that
/// an edit re-renders only the listing pages it changed.
struct ListingPages {
    pages: HashMap<String, ListingPage>,
    facets: HashMap<Kind, String>,
}

struct ListingPage {
    job: Job,
    kind: Kind,
    hash: u64,
    /// The page being edited is among the items shown.
    shows_edited: bool,
}

impl ListingPages {
    /// The listing pages of `site`, noting those that show the page at `edited`.
    fn of(site: &Site, edited: &str) -> ListingPages {
        let per_page = site.config.paginate;
        let library = site.library.pages();
        let mut pages = HashMap::new();
        for (i, listing) in site.listings.all.iter().enumerate() {
            let total = listing.page_count(per_page);
            for (n, items) in
                listing.items.chunks(per_page).chain(listing.items.is_empty().then_some(&[][..])).enumerate()
            {
                let mut hash = std::hash::DefaultHasher::new();
                let mut shows_edited = false;
                for &item in items {
                    library[item].url.hash(&mut hash);
                    shows_edited |= library[item].url == edited;
                }
                (total, listing.items.len()).hash(&mut hash);
                let page =
                    ListingPage { job: Job::Listing(i, n + 1), kind: listing.kind, hash: hash.finish(), shows_edited };
                pages.insert(listing.page_url(n + 1), page);
            }
        }
        let facets = site
            .listings
            .facets
            .iter()
            .map(|(kind, groups)| (*kind, serde_json::to_string(groups).unwrap_or_default()))
            .collect();
        ListingPages { pages, facets }
    }

    fn urls_equal(&self, other: &ListingPages) -> bool {
        self.pages.len() == other.pages.len() && self.pages.keys().all(|url| other.pages.contains_key(url))
    }

    /// The listing pages of `self` (the state after an edit) that are new,
    /// show other items or pagination than `before`, show the edited page
    /// (now or before), or belong to a kind whose facets changed.
    fn changed_since(&self, before: &ListingPages) -> Vec<Job> {
        let refaceted: Vec<Kind> =
            Kind::ALL.into_iter().filter(|k| self.facets.get(k) != before.facets.get(k)).collect();
        self.pages
            .iter()
            .filter(|(url, page)| {
                refaceted.contains(&page.kind)
                    || page.shows_edited
                    || before.pages.get(*url).is_none_or(|was| was.hash != page.hash || was.shows_edited)
            })
            .map(|(_, page)| page.job.clone())
            .collect()
    }

    /// Listing page URLs of `self` that `after` no longer has.
    fn gone_from<'a>(&'a self, after: &'a ListingPages) -> impl Iterator<Item = &'a String> {
        self.pages.keys().filter(|url| !after.pages.contains_key(*url))
    }
}

/// Indices of the pages that show the title of the page `slug` of `kind`: the
/// policies it supersedes or is superseded by, the notices of a course.
fn showing_title_of<'a>(pages: &'a [content::Page], kind: Kind, slug: &'a str) -> impl Iterator<Item = usize> + 'a {
    let names = |s: &Option<String>| s.as_deref() == Some(slug);
    pages.iter().enumerate().filter_map(move |(i, page)| {
        let shows = match (kind, &page.meta) {
            (Kind::Policy, Meta::Policy(p)) => names(&p.supersedes) || names(&p.superseded_by),
            (Kind::Course, _) => page.notice().is_some_and(|n| names(&n.course)),
            _ => false,
        };
        shows.then_some(i)
    })
}

fn page_file(root: &Path, changed: &Path) -> Option<(Kind, PathBuf)> {
    let relative = changed.strip_prefix(root.join(CONTENT_DIR)).ok()?;
    let mut parts = relative.components();
    let kind = Kind::from_dir(parts.next()?.as_os_str().to_str()?)?;
    let first = parts.next()?.as_os_str().to_owned();
    let dir = root.join(CONTENT_DIR).join(kind.dir());
    let first_path = dir.join(&first);
    if parts.next().is_some() || first_path.is_dir() {
        Some((kind, first_path.join("index.md")))
    } else if first_path.extension().is_some_and(|e| e == "md") {
        Some((kind, first_path))
    } else {
        None
    }
}

fn slug_of(file: &Path) -> String {
    let name = if file.ends_with("index.md") { file.parent().and_then(Path::file_name) } else { file.file_stem() };
    name.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The security headers of every response, as CloudFront's response-headers policy
/// sets them in AWS (`SecurityHeadersPolicy` of `infra/template.yaml`; a test keeps
/// the two equal): scripts, styles and everything else from the site itself (no
/// inline script or style in any page; S3 for uploads), no framing, no sniffing,
/// HTTPS only, the referrer's origin only across sites. A response that sets one of
/// them itself keeps its own (the printable report's stricter policy).
pub const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self' https://*.amazonaws.com; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; \
         object-src 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
];

async fn with_security_headers(mut response: axum::response::Response) -> axum::response::Response {
    for (name, value) in SECURITY_HEADERS {
        let headers = response.headers_mut();
        if !headers.contains_key(name) {
            headers.insert(name, axum::http::HeaderValue::from_static(value));
        }
    }
    response
}

/// Serves `out` and the live-reload endpoints on 127.0.0.1:`port`, rebuilding on
/// changes until interrupted. `api` is mounted under `/api/` when given.
pub async fn serve(root: PathBuf, out: PathBuf, port: u16, api: Option<Router>) -> Result<(), ServeError> {
    let (live, report) = LiveSite::build(&root, &out).map_err(ServeError::Build)?;
    println!("{}", summary_line(&report));
    let (reload_tx, _) = broadcast::channel::<()>(16);

    let watcher_reload = reload_tx.clone();
    let watch_root = root.clone();
    let (changes_tx, changes_rx) = mpsc::channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reads (inotify's access and close-after-read events) are not changes.
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            for path in event.paths {
                let _ = changes_tx.send(path);
            }
        }
    })
    .map_err(ServeError::Watch)?;
    for dir in [CONTENT_DIR, TEMPLATES_DIR, STATIC_DIR] {
        let path = watch_root.join(dir);
        if path.exists() {
            watcher.watch(&path, RecursiveMode::Recursive).map_err(ServeError::Watch)?;
        }
    }
    watcher.watch(&watch_root.join(Config::FILE_NAME), RecursiveMode::NonRecursive).map_err(ServeError::Watch)?;
    std::thread::spawn(move || rebuild_loop(live, changes_rx, watcher_reload));

    let not_found = ServeFile::new(out.join("404.html"));
    let files = ServeDir::new(&out).append_index_html_on_directories(true).not_found_service(not_found);
    let events_tx = reload_tx.clone();
    let mut app = Router::new()
        .route(
            "/__gazette/livereload.js",
            get(|| async { ([("content-type", "text/javascript")], LIVE_RELOAD_JS).into_response() }),
        )
        .route("/__gazette/events", get(move || live_reload_events(events_tx.subscribe())));
    if let Some(api) = api {
        app = app.nest("/api", api);
    }
    let app = app.fallback_service(files).layer(axum::middleware::map_response(with_security_headers));
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|e| ServeError::Bind(address, e))?;
    println!("Serving {} at http://{address}/ (Ctrl+C to stop); watching content/, templates/, static/", out.display());
    // With the peer address, for the functions' per-address limit on public submissions.
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.map_err(ServeError::Serve)?;
    drop(watcher);
    Ok(())
}

async fn live_reload_events(rx: broadcast::Receiver<()>) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream =
        BroadcastStream::new(rx).filter_map(|message| message.ok().map(|()| Ok(Event::default().data("reload"))));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

fn rebuild_loop(mut live: LiveSite, changes: mpsc::Receiver<PathBuf>, reload: broadcast::Sender<()>) {
    while let Ok(first) = changes.recv() {
        let mut batch = vec![first];
        while let Ok(path) = changes.recv_timeout(DEBOUNCE) {
            batch.push(path);
        }
        batch.sort();
        batch.dedup();
        match live.apply(&batch) {
            Ok(rebuild) if rebuild.what.is_empty() => {}
            Ok(rebuild) => {
                println!(
                    "Rebuilt {} page(s) in {:.1} ms: {}",
                    rebuild.rendered,
                    rebuild.elapsed.as_secs_f64() * 1000.0,
                    rebuild.what
                );
                let _ = reload.send(());
                match live.update_feeds_and_search() {
                    Ok(Some(took)) => {
                        println!("Feeds and search index updated in {:.1} ms", took.as_secs_f64() * 1000.0)
                    }
                    Ok(None) => {}
                    Err(error) => eprintln!("Feeds and search index not updated: {error}"),
                }
            }
            Err(BuildError::Content(errors)) => {
                let language = live.site.config.language;
                for error in &errors {
                    eprintln!("{}", error.localized(language));
                }
                eprintln!(
                    "Not rebuilt: fix the {} error(s) above; the last good version is still served.",
                    errors.len()
                );
            }
            Err(error) => eprintln!("Not rebuilt: {error}"),
        }
    }
}

/// The line `build` and `serve` print after a full build.
pub fn summary_line(report: &BuildReport) -> String {
    format!(
        "Built {} content pages into {} HTML files (+{} other files) in {:.2} s (load {:.0} ms, render {:.0} ms, search {:.0} ms, write {:.0} ms)",
        report.content_pages,
        report.html_files,
        report.other_files,
        report.total.as_secs_f64(),
        report.load.as_secs_f64() * 1000.0,
        report.render.as_secs_f64() * 1000.0,
        report.search.as_secs_f64() * 1000.0,
        report.write.as_secs_f64() * 1000.0,
    )
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Build(BuildError),
    #[error("cannot watch for changes: {0}")]
    Watch(notify::Error),
    #[error("cannot listen on {0}: {1} (is another server using the port? pass --port)")]
    Bind(SocketAddr, std::io::Error),
    #[error("server stopped: {0}")]
    Serve(std::io::Error),
}
