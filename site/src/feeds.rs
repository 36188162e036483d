//! Machine-readable outputs: Atom feeds (all and per kind), sitemap.xml,
//! robots.txt and an iCalendar file of course dates and notice deadlines.

use std::fmt::Write;

use jiff::civil::Date;

use crate::config::Config;
use crate::content::{Kind, Library, Page};

const FEED_ENTRIES: usize = 30;

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

pub fn atom(config: &Config, library: &Library, kind: Option<Kind>) -> String {
    let mut pages: Vec<&Page> = library.pages().iter().filter(|p| kind.is_none_or(|k| p.kind == k)).collect();
    pages.sort_by(|a, b| b.date().cmp(&a.date()).then(a.url.cmp(&b.url)));
    pages.truncate(FEED_ENTRIES);
    let updated = pages.first().map_or_else(|| Date::constant(2000, 1, 1), |p| p.date());
    let base = &config.base_url;
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n\
         <title>{}</title>\n<id>{base}{}</id>\n<link rel=\"self\" href=\"{base}{}\"/>\n<link href=\"{base}/\"/>\n<updated>{updated}T00:00:00+08:00</updated>\n",
        config.language.html_lang(),
        xml_escape(&config.title),
        feed_url(kind),
        feed_url(kind),
    );
    for page in pages {
        let author = page.issuers().join("、");
        let _ = write!(
            out,
            "<entry>\n<title>{}</title>\n<id>{base}{}</id>\n<link href=\"{base}{}\"/>\n<updated>{}T00:00:00+08:00</updated>\n\
             <author><name>{}</name></author>\n<summary>{}</summary>\n</entry>\n",
            xml_escape(&page.title),
            page.url,
            page.url,
            page.date(),
            xml_escape(&author),
            xml_escape(&page.summary),
        );
    }
    out.push_str("</feed>\n");
    out
}

pub fn sitemap(config: &Config, urls: &[String]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for url in urls {
        let _ = writeln!(out, "<url><loc>{}{}</loc></url>", config.base_url, xml_escape(url));
    }
    out.push_str("</urlset>\n");
    out
}

pub fn robots(config: &Config) -> String {
    format!("User-agent: *\nAllow: /\nDisallow: /api/\nSitemap: {}/sitemap.xml\n", config.base_url)
}

/// Text escaping and 75-octet line folding of RFC 5545.
fn ics_text(name: &str, value: &str) -> String {
    let escaped = value.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n");
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

/// Course dates (all-day events spanning the course) and notice deadlines.
pub fn calendar(config: &Config, library: &Library) -> String {
    let host = config.base_url.split("://").nth(1).unwrap_or("gazette").split('/').next().unwrap_or("gazette");
    let mut out =
        String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//gazette//site//ZH\r\nCALSCALE:GREGORIAN\r\n");
    out.push_str(&ics_text("X-WR-CALNAME", &config.title));
    let stamp = "20000101T000000Z";
    let mut event = |uid: String, start: Date, end: Date, summary: &str, url: &str| {
        out.push_str("BEGIN:VEVENT\r\n");
        out.push_str(&ics_text("UID", &format!("{uid}@{host}")));
        let _ = write!(
            out,
            "DTSTAMP:{stamp}\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\n",
            start.strftime("%Y%m%d"),
            end.strftime("%Y%m%d")
        );
        out.push_str(&ics_text("SUMMARY", summary));
        out.push_str(&ics_text("URL", &format!("{}{url}", config.base_url)));
        out.push_str("END:VEVENT\r\n");
    };
    for page in library.pages() {
        if let Some(course) = page.course() {
            let end = course.end.tomorrow().unwrap_or(course.end);
            event(format!("course-{}", page.slug), course.start, end, &page.title, &page.url);
        }
        if let Some(deadline) = page.notice().and_then(|n| n.deadline) {
            let end = deadline.tomorrow().unwrap_or(deadline);
            event(
                format!("deadline-{}-{}", page.kind.name(), page.slug),
                deadline,
                end,
                &format!("截止：{}", page.title),
                &page.url,
            );
        }
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
    fn xml_is_escaped() {
        assert_eq!(xml_escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
    }
}
