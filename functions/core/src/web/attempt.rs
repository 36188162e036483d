//! A refused submission, kept so the page it redirects to can show the form again
//! with the errors and with what was typed (post/redirect/get: a reload does not post
//! twice). Kept in the store for an hour under a random token, then ignored; only
//! the visitor who posted it — the same sign-in, or the same browser — is shown it:
//! a link to it sent to someone else shows nothing. It carries the store's expiry,
//! so DynamoDB's TTL (or the embedded store's sweep) deletes it afterwards.
//!
//! What is kept is what the form's schema reads (`values`), the page's known
//! controls, the errors — and never a full ID number (身份证号, seed 004's result
//! form): such a field is kept empty, with a message asking for it again.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{Item, Key, SharedStore, Write};

const KEEP_FOR_SECONDS: i64 = 3600;

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Attempt {
    /// Who posted it ([`super::Visitor::owner_id`]).
    pub owner: String,
    /// The address it was posted to (a form route), for the generic page that shows
    /// it again to post the same way.
    pub posted_to: String,
    /// The form's schema id, when the form has one.
    pub form: Option<String>,
    /// The part of a multi-part form the page showed.
    pub part: Option<String>,
    /// What was typed, as the validator reads it.
    pub values: Value,
    /// `(path, message)`; the empty path is about the whole form.
    pub errors: Vec<(String, String)>,
    /// The API's sentence about the refusal.
    pub message: String,
    /// The page's own controls (`_version`, `_idem`, `_action`, `_title` …), to post the same way again.
    pub controls: Vec<(String, String)>,
    pub expires: i64,
}

impl Attempt {
    pub fn control(&self, name: &str) -> Option<&str> {
        self.controls.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Errors as the form renderer takes them (no whole-form entry: that is `message`).
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.errors.iter().filter(|(p, _)| !p.is_empty()).cloned().collect()
    }
}

/// The page controls an attempt keeps (see [`super::gateway`]); any other `_name` a
/// post carries is dropped.
const KEPT_CONTROLS: [&str; 6] = ["_version", "_idem", "_action", "_title", "_return", "_part"];

fn key(token: &str) -> Key {
    Key::new(format!("ATTEMPT#{token}"), "ATTEMPT")
}

/// Keeps an attempt, without ID numbers nor unknown controls; returns its token. The
/// anti-forgery token it was posted with is never kept: the page that draws it again
/// writes the visitor's own.
pub async fn save(store: &SharedStore, mut attempt: Attempt) -> Option<String> {
    attempt.controls.retain(|(name, _)| name != super::session::CSRF_CONTROL);
    let token = ulid::Ulid::from(rand::random::<u128>()).to_string();
    attempt.expires = jiff::Timestamp::now().as_second() + KEEP_FOR_SECONDS;
    attempt.controls.retain(|(name, _)| KEPT_CONTROLS.contains(&name.as_str()));
    if let Some(schema) = attempt.form.as_deref().and_then(gazette_forms::schema) {
        forget_id_numbers(schema, &mut attempt);
    }
    let data = serde_json::to_value(&attempt).ok()?;
    let item = Item::new(key(&token), data).expiring_at(attempt.expires);
    match store.transact(vec![Write::Create(item)]).await {
        Ok(()) => Some(token),
        Err(e) => {
            tracing::error!(error = %e, "cannot keep a refused submission");
            None
        }
    }
}

/// The attempt behind a token, unless unknown, expired or someone else's.
pub async fn load(store: &SharedStore, token: &str, visitor: &super::Visitor) -> Option<Attempt> {
    if token.is_empty() || token.len() > 40 || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let item = store.get(&key(token)).await.ok()??;
    let attempt: Attempt = serde_json::from_value(item.data).ok()?;
    let mine = visitor.owner_id().is_some_and(|owner| owner == attempt.owner);
    (mine && attempt.expires > jiff::Timestamp::now().as_second()).then_some(attempt)
}

/// Empties every ID-number field of `attempt` (top-level or in a group's rows) that
/// holds a number, and asks for it again on that field unless it already has an error.
/// A number as the page showed it — masked, `110105********002X` — is no ID number
/// and is kept: sent back, it stands for the stored one, so a row added or removed
/// without the script does not make the person retype the numbers already saved.
fn forget_id_numbers(schema: &gazette_forms::Schema, attempt: &mut Attempt) {
    let is_id = |f: &gazette_forms::Field| f.format() == Some(gazette_forms::Format::IdNumber);
    let mut forgotten = Vec::new();
    for field in schema.fields() {
        if is_id(field) {
            if let Some(v) = attempt.values.get_mut(field.id()).filter(|v| !is_blank(v)) {
                *v = Value::String(String::new());
                forgotten.push(field.id().to_owned());
            }
        }
        let Some(rows) = attempt.values.get_mut(field.id()).and_then(Value::as_array_mut) else { continue };
        for (index, row) in rows.iter_mut().enumerate() {
            for column in field.columns().iter().filter(|c| is_id(c)) {
                if let Some(v) = row.get_mut(column.id()).filter(|v| !is_blank(v)) {
                    *v = Value::String(String::new());
                    forgotten.push(format!("{}[{index}].{}", field.id(), column.id()));
                }
            }
        }
    }
    for path in forgotten {
        if !attempt.errors.iter().any(|(p, _)| *p == path) {
            let message = "为保护个人信息，填写的身份证号未予保留，请重新填写。".to_owned();
            attempt.errors.push((path, message));
        }
    }
}

/// Nothing to forget: empty, or a masked number.
fn is_blank(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.trim().is_empty() || s.contains('*')) || v.is_null()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::EmbeddedStore;
    use serde_json::json;

    /// What the store holds of an attempt at the integrity result (seed 004) with a
    /// full ID number, a masked one and a planted control: no full number, and the
    /// person is asked for it again.
    #[tokio::test]
    async fn a_kept_attempt_never_holds_a_full_id_number() {
        let dir = tempfile::tempdir().unwrap();
        let store: SharedStore = std::sync::Arc::new(EmbeddedStore::open(dir.path()).unwrap());
        let attempt = Attempt {
            owner: "browser:B1".into(),
            form: Some("integrity-result".into()),
            values: json!({ "authors": [
                { "name": "王星星", "id_number": "110105199001010021" },
                { "name": "张三", "id_number": "440304********1233" },
            ] }),
            controls: vec![("_version".into(), "2".into()), ("_to".into(), "POST /elsewhere".into())],
            ..Attempt::default()
        };
        let token = save(&store, attempt).await.expect("kept");
        let stored = store.get(&key(&token)).await.unwrap().expect("stored").data.to_string();
        assert!(!stored.contains("110105199001010021"), "a full ID number is kept: {stored}");
        assert!(stored.contains("440304********1233"), "the masked number is kept: {stored}");
        assert!(!stored.contains("POST /elsewhere"), "an unknown control is kept: {stored}");
        let kept: Attempt = serde_json::from_str(&stored).unwrap();
        assert_eq!(kept.values["authors"][0]["id_number"], "");
        let asked: Vec<&str> = kept.errors.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(asked, ["authors[0].id_number"]);
    }
}
