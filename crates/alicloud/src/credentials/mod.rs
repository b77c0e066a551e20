//! Credentials: the provider trait, its cache, and each source of the chain.
//!
//! Sources: static AccessKeys (provider block or environment), a credentials URI, the ECS
//! instance metadata service, an OIDC token (STS AssumeRoleWithOIDC), the aliyun CLI profile
//! file, and STS AssumeRole on top of any of them. Nothing is read or fetched until the first API call asks for credentials
//! ([`LazyChain`]).

mod assume_role;
mod cache;
mod chain;
mod cloud_sso;
mod ecs;
mod external;
mod oidc;
pub(crate) mod plan;
mod profile;
mod uri;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use time::OffsetDateTime;

use super::context::CallContext;
use super::error::Error;
use super::rpc::Rpc;
use super::secret::{json_error_kind, Secret};
use super::transport::HttpRequest;

pub use assume_role::AssumeRoleProvider;
pub use cache::{CredentialCache, REFRESH_MARGIN};
pub use chain::LazyChain;
pub use cloud_sso::{CloudSsoProfile, CloudSsoProvider};
pub use ecs::EcsRoleProvider;
pub use external::ExternalProvider;
pub use oidc::OidcProvider;
pub use profile::{load_profile, ProfileCredentials, ProfileLookup};
pub use uri::UriProvider;

/// A boxed future, so credential providers can be trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What signs a request. `Debug` never shows the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    pub security_token: Option<Secret>,
    /// When temporary credentials stop working; `None` for long-lived AccessKeys.
    pub expiration: Option<OffsetDateTime>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// A source of credentials. Implementations cache and refresh as they need; callers ask for
/// credentials before every attempt, so a refresh between retries is picked up.
pub trait CredentialProvider: Send + Sync + fmt::Debug {
    fn credentials<'a>(&'a self, ctx: &'a CallContext)
        -> BoxFuture<'a, Result<Credentials, Error>>;

    /// The server refused `access_key_id`'s token as expired: forget it, so the next call
    /// fetches new credentials. Long-lived keys have nothing to forget.
    fn reject(&self, _access_key_id: &str) {}
}

/// A source of temporary credentials: its name and how one fresh key is fetched. Caching,
/// renewal ahead of expiry and forgetting a key the server refused are the same for every
/// source, so every `TemporarySource` is a [`CredentialProvider`] through its cache.
pub trait TemporarySource: Send + Sync + fmt::Debug {
    /// How errors and logs name the source (never with a secret in it).
    fn source(&self) -> String;

    fn cache(&self) -> &CredentialCache;

    /// One fresh key, fetched now.
    fn fetch<'a>(&'a self, ctx: &'a CallContext) -> BoxFuture<'a, Result<Credentials, Error>>;
}

impl<T: TemporarySource> CredentialProvider for T {
    fn credentials<'a>(
        &'a self,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(async move {
            let source = self.source();
            self.cache()
                .get_or_refresh(&source, || self.fetch(ctx))
                .await
        })
    }

    fn reject(&self, access_key_id: &str) {
        self.cache().reject(access_key_id);
    }
}

/// Long-lived AccessKeys (optionally with a fixed STS token): returned as they are.
#[derive(Debug, Clone)]
pub struct StaticProvider {
    credentials: Credentials,
}

impl StaticProvider {
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: Secret,
        security_token: Option<Secret>,
    ) -> Self {
        StaticProvider {
            credentials: Credentials {
                access_key_id: access_key_id.into(),
                access_key_secret,
                security_token,
                expiration: None,
            },
        }
    }
}

impl CredentialProvider for StaticProvider {
    fn credentials<'a>(
        &'a self,
        _ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<Credentials, Error>> {
        let c = self.credentials.clone();
        Box::pin(async move { Ok(c) })
    }
}

/// A temporary key as the ECS metadata service and credentials URIs answer it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TemporaryKey {
    #[serde(default)]
    code: Option<String>,
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Secret,
    expiration: String,
}

/// A temporary key fetched with `request` from a local credential service (the metadata
/// service's client: no proxy, short timeouts). `not_ok` follows a status other than 200 in
/// the error. The body holds the secret, so an unreadable one is described, never quoted.
pub(crate) async fn fetch_temporary_key(
    rpc: &Rpc,
    request: HttpRequest,
    source: &str,
    not_ok: &str,
) -> Result<Credentials, Error> {
    let fail = |message: String| Error::Credentials {
        source_name: source.to_string(),
        message,
    };
    let response = rpc
        .transport()
        .await?
        .send_metadata(request)
        .await
        .map_err(|e| fail(format!("unreachable ({:?}): {}", e.failure, e.detail)))?;
    if response.status != 200 {
        return Err(fail(format!("HTTP {}{not_ok}", response.status)));
    }
    temporary_key(&response.body, source)
}

/// `body` read as a temporary key from `source`.
fn temporary_key(body: &[u8], source: &str) -> Result<Credentials, Error> {
    let fail = |message: String| Error::Credentials {
        source_name: source.to_string(),
        message,
    };
    let key: TemporaryKey = serde_json::from_slice(body)
        .map_err(|e| fail(format!("unexpected response: {}", json_error_kind(&e))))?;
    if let Some(code) = key.code.as_deref().filter(|c| *c != "Success") {
        return Err(fail(format!("Code {code}")));
    }
    Ok(Credentials {
        access_key_id: key.access_key_id,
        access_key_secret: key.access_key_secret,
        security_token: Some(key.security_token),
        expiration: Some(parse_expiration(&key.expiration, source)?),
    })
}

/// A failure to get credentials from `source`, named after it; cancellation and the deadline
/// stay what they are, so the caller still sees why it stopped.
pub(crate) fn from_source(source: &str, e: Error) -> Error {
    match e {
        Error::Cancelled { .. } | Error::DeadlineExceeded { .. } => e,
        other => Error::Credentials {
            source_name: source.to_string(),
            message: other.to_string(),
        },
    }
}

/// Parses the `Expiration` both STS and the metadata service return (`2015-04-09T11:52:19Z`).
pub(crate) fn parse_expiration(value: &str, source: &str) -> Result<OffsetDateTime, Error> {
    OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339).map_err(|e| {
        Error::Credentials {
            source_name: source.to_string(),
            message: format!("unreadable Expiration {value:?}: {e}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_key_is_read_and_a_bad_answer_never_quoted() {
        let key = temporary_key(
            br#"{"Code":"Success","AccessKeyId":"STS.a","AccessKeySecret":"s3","SecurityToken":"t","Expiration":"2099-01-01T00:00:00Z"}"#,
            "test",
        )
        .expect("a key");
        assert_eq!(key.access_key_id, "STS.a");
        assert!(key.expiration.is_some());
        let bad = temporary_key(br#"{"AccessKeySecret": "leaked-secret", "#, "test")
            .expect_err("cut short")
            .to_string();
        assert!(
            !bad.contains("leaked-secret") && bad.contains("unexpected end of input"),
            "{bad}"
        );
        let refused = temporary_key(
            br#"{"Code":"Denied","AccessKeyId":"","AccessKeySecret":"","SecurityToken":"","Expiration":""}"#,
            "test",
        )
        .expect_err("denied")
        .to_string();
        assert!(refused.contains("Code Denied"), "{refused}");
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials {
            access_key_id: "id".into(),
            access_key_secret: Secret::new("sec"),
            security_token: Some(Secret::new("tok")),
            expiration: None,
        };
        let s = format!("{c:?}");
        assert!(
            s.contains("id") && !s.contains("sec\"") && !s.contains("tok\""),
            "{s}"
        );
    }

    #[test]
    fn expiration_parses() {
        let t =
            parse_expiration("2015-04-09T11:52:19Z", "STS").unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(t.unix_timestamp(), 1428580339);
        assert!(parse_expiration("soon", "STS").is_err());
    }
}
