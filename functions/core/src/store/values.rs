//! JSON bodies to DynamoDB attribute values and back, so items stay readable in the
//! console (a map, not an opaque string).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

pub fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(a) => AttributeValue::L(a.iter().map(to_attribute).collect()),
        Value::Object(o) => AttributeValue::M(o.iter().map(|(k, v)| (k.clone(), to_attribute(v))).collect()),
    }
}

pub fn from_attribute(value: &AttributeValue) -> Result<Value, String> {
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::N(n) => Value::Number(parse_number(n)?),
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::L(l) => Value::Array(l.iter().map(from_attribute).collect::<Result<_, _>>()?),
        AttributeValue::M(m) => Value::Object(from_map(m)?),
        other => return Err(format!("unsupported attribute type {other:?}")),
    })
}

pub fn from_map(m: &HashMap<String, AttributeValue>) -> Result<Map<String, Value>, String> {
    m.iter().map(|(k, v)| Ok((k.clone(), from_attribute(v)?))).collect()
}

fn parse_number(n: &str) -> Result<Number, String> {
    if let Ok(i) = n.parse::<i64>() {
        return Ok(Number::from(i));
    }
    if let Ok(u) = n.parse::<u64>() {
        return Ok(Number::from(u));
    }
    n.parse::<f64>().ok().and_then(Number::from_f64).ok_or_else(|| format!("number {n:?} is not representable"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_survives_the_round_trip_through_attribute_values() {
        let v =
            json!({"s": "张三", "n": 42, "neg": -3, "f": 1.5, "b": true, "z": null, "l": [1, "a", {"x": []}], "e": ""});
        let back = from_attribute(&to_attribute(&v)).unwrap();
        assert_eq!(back, v);
    }
}
