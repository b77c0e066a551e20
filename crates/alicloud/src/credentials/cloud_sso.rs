//! Credentials of a CloudSSO profile, as the aliyun CLI leaves one after its browser sign-in
//! (`aliyun configure --mode CloudSSO`): the portal's `POST /cloud-credentials` on the sign-in
//! URL's host, with the access token as a bearer token, answers a temporary key for the
//! account and access configuration. Cached and fetched again before it expires.
//!
//! The access token itself comes only from that interactive sign-in, which a provider cannot
//! do: once it has expired, the error says to sign in again. Neither token nor answer is ever
//! quoted.

use serde::Deserialize;
use time::OffsetDateTime;

use super::{parse_expiration, BoxFuture, CredentialCache, Credentials, TemporarySource};
use crate::context::CallContext;
use crate::error::Error;
use crate::rpc::Rpc;
use crate::secret::{json_error_kind, Secret};
use crate::transport::HttpRequest;

/// What a CloudSSO profile holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudSsoProfile {
    pub profile: String,
    pub sign_in_url: String,
    pub account_id: String,
    pub access_config: String,
    pub access_token: Secret,
    /// Unix seconds.
    pub access_token_expire: i64,
}

#[derive(Debug)]
pub struct CloudSsoProvider {
    rpc: Rpc,
    profile: CloudSsoProfile,
    cache: CredentialCache,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    cloud_credential: Key,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Key {
    access_key_id: String,
    access_key_secret: Secret,
    security_token: Secret,
    expiration: String,
}

impl CloudSsoProvider {
    pub(crate) fn new(rpc: Rpc, profile: CloudSsoProfile) -> Self {
        CloudSsoProvider {
            rpc,
            profile,
            cache: CredentialCache::default(),
        }
    }

    fn fail(&self, message: String) -> Error {
        Error::Credentials {
            source_name: self.source(),
            message,
        }
    }

    /// `scheme://host/cloud-credentials` of the sign-in URL.
    fn endpoint(&self) -> Result<String, Error> {
        let url = self.profile.sign_in_url.trim();
        let (scheme, rest) = url
            .split_once("://")
            .filter(|(s, _)| matches!(*s, "http" | "https"))
            .ok_or_else(|| {
                self.fail(format!(
                    "cloud_sso_sign_in_url {url:?} is not an http(s) URL"
                ))
            })?;
        let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if host.is_empty() {
            return Err(self.fail(format!("cloud_sso_sign_in_url {url:?} names no host")));
        }
        Ok(format!("{scheme}://{host}/cloud-credentials"))
    }

    async fn fetch_key(&self) -> Result<Credentials, Error> {
        let p = &self.profile;
        if p.access_token.is_empty()
            || p.access_token_expire <= OffsetDateTime::now_utc().unix_timestamp()
        {
            return Err(self.fail(
                "the CloudSSO access token is missing or expired: sign in again with the aliyun CLI (aliyun configure --mode CloudSSO)".into(),
            ));
        }
        let body = serde_json::json!({
            "AccountId": p.account_id,
            "AccessConfigurationId": p.access_config,
        })
        .to_string()
        .into_bytes();
        let request = HttpRequest {
            method: reqwest::Method::POST,
            url: self.endpoint()?,
            headers: vec![
                ("accept".into(), "application/json".into()),
                ("content-type".into(), "application/json".into()),
                (
                    "authorization".into(),
                    format!("Bearer {}", p.access_token.expose()),
                ),
            ],
            body,
        };
        let response = self
            .rpc
            .transport()
            .await?
            .send(request)
            .await
            .map_err(|e| {
                self.fail(format!(
                    "the portal is unreachable ({:?}): {}",
                    e.failure, e.detail
                ))
            })?;
        if response.status != 200 {
            let hint = if response.status == 401 {
                ": the access token was refused; sign in again with the aliyun CLI"
            } else {
                ""
            };
            return Err(self.fail(format!(
                "the portal answered HTTP {}{hint}",
                response.status
            )));
        }
        let answer: Answer = serde_json::from_slice(&response.body)
            .map_err(|e| self.fail(format!("unexpected answer: {}", json_error_kind(&e))))?;
        let key = answer.cloud_credential;
        Ok(Credentials {
            access_key_id: key.access_key_id,
            access_key_secret: key.access_key_secret,
            security_token: Some(key.security_token),
            expiration: Some(parse_expiration(&key.expiration, "CloudSSO")?),
        })
    }
}

impl TemporarySource for CloudSsoProvider {
    fn source(&self) -> String {
        format!("profile {:?} (CloudSSO)", self.profile.profile)
    }

    fn cache(&self) -> &CredentialCache {
        &self.cache
    }

    fn fetch<'a>(&'a self, _ctx: &'a CallContext) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(self.fetch_key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{resolve, ProviderConfig};

    fn provider(sign_in_url: &str, expire_in: i64) -> CloudSsoProvider {
        let resolved = resolve(&ProviderConfig::default(), &|_: &str| None)
            .unwrap_or_else(|e| panic!("{e:?}"));
        CloudSsoProvider::new(
            Rpc::new(&resolved),
            CloudSsoProfile {
                profile: "sso".into(),
                sign_in_url: sign_in_url.into(),
                account_id: "1".into(),
                access_config: "ac-1".into(),
                access_token: Secret::new("sso-token-value"),
                access_token_expire: OffsetDateTime::now_utc().unix_timestamp() + expire_in,
            },
        )
    }

    #[tokio::test]
    async fn an_expired_sign_in_says_to_sign_in_again_without_the_token() {
        let e = provider("https://signin.example/device", -1)
            .fetch_key()
            .await
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("sign in again") && e.contains("\"sso\""), "{e}");
        assert!(!e.contains("sso-token-value"));
    }

    #[test]
    fn the_portal_is_on_the_sign_in_urls_host() {
        let p = provider(
            "https://signin-cn-shanghai.alibabacloudsso.com/device/login?x=1",
            60,
        );
        assert_eq!(
            p.endpoint().ok().as_deref(),
            Some("https://signin-cn-shanghai.alibabacloudsso.com/cloud-credentials")
        );
        assert!(provider("ftp://x", 60).endpoint().is_err());
        assert!(provider("https://", 60).endpoint().is_err());
    }
}
