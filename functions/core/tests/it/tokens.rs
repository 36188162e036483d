//! Bearer tokens as an attacker or a careless identity provider would send them: a
//! token that is not valid yet, one that names no account, and the scheme written in
//! another case. Issue 15, point 16.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gazette_core::http::Role;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::registration_api::{SECRET, app, token};
use crate::support::{self, Reply, send};

const LIST: &str = "/registrations?course=ethics";

fn signed(claims: Value) -> String {
    jsonwebtoken::encode(&jsonwebtoken::Header::default(), &claims, &jsonwebtoken::EncodingKey::from_secret(SECRET))
        .expect("HS256 signs")
}

/// An organiser's claims, an hour from expiry, with `extra` on top.
fn organiser_claims(extra: Value) -> Value {
    let mut claims =
        json!({ "sub": "organiser@example.org", "role": "organiser", "exp": Timestamp::now().as_second() + 3600 });
    if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
        claims.extend(extra.clone());
    }
    claims
}

async fn list_with(authorization: &str, lang: &str) -> Reply {
    let (store, _guard) = support::embedded();
    let req = Request::builder()
        .method(Method::GET)
        .uri(LIST)
        .header("authorization", authorization)
        .header("accept-language", lang)
        .body(Body::empty())
        .expect("request");
    send(&app(store), req).await
}

fn assert_refused(r: &Reply, status: StatusCode) -> String {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.bytes));
    let body = r.json();
    assert!(body["fields"].is_object(), "{body}");
    body["error"].as_str().expect("error message").to_owned()
}

#[tokio::test]
async fn a_token_whose_nbf_lies_ahead_is_refused() {
    let later = signed(organiser_claims(json!({ "nbf": Timestamp::now().as_second() + 1800 })));
    let message = assert_refused(&list_with(&format!("Bearer {later}"), "zh-CN").await, StatusCode::UNAUTHORIZED);
    assert!(message.contains("尚未生效"), "{message}");
    // Another member: a day ahead, in English.
    let tomorrow = signed(organiser_claims(json!({ "nbf": Timestamp::now().as_second() + 86_400 })));
    let message = assert_refused(&list_with(&format!("Bearer {tomorrow}"), "en").await, StatusCode::UNAUTHORIZED);
    assert!(message.contains("not valid yet"), "{message}");
    // An nbf that has passed is fine.
    let earlier = signed(organiser_claims(json!({ "nbf": Timestamp::now().as_second() - 60 })));
    assert_eq!(list_with(&format!("Bearer {earlier}"), "zh-CN").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_token_that_names_no_account_is_refused() {
    let empty = signed(organiser_claims(json!({ "sub": "" })));
    let message = assert_refused(&list_with(&format!("Bearer {empty}"), "zh-CN").await, StatusCode::UNAUTHORIZED);
    assert!(message.contains("sub"), "{message}");
    // Another member: blanks only.
    let blank = signed(organiser_claims(json!({ "sub": " \t " })));
    assert_refused(&list_with(&format!("Bearer {blank}"), "zh-CN").await, StatusCode::UNAUTHORIZED);
    let missing = signed(json!({ "role": "organiser", "exp": Timestamp::now().as_second() + 3600 }));
    assert_refused(&list_with(&format!("Bearer {missing}"), "zh-CN").await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_empty_account_from_the_api_gateway_authorizer_is_refused_too() {
    let (store, _guard) = support::embedded();
    let context: lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext = serde_json::from_value(json!({
        "routeKey": "GET /registrations", "accountId": "123456789012", "stage": "$default", "requestId": "r",
        "apiId": "a", "domainName": "d", "domainPrefix": "d", "time": "t", "timeEpoch": 0,
        "http": { "method": "GET", "path": "/registrations", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t" },
        "authorizer": { "jwt": { "claims": { "sub": "", "role": "organiser", "exp": "9999999999" }, "scopes": null } }
    }))
    .expect("request context");
    let mut req = Request::builder().method(Method::GET).uri(LIST).body(Body::empty()).expect("request");
    req.extensions_mut().insert(lambda_http::request::RequestContext::ApiGatewayV2(context));
    assert_refused(&send(&app(store), req).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_bearer_scheme_is_read_in_any_case() {
    let organiser = token(Role::Organiser, None);
    for header in [format!("BEARER {organiser}"), format!("bEaReR {organiser}"), format!("Bearer   {organiser}")] {
        let r = list_with(&header, "zh-CN").await;
        assert_eq!(r.status, StatusCode::OK, "{header}: {}", String::from_utf8_lossy(&r.bytes));
    }
    // Another scheme is not a bearer token, whatever its case.
    assert_refused(&list_with(&format!("Basic {organiser}"), "zh-CN").await, StatusCode::UNAUTHORIZED);
    assert_refused(&list_with(&format!("Bearer{organiser}"), "zh-CN").await, StatusCode::UNAUTHORIZED);
}
