//! Creating a registry so that exactly one results: no duplicate from a create that may have
//! acted (its answer lost, a 5xx, a reset): the list is polled for the registry it may have
//! made, which is adopted; the create is sent again only once a list sent a whole
//! `LIST_LAG_WINDOW` later still lacks it, and if the create's timeout comes first it fails
//! saying a registry may exist. None from two resources that describe one registry (their
//! creates take turns), none of one made outside this state (the duplicate check), and no
//! registry is claimed by two resources.
//!
//! An answered create costs no list of its own: the answer holds the registry's record, which
//! is what state records. Lists may not show the registry for a while; a refresh in that window
//! keeps it (`Registries::made_recently`), so no list has to be waited for here.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use tokio::time::Instant;

use super::api::{AddPrivateRegistryRequest, Error, RegistryApi, RegistryInfo};
use super::convert;
use super::errors::failed;
use super::fields::Fields;
use super::identity::{self, SameRegistry};
use super::registries::Registries;
use super::settle::{Polled, LIST_LAG_WINDOW};
use crate::resources::timeouts::{self, Operation};
use tfplugin::framework::{Diagnostic, Diagnostics, Outcome, Private};
use tfplugin::value::Value;

/// How old a list the duplicate check before a create may use.
const DUPLICATE_CHECK_WINDOW: Duration = Duration::from_secs(2);

/// Attempts at `AddPrivateRegistry` when earlier ones failed ambiguously and left nothing.
const CREATE_ATTEMPTS: usize = 4;

/// How a create ended up with its registry.
enum Added {
    /// `AddPrivateRegistry` answered with its record.
    Answered(RegistryInfo),
    /// Its answer was lost; a list showed the registry it made.
    Listed(RegistryInfo),
}

impl Added {
    fn record(&self) -> &RegistryInfo {
        match self {
            Added::Answered(r) | Added::Listed(r) => r,
        }
    }
}

/// What the list showed after a create that may have acted.
enum Reconciled {
    /// The registry it made, as the list showed it, now claimed by this create.
    Made(Box<RegistryInfo>),
    /// A list sent a whole [`LIST_LAG_WINDOW`] after it lacks any such registry.
    Absent,
    /// Several unclaimed registries that this create would make appeared.
    Several(Vec<i64>),
    /// Neither shown nor ruled out before the create's timeout (or a stop); why.
    Unknown(String),
}

/// What this process's creates share, apart from the registries' other operations: whose turn
/// it is to create each registry, and which registries they made or adopted.
#[derive(Default)]
pub(super) struct Creates {
    /// Creates of one registry (one [`SameRegistry`]) run one at a time: each holds its key's
    /// lock across the duplicate check and the add, and leaves behind when it finished, so the
    /// next create of that key checks a list sent after it (and finds what it made). Creates
    /// of different keys do not wait for each other. One entry per registry created, for the
    /// life of the process.
    turns: std::sync::Mutex<HashMap<SameRegistry, Arc<AsyncMutex<Option<Instant>>>>>,
    /// Registries made or adopted: a create that lost its answer adopts only a registry no
    /// other resource claimed.
    claimed: std::sync::Mutex<HashSet<i64>>,
}

impl Creates {
    /// Claims registry `id` for the create asking; false if another create of this process
    /// made or adopted it already.
    fn claim(&self, id: i64) -> bool {
        self.claimed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id)
    }

    /// Whether a create of this process made or adopted registry `id`.
    fn is_claimed(&self, id: i64) -> bool {
        self.claimed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&id)
    }

    /// The lock creates of the registry `new` describes take turns on.
    fn turn_of(&self, new: &AddPrivateRegistryRequest) -> Arc<AsyncMutex<Option<Instant>>> {
        self.turns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(SameRegistry::of_request(new))
            .or_default()
            .clone()
    }
}

/// Holds a create's key; when dropped (the create finished, however it ended, or its request
/// was abandoned) it records when, for the next create of the key.
struct CreateTurn(OwnedMutexGuard<Option<Instant>>);

impl Drop for CreateTurn {
    fn drop(&mut self) {
        *self.0 = Some(Instant::now());
    }
}

/// Whether `record` is what this very create would make: the same registry, and equal to the
/// plan in every field whose change means a new registry (those the API cannot modify;
/// in-place fields such as the user name are left out, since the API may mask or normalise
/// them). An orphan of an earlier apply of this configuration is; the registry a
/// `create_before_destroy` replacement is about to replace is not, since it differs in the
/// field that forced the replacement. Only for quay, whose tokens the list does not show, can
/// that field be invisible here: see `same_tokens`. A field the list leaves out is taken to
/// match.
fn what_this_create_makes(
    record: &RegistryInfo,
    new: &AddPrivateRegistryRequest,
    planned: &Value,
) -> bool {
    SameRegistry::of_request(new).is(record) && Fields::agrees_on_replacing_fields(record, planned)
}

impl<A: RegistryApi> Registries<A> {
    pub async fn create(&self, planned: &Value, config: &Value) -> Outcome {
        let missing = super::plan::missing_to_add(config);
        if !missing.is_empty() {
            return Outcome::failed(Diagnostics(missing.iter().map(|m| m.to_add()).collect()));
        }
        let new = match convert::new_registry(planned, config) {
            Ok(n) => n,
            Err(e) => return Outcome::failed(Diagnostic::error("Incomplete configuration", e)),
        };
        let began = Instant::now();
        let deadline = began + timeouts::get(planned, Operation::Create);
        // Terraform cannot tell that two resources describe one registry (a `count` with a fixed
        // domain name): their creates would both pass the duplicate check, made before either
        // exists. So creates of one registry take turns, and the second finds the first.
        // Held until this create returns.
        let turn = match self.turn_to_create(&new, deadline).await {
            Ok(turn) => turn,
            Err(d) => return Outcome::failed(d),
        };
        // The duplicate check looks for registries made outside this state; a list sent a
        // moment before this create began finds those as well as a newer one would, so the
        // creates of one apply share a few lists instead of sending one each. Only our own
        // creates of this registry and our modifies need a list sent after them.
        let mut recent = began.checked_sub(DUPLICATE_CHECK_WINDOW).unwrap_or(began);
        if let Some(at) = *turn.0 {
            recent = recent.max(at);
        }
        let before = match self
            .list_since_changes(&new.registry_type, recent, deadline)
            .await
        {
            Ok(list) => list,
            Err(f) => {
                return Outcome::failed(failed("Failed to list registries before creating", &f))
            }
        };
        let mut existing = None;
        // A registry this process deleted may still be listed for a while: it is no duplicate.
        for candidate in before
            .iter()
            .filter(|r| !self.deleted_here(r.id) && what_this_create_makes(r, &new, planned))
        {
            match self.same_tokens(candidate, &new, deadline).await {
                Ok(true) => {
                    existing = Some(candidate.id);
                    break;
                }
                Ok(false) => {}
                Err(f) => return Outcome::failed(failed("Failed to read quay namespaces", &f)),
            }
        }
        if let Some(existing) = existing {
            if let Some(refusal) = self.still_there(existing, &new, deadline).await {
                return Outcome::failed(refusal);
            }
        }
        let known: HashSet<i64> = before.iter().map(|r| r.id).collect();
        let made = match self.add_once(&new, planned, &known, deadline).await {
            Ok(made) => made,
            Err(d) => return Outcome::failed(d),
        };
        self.lists_outdated();
        let mut private = Private::default();
        if let Added::Answered(record) = &made {
            // Lists may not show it yet: a refresh keeps it for the lag window.
            self.made_now(record, &mut private);
        }
        Outcome::made(Fields::created(made.record(), planned)).keeping(private)
    }

    /// The refusal of a create whose registry, `existing`, a list shows; `None` when it turns
    /// out to be gone. Deletes wait for no list, so one made by another process moments ago
    /// (a destroy, then an apply) may still show: one that no create of this process made is
    /// refused only once lists have shown it for a whole [`LIST_LAG_WINDOW`].
    async fn still_there(
        &self,
        existing: i64,
        new: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> Option<Diagnostics> {
        if self.creates().is_claimed(existing) {
            return Some(already_exists(new, existing, true).into());
        }
        let waited = Instant::now() + LIST_LAG_WINDOW;
        let polled = self
            .poll_list(Some(&new.registry_type), waited, deadline, |list| {
                (!list.iter().any(|r| r.id == existing)).then_some(())
            })
            .await;
        match polled {
            Polled::Seen(()) => {
                tracing::info!(
                    id = existing,
                    "the matching registry was a deleted one that lists showed late"
                );
                None
            }
            _ => Some(already_exists(new, existing, false).into()),
        }
    }

    /// Waits, up to the create's deadline or a stop, for any other create of the registry `new`
    /// describes to finish.
    async fn turn_to_create(
        &self,
        new: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> Result<CreateTurn, Diagnostics> {
        let key = self.creates().turn_of(new);
        // The usual case, no other create of this registry: nothing to wait for.
        if let Ok(guard) = key.clone().try_lock_owned() {
            return Ok(CreateTurn(guard));
        }
        let what = format!(
            "Another resource in this configuration creates the same registry: {}.",
            identity::described(new)
        );
        tokio::select! {
            biased;
            _ = self.api().stop_token().cancelled() => Err(Diagnostic::error(
                "Create cancelled",
                format!("{what} Terraform asked the provider to stop while this create waited for that one to finish; nothing was created for this resource."),
            )
            .into()),
            _ = tokio::time::sleep_until(deadline) => Err(Diagnostic::error(
                "Timed out waiting for another create of the same registry",
                format!("{what} It did not finish before this create's timeout, and nothing was created for this resource. Give each registry its own domain name."),
            )
            .into()),
            guard = key.lock_owned() => Ok(CreateTurn(guard)),
        }
    }

    /// For quay, whether `candidate` holds the namespaces and tokens `new` would give it (one
    /// `ListImageRegistryExtra`, only for a quay registry equal in everything else); always
    /// true for harbor.
    async fn same_tokens(
        &self,
        candidate: &RegistryInfo,
        new: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> Result<bool, Error> {
        let Some(wanted) = new
            .extra_param
            .as_ref()
            .filter(|_| new.registry_type == "quay")
        else {
            return Ok(true);
        };
        let namespaces = self.api().quay_namespaces(candidate.id, deadline).await?;
        Ok(tfplugin::framework::plan::json_equivalent(
            &convert::extra_param_json(&namespaces),
            wanted.expose(),
        ))
    }

    /// Calls `AddPrivateRegistry` so that at most one registry results. An answer that is
    /// not definitive (`Error::is_ambiguous`: lost, late, a 5xx, a reset) means "maybe made":
    /// the list says which, and the create is sent again only once it shows nothing was made.
    async fn add_once(
        &self,
        new: &AddPrivateRegistryRequest,
        planned: &Value,
        known: &HashSet<i64>,
        deadline: Instant,
    ) -> Result<Added, Diagnostics> {
        let mut last: Option<Error> = None;
        for attempt in 1..=CREATE_ATTEMPTS {
            let f = match self.api().add(new, deadline).await {
                Ok(record) => {
                    self.creates().claim(record.id);
                    return Ok(Added::Answered(record));
                }
                Err(f) if f.is_ambiguous() => f,
                Err(f) => return Err(failed("Failed to create registry", &f)),
            };
            tracing::warn!(
                attempt,
                error = %f,
                "the create may have acted; waiting for the list to show whether it did"
            );
            match self.reconcile(new, planned, known, deadline).await {
                Reconciled::Made(record) => {
                    tracing::info!(
                        id = record.id,
                        "adopting the registry the unanswered create made"
                    );
                    return Ok(Added::Listed(*record));
                }
                Reconciled::Absent => last = Some(f),
                Reconciled::Several(ids) => {
                    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                    return Err(Diagnostic::error(
                        "Several matching registries appeared",
                        format!("While creating, registries {} appeared for the same domain and host; import the right one and delete the others.", ids.join(", ")),
                    )
                    .into());
                }
                Reconciled::Unknown(why) => return Err(maybe_made(new, &f, &why)),
            }
        }
        Err(match last {
            Some(f) => failed("Failed to create registry", &f),
            None => Diagnostic::error("Failed to create registry", "no attempt was made").into(),
        })
    }

    /// After a create that may have acted: polls the list, as the read after a create does,
    /// for an unclaimed registry that was not there before (`known`) and is what this create
    /// makes, for [`LIST_LAG_WINDOW`] within the create's deadline.
    async fn reconcile(
        &self,
        new: &AddPrivateRegistryRequest,
        planned: &Value,
        known: &HashSet<i64>,
        deadline: Instant,
    ) -> Reconciled {
        let window_ends = Instant::now() + LIST_LAG_WINDOW;
        let creates = self.creates();
        let polled = self
            .poll_list(Some(&new.registry_type), window_ends, deadline, |list| {
                let appeared: Vec<RegistryInfo> = list
                    .iter()
                    .filter(|r| {
                        !known.contains(&r.id)
                            && !creates.is_claimed(r.id)
                            && what_this_create_makes(r, new, planned)
                    })
                    .cloned()
                    .collect();
                (!appeared.is_empty()).then_some(appeared)
            })
            .await;
        match polled {
            Polled::Seen(mut records) => match records.as_slice() {
                [one] if creates.claim(one.id) => Reconciled::Made(Box::new(records.remove(0))),
                [_] => Reconciled::Unknown("another resource claimed the registry that appeared".into()),
                _ => Reconciled::Several(records.iter().map(|r| r.id).collect()),
            },
            Polled::NotSeen { last_error: None } if window_ends <= deadline => Reconciled::Absent,
            Polled::NotSeen { last_error: Some(e) } => Reconciled::Unknown(format!(
                "listing registries to find out failed: {e}"
            )),
            Polled::NotSeen { .. } => Reconciled::Unknown(format!(
                "the create timeout ended before the list could show it: a new registry may take up to {} s to appear",
                LIST_LAG_WINDOW.as_secs()
            )),
            Polled::Stopped => Reconciled::Unknown(
                "Terraform asked the provider to stop before the list could show it".into(),
            ),
        }
    }
}

/// The refusal of a create whose registry exists: `ours` when a create of this process made
/// it for another resource, which then manages it (instances of a `count` or `for_each` that
/// share a domain name), so importing it here would have two resources manage one registry.
/// Terraform shows the resource's address beside the error; the provider is never told it.
fn already_exists(new: &AddPrivateRegistryRequest, id: i64, ours: bool) -> Diagnostic {
    let what = identity::described(new);
    let same = identity::SAME_FIELDS;
    if ours {
        return Diagnostic::error(
            "Another resource of this configuration manages this registry",
            format!("This apply created registry {id}, {what}, for another resource of this configuration, and this resource describes it too ({same}): Terraform cannot tell that two resources describe one registry, as instances of a count or for_each with one domain_name do. One registry is managed by one resource: give each its own domain_name (from count.index or each.key), or remove this one. Do not import {id} here; it is managed already."),
        );
    }
    Diagnostic::error(
        "Registry already exists",
        format!("Security Center already has {what}, with id {id}, and this resource describes it ({same}). One registry is managed by one resource:\n- if another resource already manages registry {id} (in this configuration, such as another instance of a count or for_each with the same domain_name, or in another state), give this resource its own domain_name;\n- otherwise adopt it into this resource, the one named with this error, instead of creating another: an import block with id = \"{id}\", or\n  terraform import '<address of this resource>' {id}"),
    )
}

/// A create that may have made a registry, which no list showed in time: say so, and how to
/// adopt it, rather than risk a second one.
fn maybe_made(new: &AddPrivateRegistryRequest, cause: &Error, why: &str) -> Diagnostics {
    Diagnostic::error(
        "A registry may have been created",
        format!(
            "AddPrivateRegistry for {} got no definite answer ({cause}), and {why}. Security Center may hold that registry now; nothing was recorded in state and no second one was created.\n\nRun the apply again: it looks for the registry first and, if it exists, says how to adopt it into this resource.",
            identity::described(new)
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::super::fake::{create_together, planned, planned_with, setup, AddFate};
    use super::LIST_LAG_WINDOW;
    use sas_emulator::lag::LagCounts;
    use std::sync::atomic::Ordering;
    use std::sync::Arc;
    use std::time::Duration;
    use tfplugin::value::Value;
    use tokio::time::Instant;

    #[tokio::test]
    async fn create_records_the_answer_and_keeps_the_password() {
        let (fake, regs) = setup();
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.state.attr("id"), &Value::from("1"));
        assert_eq!(r.state.attr("password"), &Value::from("s3cret"));
        assert_eq!(r.state.attr("token"), &Value::from("token-1"));
        assert_eq!(r.state.attr("trans_per_hour"), &Value::int(20));
        assert!(r.state.is_wholly_known());
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1);
    }

    /// The duplicate check compares host names as DNS does, and takes a field the list leaves
    /// out as matching.
    #[tokio::test(start_paused = true)]
    async fn the_duplicate_check_finds_a_registry_the_api_reports_normalised() {
        let (fake, regs) = setup();
        fake.realistic.store(true, Ordering::SeqCst);
        let vpc = planned_with(&[("net_type", Value::int(2)), ("vpc_id", "vpc-1".into())]);
        assert!(earlier_process(&fake)
            .create(&vpc, &vpc)
            .await
            .diagnostics
            .is_empty());
        fake.registries.lock().unwrap()[0].vpc_id = None;
        let again = planned_with(&[
            ("domain_name", "Harbor.Example.COM.".into()),
            ("net_type", Value::int(2)),
            ("vpc_id", "vpc-1".into()),
        ]);
        let r = regs.create(&again, &again).await;
        let refused = r.diagnostics.0.first().map(|d| d.summary.as_str());
        assert_eq!(refused, Some("Registry already exists"));
        assert_eq!(fake.count(), 1);
    }

    /// Lists that do not show the new registry yet are not waited for: the answer is its
    /// record.
    #[tokio::test(start_paused = true)]
    async fn an_answered_create_waits_for_no_list() {
        let (fake, regs) = setup();
        fake.lag.configure(LagCounts {
            appear_after: 2,
            ..LagCounts::default()
        });
        let started = Instant::now();
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.state.attr("id"), &Value::from("1"));
        assert_eq!(r.state.attr("token"), &Value::from("token-1"));
        assert_eq!(r.state.attr("region_id"), &Value::from("cn-hangzhou"));
        assert_eq!(fake.list_calls(), 1, "the duplicate check only");
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    /// Terraform asks the provider to stop right after the add: what it made is recorded
    /// whole, untainted.
    #[tokio::test]
    async fn a_stop_after_the_add_still_records_the_registry_untainted() {
        let (fake, regs) = setup();
        fake.stop_after_add.store(true, Ordering::SeqCst);
        let r = regs.create(&planned(), &planned()).await;
        assert_eq!(r.state.attr("id"), &Value::from("1"));
        assert_eq!(r.state.attr("password"), &Value::from("s3cret"));
        assert_eq!(r.state.attr("token"), &Value::from("token-1"));
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    }

    #[tokio::test]
    async fn a_replacement_right_after_its_delete_is_not_a_duplicate() {
        let (fake, regs) = setup();
        let first = regs.create(&planned(), &planned()).await.state;
        // Another create lists in between, so a list showing `first` is recent.
        let mut other = planned();
        other.set_attr("domain_name", Value::from("other.example.com"));
        assert!(regs.create(&other, &other).await.diagnostics.is_empty());
        assert!(regs.delete(&first).await.is_ok());
        let again = regs.create(&planned(), &planned()).await;
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        assert_eq!(fake.count(), 2);
    }

    #[tokio::test]
    async fn creates_in_a_row_share_the_duplicate_check_list() {
        let (fake, regs) = setup();
        for i in 0..5 {
            let mut p = planned();
            p.set_attr("domain_name", Value::from(format!("r{i}.example.com")));
            assert!(regs.create(&p, &p).await.diagnostics.is_empty());
        }
        assert_eq!(fake.list_calls(), 1, "one duplicate check, shared");
    }

    #[tokio::test]
    async fn a_lost_response_is_adopted_not_duplicated() {
        let (fake, regs) = setup();
        fake.fail_adds(&[AddFate::Lost]);
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(fake.count(), 1, "exactly one registry");
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1, "no blind retry");
        assert_eq!(r.state.attr("id"), &Value::from("1"));
    }

    /// A reset may have come after the service acted: the create is sent again only once a
    /// list sent a whole appearance window later still lacks the registry.
    #[tokio::test(start_paused = true)]
    async fn a_reset_before_acting_is_retried_once_the_list_shows_nothing_was_made() {
        let (fake, regs) = setup();
        fake.fail_adds(&[AddFate::Reset, AddFate::Reset]);
        let started = Instant::now();
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(fake.count(), 1);
        assert_eq!(fake.adds.load(Ordering::SeqCst), 3);
        assert!(
            started.elapsed() >= 2 * LIST_LAG_WINDOW,
            "each retry waited out the window: {:?}",
            started.elapsed()
        );
    }

    /// The case that made a duplicate: the first create acted and its answer was lost, and the
    /// list did not show the new registry for three lists. The create waits for it.
    #[tokio::test(start_paused = true)]
    async fn a_lost_answer_with_a_lagging_list_adopts_the_registry_it_made() {
        let (fake, regs) = setup();
        fake.fail_adds(&[AddFate::Lost]);
        fake.lag.configure(LagCounts {
            appear_after: 3,
            ..LagCounts::default()
        });
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1, "never sent again");
        assert_eq!(fake.count(), 1, "no duplicate");
        assert_eq!(r.state.attr("id"), &Value::from("1"));
        assert_eq!(r.state.attr("token"), &Value::from("token-1"), "read back");
    }

    /// No list shows the registry before the create's timeout, and the timeout comes before
    /// the window that would rule it out: a clear error, and no second create.
    #[tokio::test(start_paused = true)]
    async fn a_lost_answer_unresolved_at_the_timeout_says_a_registry_may_exist() {
        let (fake, regs) = setup();
        fake.fail_adds(&[AddFate::Lost]);
        fake.lag.configure(LagCounts {
            appear_after: u64::MAX,
            ..LagCounts::default()
        });
        let hasty = planned_with(&[("timeouts", Value::object([("create", Value::from("10s"))]))]);
        let r = regs.create(&hasty, &hasty).await;
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1, "never sent again");
        assert_eq!(r.state, Value::Null, "nothing known to record");
        let d = &r.diagnostics.0[0];
        assert_eq!(d.summary, "A registry may have been created");
        for part in [
            "harbor.example.com",
            "192.0.2.10",
            "cn-hangzhou",
            "no second one was created",
            "how to adopt it into this resource",
        ] {
            assert!(d.detail.contains(part), "{part:?} in {}", d.detail);
        }
    }

    /// Two lookalike registries (one domain and host, other versions) whose creates both lose
    /// their answers while lists lag: each adopts its own, never its sibling's.
    #[tokio::test(start_paused = true)]
    async fn lookalikes_that_lose_their_answers_each_claim_their_own() {
        let (fake, regs) = setup();
        fake.fail_adds(&[AddFate::Lost, AddFate::Lost]);
        fake.lag.configure(LagCounts {
            appear_after: 3,
            ..LagCounts::default()
        });
        *fake.add_latency.lock().unwrap() = Duration::from_millis(300);
        let regs = Arc::new(regs);
        let v1 = planned_with(&[("registry_version", "V1".into())]);
        let mut ids = Vec::new();
        for create in create_together(&regs, vec![planned(), v1]) {
            let r = create.await.unwrap();
            assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
            ids.push(r.state.attr("id").clone());
        }
        assert_eq!(fake.adds.load(Ordering::SeqCst), 2);
        let regs_now = fake.registries.lock().unwrap().clone();
        assert_eq!(regs_now.len(), 2, "no duplicate");
        for (id, version) in ids.iter().zip(["V2", "V1"]) {
            let made = regs_now
                .iter()
                .find(|r| &Value::from(r.id.to_string()) == id)
                .expect("the state names a registry that exists");
            assert_eq!(made.registry_version.as_deref(), Some(version));
        }
    }

    /// A create refused because registry 1, made outside this process, is what it describes,
    /// saying how to import it.
    fn refused_as_registry_1(r: &tfplugin::framework::Outcome) {
        let d = &r.diagnostics.0[0];
        assert_eq!(d.summary, "Registry already exists");
        let import = "terraform import '<address of this resource>' 1";
        assert!(d.detail.contains(import), "{}", d.detail);
        assert!(
            d.detail.contains("another instance of a count"),
            "{}",
            d.detail
        );
    }

    /// A create refused because another create of this process made registry 1: the advice
    /// is to tell the two apart, never to import what is managed already.
    fn refused_as_a_twin_of_registry_1(r: &tfplugin::framework::Outcome) {
        let d = &r.diagnostics.0[0];
        assert_eq!(
            d.summary,
            "Another resource of this configuration manages this registry"
        );
        assert!(d.detail.contains("created registry 1"), "{}", d.detail);
        assert!(d.detail.contains("Do not import 1"), "{}", d.detail);
        assert!(!d.detail.contains("terraform import"), "{}", d.detail);
    }

    /// A Registries of another provider process (an earlier apply) over the same API.
    fn earlier_process(
        fake: &Arc<super::super::fake::Fake>,
    ) -> super::Registries<Arc<super::super::fake::Fake>> {
        super::Registries::new(fake.clone())
    }

    #[tokio::test(start_paused = true)]
    async fn an_existing_registry_is_reported_with_the_import_command() {
        let (fake, regs) = setup();
        earlier_process(&fake).create(&planned(), &planned()).await;
        let asked = Instant::now();
        let r = regs.create(&planned(), &planned()).await;
        refused_as_registry_1(&r);
        assert_eq!(fake.count(), 1);
        assert!(
            asked.elapsed() >= LIST_LAG_WINDOW,
            "refused once lists showed it for the lag window: {:?}",
            asked.elapsed()
        );
    }

    /// A destroy, then at once an apply of the same registry in another process, while lists
    /// still show the deleted one: it is waited out, not refused as a duplicate.
    #[tokio::test(start_paused = true)]
    async fn a_registry_deleted_by_another_process_that_lists_still_show_is_waited_out() {
        let (fake, regs) = setup();
        let earlier = earlier_process(&fake);
        let made = earlier.create(&planned(), &planned()).await.state;
        fake.lag.configure(LagCounts {
            stale_after_delete: 3,
            ..LagCounts::default()
        });
        earlier.delete(&made).await.unwrap();
        let again = regs.create(&planned(), &planned()).await;
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        assert_eq!(fake.count(), 1, "the new one only");
    }

    #[tokio::test]
    async fn a_registry_this_apply_made_for_another_resource_is_not_offered_for_import() {
        let (fake, regs) = setup();
        regs.create(&planned(), &planned()).await;
        let r = regs.create(&planned(), &planned()).await;
        refused_as_a_twin_of_registry_1(&r);
        assert_eq!(fake.count(), 1);
    }

    /// `create_before_destroy`: the new registry is made while the one it replaces exists; it
    /// differs in what forced the replacement, so it is no duplicate.
    #[tokio::test]
    async fn a_create_before_destroy_replacement_is_not_a_duplicate() {
        let (fake, regs) = setup();
        regs.create(&planned(), &planned()).await;
        let v1 = planned_with(&[("registry_version", "V1".into())]);
        let r = regs.create(&v1, &v1).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(fake.count(), 2);
    }

    /// A quay registry replaced only for new tokens differs only in them: the tokens are
    /// compared (the fake's registry holds `t`).
    #[tokio::test(start_paused = true)]
    async fn quay_tokens_tell_a_replacement_from_an_orphan() {
        let (fake, regs) = setup();
        let quay = |token: &str| {
            planned_with(&[
                ("registry_type", "quay".into()),
                (
                    "extra_param",
                    format!(r#"[{{"namespace":"team","authToken":"{token}"}}]"#).into(),
                ),
            ])
        };
        assert!(earlier_process(&fake)
            .create(&quay("t"), &quay("t"))
            .await
            .diagnostics
            .is_empty());
        let orphan = regs.create(&quay("t"), &quay("t")).await;
        assert_eq!(orphan.diagnostics.0[0].summary, "Registry already exists");
        let replacement = regs.create(&quay("new"), &quay("new")).await;
        assert!(
            replacement.diagnostics.is_empty(),
            "{:?}",
            replacement.diagnostics
        );
        assert_eq!(fake.count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn two_creates_of_one_registry_make_one_and_the_other_names_it() {
        let (fake, regs) = setup();
        *fake.add_latency.lock().unwrap() = Duration::from_secs(1);
        let regs = Arc::new(regs);
        // The domain compares without case, as the duplicate check does.
        let shouted = planned_with(&[("domain_name", "HARBOR.example.com".into())]);
        let mut results = Vec::new();
        for create in create_together(&regs, vec![planned(), shouted]) {
            results.push(create.await.unwrap());
        }
        assert_eq!(
            fake.adds.load(Ordering::SeqCst),
            1,
            "one AddPrivateRegistry"
        );
        assert_eq!(fake.count(), 1);
        let (made, refused): (Vec<_>, Vec<_>) =
            results.iter().partition(|r| r.diagnostics.is_empty());
        assert_eq!((made.len(), refused.len()), (1, 1), "{results:?}");
        assert_eq!(made[0].state.attr("id"), &Value::from("1"));
        refused_as_a_twin_of_registry_1(refused[0]);
        assert_eq!(refused[0].state, Value::Null, "nothing to record");
    }

    #[tokio::test(start_paused = true)]
    async fn creates_of_different_registries_run_together_and_share_lists() {
        let (fake, regs) = setup();
        *fake.add_latency.lock().unwrap() = Duration::from_secs(1);
        let regs = Arc::new(regs);
        let started = Instant::now();
        let planned = (0..2)
            .map(|i| planned_with(&[("domain_name", format!("r{i}.example.com").into())]))
            .collect();
        for create in create_together(&regs, planned) {
            let r = create.await.unwrap();
            assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        }
        assert_eq!(fake.count(), 2);
        assert_eq!(
            fake.most_adds_in_flight.load(Ordering::SeqCst),
            2,
            "the adds ran together"
        );
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(1),
            "not one after the other"
        );
        assert_eq!(fake.list_calls(), 1, "one duplicate check, shared");
    }

    #[tokio::test(start_paused = true)]
    async fn a_create_waiting_for_one_of_the_same_registry_ends_at_its_timeout_and_on_stop() {
        let (fake, regs) = setup();
        *fake.add_latency.lock().unwrap() = Duration::from_secs(60);
        let regs = Arc::new(regs);
        let hasty = planned_with(&[("timeouts", Value::object([("create", Value::from("2s"))]))]);
        let started = Instant::now();
        let mut creates = create_together(&regs, vec![planned(), hasty, planned()]).into_iter();
        let (slow, hasty, patient) = (
            creates.next().unwrap(),
            creates.next().unwrap(),
            creates.next().unwrap(),
        );
        let r = hasty.await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(2), "at its timeout");
        assert_eq!(
            r.diagnostics.0[0].summary,
            "Timed out waiting for another create of the same registry"
        );
        assert!(!slow.is_finished() && !patient.is_finished());
        tokio::time::sleep(Duration::from_secs(1)).await;
        fake.stop.cancel();
        let r = patient.await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(3), "at the stop");
        assert_eq!(r.diagnostics.0[0].summary, "Create cancelled");
        assert!(r.diagnostics.has_errors());
        // The create already sent is let finish and recorded, its read-back skipped.
        let r = slow.await.unwrap();
        assert_eq!(r.state.attr("id"), &Value::from("1"));
        assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1);
    }
}
