//! The courses registrations are for, as the caller knows them at start-up (the site
//! supplies them from `content/courses/`; tests bring their own).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A course one can register for (培训课程).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// What studying the course earns and how (学时, 必修/选修, lessons): the
    /// learning records' side of the course (`workflows::learning`).
    #[serde(default)]
    pub study: Study,
}

/// How a course is studied and what it earns (seed 000 附件4: 属性 必修/选修; seed 003:
/// 学时, online and offline hours counted apart).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Study {
    /// 学时 granted when the course is completed.
    #[serde(default)]
    pub hours: f64,
    /// 必修 (true) or 选修.
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub mode: StudyMode,
    /// The first day of the course (开课日期), Beijing calendar.
    #[serde(default)]
    pub starts: Option<jiff::civil::Date>,
    /// The organising unit (an organiser whose token names this unit sees its records).
    #[serde(default)]
    pub organiser: Option<String>,
    /// Lessons of an online course, in order; completing all grants the hours.
    #[serde(default)]
    pub lessons: Vec<Lesson>,
}

/// 线上 / 线下 / 线上线下.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudyMode {
    /// 线上: hours when every lesson is finished.
    #[default]
    Online,
    /// 线下: hours when the organiser records completion.
    Offline,
    /// 线上线下: either way.
    Blended,
}

impl StudyMode {
    /// Whether the organiser records attendance (线下 or 线上线下).
    pub fn has_attendance(self) -> bool {
        matches!(self, StudyMode::Offline | StudyMode::Blended)
    }

    /// The front matter's word for it (`mode = "线上"`); `None` for another word.
    pub fn from_label(label: &str) -> Option<StudyMode> {
        match label {
            "线上" => Some(StudyMode::Online),
            "线下" => Some(StudyMode::Offline),
            "线上线下" => Some(StudyMode::Blended),
            _ => None,
        }
    }
}

/// One lesson of an online course: a page under the course in `content/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lesson {
    pub slug: String,
    pub title: String,
    /// Expected duration (the front matter's `duration`), in seconds.
    pub duration_secs: u32,
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
            study: Study::default(),
        };
        assert!(matches!(c.window_at(t("2022-06-19T23:59:59Z")), Window::NotYetOpen(_)));
        assert_eq!(c.window_at(t("2022-06-20T00:00:00Z")), Window::Open);
        assert!(matches!(c.window_at(t("2022-07-01T00:00:00Z")), Window::Closed(_)));
    }
}
