//! What a provider author writes: one [`Resource`] or [`DataSource`] per Terraform type,
//! registered by type name with a [`ProviderDefinition`]. The [`ProviderServer`] does what
//! every type needs (dispatch, planning by the schema's flags, checks at apply, keeping the
//! prior state when an operation fails), so an implementation holds only what is its own.
//!
//! `C` is the provider's client: built by [`ProviderDefinition::configure`] from a wholly known
//! provider block, and handed to every operation.
//!
//! [`ProviderServer`]: super::ProviderServer

use tokio::sync::mpsc;

use super::plan::Plan;
use super::private::Private;
use super::provider::{ActionEvent, ListEvent};
use super::{Diagnostic, Diagnostics, Schema, ServerCapabilities};
use crate::value::Value;

/// Trait methods return boxed futures so resources of different types share one registry.
pub use tonic::async_trait;

/// What Terraform knows a resource, data source, list resource or action by: its type name,
/// the schema of its configuration, and that configuration's checks beyond the schema. Most
/// take all three from a model ([`terraform_type!`](crate::terraform_type)).
pub trait TerraformType: Send + Sync + 'static {
    fn type_name(&self) -> &'static str;

    /// Built once, when the provider starts.
    fn schema(&self) -> Schema;

    /// The type's own checks of its configuration. Never judges an unknown value: Terraform
    /// validates before what a value refers to exists. The server runs them again where every
    /// value is known: a resource's at apply, an action's at plan and before the invoke.
    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }
}

/// Implements [`TerraformType`] for `$ty`, named `$name`: from a model (its schema under
/// `$description`, its checks each field's own), or from a schema function and a check
/// function where the type has more than its model says.
#[macro_export]
macro_rules! terraform_type {
    ($ty:ty: $name:expr, $model:ty, $description:expr) => {
        $crate::terraform_type!($ty: $name,
            schema: || <$model as $crate::framework::model::Model>::schema($description),
            validate: <$model as $crate::framework::model::Model>::validate);
    };
    ($ty:ty: $name:expr, schema: $schema:expr, validate: $validate:expr) => {
        impl $crate::framework::TerraformType for $ty {
            fn type_name(&self) -> &'static str {
                $name
            }

            fn schema(&self) -> $crate::framework::Schema {
                ($schema)()
            }

            fn validate(&self, config: &$crate::value::Value) -> $crate::framework::Diagnostics {
                ($validate)(config)
            }
        }
    };
}

/// A managed resource type.
#[async_trait]
pub trait Resource<C>: TerraformType {
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
    /// `private` is what the resource kept beside the state, to change in place.
    async fn read(
        &self,
        client: &C,
        current: &Value,
        private: &mut Private,
    ) -> Result<Option<Value>, Diagnostics>;

    /// Changes the object in place to `planned`. As for a create, the state returned is
    /// recorded even beside errors, so what an update did before it failed is not lost: return
    /// `prior` (or null) where nothing changed, the object as it now is where part did.
    async fn update(&self, client: &C, prior: &Value, planned: &Value, config: &Value) -> Outcome;

    /// On error the server keeps `prior`.
    async fn delete(&self, client: &C, prior: &Value) -> Result<(), Diagnostics>;

    /// The state of the existing object `id` names.
    async fn import(&self, client: &C, id: &str) -> Result<Value, Diagnostics>;

    /// A state stored by schema `version` (older than the current one), as JSON, brought to the
    /// next version. Called once per version step, oldest first; the JSON of the current
    /// version then decodes with null for any attribute it lacks. The default has no step to
    /// take: a resource whose schema version moved past 0 implements each.
    fn upgrade_state(
        &self,
        version: i64,
        _state: serde_json::Map<String, serde_json::Value>,
    ) -> Result<serde_json::Map<String, serde_json::Value>, Diagnostics> {
        Err(Diagnostic::error(
            "Cannot upgrade the stored state",
            format!(
                "{}: no step from schema version {version} is defined.",
                self.type_name()
            ),
        )
        .into())
    }

    /// The configuration Terraform writes for an object whose state is `state` (`terraform
    /// plan` or `terraform query` with `-generate-config-out`, Terraform ≥ 1.14): by default
    /// the state without what configuration need not set ([`config_from_state`]). A resource
    /// overrides it where its own knowledge writes better configuration.
    ///
    /// [`config_from_state`]: super::generate::config_from_state
    fn generate_config(&self, schema: &Schema, state: &Value) -> Result<Value, Diagnostics> {
        Ok(super::generate::config_from_state(&schema.block, state))
    }
}

/// A list resource: what a `list` block of a `.tfquery.hcl` file finds (Terraform ≥ 1.14's
/// `terraform query`). It lists objects of the managed resource type of the same name, which
/// must have an identity schema: each result's identity is derived from the state the listing
/// gives, so it is written once.
///
/// Its [`TerraformType`] is named as the managed resource type listed (Terraform requires the
/// same name), and its schema is the `list` block's `config`: the listing's filters.
#[async_trait]
pub trait ListResource<C>: TerraformType {
    /// Gives each object that `config` selects to `found` until it says to stop (the client
    /// has its limit, or stopped reading): a listing that pages asks before each page, so it
    /// never asks the API for a page nobody will read. An error ends the listing, after what
    /// was already given.
    async fn list(&self, client: &C, config: &Value, found: &mut Found) -> Result<(), Diagnostics>;
}

/// Where a listing puts what it finds: the stream to the client, counted against its limit.
pub struct Found {
    events: mpsc::Sender<ListEvent>,
    remaining: u64,
    include_resource: bool,
}

impl Found {
    pub fn new(events: mpsc::Sender<ListEvent>, limit: u64, include_resource: bool) -> Self {
        Self {
            events,
            remaining: limit,
            include_resource,
        }
    }

    /// Whether the client still wants results: false once it has its limit or stopped
    /// reading.
    pub fn wants_more(&self) -> bool {
        self.remaining > 0 && !self.events.is_closed()
    }

    /// Whether the client asked for whole objects, not only identities. A listing whose
    /// objects cost more calls to complete may skip them otherwise.
    pub fn include_resource(&self) -> bool {
        self.include_resource
    }

    /// Says something about the listing (a warning), apart from any object: clients show it
    /// and take no result from it. Not counted against the limit.
    pub async fn warn(&mut self, warning: Diagnostic) {
        let event = ListEvent {
            state: Value::Null,
            display_name: String::new(),
            diagnostics: warning.into(),
        };
        // A client that stopped reading needs no warning.
        let _ = self.events.send(event).await;
    }

    /// Gives one object, as the managed resource's state, and the name a person knows it by.
    /// Returns whether to go on.
    pub async fn push(&mut self, state: Value, display_name: String) -> bool {
        if !self.wants_more() {
            return false;
        }
        let event = ListEvent {
            state,
            display_name,
            diagnostics: Diagnostics::new(),
        };
        if self.events.send(event).await.is_err() {
            return false;
        }
        self.remaining -= 1;
        self.remaining > 0
    }
}

/// An action type (Terraform ≥ 1.14): an operation Terraform runs on demand (`terraform apply
/// -invoke=action.T.N`) or on a resource's lifecycle event (`action_trigger`), which changes no
/// state. Its configuration is a model, like a resource's.
#[async_trait]
pub trait Action<C>: TerraformType {
    /// Plan-time rules beyond [`Self::validate`]. `client` is `None` while the provider
    /// configuration is unknown; a rule may consult what this process has seen through it,
    /// but must not call the API, and must keep nothing for the invoke.
    fn plan(&self, _client: Option<&C>, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    /// Does the action, its configuration wholly known, telling Terraform what it is doing
    /// through `progress`. Its error ends the action as failed.
    async fn invoke(
        &self,
        client: &C,
        config: &Value,
        progress: &Progress,
    ) -> Result<(), Diagnostics>;
}

/// Where an action says what it is doing; Terraform prints each message as it comes
/// ("Action action.T.N (…): <message>").
pub struct Progress {
    events: mpsc::Sender<ActionEvent>,
}

impl Progress {
    pub fn new(events: mpsc::Sender<ActionEvent>) -> Self {
        Self { events }
    }

    /// One message; an empty one says nothing and is not sent.
    pub async fn say(&self, message: impl Into<String>) {
        let message = message.into();
        if !message.trim().is_empty() {
            // A client that stopped reading needs no progress.
            let _ = self.events.send(ActionEvent::Progress(message)).await;
        }
    }
}

/// A data source type.
#[async_trait]
pub trait DataSource<C>: TerraformType {
    /// The data source's state for `config`.
    async fn read(&self, client: &C, config: &Value) -> Result<Value, Diagnostics>;
}

/// What a create or an update leaves: the state to record (null when nothing was made or
/// changed), what to keep beside it (`None` keeps what Terraform had), and what to say.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub state: Value,
    pub private: Option<Private>,
    pub diagnostics: Diagnostics,
}

impl Outcome {
    pub fn made(state: Value) -> Self {
        Self {
            state,
            ..Self::default()
        }
    }

    /// Nothing was made.
    pub fn failed(diagnostics: impl Into<Diagnostics>) -> Self {
        Self {
            diagnostics: diagnostics.into(),
            ..Self::default()
        }
    }

    /// With `private` kept beside the state.
    pub fn keeping(self, private: Private) -> Self {
        Self {
            private: Some(private),
            ..self
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

    fn list_resources(&self) -> Vec<Box<dyn ListResource<Self::Client>>> {
        Vec::new()
    }

    fn actions(&self) -> Vec<Box<dyn Action<Self::Client>>> {
        Vec::new()
    }

    /// Terraform asked the provider to stop (Ctrl-C): cancel in-flight work.
    fn stop(&self);

    fn capabilities(&self) -> ServerCapabilities {
        ServerCapabilities {
            plan_destroy: true,
            get_provider_schema_optional: true,
            generate_resource_config: true,
        }
    }
}
