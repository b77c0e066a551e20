//! Bad input at the protocol edge, sent over gRPC to the built provider binary: malformed
//! msgpack, wrong types, missing attributes, oversized values, unknown values where a known one
//! is required, types that do not exist. Each gets an error diagnostic within a few seconds; the
//! process never panics and keeps serving.

mod common;

use std::time::Duration;

use common::plugin_client::{
    msgpack, plan_registry, registry, registry_type, start_offline_v6, REGISTRY,
};
use tfplugin::framework::ProviderRpcs;
use tfplugin::proto::tfplugin6::{self, provider_client::ProviderClient, Diagnostic};
use tfplugin::value::{encode_msgpack, Value};
use tonic::transport::Channel;

fn harbor(overrides: &[(&str, Value)]) -> Value {
    let mut v = Value::object([
        ("id", Value::Null),
        ("registry_type", Value::from("harbor")),
        ("registry_version", Value::from("V2")),
        ("protocol_type", Value::int(2)),
        ("net_type", Value::int(1)),
        ("vpc_id", Value::Null),
        ("registry_host_ip", Value::from("192.0.2.1")),
        ("domain_name", Value::from("edge.example.com")),
        ("port", Value::Null),
        ("user_name", Value::from("admin")),
        ("password", Value::from("pw")),
        ("registry_region_id", Value::from("cn-hangzhou")),
        ("trans_per_hour", Value::Null),
        ("extra_param", Value::Null),
        ("token", Value::Null),
        ("region_id", Value::Null),
        ("timeouts", Value::Null),
    ]);
    for (k, val) in overrides {
        v.set_attr(k, val.clone());
    }
    v
}

/// msgpack for a map holding only `registry_type = "harbor"`.
fn missing_attributes() -> Vec<u8> {
    let mut b = vec![0x81, 0xad];
    b.extend_from_slice(b"registry_type");
    b.push(0xa6);
    b.extend_from_slice(b"harbor");
    b
}

/// `registry_type` whose header claims a 4 GiB string that is not there.
fn claimed_huge_string() -> Vec<u8> {
    let mut b = vec![0x81, 0xad];
    b.extend_from_slice(b"registry_type");
    b.extend_from_slice(&[0xdb, 0xff, 0xff, 0xff, 0xff, b'x']);
    b
}

/// Arrays nested far deeper than any schema allows.
fn deeply_nested() -> Vec<u8> {
    let mut b = vec![0x91; 100_000];
    b.push(0xc0);
    b
}

fn error_text(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .filter(|d| d.severity == tfplugin6::diagnostic::Severity::Error as i32)
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs one call with a deadline: a hung call fails the test as surely as a panic.
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within 10 s"))
}

async fn validate(
    c: &mut ProviderClient<Channel>,
    what: &str,
    type_name: &str,
    config: Option<tfplugin6::DynamicValue>,
) -> String {
    let r = within(
        what,
        c.validate_resource_config(tfplugin6::validate_resource_config::Request {
            type_name: type_name.into(),
            config,
            ..Default::default()
        }),
    )
    .await
    .unwrap_or_else(|e| panic!("{what}: the call itself failed: {e}"))
    .into_inner();
    error_text(&r.diagnostics)
}

#[tokio::test]
async fn malformed_values_get_diagnostics_and_the_provider_keeps_serving() {
    let (mut p, mut c) = start_offline_v6().await;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage bytes", vec![0xc1, 0xff, 0x00], "msgpack"),
        (
            "truncated",
            encode_msgpack(&harbor(&[]), &registry_type()).expect("encodes")[..40].to_vec(),
            "truncated",
        ),
        (
            "a string where an object belongs",
            vec![0xa3, b'a', b'b', b'c'],
            "object",
        ),
        ("missing attributes", missing_attributes(), "domain_name"),
        ("deep nesting", deeply_nested(), "expected object"),
        (
            "trailing bytes",
            [
                encode_msgpack(&harbor(&[]), &registry_type()).expect("encodes"),
                vec![0xc0],
            ]
            .concat(),
            "trailing",
        ),
        ("a claimed 4 GiB string", claimed_huge_string(), "truncated"),
    ];
    for (what, bytes, mentions) in cases {
        let errors = validate(&mut c, what, REGISTRY, msgpack(bytes)).await;
        eprintln!("{what}: {errors}");
        assert!(!errors.is_empty(), "{what}: an error diagnostic");
        assert!(
            errors.contains(mentions),
            "{what}: mentions {mentions:?}: {errors}"
        );
    }
    // a wrong type inside a well-formed object names the attribute
    let mut wrong = vec![0x81, 0xad];
    wrong.extend_from_slice(b"registry_type");
    wrong.push(0xc3);
    let errors = validate(&mut c, "a bool for a string", REGISTRY, msgpack(wrong)).await;
    assert!(
        errors.contains("registry_type"),
        "names the attribute: {errors}"
    );
    let errors = validate(
        &mut c,
        "JSON with a number for a string",
        REGISTRY,
        Some(tfplugin6::DynamicValue {
            msgpack: Vec::new(),
            json: br#"{"registry_type": 7}"#.to_vec(),
        }),
    )
    .await;
    assert!(
        errors.contains("registry_type"),
        "names the attribute: {errors}"
    );
    let errors = validate(&mut c, "no value at all", REGISTRY, None).await;
    assert!(
        errors.contains("missing"),
        "a missing config is an error: {errors}"
    );
    let errors = validate(
        &mut c,
        "an unknown resource type",
        "alicloud_nope",
        registry(&harbor(&[])),
    )
    .await;
    assert!(errors.contains("alicloud_nope"), "names the type: {errors}");

    // an oversized value is judged, not choked on
    let long = "a".repeat(2 << 20);
    let errors = validate(
        &mut c,
        "a 2 MiB domain name",
        REGISTRY,
        registry(&harbor(&[("domain_name", Value::from(long.as_str()))])),
    )
    .await;
    assert!(
        errors.contains("domain_name"),
        "points at domain_name: {}",
        &errors[..errors.len().min(300)]
    );
    assert!(
        !errors.contains(&long[..1000]),
        "does not echo the value back"
    );

    // still alive and well
    let schema = within(
        "schema after bad input",
        c.get_provider_schema(tfplugin6::get_provider_schema::Request::default()),
    )
    .await
    .expect("still serving");
    assert!(schema.into_inner().resource_schemas.contains_key(REGISTRY));
    assert!(
        p.child.try_wait().expect("poll").is_none(),
        "the provider process is alive"
    );
}

#[tokio::test]
async fn unknown_where_a_known_value_is_required_is_refused_at_apply() {
    let (mut p, mut c) = start_offline_v6().await;
    let provider = alicloud_provider::provider::new();
    let mut config = provider.schema().provider.block.empty_value();
    for (k, v) in [
        ("access_key", "LTAI-edge"),
        ("secret_key", "edge-secret"),
        ("region", "cn-hangzhou"),
    ] {
        config.set_attr(k, Value::from(v));
    }
    let configured = within(
        "configure",
        c.configure_provider(tfplugin6::configure_provider::Request {
            terraform_version: "1.0.3".into(),
            config: msgpack(
                encode_msgpack(&config, &provider.schema().provider.value_type()).expect("encodes"),
            ),
            ..Default::default()
        }),
    )
    .await
    .expect("configure answers")
    .into_inner();
    assert!(error_text(&configured.diagnostics).is_empty());

    let planned = harbor(&[
        ("domain_name", Value::Unknown),
        ("id", Value::Unknown),
        ("token", Value::Unknown),
        ("region_id", Value::Unknown),
        ("trans_per_hour", Value::Unknown),
    ]);
    let config = harbor(&[("domain_name", Value::Unknown)]);
    let prior = Value::Null;
    let r = within(
        "apply with an unknown domain",
        c.apply_resource_change(tfplugin6::apply_resource_change::Request {
            type_name: REGISTRY.into(),
            prior_state: registry(&prior),
            planned_state: registry(&planned),
            config: registry(&config),
            ..Default::default()
        }),
    )
    .await
    .expect("apply answers")
    .into_inner();
    let errors = error_text(&r.diagnostics);
    assert!(
        errors.contains("domain_name"),
        "names what is still unknown: {errors}"
    );

    // Planning and applying with bytes that do not decode: diagnostics, not crashes.
    let r = within(
        "plan with garbage",
        c.plan_resource_change(plan_registry(
            msgpack(vec![0xc1]),
            msgpack(vec![0xc1]),
            msgpack(vec![0xc1]),
        )),
    )
    .await
    .expect("plan answers")
    .into_inner();
    assert!(!error_text(&r.diagnostics).is_empty());
    let r = within(
        "read with garbage",
        c.read_resource(tfplugin6::read_resource::Request {
            type_name: REGISTRY.into(),
            current_state: msgpack(vec![0x92, 0xc0]),
            ..Default::default()
        }),
    )
    .await
    .expect("read answers")
    .into_inner();
    assert!(!error_text(&r.diagnostics).is_empty());
    let r = within(
        "import of a non-numeric id",
        c.import_resource_state(tfplugin6::import_resource_state::Request {
            type_name: REGISTRY.into(),
            id: "not-a-number; rm -rf /".into(),
            ..Default::default()
        }),
    )
    .await
    .expect("import answers")
    .into_inner();
    let errors = error_text(&r.diagnostics);
    assert!(errors.contains("registry id"), "explains the id: {errors}");
    assert!(
        p.child.try_wait().expect("poll").is_none(),
        "the provider process is alive"
    );
}
