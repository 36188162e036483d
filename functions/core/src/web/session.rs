//! Who is looking at a page: their language and, once signed in, their token (kept in
//! the session cookie) and its claims. Locally, signing in mints a development token
//! (the same as `gazette token`); where tokens come from an identity provider the
//! sign-in page says so and mints nothing.

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

    /// [`Visitor::owner_id`], giving the browser an id first when it has none: the
    /// owner, and the cookie to set.
    pub fn owner(&self) -> (String, Option<HeaderValue>) {
        if let Some(owner) = self.owner_id() {
            return (owner, None);
        }
        let browser = ulid::Ulid::from(rand::random::<u128>()).to_string();
        let cookie = format!("{BROWSER_COOKIE}={browser}; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
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
        let claims = token.as_deref().and_then(|t| auth.verify_token(t));
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
        Ok(Visitor { lang: Lang::Zh, token: token.filter(|_| claims.is_some()), claims, here, browser })
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

/// `GET /web/sign-in` — choose a role (development tokens).
pub async fn sign_in_page(State(web): State<WebState>, visitor: Visitor, Query(q): Query<NextQuery>) -> Response {
    sign_in_form(&web, &visitor, q.next.as_deref().unwrap_or(""), None)
}

fn sign_in_form(web: &WebState, visitor: &Visitor, next: &str, problem: Option<(&str, &str)>) -> Response {
    let roles: Vec<_> = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::Registrant)
        .map(|r| json!({"value": r.as_str(), "label": r.label_zh()}))
        .collect();
    let regions: Vec<_> = gazette_forms::schema("registration")
        .and_then(|s| s.field("region"))
        .map(|f| {
            f.options().iter().map(|o| json!({"value": o.value(), "label": o.label(gazette_forms::Lang::Zh)})).collect()
        })
        .unwrap_or_default();
    let errors: Vec<_> = problem.iter().map(|(field, message)| json!({"field": field, "message": message})).collect();
    pages::render(
        visitor,
        "sign_in.html",
        json!({
            "title": "登录",
            "can_sign_in": web.app.auth.signs_tokens(),
            "roles": roles,
            "regions": regions,
            "errors": errors,
            "next": local_path(next).unwrap_or_default(),
        }),
    )
}

/// What the sign-in form posts.
#[derive(Default)]
struct SignInForm {
    role: String,
    unit: String,
    region: String,
    next: String,
}

impl SignInForm {
    /// The form's fields from a post read like every form's ([`form_body::read_post`]:
    /// in its charset), the last of a name winning.
    fn from_posted(posted: form_body::Posted) -> SignInForm {
        let mut form = SignInForm::default();
        let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        for (name, value) in posted.fields {
            match name.as_str() {
                "role" => form.role = text(value),
                "unit" => form.unit = text(value),
                "region" => form.region = text(value),
                "next" => form.next = text(value),
                _ => {}
            }
        }
        form
    }
}

/// `POST /web/sign-in` — mints a development token into the session cookie.
pub async fn sign_in(State(web): State<WebState>, visitor: Visitor, request: Request) -> Response {
    let Some(secret) = web.app.auth.secret() else {
        return pages::message(&visitor, "登录", "此处不能签发开发令牌：请通过单位的统一身份认证登录。");
    };
    let form = match form_body::read_post(request, form_body::Limits::of(None)).await {
        Ok(posted) => SignInForm::from_posted(posted),
        Err(message) => return pages::message_status(&visitor, StatusCode::BAD_REQUEST, "登录", &message),
    };
    let role = Role::parse(&form.role).filter(|r| *r != Role::Registrant);
    let unit = Some(form.unit.trim()).filter(|u| !u.is_empty());
    let region = Some(form.region.trim()).filter(|r| !r.is_empty());
    let problem = match role {
        None => Some(("role", "请选择角色。")),
        Some(Role::Filler | Role::UnitAdmin) if unit.is_none() => {
            Some(("unit", "填报人和单位管理员须填写所在单位代码。"))
        }
        _ if unit.is_some_and(|u| !is_slug(u)) => {
            Some(("unit", "单位代码只能用小写字母、数字、连字符或下划线，不超过 64 个字符，如 hebei-lab-01。"))
        }
        Some(Role::RegionalAdmin) if region.is_none() => Some(("region", "地方管理员须选择所辖地区。")),
        _ => None,
    };
    if let Some((field, message)) = problem {
        return sign_in_form(&web, &visitor, &form.next, Some((field, message)));
    }
    let role = role.unwrap_or(Role::Filler);
    let token = mint_dev_token(secret, role, unit, region, SESSION_LENGTH);
    let next = local_path(&form.next).unwrap_or_else(|| page_url("/"));
    let mut response = Redirect::to(&next).into_response();
    let cookie =
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", SESSION_LENGTH.as_secs());
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `POST /web/sign-out`.
pub async fn sign_out() -> Response {
    let mut response = Redirect::to("/").into_response();
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
