//! Cookie-authenticated requests come from the site's own pages only.
//!
//! The session cookie is `SameSite=Strict`, but "site" ignores the port: a page
//! served from another port of the same host (or another subdomain) is same-site and
//! its requests carry the cookie. So a state-changing request (anything but `GET`,
//! `HEAD`, `OPTIONS`) that carries one of our cookies is refused (403) when the
//! browser says it comes from elsewhere: an `Origin` whose host and port are not the
//! request's own `Host` (or the `X-Forwarded-Host` of the proxy in front), or a
//! `Sec-Fetch-Site` of `cross-site` or `same-site`. Both an auto-submitted form and a
//! `fetch(…, {mode: 'no-cors', credentials: 'include'})` send them. Requests without
//! our cookies (a bearer token, a script of a partner system) are not touched: they
//! carry no ambient authority to abuse.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::extract::Lang;

/// The cookies that carry a visitor's authority (the session) or identity (the browser).
const OUR_COOKIES: [&str; 2] = [super::auth::SESSION_COOKIE, "gazette_browser"];

/// Middleware: refuses a cookie-carrying, state-changing request from another origin.
pub async fn same_origin_only(request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && carries_our_cookie(request.headers()) && from_elsewhere(request.headers()) {
        let lang = Lang::from_headers(request.headers());
        return ApiError::forbidden(
            lang,
            "请求并非来自本站页面，已拒绝：请在本站页面上操作。",
            "The request does not come from this site's pages and was refused.",
        )
        .into_response();
    }
    next.run(request).await
}

fn carries_our_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, value)| OUR_COOKIES.contains(&name) && !value.is_empty())
}

/// Whether the browser says the request was made by a page of this origin:
/// `Sec-Fetch-Site: same-origin`, or an `Origin` that is the request's own host. A
/// request that says neither (an old browser, a script) is not.
pub fn from_own_pages(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some("same-origin") => true,
        Some(_) => false,
        None => text(header::ORIGIN).is_some() && !from_elsewhere(headers),
    }
}

/// Whether the browser says the request was made by a page of another origin.
fn from_elsewhere(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &header::HeaderValue| v.to_str().ok());
    if matches!(text(header::HeaderName::from_static("sec-fetch-site")), Some("cross-site" | "same-site")) {
        return true;
    }
    let Some(origin) = text(header::ORIGIN) else { return false };
    // `Origin: null` (a sandboxed frame, a data: page) is elsewhere too.
    let Some(authority) = origin.split_once("://").map(|(_, rest)| rest.trim_end_matches('/')) else { return true };
    let own = [text(header::HOST), text(header::HeaderName::from_static("x-forwarded-host"))];
    !own.into_iter().flatten().any(|host| host.eq_ignore_ascii_case(authority))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_a_browser_that_says_so_proves_a_page_of_this_origin() {
        assert!(from_own_pages(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(from_own_pages(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")])));
        assert!(!from_own_pages(&headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:9090")])));
        assert!(!from_own_pages(&headers(&[("sec-fetch-site", "same-site"), ("origin", "http://127.0.0.1:8080")])));
        assert!(!from_own_pages(&headers(&[("host", "127.0.0.1:8080")])), "saying nothing proves nothing");
    }

    #[test]
    fn another_port_of_the_same_host_is_elsewhere() {
        let h = headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:9090")]);
        assert!(from_elsewhere(&h));
        let own = headers(&[("host", "127.0.0.1:8080"), ("origin", "http://127.0.0.1:8080")]);
        assert!(!from_elsewhere(&own));
        assert!(from_elsewhere(&headers(&[("host", "a"), ("origin", "null")])));
        assert!(from_elsewhere(&headers(&[("host", "a"), ("sec-fetch-site", "same-site")])));
        assert!(!from_elsewhere(&headers(&[("host", "a"), ("sec-fetch-site", "same-origin")])));
    }

    #[test]
    fn only_our_cookies_count() {
        assert!(carries_our_cookie(&headers(&[("cookie", "theme=dark; gazette_session=abc")])));
        assert!(!carries_our_cookie(&headers(&[("cookie", "theme=dark")])));
    }
}
