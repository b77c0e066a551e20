//! Credentials of a RAM role assumed with an OIDC token (`assume_role_with_oidc`, RRSA's
//! `ALIBABA_CLOUD_OIDC_*` variables): STS `AssumeRoleWithOIDC`, cached and renewed before the
//! credentials expire.
//!
//! The token file is read again at every renewal, never kept: RRSA and CI runners rotate it,
//! and a token that was valid at start may have expired by the time an apply needs new
//! credentials. Errors name the file and the setting, never the token.

use super::{from_source, BoxFuture, CredentialCache, Credentials, TemporarySource};
use crate::config::{OidcSpec, OidcToken};
use crate::context::CallContext;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::secret::Secret;
use crate::sts::assume_role_with_oidc;

#[derive(Debug)]
pub struct OidcProvider {
    rpc: Rpc,
    sts_host: String,
    spec: OidcSpec,
    cache: CredentialCache,
}

impl OidcProvider {
    pub(crate) fn new(rpc: Rpc, sts_host: String, spec: OidcSpec) -> Self {
        OidcProvider {
            rpc,
            sts_host,
            spec,
            cache: CredentialCache::default(),
        }
    }

    /// The token as it is now: the file read afresh.
    fn token(&self) -> Result<Secret, Error> {
        let path = match &self.spec.token {
            OidcToken::Value(t) => return Ok(t.clone()),
            OidcToken::File(path) => path,
        };
        let fail = |message: String| Error::Credentials {
            source_name: format!(
                "assume_role_with_oidc.oidc_token_file (or ALIBABA_CLOUD_OIDC_TOKEN_FILE) {}",
                path.display()
            ),
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(format!("cannot read the OIDC token: {e}")))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(fail("the file is empty: it holds no OIDC token".into()));
        }
        Ok(Secret::new(token))
    }
}

impl TemporarySource for OidcProvider {
    fn source(&self) -> String {
        format!("assume_role_with_oidc {}", self.spec.role.role_arn)
    }

    fn cache(&self) -> &CredentialCache {
        &self.cache
    }

    fn fetch<'a>(&'a self, ctx: &'a CallContext) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let token = self.token()?;
            assume_role_with_oidc(&self.rpc, &self.sts_host, &self.spec, &token, ctx)
                .await
                .map_err(|e| from_source(&self.source(), e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{resolve, AssumeRoleSpec, ProviderConfig};

    fn provider(token: OidcToken) -> OidcProvider {
        let resolved = resolve(&ProviderConfig::default(), &|_: &str| None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        OidcProvider::new(
            Rpc::new(&resolved),
            "sts.example".into(),
            OidcSpec {
                provider_arn: "acs:ram::1:oidc-provider/p".into(),
                token,
                role: AssumeRoleSpec {
                    role_arn: "acs:ram::1:role/r".into(),
                    session_name: "terraform".into(),
                    policy: None,
                    duration_seconds: 3600,
                    external_id: None,
                },
            },
        )
    }

    #[test]
    fn the_token_file_is_read_at_every_renewal_and_never_quoted() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("token");
        let p = provider(OidcToken::File(path.clone()));
        let missing = p.token().map(|_| ()).unwrap_err().to_string();
        assert!(
            missing.contains("oidc_token_file") && missing.contains("cannot read"),
            "{missing}"
        );
        std::fs::write(&path, "first.jwt.token\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.token().map(|t| t.expose().to_string()).ok().as_deref(),
            Some("first.jwt.token")
        );
        std::fs::write(&path, "rotated.jwt.token").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.token().map(|t| t.expose().to_string()).ok().as_deref(),
            Some("rotated.jwt.token")
        );
        std::fs::write(&path, "  \n").unwrap_or_else(|e| panic!("{e}"));
        let empty = p.token().map(|_| ()).unwrap_err().to_string();
        assert!(empty.contains("empty"), "{empty}");
    }
}
