//! The signed-in home (工作台: what this visitor can do) and the review queue (what
//! waits for them), gathered from each workflow's pages by [`crate::routes`]: each
//! workflow answers from its own permission model.

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

use super::session::{SignedIn, Visitor};
use super::{WebState, page_url, pages};

/// One thing to do from the home page.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub label: &'static str,
    pub href: String,
    pub hint: String,
}

/// One list of the review queue: what waits, each with a link to act on it.
#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub title: &'static str,
    /// Said when the list is empty.
    pub empty: &'static str,
    pub rows: Vec<QueueRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueRow {
    pub label: String,
    pub detail: String,
    pub status: String,
    pub href: String,
}

impl Task {
    /// A task leading to the page `path` under `/web`.
    pub fn new(label: &'static str, path: &str, hint: &'static str) -> Task {
        Task { label, href: page_url(path), hint: hint.to_owned() }
    }
}

/// `GET /web/` — what the visitor can do: each workflow's task where its permission
/// model lets the visitor take part, and the review queue with how much waits in it.
pub async fn home(State(web): State<WebState>, visitor: Visitor) -> Response {
    if visitor.claims.is_none() {
        return visitor.sign_in_redirect();
    }
    let queues = crate::routes::review_queues(&web, &visitor).await;
    let mut tasks = Vec::new();
    if !queues.is_empty() {
        let waiting: usize = queues.iter().map(|q| q.rows.len()).sum();
        let mut review = Task::new("待我审核", "/review", "提交给我审核的报告、案例和计划");
        if waiting > 0 {
            review.hint = format!("{waiting} 项等待处理");
        }
        tasks.push(review);
    }
    tasks.extend(crate::routes::desk_tasks(&visitor));
    let modules = crate::routes::desk_modules(&web, &visitor).await;
    pages::render(&visitor, "desk.html", json!({ "title": "工作台", "tasks": tasks, "modules": modules }))
}

/// `GET /web/review` — everything waiting for the visitor's decision.
pub async fn review(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Response {
    let queues = crate::routes::review_queues(&web, &visitor).await;
    pages::render(&visitor, "review.html", json!({ "title": "待我审核", "queues": queues }))
}
