//! Field-level errors, all at once, each keyed by the path of the field it is about.
//!
//! Paths are the names the HTML form uses for its inputs — `phone`,
//! `authors[1].id_number` (rows counted from 0, as submitted) — so the renderer can
//! put each message next to its input and in the error summary. A path that is a
//! group (`projects`) is about the list as a whole; the empty path is about the whole
//! submission. Entries are kept in form order, which is the order an error summary
//! lists them in.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{Serialize, SerializeMap, Serializer};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// (top-level field position, row, column position): form order.
    order: (usize, usize, usize),
    path: String,
    message: String,
}

impl FieldErrors {
    pub fn new() -> FieldErrors {
        FieldErrors::default()
    }

    /// Records a message; the first message for a path wins (later ones are usually
    /// consequences of it).
    pub(crate) fn add(&mut self, order: (usize, usize, usize), path: String, message: String) {
        if self.contains(&path) {
            return;
        }
        let at = self.entries.partition_point(|e| e.order <= order);
        self.entries.insert(at, Entry { order, path, message });
    }

    /// Whether a path, or anything inside it (`authors` covers `authors[0].name`), has an error.
    pub(crate) fn touches(&self, path: &str) -> bool {
        self.entries.iter().any(|e| {
            e.path == path
                || (e.path.starts_with(path) && matches!(e.path.as_bytes().get(path.len()), Some(b'[' | b'.')))
        })
    }

    /// The message for a path.
    pub fn get(&self, path: &str) -> Option<&str> {
        self.entries.iter().find(|e| e.path == path).map(|e| e.message.as_str())
    }

    pub fn contains(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(path, message)` in form order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|e| (e.path.as_str(), e.message.as_str()))
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.path.as_str())
    }

    /// The errors as a map from path to message (sorted by path, not form order).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter().map(|(p, m)| (p.to_string(), m.to_string())).collect()
    }
}

/// Serialises as a JSON object `{ path: message }` in form order.
impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for e in &self.entries {
            map.serialize_entry(&e.path, &e.message)?;
        }
        map.end()
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if e.path.is_empty() { write!(f, "{}", e.message)? } else { write!(f, "{}: {}", e.path, e.message)? }
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_kept_in_form_order_and_the_first_per_path_wins() {
        let mut e = FieldErrors::new();
        e.add((3, 0, 0), "email".into(), "b".into());
        e.add((1, 2, 1), "authors[1].name".into(), "a".into());
        e.add((1, 2, 1), "authors[1].name".into(), "ignored".into());
        e.add((0, 0, 0), "".into(), "form".into());
        assert_eq!(e.paths().collect::<Vec<_>>(), ["", "authors[1].name", "email"]);
        assert_eq!(e.get("authors[1].name"), Some("a"));
        assert!(e.touches("authors"));
        assert!(!e.touches("author"));
        assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"":"form","authors[1].name":"a","email":"b"}"#);
    }
}
