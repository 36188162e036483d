//! The courses registrations are for, as the caller knows them at start-up (the site
//! supplies them from `content/courses/`; tests bring their own).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A course one can register for (培训课程).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub slug: String,
    pub title: String,
    /// Seats (名额); `None` means no limit.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// Registration opens (报名开始); `None` means already open.
    #[serde(default)]
    pub opens: Option<Timestamp>,
    /// Registration closes (报名截止), exclusive; `None` means never.
    #[serde(default)]
    pub closes: Option<Timestamp>,
}

/// Whether registration is open at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    NotYetOpen(Timestamp),
    Open,
    Closed(Timestamp),
}

impl Course {
    pub fn window_at(&self, now: Timestamp) -> Window {
        match (self.opens, self.closes) {
            (Some(opens), _) if now < opens => Window::NotYetOpen(opens),
            (_, Some(closes)) if now >= closes => Window::Closed(closes),
            _ => Window::Open,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CourseCatalog {
    courses: BTreeMap<String, Course>,
}

impl CourseCatalog {
    pub fn new(courses: impl IntoIterator<Item = Course>) -> Self {
        CourseCatalog { courses: courses.into_iter().map(|c| (c.slug.clone(), c)).collect() }
    }

    pub fn get(&self, slug: &str) -> Option<&Course> {
        self.courses.get(slug)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Course> {
        self.courses.values()
    }

    pub fn len(&self) -> usize {
        self.courses.len()
    }

    pub fn is_empty(&self) -> bool {
        self.courses.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_open_from_opens_until_just_before_closes() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        let c = Course {
            slug: "ethics".into(),
            title: "科技伦理".into(),
            capacity: Some(70),
            opens: Some(t("2022-06-20T00:00:00Z")),
            closes: Some(t("2022-07-01T00:00:00Z")),
        };
        assert!(matches!(c.window_at(t("2022-06-19T23:59:59Z")), Window::NotYetOpen(_)));
        assert_eq!(c.window_at(t("2022-06-20T00:00:00Z")), Window::Open);
        assert!(matches!(c.window_at(t("2022-07-01T00:00:00Z")), Window::Closed(_)));
    }
}
