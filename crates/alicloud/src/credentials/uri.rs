//! Credentials from a credentials URI (`credentials_uri`, `ALIBABA_CLOUD_CREDENTIALS_URI`): a
//! local service, such as a sidecar, that answers `GET` with a temporary key in the shape the
//! official credential SDKs read. Cached, and fetched again before the key expires.

use super::{fetch_temporary_key, BoxFuture, CredentialCache, Credentials, TemporarySource};
use crate::context::CallContext;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::transport::HttpRequest;

#[derive(Debug)]
pub struct UriProvider {
    rpc: Rpc,
    uri: String,
    cache: CredentialCache,
}

impl UriProvider {
    pub(crate) fn new(rpc: Rpc, uri: String) -> Self {
        UriProvider {
            rpc,
            uri,
            cache: CredentialCache::default(),
        }
    }

    async fn fetch_key(&self) -> Result<Credentials, Error> {
        let request = HttpRequest {
            method: reqwest::Method::GET,
            url: self.uri.clone(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        fetch_temporary_key(&self.rpc, request, &self.source(), "").await
    }
}

impl TemporarySource for UriProvider {
    /// The URI without its query, which may carry a secret.
    fn source(&self) -> String {
        let shown = self.uri.split(['?', '#']).next().unwrap_or_default();
        format!("credentials_uri {shown}")
    }

    fn cache(&self) -> &CredentialCache {
        &self.cache
    }

    fn fetch<'a>(&'a self, _ctx: &'a CallContext) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(self.fetch_key())
    }
}
