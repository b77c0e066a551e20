//! One Security Center account as this provider configuration reaches it, which every
//! resource, data source and action is handed: the Sas client, the stop signal, and the
//! registries' shared lists. Built by ConfigureProvider without I/O. (Not an STS session:
//! temporary credentials live in `alicloud::credentials`.)

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::resources::private_registry::api::{QuayNamespace, RegistryApi};
use crate::resources::private_registry::Registries;
use alicloud::context::CallContext;
use alicloud::error::Error;
use alicloud::sas::{
    AddPrivateRegistryRequest, DeletePrivateRegistryRequest, ListImageRegistryExtraRequest,
    ListPrivateRegistryListRequest, ModifyImageRegistryRequest, RegistryInfo, SasClient,
};

pub struct Account {
    /// For calls no resource keeps state about.
    pub sas: SasClient,
    /// Cancelled by StopProvider.
    pub stop: CancellationToken,
    /// The registry resource and the registries data source see one account, so they share
    /// its lists.
    pub registries: Registries<SasRegistryApi>,
}

impl Account {
    pub fn new(sas: SasClient, stop: CancellationToken) -> Self {
        Self {
            registries: Registries::new(SasRegistryApi::new(sas.clone(), stop.clone())),
            sas,
            stop,
        }
    }

    /// The limits of a call ending at `deadline`.
    pub fn ctx(&self, deadline: Instant) -> CallContext {
        CallContext::new(deadline, self.stop.clone())
    }
}

/// `RegistryApi` over the Sas client.
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

impl RegistryApi for SasRegistryApi {
    fn stop_token(&self) -> &CancellationToken {
        &self.stop
    }

    async fn add(
        &self,
        request: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> Result<RegistryInfo, Error> {
        let resp = self
            .client
            .add_private_registry(request, &self.ctx(deadline))
            .await?;
        Ok(resp.data)
    }

    async fn list(
        &self,
        registry_type: Option<&str>,
        deadline: Instant,
    ) -> Result<Vec<RegistryInfo>, Error> {
        let request = ListPrivateRegistryListRequest {
            registry_type: registry_type.map(str::to_string),
        };
        let resp = self
            .client
            .list_private_registry_list(&request, &self.ctx(deadline))
            .await?;
        Ok(resp.image_registry_infos)
    }

    async fn quay_namespaces(
        &self,
        id: i64,
        deadline: Instant,
    ) -> Result<Vec<QuayNamespace>, Error> {
        let request = ListImageRegistryExtraRequest { registry_id: id };
        let resp = self
            .client
            .list_image_registry_extra(&request, &self.ctx(deadline))
            .await?;
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
    ) -> Result<(), Error> {
        // The client turns a `"Success": false` answer into an error.
        self.client
            .modify_image_registry(request, &self.ctx(deadline))
            .await?;
        Ok(())
    }

    async fn delete(&self, id: i64, deadline: Instant) -> Result<(), Error> {
        let request = DeletePrivateRegistryRequest { registry_id: id };
        // `Data: false` means nothing was deleted: the registry was already gone, which is
        // what a delete wants.
        self.client
            .delete_private_registry(&request, &self.ctx(deadline))
            .await?;
        Ok(())
    }
}
