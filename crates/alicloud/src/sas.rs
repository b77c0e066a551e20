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
use super::request::{request, Request};
use super::rpc::{Operation, Params, Rpc, SAS};
use super::secret::Secret;

const fn op<R: Request>(idempotent: bool) -> Operation {
    Operation::of::<R>(&SAS, idempotent)
}

/// No idempotency token exists, so a create is never retried once it may have reached the server.
const ADD_PRIVATE_REGISTRY: Operation = op::<AddPrivateRegistryRequest>(false);
const LIST_PRIVATE_REGISTRY_LIST: Operation = op::<ListPrivateRegistryListRequest>(true);
const LIST_IMAGE_REGISTRY_EXTRA: Operation = op::<ListImageRegistryExtraRequest>(true);
const PAGE_IMAGE_REGISTRY: Operation = op::<PageImageRegistryRequest>(true);
/// Setting the same values twice leaves the same registry.
const MODIFY_IMAGE_REGISTRY: Operation = op::<ModifyImageRegistryRequest>(true);
/// A repeated delete can only fail with not-found, which the resource treats as deleted.
const DELETE_PRIVATE_REGISTRY: Operation = op::<DeletePrivateRegistryRequest>(true);
const LIST_IMAGE_REGISTRY_REGION: Operation = op::<ListImageRegistryRegionRequest>(true);
/// Issuing a token again leaves the registry with a new token, which is all a caller asks.
const REFRESH_REGISTRY_TOKEN: Operation = op::<RefreshRegistryTokenRequest>(true);

request! {
    /// `AddPrivateRegistry`.
    pub struct AddPrivateRegistryRequest for "AddPrivateRegistry" {
        /// `harbor` or `quay`.
        pub registry_type: String => "RegistryType" in Query,
        /// `V1` or `V2`.
        pub registry_version: String => "RegistryVersion" in Query,
        /// 1 HTTP, 2 HTTPS.
        pub protocol_type: i64 => "ProtocolType" in Query,
        /// 1 Internet, 2 VPC.
        pub net_type: i64 => "NetType" in Query,
        pub vpc_id: Option<String> => "VpcId" in Query,
        pub registry_host_ip: String => "RegistryHostIp" in Query,
        pub domain_name: String => "DomainName" in Query,
        pub port: Option<i64> => "Port" in Query,
        pub user_name: String => "UserName" in Query,
        pub password: Secret => "Password" in Query,
        pub registry_region_id: String => "RegistryRegionId" in Query,
        pub trans_per_hour: Option<i64> => "TransPerHour" in Query,
        /// The JSON array string with quay `namespace` and `authToken`.
        pub extra_param: Option<Secret> => "ExtraParam" in Query,
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

request! {
    /// `ListPrivateRegistryList`: every registry, optionally of one type.
    pub struct ListPrivateRegistryListRequest for "ListPrivateRegistryList" {
        /// `acr`, `harbor`, `quay` or `CI/CD`.
        pub registry_type: Option<String> => "RegistryType" in Query,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListPrivateRegistryListResponse {
    pub request_id: Option<String>,
    pub image_registry_infos: Vec<RegistryInfo>,
}

request! {
    /// `ListImageRegistryExtra`: the quay namespace and auth token of one registry.
    pub struct ListImageRegistryExtraRequest for "ListImageRegistryExtra" {
        pub registry_id: i64 => "RegistryId" in Query,
    }
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

request! {
    /// `PageImageRegistry`: a page of registries (without version, port and owner).
    pub struct PageImageRegistryRequest for "PageImageRegistry" {
        pub current_page: Option<i64> => "CurrentPage" in Body,
        pub page_size: Option<i64> => "PageSize" in Body,
        pub registry_name_like: Option<String> => "RegistryNameLike" in Body,
        pub registry_type_in_list: Vec<String> => "RegistryTypeInList" in Body,
        pub registry_type_not_in_list: Vec<String> => "RegistryTypeNotInList" in Body,
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

request! {
    /// `ModifyImageRegistry`: the only fields the API can change in place.
    pub struct ModifyImageRegistryRequest for "ModifyImageRegistry" {
        pub id: i64 => "Id" in Body,
        pub password: Option<Secret> => "Password" in Body,
        pub user_name: Option<String> => "UserName" in Body,
        pub trans_per_hour: Option<i64> => "TransPerHour" in Body,
        pub domain_name: Option<String> => "DomainName" in Query,
        pub port: Option<i64> => "Port" in Query,
        pub registry_host_ip: Option<String> => "RegistryHostIp" in Query,
    }
}

impl ModifyImageRegistryRequest {
    /// Whether it carries no change at all, only the `Id` (the API refuses such a call).
    pub fn is_empty(&self) -> bool {
        self.params().as_slice().len() == 1
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

request! {
    /// `DeletePrivateRegistry`.
    pub struct DeletePrivateRegistryRequest for "DeletePrivateRegistry" {
        pub registry_id: i64 => "RegistryId" in Query,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DeletePrivateRegistryResponse {
    pub request_id: Option<String>,
    pub data: Option<bool>,
}

request! {
    /// `RefreshRegistryToken`: issues the registry a new token.
    pub struct RefreshRegistryTokenRequest for "RefreshRegistryToken" {
        pub registry_id: i64 => "RegistryId" in Query,
    }
}

/// The answer holds the new token, which callers must not show.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RefreshRegistryTokenResponse {
    pub request_id: Option<String>,
    pub data: Option<Secret>,
}

request! {
    /// `ListImageRegistryRegion`: the regions a registry can be registered in.
    pub struct ListImageRegistryRegionRequest for "ListImageRegistryRegion" {
        /// `zh` or `en`.
        pub lang: Option<String> => "Lang" in Query,
    }
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
        self.call(&LIST_PRIVATE_REGISTRY_LIST, req.params(), ctx)
            .await
    }

    pub async fn list_image_registry_extra(
        &self,
        req: &ListImageRegistryExtraRequest,
        ctx: &CallContext,
    ) -> Result<ListImageRegistryExtraResponse, Error> {
        self.call(&LIST_IMAGE_REGISTRY_EXTRA, req.params(), ctx)
            .await
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
        self.call(&DELETE_PRIVATE_REGISTRY, req.params(), ctx).await
    }

    pub async fn refresh_registry_token(
        &self,
        req: &RefreshRegistryTokenRequest,
        ctx: &CallContext,
    ) -> Result<RefreshRegistryTokenResponse, Error> {
        self.call(&REFRESH_REGISTRY_TOKEN, req.params(), ctx).await
    }

    pub async fn list_image_registry_region(
        &self,
        req: &ListImageRegistryRegionRequest,
        ctx: &CallContext,
    ) -> Result<ListImageRegistryRegionResponse, Error> {
        self.call(&LIST_IMAGE_REGISTRY_REGION, req.params(), ctx)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request sends each declared parameter under its declared name, and nothing else.
    #[test]
    fn a_full_request_sends_what_it_declares() {
        let full_add = AddPrivateRegistryRequest {
            vpc_id: Some("v".into()),
            port: Some(1),
            trans_per_hour: Some(1),
            extra_param: Some(Secret::new("[]")),
            ..Default::default()
        };
        let sent: Vec<String> = full_add
            .params()
            .as_slice()
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        let declared: Vec<&str> = AddPrivateRegistryRequest::PARAMETERS
            .iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(sent, declared);
        assert_eq!(
            AddPrivateRegistryRequest::parameter_of("registry_region_id"),
            Some("RegistryRegionId")
        );
        assert_eq!(ModifyImageRegistryRequest::parameter_of("vpc_id"), None);
        assert_eq!(
            crate::placement::location(MODIFY_IMAGE_REGISTRY.parameters, "Port"),
            crate::placement::Location::Query
        );
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
            registry_host_ip: "1.2.3.4".into(),
            domain_name: "example.com".into(),
            port: Some(443),
            user_name: "u".into(),
            password: Secret::new("pw"),
            registry_region_id: "cn-hangzhou".into(),
            extra_param: Some(Secret::new(r#"[{"namespace":"aa","authToken":"t"}]"#)),
            ..Default::default()
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

    /// The published `AddPrivateRegistry` sample parses to exactly these fields: the masked
    /// user name kept as the API said it (the provider reads a mask as saying nothing), no
    /// `Port`. That nothing reads a password back is `fields.rs`'s test of the secrets.
    #[test]
    fn seed_response_parses_field_by_field() {
        let body = r#"{
            "RequestId": "F8B6F758-BCD4-597A-8A2C-DA5A552C****",
            "Data": {"VpcId": "vpc-2vchkxmf2j9yjt3x2****", "Token": "3c3c602c-fa1f-4bc0-992f-b4b2cac7****",
              "TransPerHour": 10, "AliUid": 0, "RegistryType": "harbor", "DomainName": "example.com",
              "RegionId": "cn-hangzhou", "Password": "***********", "NetType": 2, "RegistryVersion": "V2",
              "ProtocolType": 2, "RegistryHostIp": "114.55.**.**", "UserName": "******", "Id": 0}
        }"#;
        let r: AddPrivateRegistryResponse = serde_json::from_str(body).unwrap();
        let text = |s: &str| Some(s.to_string());
        assert_eq!(
            r.data,
            RegistryInfo {
                id: 0,
                ali_uid: Some(0),
                domain_name: text("example.com"),
                registry_host_ip: text("114.55.**.**"),
                port: None,
                net_type: Some(2),
                protocol_type: Some(2),
                region_id: text("cn-hangzhou"),
                registry_name: None,
                registry_type: text("harbor"),
                registry_version: text("V2"),
                token: text("3c3c602c-fa1f-4bc0-992f-b4b2cac7****"),
                trans_per_hour: Some(10),
                user_name: text("******"),
                vpc_id: text("vpc-2vchkxmf2j9yjt3x2****"),
                white_list: None,
                jenkins_env: None,
                persistence_day: None,
            }
        );
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
