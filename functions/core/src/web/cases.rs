//! (pages to come)

use axum::Router;

use super::WebState;
use super::desk::Queue;
use super::session::Visitor;

pub fn routes() -> Router<WebState> {
    Router::new()
}

/// What waits for the visitor in this workflow.
pub async fn queue(_web: &WebState, _visitor: &Visitor) -> Vec<Queue> {
    Vec::new()
}
