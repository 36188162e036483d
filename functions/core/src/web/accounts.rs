//! The pages of accounts: a unit's own registration (单位注册), and for each
//! administrator the accounts they answer for — approve or refuse a registration,
//! create an account (the roles [`policy::may_create`] allows: a unit administrator's
//! fillers, 一人一号), reset a password, disable, remove a role — with the audit log
//! of those accounts, and in development the outbox of their messages. One-time
//! passwords travel through the outbox only; no page shows one.

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::session::{SignedIn, Visitor, posted_fields};
use super::{WebState, page_url, pages};
use crate::accounts::{Account, AccountError, Grant, NewAccount, Role, Scope, policy};
use crate::directory::{Directory, departments};
use crate::http::limit::ClientAddr;
use crate::notify::Message;

/// The fields of a post, trimmed, after its anti-forgery token is checked.
async fn fields(visitor: &Visitor, request: Request) -> Result<std::collections::HashMap<String, String>, Response> {
    let mut fields = posted_fields(visitor, request).await?;
    for value in fields.values_mut() {
        *value = value.trim().to_owned();
    }
    Ok(fields)
}

/// The fields of a public post (a registration), after the per-address limit and
/// the anti-forgery token; a refusal is a page titled `title`.
async fn public_fields(
    web: &WebState,
    visitor: &Visitor,
    addr: Option<std::net::IpAddr>,
    request: Request,
    title: &str,
) -> Result<std::collections::HashMap<String, String>, Response> {
    if let Err(e) = web.app.rate_limit.check(addr, visitor.lang) {
        return Err(pages::message_status(visitor, e.status, title, &e.body.error));
    }
    fields(visitor, request).await
}

fn department_options() -> Vec<serde_json::Value> {
    departments().iter().map(|d| json!({"value": d.code, "label": d.name})).collect()
}

fn register_form(visitor: &Visitor, typed: &serde_json::Value, errors: &[(&str, String)]) -> Response {
    let errors: Vec<_> = errors.iter().map(|(f, m)| json!({"field": f, "message": m})).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    pages::render_status(
        visitor,
        status,
        "register_unit.html",
        json!({"title": "单位注册", "departments": department_options(), "typed": typed, "errors": errors}),
    )
}

/// The fields of the unit registration form, as typed (empty ones when nothing is).
fn register_typed(get: impl Fn(&str) -> String) -> serde_json::Value {
    let fields = ["unit_name", "unit_code", "department", "username", "name", "email", "phone"];
    fields.into_iter().map(|k| (k.to_owned(), serde_json::Value::String(get(k)))).collect()
}

/// `GET /web/register-unit` — 单位注册.
pub async fn register_unit_page(visitor: Visitor) -> Response {
    register_form(&visitor, &register_typed(|_| String::new()), &[])
}

/// `POST /web/register-unit` — the unit enters the directory and its administrator's
/// account waits for the chosen department's approval. Held to the public limit.
pub async fn register_unit(
    State(web): State<WebState>,
    visitor: Visitor,
    ClientAddr(addr): ClientAddr,
    request: Request,
) -> Response {
    let f = match public_fields(&web, &visitor, addr, request, "单位注册").await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let typed = register_typed(get);
    let unit = match Directory::check_unit(&get("unit_code"), &get("unit_name"), &get("department")) {
        Ok(unit) => unit,
        Err(e) => {
            let (field, message) = e.message_zh();
            return register_form(&visitor, &typed, &[(unit_field(field), message)]);
        }
    };
    if let Err(e) = web.app.directory.add_unit(&unit).await {
        let (field, message) = e.message_zh();
        return register_form(&visitor, &typed, &[(unit_field(field), message)]);
    }
    let new = NewAccount {
        username: get("username"),
        name: get("name"),
        email: Some(get("email")),
        phone: Some(get("phone")),
        grants: vec![Grant::new(Role::UnitAdmin, Some(&unit.code), None)],
        steward: Scope::Region(unit.region.clone()),
        pending: true,
    };
    let username = new.username.trim().to_ascii_lowercase();
    if let Err(e) = web.app.accounts.create(&username, new).await {
        // Nothing half-written: the unit leaves the directory again.
        let _ = web.app.directory.remove_unit(&unit.code).await;
        let (field, message) = e.message_zh();
        return register_form(&visitor, &typed, &[(field.unwrap_or("username"), message)]);
    }
    let dept = crate::directory::department(&unit.department).map(|d| d.name.as_str()).unwrap_or_default();
    pages::message(
        &visitor,
        "单位注册",
        &format!("{} 的注册已提交，待 {dept} 审核。审核通过后，一次性密码将发送至管理员的邮箱或手机。", unit.name),
    )
}

/// The fields of the learner registration form, as typed.
fn learner_typed(get: impl Fn(&str) -> String) -> serde_json::Value {
    let fields = ["unit", "username", "name", "email", "phone"];
    fields.into_iter().map(|k| (k.to_owned(), serde_json::Value::String(get(k)))).collect()
}

/// The units a learner may belong to: those the directory holds and their
/// departments approved, as options (名称（地区）).
async fn unit_options(web: &WebState) -> Vec<serde_json::Value> {
    let units = web.app.directory.units().await.unwrap_or_default();
    units
        .into_iter()
        .filter(|u| u.approved)
        .map(|u| {
            let region = crate::directory::region(&u.region).map(|r| r.name.as_str()).unwrap_or_default();
            json!({"value": u.code, "label": format!("{}（{region}）", u.name)})
        })
        .collect()
}

async fn learner_form(
    web: &WebState,
    visitor: &Visitor,
    typed: &serde_json::Value,
    errors: &[(&str, String)],
) -> Response {
    let errors: Vec<_> = errors.iter().map(|(f, m)| json!({"field": f, "message": m})).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    pages::render_status(
        visitor,
        status,
        "register_learner.html",
        json!({"title": "学员注册", "units": unit_options(web).await, "typed": typed, "errors": errors}),
    )
}

/// `GET /web/register-learner` — 学员注册 (seed 000: learners create their account).
pub async fn register_learner_page(State(web): State<WebState>, visitor: Visitor) -> Response {
    learner_form(&web, &visitor, &learner_typed(|_| String::new()), &[]).await
}

/// `POST /web/register-learner` — a learner's own account, choosing their unit from
/// the directory; it waits, as a unit's registration does, for the unit's superior
/// department (the region's administrators) to approve it, and the one-time password
/// then goes out through the outbox. Held to the public limit.
pub async fn register_learner(
    State(web): State<WebState>,
    visitor: Visitor,
    ClientAddr(addr): ClientAddr,
    request: Request,
) -> Response {
    let f = match public_fields(&web, &visitor, addr, request, "学员注册").await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let typed = learner_typed(get);
    let unit = match web.app.directory.unit(&get("unit")).await {
        Ok(Some(unit)) if unit.approved => unit,
        Ok(_) => return learner_form(&web, &visitor, &typed, &[("unit", "请从列表中选择您所在的单位。".into())]).await,
        Err(_) => {
            return pages::message_status(
                &visitor,
                StatusCode::SERVICE_UNAVAILABLE,
                "学员注册",
                "单位名录暂时不可用，请稍后再试。",
            );
        }
    };
    let new = NewAccount {
        username: get("username"),
        name: get("name"),
        email: Some(get("email")),
        phone: Some(get("phone")),
        grants: vec![Grant::new(Role::Registrant, Some(&unit.code), None)],
        steward: Scope::Region(unit.region.clone()),
        pending: true,
    };
    let username = new.username.trim().to_ascii_lowercase();
    if let Err(e) = web.app.accounts.create(&username, new).await {
        let (field, message) = e.message_zh();
        return learner_form(&web, &visitor, &typed, &[(field.unwrap_or("username"), message)]).await;
    }
    let dept = crate::directory::department(&unit.department).map(|d| d.name.as_str()).unwrap_or_default();
    pages::message(
        &visitor,
        "学员注册",
        &format!("{username} 的注册已提交，待 {dept} 审核。审核通过后，一次性密码将发送至您的邮箱或手机。"),
    )
}

/// The register form's id of a directory field.
fn unit_field(field: Option<&'static str>) -> &'static str {
    match field {
        Some("code") => "unit_code",
        Some("name") => "unit_name",
        Some(other) => other,
        None => "unit_code",
    }
}

/// The visitor as an administrator: their grant and the scope they answer for.
fn administrator(visitor: &Visitor) -> Option<(Grant, Scope)> {
    let grant = visitor.claims.as_ref()?.grant();
    let scope = policy::own_scope(&grant)?;
    Some((grant, scope))
}

/// The roles an administrator may give a new account, as options.
fn creatable(actor: &Grant) -> Vec<serde_json::Value> {
    Role::ALL
        .into_iter()
        .filter_map(|role| {
            let grant = match role {
                Role::Filler | Role::IntegrityAdmin => Grant::new(role, actor.unit.as_deref(), None),
                _ => Grant::new(role, None, None),
            };
            (policy::may_create(actor, &grant) || (role == Role::RegionalAdmin && actor.role == Role::NationalAdmin))
                .then(|| json!({"value": role.as_str(), "label": role.label_zh()}))
        })
        .collect()
}

fn account_view(a: &Account) -> serde_json::Value {
    json!({
        "username": a.username, "name": a.name, "email": a.email, "phone": a.phone,
        "status": a.status, "status_label": a.status.label_zh(),
        "grants": a.grants.iter().map(|g| json!({"role": g.role.as_str(), "unit": g.unit, "region": g.region, "label": g.label_zh()})).collect::<Vec<_>>(),
        "created_at": a.created_at, "created_by": a.created_by,
    })
}

/// `GET /web/accounts` — the accounts the visitor answers for.
pub async fn accounts_page(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Response {
    accounts_view(&web, &visitor, &[], StatusCode::OK).await
}

async fn accounts_view(web: &WebState, visitor: &Visitor, errors: &[(&str, String)], status: StatusCode) -> Response {
    let Some((grant, scope)) = administrator(visitor) else {
        return pages::message_status(visitor, StatusCode::FORBIDDEN, "账号管理", "只有管理员可以管理账号。");
    };
    let (accounts, audit) = match (web.app.accounts.list(&scope).await, web.app.accounts.audit_of_scope(&scope).await) {
        (Ok(a), Ok(l)) => (a, l),
        _ => {
            return pages::message_status(
                visitor,
                StatusCode::SERVICE_UNAVAILABLE,
                "账号管理",
                "账号服务暂时不可用，请稍后再试。",
            );
        }
    };
    let audit: Vec<_> = audit
        .iter()
        .rev()
        .take(100)
        .map(|e| json!({"at": e.at, "by": e.by, "account": e.account, "event": e.event.label_zh()}))
        .collect();
    let errors: Vec<_> = errors.iter().map(|(f, m)| json!({"field": f, "message": m})).collect();
    let regions: Vec<_> =
        crate::directory::regions().iter().map(|r| json!({"value": r.code, "label": r.name})).collect();
    pages::render_status(
        visitor,
        status,
        "accounts.html",
        json!({
            "title": "账号管理",
            "scope": scope.key(),
            "accounts": accounts.iter().map(account_view).collect::<Vec<_>>(),
            "roles": creatable(&grant),
            "regions": regions,
            "unit": grant.unit,
            "audit": audit,
            "errors": errors,
            "outbox": web.app.outbox.is_some(),
        }),
    )
}

/// `POST /web/accounts` — an administrator creates an account; its one-time password
/// goes to the outbox.
pub async fn create_account(State(web): State<WebState>, SignedIn(visitor): SignedIn, request: Request) -> Response {
    let f = match fields(&visitor, request).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let Some((actor, _)) = administrator(&visitor) else {
        return pages::message_status(&visitor, StatusCode::FORBIDDEN, "账号管理", "只有管理员可以创建账号。");
    };
    let get = |k: &str| f.get(k).cloned().unwrap_or_default();
    let Some(role) = Role::parse(&get("role")) else {
        return accounts_view(&web, &visitor, &[("role", "请选择角色。".into())], StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    let region = Some(get("region")).filter(|r| !r.is_empty());
    let grant = match role {
        Role::Filler | Role::IntegrityAdmin => Grant::new(role, actor.unit.as_deref(), None),
        Role::RegionalAdmin => Grant { role, unit: None, region },
        _ => Grant::new(role, None, None),
    };
    if !policy::may_create(&actor, &grant) {
        let message = if role == Role::RegionalAdmin {
            "请选择所辖地区。"
        } else {
            "您不能创建该角色的账号。"
        };
        let field = if role == Role::RegionalAdmin { "region" } else { "role" };
        return accounts_view(&web, &visitor, &[(field, message.into())], StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let Some(outbox) = web.app.outbox.clone() else {
        return pages::message_status(
            &visitor,
            StatusCode::SERVICE_UNAVAILABLE,
            "账号管理",
            "未配置通知发送，无法送达一次性密码，暂不能创建账号。",
        );
    };
    let new = NewAccount {
        username: get("username"),
        name: get("name"),
        email: Some(get("email")),
        phone: Some(get("phone")),
        steward: policy::steward_of_created(&grant),
        grants: vec![grant],
        pending: false,
    };
    let by = visitor.claims.as_ref().map(|c| c.sub.clone()).unwrap_or_default();
    match web.app.accounts.create(&by, new).await {
        Ok(created) => {
            let password = created.one_time_password.unwrap_or_default();
            if let Err(page) =
                deliver_password(&visitor, &outbox, &created.account, &password, PasswordReason::Created).await
            {
                return page;
            }
            Redirect::to(&page_url("/accounts")).into_response()
        }
        Err(e) => {
            let (field, message) = e.message_zh();
            accounts_view(&web, &visitor, &[(field.unwrap_or("username"), message)], StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

/// Why an account is sent a one-time password: the message's subject and first line.
#[derive(Debug, Clone, Copy)]
enum PasswordReason {
    /// An administrator created the account.
    Created,
    /// The department approved the registration (单位注册, or a learner's own).
    Approved,
    /// The account's administrator reset the password.
    Reset,
}

impl PasswordReason {
    fn subject(self) -> &'static str {
        match self {
            PasswordReason::Created => "科技管理公开信息平台账号开通",
            PasswordReason::Approved => "科技管理公开信息平台注册结果",
            PasswordReason::Reset => "科技管理公开信息平台密码重置",
        }
    }

    fn lead(self, username: &str) -> String {
        match self {
            PasswordReason::Created => format!("您的账号 {username} 已开通。"),
            PasswordReason::Approved => format!("您的账号 {username} 的注册已审核通过。"),
            PasswordReason::Reset => format!("您的账号 {username} 的密码已重置。"),
        }
    }
}

/// Sends a one-time password through the outbox.
async fn deliver_password(
    visitor: &Visitor,
    outbox: &crate::notify::SharedOutbox,
    account: &Account,
    password: &str,
    reason: PasswordReason,
) -> Result<(), Response> {
    let body = format!(
        "{}一次性密码：{password}\n请在登录页用账号和此密码登录，首次登录须设置新密码。",
        reason.lead(&account.username)
    );
    let sent = match Message::to_account(account, reason.subject(), &body) {
        Some(message) => outbox.send(message).await.is_ok(),
        None => false,
    };
    match sent {
        true => Ok(()),
        false => Err(pages::message_status(
            visitor,
            StatusCode::SERVICE_UNAVAILABLE,
            "账号管理",
            "账号已处理，但一次性密码未能发出：请稍后为该账号重置密码。",
        )),
    }
}

/// Tells the person behind a refused registration, through the outbox, why (the
/// decision itself stands whether or not the message goes out).
async fn tell_rejected(web: &WebState, account: &Account, reason: &str) {
    let Some(outbox) = &web.app.outbox else { return };
    let body = format!("您的账号 {} 的注册申请未获通过。理由：{reason}", account.username);
    if let Some(message) = Message::to_account(account, "科技管理公开信息平台注册结果", &body)
        && let Err(e) = outbox.send(message).await
    {
        tracing::warn!(error = %e, account = %account.username, "the refusal could not be sent");
    }
}

/// `POST /web/accounts/{username}/{step}` — approve, reject, reset, disable, enable,
/// remove-grant: only on an account that answers to the visitor.
pub async fn account_step(
    State(web): State<WebState>,
    SignedIn(visitor): SignedIn,
    Path((username, step)): Path<(String, String)>,
    request: Request,
) -> Response {
    let f = match fields(&visitor, request).await {
        Ok(f) => f,
        Err(page) => return page,
    };
    let Some((actor, _)) = administrator(&visitor) else {
        return pages::message_status(&visitor, StatusCode::FORBIDDEN, "账号管理", "只有管理员可以管理账号。");
    };
    let account = match web.app.accounts.get(&username).await {
        Ok(Some(a)) if policy::administers(&actor, &a.steward) => a,
        Ok(_) => {
            return pages::message_status(
                &visitor,
                StatusCode::NOT_FOUND,
                "账号管理",
                "没有这个账号，或它不归您管理。",
            );
        }
        Err(_) => {
            return pages::message_status(
                &visitor,
                StatusCode::SERVICE_UNAVAILABLE,
                "账号管理",
                "账号服务暂时不可用。",
            );
        }
    };
    let by = visitor.claims.as_ref().map(|c| c.sub.clone()).unwrap_or_default();
    let accounts = &web.app.accounts;
    let result: Result<Option<String>, AccountError> = match step.as_str() {
        "approve" => accounts.approve(&by, &account.username).await.map(Some),
        "reject" => accounts
            .reject(&by, &account.username, f.get("reason").map(String::as_str).unwrap_or(""))
            .await
            .map(|()| None),
        "reset" => accounts.reset_password(&by, &account.username).await.map(Some),
        "disable" => accounts.set_disabled(&by, &account.username, true).await.map(|_| None),
        "enable" => accounts.set_disabled(&by, &account.username, false).await.map(|_| None),
        "remove-grant" => {
            let role = f.get("role").and_then(|r| Role::parse(r));
            match account.grants.iter().find(|g| Some(g.role) == role) {
                Some(grant) => accounts.remove_grant(&by, &account.username, grant).await.map(|_| None),
                None => Err(AccountError::Invalid { field: "role", message: "该账号没有这个角色。".into() }),
            }
        }
        _ => return pages::message_status(&visitor, StatusCode::NOT_FOUND, "账号管理", "没有这个操作。"),
    };
    match result {
        Ok(password) => {
            let registered_unit =
                account.grants.iter().find(|g| g.role == Role::UnitAdmin).and_then(|g| g.unit.clone());
            if step == "approve"
                && let Some(unit) = &registered_unit
                && let Err(e) = web.app.directory.approve_unit(unit).await
            {
                tracing::error!(error = %e, unit = %unit, "the approved unit could not be marked approved in the directory");
            }
            if step == "reject" {
                if let Some(unit) = &registered_unit {
                    let _ = web.app.directory.remove_unit(unit).await;
                }
                tell_rejected(&web, &account, f.get("reason").map(String::as_str).unwrap_or("")).await;
            }
            if let Some(password) = password {
                let Some(outbox) = web.app.outbox.clone() else {
                    return pages::message_status(
                        &visitor,
                        StatusCode::SERVICE_UNAVAILABLE,
                        "账号管理",
                        "未配置通知发送，一次性密码未能发出。",
                    );
                };
                let reason = if step == "approve" { PasswordReason::Approved } else { PasswordReason::Reset };
                if let Err(page) = deliver_password(&visitor, &outbox, &account, &password, reason).await {
                    return page;
                }
            }
            Redirect::to(&page_url("/accounts")).into_response()
        }
        Err(e) => {
            let (field, message) = e.message_zh();
            accounts_view(&web, &visitor, &[(field.unwrap_or("username"), message)], StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
    }
}

/// `GET /web/outbox` — the local outbox's messages to the accounts the visitor
/// answers for (development: where one-time passwords can be read).
pub async fn outbox_page(State(web): State<WebState>, SignedIn(visitor): SignedIn) -> Response {
    let Some((_, scope)) = administrator(&visitor) else {
        return pages::message_status(&visitor, StatusCode::FORBIDDEN, "通知发件箱", "只有管理员可以查看发件箱。");
    };
    let Some(outbox) = &web.app.outbox else {
        return pages::message(&visitor, "通知发件箱", "未配置通知发件箱。");
    };
    let mine: std::collections::HashSet<String> = match web.app.accounts.list(&scope).await {
        Ok(accounts) => accounts.into_iter().map(|a| a.username).collect(),
        Err(_) => Default::default(),
    };
    let messages: Vec<_> = outbox
        .recent(200)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.account.as_ref().is_some_and(|a| mine.contains(a)))
        .map(|m| json!({"to": m.to, "channel": m.channel.label_zh(), "account": m.account, "subject": m.subject, "body": m.body, "at": m.at}))
        .collect();
    pages::render(&visitor, "outbox.html", json!({"title": "通知发件箱", "messages": messages}))
}
