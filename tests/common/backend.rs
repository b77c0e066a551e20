//! Where acceptance tests send API calls: the local `sas-emulator` (default), or the real
//! Security Center API when `TF_ACC=1` and Alibaba Cloud credentials are in the environment
//! (`make testacc`). Both answer the same questions, so the same scenarios run against either.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value as Json;

pub const EMULATOR_KEY_ID: &str = "LTAI-acceptance-test";
pub const EMULATOR_KEY_SECRET: &str = "acceptance-test-secret-value";

pub use super::emulator_binary::emulator_binary;

/// A running `sas-emulator` process on a loopback port.
pub struct Emulator {
    child: Child,
    pub addr: String,
    http: reqwest::Client,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    pub fn start(extra_args: &[&str]) -> Self {
        let mut child = Command::new(emulator_binary())
            .args([
                "--listen",
                "127.0.0.1:0",
                "--access-key-id",
                EMULATOR_KEY_ID,
                "--access-key-secret",
                EMULATOR_KEY_SECRET,
            ])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sas-emulator starts");
        let line = super::plugin_client::first_stdout_line(&mut child, "the emulator's address");
        let addr = line
            .split_whitespace()
            .find(|w| w.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("no 127.0.0.1:PORT in {line:?}"))
            .to_string();
        // reqwest is built without a default crypto provider; plain HTTP still needs one set.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Self {
            child,
            addr,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn get_json(&self, path: &str) -> Json {
        block_on(async {
            let r = self
                .http
                .get(self.url(path))
                .send()
                .await
                .expect("emulator answers");
            assert!(r.status().is_success(), "GET {path}: {}", r.status());
            let body = r.bytes().await.expect("body");
            serde_json::from_slice(&body).expect("JSON")
        })
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Option<Json>) {
        block_on(async {
            let mut req = self.http.request(method.clone(), self.url(path));
            if let Some(b) = body {
                req = req
                    .header("content-type", "application/json")
                    .body(b.to_string());
            }
            let r = req.send().await.expect("emulator answers");
            assert!(r.status().is_success(), "{method} {path}: {}", r.status());
        })
    }

    /// Every registry the emulator holds, as its introspection endpoint reports them.
    pub fn registries(&self) -> Vec<Json> {
        list_of(self.get_json("/_emulator/registries"), "Registries")
    }

    /// The request log: one entry per API call, secrets hashed.
    pub fn requests(&self) -> Vec<Json> {
        list_of(self.get_json("/_emulator/requests"), "Requests")
    }

    pub fn clear_requests(&self) {
        self.send(reqwest::Method::DELETE, "/_emulator/requests", None);
    }

    pub fn count_actions(&self, action: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r["Action"] == action || r["action"] == action)
            .count()
    }

    /// An out-of-band change, as someone using the console would make: the console shows only
    /// what the lists show, so a registry added moments ago is changed once it is listed.
    pub fn modify(&self, id: &str, fields: Json) {
        self.wait_listed(id);
        self.send(
            reqwest::Method::POST,
            &format!("/_emulator/registries/{id}/modify"),
            Some(fields),
        );
    }

    /// An out-of-band delete, once the registry is listed (as for `modify`).
    pub fn delete(&self, id: &str) {
        self.wait_listed(id);
        self.send(
            reqwest::Method::DELETE,
            &format!("/_emulator/registries/{id}"),
            None,
        );
    }

    pub fn set_faults(&self, faults: Json) {
        self.send(reqwest::Method::POST, "/_emulator/faults", Some(faults));
    }

    /// Waits until `ListPrivateRegistryList` shows registry `id` (the emulator's realism may
    /// show a new one late), for a minute at most: the longest delay it accepts.
    fn wait_listed(&self, id: &str) {
        let client = self.api_client();
        let started = std::time::Instant::now();
        block_on(async {
            loop {
                let cx = alicloud::CallContext::with_timeout(
                    Duration::from_secs(10),
                    tokio_util::sync::CancellationToken::new(),
                );
                let listed = client
                    .list_private_registry_list(&Default::default(), &cx)
                    .await
                    .expect("ListPrivateRegistryList");
                if listed
                    .image_registry_infos
                    .iter()
                    .any(|r| r.id.to_string() == id)
                {
                    return;
                }
                assert!(
                    started.elapsed() < Duration::from_secs(61),
                    "registry {id} never listed"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }

    /// Registries added outside Terraform, as a script or the console would, through the
    /// signed API; their ids in order.
    #[allow(dead_code)]
    pub fn add_registries(&self, registries: &[alicloud::AddPrivateRegistryRequest]) -> Vec<i64> {
        let client = self.api_client();
        let cx = alicloud::CallContext::with_timeout(
            Duration::from_secs(60),
            tokio_util::sync::CancellationToken::new(),
        );
        block_on(async {
            let mut ids = Vec::new();
            for r in registries {
                let added = client.add_private_registry(r, &cx).await;
                ids.push(added.expect("AddPrivateRegistry").data.id);
            }
            ids
        })
    }

    /// A signed client of this emulator's API, as a script outside Terraform would use.
    fn api_client(&self) -> alicloud::SasClient {
        let env = self.provider_env();
        let mut config = alicloud::resolve(
            &alicloud::ProviderConfig {
                protocol: Some("HTTP".into()),
                ..Default::default()
            },
            &move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
        )
        .expect("a client for the emulator");
        config.retry = alicloud::RetryPolicy {
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
        };
        alicloud::SasClient::new(config)
    }

    /// Environment for Terraform (and so our provider) to talk to this emulator.
    pub fn provider_env(&self) -> Vec<(String, String)> {
        vec![
            ("ALIBABA_CLOUD_ENDPOINT_SAS".into(), self.addr.clone()),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID".into(), EMULATOR_KEY_ID.into()),
            (
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET".into(),
                EMULATOR_KEY_SECRET.into(),
            ),
            ("ALIBABA_CLOUD_REGION".into(), "cn-hangzhou".into()),
        ]
    }
}

/// The emulator answers either a bare array or an object holding one.
fn list_of(json: Json, key: &str) -> Vec<Json> {
    match json {
        Json::Array(items) => items,
        Json::Object(mut m) => match m.remove(key).or_else(|| m.remove(&key.to_lowercase())) {
            Some(Json::Array(items)) => items,
            other => panic!("expected a list under {key}: {other:?}"),
        },
        other => panic!("expected a list: {other}"),
    }
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// Test registries use `example.com` domains, which no real registry has: that is how the
/// sweeper and the cloud backend tell what a test made.
pub const TEST_DOMAIN_SUFFIX: &str = "example.com";

/// A run whose registries are still there this long after it started is over (crashed, or
/// killed before its sweep), and any later run's sweeper deletes them. Longer than any run.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(6 * 3600);

/// This acceptance run's id, `r<unix seconds>-<6 hex digits>`: `TF_ACC_RUN_ID` when set (so
/// `make testacc`'s scenarios and its sweeper, separate processes, share one), else made once
/// per process. Every test registry carries it in its domain name, so two runs on one account
/// neither collide nor sweep each other.
pub fn run_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        std::env::var("TF_ACC_RUN_ID")
            .ok()
            .filter(|id| parse_run_id(id).is_some())
            .unwrap_or_else(|| {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                format!("r{secs}-{:06x}", rand::random::<u32>() & 0xff_ffff)
            })
    })
}

/// When the run `id` started (seconds since the epoch), if `id` is a run id.
pub fn parse_run_id(id: &str) -> Option<u64> {
    let (secs, suffix) = id.strip_prefix('r')?.split_once('-')?;
    (suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| secs.parse().ok())
        .flatten()
}

/// `<name>.<run id>.example.com`: a test registry's domain name in this run.
pub fn test_domain(name: &str) -> String {
    format!("{name}.{}.{TEST_DOMAIN_SUFFIX}", run_id())
}

/// Whether a registry with `domain` is one the sweeper of run `own` deletes at time `now`:
/// its own, one of a run that started more than `ABANDONED_AFTER` ago, or a test domain with no
/// run id at all (from before run ids).
pub fn sweepable(domain: &str, own: &str, now: u64) -> bool {
    let Some(rest) = domain.strip_suffix(TEST_DOMAIN_SUFFIX) else {
        return false;
    };
    let labels: Vec<&str> = rest.trim_end_matches('.').split('.').collect();
    let runs: Vec<u64> = labels.iter().filter_map(|l| parse_run_id(l)).collect();
    if labels.contains(&own) {
        return true;
    }
    match runs.first() {
        Some(started) => now.saturating_sub(*started) > ABANDONED_AFTER.as_secs(),
        None => true,
    }
}

/// The real Security Center API, reached with the credentials in the environment.
pub struct Cloud {
    client: alicloud::sas::SasClient,
}

impl Cloud {
    pub fn from_env() -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let config = alicloud::ProviderConfig {
            protocol: env("TF_ACC_PROTOCOL"),
            ..Default::default()
        };
        let resolved = alicloud::resolve(&config, &env).unwrap_or_else(|e| {
            panic!("TF_ACC=1 needs a usable Alibaba Cloud configuration: {e:?}")
        });
        Self {
            client: alicloud::sas::SasClient::new(resolved),
        }
    }

    fn ctx() -> alicloud::context::CallContext {
        alicloud::context::CallContext::with_timeout(
            Duration::from_secs(120),
            tokio_util::sync::CancellationToken::new(),
        )
    }

    /// Registries this run made (by domain), in the emulator's JSON shape.
    pub fn registries(&self) -> Vec<Json> {
        self.all_test_registries()
            .into_iter()
            .filter(|r| {
                r["DomainName"]
                    .as_str()
                    .is_some_and(|d| d.contains(&format!(".{}.", run_id())))
            })
            .collect()
    }

    /// Registries any test run made (an `example.com` domain), in the emulator's JSON shape.
    pub fn all_test_registries(&self) -> Vec<Json> {
        use alicloud::sas::ListPrivateRegistryListRequest;
        let resp =
            block_on(self.client.list_private_registry_list(
                &ListPrivateRegistryListRequest::default(),
                &Self::ctx(),
            ))
            .unwrap_or_else(|e| panic!("listing registries: {e}"));
        resp.image_registry_infos
            .into_iter()
            .filter(|r| r.domain_name.as_deref().is_some_and(|d| d.ends_with(TEST_DOMAIN_SUFFIX)))
            .map(|r| {
                serde_json::json!({
                    "Id": r.id, "RegistryType": r.registry_type, "RegistryVersion": r.registry_version,
                    "RegistryHostIp": r.registry_host_ip, "DomainName": r.domain_name, "Port": r.port,
                    "TransPerHour": r.trans_per_hour, "RegionId": r.region_id, "VpcId": r.vpc_id,
                    "NetType": r.net_type, "ProtocolType": r.protocol_type, "UserName": r.user_name,
                })
            })
            .collect()
    }

    pub fn modify(&self, id: &str, fields: Json) {
        use alicloud::sas::ModifyImageRegistryRequest;
        let s = |k: &str| fields[k].as_str().map(str::to_string);
        let req = ModifyImageRegistryRequest {
            id: id.parse().expect("numeric id"),
            registry_host_ip: s("RegistryHostIp"),
            domain_name: s("DomainName"),
            user_name: s("UserName"),
            port: fields["Port"].as_i64(),
            trans_per_hour: fields["TransPerHour"].as_i64(),
            ..Default::default()
        };
        block_on(self.client.modify_image_registry(&req, &Self::ctx()))
            .unwrap_or_else(|e| panic!("modify: {e}"));
    }

    pub fn delete(&self, id: &str) {
        use alicloud::sas::DeletePrivateRegistryRequest;
        let req = DeletePrivateRegistryRequest {
            registry_id: id.parse().expect("numeric id"),
        };
        block_on(self.client.delete_private_registry(&req, &Self::ctx()))
            .unwrap_or_else(|e| panic!("delete: {e}"));
    }
}

/// The API a scenario runs against.
pub enum Backend {
    Emulator(Emulator),
    Cloud(Cloud),
}

impl Backend {
    /// The real API with `TF_ACC=1`, else a fresh emulator started with `emulator_args`.
    pub fn from_env(emulator_args: &[&str]) -> Self {
        if std::env::var("TF_ACC").as_deref() == Ok("1") {
            Backend::Cloud(Cloud::from_env())
        } else {
            Backend::Emulator(Emulator::start(emulator_args))
        }
    }

    pub fn registries(&self) -> Vec<Json> {
        match self {
            Backend::Emulator(e) => e.registries(),
            Backend::Cloud(c) => c.registries(),
        }
    }

    /// An out-of-band change, as someone using the console would make.
    pub fn modify(&self, id: &str, fields: Json) {
        match self {
            Backend::Emulator(e) => e.modify(id, fields),
            Backend::Cloud(c) => c.modify(id, fields),
        }
    }

    pub fn delete(&self, id: &str) {
        match self {
            Backend::Emulator(e) => e.delete(id),
            Backend::Cloud(c) => c.delete(id),
        }
    }

    /// Environment for Terraform; against the cloud, the caller's own environment carries it.
    pub fn provider_env(&self) -> Vec<(String, String)> {
        match self {
            Backend::Emulator(e) => e.provider_env(),
            Backend::Cloud(_) => std::env::vars()
                .filter(|(k, _)| k.starts_with("ALIBABA_CLOUD_") || k.starts_with("ALICLOUD_"))
                .collect(),
        }
    }

    /// Deletes the registries of this run and of runs that are over (see `sweepable`), never
    /// those of another run still going; returns how many.
    pub fn sweep(&self) -> usize {
        let candidates = match self {
            Backend::Emulator(e) => e.registries(),
            Backend::Cloud(c) => c.all_test_registries(),
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let leftovers: Vec<String> = candidates
            .iter()
            .filter(|r| {
                r["DomainName"]
                    .as_str()
                    .is_some_and(|d| sweepable(d, run_id(), now))
            })
            .map(|r| r["Id"].to_string())
            .collect();
        for id in &leftovers {
            self.delete(id);
        }
        leftovers.len()
    }

    /// The provider block's `protocol`: the emulator speaks HTTP.
    pub fn protocol(&self) -> String {
        match self {
            Backend::Emulator(_) => "HTTP".into(),
            Backend::Cloud(_) => {
                std::env::var("TF_ACC_PROTOCOL").unwrap_or_else(|_| "HTTPS".into())
            }
        }
    }
}
