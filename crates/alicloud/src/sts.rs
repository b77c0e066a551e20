//! STS `AssumeRole` (base credentials traded for a RAM role's temporary ones) and
//! `AssumeRoleWithOIDC` (an identity provider's token traded for them, called anonymously).

use serde::Deserialize;

use super::config::{AssumeRoleSpec, OidcSpec};
use super::context::CallContext;
use super::credentials::{parse_expiration, CredentialProvider, Credentials};
use super::error::Error;
use super::rpc::{Operation, Params, Rpc, STS};
use super::secret::Secret;

/// Calling AssumeRole again just issues another token, so it is safe to retry.
pub(crate) const ASSUME_ROLE: Operation = Operation {
    product: &STS,
    action: "AssumeRole",
    idempotent: true,
};

/// Like `AssumeRole`, another call only issues another token.
pub(crate) const ASSUME_ROLE_WITH_OIDC: Operation = Operation {
    product: &STS,
    action: "AssumeRoleWithOIDC",
    idempotent: true,
};

/// The `AssumeRole` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleRequest {
    pub role_arn: String,
    pub role_session_name: String,
    pub duration_seconds: Option<i64>,
    pub policy: Option<String>,
    pub external_id: Option<String>,
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

impl AssumeRoleRequest {
    pub(crate) fn params(&self) -> Params {
        let mut p = Params::new();
        p.put("RoleArn", &self.role_arn)
            .put("RoleSessionName", &self.role_session_name)
            .put_opt("DurationSeconds", self.duration_seconds)
            .put_opt("Policy", self.policy.as_ref())
            .put_opt("ExternalId", self.external_id.as_ref());
        p
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
    let mut params = AssumeRoleRequest::from(&spec.role).params();
    params
        .put("OIDCProviderArn", &spec.provider_arn)
        .put_secret("OIDCToken", token);
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
