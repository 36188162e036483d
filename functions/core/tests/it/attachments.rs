//! Attachments: local directory uploads through signed links, and S3 presigned URLs
//! against moto's S3.

use std::time::Duration;

use gazette_core::attachments::{AttachmentError, Attachments, LocalAttachments, S3Attachments};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn token_of(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

fn local() -> (LocalAttachments, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (LocalAttachments::new(dir.path(), b"attachment-secret", "http://127.0.0.1:1111/api/"), dir)
}

#[tokio::test]
async fn a_local_upload_with_its_ticket_is_stored_and_can_be_downloaded() {
    let (files, dir) = local();
    let pdf = b"%PDF-1.7 investigation report";
    let ticket = files
        .presign_upload("cases/c1/report.pdf", "application/pdf", pdf.len() as u64, Duration::from_secs(300))
        .await
        .unwrap();
    assert_eq!(ticket.method, "PUT");
    assert!(ticket.url.starts_with("http://127.0.0.1:1111/api/uploads/"));
    assert!(ticket.headers.contains(&("content-type".into(), "application/pdf".into())));
    let key = files.receive(token_of(&ticket.url), "application/pdf", pdf).await.unwrap();
    assert_eq!(key, "cases/c1/report.pdf");
    assert_eq!(std::fs::read(dir.path().join("cases/c1/report.pdf")).unwrap(), pdf);
    let link = files.presign_download("cases/c1/report.pdf", "调查报告.pdf", Duration::from_secs(60)).await.unwrap();
    assert_eq!(files.open(token_of(&link)).await.unwrap(), ("调查报告.pdf".to_string(), pdf.to_vec()));
    assert_eq!(files.size_of("cases/c1/report.pdf").await.unwrap(), Some(pdf.len() as u64));
    assert_eq!(files.size_of("cases/c1/never.pdf").await.unwrap(), None);
    // An upload link does not open files, nor a download link accept uploads.
    assert!(matches!(files.open(token_of(&ticket.url)).await, Err(AttachmentError::BadTicket)));
    assert!(matches!(files.receive(token_of(&link), "application/pdf", pdf).await, Err(AttachmentError::BadTicket)));
}

#[tokio::test]
async fn a_local_upload_of_another_size_or_type_or_with_a_forged_ticket_is_refused() {
    let (files, dir) = local();
    let ticket = files.presign_upload("a/b.pdf", "application/pdf", 10, Duration::from_secs(300)).await.unwrap();
    let token = token_of(&ticket.url);
    assert!(matches!(
        files.receive(token, "application/pdf", b"too short").await,
        Err(AttachmentError::WrongLength { expected: 10, actual: 9 })
    ));
    assert!(matches!(files.receive(token, "text/html", b"0123456789").await, Err(AttachmentError::WrongType { .. })));
    let forged = LocalAttachments::new(dir.path(), b"other-secret", "http://x");
    let forged_ticket =
        forged.presign_upload("a/b.pdf", "application/pdf", 10, Duration::from_secs(300)).await.unwrap();
    assert!(matches!(
        files.receive(token_of(&forged_ticket.url), "application/pdf", b"0123456789").await,
        Err(AttachmentError::BadTicket)
    ));
    assert!(!dir.path().join("a/b.pdf").exists(), "nothing refused is written");
    assert!(matches!(
        files.presign_upload("../etc/passwd", "text/plain", 1, Duration::from_secs(1)).await,
        Err(AttachmentError::BadKey(_))
    ));
}

#[tokio::test]
async fn an_expired_local_upload_link_is_refused() {
    let (files, _dir) = local();
    let ticket = files.presign_upload("x.txt", "text/plain", 1, Duration::from_secs(0)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(files.receive(token_of(&ticket.url), "text/plain", b"x").await, Err(AttachmentError::BadTicket)));
}

/// A minimal HTTP/1.1 exchange with loopback (moto), so the test needs no HTTP client:
/// the status and body.
pub(crate) async fn http(method: &str, url: &str, headers: &[(String, String)], body: &[u8]) -> (u16, Vec<u8>) {
    let (status, _, body) = http_reply(method, url, headers, body).await;
    (status, body)
}

/// [`http`], with the reply's headers.
pub(crate) async fn http_reply(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, axum::http::HeaderMap, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("loopback http url");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap();
    assert!(host.starts_with("127.0.0.1:"), "tests talk to loopback only");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers.iter().any(|(k, _)| k == "content-length") {
        head.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("http response");
    let status = std::str::from_utf8(&raw[9..12]).unwrap().parse().unwrap();
    let mut reply_headers = axum::http::HeaderMap::new();
    for line in String::from_utf8_lossy(&raw[..split]).lines().skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            if let (Ok(name), Ok(value)) =
                (axum::http::HeaderName::try_from(name.trim()), axum::http::HeaderValue::from_str(value.trim()))
            {
                reply_headers.append(name, value);
            }
        }
    }
    (status, reply_headers, raw[split + 4..].to_vec())
}

#[tokio::test]
async fn an_s3_presigned_upload_binds_type_and_length_and_the_object_arrives() {
    let Some(moto) = crate::support::moto() else { return };
    let bucket = format!("gazette-test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let (status, _) = http("PUT", &format!("{}/{bucket}", moto.endpoint), &[], b"").await;
    assert_eq!(status, 200, "create bucket on moto");
    let config = gazette_core::aws::local_sdk_config(&moto.endpoint);
    let s3 = S3Attachments::new(&config, &bucket).unwrap();
    let body = b"%PDF-1.7 submission record";
    let ticket = s3
        .presign_upload("cases/c9/submission.pdf", "application/pdf", body.len() as u64, Duration::from_secs(600))
        .await
        .unwrap();
    assert!(
        ticket.url.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match"),
        "{}",
        ticket.url
    );
    assert!(ticket.url.contains("X-Amz-Expires=600"));
    let (status, reply) = http("PUT", &ticket.url, &ticket.headers, body).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let download =
        s3.presign_download("cases/c9/submission.pdf", "投稿记录.pdf", Duration::from_secs(60)).await.unwrap();
    // The link makes S3 answer `attachment` with the uploaded name (RFC 6266 filename*).
    assert!(download.contains("response-content-disposition=attachment%3B%20filename%3D%22"), "{download}");
    assert!(download.contains("filename%2A%3DUTF%2D8%27%27%25E6%258A%2595"), "{download}");
    let (status, got) = http("GET", &download, &[], b"").await;
    assert_eq!((status, got.as_slice()), (200, &body[..]));
    assert_eq!(s3.size_of("cases/c9/submission.pdf").await.unwrap(), Some(body.len() as u64));
    assert_eq!(s3.size_of("cases/c9/never-uploaded.pdf").await.unwrap(), None);
}

#[tokio::test]
async fn a_used_s3_ticket_cannot_replace_the_file_it_stored() {
    let Some(moto) = crate::support::moto() else { return };
    let bucket = format!("gazette-test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let (status, _) = http("PUT", &format!("{}/{bucket}", moto.endpoint), &[], b"").await;
    assert_eq!(status, 200, "create bucket on moto");
    let s3 = S3Attachments::new(&gazette_core::aws::local_sdk_config(&moto.endpoint), &bucket).unwrap();
    let ticket =
        s3.presign_upload("cases/r-hebei/x/case.pdf", "application/pdf", 8, Duration::from_secs(600)).await.unwrap();
    s3.deliver(&ticket, b"%PDF-1.7".to_vec()).await.unwrap();
    // The same ticket again, within its validity, as a browser or the server would.
    let (status, _) = http("PUT", &ticket.url, &ticket.headers, b"<script>").await;
    assert_eq!(status, 412, "a replayed ticket is refused by S3");
    assert!(matches!(s3.deliver(&ticket, b"<script>".to_vec()).await, Err(AttachmentError::AlreadyStored(_))));
    assert_eq!(s3.read("cases/r-hebei/x/case.pdf").await.unwrap(), b"%PDF-1.7");
}

#[tokio::test]
async fn a_used_local_ticket_cannot_replace_the_file_it_stored() {
    let (files, dir) = local();
    let ticket =
        files.presign_upload("cases/r-hebei/x/case.pdf", "application/pdf", 8, Duration::from_secs(300)).await.unwrap();
    files.receive(token_of(&ticket.url), "application/pdf", b"%PDF-1.7").await.unwrap();
    assert!(matches!(
        files.receive(token_of(&ticket.url), "application/pdf", b"<script>").await,
        Err(AttachmentError::AlreadyStored(_))
    ));
    assert_eq!(std::fs::read(dir.path().join("cases/r-hebei/x/case.pdf")).unwrap(), b"%PDF-1.7");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("cases/r-hebei/x")).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[tokio::test]
async fn a_file_can_be_read_back_from_s3_and_a_missing_one_is_reported_missing() {
    let Some(moto) = crate::support::moto() else { return };
    let bucket = format!("gazette-test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let (status, _) = http("PUT", &format!("{}/{bucket}", moto.endpoint), &[], b"").await;
    assert_eq!(status, 200, "create bucket on moto");
    let s3 = S3Attachments::new(&gazette_core::aws::local_sdk_config(&moto.endpoint), &bucket).unwrap();
    let body = b"%PDF-1.7 case plan";
    let ticket = s3
        .presign_upload("cases/r-shanxi/x/plan.pdf", "application/pdf", body.len() as u64, Duration::from_secs(600))
        .await
        .unwrap();
    let (status, _) = http("PUT", &ticket.url, &ticket.headers, body).await;
    assert_eq!(status, 200);
    assert_eq!(s3.read("cases/r-shanxi/x/plan.pdf").await.unwrap(), body);
    assert!(matches!(s3.read("cases/r-shanxi/x/none.pdf").await, Err(AttachmentError::Missing(_))));
}

#[tokio::test]
async fn a_local_file_can_be_read_back_and_a_missing_one_is_reported_missing() {
    let (files, _dir) = local();
    let ticket = files.presign_upload("cases/u-1/a.txt", "text/plain", 2, Duration::from_secs(60)).await.unwrap();
    files.receive(token_of(&ticket.url), "text/plain", b"ok").await.unwrap();
    assert_eq!(files.read("cases/u-1/a.txt").await.unwrap(), b"ok");
    assert!(matches!(files.read("cases/u-1/b.txt").await, Err(AttachmentError::Missing(_))));
    assert!(matches!(files.read("../etc/passwd").await, Err(AttachmentError::BadKey(_))));
}
