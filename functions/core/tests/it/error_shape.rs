//! Every refusal leaves in one shape: `{error, fields}` JSON in the caller's language
//! from the API, a page from the pages — never a framework's English plain text,
//! whichever layer refuses (a handler, an extractor, the router). Issue 15, point 15.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gazette_core::http::{AppState, AuthConfig, Role};
use gazette_core::workflows::{PlanDeadlines, system_clock};
use serde_json::Value;

use crate::registration_api::{SECRET, catalog, token};
use crate::support::{self, Reply, send};

/// The API with its pages, as `gazette serve` and a Lambda serve them.
fn fresh() -> (Router, support::Guard) {
    let (store, guard) = support::embedded();
    let state = AppState::new(store, catalog(), PlanDeadlines::default(), AuthConfig::hs256(SECRET), system_clock());
    (gazette_core::web::router(state), guard)
}

/// A request body: (content type, bytes).
type Sent<'a> = Option<(&'a str, &'a [u8])>;

/// `method uri` as the organiser (token and session), in `lang`, with `body` of
/// `content_type`.
async fn ask(app: &Router, method: Method, uri: &str, lang: &str, body: Sent<'_>) -> Reply {
    let organiser = token(Role::Organiser, None);
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {organiser}"))
        .header(header::COOKIE, format!("gazette_session={organiser}"))
        .header(header::ACCEPT_LANGUAGE, lang);
    let body = match body {
        Some((content_type, bytes)) => {
            req = req.header(header::CONTENT_TYPE, content_type);
            Body::from(bytes.to_vec())
        }
        None => Body::empty(),
    };
    send(app, req.body(body).expect("request")).await
}

fn content_type(r: &Reply) -> String {
    r.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// The refusal's body, after checking its status and shape.
fn refusal(r: &Reply, status: StatusCode, what: &str) -> Value {
    let text = String::from_utf8_lossy(&r.bytes);
    assert_eq!(r.status, status, "{what}: {text}");
    assert!(content_type(r).starts_with("application/json"), "{what}: {} {text}", content_type(r));
    let body = r.json();
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{what}: {body}");
    assert!(body["fields"].is_object(), "{what}: {body}");
    body
}

fn is_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn a_query_key_given_twice_is_refused_on_that_key() {
    let (app, _g) = fresh();
    // The example: which status would count?
    let uri = "/registrations?course=ethics&status=pending&status=approved";
    let body = refusal(&ask(&app, Method::GET, uri, "zh-CN", None).await, StatusCode::BAD_REQUEST, uri);
    assert!(body["fields"]["status"].as_str().is_some_and(is_chinese), "{body}");
    let body = refusal(&ask(&app, Method::GET, uri, "en", None).await, StatusCode::BAD_REQUEST, uri);
    assert!(body["fields"]["status"].as_str().is_some_and(|m| m.is_ascii()), "{body}");
    // Another member: the course of an export, and a query that is not UTF-8.
    let uri = "/registrations/export.csv?course=ethics&course=evaluation";
    let body = refusal(&ask(&app, Method::GET, uri, "zh-CN", None).await, StatusCode::BAD_REQUEST, uri);
    assert!(body["fields"]["course"].is_string(), "{body}");
    let uri = "/registrations?course=%FF%FE";
    refusal(&ask(&app, Method::GET, uri, "zh-CN", None).await, StatusCode::BAD_REQUEST, uri);
}

#[tokio::test]
async fn a_path_that_is_not_utf8_names_no_record() {
    let (app, _g) = fresh();
    // The example: a receipt code of bytes that are no text.
    for (uri, lang) in [("/registrations/receipt/%FF%FE", "zh-CN"), ("/registrations/%C3%28", "en")] {
        let body = refusal(&ask(&app, Method::GET, uri, lang, None).await, StatusCode::NOT_FOUND, uri);
        assert_eq!(is_chinese(body["error"].as_str().unwrap_or_default()), lang == "zh-CN", "{uri}: {body}");
    }
    // Another member: the same on a report, whose path has three parameters.
    let uri = "/reports/%FF/p1/2023-01";
    refusal(&ask(&app, Method::GET, uri, "zh-CN", None).await, StatusCode::NOT_FOUND, uri);
}

#[tokio::test]
async fn the_routers_and_extractors_refusals_are_in_the_shape_too() {
    let (app, _g) = fresh();
    let cases: [(Method, &str, Sent, StatusCode); 4] = [
        // A method the route does not take.
        (Method::DELETE, "/registrations", None, StatusCode::METHOD_NOT_ALLOWED),
        // No such route.
        (Method::GET, "/no-such-route", None, StatusCode::NOT_FOUND),
        // A body that is not JSON.
        (Method::POST, "/registrations", Some(("application/json", b"{not json")), StatusCode::BAD_REQUEST),
        // A local upload link that is no ticket.
        (Method::GET, "/files/%FF", None, StatusCode::NOT_FOUND),
    ];
    for (method, uri, body, status) in cases {
        let what = format!("{method} {uri}");
        let r = ask(&app, method.clone(), uri, "en", body).await;
        let answer = refusal(&r, status, &what);
        assert!(!is_chinese(answer["error"].as_str().unwrap_or_default()), "{what}: {answer}");
        let r = ask(&app, method, uri, "zh-CN", body).await;
        assert!(is_chinese(refusal(&r, status, &what)["error"].as_str().unwrap_or_default()), "{what}");
    }
}

#[tokio::test]
async fn pages_answer_what_they_cannot_read_with_a_page() {
    let (app, _g) = fresh();
    let cases: [(Method, &str, Sent); 3] = [
        // A receipt page whose code is no text.
        (Method::GET, "/web/receipt/%FF%FE", None),
        // The sign-in form in bytes that are no UTF-8, which it was said to be.
        (Method::POST, "/web/sign-in", Some(("application/x-www-form-urlencoded", b"role=%FF%FE"))),
        // A page whose query names the course twice.
        (Method::GET, "/web/registrations?course=a&course=b", None),
    ];
    for (method, uri, body) in cases {
        let r = ask(&app, method.clone(), uri, "zh-CN", body).await;
        let text = String::from_utf8_lossy(&r.bytes);
        assert!(r.status.is_client_error(), "{method} {uri}: {} {text}", r.status);
        assert!(content_type(&r).starts_with("text/html"), "{method} {uri}: {} {text}", content_type(&r));
        assert!(text.starts_with("<!doctype html>") && is_chinese(&text), "{method} {uri}: {text}");
    }
}
