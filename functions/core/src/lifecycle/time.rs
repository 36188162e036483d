//! Times as people in China read them. Stored times are UTC (`jiff::Timestamp`,
//! RFC 3339 in JSON); every time shown to a person or exported — a page, the
//! 办理记录 of a record, a CSV or Excel sheet, a printed report, a message — is
//! Beijing time (UTC+8: China has one zone and no daylight saving), and goes through
//! the functions here, so no page can show UTC by mistake.

use jiff::civil::Date;
use jiff::tz::{self, TimeZone};
use jiff::{Timestamp, Zoned};

/// Beijing time, UTC+8.
pub const BEIJING: TimeZone = TimeZone::fixed(tz::offset(8));

/// `at` on a Beijing clock.
pub fn beijing(at: Timestamp) -> Zoned {
    at.to_zoned(BEIJING)
}

/// `2026-11-23 14:05`: a time on a page or in a message.
pub fn shown(at: Timestamp) -> String {
    beijing(at).strftime("%Y-%m-%d %H:%M").to_string()
}

/// `2026-11-23 14:05:07`: a time in an export, to the second.
pub fn exported(at: Timestamp) -> String {
    beijing(at).strftime("%Y-%m-%d %H:%M:%S").to_string()
}

/// `2026-11-23T14:05:07+08:00`: the same moment for a `<time datetime>` attribute
/// (to the second, with its offset; HTML takes at most three digits of a fraction).
pub fn machine(at: Timestamp) -> String {
    beijing(at).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// [`shown`] for a time as the API gives it (RFC 3339 text); anything else as it is.
pub fn shown_text(at: &str) -> String {
    at.parse::<Timestamp>().map_or_else(|_| at.to_owned(), shown)
}

/// [`machine`] for a time as the API gives it (RFC 3339 text); anything else as it is.
pub fn machine_text(at: &str) -> String {
    at.parse::<Timestamp>().map_or_else(|_| at.to_owned(), machine)
}

/// Today's date in Beijing (what "this year" and "this month" mean to the people
/// using the forms, wherever the function runs).
pub fn today() -> Date {
    beijing(Timestamp::now()).date()
}

/// The first moment of `date` in Beijing (a window opening on a day, or closing at
/// the start of the next); `None` only at the edge of representable time.
pub fn start_of(date: Date) -> Option<Timestamp> {
    date.to_zoned(BEIJING).ok().map(|z| z.timestamp())
}

/// The page templates' filters: `{{ h.at | beijing }}` (a time as [`shown_text`])
/// and `{{ h.at | beijing_datetime }}` (as [`machine_text`]).
pub fn register_filters(tera: &mut tera::Tera) {
    fn filter(
        convert: fn(&str) -> String,
    ) -> impl Fn(&tera::Value, &std::collections::HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        move |value, _| match value {
            tera::Value::String(s) => Ok(tera::Value::String(convert(s))),
            tera::Value::Null => Ok(tera::Value::String(String::new())),
            other => Err(tera::Error::msg(format!("a time must be text, not {other}"))),
        }
    }
    tera.register_filter("beijing", filter(shown_text));
    tera.register_filter("beijing_datetime", filter(machine_text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_evening_submission_reads_as_beijing_time() {
        // 20:16 in Beijing is 12:16 UTC: the registration CSV showed the latter.
        let at: Timestamp = "2026-11-23T12:16:05.123456789Z".parse().unwrap();
        assert_eq!(shown(at), "2026-11-23 20:16");
        assert_eq!(exported(at), "2026-11-23 20:16:05");
        assert_eq!(machine(at), "2026-11-23T20:16:05+08:00");
        // After 16:00 UTC it is already the next day in Beijing.
        let late: Timestamp = "2026-12-31T16:30:00Z".parse().unwrap();
        assert_eq!(shown(late), "2027-01-01 00:30");
        assert_eq!(shown_text("2026-11-23T06:05:00.123456789Z"), "2026-11-23 14:05");
        assert_eq!(machine_text("2026-11-23T06:05:00Z"), "2026-11-23T14:05:00+08:00");
        assert_eq!(shown_text("not a time"), "not a time");
    }

    #[test]
    fn a_day_starts_at_midnight_in_beijing() {
        let opens = start_of(jiff::civil::date(2026, 6, 20)).unwrap();
        assert_eq!(opens.to_string(), "2026-06-19T16:00:00Z");
    }

    #[test]
    fn templates_show_times_in_beijing_time() {
        let mut tera = tera::Tera::default();
        register_filters(&mut tera);
        tera.add_raw_template("t", "<time datetime=\"{{ at | beijing_datetime }}\">{{ at | beijing }}</time>").unwrap();
        let mut ctx = tera::Context::new();
        ctx.insert("at", "2026-11-23T12:16:00Z");
        assert_eq!(
            tera.render("t", &ctx).unwrap(),
            "<time datetime=\"2026-11-23T20:16:00+08:00\">2026-11-23 20:16</time>"
        );
    }
}
