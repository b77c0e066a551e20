//! The Alibaba Cloud provider itself: its schema, configuration, and the resources it serves.

mod client;
mod config;
mod schema;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use tokio_util::sync::CancellationToken;

use crate::resources::private_registry::Registries;
use crate::resources::{private_registries, private_registry};
use alicloud::sas::SasClient;
use alicloud::CredentialSource;
use client::SasRegistryApi;
use tfplugin::framework::{
    ApplyRequest, ApplyResponse, Diagnostic, Diagnostics, ImportResponse, PlanRequest,
    PlanResponse, Provider, ProviderSchema, ReadDataRequest, ReadRequest, ReadResponse,
    ServerCapabilities,
};
use tfplugin::value::{AttributePath, Value};

pub struct AlicloudProvider {
    schema: ProviderSchema,
    /// Set by ConfigureProvider. Building it does no I/O: the HTTP client and credentials are
    /// created on the first API call, so an unreachable setting cannot fail a plan.
    configured: OnceLock<Configured>,
    /// Cancelled by StopProvider; every API call watches it.
    stop: CancellationToken,
}

impl AlicloudProvider {
    pub fn new() -> Self {
        Self {
            schema: ProviderSchema {
                provider: schema::provider_schema(),
                resources: BTreeMap::from([(
                    private_registry::TYPE_NAME.to_string(),
                    private_registry::schema(),
                )]),
                data_sources: BTreeMap::from([(
                    private_registries::TYPE_NAME.to_string(),
                    private_registries::schema(),
                )]),
                capabilities: ServerCapabilities {
                    plan_destroy: true,
                    get_provider_schema_optional: true,
                },
            },
            configured: OnceLock::new(),
            stop: CancellationToken::new(),
        }
    }

    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }

    fn registries(&self) -> Result<&Registries<SasRegistryApi>, Diagnostics> {
        match self.configured.get() {
            Some(Configured::Known(r)) => Ok(r),
            Some(Configured::Unknown(arguments)) => Err(config_unknown(arguments)),
            None => Err(Diagnostic::error(
                "Provider not configured",
                "Terraform called the API before configuring the provider; this is a bug.",
            )
            .into()),
        }
    }

    /// The arguments still unknown, when the provider block is not wholly known.
    fn unknown_configuration(&self) -> Option<&[String]> {
        match self.configured.get() {
            Some(Configured::Unknown(arguments)) => Some(arguments),
            _ => None,
        }
    }
}

/// What ConfigureProvider left.
enum Configured {
    Known(Registries<SasRegistryApi>),
    /// Some arguments are unknown until apply (Terraform still configures and reads during
    /// plan). No API call is made: defaults in their place could read another region or
    /// account and drop, or plan to re-create, what is there.
    Unknown(Vec<String>),
}

fn config_unknown(arguments: &[String]) -> Diagnostics {
    let names: Vec<String> = arguments.iter().map(|a| format!("`{a}`")).collect();
    Diagnostic::error(
        "Provider configuration not known yet",
        format!(
            "The provider's {} will only be known during apply, so the API cannot be called yet: with defaults in their place this could read another region or account. Give {} a value known at plan time, or apply what it depends on first (for example with -target).",
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" }
        ),
    )
    .into()
}

impl Default for AlicloudProvider {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks a string attribute against a closed set of values, when it is known.
fn check_one_of(path: AttributePath, value: &Value, allowed: &[&str], diags: &mut Diagnostics) {
    if let Some(s) = value.as_str() {
        if !allowed.contains(&s) {
            diags.push(
                Diagnostic::error(
                    format!("Invalid value {s:?}"),
                    format!("{path} must be one of: {}.", allowed.join(", ")),
                )
                .at(path),
            );
        }
    }
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

fn unknown_type(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unknown type",
        format!("{type_name} is not served by this provider"),
    )
    .into()
}

impl Provider for AlicloudProvider {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        for (name, allowed) in [
            ("signature_version", &["v3", "v2"]),
            ("protocol", &["HTTPS", "HTTP"]),
        ] {
            check_one_of(
                AttributePath::attr(name),
                config.attr(name),
                allowed,
                &mut diags,
            );
        }
        diags
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match type_name {
            private_registry::TYPE_NAME => private_registry::validate(config),
            _ => unknown_type(type_name),
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match type_name {
            private_registries::TYPE_NAME => private_registries::validate(config),
            _ => unknown_type(type_name),
        }
    }

    fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        // Arguments not known until apply resolve as unset, and no error may blame them: an
        // unknown provider argument must never fail a plan.
        let unknown = config::unknown_arguments(config);
        if !unknown.is_empty() {
            tracing::info!(unknown = ?unknown, "provider configuration not wholly known; no API calls until apply");
            let _ = self.configured.set(Configured::Unknown(unknown));
            return Diagnostics::new();
        }
        match alicloud::resolve(&config::provider_config(config, terraform_version), &env) {
            Ok(resolved) => {
                if let Some(tried) = nothing_to_sign_with(&resolved.credentials) {
                    let message = alicloud::error::Error::NoCredentials { tried }.to_string();
                    return Diagnostic::error("No Alibaba Cloud credentials", message).into();
                }
                tracing::debug!(terraform_version, region = %resolved.region, endpoint = %resolved.sas_endpoint, "configured");
                let api = SasRegistryApi::new(SasClient::new(resolved), self.stop.clone());
                // Terraform configures a provider process once; a repeat keeps the first.
                let _ = self.configured.set(Configured::Known(Registries::new(api)));
                Diagnostics::new()
            }
            Err(errors) => Diagnostics(errors.iter().map(config::config_error).collect()),
        }
    }

    async fn read_resource(&self, req: ReadRequest) -> ReadResponse {
        // With the configuration unknown, what is in state stays as it is until apply.
        if self.unknown_configuration().is_some() {
            return ReadResponse {
                new_state: req.current_state,
                private: req.private,
                ..Default::default()
            };
        }
        match self.registries() {
            Ok(r) => r.read(&req.current_state).await,
            Err(d) => ReadResponse {
                new_state: req.current_state,
                diagnostics: d,
                ..Default::default()
            },
        }
    }

    async fn plan_resource_change(&self, req: PlanRequest) -> PlanResponse {
        if req.type_name != private_registry::TYPE_NAME {
            return PlanResponse {
                diagnostics: unknown_type(&req.type_name),
                ..Default::default()
            };
        }
        let plan = private_registry::plan(&req.prior_state, &req.proposed_new_state, &req.config);
        PlanResponse {
            planned_state: plan.planned,
            requires_replace: plan.requires_replace,
            planned_private: req.prior_private,
            diagnostics: plan.diagnostics,
        }
    }

    async fn apply_resource_change(&self, req: ApplyRequest) -> ApplyResponse {
        let registries = match self.registries() {
            Ok(r) => r,
            Err(d) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    diagnostics: d,
                    ..Default::default()
                }
            }
        };
        match (req.prior_state.is_null(), req.planned_state.is_null()) {
            (true, _) => registries.create(&req.planned_state, &req.config).await,
            (false, true) => registries.delete(&req.prior_state).await,
            (false, false) => {
                registries
                    .update(&req.prior_state, &req.planned_state, &req.config)
                    .await
            }
        }
    }

    async fn import_resource_state(&self, _type_name: &str, id: &str) -> ImportResponse {
        let empty = self.schema.resources[private_registry::TYPE_NAME]
            .block
            .empty_value();
        match self.registries() {
            Ok(r) => r.import(id, empty).await,
            Err(d) => ImportResponse {
                diagnostics: d,
                ..Default::default()
            },
        }
    }

    async fn read_data_source(&self, req: ReadDataRequest) -> ReadResponse {
        match self.registries() {
            Ok(r) => private_registries::read(r, &req.config).await,
            Err(d) => ReadResponse {
                diagnostics: d,
                ..Default::default()
            },
        }
    }

    fn stop(&self) {
        tracing::info!("StopProvider: cancelling in-flight API calls");
        self.stop.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_schema_documents_every_attribute() {
        let p = AlicloudProvider::new();
        assert_eq!(p.schema().provider.undocumented(), Vec::<String>::new());
    }

    /// An unknown `region` (say, from a resource not yet created) must not make the provider
    /// read the default region: reads keep what is in state, data sources say what is unknown.
    #[tokio::test]
    async fn no_api_call_while_the_configuration_is_unknown() {
        let p = AlicloudProvider::new();
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
        let p = AlicloudProvider::new();
        let mut config = p.schema().provider.block.empty_value();
        config.set_attr("signature_version", "v4".into());
        config.set_attr("protocol", Value::Unknown);
        let diags = p.validate_provider_config(&config);
        assert_eq!(diags.0.len(), 1);
        assert_eq!(
            diags.0[0].attribute,
            Some(AttributePath::attr("signature_version"))
        );
        assert!(diags.0[0].detail.contains("v3, v2"));
    }
}
