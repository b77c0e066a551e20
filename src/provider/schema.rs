//! The `provider "alicloud"` block, named exactly as the official Alibaba Cloud provider names
//! it, so existing configurations carry over unchanged: its arguments and each nested block are
//! a model (`tfplugin::model!`), so each argument is declared once, with its description and
//! checks, and read (`config.rs`) through its typed field.

use alicloud::config::SignatureVersion;
use alicloud::Protocol;
use tfplugin::framework::model::Model;
use tfplugin::framework::validate::one_of;
use tfplugin::framework::{Block, NestedBlock, Schema};

/// The nested blocks, each at most once.
pub const ASSUME_ROLE: &str = "assume_role";
pub const ASSUME_ROLE_WITH_OIDC: &str = "assume_role_with_oidc";
pub const ENDPOINTS: &str = "endpoints";

/// `value` is one of the names a `NAMES` table of the client gives.
fn named<T, const N: usize>(
    names: [(&'static str, T); N],
) -> impl Fn(&str, &String) -> Result<(), String> {
    move |name, value| one_of(name, value, &names.each_ref().map(|(n, _)| *n))
}

tfplugin::model! {
    /// The block's own arguments.
    pub struct Arguments: () {
        /// AccessKey ID. Environment: `ALICLOUD_ACCESS_KEY`, `ALIBABA_CLOUD_ACCESS_KEY_ID`.
        access_key: String = optional(),
        /// AccessKey secret. Environment: `ALICLOUD_SECRET_KEY`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`.
        secret_key: String = optional().sensitive(),
        /// STS security token, for temporary credentials. Environment: `ALICLOUD_SECURITY_TOKEN`,
        /// `ALIBABA_CLOUD_SECURITY_TOKEN`.
        security_token: String = optional().sensitive(),
        /// Region to call, such as `cn-hangzhou`; it also selects the endpoint. Environment:
        /// `ALICLOUD_REGION`, `ALIBABA_CLOUD_REGION`. Default `cn-beijing`. Checked against the
        /// regions this provider knows, before any call.
        region: String = optional(),
        /// Accept a `region` this provider does not know yet (a region newer than the provider);
        /// its shape is still checked. Default `false`.
        skip_region_validation: bool = optional(),
        /// Profile to use from the shared credentials file. Environment: `ALICLOUD_PROFILE`,
        /// `ALIBABA_CLOUD_PROFILE`.
        profile: String = optional(),
        /// Path of the aliyun CLI `config.json` holding profiles (modes AK, StsToken, RamRoleArn,
        /// EcsRamRole, ChainableRamRoleArn, External, and CloudSSO once signed in with the aliyun
        /// CLI; OAuth is refused). Environment: `ALICLOUD_SHARED_CREDENTIALS_FILE`,
        /// `ALIBABA_CLOUD_CREDENTIALS_FILE`. Default `~/.aliyun/config.json`.
        shared_credentials_file: String = optional(),
        /// An `http://` or `https://` URL of a local credential service (a sidecar, say) that
        /// answers `GET` with `{"Code": "Success", "AccessKeyId", "AccessKeySecret",
        /// "SecurityToken", "Expiration"}`, as Alibaba Cloud's credential SDKs read it; fetched
        /// again before the key expires. Tried after an AccessKey and before `ecs_role_name`.
        /// Environment: `ALIBABA_CLOUD_CREDENTIALS_URI`.
        credentials_uri: String = optional(),
        /// RAM role attached to this ECS instance; credentials come from the instance metadata
        /// service, read in hardened mode (IMDSv2: a session token first). Where the instance
        /// offers no token the read goes without one, as the official SDKs do, unless
        /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true`. Environment: `ALICLOUD_ECS_ROLE_NAME`,
        /// `ALIBABA_CLOUD_ECS_METADATA`.
        ecs_role_name: String = optional(),
        /// API signature scheme: `v3` (ACS3-HMAC-SHA256, default) or `v2` (HMAC-SHA1).
        signature_version: String = optional().check(named(SignatureVersion::NAMES)),
        /// `HTTPS` (default) or `HTTP`, the scheme used to reach the API endpoints.
        protocol: String = optional().check(named(Protocol::NAMES)),
        /// Connection timeout for API calls, in milliseconds. Default 60000.
        client_connect_timeout: i64 = optional(),
        /// Read timeout for API calls, in milliseconds. Default 60000.
        client_read_timeout: i64 = optional(),
    }
}

tfplugin::model! {
    /// `assume_role`: Assume a RAM role through STS before calling the API.
    pub struct AssumeRole: () {
        /// ARN of the RAM role to assume, `acs:ram::<account>:role/<name>`. Environment:
        /// `ALICLOUD_ASSUME_ROLE_ARN`, `ALIBABA_CLOUD_ROLE_ARN` (the latter not when it is the role
        /// `assume_role_with_oidc` assumes).
        role_arn: String = optional(),
        /// Session name recorded in ActionTrail. Environment: `ALICLOUD_ASSUME_ROLE_SESSION_NAME`,
        /// `ALIBABA_CLOUD_ROLE_SESSION_NAME`. Default `terraform`.
        session_name: String = optional(),
        /// A RAM policy document (JSON) that further restricts the assumed role's permissions.
        policy: String = optional(),
        /// Lifetime of the temporary credentials in seconds, 900 to 43200. Default 3600.
        session_expiration: i64 = optional(),
        /// External ID the role's trust policy requires, if any.
        external_id: String = optional(),
    }
}

tfplugin::model! {
    /// `assume_role_with_oidc`.
    pub struct AssumeRoleWithOidc: () {
        /// ARN of the OIDC identity provider registered in RAM,
        /// `acs:ram::<account>:oidc-provider/<name>`. Environment:
        /// `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`.
        oidc_provider_arn: String = optional(),
        /// The OIDC token (a JWT) itself. Prefer `oidc_token_file`, which is read again when the
        /// token is rotated. Environment: `ALIBABA_CLOUD_OIDC_TOKEN`.
        oidc_token: String = optional().sensitive(),
        /// Path of a file holding the OIDC token, read again at every renewal. Environment:
        /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`.
        oidc_token_file: String = optional(),
        /// ARN of the RAM role to assume, `acs:ram::<account>:role/<name>`. Environment:
        /// `ALIBABA_CLOUD_ROLE_ARN`.
        role_arn: String = optional(),
        /// Session name recorded in ActionTrail. Environment: `ALIBABA_CLOUD_ROLE_SESSION_NAME`.
        /// Default `terraform`.
        role_session_name: String = optional(),
        /// A RAM policy document (JSON) that further restricts the assumed role's permissions.
        policy: String = optional(),
        /// Lifetime of the temporary credentials in seconds, 900 to 43200 (at most the role's
        /// maximum session). Default 3600.
        session_expiration: i64 = optional(),
    }
}

tfplugin::model! {
    /// `endpoints`.
    pub struct Endpoints: () {
        /// Security Center endpoint, `host[:port]`. Overridden by the `ALIBABA_CLOUD_ENDPOINT_SAS`
        /// and `SAS_ENDPOINT` environment variables.
        sas: String = optional(),
        /// STS endpoint used by `assume_role`, `assume_role_with_oidc` and `RamRoleArn` profiles,
        /// `host[:port]`. Overridden by the `ALIBABA_CLOUD_ENDPOINT_STS` environment variable.
        /// Default `sts.aliyuncs.com`.
        sts: String = optional(),
        /// ECS metadata service used by `ecs_role_name`, `host[:port]`. Default `100.100.100.200`.
        ecs_metadata: String = optional(),
    }
}

pub fn provider_schema() -> Schema {
    let nested = |name: &str, block: Block| NestedBlock::list(name, block, 1);
    let block = Arguments::block("The Alibaba Cloud provider for Security Center (Sas) private image registries, written in Rust.")
        .block(nested(ASSUME_ROLE, AssumeRole::block("Assume a RAM role through STS before calling the API. Credentials are cached and refreshed before they expire.")))
        .block(nested(ASSUME_ROLE_WITH_OIDC, AssumeRoleWithOidc::block("Assume a RAM role with an OIDC token through STS `AssumeRoleWithOIDC`: keyless credentials for CI (GitHub Actions) and Kubernetes (ACK RRSA). Tried after `ecs_role_name` and before the shared credentials file; the credentials are renewed before they expire, and the token file is read again each time, since it is rotated. `assume_role` may be chained on top.")))
        .block(nested(ENDPOINTS, Endpoints::block("Override API endpoints, for private networks, proxies or the local `sas-emulator`.")));
    Schema::new(0, block)
}
