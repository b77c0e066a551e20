//! What a provider is made of, independent of protocol version: schemas with the flags that
//! drive planning, diagnostics, the [`Resource`], [`DataSource`], [`ListResource`] and
//! [`Action`] traits a provider author implements, and the [`ProviderServer`] that serves them as the protocol-neutral
//! [`ProviderRpcs`] the adapters call.

mod diagnostics;
pub mod generate;
pub mod model;
pub mod plan;
mod private;
mod provider;
mod resource;
mod schema;
mod server;
pub mod validate;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use plan::Plan;
pub use private::Private;
pub use provider::{
    ActionEvent, ApplyRequest, ApplyResponse, ImportResponse, ImportedResource, ListEvent,
    ListRequest, PlanRequest, PlanResponse, ProviderRpcs, ProviderSchema, ReadDataRequest,
    ReadRequest, ReadResponse, ServerCapabilities, UpgradeRequest,
};
pub use resource::{
    async_trait, Action, DataSource, Found, ListResource, Outcome, Progress, ProviderDefinition,
    Resource, TerraformType,
};
pub use schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Schema,
};
pub use server::ProviderServer;
