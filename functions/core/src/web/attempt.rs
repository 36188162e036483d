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

/// Keeps an attempt, without ID numbers nor unknown controls; returns its token.
pub async fn save(store: &SharedStore, mut attempt: Attempt) -> Option<String> {
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
/// holds something, and asks for it again on that field unless it already has an error.
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

fn is_blank(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.trim().is_empty()) || v.is_null()
}
