//! Approved typical cases exported as Markdown bundles into `content/cases/`: the
//! files are where the front matter says, `gazette check` accepts the result, a second
//! run writes nothing, and nothing existing is overwritten.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::http::{Method, StatusCode};
use gazette_core::attachments::{LocalAttachments, SharedAttachments};
use gazette_core::export_approved_cases;
use gazette_core::store::SharedStore;
use serde_json::{Value, json};

use crate::registration_api::SECRET;
use crate::support::{API_BASE, upload_file};
use crate::typical_cases_api::{call, case_app, case_form, ok, organiser, regional};

/// A case with two files and a title and summary that need escaping, approved.
async fn approved_case(app: &Router) -> String {
    let token = regional("shanxi");
    let plan =
        upload_file(app, &token, "case-upload", "attachments", "实施方案.pdf", "application/pdf", b"%PDF-1.7 plan")
            .await;
    let table = upload_file(
        app,
        &token,
        "case-upload",
        "attachments",
        "统计表.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        b"PK xlsx",
    )
    .await;
    let mut form = case_form("shanxi");
    form["title"] = json!(r#"“三评”改革 "破四唯" C:\试点"#);
    form["summary"] = json!("第一行\n第二行：验收周期缩短一半。");
    form["attachments"] = json!([plan, table]);
    let case = ok(&call(app, Method::POST, "/typical-cases", Some(&token), Some(form)).await, StatusCode::CREATED);
    let id = case["id"].as_str().unwrap().to_owned();
    ok(
        &call(app, Method::POST, &format!("/typical-cases/{id}/approve"), Some(&organiser()), None).await,
        StatusCode::OK,
    );
    id
}

fn files(dir: &Path) -> SharedAttachments {
    Arc::new(LocalAttachments::new(dir, SECRET, API_BASE))
}

fn front_matter(text: &str) -> toml::Table {
    let rest = text.strip_prefix("+++\n").expect("starts with +++");
    let end = rest.find("\n+++\n").expect("front matter closes");
    rest[..end].parse().expect("front matter is TOML")
}

pub async fn approved_cases_are_exported_as_bundles_that_gazette_check_accepts(store: SharedStore) {
    let (app, uploads) = case_app(store.clone());
    let id = approved_case(&app).await;
    // A case still waiting for review is not exported.
    let waiting = ok(
        &call(&app, Method::POST, "/typical-cases", Some(&regional("shanxi")), Some(case_form("shanxi"))).await,
        StatusCode::CREATED,
    );

    let project = tempfile::tempdir().unwrap();
    let cases_dir = project.path().join("content/cases");
    let report = export_approved_cases(store.clone(), files(uploads.path()), &cases_dir).await.expect("export");
    assert_eq!(report.written.len(), 1, "{report:?}");
    assert!(report.skipped.is_empty(), "{report:?}");
    let written = &report.written[0];
    assert_eq!(written.id, id);
    assert!(
        written.slug.starts_with("case-")
            && written.slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    );
    assert_eq!(written.path, cases_dir.join(&written.slug).join("index.md"));

    let text = std::fs::read_to_string(&written.path).unwrap();
    let fm = front_matter(&text);
    assert_eq!(fm["title"].as_str(), Some(r#"“三评”改革 "破四唯" C:\试点"#), "quotes and backslashes survive");
    assert_eq!(fm["summary"].as_str(), Some("第一行\n第二行：验收周期缩短一半。"), "line breaks survive");
    assert_eq!(fm["region"].as_str(), Some("山西省"));
    assert_eq!(fm["provider"].as_str(), Some("山西省科技厅"));
    assert_eq!(fm["category"].as_str(), Some("人才评价"));
    assert_eq!(fm["date"].as_datetime().map(|d| d.to_string()), Some("2021-08-05".into()));
    let attachments = fm["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["title"].as_str(), Some("实施方案"));
    assert_eq!(attachments[0]["file"].as_str(), Some("fujian1.pdf"));
    assert_eq!(attachments[1]["file"].as_str(), Some("fujian2.xlsx"));
    let bundle = cases_dir.join(&written.slug);
    assert_eq!(std::fs::read(bundle.join("fujian1.pdf")).unwrap(), b"%PDF-1.7 plan");
    assert_eq!(std::fs::read(bundle.join("fujian2.xlsx")).unwrap(), b"PK xlsx");
    assert!(text.contains("## 一、背景"), "the body follows the front matter");
    assert!(text.contains("<https://www.most.gov.cn/case/11.html>"), "the original is linked");

    // `gazette check` loads and checks the project with the exported case in it.
    let (library, _) = gazette_site::build::load_checked(project.path())
        .unwrap_or_else(|e| panic!("gazette check refuses the export: {e}"));
    let url = format!("/cases/{}/", written.slug);
    assert!(library.pages().iter().any(|p| p.url == url), "the case is a page at {url}");

    // Marked exported; a second run writes nothing.
    let case =
        ok(&call(&app, Method::GET, &format!("/typical-cases/{id}"), Some(&organiser()), None).await, StatusCode::OK);
    assert_eq!(
        (case["status"].as_str(), case["exported"]["slug"].as_str()),
        (Some("exported"), Some(written.slug.as_str()))
    );
    let again = export_approved_cases(store.clone(), files(uploads.path()), &cases_dir).await.expect("second export");
    assert!(again.written.is_empty() && again.skipped.is_empty(), "{again:?}");
    let waiting_now: Value = ok(
        &call(
            &app,
            Method::GET,
            &format!("/typical-cases/{}", waiting["id"].as_str().unwrap()),
            Some(&organiser()),
            None,
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(waiting_now["status"], "submitted");
}

pub async fn an_existing_folder_is_never_overwritten_and_the_case_stays_approved(store: SharedStore) {
    let (app, uploads) = case_app(store.clone());
    let id = approved_case(&app).await;
    let project = tempfile::tempdir().unwrap();
    let cases_dir = project.path().join("content/cases");
    let slug = gazette_core::workflows::typical_case::export::case_slug(&id);
    std::fs::create_dir_all(cases_dir.join(&slug)).unwrap();
    std::fs::write(cases_dir.join(&slug).join("index.md"), "hand-written").unwrap();

    let report = export_approved_cases(store.clone(), files(uploads.path()), &cases_dir).await.expect("export");
    assert!(report.written.is_empty(), "{report:?}");
    assert_eq!(report.skipped.len(), 1);
    assert_eq!((report.skipped[0].id.as_str(), report.skipped[0].slug.as_str()), (id.as_str(), slug.as_str()));
    assert!(report.skipped[0].reason.contains("already exists"), "{}", report.skipped[0].reason);
    assert_eq!(std::fs::read_to_string(cases_dir.join(&slug).join("index.md")).unwrap(), "hand-written");
    let case =
        ok(&call(&app, Method::GET, &format!("/typical-cases/{id}"), Some(&organiser()), None).await, StatusCode::OK);
    assert_eq!(case["status"], "approved", "still waiting to be exported");

    // Once the name is free, the next run exports it.
    std::fs::remove_dir_all(cases_dir.join(&slug)).unwrap();
    let report = export_approved_cases(store, files(uploads.path()), &cases_dir).await.expect("export");
    assert_eq!(report.written.len(), 1);
}

pub async fn a_case_whose_file_is_missing_is_skipped_whole(store: SharedStore) {
    let (app, uploads) = case_app(store.clone());
    let id = approved_case(&app).await;
    // The uploaded files vanish from storage.
    std::fs::remove_dir_all(uploads.path().join("cases")).unwrap();
    let project = tempfile::tempdir().unwrap();
    let cases_dir = project.path().join("content/cases");
    let report = export_approved_cases(store, files(uploads.path()), &cases_dir).await.expect("export");
    assert!(report.written.is_empty());
    assert_eq!(report.skipped.len(), 1, "{report:?}");
    assert!(
        !cases_dir.join(gazette_core::workflows::typical_case::export::case_slug(&id)).exists(),
        "no half-written bundle"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&cases_dir).unwrap().collect();
    assert!(leftovers.is_empty(), "no staging folder left behind");
}

on_both_stores!(
    approved_cases_are_exported_as_bundles_that_gazette_check_accepts,
    an_existing_folder_is_never_overwritten_and_the_case_stays_approved,
    a_case_whose_file_is_missing_is_skipped_whole,
);

/// The AWS path end to end: files go to S3 (moto) through presigned uploads, the case
/// lives in DynamoDB, and the export reads the files back from S3.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_with_files_on_s3_are_exported_from_dynamodb() {
    let Some((store, _guard)) = crate::support::dynamo().await else { return };
    let Some(files) = crate::support::s3_files().await else { return };
    let app =
        gazette_core::config::cases_router(store.clone(), gazette_core::http::AuthConfig::hs256(SECRET), files.clone());

    let token = regional("shanxi");
    let pdf = b"%PDF-1.7 on s3";
    let ask = json!({ "form": "case-upload", "field": "attachments", "name": "方案.pdf", "size": pdf.len(), "content_type": "application/pdf" });
    let ticket = ok(&call(&app, Method::POST, "/case-files", Some(&token), Some(ask)).await, StatusCode::CREATED);
    let headers: Vec<(String, String)> = ticket["upload"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h[0].as_str().unwrap().to_owned(), h[1].as_str().unwrap().to_owned()))
        .collect();
    let (status, reply) =
        crate::attachments::http("PUT", ticket["upload"]["url"].as_str().unwrap(), &headers, pdf).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let mut form = case_form("shanxi");
    form["attachments"] = json!([ticket["file"]]);
    let case = ok(&call(&app, Method::POST, "/typical-cases", Some(&token), Some(form)).await, StatusCode::CREATED);
    let id = case["id"].as_str().unwrap();
    ok(
        &call(&app, Method::POST, &format!("/typical-cases/{id}/approve"), Some(&organiser()), None).await,
        StatusCode::OK,
    );

    let project = tempfile::tempdir().unwrap();
    let cases_dir = project.path().join("content/cases");
    let report = export_approved_cases(store, files.attachments(), &cases_dir).await.expect("export");
    assert_eq!(report.written.len(), 1, "{report:?}");
    assert_eq!(std::fs::read(&report.written[0].files[0]).unwrap(), pdf);
    gazette_site::build::load_checked(project.path())
        .unwrap_or_else(|e| panic!("gazette check refuses the export: {e}"));
}
