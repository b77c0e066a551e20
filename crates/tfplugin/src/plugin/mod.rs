//! The go-plugin side of being a Terraform provider: handshake, listener, mutual TLS, the
//! housekeeping gRPC services, and the serve loop that ties them to a `Provider`.

// The plugin listens on a unix socket (`listener.rs`), as go-plugin does on every Unix; on
// Windows go-plugin listens on loopback TCP, and a port writes that in `listener.rs`. Ctrl-C
// is already portable (`interrupt.rs`).
#[cfg(not(unix))]
compile_error!(
    "the plugin listener is written for Unix only: see crates/tfplugin/src/plugin/mod.rs"
);

pub mod handshake;
pub mod interrupt;
pub mod listener;
mod p521;
mod server;
pub mod services;
pub mod tls;

pub use server::{serve, PluginEnv, ServeError, ServeMode};
