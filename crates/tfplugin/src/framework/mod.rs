//! What a provider is made of, independent of protocol version: schemas, diagnostics, the
//! provider trait the protocol adapters call, and the plan helpers resources share.

mod diagnostics;
pub mod plan;
mod provider;
mod schema;
pub mod validate;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use provider::{
    ApplyRequest, ApplyResponse, ImportResponse, ImportedResource, PlanRequest, PlanResponse,
    Provider, ProviderSchema, ReadDataRequest, ReadRequest, ReadResponse, ServerCapabilities,
    UpgradeRequest,
};
pub use schema::{
    Attribute, Block, IdentityAttribute, IdentitySchema, NestedBlock, Nesting, Schema,
};
