//! The Alibaba Cloud API client: configuration, credentials, signing, transport, retries and
//! the typed Security Center (Sas) operations the registry resource needs.
//!
//! Flow of one call: [`SasClient`] → `rpc` (retry loop; per attempt: credentials from the chain,
//! a fresh V3 or V2 signature, one HTTP exchange) → typed response or [`Error`]. Nothing here does
//! I/O before the first call, so configuring the provider can never fail on the network.
//!
//! Invariants: secrets travel as [`Secret`] and are masked in every log line and error message;
//! a create is never retried once it may have reached the server ([`Error::Ambiguous`]).

pub mod config;
pub mod context;
pub mod credentials;
/// Public only for `benches/micro.rs`; tests verify signatures with the emulator's own
/// verifier, so the signers are not their own oracle.
#[doc(hidden)]
pub mod encode;
pub mod endpoint;
pub mod error;
pub mod placement;
mod redact;
pub mod regions;
pub mod request;
pub mod retry;
pub(crate) mod rpc;
pub mod sas;
pub mod secret;
#[doc(hidden)]
pub mod sign_v2;
#[doc(hidden)]
pub mod sign_v3;
pub mod sts;
pub mod transport;

pub use config::{
    resolve, AssumeRoleConfig, CredentialPlan, CredentialSource, EndpointsConfig, ProviderConfig,
    ResolvedConfig, SignatureVersion,
};
pub use context::CallContext;
pub use credentials::{CredentialProvider, Credentials, StaticProvider};
pub use endpoint::Protocol;
pub use error::{ApiError, ConfigError, Error, Setting, TransportFailure};
pub use retry::RetryPolicy;
pub use sas::*;
pub use secret::Secret;
