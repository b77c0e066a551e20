//! Plan helpers shared by resources: which attributes force replacement, and semantic equality
//! for JSON strings so a rewrite that means the same thing is not a change.

use crate::value::{AttributePath, Value};

/// True when both strings parse as JSON and mean the same (spacing and key order ignored).
pub fn json_equivalent(a: &str, b: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(a),
        serde_json::from_str::<serde_json::Value>(b),
    ) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Paths of `attrs` whose planned value differs from the prior one. An unknown planned value
/// counts as a change: it may turn out different.
pub fn requires_replace(prior: &Value, planned: &Value, attrs: &[&str]) -> Vec<AttributePath> {
    attrs
        .iter()
        .filter(|name| prior.attr(name) != planned.attr(name))
        .map(|name| AttributePath::attr(name))
        .collect()
}

/// Keeps the prior value of a JSON string attribute when the new one means the same, so state
/// keeps what was stored and the plan shows no change.
pub fn keep_equivalent_json(prior: &Value, planned: &mut Value, name: &str) {
    if let (Some(old), Some(new)) = (prior.attr(name).as_str(), planned.attr(name).as_str()) {
        if old != new && json_equivalent(old, new) {
            let kept = prior.attr(name).clone();
            planned.set_attr(name, kept);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_equality_ignores_spacing_and_key_order() {
        assert!(json_equivalent(
            r#"[{"namespace":"a","authToken":"t"}]"#,
            "[ {\n \"authToken\": \"t\", \"namespace\": \"a\" } ]"
        ));
        assert!(!json_equivalent(
            r#"[{"namespace":"a"}]"#,
            r#"[{"namespace":"b"}]"#
        ));
        assert!(
            !json_equivalent(r#"[1,2]"#, r#"[2,1]"#),
            "array order matters"
        );
        assert!(!json_equivalent("not json", "not  json"));
    }

    #[test]
    fn equivalent_json_keeps_the_prior_text() {
        let prior = Value::object([("p", Value::from(r#"{"a":1,"b":2}"#))]);
        let mut planned = Value::object([("p", Value::from(r#"{ "b": 2, "a": 1 }"#))]);
        keep_equivalent_json(&prior, &mut planned, "p");
        assert_eq!(planned.attr("p"), prior.attr("p"));
        let mut changed = Value::object([("p", Value::from(r#"{"a":2}"#))]);
        keep_equivalent_json(&prior, &mut changed, "p");
        assert_eq!(changed.attr("p"), &Value::from(r#"{"a":2}"#));
    }

    #[test]
    fn replacement_paths() {
        let prior = Value::object([("a", Value::from("x")), ("b", Value::from("y"))]);
        let planned = Value::object([("a", Value::from("x")), ("b", Value::Unknown)]);
        assert_eq!(
            requires_replace(&prior, &planned, &["a", "b"]),
            vec![AttributePath::attr("b")]
        );
    }
}
