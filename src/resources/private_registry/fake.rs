//! The unit tests' Security Center: an in-memory [`RegistryApi`] with scriptable failures
//! (lost responses, resets, lists that lag adds, modifies and deletes, latency, a stop after an
//! add, answers shaped as the real service may give them), and the configurations the tests
//! start from.

use std::collections::{HashMap, VecDeque};

use sas_emulator::lag::ListLag;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alicloud::{ApiError, TransportFailure};
use tfplugin::framework::Outcome;
use tfplugin::value::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::api::{
    AddPrivateRegistryRequest, Error, ModifyImageRegistryRequest, QuayNamespace, RegistryApi,
    RegistryInfo,
};
use super::Registries;

/// An in-memory Security Center with scriptable failures.
#[derive(Default)]
pub struct Fake {
    pub registries: Mutex<Vec<RegistryInfo>>,
    pub lists: AtomicUsize,
    pub adds: AtomicUsize,
    /// How the next adds fail, in order; an add with none left succeeds.
    pub add_fates: Mutex<VecDeque<AddFate>>,
    /// How far lists lag behind adds, modifies and deletes (eventual consistency), counted in
    /// lists as the emulator counts them.
    pub lag: ListLag<RegistryInfo>,
    /// The password each registry was given last (the API never returns it).
    pub passwords: Mutex<HashMap<i64, String>>,
    /// Terraform asked the provider to stop right after the next add.
    pub stop_after_add: std::sync::atomic::AtomicBool,
    /// StopProvider.
    pub stop: CancellationToken,
    /// How long each add takes to answer, after it committed.
    pub add_latency: Mutex<Duration>,
    pub adds_in_flight: AtomicUsize,
    /// The most adds in flight at once.
    pub most_adds_in_flight: AtomicUsize,
    /// Answers as the real service may: the user name masked, the domain lower-cased, an
    /// unset `TransPerHour` and `Port` left out.
    pub realistic: std::sync::atomic::AtomicBool,
}

/// How an add fails: either way the provider cannot tell whether it acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddFate {
    /// The connection dropped before the service acted.
    Reset,
    /// The service acted, and its answer was lost.
    Lost,
}

/// A create that failed after the request may have reached the server.
fn ambiguous() -> Error {
    Error::Ambiguous {
        action: "AddPrivateRegistry".into(),
        cause: Box::new(Error::Transport {
            action: "AddPrivateRegistry".into(),
            endpoint: "fake".into(),
            failure: TransportFailure::Interrupted,
            detail: "connection reset".into(),
        }),
    }
}

/// An API answer with `code`.
fn api_error(action: &str, code: &str) -> Error {
    Error::Api {
        action: action.into(),
        ram_action: format!("yundun-sas:{action}"),
        api: Box::new(ApiError {
            status: 400,
            code: code.into(),
            ..Default::default()
        }),
    }
}

impl Fake {
    /// Ids are never reused, as the service's are not.
    fn next_id(&self, regs: &[RegistryInfo]) -> i64 {
        regs.iter()
            .map(|r| r.id)
            .chain(self.lag.highest_stale_id())
            .max()
            .unwrap_or(0)
            + 1
    }

    /// The add's effect and answer, before the latency of the answer.
    fn commit(&self, req: &AddPrivateRegistryRequest) -> Result<RegistryInfo, Error> {
        let fate = self.add_fates.lock().unwrap().pop_front();
        if fate == Some(AddFate::Reset) {
            return Err(ambiguous());
        }
        let mut regs = self.registries.lock().unwrap();
        let id = self.next_id(&regs);
        self.lag.added(id);
        self.passwords
            .lock()
            .unwrap()
            .insert(id, req.password.expose().to_string());
        let realistic = self.realistic.load(Ordering::SeqCst);
        regs.push(RegistryInfo {
            id,
            registry_type: Some(req.registry_type.clone()),
            registry_version: Some(req.registry_version.clone()),
            protocol_type: Some(req.protocol_type),
            net_type: Some(req.net_type),
            vpc_id: req.vpc_id.clone(),
            registry_host_ip: Some(req.registry_host_ip.clone()),
            domain_name: Some(if realistic {
                req.domain_name.to_ascii_lowercase()
            } else {
                req.domain_name.clone()
            }),
            port: req.port.filter(|_| !realistic),
            user_name: Some(if realistic {
                "******".into()
            } else {
                req.user_name.clone()
            }),
            region_id: Some(req.registry_region_id.clone()),
            trans_per_hour: if realistic {
                req.trans_per_hour
            } else {
                Some(req.trans_per_hour.unwrap_or(20))
            },
            token: Some(format!("token-{id}")),
            ..Default::default()
        });
        if fate == Some(AddFate::Lost) {
            return Err(ambiguous());
        }
        if self.stop_after_add.load(Ordering::SeqCst) {
            self.stop.cancel();
        }
        // The answer leaves `Port` out, as the service's does.
        let mut answer = regs.last().cloned().unwrap_or_default();
        answer.port = None;
        Ok(answer)
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
    ) -> Result<RegistryInfo, Error> {
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

    async fn list(&self, kind: Option<&str>, _: Instant) -> Result<Vec<RegistryInfo>, Error> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        if self.stop.is_cancelled() {
            return Err(Error::Cancelled {
                action: "ListPrivateRegistryList".into(),
            });
        }
        let regs = self.registries.lock().unwrap().clone();
        Ok(self
            .lag
            .answer(&regs, |r| r.id)
            .unwrap_or(regs)
            .into_iter()
            .filter(|r| kind.is_none_or(|k| r.registry_type.as_deref() == Some(k)))
            .collect())
    }

    async fn quay_namespaces(&self, _: i64, _: Instant) -> Result<Vec<QuayNamespace>, Error> {
        Ok(vec![QuayNamespace {
            namespace: "team".into(),
            auth_token: "t".into(),
        }])
    }

    async fn modify(&self, c: &ModifyImageRegistryRequest, _: Instant) -> Result<(), Error> {
        let mut regs = self.registries.lock().unwrap();
        let r = regs
            .iter_mut()
            .find(|r| r.id == c.id)
            .ok_or(api_error("ModifyImageRegistry", "RegistryNotFound"))?;
        self.lag.modified(r.id, r.clone());
        // Every parameter the API can change, so a wrongly mapped one fails a test.
        let ModifyImageRegistryRequest {
            id,
            password,
            user_name,
            trans_per_hour,
            domain_name,
            port,
            registry_host_ip,
        } = c;
        if let Some(p) = password {
            self.passwords
                .lock()
                .unwrap()
                .insert(*id, p.expose().to_string());
        }
        if let Some(u) = user_name {
            r.user_name = Some(u.clone());
        }
        if let Some(t) = trans_per_hour {
            r.trans_per_hour = Some(*t);
        }
        if let Some(d) = domain_name {
            r.domain_name = Some(d.clone());
        }
        if let Some(p) = port {
            r.port = Some(*p);
        }
        if let Some(h) = registry_host_ip {
            r.registry_host_ip = Some(h.clone());
        }
        Ok(())
    }

    async fn delete(&self, id: i64, _: Instant) -> Result<(), Error> {
        let mut regs = self.registries.lock().unwrap();
        let Some(at) = regs.iter().position(|r| r.id == id) else {
            return Err(api_error("DeletePrivateRegistry", "RegistryNotFound"));
        };
        let gone = regs.remove(at);
        self.lag.deleted(id, gone);
        Ok(())
    }
}

/// A harbor registry as a list shows it: every field the provider reads, none masked.
pub fn listed() -> RegistryInfo {
    RegistryInfo {
        id: 7,
        registry_type: Some("harbor".into()),
        registry_version: Some("V2".into()),
        protocol_type: Some(2),
        net_type: Some(1),
        registry_host_ip: Some("192.0.2.10".into()),
        domain_name: Some("h.example.com".into()),
        port: Some(443),
        user_name: Some("admin".into()),
        region_id: Some("cn-hangzhou".into()),
        trans_per_hour: Some(10),
        token: Some("tok".into()),
        ..Default::default()
    }
}

/// A valid harbor configuration, every other attribute null.
pub fn harbor_config() -> Value {
    let mut v = super::schema::schema().block.empty_value();
    for (k, val) in [
        ("registry_type", Value::from("harbor")),
        ("registry_version", "V2".into()),
        ("protocol_type", Value::int(2)),
        ("net_type", Value::int(1)),
        ("registry_host_ip", "192.0.2.10".into()),
        ("domain_name", "harbor.example.com".into()),
        ("user_name", "admin".into()),
        ("password", "s3cret".into()),
        ("registry_region_id", "cn-hangzhou".into()),
    ] {
        v.set_attr(k, val);
    }
    v
}

/// `v` with the given attributes replaced.
pub fn with(mut v: Value, attrs: &[(&str, Value)]) -> Value {
    for (k, val) in attrs {
        v.set_attr(k, val.clone());
    }
    v
}

/// The harbor configuration as planned for a create: the computed values unknown.
pub fn planned() -> Value {
    let unknown = ["id", "token", "region_id", "trans_per_hour"].map(|k| (k, Value::Unknown));
    with(harbor_config(), &unknown)
}

/// `planned()` with other attributes.
pub fn planned_with(attrs: &[(&str, Value)]) -> Value {
    with(planned(), attrs)
}

impl Fake {
    /// How many registries there are.
    pub fn count(&self) -> usize {
        self.registries.lock().unwrap().len()
    }

    /// How many lists were asked for so far.
    pub fn list_calls(&self) -> usize {
        self.lists.load(Ordering::SeqCst)
    }
    /// The next adds fail so, in order.
    pub fn fail_adds(&self, fates: &[AddFate]) {
        self.add_fates.lock().unwrap().extend(fates);
    }
}

pub fn setup() -> (Arc<Fake>, Registries<Arc<Fake>>) {
    let fake = Arc::new(Fake::default());
    (fake.clone(), Registries::new(fake))
}

/// Starts `regs.create` of each planned value at once.
pub fn create_together(
    regs: &Arc<Registries<Arc<Fake>>>,
    planned: Vec<Value>,
) -> Vec<tokio::task::JoinHandle<Outcome>> {
    planned
        .into_iter()
        .map(|p| {
            let regs = regs.clone();
            tokio::spawn(async move { regs.create(&p, &p).await })
        })
        .collect()
}
