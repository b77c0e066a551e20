//! Data source `alicloud_sas_private_registries`: the registries Security Center knows, filtered
//! by type and domain, with every field that is not a secret.

use crate::framework::validate::Validator;
use crate::framework::{Attribute, Block, Diagnostics, Schema};
use crate::value::{Type, Value};

pub const TYPE_NAME: &str = "alicloud_sas_private_registries";

/// Registry types the list API reports (wider than what `AddPrivateRegistry` accepts).
pub const LISTED_TYPES: [&str; 4] = ["acr", "harbor", "quay", "CI/CD"];

/// One element of `registries`: the non-secret fields of a listed registry.
pub fn registry_object_type() -> Type {
    Type::object([
        ("id", Type::String),
        ("registry_type", Type::String),
        ("registry_version", Type::String),
        ("registry_name", Type::String),
        ("protocol_type", Type::Number),
        ("net_type", Type::Number),
        ("vpc_id", Type::String),
        ("registry_host_ip", Type::String),
        ("domain_name", Type::String),
        ("port", Type::Number),
        ("user_name", Type::String),
        ("region_id", Type::String),
        ("trans_per_hour", Type::Number),
    ])
}

pub fn schema() -> Schema {
    let block = Block::new("Lists the private image registries Security Center knows, optionally filtered. Secrets (passwords, tokens, quay auth tokens) are never exported.")
        .attribute(Attribute::computed("id", Type::String, "An identifier for this lookup, derived from the filters."))
        .attribute(Attribute::optional("registry_type", Type::String, "Only registries of this type: `acr`, `harbor`, `quay` or `CI/CD`."))
        .attribute(Attribute::optional("domain_name_regex", Type::String, "Only registries whose domain name matches this regular expression."))
        .attribute(Attribute::computed("ids", Type::list(Type::String), "IDs of the matching registries, in ascending order."))
        .attribute(Attribute::computed("registries", Type::list(registry_object_type()), "The matching registries, in the order of `ids`: `id`, `registry_type`, `registry_version`, `registry_name`, `protocol_type`, `net_type`, `vpc_id`, `registry_host_ip`, `domain_name`, `port`, `user_name`, `region_id` and `trans_per_hour`."));
    Schema::new(0, block)
}

pub fn validate(config: &Value) -> Diagnostics {
    let mut v = Validator::new(config);
    v.one_of("registry_type", &LISTED_TYPES);
    v.string("domain_name_regex", |s| {
        regex_lite::Regex::new(s)
            .map(|_| ())
            .map_err(|e| format!("`domain_name_regex` is not a valid regular expression: {e}"))
    });
    v.diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::AttributePath;

    #[test]
    fn filters_are_validated() {
        let mut config = schema().block.empty_value();
        config.set_attr("registry_type", "docker".into());
        config.set_attr("domain_name_regex", "(".into());
        let d = validate(&config);
        let paths: Vec<_> = d.iter().filter_map(|d| d.attribute.clone()).collect();
        assert_eq!(
            paths,
            vec![
                AttributePath::attr("registry_type"),
                AttributePath::attr("domain_name_regex")
            ]
        );
        config.set_attr("registry_type", "CI/CD".into());
        config.set_attr("domain_name_regex", Value::Unknown);
        assert!(validate(&config).is_empty());
    }
}
