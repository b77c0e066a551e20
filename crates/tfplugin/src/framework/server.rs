//! The server between the protocol-neutral [`Provider`] the adapters call and the resources a
//! provider registers, in the spirit of terraform-plugin-framework's `fwserver`: dispatch by
//! type name, planning by the schema's flags, the resource's checks again at apply, the
//! apply's choice among create, update and delete, the prior state kept when an operation
//! fails, and no call to the provider's client while its configuration is not wholly known.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::plan;
use super::provider::{
    ApplyRequest, ApplyResponse, ImportResponse, ImportedResource, PlanRequest, PlanResponse,
    Provider, ProviderSchema, ReadDataRequest, ReadRequest, ReadResponse,
};
use super::resource::{DataSource, ProviderDefinition, Resource};
use super::{Block, Diagnostic, Diagnostics};
use crate::value::Value;

pub struct ProviderServer<D: ProviderDefinition> {
    definition: D,
    schema: ProviderSchema,
    resources: BTreeMap<&'static str, Box<dyn Resource<D::Client>>>,
    data_sources: BTreeMap<&'static str, Box<dyn DataSource<D::Client>>>,
    /// Set by ConfigureProvider; Terraform configures a provider process once, and a repeat
    /// keeps the first.
    configured: OnceLock<Configured<D::Client>>,
}

/// A resource type and the client its operations get.
type Served<'a, D> = (
    &'a dyn Resource<<D as ProviderDefinition>::Client>,
    &'a <D as ProviderDefinition>::Client,
);

/// What ConfigureProvider left.
enum Configured<C> {
    Ready(C),
    /// These arguments are unknown until apply (Terraform still configures and reads during
    /// plan). Defaults in their place could act on another account or region and drop, or
    /// plan to re-create, what is there, so nothing calls the client.
    Unknown(Vec<String>),
}

impl<D: ProviderDefinition> ProviderServer<D> {
    pub fn new(definition: D) -> Self {
        let resources: BTreeMap<_, _> = definition
            .resources()
            .into_iter()
            .map(|r| (r.type_name(), r))
            .collect();
        let data_sources: BTreeMap<_, _> = definition
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name(), d))
            .collect();
        let schema = ProviderSchema {
            provider: definition.schema(),
            resources: resources
                .iter()
                .map(|(name, r)| (name.to_string(), r.schema()))
                .collect(),
            data_sources: data_sources
                .iter()
                .map(|(name, d)| (name.to_string(), d.schema()))
                .collect(),
            capabilities: definition.capabilities(),
        };
        Self {
            definition,
            schema,
            resources,
            data_sources,
            configured: OnceLock::new(),
        }
    }

    /// The client, or why there is none.
    fn client(&self) -> Result<&D::Client, Diagnostics> {
        match self.configured.get() {
            Some(Configured::Ready(c)) => Ok(c),
            Some(Configured::Unknown(arguments)) => Err(configuration_unknown(arguments)),
            None => Err(Diagnostic::error(
                "Provider not configured",
                "Terraform called the provider before configuring it; this is a bug.",
            )
            .into()),
        }
    }

    fn configuration_is_unknown(&self) -> bool {
        matches!(self.configured.get(), Some(Configured::Unknown(_)))
    }

    /// The resource type and the client for an operation that calls the API.
    fn resource_and_client(&self, type_name: &str) -> Result<Served<'_, D>, Diagnostics> {
        let (resource, _) = self.resource(type_name)?;
        Ok((resource, self.client()?))
    }

    fn resource(&self, type_name: &str) -> Result<(&dyn Resource<D::Client>, &Block), Diagnostics> {
        match (
            self.resources.get(type_name),
            self.schema.resources.get(type_name),
        ) {
            (Some(r), Some(s)) => Ok((r.as_ref(), &s.block)),
            _ => Err(not_served(type_name)),
        }
    }
}

/// Core checks type names against the schema before calling in, so this is a bug.
fn not_served(type_name: &str) -> Diagnostics {
    Diagnostic::error(
        "Unknown type",
        format!("{type_name} is not served by this provider"),
    )
    .into()
}

/// The arguments of a provider block that are not known yet: `name`, or `block.name` inside a
/// nested block.
fn unknown_arguments(config: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Value::Object(attrs) = config else {
        return out;
    };
    for (name, value) in attrs {
        match value {
            Value::Unknown => out.push(name.clone()),
            Value::List(items) | Value::Set(items) => {
                for item in items {
                    match item {
                        Value::Unknown => out.push(name.clone()),
                        Value::Object(inner) => out.extend(
                            inner
                                .iter()
                                .filter(|(_, v)| !v.is_wholly_known())
                                .map(|(k, _)| format!("{name}.{k}")),
                        ),
                        _ => {}
                    }
                }
            }
            other if !other.is_wholly_known() => out.push(name.clone()),
            _ => {}
        }
    }
    out
}

fn configuration_unknown(arguments: &[String]) -> Diagnostics {
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

impl<D: ProviderDefinition> Provider for ProviderServer<D> {
    fn schema(&self) -> &ProviderSchema {
        &self.schema
    }

    fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        self.definition.validate(config)
    }

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.resource(type_name) {
            Ok((r, _)) => r.validate(config),
            Err(d) => d,
        }
    }

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.data_sources.get(type_name) {
            Some(d) => d.validate(config),
            None => not_served(type_name),
        }
    }

    fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics {
        let unknown = unknown_arguments(config);
        if !unknown.is_empty() {
            tracing::info!(unknown = ?unknown, "provider configuration not wholly known; no API calls until apply");
            let _ = self.configured.set(Configured::Unknown(unknown));
            return Diagnostics::new();
        }
        match self.definition.configure(config, terraform_version) {
            Ok(client) => {
                let _ = self.configured.set(Configured::Ready(client));
                Diagnostics::new()
            }
            Err(d) => d,
        }
    }

    async fn read_resource(&self, req: ReadRequest) -> ReadResponse {
        let kept = |diagnostics| ReadResponse {
            new_state: req.current_state.clone(),
            private: req.private.clone(),
            diagnostics,
        };
        // With the configuration unknown, what is in state stays as it is until apply.
        if self.configuration_is_unknown() {
            return kept(Diagnostics::new());
        }
        let (resource, client) = match self.resource_and_client(&req.type_name) {
            Ok(found) => found,
            Err(d) => return kept(d),
        };
        match resource.read(client, &req.current_state).await {
            Ok(Some(state)) => ReadResponse {
                new_state: state,
                private: req.private,
                diagnostics: Diagnostics::new(),
            },
            Ok(None) => ReadResponse::default(),
            Err(d) => kept(d),
        }
    }

    async fn plan_resource_change(&self, req: PlanRequest) -> PlanResponse {
        let (resource, block) = match self.resource(&req.type_name) {
            Ok(found) => found,
            Err(diagnostics) => {
                return PlanResponse {
                    diagnostics,
                    ..Default::default()
                }
            }
        };
        if req.proposed_new_state.is_null() {
            return PlanResponse {
                planned_state: Value::Null,
                planned_private: req.prior_private,
                ..Default::default()
            };
        }
        let mut plan = plan::by_flags(
            block,
            &req.prior_state,
            &req.proposed_new_state,
            &req.config,
        );
        resource.modify_plan(self.client().ok(), &mut plan);
        PlanResponse {
            planned_state: plan.planned,
            requires_replace: plan.requires_replace,
            planned_private: req.prior_private,
            diagnostics: plan.diagnostics,
        }
    }

    async fn apply_resource_change(&self, req: ApplyRequest) -> ApplyResponse {
        let keep_prior = |diagnostics| ApplyResponse {
            new_state: req.prior_state.clone(),
            private: req.planned_private.clone(),
            diagnostics,
        };
        let (resource, client) = match self.resource_and_client(&req.type_name) {
            Ok(found) => found,
            Err(d) => return keep_prior(d),
        };
        let destroy = req.planned_state.is_null();
        if !destroy {
            // Values unknown at plan time are known now: judge them before any call.
            let checks = resource.validate(&req.config);
            if checks.has_errors() {
                return keep_prior(checks);
            }
        }
        if req.prior_state.is_null() {
            let made = resource
                .create(client, &req.planned_state, &req.config)
                .await;
            return ApplyResponse {
                new_state: made.state,
                private: req.planned_private,
                diagnostics: made.diagnostics,
            };
        }
        if !destroy {
            let done = resource
                .update(client, &req.prior_state, &req.planned_state, &req.config)
                .await;
            let new_state = match done.state {
                Value::Null => req.prior_state,
                state => state,
            };
            return ApplyResponse {
                new_state,
                private: req.planned_private,
                diagnostics: done.diagnostics,
            };
        }
        match resource.delete(client, &req.prior_state).await {
            Ok(()) => ApplyResponse {
                new_state: Value::Null,
                private: req.planned_private,
                diagnostics: Diagnostics::new(),
            },
            Err(d) => keep_prior(d),
        }
    }

    async fn import_resource_state(&self, type_name: &str, id: &str) -> ImportResponse {
        let found = self.resource_and_client(type_name);
        let imported = match found {
            Ok((resource, client)) => resource.import(client, id).await,
            Err(d) => Err(d),
        };
        match imported {
            Ok(state) => ImportResponse {
                imported: vec![ImportedResource {
                    type_name: type_name.to_string(),
                    state,
                    private: Vec::new(),
                }],
                diagnostics: Diagnostics::new(),
            },
            Err(diagnostics) => ImportResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    async fn read_data_source(&self, req: ReadDataRequest) -> ReadResponse {
        let Some(data_source) = self.data_sources.get(req.type_name.as_str()) else {
            return ReadResponse {
                diagnostics: not_served(&req.type_name),
                ..Default::default()
            };
        };
        let read = match self.client() {
            Ok(client) => data_source.read(client, &req.config).await,
            Err(d) => Err(d),
        };
        match read {
            Ok(new_state) => ReadResponse {
                new_state,
                ..Default::default()
            },
            Err(diagnostics) => ReadResponse {
                diagnostics,
                ..Default::default()
            },
        }
    }

    fn stop(&self) {
        tracing::info!("StopProvider: cancelling in-flight work");
        self.definition.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_arguments_are_named_as_written() {
        let config = Value::object([
            ("region", Value::Unknown),
            ("profile", Value::from("p")),
            (
                "assume_role",
                Value::List(vec![Value::object([
                    ("role_arn", Value::Unknown),
                    ("session_name", Value::from("s")),
                ])]),
            ),
            ("endpoints", Value::List(vec![])),
        ]);
        assert_eq!(
            unknown_arguments(&config),
            vec!["assume_role.role_arn".to_string(), "region".to_string()]
        );
        assert!(unknown_arguments(&Value::object([("region", Value::from("x"))])).is_empty());
    }
}
