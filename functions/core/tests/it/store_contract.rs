//! One contract, two stores: every behaviour the workflows rely on, run against the
//! embedded store and against DynamoDB (moto). A new backend joins by adding one line
//! to the `contract!` invocations at the bottom.

use gazette_core::store::{Bounds, Index, Item, Key, SharedStore, StoreError, Write};
use serde_json::json;

fn item(pk: &str, sk: &str, data: serde_json::Value) -> Item {
    Item::new(Key::new(pk, sk), data)
}

fn failed_at(result: Result<(), StoreError>) -> usize {
    match result {
        Err(StoreError::ConditionFailed { index }) => index,
        other => panic!("expected a refused condition, got {other:?}"),
    }
}

pub async fn create_stores_an_item_at_version_one(store: SharedStore) {
    store.transact(vec![Write::Create(item("P", "A", json!({"name": "张三", "n": 3})))]).await.unwrap();
    let got = store.get(&Key::new("P", "A")).await.unwrap().expect("stored");
    assert_eq!(got.version, 1);
    assert_eq!(got.data, json!({"name": "张三", "n": 3}));
    assert_eq!(store.get(&Key::new("P", "B")).await.unwrap(), None);
}

pub async fn create_is_refused_when_the_key_exists(store: SharedStore) {
    store.transact(vec![Write::Create(item("P", "A", json!(1)))]).await.unwrap();
    assert_eq!(failed_at(store.transact(vec![Write::Create(item("P", "A", json!(2)))]).await), 0);
    assert_eq!(store.get(&Key::new("P", "A")).await.unwrap().unwrap().data, json!(1));
}

pub async fn replace_needs_the_current_version_and_bumps_it(store: SharedStore) {
    store.transact(vec![Write::Create(item("P", "A", json!("v1")))]).await.unwrap();
    store.transact(vec![Write::Replace { item: item("P", "A", json!("v2")), expected_version: 1 }]).await.unwrap();
    let got = store.get(&Key::new("P", "A")).await.unwrap().unwrap();
    assert_eq!((got.version, got.data), (2, json!("v2")));
    // A writer still holding version 1 is refused: optimistic concurrency.
    let stale =
        store.transact(vec![Write::Replace { item: item("P", "A", json!("stale")), expected_version: 1 }]).await;
    assert_eq!(failed_at(stale), 0);
    assert_eq!(store.get(&Key::new("P", "A")).await.unwrap().unwrap().data, json!("v2"));
}

pub async fn replace_and_delete_of_a_missing_item_are_refused(store: SharedStore) {
    let r = store.transact(vec![Write::Replace { item: item("P", "none", json!(1)), expected_version: 1 }]).await;
    assert_eq!(failed_at(r), 0);
    let d = store.transact(vec![Write::Delete { key: Key::new("P", "none"), expected_version: 1 }]).await;
    assert_eq!(failed_at(d), 0);
}

pub async fn delete_needs_the_current_version(store: SharedStore) {
    store.transact(vec![Write::Create(item("P", "A", json!(1)))]).await.unwrap();
    assert_eq!(
        failed_at(store.transact(vec![Write::Delete { key: Key::new("P", "A"), expected_version: 7 }]).await),
        0
    );
    store.transact(vec![Write::Delete { key: Key::new("P", "A"), expected_version: 1 }]).await.unwrap();
    assert_eq!(store.get(&Key::new("P", "A")).await.unwrap(), None);
}

pub async fn a_transaction_writes_all_or_nothing_and_names_the_failed_write(store: SharedStore) {
    store.transact(vec![Write::Create(item("P", "taken", json!(0)))]).await.unwrap();
    let r = store
        .transact(vec![
            Write::Create(item("P", "new-1", json!(1))),
            Write::Count { key: Key::new("P", "COUNT"), delta: 1, bounds: Bounds::NONE },
            Write::Create(item("P", "taken", json!(2))),
            Write::Create(item("Q", "new-2", json!(3))),
        ])
        .await;
    assert_eq!(failed_at(r), 2);
    assert_eq!(store.get(&Key::new("P", "new-1")).await.unwrap(), None);
    assert_eq!(store.get(&Key::new("Q", "new-2")).await.unwrap(), None);
    assert_eq!(store.count(&Key::new("P", "COUNT")).await.unwrap(), 0);
}

pub async fn two_writes_to_one_key_in_a_transaction_are_invalid(store: SharedStore) {
    let r = store
        .transact(vec![
            Write::Create(item("P", "A", json!(1))),
            Write::Count { key: Key::new("P", "A"), delta: 1, bounds: Bounds::NONE },
        ])
        .await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
    assert!(matches!(store.transact(vec![]).await, Err(StoreError::Invalid(_))));
}

pub async fn counters_start_at_zero_and_respect_their_bounds(store: SharedStore) {
    let seats = Key::new("C", "SEATS");
    assert_eq!(store.count(&seats).await.unwrap(), 0);
    for _ in 0..3 {
        store.transact(vec![Write::Count { key: seats.clone(), delta: 1, bounds: Bounds::at_most(3) }]).await.unwrap();
    }
    assert_eq!(
        failed_at(
            store.transact(vec![Write::Count { key: seats.clone(), delta: 1, bounds: Bounds::at_most(3) }]).await
        ),
        0
    );
    assert_eq!(store.count(&seats).await.unwrap(), 3);
    // A zero delta is a pure check.
    store.transact(vec![Write::Count { key: seats.clone(), delta: 0, bounds: Bounds::at_least(3) }]).await.unwrap();
    assert_eq!(
        failed_at(
            store.transact(vec![Write::Count { key: seats.clone(), delta: 0, bounds: Bounds::at_most(2) }]).await
        ),
        0
    );
    store.transact(vec![Write::Count { key: seats.clone(), delta: -3, bounds: Bounds::at_least(0) }]).await.unwrap();
    assert_eq!(
        failed_at(
            store.transact(vec![Write::Count { key: seats.clone(), delta: -1, bounds: Bounds::at_least(0) }]).await
        ),
        0
    );
    assert_eq!(store.count(&seats).await.unwrap(), 0);
    // An absent counter is 0 for its bounds too.
    let fresh = Key::new("C", "FRESH");
    assert_eq!(
        failed_at(
            store.transact(vec![Write::Count { key: fresh.clone(), delta: 0, bounds: Bounds::at_least(1) }]).await
        ),
        0
    );
    store.transact(vec![Write::Count { key: fresh.clone(), delta: 0, bounds: Bounds::at_most(0) }]).await.unwrap();
    assert_eq!(store.count(&fresh).await.unwrap(), 0);
}

pub async fn query_lists_a_partition_by_prefix_in_sort_key_order(store: SharedStore) {
    let mut writes = vec![];
    for sk in ["REG#03", "REG#01", "EMAIL#a@b.c", "REG#02"] {
        writes.push(Write::Create(item("COURSE#x", sk, json!({ "sk": sk }))));
    }
    writes.push(Write::Create(item("COURSE#y", "REG#00", json!({}))));
    writes.push(Write::Count { key: Key::new("COURSE#x", "REG#COUNTER"), delta: 1, bounds: Bounds::NONE });
    store.transact(writes).await.unwrap();
    let sks: Vec<String> = store.query("COURSE#x", "REG#").await.unwrap().into_iter().map(|i| i.key.sk).collect();
    assert_eq!(sks, ["REG#01", "REG#02", "REG#03"], "counters are not items and other partitions stay out");
    assert_eq!(store.query("COURSE#x", "").await.unwrap().len(), 4);
    assert!(store.query("COURSE#none", "").await.unwrap().is_empty());
}

pub async fn index_queries_find_items_by_their_secondary_keys(store: SharedStore) {
    store
        .transact(vec![
            Write::Create(item("COURSE#x", "REG#2", json!(2)).with_index(Index::Gsi1, "REG#2", "REG").with_index(
                Index::Gsi2,
                "UNIT#a",
                "2",
            )),
            Write::Create(item("COURSE#y", "REG#1", json!(1)).with_index(Index::Gsi2, "UNIT#a", "1")),
        ])
        .await
        .unwrap();
    let by_id = store.query_index(Index::Gsi1, "REG#2").await.unwrap();
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].key, Key::new("COURSE#x", "REG#2"));
    let by_unit: Vec<_> = store.query_index(Index::Gsi2, "UNIT#a").await.unwrap().into_iter().map(|i| i.data).collect();
    assert_eq!(by_unit, [json!(1), json!(2)], "ordered by index sort key");
    assert!(store.query_index(Index::Gsi1, "REG#404").await.unwrap().is_empty());
}

pub async fn index_entries_follow_replaces_and_deletes(store: SharedStore) {
    store.transact(vec![Write::Create(item("P", "A", json!(1)).with_index(Index::Gsi1, "OLD", "x"))]).await.unwrap();
    store
        .transact(vec![Write::Replace {
            item: item("P", "A", json!(2)).with_index(Index::Gsi1, "NEW", "x"),
            expected_version: 1,
        }])
        .await
        .unwrap();
    assert!(store.query_index(Index::Gsi1, "OLD").await.unwrap().is_empty());
    assert_eq!(store.query_index(Index::Gsi1, "NEW").await.unwrap()[0].version, 2);
    store.transact(vec![Write::Delete { key: Key::new("P", "A"), expected_version: 2 }]).await.unwrap();
    assert!(store.query_index(Index::Gsi1, "NEW").await.unwrap().is_empty());
}

pub async fn concurrent_creates_of_one_key_let_exactly_one_win(store: SharedStore) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.spawn(async move { store.transact(vec![Write::Create(item("P", "ONE", json!(i)))]).await });
    }
    let mut won = 0;
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            Ok(()) => won += 1,
            Err(StoreError::ConditionFailed { index: 0 } | StoreError::Contention) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(won, 1);
}

on_both_stores!(
    create_stores_an_item_at_version_one,
    create_is_refused_when_the_key_exists,
    replace_needs_the_current_version_and_bumps_it,
    replace_and_delete_of_a_missing_item_are_refused,
    delete_needs_the_current_version,
    a_transaction_writes_all_or_nothing_and_names_the_failed_write,
    two_writes_to_one_key_in_a_transaction_are_invalid,
    counters_start_at_zero_and_respect_their_bounds,
    query_lists_a_partition_by_prefix_in_sort_key_order,
    index_queries_find_items_by_their_secondary_keys,
    index_entries_follow_replaces_and_deletes,
    concurrent_creates_of_one_key_let_exactly_one_win,
);

#[tokio::test]
async fn embedded_data_survives_reopening_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = gazette_core::store::EmbeddedStore::open(dir.path()).unwrap();
        use gazette_core::store::Store;
        store
            .transact(vec![
                Write::Create(item("P", "A", json!({"kept": true})).with_index(Index::Gsi1, "I", "1")),
                Write::Count { key: Key::new("P", "N"), delta: 5, bounds: Bounds::NONE },
            ])
            .await
            .unwrap();
    }
    use gazette_core::store::Store;
    let store = gazette_core::store::EmbeddedStore::open(dir.path()).unwrap();
    assert_eq!(store.get(&Key::new("P", "A")).await.unwrap().unwrap().data, json!({"kept": true}));
    assert_eq!(store.count(&Key::new("P", "N")).await.unwrap(), 5);
    assert_eq!(store.query_index(Index::Gsi1, "I").await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_embedded_store_sweeps_expired_records_with_their_index_entries() {
    let dir = tempfile::tempdir().unwrap();
    let store = gazette_core::store::EmbeddedStore::open(dir.path()).unwrap();
    let expired = Item::new(Key::new("ATTEMPT#a", "ATTEMPT"), serde_json::json!({"x": 1}))
        .with_index(Index::Gsi1, "G", "1")
        .expiring_at(1_000);
    let kept = Item::new(Key::new("ATTEMPT#b", "ATTEMPT"), serde_json::json!({"x": 2})).expiring_at(5_000);
    let lasting = Item::new(Key::new("UNIT#u", "PLAN#2027"), serde_json::json!({"x": 3}));
    use gazette_core::store::Store;
    store.transact(vec![Write::Create(expired), Write::Create(kept), Write::Create(lasting)]).await.unwrap();
    assert_eq!(store.get(&Key::new("ATTEMPT#b", "ATTEMPT")).await.unwrap().unwrap().expires, Some(5_000));
    assert_eq!(store.sweep_expired(2_000).await.unwrap(), 1);
    assert!(store.get(&Key::new("ATTEMPT#a", "ATTEMPT")).await.unwrap().is_none());
    assert!(store.query_index(Index::Gsi1, "G").await.unwrap().is_empty());
    assert!(store.get(&Key::new("ATTEMPT#b", "ATTEMPT")).await.unwrap().is_some());
    assert!(store.get(&Key::new("UNIT#u", "PLAN#2027")).await.unwrap().is_some());
}
