//! Resources, data sources and actions, one module each: the only layer that knows both Terraform
//! attribute names and Sas API parameter names. Shared here: the `timeouts` block and the
//! list cache (the API has no get-by-id).

pub mod image_registry_regions;
pub mod list_cache;
pub mod mapping;
pub mod private_registries;
pub mod private_registry;
pub mod refresh_registry_token;
pub mod timeouts;
