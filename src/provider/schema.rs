//! The `provider "alicloud"` block, named exactly as the official Alibaba Cloud provider names
//! it, so existing configurations carry over unchanged.

use tfplugin::framework::{Attribute, Block, NestedBlock, Schema};
use tfplugin::value::Type;

pub fn provider_schema() -> Schema {
    let assume_role = Block::new("Assume a RAM role through STS before calling the API. Credentials are cached and refreshed before they expire.")
        .attribute(Attribute::optional("role_arn", Type::String, "ARN of the RAM role to assume, `acs:ram::<account>:role/<name>`. Environment: `ALICLOUD_ASSUME_ROLE_ARN`, `ALIBABA_CLOUD_ROLE_ARN` (the latter not when it is the role `assume_role_with_oidc` assumes)."))
        .attribute(Attribute::optional("session_name", Type::String, "Session name recorded in ActionTrail. Environment: `ALICLOUD_ASSUME_ROLE_SESSION_NAME`, `ALIBABA_CLOUD_ROLE_SESSION_NAME`. Default `terraform`."))
        .attribute(Attribute::optional("policy", Type::String, "A RAM policy document (JSON) that further restricts the assumed role's permissions."))
        .attribute(Attribute::optional("session_expiration", Type::Number, "Lifetime of the temporary credentials in seconds, 900 to 43200. Default 3600."))
        .attribute(Attribute::optional("external_id", Type::String, "External ID the role's trust policy requires, if any."));
    let oidc = Block::new("Assume a RAM role with an OIDC token through STS `AssumeRoleWithOIDC`: keyless credentials for CI (GitHub Actions) and Kubernetes (ACK RRSA). Tried after `ecs_role_name` and before the shared credentials file; the credentials are renewed before they expire, and the token file is read again each time, since it is rotated. `assume_role` may be chained on top.")
        .attribute(Attribute::optional("oidc_provider_arn", Type::String, "ARN of the OIDC identity provider registered in RAM, `acs:ram::<account>:oidc-provider/<name>`. Environment: `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`."))
        .attribute(Attribute::optional("oidc_token", Type::String, "The OIDC token (a JWT) itself. Prefer `oidc_token_file`, which is read again when the token is rotated. Environment: `ALIBABA_CLOUD_OIDC_TOKEN`.").sensitive())
        .attribute(Attribute::optional("oidc_token_file", Type::String, "Path of a file holding the OIDC token, read again at every renewal. Environment: `ALIBABA_CLOUD_OIDC_TOKEN_FILE`."))
        .attribute(Attribute::optional("role_arn", Type::String, "ARN of the RAM role to assume, `acs:ram::<account>:role/<name>`. Environment: `ALIBABA_CLOUD_ROLE_ARN`."))
        .attribute(Attribute::optional("role_session_name", Type::String, "Session name recorded in ActionTrail. Environment: `ALIBABA_CLOUD_ROLE_SESSION_NAME`. Default `terraform`."))
        .attribute(Attribute::optional("policy", Type::String, "A RAM policy document (JSON) that further restricts the assumed role's permissions."))
        .attribute(Attribute::optional("session_expiration", Type::Number, "Lifetime of the temporary credentials in seconds, 900 to 43200 (at most the role's maximum session). Default 3600."));
    let endpoints = Block::new("Override API endpoints, for private networks, proxies or the local `sas-emulator`.")
        .attribute(Attribute::optional("sas", Type::String, "Security Center endpoint, `host[:port]`. Overridden by the `ALIBABA_CLOUD_ENDPOINT_SAS` and `SAS_ENDPOINT` environment variables."))
        .attribute(Attribute::optional("sts", Type::String, "STS endpoint used by `assume_role`, `assume_role_with_oidc` and `RamRoleArn` profiles, `host[:port]`. Overridden by the `ALIBABA_CLOUD_ENDPOINT_STS` environment variable. Default `sts.aliyuncs.com`."))
        .attribute(Attribute::optional("ecs_metadata", Type::String, "ECS metadata service used by `ecs_role_name`, `host[:port]`. Default `100.100.100.200`."));
    let block = Block::new("The Alibaba Cloud provider for Security Center (Sas) private image registries, written in Rust.")
        .attribute(Attribute::optional("access_key", Type::String, "AccessKey ID. Environment: `ALICLOUD_ACCESS_KEY`, `ALIBABA_CLOUD_ACCESS_KEY_ID`."))
        .attribute(Attribute::optional("secret_key", Type::String, "AccessKey secret. Environment: `ALICLOUD_SECRET_KEY`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`.").sensitive())
        .attribute(Attribute::optional("security_token", Type::String, "STS security token, for temporary credentials. Environment: `ALICLOUD_SECURITY_TOKEN`, `ALIBABA_CLOUD_SECURITY_TOKEN`.").sensitive())
        .attribute(Attribute::optional("region", Type::String, "Region to call, such as `cn-hangzhou`; it also selects the endpoint. Environment: `ALICLOUD_REGION`, `ALIBABA_CLOUD_REGION`. Default `cn-beijing`. Checked against the regions this provider knows, before any call."))
        .attribute(Attribute::optional("skip_region_validation", Type::Bool, "Accept a `region` this provider does not know yet (a region newer than the provider); its shape is still checked. Default `false`."))
        .attribute(Attribute::optional("profile", Type::String, "Profile to use from the shared credentials file. Environment: `ALICLOUD_PROFILE`, `ALIBABA_CLOUD_PROFILE`."))
        .attribute(Attribute::optional("shared_credentials_file", Type::String, "Path of the aliyun CLI `config.json` holding profiles (modes AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn, External, and CloudSSO once signed in with the aliyun CLI; OAuth is refused). Environment: `ALICLOUD_SHARED_CREDENTIALS_FILE`, `ALIBABA_CLOUD_CREDENTIALS_FILE`. Default `~/.aliyun/config.json`."))
        .attribute(Attribute::optional("credentials_uri", Type::String, "An `http://` or `https://` URL of a local credential service (a sidecar, say) that answers `GET` with `{\"Code\": \"Success\", \"AccessKeyId\", \"AccessKeySecret\", \"SecurityToken\", \"Expiration\"}`, as Alibaba Cloud's credential SDKs read it; fetched again before the key expires. Tried after an AccessKey and before `ecs_role_name`. Environment: `ALIBABA_CLOUD_CREDENTIALS_URI`."))
        .attribute(Attribute::optional("ecs_role_name", Type::String, "RAM role attached to this ECS instance; credentials come from the instance metadata service, read in hardened mode (IMDSv2: a session token first). Where the instance offers no token the read goes without one, as the official SDKs do, unless `ALIBABA_CLOUD_IMDSV1_DISABLED=true`. Environment: `ALICLOUD_ECS_ROLE_NAME`, `ALIBABA_CLOUD_ECS_METADATA`."))
        .attribute(Attribute::optional("signature_version", Type::String, "API signature scheme: `v3` (ACS3-HMAC-SHA256, default) or `v2` (HMAC-SHA1)."))
        .attribute(Attribute::optional("protocol", Type::String, "`HTTPS` (default) or `HTTP`, the scheme used to reach the API endpoints."))
        .attribute(Attribute::optional("client_connect_timeout", Type::Number, "Connection timeout for API calls, in milliseconds. Default 60000."))
        .attribute(Attribute::optional("client_read_timeout", Type::Number, "Read timeout for API calls, in milliseconds. Default 60000."))
        .block(NestedBlock::list("assume_role", assume_role, 1))
        .block(NestedBlock::list("assume_role_with_oidc", oidc, 1))
        .block(NestedBlock::list("endpoints", endpoints, 1));
    Schema::new(0, block)
}
