//! The cache in front of temporary credentials: one refresh at a time, ahead of expiry.
//!
//! Holding an async mutex across the fetch makes concurrent callers wait for the one refresh in
//! flight instead of each calling STS. Credentials are refreshed once they are within
//! [`REFRESH_MARGIN`] of expiring, or within a third of their lifetime for short-lived ones (a
//! 300-second key is used for 200 seconds, not refetched for every call); if that refresh fails
//! while the old ones still work, the old ones are used. Credentials the server refused as
//! expired are forgotten ([`CredentialCache::reject`]) and never used again.

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
    slot: Mutex<Option<Cached>>,
    margin: Duration,
    /// The key id the server last refused as expired. A plain lock, so a refusal is recorded
    /// at once even while a refresh holds the slot.
    rejected: std::sync::Mutex<Option<String>>,
}

/// Credentials and when they were fetched, which with their expiry gives their lifetime.
#[derive(Debug)]
struct Cached {
    credentials: Credentials,
    fetched: OffsetDateTime,
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
            rejected: std::sync::Mutex::new(None),
        }
    }

    fn fresh(&self, c: &Cached, now: OffsetDateTime) -> bool {
        match c.credentials.expiration {
            None => true,
            Some(exp) => {
                let margin = time::Duration::try_from(self.margin).unwrap_or(time::Duration::MAX);
                exp - now > margin.min((exp - c.fetched) / 3)
            }
        }
    }

    /// Never uses `access_key_id`'s credentials again (newer ones are not affected).
    pub fn reject(&self, access_key_id: &str) {
        debug!(
            access_key_id,
            "the server refused these credentials as expired; they will be renewed"
        );
        *self.rejected.lock().unwrap_or_else(|e| e.into_inner()) = Some(access_key_id.to_string());
    }

    fn is_rejected(&self, c: &Cached) -> bool {
        self.rejected
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_deref()
            == Some(c.credentials.access_key_id.as_str())
    }

    /// The cached credentials, or the result of `fetch` when they are missing or about to expire.
    pub async fn get_or_refresh<F, Fut>(&self, source: &str, fetch: F) -> Result<Credentials, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Credentials, Error>>,
    {
        let mut slot = self.slot.lock().await;
        let now = OffsetDateTime::now_utc();
        if slot.as_ref().is_some_and(|c| self.is_rejected(c)) {
            *slot = None;
        }
        if let Some(c) = slot.as_ref() {
            if self.fresh(c, now) {
                return Ok(c.credentials.clone());
            }
        }
        debug!(source, "fetching temporary credentials");
        match fetch().await {
            Ok(c) => {
                debug!(source, expiration = ?c.expiration, "temporary credentials fetched");
                *slot = Some(Cached {
                    credentials: c.clone(),
                    fetched: now,
                });
                Ok(c)
            }
            Err(e) => match slot.as_ref() {
                Some(old) if old.credentials.expiration.is_some_and(|exp| exp > now) => {
                    warn!(source, error = %e, "refreshing credentials failed; using the current ones until they expire");
                    Ok(old.credentials.clone())
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

    impl Cached {
        fn expiring(mut self, at: OffsetDateTime) -> Self {
            self.credentials.expiration = Some(at);
            self
        }
        fn expiring_never(mut self) -> Self {
            self.credentials.expiration = None;
            self
        }
    }

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
    }

    #[test]
    fn stale_within_the_margin_or_the_last_third_of_a_short_life() {
        let cache = CredentialCache::default();
        let now = OffsetDateTime::now_utc();
        let cached = |lived: i64, left: i64| {
            Cached {
                credentials: creds(None),
                fetched: now - time::Duration::seconds(lived),
            }
            .expiring(now + time::Duration::seconds(left))
        };
        // An hour-long key: fresh until 5 minutes before it expires.
        assert!(cache.fresh(&cached(0, 3600), now));
        assert!(cache.fresh(&cached(3200, 400), now));
        assert!(!cache.fresh(&cached(3400, 200), now));
        // A 300-second key: used for 200 seconds, then renewed.
        assert!(cache.fresh(&cached(0, 300), now));
        assert!(cache.fresh(&cached(150, 150), now));
        assert!(!cache.fresh(&cached(210, 90), now));
        // Long-lived keys never go stale.
        assert!(cache.fresh(&cached(0, 0).expiring_never(), now));
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
    async fn a_short_lived_key_is_used_for_two_thirds_of_its_life_and_a_refused_one_never_again() {
        let cache = CredentialCache::default();
        let calls = AtomicU32::new(0);
        let fetch = || async {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            let mut c = creds(Some(Duration::from_secs(300)));
            c.access_key_id = format!("STS.{n}");
            Ok(c)
        };
        let first = cache.get_or_refresh("t", fetch).await.ok();
        let again = cache.get_or_refresh("t", fetch).await.ok();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a 300 s key is not refetched at once"
        );
        assert_eq!(first, again);
        cache.reject("STS.other");
        assert!(cache.get_or_refresh("t", fetch).await.is_ok());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "another key's refusal changes nothing"
        );
        cache.reject("STS.0");
        let renewed = cache.get_or_refresh("t", fetch).await.ok();
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert_eq!(renewed.map(|c| c.access_key_id), Some("STS.1".to_string()));
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
