//! The listing pages: every kind's index, and one listing per facet value (notices
//! by issuer, year and topic; courses by category and tier; cases by region),
//! each paginated.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::views::{FacetEntry, FacetGroup, Pagination};
use crate::content::{Kind, Library, Meta, Page};

/// Characters escaped in a URL path segment: the reserved ones and spaces.
/// Chinese is percent-encoded as UTF-8, which browsers show as Chinese again.
const SEGMENT: &AsciiSet =
    &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'%').add(b'/').add(b'?').add(b'<').add(b'>').add(b'`');

pub fn encode_segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

/// One listing: a title, a base URL and the pages on it, newest first.
#[derive(Debug, Clone)]
pub struct Listing {
    pub kind: Kind,
    /// Base URL, percent-encoded, with a trailing slash; page N ≥ 2 is at `{url}page/N/`.
    pub url: String,
    /// The facet value shown (e.g. an issuer), or `None` for the kind's index.
    pub facet: Option<(&'static str, String)>,
    pub items: Vec<usize>,
}

impl Listing {
    pub fn page_count(&self, per_page: usize) -> usize {
        self.items.len().div_ceil(per_page).max(1)
    }

    pub fn page_url(&self, number: usize) -> String {
        if number <= 1 { self.url.clone() } else { format!("{}page/{number}/", self.url) }
    }

    pub fn pagination(&self, number: usize, per_page: usize) -> Pagination {
        let total_pages = self.page_count(per_page);
        // A window around the current page plus the ends: linking every page from
        // every page would make a long listing quadratic in size.
        let mut shown: Vec<usize> = vec![1, total_pages];
        shown.extend(number.saturating_sub(2).max(1)..=(number + 2).min(total_pages));
        shown.sort_unstable();
        shown.dedup();
        Pagination {
            current: number,
            total_pages,
            total_items: self.items.len(),
            previous: (number > 1).then(|| self.page_url(number - 1)),
            next: (number < total_pages).then(|| self.page_url(number + 1)),
            pages: shown.into_iter().map(|n| (n, self.page_url(n))).collect(),
        }
    }
}

/// All listings and the facet groups shown beside each kind's listings.
pub struct Listings {
    pub all: Vec<Listing>,
    pub facets: BTreeMap<Kind, Vec<FacetGroup>>,
}

/// The facets of a page: (group label, URL segment, values).
fn facet_values(page: &Page) -> Vec<(&'static str, &'static str, Vec<String>)> {
    match &page.meta {
        Meta::Notice(n) => vec![
            ("by_issuer", "issuer", n.issuers.clone()),
            ("by_year", "year", vec![n.published.year().to_string()]),
            ("by_topic", "topic", n.topics.clone()),
        ],
        Meta::Course(c) => vec![
            ("by_category", "category", vec![c.category.clone()]),
            ("by_tier", "tier", c.tier.iter().cloned().collect()),
        ],
        Meta::Policy(p) => vec![("by_year", "year", vec![p.notice.published.year().to_string()])],
        Meta::Case(c) => vec![("by_region", "region", vec![c.region.clone()])],
    }
}

impl Listings {
    /// Every listing of the library, with the facet groups of each kind.
    pub fn build(library: &Library) -> Listings {
        let mut all = Vec::new();
        let mut facets = BTreeMap::new();
        for kind in Kind::ALL {
            let mut index = Listing { kind, url: format!("/{}/", kind.dir()), facet: None, items: Vec::new() };
            // (label, segment) → value → items; BTreeMap keeps output stable.
            let mut groups: BTreeMap<(&'static str, &'static str), BTreeMap<String, Vec<usize>>> = BTreeMap::new();
            for (i, page) in library.pages().iter().enumerate().filter(|(_, p)| p.kind == kind) {
                index.items.push(i);
                for (label, segment, values) in facet_values(page) {
                    for value in values {
                        groups.entry((label, segment)).or_default().entry(value).or_default().push(i);
                    }
                }
            }
            let mut kind_facets = Vec::new();
            for ((label, segment), values) in groups {
                let mut entries = Vec::new();
                for (value, items) in values {
                    let url = format!("/{}/{segment}/{}/", kind.dir(), encode_segment(&value));
                    entries.push(FacetEntry { name: value.clone(), url: url.clone(), count: items.len() });
                    all.push(Listing { kind, url, facet: Some((label, value)), items });
                }
                if label == "by_year" {
                    entries.reverse();
                }
                kind_facets.push(FacetGroup { label, entries });
            }
            facets.insert(kind, kind_facets);
            all.push(index);
        }
        Listings { all, facets }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_segments_are_percent_encoded() {
        assert_eq!(encode_segment("科技部"), "%E7%A7%91%E6%8A%80%E9%83%A8");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn pagination_links_a_window_not_every_page() {
        let listing = Listing { kind: Kind::Notice, url: "/notices/".into(), facet: None, items: (0..1000).collect() };
        let pagination = listing.pagination(25, 20);
        assert_eq!(pagination.total_pages, 50);
        let numbers: Vec<usize> = pagination.pages.iter().map(|p| p.0).collect();
        assert_eq!(numbers, [1, 23, 24, 25, 26, 27, 50]);
        assert_eq!(pagination.previous.as_deref(), Some("/notices/page/24/"));
        assert_eq!(listing.page_url(1), "/notices/");
    }
}
