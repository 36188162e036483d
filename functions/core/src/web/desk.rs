//! The signed-in home (工作台: what this role can do) and the review queue (what
//! waits for this role), gathered from each workflow's pages by [`crate::routes`].

use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use serde_json::json;

use super::session::{SignedIn, Visitor};
use super::{WebState, page_url, pages};
use crate::http::Role;

/// One thing to do from the home page.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub label: &'static str,
    pub href: String,
    pub hint: &'static str,
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

/// `GET /web/` — the tasks of the visitor's role.
pub async fn home(visitor: Visitor) -> Response {
    let Some(role) = visitor.role() else { return visitor.sign_in_redirect() };
    let task = |label, path: &str, hint| Task { label, href: page_url(path), hint };
    let mut tasks = Vec::new();
    if matches!(role, Role::UnitAdmin | Role::RegionalAdmin | Role::NationalAdmin | Role::Organiser) {
        tasks.push(task("待我审核", "/review", "提交给我审核的报告、案例和计划"));
    }
    if matches!(role, Role::Filler | Role::UnitAdmin) {
        tasks.push(task("月度绩效报告", "/reports", "按月填报、保存、提交、撤回"));
    }
    if matches!(role, Role::RegionalAdmin | Role::NationalAdmin | Role::Organiser) {
        tasks.push(task("培训报名", "/registrations", "报名名单、审核、导出"));
    }
    if matches!(role, Role::RegionalAdmin | Role::NationalAdmin | Role::Organiser) {
        tasks.push(task("典型案例", "/cases", "上传、审核、退回和进度"));
    }
    if matches!(role, Role::UnitAdmin | Role::RegionalAdmin | Role::NationalAdmin) {
        tasks.push(task("科研诚信案件", "/integrity-cases", "下发、转办、调查处理结果、审核"));
    }
    if matches!(role, Role::Filler | Role::UnitAdmin | Role::NationalAdmin | Role::Organiser) {
        tasks.push(task("年度培训计划", "/plans", "报送和审核年度培训计划"));
    }
    pages::render(&visitor, "desk.html", json!({ "title": "工作台", "tasks": tasks }))
}

/// `GET /web/review` — everything waiting for the visitor's decision.
pub async fn review(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Response {
    let queues = crate::routes::review_queues(&web, &visitor).await;
    pages::render(&visitor, "review.html", json!({ "title": "待我审核", "queues": queues }))
}
