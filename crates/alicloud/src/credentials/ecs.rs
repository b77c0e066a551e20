//! Credentials of the RAM role attached to an ECS instance, from the instance metadata service;
//! cached and refreshed before they expire.
//!
//! Hardened mode (IMDSv2), as the official credential SDKs do it: each fetch first asks for a
//! session token (`PUT /latest/api/token`, a TTL header) and sends it with the read. Where no
//! token can be had, the SDKs fall back to the plain read (IMDSv1) unless
//! `ALIBABA_CLOUD_IMDSV1_DISABLED=true`; so does this. The token is never logged.

use tracing::debug;

use super::{fetch_temporary_key, BoxFuture, CredentialCache, Credentials, TemporarySource};
use crate::context::CallContext;
use crate::encode::percent_encode;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::secret::Secret;
use crate::transport::HttpRequest;

#[derive(Debug)]
pub struct EcsRoleProvider {
    rpc: Rpc,
    /// `host[:port]` of the metadata service; always plain HTTP, as the service speaks nothing else.
    metadata_host: String,
    role_name: String,
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED`: no read without a session token.
    v1_disabled: bool,
    cache: CredentialCache,
}

/// What the token is asked for and sent as, and its lifetime (the service's maximum).
const TOKEN_PATH: &str = "/latest/api/token";
const TOKEN_TTL_HEADER: &str = "X-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "X-aliyun-ecs-metadata-token";
const TOKEN_TTL_SECONDS: &str = "21600";

impl EcsRoleProvider {
    pub(crate) fn new(
        rpc: Rpc,
        metadata_host: String,
        role_name: String,
        v1_disabled: bool,
    ) -> Self {
        EcsRoleProvider {
            rpc,
            metadata_host,
            role_name,
            v1_disabled,
            cache: CredentialCache::default(),
        }
    }

    /// A session token, or why there is none.
    async fn session_token(&self) -> Result<Secret, String> {
        let transport = self.rpc.transport().await.map_err(|e| e.to_string())?;
        let response = transport
            .send_metadata(HttpRequest {
                method: reqwest::Method::PUT,
                url: format!("http://{}{TOKEN_PATH}", self.metadata_host),
                headers: vec![(TOKEN_TTL_HEADER.into(), TOKEN_TTL_SECONDS.into())],
                body: Vec::new(),
            })
            .await
            .map_err(|e| format!("unreachable ({:?}): {}", e.failure, e.detail))?;
        match String::from_utf8(response.body) {
            Ok(token) if response.status == 200 && !token.trim().is_empty() => {
                Ok(Secret::new(token.trim()))
            }
            _ => Err(format!("HTTP {}", response.status)),
        }
    }

    async fn fetch_key(&self) -> Result<Credentials, Error> {
        let fail = |message: String| Error::Credentials {
            source_name: self.source(),
            message,
        };
        let headers = match self.session_token().await {
            Ok(token) => vec![(TOKEN_HEADER.to_string(), token.expose().to_string())],
            Err(why) if self.v1_disabled => {
                return Err(fail(format!(
                    "no metadata session token ({why}), and ALIBABA_CLOUD_IMDSV1_DISABLED forbids reading without one"
                )))
            }
            Err(why) => {
                debug!(why = %why, "no metadata session token; reading without one (IMDSv1)");
                Vec::new()
            }
        };
        let url = format!(
            "http://{}/latest/meta-data/ram/security-credentials/{}",
            self.metadata_host,
            percent_encode(&self.role_name)
        );
        let request = HttpRequest {
            method: reqwest::Method::GET,
            url,
            headers,
            body: Vec::new(),
        };
        let not_ok = " (is the role attached to this instance?)";
        fetch_temporary_key(&self.rpc, request, &self.source(), not_ok).await
    }
}

impl TemporarySource for EcsRoleProvider {
    fn source(&self) -> String {
        format!(
            "ecs_role_name {:?} (metadata service {})",
            self.role_name, self.metadata_host
        )
    }

    fn cache(&self) -> &CredentialCache {
        &self.cache
    }

    fn fetch<'a>(&'a self, _ctx: &'a CallContext) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(self.fetch_key())
    }
}
