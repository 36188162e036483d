//! Every refusal of the registration API, in the one error shape. Storage does not
//! matter here, so these run on the embedded store only.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gazette_core::http::{BODY_LIMIT, Role, mint_dev_token};
use serde_json::{Value, json};

use crate::registration_api::{SECRET, app, form, register, token};
use crate::support::{self, Reply, request, send};

fn fresh() -> (Router, support::Guard) {
    let (store, guard) = support::embedded();
    (app(store), guard)
}

fn assert_error_shape(r: &Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", String::from_utf8_lossy(&r.bytes));
    let body = r.json();
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    assert!(body["fields"].is_object(), "{body}");
    body
}

#[tokio::test]
async fn missing_answers_are_refused_field_by_field() {
    let (app, _g) = fresh();
    let r = register(&app, json!({ "course": "ethics", "email": "not-an-address" })).await;
    let body = assert_error_shape(&r, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["name", "organisation", "position", "phone", "email", "region", "consent"] {
        assert!(body["fields"][field].is_string(), "{field} missing from {body}");
    }
}

#[tokio::test]
async fn messages_are_in_english_when_the_client_asks() {
    let (app, _g) = fresh();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/registrations")
        .header("accept-language", "en-GB,en;q=0.9")
        .body(Body::from(json!({ "course": "ethics" }).to_string()))
        .unwrap();
    let body = send(&app, req).await.json();
    let message = body["fields"]["name"].as_str().unwrap();
    assert!(!message.is_empty() && message.is_ascii(), "{message}");
}

#[tokio::test]
async fn a_course_that_does_not_exist_is_refused_on_the_course_field() {
    let (app, _g) = fresh();
    let body = assert_error_shape(&register(&app, form("no-such-course", 1)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["course"].is_string());
}

#[tokio::test]
async fn registration_after_the_window_closes_is_refused_on_the_course_field() {
    let (app, _g) = fresh();
    let body = assert_error_shape(&register(&app, form("closed", 1)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["course"].as_str().unwrap().contains("截止"));
}

#[tokio::test]
async fn registration_before_the_window_opens_is_refused_on_the_course_field() {
    let (app, _g) = fresh();
    let body = assert_error_shape(&register(&app, form("future", 1)).await, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["fields"]["course"].as_str().unwrap().contains("尚未开始"));
}

#[tokio::test]
async fn a_course_without_capacity_never_waitlists() {
    let (app, _g) = fresh();
    for n in 0..5 {
        assert_eq!(register(&app, form("open-to-all", n)).await.json()["status"], "pending");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_400() {
    let (app, _g) = fresh();
    let req = Request::builder().method(Method::POST).uri("/registrations").body(Body::from("{name: 张三")).unwrap();
    assert_error_shape(&send(&app, req).await, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let (app, _g) = fresh();
    let mut big = form("ethics", 1);
    big["organisation"] = json!("单".repeat(BODY_LIMIT));
    assert_error_shape(&register(&app, big).await, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_wrong_method_is_a_405_in_the_error_shape() {
    let (app, _g) = fresh();
    assert_error_shape(
        &send(&app, request(Method::DELETE, "/registrations", None, None)).await,
        StatusCode::METHOD_NOT_ALLOWED,
    );
    assert_error_shape(
        &send(&app, request(Method::GET, "/registrations/X/approve", None, None)).await,
        StatusCode::METHOD_NOT_ALLOWED,
    );
}

#[tokio::test]
async fn an_unknown_route_is_a_404_in_the_error_shape() {
    let (app, _g) = fresh();
    assert_error_shape(&send(&app, request(Method::GET, "/nowhere", None, None)).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_receipt_is_a_404() {
    let (app, _g) = fresh();
    let r = send(&app, request(Method::GET, "/registrations/receipt/7ZZZZZZZZZZZZZZZZZZZZZZZZZ", None, None)).await;
    assert_error_shape(&r, StatusCode::NOT_FOUND);
    let r = send(&app, request(Method::POST, "/registrations/receipt/nope!/withdraw", None, None)).await;
    assert_error_shape(&r, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn organiser_endpoints_without_a_token_are_a_401() {
    let (app, _g) = fresh();
    for (method, uri) in [
        (Method::GET, "/registrations?course=ethics"),
        (Method::GET, "/registrations/export.csv?course=ethics"),
        (Method::POST, "/registrations/01ARZ3NDEKTSV4RRFFQ69G5FAV/approve"),
    ] {
        assert_error_shape(&send(&app, request(method, uri, None, None)).await, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_token_signed_with_another_secret_is_a_401() {
    let (app, _g) = fresh();
    let forged = mint_dev_token(b"not-the-secret", Role::Organiser, None, None, std::time::Duration::from_secs(60));
    let r = send(&app, request(Method::GET, "/registrations?course=ethics", Some(&forged), None)).await;
    assert_error_shape(&r, StatusCode::UNAUTHORIZED);
    let r = send(&app, request(Method::GET, "/registrations?course=ethics", Some("garbage"), None)).await;
    assert_error_shape(&r, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_token_is_a_401() {
    let (app, _g) = fresh();
    let claims = json!({ "sub": "old", "role": "organiser", "exp": jiff::Timestamp::now().as_second() - 3600 });
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    let body = assert_error_shape(
        &send(&app, request(Method::GET, "/registrations?course=ethics", Some(&expired), None)).await,
        StatusCode::UNAUTHORIZED,
    );
    assert!(body["error"].as_str().unwrap().contains("过期"));
}

#[tokio::test]
async fn a_filler_may_not_manage_registrations() {
    let (app, _g) = fresh();
    let filler = token(Role::Filler, None);
    let r = send(&app, request(Method::GET, "/registrations?course=ethics", Some(&filler), None)).await;
    assert_error_shape(&r, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_regional_admin_sees_and_decides_only_their_own_region() {
    let (app, _g) = fresh();
    for n in 1..=2 {
        register(&app, form("ethics", n)).await; // 1 → hebei, 2 → beijing
    }
    let hebei = token(Role::RegionalAdmin, Some("hebei"));
    let listed = send(&app, request(Method::GET, "/registrations?course=ethics", Some(&hebei), None)).await.json();
    let rows = listed["registrations"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["region"], "hebei");
    let all =
        send(&app, request(Method::GET, "/registrations?course=ethics", Some(&token(Role::NationalAdmin, None)), None))
            .await;
    let beijing =
        all.json()["registrations"].as_array().unwrap().iter().find(|r| r["region"] == "beijing").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let r = send(&app, request(Method::POST, &format!("/registrations/{beijing}/approve"), Some(&hebei), None)).await;
    assert_error_shape(&r, StatusCode::FORBIDDEN);
    let r = send(&app, request(Method::GET, &format!("/registrations/{beijing}"), Some(&hebei), None)).await;
    assert_error_shape(&r, StatusCode::FORBIDDEN);
    let regionless = token(Role::RegionalAdmin, None);
    let r = send(&app, request(Method::GET, "/registrations?course=ethics", Some(&regionless), None)).await;
    assert_error_shape(&r, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn claims_from_the_api_gateway_authorizer_are_accepted_without_a_bearer_token() {
    let (app, _g) = fresh();
    let context: lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext = serde_json::from_value(json!({
        "routeKey": "GET /registrations", "accountId": "123456789012", "stage": "$default", "requestId": "r",
        "apiId": "a", "domainName": "d", "domainPrefix": "d", "time": "t", "timeEpoch": 0,
        "http": { "method": "GET", "path": "/registrations", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "t" },
        "authorizer": { "jwt": { "claims": { "sub": "u-1", "role": "organiser", "exp": "9999999999" }, "scopes": null } }
    }))
    .unwrap();
    let mut req = request(Method::GET, "/registrations?course=ethics", None, None);
    req.extensions_mut().insert(lambda_http::request::RequestContext::ApiGatewayV2(context));
    let r = send(&app, req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", String::from_utf8_lossy(&r.bytes));
}

#[tokio::test]
async fn a_rejection_without_a_note_is_refused_on_the_note_field() {
    let (app, _g) = fresh();
    register(&app, form("ethics", 1)).await;
    let org = token(Role::Organiser, None);
    let listed = send(&app, request(Method::GET, "/registrations?course=ethics", Some(&org), None)).await.json();
    let id = listed["registrations"][0]["id"].as_str().unwrap().to_owned();
    let r =
        send(&app, request(Method::POST, &format!("/registrations/{id}/reject"), Some(&org), Some(json!({})))).await;
    assert!(assert_error_shape(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["note"].is_string());
    // Issue 15, point 12, another member: a note of zero-width spaces and a BOM is no note.
    let invisible = json!({ "note": "\u{200b}\u{feff} \u{200b}" });
    let r =
        send(&app, request(Method::POST, &format!("/registrations/{id}/reject"), Some(&org), Some(invisible))).await;
    assert!(assert_error_shape(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["note"].is_string());
}

#[tokio::test]
async fn listing_needs_a_course_and_a_known_status() {
    let (app, _g) = fresh();
    let org = token(Role::Organiser, None);
    let r = send(&app, request(Method::GET, "/registrations", Some(&org), None)).await;
    assert!(assert_error_shape(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["course"].is_string());
    let r = send(&app, request(Method::GET, "/registrations?course=ethics&status=maybe", Some(&org), None)).await;
    assert!(assert_error_shape(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"]["status"].is_string());
}

#[tokio::test]
async fn a_filled_honeypot_is_answered_like_success_but_nothing_is_stored() {
    let (app, _g) = fresh();
    let mut bot = form("ethics", 1);
    bot["website"] = json!("http://spam.example");
    let r = register(&app, bot).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let receipt = r.json()["receipt"].as_str().unwrap().to_owned();
    let lookup = send(&app, request(Method::GET, &format!("/registrations/receipt/{receipt}"), None, None)).await;
    assert_eq!(lookup.status, StatusCode::NOT_FOUND);
    assert_eq!(
        register(&app, form("ethics", 1)).await.status,
        StatusCode::CREATED,
        "the real person can still register"
    );
}

#[tokio::test]
async fn every_reply_carries_a_request_id_and_a_given_one_is_kept() {
    let (app, _g) = fresh();
    let r = send(&app, request(Method::GET, "/courses/ethics/seats", None, None)).await;
    assert!(r.headers.get("x-request-id").is_some_and(|v| !v.is_empty()));
    let req = Request::builder()
        .uri("/courses/ethics/seats")
        .header("x-request-id", "trace-me-42")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.headers.get("x-request-id").unwrap(), "trace-me-42");
}

#[tokio::test]
async fn exports_have_chinese_headers_in_csv_and_xlsx() {
    let (app, _g) = fresh();
    register(&app, form("ethics", 1)).await;
    let mut evil = form("ethics", 2);
    evil["organisation"] = json!("=HYPERLINK(\"http://x\")");
    register(&app, evil).await;
    let org = token(Role::Organiser, None);
    let csv = send(&app, request(Method::GET, "/registrations/export.csv?course=ethics", Some(&org), None)).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = String::from_utf8(csv.bytes.clone()).unwrap();
    assert!(
        text.starts_with("\u{feff}编号,课程,姓名,单位,职务/职称,联系电话,邮箱,地区,状态,提交时间,审核意见"),
        "{text}"
    );
    assert!(text.contains("待审核") && text.contains("河北省"), "statuses and regions by their Chinese labels");
    assert!(text.contains("'=HYPERLINK"), "formulas are defused");
    let xlsx = send(&app, request(Method::GET, "/registrations/export.xlsx?course=ethics", Some(&org), None)).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"), "an xlsx is a zip");
    assert!(xlsx.headers["content-disposition"].to_str().unwrap().contains("registrations-ethics.xlsx"));
}
