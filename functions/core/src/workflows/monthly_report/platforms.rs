//! The platforms of a unit (seed 002's list: 序号, 平台名称, 负责人, 管理部门, 年月,
//! 填报时间): kept in the directory by the unit's administrator, chosen from by the
//! unit's fillers when they start a month. 年月 and 填报时间 are the platform's latest
//! report: its month and when it was last written (Beijing time).

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::api::report_caller;
use crate::directory::Platform;
use crate::http::Role;
use crate::lifecycle::time;
use crate::web::session::{SignedIn, Visitor, posted_fields};
use crate::web::{PageRoute, WebState, page_url, pages};

const TITLE: &str = "科研平台";

/// The platform list and the unit administrator's form that adds to it.
pub fn pages() -> Vec<PageRoute> {
    vec![PageRoute::signed_in("/platforms", get(list)), PageRoute::signed_in_post("/platforms", post(add))]
}

/// The platforms of `unit` in the directory, in 序号 order; empty when the directory
/// cannot be read (the page then offers nothing to choose, and says so).
pub async fn of_unit(web: &WebState, unit: &str) -> Vec<Platform> {
    web.app.directory.platforms(unit).await.unwrap_or_default()
}

/// `GET /web/platforms` — the unit's platforms; the add form for its administrator.
async fn list(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Response {
    page(&web, &visitor, &json!({}), &[], StatusCode::OK).await
}

/// `POST /web/platforms` — the unit administrator adds a platform (平台代码, 平台名称,
/// 负责人, 管理部门); a refusal draws the page again with what was typed.
async fn add(State(web): State<WebState>, SignedIn(visitor): SignedIn, request: Request) -> Response {
    let fields = match posted_fields(&visitor, request).await {
        Ok(fields) => fields,
        Err(page) => return page,
    };
    let (Some(unit), Some(Role::UnitAdmin)) = (visitor.unit(), visitor.role()) else {
        return pages::message_status(&visitor, StatusCode::FORBIDDEN, TITLE, "只有单位管理员可以维护本单位的平台。");
    };
    let get = |k: &str| fields.get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
    let added =
        web.app.directory.add_platform(unit, &get("code"), &get("name"), &get("leader"), &get("department")).await;
    match added {
        Ok(_) => Redirect::to(&page_url("/platforms")).into_response(),
        Err(e) => {
            let (field, message) = e.message_zh();
            let typed = json!({"code": get("code"), "name": get("name"), "leader": get("leader"), "department": get("department")});
            page(&web, &visitor, &typed, &[(field.unwrap_or("code"), message)], StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn page(
    web: &WebState,
    visitor: &Visitor,
    typed: &Value,
    errors: &[(&str, String)],
    status: StatusCode,
) -> Response {
    let Some(unit) = visitor.unit() else {
        return pages::message(visitor, TITLE, "科研平台属于单位：请以单位的填报人或管理员身份登录。");
    };
    // 年月 and 填报时间: each platform's latest report, as the visitor may read them.
    let reports = match visitor.caller().and_then(|c| report_caller(&c, visitor.lang)) {
        Ok(rc) => web.app.reports.list(&rc, unit).await.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let rows: Vec<Value> = of_unit(web, unit)
        .await
        .iter()
        .map(|p| {
            let latest = reports.iter().filter(|r| r.platform == p.code).max_by(|a, b| a.period.cmp(&b.period));
            json!({
                "seq": p.seq, "code": p.code, "name": p.name, "leader": p.leader, "department": p.department,
                "period": latest.map(|r| r.period.clone()),
                "written": latest.map(|r| time::shown(r.updated_at)),
            })
        })
        .collect();
    let errors: Vec<Value> = errors.iter().map(|(f, m)| json!({"field": f, "message": m})).collect();
    pages::render_status(
        visitor,
        status,
        "platforms.html",
        json!({
            "title": TITLE,
            "unit": unit,
            "platforms": rows,
            "can_add": visitor.role() == Some(Role::UnitAdmin),
            "typed": typed,
            "errors": errors,
        }),
    )
}
