//! The registries of one Security Center account as one provider process sees them: shared
//! lists (the API has no get-by-id), and read, update, delete and import over any
//! [`RegistryApi`]. Creating is in `create.rs`, which needs the per-registry turns kept here.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use super::api::{Error, RegistryApi, RegistryInfo};
use super::create::Creates;
use super::errors::failed;
use super::fields::{Fields, Registry};
use super::identity::SameRegistry;
use super::settle::{Polled, LIST_LAG_WINDOW};
use super::{convert, schema};
use crate::resources::list_cache::{ListCache, ListFailure, Since, WaitEnded};
use crate::resources::timeouts::{self, Operation};
use alicloud::context::CallContext;
use tfplugin::framework::{Diagnostic, Diagnostics, Outcome, Private};
use tfplugin::value::Value;

/// How long a list may be reused within one provider process (one Terraform phase).
const LIST_TTL: Duration = Duration::from_secs(5);

/// The list cache's key for a list of every type.
const ALL_TYPES: &str = "*";

/// The entry kept beside a new registry's state: when it was made (Unix milliseconds), until
/// a list shows it.
const MADE_AT: &str = "made_at_unix_ms";

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A registry a create of this process made.
struct Made {
    at: Instant,
    registry_type: String,
}

pub struct Registries<A> {
    api: A,
    lists: ListCache<RegistryInfo, Error>,
    /// When we last deleted or changed a registry. A list sent before then may show one as it
    /// no longer is, so the duplicate check never uses such a list.
    reshaped_at: std::sync::Mutex<Option<Instant>>,
    creates: Creates,
    /// When this process's creates made each registry, from the answer: lists may not show
    /// one yet, and a refresh keeps it meanwhile ([`Registries::made_recently`]).
    made: std::sync::Mutex<HashMap<i64, Made>>,
    /// Registries this process deleted: lists may still show one for a while, and neither a
    /// refresh nor the duplicate check takes it for one that exists.
    deleted: std::sync::Mutex<HashSet<i64>>,
    /// The registries a refresh in this process found gone. Terraform plans a create for each
    /// (a destroy does too, in the refresh it runs first, and fails on any error that plan
    /// reports), so checks that only a create needs soften for them.
    vanished: std::sync::Mutex<HashSet<SameRegistry>>,
    /// The registries the `list` blocks of this process found: one `terraform query` runs
    /// them all in one process, and a registry two blocks find would be imported twice by the
    /// configuration it generates.
    listed: std::sync::Mutex<HashSet<i64>>,
    /// Every attribute null: where an import starts.
    empty: Value,
}

/// A caller that stopped waiting for a list another operation had in flight, told as the API
/// client tells the same ends of its own calls (a stop is a cancellation, running out of time
/// a failure like any other).
impl From<WaitEnded> for Error {
    fn from(e: WaitEnded) -> Self {
        let action =
            "ListPrivateRegistryList (waiting for the list another operation had in flight)"
                .to_string();
        match e {
            WaitEnded::Deadline => Error::DeadlineExceeded {
                action,
                attempts: 0,
                last: None,
            },
            WaitEnded::Stopped => Error::Cancelled { action },
        }
    }
}

/// A list refused, unreachable or garbled is so for every caller waiting for it; running out
/// of time or being stopped is the fetching caller's own end.
impl ListFailure for Error {
    fn is_shared(&self) -> bool {
        !matches!(
            self,
            Error::DeadlineExceeded { .. } | Error::Cancelled { .. }
        )
    }
}

pub(super) fn parse_id(id: &str) -> Result<i64, Diagnostics> {
    id.parse().map_err(|_| {
        Diagnostic::error(
            "Invalid registry id",
            format!("{id:?} is not a Security Center registry id (a whole number, such as 1234)."),
        )
        .into()
    })
}

fn id_of(state: &Value) -> Result<i64, Diagnostics> {
    parse_id(state.attr(&Registry::id).as_str().unwrap_or_default())
}

impl<A: RegistryApi> Registries<A> {
    pub fn new(api: A) -> Self {
        Self {
            api,
            lists: ListCache::new(LIST_TTL),
            reshaped_at: std::sync::Mutex::new(None),
            creates: Creates::default(),
            made: std::sync::Mutex::new(HashMap::new()),
            deleted: std::sync::Mutex::new(HashSet::new()),
            vanished: std::sync::Mutex::new(HashSet::new()),
            listed: std::sync::Mutex::new(HashSet::new()),
            empty: schema::schema().block.empty_value(),
        }
    }

    /// The limits of an operation ending at `deadline`, for the waits it does itself.
    pub(super) fn ctx(&self, deadline: Instant) -> CallContext {
        CallContext::new(deadline, self.api.stop_token().clone())
    }

    /// The API this process calls.
    pub(super) fn api(&self) -> &A {
        &self.api
    }

    /// What the creates of this process share.
    pub(super) fn creates(&self) -> &Creates {
        &self.creates
    }

    /// After a create: every list sent so far lacks what it made.
    pub(super) fn lists_outdated(&self) {
        self.lists.invalidate();
    }

    /// A list of `registry_type` sent at `since` or later, and after this process last
    /// changed or deleted a registry (a list sent before may show one as it no longer is):
    /// what the duplicate check may trust. The creates of one apply share it.
    pub(super) async fn list_since_changes(
        &self,
        registry_type: &str,
        since: Instant,
        deadline: Instant,
    ) -> Result<Arc<Vec<RegistryInfo>>, Error> {
        let mut since = since;
        if let Some(at) = *self.reshaped_at.lock().unwrap_or_else(|e| e.into_inner()) {
            since = since.max(at);
        }
        self.lists
            .get_since(
                registry_type,
                Since::Read(since),
                &self.ctx(deadline),
                || self.api.list(Some(registry_type), deadline),
            )
            .await
    }

    /// A list of `registry_type` (every type when `None`) sent at `since` or later: what a
    /// wait for a change to show may trust. Waiters share it.
    pub(super) async fn list_sent_after(
        &self,
        registry_type: Option<&str>,
        since: Instant,
        deadline: Instant,
    ) -> Result<Arc<Vec<RegistryInfo>>, Error> {
        self.lists
            .get_since(
                registry_type.unwrap_or(ALL_TYPES),
                Since::Confirm(since),
                &self.ctx(deadline),
                || self.api.list(registry_type, deadline),
            )
            .await
    }

    /// After a delete or a modify: every list sent so far is out of date.
    fn reshaped(&self) {
        self.lists.invalidate();
        *self.reshaped_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// Something else changed the registries (an action): the next read lists again.
    pub fn forget_lists(&self) {
        self.reshaped();
    }

    /// The (possibly shared) list for one registry type.
    async fn list(
        &self,
        registry_type: Option<&str>,
        deadline: Instant,
    ) -> Result<Arc<Vec<RegistryInfo>>, Error> {
        let key = registry_type.unwrap_or(ALL_TYPES);
        self.lists
            .get(key, &self.ctx(deadline), || {
                self.api.list(registry_type, deadline)
            })
            .await
    }

    async fn find(
        &self,
        id: i64,
        registry_type: Option<&str>,
        deadline: Instant,
    ) -> Result<Option<RegistryInfo>, Error> {
        Ok(self
            .list(registry_type, deadline)
            .await?
            .iter()
            .find(|r| r.id == id)
            .cloned())
    }

    /// For quay, the `extra_param` the API holds, where state manages it (tokens given through
    /// `extra_param_wo`, or never given since an import, stay out of state); kept as the prior
    /// text when it means the same.
    async fn extra_param(
        &self,
        record: &RegistryInfo,
        prior: &Value,
        deadline: Instant,
    ) -> Result<Value, Error> {
        let kept = prior.attr(&Registry::extra_param).clone();
        let Some(old) = kept.as_str() else {
            return Ok(kept);
        };
        if record.registry_type.as_deref() != Some("quay") {
            return Ok(kept);
        }
        let namespaces = self.api.quay_namespaces(record.id, deadline).await?;
        if namespaces.is_empty() {
            return Ok(kept);
        }
        let api_json = convert::extra_param_json(&namespaces);
        Ok(
            if tfplugin::framework::plan::json_equivalent(old, &api_json) {
                kept
            } else {
                Value::String(api_json)
            },
        )
    }

    /// [`Registries::refresh`] with nothing kept beside the state, as the unit tests (and the
    /// property test) read.
    #[cfg(test)]
    pub async fn read(&self, current: &Value) -> Result<Option<Value>, Diagnostics> {
        self.refresh(current, &mut Private::default()).await
    }

    /// The registry `current` describes, as it is now; `None` once it is gone. `private` is
    /// what the resource keeps beside the state: when it was made, until a list has shown it.
    pub async fn refresh(
        &self,
        current: &Value,
        private: &mut Private,
    ) -> Result<Option<Value>, Diagnostics> {
        let id = id_of(current)?;
        let deadline = Instant::now() + timeouts::READ;
        let kind = current.attr(&Registry::registry_type).as_str();
        let found = self
            .find(id, kind, deadline)
            .await
            .map_err(|e| failed("Failed to read registry", &e))?
            .filter(|_| !self.deleted_here(id));
        if found.is_none() && !self.deleted_here(id) && self.made_recently(id, private) {
            tracing::info!(
                id,
                "registry created moments ago is not listed yet; keeping it"
            );
            return Ok(Some(current.clone()));
        }
        private.remove(MADE_AT);
        let Some(record) = found else {
            tracing::info!(id, "registry no longer exists; removing it from state");
            self.vanished
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(SameRegistry::of_state(current));
            return Ok(None);
        };
        let mut new_state = Fields::refreshed(&record, current);
        let extra = self
            .extra_param(&record, current, deadline)
            .await
            .map_err(|e| failed("Failed to read quay namespaces", &e))?;
        new_state.set_attr(&Registry::extra_param, extra);
        Ok(Some(new_state))
    }

    /// One ModifyImageRegistry: all of the change or none of it, so a failure keeps `prior`.
    pub async fn update(&self, prior: &Value, planned: &Value, config: &Value) -> Outcome {
        let kept = |diagnostics| Outcome {
            state: prior.clone(),
            private: None,
            diagnostics,
        };
        let id = match id_of(prior) {
            Ok(id) => id,
            Err(d) => return kept(d),
        };
        if let Some(change) = convert::change(id, prior, planned, config) {
            let kind = planned
                .attr(&Registry::registry_type)
                .as_str()
                .unwrap_or_default();
            let _writing = self.lists.writing(kind);
            let deadline = Instant::now() + timeouts::get(planned, Operation::Update);
            let result = self.api.modify(&change, deadline).await;
            self.reshaped();
            if let Err(e) = result {
                // Whatever the code, a list that lacks the registry says why.
                if let Ok(None) = self.find(id, Some(kind), deadline).await {
                    // Gone, not late: the next refresh must not keep it as one made moments
                    // ago, so nothing of that is kept beside the state.
                    return Outcome {
                        private: Some(Private::default()),
                        ..kept(gone_before_update(id, &e))
                    };
                }
                return kept(failed("Failed to update registry", &e));
            }
            // A list may show the old values for a while: the next refresh would take them
            // for drift.
            self.settle(id, kind, deadline, |shown| {
                shown.is_some_and(|r| Fields::shows_change(r, prior, planned))
            })
            .await;
        }
        // ModifyImageRegistry changes exactly what we asked; the planned state is the truth.
        Outcome::made(planned.clone())
    }

    /// Deleting a registry that is already gone succeeds.
    pub async fn delete(&self, prior: &Value) -> Result<(), Diagnostics> {
        let id = id_of(prior)?;
        let kind = prior
            .attr(&Registry::registry_type)
            .as_str()
            .unwrap_or_default();
        let deadline = Instant::now() + timeouts::get(prior, Operation::Delete);
        let result = self.api.delete(id, deadline).await;
        self.reshaped();
        match result {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(failed("Failed to delete registry", &e)),
        }
        // The answer is definite, so no list is waited for. Lists may show the registry for a
        // while yet: this process knows better, and a create in another process waits out a
        // match it did not make (`create::still_there`).
        tracing::debug!(id, kind, "registry deleted");
        self.deleted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id);
        Ok(())
    }

    /// Records that a create of this process made registry `id` now, in this process and in
    /// what the resource keeps beside its state, for a refresh in a later process.
    pub(super) fn made_now(&self, record: &RegistryInfo, private: &mut Private) {
        let made = Made {
            at: Instant::now(),
            registry_type: record.registry_type.clone().unwrap_or_default(),
        };
        self.made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(record.id, made);
        private.set(MADE_AT, unix_ms(SystemTime::now()));
    }

    /// Whether registry `id` was made less than [`LIST_LAG_WINDOW`] ago, by this process or, as
    /// `private` says, by an earlier one: lists may not show it yet, so missing from one says
    /// nothing.
    fn made_recently(&self, id: i64, private: &Private) -> bool {
        let here = self
            .made
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .is_some_and(|m| m.at.elapsed() < LIST_LAG_WINDOW);
        let recorded = private
            .get(MADE_AT)
            .and_then(serde_json::Value::as_u64)
            // Either way: a clock set back a little keeps it, one far off does not keep it long.
            .is_some_and(|at| {
                unix_ms(SystemTime::now()).abs_diff(at) < LIST_LAG_WINDOW.as_millis() as u64
            });
        here || recorded
    }

    /// Whether a delete of this process removed registry `id`.
    pub(super) fn deleted_here(&self, id: i64) -> bool {
        self.deleted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    }

    /// The state of registry `id_text`. One made moments ago may not be listed yet, so an id
    /// no list shows is looked for until lists have lacked it for the lag window.
    pub async fn import(&self, id_text: &str) -> Result<Value, Diagnostics> {
        let id = parse_id(id_text.trim())?;
        let deadline = Instant::now() + timeouts::READ;
        let found = match self.find(id, None, deadline).await {
            Ok(Some(r)) => Some(r),
            Ok(None) if !self.deleted_here(id) => {
                let until = Instant::now() + LIST_LAG_WINDOW;
                match self
                    .poll_list(None, until, deadline, |l| {
                        l.iter().find(|r| r.id == id).cloned()
                    })
                    .await
                {
                    Polled::Seen(r) => Some(r),
                    Polled::NotSeen {
                        last_error: Some(e),
                    } => return Err(failed("Failed to read registry", &e)),
                    _ => None,
                }
            }
            Ok(None) => None,
            Err(e) => return Err(failed("Failed to read registry", &e)),
        };
        let Some(record) = found else {
            return Err(Diagnostic::error(
                "Cannot import a registry that does not exist",
                format!(
                    "Security Center has no private registry with id {id}: lists have not shown it for {} s, longer than a new registry takes to appear.",
                    LIST_LAG_WINDOW.as_secs()
                ),
            )
            .into());
        };
        Ok(self.imported_state(&record))
    }

    /// The state an import of `record` starts from. It manages what the API reports, optional
    /// values included, but no secret: a quay registry's tokens stay out of state (and so out
    /// of every plan) until the configuration gives them (`recorded_without_sending` in
    /// `plan.rs`).
    pub fn imported_state(&self, record: &RegistryInfo) -> Value {
        Fields::imported(record, &self.empty)
    }

    /// Records that a `list` block of this process (one `terraform query`) found registry
    /// `id`; false when another had found it already.
    pub fn first_listing_of(&self, id: i64) -> bool {
        self.listed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id)
    }

    /// Whether the create `planned` would re-make a registry this process saw vanish.
    pub fn vanished_like(&self, planned: &Value) -> bool {
        self.vanished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&SameRegistry::of_state(planned))
    }

    /// All registries of `registry_type` (all when `None`), for the data source and the list
    /// resource: what the API lists, read after this process's own writes. A registry this
    /// process made within the lag window is waited for until a list shows it (a data source
    /// that depends on a new registry finds it), and one it deleted is left out.
    pub async fn list_all(
        &self,
        registry_type: Option<&str>,
    ) -> Result<Arc<Vec<RegistryInfo>>, Error> {
        let deadline = Instant::now() + timeouts::READ;
        let mut list = self.list(registry_type, deadline).await?;
        if let Some(until) = self.unlisted_made_until(&list, registry_type) {
            let polled = self
                .poll_list(registry_type, until, deadline, |l| {
                    self.unlisted_made_until(l, registry_type)
                        .is_none()
                        .then(|| Arc::new(l.to_vec()))
                })
                .await;
            match polled {
                Polled::Seen(shown) => list = shown,
                Polled::NotSeen {
                    last_error: Some(e),
                } => return Err(e),
                Polled::NotSeen { last_error: None } => tracing::warn!(
                    "registries created moments ago are not listed yet; the list leaves them out"
                ),
                Polled::Stopped => {
                    return Err(Error::Cancelled {
                        action: "ListPrivateRegistryList".into(),
                    })
                }
            }
        }
        if list.iter().any(|r| self.deleted_here(r.id)) {
            let left: Vec<RegistryInfo> = list
                .iter()
                .filter(|r| !self.deleted_here(r.id))
                .cloned()
                .collect();
            list = Arc::new(left);
        }
        Ok(list)
    }

    /// When the lag window of the last registry of `registry_type` this process made that
    /// `list` lacks ends; `None` when it lacks none.
    fn unlisted_made_until(
        &self,
        list: &[RegistryInfo],
        registry_type: Option<&str>,
    ) -> Option<Instant> {
        let made = self.made.lock().unwrap_or_else(|e| e.into_inner());
        made.iter()
            .filter(|(id, m)| {
                registry_type.is_none_or(|t| t == m.registry_type)
                    && m.at.elapsed() < LIST_LAG_WINDOW
                    && !self.deleted_here(**id)
                    && !list.iter().any(|r| r.id == **id)
            })
            .map(|(_, m)| m.at + LIST_LAG_WINDOW)
            .max()
    }
}

/// An update of a registry deleted outside Terraform since the state was last refreshed (an
/// apply with `-refresh=false`, or of an old saved plan): say that it is gone and how to get it
/// back, with the API's answer for the record.
fn gone_before_update(id: i64, e: &Error) -> Diagnostics {
    Diagnostic::error(
        "Registry deleted outside Terraform",
        format!("Registry {id} no longer exists in Security Center, so it cannot be updated: it was deleted after this state was last refreshed. Run `terraform apply` again with refresh (the default): the refresh finds it gone and the plan creates it anew. Or stop managing it with `terraform state rm`.\n\nThe API answered: {e}"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::super::fake::{planned, planned_with, setup, Fake};
    use super::{unix_ms, Fields, Registries, Registry, LIST_LAG_WINDOW, MADE_AT};
    use sas_emulator::lag::LagCounts;
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};
    use tfplugin::framework::Private;
    use tfplugin::value::Value;

    /// The API masks the user name, lower-cases the domain and leaves out the port and an
    /// unset `TransPerHour`: the create still returns the plan (computed values filled in, none
    /// left unknown), and the refresh sees no change.
    #[tokio::test]
    async fn a_realistic_api_changes_neither_the_create_nor_the_refresh() {
        let (fake, regs) = setup();
        fake.realistic.store(true, Ordering::SeqCst);
        let p = planned_with(&[
            ("domain_name", "HARBOR.example.com.".into()),
            ("port", Value::int(443)),
        ]);
        let r = regs.create(&p, &p).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let s = &r.state;
        assert!(s.is_wholly_known(), "{s:?}");
        let mut want = p.clone();
        for (k, v) in [
            ("id", Value::from("1")),
            ("token", "token-1".into()),
            ("region_id", "cn-hangzhou".into()),
            ("trans_per_hour", Value::Null),
        ] {
            want.set_attr(k, v);
        }
        assert_eq!(s, &want, "the planned values, computed ones from the API");
        regs.lists.invalidate();
        assert_eq!(regs.read(s).await.unwrap().as_ref(), Some(s), "no drift");
        // A real change still shows.
        fake.registries.lock().unwrap()[0].registry_host_ip = Some("198.51.100.7".into());
        regs.lists.invalidate();
        assert_eq!(
            regs.read(s)
                .await
                .unwrap()
                .unwrap()
                .attr("registry_host_ip"),
            &Value::from("198.51.100.7")
        );
    }

    #[tokio::test(start_paused = true)]
    async fn reads_share_one_list_and_gone_means_null() {
        let (fake, regs) = setup();
        let regs = Arc::new(regs);
        let created = regs.create(&planned(), &planned()).await.state;
        tokio::time::advance(Duration::from_millis(1)).await;
        regs.lists.invalidate();
        let before = fake.list_calls();
        let mut reads = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let (regs, state) = (regs.clone(), created.clone());
            reads.spawn(async move { regs.read(&state).await.unwrap().unwrap_or(Value::Null) });
        }
        while let Some(read) = reads.join_next().await {
            assert_eq!(read.unwrap(), created);
        }
        assert_eq!(fake.list_calls() - before, 1, "50 reads, one list call");
        fake.registries.lock().unwrap().clear();
        tokio::time::advance(LIST_LAG_WINDOW).await;
        regs.lists.invalidate();
        assert_eq!(regs.read(&created).await.unwrap(), None, "gone");
    }

    /// A create records its registry from the answer and lists none; while lists lag, a
    /// refresh keeps it, in this process and in a later one (by what the state keeps beside
    /// it), and only for the lag window. Once listed, nothing is kept beside the state.
    #[tokio::test(start_paused = true)]
    async fn a_registry_not_listed_yet_is_kept_for_the_lag_window() {
        let (fake, regs) = setup();
        fake.lag.configure(LagCounts {
            appear_after: 1000,
            ..LagCounts::default()
        });
        let lists = fake.list_calls();
        let made = regs.create(&planned(), &planned()).await;
        assert!(made.diagnostics.is_empty(), "{:?}", made.diagnostics);
        assert_eq!(fake.list_calls() - lists, 1, "the duplicate check only");
        assert_eq!(made.state.attr(&Registry::token), &Value::from("token-1"));
        let private = made.private.expect("kept beside the state");
        assert!(private.get(MADE_AT).is_some());

        assert_eq!(
            regs.read(&made.state).await.unwrap().as_ref(),
            Some(&made.state)
        );
        let later = Registries::new(fake.clone());
        let mut kept = private.clone();
        let refreshed = later.refresh(&made.state, &mut kept).await.unwrap();
        assert_eq!(
            refreshed.as_ref(),
            Some(&made.state),
            "kept by a later process"
        );
        assert_eq!(
            later.read(&made.state).await.unwrap(),
            None,
            "without the record, missing means gone"
        );

        let mut old = Private::default();
        let window_ago = SystemTime::now() - LIST_LAG_WINDOW - Duration::from_secs(1);
        old.set(MADE_AT, unix_ms(window_ago));
        let again = Registries::new(fake.clone());
        assert_eq!(
            again.refresh(&made.state, &mut old).await.unwrap(),
            None,
            "window over"
        );

        let (fake, regs) = setup();
        let made = regs.create(&planned(), &planned()).await;
        let mut kept = made.private.expect("kept beside the state");
        let listed = Registries::new(fake.clone());
        let refreshed = listed.refresh(&made.state, &mut kept).await.unwrap();
        assert_eq!(refreshed.as_ref(), Some(&made.state));
        assert_eq!(kept, Private::default(), "listed: nothing left to keep");
    }

    /// A delete waits for no list; lists that still show the registry do not bring it back
    /// to a refresh, nor make a create of the same registry a duplicate.
    #[tokio::test]
    async fn a_deleted_registry_a_list_still_shows_is_gone() {
        let (fake, regs) = setup();
        let made = regs.create(&planned(), &planned()).await.state;
        fake.lag.configure(LagCounts {
            stale_after_delete: 1000,
            ..LagCounts::default()
        });
        let lists = fake.list_calls();
        regs.delete(&made).await.unwrap();
        assert_eq!(fake.list_calls(), lists, "no list waited for");
        assert_eq!(regs.read(&made).await.unwrap(), None);
        let again = regs.create(&planned(), &planned()).await;
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        assert_eq!(fake.count(), 1);
    }

    /// Every in-place attribute the model declares reaches the API under its own parameter: a
    /// change of each one, read back, is no drift. (A write-only value goes with its version,
    /// which the write-only tests change.)
    #[tokio::test]
    async fn every_in_place_change_reaches_the_api() {
        use crate::resources::mapping::Change;
        use tfplugin::framework::model::Model;
        let (fake, regs) = setup();
        let created = regs.create(&planned(), &planned()).await.state;
        let mut changed = created.clone();
        let in_place = Registry::fields().iter().filter(|f| {
            matches!(f.ext.change, Change::InPlace(_))
                && !f.attribute.write_only
                && !Fields::is_write_only_version(f)
        });
        let mut named = Vec::new();
        for (n, f) in (1..).zip(in_place) {
            let new = match f.attribute.ty {
                tfplugin::value::Type::Number => Value::int(8000 + n),
                _ => Value::from(format!("changed-{n}.example.com").as_str()),
            };
            changed.set_attr(f.name(), new);
            named.push(f.name());
        }
        assert!(named.len() >= 6, "{named:?}");
        let updated = regs.update(&created, &changed, &changed).await;
        assert!(updated.diagnostics.is_empty(), "{:?}", updated.diagnostics);
        assert_eq!(updated.state, changed);
        regs.lists.invalidate();
        assert_eq!(regs.read(&changed).await.unwrap(), Some(changed.clone()));
        assert_eq!(
            fake.passwords.lock().unwrap()[&1],
            changed.attr("password").as_str().unwrap_or_default()
        );
    }

    /// A registry created, then lists lagging behind changes as `lag` sets.
    async fn created_then_lagging(
        lag: impl FnOnce(&mut LagCounts),
    ) -> (Arc<Fake>, Registries<Arc<Fake>>, Value) {
        let (fake, regs) = setup();
        let created = regs.create(&planned(), &planned()).await.state;
        let mut counts = LagCounts::default();
        lag(&mut counts);
        fake.lag.configure(counts);
        (fake, regs, created)
    }

    /// A list that shows the old values for a while after a modify: the update waits for it,
    /// so the next refresh sees no drift.
    #[tokio::test(start_paused = true)]
    async fn an_update_waits_until_lists_show_it() {
        let (fake, regs, created) = created_then_lagging(|lag| lag.stale_after_modify = 3).await;
        let changed = super::super::fake::with(created.clone(), &[("user_name", "ops".into())]);
        // Lists sent at the instant of the create are not after the modify (the clock is
        // paused, so no time passes unless a test lets it).
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        let lists = fake.list_calls();
        assert!(!regs
            .update(&created, &changed, &changed)
            .await
            .diagnostics
            .has_errors());
        assert_eq!(fake.list_calls() - lists, 4, "three stale, one shows it");
        regs.lists.invalidate();
        assert_eq!(regs.read(&changed).await.unwrap(), Some(changed));
    }

    /// A list that still shows a deleted registry: the delete waits for it to go, so that a
    /// replacement's duplicate check (a tainted registry, say) does not find the old one.
    #[tokio::test(start_paused = true)]
    async fn a_replacement_after_a_lagging_delete_is_not_a_duplicate() {
        let (fake, regs, created) = created_then_lagging(|lag| lag.stale_after_delete = 3).await;
        regs.delete(&created).await.unwrap();
        let again = regs.create(&planned(), &planned()).await;
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        assert_eq!(fake.count(), 1);
    }

    #[tokio::test]
    async fn delete_of_a_missing_registry_succeeds() {
        let (_fake, regs) = setup();
        let mut state = planned();
        state.set_attr("id", "99".into());
        assert!(regs.delete(&state).await.is_ok());
    }

    /// An import reads no secret: a quay registry's tokens stay out of state (and every plan)
    /// until the configuration gives them; once it does, a refresh follows the API's.
    #[tokio::test(start_paused = true)]
    async fn import_reads_no_secret_and_a_managed_extra_param_follows_the_api() {
        let (fake, regs) = setup();
        let mut quay = planned();
        quay.set_attr("registry_type", "quay".into());
        quay.set_attr(
            "extra_param",
            r#"[{"namespace":"team","authToken":"t"}]"#.into(),
        );
        regs.create(&quay, &quay).await;
        let s = regs.import("1").await.unwrap();
        assert_eq!(s.attr("password"), &Value::Null);
        assert_eq!(s.attr("extra_param"), &Value::Null, "no token in state");
        tokio::time::advance(Duration::from_millis(1)).await;
        regs.lists.invalidate();
        assert_eq!(
            regs.read(&s).await.unwrap().as_ref(),
            Some(&s),
            "nor after a refresh"
        );
        let mut managed = s.clone();
        managed.set_attr(
            "extra_param",
            r#"[{"namespace":"team","authToken":"old"}]"#.into(),
        );
        tokio::time::advance(Duration::from_millis(1)).await;
        regs.lists.invalidate();
        let read = regs.read(&managed).await.unwrap().unwrap();
        assert!(
            tfplugin::framework::plan::json_equivalent(
                read.attr("extra_param").as_str().unwrap_or_default(),
                r#"[{"namespace":"team","authToken":"t"}]"#
            ),
            "drift from what state recorded shows"
        );
        assert!(regs.import("nope").await.is_err());
        let asked = tokio::time::Instant::now();
        assert!(regs.import("42").await.is_err());
        assert!(
            asked.elapsed() >= LIST_LAG_WINDOW,
            "lists were read for the lag window"
        );
        assert_eq!(fake.count(), 1);
    }

    /// A registry made moments ago, which lists do not show yet, is imported once they do.
    #[tokio::test(start_paused = true)]
    async fn an_import_waits_for_a_registry_lists_do_not_show_yet() {
        let (fake, regs) = setup();
        fake.lag.configure(LagCounts {
            appear_after: 3,
            ..LagCounts::default()
        });
        let made = regs.create(&planned(), &planned()).await.state;
        let id = made.attr("id").as_str().unwrap_or_default().to_string();
        let imported = Registries::new(fake.clone()).import(&id).await;
        assert_eq!(
            imported.expect("found once listed").attr("id"),
            made.attr("id")
        );
    }
}
