//! Holding API requests at a point a test chooses, so it can act while one is in flight —
//! exactly, instead of betting on a latency window that a loaded machine may close.
//!
//! A *rule* (`POST /_emulator/hold`) names an action and says how many of its next requests to
//! hold (`count`) after letting some pass (`skip`). A request a rule takes is first written to
//! the request log (`hold: "held"`, `outcome: "Pending"`), then listed by
//! `GET /_emulator/held`, then waits — before latency, before authentication, before acting —
//! until `POST /_emulator/release` lets it go. It then goes on as any other request would (its
//! fault was drawn on arrival). So "the 2nd `AddPrivateRegistry` has arrived and nothing has
//! been created by it yet" is a state a test can wait for and then rely on:
//!
//! ```text
//! POST /_emulator/hold    {"action": "AddPrivateRegistry", "skip": 1, "count": 1}
//! GET  /_emulator/held    until "held" lists an AddPrivateRegistry
//! ... interrupt the client ...
//! POST /_emulator/release {}            (or {"seq": N}, or {"action": "AddPrivateRegistry"})
//! ```
//!
//! Rules are checked in the order they were added; a rule sees every request of its action that
//! no earlier rule held, lets its first `skip` pass, holds the next `count`, and is gone once
//! it has held them all. `DELETE /_emulator/hold` drops the rules left (requests already held
//! stay held until released).
//!
//! Bounds, so a forgotten hold cannot wedge anything:
//! - at most [`MAX_OUTSTANDING`] requests held or still to be held, over all rules, and at most
//!   [`MAX_RULES`] rules: a rule beyond either is refused (400);
//! - each held request waits at most its rule's `timeout_ms` ([`DEFAULT_TIMEOUT_MS`], two
//!   minutes, unless given; at most [`MAX_TIMEOUT_MS`]), then goes on as if released, logged as
//!   `hold: "timed out"`;
//! - a held request whose client goes away is dropped with its connection: it leaves the held
//!   list and is logged `outcome: "Abandoned"` (it never acted);
//! - shutting the emulator down releases every held request and refuses new rules.
//!
//! Authentication runs when a request is served, so a hold plus latency longer than the
//! 15-minute timestamp window makes a request's signature stale.

use super::ids;
use super::shared::Shared;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::oneshot;

/// The most requests held, plus still to be held by rules, at any one time.
pub const MAX_OUTSTANDING: u32 = 256;
/// The most rules at any one time.
pub const MAX_RULES: usize = 64;
/// How long a held request waits for a release when its rule does not say.
pub const DEFAULT_TIMEOUT_MS: u64 = 120_000;
/// The longest `timeout_ms` a rule may ask for (ten minutes).
pub const MAX_TIMEOUT_MS: u64 = 600_000;

fn one() -> u32 {
    1
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// A rule as `POST /_emulator/hold` takes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldSpec {
    /// The action whose requests to hold, e.g. `AddPrivateRegistry`.
    pub action: String,
    /// How many requests to hold (default 1).
    #[serde(default = "one")]
    pub count: u32,
    /// How many requests to let pass first (default 0).
    #[serde(default)]
    pub skip: u32,
    /// How long each held request waits for a release at most, in milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

impl HoldSpec {
    /// Holds the next `count` requests of `action`.
    pub fn new(action: &str, count: u32) -> Self {
        Self {
            action: action.into(),
            count,
            skip: 0,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }

    /// Lets `skip` requests pass first.
    pub fn skip(mut self, skip: u32) -> Self {
        self.skip = skip;
        self
    }
}

/// A rule still waiting for requests, as `GET /_emulator/held` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldRule {
    /// Its id (in `POST /_emulator/hold`'s answer and in held requests).
    pub id: u64,
    /// The action it holds.
    pub action: String,
    /// Requests it still lets pass before holding.
    pub skip: u32,
    /// Requests it still holds.
    pub remaining: u32,
    /// How long each waits at most.
    pub timeout_ms: u64,
}

/// A request being held, as `GET /_emulator/held` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldRequest {
    /// Its `seq` in the request log.
    pub seq: u64,
    /// Its action.
    pub action: String,
    /// Its request id.
    pub request_id: String,
    /// The rule that holds it.
    pub rule: u64,
    /// When it was held (RFC 3339 server time).
    pub since: String,
    /// For how long it has been held.
    pub held_ms: u64,
    /// How long it waits at most.
    pub timeout_ms: u64,
}

/// `GET /_emulator/held`: what is waiting and what will be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoldsView {
    /// Held requests, oldest first.
    pub held: Vec<HeldRequest>,
    /// Rules not used up, in the order they apply.
    pub rules: Vec<HoldRule>,
}

/// Which held requests `POST /_emulator/release` lets go: all of them, the one with `seq`, or
/// those of `action` (both given: the one, if it is of that action).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReleaseSpec {
    /// The request log `seq` of one held request.
    pub seq: Option<u64>,
    /// An action.
    pub action: Option<String>,
}

/// How a hold ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldEnd {
    /// Released by a test (or by shutdown).
    Released,
    /// Nobody released it within its rule's timeout.
    TimedOut,
}

impl HoldEnd {
    /// As the request log's `hold` field shows it.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldEnd::Released => "released",
            HoldEnd::TimedOut => "timed out",
        }
    }
}

struct Waiting {
    shown: HeldRequest,
    since: Instant,
    release: oneshot::Sender<()>,
}

#[derive(Default)]
struct HoldState {
    next_rule: u64,
    rules: Vec<HoldRule>,
    held: BTreeMap<u64, Waiting>,
    closed: bool,
}

impl HoldState {
    fn outstanding(&self) -> u64 {
        let pending: u64 = self.rules.iter().map(|r| u64::from(r.remaining)).sum();
        pending + self.held.len() as u64
    }
}

/// The hold rules and the requests they hold, shared by all connections.
#[derive(Default)]
pub struct Holds {
    state: Shared<HoldState>,
}

impl Holds {
    /// Adds a rule (checked against the bounds); returns it with its id.
    pub fn add(&self, spec: HoldSpec) -> Result<HoldRule, String> {
        if spec.action.is_empty() {
            return Err("action must not be empty".into());
        }
        if spec.count == 0 || spec.count > MAX_OUTSTANDING {
            return Err(format!(
                "count must be between 1 and {MAX_OUTSTANDING}, got {}",
                spec.count
            ));
        }
        if spec.timeout_ms == 0 || spec.timeout_ms > MAX_TIMEOUT_MS {
            return Err(format!(
                "timeout_ms must be between 1 and {MAX_TIMEOUT_MS}, got {}",
                spec.timeout_ms
            ));
        }
        let mut st = self.state.lock();
        if st.closed {
            return Err("the emulator is shutting down".into());
        }
        if st.rules.len() >= MAX_RULES {
            return Err(format!("there are already {MAX_RULES} hold rules"));
        }
        let outstanding = st.outstanding();
        if outstanding + u64::from(spec.count) > u64::from(MAX_OUTSTANDING) {
            return Err(format!(
                "{outstanding} requests are held or still to be held; {} more would pass the limit of {MAX_OUTSTANDING}",
                spec.count
            ));
        }
        st.next_rule += 1;
        let rule = HoldRule {
            id: st.next_rule,
            action: spec.action,
            skip: spec.skip,
            remaining: spec.count,
            timeout_ms: spec.timeout_ms,
        };
        st.rules.push(rule.clone());
        Ok(rule)
    }

    /// Drops every rule not used up; returns how many. Held requests stay held.
    pub fn cancel_rules(&self) -> usize {
        let mut st = self.state.lock();
        let n = st.rules.len();
        st.rules.clear();
        n
    }

    /// What is held and which rules are left.
    pub fn view(&self) -> HoldsView {
        let st = self.state.lock();
        let held = st
            .held
            .values()
            .map(|w| HeldRequest {
                held_ms: w.since.elapsed().as_millis() as u64,
                ..w.shown.clone()
            })
            .collect();
        HoldsView {
            held,
            rules: st.rules.clone(),
        }
    }

    /// Lets the held requests `spec` selects go; returns their `seq`s. Naming one `seq` that is
    /// not held (or not of the given action) is an error.
    pub fn release(&self, spec: &ReleaseSpec) -> Result<Vec<u64>, String> {
        let mut st = self.state.lock();
        let chosen: Vec<u64> = st
            .held
            .iter()
            .filter(|(seq, w)| {
                spec.seq.is_none_or(|s| s == **seq)
                    && spec.action.as_ref().is_none_or(|a| *a == w.shown.action)
            })
            .map(|(seq, _)| *seq)
            .collect();
        if let (Some(seq), true) = (spec.seq, chosen.is_empty()) {
            return Err(format!("request {seq} is not held"));
        }
        for seq in &chosen {
            if let Some(w) = st.held.remove(seq) {
                // The request may have gone away meanwhile; then there is nobody to tell.
                let _ = w.release.send(());
            }
        }
        Ok(chosen)
    }

    /// For shutdown: releases everything held and refuses rules from now on.
    pub fn close(&self) -> Vec<u64> {
        let mut st = self.state.lock();
        st.closed = true;
        st.rules.clear();
        let held = std::mem::take(&mut st.held);
        held.into_iter()
            .map(|(seq, w)| {
                let _ = w.release.send(());
                seq
            })
            .collect()
    }

    /// Called once per API request of `action` on arrival, after it is in the request log as
    /// `seq`: if a rule takes it, `on_hold` runs (to mark the log entry; before the request is
    /// listed as held, so whoever sees it held finds it so in the log) and the returned hold
    /// must be waited on.
    pub fn claim(
        &self,
        action: &str,
        seq: u64,
        request_id: &str,
        on_hold: impl FnOnce(),
    ) -> Option<Hold<'_>> {
        let mut st = self.state.lock();
        if st.closed {
            return None;
        }
        let index = st.rules.iter_mut().position(|r| {
            if r.action != action {
                return false;
            }
            if r.skip > 0 {
                r.skip -= 1;
                return false;
            }
            true
        })?;
        let rule = &mut st.rules[index];
        rule.remaining -= 1;
        let (rule_id, timeout_ms) = (rule.id, rule.timeout_ms);
        if rule.remaining == 0 {
            st.rules.remove(index);
        }
        on_hold();
        let (tx, rx) = oneshot::channel();
        st.held.insert(
            seq,
            Waiting {
                shown: HeldRequest {
                    seq,
                    action: action.into(),
                    request_id: request_id.into(),
                    rule: rule_id,
                    since: ids::format_rfc3339(OffsetDateTime::now_utc()),
                    held_ms: 0,
                    timeout_ms,
                },
                since: Instant::now(),
                release: tx,
            },
        );
        Some(Hold {
            holds: self,
            seq,
            release: rx,
            timeout: Duration::from_millis(timeout_ms),
        })
    }
}

/// One held request's wait. Dropping it (the request's task ended, say because its client went
/// away) takes the request off the held list.
pub struct Hold<'a> {
    holds: &'a Holds,
    seq: u64,
    release: oneshot::Receiver<()>,
    timeout: Duration,
}

impl Hold<'_> {
    /// Waits for a release or the timeout.
    pub async fn wait(mut self) -> HoldEnd {
        match tokio::time::timeout(self.timeout, &mut self.release).await {
            Ok(_) => HoldEnd::Released,
            Err(_) => HoldEnd::TimedOut,
        }
    }
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.holds.state.lock().held.remove(&self.seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim<'a>(h: &'a Holds, action: &str, seq: u64) -> Option<Hold<'a>> {
        h.claim(action, seq, &format!("rid-{seq}"), || {})
    }

    #[test]
    fn skip_then_count_then_the_rule_is_gone() {
        let h = Holds::default();
        let rule = h
            .add(HoldSpec::new("AddPrivateRegistry", 2).skip(1))
            .unwrap();
        assert_eq!((rule.id, rule.remaining, rule.skip), (1, 2, 1));
        assert!(claim(&h, "ListPrivateRegistryList", 0).is_none());
        assert!(claim(&h, "AddPrivateRegistry", 1).is_none(), "skipped");
        let a = claim(&h, "AddPrivateRegistry", 2).expect("held");
        let b = claim(&h, "AddPrivateRegistry", 3).expect("held");
        assert!(claim(&h, "AddPrivateRegistry", 4).is_none(), "used up");
        let v = h.view();
        assert!(v.rules.is_empty());
        let seqs: Vec<u64> = v.held.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [2, 3]);
        assert_eq!(v.held[0].request_id, "rid-2");
        assert_eq!(v.held[0].rule, 1);
        drop((a, b));
        assert!(h.view().held.is_empty(), "dropped holds leave the list");
    }

    #[test]
    fn earlier_rules_win_and_later_ones_do_not_see_what_they_hold() {
        let h = Holds::default();
        h.add(HoldSpec::new("A", 1)).unwrap();
        h.add(HoldSpec::new("A", 1).skip(1)).unwrap();
        let first = claim(&h, "A", 1).expect("rule 1 holds the first");
        assert_eq!(h.view().held[0].rule, 1);
        // Rule 2 did not see the first (rule 1 held it), so it lets this one pass.
        assert!(claim(&h, "A", 2).is_none());
        let third = claim(&h, "A", 3).expect("rule 2 holds the third");
        assert_eq!(h.view().held[1].rule, 2);
        drop((first, third));
    }

    #[test]
    fn on_hold_runs_before_the_request_is_listed() {
        let h = Holds::default();
        h.add(HoldSpec::new("A", 1)).unwrap();
        let mut locked_while_marking = None;
        let hold = h.claim("A", 7, "r", || {
            locked_while_marking = Some(h.state.is_locked());
        });
        assert!(hold.is_some());
        // The closure ran under the lock, so nothing could list the request in between.
        assert_eq!(locked_while_marking, Some(true));
    }

    #[test]
    fn bounds_are_enforced() {
        let h = Holds::default();
        for bad in [
            HoldSpec::new("", 1),
            HoldSpec::new("A", 0),
            HoldSpec::new("A", MAX_OUTSTANDING + 1),
            HoldSpec {
                timeout_ms: 0,
                ..HoldSpec::new("A", 1)
            },
            HoldSpec {
                timeout_ms: MAX_TIMEOUT_MS + 1,
                ..HoldSpec::new("A", 1)
            },
        ] {
            assert!(h.add(bad.clone()).is_err(), "{bad:?}");
        }
        h.add(HoldSpec::new("A", MAX_OUTSTANDING - 1)).unwrap();
        let held = claim(&h, "A", 1).expect("held");
        // One held plus MAX-2 to come: room for exactly one more.
        assert!(h.add(HoldSpec::new("B", 2)).is_err());
        h.add(HoldSpec::new("B", 1)).unwrap();
        assert!(h.add(HoldSpec::new("C", 1)).is_err());
        drop(held);
        assert_eq!(h.cancel_rules(), 2);
        for i in 0..MAX_RULES {
            h.add(HoldSpec::new(&format!("A{i}"), 1)).unwrap();
        }
        assert!(h.add(HoldSpec::new("Z", 1)).is_err(), "too many rules");
    }

    #[tokio::test]
    async fn release_one_by_seq_or_by_action_or_all() {
        let h = Holds::default();
        h.add(HoldSpec::new("A", 3)).unwrap();
        h.add(HoldSpec::new("B", 1)).unwrap();
        let a1 = claim(&h, "A", 1).unwrap();
        let a2 = claim(&h, "A", 2).unwrap();
        let a3 = claim(&h, "A", 3).unwrap();
        let b4 = claim(&h, "B", 4).unwrap();
        let one = ReleaseSpec {
            seq: Some(2),
            ..Default::default()
        };
        assert_eq!(h.release(&one).unwrap(), [2]);
        assert_eq!(a2.wait().await, HoldEnd::Released);
        assert!(h.release(&one).is_err(), "no longer held");
        let wrong_action = ReleaseSpec {
            seq: Some(4),
            action: Some("A".into()),
        };
        assert!(h.release(&wrong_action).is_err());
        let by_action = ReleaseSpec {
            action: Some("B".into()),
            ..Default::default()
        };
        assert_eq!(h.release(&by_action).unwrap(), [4]);
        assert_eq!(b4.wait().await, HoldEnd::Released);
        assert_eq!(h.release(&ReleaseSpec::default()).unwrap(), [1, 3]);
        assert_eq!(a1.wait().await, HoldEnd::Released);
        assert_eq!(a3.wait().await, HoldEnd::Released);
        assert!(h.release(&ReleaseSpec::default()).unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_nobody_releases_times_out() {
        let h = Holds::default();
        h.add(HoldSpec {
            timeout_ms: 5_000,
            ..HoldSpec::new("A", 1)
        })
        .unwrap();
        let hold = claim(&h, "A", 1).unwrap();
        let started = tokio::time::Instant::now();
        assert_eq!(hold.wait().await, HoldEnd::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(5));
        assert!(h.view().held.is_empty());
    }

    #[tokio::test]
    async fn close_releases_everything_and_refuses_more() {
        let h = Holds::default();
        h.add(HoldSpec::new("A", 2)).unwrap();
        let a = claim(&h, "A", 1).unwrap();
        assert_eq!(h.close(), [1]);
        assert_eq!(a.wait().await, HoldEnd::Released);
        assert!(claim(&h, "A", 2).is_none(), "rules are gone");
        assert!(h.add(HoldSpec::new("A", 1)).is_err());
    }
}
