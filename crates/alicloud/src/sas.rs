//! Typed Security Center (Sas) operations and `SasClient`, what the resource layer calls.
//!
//! Requests are plain structs turned into API parameters here and nowhere else; responses are
//! serde structs in the API's PascalCase. Registry passwords are never read back: the API only
//! echoes them masked, so no response type has a password field.

use std::sync::Arc;

use serde::Deserialize;

use super::config::ResolvedConfig;
use super::context::CallContext;
use super::credentials::{CredentialProvider, LazyChain};
use super::endpoint::EndpointOrigin;
use super::error::Error;
use super::rpc::{Operation, Params, Rpc, SAS};
use super::secret::Secret;

const fn op(action: &'static str, idempotent: bool) -> Operation {
    Operation {
        product: &SAS,
        action,
        idempotent,
    }
}

/// No idempotency token exists, so a create is never retried once it may have reached the server.
const ADD_PRIVATE_REGISTRY: Operation = op("AddPrivateRegistry", false);
const LIST_PRIVATE_REGISTRY_LIST: Operation = op("ListPrivateRegistryList", true);
const LIST_IMAGE_REGISTRY_EXTRA: Operation = op("ListImageRegistryExtra", true);
const PAGE_IMAGE_REGISTRY: Operation = op("PageImageRegistry", true);
/// Setting the same values twice leaves the same registry.
const MODIFY_IMAGE_REGISTRY: Operation = op("ModifyImageRegistry", true);
/// A repeated delete can only fail with not-found, which the resource treats as deleted.
const DELETE_PRIVATE_REGISTRY: Operation = op("DeletePrivateRegistry", true);
const LIST_IMAGE_REGISTRY_REGION: Operation = op("ListImageRegistryRegion", true);

/// `AddPrivateRegistry`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddPrivateRegistryRequest {
    /// `harbor` or `quay`.
    pub registry_type: String,
    /// `V1` or `V2`.
    pub registry_version: String,
    /// 1 HTTP, 2 HTTPS.
    pub protocol_type: i64,
    /// 1 Internet, 2 VPC.
    pub net_type: i64,
    pub vpc_id: Option<String>,
    pub registry_host_ip: String,
    pub domain_name: String,
    pub port: Option<i64>,
    pub user_name: String,
    pub password: Secret,
    pub registry_region_id: String,
    pub trans_per_hour: Option<i64>,
    /// The JSON array string with quay `namespace` and `authToken`.
    pub extra_param: Option<Secret>,
}

impl AddPrivateRegistryRequest {
    pub(crate) fn params(&self) -> Params {
        let mut p = Params::new();
        p.put("RegistryType", &self.registry_type)
            .put("RegistryVersion", &self.registry_version)
            .put("ProtocolType", self.protocol_type)
            .put("NetType", self.net_type)
            .put_opt("VpcId", self.vpc_id.as_ref())
            .put("RegistryHostIp", &self.registry_host_ip)
            .put("DomainName", &self.domain_name)
            .put_opt("Port", self.port)
            .put("UserName", &self.user_name)
            .put_secret("Password", &self.password)
            .put("RegistryRegionId", &self.registry_region_id)
            .put_opt("TransPerHour", self.trans_per_hour);
        if let Some(extra) = &self.extra_param {
            p.put_secret("ExtraParam", extra);
        }
        p
    }
}

/// A registry as the Add response and the list APIs describe it. Every field but `Id` is
/// optional because each API returns a different subset. `Password` is deliberately absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RegistryInfo {
    pub id: i64,
    pub ali_uid: Option<i64>,
    pub domain_name: Option<String>,
    pub registry_host_ip: Option<String>,
    pub port: Option<i64>,
    pub net_type: Option<i64>,
    pub protocol_type: Option<i64>,
    /// The registry's region (`RegistryRegionId` in the request).
    pub region_id: Option<String>,
    pub registry_name: Option<String>,
    pub registry_type: Option<String>,
    pub registry_version: Option<String>,
    /// Computed by the service; `RefreshRegistryToken` changes it.
    pub token: Option<String>,
    pub trans_per_hour: Option<i64>,
    pub user_name: Option<String>,
    pub vpc_id: Option<String>,
    pub white_list: Option<String>,
    pub jenkins_env: Option<String>,
    pub persistence_day: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddPrivateRegistryResponse {
    #[serde(default)]
    pub request_id: Option<String>,
    pub data: RegistryInfo,
}

/// `ListPrivateRegistryList`: every registry, optionally of one type.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPrivateRegistryListRequest {
    /// `acr`, `harbor`, `quay` or `CI/CD`.
    pub registry_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListPrivateRegistryListResponse {
    pub request_id: Option<String>,
    pub image_registry_infos: Vec<RegistryInfo>,
}

/// `ListImageRegistryExtra`: the quay namespace and auth token of one registry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListImageRegistryExtraRequest {
    pub registry_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RegistryExtraInfo {
    pub id: Option<i64>,
    pub ali_uid: Option<i64>,
    pub auth_token: Option<Secret>,
    pub namespace: Option<String>,
    pub registry_id: Option<i64>,
    pub registry_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListImageRegistryExtraResponse {
    pub request_id: Option<String>,
    pub image_registry_extra_infos: Vec<RegistryExtraInfo>,
}

/// `PageImageRegistry`: a page of registries (without version, port and owner).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageImageRegistryRequest {
    pub current_page: Option<i64>,
    pub page_size: Option<i64>,
    pub registry_name_like: Option<String>,
    pub registry_type_in_list: Vec<String>,
    pub registry_type_not_in_list: Vec<String>,
}

impl PageImageRegistryRequest {
    pub(crate) fn params(&self) -> Params {
        let mut p = Params::new();
        p.put_opt("CurrentPage", self.current_page)
            .put_opt("PageSize", self.page_size)
            .put_opt("RegistryNameLike", self.registry_name_like.as_ref());
        for (i, t) in self.registry_type_in_list.iter().enumerate() {
            p.put(&format!("RegistryTypeInList.{}", i + 1), t);
        }
        for (i, t) in self.registry_type_not_in_list.iter().enumerate() {
            p.put(&format!("RegistryTypeNotInList.{}", i + 1), t);
        }
        p
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PageInfo {
    pub count: Option<i64>,
    pub current_page: Option<i64>,
    pub page_size: Option<i64>,
    pub total_count: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PageImageRegistryResponse {
    pub request_id: Option<String>,
    pub list: Vec<RegistryInfo>,
    pub page_info: PageInfo,
}

/// `ModifyImageRegistry`: the only fields the API can change in place.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModifyImageRegistryRequest {
    pub id: i64,
    pub password: Option<Secret>,
    pub user_name: Option<String>,
    pub trans_per_hour: Option<i64>,
    pub domain_name: Option<String>,
    pub port: Option<i64>,
    pub registry_host_ip: Option<String>,
}

impl ModifyImageRegistryRequest {
    /// Whether it carries no change at all, only the `Id` (the API refuses such a call).
    pub fn is_empty(&self) -> bool {
        self.params().as_slice().len() == 1
    }

    pub(crate) fn params(&self) -> Params {
        let mut p = Params::new();
        p.put("Id", self.id);
        if let Some(pw) = &self.password {
            p.put_secret("Password", pw);
        }
        p.put_opt("UserName", self.user_name.as_ref())
            .put_opt("TransPerHour", self.trans_per_hour)
            .put_opt("DomainName", self.domain_name.as_ref())
            .put_opt("Port", self.port)
            .put_opt("RegistryHostIp", self.registry_host_ip.as_ref());
        p
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ModifyImageRegistryResponse {
    pub request_id: Option<String>,
    pub code: Option<String>,
    pub message: Option<String>,
    pub success: Option<bool>,
    pub http_status_code: Option<i64>,
}

/// `DeletePrivateRegistry`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeletePrivateRegistryRequest {
    pub registry_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeletePrivateRegistryResponse {
    pub request_id: Option<String>,
    pub data: Option<bool>,
}

/// `ListImageRegistryRegion`: the regions a registry can be registered in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListImageRegistryRegionRequest {
    /// `zh` or `en`.
    pub lang: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RegistryRegion {
    pub region_id: String,
    pub region_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListImageRegistryRegionResponse {
    pub request_id: Option<String>,
    pub regions: Vec<RegistryRegion>,
}

struct Inner {
    config: ResolvedConfig,
    rpc: Rpc,
    credentials: Arc<dyn CredentialProvider>,
}

/// The Security Center client. Cheap to clone; building it performs no I/O — the HTTP clients
/// and credentials come into being on the first call.
#[derive(Clone)]
pub struct SasClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SasClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SasClient")
            .field("endpoint", &self.inner.config.sas_endpoint)
            .field("region", &self.inner.config.region)
            .finish_non_exhaustive()
    }
}

impl SasClient {
    /// A client using the credential chain the configuration describes.
    pub fn new(config: ResolvedConfig) -> Self {
        let rpc = Rpc::new(&config);
        let credentials = Arc::new(LazyChain::new(
            config.credentials.clone(),
            rpc.clone(),
            config.sts_endpoint.clone(),
            config.ecs_metadata_endpoint.clone(),
            config.imds_v1_disabled,
        ));
        SasClient {
            inner: Arc::new(Inner {
                config,
                rpc,
                credentials,
            }),
        }
    }

    /// A client with an explicit credential provider (tests, or callers with their own source).
    pub fn with_credentials(
        config: ResolvedConfig,
        credentials: Arc<dyn CredentialProvider>,
    ) -> Self {
        let rpc = Rpc::new(&config);
        SasClient {
            inner: Arc::new(Inner {
                config,
                rpc,
                credentials,
            }),
        }
    }

    pub fn config(&self) -> &ResolvedConfig {
        &self.inner.config
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        op: &Operation,
        params: Params,
        ctx: &CallContext,
    ) -> Result<T, Error> {
        let result = self
            .inner
            .rpc
            .call(
                &self.inner.config.sas_endpoint,
                op,
                &params,
                self.inner.credentials.as_ref(),
                ctx,
            )
            .await;
        result.map_err(|mut e| {
            if let Error::EndpointUnreachable { fix, .. } = &mut e {
                *fix = self.endpoint_fix();
            }
            e
        })
    }

    /// The setting that chose the endpoint, for an error saying it cannot be reached.
    fn endpoint_fix(&self) -> String {
        let config = &self.inner.config;
        match &config.sas_endpoint_origin {
            EndpointOrigin::Environment(name) => format!(
                "check the {name} environment variable; region {:?}",
                config.region
            ),
            EndpointOrigin::ProviderBlock => format!(
                "check endpoints.sas in the provider block; region {:?}",
                config.region
            ),
            EndpointOrigin::RegionRule => format!(
                "the endpoint follows the provider's region {:?}: check region, or set endpoints.sas",
                config.region
            ),
        }
    }

    /// Creates a registry. On [`Error::Ambiguous`] the registry may exist: list before retrying.
    pub async fn add_private_registry(
        &self,
        req: &AddPrivateRegistryRequest,
        ctx: &CallContext,
    ) -> Result<AddPrivateRegistryResponse, Error> {
        self.call(&ADD_PRIVATE_REGISTRY, req.params(), ctx).await
    }

    pub async fn list_private_registry_list(
        &self,
        req: &ListPrivateRegistryListRequest,
        ctx: &CallContext,
    ) -> Result<ListPrivateRegistryListResponse, Error> {
        let mut p = Params::new();
        p.put_opt("RegistryType", req.registry_type.as_ref());
        self.call(&LIST_PRIVATE_REGISTRY_LIST, p, ctx).await
    }

    pub async fn list_image_registry_extra(
        &self,
        req: &ListImageRegistryExtraRequest,
        ctx: &CallContext,
    ) -> Result<ListImageRegistryExtraResponse, Error> {
        let mut p = Params::new();
        p.put("RegistryId", req.registry_id);
        self.call(&LIST_IMAGE_REGISTRY_EXTRA, p, ctx).await
    }

    pub async fn page_image_registry(
        &self,
        req: &PageImageRegistryRequest,
        ctx: &CallContext,
    ) -> Result<PageImageRegistryResponse, Error> {
        self.call(&PAGE_IMAGE_REGISTRY, req.params(), ctx).await
    }

    pub async fn modify_image_registry(
        &self,
        req: &ModifyImageRegistryRequest,
        ctx: &CallContext,
    ) -> Result<ModifyImageRegistryResponse, Error> {
        self.call(&MODIFY_IMAGE_REGISTRY, req.params(), ctx).await
    }

    pub async fn delete_private_registry(
        &self,
        req: &DeletePrivateRegistryRequest,
        ctx: &CallContext,
    ) -> Result<DeletePrivateRegistryResponse, Error> {
        let mut p = Params::new();
        p.put("RegistryId", req.registry_id);
        self.call(&DELETE_PRIVATE_REGISTRY, p, ctx).await
    }

    pub async fn list_image_registry_region(
        &self,
        req: &ListImageRegistryRegionRequest,
        ctx: &CallContext,
    ) -> Result<ListImageRegistryRegionResponse, Error> {
        let mut p = Params::new();
        p.put_opt("Lang", req.lang.as_ref());
        self.call(&LIST_IMAGE_REGISTRY_REGION, p, ctx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement;

    /// Every parameter our requests can carry has its row in the placement table (a missing row
    /// would silently send it in the body).
    #[test]
    fn every_parameter_has_a_placement() {
        let full_add = AddPrivateRegistryRequest {
            vpc_id: Some("v".into()),
            port: Some(1),
            trans_per_hour: Some(1),
            extra_param: Some(Secret::new("[]")),
            ..Default::default()
        };
        let full_modify = ModifyImageRegistryRequest {
            id: 1,
            password: Some(Secret::new("p")),
            user_name: Some("u".into()),
            trans_per_hour: Some(1),
            domain_name: Some("d".into()),
            port: Some(1),
            registry_host_ip: Some("h".into()),
        };
        let full_page = PageImageRegistryRequest {
            current_page: Some(1),
            page_size: Some(1),
            registry_name_like: Some("x".into()),
            registry_type_in_list: vec!["harbor".into()],
            registry_type_not_in_list: vec!["quay".into()],
        };
        let inline: &[(&Operation, &str)] = &[
            (&LIST_PRIVATE_REGISTRY_LIST, "RegistryType"),
            (&LIST_IMAGE_REGISTRY_EXTRA, "RegistryId"),
            (&DELETE_PRIVATE_REGISTRY, "RegistryId"),
            (&LIST_IMAGE_REGISTRY_REGION, "Lang"),
        ];
        let mut checked = 0;
        for (op, params) in [
            (&ADD_PRIVATE_REGISTRY, full_add.params()),
            (&MODIFY_IMAGE_REGISTRY, full_modify.params()),
            (&PAGE_IMAGE_REGISTRY, full_page.params()),
        ] {
            let table = placement::table(op.action).expect(op.action);
            for (name, _) in params.as_slice() {
                let base = name.split_once('.').map_or(name.as_str(), |(b, _)| b);
                assert!(
                    table.iter().any(|(p, _)| *p == base),
                    "{}.{name}",
                    op.action
                );
                checked += 1;
            }
        }
        for (op, name) in inline {
            let table = placement::table(op.action).expect(op.action);
            assert!(table.iter().any(|(p, _)| p == name), "{}.{name}", op.action);
        }
        assert_eq!(checked, 13 + 7 + 5);
    }

    /// The resource layer's API trait needs `Send` futures; this fails to compile otherwise.
    #[allow(dead_code)]
    fn operation_futures_are_send(c: SasClient, cx: CallContext) {
        fn is_send<T: Send>(_: T) {}
        let c2 = c.clone();
        let cx2 = cx.clone();
        is_send(async move {
            let _ = c2
                .add_private_registry(&AddPrivateRegistryRequest::default(), &cx2)
                .await;
        });
        is_send(async move {
            let _ = c
                .list_private_registry_list(&ListPrivateRegistryListRequest::default(), &cx)
                .await;
        });
    }

    #[test]
    fn add_params_use_api_names() {
        let req = AddPrivateRegistryRequest {
            registry_type: "quay".into(),
            registry_version: "V2".into(),
            protocol_type: 2,
            net_type: 1,
            vpc_id: None,
            registry_host_ip: "1.2.3.4".into(),
            domain_name: "example.com".into(),
            port: Some(443),
            user_name: "u".into(),
            password: Secret::new("pw"),
            registry_region_id: "cn-hangzhou".into(),
            trans_per_hour: None,
            extra_param: Some(Secret::new(r#"[{"namespace":"aa","authToken":"t"}]"#)),
        };
        let p = req.params();
        let names: Vec<&str> = p.as_slice().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "RegistryType",
                "RegistryVersion",
                "ProtocolType",
                "NetType",
                "RegistryHostIp",
                "DomainName",
                "Port",
                "UserName",
                "Password",
                "RegistryRegionId",
                "ExtraParam"
            ]
        );
        assert!(p.as_slice().contains(&("Password".into(), "pw".into())));
        assert!(!format!("{req:?}").contains("pw\""));
    }

    #[test]
    fn page_lists_are_numbered_from_one() {
        let p = PageImageRegistryRequest {
            registry_type_in_list: vec!["harbor".into(), "quay".into()],
            registry_type_not_in_list: vec!["acr".into()],
            ..Default::default()
        }
        .params();
        assert_eq!(
            p.as_slice(),
            [
                ("RegistryTypeInList.1".to_string(), "harbor".to_string()),
                ("RegistryTypeInList.2".to_string(), "quay".to_string()),
                ("RegistryTypeNotInList.1".to_string(), "acr".to_string()),
            ]
        );
    }

    #[test]
    fn seed_response_parses_and_drops_the_masked_password() {
        let body = r#"{
            "RequestId": "F8B6F758-BCD4-597A-8A2C-DA5A552C****",
            "Data": {"VpcId": "vpc-2vchkxmf2j9yjt3x2****", "Token": "3c3c602c-fa1f-4bc0-992f-b4b2cac7****",
              "TransPerHour": 10, "AliUid": 0, "RegistryType": "harbor", "DomainName": "example.com",
              "RegionId": "cn-hangzhou", "Password": "***********", "NetType": 2, "RegistryVersion": "V2",
              "ProtocolType": 2, "RegistryHostIp": "114.55.**.**", "UserName": "******", "Id": 0}
        }"#;
        let r: AddPrivateRegistryResponse = serde_json::from_str(body).unwrap();
        assert_eq!(r.data.region_id.as_deref(), Some("cn-hangzhou"));
        assert_eq!(r.data.net_type, Some(2));
        assert_eq!(r.data.trans_per_hour, Some(10));
        assert_eq!(r.data.port, None);
    }

    #[test]
    fn list_and_extra_parse() {
        let l: ListPrivateRegistryListResponse = serde_json::from_str(
            r#"{"RequestId":"R","ImageRegistryInfos":[{"Id":7,"Port":5000,"RegistryName":"n","WhiteList":"","PersistenceDay":30}]}"#,
        )
        .unwrap();
        assert_eq!(l.image_registry_infos[0].id, 7);
        assert_eq!(l.image_registry_infos[0].port, Some(5000));
        let e: ListImageRegistryExtraResponse = serde_json::from_str(
            r#"{"ImageRegistryExtraInfos":[{"Id":1,"AuthToken":"secret-token","Namespace":"ns","RegistryId":7,"RegistryType":"quay"}]}"#,
        )
        .unwrap();
        let info = &e.image_registry_extra_infos[0];
        assert_eq!(
            info.auth_token.as_ref().map(Secret::expose),
            Some("secret-token")
        );
        assert!(!format!("{e:?}").contains("secret-token"));
    }
}
