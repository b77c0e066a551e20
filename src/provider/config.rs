//! The provider block as a Terraform value → the API client's `ProviderConfig`, and the
//! client's configuration errors → diagnostics at the right attribute.

use alicloud::config::{AssumeRoleConfig, EndpointsConfig, ProviderConfig};
use alicloud::error::ConfigError;
use alicloud::secret::Secret;
use tfplugin::framework::Diagnostic;
use tfplugin::value::{AttributePath, Value};

fn string(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_string)
}

/// The single element of a `max_items = 1` list block, if present.
fn single_block<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    match v.attr(name) {
        Value::List(items) | Value::Set(items) => items.first(),
        _ => None,
    }
}

/// What the API's logs see calling: this provider, and the client that runs it.
pub fn user_agent(terraform_version: &str) -> String {
    format!(
        "{}/{} (rust; +sas-private-registry; terraform/{})",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        if terraform_version.is_empty() {
            "unknown"
        } else {
            terraform_version
        }
    )
}

/// Unknown and null both become `None`: the client fills in the environment and defaults.
pub fn provider_config(v: &Value, terraform_version: &str) -> ProviderConfig {
    ProviderConfig {
        user_agent: Some(user_agent(terraform_version)),
        access_key: string(v, "access_key"),
        secret_key: string(v, "secret_key").map(Secret::new),
        security_token: string(v, "security_token").map(Secret::new),
        region: string(v, "region"),
        profile: string(v, "profile"),
        shared_credentials_file: string(v, "shared_credentials_file"),
        ecs_role_name: string(v, "ecs_role_name"),
        signature_version: string(v, "signature_version"),
        protocol: string(v, "protocol"),
        client_connect_timeout: v.attr("client_connect_timeout").as_i64(),
        client_read_timeout: v.attr("client_read_timeout").as_i64(),
        assume_role: single_block(v, "assume_role").map(|b| AssumeRoleConfig {
            role_arn: string(b, "role_arn"),
            session_name: string(b, "session_name"),
            policy: string(b, "policy"),
            session_expiration: b.attr("session_expiration").as_i64(),
            external_id: string(b, "external_id"),
        }),
        endpoints: single_block(v, "endpoints").map(|b| EndpointsConfig {
            sas: string(b, "sas"),
            sts: string(b, "sts"),
            ecs_metadata: string(b, "ecs_metadata"),
        }),
    }
}

/// Arguments whose value is not known yet, named as `ConfigError::attribute` names them
/// (`region`, `assume_role.role_arn`).
pub fn unknown_arguments(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Value::Object(attrs) = v {
        for (name, value) in attrs {
            match value {
                Value::Unknown => out.push(name.clone()),
                Value::List(items) => {
                    for item in items {
                        match item {
                            Value::Unknown => out.push(name.clone()),
                            Value::Object(inner) => out.extend(
                                inner
                                    .iter()
                                    .filter(|(_, v)| v.is_unknown())
                                    .map(|(k, _)| format!("{name}.{k}")),
                            ),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// `assume_role.role_arn` → `assume_role[0].role_arn`, as Terraform addresses block attributes.
fn path_of(attribute: &str) -> AttributePath {
    match attribute.split_once('.') {
        Some((block, attr)) => AttributePath::attr(block).then_index(0).then_attr(attr),
        None => AttributePath::attr(attribute),
    }
}

pub fn config_error(e: &ConfigError) -> Diagnostic {
    Diagnostic::error(
        format!("Invalid provider argument {}", e.attribute),
        e.message.clone(),
    )
    .at(path_of(&e.attribute))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_unknowns_map_to_the_client_config() {
        let v = Value::object([
            ("region", Value::from("cn-shanghai")),
            ("access_key", Value::Unknown),
            ("secret_key", Value::from("s")),
            (
                "assume_role",
                Value::List(vec![Value::object([(
                    "role_arn",
                    Value::from("acs:ram::1:role/x"),
                )])]),
            ),
            ("endpoints", Value::List(vec![])),
        ]);
        let c = provider_config(&v, "1.8.5");
        assert_eq!(
            c.user_agent.as_deref(),
            Some(concat!(
                "terraform-provider-alicloud/",
                env!("CARGO_PKG_VERSION"),
                " (rust; +sas-private-registry; terraform/1.8.5)"
            ))
        );
        assert_eq!(c.region.as_deref(), Some("cn-shanghai"));
        assert!(c.access_key.is_none(), "unknown becomes None");
        assert_eq!(c.secret_key.as_ref().map(Secret::expose), Some("s"));
        assert_eq!(
            c.assume_role.and_then(|a| a.role_arn).as_deref(),
            Some("acs:ram::1:role/x")
        );
        assert!(c.endpoints.is_none());
        assert_eq!(
            path_of("assume_role.role_arn").to_string(),
            "assume_role[0].role_arn"
        );
    }
}
