//! `alicloud_sas_private_registry`: a self-managed image registry in Security Center.

pub mod api;
mod crud;
#[cfg(test)]
mod fixtures;
mod plan;
mod schema;
mod state;
mod validate;

pub use crud::Registries;
pub use plan::{plan, Plan};
pub use schema::{schema, REPLACE_ATTRS, UPDATE_ATTRS};
pub use validate::validate;

pub const TYPE_NAME: &str = "alicloud_sas_private_registry";
