//! Rendering the library into HTML pages with the templates in `templates/`,
//! parsed once per build. Work is planned as a list of [`Job`]s rendered in
//! parallel; serve mode renders just the jobs a change touches.

mod document;
mod listings;
mod views;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;
use tera::{Context, Tera};

use crate::config::Config;
use crate::content::{Kind, Lesson, Library, Meta, Page};
use crate::error::BuildError;
use crate::i18n;
use crate::markdown::Rendered;
pub use listings::{Listings, encode_segment};
use views::{Card, PageLink, PageView, Status};

pub const TEMPLATES_DIR: &str = "templates";
/// Headings from which a page shows its outline (目录).
const OUTLINE_MIN_HEADINGS: usize = 4;
const HOME_ITEMS: usize = 6;
/// Bytes reserved for a rendered page: a content page is about 7 KB, a
/// listing page about 25 KB.
const OUTPUT_CAPACITY: usize = 16 * 1024;

/// One HTML file to produce.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Job {
    Home,
    Search,
    NotFound,
    /// Index into `Library::pages()`.
    Page(usize),
    /// Index into `Listings::all`, and the 1-based page number.
    Listing(usize, usize),
}

/// A rendered file: its URL (percent-encoded) and HTML.
pub struct Output {
    pub url: String,
    /// UTF-8, as the templates wrote it: kept as bytes, since it is only
    /// written out, so that it is not checked again as a `String`.
    pub html: Vec<u8>,
}

pub struct Renderer {
    /// The project root: pages' bodies are read again from their files under it.
    root: PathBuf,
    tera: Tera,
    config: Config,
    today: Date,
    base: Context,
}

#[derive(Serialize)]
struct SiteView<'a> {
    title: &'a str,
    description: &'a str,
    base_url: &'a str,
    lang: &'a str,
    api_url: &'a str,
    today: Date,
    live_reload: bool,
}

impl Renderer {
    /// Parses every template under `root/templates` once.
    pub fn new(root: &Path, config: &Config, today: Date, live_reload: bool) -> Result<Renderer, BuildError> {
        let pattern = root.join(TEMPLATES_DIR).join("**").join("*.html");
        let mut tera = Tera::new(&pattern.to_string_lossy()).map_err(|e| BuildError::template(&e))?;
        tera.autoescape_on(vec![".html"]);
        // `{{ name | segment }}`: a facet value as a URL path segment.
        tera.register_filter("segment", |value: &tera::Value, _: &HashMap<String, tera::Value>| {
            let text = value.as_str().ok_or_else(|| tera::Error::msg("segment filter needs a string"))?;
            Ok(tera::Value::String(encode_segment(text)))
        });
        let mut base = Context::new();
        base.insert(
            "site",
            &SiteView {
                title: &config.title,
                description: &config.description,
                base_url: &config.base_url,
                lang: config.language.html_lang(),
                api_url: &config.api_url,
                today,
                live_reload,
            },
        );
        base.insert("t", &i18n::strings(config.language));
        Ok(Renderer { root: root.to_path_buf(), tera, config: config.clone(), today, base })
    }

    /// Every job of a full build.
    pub fn plan(library: &Library, listings: &Listings, per_page: usize) -> Vec<Job> {
        let mut jobs = vec![Job::Home, Job::Search, Job::NotFound];
        jobs.extend((0..library.pages().len()).map(Job::Page));
        for (i, listing) in listings.all.iter().enumerate() {
            jobs.extend((1..=listing.page_count(per_page)).map(|n| Job::Listing(i, n)));
        }
        jobs
    }

    /// Renders one job; a page's body is read and rendered again from its file.
    pub fn render(&self, job: &Job, library: &Library, listings: &Listings) -> Result<Output, BuildError> {
        if let Job::Page(i) = job {
            let page = &library.pages()[*i];
            let body = page.body(&self.root).map_err(BuildError::Content)?;
            return self.render_page(page, &body, library);
        }
        let mut context = self.base.clone();
        let (template, url) = match job {
            Job::Home => {
                self.home_context(library, &mut context);
                ("index.html", "/".to_string())
            }
            Job::Search => ("search.html", "/search/".to_string()),
            Job::NotFound => ("404.html", "/404.html".to_string()),
            Job::Page(_) => unreachable!("pages are rendered above"),
            Job::Listing(i, number) => {
                let listing = &listings.all[*i];
                let per_page = self.config.paginate;
                let cards: Vec<Card<'_>> = listing
                    .items
                    .iter()
                    .skip((number - 1) * per_page)
                    .take(per_page)
                    .map(|&p| self.card(&library.pages()[p]))
                    .collect();
                context.insert("cards", &cards);
                context.insert("kind", &listing.kind);
                context.insert("section", listing.kind.dir());
                context.insert("facet", &listing.facet);
                context.insert("facets", &listings.facets.get(&listing.kind));
                context.insert("pagination", &listing.pagination(*number, per_page));
                context.insert("listing_url", &listing.url);
                ("list.html", listing.page_url(*number))
            }
        };
        self.finish(template, url, context)
    }

    /// Renders a content page whose whole body (`Page::body`) the caller has.
    pub fn render_page(&self, page: &Page, body: &Rendered, library: &Library) -> Result<Output, BuildError> {
        let mut context = self.base.clone();
        context.insert("page", &self.page_view(page, body, library));
        context.insert("section", page.kind.dir());
        self.finish(template_of(page.kind), page.url.clone(), context)
    }

    fn finish(&self, template: &str, url: String, mut context: Context) -> Result<Output, BuildError> {
        context.insert("current_url", &url);
        let mut html = Vec::with_capacity(OUTPUT_CAPACITY);
        self.tera.render_to(template, &context, &mut html).map_err(|e| BuildError::template(&e))?;
        Ok(Output { url, html })
    }

    fn card<'a>(&self, page: &'a Page) -> Card<'a> {
        Card::new(page, self.today, self.config.closing_soon_days)
    }

    fn page_view<'a>(&self, page: &'a Page, body: &Rendered, library: &'a Library) -> PageView<'a> {
        let link = |kind: Kind, slug: &Option<String>| {
            slug.as_deref().and_then(|s| library.get_slug(kind, s)).map(PageLink::from)
        };
        let (supersedes, superseded_by) = match &page.meta {
            Meta::Policy(p) => (link(Kind::Policy, &p.supersedes), link(Kind::Policy, &p.superseded_by)),
            _ => (None, None),
        };
        let course = page.notice().and_then(|n| n.course.as_deref()).and_then(|s| library.get_slug(Kind::Course, s));
        let written_text =
            page.notice().map(|n| format!("{}年{}月{}日", n.written.year(), n.written.month(), n.written.day()));
        let letter = page.notice().zip(written_text.as_deref()).map(|(n, date)| document::Letter {
            organs: &n.issuers,
            date,
            disclosure: &n.disclosure,
        });
        let marked = document::mark(&body.html, letter.as_ref());
        PageView {
            card: self.card(page),
            content: marked.html,
            signed: marked.signed,
            noted: marked.noted,
            lists_attachments: marked.lists_attachments,
            written_text,
            outline: &page.content.outline,
            show_outline: page.content.outline.len() >= OUTLINE_MIN_HEADINGS,
            attachments: &page.attachments,
            course: course.map(PageLink::from),
            course_status: course.and_then(|c| Status::of(c, self.today, self.config.closing_soon_days)),
            supersedes,
            superseded_by,
            registration_form: self.registration_form(page),
            seats_url: self.seats_url(page),
            lessons: if page.kind == Kind::Course { library.lessons_of(&page.slug).collect() } else { Vec::new() },
        }
    }

    /// Renders a lesson of a course (`templates/lesson.html`): its body, the course,
    /// the lessons before and after, and the progress hook — the functions' routes
    /// for the page's reports (`static/lesson.js`) and for 学完本节, which works
    /// without the script.
    pub fn render_lesson(&self, lesson: &Lesson, body: &Rendered, library: &Library) -> Result<Output, BuildError> {
        let mut context = self.base.clone();
        let siblings: Vec<&Lesson> = library.lessons_of(&lesson.course).collect();
        let at = siblings.iter().position(|l| l.slug == lesson.slug).unwrap_or(0);
        let act = format!(
            "{}/web/act/learning/courses/{}/lessons/{}",
            self.config.api_url.trim_end_matches('/'),
            encode_segment(&lesson.course),
            encode_segment(&lesson.slug)
        );
        context.insert("lesson", lesson);
        context.insert("content", &body.html);
        context.insert("course", &library.get_slug(Kind::Course, &lesson.course).map(PageLink::from));
        context.insert("previous", &at.checked_sub(1).and_then(|i| siblings.get(i)));
        context.insert("next", &siblings.get(at + 1));
        context.insert("position", &(at + 1));
        context.insert("count", &siblings.len());
        context.insert("progress_url", &format!("{act}/progress"));
        context.insert("finish_url", &format!("{act}/finish"));
        context.insert("section", Kind::Course.dir());
        self.finish("lesson.html", lesson.url.clone(), context)
    }

    /// Registration for `page` (a course) is open on the build date.
    fn registration_open(&self, page: &Page) -> bool {
        page.kind == Kind::Course
            && Status::of(page, self.today, self.config.closing_soon_days)
                .is_some_and(|s| matches!(s.key, "open" | "closing_soon"))
    }

    /// The functions' seats endpoint for a course open for registration that has a capacity.
    fn seats_url(&self, page: &Page) -> Option<String> {
        let limited = page.course().is_some_and(|c| c.capacity.is_some());
        (limited && self.registration_open(page)).then(|| {
            format!("{}/courses/{}/seats", self.config.api_url.trim_end_matches('/'), encode_segment(&page.slug))
        })
    }

    /// The registration form of a course whose registration is open on the build
    /// date, drawn from `content/forms/registration.toml` by the renderer the
    /// functions use too. It posts to the functions' form gateway (see
    /// `functions/core/src/web/gateway.rs`), which answers with the receipt page.
    fn registration_form(&self, page: &Page) -> Option<String> {
        if !self.registration_open(page) {
            return None;
        }
        let schema = gazette_forms::schema("registration")?;
        let lang = match self.config.language {
            crate::config::Language::En => gazette_forms::Lang::En,
            _ => gazette_forms::Lang::Zh,
        };
        let api = self.config.api_url.trim_end_matches('/');
        // The form route of the registration workflow fixes the call and the next
        // page; these controls only title the page that shows a refused form again.
        let hidden = [("_title", format!("报名：{}", page.title)), ("_return", page.url.clone())];
        let submit = i18n::strings(self.config.language).get("submit_registration").copied().unwrap_or("提交报名");
        Some(gazette_forms::render_form(&gazette_forms::FormRequest {
            schema,
            lang,
            action: &format!("{api}/web/act/registrations"),
            hidden: hidden.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            part: None,
            values: &serde_json::json!({ "course": page.slug }),
            errors: &[],
            buttons: vec![gazette_forms::Button::submit(submit)],
            novalidate: false,
            part_url: None,
        }))
    }

    /// The home page: latest notices, open deadlines, open registrations, latest
    /// and recommended courses — each a handful of cards, never whole sections.
    /// "Latest" and "recommended" courses are those not over on the build date,
    /// the soonest to start first (see [`upcoming`]): a course that has ended
    /// cannot be taken, and one a year away is not what a reader looks for first.
    fn home_context(&self, library: &Library, context: &mut Context) {
        let cards = |pages: Vec<&'_ Page>| -> Vec<serde_json::Value> {
            pages.into_iter().take(HOME_ITEMS).map(|p| serde_json::to_value(self.card(p)).unwrap_or_default()).collect()
        };
        let is_open = |page: &&Page| {
            Status::of(page, self.today, self.config.closing_soon_days)
                .is_some_and(|s| s.key == "open" || s.key == "closing_soon")
        };
        let mut deadlines: Vec<&Page> =
            library.pages().iter().filter(|p| p.kind != Kind::Course).filter(is_open).collect();
        deadlines.sort_by_key(|p| p.notice().and_then(|n| n.deadline));
        let mut registrations: Vec<&Page> = library.of_kind(Kind::Course).filter(is_open).collect();
        registrations.sort_by_key(|p| p.course().and_then(|c| c.registration_closes));
        let mut categories: HashMap<&str, usize> = HashMap::new();
        for course in library.of_kind(Kind::Course).filter_map(Page::course) {
            *categories.entry(&course.category).or_default() += 1;
        }
        let mut categories: Vec<(&str, usize, String)> = categories
            .into_iter()
            .map(|(name, n)| (name, n, format!("/courses/category/{}/", encode_segment(name))))
            .collect();
        categories.sort();

        context.insert("latest_notices", &cards(library.of_kind(Kind::Notice).collect()));
        context.insert("open_deadlines", &cards(deadlines));
        context.insert("open_registrations", &cards(registrations));
        let course_dates = |p: &&Page| p.course().map(|c| (c.start, c.end));
        let upcoming_courses = upcoming(library.of_kind(Kind::Course), self.today, course_dates);
        let recommended: Vec<&Page> =
            upcoming_courses.iter().copied().filter(|p| p.course().is_some_and(|c| c.recommended)).collect();
        context.insert("latest_courses", &cards(upcoming_courses));
        context.insert("recommended_courses", &cards(recommended));
        context.insert("course_categories", &categories);
    }
}

/// The items not over on `today` (their end date is today or later), ordered by
/// start date, soonest first; those already running (started before today) lead.
/// `dates` gives an item's (start, end); items without dates are left out.
fn upcoming<T>(items: impl IntoIterator<Item = T>, today: Date, dates: impl Fn(&T) -> Option<(Date, Date)>) -> Vec<T> {
    let mut kept: Vec<(Date, T)> = items
        .into_iter()
        .filter_map(|item| dates(&item).filter(|(_, end)| *end >= today).map(|(start, _)| (start, item)))
        .collect();
    kept.sort_by_key(|(start, _)| *start);
    kept.into_iter().map(|(_, item)| item).collect()
}

fn template_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Notice => "notice.html",
        Kind::Course => "course.html",
        Kind::Policy => "policy.html",
        Kind::Case => "case.html",
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::upcoming;

    /// (slug, start, end) of some of the courses in `content/courses/`.
    fn courses() -> Vec<(&'static str, jiff::civil::Date, jiff::civil::Date)> {
        vec![
            ("cas-gaoyan-liangzi-xinxi-2027", date(2027, 6, 14), date(2027, 6, 18)),
            ("cas-jingpin-heitu-liangcang-2027", date(2027, 4, 19), date(2027, 4, 22)),
            ("kjcgpj-kjll-zhuanti-peixun-2022", date(2022, 6, 20), date(2022, 12, 31)),
            ("cas-xueshu-qianyan-luntan-2027", date(2027, 1, 1), date(2027, 12, 31)),
            ("kycx-chegao-lunwen-banli-shiwu-2026", date(2026, 12, 8), date(2026, 12, 8)),
            ("anli-shanxi-xiangmu-yanshou-beian", date(2021, 8, 5), date(2021, 12, 31)),
        ]
    }

    #[test]
    fn latest_courses_are_those_not_over_soonest_first() {
        let order: Vec<&str> =
            upcoming(courses(), date(2026, 11, 29), |c| Some((c.1, c.2))).into_iter().map(|c| c.0).collect();
        // Not the June 2027 course first, and no course of 2021 or 2022.
        assert_eq!(
            order,
            [
                "kycx-chegao-lunwen-banli-shiwu-2026",
                "cas-xueshu-qianyan-luntan-2027",
                "cas-jingpin-heitu-liangcang-2027",
                "cas-gaoyan-liangzi-xinxi-2027",
            ]
        );
    }

    #[test]
    fn a_running_course_leads_and_stays_until_its_last_day() {
        let order: Vec<&str> =
            upcoming(courses(), date(2027, 4, 22), |c| Some((c.1, c.2))).into_iter().map(|c| c.0).collect();
        assert_eq!(
            order,
            ["cas-xueshu-qianyan-luntan-2027", "cas-jingpin-heitu-liangcang-2027", "cas-gaoyan-liangzi-xinxi-2027"]
        );
        assert!(upcoming(courses(), date(2028, 1, 1), |c| Some((c.1, c.2))).is_empty());
    }
}
