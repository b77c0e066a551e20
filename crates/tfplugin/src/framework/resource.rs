//! What a provider author writes: one [`Resource`] or [`DataSource`] per Terraform type,
//! registered by type name with a [`ProviderDefinition`]. The [`ProviderServer`] does what
//! every type needs (dispatch, planning by the schema's flags, checks at apply, keeping the
//! prior state when an operation fails), so an implementation holds only what is its own.
//!
//! `C` is the provider's client: built by [`ProviderDefinition::configure`] from a wholly known
//! provider block, and handed to every operation.
//!
//! [`ProviderServer`]: super::ProviderServer

use super::plan::Plan;
use super::{Diagnostics, Schema, ServerCapabilities};
use crate::value::Value;

/// Trait methods return boxed futures so resources of different types share one registry.
pub use tonic::async_trait;

/// A managed resource type.
#[async_trait]
pub trait Resource<C>: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    /// Built once, when the provider starts.
    fn schema(&self) -> Schema;

    /// The resource's own plan-time checks, beyond what the schema says. Never judges an
    /// unknown value; the server runs it again at apply, when every value is known.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// The resource's own planning rules, after the framework's (computed values unknown at
    /// create, JSON equality, replacement by flag). Not called for a destroy. `client` is
    /// `None` while the provider configuration is unknown; a rule may consult what this
    /// process has seen through it, but must not call the API.
    fn modify_plan(&self, _client: Option<&C>, _plan: &mut Plan<'_>) {}

    /// Makes the object `planned` describes (wholly known; write-only values are only in
    /// `config`). The state returned is recorded even beside errors, so an object that was
    /// made is never lost: return null only if nothing was made.
    async fn create(&self, client: &C, planned: &Value, config: &Value) -> Outcome;

    /// The object as it is now; `None` when it is gone. On error the server keeps `current`.
    async fn read(&self, client: &C, current: &Value) -> Result<Option<Value>, Diagnostics>;

    /// Changes the object in place to `planned`. As for a create, the state returned is
    /// recorded even beside errors, so what an update did before it failed is not lost: return
    /// `prior` (or null) where nothing changed, the object as it now is where part did.
    async fn update(&self, client: &C, prior: &Value, planned: &Value, config: &Value) -> Outcome;

    /// On error the server keeps `prior`.
    async fn delete(&self, client: &C, prior: &Value) -> Result<(), Diagnostics>;

    /// The state of the existing object `id` names.
    async fn import(&self, client: &C, id: &str) -> Result<Value, Diagnostics>;
}

/// A data source type.
#[async_trait]
pub trait DataSource<C>: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> Schema;

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// The data source's state for `config`.
    async fn read(&self, client: &C, config: &Value) -> Result<Value, Diagnostics>;
}

/// What a create or an update leaves: the state to record (null when nothing was made or
/// changed) and what to say.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub state: Value,
    pub diagnostics: Diagnostics,
}

impl Outcome {
    pub fn made(state: Value) -> Self {
        Self {
            state,
            diagnostics: Diagnostics::new(),
        }
    }

    /// Nothing was made.
    pub fn failed(diagnostics: impl Into<Diagnostics>) -> Self {
        Self {
            state: Value::Null,
            diagnostics: diagnostics.into(),
        }
    }
}

/// A provider: its block, its client, and the types it serves.
pub trait ProviderDefinition: Send + Sync + 'static {
    type Client: Send + Sync + 'static;

    /// The provider block.
    fn schema(&self) -> Schema;

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Builds the client from a wholly known provider block. Must not touch the network:
    /// Terraform configures providers during plan, and a setting that cannot work yet must
    /// not fail one. Not called while any argument is unknown.
    fn configure(
        &self,
        config: &Value,
        terraform_version: &str,
    ) -> Result<Self::Client, Diagnostics>;

    fn resources(&self) -> Vec<Box<dyn Resource<Self::Client>>>;

    fn data_sources(&self) -> Vec<Box<dyn DataSource<Self::Client>>>;

    /// Terraform asked the provider to stop (Ctrl-C): cancel in-flight work.
    fn stop(&self);

    fn capabilities(&self) -> ServerCapabilities {
        ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
        }
    }
}
