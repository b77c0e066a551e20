//! The emulator as its own tests reach it: started in process, called with its default key,
//! and its unsigned endpoints (introspection, the metadata service) answered.
#![allow(dead_code)]

use http::Method;
use sas_emulator::probe::{self, Credentials, ProbeResponse};
use sas_emulator::{Emulator, EmulatorConfig, RunningEmulator};
use std::net::SocketAddr;

pub fn start(config: EmulatorConfig) -> RunningEmulator {
    Emulator::start(config).expect("emulator starts")
}

/// The key an emulator accepts unless told otherwise.
pub fn creds() -> Credentials {
    Credentials::emulator_default()
}

/// An unsigned `method path` with `body`, which must be answered.
pub async fn introspect(addr: SocketAddr, method: Method, path: &str, body: &str) -> ProbeResponse {
    let asked = format!("{method} {path}");
    probe::plain(addr, method, path, body)
        .await
        .unwrap_or_else(|e| panic!("{asked}: no answer: {e}"))
}

/// An unsigned `GET path`, which must be answered.
pub async fn unsigned_get(addr: SocketAddr, path: &str) -> ProbeResponse {
    introspect(addr, Method::GET, path, "").await
}

/// An unsigned `POST path` with `body`, which must be answered.
pub async fn post(addr: SocketAddr, path: &str, body: &str) -> ProbeResponse {
    introspect(addr, Method::POST, path, body).await
}

/// The JSON of an unsigned request's answer, which must be 200.
pub async fn answered(
    addr: SocketAddr,
    method: Method,
    path: &str,
    body: &str,
) -> serde_json::Value {
    let asked = format!("{method} {path} {body}");
    let r = introspect(addr, method, path, body).await;
    assert_eq!(r.status, 200, "{asked}: {}", r.text);
    r.json
}

/// `POST /_emulator/faults` of `settings`, which must be taken: the settings now in force.
pub async fn set_faults(addr: SocketAddr, settings: &str) -> serde_json::Value {
    answered(addr, Method::POST, "/_emulator/faults", settings).await
}
