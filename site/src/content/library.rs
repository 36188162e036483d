//! Finds the content files, parses them in parallel, and keeps them in one place
//! with the lookups the later stages need.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use super::front_matter::{self, Fields};
use super::lesson::{Lesson, load_lesson};
use super::page::{self, Kind, Page};
use crate::error::{ContentError, Message};
use crate::markdown;

pub const CONTENT_DIR: &str = "content";
/// Form schemas live in `content/forms/` but are not pages.
const FORMS_DIR: &str = "forms";

#[derive(Debug, Default)]
pub struct Library {
    pages: Vec<Page>,
    by_url: HashMap<String, usize>,
    /// Lessons of online courses, by course then position.
    lessons: Vec<Lesson>,
}

impl Library {
    /// Loads every page under `root/content`. Returns every error found, not just
    /// the first; pages that loaded are still returned alongside so that callers
    /// can keep checking.
    pub fn load(root: &Path) -> (Library, Vec<ContentError>) {
        let (paths, lesson_paths, mut errors) = find_pages(root);
        let results: Vec<Result<Page, Vec<ContentError>>> =
            paths.par_iter().map(|(kind, path)| load_page(root, *kind, path)).collect();
        let mut pages = Vec::with_capacity(results.len());
        for result in results {
            match result {
                Ok(page) => pages.push(page),
                Err(mut page_errors) => errors.append(&mut page_errors),
            }
        }
        errors.extend(duplicate_urls(&pages));
        let mut lessons = Vec::with_capacity(lesson_paths.len());
        for (course, path) in &lesson_paths {
            match load_lesson(root, course, path) {
                Ok(lesson) => lessons.push(lesson),
                Err(mut lesson_errors) => errors.append(&mut lesson_errors),
            }
        }
        let mut library = Library::from_pages(pages);
        library.set_lessons(lessons);
        (library, errors)
    }

    /// Replaces the lessons (sorted by course, `order`, slug).
    pub fn set_lessons(&mut self, mut lessons: Vec<Lesson>) {
        lessons.sort_by(|a, b| a.course.cmp(&b.course).then(a.order.cmp(&b.order)).then(a.slug.cmp(&b.slug)));
        self.lessons = lessons;
    }

    /// Every lesson of every course.
    pub fn lessons(&self) -> &[Lesson] {
        &self.lessons
    }

    /// The lessons of the course `slug`, in order.
    pub fn lessons_of<'a>(&'a self, slug: &'a str) -> impl Iterator<Item = &'a Lesson> + 'a {
        self.lessons.iter().filter(move |l| l.course == slug)
    }

    pub fn from_pages(mut pages: Vec<Page>) -> Library {
        // Newest first within a kind; slug breaks ties so output is deterministic.
        pages.sort_by(|a, b| a.kind.cmp(&b.kind).then(b.date().cmp(&a.date())).then(a.slug.cmp(&b.slug)));
        let by_url = pages.iter().enumerate().map(|(i, p)| (p.url.clone(), i)).collect();
        Library { pages, by_url, lessons: Vec::new() }
    }

    pub fn pages(&self) -> &[Page] {
        &self.pages
    }

    /// Pages of one kind, newest first.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Page> {
        self.pages.iter().filter(move |p| p.kind == kind)
    }

    pub fn get(&self, url: &str) -> Option<&Page> {
        self.by_url.get(url).map(|&i| &self.pages[i])
    }

    pub fn get_slug(&self, kind: Kind, slug: &str) -> Option<&Page> {
        self.get(&format!("/{}/{}/", kind.dir(), slug))
    }

    /// Swaps in a new version of a page that sorts where the old one did (same
    /// kind, slug and date). Returns the page back if there is none to replace.
    pub fn update_in_place(&mut self, page: Page) -> Result<(), Box<Page>> {
        match self.by_url.get(&page.url) {
            Some(&index) if self.pages[index].date() == page.date() => {
                self.pages[index] = page;
                Ok(())
            }
            _ => Err(Box::new(page)),
        }
    }

    /// Replaces (or adds, or removes with `None`) the page at `url`: serve mode's
    /// incremental update.
    pub fn replace(&mut self, url: &str, page: Option<Page>) {
        let mut pages = std::mem::take(&mut self.pages);
        let lessons = std::mem::take(&mut self.lessons);
        pages.retain(|p| p.url != url);
        pages.extend(page);
        *self = Library::from_pages(pages);
        self.lessons = lessons;
    }
}

/// Content files and their kind, and the lessons in course bundles (course slug,
/// file). Unknown folders and stray files are errors, so a misplaced page is never
/// silently left out.
#[allow(clippy::type_complexity)]
fn find_pages(root: &Path) -> (Vec<(Kind, PathBuf)>, Vec<(String, PathBuf)>, Vec<ContentError>) {
    let content = root.join(CONTENT_DIR);
    let mut paths = Vec::new();
    let mut lessons = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(&content) else {
        errors.push(ContentError::new(
            CONTENT_DIR,
            1,
            "content",
            Message::new(
                "找不到文件夹：请在项目根目录运行 gazette",
                "folder not found: run gazette in the project root",
            ),
        ));
        return (paths, lessons, errors);
    };
    let mut dirs: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with('.') || name == FORMS_DIR {
            continue;
        }
        let Some(kind) = Kind::from_dir(&name).filter(|_| dir.is_dir()) else {
            errors.push(ContentError::new(
                relative(root, &dir),
                1,
                "path",
                Message::new(
                    "不是内容文件夹：应为 content/notices、content/courses、content/policies、content/cases 或 content/forms",
                    "not a content folder: expected content/notices, content/courses, content/policies, content/cases or content/forms",
                ),
            ));
            continue;
        };
        for entry in WalkDir::new(&dir).min_depth(1).max_depth(2).sort_by_file_name() {
            let Ok(entry) = entry else { continue };
            let path = entry.path();
            let is_markdown = path.extension().is_some_and(|e| e == "md");
            match (entry.depth(), entry.file_type().is_dir(), is_markdown) {
                (1, false, true) => paths.push((kind, path.to_path_buf())),
                (1, true, _) if path.join("index.md").is_file() => paths.push((kind, path.join("index.md"))),
                (1, true, _) => errors.push(ContentError::new(
                    relative(root, path),
                    1,
                    "path",
                    Message::new(
                        "文件夹中没有 index.md：页面文件夹需要 <slug>/index.md",
                        "folder without index.md: a page bundle needs <slug>/index.md",
                    ),
                )),
                (2, false, true) if kind == Kind::Course && path.file_name().is_some_and(|n| n != "index.md") => {
                    let course = path.parent().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned());
                    lessons.push((course.unwrap_or_default(), path.to_path_buf()));
                }
                (2, false, true) if path.file_name().is_some_and(|n| n != "index.md") => errors.push(ContentError::new(
                    relative(root, path),
                    1,
                    "path",
                    Message::new(
                        "页面文件夹中的 Markdown 文件不是页面：请单独成文，或改用其他扩展名作为附件",
                        "Markdown inside a bundle is not a page: give it its own file, or link it as an attachment with another extension",
                    ),
                )),
                _ => {}
            }
        }
    }
    (paths, lessons, errors)
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

/// Reads one content file into a page: front matter, Markdown and attachments.
///
/// The page keeps what listings, feeds and checks need; its body's HTML and
/// text are left out (see [`markdown::scan`]) and rendered again by
/// [`Page::body`] when the page itself is written, so that a build's memory
/// does not grow with the length of its pages.
pub fn load_page(root: &Path, kind: Kind, path: &Path) -> Result<Page, Vec<ContentError>> {
    let source = relative(root, path);
    let text = read_source(path, &source)?;
    let is_bundle = path.file_name().is_some_and(|n| n == "index.md");
    let slug_name = if is_bundle { path.parent().and_then(Path::file_name) } else { path.file_stem() };
    let slug = slug_name.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    page::check_slug(&slug, &source).map_err(|e| vec![e])?;
    let url = format!("/{}/{}/", kind.dir(), slug);
    let bundle = if is_bundle { path.parent().map(Path::to_path_buf) } else { None };

    let split = front_matter::split(&source, &text).map_err(|e| vec![e])?;
    let mut char_errors = forbidden_characters(&source, &text, &split);
    let mut fields = match Fields::parse(&source, &split) {
        Ok(fields) => fields,
        Err(error) => {
            char_errors.push(error);
            return Err(char_errors);
        }
    };
    let title = fields.string("title");
    let summary = fields.opt_string("summary");
    let meta = page::read_meta(kind, &mut fields);
    let attachments = page::read_attachments(&mut fields, bundle.as_deref(), &url);
    let mut field_lines = std::collections::BTreeMap::new();
    for field in ["doc_number", "course", "form", "supersedes", "superseded_by"] {
        field_lines.insert(field, fields.line(field));
    }
    field_lines.insert("body", split.body_line);
    let mut errors = fields.finish();
    // A character the file holds as it is was already named with its column.
    errors.retain(|e| !char_errors.iter().any(|c| c.line == e.line && c.field == e.field));
    errors.append(&mut char_errors);
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        errors.dedup();
        return Err(errors);
    }
    let (Some(title), Some(meta)) = (title, meta) else {
        // Every None above came with an error; this is unreachable in practice but
        // must not panic on content.
        return Err(vec![ContentError::new(&source, 1, "front matter", Message::new("不完整", "incomplete"))]);
    };
    let content = markdown::scan(split.body);
    let summary = summary.unwrap_or_else(|| truncate(&content.first_paragraph, 120));
    Ok(Page { kind, slug, url, source, bundle, title, summary, meta, attachments, content, field_lines })
}

fn read_source(path: &Path, source: &Path) -> Result<String, Vec<ContentError>> {
    std::fs::read_to_string(path).map_err(|err| {
        vec![ContentError::new(
            source,
            1,
            "file",
            Message::new(
                format!("无法读取：{err}（内容文件须为 UTF-8 编码）"),
                format!("cannot read: {err} (content must be UTF-8)"),
            ),
        )]
    })
}

/// The whole body of the page loaded from `root`/`page.source`: its HTML and
/// text blocks besides what the page keeps. Reads the file again; an error if
/// it can no longer be read or split.
pub fn page_body(root: &Path, page: &Page) -> Result<markdown::Rendered, Vec<ContentError>> {
    let text = read_source(&root.join(&page.source), &page.source)?;
    let split = front_matter::split(&page.source, &text).map_err(|e| vec![e])?;
    Ok(markdown::render(split.body))
}

/// One error per line that holds characters pages and feeds cannot carry, with
/// the front-matter field (or `body`) of that line.
fn forbidden_characters(source: &Path, text: &str, split: &front_matter::Split<'_>) -> Vec<ContentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut errors: Vec<ContentError> = Vec::new();
    let positions = crate::text::forbidden_positions(text);
    let mut lines: Vec<usize> = positions.iter().map(|p| p.0).collect();
    lines.dedup();
    for line in lines {
        let on_line: Vec<&(usize, usize, char)> = positions.iter().filter(|p| p.0 == line).collect();
        let shown = on_line
            .iter()
            .map(|(_, column, c)| format!("U+{:04X} (col {column})", *c as u32))
            .collect::<Vec<_>>()
            .join(", ");
        let shown_zh = on_line
            .iter()
            .map(|(_, column, c)| format!("U+{:04X}（第 {column} 列）", *c as u32))
            .collect::<Vec<_>>()
            .join("、");
        let field = if line >= split.body_line {
            "body".to_string()
        } else {
            front_matter::field_at_line(split, line).unwrap_or_else(|| "front matter".to_string())
        };
        errors.push(ContentError::new(
            source,
            line,
            field,
            Message::new(
                format!("含有网页和订阅源不允许的控制字符 {shown_zh}（常见于从 PDF 复制的文字）：请删除"),
                format!(
                    "control character {shown} that pages and feeds cannot carry (text pasted from PDFs often has them): delete it"
                ),
            ),
        ));
    }
    errors
}

fn truncate(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max_chars).collect::<String>())
    }
}

/// Two files that would be written to the same URL (`x.md` and `x/index.md`).
fn duplicate_urls(pages: &[Page]) -> Vec<ContentError> {
    let mut seen: HashMap<&str, &Page> = HashMap::new();
    let mut errors = Vec::new();
    for page in pages {
        if let Some(first) = seen.insert(&page.url, page) {
            errors.push(ContentError::new(
                &page.source,
                1,
                "url",
                Message::new(
                    format!("{} 也由 {} 生成：两个文件只保留一个", page.url, first.source.display()),
                    format!("{} is also produced by {}: keep one of the two files", page.url, first.source.display()),
                ),
            ));
        }
    }
    errors
}
