//! `RegistryApi` over the Sas client: API types in, resource types out, and every client error
//! classified (ambiguous, not found, cancelled) and phrased for the user.

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::resources::private_registry::api::{
    ApiFailure, FailureKind, QuayNamespace, RegistryApi, RegistryRecord,
};
use alicloud::context::CallContext;
use alicloud::error::Error;
use alicloud::sas::{
    AddPrivateRegistryRequest, DeletePrivateRegistryRequest, ListImageRegistryExtraRequest,
    ListPrivateRegistryListRequest, ModifyImageRegistryRequest, RegistryInfo, SasClient,
};

pub struct SasRegistryApi {
    client: SasClient,
    /// Cancelled by StopProvider.
    stop: CancellationToken,
}

impl SasRegistryApi {
    pub fn new(client: SasClient, stop: CancellationToken) -> Self {
        Self { client, stop }
    }

    fn ctx(&self, deadline: Instant) -> CallContext {
        CallContext::new(deadline, self.stop.clone())
    }
}

fn failure(e: Error) -> ApiFailure {
    let code = e.code().unwrap_or_default().to_string();
    let kind = match &e {
        Error::Ambiguous { .. } => FailureKind::Ambiguous,
        // Only a stop is a cancellation; running out of time is a failure like any other.
        Error::Cancelled { .. } => FailureKind::Cancelled,
        _ if is_resource_not_found(&code) => FailureKind::NotFound,
        _ => FailureKind::Other,
    };
    ApiFailure {
        message: e.to_string(),
        kind,
    }
}

/// Codes that say the registry is gone. Not-found codes about the caller (an unknown AccessKey,
/// an unknown action) are not: treating those as "already deleted" would drop a live registry
/// from state and orphan it.
fn is_resource_not_found(code: &str) -> bool {
    let about_the_caller = [
        "InvalidAccessKeyId",
        "InvalidAction",
        "InvalidVersion",
        "InvalidSecurityToken",
    ]
    .iter()
    .any(|p| code.starts_with(p));
    !about_the_caller && (code.contains("NotFound") || code.contains("NotExist"))
}

fn record(info: RegistryInfo) -> RegistryRecord {
    RegistryRecord {
        id: info.id,
        registry_type: info.registry_type.unwrap_or_default(),
        registry_version: info.registry_version.unwrap_or_default(),
        registry_name: info.registry_name.unwrap_or_default(),
        protocol_type: info.protocol_type.unwrap_or_default(),
        net_type: info.net_type.unwrap_or_default(),
        vpc_id: info.vpc_id,
        registry_host_ip: info.registry_host_ip.unwrap_or_default(),
        domain_name: info.domain_name.unwrap_or_default(),
        port: info.port,
        user_name: info.user_name.unwrap_or_default(),
        region_id: info.region_id.unwrap_or_default(),
        trans_per_hour: info.trans_per_hour,
        token: info.token.unwrap_or_default(),
    }
}

impl RegistryApi for SasRegistryApi {
    fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    async fn add(
        &self,
        request: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> Result<i64, ApiFailure> {
        let resp = self
            .client
            .add_private_registry(request, &self.ctx(deadline))
            .await
            .map_err(failure)?;
        Ok(resp.data.id)
    }

    async fn list(
        &self,
        registry_type: Option<&str>,
        deadline: Instant,
    ) -> Result<Vec<RegistryRecord>, ApiFailure> {
        let request = ListPrivateRegistryListRequest {
            registry_type: registry_type.map(str::to_string),
        };
        let resp = self
            .client
            .list_private_registry_list(&request, &self.ctx(deadline))
            .await
            .map_err(failure)?;
        Ok(resp.image_registry_infos.into_iter().map(record).collect())
    }

    async fn quay_namespaces(
        &self,
        id: i64,
        deadline: Instant,
    ) -> Result<Vec<QuayNamespace>, ApiFailure> {
        let request = ListImageRegistryExtraRequest { registry_id: id };
        let resp = self
            .client
            .list_image_registry_extra(&request, &self.ctx(deadline))
            .await
            .map_err(failure)?;
        Ok(resp
            .image_registry_extra_infos
            .into_iter()
            .filter_map(|x| {
                Some(QuayNamespace {
                    namespace: x.namespace?,
                    auth_token: x.auth_token?.expose().to_string(),
                })
            })
            .collect())
    }

    async fn modify(
        &self,
        request: &ModifyImageRegistryRequest,
        deadline: Instant,
    ) -> Result<(), ApiFailure> {
        let resp = self
            .client
            .modify_image_registry(request, &self.ctx(deadline))
            .await
            .map_err(failure)?;
        if resp.success == Some(false) {
            return Err(ApiFailure {
                message: format!(
                    "ModifyImageRegistry did not succeed: {} {} (RequestId: {})",
                    resp.code.unwrap_or_default(),
                    resp.message.unwrap_or_default(),
                    resp.request_id.unwrap_or_else(|| "none".into())
                ),
                kind: FailureKind::Other,
            });
        }
        Ok(())
    }

    async fn delete(&self, id: i64, deadline: Instant) -> Result<(), ApiFailure> {
        let request = DeletePrivateRegistryRequest { registry_id: id };
        let resp = self
            .client
            .delete_private_registry(&request, &self.ctx(deadline))
            .await
            .map_err(failure)?;
        // `Data: false` means nothing was deleted: the registry was already gone.
        if resp.data == Some(false) {
            return Err(ApiFailure {
                message: format!("registry {id} does not exist"),
                kind: FailureKind::NotFound,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_stop_counts_as_cancelled() {
        // A read-back that ran out of time must stay an error, not become the stop warning.
        let timed_out = failure(Error::DeadlineExceeded {
            action: "ListPrivateRegistryList".into(),
            attempts: 3,
            last: None,
        });
        assert_eq!(timed_out.kind, FailureKind::Other);
        let stopped = failure(Error::Cancelled {
            action: "ListPrivateRegistryList".into(),
        });
        assert_eq!(stopped.kind, FailureKind::Cancelled);
    }

    #[test]
    fn only_registry_not_found_codes_mean_gone() {
        assert!(is_resource_not_found("RegistryNotFound"));
        assert!(is_resource_not_found("InvalidRegistry.NotExist"));
        assert!(!is_resource_not_found("InvalidAccessKeyId.NotFound"));
        assert!(!is_resource_not_found("InvalidAction.NotFound"));
        assert!(!is_resource_not_found("Throttling.User"));
    }
}
