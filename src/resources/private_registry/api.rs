//! What the registry resource needs from Security Center, in the API's own terms: writes take
//! the client's request types (secrets as `Secret`), reads give back `RegistryRecord`, the
//! resource's view of a listed registry. The Sas client implements it (see
//! `crate::provider::client`); tests use an in-memory fake, so the reconciliation logic is
//! testable without HTTP.

use std::future::Future;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

pub use alicloud::sas::{AddPrivateRegistryRequest, ModifyImageRegistryRequest};

/// A registry as `ListPrivateRegistryList` reports it (secrets never included).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RegistryRecord {
    pub id: i64,
    pub registry_type: String,
    pub registry_version: String,
    pub registry_name: String,
    pub protocol_type: i64,
    pub net_type: i64,
    pub vpc_id: Option<String>,
    pub registry_host_ip: String,
    pub domain_name: String,
    pub port: Option<i64>,
    pub user_name: String,
    pub region_id: String,
    pub trans_per_hour: Option<i64>,
    pub token: String,
}

/// One quay namespace and its token, from `ListImageRegistryExtra`.
#[derive(Debug, Clone, PartialEq)]
pub struct QuayNamespace {
    pub namespace: String,
    pub auth_token: String,
}

/// A failed call, already phrased for the user (action, code, request id, hint).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub message: String,
    pub kind: FailureKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The request may have reached the server: a create may have happened.
    Ambiguous,
    NotFound,
    /// StopProvider ended the call.
    Cancelled,
    Other,
}

pub trait RegistryApi: Send + Sync + 'static {
    /// Cancelled by StopProvider. Every call below ends on it by itself; the resource also ends
    /// its own waits on it (for a list another operation has in flight, for another create of
    /// the same registry).
    fn stop_token(&self) -> &CancellationToken;

    fn add(
        &self,
        req: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> impl Future<Output = Result<i64, ApiFailure>> + Send;

    /// Every registry of `registry_type` (all types when `None`).
    fn list(
        &self,
        registry_type: Option<&str>,
        deadline: Instant,
    ) -> impl Future<Output = Result<Vec<RegistryRecord>, ApiFailure>> + Send;

    fn quay_namespaces(
        &self,
        id: i64,
        deadline: Instant,
    ) -> impl Future<Output = Result<Vec<QuayNamespace>, ApiFailure>> + Send;

    fn modify(
        &self,
        change: &ModifyImageRegistryRequest,
        deadline: Instant,
    ) -> impl Future<Output = Result<(), ApiFailure>> + Send;

    fn delete(
        &self,
        id: i64,
        deadline: Instant,
    ) -> impl Future<Output = Result<(), ApiFailure>> + Send;
}
