//! The one route table: every route the functions serve — the JSON API, the pages,
//! the form posts — with who may call it. Each workflow lists its own routes
//! (`api::routes`, `pages::pages`, `pages::form_routes`); this module gathers them,
//! the router is built from it, and the tests keep `functions/openapi.yaml` and
//! `infra/template.yaml` equal to [`table`] (pages and form posts included), and
//! check that each route's access is what it says.
//!
//! A new workflow adds one line to each of [`api`], [`pages`], [`forms`],
//! [`review_queues`] and [`desk_tasks`] (and [`desk_modules`] when the home shows it).

use axum::http::Method;

use crate::http::{Access, ApiRoute};
use crate::web::desk::{Queue, Task};
use crate::web::form_route::{FormAccess, FormRoute};
use crate::web::{PageRoute, Visitor, WebState};
use crate::workflows::{
    integrity_case, learning, local_policy, monthly_report, registration, training_plan, typical_case,
};

/// What kind of route: the JSON API, a page, or a form's post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Api,
    Page,
    Form,
}

/// One row of the table: method, path as the router serves it (`/registrations`,
/// `/web/plans/{unit}/{year}`), kind, access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: String,
    pub face: Face,
    pub access: Access,
}

/// Every endpoint of the JSON API.
pub fn api() -> Vec<ApiRoute> {
    let mut routes = registration::api::routes();
    routes.extend(monthly_report::api::routes());
    routes.extend(training_plan::api::routes());
    routes.extend(crate::casework::api::routes());
    routes.extend(typical_case::api::routes());
    routes.extend(local_policy::api::routes());
    routes.extend(integrity_case::api::routes());
    routes.extend(learning::api::routes());
    routes.extend(learning::external_api::routes());
    routes
}

/// Every page (under `/web`).
pub fn pages() -> Vec<PageRoute> {
    let mut pages = crate::web::shared_pages();
    pages.extend(registration::pages::pages());
    pages.extend(monthly_report::pages::pages());
    pages.extend(monthly_report::platforms::pages());
    pages.extend(training_plan::pages::pages());
    pages.extend(typical_case::pages::pages());
    pages.extend(local_policy::pages::pages());
    pages.extend(integrity_case::pages::pages());
    pages.extend(learning::pages::pages());
    pages.extend(learning::external_pages::pages());
    pages
}

/// Every form's post (under `/web`).
pub fn forms() -> Vec<FormRoute> {
    let mut forms = registration::pages::form_routes();
    forms.extend(monthly_report::pages::form_routes());
    forms.extend(training_plan::pages::form_routes());
    forms.extend(typical_case::pages::form_routes());
    forms.extend(local_policy::pages::form_routes());
    forms.extend(integrity_case::pages::form_routes());
    forms.extend(learning::pages::form_routes());
    forms.extend(learning::external_pages::form_routes());
    forms
}

/// What waits for the visitor's decision, workflow by workflow (the review queue page).
pub async fn review_queues(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    let mut queues = monthly_report::pages::queue(web, visitor).await;
    queues.extend(registration::pages::queue(web, visitor).await);
    queues.extend(typical_case::pages::queue(web, visitor).await);
    queues.extend(local_policy::pages::queue(web, visitor).await);
    queues.extend(integrity_case::pages::queue(web, visitor).await);
    queues.extend(training_plan::pages::queue(web, visitor).await);
    queues.extend(learning::external_pages::queue(web, visitor).await);
    queues
}

/// The home page's tasks, workflow by workflow: each where its permission model lets
/// the visitor take part.
pub fn desk_tasks(visitor: &Visitor) -> Vec<Task> {
    [
        monthly_report::pages::task(visitor),
        registration::pages::task(visitor),
        typical_case::pages::task(visitor),
        local_policy::pages::task(visitor),
        integrity_case::pages::task(visitor),
        training_plan::pages::task(visitor),
    ]
    .into_iter()
    .flatten()
    .chain(learning::pages::tasks(visitor))
    .collect()
}

/// The home page's modules: what the visitor has under way (我的课程, seed 000: the
/// platform's home shows "my courses").
pub async fn desk_modules(web: &WebState, visitor: &Visitor) -> Vec<Queue> {
    learning::pages::desk_module(web, visitor).await
}

/// The whole table, API first, then pages, then form posts.
pub fn table() -> Vec<Route> {
    let api =
        api().into_iter().map(|r| Route { method: r.method, path: r.path.into(), face: Face::Api, access: r.access });
    let pages = pages().into_iter().map(|p| Route {
        method: p.method,
        path: format!("/web{}", p.path),
        face: Face::Page,
        access: p.access,
    });
    let forms = forms().into_iter().map(|f| Route {
        method: Method::POST,
        path: format!("/web{}", f.path),
        face: Face::Form,
        access: match f.access {
            FormAccess::Public => Access::Public,
            FormAccess::SignedIn => Access::Session,
        },
    });
    api.chain(pages).chain(forms).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_route_is_listed_twice() {
        let mut seen = std::collections::BTreeSet::new();
        for route in table() {
            assert!(
                seen.insert((route.method.to_string(), route.path.clone())),
                "{} {} twice",
                route.method,
                route.path
            );
        }
    }
}
