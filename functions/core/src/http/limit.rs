//! A per-address limit on public submissions (registrations, and any form posted
//! without signing in): a fixed one-minute window per client address, in memory.
//!
//! In memory means per process: one limit for `gazette serve`, one per warm Lambda
//! instance in AWS, where API Gateway's route throttling is the overall cap. Good
//! enough to stop one address from flooding a course's registrations; not a quota.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::error::ApiError;
use super::extract::Lang;

const WINDOW: Duration = Duration::from_secs(60);

/// Submissions allowed per address and minute; `None` → no limit.
#[derive(Clone, Default)]
pub struct RateLimit {
    per_minute: Option<u32>,
    seen: Arc<Mutex<HashMap<IpAddr, (Instant, u32)>>>,
}

impl RateLimit {
    pub fn per_minute(n: u32) -> RateLimit {
        RateLimit { per_minute: Some(n).filter(|n| *n > 0), seen: Arc::default() }
    }

    /// Counts one submission from `addr`; refuses it (429) past the limit. Requests
    /// whose address is unknown are not limited.
    pub fn check(&self, addr: Option<IpAddr>, lang: Lang) -> Result<(), ApiError> {
        let (Some(limit), Some(addr)) = (self.per_minute, addr) else { return Ok(()) };
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.len() > 10_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = seen.entry(addr).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > limit {
            let wait = WINDOW.saturating_sub(now.duration_since(entry.0)).as_secs().max(1);
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                lang.pick(
                    &format!("提交过于频繁，请 {wait} 秒后再试。"),
                    &format!("Too many submissions from your address; try again in {wait} seconds."),
                ),
            ));
        }
        Ok(())
    }
}

/// The client's address: API Gateway's `sourceIp` on Lambda, the socket's peer under
/// `gazette serve`. Forwarding headers are not trusted (anyone can write them).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        use lambda_http::request::RequestContext;
        let from_gateway = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()),
            #[allow(unreachable_patterns)]
            _ => None,
        };
        let from_socket = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientAddr(from_gateway.or(from_socket)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_past_its_limit_and_others_are_not() {
        let limit = RateLimit::per_minute(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limit.check(Some(a), Lang::Zh).is_ok());
        assert!(limit.check(Some(a), Lang::Zh).is_ok());
        let refused = limit.check(Some(a), Lang::En).unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(refused.body.error.contains("try again"), "{}", refused.body.error);
        assert!(limit.check(Some(b), Lang::Zh).is_ok());
        assert!(limit.check(None, Lang::Zh).is_ok());
        assert!(RateLimit::default().check(Some(a), Lang::Zh).is_ok());
    }
}
