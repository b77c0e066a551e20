//! The protocol-neutral provider: what tfplugin5 and tfplugin6 both ask of us, in domain types.
//! The adapters in `protocol` decode wire values with the schemas below before calling in, so
//! a `Provider` only ever sees complete, typed values.

use std::collections::BTreeMap;
use std::future::Future;

use super::{Diagnostics, Schema};
use crate::value::{decode_json, Value};

/// Optional protocol behaviours we advertise to clients that understand them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerCapabilities {
    /// Terraform may call PlanResourceChange for destroys (1.3+), so we can warn at plan time.
    pub plan_destroy: bool,
    /// Clients may cache our schema instead of calling GetProviderSchema every start (1.6+).
    pub get_provider_schema_optional: bool,
}

#[derive(Debug, Clone)]
pub struct ProviderSchema {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
    pub capabilities: ServerCapabilities,
}

#[derive(Debug, Clone)]
pub struct UpgradeRequest {
    pub type_name: String,
    pub version: i64,
    /// The stored state as JSON; `None` when Terraform only had legacy flatmap state.
    pub raw_json: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct ReadRequest {
    pub type_name: String,
    pub current_state: Value,
    pub private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// Null means the object is gone and Terraform should plan to create it.
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub type_name: String,
    pub prior_state: Value,
    pub proposed_new_state: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct PlanResponse {
    pub planned_state: Value,
    pub requires_replace: Vec<crate::value::AttributePath>,
    pub planned_private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ApplyRequest {
    pub type_name: String,
    pub prior_state: Value,
    pub planned_state: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ApplyResponse {
    pub new_state: Value,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ImportedResource {
    pub type_name: String,
    pub state: Value,
    pub private: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct ImportResponse {
    pub imported: Vec<ImportedResource>,
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Clone)]
pub struct ReadDataRequest {
    pub type_name: String,
    pub config: Value,
}

/// Everything Terraform can ask of a provider. Type names are checked against the schema by
/// the caller, so implementations may assume they know the type.
pub trait Provider: Send + Sync + 'static {
    /// Built once; cheap to call.
    fn schema(&self) -> &ProviderSchema;

    fn validate_provider_config(&self, config: &Value) -> Diagnostics;

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    /// Must not touch the network: clients are built lazily on first use.
    fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics;

    /// Default: the stored JSON already matches the current schema.
    fn upgrade_resource_state(&self, req: UpgradeRequest) -> (Value, Diagnostics) {
        let mut diags = Diagnostics::new();
        let Some(schema) = self.schema().resources.get(&req.type_name) else {
            diags.error("Unknown resource type", req.type_name);
            return (Value::Null, diags);
        };
        let Some(raw) = req.raw_json else {
            diags.error(
                "Unsupported state format",
                "This resource's state was stored in the legacy flatmap format, which this provider cannot read. Remove it from state and import it again.",
            );
            return (Value::Null, diags);
        };
        match decode_json(&raw, &schema.value_type()) {
            Ok(v) => (v, diags),
            Err(e) => {
                diags.error("Stored state does not match the schema", e.to_string());
                (Value::Null, diags)
            }
        }
    }

    fn read_resource(&self, req: ReadRequest) -> impl Future<Output = ReadResponse> + Send;

    fn plan_resource_change(&self, req: PlanRequest) -> impl Future<Output = PlanResponse> + Send;

    fn apply_resource_change(
        &self,
        req: ApplyRequest,
    ) -> impl Future<Output = ApplyResponse> + Send;

    fn import_resource_state(
        &self,
        type_name: &str,
        id: &str,
    ) -> impl Future<Output = ImportResponse> + Send;

    fn read_data_source(&self, req: ReadDataRequest) -> impl Future<Output = ReadResponse> + Send;

    /// Cancels in-flight work (Ctrl-C in Terraform).
    fn stop(&self);
}
