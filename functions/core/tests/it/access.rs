//! Every route of the route table is as protected as the table says: without a
//! token, an API route that needs one answers 401; without a session, a page or form
//! post for signed-in visitors leads to the sign-in page; a public route does neither.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gazette_core::http::Access;
use gazette_core::routes::{Face, table};

use crate::support::{Reply, embedded, send};
use crate::typical_cases_api::case_app;

/// The path with each `{param}` filled in with a harmless value.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("a closed parameter");
        out.push_str(match &rest[open + 1..close] {
            "period" => "2025-06",
            "year" => "2027",
            "part" => "cover",
            "form" => "registration",
            _ => "x1",
        });
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

async fn anonymous(app: &Router, method: &Method, path: &str) -> Reply {
    let request = Request::builder()
        .method(method.clone())
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::empty())
        .expect("request");
    send(app, request).await
}

fn to_sign_in(r: &Reply) -> bool {
    r.status == StatusCode::SEE_OTHER
        && r.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.starts_with("/api/web/sign-in"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_as_protected_as_the_route_table_says() {
    let (store, _guard) = embedded();
    let (app, _files) = case_app(store);
    let mut wrong = Vec::new();
    for route in table() {
        let path = concrete(&route.path);
        let r = anonymous(&app, &route.method, &path).await;
        let ok = match (route.access, route.face) {
            (Access::Token, _) => r.status == StatusCode::UNAUTHORIZED,
            (Access::Session, _) => to_sign_in(&r),
            (Access::Public, _) => r.status != StatusCode::UNAUTHORIZED && !to_sign_in(&r),
        };
        if !ok {
            wrong.push(format!("{} {path} ({:?}, {:?}): {}", route.method, route.access, route.face, r.status));
        }
        // Every route is served: nothing falls through to "no such page" or "no such endpoint"
        // but for want of the record itself.
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{} {path}", route.method);
    }
    assert!(wrong.is_empty(), "routes not protected as the table says:\n{}", wrong.join("\n"));
}

#[test]
fn the_table_is_not_empty_of_any_kind_of_access() {
    let table = table();
    for access in [Access::Public, Access::Token, Access::Session] {
        assert!(table.iter().any(|r| r.access == access), "{access:?}");
    }
    assert!(table.iter().filter(|r| r.face == Face::Form).all(|r| r.method == Method::POST));
}
