//! The Alibaba Cloud provider for Security Center private image registries: the provider
//! block (`provider`) and one module per resource or data source (`resources`), written
//! against `tfplugin`'s framework and calling the API through the `alicloud` client. The
//! emulator is not linked here: it is a dev-dependency, for tests.

pub mod docs;
pub mod provider;
pub mod resources;
