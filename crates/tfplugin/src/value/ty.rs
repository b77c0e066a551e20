//! cty types and their JSON form, which is how schemas describe attribute types on the wire.

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// A cty type. Object attributes are kept sorted, as cty does, so encodings are deterministic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    String,
    Number,
    Bool,
    /// Any type, decided per value (`"dynamic"` in type JSON).
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object(BTreeMap<String, Type>),
    Tuple(Vec<Type>),
}

impl Type {
    pub fn list(element: Type) -> Self {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Self {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Self {
        Type::Map(Box::new(element))
    }

    pub fn object<I, K>(attrs: I) -> Self
    where
        I: IntoIterator<Item = (K, Type)>,
        K: Into<String>,
    {
        Type::Object(attrs.into_iter().map(|(k, t)| (k.into(), t)).collect())
    }

    /// The type JSON Terraform expects in `Schema.Attribute.type` (invalid JSON there makes
    /// Terraform panic, so this is the only place that writes it).
    pub fn to_json(&self) -> Json {
        match self {
            Type::String => Json::from("string"),
            Type::Number => Json::from("number"),
            Type::Bool => Json::from("bool"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(e) => Json::Array(vec!["list".into(), e.to_json()]),
            Type::Set(e) => Json::Array(vec!["set".into(), e.to_json()]),
            Type::Map(e) => Json::Array(vec!["map".into(), e.to_json()]),
            Type::Object(attrs) => Json::Array(vec![
                "object".into(),
                Json::Object(
                    attrs
                        .iter()
                        .map(|(k, t)| (k.clone(), t.to_json()))
                        .collect(),
                ),
            ]),
            Type::Tuple(elems) => Json::Array(vec![
                "tuple".into(),
                Json::Array(elems.iter().map(Type::to_json).collect()),
            ]),
        }
    }

    pub fn to_json_bytes(&self) -> Vec<u8> {
        self.to_json().to_string().into_bytes()
    }

    /// Parses type JSON, as found in the first element of a dynamic value.
    pub fn from_json(json: &Json) -> Result<Type, String> {
        match json {
            Json::String(s) => match s.as_str() {
                "string" => Ok(Type::String),
                "number" => Ok(Type::Number),
                "bool" => Ok(Type::Bool),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(format!("unknown primitive type {other:?}")),
            },
            Json::Array(parts) if parts.len() == 2 => {
                let kind = parts[0].as_str().ok_or("type kind must be a string")?;
                match kind {
                    "list" => Ok(Type::list(Type::from_json(&parts[1])?)),
                    "set" => Ok(Type::set(Type::from_json(&parts[1])?)),
                    "map" => Ok(Type::map(Type::from_json(&parts[1])?)),
                    "object" => {
                        let attrs = parts[1]
                            .as_object()
                            .ok_or("object attributes must be a map")?;
                        let mut out = BTreeMap::new();
                        for (k, t) in attrs {
                            out.insert(k.clone(), Type::from_json(t)?);
                        }
                        Ok(Type::Object(out))
                    }
                    "tuple" => {
                        let elems = parts[1].as_array().ok_or("tuple elements must be a list")?;
                        Ok(Type::Tuple(
                            elems
                                .iter()
                                .map(Type::from_json)
                                .collect::<Result<_, _>>()?,
                        ))
                    }
                    other => Err(format!("unknown type kind {other:?}")),
                }
            }
            Json::Array(parts) if parts.len() == 3 && parts[0] == "object" => {
                // Objects with optional attributes carry a third element; the attribute types
                // are all a decoder needs.
                Type::from_json(&Json::Array(vec![parts[0].clone(), parts[1].clone()]))
            }
            other => Err(format!("invalid type JSON {other}")),
        }
    }

    pub fn from_json_bytes(bytes: &[u8]) -> Result<Type, String> {
        let json: Json = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        Type::from_json(&json)
    }

    pub fn friendly_name(&self) -> String {
        match self {
            Type::String => "string".into(),
            Type::Number => "number".into(),
            Type::Bool => "bool".into(),
            Type::Dynamic => "any value".into(),
            Type::List(e) => format!("list of {}", e.friendly_name()),
            Type::Set(e) => format!("set of {}", e.friendly_name()),
            Type::Map(e) => format!("map of {}", e.friendly_name()),
            Type::Object(_) => "object".into(),
            Type::Tuple(_) => "tuple".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_json_matches_terraform_spelling() {
        let t = Type::object([
            ("id", Type::String),
            ("ports", Type::list(Type::Number)),
            ("tags", Type::map(Type::String)),
            ("flags", Type::set(Type::Bool)),
        ]);
        assert_eq!(
            t.to_json().to_string(),
            r#"["object",{"flags":["set","bool"],"id":"string","ports":["list","number"],"tags":["map","string"]}]"#
        );
        assert_eq!(Type::from_json(&t.to_json()), Ok(t));
    }

    #[test]
    fn type_json_rejects_nonsense() {
        assert!(Type::from_bytes_err(br#""strin""#));
        assert!(Type::from_bytes_err(br#"["list"]"#));
        assert!(Type::from_bytes_err(br#"["frob","string"]"#));
        assert!(Type::from_bytes_err(b"{"));
    }

    impl Type {
        fn from_bytes_err(b: &[u8]) -> bool {
            Type::from_json_bytes(b).is_err()
        }
    }
}
