//! The only door to data: a small item store with two implementations.
//!
//! Why a generic item store and not a trait in the domain's words: the three functions
//! (registration, reports, cases) need the same handful of guarantees — create only if
//! absent, replace only if nobody wrote in between, change several items all or nothing,
//! count seats without races, list a partition in order — and DynamoDB expresses exactly
//! those as conditional writes and `TransactWriteItems`. A trait with one method per
//! domain operation would make every workflow change a change to two backends; this one
//! keeps each backend to a few hundred lines that one contract suite
//! (`tests/it/store_contract.rs`) holds to the same semantics. The domain modules own
//! the key layout (see `functions/README.md`), so the words stay in the domain.
//!
//! Semantics every implementation keeps:
//! - an item has a key (`pk`, `sk`), a version (1 when created, +1 on every replace),
//!   up to two secondary index keys and a JSON body;
//! - `transact` applies all its writes or none; a write whose condition fails is named
//!   by its position (`StoreError::ConditionFailed { index }`);
//! - a counter lives at its own key, starts at 0 and moves by `Count` writes whose
//!   bounds are checked against the new value atomically;
//! - `query` reads a partition consistently in ascending `sk` order; `query_index` reads
//!   a secondary index in ascending index-`sk` order and may lag behind writes (as a
//!   DynamoDB GSI does), so workflows use it only to find keys, then `get` the item;
//! - an item may carry an expiry (`expires`, Unix seconds: DynamoDB's TTL attribute
//!   `ttl`); it is deleted some time after (DynamoDB: within a few days; the embedded
//!   store: by [`EmbeddedStore::sweep_expired`]), so a workflow that must not see it
//!   after that moment checks the time itself.

mod dynamo;
mod embedded;
mod values;

pub use dynamo::{DynamoStore, dynamo_client};
pub use embedded::EmbeddedStore;

use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Largest number of writes in one transaction (DynamoDB's limit).
pub const MAX_TRANSACTION_WRITES: usize = 100;

/// Primary key of an item: partition key and sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key { pk: pk.into(), sk: sk.into() }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.pk, self.sk)
    }
}

/// The two secondary indexes every table has (`gsi1`, `gsi2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Gsi1,
    Gsi2,
}

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "gsi1",
            Index::Gsi2 => "gsi2",
        }
    }
}

/// A stored item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: Key,
    /// 1 after creation, incremented by every replace. Ignored on writes: the store sets it.
    pub version: u64,
    pub gsi1: Option<Key>,
    pub gsi2: Option<Key>,
    pub data: serde_json::Value,
    /// Unix seconds after which the store may delete the item (records that only
    /// matter for a while: idempotency keys, kept form attempts, upload tickets).
    pub expires: Option<i64>,
}

/// The name of the expiry attribute in DynamoDB (`TimeToLiveSpecification` of
/// `infra/template.yaml`).
pub const TTL_ATTRIBUTE: &str = "ttl";

impl Item {
    pub fn new(key: Key, data: serde_json::Value) -> Self {
        Item { key, version: 0, gsi1: None, gsi2: None, data, expires: None }
    }

    /// The item, to be deleted by the store some time after `unix_seconds`.
    pub fn expiring_at(mut self, unix_seconds: i64) -> Self {
        self.expires = Some(unix_seconds);
        self
    }

    pub fn with_index(mut self, index: Index, pk: impl Into<String>, sk: impl Into<String>) -> Self {
        let k = Some(Key::new(pk, sk));
        match index {
            Index::Gsi1 => self.gsi1 = k,
            Index::Gsi2 => self.gsi2 = k,
        }
        self
    }

    pub fn index_key(&self, index: Index) -> Option<&Key> {
        match index {
            Index::Gsi1 => self.gsi1.as_ref(),
            Index::Gsi2 => self.gsi2.as_ref(),
        }
    }
}

/// Bounds a counter's new value must stay within for a `Count` write to apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Bounds {
    pub at_least: Option<i64>,
    pub at_most: Option<i64>,
}

impl Bounds {
    pub const NONE: Bounds = Bounds { at_least: None, at_most: None };
    pub fn at_most(n: i64) -> Self {
        Bounds { at_least: None, at_most: Some(n) }
    }
    pub fn at_least(n: i64) -> Self {
        Bounds { at_least: Some(n), at_most: None }
    }
    pub fn admits(&self, value: i64) -> bool {
        self.at_least.is_none_or(|lo| value >= lo) && self.at_most.is_none_or(|hi| value <= hi)
    }
}

/// One write of a transaction, with the condition under which it applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Store a new item; refused if anything exists at its key.
    Create(Item),
    /// Overwrite an item; refused unless its stored version is `expected_version`.
    Replace { item: Item, expected_version: u64 },
    /// Remove an item; refused unless its stored version is `expected_version`.
    Delete { key: Key, expected_version: u64 },
    /// Add `delta` to the counter at `key` (absent = 0); refused if the new value would
    /// leave `bounds`. `delta: 0` is a pure check.
    Count { key: Key, delta: i64, bounds: Bounds },
}

impl Write {
    pub fn key(&self) -> &Key {
        match self {
            Write::Create(item) | Write::Replace { item, .. } => &item.key,
            Write::Delete { key, .. } | Write::Count { key, .. } => key,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The condition of the write at `index` did not hold; nothing was written.
    #[error("write {index} of the transaction was refused because its condition no longer holds; nothing was written")]
    ConditionFailed { index: usize },
    /// Another transaction touched the same items at the same moment; nothing was
    /// written and retrying is safe.
    #[error("the store is busy with a conflicting transaction; retry the request")]
    Contention,
    #[error("invalid transaction: {0}")]
    Invalid(String),
    #[error("stored item {key} cannot be read: {reason}")]
    Corrupt { key: Key, reason: String },
    #[error("storage backend failed: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The item at `key`, read consistently.
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>>;
    /// Items of partition `pk` whose sort key starts with `sk_prefix`, ascending, consistent.
    async fn query(&self, pk: &str, sk_prefix: &str) -> StoreResult<Vec<Item>>;
    /// Items whose `index` partition key is `pk`, ascending by index sort key; may lag.
    async fn query_index(&self, index: Index, pk: &str) -> StoreResult<Vec<Item>>;
    /// Current value of the counter at `key` (0 when it was never counted), consistent.
    async fn count(&self, key: &Key) -> StoreResult<i64>;
    /// Apply all `writes` or none.
    async fn transact(&self, writes: Vec<Write>) -> StoreResult<()>;
}

pub type SharedStore = Arc<dyn Store>;

/// Refuses what DynamoDB refuses before it looks at any item: too many writes, or two
/// writes to one key. Both implementations call it so they fail alike.
pub(crate) fn check_transaction_shape(writes: &[Write]) -> StoreResult<()> {
    if writes.is_empty() {
        return Err(StoreError::Invalid("a transaction needs at least one write".into()));
    }
    if writes.len() > MAX_TRANSACTION_WRITES {
        return Err(StoreError::Invalid(format!(
            "{} writes in one transaction; at most {MAX_TRANSACTION_WRITES} are allowed",
            writes.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for w in writes {
        if !seen.insert(w.key()) {
            return Err(StoreError::Invalid(format!("two writes to {} in one transaction", w.key())));
        }
    }
    Ok(())
}
