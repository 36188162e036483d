//! Small, borrowed views of the library that templates receive. A listing hands
//! its template only the cards of the current page — never whole sections with
//! every page's content — so rendering cost grows with the output, not its square.

use jiff::civil::Date;
use serde::Serialize;

use crate::content::{Attachment, Kind, Meta, Page};
use crate::markdown::Heading;

/// Where a deadline or a registration window stands on the build date.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// `open`, `closing_soon`, `closed` or `not_open`; also the CSS class.
    pub key: &'static str,
    pub date: Date,
    /// Whole days from the build date to `date`, when open.
    pub days_left: Option<i64>,
}

impl Status {
    /// A deadline on `deadline`, seen on `today`.
    pub fn deadline(deadline: Date, today: Date, closing_soon_days: i64) -> Status {
        let days = (deadline - today).get_days() as i64;
        let key = match days {
            d if d < 0 => "closed",
            d if d <= closing_soon_days => "closing_soon",
            _ => "open",
        };
        Status { key, date: deadline, days_left: (days >= 0).then_some(days) }
    }

    /// Registration for a course: window given, or open until the course starts.
    fn registration(page: &Page, today: Date, closing_soon_days: i64) -> Option<Status> {
        let course = page.course()?;
        let closes = course.registration_closes.or(course.registration_opens.map(|_| course.start))?;
        if course.registration_opens.is_some_and(|opens| today < opens) {
            return Some(Status { key: "not_open", date: course.registration_opens?, days_left: None });
        }
        Some(Status::deadline(closes, today, closing_soon_days))
    }

    /// The status a page shows: a notice's deadline, a course's registration.
    pub fn of(page: &Page, today: Date, closing_soon_days: i64) -> Option<Status> {
        match page.kind {
            Kind::Course => Status::registration(page, today, closing_soon_days),
            _ => page.notice()?.deadline.map(|d| Status::deadline(d, today, closing_soon_days)),
        }
    }
}

/// One item in a listing.
#[derive(Debug, Serialize)]
pub struct Card<'a> {
    pub url: &'a str,
    pub title: &'a str,
    pub kind: Kind,
    pub date: Date,
    pub summary: &'a str,
    pub doc_number: Option<String>,
    pub meta: &'a Meta,
    pub status: Option<Status>,
}

impl<'a> Card<'a> {
    pub fn new(page: &'a Page, today: Date, closing_soon_days: i64) -> Card<'a> {
        Card {
            url: &page.url,
            title: &page.title,
            kind: page.kind,
            date: page.date(),
            summary: &page.summary,
            doc_number: page.notice().and_then(|n| n.doc_number.as_ref()).map(ToString::to_string),
            meta: &page.meta,
            status: Status::of(page, today, closing_soon_days),
        }
    }
}

/// A link to another page, for "superseded by", "register for" and the like.
#[derive(Debug, Serialize)]
pub struct PageLink<'a> {
    pub url: &'a str,
    pub title: &'a str,
}

impl<'a> From<&'a Page> for PageLink<'a> {
    fn from(page: &'a Page) -> Self {
        PageLink { url: &page.url, title: &page.title }
    }
}

/// Everything a single page's template gets.
#[derive(Debug, Serialize)]
pub struct PageView<'a> {
    #[serde(flatten)]
    pub card: Card<'a>,
    /// The body, its official parts marked for print (see `document.rs`).
    pub content: String,
    /// The body signs itself (落款); otherwise the printed page adds the issuers and date.
    pub signed: bool,
    /// The body has its note (附注, `（此件主动公开）`); otherwise print adds one.
    pub noted: bool,
    /// The body lists its attachments (附件说明), so print leaves out the download list.
    pub lists_attachments: bool,
    /// For notices and policies: the date written (成文日期) as paper has it, `2022年6月20日`.
    pub written_text: Option<String>,
    pub outline: &'a [Heading],
    /// Long documents show their outline; short ones don't need it.
    pub show_outline: bool,
    pub attachments: &'a [Attachment],
    /// For a notice: the course it registers for. For a policy: what it supersedes.
    pub course: Option<PageLink<'a>>,
    /// Where registration for that course stands: the call to register shows only while open.
    pub course_status: Option<Status>,
    pub supersedes: Option<PageLink<'a>>,
    pub superseded_by: Option<PageLink<'a>>,
    /// For a course open for registration: its registration form (HTML).
    pub registration_form: Option<String>,
    /// For a course with a capacity, open for registration: where the functions
    /// tell the seats left (`GET /courses/{slug}/seats`), for `static/seats.js`.
    pub seats_url: Option<String>,
    /// For an online course: its lessons, in order.
    pub lessons: Vec<&'a crate::content::Lesson>,
}

/// One entry of a facet: a link to the listing of one issuer, year, topic ….
#[derive(Debug, Clone, Serialize)]
pub struct FacetEntry {
    pub name: String,
    pub url: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetGroup {
    /// i18n key of the group's heading, e.g. `by_issuer`.
    pub label: &'static str,
    pub entries: Vec<FacetEntry>,
}

#[derive(Debug, Serialize)]
pub struct Pagination {
    pub current: usize,
    pub total_pages: usize,
    pub total_items: usize,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// (number, url) of every page, for the numbered links.
    pub pages: Vec<(usize, String)>,
}
