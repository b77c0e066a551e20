//! The Alibaba Cloud provider itself: its schema, configuration, and the resources it serves.

mod schema;

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

use crate::framework::{
    ApplyRequest, ApplyResponse, Diagnostic, Diagnostics, ImportResponse, PlanRequest,
    PlanResponse, Provider, ProviderSchema, ReadDataRequest, ReadRequest, ReadResponse,
    ServerCapabilities,
};
use crate::resources::{private_registries, private_registry};
use crate::value::{AttributePath, Value};

pub struct AlicloudProvider {
    schema: ProviderSchema,
    /// The configuration Terraform gave us; clients are built from it on first use, never at
    /// configure time, so an unknown or unreachable setting cannot fail a plan.
    config: Mutex<Option<Value>>,
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
            config: Mutex::new(None),
            stop: CancellationToken::new(),
        }
    }

    pub fn stop_token(&self) -> CancellationToken {
        self.stop.clone()
    }
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

    fn configure(&self, config: &Value, _terraform_version: &str) -> Diagnostics {
        if let Ok(mut slot) = self.config.lock() {
            *slot = Some(config.clone());
        }
        Diagnostics::new()
    }

    async fn read_resource(&self, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            diagnostics: unknown_type(&req.type_name),
            ..Default::default()
        }
    }

    async fn plan_resource_change(&self, req: PlanRequest) -> PlanResponse {
        if req.type_name != private_registry::TYPE_NAME {
            return PlanResponse {
                diagnostics: unknown_type(&req.type_name),
                ..Default::default()
            };
        }
        let plan = private_registry::plan(&req.prior_state, &req.proposed_new_state);
        PlanResponse {
            planned_state: plan.planned,
            requires_replace: plan.requires_replace,
            planned_private: req.prior_private,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn apply_resource_change(&self, req: ApplyRequest) -> ApplyResponse {
        ApplyResponse {
            diagnostics: unknown_type(&req.type_name),
            ..Default::default()
        }
    }

    async fn import_resource_state(&self, type_name: &str, _id: &str) -> ImportResponse {
        ImportResponse {
            diagnostics: unknown_type(type_name),
            ..Default::default()
        }
    }

    async fn read_data_source(&self, req: ReadDataRequest) -> ReadResponse {
        ReadResponse {
            diagnostics: unknown_type(&req.type_name),
            ..Default::default()
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
