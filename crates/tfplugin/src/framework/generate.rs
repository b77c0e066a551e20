//! Configuration generated from a state (`-generate-config-out`, Terraform ≥ 1.14): what a
//! person would write to manage the object as it is, and no more.

use super::Block;
use crate::value::Value;

/// `state` without what configuration cannot set (computed-only attributes), without what
/// the provider chooses when configuration leaves it out (optional and computed: left unset,
/// the object keeps what it has, so the plan is as clean and the file shorter), and without
/// write-only values, which no state holds. Terraform leaves a null computed attribute out of
/// the file it writes, and writes `name = null` for a null optional one.
pub fn config_from_state(block: &Block, state: &Value) -> Value {
    let mut config = state.clone();
    for a in &block.attributes {
        if a.computed || a.write_only {
            config.set_attr(&a.name, Value::Null);
        }
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::framework::Attribute;
    use crate::value::Type;

    #[test]
    fn only_what_configuration_sets_is_kept() {
        let block = Block::new("b")
            .attribute(Attribute::computed("id", Type::String, "id"))
            .attribute(Attribute::required("name", Type::String, "n"))
            .attribute(Attribute::optional_computed("size", Type::Number, "s"))
            .attribute(Attribute::optional("secret", Type::String, "s").write_only());
        let state = Value::object([
            ("id", Value::from("7")),
            ("name", Value::from("a")),
            ("size", Value::int(3)),
            ("secret", Value::Null),
        ]);
        let config = config_from_state(&block, &state);
        assert_eq!(config.attr("id"), &Value::Null);
        assert_eq!(config.attr("name"), &Value::from("a"));
        assert_eq!(
            config.attr("size"),
            &Value::Null,
            "chosen when unset: left to the provider"
        );
    }
}
