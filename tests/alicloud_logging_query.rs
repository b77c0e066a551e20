//! Log redaction of query strings, in its own test binary (tracing caches per-callsite interest
//! process-wide, see `alicloud_logging.rs`). Since parameters travel where the official SDK puts
//! them (`alicloud::placement`), an `AddPrivateRegistry` password and quay token ride in the
//! query string, and a V2 URL also carries the signature and the STS token: the logged URL and
//! body must show none of them.

#[path = "alicloud_support.rs"]
mod support;

use std::time::Duration;

use alicloud::{
    AddPrivateRegistryRequest, CallContext, ModifyImageRegistryRequest, ProviderConfig, SasClient,
    Secret,
};
use serde_json::json;
use support::*;
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn v2_and_v3_urls_and_bodies_are_logged_without_secrets() {
    let server = TestServer::start(|r, _| match r.action().as_deref() {
        Some("ModifyImageRegistry") => Reply::ok(json!({"RequestId": "M", "Success": true})),
        _ => Reply::ok(json!({"RequestId": "ADD-1", "Data": {"Id": 5}})),
    })
    .await;
    let (buf, _guard) = capture_trace();
    let cx = CallContext::with_timeout(Duration::from_secs(5), CancellationToken::new());
    let mut signatures = Vec::new();
    for version in ["v2", "v3"] {
        let cfg = ProviderConfig {
            access_key: Some(AK.into()),
            secret_key: Some(Secret::new(SK)),
            security_token: Some(Secret::new("sts-SECRET-4")),
            signature_version: Some(version.into()),
            ..loopback_config(&server)
        };
        let c = SasClient::new(resolved(&cfg, &[]).expect("config"));
        c.add_private_registry(
            &AddPrivateRegistryRequest {
                registry_type: "quay".into(),
                registry_version: "V2".into(),
                protocol_type: 2,
                net_type: 1,
                registry_host_ip: "10.0.0.1".into(),
                domain_name: "quay.example.com".into(),
                user_name: "admin".into(),
                password: Secret::new("pw-SECRET-1"),
                registry_region_id: "cn-hangzhou".into(),
                extra_param: Some(Secret::new(
                    r#"[{"namespace":"ns","authToken":"quay-SECRET-2"}]"#,
                )),
                ..Default::default()
            },
            &cx,
        )
        .await
        .expect("add");
        c.modify_image_registry(
            &ModifyImageRegistryRequest {
                id: 5,
                password: Some(Secret::new("pw-SECRET-5")),
                domain_name: Some("quay2.example.com".into()),
                ..Default::default()
            },
            &cx,
        )
        .await
        .expect("modify");
    }
    for r in server.requests() {
        if let Some(s) = r.query_params().iter().find(|(k, _)| k == "Signature") {
            signatures.push(s.1.clone());
        }
    }
    assert_eq!(signatures.len(), 2, "two V2 requests carry a Signature");
    let logs =
        String::from_utf8_lossy(&buf.0.lock().map(|b| b.clone()).unwrap_or_default()).into_owned();
    // the query string is logged (non-secret parts intact) ...
    assert!(logs.contains("DomainName=quay.example.com"), "{logs}");
    assert!(logs.contains("DomainName=quay2.example.com"), "{logs}");
    assert!(logs.contains("Password=***"), "{logs}");
    assert!(logs.contains("SecurityToken=***"), "{logs}");
    // ... and no secret, in any encoding
    let mut secrets: Vec<String> = [
        SK,
        "pw-SECRET-1",
        "quay-SECRET-2",
        "sts-SECRET-4",
        "pw-SECRET-5",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    secrets.extend(
        signatures
            .iter()
            .map(|s| sas_emulator::signature::percent_encode(s)),
    );
    secrets.extend(signatures);
    for secret in secrets {
        assert!(
            !logs.contains(&secret),
            "{secret} leaked into logs:\n{logs}"
        );
    }
}
