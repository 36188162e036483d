//! Local policy documents (地方政策, seed 000 四、2) through the HTTP router: a regional
//! administrator uploads one of their region with an attachment; only the national
//! administrator reviews it (not the organisers, not another region); approved ones
//! are exported into `content/policies/` as bundles that `gazette check` accepts.

use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use gazette_core::attachments::LocalAttachments;
use gazette_core::export_approved_policies;
use gazette_core::store::SharedStore;
use serde_json::{Value, json};

use crate::registration_api::SECRET;
use crate::support::{API_BASE, upload_file};
use crate::typical_cases_api::{call, case_app, national, ok, organiser, regional};

fn policy_form() -> Value {
    json!({
        "title": "山西省科技厅关于进一步加强科研诚信建设的实施意见",
        "issuers": "山西省科学技术厅、山西省教育厅",
        "doc_number": "晋科监发[2023]12号",
        "written": "2023-03-01",
        "published": "2023-03-06",
        "disclosure": "proactive",
        "summary": "提出加强科研诚信建设的十项措施。",
        "body": "各市科技局，各有关单位：\n\n## 一、总体要求\n\n坚持预防与惩治并举，坚持自律与监督并重，完善科研诚信管理制度，营造良好科研生态。\n\n## 二、主要措施\n\n建立科研诚信承诺制度。",
    })
}

async fn uploaded(app: &Router, region: &str) -> Value {
    let token = regional(region);
    let file =
        upload_file(app, &token, "policy-upload", "attachments", "实施意见.pdf", "application/pdf", b"%PDF-1.7 policy")
            .await;
    let mut form = policy_form();
    form["attachments"] = json!([file]);
    ok(&call(app, Method::POST, "/local-policies", Some(&token), Some(form)).await, StatusCode::CREATED)
}

pub async fn a_region_uploads_a_policy_the_nation_reviews_it(store: SharedStore) {
    let (app, _uploads) = case_app(store);
    // Bad input: each field at fault named.
    let mut bad = policy_form();
    bad["doc_number"] = json!("2023年12号");
    bad["published"] = json!("2023-02-01");
    bad["title"] = json!("");
    let r = call(&app, Method::POST, "/local-policies", Some(&regional("shanxi")), Some(bad)).await;
    let fields = ok(&r, StatusCode::UNPROCESSABLE_ENTITY)["fields"].clone();
    assert!(
        fields["doc_number"].is_string() && fields["published"].is_string() && fields["title"].is_string(),
        "{fields}"
    );
    for not_a_province in [national(), organiser()] {
        let r = call(&app, Method::POST, "/local-policies", Some(&not_a_province), Some(policy_form())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }

    let policy = uploaded(&app, "shanxi").await;
    assert_eq!(
        (policy["status"].as_str(), policy["region"].as_str()),
        (Some("submitted"), Some("shanxi")),
        "the uploader's region"
    );
    assert_eq!(policy["issuers"], json!(["山西省科学技术厅", "山西省教育厅"]));
    let id = policy["id"].as_str().unwrap();
    let one = format!("/local-policies/{id}");

    // Scope: the region sees its own, another region nothing; organisers do not review policies.
    assert_eq!(
        ok(&call(&app, Method::GET, "/local-policies", Some(&regional("shanxi")), None).await, StatusCode::OK)["count"],
        1
    );
    assert_eq!(
        ok(&call(&app, Method::GET, "/local-policies", Some(&regional("hebei")), None).await, StatusCode::OK)["count"],
        0
    );
    assert_ne!(call(&app, Method::GET, &one, Some(&regional("hebei")), None).await.status, StatusCode::OK);
    assert_ne!(call(&app, Method::GET, "/local-policies", Some(&organiser()), None).await.status, StatusCode::OK);
    let approve = format!("{one}/approve");
    assert_ne!(call(&app, Method::POST, &approve, Some(&organiser()), None).await.status, StatusCode::OK);
    assert_ne!(call(&app, Method::POST, &approve, Some(&regional("shanxi")), None).await.status, StatusCode::OK);
    // Typical cases and policies are apart: the policy is no typical case.
    assert_eq!(
        call(&app, Method::GET, &format!("/typical-cases/{id}"), Some(&national()), None).await.status,
        StatusCode::NOT_FOUND
    );

    let listed = ok(&call(&app, Method::GET, "/local-policies", Some(&national()), None).await, StatusCode::OK);
    assert_eq!(listed["cases"][0]["actions"], json!(["approve", "return"]));
    let returned = ok(
        &call(
            &app,
            Method::POST,
            &format!("{one}/return"),
            Some(&national()),
            Some(json!({"comment": "请补充发文字号"})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(returned["status"], "returned");
    let mut again = policy_form();
    again["attachments"] = policy["attachments"].clone();
    let r = call(&app, Method::POST, &format!("{one}/resubmit"), Some(&regional("shanxi")), Some(again)).await;
    assert_eq!(ok(&r, StatusCode::OK)["status"], "submitted");
    assert_eq!(
        ok(&call(&app, Method::POST, &approve, Some(&national()), None).await, StatusCode::OK)["status"],
        "approved"
    );
}

pub async fn approved_policies_are_exported_into_content_policies(store: SharedStore) {
    let (app, uploads) = case_app(store.clone());
    let policy = uploaded(&app, "shanxi").await;
    let id = policy["id"].as_str().unwrap().to_owned();
    ok(
        &call(&app, Method::POST, &format!("/local-policies/{id}/approve"), Some(&national()), None).await,
        StatusCode::OK,
    );
    let waiting = uploaded(&app, "shanxi").await;

    let project = tempfile::tempdir().unwrap();
    let dir = project.path().join("content/policies");
    let files = Arc::new(LocalAttachments::new(uploads.path(), SECRET, API_BASE));
    let report = export_approved_policies(store.clone(), files.clone(), &dir).await.expect("export");
    assert_eq!(report.written.len(), 1, "{report:?}");
    let written = &report.written[0];
    assert!(written.slug.starts_with("policy-"), "{}", written.slug);
    let text = std::fs::read_to_string(&written.path).unwrap();
    assert!(
        text.contains("doc_number = \"晋科监发[2023]12号\"")
            && text.contains("issuers = [\"山西省科学技术厅\", \"山西省教育厅\"]"),
        "{text}"
    );
    assert!(text.contains("topics = [\"山西省\", \"地方政策\"]") && text.contains("## 一、总体要求"), "{text}");
    assert_eq!(std::fs::read(dir.join(&written.slug).join("fujian1.pdf")).unwrap(), b"%PDF-1.7 policy");

    // `gazette check` accepts it: a policy page with its outline and attachment.
    let (library, _) = gazette_site::build::load_checked(project.path())
        .unwrap_or_else(|e| panic!("gazette check refuses the export: {e}"));
    let url = format!("/policies/{}/", written.slug);
    assert!(library.pages().iter().any(|p| p.url == url), "the policy is a page at {url}");

    let exported =
        ok(&call(&app, Method::GET, &format!("/local-policies/{id}"), Some(&national()), None).await, StatusCode::OK);
    assert_eq!(exported["status"], "exported");
    let again = export_approved_policies(store.clone(), files, &dir).await.expect("second export");
    assert!(again.written.is_empty() && again.skipped.is_empty(), "{again:?}");
    let still = ok(
        &call(
            &app,
            Method::GET,
            &format!("/local-policies/{}", waiting["id"].as_str().unwrap()),
            Some(&national()),
            None,
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(still["status"], "submitted");
}

/// The pages, as a browser without a script uses them: the province uploads with an
/// attachment (multipart), the nation approves; the organisers have no policy queue.
pub async fn the_pages_upload_and_review_a_local_policy(store: SharedStore) {
    use crate::web_cases::{form, get, page, post, redirected};
    let (app, _uploads) = case_app(store);
    let province = regional("shanxi");
    let html = page(&app, &province, "/web/local-policies/new").await;
    let f = policy_form();
    let text = |k: &str| f[k].as_str().unwrap().to_owned();
    let typed: Vec<(String, String)> =
        ["title", "issuers", "doc_number", "written", "published", "disclosure", "summary", "body"]
            .iter()
            .map(|k| (k.to_string(), text(k)))
            .collect();
    let typed: Vec<(&str, &str)> = typed.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let sent = form(&html, "form-policy-upload", &typed);
    let pdf: &[u8] = b"%PDF-1.7 policy";
    let to =
        redirected(&post(&app, &province, &sent, &[("attachments", "实施意见.pdf", "application/pdf", pdf)]).await);
    assert!(to.contains("/local-policies/") && to.contains("done=uploaded"), "{to}");
    let shown = page(&app, &province, &to).await;
    assert!(shown.contains("文件已提交，等待国家级管理员审核。") && shown.contains("实施意见.pdf"), "{shown}");

    let review = page(&app, &national(), &to).await;
    let done = redirected(&post(&app, &national(), &form(&review, "approve", &[]), &[]).await);
    assert!(page(&app, &province, &done).await.contains("审核通过"));
    assert_ne!(get(&app, &regional("hebei"), &to).await.status, StatusCode::OK, "another region");
    assert_ne!(get(&app, &organiser(), &to).await.status, StatusCode::OK, "the organisers do not review policies");
    let list = page(&app, &province, "/web/local-policies").await;
    assert!(list.contains("发文机关") && list.contains("山西省科学技术厅、山西省教育厅"), "{list}");
}

on_both_stores!(
    a_region_uploads_a_policy_the_nation_reviews_it,
    approved_policies_are_exported_into_content_policies,
    the_pages_upload_and_review_a_local_policy,
);
