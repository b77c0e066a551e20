//! Credentials from a credentials URI (`credentials_uri`, `ALIBABA_CLOUD_CREDENTIALS_URI`): a
//! local service, such as a sidecar, that answers `GET` with a temporary key in the shape the
//! official credential SDKs read. Cached, and fetched again before the key expires.

use serde::Deserialize;

use super::{parse_expiration, BoxFuture, CredentialCache, CredentialProvider, Credentials};
use crate::context::CallContext;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::secret::Secret;
use crate::transport::HttpRequest;

#[derive(Debug)]
pub struct UriProvider {
    rpc: Rpc,
    uri: String,
    cache: CredentialCache,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UriCredentials {
    #[serde(default)]
    code: Option<String>,
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Secret,
    expiration: String,
}

impl UriProvider {
    pub(crate) fn new(rpc: Rpc, uri: String) -> Self {
        UriProvider {
            rpc,
            uri,
            cache: CredentialCache::default(),
        }
    }

    /// The URI as errors and logs name it: without its query, which may carry a secret.
    fn source(&self) -> String {
        let shown = self.uri.split(['?', '#']).next().unwrap_or_default();
        format!("credentials_uri {shown}")
    }

    async fn fetch(&self) -> Result<Credentials, Error> {
        let fail = |message: String| Error::Credentials {
            source_name: self.source(),
            message,
        };
        let transport = self.rpc.transport().await?;
        let response = transport
            .send_metadata(HttpRequest {
                method: reqwest::Method::GET,
                url: self.uri.clone(),
                headers: Vec::new(),
                body: Vec::new(),
            })
            .await
            .map_err(|e| fail(format!("unreachable ({:?}): {}", e.failure, e.detail)))?;
        if response.status != 200 {
            return Err(fail(format!("HTTP {}", response.status)));
        }
        let c: UriCredentials = serde_json::from_slice(&response.body)
            .map_err(|e| fail(format!("unexpected response: {}", e.classify_name())))?;
        if let Some(code) = c.code.as_deref().filter(|c| *c != "Success") {
            return Err(fail(format!("Code {code}")));
        }
        Ok(Credentials {
            access_key_id: c.access_key_id,
            access_key_secret: c.access_key_secret,
            security_token: Some(c.security_token),
            expiration: Some(parse_expiration(&c.expiration, &self.source())?),
        })
    }
}

/// serde's message may quote the body, which holds a secret: only its category.
trait Category {
    fn classify_name(&self) -> &'static str;
}

impl Category for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "missing or mistyped fields",
            serde_json::error::Category::Eof => "cut short",
        }
    }
}

impl CredentialProvider for UriProvider {
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
