//! The DynamoDB store: one table, `pk`/`sk` plus two generic GSIs (`gsi1`, `gsi2`).
//!
//! Every write goes through `TransactWriteItems`, even a single one: one code path for
//! conditions and errors, at twice the write cost of a plain `PutItem` — cheap at the
//! volumes of a training registration or a monthly report. Conditions:
//! `Create` → `attribute_not_exists(pk)`, `Replace`/`Delete` → `v = :expected`,
//! `Count` → an `UPDATE … SET n = if_not_exists(n, 0) + :delta` whose condition keeps
//! the new value within its bounds.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, Delete, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    Projection, ProjectionType, Put, ScalarAttributeType, TransactWriteItem, Update,
};

use super::values::{from_attribute, to_attribute};
use super::{Index, Item, Key, Store, StoreError, StoreResult, Write, check_transaction_shape};

/// Builds a DynamoDB client from the usual AWS environment (region, credentials,
/// `AWS_ENDPOINT_URL`), or — when `endpoint` is given — for that endpoint with dummy
/// credentials, as for a local DynamoDB-compatible server.
pub async fn dynamo_client(endpoint: Option<&str>) -> Client {
    Client::new(&crate::aws::sdk_config(endpoint).await)
}

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn sdk_error<E: std::fmt::Debug + std::error::Error + 'static>(
    e: SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> StoreError {
    use aws_sdk_dynamodb::error::DisplayErrorContext;
    StoreError::Backend(format!("{}", DisplayErrorContext(&e)))
}

fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(format!("cannot build request: {e}"))
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore { client, table: table.into() }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table with the layout the store expects (on-demand billing). Used by
    /// tests and local set-ups; `infra/` declares the same table for AWS.
    pub async fn create_table(&self) -> StoreResult<()> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(build_error)
        };
        let gsi = |index: Index| -> StoreResult<GlobalSecondaryIndex> {
            let name = index.name();
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(&format!("{name}pk"), KeyType::Hash)?)
                .key_schema(key(&format!("{name}sk"), KeyType::Range)?)
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(build_error)
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("pk")?)
            .attribute_definitions(attr("sk")?)
            .attribute_definitions(attr("gsi1pk")?)
            .attribute_definitions(attr("gsi1sk")?)
            .attribute_definitions(attr("gsi2pk")?)
            .attribute_definitions(attr("gsi2sk")?)
            .key_schema(key("pk", KeyType::Hash)?)
            .key_schema(key("sk", KeyType::Range)?)
            .global_secondary_indexes(gsi(Index::Gsi1)?)
            .global_secondary_indexes(gsi(Index::Gsi2)?)
            .send()
            .await
            .map_err(sdk_error)?;
        // Records that only matter for a while are deleted by DynamoDB after `ttl`.
        let ttl = aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
            .attribute_name(super::TTL_ATTRIBUTE)
            .enabled(true)
            .build()
            .map_err(build_error)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    fn item_attributes(item: Item, version: u64) -> HashMap<String, AttributeValue> {
        let mut m = HashMap::new();
        m.insert("pk".into(), s(item.key.pk));
        m.insert("sk".into(), s(item.key.sk));
        m.insert("v".into(), n(version));
        m.insert("data".into(), to_attribute(&item.data));
        if let Some(at) = item.expires {
            m.insert(super::TTL_ATTRIBUTE.into(), n(at));
        }
        for (index, ik) in [(Index::Gsi1, item.gsi1), (Index::Gsi2, item.gsi2)] {
            if let Some(ik) = ik {
                m.insert(format!("{}pk", index.name()), s(ik.pk));
                m.insert(format!("{}sk", index.name()), s(ik.sk));
            }
        }
        m
    }

    fn transact_item(&self, write: Write) -> StoreResult<TransactWriteItem> {
        let key_map = |key: Key| HashMap::from([("pk".to_string(), s(key.pk)), ("sk".to_string(), s(key.sk))]);
        Ok(match write {
            Write::Create(item) => TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(Self::item_attributes(item, 1)))
                        .condition_expression("attribute_not_exists(pk)")
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
            Write::Replace { item, expected_version } => TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(Self::item_attributes(item, expected_version + 1)))
                        .condition_expression("attribute_exists(#d) AND #v = :expected")
                        .expression_attribute_names("#d", "data")
                        .expression_attribute_names("#v", "v")
                        .expression_attribute_values(":expected", n(expected_version))
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
            Write::Delete { key, expected_version } => TransactWriteItem::builder()
                .delete(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_map(key)))
                        .condition_expression("attribute_exists(#d) AND #v = :expected")
                        .expression_attribute_names("#d", "data")
                        .expression_attribute_names("#v", "v")
                        .expression_attribute_values(":expected", n(expected_version))
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
            Write::Count { key, delta, bounds } => {
                // new = old + delta, old = 0 when absent. Each bound becomes a condition
                // on the old value; an absent counter passes when 0 would.
                let mut conditions = Vec::new();
                let mut values = HashMap::from([(":zero".to_string(), n(0)), (":delta".to_string(), n(delta))]);
                if let Some(hi) = bounds.at_most {
                    let limit = hi.saturating_sub(delta);
                    values.insert(":hi".into(), n(limit));
                    conditions.push(if 0 <= limit { "(attribute_not_exists(#n) OR #n <= :hi)" } else { "#n <= :hi" });
                }
                if let Some(lo) = bounds.at_least {
                    let limit = lo.saturating_sub(delta);
                    values.insert(":lo".into(), n(limit));
                    conditions.push(if 0 >= limit { "(attribute_not_exists(#n) OR #n >= :lo)" } else { "#n >= :lo" });
                }
                let mut update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key_map(key)))
                    .update_expression("SET #n = if_not_exists(#n, :zero) + :delta")
                    .expression_attribute_names("#n", "n")
                    .set_expression_attribute_values(Some(values));
                if !conditions.is_empty() {
                    update = update.condition_expression(conditions.join(" AND "));
                }
                TransactWriteItem::builder().update(update.build().map_err(build_error)?).build()
            }
        })
    }

    fn item_from(&self, mut m: HashMap<String, AttributeValue>) -> StoreResult<Item> {
        let take_s = |m: &mut HashMap<String, AttributeValue>, name: &str| match m.remove(name) {
            Some(AttributeValue::S(v)) => Some(v),
            _ => None,
        };
        let pk = take_s(&mut m, "pk").unwrap_or_default();
        let sk = take_s(&mut m, "sk").unwrap_or_default();
        let key = Key::new(pk, sk);
        let corrupt = |reason: String| StoreError::Corrupt { key: key.clone(), reason };
        let version = match m.get("v") {
            Some(AttributeValue::N(v)) => v.parse().map_err(|_| corrupt(format!("version {v:?} is not a number")))?,
            _ => 0,
        };
        let data = match m.get("data") {
            Some(d) => from_attribute(d).map_err(corrupt)?,
            None => serde_json::Value::Null,
        };
        let mut index_key = |index: Index| {
            let p = take_s(&mut m, &format!("{}pk", index.name()));
            let q = take_s(&mut m, &format!("{}sk", index.name()));
            p.zip(q).map(|(p, q)| Key::new(p, q))
        };
        let gsi1 = index_key(Index::Gsi1);
        let gsi2 = index_key(Index::Gsi2);
        let expires = match m.get(super::TTL_ATTRIBUTE) {
            Some(AttributeValue::N(at)) => {
                Some(at.parse().map_err(|_| corrupt(format!("ttl {at:?} is not a number")))?)
            }
            _ => None,
        };
        Ok(Item { key, version, gsi1, gsi2, data, expires })
    }

    async fn query_pages(
        &self,
        index: Option<Index>,
        condition: &str,
        values: HashMap<String, AttributeValue>,
    ) -> StoreResult<Vec<Item>> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let mut q = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .set_expression_attribute_values(Some(values.clone()))
                .set_exclusive_start_key(start.take());
            q = match index {
                Some(index) => q.index_name(index.name()),
                None => q.consistent_read(true),
            };
            let page = q.send().await.map_err(sdk_error)?;
            for m in page.items.unwrap_or_default() {
                if m.contains_key("data") {
                    out.push(self.item_from(m)?);
                }
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => return Ok(out),
            }
        }
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk))
            .key("sk", s(&key.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        out.item.map(|m| self.item_from(m)).transpose()
    }

    async fn query(&self, pk: &str, sk_prefix: &str) -> StoreResult<Vec<Item>> {
        let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
        let condition = if sk_prefix.is_empty() {
            "pk = :pk"
        } else {
            values.insert(":prefix".into(), s(sk_prefix));
            "pk = :pk AND begins_with(sk, :prefix)"
        };
        self.query_pages(None, condition, values).await
    }

    async fn query_index(&self, index: Index, pk: &str) -> StoreResult<Vec<Item>> {
        let condition = format!("{}pk = :pk", index.name());
        self.query_pages(Some(index), &condition, HashMap::from([(":pk".to_string(), s(pk))])).await
    }

    async fn count(&self, key: &Key) -> StoreResult<i64> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk))
            .key("sk", s(&key.sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk_error)?;
        match out.item.as_ref().and_then(|m| m.get("n")) {
            Some(AttributeValue::N(v)) => v.parse().map_err(|_| StoreError::Corrupt {
                key: key.clone(),
                reason: format!("counter {v:?} is not a number"),
            }),
            _ => Ok(0),
        }
    }

    async fn transact(&self, writes: Vec<Write>) -> StoreResult<()> {
        check_transaction_shape(&writes)?;
        let items = writes.into_iter().map(|w| self.transact_item(w)).collect::<StoreResult<Vec<_>>>()?;
        match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(()),
            Err(e) => Err(match e.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => {
                    let reasons = cancel.cancellation_reasons();
                    let failed = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed"));
                    match failed {
                        Some(index) => StoreError::ConditionFailed { index },
                        None if reasons.iter().any(|r| {
                            matches!(
                                r.code(),
                                Some("TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded")
                            )
                        }) =>
                        {
                            StoreError::Contention
                        }
                        None => sdk_error(e),
                    }
                }
                Some(
                    TransactWriteItemsError::TransactionInProgressException(_)
                    | TransactWriteItemsError::ProvisionedThroughputExceededException(_)
                    | TransactWriteItemsError::RequestLimitExceeded(_),
                ) => StoreError::Contention,
                _ => sdk_error(e),
            }),
        }
    }
}
