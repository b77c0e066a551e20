//! Eventual consistency made exact: what lists show lags a set number of list answers behind
//! what was done. A new registry stays out of the next `appear_after_lists` answers, a modified
//! one shows as it was for the next `stale_lists_after_modify`, and a deleted one still shows
//! for the next `stale_lists_after_delete` (set with the faults, `POST /_emulator/faults`).
//!
//! Counting answers rather than milliseconds makes a test independent of the machine's speed:
//! a provider that lists three times sees the same thing on a loaded machine as on an idle one.
//! Every `ListPrivateRegistryList` and `PageImageRegistry` answer counts once.
//!
//! Generic over the record a list holds, so the provider's unit-test fake lags its
//! `RegistryInfo` lists the same way.

use super::shared::Shared;
use std::collections::BTreeMap;

use super::record::RegistryRecord;

/// How many list answers each kind of change stays out of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LagCounts {
    /// A new registry is missing from this many answers.
    pub appear_after: u64,
    /// A modified registry shows its old values in this many answers.
    pub stale_after_modify: u64,
    /// A deleted registry still shows in this many answers.
    pub stale_after_delete: u64,
}

struct LagState<R> {
    counts: LagCounts,
    /// New registries: answers left before they show.
    hidden: BTreeMap<i64, u64>,
    /// Modified or deleted registries as lists still show them, and answers left.
    stale: BTreeMap<i64, (R, u64)>,
}

/// The lag of lists of `R` behind changes, shared by every request.
pub struct ListLag<R = RegistryRecord> {
    state: Shared<LagState<R>>,
}

impl<R> Default for ListLag<R> {
    fn default() -> Self {
        Self {
            state: Shared::new(LagState {
                counts: LagCounts::default(),
                hidden: BTreeMap::new(),
                stale: BTreeMap::new(),
            }),
        }
    }
}

impl<R: Clone> ListLag<R> {
    /// Sets how far lists lag from now on; changes already lagging keep their count.
    pub fn configure(&self, counts: LagCounts) {
        self.state.lock().counts = counts;
    }

    /// Registry `id` was just added.
    pub fn added(&self, id: i64) {
        let mut st = self.state.lock();
        let n = st.counts.appear_after;
        if n > 0 {
            st.hidden.insert(id, n);
        }
    }

    /// Registry `id`, `before`, was just modified.
    pub fn modified(&self, id: i64, before: R) {
        let n = self.state.lock().counts.stale_after_modify;
        self.keep_stale(id, before, n);
    }

    /// Registry `id`, `before`, was just deleted.
    pub fn deleted(&self, id: i64, before: R) {
        let n = self.state.lock().counts.stale_after_delete;
        self.keep_stale(id, before, n);
    }

    /// The highest id lists may still show of a deleted registry (so a fake never reuses it).
    pub fn highest_stale_id(&self) -> Option<i64> {
        self.state.lock().stale.keys().next_back().copied()
    }

    /// Lists show `before` for `n` more answers. A registry already stale keeps the older view
    /// it shows (lists lag behind both changes) and the longer count.
    fn keep_stale(&self, id: i64, before: R, n: u64) {
        if n == 0 {
            return;
        }
        let mut st = self.state.lock();
        let entry = st.stale.entry(id).or_insert((before, 0));
        entry.1 = entry.1.max(n);
    }

    /// The registries one list answer shows, from what the store holds now (`None`: exactly
    /// that, nothing lags), in id order; counts the answer.
    pub fn answer(&self, current: &[R], id: impl Fn(&R) -> i64) -> Option<Vec<R>> {
        let mut st = self.state.lock();
        if st.hidden.is_empty() && st.stale.is_empty() {
            return None;
        }
        let mut shown: BTreeMap<i64, R> = current
            .iter()
            .filter(|r| !st.hidden.contains_key(&id(r)))
            .map(|r| (id(r), r.clone()))
            .collect();
        for (id, (old, _)) in &st.stale {
            shown.insert(*id, old.clone());
        }
        st.hidden.retain(|_, left| {
            *left -= 1;
            *left > 0
        });
        st.stale.retain(|_, (_, left)| {
            *left -= 1;
            *left > 0
        });
        Some(shown.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, user: &str) -> RegistryRecord {
        RegistryRecord {
            user_name: user.into(),
            ..RegistryRecord::sample(id)
        }
    }

    fn users(lag: &ListLag, current: &[RegistryRecord]) -> Vec<String> {
        let shown = lag.answer(current, |r| r.id);
        shown
            .unwrap_or_else(|| current.to_vec())
            .into_iter()
            .map(|r| format!("{}:{}", r.id, r.user_name))
            .collect()
    }

    #[test]
    fn each_change_lags_its_own_number_of_answers() {
        let lag: ListLag = ListLag::default();
        lag.configure(LagCounts {
            appear_after: 2,
            stale_after_modify: 1,
            stale_after_delete: 3,
        });
        let mut store = vec![record(1, "a"), record(2, "b")];
        lag.added(3);
        store.push(record(3, "c"));
        lag.modified(1, store[0].clone());
        store[0].user_name = "a2".into();
        lag.deleted(2, store.remove(1));

        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(users(&lag, &store));
        }
        assert_eq!(
            seen,
            [
                vec!["1:a", "2:b"],
                vec!["1:a2", "2:b"],
                vec!["1:a2", "2:b", "3:c"],
                vec!["1:a2", "3:c"],
            ]
        );
        assert!(
            lag.answer(&store, |r| r.id).is_none(),
            "nothing lags any more"
        );
    }

    #[test]
    fn no_lag_configured_changes_nothing() {
        let lag: ListLag = ListLag::default();
        lag.added(1);
        lag.modified(1, record(1, "a"));
        lag.deleted(1, record(1, "a"));
        assert!(lag.answer(&[record(1, "b")], |r| r.id).is_none());
    }
}
