//! The emulator's error envelope and throttling headers on the wire, as the real service sends
//! them: `Recommend` on every error, `AccessDeniedDetail` on a RAM denial, `HostId` naming the
//! host the client addressed, and on throttling `x-acs-retry-after` (milliseconds, what the
//! official SDKs read into `ThrottlingException.retry_after`) and `Retry-After` (seconds).

use sas_emulator::{Emulator, EmulatorConfig, FaultConfig};

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

#[tokio::test]
async fn throttling_says_how_long_to_back_off() {
    let emu = Emulator::start(EmulatorConfig {
        faults: FaultConfig {
            throttle_rate: 1.0,
            ..Default::default()
        },
        ..Default::default()
    })
    .expect("emulator");
    let r = http()
        .post(format!(
            "http://{}/?Action=ListPrivateRegistryList",
            emu.addr()
        ))
        .header("host", "tds.aliyuncs.com")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 400);
    let h = r.headers().clone();
    assert_eq!(
        h.get("x-acs-retry-after").and_then(|v| v.to_str().ok()),
        Some("1000")
    );
    assert_eq!(
        h.get("retry-after").and_then(|v| v.to_str().ok()),
        Some("1")
    );
    let rid = h
        .get("x-acs-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body: serde_json::Value =
        serde_json::from_slice(&r.bytes().await.expect("body")).expect("json");
    assert_eq!(body["Code"], "Throttling.User");
    assert_eq!(body["HostId"], "tds.aliyuncs.com");
    assert_eq!(body["RequestId"].as_str(), rid.as_deref());
    let recommend = body["Recommend"].as_str().unwrap_or_default();
    assert!(
        recommend.starts_with(
            "https://api.aliyun.com/troubleshoot?q=Throttling.User&product=Sas&requestId="
        ),
        "{recommend}"
    );
    assert!(body.get("AccessDeniedDetail").is_none());
}

#[tokio::test]
async fn other_errors_carry_no_back_off() {
    let emu = Emulator::start(EmulatorConfig::default()).expect("emulator");
    let r = http()
        .post(format!(
            "http://{}/?Action=ListPrivateRegistryList",
            emu.addr()
        ))
        .send()
        .await
        .expect("send");
    assert!(r.status().is_client_error());
    assert!(r.headers().get("x-acs-retry-after").is_none());
    assert!(r.headers().get("retry-after").is_none());
    let body: serde_json::Value =
        serde_json::from_slice(&r.bytes().await.expect("body")).expect("json");
    assert!(
        body["Recommend"].is_string() && body["Code"].is_string(),
        "{body}"
    );
}
