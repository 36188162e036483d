//! Where a form posts, and what that post does: a [`FormRoute`] is declared by the
//! workflow whose page draws the form, in the one route table ([`crate::routes`]).
//! The route fixes the action (a [`FormAction`]: the workflow's handler, called
//! directly with typed values), the page after success and the page that shows a
//! refused form again; nothing a form posts can change them. A page with two
//! outcomes (approve or return; save or save and submit) gives each button its
//! own route with `formaction`.
//!
//! By convention a form route is `/act` followed by the path of the API endpoint
//! whose handler it calls (`POST /web/act/training-plans/{unit}/{year}/approve` →
//! `training_plan::api::approve`), plus a suffix when one action has two next pages.

use std::future::Future;
use std::pin::Pin;

use axum::response::Response;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Visitor;
use super::page_url;
use super::public::path_segment;
use crate::http::{ApiError, AppState, Caller, Lang};
use crate::lifecycle::IdempotencyKey;

/// The path parameters of a form route, as posted (`{unit}` → `hebei-001`).
pub type Params = Vec<(String, String)>;

/// Who may post a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAccess {
    /// Anyone: a honeypot and the per-address limit guard it (course registration,
    /// a receipt's withdrawal).
    Public,
    /// A signed-in visitor; the API decides what the role may do.
    SignedIn,
}

/// The page after a successful post.
#[derive(Clone, Copy)]
pub enum Next {
    /// A page path under `/web`: `{name}` is a path parameter or, failing that, a
    /// field of the API's answer (`/receipt/{receipt}`).
    Page(&'static str),
    /// Worked out from the path parameters and the answer (the next part of a report).
    Computed(fn(&Params, &Value) -> String),
}

/// What a form post does once its fields are read: the workflow's handler, called
/// with the typed values of the [`FormCall`]. Its answer is the API's own (a JSON
/// body on success, an [`ApiError`] on refusal), so a form and a script are held to
/// the same rules and get the same words.
pub type FormAction = fn(FormCall) -> Pin<Box<dyn Future<Output = Result<Response, ApiError>> + Send>>;

/// A [`FormAction`] from an expression over the call `c` (the body of an async
/// block): `form_action!(c => api::withdraw(State(c.app.clone()), c.caller()?, c.lang,
/// Path(c.path()?)).await)` — the workflow's handler with typed arguments.
macro_rules! form_action {
    ($c:ident => $body:expr) => {
        (|$c: $crate::web::form_route::FormCall| -> ::std::pin::Pin<
            Box<
                dyn ::std::future::Future<
                        Output = ::std::result::Result<::axum::response::Response, $crate::http::ApiError>,
                    > + Send,
            >,
        > { Box::pin(async move { $body }) }) as $crate::web::form_route::FormAction
    };
}
pub(crate) use form_action;

/// One form post, read: who posts it, the route's path parameters, and the body the
/// endpoint takes (the form's fields as JSON, shaped by its schema).
pub struct FormCall {
    pub app: AppState,
    pub visitor: Visitor,
    pub lang: Lang,
    pub params: Params,
    pub body: Value,
    /// The key the page drew the form with (`_idem`), so a double click acts once.
    pub idempotency: Option<IdempotencyKey>,
}

impl FormCall {
    /// The caller, as the API's extractor would give it; 401 when not signed in.
    pub fn caller(&self) -> Result<Caller, ApiError> {
        self.visitor.caller()
    }

    /// The path parameters as the endpoint's path type (`PlanPath { unit, year }`).
    pub fn path<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let map: Map<String, Value> = self.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
        serde_json::from_value(Value::Object(map)).map_err(|_| ApiError::not_found(self.lang))
    }

    /// The one path parameter `name` (`{id}`).
    pub fn param(&self, name: &str) -> Result<String, ApiError> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| ApiError::not_found(self.lang))
    }
}

/// A form post route: `POST /web{path}`.
#[derive(Clone)]
pub struct FormRoute {
    /// Under `/web`, with `{param}`s: `/act/training-plans/{unit}/{year}/approve`.
    pub path: &'static str,
    /// What the post does.
    pub call: FormAction,
    pub next: Next,
    /// The page that shows the form again with its errors (gets `?attempt=…`), a
    /// path under `/web` with `{param}`s; `None`: the generic `/web/form/{attempt}`.
    pub back: Option<&'static str>,
    /// The schema the posted fields follow (`content/forms/<id>.toml`).
    pub form: Option<&'static str>,
    /// Send `{"version": …, "values": {…}}` rather than the fields themselves.
    pub wrap_values: bool,
    pub access: FormAccess,
}

impl FormRoute {
    /// A form of signed-in visitors posting to `/web{path}` that does `call` and goes
    /// back to `next` (also the page that shows it again when refused).
    pub fn new(path: &'static str, call: FormAction, next: &'static str) -> FormRoute {
        FormRoute {
            path,
            call,
            next: Next::Page(next),
            back: Some(next),
            form: None,
            wrap_values: false,
            access: FormAccess::SignedIn,
        }
    }

    pub fn next(mut self, next: Next) -> Self {
        self.next = next;
        self
    }

    pub fn back(mut self, back: Option<&'static str>) -> Self {
        self.back = back;
        self
    }

    pub fn form(mut self, form: &'static str) -> Self {
        self.form = Some(form);
        self
    }

    pub fn wrap_values(mut self) -> Self {
        self.wrap_values = true;
        self
    }

    pub fn public(mut self) -> Self {
        self.access = FormAccess::Public;
        self
    }

    /// The page after success (a site path under the mount).
    pub fn next_page(&self, params: &Params, answer: &Value) -> String {
        match self.next {
            Next::Page(page) => page_url(&fill(page, params, answer)),
            Next::Computed(next) => next(params, answer),
        }
    }

    /// The page the form is on, when the route names it.
    pub fn form_page(&self, params: &Params) -> Option<String> {
        self.back.map(|back| page_url(&fill(back, params, &Value::Null)))
    }

    /// The page that shows the form again, with `?attempt=token` (or `&…`).
    pub fn back_page(&self, params: &Params, token: &str) -> String {
        match self.form_page(params) {
            Some(page) => format!("{page}{}attempt={token}", if page.contains('?') { '&' } else { '?' }),
            None => page_url(&format!("/form/{token}")),
        }
    }
}

/// What a value filled into a next page's query keeps as it is (RFC 3986's
/// unreserved characters); everything else is percent-encoded, so no value adds a
/// parameter or a fragment, and a Chinese value (a batch named 2023年第1批) arrives
/// whole.
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `template` with each `{name}` replaced by the path parameter `name`, or else the
/// answer's field `name` (strings and numbers): in the path as a safe path segment
/// (no `/`, no dot segment), in the query percent-encoded ([`QUERY_VALUE`]).
fn fill(template: &str, params: &Params, answer: &Value) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + close];
        let value = params.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).or_else(|| match &answer[name] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let value = value.unwrap_or_default();
        if out.contains('?') {
            out.extend(percent_encoding::utf8_percent_encode(&value, QUERY_VALUE));
        } else {
            out.push_str(&path_segment(&value));
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The route of the table posting to `path`.
    fn route(path: &str) -> FormRoute {
        crate::routes::forms().into_iter().find(|f| f.path == path).unwrap_or_else(|| panic!("no form route {path}"))
    }

    #[test]
    fn the_pages_come_from_the_route_and_its_parameters() {
        let route = route("/act/training-plans/{unit}/{year}/approve");
        let p = params(&[("unit", "u1"), ("year", "2027")]);
        assert_eq!(route.next_page(&p, &json!({"unit": "other"})), "/api/web/plans/u1/2027");
        assert_eq!(route.back_page(&p, "T1"), "/api/web/plans/u1/2027?attempt=T1");
    }

    #[test]
    fn answer_fields_fill_what_the_path_does_not_name() {
        let route = route("/act/registrations");
        assert_eq!(route.next_page(&Vec::new(), &json!({"receipt": "AB12"})), "/api/web/receipt/AB12");
        assert_eq!(route.back_page(&Vec::new(), "T2"), "/api/web/form/T2");
    }

    #[test]
    fn a_parameter_cannot_leave_its_path_segment() {
        let route = route("/act/typical-cases/{id}/approve");
        let p = params(&[("id", "../../registrations/1/approve?x=")]);
        assert_eq!(route.next_page(&p, &Value::Null), "/api/web/cases/....registrations1approvex?done=approved");
    }

    #[test]
    fn a_value_in_the_query_arrives_whole_and_adds_no_parameter() {
        let route = route("/act/integrity-cases/import");
        let answer = json!({"batch": "2023年第1批&done=x#y"});
        assert_eq!(
            route.next_page(&Vec::new(), &answer),
            "/api/web/integrity-cases?source=retracted_paper&batch=2023%E5%B9%B4%E7%AC%AC1%E6%89%B9%26done%3Dx%23y&done=imported"
        );
    }
}
