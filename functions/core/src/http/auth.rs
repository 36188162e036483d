//! Who is calling, from a verified token.
//!
//! Two sources, one result ([`Caller`]):
//! - In AWS, API Gateway's JWT authorizer has already verified the token; its claims
//!   arrive in the Lambda request context (`requestContext.authorizer.jwt.claims`),
//!   which `lambda_http` puts in the request's extensions. Clients cannot forge
//!   extensions, only headers.
//! - Everywhere else (`gazette serve`, tests, a Lambda without an authorizer) the
//!   `Authorization: Bearer` token is verified here: HS256 with the configured secret,
//!   expiry checked.
//!
//! Public endpoints (registrants) take no token.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// 报名者 — needs no token for public endpoints.
    Registrant,
    /// 填报人 (monthly reports)
    Filler,
    /// 单位管理员
    UnitAdmin,
    /// 地方（省级）管理员
    RegionalAdmin,
    /// 国家级管理员
    NationalAdmin,
    /// 培训组织者
    Organiser,
    /// 科研诚信管理员 — an institution's integrity administrator (seed 004); an
    /// institution may have several.
    IntegrityAdmin,
}

impl Role {
    /// The role as the documents name it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Registrant => "报名者",
            Role::Filler => "填报人",
            Role::UnitAdmin => "单位管理员",
            Role::RegionalAdmin => "地方（省级）管理员",
            Role::NationalAdmin => "国家级管理员",
            Role::Organiser => "培训组织者",
            Role::IntegrityAdmin => "科研诚信管理员",
        }
    }

    pub const ALL: [Role; 7] = [
        Role::Registrant,
        Role::Filler,
        Role::UnitAdmin,
        Role::RegionalAdmin,
        Role::NationalAdmin,
        Role::Organiser,
        Role::IntegrityAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Registrant => "registrant",
            Role::Filler => "filler",
            Role::UnitAdmin => "unit-admin",
            Role::RegionalAdmin => "regional-admin",
            Role::NationalAdmin => "national-admin",
            Role::Organiser => "organiser",
            Role::IntegrityAdmin => "integrity-admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The claims a token carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub exp: i64,
    /// Set on the token of a signed-in account (`sub` is its username): the account's
    /// session epoch when it signed in. Such a token is good only while the account
    /// is active, still holds the token's role, and has not changed its password or
    /// been reset or disabled since ([`AuthConfig::check`]). Development tokens have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
}

impl Claims {
    /// The role the token carries, as an account's grant.
    pub fn grant(&self) -> crate::accounts::Grant {
        crate::accounts::Grant { role: self.role, unit: self.unit.clone(), region: self.region.clone() }
    }
}

/// How tokens are checked when no API Gateway authorizer did it.
#[derive(Clone, Default)]
pub struct AuthConfig {
    secret: Option<Vec<u8>>,
    /// The accounts a signed-in token is checked against on every request.
    accounts: Option<crate::accounts::SharedAccounts>,
    /// The development switch: the sign-in page offers a role picker minting
    /// development tokens. Off unless `gazette serve --dev-sign-in` turns it on.
    dev_sign_in: bool,
    /// The Cognito user pool whose tokens (RS256) are accepted, verified here.
    pool_tokens: Option<std::sync::Arc<crate::accounts::cognito::tokens::TokenVerifier>>,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("secret", &self.secret.as_ref().map(|_| "<set>"))
            .field("accounts", &self.accounts.is_some())
            .field("dev_sign_in", &self.dev_sign_in)
            .finish()
    }
}

impl AuthConfig {
    pub fn hs256(secret: impl AsRef<[u8]>) -> Self {
        AuthConfig { secret: Some(secret.as_ref().to_vec()), ..AuthConfig::default() }
    }

    /// Only API Gateway authorizer claims are accepted.
    pub fn gateway_only() -> Self {
        AuthConfig::default()
    }

    /// The user pool's tokens are accepted too, verified against its keys; the
    /// claims API Gateway's authorizer passed on are then not read (its checks are
    /// repeated here, with the account's current state).
    pub fn with_pool_tokens(
        mut self,
        verifier: std::sync::Arc<crate::accounts::cognito::tokens::TokenVerifier>,
    ) -> Self {
        self.pool_tokens = Some(verifier);
        self
    }

    /// Account tokens are checked against `accounts`.
    pub fn with_accounts(mut self, accounts: crate::accounts::SharedAccounts) -> Self {
        self.accounts = Some(accounts);
        self
    }

    /// Turns the development role picker on (`gazette serve --dev-sign-in`).
    pub fn with_dev_sign_in(mut self, on: bool) -> Self {
        self.dev_sign_in = on;
        self
    }

    /// Whether the development role picker is on.
    pub fn dev_sign_in(&self) -> bool {
        self.dev_sign_in && self.secret.is_some()
    }

    /// The accounts, when this router has them.
    pub fn accounts(&self) -> Option<&crate::accounts::SharedAccounts> {
        self.accounts.as_ref()
    }

    /// A session token for `account` acting as `grant`, when tokens are signed here.
    pub fn mint_account_token(
        &self,
        account: &crate::accounts::Account,
        grant: &crate::accounts::Grant,
        ttl: Duration,
    ) -> Option<String> {
        let secret = self.secret.as_ref()?;
        let claims = Claims {
            sub: account.username.clone(),
            role: grant.role,
            unit: grant.unit.clone(),
            region: grant.region.clone(),
            exp: jiff::Timestamp::now().as_second() + ttl.as_secs() as i64,
            epoch: Some(account.session_epoch),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret)).ok()
    }

    /// [`AuthConfig::verify`], then, for an account's token, the account as it is
    /// now: active, holding the token's role, same session epoch — so removing a role
    /// or disabling an account takes the right away at the next request.
    ///
    /// A token of the Cognito user pool (RS256) is verified against the pool's keys
    /// instead, the account's state checked by the pool's verifier.
    pub async fn check(&self, token: &str) -> Result<Claims, &'static str> {
        use crate::accounts::cognito::tokens::TokenVerifier;
        if let Some(pool) = self.pool_tokens.as_ref().filter(|_| TokenVerifier::is_provider_token(token)) {
            return pool.verify(token).await;
        }
        let claims = self.verify(token)?;
        let Some(epoch) = claims.epoch else { return Ok(claims) };
        let accounts = self.accounts.as_ref().ok_or("invalid")?;
        match accounts.get(&claims.sub).await {
            Ok(Some(account)) if account.session_epoch == epoch && account.holds(&claims.grant()) => Ok(claims),
            Ok(_) => Err("account-changed"),
            Err(_) => Err("invalid"),
        }
    }

    /// Whether tokens are signed here (development sign-in possible) rather than by
    /// an identity provider behind API Gateway.
    pub fn signs_tokens(&self) -> bool {
        self.secret.is_some()
    }

    /// The secret development tokens are signed with, when there is one.
    pub fn secret(&self) -> Option<&[u8]> {
        self.secret.as_deref()
    }

    /// Signature, expiry (`exp`), not-before (`nbf`, when present) and an account
    /// (`sub`) that is not blank: a token without one could not be told apart from
    /// another in the history of what it did.
    fn verify(&self, token: &str) -> Result<Claims, &'static str> {
        let secret = self.secret.as_ref().ok_or("no-secret")?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_nbf = true;
        let claims = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => "expired",
                jsonwebtoken::errors::ErrorKind::ImmatureSignature => "not-yet-valid",
                _ => "invalid",
            })?;
        has_account(claims)
    }
}

/// `claims` when their `sub` names an account: not empty, not only blanks.
fn has_account(claims: Claims) -> Result<Claims, &'static str> {
    if claims.sub.trim().is_empty() { Err("no-account") } else { Ok(claims) }
}

/// The token of an `Authorization` header value: the scheme `Bearer` in any case
/// (RFC 9110 §11.1: schemes are case-insensitive), then the token after any blanks.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Mints a token for local development and tests (`gazette token`).
pub fn mint_dev_token(secret: &[u8], role: Role, unit: Option<&str>, region: Option<&str>, ttl: Duration) -> String {
    let claims = Claims {
        sub: format!("dev-{}", role.as_str()),
        role,
        unit: unit.map(str::to_owned),
        region: region.map(str::to_owned),
        exp: jiff::Timestamp::now().as_second() + ttl.as_secs() as i64,
        epoch: None,
    };
    // HMAC signing of a plain struct cannot fail; an empty string would be refused as a token.
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret)).unwrap_or_default()
}

/// The cookie that carries the token of someone signed in on the site's pages
/// (`HttpOnly`, `SameSite=Strict`, so other sites cannot send it). A bearer header,
/// when present, wins.
pub const SESSION_COOKIE: &str = "gazette_session";

/// The value of a cookie of the request.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then(|| value.to_string())
        })
}

/// A caller with a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub Claims);

fn claims_from_gateway(parts: &Parts) -> Option<Result<Claims, &'static str>> {
    use lambda_http::request::RequestContext;
    let claims: &HashMap<String, String> = match parts.extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(ctx) => &ctx.authorizer.as_ref()?.jwt.as_ref()?.claims,
        #[allow(unreachable_patterns)]
        _ => return None,
    };
    Some(
        (|| {
            Ok(Claims {
                sub: claims.get("sub").cloned().ok_or("invalid")?,
                role: claims.get("role").and_then(|r| Role::parse(r)).ok_or("no-role")?,
                unit: claims.get("unit").cloned(),
                region: claims.get("region").cloned(),
                exp: claims.get("exp").and_then(|e| e.parse().ok()).unwrap_or(0),
                epoch: None,
            })
        })()
        .and_then(has_account),
    )
}

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    AuthConfig: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let lang = Lang::from_parts(parts);
        let auth = AuthConfig::from_ref(state);
        let gateway = if auth.pool_tokens.is_some() { None } else { claims_from_gateway(parts) };
        let verified = match gateway {
            Some(result) => result,
            None => {
                let header = parts.headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
                match header.and_then(bearer_token).map(str::to_owned).or_else(|| cookie(parts, SESSION_COOKIE)) {
                    None => {
                        return Err(ApiError::unauthorized(
                            lang,
                            "请先登录：此操作需要有效的访问令牌。",
                            "Sign in first: this needs a valid bearer token.",
                        ));
                    }
                    Some(token) => AuthConfig::from_ref(state).check(token.trim()).await,
                }
            }
        };
        match verified {
            Ok(claims) => Ok(Caller(claims)),
            Err("expired") => {
                Err(ApiError::unauthorized(lang, "登录已过期，请重新登录。", "The token has expired; sign in again."))
            }
            Err("not-yet-valid") => Err(ApiError::unauthorized(
                lang,
                "访问令牌尚未生效（nbf 晚于当前时间），请稍后再试或重新登录。",
                "The token is not valid yet (its nbf is in the future).",
            )),
            Err("no-account") => Err(ApiError::unauthorized(
                lang,
                "访问令牌未注明账号（sub 为空），请重新登录。",
                "The token names no account (empty sub); sign in again.",
            )),
            Err("account-changed") => Err(ApiError::unauthorized(
                lang,
                "账号的角色、状态或密码已变更，请重新登录。",
                "The account's role, status or password has changed; sign in again.",
            )),
            Err("no-role") => Err(ApiError::forbidden(lang, "令牌未指明角色。", "The token names no role.")),
            Err(_) => Err(ApiError::unauthorized(lang, "访问令牌无效。", "The bearer token is not valid.")),
        }
    }
}
