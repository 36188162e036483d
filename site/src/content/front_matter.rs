//! Splitting a file into TOML front matter and Markdown body, and reading typed
//! fields out of the front matter while collecting every error at once.
//!
//! Fields are read one by one (not with `#[derive(Deserialize)]`) so that a file
//! with three mistakes gets three messages, each on the line of its field.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use jiff::civil::Date;
use toml::{Table, Value};

use crate::error::{ContentError, Message};
use crate::text::forbidden_chars;

pub struct Split<'a> {
    pub front_matter: &'a str,
    pub body: &'a str,
    /// 1-based line of the first front-matter line.
    pub front_matter_line: usize,
    /// 1-based line where the body starts.
    pub body_line: usize,
}

/// Splits `+++\n<toml>\n+++\n<markdown>`. A byte-order mark, CRLF line ends and
/// spaces after either `+++` are tolerated: editors' tools add them unseen.
pub fn split<'a>(file: &Path, text: &'a str) -> Result<Split<'a>, ContentError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let missing = || {
        ContentError::new(
            file,
            1,
            "front matter",
            Message::new(
                "缺少：文件第一行应为 `+++`，其后是 TOML 字段，再以一行 `+++` 结束",
                "missing: start the file with a line `+++`, the TOML fields, and another `+++`",
            ),
        )
    };
    let first_line_end = text.find('\n').map_or(text.len(), |i| i + 1);
    if text[..first_line_end].trim_end() != "+++" {
        return Err(missing());
    }
    let rest = &text[first_line_end..];
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front_matter = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let front_matter_lines = front_matter.matches('\n').count();
            return Ok(Split { front_matter, body, front_matter_line: 2, body_line: front_matter_lines + 3 });
        }
        offset += line.len();
    }
    Err(ContentError::new(
        file,
        1,
        "front matter",
        Message::new("未结束：在最后一个字段之后加一行 `+++`", "not closed: add a line `+++` after the last field"),
    ))
}

/// Typed access to one front-matter table. Every getter records its errors; at the
/// end [`Fields::finish`] adds one error per field nobody asked for (a typo).
pub struct Fields<'a> {
    file: &'a Path,
    table: Table,
    lines: HashMap<String, usize>,
    default_line: usize,
    /// Prefix for nested tables, e.g. `attachments[2].`.
    prefix: String,
    used: HashSet<String>,
    pub errors: Vec<ContentError>,
}

impl<'a> Fields<'a> {
    /// Parses the front matter; a TOML syntax error is returned as the only error.
    pub fn parse(file: &'a Path, split: &Split<'_>) -> Result<Fields<'a>, ContentError> {
        let table: Table = split.front_matter.parse().map_err(|err: toml::de::Error| {
            let line = split.front_matter_line - 1 + crate::config::line_of(split.front_matter, err.span());
            ContentError::new(
                file,
                line,
                "front matter",
                Message::new(format!("TOML 格式错误：{}", err.message()), format!("invalid TOML: {}", err.message())),
            )
        })?;
        let lines = key_lines(split.front_matter, split.front_matter_line);
        Ok(Fields {
            file,
            table,
            lines,
            default_line: 1,
            prefix: String::new(),
            used: HashSet::new(),
            errors: Vec::new(),
        })
    }

    /// The line of a field, or of the table it belongs to when it is absent.
    pub fn line(&self, key: &str) -> usize {
        self.lines.get(key).copied().unwrap_or(self.default_line)
    }

    pub fn error(&mut self, key: &str, message: Message) {
        let line = self.line(key);
        let field = format!("{}{}", self.prefix, key);
        self.errors.push(ContentError::new(self.file, line, field, message));
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.used.insert(key.to_string());
        self.table.get(key).cloned()
    }

    fn take_required(&mut self, key: &str) -> Option<Value> {
        let value = self.take(key);
        if value.is_none() {
            self.error(key, Message::new("缺少必填字段：请填写", "required field is missing"));
        }
        value
    }

    /// `what` is (中文, English), e.g. ("带引号的字符串", "a string in quotes").
    fn expect<T>(
        &mut self,
        key: &str,
        value: Option<Value>,
        what: (&str, &str),
        convert: impl FnOnce(Value) -> Option<T>,
    ) -> Option<T> {
        let value = value?;
        let shown = short(&value);
        let converted = convert(value);
        if converted.is_none() {
            self.error(
                key,
                Message::new(format!("应为{}，实际为 {shown}", what.0), format!("expected {}, found {shown}", what.1)),
            );
        }
        converted
    }

    /// Characters XML 1.0 or HTML forbid (control characters, text pasted from
    /// PDFs) must not reach the pages or feeds; TOML lets them in as `\u0010`.
    fn forbid_control_chars(&mut self, key: &str, text: &str) -> bool {
        let found = forbidden_chars(text);
        if !found.is_empty() {
            let codes = found.iter().map(|c| format!("U+{:04X}", *c as u32)).collect::<Vec<_>>().join(", ");
            self.error(
                key,
                Message::new(
                    format!("含有网页和订阅源不允许的控制字符 {codes}（常见于从 PDF 复制的文字）：请删除"),
                    format!("contains control characters that pages and feeds cannot carry, {codes} (text pasted from PDFs often does): delete them"),
                ),
            );
            return false;
        }
        true
    }

    pub fn string(&mut self, key: &str) -> Option<String> {
        let value = self.take_required(key);
        self.non_empty_string(key, value, true)
    }

    pub fn opt_string(&mut self, key: &str) -> Option<String> {
        let value = self.take(key);
        self.non_empty_string(key, value, false)
    }

    fn non_empty_string(&mut self, key: &str, value: Option<Value>, required: bool) -> Option<String> {
        let text = self.expect(key, value, ("带引号的字符串", "a string in quotes"), |v| {
            v.as_str().map(|s| s.trim().to_string())
        })?;
        if text.is_empty() {
            let message = if required {
                Message::new("未填写：请填写", "empty: fill it in")
            } else {
                Message::new("未填写：请填写，或删除这一行", "empty: fill it in, or delete the line")
            };
            self.error(key, message);
            return None;
        }
        self.forbid_control_chars(key, &text).then_some(text)
    }

    pub fn string_list(&mut self, key: &str, required: bool) -> Vec<String> {
        let value = if required { self.take_required(key) } else { self.take(key) };
        let list = self.expect(
            key,
            value,
            ("字符串列表，如 [\"a\", \"b\"]", "a list of strings like [\"a\", \"b\"]"),
            |v| {
                v.as_array()?.iter().map(|item| item.as_str().map(|s| s.trim().to_string())).collect::<Option<Vec<_>>>()
            },
        );
        let list = list.unwrap_or_default();
        if required && list.is_empty() && self.table.contains_key(key) {
            self.error(key, Message::new("至少要填写一项", "must list at least one entry"));
        }
        if list.iter().any(String::is_empty) {
            self.error(
                key,
                Message::new(
                    "有未填写的项：请填写，或删除空的 \"\"",
                    "entries must not be empty: fill them in or delete the empty \"\"",
                ),
            );
        }
        let joined = list.join("");
        if !self.forbid_control_chars(key, &joined) {
            return Vec::new();
        }
        list
    }

    pub fn date(&mut self, key: &str) -> Option<Date> {
        let value = self.take_required(key);
        self.date_of(key, value)
    }

    pub fn opt_date(&mut self, key: &str) -> Option<Date> {
        let value = self.take(key);
        self.date_of(key, value)
    }

    fn date_of(&mut self, key: &str, value: Option<Value>) -> Option<Date> {
        let value = value?;
        let Value::Datetime(datetime) = &value else {
            self.error(
                key,
                Message::new(
                    format!("应为日期，如 2022-06-20（不加引号），实际为 {}", short(&value)),
                    format!("expected a date like 2022-06-20 (no quotes), found {}", short(&value)),
                ),
            );
            return None;
        };
        let (Some(date), None) = (datetime.date, datetime.time) else {
            self.error(
                key,
                Message::new(
                    format!("应为不带时间的日期，如 2022-06-20，实际为 {datetime}"),
                    format!("expected a date without time like 2022-06-20, found {datetime}"),
                ),
            );
            return None;
        };
        match Date::new(date.year as i16, date.month as i8, date.day as i8) {
            Ok(date) => Some(date),
            Err(_) => {
                self.error(
                    key,
                    Message::new(format!("{datetime} 不是日历上的日期"), format!("{datetime} is not a calendar date")),
                );
                None
            }
        }
    }

    pub fn bool(&mut self, key: &str) -> Option<bool> {
        let value = self.take_required(key);
        self.expect(key, value, ("true 或 false", "true or false"), |v| v.as_bool())
    }

    pub fn opt_bool(&mut self, key: &str) -> Option<bool> {
        let value = self.take(key);
        self.expect(key, value, ("true 或 false", "true or false"), |v| v.as_bool())
    }

    pub fn number(&mut self, key: &str) -> Option<f64> {
        let value = self.take_required(key);
        let number = self.expect(key, value, ("数字", "a number"), |v| {
            v.as_float().or_else(|| v.as_integer().map(|i| i as f64))
        })?;
        if number < 0.0 {
            self.error(key, Message::new("不能为负数", "must not be negative"));
            return None;
        }
        Some(number)
    }

    pub fn opt_count(&mut self, key: &str) -> Option<u32> {
        let value = self.take(key);
        self.expect(key, value, ("整数", "a whole number"), |v| v.as_integer().and_then(|i| u32::try_from(i).ok()))
    }

    /// One of a fixed set of values, with the allowed ones in the message.
    pub fn choice(&mut self, key: &str, allowed: &[&str]) -> Option<String> {
        let value = self.string(key)?;
        if allowed.contains(&value.as_str()) {
            Some(value)
        } else {
            self.error(
                key,
                Message::new(
                    format!("\"{value}\" 不是可选值之一：{}", allowed.join(", ")),
                    format!("\"{value}\" is not one of: {}", allowed.join(", ")),
                ),
            );
            None
        }
    }

    /// An array of tables (`[[attachments]]`), each read by `read`.
    pub fn tables<T>(&mut self, key: &str, mut read: impl FnMut(&mut Fields<'a>) -> Option<T>) -> Vec<T> {
        let Some(value) = self.take(key) else { return Vec::new() };
        let Some(items) = value.as_array() else {
            self.error(
                key,
                Message::new(
                    format!("应为 [[{key}]] 表，实际为 {}", short(&value)),
                    format!("expected [[{key}]] tables, found {}", short(&value)),
                ),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let line = self.lines.get(&format!("[[{key}]]{index}")).copied().unwrap_or_else(|| self.line(key));
            let Some(table) = item.as_table() else {
                self.error(
                    key,
                    Message::new("每一项都应是带字段名的表", "each entry must be a table with named fields"),
                );
                continue;
            };
            let mut nested = Fields {
                file: self.file,
                table: table.clone(),
                lines: self
                    .lines
                    .iter()
                    .filter_map(|(k, l)| k.strip_prefix(&format!("[[{key}]]{index}.")).map(|k| (k.to_string(), *l)))
                    .collect(),
                default_line: line,
                prefix: format!("{}{key}[{}].", self.prefix, index + 1),
                used: HashSet::new(),
                errors: Vec::new(),
            };
            let parsed = read(&mut nested);
            self.errors.append(&mut nested.finish());
            out.extend(parsed);
        }
        out
    }

    /// Reports every field that no getter asked for, and returns all errors.
    pub fn finish(mut self) -> Vec<ContentError> {
        let mut unknown: Vec<String> = self.table.keys().filter(|k| !self.used.contains(*k)).cloned().collect();
        unknown.sort();
        let known: Vec<String> = self.used.iter().cloned().collect();
        for key in unknown {
            let hint = closest(&key, &known);
            let zh_hint = hint.map(|k| format!("（是否应为 `{k}`？）")).unwrap_or_default();
            let en_hint = hint.map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
            self.error(&key, Message::new(format!("未知字段{zh_hint}"), format!("unknown field{en_hint}")));
        }
        self.errors.sort_by_key(|e| e.line);
        self.errors
    }
}

/// The field a front-matter line belongs to, as errors name it
/// (`contacts[1].email`): the nearest key at or above the line.
pub fn field_at_line(split: &Split<'_>, line: usize) -> Option<String> {
    let lines = key_lines(split.front_matter, split.front_matter_line);
    let (key, _) = lines.iter().filter(|(_, l)| **l <= line).max_by_key(|(k, l)| (**l, k.contains('.')))?;
    let Some(rest) = key.strip_prefix("[[") else { return Some(key.clone()) };
    let (table, rest) = rest.split_once("]]")?;
    let (index, field) = rest.split_once('.').unwrap_or((rest, ""));
    let number = index.parse::<usize>().ok()? + 1;
    Some(if field.is_empty() { format!("{table}[{number}]") } else { format!("{table}[{number}].{field}") })
}

/// Maps each top-level key, and each key inside the n-th `[[table]]`, to its line.
fn key_lines(front_matter: &str, first_line: usize) -> HashMap<String, usize> {
    let mut lines = HashMap::new();
    let mut section: Option<String> = None;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (index, raw) in front_matter.lines().enumerate() {
        let line = first_line + index;
        let text = raw.trim();
        if let Some(name) = text.strip_prefix("[[").and_then(|t| t.split("]]").next()) {
            let name = name.trim().to_string();
            let n = counts.entry(name.clone()).or_insert(0);
            let key = format!("[[{name}]]{n}");
            lines.insert(key.clone(), line);
            lines.entry(name.clone()).or_insert(line);
            section = Some(key);
            *n += 1;
        } else if let Some((key, _)) = text.split_once('=') {
            let key = key.trim().trim_matches('"').to_string();
            if key.is_empty() || key.starts_with('#') {
                continue;
            }
            match &section {
                Some(table) => lines.insert(format!("{table}.{key}"), line),
                None => lines.insert(key, line),
            };
        }
    }
    lines
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

/// The known field within edit distance 2 of a misspelt one.
fn closest<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    known.iter().map(|k| (edit_distance(key, k), k)).filter(|(d, _)| *d <= 2).min().map(|(_, k)| k.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;

    fn fields(text: &str) -> (Split<'_>, &'static Path) {
        (split(Path::new("x.md"), text).unwrap(), Path::new("x.md"))
    }

    #[test]
    fn split_reports_body_line() {
        let (s, _) = fields("+++\ntitle = \"a\"\n+++\nbody\n");
        assert_eq!(s.front_matter, "title = \"a\"\n");
        assert_eq!(s.body, "body\n");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert!(split(Path::new("x.md"), "+++\ntitle = \"a\"\n").is_err());
    }

    #[test]
    fn every_error_is_reported_with_its_line() {
        let (s, file) = fields("+++\ntitel = \"a\"\nwritten = \"2022-06-20\"\n+++\n");
        let mut f = Fields::parse(file, &s).unwrap();
        f.string("title");
        f.date("written");
        let errors = f.finish();
        let shown: Vec<String> = errors.iter().map(|e| e.localized(Language::En)).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(shown[0].starts_with("x.md:1: title: required"), "{shown:?}");
        assert!(
            shown.iter().any(|e| e.starts_with("x.md:2: titel: unknown field (did you mean `title`?)")),
            "{shown:?}"
        );
        assert!(shown.iter().any(|e| e.starts_with("x.md:3: written: expected a date")), "{shown:?}");
    }

    #[test]
    fn nested_tables_name_their_index() {
        let (s, file) = fields("+++\n[[attachments]]\ntitle = \"a\"\n[[attachments]]\nfile = \"b\"\n+++\n");
        let mut f = Fields::parse(file, &s).unwrap();
        f.tables("attachments", |t| Some((t.string("title"), t.string("file"))));
        let errors = f.finish();
        let shown: Vec<String> = errors.iter().map(|e| e.localized(Language::En)).collect();
        assert!(shown.contains(&"x.md:2: attachments[1].file: required field is missing".to_string()), "{shown:?}");
        assert!(shown.contains(&"x.md:4: attachments[2].title: required field is missing".to_string()), "{shown:?}");
    }

    #[test]
    fn impossible_calendar_date_is_refused() {
        let (s, file) = fields("+++\nwritten = 2022-02-30\n+++\n");
        match Fields::parse(file, &s) {
            Ok(mut f) => {
                f.date("written");
                assert_eq!(f.finish().len(), 1);
            }
            Err(e) => assert_eq!(e.line, 2),
        }
    }
}
