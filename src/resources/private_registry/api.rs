//! What the registry resource needs from Security Center, in the API client's own types:
//! requests in (secrets as `Secret`), `RegistryInfo` out, `alicloud::Error` on failure (its
//! code, RequestId and the parameter it blames, and whether the call may have acted). The
//! Sas client implements it (`crate::provider::account`); the unit tests' fake (`fake.rs`)
//! implements it in memory, so the reconciliation logic is testable without HTTP.

use std::future::Future;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use alicloud::{AddPrivateRegistryRequest, Error, ModifyImageRegistryRequest, RegistryInfo};

/// One quay namespace and its token, from `ListImageRegistryExtra`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuayNamespace {
    pub namespace: String,
    pub auth_token: String,
}

pub trait RegistryApi: Send + Sync + 'static {
    /// Cancelled by StopProvider. Every call below ends on it by itself; the resource also ends
    /// its own waits on it (for a list another operation has in flight, for another create of
    /// the same registry).
    fn stop_token(&self) -> &CancellationToken;

    /// The new registry as the answer tells it: every field the list has but `Port`, the
    /// secrets masked.
    fn add(
        &self,
        req: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> impl Future<Output = Result<RegistryInfo, Error>> + Send;

    /// Every registry of `registry_type` (all types when `None`).
    fn list(
        &self,
        registry_type: Option<&str>,
        deadline: Instant,
    ) -> impl Future<Output = Result<Vec<RegistryInfo>, Error>> + Send;

    fn quay_namespaces(
        &self,
        id: i64,
        deadline: Instant,
    ) -> impl Future<Output = Result<Vec<QuayNamespace>, Error>> + Send;

    fn modify(
        &self,
        change: &ModifyImageRegistryRequest,
        deadline: Instant,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// A registry already gone is no failure to the resource: `Ok`, or an error whose code
    /// says not found (`Error::is_not_found`).
    fn delete(&self, id: i64, deadline: Instant) -> impl Future<Output = Result<(), Error>> + Send;
}
