//! Credentials of an assumed RAM role: STS AssumeRole signed with base credentials, cached and
//! refreshed before they expire.

use std::sync::Arc;

use super::{
    from_source, BoxFuture, CredentialCache, CredentialProvider, Credentials, TemporarySource,
};
use crate::context::CallContext;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::sts::{assume_role, AssumeRoleRequest};

#[derive(Debug)]
pub struct AssumeRoleProvider {
    rpc: Rpc,
    sts_host: String,
    base: Arc<dyn CredentialProvider>,
    request: AssumeRoleRequest,
    cache: CredentialCache,
}

impl AssumeRoleProvider {
    pub(crate) fn new(
        rpc: Rpc,
        sts_host: String,
        base: Arc<dyn CredentialProvider>,
        request: AssumeRoleRequest,
    ) -> Self {
        AssumeRoleProvider {
            rpc,
            sts_host,
            base,
            request,
            cache: CredentialCache::default(),
        }
    }
}

impl TemporarySource for AssumeRoleProvider {
    fn source(&self) -> String {
        format!("assume_role {}", self.request.role_arn)
    }

    fn cache(&self) -> &CredentialCache {
        &self.cache
    }

    fn fetch<'a>(&'a self, ctx: &'a CallContext) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            assume_role(
                &self.rpc,
                &self.sts_host,
                self.base.as_ref(),
                &self.request,
                ctx,
            )
            .await
            .map_err(|e| from_source(&self.source(), e))
        })
    }
}
