//! The go-plugin side of being a Terraform provider: handshake, listener, mutual TLS, the
//! housekeeping gRPC services, and the serve loop that ties them to a `Provider`.

pub mod handshake;
pub mod listener;
mod p521;
mod server;
pub mod services;
pub mod tls;

pub use server::{serve, PluginEnv, ServeError, ServeMode};
