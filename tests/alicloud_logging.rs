//! Log redaction, in its own test binary: tracing caches per-callsite interest process-wide, so
//! a thread-local subscriber only sees every event when no other test runs beside it.

#[path = "alicloud_support.rs"]
mod support;

use std::time::Duration;

use alicloud::{
    AddPrivateRegistryRequest, CallContext, ListImageRegistryExtraRequest, ProviderConfig,
    SasClient, Secret,
};
use serde_json::json;
use support::*;
use tokio_util::sync::CancellationToken;

fn ctx(timeout: Duration) -> CallContext {
    CallContext::with_timeout(timeout, CancellationToken::new())
}

fn static_keys(mut c: ProviderConfig) -> ProviderConfig {
    c.access_key = Some(AK.into());
    c.secret_key = Some(Secret::new(SK));
    c
}

fn add_request() -> AddPrivateRegistryRequest {
    harbor_request("10.0.0.1", "admin", "pw-SECRET-1")
}

fn add_reply(id: i64) -> Reply {
    Reply::ok(json!({"RequestId": "ADD-1", "Data": {"Id": id, "Password": "******"}}))
}

#[tokio::test]
async fn logs_show_requests_and_responses_but_no_secret() {
    let server = TestServer::start(|r, _| match r.action().as_deref() {
        Some("ListImageRegistryExtra") => Reply::ok(json!({"RequestId": "E", "ImageRegistryExtraInfos": [{"AuthToken": "quay-SECRET-3", "Namespace": "ns"}]})),
        _ => add_reply(11),
    })
    .await;
    let cfg = ProviderConfig {
        security_token: Some(Secret::new("sts-SECRET-4")),
        ..static_keys(loopback_config(&server))
    };
    let c = SasClient::new(resolved(&cfg, &[]).expect("config"));
    let (buf, _guard) = capture_trace();
    let mut req = add_request();
    req.extra_param = Some(Secret::new(
        r#"[{"namespace":"ns","authToken":"quay-SECRET-2"}]"#,
    ));
    c.add_private_registry(&req, &ctx(Duration::from_secs(5)))
        .await
        .expect("add");
    c.list_image_registry_extra(
        &ListImageRegistryExtraRequest { registry_id: 11 },
        &ctx(Duration::from_secs(5)),
    )
    .await
    .expect("extra");
    let logs =
        String::from_utf8_lossy(&buf.0.lock().map(|b| b.clone()).unwrap_or_default()).into_owned();
    assert!(
        logs.contains("AddPrivateRegistry") && logs.contains("API request"),
        "{logs}"
    );
    assert!(logs.contains("API response body"), "{logs}");
    assert!(
        logs.contains("harbor.example.com"),
        "non-secret parameters are logged: {logs}"
    );
    for secret in [
        SK,
        "pw-SECRET-1",
        "quay-SECRET-2",
        "quay-SECRET-3",
        "sts-SECRET-4",
    ] {
        assert!(!logs.contains(secret), "{secret} leaked into logs:\n{logs}");
    }
    // the token did go out on the wire
    assert_eq!(
        server.requests()[0].security_token().as_deref(),
        Some("sts-SECRET-4")
    );
}
