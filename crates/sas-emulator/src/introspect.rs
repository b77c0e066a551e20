//! What tests can see and do behind the API's back, under `/_emulator/` (unsigned, loopback
//! peers only, never subject to faults or holds):
//!
//! Each endpoint is listed once, in [`ENDPOINTS`], which `--help` prints and [`handle`] serves
//! from: a path not listed there is not served.
//!
//! Every API request is logged when it arrives (its body read), with `outcome: "Pending"`; the
//! entry is completed in place when it is answered (`outcome`, `http_status`, `duration_ms`
//! from arrival). A request whose client went away before it was answered ends as
//! `"Abandoned"`. A held request shows `hold: "held"`, then `"released"` or `"timed out"` (or
//! stays `"held"` with outcome `"Abandoned"` if its client went away while it was held).
//!
//! The request log is bounded (oldest entries dropped first) so long benchmarks cannot grow the
//! emulator without limit.

use super::auth::Authenticator;
use super::clock::Clock;
use super::faults::{FaultConfig, Faults};
use super::holds::{HoldSpec, Holds, ReleaseSpec};
use super::ids;
use super::oidc::{self, Issuer, TokenRequest};
use super::realism::{Realism, RealismConfig};
use super::record::{ExtraRecord, RegistryRecord};
use super::secret::secret_hash;
use super::shared::Shared;
use super::store::Store;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, VecDeque};

/// Entries kept in the request log.
const LOG_CAPACITY: usize = 10_000;

/// The outcome of a request that has arrived and not been answered yet.
pub const PENDING: &str = "Pending";
/// The outcome of a request whose client went away before it was answered; it never acted
/// unless its outcome said so before.
pub const ABANDONED: &str = "Abandoned";

/// Parameter names whose values are secrets (compared case-insensitively).
const SECRET_PARAMS: &[&str] = &[
    "password",
    "extraparam",
    "securitytoken",
    "accesskeysecret",
    "authtoken",
    "oidctoken",
];

/// Whether a parameter's value must be hashed before it is shown anywhere.
pub fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s))
}

/// One API request as logged.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Position in the log since start (survives clearing), in order of arrival.
    pub seq: u64,
    /// RFC 3339 server time of arrival (the request's body read).
    pub time: String,
    /// HTTP method.
    pub method: String,
    /// `V3`, `V2`, or null when unsigned.
    pub signature: Option<String>,
    /// Claimed access key id.
    pub access_key_id: Option<String>,
    /// Action, if given.
    pub action: Option<String>,
    /// Version, if given.
    pub version: Option<String>,
    /// Query and form parameters, secrets replaced by [`secret_hash`].
    pub params: BTreeMap<String, String>,
    /// Where each of `params` came from: `query`, `form`, or `query+form` when both carried it
    /// (`tests/sdk_conformance.rs` compares this with the official SDK's placement).
    pub locations: BTreeMap<String, String>,
    /// `Success`, the error code, or `Fault.Reset` / `Fault.LostResponse(<outcome>)`; while in
    /// flight [`PENDING`], and [`ABANDONED`] if the client went away first.
    pub outcome: String,
    /// HTTP status sent, null when the connection was dropped instead (or not answered yet).
    pub http_status: Option<u16>,
    /// The request id (in the response, if one was sent).
    pub request_id: String,
    /// Null unless a hold rule took the request: `held` while it waits, then `released` or
    /// `timed out`.
    pub hold: Option<String>,
    /// Milliseconds from arrival to the outcome (hold and latency included); null while pending.
    pub duration_ms: Option<u64>,
}

/// Builds the logged parameter map, hashing secrets.
pub fn loggable_params<'a>(
    params: impl Iterator<Item = (&'a str, &'a str)>,
) -> BTreeMap<String, String> {
    params
        .map(|(k, v)| {
            let shown = if is_secret_param(k) {
                secret_hash(v)
            } else {
                v.to_string()
            };
            (k.to_string(), shown)
        })
        .collect()
}

/// Where each parameter arrived, for [`LogEntry::locations`].
pub fn param_locations<'a>(
    query: impl Iterator<Item = &'a str>,
    form: impl Iterator<Item = &'a str>,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (names, place) in [
        (query.collect::<Vec<_>>(), "query"),
        (form.collect::<Vec<_>>(), "form"),
    ] {
        for name in names {
            let entry = out.entry(name.to_string()).or_default();
            if entry.is_empty() {
                entry.push_str(place);
            } else if !entry.split('+').any(|p| p == place) {
                entry.push('+');
                entry.push_str(place);
            }
        }
    }
    out
}

#[derive(Default)]
struct LogState {
    next_seq: u64,
    entries: VecDeque<LogEntry>,
}

/// The bounded request log.
#[derive(Default)]
pub struct RequestLog {
    state: Shared<LogState>,
}

impl RequestLog {
    /// Appends an entry (its `seq` is assigned here, and returned).
    pub fn push(&self, mut entry: LogEntry) -> u64 {
        let mut st = self.state.lock();
        let seq = st.next_seq;
        entry.seq = seq;
        st.next_seq += 1;
        if st.entries.len() >= LOG_CAPACITY {
            st.entries.pop_front();
        }
        st.entries.push_back(entry);
        seq
    }

    /// Changes entry `seq` in place; does nothing if it has been dropped or cleared since.
    pub fn update(&self, seq: u64, change: impl FnOnce(&mut LogEntry)) {
        let mut st = self.state.lock();
        // Entries are in seq order without gaps: clearing empties the log, and dropping takes
        // the oldest.
        let Some(first) = st.entries.front().map(|e| e.seq) else {
            return;
        };
        let Some(index) = seq.checked_sub(first).and_then(|i| usize::try_from(i).ok()) else {
            return;
        };
        if let Some(e) = st.entries.get_mut(index) {
            debug_assert_eq!(e.seq, seq);
            change(e);
        }
    }

    /// A copy of the log.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.state.lock().entries.iter().cloned().collect()
    }

    /// Empties the log.
    pub fn clear(&self) {
        self.state.lock().entries.clear();
    }
}

/// A registry as introspection shows it: every field, secrets hashed.
pub fn registry_view(r: &RegistryRecord) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Some(extras) = v.get_mut("Extras").and_then(Value::as_array_mut) {
        for e in extras {
            if let Some(tok) = e.get("AuthToken").and_then(Value::as_str).map(secret_hash) {
                e["AuthToken"] = Value::from(tok);
            }
        }
    }
    v
}

/// What an introspection request needs.
pub struct IntrospectContext<'a> {
    /// Registries.
    pub store: &'a Store,
    /// Fault settings.
    pub faults: &'a Faults,
    /// Request log.
    pub log: &'a RequestLog,
    /// Hold rules and held requests.
    pub holds: &'a Holds,
    /// Realism switches.
    pub realism: &'a Realism,
    /// Issued temporary keys.
    pub auth: &'a Authenticator,
    /// The emulator's clock, which tests move forward.
    pub clock: &'a Clock,
    /// The OIDC issuer, which mints tokens for tests.
    pub issuer: &'a Issuer,
    /// The emulated account id.
    pub ali_uid: i64,
}

/// One introspection endpoint: its method, its path under `/_emulator/` (`{id}` stands for a
/// registry id) and what it does, as `--help` says it.
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub about: &'static str,
}

const fn endpoint(method: &'static str, path: &'static str, about: &'static str) -> Endpoint {
    Endpoint {
        method,
        path,
        about,
    }
}

/// Every introspection endpoint (loopback peers only, unsigned, never subject to faults or
/// holds).
pub const ENDPOINTS: &[Endpoint] = &[
    endpoint("GET", "health", "liveness"),
    endpoint("GET", "requests", "the request log, secrets hashed"),
    endpoint("DELETE", "requests", "clears the request log"),
    endpoint("GET", "registries", "every record in full, password and authTokens hashed"),
    endpoint("POST", "registries/{id}/modify", "out-of-band change (drift): the record's field names (DomainName, Password, Port (null unsets), ExtraParam [{namespace, authToken}], ...)"),
    endpoint("DELETE", "registries/{id}", "out-of-band delete"),
    endpoint("GET", "faults", "the fault settings"),
    endpoint("POST", "faults", "replaces them: throttle_rate, unavailable_rate, reset_rate, lose_response_rate, latency_ms, action_latency_ms {\"ACTION\": N}, seed, deny_actions (latencies at most 600000 ms); counted, not drawn: lose_response_every {\"ACTION\": N} (every Nth request acts and loses its answer), appear_after_lists, stale_lists_after_modify, stale_lists_after_delete (list answers a change lags, at most 1000); a field left out is reset"),
    endpoint("GET", "realism", "the realism switches"),
    endpoint("POST", "realism", "replaces them: mask_user_name, lowercase_domain, omit_unset, default_trans_per_hour (booleans), appear_after_ms; a field left out is off"),
    endpoint("POST", "hold", "holds the next matching API requests on arrival: {\"action\": A, \"count\": 1, \"skip\": 0, \"timeout_ms\": 120000}, all but action optional; answers the rule with its id"),
    endpoint("DELETE", "hold", "drops the hold rules not used up"),
    endpoint("GET", "held", "the held requests and the rules: {\"held\": [...], \"rules\": [...]}"),
    endpoint("POST", "release", "releases held requests: {} (or no body) all, {\"seq\": N} one, {\"action\": A} an action's; answers {\"released\": [seq, ...]}"),
    endpoint("GET", "temporary-credentials", "the temporary keys issued and still valid, in full"),
    endpoint("GET", "clock", "the emulator's clock: {\"offset_seconds\", \"now\"}"),
    endpoint("POST", "clock", "moves the clock forward: {\"advance_seconds\": N}"),
    endpoint("GET", "oidc", "the OIDC provider: {\"provider_arn\", \"issuer\", \"audience\"}"),
    endpoint("POST", "oidc/token", "mints a token signed by the issuer: {\"subject\", \"audience\", \"expires_in\", \"issuer\"}, all optional; answers {\"token\": JWT}"),
];

impl Endpoint {
    fn matches(&self, method: &str, segments: &[&str]) -> bool {
        let pattern: Vec<&str> = self.path.split('/').collect();
        self.method == method
            && pattern.len() == segments.len()
            && pattern
                .iter()
                .zip(segments)
                .all(|(p, s)| *p == "{id}" || p == s)
    }
}

/// `--help`'s list of the endpoints.
pub fn endpoints_help() -> String {
    ENDPOINTS
        .iter()
        .map(|e| {
            format!(
                "    {} /_emulator/{}\n        {}\n",
                e.method, e.path, e.about
            )
        })
        .collect()
}

/// Answers one `/_emulator/...` request with (status, JSON body).
pub fn handle(method: &str, path: &str, body: &[u8], ctx: &IntrospectContext<'_>) -> (u16, Value) {
    let segments: Vec<&str> = path
        .trim_start_matches("/_emulator/")
        .trim_end_matches('/')
        .split('/')
        .collect();
    if !ENDPOINTS.iter().any(|e| e.matches(method, &segments)) {
        return unlisted(method, path);
    }
    match (method, segments.as_slice()) {
        ("GET", ["health"]) => (200, json!({"status": "ok"})),
        ("GET", ["requests"]) => (200, json!(ctx.log.entries())),
        ("DELETE", ["requests"]) => {
            ctx.log.clear();
            (200, json!({"cleared": true}))
        }
        ("GET", ["registries"]) => {
            let all: Vec<Value> = ctx
                .store
                .read(|d| d.registries.iter().map(registry_view).collect());
            let next_id = ctx.store.read(|d| d.next_id);
            (200, json!({"NextId": next_id, "Registries": all}))
        }
        ("DELETE", ["registries", id]) => match id.parse::<i64>() {
            Err(_) => error(400, "registry id must be an integer"),
            Ok(id) => match ctx.store.mutate(|d| Ok::<_, ()>(d.remove(id))) {
                Ok(Ok(true)) => (200, json!({"deleted": id})),
                Ok(_) => error(404, &format!("no registry {id}")),
                Err(e) => error(500, &e.to_string()),
            },
        },
        ("POST", ["registries", id, "modify"]) => match id.parse::<i64>() {
            Err(_) => error(400, "registry id must be an integer"),
            Ok(id) => modify(id, body, ctx),
        },
        ("GET", ["faults"]) => (200, json!(ctx.faults.current())),
        ("POST", ["faults"]) => settings::<FaultConfig>(body, "fault", |c| ctx.faults.set(c)),
        ("GET", ["realism"]) => (200, json!(ctx.realism.current())),
        ("POST", ["realism"]) => settings::<RealismConfig>(body, "realism", |c| ctx.realism.set(c)),
        ("POST", ["hold"]) => match serde_json::from_slice::<HoldSpec>(body) {
            Err(e) => error(400, &format!("bad hold rule: {e}")),
            Ok(spec) => match ctx.holds.add(spec) {
                Ok(rule) => (200, json!(rule)),
                Err(e) => error(400, &e),
            },
        },
        ("DELETE", ["hold"]) => (200, json!({"cancelled": ctx.holds.cancel_rules()})),
        ("GET", ["held"]) => (200, json!(ctx.holds.view())),
        ("POST", ["release"]) => {
            let spec = if body.iter().all(u8::is_ascii_whitespace) {
                Ok(ReleaseSpec::default())
            } else {
                serde_json::from_slice::<ReleaseSpec>(body)
            };
            match spec {
                Err(e) => error(400, &format!("bad release: {e}")),
                Ok(spec) => match ctx.holds.release(&spec) {
                    Ok(seqs) => (200, json!({"released": seqs})),
                    Err(e) => error(404, &e),
                },
            }
        }
        ("GET", ["temporary-credentials"]) => (
            200,
            json!(ctx
                .auth
                .issued(ctx.clock.now())
                .iter()
                .map(|c| c.answer())
                .collect::<Vec<_>>()),
        ),
        ("GET", ["clock"]) => (200, clock_view(ctx.clock)),
        ("POST", ["clock"]) => match serde_json::from_slice::<ClockStep>(body) {
            Err(e) => error(400, &format!("bad clock step: {e}")),
            Ok(step) => match ctx.clock.advance(step.advance_seconds) {
                Ok(_) => (200, clock_view(ctx.clock)),
                Err(e) => error(400, &e),
            },
        },
        ("GET", ["oidc"]) => (
            200,
            json!({
                "provider_arn": oidc::provider_arn(ctx.ali_uid),
                "issuer": ctx.issuer.url(),
                "audience": oidc::DEFAULT_AUDIENCE,
            }),
        ),
        ("POST", ["oidc", "token"]) => match serde_json::from_slice::<TokenRequest>(body) {
            Err(e) => error(400, &format!("bad token request: {e}")),
            Ok(req) => match ctx.issuer.mint(&req, ctx.clock.now()) {
                Ok(token) => (200, json!({"token": token})),
                Err(e) => error(500, &e),
            },
        },
        _ => unlisted(method, path),
    }
}

fn unlisted(method: &str, path: &str) -> (u16, Value) {
    error(404, &format!("no introspection endpoint {method} {path}"))
}

/// `POST /_emulator/clock`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockStep {
    advance_seconds: i64,
}

fn clock_view(clock: &Clock) -> Value {
    json!({
        "offset_seconds": clock.offset(),
        "now": ids::format_rfc3339(clock.now()),
    })
}

/// A `POST` of settings: refused whole, leaving the old ones, when the body does not parse or
/// `set` rejects it; otherwise the settings now in force.
fn settings<C: serde::de::DeserializeOwned + Serialize>(
    body: &[u8],
    what: &str,
    set: impl FnOnce(C) -> Result<C, String>,
) -> (u16, Value) {
    match serde_json::from_slice::<C>(body).map_err(|e| format!("bad {what} settings: {e}")) {
        Ok(config) => match set(config) {
            Ok(now) => (200, json!(now)),
            Err(e) => error(400, &e),
        },
        Err(e) => error(400, &e),
    }
}

fn error(status: u16, message: &str) -> (u16, Value) {
    (status, json!({"error": message}))
}

fn modify(id: i64, body: &[u8], ctx: &IntrospectContext<'_>) -> (u16, Value) {
    let patch: Map<String, Value> = match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => m,
        _ => return error(400, "body must be a JSON object of fields to change"),
    };
    let now = ids::format_gmt(ctx.clock.now());
    let result = ctx.store.mutate(|d| {
        let next_extra = d.next_extra_id;
        let r = d.get_mut(id).ok_or((404, format!("no registry {id}")))?;
        let used = apply_patch(r, &patch, next_extra).map_err(|e| (400, e))?;
        r.gmt_modified = now;
        let view = registry_view(r);
        d.next_extra_id += used;
        Ok::<_, (u16, String)>(view)
    });
    match result {
        Ok(Ok(view)) => (200, view),
        Ok(Err((status, msg))) => error(status, &msg),
        Err(e) => error(500, &e.to_string()),
    }
}

/// Applies an out-of-band patch; returns how many extra ids it consumed.
fn apply_patch(
    r: &mut RegistryRecord,
    patch: &Map<String, Value>,
    next_extra: i64,
) -> Result<i64, String> {
    r.patch(patch)?;
    let Some(v) = patch.get("ExtraParam") else {
        return Ok(0);
    };
    let items = v.as_array().ok_or("ExtraParam must be an array")?;
    let mut extras = Vec::with_capacity(items.len());
    for (item, id) in items.iter().zip(next_extra..) {
        let field = |f: &str| {
            item.get(f)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("ExtraParam items need a string {f:?}"))
        };
        extras.push(ExtraRecord {
            id,
            namespace: field("namespace")?,
            auth_token: field("authToken")?,
        });
    }
    r.extras = extras;
    Ok(i64::try_from(items.len()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_hashed_in_logged_params() {
        let p = loggable_params(
            [
                ("Password", "pw"),
                ("UserName", "u"),
                ("ExtraParam", "[..]"),
                ("securitytoken", "t"),
            ]
            .into_iter(),
        );
        assert_eq!(p["Password"], secret_hash("pw"));
        assert_eq!(p["UserName"], "u");
        assert_eq!(p["ExtraParam"], secret_hash("[..]"));
        assert_eq!(p["securitytoken"], secret_hash("t"));
    }

    #[test]
    fn locations_name_query_form_or_both() {
        let l = param_locations(
            ["Action", "Port", "Id"].into_iter(),
            ["Id", "Password"].into_iter(),
        );
        assert_eq!(l["Action"], "query");
        assert_eq!(l["Port"], "query");
        assert_eq!(l["Password"], "form");
        assert_eq!(l["Id"], "query+form");
    }

    #[test]
    fn log_is_bounded() {
        let log = RequestLog::default();
        for _ in 0..(LOG_CAPACITY + 5) {
            log.push(LogEntry {
                seq: 0,
                time: String::new(),
                method: "POST".into(),
                signature: None,
                access_key_id: None,
                action: None,
                version: None,
                params: BTreeMap::new(),
                locations: BTreeMap::new(),
                outcome: "Success".into(),
                http_status: Some(200),
                request_id: String::new(),
                hold: None,
                duration_ms: None,
            });
        }
        let e = log.entries();
        assert_eq!(e.len(), LOG_CAPACITY);
        assert_eq!(e[0].seq, 5);
    }

    fn pending(action: &str) -> LogEntry {
        LogEntry {
            seq: 0,
            time: String::new(),
            method: "POST".into(),
            signature: None,
            access_key_id: None,
            action: Some(action.into()),
            version: None,
            params: BTreeMap::new(),
            locations: BTreeMap::new(),
            outcome: PENDING.into(),
            http_status: None,
            request_id: String::new(),
            hold: None,
            duration_ms: None,
        }
    }

    #[test]
    fn entries_are_completed_in_place_by_seq() {
        let log = RequestLog::default();
        let a = log.push(pending("A"));
        let b = log.push(pending("B"));
        assert_eq!((a, b), (0, 1));
        log.update(b, |e| e.outcome = "Success".into());
        let e = log.entries();
        assert_eq!(
            (e[0].outcome.as_str(), e[1].outcome.as_str()),
            (PENDING, "Success")
        );
        // After clearing (or dropping), updates of old entries change nothing.
        log.clear();
        let c = log.push(pending("C"));
        assert_eq!(c, 2);
        log.update(a, |e| e.outcome = "wrong".into());
        log.update(99, |e| e.outcome = "wrong".into());
        log.update(c, |e| e.http_status = Some(200));
        let e = log.entries();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].seq, e[0].outcome.as_str()), (2, PENDING));
        assert_eq!(e[0].http_status, Some(200));
    }

    #[test]
    fn dropped_entries_are_not_updated() {
        let log = RequestLog::default();
        let first = log.push(pending("A"));
        for _ in 0..LOG_CAPACITY {
            log.push(pending("B"));
        }
        log.update(first, |e| e.outcome = "wrong".into());
        log.update(first + 1, |e| e.outcome = "Success".into());
        let e = log.entries();
        assert!(e.iter().all(|e| e.outcome != "wrong"));
        assert_eq!((e[0].seq, e[0].outcome.as_str()), (1, "Success"));
    }
}
