//! STS `AssumeRole` (base credentials traded for a RAM role's temporary ones) and
//! `AssumeRoleWithOIDC` (an identity provider's token traded for them, called anonymously).

use serde::Deserialize;

use super::config::{AssumeRoleSpec, OidcSpec};
use super::context::CallContext;
use super::credentials::{parse_expiration, CredentialProvider, Credentials};
use super::error::Error;
use super::request::request;
use super::rpc::{Operation, Rpc, STS};
use super::secret::Secret;

/// Calling AssumeRole again just issues another token, so it is safe to retry.
pub(crate) const ASSUME_ROLE: Operation = Operation::of::<AssumeRoleRequest>(&STS, true);

/// Like `AssumeRole`, another call only issues another token.
pub(crate) const ASSUME_ROLE_WITH_OIDC: Operation =
    Operation::of::<AssumeRoleWithOidcRequest>(&STS, true);

request! {
    /// The `AssumeRole` request.
    pub struct AssumeRoleRequest for "AssumeRole" {
        pub role_arn: String => "RoleArn" in Query,
        pub role_session_name: String => "RoleSessionName" in Query,
        pub duration_seconds: Option<i64> => "DurationSeconds" in Query,
        pub policy: Option<String> => "Policy" in Query,
        pub external_id: Option<String> => "ExternalId" in Query,
    }
}

request! {
    /// The `AssumeRoleWithOIDC` request, sent anonymously: the token is the proof.
    pub struct AssumeRoleWithOidcRequest for "AssumeRoleWithOIDC" {
        pub role_arn: String => "RoleArn" in Body,
        pub role_session_name: String => "RoleSessionName" in Body,
        pub duration_seconds: Option<i64> => "DurationSeconds" in Body,
        pub policy: Option<String> => "Policy" in Body,
        pub oidc_provider_arn: String => "OIDCProviderArn" in Body,
        pub oidc_token: Secret => "OIDCToken" in Body,
    }
}

impl From<&AssumeRoleSpec> for AssumeRoleRequest {
    fn from(s: &AssumeRoleSpec) -> Self {
        AssumeRoleRequest {
            role_arn: s.role_arn.clone(),
            role_session_name: s.session_name.clone(),
            duration_seconds: Some(s.duration_seconds),
            policy: s.policy.clone(),
            external_id: s.external_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleResponse {
    #[serde(default)]
    pub request_id: Option<String>,
    pub credentials: StsCredentials,
    #[serde(default)]
    pub assumed_role_user: Option<AssumedRoleUser>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StsCredentials {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    pub security_token: Secret,
    pub expiration: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumedRoleUser {
    #[serde(default)]
    pub arn: Option<String>,
    #[serde(default)]
    pub assumed_role_id: Option<String>,
}

/// Calls AssumeRoleWithOIDC on `host` with `token`, unsigned: the token is the proof. Its
/// parameters travel in the form body, as the official credential SDKs send them, so the token
/// is never part of a URL.
pub(crate) async fn assume_role_with_oidc(
    rpc: &Rpc,
    host: &str,
    spec: &OidcSpec,
    token: &Secret,
    ctx: &CallContext,
) -> Result<Credentials, Error> {
    let role = AssumeRoleRequest::from(&spec.role);
    let params = AssumeRoleWithOidcRequest {
        role_arn: role.role_arn,
        role_session_name: role.role_session_name,
        duration_seconds: role.duration_seconds,
        policy: role.policy,
        oidc_provider_arn: spec.provider_arn.clone(),
        oidc_token: token.clone(),
    }
    .params();
    let response: AssumeRoleResponse = rpc
        .call_anonymous(host, &ASSUME_ROLE_WITH_OIDC, &params, ctx)
        .await?;
    credentials_of(response, "STS AssumeRoleWithOIDC")
}

fn credentials_of(response: AssumeRoleResponse, source: &str) -> Result<Credentials, Error> {
    let c = response.credentials;
    Ok(Credentials {
        access_key_id: c.access_key_id,
        access_key_secret: c.access_key_secret,
        security_token: Some(c.security_token),
        expiration: Some(parse_expiration(&c.expiration, source)?),
    })
}

/// Calls AssumeRole on `host`, signed with `base`.
pub(crate) async fn assume_role(
    rpc: &Rpc,
    host: &str,
    base: &dyn CredentialProvider,
    request: &AssumeRoleRequest,
    ctx: &CallContext,
) -> Result<Credentials, Error> {
    let response: AssumeRoleResponse = rpc
        .call(host, &ASSUME_ROLE, &request.params(), base, ctx)
        .await?;
    credentials_of(response, "STS AssumeRole")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_response() {
        let r = AssumeRoleRequest {
            role_arn: "acs:ram::1:role/r".into(),
            role_session_name: "terraform".into(),
            duration_seconds: Some(900),
            policy: None,
            external_id: Some("e".into()),
        };
        let params = r.params();
        let names: Vec<&str> = params.as_slice().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "RoleArn",
                "RoleSessionName",
                "DurationSeconds",
                "ExternalId"
            ]
        );
        let body = r#"{"RequestId":"R","AssumedRoleUser":{"Arn":"a","AssumedRoleId":"i"},"Credentials":{"AccessKeyId":"STS.x","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2030-01-01T00:00:00Z"}}"#;
        let resp: AssumeRoleResponse = serde_json::from_str(body).unwrap();
        assert_eq!(resp.credentials.access_key_id, "STS.x");
        assert_eq!(resp.credentials.security_token.expose(), "t");
        assert!(!format!("{resp:?}").contains("\"t\""));
    }
}
