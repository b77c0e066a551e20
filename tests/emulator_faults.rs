//! Each fault does what it says: throttling and unavailability answer with the real codes;
//! reset drops the connection before acting and lose-response after committing — both without
//! a single response byte, checked on a raw socket; latency delays; a seed replays; faults can
//! be changed at run time and never touch the introspection endpoints.

use alicloud_provider::emulator::probe::{self, Call, Credentials};
use alicloud_provider::emulator::{Emulator, EmulatorConfig, FaultConfig, RunningEmulator};
use http::Method;
use std::time::{Duration, Instant};

fn start(faults: FaultConfig) -> RunningEmulator {
    Emulator::start(EmulatorConfig {
        faults,
        ..Default::default()
    })
    .expect("emulator starts")
}

fn creds() -> Credentials {
    Credentials::emulator_default()
}

fn add() -> Call {
    Call::sas("AddPrivateRegistry")
        .param("RegistryType", "harbor")
        .param("RegistryVersion", "V2")
        .param("ProtocolType", 2)
        .param("NetType", 1)
        .param("RegistryHostIp", "10.0.0.5")
        .param("DomainName", "harbor.example.com")
        .param("UserName", "robot")
        .param("Password", "pw")
        .param("RegistryRegionId", "cn-shanghai")
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

#[tokio::test]
async fn reset_drops_the_connection_before_acting() {
    let emu = start(FaultConfig {
        reset_rate: 1.0,
        ..Default::default()
    });
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
    assert_eq!(emu.registries().len(), 1, "the change was committed");
    assert!(probe::call(emu.addr(), &add(), &creds()).await.is_err());
    assert_eq!(emu.registries().len(), 2);
    let log = emu.requests();
    assert_eq!(log[0].outcome, "Fault.LostResponse(Success)");
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
    let r = probe::plain(emu.addr(), Method::GET, "/_emulator/registries", "")
        .await
        .unwrap();
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
    let set = |body: &'static str| {
        let addr = emu.addr();
        async move {
            probe::plain(addr, Method::POST, "/_emulator/faults", body)
                .await
                .unwrap()
        }
    };
    let r = set(r#"{"reset_rate": 1.0, "seed": 1}"#).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["reset_rate"], 1.0);
    assert!(probe::call(emu.addr(), &add(), &creds()).await.is_err());
    // Introspection keeps working under faults.
    let r = probe::plain(emu.addr(), Method::GET, "/_emulator/faults", "")
        .await
        .unwrap();
    assert_eq!(r.json["reset_rate"], 1.0);
    // Bad settings are refused and leave the old ones in force.
    for bad in [
        r#"{"reset_rate": 2}"#,
        r#"{"throttle_rate":0.6,"reset_rate":0.6}"#,
        r#"{"typo_rate":1}"#,
        "nope",
    ] {
        let r = set(bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.text);
    }
    let r = set("{}").await;
    assert_eq!(r.status, 200);
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
