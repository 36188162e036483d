//! The case pages without a script: a browser that only follows links, posts forms
//! (urlencoded, or multipart with files) and follows redirects. Typical cases (seed
//! 000): upload, a refused upload shown again, return with a comment, resubmit,
//! approve. Integrity cases (seed 004): register, dispatch, forward, the result saved
//! and submitted with files, a provincial return with a letter, submitted again, both
//! reviews. The controls of each form, and where it posts, are read from the page it
//! is on, as a browser would send them.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gazette_core::http::Role;

use crate::support::{API_BASE, Reply, send};
use crate::typical_cases_api::{case_app, national, organiser, regional, tok};

/// A page as the signed-in visitor `token` sees it. `path` is a router path
/// (`/web/…`) or a link as pages write it (`/api/web/…`).
pub(crate) async fn get(app: &Router, token: &str, path: &str) -> Reply {
    let path = path.strip_prefix("/api").unwrap_or(path);
    let req = Request::builder()
        .uri(path)
        .header(header::COOKIE, format!("gazette_session={token}"))
        .body(Body::empty())
        .expect("request");
    send(app, req).await
}

/// A page that must answer 200: its HTML.
pub(crate) async fn page(app: &Router, token: &str, path: &str) -> String {
    let r = get(app, token, path).await;
    let body = String::from_utf8_lossy(&r.bytes).into_owned();
    assert_eq!(r.status, StatusCode::OK, "GET {path}:\n{body}");
    body
}

/// A file posted with a form: (field, file name, content type, bytes).
pub(crate) type File<'a> = (&'a str, &'a str, &'a str, &'a [u8]);

/// What a browser sends when a button of a form is pressed: where (the form's
/// action, or the button's `formaction`) and the fields.
pub(crate) struct Sent {
    pub(crate) action: String,
    pub(crate) fields: Vec<(String, String)>,
}

/// Posts a form to its route: urlencoded, or multipart when it carries files.
pub(crate) async fn post(app: &Router, token: &str, sent: &Sent, files: &[File<'_>]) -> Reply {
    let parts: Vec<(String, &str, &[u8])> = files
        .iter()
        .map(|(field, file_name, content_type, bytes)| {
            (format!("name=\"{field}\"; filename=\"{file_name}\""), *content_type, *bytes)
        })
        .collect();
    post_parts(app, token, sent, &parts).await
}

/// Posts a form with file parts given by their `Content-Disposition` parameters
/// (`name="attachments"; filename*=UTF-8''…`): urlencoded when there are none.
async fn post_parts(app: &Router, token: &str, sent: &Sent, files: &[(String, &str, &[u8])]) -> Reply {
    let cookie = format!("gazette_session={token}");
    let fields = &sent.fields;
    let action = sent.action.strip_prefix("/api").unwrap_or(&sent.action);
    let req = if files.is_empty() {
        let body: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        Request::builder()
            .method(Method::POST)
            .uri(action)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
    } else {
        let boundary = "gazette-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (disposition, content_type, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Request::builder()
            .method(Method::POST)
            .uri(action)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
    };
    send(app, req.expect("request")).await
}

/// The redirect of a post: 303 and where to.
pub(crate) fn redirected(r: &Reply) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&r.bytes));
    r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("Location").to_owned()
}

/// What a browser sends of the form with `id`: its hidden controls and the boxes
/// already ticked (files kept), except where `extra` — what the visitor typed or
/// ticked — says otherwise; `("_press", label)` presses the button `label` (else the
/// first), which posts to its own `formaction` when it has one.
pub(crate) fn form(html: &str, id: &str, extra: &[(&str, &str)]) -> Sent {
    let start = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no form #{id} on the page:\n{html}"));
    let start = html[..start].rfind("<form").expect("the id is a form's");
    let end = start + html[start..].find("</form>").expect("form ends");
    let open = &html[start..start + html[start..].find('>').expect("form tag")];
    let mut action = attr(open, "action").expect("a form posts somewhere");
    if let Some((_, label)) = extra.iter().find(|(k, _)| *k == "_press") {
        let button = html[start..end]
            .split("<button")
            .skip(1)
            .find(|b| b.split_once('>').is_some_and(|(_, rest)| rest.starts_with(&format!("{label}<"))))
            .unwrap_or_else(|| panic!("no button {label:?} in form #{id}"));
        if let Some(formaction) = attr(&button[..button.find('>').unwrap_or(0)], "formaction") {
            action = formaction;
        }
    }
    let extra: Vec<&(&str, &str)> = extra.iter().filter(|(k, _)| *k != "_press").collect();
    let mut pairs = Vec::new();
    // A browser sends nothing of a `<template>` (a group's blank row for the script).
    let mut body = html[start..end].to_owned();
    while let (Some(open), Some(close)) = (body.find("<template"), body.find("</template>")) {
        body.replace_range(open..close + "</template>".len(), "");
    }
    for tag in body.split("<input").skip(1) {
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        let kind = attr(tag, "type").unwrap_or_default();
        let sent = kind == "hidden" || (kind == "checkbox" && tag.contains(" checked"));
        if let (true, Some(name)) = (sent, attr(tag, "name")) {
            if !extra.iter().any(|(k, _)| *k == name) {
                pairs.push((name, attr(tag, "value").unwrap_or_default()));
            }
        }
    }
    pairs.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Sent { action, fields: pairs }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let value = &tag[at..at + tag[at..].find('"')?];
    Some(unescape(value))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The text of a page, tags and entities aside, to look for what it says.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

fn says(html: &str, what: &str) {
    assert!(text(html).contains(what), "the page does not say {what:?}:\n{}", text(html));
}

/// The id in `/api/web/cases/{id}?…`.
fn id_in(location: &str, prefix: &str) -> String {
    let rest = location.strip_prefix(prefix).unwrap_or_else(|| panic!("{location} is not under {prefix}"));
    rest.split(['?', '/']).next().unwrap_or_default().to_owned()
}

/// An 18-character ID number in full (17 digits and a digit or X).
fn unmasked_id(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    (0..bytes.len().saturating_sub(17)).find_map(|i| {
        let run = &bytes[i..i + 18];
        let before = i.checked_sub(1).map(|j| bytes[j].is_ascii_digit()).unwrap_or(false);
        let ok = !before && run[..17].iter().all(u8::is_ascii_digit) && (run[17].is_ascii_digit() || run[17] == b'X');
        ok.then(|| String::from_utf8_lossy(run).into_owned())
    })
}

const PDF: &[u8] = b"%PDF-1.7\n% gazette test\n";

fn case_fields(title: &str, summary: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("region", "hebei".to_owned()),
        ("provider", "河北省科技厅".to_owned()),
        ("category", "evaluation".to_owned()),
        ("date", "2022-06-20".to_owned()),
        ("source_url", String::new()),
        ("summary", summary.to_owned()),
        (
            "body",
            "## 一、背景\n\n为深入贯彻落实《关于完善科技成果评价机制的指导意见》，河北省开展科技成果评价改革试点。\n\n## 二、做法\n\n分类评价。"
                .to_owned(),
        ),
    ]
}

/// The form `id` of `html` as sent with `fields` filled in.
fn filled(html: &str, id: &str, fields: &[(&str, String)]) -> Sent {
    let extra: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form(html, id, &extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typical_case_is_uploaded_returned_resubmitted_and_approved_through_the_pages() {
    let (store, _guard) = crate::support::embedded();
    let (app, _files) = case_app(store);
    let province = regional("hebei");
    let reviewer = organiser();

    let list = page(&app, &province, "/web/cases").await;
    says(&list, "上传典型案例");
    says(&list, "还没有典型案例");

    // A missing title: back to the form, which says so and keeps what was typed
    // (and the file, already stored, as a box to keep it).
    let new = page(&app, &province, "/web/cases/new").await;
    let mut missing = case_fields("", "以评价改革为抓手，建立分类评价体系。");
    missing.retain(|(k, _)| *k != "title");
    let fields = filled(&new, "form-case-upload", &missing);
    let files = [("attachments", "实施方案.pdf", "application/pdf", PDF)];
    let back = redirected(&post(&app, &province, &fields, &files).await);
    assert!(back.starts_with("/api/web/cases/new?attempt="), "{back}");
    let again = page(&app, &province, &back).await;
    assert!(again.contains("gz-error-summary__list"), "{again}");
    says(&again, "提交前请修改以下问题");
    says(&again, "请填写“案例标题”");
    assert!(again.contains("aria-invalid=\"true\""), "the title is marked invalid");
    assert!(again.contains("value=\"河北省科技厅\""), "typed values are kept");
    says(&again, "以评价改革为抓手，建立分类评价体系。");
    says(&again, "保留 实施方案.pdf");

    // Sent again from that page with the title: the case page.
    let fields = filled(&again, "form-case-upload", &case_fields("科技成果评价改革试点", "以评价改革为抓手。"));
    let to = redirected(&post(&app, &province, &fields, &[]).await);
    assert!(to.ends_with("?done=uploaded"), "{to}");
    let id = id_in(&to, "/api/web/cases/");
    let shown = page(&app, &province, &to).await;
    says(&shown, "案例已上传。");
    says(&shown, "案例已提交，等待主办单位审核。");
    says(&shown, "待审核");
    says(&shown, "河北省");
    says(&shown, "科技成果评价");
    says(&shown, "实施方案.pdf");
    says(&shown, "上传案例");

    // The file link leads to the short-lived download.
    let link = format!("/api/web/cases/{id}/file?key=");
    let plain = unescape(&shown);
    let at = plain.find(&link).expect("a link to the file");
    let href = &plain[at..at + plain[at..].find('"').expect("the link ends")];
    let download = redirected(&get(&app, &province, href).await);
    let file = get(&app, &province, download.strip_prefix(API_BASE).expect("a local file link")).await;
    assert_eq!((file.status, file.bytes.as_slice()), (StatusCode::OK, PDF));

    // Another province does not see it; the organisers find it in their queue.
    let other = get(&app, &regional("shanxi"), &format!("/web/cases/{id}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let queue = page(&app, &reviewer, "/web/review").await;
    says(&queue, "典型案例：待审核");
    assert!(unescape(&queue).contains(&format!("/api/web/cases/{id}\"")), "{queue}");

    // Returned without a comment: the error is shown in the return form.
    let review = page(&app, &reviewer, &format!("/web/cases/{id}")).await;
    says(&review, "审核通过");
    let back = redirected(&post(&app, &reviewer, &form(&review, "return", &[("comment", "  ")]), &[]).await);
    assert!(back.starts_with(&format!("/api/web/cases/{id}?attempt=")), "{back}");
    let refused = page(&app, &reviewer, &back).await;
    says(&refused, "请填写审核意见");
    assert!(refused.contains("href=\"#return-comment\""), "the summary links to the comment");
    says(&refused, "待审核");

    let comment = "请补充试点成效的数据。";
    let to = redirected(&post(&app, &reviewer, &form(&refused, "return", &[("comment", comment)]), &[]).await);
    says(&page(&app, &reviewer, &to).await, "已退回修改。");

    // The province sees the return and the comment, edits the case and sends it again.
    let returned = page(&app, &province, &format!("/web/cases/{id}")).await;
    says(&returned, "退回修改");
    says(&returned, &format!("审核意见：{comment}"));
    assert!(returned.contains("value=\"科技成果评价改革试点\""), "the form holds the case");
    let fields =
        filled(&returned, "form-case-upload", &case_fields("科技成果评价改革试点", "试点后验收周期缩短一半。"));
    assert!(fields.fields.iter().any(|(k, v)| k == "attachments" && v.contains("实施方案.pdf")), "the file is kept");
    let to = redirected(&post(&app, &province, &fields, &[]).await);
    let resubmitted = page(&app, &province, &to).await;
    says(&resubmitted, "已修改并重新提交。");
    says(&resubmitted, "试点后验收周期缩短一半。");
    says(&resubmitted, "实施方案.pdf");

    // The organisers approve it.
    let review = page(&app, &reviewer, &format!("/web/cases/{id}")).await;
    let to = redirected(&post(&app, &reviewer, &form(&review, "approve", &[]), &[]).await);
    let approved = page(&app, &reviewer, &to).await;
    says(&approved, "审核通过，待导出为网站内容后发布。");
    let progress = text(&approved[approved.find("办理进度").expect("progress")..]);
    let order: Vec<usize> = ["上传案例", "退回修改", "修改后重新提交", "审核通过"]
        .iter()
        .map(|step| progress.find(step).unwrap_or_else(|| panic!("{step} missing from {progress}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{progress}");
    says(&approved, comment);
    assert!(!approved.contains("id=\"approve\""), "nothing more to decide");

    let done = page(&app, &reviewer, "/web/cases?status=approved").await;
    says(&done, "科技成果评价改革试点");
}

const ID_FIRST: &str = "11010519491231002X";

fn result_fields(first_id: &str) -> Vec<(&'static str, String)> {
    [
        ("finding", "yes"),
        ("authors[0].name", "王星星"),
        ("authors[0].institution", "某某省第三医院"),
        ("authors[0].id_number", first_id),
        ("authors[0].other_id", ""),
        ("authors[0].role", "first"),
        ("authors[0].penalty_set", "1"),
        ("penalty_sets[0].misconduct_kinds", "fabrication"),
        ("penalty_sets[0].severity", "serious"),
        ("penalty_sets[0].penalties", "circular"),
        ("penalty_sets[0].penalties", "ban_projects"),
        ("penalty_sets[0].years_ban_projects", "4"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_integrity_case_goes_down_the_chain_and_its_result_up_through_both_reviews_on_the_pages() {
    let (store, _guard) = crate::support::embedded();
    let (app, _files) = case_app(store);
    let nation = national();
    let province = regional("hebei");
    let hospital = tok(Role::UnitAdmin, Some("hosp-3"), None);
    let mut seen = Vec::new();

    // The national account registers the case and dispatches it to Hebei.
    let list = page(&app, &nation, "/web/integrity-cases").await;
    let registration = [
        ("source", "retracted_paper"),
        ("batch", "2023-01"),
        ("paper_title", "A Hybrid Intelligent System for Company Financial Risk Detection"),
        ("authors", "王星星; 张三"),
        ("corresponding_institution", "某某省第三医院"),
        ("region", "hebei"),
    ];
    let to = redirected(&post(&app, &nation, &form(&list, "form-integrity-case", &registration), &[]).await);
    let id = id_in(&to, "/api/web/integrity-cases/");
    let case = format!("/web/integrity-cases/{id}");
    let created = page(&app, &nation, &to).await;
    says(&created, "案件已登记。");
    says(&created, "未发送");
    let to = redirected(&post(&app, &nation, &form(&created, "dispatch", &[]), &[]).await);
    says(&page(&app, &nation, &to).await, "待省级办理");

    // The province forwards it: the unit is required.
    let at_province = page(&app, &province, &case).await;
    says(&at_province, "转办至机构");
    says(&at_province, "退回上级");
    let back = redirected(&post(&app, &province, &form(&at_province, "forward", &[("unit", "")]), &[]).await);
    let refused = page(&app, &province, &back).await;
    says(&refused, "请指明转办机构");
    // The institutions to choose from are the directory's units of the case's region;
    // a code from elsewhere (another region's unit, or one typed by hand) is refused.
    crate::support::unit_in_directory(&app, "hosp-3", "hebei").await;
    crate::support::unit_in_directory(&app, "hosp-sx", "shanxi").await;
    let choices = page(&app, &province, &case).await;
    assert!(choices.contains("<option value=\"hosp-3\">"), "{choices}");
    assert!(!choices.contains("hosp-sx"), "another region's unit is no choice:\n{choices}");
    for planted in ["hosp-sx", "hosp-nowhere"] {
        let back = redirected(&post(&app, &province, &form(&choices, "forward", &[("unit", planted)]), &[]).await);
        says(&page(&app, &province, &back).await, "请从列表中选择本地区已注册的机构");
    }
    let forward = [("unit", "hosp-3")];
    let to = redirected(&post(&app, &province, &form(&refused, "forward", &forward), &[]).await);
    says(&page(&app, &province, &to).await, "待机构办理");

    // The institution: an ID number with a wrong check character is refused in place.
    let at_hospital = page(&app, &hospital, &case).await;
    says(&at_hospital, "填写办理结果");
    let step = |label: &'static str| ("_press", label.to_owned());
    let mut bad = result_fields("110105202004080428");
    bad.push(step("保存"));
    let back = redirected(&post(&app, &hospital, &filled(&at_hospital, "form-integrity-result", &bad), &[]).await);
    let refused = page(&app, &hospital, &back).await;
    says(&refused, "提交前请修改以下问题");
    says(&refused, "第 1 条的“身份证号”");

    // Saved with the investigation report; the ID number comes back masked.
    let mut fields = result_fields(ID_FIRST);
    fields.push(step("保存"));
    let report = [("report", "调查报告.pdf", "application/pdf", PDF)];
    let to = redirected(&post(&app, &hospital, &filled(&refused, "form-integrity-result", &fields), &report).await);
    assert!(to.ends_with("?done=saved"), "{to}");
    let saved = page(&app, &hospital, &to).await;
    says(&saved, "办理结果已保存。");
    says(&saved, "保留 调查报告.pdf");
    // The report's template is a file of the site, linked from the form.
    let template = gazette_core::workflows::integrity_case::pages::REPORT_TEMPLATE;
    assert!(saved.contains(&format!("<a href=\"{template}\" download>下载机构调查报告模板</a>")), "{saved}");
    let on_disk = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static").join(&template[1..]);
    let docx = std::fs::read(&on_disk).expect("the template is in static/");
    assert!(docx.starts_with(b"PK"), "a Word (zip) document");
    assert!(saved.contains("value=\"1101051949****002X\""), "shown masked");
    seen.push(saved.clone());

    // Submitting without the submission record is refused on the confirmation page's post.
    let mut fields = result_fields("1101051949****002X");
    fields.push(step("保存并提交审核"));
    let to = redirected(&post(&app, &hospital, &filled(&saved, "form-integrity-result", &fields), &[]).await);
    assert_eq!(to, format!("/api/web/integrity-cases/{id}/submit"));
    let confirm = page(&app, &hospital, &to).await;
    says(&confirm, "请核对以下办理结果");
    says(&confirm, "1101051949****002X");
    let back = redirected(&post(&app, &hospital, &form(&confirm, "submit", &[]), &[]).await);
    let refused = page(&app, &hospital, &back).await;
    // Seed 004: items 1–4 are required.
    for item in ["1. 作者情况说明", "2. 调查谈话记录", "3. 论文原始数据", "4. 投稿记录、投稿时所有论文作者签字单"]
    {
        says(&refused, &format!("请上传“{item}”"));
    }
    assert!(!refused.contains("请上传“5."), "items 5–8 are optional:\n{refused}");
    assert!(refused.contains("gz-error-summary__list"), "{refused}");
    seen.push(refused.clone());

    // With items 1–4 uploaded it is submitted.
    let records = [
        ("author_statements", "作者情况说明.pdf", "application/pdf", PDF),
        ("interview_records", "调查谈话记录.pdf", "application/pdf", PDF),
        ("raw_data", "原始数据.pdf", "application/pdf", PDF),
        ("submission_records", "投稿记录.pdf", "application/pdf", PDF),
    ];
    let to = redirected(&post(&app, &hospital, &filled(&refused, "form-integrity-result", &fields), &records).await);
    let confirm = page(&app, &hospital, &to).await;
    let to = redirected(&post(&app, &hospital, &form(&confirm, "submit", &[]), &[]).await);
    let submitted = page(&app, &hospital, &to).await;
    says(&submitted, "办理结果已提交。");
    says(&submitted, "待省级审核结果");

    // The province returns it: the opinion is required; a letter goes with it.
    let review = page(&app, &province, &case).await;
    says(&review, "审核办理结果");
    says(&review, "1101051949****002X");
    seen.push(review.clone());
    let back = redirected(
        &post(
            &app,
            &province,
            &form(&review, "form-integrity-review", &[("opinion", ""), ("_press", "退回修改")]),
            &[],
        )
        .await,
    );
    says(&page(&app, &province, &back).await, "请填写审查意见");
    let opinion = "请补充作者情况说明。";
    let letter = [("letter", "正式函件.pdf", "application/pdf", PDF)];
    let fields = form(&review, "form-integrity-review", &[("opinion", opinion), ("_press", "退回修改")]);
    let to = redirected(&post(&app, &province, &fields, &letter).await);
    let returned = page(&app, &province, &to).await;
    says(&returned, "省级审核退回");
    says(&returned, "正式函件.pdf");

    // The institution sees the opinion and the letter, and submits again.
    let again = page(&app, &hospital, &case).await;
    says(&again, &format!("审查意见：{opinion}"));
    says(&again, "省卫健委正式函件：正式函件.pdf");
    let to =
        redirected(&post(&app, &hospital, &filled(&again, "form-integrity-result", &fields_to_submit()), &[]).await);
    let confirm = page(&app, &hospital, &to).await;
    let to = redirected(&post(&app, &hospital, &form(&confirm, "submit", &[]), &[]).await);
    says(&page(&app, &hospital, &to).await, "待省级审核结果");

    // Provincial approval with its opinion and official letter; withdrawn before the
    // nation acts (可撤回修改), then approved again.
    let review = page(&app, &province, &case).await;
    let approval =
        form(&review, "form-integrity-review", &[("opinion", "经审核，处理结果属实。"), ("_press", "审核通过")]);
    let letter = [("letter", "省卫健委函.pdf", "application/pdf", PDF)];
    let to = redirected(&post(&app, &province, &approval, &letter).await);
    let sent_on = page(&app, &province, &to).await;
    says(&sent_on, "待国家审核结果");
    says(&sent_on, "撤回审核决定");
    let to = redirected(&post(&app, &province, &form(&sent_on, "withdraw", &[]), &[]).await);
    let withdrawn = page(&app, &province, &to).await;
    says(&withdrawn, "已撤回审核决定，可重新审核。");
    says(&withdrawn, "待省级审核结果");
    says(&withdrawn, "省级撤回审核决定");
    let to = redirected(
        &post(
            &app,
            &province,
            &form(&withdrawn, "form-integrity-review", &[("opinion", "同意报送。"), ("_press", "审核通过")]),
            &letter,
        )
        .await,
    );
    says(&page(&app, &province, &to).await, "待国家审核结果");
    let queue = page(&app, &nation, "/web/review").await;
    says(&queue, "科研诚信案件：待国家审核");
    let review = page(&app, &nation, &case).await;
    // The national reviewer sees the province's opinion and letter.
    says(&review, "审核意见：同意报送。");
    says(&review, "省卫健委正式函件：省卫健委函.pdf");
    assert!(!review.contains("id=\"withdraw\""), "only the province withdraws");
    let to = redirected(
        &post(&app, &nation, &form(&review, "review", &[("opinion", "同意。"), ("_press", "审核通过（办结）")]), &[])
            .await,
    );
    let closed = page(&app, &nation, &to).await;
    says(&closed, "已审核通过，案件办结。");
    says(&closed, "已办结");
    let progress = text(&closed[closed.find("办理进度").expect("progress")..]);
    for step in [
        "登记案件",
        "发送至省级办理",
        "转办至机构",
        "提交办理结果",
        "省级审核退回",
        "省级审核通过",
        "国家审核通过（办结）",
    ] {
        assert!(progress.contains(step), "{step} missing from {progress}");
    }
    seen.push(closed);
    for html in &seen {
        assert_eq!(unmasked_id(html), None, "a page shows an ID number in full");
    }
}

/// The institution's second submission: the form as the page shows it (files kept,
/// ID numbers masked), sent with "submit".
fn fields_to_submit() -> Vec<(&'static str, String)> {
    let mut fields = result_fields("1101051949****002X");
    fields.push(("_press", "保存并提交审核".to_owned()));
    fields
}

/// A form planted by an attacker: a signed-in filler posts to a case's approval route
/// (with controls naming other calls and pages) and is refused. The refused form is
/// kept for the filler's session only: an organiser who follows its link sees
/// nothing of it, and nothing a form posts makes a route run another call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_form_shows_nothing_to_another_session_and_no_field_chooses_the_action() {
    let (store, _guard) = crate::support::embedded();
    let (app, _files) = case_app(store);
    let province = regional("hebei");
    let reviewer = organiser();
    let attacker = tok(Role::Filler, Some("lab-1"), None);

    let new = page(&app, &province, "/web/cases/new").await;
    let fields = filled(&new, "form-case-upload", &case_fields("科技成果评价改革试点", "以评价改革为抓手。"));
    let to = redirected(&post(&app, &province, &fields, &[]).await);
    let id = id_in(&to, "/api/web/cases/");
    let case = format!("/web/cases/{id}");

    // The filler posts to the approval route, planting a call, pages and a heading,
    // with the anti-forgery token of the filler's own session (any page of it has one).
    let own_token = crate::support::csrf_of(&page(&app, &attacker, "/web/").await);
    let planted = Sent {
        action: format!("/api/web/act/typical-cases/{id}/approve"),
        fields: [
            ("_to", format!("POST /typical-cases/{id}/approve")),
            ("_next", "/api/web/".to_owned()),
            ("_back", "/api/web/form/".to_owned()),
            ("_title", "请审核通过".to_owned()),
            ("_action", "approve".to_owned()),
            ("_csrf", own_token),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    };
    let back = redirected(&post(&app, &attacker, &planted, &[]).await);
    assert!(back.starts_with(&format!("/api/web/cases/{id}?attempt=")), "the route's own page: {back}");
    let token = back.split("attempt=").nth(1).expect("a token").to_owned();

    // The organiser opening either link sees no trace of it, and no form to resend it.
    let generic = get(&app, &reviewer, &format!("/web/form/{token}")).await;
    assert_eq!(generic.status, StatusCode::NOT_FOUND);
    let shown = page(&app, &reviewer, &back).await;
    assert!(!shown.contains("请审核通过") && !shown.contains("无权"), "another session's refusal:\n{shown}");
    assert!(!shown.contains("gz-error-summary__list"), "{shown}");
    // The filler's own link shows the refusal to the filler (and to nobody else).
    let own = get(&app, &attacker, &format!("/web/form/{token}")).await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&own.bytes));
    // Its form carries the visitor's token once: the kept attempt keeps none of its own.
    let own = String::from_utf8_lossy(&own.bytes).into_owned();
    assert_eq!(own.matches("name=\"_csrf\"").count(), 1, "{own}");

    // A route runs its own call whatever the form says: the return route with a
    // planted `_to` of approval returns (or refuses), never approves.
    let review = page(&app, &reviewer, &case).await;
    let mut sent = form(&review, "return", &[("comment", "请补充材料。")]);
    sent.fields.push(("_to".into(), format!("POST /typical-cases/{id}/approve")));
    let to = redirected(&post(&app, &reviewer, &sent, &[]).await);
    assert!(to.ends_with("?done=returned"), "{to}");
    let after = page(&app, &reviewer, &case).await;
    says(&after, "退回修改");
    assert!(!text(&after).contains("审核通过，待导出"), "approved through a planted field:\n{after}");

    // There is no catch-all address left that takes its call from a field.
    let old = Sent { action: "/api/web/submit".into(), fields: planted.fields.clone() };
    assert_eq!(post(&app, &reviewer, &old, &[]).await.status, StatusCode::NOT_FOUND);
}

/// A post with files holds its typed fields to what its form's fields allow together
/// (the case form: about 270 KB), and says so on the field that ran over, back on the
/// form; a form route takes no path parameter longer than an id: nothing of either is
/// kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_fields_and_overlong_ids_are_refused_before_anything_is_kept() {
    let (store, _guard) = crate::support::embedded();
    let (app, _files) = case_app(store);
    let province = regional("hebei");
    let new = page(&app, &province, "/web/cases/new").await;
    let mut sent = filled(&new, "form-case-upload", &case_fields("科技成果评价改革试点", "以评价改革为抓手。"));
    sent.fields.push(("provider".into(), "甲".repeat(100_000)));
    let files = [("attachments", "实施方案.pdf", "application/pdf", PDF)];
    let back = redirected(&post(&app, &province, &sent, &files).await);
    assert!(back.starts_with("/api/web/cases/new?attempt="), "back to the form: {back}");
    let refused = page(&app, &province, &back).await;
    says(&refused, "提交前请修改以下问题");
    says(&refused, "填写的内容过长，超出本表单可提交的上限（约 270 KB）");
    assert!(refused.contains("href=\"#f-provider\""), "the summary links to the field that ran over:\n{refused}");
    says(&page(&app, &province, "/web/cases").await, "还没有典型案例");

    let long = Sent { action: format!("/api/web/act/typical-cases/{}/approve", "A".repeat(300)), fields: Vec::new() };
    let r = post(&app, &organiser(), &long, &[]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.headers.get(header::LOCATION).is_none(), "no attempt kept, no redirect");
}

/// Issue 12: a 3 MB PDF and a 30,000-character case text (its field allows 50,000),
/// posted through the case page without a script as a province would, are accepted —
/// not refused by a framework's default body limit — and the file downloads whole
/// under its Chinese name; with the local store and with S3 (moto).
async fn a_large_file_and_a_long_text_go_through_the_case_page(app: Router, fetch: impl AsyncFn(&str) -> Reply) {
    let province = regional("hebei");
    let new = page(&app, &province, "/web/cases/new").await;
    let mut fields = case_fields("科技成果评价改革试点", "以评价改革为抓手。");
    let body = "为深入贯彻落实科技成果评价改革分类评价。".repeat(1_500);
    assert_eq!(body.chars().count(), 30_000);
    fields.retain(|(k, _)| *k != "body");
    fields.push(("body", body.clone()));
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(3 * 1024 * 1024, b'0');
    let files = [("attachments", "实施方案（终稿）.pdf", "application/pdf", pdf.as_slice())];
    let to = redirected(&post(&app, &province, &filled(&new, "form-case-upload", &fields), &files).await);
    assert!(to.ends_with("?done=uploaded"), "accepted: {to}");
    let shown = page(&app, &province, &to).await;
    says(&shown, "实施方案（终稿）.pdf");
    assert!(shown.contains(&body[..300]), "the text is kept whole");

    let plain = unescape(&shown);
    let at = plain.find("/file?key=").expect("a link to the file");
    let start = plain[..at].rfind('"').expect("the link starts") + 1;
    let href = &plain[start..at + plain[at..].find('"').expect("the link ends")];
    let download = redirected(&get(&app, &province, href).await);
    let file = fetch(&download).await;
    assert_eq!((file.status, file.bytes.len()), (StatusCode::OK, pdf.len()));
    assert!(file.bytes == pdf, "the file downloads whole");
    let saved_as = file.headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert_eq!(saved_as, gazette_core::attachments::content_disposition("实施方案（终稿）.pdf"), "{:?}", file.headers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3_mb_pdf_and_a_30000_character_text_go_through_the_case_page_on_the_local_store() {
    let (store, _guard) = crate::support::embedded();
    let (app, _files) = case_app(store);
    let fetch =
        async |url: &str| get(&app, &regional("hebei"), url.strip_prefix(API_BASE).expect("a local file link")).await;
    a_large_file_and_a_long_text_go_through_the_case_page(app.clone(), fetch).await;
}

/// The router over `store` with attachments in a bucket of moto's S3 (as in AWS,
/// where posted files go through Lambda), or `None` as `support::moto` says.
async fn s3_case_app(store: gazette_core::store::SharedStore) -> Option<Router> {
    let files = crate::support::s3_files().await?;
    let auth = gazette_core::http::AuthConfig::hs256(crate::registration_api::SECRET);
    Some(gazette_core::config::cases_router(store, auth, files))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3_mb_pdf_and_a_30000_character_text_go_through_the_case_page_to_s3() {
    let (store, _guard) = crate::support::embedded();
    let Some(app) = s3_case_app(store).await else { return };
    let fetch = async |url: &str| {
        let (status, mut headers, bytes) = crate::attachments::http_reply("GET", url, &[], b"").await;
        // S3 answers the download's `response-content-disposition` as its header;
        // moto ignores it, so the test takes it from the signed link.
        let query = url.split_once('?').expect("a signed link").1;
        let asked = form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "response-content-disposition");
        let asked = asked.expect("the link names how the file is saved").1.into_owned();
        headers.entry(header::CONTENT_DISPOSITION).or_insert(asked.parse().expect("a header value"));
        Reply { status: StatusCode::from_u16(status).expect("status"), headers, bytes }
    };
    a_large_file_and_a_long_text_go_through_the_case_page(app, fetch).await;
}

/// Through Lambda (S3 storage) a form post carries files up to 4 MB: a larger one is
/// refused on its field, saying so — not with a gateway's error; nothing is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_lambda_a_file_over_4_mb_posted_with_a_form_is_refused_on_its_field() {
    let (store, _guard) = crate::support::embedded();
    let Some(app) = s3_case_app(store).await else { return };
    let province = regional("hebei");
    let new = page(&app, &province, "/web/cases/new").await;
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(4 * 1024 * 1024 + 1, b'0');
    let files = [("attachments", "实施方案.pdf", "application/pdf", pdf.as_slice())];
    let sent = filled(&new, "form-case-upload", &case_fields("科技成果评价改革试点", "以评价改革为抓手。"));
    let back = redirected(&post(&app, &province, &sent, &files).await);
    assert!(back.starts_with("/api/web/cases/new?attempt="), "back to the form: {back}");
    let refused = page(&app, &province, &back).await;
    says(&refused, "随网页表单提交的文件不能超过 4 MB（此项通过上传接口可达 20 MB）");
    assert!(refused.contains("href=\"#f-attachments\""), "on the file field:\n{refused}");
    says(&page(&app, &province, "/web/cases").await, "还没有典型案例");
}

/// A case registered by the nation, dispatched to Hebei and forwarded to `unit`, all
/// through the pages: the case page's router path.
async fn case_at_institution(app: &Router, unit: &str) -> String {
    let (nation, province) = (national(), regional("hebei"));
    let list = page(app, &nation, "/web/integrity-cases").await;
    let registration = [
        ("source", "retracted_paper"),
        ("batch", "2023-01"),
        ("paper_title", "Retracted paper"),
        ("authors", "王星星"),
        ("corresponding_institution", "某某省第三医院"),
        ("region", "hebei"),
    ];
    let to = redirected(&post(app, &nation, &form(&list, "form-integrity-case", &registration), &[]).await);
    let case = format!("/web/integrity-cases/{}", id_in(&to, "/api/web/integrity-cases/"));
    let created = page(app, &nation, &case).await;
    redirected(&post(app, &nation, &form(&created, "dispatch", &[]), &[]).await);
    crate::support::unit_in_directory(app, unit, "hebei").await;
    let at_province = page(app, &province, &case).await;
    redirected(&post(app, &province, &form(&at_province, "forward", &[("unit", unit)]), &[]).await);
    case
}

/// Presses `label` of the result form as a browser does: every control as the page
/// drew it (what it wrote back of the stored result included), with `set` typed over.
fn pressed(html: &str, label: &str, set: &[(&str, &str)]) -> Sent {
    let result = crate::web_pages::form_on(html, "form-integrity-result");
    Sent { action: result.button_action(label), fields: result.filled(set) }
}

/// The case as the API answers `token` (a bearer token, as an API client sends it).
async fn case_json(app: &Router, token: &str, case: &str) -> serde_json::Value {
    let path = case.replacen("/web", "", 1);
    let req = Request::builder()
        .uri(&path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let r = send(app, req).await;
    assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", String::from_utf8_lossy(&r.bytes));
    r.json()
}

/// The steps of the page's progress (办理进度), in order.
fn progress_steps(html: &str) -> Vec<String> {
    html.split("<div class=\"gz-timeline__title\"><strong>")
        .skip(1)
        .map(|s| s.split("</strong>").next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_result_is_saved_again_after_a_penalty_and_its_period_are_added() {
    let (store, _guard) = crate::support::embedded();
    let (app, _files) = case_app(store);
    let hospital = tok(Role::UnitAdmin, Some("hosp-3"), None);
    let case = case_at_institution(&app, "hosp-3").await;

    // 是, one author: saved.
    let at_hospital = page(&app, &hospital, &case).await;
    let first = [
        ("finding", "yes"),
        ("authors[0].name", "王星星"),
        ("authors[0].institution", "某某省第三医院"),
        ("authors[0].id_number", ID_FIRST),
        ("authors[0].role", "first"),
    ];
    let to = redirected(&post(&app, &hospital, &pressed(&at_hospital, "保存", &first), &[]).await);
    assert!(to.ends_with("?done=saved"), "{to}");
    let saved = page(&app, &hospital, &to).await;
    let drawn = crate::web_pages::form_on(&saved, "form-integrity-result");
    assert!(
        matches!(drawn.get("penalty_sets[0].years_suspend"), None | Some("")),
        "a period not asked was not stored as 0"
    );

    // Then penalty (五) for 3 years: saved again, the periods not chosen neither stored nor checked.
    let penalty = [
        ("authors[0].penalty_set", "1"),
        ("penalty_sets[0].misconduct_kinds", "fabrication"),
        ("penalty_sets[0].severity", "serious"),
        ("penalty_sets[0].penalties", "ban_projects"),
        ("penalty_sets[0].years_ban_projects", "3"),
    ];
    let to = redirected(&post(&app, &hospital, &pressed(&saved, "保存", &penalty), &[]).await);
    assert!(to.ends_with("?done=saved"), "saved again, not refused: {to}\n{}", text(&page(&app, &hospital, &to).await));
    let again = page(&app, &hospital, &to).await;
    says(&again, "办理结果已保存。");
    assert!(!text(&again).contains("暂停期限”不能小于"), "no message about a field not asked");
    let api = case_json(&app, &hospital, &case).await;
    let result = api["result"]["penalty_sets"][0].as_object().expect("a result with a penalty set");
    assert_eq!(result["years_ban_projects"], "3", "1–5 years is a choice (or another number)");
    for id in ["years_suspend", "years_ban_awards", "years_ban_nomination", "years_ban_supervision", "other_penalty"] {
        assert!(!result.contains_key(id), "{id} stored: {result:?}");
    }

    // Saved a third time as it is: progress shows one "saved", not three.
    let to = redirected(&post(&app, &hospital, &pressed(&again, "保存", &[]), &[]).await);
    let third = page(&app, &hospital, &to).await;
    assert_eq!(progress_steps(&third), ["登记案件", "发送至省级办理", "转办至机构", "保存办理结果"]);

    // "添加作者": the form again with a second author's row; nothing saved.
    let back = redirected(&post(&app, &hospital, &pressed(&third, "保存", &[("_add_row", "authors")]), &[]).await);
    assert!(back.contains("?attempt="), "{back}");
    let two = page(&app, &hospital, &back).await;
    let drawn = crate::web_pages::form_on(&two, "form-integrity-result");
    assert_eq!(drawn.get("authors[1].name"), Some(""), "a blank second author");
    assert_eq!(drawn.get("penalty_sets[0].years_ban_projects"), Some("3"), "what was typed is kept");
    let stored = case_json(&app, &hospital, &case).await;
    assert_eq!(stored["result"]["authors"].as_array().map(Vec::len), Some(1), "the row added is not saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_named_only_with_filename_star_is_taken_or_refused_on_its_field() {
    let (store, _guard) = crate::support::embedded();
    let (app, _files) = case_app(store);
    let province = regional("hebei");
    let new = page(&app, &province, "/web/cases/new").await;
    let fields = filled(&new, "form-case-upload", &case_fields("科技成果评价改革试点", "以评价改革为抓手。"));

    // Issue 15, point 14: the name only in RFC 6266's `filename*` (实施方案.pdf).
    let star = "name=\"attachments\"; filename*=UTF-8''%E5%AE%9E%E6%96%BD%E6%96%B9%E6%A1%88.pdf".to_owned();
    let to = redirected(&post_parts(&app, &province, &fields, &[(star, "application/pdf", PDF)]).await);
    assert!(to.ends_with("?done=uploaded"), "{to}");
    says(&page(&app, &province, &to).await, "实施方案.pdf");

    // Another member: a `filename*` in a charset of its own (GBK for 附件.pdf) is read too …
    let gbk = "name=\"attachments\"; filename*=gbk'zh'%B8%BD%BC%FE.pdf".to_owned();
    let to = redirected(&post_parts(&app, &province, &fields, &[(gbk, "application/pdf", PDF)]).await);
    says(&page(&app, &province, &to).await, "附件.pdf");

    // … and one whose bytes are no text in it is refused on the field, nothing dropped silently.
    let broken = "name=\"attachments\"; filename*=UTF-8''%FF%FE.pdf".to_owned();
    let back = redirected(&post_parts(&app, &province, &fields, &[(broken, "application/pdf", PDF)]).await);
    assert!(back.starts_with("/api/web/cases/new?attempt="), "{back}");
    let again = page(&app, &province, &back).await;
    says(&again, "文件名无法识别");
}
