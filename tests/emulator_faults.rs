//! Each fault does what it says: throttling and unavailability answer with the real codes;
//! reset drops the connection before acting and lose-response after committing — both without
//! a single response byte, checked on a raw socket; latency delays, globally or per action; a
//! seed replays; faults can be changed at run time and never touch the introspection endpoints.
//!
//! Holds: a held request is logged and listed on arrival and acts only once released (by seq,
//! by action, or all), or once its timeout passes; a rule can let requests pass first; a client
//! that goes away takes its held request with it, unacted; bad or unbounded rules are refused;
//! shutdown lets held requests go.

#[path = "common/emulator_http.rs"]
mod emulator_http;

use emulator_http::{answered, creds, post, set_faults, unsigned_get};
use http::Method;
use sas_emulator::probe::{self, Call};
use sas_emulator::{Emulator, EmulatorConfig, FaultConfig, HoldSpec, ReleaseSpec, RunningEmulator};
use serde_json::Value;
use std::time::{Duration, Instant};

fn start(faults: FaultConfig) -> RunningEmulator {
    emulator_http::start(EmulatorConfig {
        faults,
        ..Default::default()
    })
}

fn add() -> Call {
    Call::add_harbor("harbor.example.com", "pw", "cn-shanghai")
}

#[tokio::test]
async fn throttle_and_unavailable_answer_with_real_codes() {
    let emu = start(FaultConfig {
        throttle_rate: 1.0,
        ..Default::default()
    });
    let r = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    assert_eq!((r.status, r.code()), (400, "Throttling.User"));
    assert!(r.json["RequestId"].is_string() && r.json["HostId"].is_string());
    emu.set_faults(FaultConfig {
        unavailable_rate: 1.0,
        ..Default::default()
    })
    .unwrap();
    let r = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    assert_eq!((r.status, r.code()), (503, "ServiceUnavailable"));
    assert!(emu.registries().is_empty(), "faulted requests must not act");
}

/// An add whose connection closes with RST before a byte of answer.
async fn dropped_with_rst(emu: &RunningEmulator) {
    let req = probe::build(&add(), &creds(), &emu.endpoint());
    let ex = probe::raw_exchange(emu.addr(), req).await.unwrap();
    assert!(
        ex.bytes.is_empty(),
        "got response bytes: {:?}",
        String::from_utf8_lossy(&ex.bytes)
    );
    assert_eq!(
        ex.error,
        Some(std::io::ErrorKind::ConnectionReset),
        "closed with RST"
    );
}

#[tokio::test]
async fn reset_drops_the_connection_before_acting() {
    let emu = start(FaultConfig {
        reset_rate: 1.0,
        ..Default::default()
    });
    dropped_with_rst(&emu).await;
    // The client library sees a transport error, not a response.
    let err = probe::call(emu.addr(), &add(), &creds()).await;
    assert!(err.is_err(), "{err:?}");
    assert!(
        emu.registries().is_empty(),
        "reset must happen before acting"
    );
    let log = emu.requests();
    assert!(log
        .iter()
        .all(|e| e.outcome == "Fault.Reset" && e.http_status.is_none()));
}

#[tokio::test]
async fn lose_response_commits_then_drops() {
    let emu = start(FaultConfig {
        lose_response_rate: 1.0,
        ..Default::default()
    });
    dropped_with_rst(&emu).await;
    assert_eq!(emu.registries().len(), 1, "the change was committed");
    assert!(probe::call(emu.addr(), &add(), &creds()).await.is_err());
    assert_eq!(emu.registries().len(), 2);
    let log = emu.requests();
    assert_eq!(log[0].outcome, "Fault.LostResponse(Success)");
}

/// The registry users (`UserName`) one `ListPrivateRegistryList` answer shows, by id.
async fn listed(emu: &RunningEmulator) -> Vec<String> {
    probe::listed(emu.addr(), &creds())
        .await
        .iter()
        .map(|i| format!("{}:{}", i["Id"], i["UserName"].as_str().unwrap_or("")))
        .collect()
}

/// Counted, not drawn: every Nth add loses its answer, and lists lag a set number of answers
/// behind an add, a modify and a delete, whatever the timing.
#[tokio::test]
async fn counted_faults_lose_every_nth_answer_and_lag_lists_exactly() {
    let emu = start(FaultConfig {
        lose_response_every: [("AddPrivateRegistry".to_string(), 2)].into(),
        appear_after_lists: 2,
        stale_lists_after_modify: 1,
        stale_lists_after_delete: 3,
        ..Default::default()
    });
    let first = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    let id = first.json["Data"]["Id"]
        .as_i64()
        .expect("first add answered");
    assert!(
        probe::call(emu.addr(), &add(), &creds()).await.is_err(),
        "the second add acts and loses its answer"
    );
    assert_eq!(emu.registries().len(), 2, "both acted");
    assert!(listed(&emu).await.is_empty(), "one list: neither shows");
    assert!(listed(&emu).await.is_empty(), "two lists: neither shows");
    assert_eq!(listed(&emu).await, ["1:robot", "2:robot"]);

    let modify = Call::sas("ModifyImageRegistry")
        .param("Id", id)
        .param("UserName", "ops");
    let r = probe::call(emu.addr(), &modify, &creds()).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(listed(&emu).await, ["1:robot", "2:robot"], "stale once");
    assert_eq!(listed(&emu).await, ["1:ops", "2:robot"]);

    let delete = Call::sas("DeletePrivateRegistry").param("RegistryId", id);
    assert_eq!(
        probe::call(emu.addr(), &delete, &creds())
            .await
            .unwrap()
            .status,
        200
    );
    assert!(emu.registries().iter().all(|r| r.id != id), "deleted");
    for _ in 0..3 {
        assert_eq!(listed(&emu).await, ["1:ops", "2:robot"], "still listed");
    }
    assert_eq!(listed(&emu).await, ["2:robot"]);
}

#[tokio::test]
async fn latency_delays_api_requests_only() {
    let emu = start(FaultConfig {
        latency_ms: 300,
        ..Default::default()
    });
    let t = Instant::now();
    let r = probe::call(emu.addr(), &Call::sas("ListPrivateRegistryList"), &creds())
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let r = unsigned_get(emu.addr(), "/_emulator/registries").await;
    assert_eq!(r.status, 200);
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
}

async fn outcomes(emu: &RunningEmulator, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        let r = probe::call(emu.addr(), &Call::sas("ListPrivateRegistryList"), &creds()).await;
        out.push(match r {
            Ok(r) => r.code().to_string(),
            Err(_) => "dropped".to_string(),
        });
    }
    out
}

#[tokio::test]
async fn a_seed_replays_the_same_faults() {
    let cfg = FaultConfig {
        throttle_rate: 0.3,
        unavailable_rate: 0.2,
        reset_rate: 0.2,
        seed: Some(42),
        ..Default::default()
    };
    let a = start(cfg.clone());
    let b = start(cfg);
    let oa = outcomes(&a, 40).await;
    let ob = outcomes(&b, 40).await;
    assert_eq!(oa, ob);
    for kind in ["", "Throttling.User", "ServiceUnavailable", "dropped"] {
        assert!(
            oa.iter().any(|o| o == kind),
            "{kind:?} never happened in {oa:?}"
        );
    }
}

#[tokio::test]
async fn faults_change_at_run_time_and_spare_introspection() {
    let emu = start(FaultConfig::default());
    let r = set_faults(emu.addr(), r#"{"reset_rate": 1.0, "seed": 1}"#).await;
    assert_eq!(r["reset_rate"], 1.0);
    assert!(probe::call(emu.addr(), &add(), &creds()).await.is_err());
    // Introspection keeps working under faults.
    let r = unsigned_get(emu.addr(), "/_emulator/faults").await;
    assert_eq!(r.json["reset_rate"], 1.0);
    // Bad settings are refused and leave the old ones in force.
    for bad in [
        r#"{"reset_rate": 2}"#,
        r#"{"throttle_rate":0.6,"reset_rate":0.6}"#,
        r#"{"typo_rate":1}"#,
        "nope",
    ] {
        let r = post(emu.addr(), "/_emulator/faults", bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
        let now = unsigned_get(emu.addr(), "/_emulator/faults").await;
        assert_eq!(
            (
                now.json["reset_rate"].as_f64(),
                now.json["throttle_rate"].as_f64()
            ),
            (Some(1.0), Some(0.0)),
            "{bad} left the old settings: {}",
            now.text
        );
        assert!(
            probe::call(emu.addr(), &add(), &creds()).await.is_err(),
            "{bad}: resets still in force"
        );
    }
    set_faults(emu.addr(), "{}").await;
    let r = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(emu.registries().len(), 1);
}

#[test]
fn invalid_fault_settings_fail_start() {
    let e = Emulator::start(EmulatorConfig {
        faults: FaultConfig {
            throttle_rate: -0.1,
            ..Default::default()
        },
        ..Default::default()
    })
    .err()
    .unwrap();
    assert!(e.to_string().contains("throttle_rate"), "{e}");
}

#[tokio::test]
async fn action_latency_delays_that_action_only_and_changes_at_run_time() {
    let emu = start(FaultConfig {
        action_latency_ms: [("ListPrivateRegistryList".to_string(), 400)].into(),
        ..Default::default()
    });
    let timed = |call: Call| {
        let addr = emu.addr();
        async move {
            let t = Instant::now();
            let r = probe::call(addr, &call, &creds()).await.unwrap();
            assert_eq!(r.status, 200, "{}", r.text);
            t.elapsed()
        }
    };
    let list = || Call::sas("ListPrivateRegistryList");
    assert!(timed(list()).await >= Duration::from_millis(400));
    assert!(timed(add()).await < Duration::from_millis(400));
    // The log shows how long each took, from arrival.
    let log = emu.requests();
    assert!(log[0].duration_ms.unwrap() >= 400, "{:?}", log[0]);
    assert!(log[1].duration_ms.unwrap() < 400, "{:?}", log[1]);

    let r = set_faults(
        emu.addr(),
        r#"{"latency_ms": 100, "action_latency_ms": {"AddPrivateRegistry": 300}}"#,
    )
    .await;
    assert_eq!(r["action_latency_ms"]["AddPrivateRegistry"], 300);
    assert!(
        timed(add()).await >= Duration::from_millis(400),
        "100 + 300"
    );
    let t = timed(list()).await;
    assert!(
        (Duration::from_millis(100)..Duration::from_millis(400)).contains(&t),
        "{t:?}"
    );
    for bad in [
        r#"{"action_latency_ms": {"AddPrivateRegistry": 600001}}"#,
        r#"{"action_latency_ms": {"": 1}}"#,
        r#"{"action_latency_ms": {"AddPrivateRegistry": -1}}"#,
        r#"{"action_latency_ms": ["AddPrivateRegistry"]}"#,
    ] {
        let r = post(emu.addr(), "/_emulator/faults", bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    let r = unsigned_get(emu.addr(), "/_emulator/faults").await;
    assert_eq!(r.json["action_latency_ms"]["AddPrivateRegistry"], 300);
}

/// Polls `GET /_emulator/held` until `n` requests are held; returns them.
async fn wait_held(emu: &RunningEmulator, n: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let v = answered(emu.addr(), Method::GET, "/_emulator/held", "").await;
        let held = v["held"].as_array().cloned().unwrap_or_default();
        if held.len() >= n {
            return held;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never {n} held: {v}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn entry(emu: &RunningEmulator, seq: u64) -> sas_emulator::introspect::LogEntry {
    emu.requests()
        .into_iter()
        .find(|e| e.seq == seq)
        .expect("logged")
}

#[tokio::test]
async fn a_held_request_is_logged_on_arrival_and_acts_only_when_released() {
    let emu = start(FaultConfig::default());
    let rule = answered(
        emu.addr(),
        Method::POST,
        "/_emulator/hold",
        r#"{"action": "AddPrivateRegistry"}"#,
    )
    .await;
    assert_eq!(rule["remaining"], 1);
    assert_eq!(rule["skip"], 0);
    assert_eq!(rule["timeout_ms"], 120_000);
    let addr = emu.addr();
    let call = tokio::spawn(async move { probe::call(addr, &add(), &creds()).await });
    let held = wait_held(&emu, 1).await;
    assert_eq!(held[0]["action"], "AddPrivateRegistry");
    assert_eq!(held[0]["rule"], rule["id"]);
    let seq = held[0]["seq"].as_u64().unwrap();
    // Arrived, logged, and nothing done yet.
    let e = entry(&emu, seq);
    assert_eq!(
        (e.outcome.as_str(), e.hold.as_deref()),
        ("Pending", Some("held"))
    );
    assert_eq!(e.params["DomainName"], "harbor.example.com");
    assert_eq!(e.request_id, held[0]["request_id"].as_str().unwrap());
    assert!(e.http_status.is_none() && e.duration_ms.is_none());
    assert!(emu.registries().is_empty());
    // The rule is used up; other actions and introspection are not held.
    assert!(
        answered(emu.addr(), Method::GET, "/_emulator/held", "").await["rules"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let r = probe::call(emu.addr(), &Call::sas("ListPrivateRegistryList"), &creds())
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!call.is_finished(), "still held");

    let released = answered(
        emu.addr(),
        Method::POST,
        "/_emulator/release",
        &format!(r#"{{"seq": {seq}}}"#),
    )
    .await;
    assert_eq!(released["released"], serde_json::json!([seq]));
    let r = call.await.unwrap().unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(emu.registries().len(), 1);
    let e = entry(&emu, seq);
    assert_eq!(
        (e.outcome.as_str(), e.hold.as_deref()),
        ("Success", Some("released"))
    );
    assert!(e.duration_ms.unwrap() >= 200, "{e:?}");
    assert_eq!(e.http_status, Some(200));
    // The next one is not held: the rule held one.
    let r = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    assert_eq!(r.status, 200);
    // Releasing what is not held.
    let r = post(
        emu.addr(),
        "/_emulator/release",
        &format!(r#"{{"seq": {seq}}}"#),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.text);
}

#[tokio::test]
async fn skip_lets_requests_pass_and_release_takes_all_or_an_action() {
    let emu = start(FaultConfig::default());
    // Hold the 2nd and 3rd adds, and the 1st delete.
    answered(
        emu.addr(),
        Method::POST,
        "/_emulator/hold",
        r#"{"action": "AddPrivateRegistry", "skip": 1, "count": 2}"#,
    )
    .await;
    let r = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    assert_eq!(r.status, 200, "the first passes");
    let addr = emu.addr();
    let second = tokio::spawn(async move { probe::call(addr, &add(), &creds()).await });
    wait_held(&emu, 1).await;
    let third = tokio::spawn(async move { probe::call(addr, &add(), &creds()).await });
    let held = wait_held(&emu, 2).await;
    assert!(
        held[0]["seq"].as_u64() < held[1]["seq"].as_u64(),
        "oldest first"
    );
    answered(
        emu.addr(),
        Method::POST,
        "/_emulator/hold",
        r#"{"action": "DeletePrivateRegistry"}"#,
    )
    .await;
    let delete = tokio::spawn(async move {
        probe::call(
            addr,
            &Call::sas("DeletePrivateRegistry").param("RegistryId", 1),
            &creds(),
        )
        .await
    });
    wait_held(&emu, 3).await;
    assert_eq!(emu.registries().len(), 1);

    let r = answered(
        emu.addr(),
        Method::POST,
        "/_emulator/release",
        r#"{"action": "DeletePrivateRegistry"}"#,
    )
    .await;
    assert_eq!(r["released"].as_array().unwrap().len(), 1);
    assert_eq!(delete.await.unwrap().unwrap().status, 200);
    assert!(emu.registries().is_empty());
    // No body releases everything.
    let r = answered(emu.addr(), Method::POST, "/_emulator/release", "").await;
    assert_eq!(r["released"].as_array().unwrap().len(), 2);
    for call in [second, third] {
        assert_eq!(call.await.unwrap().unwrap().status, 200);
    }
    assert_eq!(emu.registries().len(), 2);
    assert!(emu.held().held.is_empty());
}

#[tokio::test]
async fn a_hold_nobody_releases_times_out_and_the_request_goes_on() {
    let emu = start(FaultConfig::default());
    emu.hold(HoldSpec {
        timeout_ms: 300,
        ..HoldSpec::new("AddPrivateRegistry", 1)
    })
    .unwrap();
    let t = Instant::now();
    let r = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let e = &emu.requests()[0];
    assert_eq!(
        (e.outcome.as_str(), e.hold.as_deref()),
        ("Success", Some("timed out"))
    );
    assert_eq!(emu.registries().len(), 1);
    assert!(emu.held().held.is_empty());
}

#[tokio::test]
async fn a_held_request_whose_client_goes_away_is_dropped_without_acting() {
    let emu = start(FaultConfig::default());
    emu.hold(HoldSpec::new("AddPrivateRegistry", 1)).unwrap();
    let req = probe::build(&add(), &creds(), &emu.endpoint());
    let addr = emu.addr();
    let exchange = tokio::spawn(async move { probe::raw_exchange(addr, req).await });
    let seq = wait_held(&emu, 1).await[0]["seq"].as_u64().unwrap();
    // Closing the socket, as a killed client's kernel does.
    exchange.abort();
    let started = Instant::now();
    while !emu.held().held.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still held after its client went away"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let e = entry(&emu, seq);
    assert_eq!(e.outcome, "Abandoned", "{e:?}");
    assert!(e.http_status.is_none());
    let r = post(emu.addr(), "/_emulator/release", "{}").await;
    assert_eq!(r.json["released"], serde_json::json!([]));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        emu.registries().is_empty(),
        "an abandoned request never acts"
    );
}

#[tokio::test]
async fn hold_rules_are_checked_and_bounded() {
    let emu = start(FaultConfig::default());
    for bad in [
        "{}",
        r#"{"action": ""}"#,
        r#"{"action": "AddPrivateRegistry", "count": 0}"#,
        r#"{"action": "AddPrivateRegistry", "count": 257}"#,
        r#"{"action": "AddPrivateRegistry", "timeout_ms": 0}"#,
        r#"{"action": "AddPrivateRegistry", "timeout_ms": 600001}"#,
        r#"{"action": "AddPrivateRegistry", "typo": 1}"#,
        "nope",
    ] {
        let r = post(emu.addr(), "/_emulator/hold", bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    // At most 256 requests held or to be held, across rules.
    for (rule, status) in [
        (r#"{"action": "AddPrivateRegistry", "count": 200}"#, 200),
        (r#"{"action": "DeletePrivateRegistry", "count": 57}"#, 400),
        (r#"{"action": "DeletePrivateRegistry", "count": 56}"#, 200),
    ] {
        let r = post(emu.addr(), "/_emulator/hold", rule).await;
        assert_eq!(r.status, status, "{rule}: {}", r.text);
    }
    for bad in [r#"{"seq": "x"}"#, r#"{"bogus": 1}"#, "5"] {
        let r = post(emu.addr(), "/_emulator/release", bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    let r = post(emu.addr(), "/_emulator/release", r#"{"seq": 12345}"#).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let v = answered(emu.addr(), Method::GET, "/_emulator/held", "").await;
    assert_eq!(v["rules"].as_array().unwrap().len(), 2);
    let v = answered(emu.addr(), Method::DELETE, "/_emulator/hold", "").await;
    assert_eq!(v["cancelled"], 2);
    let v = answered(emu.addr(), Method::GET, "/_emulator/held", "").await;
    assert_eq!(v, serde_json::json!({"held": [], "rules": []}));
    // Nothing is held any more.
    let r = probe::call(emu.addr(), &add(), &creds()).await.unwrap();
    assert_eq!(r.status, 200);
    assert!(emu
        .release(&ReleaseSpec {
            seq: Some(0),
            ..Default::default()
        })
        .is_err());
}

#[test]
fn shutdown_lets_held_requests_go() {
    let emu = start(FaultConfig::default());
    emu.hold(HoldSpec::new("AddPrivateRegistry", 1)).unwrap();
    let addr = emu.addr();
    let call = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(probe::call(addr, &add(), &creds()))
    });
    let started = Instant::now();
    while emu.held().held.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "never held");
        std::thread::sleep(Duration::from_millis(10));
    }
    let t = Instant::now();
    emu.shutdown().unwrap();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let r = call.join().unwrap().unwrap();
    assert_eq!(r.status, 200, "answered, not cut off: {}", r.text);
}
