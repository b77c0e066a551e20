//! `alicloud_sas_private_registry`: a self-managed image registry in Security Center.

mod plan;
mod schema;
mod validate;

pub use plan::{plan, Plan};
pub use schema::{schema, REPLACE_ATTRS, UPDATE_ATTRS};
pub use validate::validate;

pub const TYPE_NAME: &str = "alicloud_sas_private_registry";
