//! Create, read, update, delete and import for `alicloud_sas_private_registry`, over any
//! `RegistryApi`. The hard parts live here: no duplicate on an ambiguous create, nor from two
//! resources that describe one registry, a read after create that waits for the new object, and
//! list calls shared across concurrent reads.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};
use tokio::time::Instant;

use super::api::{AddPrivateRegistryRequest, ApiFailure, FailureKind, RegistryApi, RegistryRecord};
use super::{state, validate, TYPE_NAME};
use crate::resources::list_cache::{ListCache, WaitEnded};
use crate::resources::timeouts::{self, Operation};
use alicloud::context::CallContext;
use tfplugin::framework::{
    ApplyResponse, Diagnostic, Diagnostics, ImportResponse, ImportedResource, ReadResponse,
};
use tfplugin::value::{AttributePath, Value};

/// How long a list may be reused within one provider process (one Terraform phase).
const LIST_TTL: Duration = Duration::from_secs(5);

/// How old a list the duplicate check before a create may use.
const DUPLICATE_CHECK_WINDOW: Duration = Duration::from_secs(2);

/// Deadline for reads, which have no configurable timeout.
const READ_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Attempts at `AddPrivateRegistry` when earlier ones failed ambiguously and left nothing.
const CREATE_ATTEMPTS: usize = 4;

pub struct Registries<A> {
    api: A,
    lists: ListCache<RegistryRecord>,
    /// When we last deleted or changed a registry. A list sent before then may show one as it
    /// no longer is, so the duplicate check never uses such a list.
    reshaped_at: std::sync::Mutex<Option<Instant>>,
    /// Creates of one registry (one [`DuplicateKey`]) in this process run one at a time: each
    /// holds its key's lock across the duplicate check, the add and the read-back, and leaves
    /// behind when it finished, so the next create of that key checks a list sent after it
    /// (and finds what it made). Creates of different keys do not wait for each other. One
    /// entry per registry created, for the life of the process.
    creates: std::sync::Mutex<HashMap<DuplicateKey, Arc<AsyncMutex<Option<Instant>>>>>,
}

/// What makes two registries the same one, as [`same_registry`] compares them.
type DuplicateKey = (String, String, String, String);

fn duplicate_key(new: &AddPrivateRegistryRequest) -> DuplicateKey {
    (
        new.registry_type.clone(),
        new.domain_name.trim_end_matches('.').to_ascii_lowercase(),
        new.registry_host_ip.clone(),
        new.registry_region_id.clone(),
    )
}

/// Holds a create's key; when dropped (the create finished, however it ended, or its request
/// was abandoned) it records when, for the next create of the key.
struct CreateTurn(OwnedMutexGuard<Option<Instant>>);

impl Drop for CreateTurn {
    fn drop(&mut self) {
        *self.0 = Some(Instant::now());
    }
}

/// A caller that stopped waiting for a list another operation had in flight, told as the API
/// client tells the same ends of its own calls (a stop is a cancellation, running out of time
/// a failure like any other).
impl From<WaitEnded> for ApiFailure {
    fn from(e: WaitEnded) -> Self {
        match e {
            WaitEnded::Deadline => ApiFailure {
                message: "ListPrivateRegistryList: gave up when the deadline passed, waiting for the list another operation had in flight".into(),
                kind: FailureKind::Other,
            },
            WaitEnded::Stopped => ApiFailure {
                message: "ListPrivateRegistryList: cancelled because Terraform asked the provider to stop".into(),
                kind: FailureKind::Cancelled,
            },
        }
    }
}

fn failed(summary: &str, f: &ApiFailure) -> Diagnostics {
    let diagnostic = Diagnostic::error(summary, f.message.clone());
    match blamed_attribute(&f.message) {
        // Pointing at a secret's line would print a literal secret from the configuration.
        Some((_, "password" | "extra_param")) => diagnostic.into(),
        // Pointing at the attribute makes Terraform show the configuration line.
        Some((parameter, attribute)) => {
            let mut d = diagnostic.at(AttributePath::attr(attribute));
            d.detail
                .push_str(&format!("\n\n`{parameter}` is set from `{attribute}`."));
            d.into()
        }
        None => diagnostic.into(),
    }
}

/// The API parameter behind each attribute.
const PARAMETERS: &[(&str, &str)] = &[
    ("RegistryType", "registry_type"),
    ("RegistryVersion", "registry_version"),
    ("ProtocolType", "protocol_type"),
    ("NetType", "net_type"),
    ("VpcId", "vpc_id"),
    ("RegistryHostIp", "registry_host_ip"),
    ("DomainName", "domain_name"),
    ("Port", "port"),
    ("UserName", "user_name"),
    ("Password", "password"),
    ("RegistryRegionId", "registry_region_id"),
    ("TransPerHour", "trans_per_hour"),
    ("ExtraParam", "extra_param"),
];

/// The one parameter an API error message names as a whole word, if exactly one.
fn blamed_attribute(message: &str) -> Option<(&'static str, &'static str)> {
    let words: std::collections::HashSet<&str> = message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .collect();
    let mut named = PARAMETERS.iter().filter(|(p, _)| words.contains(p));
    match (named.next(), named.next()) {
        (Some(&one), None) => Some(one),
        _ => None,
    }
}

fn parse_id(state: &Value) -> Result<i64, Diagnostics> {
    let id = state.attr("id").as_str().unwrap_or_default();
    id.parse().map_err(|_| {
        Diagnostic::error(
            "Invalid registry id",
            format!("{id:?} is not a Security Center registry id (a whole number, such as 1234)."),
        )
        .into()
    })
}

/// Whether `record` is the registry `new` describes, by the fields that identify one. Host
/// names compare as DNS does (the API may report a domain lower-cased, or without the
/// trailing dot).
fn same_registry(record: &RegistryRecord, new: &AddPrivateRegistryRequest) -> bool {
    record.registry_type == new.registry_type
        && state::same_host(&record.domain_name, &new.domain_name)
        && record.registry_host_ip == new.registry_host_ip
        && record.region_id == new.registry_region_id
}

/// Whether `record` is what this very create would make: the same registry, and equal in every
/// field whose change means a new registry (those the API cannot modify; in-place fields such
/// as the user name are left out, since the API may mask or normalise them). An orphan of an
/// earlier apply of this configuration is; the registry a `create_before_destroy` replacement
/// is about to replace is not, since it differs in the field that forced the replacement. Only
/// for quay, whose tokens the list does not show, can that field be invisible here: see
/// `same_tokens`.
/// A field the list leaves out (read as empty, 0 or none) is taken to match.
fn what_this_create_makes(record: &RegistryRecord, new: &AddPrivateRegistryRequest) -> bool {
    let vpc_told = record.vpc_id.as_deref().is_some_and(|v| !v.is_empty());
    same_registry(record, new)
        && (record.registry_version.is_empty() || record.registry_version == new.registry_version)
        && (record.protocol_type == 0 || record.protocol_type == new.protocol_type)
        && (record.net_type == 0 || record.net_type == new.net_type)
        && (new.vpc_id.is_none() || !vpc_told || record.vpc_id == new.vpc_id)
}

impl<A: RegistryApi> Registries<A> {
    pub fn new(api: A) -> Self {
        Self {
            api,
            lists: ListCache::new(LIST_TTL),
            reshaped_at: std::sync::Mutex::new(None),
            creates: std::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The limits of an operation ending at `deadline`, for the waits it does itself.
    fn ctx(&self, deadline: Instant) -> CallContext {
        CallContext::new(deadline, self.api.stop_token().clone())
    }

    /// After a delete or a modify: every list sent so far is out of date.
    fn reshaped(&self) {
        self.lists.invalidate();
        *self.reshaped_at.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// The (possibly shared) list for one registry type.
    async fn list(
        &self,
        registry_type: Option<&str>,
        deadline: Instant,
    ) -> Result<Arc<Vec<RegistryRecord>>, ApiFailure> {
        let key = registry_type.unwrap_or("*");
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
    ) -> Result<Option<RegistryRecord>, ApiFailure> {
        Ok(self
            .list(registry_type, deadline)
            .await?
            .iter()
            .find(|r| r.id == id)
            .cloned())
    }

    /// For quay, whether `candidate` holds the namespaces and tokens `new` would give it (one
    /// `ListImageRegistryExtra`, only for a quay registry equal in everything else); always
    /// true for harbor.
    async fn same_tokens(
        &self,
        candidate: &RegistryRecord,
        new: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> Result<bool, ApiFailure> {
        let Some(wanted) = new
            .extra_param
            .as_ref()
            .filter(|_| new.registry_type == "quay")
        else {
            return Ok(true);
        };
        let namespaces = self.api.quay_namespaces(candidate.id, deadline).await?;
        Ok(tfplugin::framework::plan::json_equivalent(
            &state::extra_param_json(&namespaces),
            wanted.expose(),
        ))
    }

    /// For quay, the `extra_param` the API holds; kept as the prior text when it means the same.
    /// A refresh follows the API only where state manages `extra_param` (tokens given through
    /// `extra_param_wo` stay out of state); an import (`adopt`) always fills it in.
    async fn extra_param(
        &self,
        record: &RegistryRecord,
        prior: &Value,
        deadline: Instant,
        adopt: bool,
    ) -> Result<Value, ApiFailure> {
        let unmanaged = prior.attr("extra_param").is_null() && !adopt;
        if record.registry_type != "quay" || unmanaged {
            return Ok(prior.attr("extra_param").clone());
        }
        let namespaces = self.api.quay_namespaces(record.id, deadline).await?;
        if namespaces.is_empty() {
            return Ok(prior.attr("extra_param").clone());
        }
        let api_json = state::extra_param_json(&namespaces);
        Ok(match prior.attr("extra_param").as_str() {
            Some(old) if tfplugin::framework::plan::json_equivalent(old, &api_json) => {
                prior.attr("extra_param").clone()
            }
            _ => Value::String(api_json),
        })
    }

    pub async fn read(&self, current: &Value) -> ReadResponse {
        let id = match parse_id(current) {
            Ok(id) => id,
            Err(d) => {
                return ReadResponse {
                    new_state: current.clone(),
                    diagnostics: d,
                    ..Default::default()
                }
            }
        };
        let deadline = Instant::now() + READ_TIMEOUT;
        let kind = current.attr("registry_type").as_str();
        let found = match self.find(id, kind, deadline).await {
            Ok(found) => found,
            Err(f) => {
                return ReadResponse {
                    new_state: current.clone(),
                    diagnostics: failed("Failed to read registry", &f),
                    ..Default::default()
                }
            }
        };
        let Some(record) = found else {
            tracing::info!(id, "registry no longer exists; removing it from state");
            return ReadResponse::default();
        };
        let mut new_state = state::refreshed(&record, current);
        match self.extra_param(&record, current, deadline, false).await {
            Ok(extra) => new_state.set_attr("extra_param", extra),
            Err(f) => {
                return ReadResponse {
                    new_state: current.clone(),
                    diagnostics: failed("Failed to read quay namespaces", &f),
                    ..Default::default()
                }
            }
        }
        ReadResponse {
            new_state,
            ..Default::default()
        }
    }

    pub async fn create(&self, planned: &Value, config: &Value) -> ApplyResponse {
        let error = |d: Diagnostics| ApplyResponse {
            diagnostics: d,
            ..Default::default()
        };
        // Values unknown at plan time are known now: judge them.
        let checks = validate(config);
        if checks.has_errors() {
            return error(checks);
        }
        let new = match state::new_registry(planned, config) {
            Ok(n) => n,
            Err(e) => return error(Diagnostic::error("Incomplete configuration", e).into()),
        };
        let began = Instant::now();
        let deadline = began + timeouts::get(planned, Operation::Create);
        // Terraform cannot tell that two resources describe one registry (a `count` with a fixed
        // domain name): their creates would both pass the duplicate check, made before either
        // exists. So creates of one registry take turns, and the second finds the first.
        // Held until this create returns.
        let turn = match self.turn_to_create(&new, deadline).await {
            Ok(turn) => turn,
            Err(d) => return error(d),
        };
        // The duplicate check looks for registries made outside this state; a list sent a
        // moment before this create began finds those as well as a newer one would, so the
        // creates of one apply share a few lists instead of sending one each. Only our own
        // creates of this registry and our deletes and modifies need a list sent after them.
        let mut recent = began.checked_sub(DUPLICATE_CHECK_WINDOW).unwrap_or(began);
        if let Some(at) = *self.reshaped_at.lock().unwrap_or_else(|e| e.into_inner()) {
            recent = recent.max(at);
        }
        if let Some(at) = *turn.0 {
            recent = recent.max(at);
        }
        let before = match self
            .lists
            .get_since(&new.registry_type, recent, &self.ctx(deadline), || {
                self.api.list(Some(&new.registry_type), deadline)
            })
            .await
        {
            Ok(list) => list,
            Err(f) => return error(failed("Failed to list registries before creating", &f)),
        };
        let mut existing = None;
        for candidate in before.iter().filter(|r| what_this_create_makes(r, &new)) {
            match self.same_tokens(candidate, &new, deadline).await {
                Ok(true) => {
                    existing = Some(candidate);
                    break;
                }
                Ok(false) => {}
                Err(f) => return error(failed("Failed to read quay namespaces", &f)),
            }
        }
        if let Some(existing) = existing {
            return error(
                Diagnostic::error(
                    "Registry already exists",
                    format!(
                        "Security Center already has a {} registry for {} ({}) in {}, with id {}. To manage it with Terraform, import it instead of creating another:\n  terraform import {TYPE_NAME}.<name> {}",
                        new.registry_type, new.domain_name, new.registry_host_ip, new.registry_region_id, existing.id, existing.id
                    ),
                )
                .into(),
            );
        }
        let known: std::collections::HashSet<i64> = before.iter().map(|r| r.id).collect();
        let id = match self.add_once(&new, &known, deadline).await {
            Ok(id) => id,
            Err(d) => return error(d),
        };
        self.lists.invalidate();
        let record = match self.wait_for(id, &new.registry_type, deadline).await {
            Ok(r) => r,
            Err(d) => {
                // The registry exists: keep it in state so nothing is orphaned, and say why
                // it was not read back.
                let mut partial = planned.clone();
                partial.set_attr("id", id.to_string().into());
                for computed in ["token", "region_id", "trans_per_hour"] {
                    if partial.attr(computed).is_unknown() {
                        partial.set_attr(computed, Value::Null);
                    }
                }
                return ApplyResponse {
                    new_state: partial,
                    diagnostics: d,
                    ..Default::default()
                };
            }
        };
        ApplyResponse {
            new_state: state::created(&record, planned),
            ..Default::default()
        }
    }

    /// Waits, up to the create's deadline or a stop, for any other create of the registry `new`
    /// describes to finish.
    async fn turn_to_create(
        &self,
        new: &AddPrivateRegistryRequest,
        deadline: Instant,
    ) -> Result<CreateTurn, Diagnostics> {
        let key = self
            .creates
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(duplicate_key(new))
            .or_default()
            .clone();
        // The usual case, no other create of this registry: nothing to wait for.
        if let Ok(guard) = key.clone().try_lock_owned() {
            return Ok(CreateTurn(guard));
        }
        let what = format!(
            "Another resource in this configuration creates the same {} registry for {} ({}) in {}.",
            new.registry_type, new.domain_name, new.registry_host_ip, new.registry_region_id
        );
        tokio::select! {
            biased;
            _ = self.api.stop_token().cancelled() => Err(Diagnostic::error(
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

    /// Calls `AddPrivateRegistry` so that at most one registry results: after an ambiguous
    /// failure it looks for a registry that appeared and adopts it, and only retries when none did.
    async fn add_once(
        &self,
        new: &AddPrivateRegistryRequest,
        known: &std::collections::HashSet<i64>,
        deadline: Instant,
    ) -> Result<i64, Diagnostics> {
        let mut last = None;
        for attempt in 1..=CREATE_ATTEMPTS {
            match self.api.add(new, deadline).await {
                Ok(id) => return Ok(id),
                Err(f) if f.kind == FailureKind::Ambiguous => {
                    tracing::warn!(
                        attempt,
                        "create failed ambiguously; looking for the registry before retrying"
                    );
                    let list = self
                        .api
                        .list(Some(&new.registry_type), deadline)
                        .await
                        .map_err(|e| {
                            let mut d = failed(
                                "Failed to list registries after an interrupted create",
                                &e,
                            );
                            for diag in &mut d.0 {
                                diag.detail.push_str("\n\nThe create may have reached Security Center. If the next apply reports that the registry already exists, import it with the command it gives.");
                            }
                            d
                        })?;
                    let appeared: Vec<&RegistryRecord> = list
                        .iter()
                        .filter(|r| !known.contains(&r.id) && what_this_create_makes(r, new))
                        .collect();
                    match appeared.as_slice() {
                        [one] => {
                            tracing::info!(
                                id = one.id,
                                "adopting the registry the interrupted create made"
                            );
                            return Ok(one.id);
                        }
                        [] => last = Some(f),
                        many => {
                            let ids: Vec<String> = many.iter().map(|r| r.id.to_string()).collect();
                            return Err(Diagnostic::error(
                                "Several matching registries appeared",
                                format!("While creating, registries {} appeared for the same domain and host; import the right one and delete the others.", ids.join(", ")),
                            )
                            .into());
                        }
                    }
                }
                Err(f) => return Err(failed("Failed to create registry", &f)),
            }
        }
        Err(failed(
            "Failed to create registry",
            &last.unwrap_or(ApiFailure {
                message: "no attempt was made".into(),
                kind: FailureKind::Other,
            }),
        ))
    }

    /// Lists until the new registry shows up: a read right after a create may miss it.
    async fn wait_for(
        &self,
        id: i64,
        registry_type: &str,
        deadline: Instant,
    ) -> Result<RegistryRecord, Diagnostics> {
        let mut pause = Duration::from_millis(200);
        loop {
            // Only a list sent after the create returned (or after the last miss) can show it;
            // creates that finished meanwhile share that list.
            let since = Instant::now();
            let fetched = self
                .lists
                .get_since(registry_type, since, &self.ctx(deadline), || {
                    self.api.list(Some(registry_type), deadline)
                })
                .await;
            match fetched {
                Ok(list) => {
                    if let Some(r) = list.iter().find(|r| r.id == id) {
                        return Ok(r.clone());
                    }
                }
                Err(f) if f.kind == FailureKind::Cancelled => {
                    // Terraform is stopping: the registry exists, so hand it over for the state
                    // with a warning rather than an error (an error would taint it, and the
                    // next apply would replace a healthy registry). The next refresh reads it.
                    return Err(Diagnostic::warning(
                        "Registry created; reading it back was skipped",
                        format!("Registry {id} was created, but Terraform asked the provider to stop before it was read back. It is recorded in state and the next refresh reads it."),
                    )
                    .into());
                }
                Err(f) => {
                    tracing::debug!(error = %f.message, "reading back the new registry failed; retrying")
                }
            }
            if Instant::now() + pause > deadline {
                return Err(Diagnostic::error(
                    "Registry created but not visible yet",
                    format!("Registry {id} was created but did not appear in ListPrivateRegistryList before the create timeout. It is recorded in state as tainted, so the next apply replaces it; run `terraform untaint` on it first to keep it instead."),
                )
                .into());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }

    pub async fn update(&self, prior: &Value, planned: &Value, config: &Value) -> ApplyResponse {
        let checks = validate(config);
        if checks.has_errors() {
            return keep_prior(prior, checks);
        }
        let id = match parse_id(prior) {
            Ok(id) => id,
            Err(d) => return keep_prior(prior, d),
        };
        if let Some(change) = state::change(id, prior, planned, config) {
            let deadline = Instant::now() + timeouts::get(planned, Operation::Update);
            let result = self.api.modify(&change, deadline).await;
            self.reshaped();
            if let Err(f) = result {
                return keep_prior(prior, failed("Failed to update registry", &f));
            }
        }
        // ModifyImageRegistry changes exactly what we asked; the planned state is the truth.
        ApplyResponse {
            new_state: planned.clone(),
            ..Default::default()
        }
    }

    pub async fn delete(&self, prior: &Value) -> ApplyResponse {
        let id = match parse_id(prior) {
            Ok(id) => id,
            Err(d) => return keep_prior(prior, d),
        };
        let deadline = Instant::now() + timeouts::get(prior, Operation::Delete);
        let result = self.api.delete(id, deadline).await;
        self.reshaped();
        match result {
            Ok(()) => ApplyResponse::default(),
            Err(f) if f.kind == FailureKind::NotFound => ApplyResponse::default(),
            Err(f) => keep_prior(prior, failed("Failed to delete registry", &f)),
        }
    }

    pub async fn import(&self, id_text: &str, empty: Value) -> ImportResponse {
        let mut probe = empty.clone();
        probe.set_attr("id", id_text.trim().into());
        let id = match parse_id(&probe) {
            Ok(id) => id,
            Err(d) => {
                return ImportResponse {
                    diagnostics: d,
                    ..Default::default()
                }
            }
        };
        let deadline = Instant::now() + READ_TIMEOUT;
        let record = match self.find(id, None, deadline).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                return ImportResponse {
                    diagnostics: Diagnostic::error(
                        "Cannot import a registry that does not exist",
                        format!("Security Center has no private registry with id {id}."),
                    )
                    .into(),
                    ..Default::default()
                }
            }
            Err(f) => {
                return ImportResponse {
                    diagnostics: failed("Failed to read registry", &f),
                    ..Default::default()
                }
            }
        };
        // Imported state manages what the API reports, optional values included.
        let mut state = state::imported(&record, &empty);
        match self.extra_param(&record, &empty, deadline, true).await {
            Ok(extra) => state.set_attr("extra_param", extra),
            Err(f) => {
                return ImportResponse {
                    diagnostics: failed("Failed to read quay namespaces", &f),
                    ..Default::default()
                }
            }
        }
        ImportResponse {
            imported: vec![ImportedResource {
                type_name: TYPE_NAME.into(),
                state,
                private: Vec::new(),
            }],
            diagnostics: Diagnostics::new(),
        }
    }

    /// All registries of `registry_type` (all when `None`), for the data source.
    pub async fn list_all(
        &self,
        registry_type: Option<&str>,
    ) -> Result<Arc<Vec<RegistryRecord>>, ApiFailure> {
        self.list(registry_type, Instant::now() + READ_TIMEOUT)
            .await
    }
}

/// A failed apply keeps the prior state, so Terraform records nothing that did not happen.
fn keep_prior(prior: &Value, diagnostics: Diagnostics) -> ApplyResponse {
    ApplyResponse {
        new_state: prior.clone(),
        diagnostics,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::private_registry::api::{ModifyImageRegistryRequest, QuayNamespace};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    use tokio_util::sync::CancellationToken;

    /// An in-memory Security Center with scriptable failures.
    #[derive(Default)]
    struct Fake {
        registries: Mutex<Vec<RegistryRecord>>,
        lists: AtomicUsize,
        adds: AtomicUsize,
        /// Adds that commit and then fail ambiguously (a lost response).
        lose_responses: AtomicUsize,
        /// Adds that fail ambiguously without committing (a reset before acting).
        resets: AtomicUsize,
        /// Lists that do not yet show the newest registry (eventual consistency).
        stale_lists: AtomicUsize,
        /// How many lists after each add are stale.
        stale_after_add: AtomicUsize,
        /// Terraform asked the provider to stop right after the next add.
        stop_after_add: std::sync::atomic::AtomicBool,
        /// StopProvider.
        stop: CancellationToken,
        /// How long each add takes to answer, after it committed.
        add_latency: Mutex<Duration>,
        adds_in_flight: AtomicUsize,
        /// The most adds in flight at once.
        most_adds_in_flight: AtomicUsize,
        /// Answers as the real service may: the user name masked, the domain lower-cased, an
        /// unset `TransPerHour` and `Port` left out.
        realistic: std::sync::atomic::AtomicBool,
    }

    fn ambiguous() -> ApiFailure {
        ApiFailure {
            message: "connection reset".into(),
            kind: FailureKind::Ambiguous,
        }
    }

    impl Fake {
        /// The add's effect and answer, before the latency of the answer.
        fn commit(&self, req: &AddPrivateRegistryRequest) -> Result<i64, ApiFailure> {
            if self.resets.load(Ordering::SeqCst) > 0 {
                self.resets.fetch_sub(1, Ordering::SeqCst);
                return Err(ambiguous());
            }
            self.stale_lists.store(
                self.stale_after_add.load(Ordering::SeqCst),
                Ordering::SeqCst,
            );
            let mut regs = self.registries.lock().unwrap();
            let id = regs.iter().map(|r| r.id).max().unwrap_or(0) + 1;
            let realistic = self.realistic.load(Ordering::SeqCst);
            regs.push(RegistryRecord {
                id,
                registry_type: req.registry_type.clone(),
                registry_version: req.registry_version.clone(),
                protocol_type: req.protocol_type,
                net_type: req.net_type,
                registry_host_ip: req.registry_host_ip.clone(),
                domain_name: if realistic {
                    req.domain_name.to_ascii_lowercase()
                } else {
                    req.domain_name.clone()
                },
                port: req.port.filter(|_| !realistic),
                user_name: if realistic {
                    "******".into()
                } else {
                    req.user_name.clone()
                },
                region_id: req.registry_region_id.clone(),
                trans_per_hour: if realistic {
                    req.trans_per_hour
                } else {
                    Some(req.trans_per_hour.unwrap_or(20))
                },
                token: format!("token-{id}"),
                ..Default::default()
            });
            if self.lose_responses.load(Ordering::SeqCst) > 0 {
                self.lose_responses.fetch_sub(1, Ordering::SeqCst);
                return Err(ambiguous());
            }
            if self.stop_after_add.load(Ordering::SeqCst) {
                self.stop.cancel();
            }
            Ok(id)
        }
    }

    impl RegistryApi for Arc<Fake> {
        fn stop_token(&self) -> &CancellationToken {
            &self.stop
        }

        async fn add(
            &self,
            req: &AddPrivateRegistryRequest,
            _: Instant,
        ) -> Result<i64, ApiFailure> {
            self.adds.fetch_add(1, Ordering::SeqCst);
            let now = self.adds_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_adds_in_flight.fetch_max(now, Ordering::SeqCst);
            let answer = self.commit(req);
            let latency = *self.add_latency.lock().unwrap();
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            self.adds_in_flight.fetch_sub(1, Ordering::SeqCst);
            answer
        }

        async fn list(
            &self,
            kind: Option<&str>,
            _: Instant,
        ) -> Result<Vec<RegistryRecord>, ApiFailure> {
            self.lists.fetch_add(1, Ordering::SeqCst);
            if self.stop.is_cancelled() {
                return Err(ApiFailure {
                    message: "cancelled because Terraform asked the provider to stop".into(),
                    kind: FailureKind::Cancelled,
                });
            }
            let mut regs = self.registries.lock().unwrap().clone();
            if self.stale_lists.load(Ordering::SeqCst) > 0 {
                self.stale_lists.fetch_sub(1, Ordering::SeqCst);
                regs.pop();
            }
            Ok(regs
                .into_iter()
                .filter(|r| kind.is_none_or(|k| r.registry_type == k))
                .collect())
        }

        async fn quay_namespaces(
            &self,
            _: i64,
            _: Instant,
        ) -> Result<Vec<QuayNamespace>, ApiFailure> {
            Ok(vec![QuayNamespace {
                namespace: "team".into(),
                auth_token: "t".into(),
            }])
        }

        async fn modify(
            &self,
            c: &ModifyImageRegistryRequest,
            _: Instant,
        ) -> Result<(), ApiFailure> {
            let mut regs = self.registries.lock().unwrap();
            let r = regs.iter_mut().find(|r| r.id == c.id).ok_or(ApiFailure {
                message: "gone".into(),
                kind: FailureKind::NotFound,
            })?;
            if let Some(d) = &c.domain_name {
                r.domain_name = d.clone();
            }
            Ok(())
        }

        async fn delete(&self, id: i64, _: Instant) -> Result<(), ApiFailure> {
            let mut regs = self.registries.lock().unwrap();
            let before = regs.len();
            regs.retain(|r| r.id != id);
            if regs.len() == before {
                return Err(ApiFailure {
                    message: "no such registry".into(),
                    kind: FailureKind::NotFound,
                });
            }
            Ok(())
        }
    }

    fn planned() -> Value {
        let unknown = ["id", "token", "region_id", "trans_per_hour"].map(|k| (k, Value::Unknown));
        super::super::fixtures::with(super::super::fixtures::harbor_config(), &unknown)
    }

    fn setup() -> (Arc<Fake>, Registries<Arc<Fake>>) {
        let fake = Arc::new(Fake::default());
        (fake.clone(), Registries::new(fake))
    }

    #[tokio::test]
    async fn create_reads_back_and_keeps_the_password() {
        let (fake, regs) = setup();
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.new_state.attr("id"), &Value::from("1"));
        assert_eq!(r.new_state.attr("password"), &Value::from("s3cret"));
        assert_eq!(r.new_state.attr("token"), &Value::from("token-1"));
        assert_eq!(r.new_state.attr("trans_per_hour"), &Value::int(20));
        assert!(r.new_state.is_wholly_known());
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1);
    }

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
        let s = &r.new_state;
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
        assert_eq!(&regs.read(s).await.new_state, s, "no drift");
        // A real change still shows.
        fake.registries.lock().unwrap()[0].registry_host_ip = "198.51.100.7".into();
        regs.lists.invalidate();
        assert_eq!(
            regs.read(s).await.new_state.attr("registry_host_ip"),
            &Value::from("198.51.100.7")
        );
    }

    /// The duplicate check compares host names as DNS does, and takes a field the list leaves
    /// out as matching.
    #[tokio::test]
    async fn the_duplicate_check_finds_a_registry_the_api_reports_normalised() {
        let (fake, regs) = setup();
        fake.realistic.store(true, Ordering::SeqCst);
        let vpc = planned_with(&[("net_type", Value::int(2)), ("vpc_id", "vpc-1".into())]);
        assert!(regs.create(&vpc, &vpc).await.diagnostics.is_empty());
        fake.registries.lock().unwrap()[0].vpc_id = None;
        let again = planned_with(&[
            ("domain_name", "Harbor.Example.COM.".into()),
            ("net_type", Value::int(2)),
            ("vpc_id", "vpc-1".into()),
        ]);
        let r = regs.create(&again, &again).await;
        assert_eq!(
            r.diagnostics.0.first().map(|d| d.summary.as_str()),
            Some("Registry already exists"),
            "{:?}",
            r.diagnostics
        );
        assert_eq!(fake.registries.lock().unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_read_after_create_waits_for_the_new_registry() {
        let (fake, regs) = setup();
        fake.stale_after_add.store(2, Ordering::SeqCst);
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(r.new_state.attr("id"), &Value::from("1"));
        assert_eq!(
            fake.lists.load(Ordering::SeqCst),
            4,
            "one check, two stale reads, one hit"
        );
    }

    #[tokio::test]
    async fn a_stop_after_the_add_still_records_the_registry_untainted() {
        let (fake, regs) = setup();
        fake.stop_after_add.store(true, Ordering::SeqCst);
        let r = regs.create(&planned(), &planned()).await;
        assert_eq!(r.new_state.attr("id"), &Value::from("1"));
        assert_eq!(r.new_state.attr("password"), &Value::from("s3cret"));
        assert_eq!(r.new_state.attr("token"), &Value::Null);
        assert!(
            !r.diagnostics.has_errors(),
            "an error would taint a healthy registry: {:?}",
            r.diagnostics
        );
        assert!(!r.diagnostics.is_empty(), "the skipped read is explained");
    }

    #[test]
    fn an_api_rejection_points_at_the_attribute_it_names() {
        let f = ApiFailure {
            message: "AddPrivateRegistry: InvalidParameter: The parameter \"RegistryRegionId\" is invalid (RequestId: R-1)".into(),
            kind: FailureKind::Other,
        };
        let d = &failed("Failed to create registry", &f).0[0];
        assert_eq!(d.attribute, Some(AttributePath::attr("registry_region_id")));
        assert!(d
            .detail
            .contains("`RegistryRegionId` is set from `registry_region_id`"));
        let secret = ApiFailure {
            message: "InvalidParameter: The parameter \"Password\" is invalid".into(),
            kind: FailureKind::Other,
        };
        assert_eq!(
            failed("x", &secret).0[0].attribute,
            None,
            "a secret's line is never shown"
        );
        for vague in [
            "Throttling: Request was denied due to request throttling",
            "Supported ports: see Port and DomainName",
        ] {
            let f = ApiFailure {
                message: vague.into(),
                kind: FailureKind::Other,
            };
            assert_eq!(failed("x", &f).0[0].attribute, None, "{vague}");
        }
    }

    #[tokio::test]
    async fn a_replacement_right_after_its_delete_is_not_a_duplicate() {
        let (fake, regs) = setup();
        let first = regs.create(&planned(), &planned()).await.new_state;
        // Another create lists in between, so a list showing `first` is recent.
        let mut other = planned();
        other.set_attr("domain_name", Value::from("other.example.com"));
        assert!(regs.create(&other, &other).await.diagnostics.is_empty());
        assert!(regs.delete(&first).await.diagnostics.is_empty());
        let again = regs.create(&planned(), &planned()).await;
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        assert_eq!(fake.registries.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn creates_in_a_row_share_the_duplicate_check_list() {
        let (fake, regs) = setup();
        for i in 0..5 {
            let mut p = planned();
            p.set_attr("domain_name", Value::from(format!("r{i}.example.com")));
            assert!(regs.create(&p, &p).await.diagnostics.is_empty());
        }
        assert_eq!(
            fake.lists.load(Ordering::SeqCst),
            6,
            "one duplicate check, then one read-back each"
        );
    }

    #[tokio::test]
    async fn a_lost_response_is_adopted_not_duplicated() {
        let (fake, regs) = setup();
        fake.lose_responses.store(1, Ordering::SeqCst);
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(
            fake.registries.lock().unwrap().len(),
            1,
            "exactly one registry"
        );
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1, "no blind retry");
        assert_eq!(r.new_state.attr("id"), &Value::from("1"));
    }

    #[tokio::test]
    async fn a_reset_before_acting_is_retried() {
        let (fake, regs) = setup();
        fake.resets.store(2, Ordering::SeqCst);
        let r = regs.create(&planned(), &planned()).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(fake.registries.lock().unwrap().len(), 1);
        assert_eq!(fake.adds.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn an_existing_registry_is_reported_with_the_import_command() {
        let (fake, regs) = setup();
        regs.create(&planned(), &planned()).await;
        let r = regs.create(&planned(), &planned()).await;
        let d = &r.diagnostics.0[0];
        assert_eq!(d.summary, "Registry already exists");
        assert!(
            d.detail
                .contains("terraform import alicloud_sas_private_registry.<name> 1"),
            "{}",
            d.detail
        );
        assert_eq!(fake.registries.lock().unwrap().len(), 1);
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
        assert_eq!(fake.registries.lock().unwrap().len(), 2);
    }

    /// A quay registry replaced only for new tokens differs only in them: the tokens are
    /// compared (the fake's registry holds `t`).
    #[tokio::test]
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
        assert!(regs
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
        assert_eq!(fake.registries.lock().unwrap().len(), 2);
    }

    /// `planned()` with other attributes.
    fn planned_with(attrs: &[(&str, Value)]) -> Value {
        super::super::fixtures::with(planned(), attrs)
    }

    /// Starts `regs.create` of each planned value at once.
    fn create_together(
        regs: &Arc<Registries<Arc<Fake>>>,
        planned: Vec<Value>,
    ) -> Vec<tokio::task::JoinHandle<ApplyResponse>> {
        planned
            .into_iter()
            .map(|p| {
                let regs = regs.clone();
                tokio::spawn(async move { regs.create(&p, &p).await })
            })
            .collect()
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
        assert_eq!(fake.registries.lock().unwrap().len(), 1);
        let (made, refused): (Vec<_>, Vec<_>) =
            results.iter().partition(|r| r.diagnostics.is_empty());
        assert_eq!((made.len(), refused.len()), (1, 1), "{results:?}");
        assert_eq!(made[0].new_state.attr("id"), &Value::from("1"));
        let d = &refused[0].diagnostics.0[0];
        assert_eq!(d.summary, "Registry already exists");
        assert!(
            d.detail
                .contains("terraform import alicloud_sas_private_registry.<name> 1"),
            "{}",
            d.detail
        );
        assert_eq!(refused[0].new_state, Value::Null, "nothing to record");
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
        assert_eq!(fake.registries.lock().unwrap().len(), 2);
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
        assert_eq!(
            fake.lists.load(Ordering::SeqCst),
            2,
            "one duplicate check and one read-back, each shared"
        );
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
        assert_eq!(r.new_state.attr("id"), &Value::from("1"));
        assert!(!r.diagnostics.has_errors(), "{:?}", r.diagnostics);
        assert_eq!(fake.adds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn reads_share_one_list_and_gone_means_null() {
        let (fake, regs) = setup();
        let regs = Arc::new(regs);
        let created = regs.create(&planned(), &planned()).await.new_state;
        regs.lists.invalidate();
        let before = fake.lists.load(Ordering::SeqCst);
        let mut reads = tokio::task::JoinSet::new();
        for _ in 0..50 {
            let (regs, state) = (regs.clone(), created.clone());
            reads.spawn(async move { regs.read(&state).await.new_state });
        }
        while let Some(read) = reads.join_next().await {
            assert_eq!(read.unwrap(), created);
        }
        assert_eq!(
            fake.lists.load(Ordering::SeqCst) - before,
            1,
            "50 reads, one list call"
        );
        fake.registries.lock().unwrap().clear();
        regs.lists.invalidate();
        assert_eq!(regs.read(&created).await.new_state, Value::Null);
    }

    #[tokio::test]
    async fn delete_of_a_missing_registry_succeeds() {
        let (_fake, regs) = setup();
        let mut state = planned();
        state.set_attr("id", "99".into());
        let r = regs.delete(&state).await;
        assert!(r.diagnostics.is_empty());
        assert_eq!(r.new_state, Value::Null);
    }

    #[tokio::test]
    async fn import_fills_quay_extra_param_and_leaves_password_null() {
        let (fake, regs) = setup();
        let mut quay = planned();
        quay.set_attr("registry_type", "quay".into());
        quay.set_attr(
            "extra_param",
            r#"[{"namespace":"team","authToken":"t"}]"#.into(),
        );
        regs.create(&quay, &quay).await;
        let empty = super::super::schema::schema().block.empty_value();
        let r = regs.import("1", empty.clone()).await;
        let s = &r.imported[0].state;
        assert_eq!(s.attr("password"), &Value::Null);
        assert!(tfplugin::framework::plan::json_equivalent(
            s.attr("extra_param").as_str().unwrap(),
            r#"[{"namespace":"team","authToken":"t"}]"#
        ));
        assert!(regs
            .import("nope", empty.clone())
            .await
            .diagnostics
            .has_errors());
        assert!(regs.import("42", empty).await.diagnostics.has_errors());
        assert_eq!(fake.registries.lock().unwrap().len(), 1);
    }
}
