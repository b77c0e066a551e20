//! The cache in front of temporary credentials: one refresh at a time, ahead of expiry.
//!
//! Holding an async mutex across the fetch makes concurrent callers wait for the one refresh in
//! flight instead of each calling STS. Credentials are refreshed once they are within
//! [`REFRESH_MARGIN`] of expiring; if that refresh fails while the old ones still work, the old
//! ones are used.

use std::future::Future;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Mutex;
use tracing::{debug, warn};

use super::Credentials;
use crate::error::Error;

/// Refresh this long before expiry, so a long apply never signs with an expired token.
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

#[derive(Debug)]
pub struct CredentialCache {
    slot: Mutex<Option<Credentials>>,
    margin: Duration,
}

impl Default for CredentialCache {
    fn default() -> Self {
        CredentialCache::new(REFRESH_MARGIN)
    }
}

impl CredentialCache {
    pub fn new(margin: Duration) -> Self {
        CredentialCache {
            slot: Mutex::new(None),
            margin,
        }
    }

    fn fresh(&self, c: &Credentials, now: OffsetDateTime) -> bool {
        match c.expiration {
            None => true,
            Some(exp) => exp - now > self.margin,
        }
    }

    /// The cached credentials, or the result of `fetch` when they are missing or about to expire.
    pub async fn get_or_refresh<F, Fut>(&self, source: &str, fetch: F) -> Result<Credentials, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, Error>>,
    {
        let mut slot = self.slot.lock().await;
        let now = OffsetDateTime::now_utc();
        if let Some(c) = slot.as_ref() {
            if self.fresh(c, now) {
                return Ok(c.clone());
            }
        }
        debug!(source, "fetching temporary credentials");
        match fetch().await {
            Ok(c) => {
                debug!(source, expiration = ?c.expiration, "temporary credentials fetched");
                *slot = Some(c.clone());
                Ok(c)
            }
            Err(e) => match slot.as_ref() {
                Some(old) if old.expiration.is_some_and(|exp| exp > now) => {
                    warn!(source, error = %e, "refreshing credentials failed; using the current ones until they expire");
                    Ok(old.clone())
                }
                _ => Err(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    fn creds(expires_in: Option<Duration>) -> Credentials {
        Credentials {
            access_key_id: "id".into(),
            access_key_secret: Secret::new("s"),
            security_token: None,
            expiration: expires_in.map(|d| OffsetDateTime::now_utc() + d),
        }
    }

    #[tokio::test]
    async fn refreshes_only_near_expiry() {
        let cache = CredentialCache::default();
        let calls = AtomicU32::new(0);
        for _ in 0..3 {
            cache
                .get_or_refresh("t", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(creds(Some(Duration::from_secs(3600))))
                })
                .await
                .map(|_| ())
                .unwrap_or_default();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        let near = CredentialCache::default();
        for _ in 0..3 {
            near.get_or_refresh("t", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(creds(Some(Duration::from_secs(60))))
            })
            .await
            .map(|_| ())
            .unwrap_or_default();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn one_refresh_in_flight() {
        let cache = Arc::new(CredentialCache::default());
        let calls = Arc::new(AtomicU32::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let cache = cache.clone();
            let calls = calls.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get_or_refresh("t", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(creds(Some(Duration::from_secs(3600))))
                    })
                    .await
                    .is_ok()
            }));
        }
        for t in tasks {
            assert!(t.await.unwrap_or(false));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn failed_refresh_keeps_still_valid_credentials() {
        let cache = CredentialCache::default();
        let first = cache
            .get_or_refresh("t", || async { Ok(creds(Some(Duration::from_secs(120)))) })
            .await;
        assert!(first.is_ok());
        let second = cache
            .get_or_refresh("t", || async {
                Err(Error::Credentials {
                    source_name: "t".into(),
                    message: "down".into(),
                })
            })
            .await;
        assert_eq!(second.ok(), first.ok());
    }
}
