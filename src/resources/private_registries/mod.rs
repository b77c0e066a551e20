//! Data source `alicloud_sas_private_registries`: the registries Security Center knows, filtered
//! by type and domain, with every field that is not a secret.

use regex_lite::Regex;

use crate::provider::Session;
use crate::resources::private_registry;
use alicloud::RegistryInfo;
use tfplugin::framework::validate::Validator;
use tfplugin::framework::{
    async_trait, Attribute, Block, DataSource, Diagnostic, Diagnostics, Schema,
};
use tfplugin::value::{Type, Value};

pub const TYPE_NAME: &str = "alicloud_sas_private_registries";

/// Registry types the list API reports (wider than what `AddPrivateRegistry` accepts).
pub const LISTED_TYPES: [&str; 4] = ["acr", "harbor", "quay", "CI/CD"];

type Column = (&'static str, Type, fn(&RegistryInfo) -> Value);

/// The one table of an element of `registries`: each attribute, its type, and where in a
/// listed registry its value is. A string or code the API leaves out reads as `""` or `0`
/// (configurations interpolate them); the optional `vpc_id`, `port` and `trans_per_hour`
/// are null then.
const LISTED: &[Column] = &[
    ("id", Type::String, |r| r.id.to_string().into()),
    ("registry_type", Type::String, |r| text(&r.registry_type)),
    ("registry_version", Type::String, |r| {
        text(&r.registry_version)
    }),
    ("registry_name", Type::String, |r| text(&r.registry_name)),
    ("protocol_type", Type::Number, |r| {
        Value::int(r.protocol_type.unwrap_or(0))
    }),
    ("net_type", Type::Number, |r| {
        Value::int(r.net_type.unwrap_or(0))
    }),
    ("vpc_id", Type::String, |r| {
        r.vpc_id.clone().filter(|v| !v.is_empty()).into()
    }),
    ("registry_host_ip", Type::String, |r| {
        text(&r.registry_host_ip)
    }),
    ("domain_name", Type::String, |r| text(&r.domain_name)),
    ("port", Type::Number, |r| r.port.into()),
    // A masked name (`******`) says nothing of the name: null, never a value to use.
    ("user_name", Type::String, |r| {
        match r.user_name.as_deref() {
            Some(u) if private_registry::masked(u) => Value::Null,
            _ => text(&r.user_name),
        }
    }),
    ("region_id", Type::String, |r| text(&r.region_id)),
    ("trans_per_hour", Type::Number, |r| r.trans_per_hour.into()),
];

fn text(s: &Option<String>) -> Value {
    s.clone().unwrap_or_default().into()
}

/// One element of `registries`.
pub fn registry_object_type() -> Type {
    Type::object(LISTED.iter().map(|(name, ty, _)| (*name, ty.clone())))
}

fn registry_object(r: &RegistryInfo) -> Value {
    Value::object(LISTED.iter().map(|(name, _, get)| (*name, get(r))))
}

pub fn schema() -> Schema {
    let names: Vec<String> = LISTED
        .iter()
        .map(|(name, _, _)| format!("`{name}`"))
        .collect();
    let (last, rest) = names.split_last().expect("the table has rows");
    let block = Block::new("Lists the private image registries Security Center knows, optionally filtered. Secrets (passwords, tokens, quay auth tokens) are never exported, and a user name the service masks (`******`) is null: the mask is not a name.")
        .attribute(Attribute::computed("id", Type::String, "An identifier for this lookup, derived from the filters."))
        .attribute(Attribute::optional("registry_type", Type::String, "Only registries of this type: `acr`, `harbor`, `quay` or `CI/CD`."))
        .attribute(Attribute::optional("domain_name_regex", Type::String, "Only registries whose domain name matches this regular expression."))
        .attribute(Attribute::computed("ids", Type::list(Type::String), "IDs of the matching registries, in ascending order."))
        .attribute(Attribute::computed("registries", Type::list(registry_object_type()), &format!("The matching registries, in the order of `ids`: {} and {last}.", rest.join(", "))));
    Schema::new(0, block)
}

pub fn validate(config: &Value) -> Diagnostics {
    let mut v = Validator::new(config);
    v.one_of("registry_type", &LISTED_TYPES);
    v.string("domain_name_regex", |s| {
        Regex::new(s)
            .map(|_| ())
            .map_err(|e| format!("`domain_name_regex` is not a valid regular expression: {e}"))
    });
    v.diagnostics
}

pub struct PrivateRegistries;

#[async_trait]
impl DataSource<Session> for PrivateRegistries {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate(config)
    }

    /// Lists (sharing the resource's lists), filters and shapes the registries.
    async fn read(&self, session: &Session, config: &Value) -> Result<Value, Diagnostics> {
        let kind = config.attr("registry_type").as_str();
        let pattern = match config.attr("domain_name_regex").as_str().map(Regex::new) {
            Some(Ok(re)) => Some(re),
            Some(Err(e)) => {
                return Err(Diagnostic::error("Invalid domain_name_regex", e.to_string()).into())
            }
            None => None,
        };
        let list = session
            .registries
            .list_all(kind)
            .await
            .map_err(|e| Diagnostic::error("Failed to list registries", e.to_string()))?;
        let mut matching: Vec<_> = list
            .iter()
            .filter(|r| {
                pattern
                    .as_ref()
                    .is_none_or(|re| re.is_match(r.domain_name.as_deref().unwrap_or_default()))
            })
            .collect();
        matching.sort_by_key(|r| r.id);
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
        state.set_attr(
            "registries",
            Value::List(matching.iter().map(|r| registry_object(r)).collect()),
        );
        Ok(state)
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
