//! Test support: stores to run against, moto's server for the DynamoDB ones, and an
//! HTTP helper that drives the router in-process.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use gazette_core::store::{DynamoStore, EmbeddedStore, SharedStore};

/// Keeps whatever a store needs alive (a temporary directory) for the test's length.
pub type Guard = Box<dyn std::any::Any + Send>;

pub fn embedded() -> (SharedStore, Guard) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = EmbeddedStore::open(dir.path()).expect("open embedded store");
    (Arc::new(store), Box::new(dir))
}

/// A fresh table on the shared moto server, or `None` (after a loud message) when
/// moto is not installed outside CI. In CI a missing moto fails the test.
pub async fn dynamo() -> Option<(SharedStore, Guard)> {
    let moto = moto()?;
    let client = gazette_core::store::dynamo_client(Some(&moto.endpoint)).await;
    let table = format!("gazette-test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let store = DynamoStore::new(client, table);
    store.create_table().await.expect("create table on moto");
    Some((Arc::new(store), Box::new(())))
}

/// moto's server on a free loopback port.
///
/// moto applies a `TransactWriteItems` step by step and rolls a failed one back by
/// restoring a copy of the whole table; under its default threaded server two
/// concurrent transactions can interleave and a rollback can erase another's commit —
/// something DynamoDB (serialisable transactions) never does. So the server is started
/// single-threaded, through a `sitecustomize` on `PYTHONPATH` that turns off werkzeug's
/// threading: requests from many concurrent clients still interleave between requests,
/// which is where the workflows' races live, but each transaction is atomic as in AWS.
///
/// The server runs under a small shell watchdog that ends it when our end of its stdin
/// closes — on drop, and also when the test process exits however it exits.
pub struct MotoServer {
    pub endpoint: String,
    child: Mutex<Option<(Child, ChildStdin)>>,
    _pythonpath: tempfile::TempDir,
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        if let Ok(mut guard) = self.child.lock() {
            if let Some((mut child, stdin)) = guard.take() {
                drop(stdin);
                let _ = child.wait();
            }
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

impl MotoServer {
    pub fn start() -> Option<MotoServer> {
        if !on_path("moto_server") {
            let msg = "moto_server is not on PATH: install it with scripts/setup (pip install 'moto[server]')";
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("{msg}; DynamoDB tests cannot be skipped in CI");
            }
            eprintln!("\n!!!!! SKIPPING DynamoDB/S3 test: {msg} !!!!!\n");
            return None;
        }
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()).expect("free port").port();
        let pythonpath = tempfile::tempdir().expect("temporary directory");
        std::fs::write(
            pythonpath.path().join("sitecustomize.py"),
            "import werkzeug.serving as _s\n_run = _s.run_simple\n\
             def run_simple(*a, **kw):\n    kw['threaded'] = False\n    return _run(*a, **kw)\n\
             _s.run_simple = run_simple\n",
        )
        .expect("write sitecustomize.py");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(r#"moto_server -H 127.0.0.1 -p "$1" >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid; wait $pid"#)
            .arg("moto-watchdog")
            .arg(port.to_string())
            .env("PYTHONPATH", pythonpath.path())
            .stdin(Stdio::piped())
            .spawn()
            .expect("start moto_server");
        let stdin = child.stdin.take().expect("watchdog stdin");
        let server = MotoServer {
            endpoint: format!("http://127.0.0.1:{port}"),
            child: Mutex::new(Some((child, stdin))),
            _pythonpath: pythonpath,
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                // Up when it answers HTTP, not merely accepts.
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                if s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_ok() {
                    let mut buf = [0u8; 12];
                    if std::io::Read::read(&mut s, &mut buf).is_ok_and(|n| n > 0) {
                        return Some(server);
                    }
                }
            }
            assert!(Instant::now() < deadline, "moto_server did not start on {addr} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

static MOTO: OnceLock<Option<MotoServer>> = OnceLock::new();

/// The moto server shared by this test binary (each test uses its own table/bucket).
pub fn moto() -> Option<&'static MotoServer> {
    MOTO.get_or_init(MotoServer::start).as_ref()
}

// ---- HTTP helpers --------------------------------------------------------------------

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("reply is not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }
}

pub async fn send(router: &Router, req: Request<Body>) -> Reply {
    let res = router.clone().oneshot(req).await.expect("router is infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes().to_vec();
    Reply { status, headers, bytes }
}

// ---- attachments --------------------------------------------------------------------

/// Where local upload links point; the tests strip it and call the router directly.
pub const API_BASE: &str = "http://127.0.0.1:1111/api";

/// Attachment storage in a temporary directory (kept for the test's length with the
/// directory returned), its links signed as the router's own.
pub fn local_files() -> (gazette_core::http::Files, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let files = gazette_core::attachments::LocalAttachments::new(dir.path(), crate::registration_api::SECRET, API_BASE);
    (gazette_core::http::Files::Local(files), dir)
}

/// Attachment storage in a fresh bucket of moto's S3, or `None` as [`moto`] says.
pub async fn s3_files() -> Option<gazette_core::http::Files> {
    let moto = moto()?;
    let bucket = format!("gazette-test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let (status, _) = crate::attachments::http("PUT", &format!("{}/{bucket}", moto.endpoint), &[], b"").await;
    assert_eq!(status, 200, "create bucket on moto");
    let config = gazette_core::aws::local_sdk_config(&moto.endpoint);
    let s3 = gazette_core::attachments::S3Attachments::new(&config, &bucket).expect("S3 attachments");
    Some(gazette_core::http::Files::Remote(Arc::new(s3)))
}

/// Uploads a file as a person does: asks for a ticket (`POST /case-files`) for
/// `field` of `form`, PUTs the bytes to the local upload route the ticket names, and
/// returns the file record to put in the form. `router` answers at the API's root.
pub async fn upload_file(
    router: &Router,
    token: &str,
    form: &str,
    field: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> serde_json::Value {
    let ask = serde_json::json!({ "form": form, "field": field, "name": name, "size": bytes.len(), "content_type": content_type });
    let r = send(router, request(Method::POST, "/case-files", Some(token), Some(ask))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&r.bytes));
    let ticket = r.json();
    let url = ticket["upload"]["url"].as_str().expect("upload url");
    assert_eq!(ticket["upload"]["method"], "PUT");
    let path = url.strip_prefix(API_BASE).expect("a local upload link");
    let put = Request::builder()
        .method(Method::PUT)
        .uri(path)
        .header("content-type", content_type)
        .body(Body::from(bytes.to_vec()))
        .expect("request");
    let r = send(router, put).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.bytes));
    ticket["file"].clone()
}

/// The anti-forgery token a page's post forms carry (`_csrf`).
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"_csrf\" value=\"").expect("a post form with its anti-forgery token");
    let rest = &html[at + "name=\"_csrf\" value=\"".len()..];
    rest[..rest.find('"').expect("value closes")].to_owned()
}

/// The cells of a workbook's first sheet, as text, row by row (exports read back).
pub fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let range = book.worksheet_range_at(0).expect("a first sheet").expect("a readable sheet");
    range.rows().map(|row| row.iter().map(|c| c.to_string()).collect()).collect()
}

pub fn request(method: Method, uri: &str, token: Option<&str>, body: Option<serde_json::Value>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    match body {
        Some(v) => b.header("content-type", "application/json").body(Body::from(v.to_string())).expect("request"),
        None => b.body(Body::empty()).expect("request"),
    }
}

/// Runs each named `async fn(SharedStore)` as a test on both stores: `embedded::name`
/// always, `dynamodb::name` against moto's server (see [`dynamo`]).
macro_rules! on_store {
    ($store:ident, $make:expr, [$($case:ident),* $(,)?]) => {
        mod $store {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some((store, _guard)) = $make.await else { return };
                    super::$case(store).await;
                }
            )*
        }
    };
}

macro_rules! on_both_stores {
    ($($case:ident),* $(,)?) => {
        on_store!(embedded, async { Some(crate::support::embedded()) }, [$($case),*]);
        on_store!(dynamodb, crate::support::dynamo(), [$($case),*]);
    };
}

/// Puts the unit `code` of `region` in the directory as the unit itself does: its
/// registration (单位注册) through `/web/register-unit` of `app` (routes at `/web/…`),
/// under the region's science and technology department, approved by the region's
/// administrator. A unit already there stays.
pub async fn unit_in_directory(app: &axum::Router, code: &str, region: &str) {
    if register_unit(app, code, region).await {
        approve_registration(app, &format!("{code}.admin"), region).await;
    }
}

/// The registration alone (the unit waits for approval): whether it was new.
pub async fn register_unit(app: &axum::Router, code: &str, region: &str) -> bool {
    let department = format!("{region}-kjt");
    let admin = format!("{code}.admin");
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("unit_name", format!("{code} 医院").as_str()),
            ("unit_code", code),
            ("department", &department),
            ("username", &admin),
            ("name", "单位管理员"),
            ("email", "admin@example.cn"),
        ])
        .finish();
    let request = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/web/register-unit")
        .header(axum::http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(body))
        .expect("request");
    let r = send(app, request).await;
    let page = String::from_utf8_lossy(&r.bytes);
    assert!(page.contains("注册已提交") || page.contains("已被使用"), "{code}: {page}");
    page.contains("注册已提交")
}

/// The region's administrator approves the registration of `account` on the accounts
/// page of `app` (routes at `/web/…`): the unit becomes a choice. A router without an
/// outbox answers 503 (the one-time password cannot go out) after approving.
pub async fn approve_registration(app: &axum::Router, account: &str, region: &str) {
    let r = decide_registration(app, "/web", account, region, "approve", &[]).await;
    assert!(
        matches!(r.status, StatusCode::SEE_OTHER | StatusCode::SERVICE_UNAVAILABLE),
        "approving {account}: {} {}",
        r.status,
        String::from_utf8_lossy(&r.bytes)
    );
}

/// The region's administrator refuses the registration of `account`.
pub async fn refuse_registration(app: &axum::Router, account: &str, region: &str) {
    let r = decide_registration(app, "/web", account, region, "reject", &[("reason", "材料不全。")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&r.bytes));
}

/// Posts `step` (approve, reject) on the registration of `account` as the accounts
/// page's form does, signed in as the administrator of `region` (tokens signed with
/// the tests' secret), with the page's anti-forgery token; `web` is where the pages
/// answer (`/web`, or `/api/web` when the router is mounted as `gazette serve` does).
pub async fn decide_registration(
    app: &axum::Router,
    web: &str,
    account: &str,
    region: &str,
    step: &str,
    fields: &[(&str, &str)],
) -> Reply {
    use axum::http::header;
    let token = gazette_core::http::mint_dev_token(
        crate::registration_api::SECRET,
        gazette_core::http::Role::RegionalAdmin,
        None,
        Some(region),
        Duration::from_secs(600),
    );
    let cookie = format!("gazette_session={token}");
    let get = Request::builder().uri(format!("{web}/accounts")).header(header::COOKIE, &cookie).body(Body::empty());
    let page = String::from_utf8_lossy(&send(app, get.expect("request")).await.bytes).into_owned();
    let csrf = page.split("name=\"_csrf\" value=\"").nth(1).and_then(|rest| rest.split('"').next());
    let csrf = csrf.unwrap_or_else(|| panic!("the accounts page carries the anti-forgery token: {page}"));
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", csrf)
        .extend_pairs(fields.iter().copied())
        .finish();
    let post = Request::builder()
        .method(Method::POST)
        .uri(format!("{web}/accounts/{account}/{step}"))
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request");
    send(app, post).await
}

/// Registers the platform `code` of `unit` in the directory of `store`, as the unit
/// administrator does on `/web/platforms` (a platform already there stays): reports
/// are accepted only for a unit's registered platforms.
pub async fn platform_in_directory(store: &SharedStore, unit: &str, code: &str) {
    let directory = gazette_core::directory::Directory::new(store.clone());
    match directory.add_platform(unit, code, "河北省复合材料技术创新中心", "张一", "科技处").await {
        Ok(_) | Err(gazette_core::directory::DirectoryError::Taken(_)) => {}
        Err(e) => panic!("platform {code} of {unit}: {e}"),
    }
}
