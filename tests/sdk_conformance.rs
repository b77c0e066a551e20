//! The official Python SDK, `alibabacloud-sas20181203` 10.3.2 (installed into `.tools/python` by
//! `make tools`), against sas-emulator and against our client.
//!
//! - Conformance: for the eight operations the provider's client has, the SDK and `SasClient` send the
//!   same inputs to two fresh emulators; the request logs must show the same parameters with
//!   the same values (secrets hashed) in the same place (query or form), for V3 and V2. The
//!   service is known to accept what its SDK sends, so this is what proves it accepts ours.
//! - The SDK drives the emulator directly: V3 and V2 signatures, an STS token, and the error
//!   cases (a bad signature, a missing parameter, throttling, a RAM denial). Every answer parses
//!   into the SDK's models; every error surfaces with its code and RequestId.
//!
//! - The official credential providers (`alibabacloud_credentials`, installed with the SDK)
//!   fetch keys from the emulator: STS `AssumeRoleWithOIDC`, a credentials URI, and the ECS
//!   metadata service in hardened mode. What they send is what the emulator accepts, and a
//!   wrong audience reaches them as STS's code.
//!
//! Fails (never skips) when the SDK is not installed.

#[path = "alicloud_support.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use alicloud::{
    resolve, AddPrivateRegistryRequest, CallContext, DeletePrivateRegistryRequest, EndpointsConfig,
    ListImageRegistryExtraRequest, ListImageRegistryRegionRequest, ListPrivateRegistryListRequest,
    ModifyImageRegistryRequest, PageImageRegistryRequest, ProviderConfig,
    RefreshRegistryTokenRequest, RetryPolicy, SasClient, Secret,
};
use sas_emulator::{
    introspect::LogEntry, Emulator, EmulatorConfig, FaultConfig, RunningEmulator,
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET,
};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

/// Parameters that differ on every request by design.
const PER_REQUEST: &[&str] = &["Signature", "SignatureNonce", "Timestamp"];

const HARBOR_PASSWORD: &str = "s3cret Passw0rd*~";
const QUAY_PASSWORD: &str = "qu@y pass/+=";
const QUAY_EXTRA: &str = r#"[{"namespace":"team-a","authToken":"tok en+/="}]"#;
const NEW_PASSWORD: &str = "n3w pass&word";
const STS_TOKEN: &str = "emulator-sts-token";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `.tools/python`, or a failure saying how to get it.
fn sdk_dir() -> PathBuf {
    let dir = root().join(".tools/python");
    assert!(
        dir.join("alibabacloud_sas20181203/client.py").is_file(),
        "the official SDK is not installed in {}: run `make tools` (scripts/install-tools.sh)",
        dir.display()
    );
    dir
}

/// Runs tests/sdk/sas_sdk.py with `plan` on stdin; one result per call.
fn run_sdk(plan: &Value) -> Vec<Value> {
    run_python("sas_sdk.py", plan)
}

/// Runs tests/sdk/`script` with `plan` on stdin; its JSON list of results.
fn run_python(script: &str, plan: &Value) -> Vec<Value> {
    let mut child = Command::new("python3")
        // -s: no user site-packages, so only .tools/python supplies the SDK.
        .arg("-s")
        .arg(root().join("tests/sdk").join(script))
        .env("PYTHONPATH", sdk_dir())
        .env_remove("PYTHONHOME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed to run the SDK");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(plan.to_string().as_bytes())
        .expect("write plan");
    let out = child.wait_with_output().expect("sdk run");
    assert!(
        out.status.success(),
        "the SDK script failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "SDK output is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn plan(emu: &RunningEmulator, signature: &str, token: Option<&str>, calls: Value) -> Value {
    json!({
        "endpoint": emu.addr().to_string(),
        "signature": signature,
        "access_key_id": DEFAULT_ACCESS_KEY_ID,
        "access_key_secret": DEFAULT_ACCESS_KEY_SECRET,
        "security_token": token,
        "calls": calls,
    })
}

fn emulator(token: Option<&str>) -> RunningEmulator {
    Emulator::start(EmulatorConfig {
        security_token: token.map(sas_emulator::Secret::new),
        ..Default::default()
    })
    .expect("emulator")
}

/// The eight operations with fixed inputs, as SDK calls (`$id`: the last Add's Id).
fn sdk_calls() -> Value {
    json!([
        {"action": "AddPrivateRegistry", "args": {
            "registry_type": "harbor", "registry_version": "V2", "protocol_type": 2,
            "net_type": 1, "registry_host_ip": "10.0.0.5", "domain_name": "harbor.example.com",
            "port": 443, "user_name": "robot", "password": HARBOR_PASSWORD,
            "registry_region_id": "cn-hangzhou", "trans_per_hour": 10}},
        {"action": "AddPrivateRegistry", "args": {
            "registry_type": "quay", "registry_version": "V2", "protocol_type": 1,
            "net_type": 2, "vpc_id": "vpc-123", "registry_host_ip": "192.168.1.9",
            "domain_name": "quay.example.com", "user_name": "quay user",
            "password": QUAY_PASSWORD, "registry_region_id": "cn-shanghai",
            "extra_param": QUAY_EXTRA}},
        {"action": "ListPrivateRegistryList", "args": {"registry_type": "quay"}},
        {"action": "ListImageRegistryExtra", "args": {"registry_id": "$id"}},
        {"action": "ModifyImageRegistry", "args": {
            "id": "$id", "password": NEW_PASSWORD, "user_name": "robot2", "trans_per_hour": 7,
            "domain_name": "quay2.example.com", "port": 8443, "registry_host_ip": "192.168.1.10"}},
        {"action": "RefreshRegistryToken", "args": {"registry_id": "$id"}},
        {"action": "DeletePrivateRegistry", "args": {"registry_id": "$id"}},
        {"action": "ListImageRegistryRegion", "args": {"lang": "zh"}},
        {"action": "PageImageRegistry", "args": {
            "current_page": 1, "page_size": 1, "registry_name_like": "harbor",
            "registry_type_in_list": ["harbor", "quay"], "registry_type_not_in_list": ["acr"]}},
    ])
}

fn client(emu: &RunningEmulator, signature: &str, token: Option<&str>) -> SasClient {
    let endpoint = emu.addr().to_string();
    let cfg = ProviderConfig {
        access_key: Some(DEFAULT_ACCESS_KEY_ID.into()),
        secret_key: Some(Secret::new(DEFAULT_ACCESS_KEY_SECRET)),
        security_token: token.map(Secret::new),
        signature_version: Some(signature.into()),
        protocol: Some("HTTP".into()),
        endpoints: Some(EndpointsConfig {
            sas: Some(endpoint.clone()),
            sts: Some(endpoint.clone()),
            ecs_metadata: Some(endpoint),
        }),
        ..Default::default()
    };
    let mut r = resolve(&cfg, &|_: &str| None).expect("config");
    r.retry = RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    SasClient::new(r)
}

/// The same eight operations through our client.
async fn our_calls(c: &SasClient) {
    let cx = CallContext::with_timeout(Duration::from_secs(20), CancellationToken::new());
    c.add_private_registry(
        &AddPrivateRegistryRequest {
            trans_per_hour: Some(10),
            ..support::harbor_request("10.0.0.5", "robot", HARBOR_PASSWORD)
        },
        &cx,
    )
    .await
    .expect("add harbor");
    let quay = c
        .add_private_registry(
            &AddPrivateRegistryRequest {
                registry_type: "quay".into(),
                registry_version: "V2".into(),
                protocol_type: 1,
                net_type: 2,
                vpc_id: Some("vpc-123".into()),
                registry_host_ip: "192.168.1.9".into(),
                domain_name: "quay.example.com".into(),
                user_name: "quay user".into(),
                password: Secret::new(QUAY_PASSWORD),
                registry_region_id: "cn-shanghai".into(),
                extra_param: Some(Secret::new(QUAY_EXTRA)),
                ..Default::default()
            },
            &cx,
        )
        .await
        .expect("add quay");
    let id = quay.data.id;
    c.list_private_registry_list(
        &ListPrivateRegistryListRequest {
            registry_type: Some("quay".into()),
        },
        &cx,
    )
    .await
    .expect("list");
    c.list_image_registry_extra(&ListImageRegistryExtraRequest { registry_id: id }, &cx)
        .await
        .expect("extra");
    c.modify_image_registry(
        &ModifyImageRegistryRequest {
            id,
            password: Some(Secret::new(NEW_PASSWORD)),
            user_name: Some("robot2".into()),
            trans_per_hour: Some(7),
            domain_name: Some("quay2.example.com".into()),
            port: Some(8443),
            registry_host_ip: Some("192.168.1.10".into()),
        },
        &cx,
    )
    .await
    .expect("modify");
    let rotated = c
        .refresh_registry_token(&RefreshRegistryTokenRequest { registry_id: id }, &cx)
        .await
        .expect("refresh token");
    assert!(
        rotated.data.is_some_and(|t| !t.expose().is_empty()),
        "a new token"
    );
    c.delete_private_registry(&DeletePrivateRegistryRequest { registry_id: id }, &cx)
        .await
        .expect("delete");
    c.list_image_registry_region(
        &ListImageRegistryRegionRequest {
            lang: Some("zh".into()),
        },
        &cx,
    )
    .await
    .expect("regions");
    c.page_image_registry(
        &PageImageRegistryRequest {
            current_page: Some(1),
            page_size: Some(1),
            registry_name_like: Some("harbor".into()),
            registry_type_in_list: vec!["harbor".into(), "quay".into()],
            registry_type_not_in_list: vec!["acr".into()],
        },
        &cx,
    )
    .await
    .expect("page");
}

/// One logged request as compared: action, then each parameter's value and location.
type Seen = (String, BTreeMap<String, (String, String)>);

fn seen(log: &[LogEntry]) -> Vec<Seen> {
    log.iter()
        .map(|e| {
            let params = e
                .params
                .iter()
                .filter(|(k, _)| !PER_REQUEST.contains(&k.as_str()))
                .map(|(k, v)| {
                    let place = e.locations.get(k).cloned().unwrap_or_default();
                    (k.clone(), (v.clone(), place))
                })
                .collect();
            (e.action.clone().unwrap_or_default(), params)
        })
        .collect()
}

/// Where the two runs differ, one line per parameter.
fn differences(sdk: &[Seen], ours: &[Seen]) -> Vec<String> {
    let mut out = Vec::new();
    if sdk.len() != ours.len() {
        out.push(format!(
            "the SDK sent {} requests, we sent {}",
            sdk.len(),
            ours.len()
        ));
    }
    for ((a, s), (b, o)) in sdk.iter().zip(ours) {
        if a != b {
            out.push(format!("SDK sent {a} where we sent {b}"));
            continue;
        }
        let names: std::collections::BTreeSet<&String> = s.keys().chain(o.keys()).collect();
        for n in names {
            if s.get(n) != o.get(n) {
                out.push(format!(
                    "{a}.{n}: SDK (value, place) {:?}, ours {:?}",
                    s.get(n),
                    o.get(n)
                ));
            }
        }
    }
    out
}

fn successes(results: &[Value]) {
    for r in results {
        assert_eq!(r["ok"], true, "an SDK call failed: {r}");
    }
}

fn conformance(signature: &str, token: Option<&str>) {
    let sdk_emu = emulator(token);
    let sdk_results = run_sdk(&plan(&sdk_emu, signature, token, sdk_calls()));
    successes(&sdk_results);
    let ours_emu = emulator(token);
    let c = client(&ours_emu, signature, token);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(our_calls(&c));
    let sdk = seen(&sdk_emu.requests());
    let ours = seen(&ours_emu.requests());
    let diff = differences(&sdk, &ours);
    assert!(
        diff.is_empty(),
        "{signature}: our requests differ from the official SDK's:\n  {}",
        diff.join("\n  ")
    );
    // The comparison saw what it should: every request signed as asked, every action's own
    // parameters, placed as the SDK's metadata says.
    let want = if signature == "v3" { "V3" } else { "V2" };
    for e in sdk_emu.requests() {
        assert_eq!(e.signature.as_deref(), Some(want), "{e:?}");
        assert_eq!(e.outcome, "Success", "{e:?}");
    }
    let modify = &sdk[4].1;
    assert_eq!(modify["DomainName"].1, "query");
    assert_eq!(modify["Password"].1, "form");
    assert_eq!(modify["Id"].1, "form");
    assert_eq!(sdk[1].1["ExtraParam"].1, "query");
}

#[test]
fn v3_requests_match_the_sdk() {
    conformance("v3", None);
}

#[test]
fn v2_requests_match_the_sdk() {
    conformance("v2", None);
}

#[test]
fn v3_and_v2_with_an_sts_token_match_the_sdk() {
    conformance("v3", Some(STS_TOKEN));
    conformance("v2", Some(STS_TOKEN));
}

/// Every answer of the lifecycle parses into the SDK's models, with the values we expect.
#[test]
fn sdk_answers_parse_into_its_models() {
    for signature in ["v3", "v2"] {
        let emu = emulator(None);
        let r = run_sdk(&plan(&emu, signature, None, sdk_calls()));
        successes(&r);
        for x in &r {
            assert!(
                x["typed"]["request_id"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty()),
                "{x}"
            );
        }
        assert_eq!(r[0]["typed"]["domain_name"], "harbor.example.com");
        let quay_id = r[1]["typed"]["id"].as_i64().expect("quay id");
        let listed = r[2]["typed"]["registries"].as_array().expect("list");
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["id"], quay_id);
        assert_eq!(listed[0]["user_name"], "quay user");
        assert_eq!(r[3]["typed"]["extras"][0]["namespace"], "team-a");
        assert_eq!(r[3]["typed"]["extras"][0]["registry_id"], quay_id);
        assert_eq!(r[4]["typed"]["success"], true);
        assert_eq!(
            r[5]["typed"]["has_token"], true,
            "a new token, in the SDK's model"
        );
        assert!(!r[5]["model"].is_null(), "{}", r[5]);
        assert_eq!(r[6]["typed"]["data"], true);
        assert_eq!(r[7]["typed"]["regions"][0]["region_id"], "cn-hangzhou");
        assert_eq!(r[7]["typed"]["regions"][0]["region_name"], "华东1（杭州）");
        // A page of one: the harbor registry (the quay one was deleted), and where it stands.
        let page = &r[8]["typed"];
        assert_eq!(
            page["registries"].as_array().map(Vec::len),
            Some(1),
            "{page}"
        );
        assert_eq!(page["registries"][0]["registry_type"], "harbor");
        assert_eq!(page["registries"][0]["registry_name"], "harbor.example.com");
        assert_eq!(page["page_info"]["total_count"], 1, "{page}");
        assert_eq!(page["page_info"]["current_page"], 1, "{page}");
        assert_eq!(page["page_info"]["page_size"], 1, "{page}");
        // the model carries no password (the API masks it) but does carry what it returned
        assert!(!r[2]["model"].to_string().contains(QUAY_PASSWORD));
    }
}

fn failure(r: &[Value], i: usize) -> &Value {
    let x = &r[i];
    assert_eq!(x["ok"], false, "call {i} should have failed: {x}");
    assert!(
        x["request_id"]
            .as_str()
            .is_some_and(|s| s.len() > 8 && s != "None"),
        "no RequestId in the SDK's exception: {x}"
    );
    x
}

fn list_call() -> Value {
    json!({"action": "ListPrivateRegistryList", "args": {}})
}

/// A bad signature, a missing required parameter, a missing STS token: the SDK's exception
/// carries the code, the status, the RequestId and the envelope's Recommend and HostId.
#[test]
fn sdk_sees_client_errors_with_code_and_request_id() {
    for signature in ["v3", "v2"] {
        let emu = emulator(Some(STS_TOKEN));
        let mut wrong = plan(&emu, signature, Some(STS_TOKEN), json!([list_call()]));
        wrong["access_key_secret"] = json!("not-the-secret");
        let r = run_sdk(&wrong);
        let x = failure(&r, 0);
        assert_eq!(x["code"], "SignatureDoesNotMatch", "{signature}: {x}");
        assert_eq!(x["exception"], "ClientException");
        assert_eq!(x["status_code"], 400);
        assert_eq!(x["data"]["HostId"], emu.addr().to_string());
        assert!(
            x["data"]["Recommend"]
                .as_str()
                .is_some_and(|s| s.contains("q=SignatureDoesNotMatch")),
            "{x}"
        );

        let r = run_sdk(&plan(&emu, signature, None, json!([list_call()])));
        let x = failure(&r, 0);
        assert!(
            x["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("InvalidSecurityToken")),
            "{signature}: {x}"
        );

        let r = run_sdk(&plan(
            &emu,
            signature,
            Some(STS_TOKEN),
            json!([{"action": "AddPrivateRegistry", "args": {
                "registry_type": "harbor", "registry_version": "V2", "protocol_type": 2,
                "net_type": 1, "registry_host_ip": "10.0.0.5",
                "domain_name": "harbor.example.com", "user_name": "robot",
                "registry_region_id": "cn-hangzhou"}}]),
        ));
        let x = failure(&r, 0);
        assert_eq!(x["code"], "MissingParameter", "{signature}: {x}");
        assert!(
            x["data"]["Message"]
                .as_str()
                .is_some_and(|m| m.contains("Password")),
            "{x}"
        );
    }
}

/// Throttling reaches the SDK as its ThrottlingException with the back-off the emulator asked
/// for; a RAM denial as a ClientException with AccessDeniedDetail.
#[test]
fn sdk_sees_throttling_and_denials() {
    for signature in ["v3", "v2"] {
        let emu = emulator(None);
        emu.set_faults(FaultConfig {
            throttle_rate: 1.0,
            ..Default::default()
        })
        .expect("faults");
        let r = run_sdk(&plan(&emu, signature, None, json!([list_call()])));
        let x = failure(&r, 0);
        assert_eq!(x["code"], "Throttling.User", "{signature}: {x}");
        assert_eq!(x["exception"], "ThrottlingException", "{x}");
        assert_eq!(x["retry_after"], 1000, "{x}");

        emu.set_faults(FaultConfig {
            deny_actions: vec!["ListPrivateRegistryList".into()],
            ..Default::default()
        })
        .expect("faults");
        let r = run_sdk(&plan(&emu, signature, None, json!([list_call()])));
        let x = failure(&r, 0);
        assert_eq!(x["code"], "NoPermission", "{signature}: {x}");
        assert_eq!(x["status_code"], 403);
        assert_eq!(
            x["access_denied_detail"]["AuthAction"], "yundun-sas:ListPrivateRegistryList",
            "{x}"
        );
    }
}

#[test]
fn the_sdk_script_exists() {
    assert!(Path::new(&root().join("tests/sdk/sas_sdk.py")).is_file());
}

#[test]
fn the_official_credential_providers_get_keys_from_the_emulator() {
    let emu = Emulator::start(EmulatorConfig {
        imds: sas_emulator::metadata::ImdsMode::Required,
        ..EmulatorConfig::default()
    })
    .expect("emulator");
    let dir = tempfile::tempdir().expect("dir");
    let token = |claims: sas_emulator::oidc::TokenRequest, name: &str| {
        let jwt = emu.oidc_token(&claims).expect("token");
        let path = dir.path().join(name);
        std::fs::write(&path, jwt).expect("token file");
        path.to_string_lossy().into_owned()
    };
    let claims = |audience: &str| sas_emulator::oidc::TokenRequest {
        subject: "repo:org/infra:ref:refs/heads/main".into(),
        audience: audience.into(),
        expires_in: 600,
        issuer: None,
    };
    let plan = json!({
        "endpoint": emu.endpoint(),
        "oidc_provider_arn": emu.oidc_provider_arn(),
        "role_arn": "acs:ram::1234567890123456:role/ci",
        "token_file": token(claims(sas_emulator::oidc::DEFAULT_AUDIENCE), "good"),
        "bad_token_file": token(claims("api://elsewhere"), "bad"),
        "credentials_uri": format!("http://{}{}", emu.endpoint(), sas_emulator::credentials_uri::PATH),
        "ecs_role_name": sas_emulator::DEFAULT_ECS_ROLE_NAME,
    });
    let results = run_python("credential_providers.py", &plan);
    let by_name = |name: &str| {
        results
            .iter()
            .find(|r| r["provider"] == name)
            .unwrap_or_else(|| panic!("no result for {name}: {results:?}"))
    };
    for name in ["oidc", "credentials_uri", "ecs_ram_role_imdsv2"] {
        let r = by_name(name);
        assert!(
            r["access_key_id"]
                .as_str()
                .is_some_and(|k| k.starts_with("STS."))
                && r["has_secret"] == true
                && r["has_token"] == true,
            "{name}: {r}"
        );
    }
    let refused = by_name("oidc_wrong_audience")["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        refused.contains("AuthenticationFail.OIDCToken.AudienceNotMatch"),
        "{refused}"
    );
    let oidc_calls: Vec<LogEntry> = emu
        .requests()
        .into_iter()
        .filter(|e| e.action.as_deref() == Some("AssumeRoleWithOIDC"))
        .collect();
    assert_eq!(oidc_calls.len(), 2, "{oidc_calls:?}");
    assert_eq!(oidc_calls[0].outcome, "Success");
    assert_eq!(
        oidc_calls[0].signature, None,
        "anonymous, as the SDK sends it"
    );
}
