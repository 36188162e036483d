//! `gazette serve`: build, serve on 127.0.0.1, watch `content/`, `templates/`,
//! `static/` and `gazette.toml`, rebuild only what a change touches, and tell open
//! browsers to reload.
//!
//! The site is kept in memory between rebuilds. A changed content file is reloaded
//! alone; when what listings show of it (title, date, summary, metadata) is
//! unchanged only its own page is rendered again, otherwise its kind's listings,
//! the home page and the feeds too. Templates or config changes re-render all.

use std::collections::HashSet;
use std::convert::Infallible;
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
use crate::content::{self, CONTENT_DIR, Kind, Library};
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
    /// Of `elapsed`, the time spent updating the search index.
    pub search: Duration,
    pub what: String,
}

/// A site in memory with its output folder: the state `serve` updates.
pub struct LiveSite {
    site: Site,
    search: gazette_search::SearchIndex,
    /// Listing and static URLs links may point to; refreshed when listings change.
    known_urls: HashSet<String>,
    out: PathBuf,
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
        Ok((LiveSite { site, search, known_urls, out: out.to_path_buf() }, report))
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
                search: report.search,
                what: "templates or config: everything".into(),
            });
        }
        let mut rendered = 0;
        let mut search = Duration::ZERO;
        let mut what = Vec::new();
        if touches(STATIC_DIR) {
            build::copy_static(&root.join(STATIC_DIR), &self.out)?;
            what.push("static files".to_string());
        }
        let mut pages: Vec<(Kind, PathBuf)> = changed.iter().filter_map(|p| page_file(&root, p)).collect();
        pages.sort();
        pages.dedup();
        for (kind, file) in pages {
            let (pages, search_time) = self.update_page(kind, &file)?;
            rendered += pages;
            search += search_time;
            what.push(file.strip_prefix(&root).unwrap_or(&file).display().to_string());
        }
        Ok(Rebuild { rendered, elapsed: started.elapsed(), search, what: what.join(", ") })
    }

    /// Reloads one content file and renders what depends on it. Returns how many
    /// HTML files were written and the time the search index took. On a content
    /// error nothing is written.
    fn update_page(&mut self, kind: Kind, file: &Path) -> Result<(usize, Duration), BuildError> {
        let root = self.site.root.clone();
        let slug = slug_of(file);
        let url = format!("/{}/{}/", kind.dir(), slug);
        let new_page = if file.exists() {
            Some(content::load_page(&root, kind, file).map_err(BuildError::Content)?)
        } else {
            None
        };
        let listing_view = |page: Option<&content::Page>| {
            page.map(|p| {
                (p.title.clone(), p.date(), p.summary.clone(), serde_json::to_string(&p.meta).unwrap_or_default())
            })
        };
        let listings_unchanged = listing_view(self.site.library.get(&url)) == listing_view(new_page.as_ref());
        // What other pages may link to: anchors and attachments.
        let link_targets = |page: Option<&content::Page>| {
            page.map(|p| {
                let anchors: Vec<String> = p.content.outline.iter().map(|h| h.id.clone()).collect();
                let files: Vec<String> = p.attachments.iter().map(|a| a.url.clone()).collect();
                (anchors, files)
            })
        };
        let targets_unchanged = link_targets(self.site.library.get(&url)) == link_targets(new_page.as_ref());

        // An edit that leaves what listings show and what links point to alone
        // cannot break another page: swap the page in place and check only it. Anything else (a new,
        // deleted, retitled or redated page) re-sorts and re-checks the library.
        let in_place = match new_page {
            Some(page) if listings_unchanged && targets_unchanged => match self.site.library.update_in_place(page) {
                Ok(()) => true,
                Err(page) => {
                    self.site.library.replace(&url, Some(page));
                    false
                }
            },
            other => {
                self.site.library.replace(&url, other);
                false
            }
        };
        let errors = match (in_place, self.site.library.get(&url)) {
            (true, Some(page)) => crate::check::check_page(page, &self.site.library, &root, &self.known_urls),
            _ => {
                self.site.listings = crate::render::Listings::build(&self.site.library);
                self.known_urls = Site::known_urls(&root, &self.site.listings);
                crate::check::check_library(&self.site.library, &root, &self.known_urls)
            }
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
        let mut jobs = Vec::new();
        if let Some(index) = self.site.library.pages().iter().position(|p| p.url == url) {
            jobs.push(Job::Page(index));
        }
        if !listings_unchanged {
            jobs.push(Job::Home);
            let per_page = self.site.config.paginate;
            for (i, listing) in self.site.listings.all.iter().enumerate().filter(|(_, l)| l.kind == kind) {
                jobs.extend((1..=listing.page_count(per_page)).map(|n| Job::Listing(i, n)));
            }
        }
        let outputs = self.site.render(&jobs)?;
        build::write_outputs(&self.out, &outputs)?;
        if let Some(page) = self.site.library.get(&url) {
            build::copy_page_files(page, &self.out)?;
        }
        let search_started = Instant::now();
        match self.site.library.get(&url) {
            Some(page) => {
                let body = page.body(&root).map_err(BuildError::Content)?;
                self.search.upsert(&build::SearchParts::of(page, &body).document());
            }
            None => self.search.remove(&url),
        }
        build::write_search_index(&self.search, &self.out)?;
        let search_time = search_started.elapsed();
        if !listings_unchanged {
            self.site.write_extras(&self.out)?;
        }
        Ok((outputs.len(), search_time))
    }

    pub fn library(&self) -> &Library {
        &self.site.library
    }
}

/// The content file and kind a changed path belongs to: the page itself, or the
/// `index.md` of the bundle an attachment sits in.
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
    let app = app.fallback_service(files);
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
                    "Rebuilt {} page(s) in {:.1} ms (search index {:.1} ms): {}",
                    rebuild.rendered,
                    rebuild.elapsed.as_secs_f64() * 1000.0,
                    rebuild.search.as_secs_f64() * 1000.0,
                    rebuild.what
                );
                let _ = reload.send(());
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
