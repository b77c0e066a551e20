//! The emulator's hold controls (`/_emulator/hold`, `/_emulator/held`, `/_emulator/release`),
//! for tests that must act while a request is in flight: hold a request on arrival, see that it
//! has arrived, do something (interrupt the client, kill the provider), then let it go. Unlike a
//! latency window, this holds however slow the machine is.

use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use super::backend::{block_on, Emulator};

fn call(emulator: &Emulator, method: reqwest::Method, path: &str, body: Option<Json>) -> Json {
    let url = format!("http://{}{path}", emulator.addr);
    block_on(async {
        // A client per call: each `block_on` has a runtime of its own, and pooled connections
        // must not outlive theirs.
        let mut req = reqwest::Client::new().request(method.clone(), &url);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let r = req.send().await.expect("emulator answers");
        let status = r.status();
        let body = r.bytes().await.expect("body");
        let text = String::from_utf8_lossy(&body);
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).expect("JSON")
    })
}

fn get(emulator: &Emulator, path: &str) -> Json {
    call(emulator, reqwest::Method::GET, path, None)
}

fn post(emulator: &Emulator, path: &str, body: Json) -> Json {
    call(emulator, reqwest::Method::POST, path, Some(body))
}

/// Holds the requests of `action` after the first `skip`, `count` of them, on arrival; returns
/// the rule. Each held request waits for a release (or the emulator's two-minute timeout).
pub fn hold(emulator: &Emulator, action: &str, skip: u32, count: u32) -> Json {
    post(
        emulator,
        "/_emulator/hold",
        json!({"action": action, "skip": skip, "count": count}),
    )
}

/// The requests being held now, oldest first: `seq`, `action`, `request_id`, `held_ms`, ...
pub fn held(emulator: &Emulator) -> Vec<Json> {
    let v = get(emulator, "/_emulator/held");
    v["held"].as_array().cloned().unwrap_or_default()
}

/// The `seq`s of the held requests of `action`, oldest first.
pub fn held_of(emulator: &Emulator, action: &str) -> Vec<u64> {
    held(emulator)
        .iter()
        .filter(|h| h["action"] == action)
        .filter_map(|h| h["seq"].as_u64())
        .collect()
}

/// Waits (up to `timeout`) until `n` requests of `action` are held; returns their `seq`s.
pub fn wait_held(emulator: &Emulator, action: &str, n: usize, timeout: Duration) -> Vec<u64> {
    let started = Instant::now();
    loop {
        let seqs = held_of(emulator, action);
        if seqs.len() >= n {
            return seqs;
        }
        assert!(
            started.elapsed() < timeout,
            "{n} {action} never held within {timeout:?}: {:?}",
            held(emulator)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Lets the held request `seq` go (it must be held).
pub fn release(emulator: &Emulator, seq: u64) {
    post(emulator, "/_emulator/release", json!({ "seq": seq }));
}

/// Lets every held request go; returns their `seq`s.
pub fn release_all(emulator: &Emulator) -> Vec<u64> {
    let v = post(emulator, "/_emulator/release", json!({}));
    v["released"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_u64)
        .collect()
}

/// Drops every hold rule not used up, then lets every held request go: nothing is or will be
/// held afterwards.
pub fn clear_holds(emulator: &Emulator) {
    call(emulator, reqwest::Method::DELETE, "/_emulator/hold", None);
    release_all(emulator);
}

/// The request log entry with `seq` (`outcome` is `Pending` until it is answered).
pub fn request(emulator: &Emulator, seq: u64) -> Option<Json> {
    emulator
        .requests()
        .into_iter()
        .find(|r| r["seq"].as_u64() == Some(seq))
}

/// The emulator's OIDC provider: `provider_arn`, `issuer` and `audience`.
pub fn oidc(emulator: &Emulator) -> Json {
    get(emulator, "/_emulator/oidc")
}

/// A JWT signed by the emulator's issuer; `claims` as `POST /_emulator/oidc/token` takes them
/// (`subject`, `audience`, `expires_in`, `issuer`, each optional).
pub fn oidc_token(emulator: &Emulator, claims: Json) -> String {
    let v = post(emulator, "/_emulator/oidc/token", claims);
    v["token"].as_str().expect("a token").to_string()
}

/// Moves the emulator's clock `seconds` forward: every expiry is judged by it.
pub fn advance_clock(emulator: &Emulator, seconds: i64) {
    post(
        emulator,
        "/_emulator/clock",
        json!({ "advance_seconds": seconds }),
    );
}

/// The temporary keys the emulator issued that are still valid, secrets in full.
pub fn temporary_credentials(emulator: &Emulator) -> Vec<Json> {
    let v = get(emulator, "/_emulator/temporary-credentials");
    v.as_array().cloned().unwrap_or_default()
}
