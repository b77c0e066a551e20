//! Coalesced, short-lived caching of list calls.
//!
//! The API has no "get by id": reading one registry means listing them all. Terraform works on
//! many resources at once in one provider process, so callers share lists: one list is in
//! flight at a time, and every caller that arrived while it was running shares the next one.
//! Each caller says how fresh a list it needs, as "started after": a refresh accepts one a few
//! seconds old, a read after our own create needs one that started after the create returned.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// When each list's request was sent, and the list.
type Entries<T> = HashMap<String, (Instant, Arc<Vec<T>>)>;

pub struct ListCache<T> {
    ttl: Duration,
    /// Lists sent before this are too old for [`ListCache::get`]: moved on by our own writes.
    written_at: std::sync::Mutex<Option<Instant>>,
    /// Held across a fetch, so callers arriving meanwhile wait for its result instead of
    /// sending their own request alongside it.
    entries: Mutex<Entries<T>>,
}

impl<T> ListCache<T> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            written_at: std::sync::Mutex::new(None),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// A list for `key` no older than the time-to-live and sent after our last write.
    pub async fn get<F, Fut, E>(&self, key: &str, fetch: F) -> Result<Arc<Vec<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        let by_age = Instant::now().checked_sub(self.ttl);
        let written = *self.written_at.lock().unwrap_or_else(|e| e.into_inner());
        self.fetch_if_older(key, by_age.max(written), fetch).await
    }

    /// A list for `key` whose request was sent at or after `since`.
    pub async fn get_since<F, Fut, E>(
        &self,
        key: &str,
        since: Instant,
        fetch: F,
    ) -> Result<Arc<Vec<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        self.fetch_if_older(key, Some(since), fetch).await
    }

    async fn fetch_if_older<F, Fut, E>(
        &self,
        key: &str,
        since: Option<Instant>,
        fetch: F,
    ) -> Result<Arc<Vec<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        let mut entries = self.entries.lock().await;
        if let Some((sent, list)) = entries.get(key) {
            if since.is_none_or(|s| *sent >= s) {
                return Ok(list.clone());
            }
        }
        let sent = Instant::now();
        let list = Arc::new(fetch().await?);
        entries.insert(key.to_string(), (sent, list.clone()));
        Ok(list)
    }

    /// Makes every list sent so far too old for [`ListCache::get`]: called after each of our
    /// own writes.
    pub fn invalidate(&self) {
        *self.written_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
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
        cache.invalidate();
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

    #[tokio::test(start_paused = true)]
    async fn callers_share_the_next_list_sent_after_their_write() {
        let cache = Arc::new(ListCache::<u32>::new(Duration::from_secs(5)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let fetch = |fetches: Arc<AtomicUsize>| async move {
            let n = fetches.fetch_add(1, Ordering::SeqCst) as u32;
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok::<_, ()>(vec![n])
        };
        // A list is in flight; then ten creates return and each needs a list sent after that.
        let first = {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move { cache.get("k", || fetch(fetches)).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let created = Instant::now();
        let mut waiters = Vec::new();
        for _ in 0..10 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            waiters.push(tokio::spawn(async move {
                cache.get_since("k", created, || fetch(fetches)).await
            }));
        }
        assert_eq!(*first.await.unwrap().unwrap(), vec![0]);
        for w in waiters {
            assert_eq!(
                *w.await.unwrap().unwrap(),
                vec![1],
                "not the list sent before"
            );
        }
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            2,
            "ten callers, one more list"
        );
    }
}
