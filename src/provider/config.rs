//! The provider block as a Terraform value → the API client's `ProviderConfig`, and the
//! client's configuration errors → diagnostics at the right attribute.

use super::schema::{
    Arguments, AssumeRole, AssumeRoleWithOidc, Endpoints, ASSUME_ROLE, ASSUME_ROLE_WITH_OIDC,
    ENDPOINTS,
};
use alicloud::config::{
    AssumeRoleConfig, AssumeRoleWithOidcConfig, EndpointsConfig, ProviderConfig,
};
use alicloud::error::{ConfigError, Setting};
use alicloud::secret::Secret;
use tfplugin::framework::model::Model;
use tfplugin::framework::Diagnostic;
use tfplugin::value::{AttributePath, Value};

/// The nested block `name` (`max_items = 1`), read as its model, if present.
fn nested<M: Model>(v: &Value, name: &str) -> Option<M> {
    match v.attr(name) {
        Value::List(items) | Value::Set(items) => items.first().map(M::from_value),
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
    let a = Arguments::from_value(v);
    ProviderConfig {
        user_agent: Some(user_agent(terraform_version)),
        access_key: a.access_key,
        secret_key: a.secret_key.map(Secret::new),
        security_token: a.security_token.map(Secret::new),
        region: a.region,
        skip_region_validation: a.skip_region_validation == Some(true),
        profile: a.profile,
        shared_credentials_file: a.shared_credentials_file,
        ecs_role_name: a.ecs_role_name,
        credentials_uri: a.credentials_uri,
        signature_version: a.signature_version,
        protocol: a.protocol,
        client_connect_timeout: a.client_connect_timeout,
        client_read_timeout: a.client_read_timeout,
        assume_role: nested(v, ASSUME_ROLE).map(|b: AssumeRole| AssumeRoleConfig {
            role_arn: b.role_arn,
            session_name: b.session_name,
            policy: b.policy,
            session_expiration: b.session_expiration,
            external_id: b.external_id,
        }),
        assume_role_with_oidc: nested(v, ASSUME_ROLE_WITH_OIDC).map(|b: AssumeRoleWithOidc| {
            AssumeRoleWithOidcConfig {
                oidc_provider_arn: b.oidc_provider_arn,
                oidc_token: b.oidc_token.map(Secret::new),
                oidc_token_file: b.oidc_token_file,
                role_arn: b.role_arn,
                role_session_name: b.role_session_name,
                policy: b.policy,
                session_expiration: b.session_expiration,
            }
        }),
        endpoints: nested(v, ENDPOINTS).map(|b: Endpoints| EndpointsConfig {
            sas: b.sas,
            sts: b.sts,
            ecs_metadata: b.ecs_metadata,
        }),
    }
}

/// The provider block's path to `setting`: `endpoints[0].sas` for a nested block's argument.
fn path_of(setting: Setting) -> AttributePath {
    match setting.place() {
        (Some(block), name) => AttributePath::attr(block).then_index(0).then_attr(name),
        (None, name) => AttributePath::attr(name),
    }
}

/// At the argument's line when the bad value is configured; a value from the environment is
/// on no line, and the summary names the variable.
pub fn config_error(e: &ConfigError) -> Diagnostic {
    let mut summary = format!("Invalid provider argument {}", e.setting);
    match &e.from_env {
        Some(var) => {
            summary.push_str(&format!(" (from {var})"));
            Diagnostic::error(summary, e.message.clone())
        }
        None => Diagnostic::error(summary, e.message.clone()).at(path_of(e.setting)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration error points at an argument the provider block has.
    #[test]
    fn every_setting_is_an_argument_of_the_block() {
        let block = super::super::schema::provider_schema().block;
        for setting in Setting::ALL {
            let found = match setting.place() {
                (None, name) => block.find_attribute(name).is_some(),
                (Some(nested), name) => block
                    .blocks
                    .iter()
                    .any(|b| b.type_name == nested && b.block.find_attribute(name).is_some()),
            };
            assert!(found, "{setting} is not an argument of the provider block");
        }
    }

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
            path_of(Setting::AssumeRoleArn).to_string(),
            "assume_role[0].role_arn"
        );
        let from_env = ConfigError {
            setting: Setting::SasEndpoint,
            from_env: Some("SAS_ENDPOINT".into()),
            message: "bad".into(),
        };
        let d = config_error(&from_env);
        assert_eq!(
            d.summary,
            "Invalid provider argument endpoints.sas (from SAS_ENDPOINT)"
        );
        assert_eq!(
            d.attribute, None,
            "no line holds a value from the environment"
        );
        let configured = ConfigError::new(Setting::SasEndpoint, "bad".into());
        assert_eq!(
            config_error(&configured).attribute.map(|p| p.to_string()),
            Some("endpoints[0].sas".into())
        );
    }
}
