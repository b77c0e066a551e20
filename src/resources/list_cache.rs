//! Coalesced, short-lived caching of list calls.
//!
//! The API has no "get by id": reading one registry means listing them all. Terraform works on
//! many resources at once in one provider process, so callers share lists: for each key (each
//! list type: a registry type, or all of them) one list is in flight at a time, and every caller
//! of that key that arrived while it was running shares the next one. Keys do not wait for each
//! other, so a slow list of one type holds up no other. Each caller says how fresh a list it
//! needs, as "sent after": a refresh accepts one a few seconds old, a read after our own create
//! needs one sent after the create returned.
//!
//! Waiting for another caller's list ends at the waiting caller's deadline and when Terraform
//! asks the provider to stop, whatever the list being waited for is doing; the caller gets its
//! own error type, built from [`WaitEnded`].
//!
//! A list that fails answers, with its error, the callers a list sent when it failed would
//! have answered ([`ListFailure::is_shared`]): a refusal or an unreachable endpoint is the
//! account's, not one caller's, and sending the same doomed list once per caller, one after
//! another, would make a failing apply of N cost N lists and N times the retries.
//!
//! A write confirms itself with a list sent after it ([`Since::Confirm`]). Terraform
//! runs several writes at once, but they reach this process a little apart, so each would send
//! its own list. Writes say they are under way ([`ListCache::writing`]); a confirmation about
//! to send a list first waits, up to [`GATHER_LIMIT`], until every write of its key under way
//! is waiting for that list too, so an apply of N costs about N / parallelism lists.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use alicloud::context::CallContext;

/// Why a caller got no list: it stopped waiting for another caller's list of the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnded {
    /// The caller's deadline passed.
    Deadline,
    /// Terraform asked the provider to stop.
    Stopped,
}

/// The newest list of one key, with when its request was sent.
type Latest<T> = Option<(Instant, Arc<Vec<T>>)>;

/// A failed list's error, and whether the callers queued behind the list get it too.
pub trait ListFailure: From<WaitEnded> + Clone {
    /// Whether another caller waiting for the same list gets this failure: not when it was
    /// the fetching caller's own end (its deadline, its stop), which says nothing of what the
    /// list would do within another caller's limits.
    fn is_shared(&self) -> bool;
}

/// What the fetches of one key left behind.
struct Fetched<T, E> {
    latest: Latest<T>,
    /// The last fetch's failure, when it was shared and no list has come since.
    failed: Option<Failed<E>>,
}

/// A failed list, with when it failed: it answers the callers a list sent at that moment
/// would have. Not when it was sent: a failure after retries is news of its last attempt, and
/// a create that began during the retries is as doomed as the one that sent it.
type Failed<E> = (Instant, E);

/// How fresh a list a caller needs, and why.
#[derive(Debug, Clone, Copy)]
pub enum Since {
    /// Any list sent at or after this moment.
    Read(Instant),
    /// One sent at or after this moment, to confirm a write made before it: gathered with the
    /// other writes under way.
    Confirm(Instant),
}

/// The longest a confirmation waits for the other writes under way to need its list: about
/// the time a write's own request takes, so a slow one is not waited for.
pub const GATHER_LIMIT: Duration = Duration::from_millis(25);

/// One key's lists and who needs them.
struct Slot<T, E> {
    /// Held across a fetch, so callers arriving meanwhile wait for its result instead of
    /// sending their own request alongside it.
    fetched: Mutex<Fetched<T, E>>,
    /// Callers waiting for a list of this key, the one fetching included.
    waiting: AtomicUsize,
    /// Writes of this key under way ([`ListCache::writing`]).
    writers: AtomicUsize,
}

pub struct ListCache<T, E> {
    ttl: Duration,
    /// Lists sent before this are too old for [`ListCache::get`]: moved on by our own writes.
    written_at: std::sync::Mutex<Option<Instant>>,
    /// One slot per key; callers of other keys are not held up.
    slots: std::sync::Mutex<HashMap<String, Arc<Slot<T, E>>>>,
}

/// A write under way, counted by its key's slot until dropped.
pub struct Writing<T, E>(Arc<Slot<T, E>>);

impl<T, E> Drop for Writing<T, E> {
    fn drop(&mut self) {
        self.0.writers.fetch_sub(1, Ordering::SeqCst);
    }
}

impl<T, E: ListFailure> ListCache<T, E> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            written_at: std::sync::Mutex::new(None),
            slots: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// A list for `key` no older than the time-to-live and sent after our last write.
    pub async fn get<F, Fut>(
        &self,
        key: &str,
        ctx: &CallContext,
        fetch: F,
    ) -> Result<Arc<Vec<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        let by_age = Instant::now().checked_sub(self.ttl);
        let written = *self.written_at.lock().unwrap_or_else(|e| e.into_inner());
        self.fetch_if_older(key, by_age.max(written), false, ctx, fetch)
            .await
    }

    /// A list for `key` whose request was sent at or after a moment; one that confirms a
    /// write first gathers the other writes of `key` under way (up to [`GATHER_LIMIT`]).
    pub async fn get_since<F, Fut>(
        &self,
        key: &str,
        since: Since,
        ctx: &CallContext,
        fetch: F,
    ) -> Result<Arc<Vec<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        let (at, gather) = match since {
            Since::Read(at) => (at, false),
            Since::Confirm(at) => (at, true),
        };
        self.fetch_if_older(key, Some(at), gather, ctx, fetch).await
    }

    /// Says a write of `key` is under way until the guard is dropped, so confirmations of
    /// `key` wait for it to need their list too.
    pub fn writing(&self, key: &str) -> Writing<T, E> {
        let slot = self.slot(key);
        slot.writers.fetch_add(1, Ordering::SeqCst);
        Writing(slot)
    }

    /// The slot of `key`, made on first use.
    fn slot(&self, key: &str) -> Arc<Slot<T, E>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots
            .entry(key.to_string())
            .or_insert_with(|| {
                Arc::new(Slot {
                    fetched: Mutex::new(Fetched {
                        latest: None,
                        failed: None,
                    }),
                    waiting: AtomicUsize::new(0),
                    writers: AtomicUsize::new(0),
                })
            })
            .clone()
    }

    /// The waits end at `ctx`'s deadline and stop; `fetch`, the caller's own call, is given
    /// the same limits and is expected to keep to them itself (every `RegistryApi` call does),
    /// so that it can report how its last attempt failed. With `gather`, before sending, it
    /// waits for the writes of `key` under way to need the list too.
    async fn fetch_if_older<F, Fut>(
        &self,
        key: &str,
        since: Option<Instant>,
        gather: bool,
        ctx: &CallContext,
        fetch: F,
    ) -> Result<Arc<Vec<T>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<T>, E>>,
    {
        let slot = self.slot(key);
        slot.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = scopeguard(&slot.waiting);
        // Giving up drops the lock request: the caller leaves the queue, and the list in
        // flight carries on for those still waiting.
        let mut fetched = tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Err(WaitEnded::Stopped.into()),
            _ = tokio::time::sleep_until(ctx.deadline) => return Err(WaitEnded::Deadline.into()),
            fetched = slot.fetched.lock() => fetched,
        };
        let new_enough = |sent: Instant| since.is_none_or(|s| sent >= s);
        if let Some((sent, list)) = fetched.latest.as_ref() {
            if new_enough(*sent) {
                return Ok(list.clone());
            }
        }
        if let Some((failed_at, error)) = fetched.failed.as_ref() {
            if new_enough(*failed_at) {
                return Err(error.clone());
            }
        }
        if gather {
            gathered(&slot, ctx).await?;
        }
        let sent = Instant::now();
        match fetch().await {
            Ok(list) => {
                let list = Arc::new(list);
                fetched.latest = Some((sent, list.clone()));
                fetched.failed = None;
                Ok(list)
            }
            Err(error) => {
                fetched.failed = error.is_shared().then(|| (Instant::now(), error.clone()));
                Err(error)
            }
        }
    }

    /// Makes every list sent so far too old for [`ListCache::get`]: called after each of our
    /// own writes.
    pub fn invalidate(&self) {
        *self.written_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }
}

/// Takes one off `count` when dropped, however the caller leaves.
fn scopeguard(count: &AtomicUsize) -> impl Drop + '_ {
    struct Leave<'a>(&'a AtomicUsize);
    impl Drop for Leave<'_> {
        fn drop(&mut self) {
            self.0.fetch_sub(1, Ordering::SeqCst);
        }
    }
    Leave(count)
}

/// Waits until every write of the slot's key under way is waiting for a list (the caller
/// counts as one), or [`GATHER_LIMIT`] has passed; ends early at `ctx`'s deadline or stop.
async fn gathered<T, E>(slot: &Slot<T, E>, ctx: &CallContext) -> Result<(), WaitEnded> {
    let all_waiting = || slot.waiting.load(Ordering::SeqCst) >= slot.writers.load(Ordering::SeqCst);
    // Writes whose answers came in the same moment are ready to run: let them queue first.
    for _ in 0..slot.writers.load(Ordering::SeqCst) {
        if all_waiting() {
            return Ok(());
        }
        tokio::task::yield_now().await;
    }
    let until = (Instant::now() + GATHER_LIMIT).min(ctx.deadline);
    while !all_waiting() && Instant::now() < until {
        tokio::select! {
            biased;
            _ = ctx.cancel.cancelled() => return Err(WaitEnded::Stopped),
            _ = tokio::time::sleep(Duration::from_millis(1)) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio_util::sync::CancellationToken;

    #[derive(Debug, Clone, PartialEq)]
    enum Failure {
        Api(&'static str),
        Ended(WaitEnded),
    }

    impl From<WaitEnded> for Failure {
        fn from(e: WaitEnded) -> Self {
            Failure::Ended(e)
        }
    }

    impl ListFailure for Failure {
        fn is_shared(&self) -> bool {
            matches!(self, Failure::Api(_))
        }
    }

    /// Limits far off, never stopped.
    fn ctx() -> CallContext {
        CallContext::with_timeout(Duration::from_secs(300), CancellationToken::new())
    }

    /// What the cache serves for key `k` when a fetch would give `[n]`.
    async fn served(cache: &ListCache<u32, Failure>, n: u32) -> Vec<u32> {
        let cx = ctx();
        let list = cache.get("k", &cx, || async move { Ok::<_, Failure>(vec![n]) });
        list.await.unwrap().to_vec()
    }

    #[tokio::test]
    async fn concurrent_readers_share_one_fetch() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let cache = cache.clone();
            let fetches = fetches.clone();
            tasks.push(tokio::spawn(async move {
                cache
                    .get("harbor", &ctx(), || async {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, Failure>(vec![1, 2, 3])
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap().unwrap(), vec![1, 2, 3]);
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    /// A refused list is the answer until a list sent then would be too old: past its time to
    /// live, or after our own write.
    #[tokio::test(start_paused = true)]
    async fn a_failure_answers_for_as_long_as_a_list_would() {
        let cache = ListCache::<u32, Failure>::new(Duration::from_secs(5));
        let refused = || async { Err::<Vec<u32>, _>(Failure::Api("boom")) };
        assert_eq!(
            cache.get("k", &ctx(), refused).await,
            Err(Failure::Api("boom"))
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        let listed = || async { Ok::<_, Failure>(vec![1]) };
        assert_eq!(
            cache.get("k", &ctx(), listed).await,
            Err(Failure::Api("boom")),
            "one refusal, not two"
        );
        cache.invalidate();
        assert_eq!(served(&cache, 1).await, vec![1]);
        assert_eq!(served(&cache, 2).await, vec![1]);
        tokio::time::advance(Duration::from_millis(1)).await;
        cache.invalidate();
        assert_eq!(served(&cache, 2).await, vec![2]);
        assert_eq!(cache.get("k", &ctx(), refused).await.map(|_| ()), Ok(()));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(
            cache.get("k", &ctx(), refused).await,
            Err(Failure::Api("boom"))
        );
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(served(&cache, 3).await, vec![3], "too old to answer");
    }

    /// Ten callers queued behind one list that fails: one request, ten errors.
    #[tokio::test(start_paused = true)]
    async fn callers_waiting_for_a_failing_list_share_its_failure() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let refused = |fetches: Arc<AtomicUsize>| async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(100)).await;
            Err::<Vec<u32>, _>(Failure::Api("NoPermission"))
        };
        let mut callers = Vec::new();
        for _ in 0..10 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            callers.push(tokio::spawn(async move {
                cache.get("k", &ctx(), || refused(fetches)).await
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        for c in callers {
            assert_eq!(c.await.unwrap(), Err(Failure::Api("NoPermission")));
        }
        assert_eq!(
            fetches.load(Ordering::SeqCst),
            1,
            "one list for ten callers"
        );
    }

    /// A fetch that ran out of its caller's time says nothing of a waiter with more: the
    /// waiter sends its own list.
    #[tokio::test(start_paused = true)]
    async fn a_fetch_ended_by_its_own_deadline_is_not_shared() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let timed_out = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get("k", &ctx(), || async {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Err::<Vec<u32>, _>(Failure::Ended(WaitEnded::Deadline))
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(served(&cache, 4).await, vec![4]);
        assert_eq!(
            timed_out.await.unwrap(),
            Err(Failure::Ended(WaitEnded::Deadline))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn stale_lists_are_fetched_again() {
        let cache = ListCache::<u32, Failure>::new(Duration::from_secs(5));
        served(&cache, 1).await;
        tokio::time::advance(Duration::from_secs(6)).await;
        assert_eq!(served(&cache, 2).await, vec![2]);
    }

    #[tokio::test(start_paused = true)]
    async fn callers_share_the_next_list_sent_after_their_write() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let fetch = |fetches: Arc<AtomicUsize>| async move {
            let n = fetches.fetch_add(1, Ordering::SeqCst) as u32;
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok::<_, Failure>(vec![n])
        };
        // A list is in flight; then ten creates return and each needs a list sent after that.
        let first = {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move { cache.get("k", &ctx(), || fetch(fetches)).await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let created = Instant::now();
        let mut waiters = Vec::new();
        for _ in 0..10 {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            waiters.push(tokio::spawn(async move {
                cache
                    .get_since("k", Since::Read(created), &ctx(), || fetch(fetches))
                    .await
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

    /// Two writes under way: the first to want its confirming list waits for the other to
    /// want one too, and one list confirms both; a write that never asks is waited for no
    /// longer than the limit.
    #[tokio::test(start_paused = true)]
    async fn confirmations_of_writes_under_way_share_one_list() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let confirm = |cache: Arc<ListCache<u32, Failure>>, fetches: Arc<AtomicUsize>| async move {
            let _writing = cache.writing("k");
            let since = Instant::now();
            cache
                .get_since("k", Since::Confirm(since), &ctx(), || async move {
                    let n = fetches.fetch_add(1, Ordering::SeqCst) as u32;
                    Ok::<_, Failure>(vec![n])
                })
                .await
        };
        let slow_writer = cache.writing("k");
        let first = tokio::spawn(confirm(cache.clone(), fetches.clone()));
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(!first.is_finished(), "waiting for the other write");
        let second = {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move {
                let since = Instant::now();
                drop(slow_writer);
                let _writing = cache.writing("k");
                cache
                    .get_since("k", Since::Confirm(since), &ctx(), || async move {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        Ok::<_, Failure>(vec![9])
                    })
                    .await
            })
        };
        assert_eq!(*first.await.unwrap().unwrap(), vec![0]);
        assert_eq!(*second.await.unwrap().unwrap(), vec![0], "the same list");
        assert_eq!(fetches.load(Ordering::SeqCst), 1);

        let _idle_writer = cache.writing("k");
        tokio::time::sleep(Duration::from_millis(1)).await;
        let asked = Instant::now();
        let alone = confirm(cache.clone(), fetches.clone()).await;
        assert_eq!(*alone.unwrap(), vec![1]);
        assert_eq!(asked.elapsed(), GATHER_LIMIT, "no longer than the limit");
    }

    /// A list of `value` that takes `took` to arrive.
    async fn slow_list(value: u32, took: Duration) -> Result<Vec<u32>, Failure> {
        tokio::time::sleep(took).await;
        Ok(vec![value])
    }

    /// A harbor list that takes a minute, started in the background on its own limits.
    fn minute_long_harbor_list(
        cache: &Arc<ListCache<u32, Failure>>,
    ) -> tokio::task::JoinHandle<Result<Arc<Vec<u32>>, Failure>> {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get("harbor", &ctx(), || slow_list(1, Duration::from_secs(60)))
                .await
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_list_of_one_type_does_not_delay_another() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let harbor = minute_long_harbor_list(&cache);
        tokio::time::sleep(Duration::from_millis(10)).await;
        let asked = Instant::now();
        let quay_ctx = CallContext::with_timeout(Duration::from_secs(2), CancellationToken::new());
        let quay = cache
            .get("quay", &quay_ctx, || {
                slow_list(2, Duration::from_millis(100))
            })
            .await;
        assert_eq!(quay.map(|l| l.to_vec()), Ok(vec![2]));
        assert_eq!(
            asked.elapsed(),
            Duration::from_millis(100),
            "the quay list took only its own time"
        );
        assert!(!harbor.is_finished(), "the harbor list is still running");
        assert_eq!(harbor.await.unwrap().map(|l| l.to_vec()), Ok(vec![1]));
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_gives_up_at_its_deadline_while_the_list_is_still_running() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let slow = {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move {
                cache
                    .get("harbor", &ctx(), || {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        slow_list(1, Duration::from_secs(4))
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let asked = Instant::now();
        let short = CallContext::with_timeout(Duration::from_secs(2), CancellationToken::new());
        let waited = cache
            .get("harbor", &short, || {
                fetches.fetch_add(1, Ordering::SeqCst);
                slow_list(2, Duration::ZERO)
            })
            .await;
        assert_eq!(waited, Err(Failure::Ended(WaitEnded::Deadline)));
        assert_eq!(
            asked.elapsed(),
            Duration::from_secs(2),
            "not a moment later"
        );
        assert!(!slow.is_finished(), "the list waited for is still running");
        // The list carries on, and is there for the next caller (still within the TTL).
        assert_eq!(slow.await.unwrap().map(|l| l.to_vec()), Ok(vec![1]));
        let next = cache
            .get("harbor", &ctx(), || slow_list(3, Duration::ZERO))
            .await;
        assert_eq!(next.map(|l| l.to_vec()), Ok(vec![1]));
        assert_eq!(fetches.load(Ordering::SeqCst), 1, "the waiter sent nothing");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_every_wait() {
        let cache = Arc::new(ListCache::<u32, Failure>::new(Duration::from_secs(5)));
        let stop = CancellationToken::new();
        let limits = CallContext::with_timeout(Duration::from_secs(300), stop.clone());
        // The slow fetch keeps to its own limits as a real one does (not tested here): it gets
        // a separate token so that it is still running when the waiters give up.
        let slow = minute_long_harbor_list(&cache);
        tokio::time::sleep(Duration::from_millis(10)).await;
        let mut waiters = Vec::new();
        for _ in 0..5 {
            let (cache, limits) = (cache.clone(), limits.clone());
            waiters.push(tokio::spawn(async move {
                cache
                    .get("harbor", &limits, || slow_list(2, Duration::ZERO))
                    .await
            }));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let stopped = Instant::now();
        stop.cancel();
        for w in waiters {
            assert_eq!(w.await.unwrap(), Err(Failure::Ended(WaitEnded::Stopped)));
        }
        assert_eq!(stopped.elapsed(), Duration::ZERO, "at once");
        assert!(!slow.is_finished());
        // After the stop nothing waits, even for a key with no list in flight.
        assert_eq!(
            cache
                .get("quay", &limits, || slow_list(3, Duration::ZERO))
                .await,
            Err(Failure::Ended(WaitEnded::Stopped))
        );
    }
}
