//! The site's pages as a browser without a script uses them: plain urlencoded posts to
//! each form's route (`/web/act/…`), redirects followed by hand, the pages read as HTML.
//! Registration with errors and again, the honeypot, the per-address limit, redirects
//! that must stay on the site, a monthly report from the first part to approval, the
//! organisers' registration list, and pages that need signing in.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use gazette_core::http::limit::RateLimit;
use gazette_core::http::{AppState, AuthConfig, Role, mint_dev_token};
use gazette_core::store::SharedStore;
use gazette_core::workflows::{Course, CourseCatalog, PlanDeadlines, system_clock};

use crate::registration_api::SECRET;
use crate::support::{Reply, embedded, send};

const COURSE: &str = "cas-jingpin-heitu-liangcang-2027";
const UNIT: &str = "lab-1";
const PERIOD: &str = "2025-06";
/// The report's pages and API path.
const REPORT_PAGE: &str = "/api/web/reports/lab-1/p1/2025-06";
const REPORT_API: &str = "/reports/lab-1/p1/2025-06";
/// Where the course page's registration form posts.
const REGISTER: &str = "/api/web/act/registrations";

// ---- the router, visitors, requests ---------------------------------------------------

fn state(store: SharedStore) -> AppState {
    let catalog = CourseCatalog::new([Course {
        slug: COURSE.into(),
        title: "“黑土粮仓”科技会战科技人才精品培训班".into(),
        capacity: Some(70),
        opens: None,
        closes: None,
        study: Default::default(),
    }]);
    AppState::new(store, catalog, PlanDeadlines::default(), AuthConfig::hs256(SECRET), system_clock())
}

/// The API with its pages, mounted under `/api` as `gazette serve` mounts it
/// (`site/src/serve.rs`), so every request below uses the site's own addresses.
fn mounted(state: AppState) -> Router {
    Router::new().nest(gazette_core::web::MOUNT, gazette_core::web::router(state))
}

fn app(store: SharedStore) -> Router {
    mounted(state(store))
}

/// The router with the development switch on (`gazette serve --dev-sign-in`): the
/// sign-in page offers the role picker, which posts to `/web/dev-sign-in`.
fn dev_app(store: SharedStore) -> Router {
    let state = state(store);
    let auth = state.auth.clone().with_dev_sign_in(true);
    mounted(AppState { auth, ..state })
}

/// Where the development role picker posts.
const DEV_SIGN_IN: &str = "/api/web/dev-sign-in";

fn session(role: Role, unit: Option<&str>, region: Option<&str>) -> String {
    mint_dev_token(SECRET, role, unit, region, Duration::from_secs(600))
}

fn filler() -> String {
    session(Role::Filler, Some(UNIT), None)
}

fn unit_admin() -> String {
    session(Role::UnitAdmin, Some(UNIT), None)
}

fn organiser() -> String {
    session(Role::Organiser, None, None)
}

fn with_session(mut b: axum::http::request::Builder, session: Option<&str>) -> axum::http::request::Builder {
    if let Some(token) = session {
        b = b.header(header::COOKIE, format!("theme=dark; gazette_session={token}"));
    }
    b
}

/// GET a page by its site path (`/api/web/…`), signed in with `session` when given.
async fn page(app: &Router, site_path: &str, session: Option<&str>) -> Reply {
    let b = with_session(Request::builder().method(Method::GET).uri(site_path), session);
    send(app, b.body(Body::empty()).expect("request")).await
}

/// The browser's id a reply sets (`gazette_browser=…`), as a `Cookie` header value.
fn browser_cookie(r: &Reply) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gazette_browser="))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
        .unwrap_or_else(|| panic!("no browser cookie set: {:?}", r.headers))
}

/// GET a page as a browser that is not signed in but holds `cookie`.
async fn page_in_browser(app: &Router, site_path: &str, cookie: &str) -> Reply {
    let b = Request::builder().method(Method::GET).uri(site_path).header(header::COOKIE, cookie);
    send(app, b.body(Body::empty()).expect("request")).await
}

/// How a browser without a script posts a form: urlencoded, in document order.
fn urlencoded(fields: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k, v);
    }
    out.finish()
}

struct Post<'a> {
    session: Option<&'a str>,
    from: Option<SocketAddr>,
    json: bool,
}

const PLAIN: Post<'static> = Post { session: None, from: None, json: false };

async fn post_with(app: &Router, action: &str, fields: &[(String, String)], how: Post<'_>) -> Reply {
    let mut b = with_session(Request::builder().method(Method::POST).uri(action), how.session)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if how.json {
        b = b.header(header::ACCEPT, "application/json");
    }
    if let Some(addr) = how.from {
        b = b.extension(ConnectInfo(addr));
    }
    send(app, b.body(Body::from(urlencoded(fields))).expect("request")).await
}

/// Posts the course page's registration form.
async fn submit(app: &Router, fields: &[(String, String)], session: Option<&str>) -> Reply {
    post_with(app, REGISTER, fields, Post { session, ..PLAIN }).await
}

/// Posts a form of a page as a browser does, with `set` typed in; `("_press", label)`
/// presses that button, which posts to its own `formaction` when it has one.
async fn post_form(app: &Router, form: &Form, set: &[(&str, &str)], session: Option<&str>) -> Reply {
    let action = match set.iter().find(|(k, _)| *k == "_press") {
        Some((_, label)) => form.button_action(label),
        None => form.action.clone(),
    };
    let set: Vec<(&str, &str)> = set.iter().filter(|(k, _)| *k != "_press").copied().collect();
    post_with(app, &action, &form.filled(&set), Post { session, ..PLAIN }).await
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.bytes).into_owned()
}

/// The page's HTML with the entities the templates write turned back into characters.
fn html(r: &Reply) -> String {
    unescape(&text(r))
}

fn unescape(s: &str) -> String {
    s.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Where a 303 leads.
fn see_other(r: &Reply) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "expected a redirect, got {}: {}", r.status, text(r));
    r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("location").to_string()
}

// ---- reading forms out of a page --------------------------------------------------------

/// One `<form>` of a page: its action and every named control with its value as
/// drawn (hidden inputs, text inputs, textareas; checkboxes only when checked), as
/// a browser posts them — nothing inside a `<template>`, which only a script uses.
#[derive(Debug, Clone)]
pub(crate) struct Form {
    pub(crate) action: String,
    controls: Vec<(String, String)>,
    /// `(label, formaction)` of each submit button.
    buttons: Vec<(String, Option<String>)>,
    html: String,
}

impl Form {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.controls.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Where pressing the button `label` posts.
    pub(crate) fn button_action(&self, label: &str) -> String {
        let (_, formaction) = self
            .buttons
            .iter()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("no button {label:?}: {:?}", self.buttons));
        formaction.clone().unwrap_or_else(|| self.action.clone())
    }

    /// The form's own hidden controls: those starting with `_`, except the visitor's
    /// anti-forgery token, which every post form of a page carries ([`Form::csrf`]).
    fn hidden(&self) -> Vec<(String, String)> {
        self.controls.iter().filter(|(k, _)| k.starts_with('_') && k != "_csrf").cloned().collect()
    }

    /// The anti-forgery tokens the form carries.
    fn csrf(&self) -> Vec<&str> {
        self.controls.iter().filter(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()).collect()
    }

    /// What the browser posts: the controls as drawn, with `set` typed over them
    /// (a name not on the form is added, as a pressed button adds its own).
    pub(crate) fn filled(&self, set: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .controls
            .iter()
            .map(|(k, v)| {
                let typed = set.iter().find(|(n, _)| n == k).map(|(_, v)| v.to_string());
                (k.clone(), typed.unwrap_or_else(|| v.clone()))
            })
            .collect();
        for (k, v) in set {
            if !out.iter().any(|(n, _)| n == k) {
                out.push((k.to_string(), v.to_string()));
            }
        }
        out
    }
}

/// The value of `name="…"` in one tag, unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

/// Whether a tag (from `<` up to, not including, `>`) has the attribute `name`.
fn has_attr(tag: &str, name: &str) -> bool {
    let tag = tag.trim_end_matches('>').trim_end_matches('/').trim_end();
    tag.ends_with(&format!(" {name}")) || tag.contains(&format!(" {name} ")) || tag.contains(&format!(" {name}="))
}

/// `html` without its `<template>` elements (inert: a browser neither shows nor posts them).
fn without_templates(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<template") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</template>").map_or(rest.len(), |e| start + e + "</template>".len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn forms(page_html: &str) -> Vec<Form> {
    let mut out = Vec::new();
    let page_html = without_templates(page_html);
    let mut rest = page_html.as_str();
    while let Some(start) = rest.find("<form") {
        let end = rest[start..].find("</form>").map(|e| start + e + "</form>".len()).expect("a closed form");
        let body = &rest[start..end];
        let open = &body[..body.find('>').expect("form tag")];
        let mut controls = Vec::new();
        let mut buttons = Vec::new();
        let mut at = 0;
        while let Some(i) = body[at..].find('<').map(|i| at + i) {
            let tag_end = body[i..].find('>').map(|e| i + e).unwrap_or(body.len());
            let tag = &body[i..tag_end];
            if tag.starts_with("<input") {
                let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
                if let Some(name) = attr(tag, "name") {
                    let value = attr(tag, "value").unwrap_or_default();
                    match kind.as_str() {
                        "checkbox" | "radio" if !has_attr(tag, "checked") => {}
                        "file" | "submit" | "button" => {}
                        _ => controls.push((name, value)),
                    }
                }
            } else if tag.starts_with("<button") {
                let close = body[tag_end..].find("</button>").map(|e| tag_end + e).unwrap_or(tag_end);
                let label = body[tag_end + 1..close].split('<').next().unwrap_or_default().to_string();
                buttons.push((label, attr(tag, "formaction")));
            } else if tag.starts_with("<textarea") {
                if let Some(name) = attr(tag, "name") {
                    let close = body[tag_end..].find("</textarea>").map(|e| tag_end + e).unwrap_or(tag_end);
                    controls.push((name, unescape(&body[tag_end + 1..close])));
                }
            } else if tag.starts_with("<select") {
                if let Some(name) = attr(tag, "name") {
                    let close = body[tag_end..].find("</select>").map(|e| tag_end + e).unwrap_or(tag_end);
                    let options = &body[tag_end..close];
                    let selected = options
                        .split("<option")
                        .skip(1)
                        .find(|o| has_attr(&format!(" {o}"), "selected"))
                        .or_else(|| options.split("<option").nth(1))
                        .and_then(|o| attr(&format!(" {o}"), "value"))
                        .unwrap_or_default();
                    controls.push((name, selected));
                }
            }
            at = tag_end.max(i + 1);
        }
        out.push(Form { action: attr(open, "action").unwrap_or_default(), controls, buttons, html: unescape(body) });
        rest = &rest[end..];
    }
    out
}

/// The form of the page whose action (or the form's id) contains `marker`.
pub(crate) fn form_on(page_html: &str, marker: &str) -> Form {
    forms(page_html)
        .into_iter()
        .find(|f| f.action.contains(marker) || f.html.contains(&format!("id=\"{marker}\"")))
        .unwrap_or_else(|| panic!("no form for {marker:?} on the page:\n{page_html}"))
}

/// The items of the page's error summary: (href, text).
fn summary_links(page_html: &str) -> Vec<(String, String)> {
    let start = page_html.find("class=\"gz-error-summary\"").expect("an error summary");
    let end = page_html[start..].find("</div>").map(|e| start + e).expect("summary closes");
    page_html[start..end]
        .split("<li><a href=\"")
        .skip(1)
        .map(|item| {
            let (href, rest) = item.split_once('"').expect("href");
            let text = rest.trim_start_matches('>').split("</a>").next().unwrap_or_default();
            (href.to_string(), text.to_string())
        })
        .collect()
}

/// The message shown at a field (`data-error-for=path`), when it is shown.
fn field_message(page_html: &str, path: &str) -> Option<String> {
    let at = page_html.find(&format!("data-error-for=\"{path}\""))?;
    let tag_end = at + page_html[at..].find('>')?;
    let tag = &page_html[page_html[..at].rfind('<')?..tag_end];
    if has_attr(tag, "hidden") {
        return None;
    }
    let close = tag_end + page_html[tag_end..].find("</p>")?;
    Some(page_html[tag_end + 1..close].replace("<span class=\"gz-visually-hidden\">错误：</span>", ""))
}

/// The report's status as its overview says it.
async fn report_status(app: &Router, session: &str) -> String {
    let r = page(app, REPORT_PAGE, Some(session)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    let h = html(&r);
    let start = h.find("状态：<strong>").expect("the status line") + "状态：<strong>".len();
    h[start..start + h[start..].find("</strong>").expect("status closes")].to_string()
}

// ---- the course page's registration form --------------------------------------------------

/// The controls of the course page's form (see `site/src/render/mod.rs`) and its fields.
fn course_page_form(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = pairs(&[
        ("_title", "报名：“黑土粮仓”科技会战科技人才精品培训班"),
        ("_return", "/courses/cas-jingpin-heitu-liangcang-2027/"),
        ("course", COURSE),
        ("name", ""),
        ("organisation", ""),
        ("position", ""),
        ("phone", ""),
        ("email", ""),
        ("region", ""),
        ("website", ""),
    ]);
    for (k, v) in extra {
        match fields.iter_mut().find(|(n, _)| n == k) {
            Some(field) => field.1 = v.to_string(),
            None => fields.push((k.to_string(), v.to_string())),
        }
    }
    fields
}

const VALID: &[(&str, &str)] = &[
    ("name", "李四"),
    ("organisation", "中国科学院东北地理与农业生态研究所"),
    ("position", "副研究员"),
    ("phone", "18620680001"),
    ("email", "lisi@example.org"),
    ("region", "heilongjiang"),
    ("consent", "on"),
];

#[tokio::test]
async fn a_refused_registration_comes_back_with_its_errors_and_what_was_typed_then_goes_through() {
    let (store, _guard) = embedded();
    let app = app(store);

    // Name and a wrong phone typed; the rest left empty, consent not ticked.
    let refused = submit(&app, &course_page_form(&[("name", "李四"), ("phone", "1862068")]), None).await;
    let back = see_other(&refused);
    assert!(back.starts_with("/api/web/form/"), "a form without a page of its own goes to the kept attempt: {back}");
    // Kept for this browser: another browser, or one without the cookie, sees nothing.
    let browser = browser_cookie(&refused);
    assert_eq!(page(&app, &back, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        page_in_browser(&app, &back, "gazette_browser=01ARZ3NDEKTSV4RRFFQ69G5FAV").await.status,
        StatusCode::NOT_FOUND
    );

    let shown = page_in_browser(&app, &back, &browser).await;
    assert_eq!(shown.status, StatusCode::UNPROCESSABLE_ENTITY);
    let h = html(&shown);
    assert!(h.contains("<h1>报名：“黑土粮仓”科技会战科技人才精品培训班</h1>"), "the form's own title:\n{h}");
    assert!(h.contains("role=\"alert\""), "the summary is announced");
    let links = summary_links(&h);
    let hrefs: Vec<&str> = links.iter().map(|(href, _)| href.as_str()).collect();
    assert_eq!(
        hrefs,
        ["#f-organisation", "#f-position", "#f-phone", "#f-email", "#f-region", "#f-consent"],
        "every error, in the form's order, linking to its field: {links:?}"
    );
    assert!(links[2].1.contains("“手机”格式不正确"), "{:?}", links[2]);
    assert!(!hrefs.contains(&"#f-name"), "the name was fine");
    // Each message at its field, the control marked invalid and pointing at it.
    assert!(field_message(&h, "phone").is_some_and(|m| m.contains("应为 11 位手机号")), "{h}");
    assert!(field_message(&h, "consent").is_some_and(|m| m.contains("请勾选")));
    assert_eq!(field_message(&h, "name"), None, "no message at a field that was fine");
    assert!(h.contains("aria-describedby=\"f-phone-hint f-phone-error\" aria-invalid=\"true\""), "{h}");
    // What was typed is kept.
    let form = form_on(&h, "form-registration");
    assert_eq!(form.get("name"), Some("李四"));
    assert_eq!(form.get("phone"), Some("1862068"));
    assert_eq!(form.get("course"), Some(COURSE));
    assert_eq!(form.get("consent"), None, "an unticked box stays unticked");
    // It posts again to the registration route, the same way as the course page did,
    // with this browser's anti-forgery token once.
    assert_eq!(form.action, REGISTER);
    assert_eq!(form.csrf().len(), 1, "{:?}", form.controls);
    assert_eq!(
        form.hidden(),
        pairs(&[
            ("_title", "报名：“黑土粮仓”科技会战科技人才精品培训班"),
            ("_return", "/courses/cas-jingpin-heitu-liangcang-2027/"),
        ])
    );
    assert!(h.contains("<a href=\"/courses/cas-jingpin-heitu-liangcang-2027/\">返回原页面</a>"));

    // Corrected on that page and sent again: the receipt.
    let sent = submit(&app, &form.filled(VALID), None).await;
    let receipt = see_other(&sent);
    let code = receipt.strip_prefix("/api/web/receipt/").unwrap_or_else(|| panic!("not a receipt: {receipt}"));
    assert!(code.len() >= 26 && code.chars().all(|c| c.is_ascii_alphanumeric()), "{code}");
    let shown = page(&app, &receipt, None).await;
    assert_eq!(shown.status, StatusCode::OK);
    let h = html(&shown);
    assert!(h.contains("报名状态：<strong>待审核</strong>"), "{h}");
    assert!(h.contains("186****0001"), "the phone is shown masked:\n{h}");
    assert!(!h.contains("18620680001"), "never the whole phone number");
    assert!(!h.contains("lisi@example.org"), "never the whole e-mail address");
    assert!(h.contains(code), "the receipt code is on the page");

    // A reload of the refused form's page still shows it (post/redirect/get), and an
    // unknown attempt says it has gone.
    assert_eq!(page_in_browser(&app, &back, &browser).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let gone = page_in_browser(&app, "/api/web/form/01ARZ3NDEKTSV4RRFFQ69G5FAV", &browser).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(html(&gone).contains("内容已过期"));
}

#[tokio::test]
async fn a_script_posting_the_same_form_gets_the_errors_as_json() {
    let (store, _guard) = embedded();
    let app = app(store);
    let fields = course_page_form(&[("phone", "12")]);
    let r = post_with(&app, REGISTER, &fields, Post { json: true, ..PLAIN }).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.json();
    assert!(body["fields"]["phone"].as_str().is_some_and(|m| m.contains("应为 11 位手机号")), "{body}");
    assert!(body["fields"]["name"].is_string());
    let ok = post_with(&app, REGISTER, &course_page_form(VALID), Post { json: true, ..PLAIN }).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", text(&ok));
    let redirect = ok.json()["redirect"].as_str().expect("redirect").to_string();
    assert!(redirect.starts_with("/api/web/receipt/"), "{redirect}");
}

#[tokio::test]
async fn a_filled_honeypot_looks_like_success_and_stores_nothing() {
    let (store, _guard) = embedded();
    let app = app(store);
    let mut bot = VALID.to_vec();
    bot.push(("website", "http://spam.example/"));
    let r = submit(&app, &course_page_form(&bot), None).await;
    let receipt = see_other(&r);
    assert!(receipt.starts_with("/api/web/receipt/"), "the bot is shown the way to a receipt: {receipt}");
    // …which leads nowhere: nothing was stored.
    assert_eq!(page(&app, &receipt, None).await.status, StatusCode::NOT_FOUND);
    let organiser = organiser();
    let list = page(&app, &format!("/api/web/registrations?course={COURSE}"), Some(&organiser)).await;
    assert_eq!(list.status, StatusCode::OK, "{}", text(&list));
    let h = html(&list);
    assert!(h.contains("没有符合条件的报名。"), "{h}");
    assert!(h.contains("已占 0 · 候补 0"), "no seat taken:\n{h}");
    let api = send(
        &app,
        Request::builder()
            .uri(format!("/api/registrations?course={COURSE}"))
            .header(header::AUTHORIZATION, format!("Bearer {organiser}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(api.json()["count"], 0);
}

#[tokio::test]
async fn one_address_is_limited_per_minute_with_a_clear_message() {
    let (store, _guard) = embedded();
    let app = mounted(state(store).with_rate_limit(RateLimit::per_minute(2)));
    let from: SocketAddr = "192.0.2.7:50123".parse().unwrap();
    let sent = |fields: Vec<(String, String)>, json: bool| {
        let app = app.clone();
        async move { post_with(&app, REGISTER, &fields, Post { from: Some(from), json, ..PLAIN }).await }
    };
    // Two posts in the minute are served (refused or not, each counts).
    let first = sent(course_page_form(&[("name", "李四")]), false).await;
    assert!(see_other(&first).starts_with("/api/web/form/"));
    let second = sent(course_page_form(VALID), false).await;
    assert!(see_other(&second).starts_with("/api/web/receipt/"));
    // The third is refused before anything is read, with a page that says why and when.
    let third = sent(course_page_form(&[("email", "third@example.org")]), false).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS, "{}", text(&third));
    let h = html(&third);
    assert!(h.contains("提交过于频繁，请") && h.contains("秒后再试"), "{h}");
    assert!(h.contains("<h1>无法提交</h1>"), "{h}");
    // A script is told the same in JSON.
    let json = sent(course_page_form(VALID), true).await;
    assert_eq!(json.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(json.json()["error"].as_str().is_some_and(|e| e.contains("提交过于频繁")));
    // Another address is not held back.
    let other: SocketAddr = "198.51.100.20:40000".parse().unwrap();
    let fields = course_page_form(&[("name", "王五")]);
    let r = post_with(&app, REGISTER, &fields, Post { from: Some(other), ..PLAIN }).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

/// Wherever a redirect comes from, it stays on this site: a path, never `//host`,
/// a scheme or a backslash.
fn assert_on_site(location: &str, what: &str) {
    assert!(
        location.starts_with('/')
            && !location.starts_with("//")
            && !location.contains('\\')
            && !location.contains("evil")
            && !location.contains(':'),
        "{what} led to {location:?}"
    );
}

#[tokio::test]
async fn no_control_of_a_form_chooses_its_call_or_where_it_leads() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = dev_app(store);
    let evil =
        ["//evil.example/", "https://evil.example/", "/\\evil.example/", "\\\\evil.example", "//evil.example/%2F.."];
    for (n, target) in evil.iter().enumerate() {
        // Success with a planted _next, _back and _to: the route's own receipt page, its own call.
        let mut fields = course_page_form(VALID);
        fields.retain(|(k, _)| k != "email");
        fields.push(("email".into(), format!("visitor{n}@example.org")));
        fields.push(("_next".into(), target.to_string()));
        fields.push(("_to".into(), "POST /registrations/x/approve".into()));
        let r = submit(&app, &fields, None).await;
        let location = see_other(&r);
        assert_on_site(&location, &format!("_next={target}"));
        assert!(location.starts_with("/api/web/receipt/"), "the route's next page: {location}");
        // The same through a script (another person: the first is registered now).
        for (k, v) in fields.iter_mut() {
            if k == "email" {
                *v = format!("script{n}@example.org");
            }
        }
        let r = post_with(&app, REGISTER, &fields, Post { json: true, ..PLAIN }).await;
        assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
        let redirect = r.json()["redirect"].as_str().expect("redirect").to_string();
        assert!(redirect.starts_with("/api/web/receipt/"), "JSON _next={target}: {redirect}");

        // Refusal with a planted _back: the kept attempt, whatever it says.
        let mut fields = course_page_form(&[("phone", "1")]);
        fields.push(("_back".into(), target.to_string()));
        let r = submit(&app, &fields, None).await;
        let location = see_other(&r);
        assert_on_site(&location, &format!("_back={target}"));
        assert!(location.starts_with("/api/web/form/"), "a planted _back changes nothing: {location}");

        // Signing in with a crafted next.
        let sign_in = pairs(&[("role", "organiser"), ("unit", ""), ("region", ""), ("next", target)]);
        let r = post_with(&app, DEV_SIGN_IN, &sign_in, PLAIN).await;
        assert_eq!(see_other(&r), "/api/web/", "sign-in next={target}");
        // The sign-in page does not carry it into its form either.
        let q = form_urlencoded::Serializer::new(String::new()).append_pair("next", target).finish();
        let shown = html(&page(&app, &format!("/api/web/sign-in?{q}"), None).await);
        assert_eq!(form_on(&shown, "f-role").get("next"), Some(""), "sign-in page next={target}");
    }
    // The catch-all gateway of old is gone: there is no address that takes its call from a field.
    let old = post_with(&app, "/api/web/submit", &course_page_form(VALID), PLAIN).await;
    assert_eq!(old.status, StatusCode::NOT_FOUND, "{}", text(&old));
}

// ---- a monthly report, without a script ---------------------------------------------------

/// Opens a part's page as the filler and posts its form with `set` typed in.
async fn save_part(app: &Router, part: &str, set: &[(&str, &str)]) -> String {
    let filler = filler();
    let r = page(app, &format!("{REPORT_PAGE}/{part}"), Some(&filler)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    let form = form_on(&html(&r), "form-monthly-report");
    assert_eq!(form.action, format!("/api/web/act{REPORT_API}/parts/{part}"));
    see_other(&post_form(app, &form, set, Some(&filler)).await)
}

/// Posts the overview's form whose action ends with `action`, as `session`.
async fn overview_action(app: &Router, session: &str, action: &str, set: &[(&str, &str)]) -> String {
    if action == "submit" {
        return submit_from_check_page(app, session).await;
    }
    let r = page(app, REPORT_PAGE, Some(session)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", text(&r));
    let form = form_on(&html(&r), &format!("/api/web/act{REPORT_API}/{action}"));
    see_other(&post_form(app, &form, set, Some(session)).await)
}

/// "确认提交" on the check-your-answers page; where the page offers none (problems
/// stand), the same post as a stale page would send it, from the month's version.
async fn submit_from_check_page(app: &Router, session: &str) -> String {
    let check = page(app, &format!("{REPORT_PAGE}/check"), Some(session)).await;
    assert_eq!(check.status, StatusCode::OK, "{}", text(&check));
    let action = format!("/api/web/act{REPORT_API}/submit");
    let check = html(&check);
    if check.contains("确认提交") {
        return see_other(&post_form(app, &form_on(&check, &action), &[], Some(session)).await);
    }
    let overview = html(&page(app, REPORT_PAGE, Some(session)).await);
    let version = overview.split("第 ").nth(1).and_then(|v| v.split(' ').next()).unwrap_or("0").to_owned();
    let csrf = crate::support::csrf_of(&overview);
    let fields = pairs(&[("_csrf", &csrf), ("_version", &version)]);
    see_other(&post_with(app, &action, &fields, Post { session: Some(session), ..PLAIN }).await)
}

const COVER: &[(&str, &str)] = &[
    ("platform_name", "黑龙江省黑土保护利用技术创新中心"),
    ("period", PERIOD),
    ("filler_name", "王芳"),
    ("filler_phone", "0451-86661234"),
];

const STAFF_OFF: &[(&str, &str)] = &[
    ("staff_total", "10"),
    ("staff_senior", "3"),
    ("staff_intermediate", "3"),
    ("staff_junior", "2"),
    ("staff_other", "1"),
    ("staff_doctorate", "2"),
    ("staff_master", "3"),
    ("staff_full_time", "8"),
    ("staff_high_level", "1"),
    ("_press", "保存"),
];

#[tokio::test]
async fn a_monthly_report_from_its_first_part_to_approval_without_a_script() {
    let (store, _guard) = embedded();
    let app = app(store);
    let (filler, admin) = (filler(), unit_admin());

    // The unit's administrator registers the platform (seed 002's list) …
    let platforms = html(&page(&app, "/api/web/platforms", Some(&admin)).await);
    let form = form_on(&platforms, "/api/web/platforms");
    let set = [("code", "p1"), ("name", "黑土保护利用技术创新中心"), ("leader", "张一"), ("department", "保教处")];
    assert_eq!(see_other(&post_form(&app, &form, &set, Some(&admin)).await), "/api/web/platforms");
    let listed = html(&page(&app, "/api/web/platforms", Some(&filler)).await);
    assert!(listed.contains("<td data-label=\"平台名称\">黑土保护利用技术创新中心</td>"), "{listed}");
    assert!(!listed.contains("登记平台</button>"), "a filler chooses from the list, does not add to it");
    // The filler's own anti-forgery token, from the sign-out form: refused all the same.
    let by_filler = form_on(&listed, "/sign-out").filled(&set);
    let refused = post_with(&app, "/api/web/platforms", &by_filler, Post { session: Some(&filler), ..PLAIN }).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", text(&refused));
    let again = post_form(&app, &form, &set, Some(&admin)).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(summary_links(&html(&again)), [("#f-code".to_string(), "代码 p1 已被使用，请换一个。".to_string())]);
    // … and the filler chooses it from the list: "fill in a month" leads to the first part.
    let reports = html(&page(&app, "/api/web/reports", Some(&filler)).await);
    assert!(reports.contains("<option value=\"p1\">1. 黑土保护利用技术创新中心</option>"), "{reports}");
    let opened = page(&app, &format!("/api/web/reports/open?platform=p1&period={PERIOD}"), Some(&filler)).await;
    assert_eq!(see_other(&opened), format!("{REPORT_PAGE}/cover"));
    // A platform the unit has not registered is no choice.
    let typed = page(&app, &format!("/api/web/reports/open?platform=p-typed&period={PERIOD}"), Some(&filler)).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&typed).contains("请从本单位登记的科研平台中选择平台"));

    // The cover, drawn from version 0 (not started), saved: on to the next part.
    let cover = html(&page(&app, &format!("{REPORT_PAGE}/cover"), Some(&filler)).await);
    let form = form_on(&cover, "form-monthly-report");
    assert_eq!(form.get("_version"), Some("0"));
    assert_eq!(form.action, format!("/api/web/act{REPORT_API}/parts/cover"));
    assert_eq!(form.button_action("保存"), format!("/api/web/act{REPORT_API}/parts/cover/stay"));
    assert_eq!(form.get("period"), Some(PERIOD), "the month is filled in");
    assert_eq!(save_part(&app, "cover", COVER).await, format!("{REPORT_PAGE}/staff"));
    assert_eq!(report_status(&app, &filler).await, "草稿");

    // Staff that do not add up (10 ≠ 3 + 3 + 2 + 1) are saved ("保存" stays on the page)…
    assert_eq!(save_part(&app, "staff", STAFF_OFF).await, format!("{REPORT_PAGE}/staff"));
    let staff = html(&page(&app, &format!("{REPORT_PAGE}/staff"), Some(&filler)).await);
    let form = form_on(&staff, "form-monthly-report");
    assert_eq!((form.get("staff_total"), form.get("staff_junior")), (Some("10"), Some("2")), "saved values shown");
    assert_eq!(form.get("_version"), Some("2"));
    assert!(staff.contains("data-sum-for=\"staff_total\""), "the live total's place is drawn");

    // The check page (检查并提交) lists the problems with their part, marks the parts
    // never saved and the numbers never filled in, and offers no submission yet.
    let check = html(&page(&app, &format!("{REPORT_PAGE}/check"), Some(&filler)).await);
    let problems = summary_links(&check);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].1.starts_with("人员队伍：“从业人员总数”（10 人）应等于"), "{problems:?}");
    assert_eq!(
        problems[1],
        (format!("{REPORT_PAGE}/funding#f-equipment_value"), "经费筹集：请填写“仪器设备原值”".to_owned())
    );
    assert_eq!(check.matches(">未打开</span>").count(), 7, "only the cover and the staff were saved");
    assert!(!check.contains("确认提交"), "nothing to submit while problems stand");
    assert_eq!(save_part(&app, "funding", &[("equipment_value", "500")]).await, format!("{REPORT_PAGE}/outputs"));

    // …and submitting anyway says so, on the overview, linking to the part's page.
    let back = overview_action(&app, &filler, "submit", &[]).await;
    let token = back
        .strip_prefix(&format!("{REPORT_PAGE}?attempt="))
        .unwrap_or_else(|| panic!("back to the overview with the attempt: {back}"))
        .to_string();
    let overview = html(&page(&app, &back, Some(&filler)).await);
    let links = summary_links(&overview);
    assert_eq!(links.len(), 1, "{links:?}");
    assert_eq!(links[0].0, format!("{REPORT_PAGE}/staff?attempt={token}#f-staff_total"));
    assert!(
        links[0].1.contains("应等于") && links[0].1.contains("（10 人）") && links[0].1.contains("（9 人）"),
        "{links:?}"
    );
    assert!(overview.contains("1 处问题"), "the part is flagged");
    assert!(overview.contains("状态：<strong>草稿</strong>"), "still a draft");

    // The link's page shows the message at the field, with the saved figures.
    let part = html(&page(&app, &links[0].0.replace("#f-staff_total", ""), Some(&filler)).await);
    let message = field_message(&part, "staff_total").unwrap_or_else(|| panic!("no message at the total:\n{part}"));
    assert!(message.contains("应等于“高级职称”、“中级职称”、“初级职称”、“其他人员”之和（9 人）"), "{message}");
    assert!(part.contains("aria-invalid=\"true\""));
    assert_eq!(summary_links(&part)[0].0, "#f-staff_total", "the part's own summary links in the page");
    assert_eq!(form_on(&part, "form-monthly-report").get("staff_total"), Some("10"));

    // Fixed and submitted: waiting for the unit administrator.
    assert_eq!(save_part(&app, "staff", &[("staff_total", "9")]).await, format!("{REPORT_PAGE}/funding"));
    assert_eq!(overview_action(&app, &filler, "submit", &[]).await, REPORT_PAGE);
    assert_eq!(report_status(&app, &filler).await, "待审核");
    let submitted = html(&page(&app, REPORT_PAGE, Some(&filler)).await);
    assert!(!submitted.contains("检查并提交"), "no second submission");
    assert_eq!(see_other(&page(&app, &format!("{REPORT_PAGE}/check"), Some(&filler)).await), REPORT_PAGE);
    // A submitted part is read on the overview, not edited.
    let part = page(&app, &format!("{REPORT_PAGE}/staff"), Some(&filler)).await;
    assert_eq!(see_other(&part), REPORT_PAGE);

    // Withdrawn: a draft again; submitted again.
    assert_eq!(overview_action(&app, &filler, "withdraw", &[]).await, REPORT_PAGE);
    assert_eq!(report_status(&app, &filler).await, "草稿");
    assert_eq!(overview_action(&app, &filler, "submit", &[]).await, REPORT_PAGE);
    assert_eq!(report_status(&app, &filler).await, "待审核");

    // The unit administrator finds it in the review queue.
    let queue = html(&page(&app, "/api/web/review", Some(&admin)).await);
    assert!(
        queue.contains(&format!("<a href=\"{REPORT_PAGE}\">黑龙江省黑土保护利用技术创新中心 {PERIOD}</a>")),
        "{queue}"
    );
    // Returning it needs a comment.
    let refused = overview_action(&app, &admin, "approve", &[("_press", "退回修改"), ("comment", "")]).await;
    assert!(refused.starts_with(&format!("{REPORT_PAGE}?attempt=")), "{refused}");
    let shown = html(&page(&app, &refused, Some(&admin)).await);
    let message =
        field_message_by_id(&shown, "f-comment-error").unwrap_or_else(|| panic!("no comment error:\n{shown}"));
    assert!(message.contains("请填写审核意见"), "{message}");
    assert!(shown.contains("aria-describedby=\"f-comment-hint f-comment-error\" aria-invalid=\"true\""));
    assert_eq!(report_status(&app, &admin).await, "待审核", "nothing changed");
    // Approved.
    assert_eq!(overview_action(&app, &admin, "approve", &[("comment", "数据完整，同意。")]).await, REPORT_PAGE);
    assert_eq!(report_status(&app, &admin).await, "审核通过");
    let approved = html(&page(&app, REPORT_PAGE, Some(&filler)).await);
    assert!(approved.contains("状态：<strong>审核通过</strong>"));
    assert!(!approved.contains(">撤回</button>") && !approved.contains("检查并提交"), "final: no action left");
    let queue = html(&page(&app, "/api/web/review", Some(&admin)).await);
    assert!(queue.contains("没有待审核的月度报告。"), "{queue}");
}

/// A review refused for want of a comment: the overview's summary links to the
/// comment box (`#f-comment`), as every summary links to the field it is about.
#[tokio::test]
async fn a_return_without_a_comment_links_its_summary_to_the_comment_box() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = app(store);
    let (filler, admin) = (filler(), unit_admin());
    save_part(&app, "cover", COVER).await;
    let staff: Vec<(&str, &str)> =
        STAFF_OFF.iter().map(|&(k, v)| if k == "staff_total" { (k, "9") } else { (k, v) }).collect();
    save_part(&app, "staff", &staff).await;
    save_part(&app, "funding", &[("equipment_value", "500")]).await;
    assert_eq!(overview_action(&app, &filler, "submit", &[]).await, REPORT_PAGE);
    let refused = overview_action(&app, &admin, "approve", &[("_press", "退回修改"), ("comment", "  ")]).await;
    let shown = html(&page(&app, &refused, Some(&admin)).await);
    let links = summary_links(&shown);
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0].1.contains("请填写审核意见"), "{links:?}");
    assert_eq!(links[0].0, "#f-comment", "the summary links to the comment box:\n{shown}");
    assert!(shown.contains("id=\"f-comment\""));
}

fn field_message_by_id(page_html: &str, id: &str) -> Option<String> {
    let at = page_html.find(&format!("id=\"{id}\""))?;
    let start = at + page_html[at..].find('>')? + 1;
    let end = start + page_html[start..].find("</p>")?;
    Some(page_html[start..end].to_string())
}

#[tokio::test]
async fn a_save_from_a_page_drawn_before_another_save_is_refused_on_that_page() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = app(store);
    let filler = filler();
    save_part(&app, "cover", COVER).await;
    // Two tabs on the staff page, both drawn from version 1.
    let staff = html(&page(&app, &format!("{REPORT_PAGE}/staff"), Some(&filler)).await);
    let tab = form_on(&staff, "form-monthly-report");
    assert_eq!(
        see_other(&post_form(&app, &tab, &[("staff_total", "5")], Some(&filler)).await),
        format!("{REPORT_PAGE}/funding")
    );
    let stale = see_other(&post_form(&app, &tab, &[("staff_total", "7")], Some(&filler)).await);
    assert!(stale.starts_with(&format!("{REPORT_PAGE}/staff?attempt=")), "back to the part: {stale}");
    let shown = html(&page(&app, &stale, Some(&filler)).await);
    assert_eq!(form_on(&shown, "form-monthly-report").get("staff_total"), Some("7"), "what was typed is kept");
    let view = html(&page(&app, REPORT_PAGE, Some(&filler)).await);
    assert!(view.contains("<dt>从业人员总数</dt><dd>5 人</dd>"), "the first save stands:\n{view}");
}

// ---- the organisers' registration list ------------------------------------------------------

#[tokio::test]
async fn organisers_approve_and_reject_from_the_list_page() {
    let (store, _guard) = embedded();
    let app = app(store);
    for (n, name) in ["赵一", "钱二"].into_iter().enumerate() {
        let email = format!("p{n}@example.org");
        let phone = format!("1390000000{n}");
        let fields = course_page_form(&[
            ("name", name),
            ("organisation", "东北农业大学"),
            ("position", "讲师"),
            ("phone", &phone),
            ("email", &email),
            ("region", "heilongjiang"),
            ("consent", "on"),
        ]);
        assert!(see_other(&submit(&app, &fields, None).await).starts_with("/api/web/receipt/"));
    }
    let organiser = organiser();
    let here = format!("/api/web/registrations?course={COURSE}");
    let list = html(&page(&app, &here, Some(&organiser)).await);
    assert!(list.contains("名额 70 · 已占 2 · 候补 0"), "{list}");
    assert!(list.contains(&format!("href=\"/api/registrations/export.csv?course={COURSE}\"")));
    assert!(list.contains(&format!("href=\"/api/registrations/export.xlsx?course={COURSE}\"")));
    let decisions_at = format!("/api/web/act/courses/{COURSE}/registrations/");
    let row_forms = |h: &str| forms(h).into_iter().filter(|f| f.action.starts_with(&decisions_at)).collect::<Vec<_>>();
    let decisions = row_forms(&list);
    assert_eq!(decisions.len(), 4, "approve and reject for each pending row");
    let approve = decisions.iter().find(|f| f.html.contains("：赵一") && f.action.ends_with("/approve"));
    let approve = approve.expect("an approve form for 赵一");

    // Approve the first.
    assert_eq!(see_other(&post_form(&app, approve, &[], Some(&organiser)).await), here);
    let list = html(&page(&app, &here, Some(&organiser)).await);
    assert!(list.contains("gz-tag--approved\">已通过</span>"), "{list}");

    // Reject the second: a note is required…
    let reject = row_forms(&list)
        .into_iter()
        .find(|f| f.html.contains("：钱二") && f.action.ends_with("/reject"))
        .expect("a reject form for 钱二");
    let refused = see_other(&post_form(&app, &reject, &[("note", "")], Some(&organiser)).await);
    assert!(refused.starts_with(&format!("{here}&attempt=")), "{refused}");
    let shown = html(&page(&app, &refused, Some(&organiser)).await);
    assert!(shown.contains("操作未完成"), "{shown}");
    assert!(shown.contains("gz-tag--pending\">待审核</span>"), "still waiting");
    // …and with it, the registration is rejected and the note shown.
    assert_eq!(see_other(&post_form(&app, &reject, &[("note", "不符合参训条件")], Some(&organiser)).await), here);
    let list = html(&page(&app, &here, Some(&organiser)).await);
    assert!(
        list.contains("gz-tag--rejected\">未通过</span><br><span class=\"gz-hint\">不符合参训条件</span>"),
        "{list}"
    );
    assert!(list.contains("已占 1"), "the rejected registration gave its seat back:\n{list}");

    // Someone without the right sees no decision forms and gets the API's refusal.
    let filler = filler();
    let r = page(&app, &here, Some(&filler)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", text(&r));
    assert!(row_forms(&html(&r)).iter().all(|f| !f.action.contains("/approve")));
}

// ---- signing in -------------------------------------------------------------------------------

/// The `next` of a redirect to the sign-in page, decoded.
fn sign_in_next(location: &str) -> String {
    let query =
        location.strip_prefix("/api/web/sign-in?").unwrap_or_else(|| panic!("not the sign-in page: {location}"));
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "next")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no next in {location}"))
}

#[tokio::test]
async fn pages_behind_sign_in_send_a_visitor_without_a_session_to_sign_in() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = dev_app(store);
    let forged =
        mint_dev_token(b"another-secret-entirely-for-this", Role::Filler, Some(UNIT), None, Duration::from_secs(600));
    let behind = [
        "/api/web/review".to_string(),
        "/api/web/reports".to_string(),
        format!("/api/web/registrations?course={COURSE}"),
        format!("{REPORT_PAGE}/staff"),
        REPORT_PAGE.to_string(),
    ];
    for path in &behind {
        for session in [None, Some(forged.as_str())] {
            let location = see_other(&page(&app, path, session).await);
            assert!(location.starts_with("/api/web/sign-in?next="), "{path}: {location}");
        }
    }
    // Signing in there, as the form on that page posts, sets the session and leads to the desk.
    let sign_in = html(&page(&app, "/api/web/sign-in", None).await);
    let form = form_on(&sign_in, "f-role");
    assert_eq!(form.action, DEV_SIGN_IN);
    let r = post_with(&app, &form.action, &form.filled(&[("role", "filler"), ("unit", UNIT)]), PLAIN).await;
    assert_eq!(see_other(&r), "/api/web/");
    let cookie = r.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a session cookie");
    assert!(
        cookie.starts_with("gazette_session=") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict")
    );
    let token = cookie["gazette_session=".len()..].split(';').next().unwrap().to_string();
    let reports = page(&app, "/api/web/reports", Some(&token)).await;
    assert_eq!(reports.status, StatusCode::OK, "the cookie signs pages in");
    assert!(html(&reports).contains("填报人 · lab-1"), "{}", html(&reports));
    // A filler without a unit is told what is missing, on the page.
    let r = post_with(&app, DEV_SIGN_IN, &form.filled(&[("role", "filler"), ("unit", "")]), PLAIN).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a refused sign-in, like every refused form");
    assert!(summary_links(&html(&r)).iter().any(|(href, _)| href == "#f-unit"));
}

/// Without the development switch the sign-in page offers no role, and the role
/// picker's address mints nothing, whatever is posted to it.
#[tokio::test]
async fn without_the_development_switch_no_role_can_be_picked() {
    let (store, _guard) = embedded();
    let app = app(store);
    let h = html(&page(&app, "/api/web/sign-in", None).await);
    assert!(!h.contains("f-role") && !h.contains("/dev-sign-in"), "{h}");
    assert_eq!(form_on(&h, "/api/web/sign-in").get("username"), Some(""));
    let r = post_with(&app, DEV_SIGN_IN, &pairs(&[("role", "national-admin"), ("next", "")]), PLAIN).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", text(&r));
    assert!(r.headers.get(header::SET_COOKIE).is_none(), "no session: {:?}", r.headers);
}

/// Signing in leads to `/api/web/` (the desk, 工作台); it is a page, and without a
/// session it asks to sign in like the others.
#[tokio::test]
async fn the_desk_is_where_sign_in_leads() {
    let (store, _guard) = embedded();
    let app = app(store);
    let desk = page(&app, "/api/web/", Some(&filler())).await;
    assert_eq!(desk.status, StatusCode::OK, "{}", text(&desk));
    let h = html(&desk);
    assert!(h.contains("<h1>工作台</h1>"), "{h}");
    assert!(h.contains("href=\"/api/web/reports\""), "the filler's task:\n{h}");
    let location = see_other(&page(&app, "/api/web/", None).await);
    assert!(location.starts_with("/api/web/sign-in?next="), "{location}");
}

/// The desk lists each workflow where its permission model lets the visitor take part,
/// and the review queue, with how much waits in it, only for those who review.
#[tokio::test]
async fn each_desk_lists_what_the_permission_models_let_the_visitor_do() {
    let (store, _guard) = embedded();
    let app = app(store);
    let tasks = |h: &str| -> Vec<String> {
        ["review", "reports", "registrations", "cases", "integrity-cases", "plans"]
            .into_iter()
            .filter(|t| h.contains(&format!("href=\"/api/web/{t}\"")))
            .map(str::to_owned)
            .collect()
    };
    let desk = |session: String| {
        let app = app.clone();
        async move { html(&page(&app, "/api/web/", Some(&session)).await) }
    };
    assert_eq!(tasks(&desk(filler()).await), ["reports", "plans"]);
    assert_eq!(tasks(&desk(unit_admin()).await), ["review", "reports", "integrity-cases", "plans"]);
    assert_eq!(tasks(&desk(organiser()).await), ["review", "registrations", "cases", "plans"]);
    let province = session(Role::RegionalAdmin, None, Some("heilongjiang"));
    assert_eq!(tasks(&desk(province.clone()).await), ["review", "registrations", "cases", "integrity-cases"]);
    // A regional administrator whose session names no region takes part in nothing.
    assert_eq!(tasks(&desk(session(Role::RegionalAdmin, None, None)).await), Vec::<String>::new());

    // One registration waits for the organisers and the province it comes from.
    assert!(!desk(organiser()).await.contains("项等待处理"));
    see_other(&submit(&app, &course_page_form(VALID), None).await);
    assert!(desk(organiser()).await.contains("1 项等待处理"), "{}", desk(organiser()).await);
    assert!(desk(province).await.contains("1 项等待处理"));
    assert!(!desk(unit_admin()).await.contains("项等待处理"));
}

/// The sign-in page comes back to the page that was asked for: `next` is that page's
/// own address (`/api/web/…`), so signing in there lands on it.
#[tokio::test]
async fn the_sign_in_redirect_comes_back_to_the_page_asked_for() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = dev_app(store);
    let asked = [
        "/api/web/reports".to_string(),
        format!("{REPORT_PAGE}/staff"),
        format!("/api/web/registrations?course={COURSE}&status=pending"),
    ];
    for path in asked {
        let location = see_other(&page(&app, &path, None).await);
        assert_eq!(sign_in_next(&location), path, "{location}");
        // And signing in with that next lands there.
        let sign_in = pairs(&[("role", "organiser"), ("unit", ""), ("region", ""), ("next", &path)]);
        assert_eq!(see_other(&post_with(&app, DEV_SIGN_IN, &sign_in, PLAIN).await), path);
    }
}

#[tokio::test]
async fn a_post_that_needs_a_session_sends_the_visitor_to_sign_in() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = app(store);
    let part = format!("/api/web/act{REPORT_API}/parts/cover");
    let r = post_with(&app, &part, &pairs(&[("_version", "0"), ("platform_name", "x")]), PLAIN).await;
    let location = see_other(&r);
    assert!(location.starts_with("/api/web/sign-in?next="), "{location}");
    // Nothing was saved.
    let filler = filler();
    assert_eq!(report_status(&app, &filler).await, "未开始");
}

/// A session that ran out while a form was open: the post is sent to sign in, and
/// signing in must lead back to a page (the form's page), not to the gateway's
/// address, which only takes posts.
#[tokio::test]
async fn signing_in_after_a_post_without_a_session_leads_back_to_a_page() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = dev_app(store);
    let fields = pairs(&[("_version", "0"), ("platform_name", "x")]);
    let location = see_other(&post_with(&app, &format!("/api/web/act{REPORT_API}/parts/cover"), &fields, PLAIN).await);
    let next = sign_in_next(&location);
    let sign_in = pairs(&[("role", "filler"), ("unit", UNIT), ("region", ""), ("next", &next)]);
    let r = post_with(&app, DEV_SIGN_IN, &sign_in, PLAIN).await;
    let landed = see_other(&r);
    let cookie = r.headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("a session cookie");
    let token = cookie["gazette_session=".len()..].split(';').next().unwrap().to_string();
    let shown = page(&app, &landed, Some(&token)).await;
    assert_eq!(shown.status, StatusCode::OK, "signing in led to {landed} (next={next}): {}", shown.status);
}

// ---- groups of rows, without a script -----------------------------------------------------

#[tokio::test]
async fn a_plan_gets_another_project_without_a_script_and_nothing_is_saved() {
    let (store, _guard) = embedded();
    let app = app(store);
    let filler = filler();
    let new = html(&page(&app, "/api/web/plans/new", Some(&filler)).await);
    assert!(new.contains("<legend>培训项目 1</legend>") && !new.contains("<legend>培训项目 2</legend>"), "{new}");
    let form = form_on(&new, "form-training-plan");
    assert_eq!(form.action, "/api/web/act/training-plans");
    assert!(form.html.contains("name=\"_add_row\" value=\"projects\""), "an add button of its own");

    // "添加培训项目": the form again, with what was typed and a second project.
    let typed = [
        ("unit_name", "中国科学院动物研究所"),
        ("projects[0].name", "动物多样性保护技术研修班"),
        ("_add_row", "projects"),
    ];
    let back =
        see_other(&post_with(&app, &form.action, &form.filled(&typed), Post { session: Some(&filler), ..PLAIN }).await);
    assert!(back.starts_with("/api/web/plans/new?attempt="), "{back}");
    let two = html(&page(&app, &back, Some(&filler)).await);
    assert!(two.contains("<legend>培训项目 2</legend>"), "{two}");
    assert!(!two.contains("gz-error-summary__list\">\n<li>"), "no errors: nothing was checked");
    let again = form_on(&two, "form-training-plan");
    assert_eq!(again.get("projects[0].name"), Some("动物多样性保护技术研修班"), "what was typed is kept");
    assert_eq!(again.get("unit_name"), Some("中国科学院动物研究所"));
    assert_eq!(again.get("projects[1].name"), Some(""), "a blank second project");
    // Nothing was submitted.
    let stored = send(
        &app,
        Request::builder()
            .uri(format!("/api/training-plans/{UNIT}/{}", gazette_core::lifecycle::time::today().year() + 1))
            .header(header::AUTHORIZATION, format!("Bearer {filler}"))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(stored.status, StatusCode::NOT_FOUND, "{}", text(&stored));

    // "删除" takes the first project out; the second moves up.
    let set = [("projects[1].name", "学术前沿讲坛"), ("_remove_row", "projects[0]")];
    let back =
        see_other(&post_with(&app, &again.action, &again.filled(&set), Post { session: Some(&filler), ..PLAIN }).await);
    let one = form_on(&html(&page(&app, &back, Some(&filler)).await), "form-training-plan");
    assert_eq!(one.get("projects[0].name"), Some("学术前沿讲坛"));
    assert_eq!(one.get("projects[1].name"), None);

    // A button naming anything but a group of the form calls nothing either.
    for hostile in [("_add_row", "year"), ("_add_row", "../registrations"), ("_remove_row", "projects[-1]")] {
        let r = post_with(&app, &form.action, &form.filled(&[hostile]), Post { session: Some(&filler), ..PLAIN }).await;
        assert!(see_other(&r).starts_with("/api/web/plans/new?attempt="), "{hostile:?}");
    }
}

// ---- registration: withdraw, register again; what a public visitor sees -----------------

/// Registers `email` from the course page; the receipt's address.
async fn registered(app: &Router, email: &str) -> String {
    let fields = course_page_form(&[
        ("name", "王五"),
        ("organisation", "东北农业大学"),
        ("position", "讲师"),
        ("phone", "18620680009"),
        ("email", email),
        ("region", "heilongjiang"),
        ("consent", "on"),
    ]);
    let to = see_other(&submit(app, &fields, None).await);
    assert!(to.starts_with("/api/web/receipt/"), "{to}");
    to
}

#[tokio::test]
async fn a_withdrawal_is_asked_to_be_confirmed_and_the_registrant_may_register_again() {
    let (store, _guard) = embedded();
    let app = app(store);
    let receipt = registered(&app, "wangwu@example.org").await;
    let code = receipt.rsplit('/').next().unwrap_or_default().to_string();
    let withdraw_route = format!("/api/web/act/registrations/receipt/{code}/withdraw");

    // The receipt offers to withdraw; it does not withdraw in one click.
    let shown = html(&page(&app, &receipt, None).await);
    assert!(shown.contains(&format!("href=\"{receipt}?confirm=withdraw\"")), "{shown}");
    assert!(!forms(&shown).iter().any(|f| f.action == withdraw_route), "no withdrawal straight from the receipt");
    // The confirmation says what happens, and posts the withdrawal; or goes back.
    let confirm = html(&page(&app, &format!("{receipt}?confirm=withdraw"), None).await);
    assert!(confirm.contains("<h1>确认撤回报名</h1>"), "{confirm}");
    assert!(confirm.contains("您的名额将让给候补人员"), "{confirm}");
    assert!(confirm.contains(&format!("href=\"{receipt}\">不撤回，返回回执</a>")), "{confirm}");
    let form = form_on(&confirm, &withdraw_route);
    assert_eq!(see_other(&post_form(&app, &form, &[], None).await), receipt);
    let withdrawn = html(&page(&app, &receipt, None).await);
    assert!(withdrawn.contains("报名状态：<strong>已撤回</strong>"), "{withdrawn}");
    assert!(withdrawn.contains(&format!("href=\"/courses/{COURSE}/\">课程页面</a>重新报名")), "{withdrawn}");
    // Nothing is left to confirm on a withdrawn registration.
    let late = html(&page(&app, &format!("{receipt}?confirm=withdraw"), None).await);
    assert!(!late.contains("确认撤回报名</button>"), "{late}");

    // Registered again with the same e-mail: a new receipt.
    let again = registered(&app, "WangWu@example.org").await;
    assert_ne!(again, receipt);
    assert!(html(&page(&app, &again, None).await).contains("报名状态：<strong>待审核</strong>"));
}

/// The site's navigation, as `templates/base.html` draws it.
const SITE_NAV: [&str; 5] = ["/notices/", "/courses/", "/policies/", "/cases/", "/search/"];

fn keeps_the_site_navigation_and_offers_no_sign_in(h: &str, what: &str) {
    let header = &h[h.find("<header").expect("a header")..h.find("</header>").expect("the header ends")];
    for href in SITE_NAV {
        assert!(header.contains(&format!("<a href=\"{href}\">")), "{what}: no link to {href} in\n{header}");
    }
    assert!(!h.contains(">登录</a>") && !h.contains("/web/sign-in\""), "{what} offers to sign in:\n{header}");
}

#[tokio::test]
async fn a_duplicate_registration_is_said_one_way_on_a_page_that_keeps_the_sites_navigation() {
    let (store, _guard) = embedded();
    let app = app(store);
    let receipt = registered(&app, "zhaoliu@example.org").await;
    let fields = course_page_form(&[
        ("name", "赵六"),
        ("organisation", "东北农业大学"),
        ("position", "讲师"),
        ("phone", "18620680010"),
        ("email", "ZhaoLiu@example.org"),
        ("region", "heilongjiang"),
        ("consent", "on"),
    ]);
    let refused = submit(&app, &fields, None).await;
    let back = see_other(&refused);
    let shown = page_in_browser(&app, &back, &browser_cookie(&refused)).await;
    let h = html(&shown);
    keeps_the_site_navigation_and_offers_no_sign_in(&h, "the refused registration");
    let (zh, _) = gazette_core::http::ALREADY_REGISTERED;
    assert_eq!(summary_links(&h), [("#f-email".to_string(), zh.to_string())]);
    assert_eq!(field_message(&h, "email").as_deref(), Some(zh));
    assert_eq!(h.matches(zh).count(), 2, "at the summary and at the field, nowhere else worded otherwise:\n{h}");
    assert!(!h.contains("<p class=\"lead\">"), "no second sentence above the form:\n{h}");
    assert!(!h.contains("如需查询") && !h.contains("只能报名一次"), "{h}");

    // The API says it in the same words, for the refusal and for the field.
    let json = post_with(&app, REGISTER, &fields, Post { json: true, ..PLAIN }).await;
    assert_eq!(json.status, StatusCode::CONFLICT);
    let body: serde_json::Value = serde_json::from_slice(&json.bytes).expect("json");
    assert_eq!((body["error"].as_str(), body["fields"]["email"].as_str()), (Some(zh), Some(zh)));

    // The other pages a public visitor sees: the receipt, a page that does not exist.
    keeps_the_site_navigation_and_offers_no_sign_in(&html(&page(&app, &receipt, None).await), "the receipt");
    keeps_the_site_navigation_and_offers_no_sign_in(
        &html(&page(&app, "/api/web/nowhere", None).await),
        "a missing page",
    );
    // A signed-in visitor has the desk and signing out besides.
    let desk = html(&page(&app, "/api/web/", Some(&filler())).await);
    assert!(desk.contains("<a href=\"/notices/\">") && desk.contains("退出登录"), "{desk}");
}

// ---- times ------------------------------------------------------------------------------------

#[tokio::test]
async fn the_history_of_a_report_is_shown_in_beijing_time() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = app(store);
    save_part(&app, "cover", COVER).await;
    let api = send(
        &app,
        Request::builder()
            .uri(format!("/api{REPORT_API}"))
            .header(header::AUTHORIZATION, format!("Bearer {}", filler()))
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    let at: jiff::Timestamp =
        serde_json::from_slice::<serde_json::Value>(&api.bytes).expect("json")["history"][0]["at"]
            .as_str()
            .expect("a time")
            .parse()
            .expect("RFC 3339");
    let beijing = at.to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
    let overview = html(&page(&app, REPORT_PAGE, Some(&filler())).await);
    let shown = beijing.strftime("%Y-%m-%d %H:%M").to_string();
    let utc = at.strftime("%Y-%m-%d %H:%M").to_string();
    assert!(overview.contains(&format!(">{shown}</time>")), "{shown} (Beijing) in:\n{overview}");
    assert!(!overview.contains(&format!(">{utc}</time>")), "not UTC ({utc})");
    assert!(overview.contains(&format!("datetime=\"{}\"", beijing.strftime("%Y-%m-%dT%H:%M:%S+08:00"))), "{overview}");
}

// ---- posts in another encoding ----------------------------------------------------------

/// The course page's form as a page in `encoding` posts it: each value encoded,
/// then percent-encoded.
fn encoded_in(fields: &[(String, String)], encoding: &'static encoding_rs::Encoding) -> Vec<u8> {
    let pairs: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            let (bytes, _, unmappable) = encoding.encode(v);
            assert!(!unmappable, "{v} cannot be written in {}", encoding.name());
            format!("{k}={}", form_urlencoded::byte_serialize(&bytes).collect::<String>())
        })
        .collect();
    pairs.join("&").into_bytes()
}

async fn post_bytes(app: &Router, content_type: &str, body: Vec<u8>) -> Reply {
    let req = Request::builder()
        .method(Method::POST)
        .uri(REGISTER)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    send(app, req).await
}

/// The course's registrations, as the organisers' API lists them.
async fn stored_registrations(app: &Router) -> Vec<serde_json::Value> {
    let req = Request::builder()
        .uri(format!("/api/registrations?course={COURSE}"))
        .header(header::AUTHORIZATION, format!("Bearer {}", organiser()))
        .body(Body::empty())
        .unwrap();
    send(app, req).await.json()["registrations"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_form_posted_in_another_charset_is_stored_as_the_text_typed() {
    let (store, _guard) = embedded();
    let app = app(store);
    // Issue 15, point 14: a page saved as GBK posts its form in GBK.
    let gbk = course_page_form(&[VALID, &[("name", "张三"), ("email", "zhangsan@example.org")]].concat());
    let r =
        post_bytes(&app, "application/x-www-form-urlencoded; charset=GBK", encoded_in(&gbk, encoding_rs::GBK)).await;
    assert!(see_other(&r).starts_with("/api/web/receipt/"), "registered");
    // Another member: Big5, with traditional characters.
    let big5 = course_page_form(
        &[
            VALID,
            &[
                ("_title", "報名"),
                ("name", "張三豐"),
                ("organisation", "國立臺灣大學"),
                ("position", "研究員"),
                ("email", "zhang3f@example.org"),
            ],
        ]
        .concat(),
    );
    let r =
        post_bytes(&app, "application/x-www-form-urlencoded; charset=big5", encoded_in(&big5, encoding_rs::BIG5)).await;
    assert!(see_other(&r).starts_with("/api/web/receipt/"), "registered");
    let names: Vec<(String, String)> = stored_registrations(&app)
        .await
        .iter()
        .map(|r| (r["name"].as_str().unwrap_or_default().into(), r["organisation"].as_str().unwrap_or_default().into()))
        .collect();
    assert_eq!(
        names,
        [
            ("张三".to_string(), "中国科学院东北地理与农业生态研究所".to_string()),
            ("張三豐".to_string(), "國立臺灣大學".to_string())
        ]
    );

    // GBK bytes said to be UTF-8 (no charset), or a charset nobody knows: refused
    // with a message that says so, and nothing stored.
    let other = course_page_form(&[VALID, &[("name", "李雷"), ("email", "lilei@example.org")]].concat());
    for content_type in ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=x-no-such"] {
        let r = post_bytes(&app, content_type, encoded_in(&other, encoding_rs::GBK)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{content_type}: {}", text(&r));
        assert!(text(&r).contains("UTF-8"), "{content_type}: {}", text(&r));
    }
    assert_eq!(stored_registrations(&app).await.len(), 2, "no mojibake was stored");
}

/// The annual report is a page (printable), with its PDF and Excel; the regional
/// administrator's month lists every platform of the region and exports it.
#[tokio::test]
async fn the_annual_report_and_the_regions_month_are_pages() {
    let (store, _guard) = embedded();
    crate::support::platform_in_directory(&store, UNIT, "p1").await;
    let app = app(store);
    let (filler, admin) = (filler(), unit_admin());
    save_part(&app, "cover", COVER).await;
    let staff: Vec<(&str, &str)> =
        STAFF_OFF.iter().map(|&(k, v)| if k == "staff_total" { (k, "9") } else { (k, v) }).collect();
    save_part(&app, "staff", &staff).await;
    save_part(&app, "funding", &[("equipment_value", "500"), ("funding_total", "100"), ("funding_government", "100")])
        .await;
    let check = html(&page(&app, &format!("{REPORT_PAGE}/check"), Some(&filler)).await);
    assert!(check.contains("确认提交") && !check.contains("gz-error-summary"), "{check}");
    assert_eq!(overview_action(&app, &filler, "submit", &[]).await, REPORT_PAGE);
    assert_eq!(
        overview_action(&app, &admin, "approve", &[("comment", "同意。"), ("notify_by_sms", "on")]).await,
        REPORT_PAGE
    );
    let annual = html(&page(&app, "/api/web/annual-reports/lab-1/p1/2025", Some(&admin)).await);
    assert!(annual.contains("黑龙江省黑土保护利用技术创新中心 2025 年度报告"), "{annual}");
    assert!(annual.contains("<th scope=\"row\">经费筹集总额</th><td data-label=\"全年\">100</td>"), "{annual}");
    assert!(annual.contains("href=\"/api/annual-reports/lab-1/p1/2025/pdf\""));
    assert!(annual.contains("href=\"/api/annual-reports/lab-1/p1/2025/export.xlsx\""));
    let province = session(Role::RegionalAdmin, None, Some("hebei"));
    let region = html(&page(&app, &format!("/api/web/region-reports?period={PERIOD}"), Some(&province)).await);
    // This filler's token names no region: the report belongs to none (the API test
    // fills a region's month); the page says so and still offers the export.
    assert!(region.contains("本地区还没有平台填报过月度绩效。"), "{region}");
    assert!(region.contains(&format!("href=\"/api/region-reports/hebei/{PERIOD}/export.xlsx\"")));
    let json = page(&app, &format!("/api/reports/lab-1/p1/{PERIOD}"), Some(&admin)).await;
    assert_eq!(json.json()["history"][2]["notify_by_sms"], true, "the ticked box is recorded");
}
