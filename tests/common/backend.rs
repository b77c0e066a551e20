//! Where acceptance tests send API calls: the local `sas-emulator` (default), or the real
//! Security Center API when `TF_ACC=1` and Alibaba Cloud credentials are in the environment.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value as Json;

pub const EMULATOR_KEY_ID: &str = "LTAI-acceptance-test";
pub const EMULATOR_KEY_SECRET: &str = "acceptance-test-secret-value";

pub fn emulator_binary() -> &'static str {
    env!("CARGO_BIN_EXE_sas-emulator")
}

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
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("emulator prints its address");
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

    /// An out-of-band change, as someone using the console would make.
    pub fn modify(&self, id: &str, fields: Json) {
        self.send(
            reqwest::Method::POST,
            &format!("/_emulator/registries/{id}/modify"),
            Some(fields),
        );
    }

    /// An out-of-band delete.
    pub fn delete(&self, id: &str) {
        self.send(
            reqwest::Method::DELETE,
            &format!("/_emulator/registries/{id}"),
            None,
        );
    }

    pub fn set_faults(&self, faults: Json) {
        self.send(reqwest::Method::POST, "/_emulator/faults", Some(faults));
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
