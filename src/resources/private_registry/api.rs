//! What the registry resource needs from Security Center, in the API's own terms. The Sas
//! client implements it (see `crate::provider::client`); tests use an in-memory fake, so the
//! reconciliation logic is testable without HTTP.

use std::future::Future;

use tokio::time::Instant;

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

/// `AddPrivateRegistry` parameters. Secrets are plain strings here: this struct never leaves
/// the call that sends it, and its Debug output redacts them.
#[derive(Clone, PartialEq, Default)]
pub struct NewRegistry {
    pub registry_type: String,
    pub registry_version: String,
    pub protocol_type: i64,
    pub net_type: i64,
    pub vpc_id: Option<String>,
    pub registry_host_ip: String,
    pub domain_name: String,
    pub port: Option<i64>,
    pub user_name: String,
    pub password: String,
    pub registry_region_id: String,
    pub trans_per_hour: Option<i64>,
    pub extra_param: Option<String>,
}

impl std::fmt::Debug for NewRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewRegistry")
            .field("registry_type", &self.registry_type)
            .field("domain_name", &self.domain_name)
            .field("registry_host_ip", &self.registry_host_ip)
            .field("registry_region_id", &self.registry_region_id)
            .field("password", &"***")
            .field("extra_param", &self.extra_param.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// `ModifyImageRegistry` parameters: only what changed, plus the id.
#[derive(Clone, PartialEq, Default)]
pub struct RegistryChange {
    pub id: i64,
    pub registry_host_ip: Option<String>,
    pub domain_name: Option<String>,
    pub port: Option<i64>,
    pub user_name: Option<String>,
    pub password: Option<String>,
    pub trans_per_hour: Option<i64>,
}

impl RegistryChange {
    pub fn is_empty(&self) -> bool {
        self.registry_host_ip.is_none()
            && self.domain_name.is_none()
            && self.port.is_none()
            && self.user_name.is_none()
            && self.password.is_none()
            && self.trans_per_hour.is_none()
    }
}

impl std::fmt::Debug for RegistryChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryChange")
            .field("id", &self.id)
            .field("registry_host_ip", &self.registry_host_ip)
            .field("domain_name", &self.domain_name)
            .field("port", &self.port)
            .field("user_name", &self.user_name)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("trans_per_hour", &self.trans_per_hour)
            .finish()
    }
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
    /// StopProvider or the operation's deadline ended the call.
    Cancelled,
    Other,
}

pub trait RegistryApi: Send + Sync + 'static {
    fn add(
        &self,
        req: &NewRegistry,
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
        change: &RegistryChange,
        deadline: Instant,
    ) -> impl Future<Output = Result<(), ApiFailure>> + Send;

    fn delete(
        &self,
        id: i64,
        deadline: Instant,
    ) -> impl Future<Output = Result<(), ApiFailure>> + Send;
}
