//! The protocol-neutral provider: what tfplugin5 and tfplugin6 both ask of us, in domain types.
//! The adapters in `protocol` decode wire values with the schemas below before calling in, so
//! a `ProviderRpcs` only ever sees complete, typed values.

use std::collections::BTreeMap;
use std::future::Future;

use super::{Diagnostic, Diagnostics, Schema};
use crate::value::{decode_json, Value};

/// Optional protocol behaviours we advertise to clients that understand them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerCapabilities {
    /// Terraform may call PlanResourceChange for destroys (1.3+), so we can warn at plan time.
    pub plan_destroy: bool,
    /// Clients may cache our schema instead of calling GetProviderSchema every start (1.6+).
    pub get_provider_schema_optional: bool,
    /// Terraform ≥ 1.14 asks us for the configuration it generates from a state
    /// (`-generate-config-out`) instead of deriving it itself.
    pub generate_resource_config: bool,
}

#[derive(Debug, Clone)]
pub struct ProviderSchema {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
    /// The `config` block of each list resource (Terraform ≥ 1.14's `list` blocks), by the
    /// name of the managed resource type whose objects it lists.
    pub list_resources: BTreeMap<String, Schema>,
    /// The `config` block of each action (Terraform ≥ 1.14's `action` blocks).
    pub actions: BTreeMap<String, Schema>,
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

#[derive(Debug, Clone)]
pub struct ListRequest {
    pub type_name: String,
    /// The `config` block of the `list` block, wholly known.
    pub config: Value,
    /// Whether each result should carry the whole object, not only its identity.
    pub include_resource: bool,
    /// Terraform reads no more results than this.
    pub limit: u64,
}

/// One object a listing found, or the error that ended it.
#[derive(Debug, Clone, Default)]
pub struct ListEvent {
    /// The object as the managed resource's state; its identity is derived from it.
    pub state: Value,
    pub display_name: String,
    pub diagnostics: Diagnostics,
}

/// What an action says while it runs, and how it ended. Terraform shows each progress message
/// as it comes, and takes the one completion as the end of the action.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionEvent {
    Progress(String),
    /// Error diagnostics mark the action failed.
    Completed(Diagnostics),
}

/// The stored JSON, or why there is none.
pub fn stored_json(raw: Option<&[u8]>) -> Result<Vec<u8>, Diagnostics> {
    raw.map(<[u8]>::to_vec).ok_or_else(|| {
        Diagnostic::error(
            "Unsupported state format",
            "This resource's state was stored in the legacy flatmap format, which this provider cannot read. Remove it from state and import it again.",
        )
        .into()
    })
}

/// Stored JSON of the current schema version, decoded (null for an attribute it lacks).
pub fn decode_stored(raw: &[u8], schema: &Schema) -> Result<Value, Diagnostics> {
    decode_json(raw, &schema.value_type()).map_err(|e| {
        Diagnostic::error("Stored state does not match the schema", e.to_string()).into()
    })
}

/// Everything Terraform can ask of a provider. Type names are checked against the schema by
/// the caller, so implementations may assume they know the type.
pub trait ProviderRpcs: Send + Sync + 'static {
    /// Built once; cheap to call.
    fn schema(&self) -> &ProviderSchema;

    fn validate_provider_config(&self, config: &Value) -> Diagnostics;

    fn validate_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    fn validate_data_source_config(&self, type_name: &str, config: &Value) -> Diagnostics;

    /// Must not touch the network: clients are built lazily on first use.
    fn configure(&self, config: &Value, terraform_version: &str) -> Diagnostics;

    /// A stored state brought to the current schema. Older versions are first stepped
    /// forward by the provider; the JSON then decodes with the current schema's type.
    fn upgrade_resource_state(&self, req: UpgradeRequest) -> (Value, Diagnostics) {
        let Some(schema) = self.schema().resources.get(&req.type_name) else {
            return (
                Value::Null,
                Diagnostic::error("Unknown resource type", req.type_name).into(),
            );
        };
        match stored_json(req.raw_json.as_deref()).and_then(|raw| decode_stored(&raw, schema)) {
            Ok(v) => (v, Diagnostics::new()),
            Err(d) => (Value::Null, d),
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

    fn validate_list_resource_config(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Sends what a `list` block finds to `events`, one object each, and returns when the
    /// listing is done, failed (its last event carries the error) or `events` is closed (the
    /// client stopped reading).
    fn list_resource(
        &self,
        req: ListRequest,
        events: tokio::sync::mpsc::Sender<ListEvent>,
    ) -> impl Future<Output = ()> + Send;

    /// Checks an action's configuration, which may hold unknowns.
    fn validate_action_config(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Checks an action Terraform plans to invoke; its configuration may hold unknowns (a
    /// lifecycle trigger is planned before its resource exists). Nothing is kept for the
    /// invoke, which may reach another process.
    fn plan_action(&self, _type_name: &str, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Runs an action with its wholly known configuration, sending what it says to `events`;
    /// the last event is its completion. Returns when the action has ended.
    fn invoke_action(
        &self,
        type_name: &str,
        config: &Value,
        events: tokio::sync::mpsc::Sender<ActionEvent>,
    ) -> impl Future<Output = ()> + Send;

    /// The configuration Terraform writes for an object whose state is `state`.
    fn generate_resource_config(&self, type_name: &str, state: &Value) -> (Value, Diagnostics);

    /// Cancels in-flight work (Ctrl-C in Terraform).
    fn stop(&self);
}
