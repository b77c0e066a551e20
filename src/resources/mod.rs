//! Resources and data sources: the only layer that knows both Terraform attribute names and
//! Sas API parameter names.

pub mod list_cache;
pub mod private_registries;
pub mod private_registry;
pub mod timeouts;
