//! Checks that span pages: duplicate doc numbers and URLs, links to pages and
//! attachments that do not exist, references to missing courses, forms and
//! policies. Single-file checks happen while loading (see `content`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::content::{Kind, Library, Meta, Page};
use crate::error::{ContentError, Message};
use crate::links::{self, Target};

/// Every cross-page error, in file order. `known_urls` are the URLs that exist
/// besides pages and attachments: listings, static files, feeds.
pub fn check_library(library: &Library, root: &Path, known_urls: &HashSet<String>) -> Vec<ContentError> {
    let mut errors = Vec::new();
    duplicate_doc_numbers(library, &mut errors);
    for page in library.pages() {
        check_references(page, library, root, &mut errors);
        check_links(page, library, known_urls, &mut errors);
    }
    errors.sort_by(|a, b| a.file.cmp(&b.file).then(a.line.cmp(&b.line)));
    errors
}

/// The checks one page's edit can fail when its URL, title, date and metadata stay
/// as they were: its own links and references. (Other pages cannot have changed.)
pub fn check_page(page: &Page, library: &Library, root: &Path, known_urls: &HashSet<String>) -> Vec<ContentError> {
    let mut errors = Vec::new();
    check_references(page, library, root, &mut errors);
    check_links(page, library, known_urls, &mut errors);
    errors
}

fn duplicate_doc_numbers(library: &Library, errors: &mut Vec<ContentError>) {
    let mut seen: HashMap<String, &Page> = HashMap::new();
    for page in library.pages() {
        let Some(number) = page.notice().and_then(|n| n.doc_number.as_ref()) else { continue };
        if let Some(first) = seen.insert(number.to_string(), page) {
            let (file, line) = (first.source.display(), first.line_of("doc_number"));
            errors.push(ContentError::new(
                &page.source,
                page.line_of("doc_number"),
                "doc_number",
                Message::new(
                    format!("{number} 已被 {file}（第 {line} 行）使用"),
                    format!("{number} is already used by {file} (line {line})"),
                ),
            ));
        }
    }
}

fn check_references(page: &Page, library: &Library, root: &Path, errors: &mut Vec<ContentError>) {
    let mut missing = |field: &str, message: Message| {
        errors.push(ContentError::new(&page.source, page.line_of(field), field, message));
    };
    if let Some(notice) = page.notice() {
        if let Some(course) = &notice.course
            && library.get_slug(Kind::Course, course).is_none()
        {
            missing(
                "course",
                Message::new(
                    format!("content/courses/ 中没有课程 \"{course}\""),
                    format!("no course \"{course}\" in content/courses/"),
                ),
            );
        }
        if let Some(form) = &notice.form
            && !root.join("content/forms").join(format!("{form}.toml")).is_file()
        {
            missing(
                "form",
                Message::new(
                    format!("没有表单 \"{form}\"：应有 content/forms/{form}.toml"),
                    format!("no form \"{form}\": expected content/forms/{form}.toml"),
                ),
            );
        }
    }
    if let Meta::Policy(policy) = &page.meta {
        for (field, slug) in [("supersedes", &policy.supersedes), ("superseded_by", &policy.superseded_by)] {
            if let Some(slug) = slug
                && library.get_slug(Kind::Policy, slug).is_none()
            {
                missing(
                    field,
                    Message::new(
                        format!("content/policies/ 中没有政策文件 \"{slug}\""),
                        format!("no policy \"{slug}\" in content/policies/"),
                    ),
                );
            }
        }
    }
}

/// Ids the page templates give every page besides its headings.
const TEMPLATE_ANCHORS: &[&str] = &["main", "outline-title", "attachments-title", "contacts-title"];

fn has_anchor(page: &Page, anchor: &str) -> bool {
    page.content.outline.iter().any(|h| h.id == anchor) || TEMPLATE_ANCHORS.contains(&anchor)
}

/// Raw HTML other than the allowed inline tags is shown as text, never as HTML:
/// an error, so that no page shows stray tags. (Comments are editors' notes and
/// are left out silently.)
fn check_raw_html(page: &Page, errors: &mut Vec<ContentError>) {
    for raw in &page.content.raw_html {
        let shown: String = raw.html.chars().take(60).collect();
        errors.push(ContentError::new(
            &page.source,
            page.line_of("body") + raw.body_line,
            "body",
            Message::new(
                format!(
                    "不允许的 HTML {shown}：页面会把它原样显示为文字。只允许 <br>、<sup>、<sub> 和 <!-- 注释 -->（注释不发布）；其余请用 Markdown 书写"
                ),
                format!(
                    "HTML {shown} is not allowed and would show as text: only <br>, <sup>, <sub> and <!-- comments --> (never published) are; write the rest in Markdown"
                ),
            ),
        ));
    }
}

fn check_links(page: &Page, library: &Library, known_urls: &HashSet<String>, errors: &mut Vec<ContentError>) {
    check_raw_html(page, errors);
    for link in &page.content.links {
        let line = page.line_of("body") + link.body_line;
        let mut report = |zh: String, en: String| {
            errors.push(ContentError::new(&page.source, line, "link", Message::new(zh, en)));
        };
        let dest = &link.dest;
        match links::classify(dest) {
            Target::External => continue,
            Target::Unsafe(scheme) => {
                report(
                    format!(
                        "{dest}：不允许 `{scheme}:` 链接（可能运行脚本），不会发布；只能链接到站内路径、附件、http、https、mailto 或 tel"
                    ),
                    format!(
                        "{dest}: `{scheme}:` links are not allowed (they can run script) and are not published; link only to site paths, attachments, http, https, mailto or tel"
                    ),
                );
                continue;
            }
            Target::Relative => {}
        }
        let path = links::decoded_path(dest);
        let anchor = links::fragment(dest);
        if path.is_empty() {
            if let Some(anchor) = anchor.filter(|a| !has_anchor(page, a)) {
                report(
                    format!("{dest}：本页没有锚点为 #{anchor} 的标题"),
                    format!("{dest}: no heading on this page has the anchor #{anchor}"),
                );
            }
            continue;
        }
        if path.starts_with('/') {
            let with_slash = if path.ends_with('/') || path.contains('.') { path.clone() } else { format!("{path}/") };
            if let Some(target) = library.get(&with_slash) {
                if let Some(anchor) = anchor.filter(|a| !has_anchor(target, a)) {
                    let file = target.source.display();
                    report(
                        format!("{dest}：{file} 中没有锚点为 #{anchor} 的标题"),
                        format!("{dest}: {file} has no heading with anchor #{anchor}"),
                    );
                }
                continue;
            }
            if known_urls.contains(&with_slash) {
                continue;
            }
            // A file of another page: only that page's folder can hold it.
            let owner = path.rfind('/').and_then(|slash| library.get(&path[..=slash]));
            let is_file = owner.is_some_and(|p| {
                p.attachments.iter().any(|a| links::decoded_path(&a.url) == path)
                    || p.bundle_files().iter().any(|(_, url)| links::decoded_path(url) == path)
            });
            if !is_file {
                report(format!("{dest}：没有页面或文件使用这个网址"), format!("{dest}: no page or file has this URL"));
            }
            continue;
        }
        let what = if link.image { ("图片", "image") } else { ("附件", "attachment") };
        let relative = path.strip_prefix("./").unwrap_or(&path);
        if relative.split('/').any(|part| part == ".." || part.is_empty()) {
            report(
                format!("{dest}：相对链接只能指向页面文件夹中的文件；链接其他页面请写站内路径，如 /courses/slug/"),
                format!(
                    "{dest}: a relative link may only name a file in the page's folder; link other pages by their site path, like /courses/slug/"
                ),
            );
            continue;
        }
        let Some(bundle) = &page.bundle else {
            report(
                format!(
                    "{dest}：没有这个{}：文件需放在页面文件夹中，请把页面移到 <slug>/index.md 并把文件放在旁边",
                    what.0
                ),
                format!(
                    "{dest}: no such {}: files live in the page's bundle folder; move the page to <slug>/index.md and put the file beside it",
                    what.1
                ),
            );
            continue;
        };
        if !bundle.join(relative).is_file() {
            report(
                format!("{dest}：页面文件夹中没有这个{}：请把 {relative} 放在 index.md 旁边，或改正文件名", what.0),
                format!(
                    "{dest}: no such {} beside the page: put \"{relative}\" next to index.md, or correct the name",
                    what.1
                ),
            );
        }
    }
}
