//! The JSON form of cty values: Terraform's fallback `DynamicValue` encoding and the form raw
//! state arrives in for `UpgradeResourceState`. JSON cannot say "unknown", so it never appears.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::{within_depth, AttributePath, DecodeError, Number, Type, Value};

pub fn decode_json(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let json: Json = serde_json::from_slice(bytes)
        .map_err(|e| DecodeError::invalid(&AttributePath::root(), format!("invalid JSON: {e}")))?;
    from_json(&json, ty, &AttributePath::root(), 0)
}

fn from_json(
    json: &Json,
    ty: &Type,
    path: &AttributePath,
    depth: usize,
) -> Result<Value, DecodeError> {
    within_depth(depth)?;
    let mismatch = || DecodeError::invalid(path, format!("expected {}", ty.friendly_name()));
    Ok(match (ty, json) {
        (_, Json::Null) => Value::Null,
        (Type::String, Json::String(s)) => Value::String(s.clone()),
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        // serde_json keeps the digits (`arbitrary_precision`), so stored state with numbers
        // past i64 and f64 comes back exactly as Terraform wrote it.
        (Type::Number, Json::Number(n)) => Value::Number(match n.as_i64() {
            Some(i) => Number::Int(i),
            None => Number::parse(&n.to_string()).ok_or_else(mismatch)?,
        }),
        (Type::Number, Json::String(s)) => Value::Number(
            Number::parse(s)
                .ok_or_else(|| DecodeError::invalid(path, format!("{s:?} is not a number")))?,
        ),
        (Type::List(elem) | Type::Set(elem), Json::Array(items)) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, j)| from_json(j, elem, &path.then_index(i as i64), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            if matches!(ty, Type::List(_)) {
                Value::List(items)
            } else {
                Value::Set(items)
            }
        }
        (Type::Tuple(elems), Json::Array(items)) if elems.len() == items.len() => Value::Tuple(
            items
                .iter()
                .zip(elems)
                .enumerate()
                .map(|(i, (j, t))| from_json(j, t, &path.then_index(i as i64), depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Map(elem), Json::Object(map)) => Value::Map(
            map.iter()
                .map(|(k, j)| Ok((k.clone(), from_json(j, elem, &path.then_key(k), depth + 1)?)))
                .collect::<Result<_, DecodeError>>()?,
        ),
        (Type::Object(attrs), Json::Object(map)) => {
            let mut out = BTreeMap::new();
            for (k, j) in map {
                let attr_path = path.then_attr(k);
                let attr_ty = attrs
                    .get(k)
                    .ok_or_else(|| DecodeError::invalid(&attr_path, "unsupported attribute"))?;
                out.insert(k.clone(), from_json(j, attr_ty, &attr_path, depth + 1)?);
            }
            for name in attrs.keys() {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Value::Object(out)
        }
        (Type::Dynamic, Json::Object(map)) => {
            let inner_ty = map
                .get("type")
                .ok_or_else(mismatch)
                .and_then(|t| Type::from_json(t).map_err(|e| DecodeError::invalid(path, e)))?;
            let inner = from_json(
                map.get("value").unwrap_or(&Json::Null),
                &inner_ty,
                path,
                depth + 1,
            )?;
            Value::Dynamic(inner_ty, Box::new(inner))
        }
        _ => return Err(mismatch()),
    })
}

/// Renders a value as JSON (unknown as null): for logs, docs and tests, never for Terraform.
pub fn encode_json(value: &Value) -> Json {
    match value {
        Value::Null | Value::Unknown => Json::Null,
        Value::String(s) => Json::String(s.clone()),
        Value::Number(Number::Int(i)) => Json::from(*i),
        Value::Number(Number::Float(f)) => Json::from(*f),
        Value::Number(Number::Decimal(s)) => Json::String(s.clone()),
        Value::Bool(b) => Json::Bool(*b),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            Json::Array(items.iter().map(encode_json).collect())
        }
        Value::Map(map) | Value::Object(map) => Json::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), encode_json(v)))
                .collect(),
        ),
        Value::Dynamic(ty, v) => {
            serde_json::json!({ "type": ty.to_json(), "value": encode_json(v) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_state_json_fills_missing_attributes() {
        let ty = Type::object([
            ("id", Type::String),
            ("port", Type::Number),
            ("names", Type::list(Type::String)),
        ]);
        let v = decode_json(br#"{"id":"7","names":["a"]}"#, &ty).unwrap();
        assert_eq!(
            v,
            Value::object([
                ("id", Value::from("7")),
                ("names", Value::List(vec!["a".into()])),
                ("port", Value::Null)
            ])
        );
    }

    #[test]
    fn json_errors_name_the_attribute() {
        let ty = Type::object([("port", Type::Number)]);
        let err = decode_json(br#"{"port":true}"#, &ty).unwrap_err();
        assert_eq!(err.to_string(), "port: expected number");
        assert!(decode_json(b"{", &ty).is_err());
        assert!(decode_json(br#"{"x":1}"#, &ty).is_err());
    }
}
