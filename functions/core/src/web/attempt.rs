//! A refused submission, kept so the page it redirects to can show the form again
//! with the errors and with what was typed (post/redirect/get: a reload does not post
//! twice). Kept in the store for an hour under a random token, then ignored; only
//! the visitor who posted it — the same sign-in, or the same browser — is shown it:
//! a link to it sent to someone else shows nothing.

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

fn key(token: &str) -> Key {
    Key::new(format!("ATTEMPT#{token}"), "ATTEMPT")
}

/// Keeps an attempt; returns its token. The anti-forgery token it was posted with
/// is never kept: the page that draws it again writes the visitor's own.
pub async fn save(store: &SharedStore, mut attempt: Attempt) -> Option<String> {
    attempt.controls.retain(|(name, _)| name != super::session::CSRF_CONTROL);
    let token = ulid::Ulid::from(rand::random::<u128>()).to_string();
    attempt.expires = jiff::Timestamp::now().as_second() + KEEP_FOR_SECONDS;
    let data = serde_json::to_value(&attempt).ok()?;
    match store.transact(vec![Write::Create(Item::new(key(&token), data))]).await {
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
