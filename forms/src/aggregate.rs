//! The annual report, generated from the monthly ones (seed 002: 年报数据根据月度数据自动生成).
//!
//! Each field of a monthly form says how it carries over into the year:
//! a `flow` is summed over the months (papers published, funding raised), a `stock`
//! is the latest month's value (staff on the books), and `collect` keeps every
//! month's entry (key events as text under their month, attachments listed together).
//! Fields without `aggregate` are treated as stocks.

use serde_json::{Map, Value};

use crate::number::Decimal;
use crate::schema::{Aggregate, FieldType, Schema};
use crate::validate::empty_value;

impl Schema {
    /// Aggregates normalised monthly values (as returned by [`Schema::validate`]) into
    /// one annual value of the same shape. The months may come in any order: when the
    /// form has a month field (the report's period), "latest" means the greatest
    /// period; otherwise the last in the slice. Numbers missing from a month count as 0.
    pub fn aggregate_annual(&self, months: &[Value]) -> Value {
        let period = self.fields.iter().find(|f| f.kind == FieldType::Month).map(|f| f.id.as_str());
        let mut ordered: Vec<&Map<String, Value>> = months.iter().filter_map(Value::as_object).collect();
        if let Some(period) = period {
            ordered.sort_by(|a, b| text(a.get(period)).cmp(text(b.get(period))));
        }
        let latest = ordered.last();
        let mut annual = Map::new();
        for field in self.fields.iter().filter(|f| f.kind != FieldType::Honeypot) {
            let id = &field.id;
            let value = match field.aggregation() {
                Aggregate::Flow => ordered
                    .iter()
                    .map(|m| number(m.get(id)))
                    .try_fold(Decimal::ZERO, Decimal::checked_add)
                    .map_or(Value::Null, Decimal::to_json),
                Aggregate::Stock => latest.and_then(|m| m.get(id)).cloned().unwrap_or_else(|| empty_value(field)),
                Aggregate::Collect if field.kind == FieldType::File => {
                    Value::Array(ordered.iter().filter_map(|m| m.get(id)?.as_array()).flatten().cloned().collect())
                }
                Aggregate::Collect => {
                    let entries: Vec<String> = ordered
                        .iter()
                        .filter_map(|m| {
                            let entry = text(m.get(id));
                            if entry.is_empty() {
                                return None;
                            }
                            Some(match period {
                                Some(p) => format!("【{}】{entry}", text(m.get(p))),
                                None => entry.to_string(),
                            })
                        })
                        .collect();
                    Value::String(entries.join("\n\n"))
                }
            };
            annual.insert(id.clone(), value);
        }
        Value::Object(annual)
    }
}

fn text(v: Option<&Value>) -> &str {
    v.and_then(Value::as_str).unwrap_or_default()
}

fn number(v: Option<&Value>) -> Decimal {
    match v {
        Some(Value::Number(n)) => Decimal::from_json(n).unwrap_or(Decimal::ZERO),
        Some(Value::String(s)) => Decimal::parse(s.trim()).unwrap_or(Decimal::ZERO),
        _ => Decimal::ZERO,
    }
}
