//! The Alibaba Cloud provider: its block, its configuration, and the types it serves. The
//! framework's `ProviderServer` does the rest.

mod account;
mod config;
mod schema;

pub use account::Account;

use tokio_util::sync::CancellationToken;

use crate::resources::{
    image_registry_regions, private_registries, private_registry, refresh_registry_token,
};
use alicloud::sas::SasClient;
use alicloud::CredentialSource;
use tfplugin::framework::model::Model;
use tfplugin::framework::{
    Action, DataSource, Diagnostic, Diagnostics, ListResource, ProviderDefinition, ProviderServer,
    Resource, Schema,
};
use tfplugin::value::Value;

/// The source address Terraform knows the provider by.
pub const ADDRESS: &str = "registry.terraform.io/alicloud-rs/alicloud";

/// The provider as Terraform talks to it.
pub type AlicloudServer = ProviderServer<Alicloud>;

pub fn new() -> AlicloudServer {
    ProviderServer::new(Alicloud::default())
}

#[derive(Default)]
pub struct Alicloud {
    /// Cancelled by StopProvider; every API call watches it.
    stop: CancellationToken,
}

/// What was tried, when no credential source can possibly work: caught at configure, so the
/// plan fails with one clear message instead of the first API call. Looks only at the local
/// file system (the profile file), never the network.
fn nothing_to_sign_with(plan: &alicloud::CredentialPlan) -> Option<Vec<String>> {
    let mut tried = plan.tried.clone();
    match &plan.source {
        CredentialSource::Nothing => Some(tried),
        CredentialSource::Profile { path, .. } if !path.exists() => {
            tried.push(format!(
                "shared credentials file {}: not found",
                path.display()
            ));
            Some(tried)
        }
        _ => None,
    }
}

impl ProviderDefinition for Alicloud {
    type Client = Account;

    fn schema(&self) -> Schema {
        schema::provider_schema()
    }

    /// The arguments' own checks (declared in `schema.rs`); the rest is judged at configure,
    /// with the environment.
    fn validate(&self, config: &Value) -> Diagnostics {
        schema::Arguments::validate(config)
    }

    fn configure(&self, config: &Value, terraform_version: &str) -> Result<Account, Diagnostics> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let resolved = alicloud::resolve(&config::provider_config(config, terraform_version), &env)
            .map_err(|errors| Diagnostics(errors.iter().map(config::config_error).collect()))?;
        if let Some(tried) = nothing_to_sign_with(&resolved.credentials) {
            let message = alicloud::error::Error::NoCredentials { tried }.to_string();
            return Err(Diagnostic::error("No Alibaba Cloud credentials", message).into());
        }
        tracing::debug!(terraform_version, region = %resolved.region, endpoint = %resolved.sas_endpoint, "configured");
        Ok(Account::new(SasClient::new(resolved), self.stop.clone()))
    }

    /// Every resource type the provider serves: one line each.
    fn resources(&self) -> Vec<Box<dyn Resource<Account>>> {
        vec![Box::new(private_registry::PrivateRegistry)]
    }

    /// Every data source type the provider serves: one line each.
    fn data_sources(&self) -> Vec<Box<dyn DataSource<Account>>> {
        vec![
            Box::new(private_registries::PrivateRegistries),
            Box::new(image_registry_regions::ImageRegistryRegions),
        ]
    }

    /// Every list resource (`terraform query`) the provider serves: one line each.
    fn list_resources(&self) -> Vec<Box<dyn ListResource<Account>>> {
        vec![Box::new(private_registry::PrivateRegistryList)]
    }

    /// Every action (Terraform ≥ 1.14's `action` blocks) the provider serves: one line each.
    fn actions(&self) -> Vec<Box<dyn Action<Account>>> {
        vec![Box::new(refresh_registry_token::RefreshRegistryToken)]
    }

    fn stop(&self) {
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::framework::{ProviderRpcs, ReadDataRequest, ReadRequest};

    #[test]
    fn provider_schema_documents_every_attribute() {
        let p = new();
        assert_eq!(p.schema().provider.undocumented(), Vec::<String>::new());
    }

    /// An unknown `region` (say, from a resource not yet created) must not make the provider
    /// read the default region: reads keep what is in state, data sources say what is unknown.
    #[tokio::test]
    async fn no_api_call_while_the_configuration_is_unknown() {
        let p = new();
        let mut config = p.schema().provider.block.empty_value();
        config.set_attr("region", Value::Unknown);
        // An endpoint nothing listens on: a call would fail the read.
        config.set_attr("protocol", "HTTP".into());
        assert!(p.configure(&config, "1.8.5").0.is_empty());
        let mut state = p.schema().resources[private_registry::TYPE_NAME]
            .block
            .empty_value();
        state.set_attr("id", "7".into());
        state.set_attr("registry_type", "harbor".into());
        let read = p
            .read_resource(ReadRequest {
                type_name: private_registry::TYPE_NAME.into(),
                current_state: state.clone(),
                private: b"p".to_vec(),
            })
            .await;
        assert!(read.diagnostics.0.is_empty(), "{:?}", read.diagnostics);
        assert_eq!(read.new_state, state, "kept as it is, not dropped");
        assert_eq!(read.private, b"p".to_vec());
        let data = p
            .read_data_source(ReadDataRequest {
                type_name: private_registries::TYPE_NAME.into(),
                config: p.schema().data_sources[private_registries::TYPE_NAME]
                    .block
                    .empty_value(),
            })
            .await;
        assert_eq!(data.diagnostics.0.len(), 1);
        assert!(data.diagnostics.0[0].detail.contains("`region`"));
        assert!(data.new_state.is_null());
    }

    #[test]
    fn enums_are_checked_only_when_known() {
        let p = new();
        let mut config = p.schema().provider.block.empty_value();
        config.set_attr("signature_version", "v4".into());
        config.set_attr("protocol", Value::Unknown);
        let diags = p.validate_provider_config(&config);
        assert_eq!(diags.0.len(), 1);
        assert_eq!(
            diags.0[0].attribute,
            Some(tfplugin::value::AttributePath::attr("signature_version"))
        );
        assert!(
            diags.0[0].detail.contains(r#""v3", "v2"; got "v4""#),
            "{}",
            diags.0[0].detail
        );
    }
}
