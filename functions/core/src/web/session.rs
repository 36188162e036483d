//! Who is looking at a page: their language and, once signed in, their token (kept in
//! the session cookie) and its claims, checked against the account on every request.
//!
//! Signing in is with an account ([`crate::accounts::Accounts`]): username and
//! password; a one-time password leads first to choosing a new one. The session
//! cookie is `HttpOnly; SameSite=Strict`, and `Secure` when the site is served over
//! HTTPS. The development role picker (tokens like `gazette token`'s) exists only
//! behind the development switch (`gazette serve --dev-sign-in`).
//!
//! Every state-changing form carries an anti-forgery token tied to the session
//! ([`Visitor::csrf`]); [`crate::web::pages::render_status`] writes it into every
//! `method="post"` form of a page and the form posts check it.

use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts, OriginalUri, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::form_body;
use super::pages::{self, local_path};
use super::{WebState, page_url, query_value};
use crate::accounts::{AccountError, SignInOutcome};
use crate::http::auth::{SESSION_COOKIE, cookie};
use crate::http::{ApiError, AuthConfig, Caller, Claims, Lang, Role, mint_dev_token};
use crate::lifecycle::review::is_slug;

/// The cookie naming a browser that is not signed in (for its refused forms only).
const BROWSER_COOKIE: &str = "gazette_browser";

/// How long a sign-in lasts.
const SESSION_LENGTH: Duration = Duration::from_secs(12 * 3600);

/// The visitor of a page.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub lang: Lang,
    /// The session token, when the cookie holds a valid one.
    pub token: Option<String>,
    pub claims: Option<Claims>,
    /// The path and query of the page asked for (where to come back after signing in).
    pub here: String,
    /// This browser's random id (the `gazette_browser` cookie), when it has one: what
    /// a refused form of a visitor who is not signed in is kept for.
    pub browser: Option<String>,
    /// The page was asked for over HTTPS: cookies are set `Secure`.
    pub secure: bool,
}

/// Whether the request came over HTTPS: its own scheme, or the scheme the proxy in
/// front says (`X-Forwarded-Proto`, CloudFront's `CloudFront-Forwarded-Proto`).
/// Trusting the header costs nothing here: it only adds `Secure` to a cookie.
fn served_over_https(parts: &Parts) -> bool {
    let header_says = |name: &str| {
        parts.headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"))
    };
    parts.uri.scheme_str() == Some("https")
        || header_says("x-forwarded-proto")
        || header_says("cloudfront-forwarded-proto")
}

impl Visitor {
    pub fn lang_tag(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.claims.as_ref().map(|c| c.role)
    }

    pub fn unit(&self) -> Option<&str> {
        self.claims.as_ref().and_then(|c| c.unit.as_deref())
    }

    pub fn region(&self) -> Option<&str> {
        self.claims.as_ref().and_then(|c| c.region.as_deref())
    }

    /// The visitor as a caller of the workflows, as the API's extractor would give
    /// it: 401 when not signed in.
    pub fn caller(&self) -> Result<Caller, ApiError> {
        self.claims.clone().map(Caller).ok_or_else(|| ApiError::unauthorized(self.lang, "请先登录。", "Sign in first."))
    }

    /// Who a refused form is kept for: this sign-in (a digest of the session token),
    /// or else this browser. `None` when the visitor has neither yet.
    pub fn owner_id(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        match (&self.token, &self.browser) {
            (Some(token), _) => Some(format!("session:{:x}", Sha256::digest(token.as_bytes()))),
            (None, Some(browser)) => Some(format!("browser:{browser}")),
            (None, None) => None,
        }
    }

    /// The anti-forgery token of this visitor's forms: a digest of the session (or of
    /// the browser's id), both of which live in `HttpOnly` cookies that a page of
    /// another origin can neither read nor guess. `None` for a visitor with neither.
    pub fn csrf(&self) -> Option<String> {
        use sha2::{Digest, Sha256};
        self.owner_id().map(|owner| format!("{:x}", Sha256::digest(format!("anti-forgery:{owner}").as_bytes())))
    }

    /// Whether `posted` is this visitor's anti-forgery token.
    pub fn csrf_matches(&self, posted: Option<&str>) -> bool {
        match (self.csrf(), posted) {
            (Some(expected), Some(posted)) => {
                use sha2::{Digest, Sha256};
                // Compared as digests, so the time taken tells nothing of the token.
                Sha256::digest(expected.as_bytes()) == Sha256::digest(posted.as_bytes())
            }
            _ => false,
        }
    }

    /// The visitor without their sign-in: what a public form's post acts as when
    /// its anti-forgery token is missing (the static site's forms cannot carry one).
    pub fn anonymous(&self) -> Visitor {
        Visitor { token: None, claims: None, ..self.clone() }
    }

    /// [`Visitor::owner_id`], giving the browser an id first when it has none: the
    /// owner, and the cookie to set.
    pub fn owner(&self) -> (String, Option<HeaderValue>) {
        if let Some(owner) = self.owner_id() {
            return (owner, None);
        }
        let browser = ulid::Ulid::from(rand::random::<u128>()).to_string();
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!("{BROWSER_COOKIE}={browser}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600{secure}");
        (format!("browser:{browser}"), HeaderValue::from_str(&cookie).ok())
    }

    /// The sign-in page, coming back here afterwards.
    pub fn sign_in_redirect(&self) -> Response {
        let next: String = query_value(&self.here);
        Redirect::to(&format!("{}?next={next}", page_url("/sign-in"))).into_response()
    }
}

impl<S> FromRequestParts<S> for Visitor
where
    S: Send + Sync,
    AuthConfig: FromRef<S>,
{
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = AuthConfig::from_ref(state);
        let token = cookie(parts, SESSION_COOKIE);
        let claims = match token.as_deref() {
            Some(t) => auth.check(t).await.ok(),
            None => None,
        };
        // The address as the browser asked for it: nested routers see only the rest.
        let uri = parts.extensions.get::<OriginalUri>().map(|OriginalUri(uri)| uri).unwrap_or(&parts.uri);
        let asked = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let here = if asked.starts_with(&format!("{}/", super::MOUNT)) {
            asked.to_string()
        } else {
            format!("{}{asked}", super::MOUNT)
        };
        // The pages are written in Chinese, like the documents; the API's messages
        // on them must be too, whatever language the browser prefers.
        let browser =
            cookie(parts, BROWSER_COOKIE).filter(|b| b.len() <= 40 && b.chars().all(|c| c.is_ascii_alphanumeric()));
        let secure = served_over_https(parts);
        Ok(Visitor { lang: Lang::Zh, token: token.filter(|_| claims.is_some()), claims, here, browser, secure })
    }
}

/// A visitor who is signed in; anyone else is sent to the sign-in page, coming back
/// to the page they asked for.
pub struct SignedIn(pub Visitor);

impl<S> FromRequestParts<S> for SignedIn
where
    S: Send + Sync,
    AuthConfig: FromRef<S>,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Ok(visitor) = Visitor::from_request_parts(parts, state).await;
        if visitor.claims.is_none() {
            return Err(visitor.sign_in_redirect());
        }
        Ok(SignedIn(visitor))
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /web/sign-in` — username and password; with the development switch on, the
/// role picker too.
pub async fn sign_in_page(State(web): State<WebState>, visitor: Visitor, Query(q): Query<NextQuery>) -> Response {
    sign_in_form(&web, &visitor, q.next.as_deref().unwrap_or(""), "", &[])
}

fn sign_in_form(
    web: &WebState,
    visitor: &Visitor,
    next: &str,
    username: &str,
    problems: &[(&str, String)],
) -> Response {
    let dev = web.app.auth.dev_sign_in();
    let roles: Vec<_> = Role::ALL
        .into_iter()
        .filter(|r| dev && *r != Role::Registrant)
        .map(|r| json!({"value": r.as_str(), "label": r.label_zh()}))
        .collect();
    let regions: Vec<_> =
        crate::directory::regions().iter().filter(|_| dev).map(|r| json!({"value": r.code, "label": r.name})).collect();
    let errors: Vec<_> = problems.iter().map(|(field, message)| json!({"field": field, "message": message})).collect();
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    pages::render_status(
        visitor,
        status,
        "sign_in.html",
        json!({
            "title": "登录",
            "dev_sign_in": dev,
            "roles": roles,
            "regions": regions,
            "errors": errors,
            "username": username,
            "next": local_path(next).unwrap_or_default(),
        }),
    )
}

/// The control that carries a form's anti-forgery token ([`Visitor::csrf`]).
pub const CSRF_CONTROL: &str = "_csrf";

/// The named fields of a post that is no workflow's form (sign-in, accounts), read
/// like every form's ([`form_body::read_post`]: in its charset), the last of a name
/// winning; `Err` with the page to answer when the body cannot be read or its
/// anti-forgery token is not the visitor's.
pub async fn posted_fields(
    visitor: &Visitor,
    request: Request,
) -> Result<std::collections::HashMap<String, String>, Response> {
    let posted = form_body::read_post(request, form_body::Limits::of(None))
        .await
        .map_err(|message| pages::message_status(visitor, StatusCode::BAD_REQUEST, "登录", &message))?;
    let mut fields = std::collections::HashMap::new();
    for (name, value) in posted.fields {
        fields.insert(name, value.as_str().unwrap_or_default().to_owned());
    }
    for (name, value) in posted.controls {
        fields.insert(name, value);
    }
    if visitor.csrf().is_some() && !visitor.csrf_matches(fields.get(CSRF_CONTROL).map(String::as_str)) {
        return Err(forgery_refused(visitor));
    }
    Ok(fields)
}

/// The answer to a post whose anti-forgery token is not the visitor's.
fn forgery_refused(visitor: &Visitor) -> Response {
    pages::message_status(visitor, StatusCode::FORBIDDEN, "无法提交", super::gateway::FORGED)
}

/// The cookie that signs a browser in with `token`.
fn session_cookie(visitor: &Visitor, token: &str) -> Option<HeaderValue> {
    let secure = if visitor.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_LENGTH.as_secs()
    ))
    .ok()
}

/// A redirect to `next` (a local path) or the desk, signing the browser in with `token`.
fn signed_in_to(visitor: &Visitor, next: &str, token: &str) -> Response {
    let next = local_path(next).unwrap_or_else(|| page_url("/"));
    let mut response = Redirect::to(&next).into_response();
    if let Some(cookie) = session_cookie(visitor, token) {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /web/sign-in` — username and password.
pub async fn sign_in(State(web): State<WebState>, visitor: Visitor, request: Request) -> Response {
    let fields = match posted_fields(&visitor, request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    let field = |name: &str| fields.get(name).map(|v| v.trim().to_string()).unwrap_or_default();
    let (username, password, next) =
        (field("username"), fields.get("password").cloned().unwrap_or_default(), field("next"));
    let mut problems = Vec::new();
    if username.is_empty() {
        problems.push(("username", "请填写账号。".to_string()));
    }
    if password.is_empty() {
        problems.push(("password", "请填写密码。".to_string()));
    }
    if !problems.is_empty() {
        return sign_in_form(&web, &visitor, &next, &username, &problems);
    }
    match web.app.accounts.sign_in(&username, &password).await {
        Ok(SignInOutcome::SignedIn(account)) => {
            let Some(grant) = account.grants.first() else {
                return sign_in_form(
                    &web,
                    &visitor,
                    &next,
                    &username,
                    &[("username", "账号没有任何角色，请联系管理员。".into())],
                );
            };
            match web.app.auth.mint_account_token(&account, grant, SESSION_LENGTH) {
                Some(token) => signed_in_to(&visitor, &next, &token),
                None => pages::message(&visitor, "登录", "此处不签发会话：请通过统一身份认证登录。"),
            }
        }
        Ok(SignInOutcome::MustChangePassword { username, challenge }) => {
            new_password_form(&visitor, &username, &challenge, &next, &[])
        }
        Err(e) => {
            let (field, message) = e.message_zh();
            sign_in_form(&web, &visitor, &next, &username, &[(field.unwrap_or("username"), message)])
        }
    }
}

fn new_password_form(
    visitor: &Visitor,
    username: &str,
    challenge: &str,
    next: &str,
    problems: &[(&str, String)],
) -> Response {
    let errors: Vec<_> = problems.iter().map(|(field, message)| json!({"field": field, "message": message})).collect();
    let status = if problems.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    pages::render_status(
        visitor,
        status,
        "new_password.html",
        json!({
            "title": "设置新密码",
            "username": username,
            "challenge": challenge,
            "next": local_path(next).unwrap_or_default(),
            "errors": errors,
            "min_length": crate::accounts::password::MIN_LENGTH,
        }),
    )
}

/// `POST /web/new-password` — the new password after a one-time one; signs in.
pub async fn new_password(State(web): State<WebState>, visitor: Visitor, request: Request) -> Response {
    let fields = match posted_fields(&visitor, request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    let field = |name: &str| fields.get(name).cloned().unwrap_or_default();
    let (username, challenge, next) = (field("username"), field("challenge"), field("next"));
    let (new, confirm) = (field("new_password"), field("confirm_password"));
    if new != confirm {
        return new_password_form(
            &visitor,
            &username,
            &challenge,
            &next,
            &[("confirm_password", "两次输入的新密码不一致。".into())],
        );
    }
    match web.app.accounts.complete_new_password(&username, &challenge, &new).await {
        Ok(account) => {
            match account.grants.first().and_then(|g| web.app.auth.mint_account_token(&account, g, SESSION_LENGTH)) {
                Some(token) => signed_in_to(&visitor, &next, &token),
                None => {
                    sign_in_form(&web, &visitor, &next, &username, &[("username", "新密码已设置，请登录。".into())])
                }
            }
        }
        Err(AccountError::ChallengeExpired) => sign_in_form(
            &web,
            &visitor,
            &next,
            &username,
            &[("password", AccountError::ChallengeExpired.message_zh().1)],
        ),
        Err(e) => {
            let (field, message) = e.message_zh();
            new_password_form(&visitor, &username, &challenge, &next, &[(field.unwrap_or("new_password"), message)])
        }
    }
}

/// `POST /web/dev-sign-in` — the development role picker: mints a development token
/// into the session cookie. Only with the development switch on.
pub async fn dev_sign_in(State(web): State<WebState>, visitor: Visitor, request: Request) -> Response {
    let (Some(secret), true) = (web.app.auth.secret(), web.app.auth.dev_sign_in()) else {
        return pages::message_status(&visitor, StatusCode::NOT_FOUND, "登录", "开发登录未开启：请用账号和密码登录。");
    };
    let fields = match posted_fields(&visitor, request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    let field = |name: &str| fields.get(name).map(|v| v.trim().to_string()).unwrap_or_default();
    let role = Role::parse(&field("role")).filter(|r| *r != Role::Registrant);
    let (unit, region, next) = (field("unit"), field("region"), field("next"));
    let unit = Some(unit.as_str()).filter(|u| !u.is_empty());
    let region = Some(region.as_str()).filter(|r| !r.is_empty());
    let problem = match role {
        None => Some(("role", "请选择角色。")),
        Some(Role::Filler | Role::UnitAdmin | Role::IntegrityAdmin) if unit.is_none() => {
            Some(("unit", "填报人、单位管理员和科研诚信管理员须填写所在单位代码。"))
        }
        _ if unit.is_some_and(|u| !is_slug(u)) => {
            Some(("unit", "单位代码只能用小写字母、数字、连字符或下划线，不超过 64 个字符，如 hebei-lab-01。"))
        }
        Some(Role::RegionalAdmin) if region.is_none() => Some(("region", "地方管理员须选择所辖地区。")),
        _ => None,
    };
    if let Some((field, message)) = problem {
        return sign_in_form(&web, &visitor, &next, "", &[(field, message.to_string())]);
    }
    let token = mint_dev_token(secret, role.unwrap_or(Role::Filler), unit, region, SESSION_LENGTH);
    signed_in_to(&visitor, &next, &token)
}

/// `POST /web/sign-out`.
pub async fn sign_out(visitor: Visitor, request: Request) -> Response {
    if let Err(page) = posted_fields(&visitor, request).await {
        return page;
    }
    let mut response = Redirect::to("/").into_response();
    let secure = if visitor.secure { "; Secure" } else { "" };
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
