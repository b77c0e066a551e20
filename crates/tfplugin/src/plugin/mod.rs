//! The go-plugin side of being a Terraform provider: handshake, listener, mutual TLS, the
//! housekeeping gRPC services, and the serve loop that ties them to a `ProviderRpcs`.

// The plugin listens on a unix socket on Unix and on loopback TCP elsewhere, as go-plugin does
// (`listener.rs`); Ctrl-C is portable (`interrupt.rs`).

pub mod handshake;
pub mod interrupt;
pub mod listener;
mod p521;
mod server;
pub mod services;
pub mod tls;

pub use server::{serve, PluginEnv, ServeError, ServeMode};
