//! The embedded store: one redb file under the data directory.
//!
//! redb serialises write transactions, so every `transact` checks its conditions and
//! applies its writes inside one write transaction — the same all-or-nothing the
//! DynamoDB store gets from `TransactWriteItems`. Secondary indexes are kept as extra
//! tables updated in the same transaction (so here they never lag; the contract only
//! promises they may).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::{Index, Item, Key, Store, StoreError, StoreResult, Write, check_transaction_shape};

const ITEMS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("items");
const GSI1: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi1");
const GSI2: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gsi2");

fn index_table(index: Index) -> TableDefinition<'static, (&'static str, &'static str, &'static str, &'static str), ()> {
    match index {
        Index::Gsi1 => GSI1,
        Index::Gsi2 => GSI2,
    }
}

/// What is stored under a key: an item (with `data`) or a counter (with `n`).
#[derive(Debug, Serialize, Deserialize)]
struct Record {
    v: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gsi1: Option<Key>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    gsi2: Option<Key>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<i64>,
    /// Unix seconds after which [`EmbeddedStore::sweep_expired`] deletes the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl: Option<i64>,
}

impl Record {
    fn into_item(self, key: Key) -> Item {
        Item {
            key,
            version: self.v,
            gsi1: self.gsi1,
            gsi2: self.gsi2,
            data: self.data.unwrap_or(serde_json::Value::Null),
            expires: self.ttl,
        }
    }
}

#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    path: PathBuf,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").field("path", &self.path).finish()
    }
}

fn backend(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Backend(e.into().to_string())
}

fn decode(key: &Key, bytes: &[u8]) -> StoreResult<Record> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt { key: key.clone(), reason: e.to_string() })
}

fn encode(record: &Record) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| StoreError::Backend(format!("cannot encode item: {e}")))
}

impl EmbeddedStore {
    /// Opens (or creates) `gazette.redb` in `data_dir`, creating the directory if needed.
    pub fn open(data_dir: impl AsRef<Path>) -> StoreResult<Self> {
        let dir = data_dir.as_ref();
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("cannot create data directory {}: {e}", dir.display())))?;
        let path = dir.join("gazette.redb");
        let db =
            Database::create(&path).map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        // Create the tables up front so readers never meet a missing table.
        let txn = db.begin_write().map_err(backend)?;
        {
            txn.open_table(ITEMS).map_err(backend)?;
            txn.open_table(GSI1).map_err(backend)?;
            txn.open_table(GSI2).map_err(backend)?;
        }
        txn.commit().map_err(backend)?;
        Ok(EmbeddedStore { db: Arc::new(db), path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes every item whose expiry (`expires`) is at or before `now` (Unix
    /// seconds), with its index entries, in one write transaction — what DynamoDB's
    /// TTL does for the table in AWS. Answers how many were deleted. `gazette serve`
    /// runs it at start-up and then every few minutes.
    pub async fn sweep_expired(&self, now: i64) -> StoreResult<usize> {
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            let swept = {
                let mut items = txn.open_table(ITEMS).map_err(backend)?;
                let mut expired = Vec::new();
                for entry in items.iter().map_err(backend)? {
                    let (k, v) = entry.map_err(backend)?;
                    let (pk, sk) = k.value();
                    let key = Key::new(pk, sk);
                    let record = decode(&key, v.value())?;
                    if record.ttl.is_some_and(|at| at <= now) {
                        expired.push((key, record));
                    }
                }
                let mut gsi1 = txn.open_table(GSI1).map_err(backend)?;
                let mut gsi2 = txn.open_table(GSI2).map_err(backend)?;
                for (key, record) in &expired {
                    for (table, ik) in [(&mut gsi1, &record.gsi1), (&mut gsi2, &record.gsi2)] {
                        if let Some(ik) = ik {
                            table
                                .remove((ik.pk.as_str(), ik.sk.as_str(), key.pk.as_str(), key.sk.as_str()))
                                .map_err(backend)?;
                        }
                    }
                    items.remove((key.pk.as_str(), key.sk.as_str())).map_err(backend)?;
                }
                expired.len()
            };
            txn.commit().map_err(backend)?;
            Ok(swept)
        })
        .await
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Database) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || f(&db))
            .await
            .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }
}

fn read_record(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    key: &Key,
) -> StoreResult<Option<Record>> {
    match table.get((key.pk.as_str(), key.sk.as_str())).map_err(backend)? {
        Some(guard) => decode(key, guard.value()).map(Some),
        None => Ok(None),
    }
}

fn apply(txn: &redb::WriteTransaction, writes: Vec<Write>) -> StoreResult<()> {
    let mut items = txn.open_table(ITEMS).map_err(backend)?;
    let mut gsi1 = txn.open_table(GSI1).map_err(backend)?;
    let mut gsi2 = txn.open_table(GSI2).map_err(backend)?;

    // Check every condition before changing anything.
    let mut current = Vec::with_capacity(writes.len());
    for (index, write) in writes.iter().enumerate() {
        let existing = read_record(&items, write.key())?;
        let holds = match (write, &existing) {
            (Write::Create(_), existing) => existing.is_none(),
            (Write::Replace { expected_version, .. } | Write::Delete { expected_version, .. }, Some(rec)) => {
                rec.data.is_some() && rec.v == *expected_version
            }
            (Write::Replace { .. } | Write::Delete { .. }, None) => false,
            (Write::Count { delta, bounds, .. }, rec) => {
                let old = rec.as_ref().and_then(|r| r.n).unwrap_or(0);
                old.checked_add(*delta).is_some_and(|new| bounds.admits(new))
            }
        };
        if !holds {
            return Err(StoreError::ConditionFailed { index });
        }
        current.push(existing);
    }

    for (write, existing) in writes.into_iter().zip(current) {
        // Drop the old index entries of whatever is overwritten or deleted.
        if let Some(old) = &existing {
            let key = write.key();
            if let Some(ik) = &old.gsi1 {
                gsi1.remove((ik.pk.as_str(), ik.sk.as_str(), key.pk.as_str(), key.sk.as_str())).map_err(backend)?;
            }
            if let Some(ik) = &old.gsi2 {
                gsi2.remove((ik.pk.as_str(), ik.sk.as_str(), key.pk.as_str(), key.sk.as_str())).map_err(backend)?;
            }
        }
        match write {
            Write::Create(item) => put(&mut items, &mut gsi1, &mut gsi2, item, 1)?,
            Write::Replace { item, expected_version } => {
                put(&mut items, &mut gsi1, &mut gsi2, item, expected_version + 1)?
            }
            Write::Delete { key, .. } => {
                items.remove((key.pk.as_str(), key.sk.as_str())).map_err(backend)?;
            }
            Write::Count { key, delta, .. } => {
                let old = existing.as_ref().and_then(|r| r.n).unwrap_or(0);
                let record = Record {
                    v: existing.as_ref().map_or(1, |r| r.v + 1),
                    gsi1: None,
                    gsi2: None,
                    data: None,
                    n: Some(old + delta),
                    ttl: None,
                };
                items.insert((key.pk.as_str(), key.sk.as_str()), encode(&record)?.as_slice()).map_err(backend)?;
            }
        }
    }
    Ok(())
}

type IndexTable<'t> = redb::Table<'t, (&'static str, &'static str, &'static str, &'static str), ()>;

fn put(
    items: &mut redb::Table<'_, (&'static str, &'static str), &'static [u8]>,
    gsi1: &mut IndexTable<'_>,
    gsi2: &mut IndexTable<'_>,
    item: Item,
    version: u64,
) -> StoreResult<()> {
    let Item { key, gsi1: i1, gsi2: i2, data, expires, .. } = item;
    if let Some(ik) = &i1 {
        gsi1.insert((ik.pk.as_str(), ik.sk.as_str(), key.pk.as_str(), key.sk.as_str()), ()).map_err(backend)?;
    }
    if let Some(ik) = &i2 {
        gsi2.insert((ik.pk.as_str(), ik.sk.as_str(), key.pk.as_str(), key.sk.as_str()), ()).map_err(backend)?;
    }
    let record = Record { v: version, gsi1: i1, gsi2: i2, data: Some(data), n: None, ttl: expires };
    items.insert((key.pk.as_str(), key.sk.as_str()), encode(&record)?.as_slice()).map_err(backend)?;
    Ok(())
}

#[async_trait]
impl Store for EmbeddedStore {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        let key = key.clone();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            Ok(read_record(&items, &key)?.map(|r| r.into_item(key)))
        })
        .await
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> StoreResult<Vec<Item>> {
        let (pk, prefix) = (pk.to_owned(), sk_prefix.to_owned());
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            let mut out = Vec::new();
            for entry in items.range((pk.as_str(), prefix.as_str())..).map_err(backend)? {
                let (k, v) = entry.map_err(backend)?;
                let (p, s) = k.value();
                if p != pk || !s.starts_with(prefix.as_str()) {
                    break;
                }
                let key = Key::new(p, s);
                let record = decode(&key, v.value())?;
                if record.data.is_some() {
                    out.push(record.into_item(key));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn query_index(&self, index: Index, pk: &str) -> StoreResult<Vec<Item>> {
        let pk = pk.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let entries = txn.open_table(index_table(index)).map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            let mut out = Vec::new();
            for entry in entries.range((pk.as_str(), "", "", "")..).map_err(backend)? {
                let (k, _) = entry.map_err(backend)?;
                let (ipk, _, item_pk, item_sk) = k.value();
                if ipk != pk {
                    break;
                }
                let key = Key::new(item_pk, item_sk);
                if let Some(record) = read_record(&items, &key)? {
                    out.push(record.into_item(key));
                }
            }
            Ok(out)
        })
        .await
    }

    async fn count(&self, key: &Key) -> StoreResult<i64> {
        let key = key.clone();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let items = txn.open_table(ITEMS).map_err(backend)?;
            Ok(read_record(&items, &key)?.and_then(|r| r.n).unwrap_or(0))
        })
        .await
    }

    async fn transact(&self, writes: Vec<Write>) -> StoreResult<()> {
        check_transaction_shape(&writes)?;
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            match apply(&txn, writes) {
                Ok(()) => txn.commit().map_err(backend),
                Err(e) => {
                    txn.abort().map_err(backend)?;
                    Err(e)
                }
            }
        })
        .await
    }
}
