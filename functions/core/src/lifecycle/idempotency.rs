//! Idempotency keys: a client that retries a submission (a flaky phone connection, a
//! double click) sends the same key, and gets the first attempt's result instead of a
//! second registration. The record is written in the same transaction as what it
//! created, so it never claims something that was not stored, nor the reverse.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{Item, Key};

/// How long a key is remembered: a retry comes within minutes, a page left open and
/// sent again within days; after that the store deletes the record (DynamoDB TTL).
pub const KEPT_FOR_SECONDS: i64 = 7 * 24 * 3600;

/// A client-chosen key, 1–200 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty() && s.len() <= 200 && s.bytes().all(|b| b.is_ascii_graphic());
        ok.then(|| IdempotencyKey(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn store_key(&self, operation: &str) -> Key {
        Key::new(format!("IDEMPOTENCY#{operation}#{}", self.0), "IDEMPOTENCY")
    }
}

/// What an idempotency record remembers: which request it was for, and what it made.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Record {
    /// SHA-256 of the normalised request, so a key reused for a different request is
    /// refused rather than answered with the wrong result.
    pub fingerprint: String,
    /// Key of the item the request created.
    pub created: Key,
}

impl Record {
    pub fn item(key: &IdempotencyKey, operation: &str, record: &Record) -> Item {
        Item::new(key.store_key(operation), serde_json::to_value(record).unwrap_or_default())
            .expiring_at(jiff::Timestamp::now().as_second() + KEPT_FOR_SECONDS)
    }
}

pub(crate) fn fingerprint(request: &impl Serialize) -> String {
    let bytes = serde_json::to_vec(request).unwrap_or_default();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}
