//! tfplugin5 and tfplugin6: two thin skins over one protocol-neutral core. The adapters only
//! move fields between prost messages and domain types; every decision lives in `core`.

mod core;
pub mod v5;
pub mod v6;
mod wire;

pub use self::core::{ClientCapabilities, Core, EncodedImport, WireValue};

/// gRPC message limit each way. Terraform sends whole configurations and states in one message;
/// tonic's 4 MiB default would fail large ones.
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;
