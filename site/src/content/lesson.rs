//! Lessons (章节) of an online course: Markdown files inside the course's bundle
//! (`content/courses/<course>/<lesson>.md`, beside its `index.md`), each with its
//! title and expected `duration` (`"00:25:00"`, hours:minutes:seconds). A lesson is
//! published at `/courses/<course>/<lesson>/` with a progress hook for signed-in
//! learners (`static/lesson.js`, and a 学完本节 button that works without it); the
//! functions learn the lessons through the course catalogue.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::front_matter::{self, Fields};
use super::page::check_slug;
use crate::error::{ContentError, Message};

/// One lesson, as loaded: what the course page lists and the catalogue carries; its
/// body is rendered again from its file when the lesson is written.
#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    /// The course's slug.
    pub course: String,
    pub slug: String,
    /// `/courses/<course>/<lesson>/`.
    pub url: String,
    /// Path relative to the project root, as shown in error messages.
    #[serde(skip)]
    pub source: PathBuf,
    pub title: String,
    /// Expected duration, seconds.
    pub duration_secs: u32,
    /// `00:25:00`, as written.
    pub duration: String,
    /// Position in the course (`order`, then the file name).
    pub order: u32,
}

/// Reads the lesson at `path` of the course `course`.
pub fn load_lesson(root: &Path, course: &str, path: &Path) -> Result<Lesson, Vec<ContentError>> {
    let source = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let text = std::fs::read_to_string(path).map_err(|err| {
        vec![ContentError::new(
            &source,
            1,
            "file",
            Message::new(format!("无法读取：{err}"), format!("cannot read: {err}")),
        )]
    })?;
    let slug = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    check_slug(&slug, &source).map_err(|e| vec![e])?;
    let split = front_matter::split(&source, &text).map_err(|e| vec![e])?;
    let mut fields = Fields::parse(&source, &split).map_err(|e| vec![e])?;
    let title = fields.string("title");
    let duration_text = fields.string("duration");
    let duration_secs = duration_text.as_deref().and_then(|d| match parse_duration(d) {
        Some(secs) => Some(secs),
        None => {
            fields.error(
                "duration",
                Message::new(
                    format!("\"{d}\" 不是时长：应写作 \"00:25:00\"（时:分:秒），且大于 0"),
                    format!("\"{d}\" is not a duration: write it as \"00:25:00\" (hours:minutes:seconds), above 0"),
                ),
            );
            None
        }
    });
    let order = fields.opt_count("order");
    let errors = fields.finish();
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(title), Some(duration), Some(duration_secs)) = (title, duration_text, duration_secs) else {
        return Err(vec![ContentError::new(&source, 1, "front matter", Message::new("不完整", "incomplete"))]);
    };
    Ok(Lesson {
        course: course.to_owned(),
        url: format!("/courses/{course}/{slug}/"),
        slug,
        source,
        title,
        duration_secs,
        duration,
        order: order.unwrap_or(u32::MAX),
    })
}

/// `"hh:mm:ss"` (or `"mm:ss"`) → seconds; `None` for anything else or for zero.
pub fn parse_duration(text: &str) -> Option<u32> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let numbers: Vec<u32> = parts.iter().map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let (h, m, s) = match numbers[..] {
        [m, s] => (0, m, s),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    if m >= 60 || s >= 60 {
        return None;
    }
    let secs = h.checked_mul(3600)?.checked_add(m * 60 + s)?;
    (secs > 0).then_some(secs)
}

/// The lesson's body, rendered again from its file.
pub fn lesson_body(root: &Path, lesson: &Lesson) -> Result<crate::markdown::Rendered, Vec<ContentError>> {
    let text = std::fs::read_to_string(root.join(&lesson.source)).map_err(|err| {
        vec![ContentError::new(
            &lesson.source,
            1,
            "file",
            Message::new(format!("无法读取：{err}"), format!("cannot read: {err}")),
        )]
    })?;
    let split = front_matter::split(&lesson.source, &text).map_err(|e| vec![e])?;
    Ok(crate::markdown::render(split.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_hours_minutes_seconds() {
        assert_eq!(parse_duration("00:25:00"), Some(1500));
        assert_eq!(parse_duration("1:00:30"), Some(3630));
        assert_eq!(parse_duration("25:00"), Some(1500));
        for bad in ["", "25", "00:60:00", "0:00:00", "a:b:c", "1::2", "-1:00"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
