//! Data source `alicloud_sas_private_registries`: the registries Security Center knows, filtered
//! by type and domain, with every field that is not a secret.

use tfplugin::framework::validate::Validator;
use tfplugin::framework::{Attribute, Block, Diagnostics, Schema};
use tfplugin::value::{Type, Value};

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

/// Lists, filters and shapes the registries for the data source.
pub async fn read<A: crate::resources::private_registry::api::RegistryApi>(
    registries: &crate::resources::private_registry::Registries<A>,
    config: &Value,
) -> tfplugin::framework::ReadResponse {
    use tfplugin::framework::{Diagnostic, ReadResponse};

    let kind = config.attr("registry_type").as_str();
    let pattern = match config
        .attr("domain_name_regex")
        .as_str()
        .map(regex_lite::Regex::new)
    {
        Some(Ok(re)) => Some(re),
        Some(Err(e)) => {
            return ReadResponse {
                diagnostics: Diagnostic::error("Invalid domain_name_regex", e.to_string()).into(),
                ..Default::default()
            }
        }
        None => None,
    };
    let list = match registries.list_all(kind).await {
        Ok(list) => list,
        Err(f) => {
            return ReadResponse {
                diagnostics: Diagnostic::error("Failed to list registries", f.message).into(),
                ..Default::default()
            }
        }
    };
    let mut matching: Vec<_> = list
        .iter()
        .filter(|r| {
            pattern
                .as_ref()
                .is_none_or(|re| re.is_match(&r.domain_name))
        })
        .collect();
    matching.sort_by_key(|r| r.id);
    let opt_str = |s: &Option<String>| {
        s.clone()
            .filter(|v| !v.is_empty())
            .map(Value::from)
            .unwrap_or(Value::Null)
    };
    let objects = matching
        .iter()
        .map(|r| {
            Value::object([
                ("id", Value::from(r.id.to_string())),
                ("registry_type", r.registry_type.clone().into()),
                ("registry_version", r.registry_version.clone().into()),
                ("registry_name", r.registry_name.clone().into()),
                ("protocol_type", Value::int(r.protocol_type)),
                ("net_type", Value::int(r.net_type)),
                ("vpc_id", opt_str(&r.vpc_id)),
                ("registry_host_ip", r.registry_host_ip.clone().into()),
                ("domain_name", r.domain_name.clone().into()),
                ("port", r.port.map(Value::int).unwrap_or(Value::Null)),
                ("user_name", r.user_name.clone().into()),
                ("region_id", r.region_id.clone().into()),
                (
                    "trans_per_hour",
                    r.trans_per_hour.map(Value::int).unwrap_or(Value::Null),
                ),
            ])
        })
        .collect();
    let mut state = config.clone();
    state.set_attr(
        "id",
        format!(
            "{}|{}",
            kind.unwrap_or("*"),
            config.attr("domain_name_regex").as_str().unwrap_or("")
        )
        .into(),
    );
    state.set_attr(
        "ids",
        Value::List(
            matching
                .iter()
                .map(|r| Value::from(r.id.to_string()))
                .collect(),
        ),
    );
    state.set_attr("registries", Value::List(objects));
    ReadResponse {
        new_state: state,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::value::AttributePath;

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
