//! Waiting for lists to show what was done. The API has no get-by-id and its lists lag its
//! writes: a new registry can be missing for a while, a modified one can show its old values,
//! a deleted one can still show. An answered create or delete is definite and waits for no
//! list (a refresh keeps a registry made within the lag window; this process forgets what it
//! deleted). What must be seen before the operation ends (a create whose answer was lost, a
//! modify, a match of the duplicate check that may be a registry deleted moments ago) polls
//! the list with one policy: a list sent after each miss (shared with other waiters, and
//! gathering the writes under way: `Since::Confirm`), pausing 200 ms and doubling to 5 s
//! between misses.

use std::time::Duration;

use tokio::time::Instant;

use super::api::{Error, RegistryApi, RegistryInfo};
use super::Registries;

/// The first pause after a list that did not show what we wait for.
const FIRST_PAUSE: Duration = Duration::from_millis(200);

/// The longest pause between lists.
const LONGEST_PAUSE: Duration = Duration::from_secs(5);

/// How long the service's lists may take to show a write. Only a list this long after a create
/// whose answer was lost that still lacks its registry shows that the create did not act, so
/// that it may be sent again; an update waits this long at most for lists to show it, a
/// refresh keeps a registry made this long ago that lists do not show yet, and the duplicate
/// check refuses a registry lists have shown this long.
pub const LIST_LAG_WINDOW: Duration = Duration::from_secs(30);

/// How a wait for the list ended.
#[derive(Debug)]
pub enum Polled<T> {
    /// A list showed it.
    Seen(T),
    /// `until` came first; the last list that failed, if the last one did.
    NotSeen { last_error: Option<Error> },
    /// Terraform asked the provider to stop.
    Stopped,
}

impl<A: RegistryApi> Registries<A> {
    /// Lists `registry_type` (every type when `None`) until `seen` finds what it looks for in a
    /// list, or `until` (at most the operation's `deadline`) passes. Only lists sent after the
    /// wait began count. A failed list is retried like a miss: the client already retried what
    /// it could.
    pub(super) async fn poll_list<T>(
        &self,
        registry_type: Option<&str>,
        until: Instant,
        deadline: Instant,
        mut seen: impl FnMut(&[RegistryInfo]) -> Option<T>,
    ) -> Polled<T> {
        let until = until.min(deadline);
        let mut pause = FIRST_PAUSE;
        loop {
            // Only a list sent after the last miss can tell more; waiters share it.
            let since = Instant::now();
            let fetched = self.list_sent_after(registry_type, since, deadline).await;
            let last_error = match fetched {
                Ok(list) => match seen(&list) {
                    Some(found) => return Polled::Seen(found),
                    None => None,
                },
                Err(e) if e.is_cancelled() => return Polled::Stopped,
                Err(e) => {
                    tracing::debug!(error = %e, "listing registries failed; trying again");
                    Some(e)
                }
            };
            // The last list is the one sent at `until` (or later): it alone covers the
            // whole wait.
            let now = Instant::now();
            if since >= until {
                return Polled::NotSeen { last_error };
            }
            tokio::select! {
                biased;
                _ = self.api().stop_token().cancelled() => return Polled::Stopped,
                _ = tokio::time::sleep(pause.min(until.saturating_duration_since(now))) => {}
            }
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    }

    /// After a modify the API answered, waits (for [`LIST_LAG_WINDOW`] at most, within
    /// `deadline`) until lists show it, so that the next refresh sees what Terraform recorded. Lists that lag longer only cost a warning in
    /// the log: the write itself succeeded.
    pub(super) async fn settle(
        &self,
        id: i64,
        registry_type: &str,
        deadline: Instant,
        shows: impl Fn(Option<&RegistryInfo>) -> bool,
    ) {
        let polled = self
            .poll_list(
                Some(registry_type),
                Instant::now() + LIST_LAG_WINDOW,
                deadline,
                |list| shows(list.iter().find(|r| r.id == id)).then_some(()),
            )
            .await;
        if let Polled::NotSeen { .. } = polled {
            tracing::warn!(
                id,
                "the change of the registry did not show in ListPrivateRegistryList in time; the next refresh may see it late"
            );
        }
    }
}
