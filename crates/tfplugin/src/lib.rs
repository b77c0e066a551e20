//! Terraform's side of a provider, for any cloud: the go-plugin handshake and mutual TLS
//! (`plugin`), the tfplugin5 and tfplugin6 adapters over one protocol-neutral core
//! (`protocol`), cty values and their codecs (`value`), and the framework a provider is
//! written against (`framework`: schemas with flags, diagnostics, the `Resource` and
//! `DataSource` traits and the server that dispatches to them). The wire types (`proto`)
//! never leave this crate's `plugin` and `protocol` modules.

pub mod framework;
pub mod logging;
pub mod plugin;
pub mod proto;
pub mod protocol;
pub mod value;
