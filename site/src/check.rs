//! Checks that span pages: duplicate doc numbers and URLs, links to pages and
//! attachments that do not exist, references to missing courses, forms and
//! policies. Single-file checks happen while loading (see `content`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::content::{Kind, Library, Meta, Page};
use crate::error::ContentError;

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
            errors.push(ContentError::new(
                &page.source,
                page.line_of("doc_number"),
                "doc_number",
                format!(
                    "{number} is already used by {} (line {})",
                    first.source.display(),
                    first.line_of("doc_number")
                ),
            ));
        }
    }
}

fn check_references(page: &Page, library: &Library, root: &Path, errors: &mut Vec<ContentError>) {
    let mut missing = |field: &str, message: String| {
        errors.push(ContentError::new(&page.source, page.line_of(field), field, message));
    };
    if let Some(notice) = page.notice() {
        if let Some(course) = &notice.course
            && library.get_slug(Kind::Course, course).is_none()
        {
            missing("course", format!("no course \"{course}\" in content/courses/"));
        }
        if let Some(form) = &notice.form
            && !root.join("content/forms").join(format!("{form}.toml")).is_file()
        {
            missing("form", format!("no form \"{form}\": expected content/forms/{form}.toml"));
        }
    }
    if let Meta::Policy(policy) = &page.meta {
        for (field, slug) in [("supersedes", &policy.supersedes), ("superseded_by", &policy.superseded_by)] {
            if let Some(slug) = slug
                && library.get_slug(Kind::Policy, slug).is_none()
            {
                missing(field, format!("no policy \"{slug}\" in content/policies/"));
            }
        }
    }
}

fn check_links(page: &Page, library: &Library, known_urls: &HashSet<String>, errors: &mut Vec<ContentError>) {
    for link in &page.content.links {
        let dest = link.dest.split(['#', '?']).next().unwrap_or_default();
        if link.dest.contains("://") || link.dest.starts_with("mailto:") || link.dest.starts_with("tel:") {
            continue;
        }
        let anchor = link.dest.split_once('#').map(|(_, a)| a).filter(|a| !a.is_empty());
        let target = if dest.is_empty() { Some(page) } else { None };
        let exists = if let Some(target) = target {
            anchor.is_none_or(|anchor| target.content.outline.iter().any(|h| h.id == anchor))
        } else if dest.starts_with('/') {
            let with_slash =
                if dest.ends_with('/') || dest.contains('.') { dest.to_string() } else { format!("{dest}/") };
            if let (Some(anchor), Some(target)) = (anchor, library.get(&with_slash))
                && !target.content.outline.iter().any(|h| h.id == anchor)
            {
                errors.push(ContentError::new(
                    &page.source,
                    page.line_of("body") + link.body_line,
                    "link",
                    format!("{}: {} has no heading with anchor #{anchor}", link.dest, target.source.display()),
                ));
                continue;
            }
            library.get(&with_slash).is_some()
                || known_urls.contains(&with_slash)
                || library.pages().iter().any(|p| p.attachments.iter().any(|a| a.url == dest))
        } else {
            page.attachments.iter().any(|a| a.file == dest)
                || page.bundle.as_ref().is_some_and(|b| b.join(dest).is_file() && !dest.contains(".."))
        };
        if !exists {
            let hint = if dest.starts_with('/') {
                "no page or file has this URL"
            } else {
                "no such attachment beside the page (attachments live in the page's bundle folder)"
            };
            errors.push(ContentError::new(
                &page.source,
                page.line_of("body") + link.body_line,
                "link",
                format!("{}: {hint}", link.dest),
            ));
        }
    }
}
