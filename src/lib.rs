//! A Terraform provider for Alibaba Cloud Security Center private image registries.
//!
//! Layers, outermost first (see ARCHITECTURE.md): `plugin` (go-plugin handshake, TLS, gRPC
//! services) → `protocol` (tfplugin5/6 adapters over one provider core) → `value` (cty values and
//! codecs) → `framework` (schema, diagnostics, plan helpers) → `resources` (the registry resource)
//! → `alicloud` (the signed API client). `emulator` is the local Sas API used by tests and demos.

pub mod alicloud;
pub mod docs;
pub mod emulator;
pub mod framework;
pub mod logging;
pub mod plugin;
pub mod proto;
pub mod protocol;
pub mod provider;
pub mod resources;
pub mod value;
