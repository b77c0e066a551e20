//! Coalesced, short-lived caching of list calls.
//!
//! The API has no "get by id": reading one registry means listing them all. Terraform refreshes
//! many resources at once in one provider process, so concurrent reads of the same list share
//! one request, and a list a few seconds old is reused. Our own writes invalidate it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// When each list was fetched, and the list.
type Entries<T> = HashMap<String, (Instant, Arc<Vec<T>>)>;

pub struct ListCache<T> {
    ttl: Duration,
    /// Held across a fetch, so callers arriving meanwhile wait for its result instead of
    /// sending their own request.
    entries: Mutex<Entries<T>>,
}

impl<T> ListCache<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cached list for `key` if fresh, else the result of `fetch` (cached on success).
    pub async fn get<F, Fut, E>(&self, key: &str, fetch: F) -> Result<Arc<Vec<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        let mut entries = self.entries.lock().await;
        if let Some((at, list)) = entries.get(key) {
            if at.elapsed() < self.ttl {
                return Ok(list.clone());
            }
        }
        let list = Arc::new(fetch().await?);
        entries.insert(key.to_string(), (Instant::now(), list.clone()));
        Ok(list)
    }

    /// Forgets everything: called after each of our own writes.
    pub async fn invalidate(&self) {
        self.entries.lock().await.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_readers_share_one_fetch() {
        let cache = Arc::new(ListCache::<u32>::new(Duration::from_secs(5)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get("harbor", || async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(vec![1, 2, 3])
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap().unwrap(), vec![1, 2, 3]);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn errors_are_not_cached_and_writes_invalidate() {
        let cache = ListCache::<u32>::new(Duration::from_secs(5));
        assert!(cache
            .get("k", || async { Err::<Vec<u32>, _>("boom") })
            .await
            .is_err());
        assert_eq!(
            *cache
                .get("k", || async { Ok::<_, ()>(vec![1]) })
                .await
                .unwrap(),
            vec![1]
        );
        assert_eq!(
            *cache
                .get("k", || async { Ok::<_, ()>(vec![2]) })
                .await
                .unwrap(),
            vec![1]
        );
        cache.invalidate().await;
        assert_eq!(
            *cache
                .get("k", || async { Ok::<_, ()>(vec![2]) })
                .await
                .unwrap(),
            vec![2]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stale_lists_are_fetched_again() {
        let cache = ListCache::<u32>::new(Duration::from_secs(5));
        cache
            .get("k", || async { Ok::<_, ()>(vec![1]) })
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(
            *cache
                .get("k", || async { Ok::<_, ()>(vec![2]) })
                .await
                .unwrap(),
            vec![2]
        );
    }
}
