//! Machine-readable outputs: Atom feeds (all and per kind), sitemap.xml,
//! robots.txt and an iCalendar file of course dates, registration deadlines and
//! the deadlines of notices and policies.

use std::fmt::Write;

use jiff::Timestamp;
use jiff::civil::Date;

use crate::config::Config;
use crate::content::{Kind, Library, Meta, Page};
use crate::i18n;
use crate::text::is_allowed;

const FEED_ENTRIES: usize = 30;

/// Escapes XML's special characters and drops characters XML 1.0 forbids
/// (`gazette check` reports those in content; this keeps any that come from
/// elsewhere from breaking the feed).
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|c| is_allowed(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `/atom.xml` with `kind = None`, `/<kind>/atom.xml` otherwise.
pub fn feed_url(kind: Option<Kind>) -> String {
    match kind {
        Some(kind) => format!("/{}/atom.xml", kind.dir()),
        None => "/atom.xml".to_string(),
    }
}

/// The date a page was published, never after the build date: a feed or
/// sitemap must not announce the future (a course starting next year was
/// published when its registration opened, or today at the latest).
pub fn published_on(page: &Page, today: Date) -> Date {
    let date = match &page.meta {
        Meta::Notice(n) => n.published,
        Meta::Policy(p) => p.notice.published,
        Meta::Case(c) => c.date,
        Meta::Course(c) => c.registration_opens.unwrap_or(c.start),
    };
    date.min(today)
}

/// The feed's title: the site's name, and the kind's for a kind's feed.
fn feed_title(config: &Config, kind: Option<Kind>) -> String {
    match kind {
        Some(kind) => {
            let name = i18n::strings(config.language).get(kind.dir()).copied().unwrap_or(kind.dir());
            format!("{} · {name}", config.title)
        }
        None => config.title.clone(),
    }
}

pub fn atom(config: &Config, library: &Library, kind: Option<Kind>, today: Date) -> String {
    let mut pages: Vec<(&Page, Date)> = library
        .pages()
        .iter()
        .filter(|p| kind.is_none_or(|k| p.kind == k))
        .map(|p| (p, published_on(p, today)))
        .collect();
    pages.sort_by(|(a, a_date), (b, b_date)| b_date.cmp(a_date).then(a.url.cmp(&b.url)));
    pages.truncate(FEED_ENTRIES);
    let updated = pages.first().map_or_else(|| Date::constant(2000, 1, 1), |(_, date)| *date);
    let base = &config.base_url;
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <title>{}</title>\n<id>{base}{}</id>\n<link rel=\"self\" href=\"{base}{}\"/>\n<link href=\"{base}/\"/>\n<updated>{updated}T00:00:00+08:00</updated>\n",
        config.language.html_lang(),
        xml_escape(&feed_title(config, kind)),
        feed_url(kind),
        feed_url(kind),
    );
    for (page, date) in pages {
        let author = page.issuers().join("、");
        let _ = write!(
            out,
            "<entry>\n<title>{}</title>\n<id>{base}{}</id>\n<link href=\"{base}{}\"/>\n<updated>{date}T00:00:00+08:00</updated>\n\
             <author><name>{}</name></author>\n<summary>{}</summary>\n</entry>\n",
            xml_escape(&page.title),
            page.url,
            page.url,
            xml_escape(&author),
            xml_escape(&page.summary),
        );
    }
    out.push_str("</feed>\n");
    out
}

/// `urls` with the date each last changed, when known.
pub fn sitemap(config: &Config, urls: &[(String, Option<Date>)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (url, lastmod) in urls {
        let _ = write!(out, "<url><loc>{}{}</loc>", config.base_url, xml_escape(url));
        if let Some(date) = lastmod {
            let _ = write!(out, "<lastmod>{date}</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

pub fn robots(config: &Config) -> String {
    format!("User-agent: *\nAllow: /\nDisallow: /api/\nSitemap: {}/sitemap.xml\n", config.base_url)
}

/// Text escaping and 75-octet line folding of RFC 5545.
fn ics_text(name: &str, value: &str) -> String {
    let value: String = value.chars().filter(|c| is_allowed(*c)).collect();
    let escaped = value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace(['\n', '\r'], "\\n");
    let line = format!("{name}:{escaped}");
    let mut out = String::new();
    let mut octets = 0;
    for c in line.chars() {
        if octets + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// One all-day event of the calendar.
struct Event<'a> {
    uid: String,
    start: Date,
    /// The last day; the file says the day after (DTEND is exclusive).
    last_day: Date,
    summary: String,
    location: Option<&'a str>,
    description: &'a str,
    url: &'a str,
}

/// Course dates, registration deadlines and the deadlines of notices and
/// policies (plans and reports to hand in), stamped with the build time (UTC).
pub fn calendar(config: &Config, library: &Library, stamp: Timestamp) -> String {
    let host = config.base_url.split("://").nth(1).unwrap_or(&config.base_url).split('/').next().unwrap_or("gazette");
    let strings = i18n::strings(config.language);
    let label = |key: &'static str| strings.get(key).copied().unwrap_or(key);
    let mut events: Vec<Event<'_>> = Vec::new();
    for page in library.pages() {
        if let Some(course) = page.course() {
            events.push(Event {
                uid: format!("course-{}", page.slug),
                start: course.start,
                last_day: course.end,
                summary: page.title.clone(),
                location: course.place.as_deref().or(Some(course.mode.as_str())),
                description: &page.summary,
                url: &page.url,
            });
            if let Some(closes) = course.registration_closes {
                events.push(Event {
                    uid: format!("registration-closes-{}", page.slug),
                    start: closes,
                    last_day: closes,
                    summary: format!("{}{}", label("event_registration_closes"), page.title),
                    location: None,
                    description: &page.summary,
                    url: &page.url,
                });
            }
        }
        if let Some(deadline) = page.notice().and_then(|n| n.deadline) {
            events.push(Event {
                uid: format!("deadline-{}-{}", page.kind.name(), page.slug),
                start: deadline,
                last_day: deadline,
                summary: format!("{}{}", label("event_deadline"), page.title),
                location: None,
                description: &page.summary,
                url: &page.url,
            });
        }
    }
    let mut out =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//gazette//site//ZH\r\nCALSCALE:GREGORIAN\r\n");
    out.push_str(&ics_text("X-WR-CALNAME", &config.title));
    let stamp = stamp.strftime("%Y%m%dT%H%M%SZ");
    for event in events {
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&ics_text("UID", &format!("{}@{host}", event.uid)));
        let end = event.last_day.tomorrow().unwrap_or(event.last_day);
        let _ = write!(
            out,
            "DTSTAMP:{stamp}\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\n",
            event.start.strftime("%Y%m%d"),
            end.strftime("%Y%m%d")
        );
        out.push_str(&ics_text("SUMMARY", &event.summary));
        if let Some(location) = event.location {
            out.push_str(&ics_text("LOCATION", location));
        }
        if !event.description.is_empty() {
            out.push_str(&ics_text("DESCRIPTION", event.description));
        }
        out.push_str(&ics_text("URL", &format!("{}{}", config.base_url, event.url)));
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ics_lines_fold_at_75_octets_without_splitting_characters() {
        let folded = ics_text("SUMMARY", &"科研诚信".repeat(20));
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), format!("SUMMARY:{}", "科研诚信".repeat(20)));
    }

    #[test]
    fn characters_xml_forbids_never_reach_a_feed_or_calendar() {
        assert_eq!(xml_escape("为深入贯彻\u{10}落实\u{85}。"), "为深入贯彻落实。");
        assert_eq!(ics_text("DESCRIPTION", "a\u{10}b\u{1b}"), "DESCRIPTION:ab\r\n");
    }

    #[test]
    fn ics_text_escapes_separators_and_line_breaks() {
        assert_eq!(ics_text("LOCATION", "北京; 海淀, 1号\\2\r\n3"), "LOCATION:北京\\; 海淀\\, 1号\\\\2\\n3\r\n");
    }

    #[test]
    fn xml_is_escaped() {
        assert_eq!(xml_escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }
}
