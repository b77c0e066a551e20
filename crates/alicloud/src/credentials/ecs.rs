//! Credentials of the RAM role attached to an ECS instance, from the instance metadata service;
//! cached and refreshed before they expire.

use serde::Deserialize;

use super::{parse_expiration, BoxFuture, CredentialCache, CredentialProvider, Credentials};
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
    cache: CredentialCache,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetadataCredentials {
    #[serde(default)]
    code: Option<String>,
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Secret,
    expiration: String,
}

impl EcsRoleProvider {
    pub(crate) fn new(rpc: Rpc, metadata_host: String, role_name: String) -> Self {
        EcsRoleProvider {
            rpc,
            metadata_host,
            role_name,
            cache: CredentialCache::default(),
        }
    }

    fn source(&self) -> String {
        format!(
            "ecs_role_name {:?} (metadata service {})",
            self.role_name, self.metadata_host
        )
    }

    async fn fetch(&self) -> Result<Credentials, Error> {
        let fail = |message: String| Error::Credentials {
            source_name: self.source(),
            message,
        };
        let transport = self.rpc.transport().await?;
        let url = format!(
            "http://{}/latest/meta-data/ram/security-credentials/{}",
            self.metadata_host,
            percent_encode(&self.role_name)
        );
        let response = transport
            .send_metadata(HttpRequest {
                method: reqwest::Method::GET,
                url,
                headers: Vec::new(),
                body: Vec::new(),
            })
            .await
            .map_err(|e| fail(format!("unreachable ({:?}): {}", e.failure, e.detail)))?;
        if response.status != 200 {
            return Err(fail(format!(
                "HTTP {} (is the role attached to this instance?)",
                response.status
            )));
        }
        let m: MetadataCredentials = serde_json::from_slice(&response.body)
            .map_err(|e| fail(format!("unexpected response: {e}")))?;
        if let Some(code) = m.code.as_deref().filter(|c| *c != "Success") {
            return Err(fail(format!("Code {code}")));
        }
        Ok(Credentials {
            access_key_id: m.access_key_id,
            access_key_secret: m.access_key_secret,
            security_token: Some(m.security_token),
            expiration: Some(parse_expiration(&m.expiration, &self.source())?),
        })
    }
}

impl CredentialProvider for EcsRoleProvider {
    fn credentials<'a>(
        &'a self,
        _ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let source = self.source();
            self.cache.get_or_refresh(&source, || self.fetch()).await
        })
    }
}
