//! The planning rules every resource gets from its schema's flags: computed attributes the
//! configuration leaves unset are unknown at create, `json` attributes keep the prior text
//! when they mean the same, and a change to a `requires_replace` attribute plans a
//! replacement. A resource adds only its own rules (`Resource::modify_plan`).

use super::{Block, Diagnostics};
use crate::value::{AttributePath, Value};

/// A plan in the making, handed to `Resource::modify_plan` after the framework's rules.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    /// Null for a create.
    pub prior: &'a Value,
    /// Holds write-only values, which `planned` never does.
    pub config: &'a Value,
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

impl Plan<'_> {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }
}

/// Applies the flag-driven rules to Terraform's proposed new state (not null: a destroy plans
/// null and needs no rules).
pub fn by_flags<'a>(
    block: &Block,
    prior: &'a Value,
    proposed: &Value,
    config: &'a Value,
) -> Plan<'a> {
    let mut planned = proposed.clone();
    let mut replace = Vec::new();
    for a in &block.attributes {
        if prior.is_null() {
            // What the provider chooses is not known until it has chosen.
            if a.computed && planned.attr(&a.name).is_null() {
                planned.set_attr(&a.name, Value::Unknown);
            }
            continue;
        }
        if a.json {
            keep_equivalent_json(prior, &mut planned, &a.name);
        }
        if a.requires_replace {
            replace.push(a.name.as_str());
        }
    }
    let requires_replace = requires_replace(prior, &planned, &replace);
    Plan {
        prior,
        config,
        planned,
        requires_replace,
        diagnostics: Diagnostics::new(),
    }
}

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
    fn flags_drive_unknowns_at_create_json_equality_and_replacement() {
        use crate::framework::Attribute;
        use crate::value::Type;
        let block = Block::new("b")
            .attribute(Attribute::computed("id", Type::String, "id"))
            .attribute(Attribute::optional_computed("chosen", Type::Number, "c"))
            .attribute(Attribute::required("kind", Type::String, "k").replaces())
            .attribute(
                Attribute::optional("doc", Type::String, "d")
                    .json()
                    .replaces(),
            )
            .attribute(Attribute::optional("name", Type::String, "n"));
        let config = Value::object([
            ("id", Value::Null),
            ("chosen", Value::Null),
            ("kind", Value::from("a")),
            ("doc", Value::from(r#"{"x":1,"y":2}"#)),
            ("name", Value::from("n")),
        ]);
        let created = by_flags(&block, &Value::Null, &config, &config);
        assert_eq!(created.planned.attr("id"), &Value::Unknown);
        assert_eq!(created.planned.attr("chosen"), &Value::Unknown);
        assert_eq!(created.planned.attr("name"), &Value::from("n"));
        assert!(created.is_create() && created.requires_replace.is_empty());

        let mut prior = config.clone();
        prior.set_attr("id", "1".into());
        prior.set_attr("chosen", Value::int(3));
        let mut proposed = prior.clone();
        proposed.set_attr("doc", r#"{ "y": 2, "x": 1 }"#.into());
        proposed.set_attr("name", "renamed".into());
        let update = by_flags(&block, &prior, &proposed, &proposed);
        assert_eq!(update.planned.attr("doc"), prior.attr("doc"), "same JSON");
        assert!(update.requires_replace.is_empty(), "an in-place change");
        proposed.set_attr("kind", "b".into());
        assert_eq!(
            by_flags(&block, &prior, &proposed, &proposed).requires_replace,
            vec![AttributePath::attr("kind")]
        );
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
