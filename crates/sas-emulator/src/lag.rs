//! Eventual consistency made exact: what lists show lags a set number of list answers behind
//! what was done. A new registry stays out of the next `appear_after_lists` answers, a modified
//! one shows as it was for the next `stale_lists_after_modify`, and a deleted one still shows
//! for the next `stale_lists_after_delete` (set with the faults, `POST /_emulator/faults`).
//!
//! Counting answers rather than milliseconds makes a test independent of the machine's speed:
//! a provider that lists three times sees the same thing on a loaded machine as on an idle one.
//! Every `ListPrivateRegistryList` and `PageImageRegistry` answer counts once.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::store::RegistryRecord;

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

#[derive(Default)]
struct LagState {
    counts: LagCounts,
    /// New registries: answers left before they show.
    hidden: BTreeMap<i64, u64>,
    /// Modified or deleted registries as lists still show them, and answers left.
    stale: BTreeMap<i64, (RegistryRecord, u64)>,
}

/// The lag of lists behind changes, shared by every request.
#[derive(Default)]
pub struct ListLag {
    state: Mutex<LagState>,
}

impl ListLag {
    fn lock(&self) -> std::sync::MutexGuard<'_, LagState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets how far lists lag from now on; changes already lagging keep their count.
    pub fn configure(&self, counts: LagCounts) {
        self.lock().counts = counts;
    }

    /// Registry `id` was just added.
    pub fn added(&self, id: i64) {
        let mut st = self.lock();
        let n = st.counts.appear_after;
        if n > 0 {
            st.hidden.insert(id, n);
        }
    }

    /// `before` was just modified.
    pub fn modified(&self, before: RegistryRecord) {
        let n = self.lock().counts.stale_after_modify;
        self.keep_stale(before, n);
    }

    /// `before` was just deleted.
    pub fn deleted(&self, before: RegistryRecord) {
        let n = self.lock().counts.stale_after_delete;
        self.keep_stale(before, n);
    }

    /// Lists show `before` for `n` more answers. A registry already stale keeps the older view
    /// it shows (lists lag behind both changes) and the longer count.
    fn keep_stale(&self, before: RegistryRecord, n: u64) {
        if n == 0 {
            return;
        }
        let mut st = self.lock();
        let entry = st.stale.entry(before.id).or_insert((before, 0));
        entry.1 = entry.1.max(n);
    }

    /// The registries one list answer shows, from what the store holds now (`None`: exactly
    /// that, nothing lags), in id order; counts the answer.
    pub fn answer(&self, current: &[RegistryRecord]) -> Option<Vec<RegistryRecord>> {
        let mut st = self.lock();
        if st.hidden.is_empty() && st.stale.is_empty() {
            return None;
        }
        let mut shown: BTreeMap<i64, RegistryRecord> = current
            .iter()
            .filter(|r| !st.hidden.contains_key(&r.id))
            .map(|r| (r.id, r.clone()))
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

    fn users(shown: Option<Vec<RegistryRecord>>, current: &[RegistryRecord]) -> Vec<String> {
        shown
            .unwrap_or_else(|| current.to_vec())
            .into_iter()
            .map(|r| format!("{}:{}", r.id, r.user_name))
            .collect()
    }

    #[test]
    fn each_change_lags_its_own_number_of_answers() {
        let lag = ListLag::default();
        lag.configure(LagCounts {
            appear_after: 2,
            stale_after_modify: 1,
            stale_after_delete: 3,
        });
        let mut store = vec![record(1, "a"), record(2, "b")];
        lag.added(3);
        store.push(record(3, "c"));
        lag.modified(store[0].clone());
        store[0].user_name = "a2".into();
        lag.deleted(store.remove(1));

        let mut seen = Vec::new();
        for _ in 0..4 {
            seen.push(users(lag.answer(&store), &store));
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
        assert!(lag.answer(&store).is_none(), "nothing lags any more");
    }

    #[test]
    fn no_lag_configured_changes_nothing() {
        let lag = ListLag::default();
        lag.added(1);
        lag.modified(record(1, "a"));
        lag.deleted(record(1, "a"));
        assert!(lag.answer(&[record(1, "b")]).is_none());
    }
}
