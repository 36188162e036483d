//! Cognito's tokens, verified by the functions: RS256 against the pool's public keys
//! (its JWKS, fetched once and kept; fetched again when a token names a key not yet
//! seen — Cognito rotates keys — but at most every [`REFETCH_AFTER`], so forged key
//! ids cannot make the functions fetch on every request; every fetch with a
//! [`FETCH_TIMEOUT`]), checking the issuer (the pool), the audience (`aud` of an ID
//! token, `client_id` of an access token: the functions' app client), `token_use` and
//! expiry. API Gateway's JWT authorizer checks the same before a function runs; the
//! functions check again because a request can reach them without it (`gazette
//! serve`, a Lambda invoked directly).
//!
//! The claims become the [`Caller`](crate::http::Caller)'s [`Claims`]: `sub` is the
//! username (`cognito:username` of an ID token, `username` of an access token), the
//! role with its unit or region is the first of `cognito:groups` that is a grant
//! ([`super::grant_of_group`]). Then, as for the functions' own session tokens, the
//! account as it is now: active, still holding that grant, and — for an ID token,
//! which carries `custom:epoch` — not reset or disabled since, so removing a role
//! takes the right away at the next request (seed 004).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::RwLock;

use super::{UserPool, grant_of_group};
use crate::accounts::SharedAccounts;
use crate::http::auth::Claims;

/// How long one fetch of the keys may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The shortest time between two fetches of the keys.
pub const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// The keys in hand, and when they were fetched.
#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    fetched: Option<Instant>,
}

/// Verifies the tokens of one pool and app client.
pub struct TokenVerifier {
    pool: UserPool,
    issuer: String,
    jwks_url: String,
    cache: RwLock<KeyCache>,
    accounts: Option<SharedAccounts>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("pool", &self.pool).field("jwks_url", &self.jwks_url).finish()
    }
}

/// The claims of a Cognito token the functions read.
#[derive(Debug, Deserialize)]
struct PoolClaims {
    token_use: String,
    exp: i64,
    #[serde(default)]
    aud: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default, rename = "cognito:username")]
    cognito_username: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
    #[serde(default, rename = "custom:epoch")]
    epoch: Option<String>,
}

impl TokenVerifier {
    /// For `pool`, its keys at `jwks_url` ([`UserPool::jwks_url`]).
    pub fn new(pool: UserPool, jwks_url: String) -> TokenVerifier {
        TokenVerifier { issuer: pool.issuer(), pool, jwks_url, cache: RwLock::default(), accounts: None }
    }

    /// Each token's account is checked in `accounts` as it is now.
    pub fn with_accounts(mut self, accounts: SharedAccounts) -> TokenVerifier {
        self.accounts = Some(accounts);
        self
    }

    /// Whether `token` looks like one of an identity provider (RS256) rather than one
    /// the functions signed (HS256): which verification it goes to.
    pub fn is_provider_token(token: &str) -> bool {
        jsonwebtoken::decode_header(token).is_ok_and(|h| h.alg == Algorithm::RS256)
    }

    /// The caller's claims of a valid token, or why not, in the words
    /// [`crate::http::Caller`] answers: `expired`, `no-role`, `account-changed`,
    /// `invalid` (anything else, the keys unreachable included).
    pub async fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| "invalid")?;
        if header.alg != Algorithm::RS256 {
            return Err("invalid");
        }
        let key = self.key(header.kid.as_deref().ok_or("invalid")?).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        // `aud` is in ID tokens only; checked below with `client_id` by `token_use`.
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<PoolClaims>(token, &key, &validation).map(|data| data.claims).map_err(
            |e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "expired",
                _ => "invalid",
            },
        )?;
        let (audience, username) = match claims.token_use.as_str() {
            "id" => (&claims.aud, &claims.cognito_username),
            "access" => (&claims.client_id, &claims.username),
            _ => return Err("invalid"),
        };
        if audience.as_deref() != Some(self.pool.client_id.as_str()) {
            return Err("invalid");
        }
        let username = username.clone().filter(|u| !u.trim().is_empty()).ok_or("no-account")?;
        let grant = claims.groups.iter().find_map(|g| grant_of_group(g)).ok_or("no-role")?;
        if let Some(accounts) = &self.accounts {
            let account = accounts.get(&username).await.map_err(|_| "invalid")?.ok_or("account-changed")?;
            let epoch_moved = claims.epoch.as_deref().is_some_and(|e| e != account.session_epoch.to_string());
            if !account.holds(&grant) || epoch_moved {
                return Err("account-changed");
            }
        }
        Ok(Claims {
            sub: username,
            role: grant.role,
            unit: grant.unit,
            region: grant.region,
            exp: claims.exp,
            epoch: None,
        })
    }

    /// The key `kid`: from the cache, else from a fresh fetch when the last one is old
    /// enough.
    async fn key(&self, kid: &str) -> Result<DecodingKey, &'static str> {
        {
            let cache = self.cache.read().await;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(key.clone());
            }
            if cache.fetched.is_some_and(|at| at.elapsed() < REFETCH_AFTER) {
                return Err("invalid");
            }
        }
        let mut cache = self.cache.write().await;
        // Another request may have fetched while this one waited.
        if !cache.keys.contains_key(kid) && cache.fetched.is_none_or(|at| at.elapsed() >= REFETCH_AFTER) {
            cache.fetched = Some(Instant::now());
            match self.fetch().await {
                Ok(keys) => cache.keys = keys,
                Err(e) => tracing::warn!("cannot read the user pool's keys at {}: {e}", self.jwks_url),
            }
        }
        cache.keys.get(kid).cloned().ok_or("invalid")
    }

    /// The pool's RSA keys by key id.
    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, String> {
        let (status, body) = crate::aws::https_get(&self.jwks_url, FETCH_TIMEOUT).await?;
        if status != 200 {
            return Err(format!("HTTP {status}"));
        }
        let set: JwkSet = serde_json::from_slice(&body).map_err(|e| format!("not a JWKS: {e}"))?;
        Ok(set
            .keys
            .iter()
            .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(jwk).ok()?)))
            .collect())
    }
}
