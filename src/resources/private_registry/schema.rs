//! The schema of `alicloud_sas_private_registry`, from its declaration (`fields.rs`); the attribute names
//! are part of the contract.

use super::fields::Registry;
use crate::resources::timeouts;
use tfplugin::framework::model::Model;
use tfplugin::framework::{IdentityAttribute, IdentitySchema, Schema};
use tfplugin::value::Type;

/// The schema: every attribute of [`Registry`], then the timeouts.
pub fn schema() -> Schema {
    let block = Registry::block("A self-managed (harbor or quay) image registry that Security Center scans for image risks, added with `AddPrivateRegistry`.");
    Schema::new(0, block.block(timeouts::block())).with_identity(identity())
}

/// A registry is the registry id in one Security Center region (the site the provider's
/// endpoint serves); the account is the one the provider's credentials belong to, which the
/// identity leaves out because knowing it would cost an API call on every read.
fn identity() -> IdentitySchema {
    IdentitySchema::new(
        0,
        vec![
            IdentityAttribute::for_import(
                "id",
                Type::String,
                "The registry ID Security Center assigned.",
            ),
            IdentityAttribute::optional_for_import(
                "region_id",
                Type::String,
                "The Security Center region the registry is in, such as `cn-hangzhou`; an import by identity that gives it must find the registry there.",
            ),
        ],
    )
}
