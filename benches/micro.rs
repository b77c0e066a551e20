//! Micro-benchmarks of the per-call work inside the provider: the msgpack codec on a registry
//! object, request signing (V3 and V2), and a whole PlanResourceChange through the protocol
//! core, in process. Run with `make bench` (or `cargo bench --bench micro`).

use std::hint::black_box;
use std::sync::Arc;

use alicloud::secret::Secret;
use alicloud::{sign_v2, sign_v3};
use criterion::{criterion_group, criterion_main, Criterion};
use tfplugin::framework::ProviderRpcs;
use tfplugin::protocol::{Core, WireValue};
use tfplugin::value::{decode_msgpack, encode_msgpack, Type, Value};

const REGISTRY: &str = "alicloud_sas_private_registry";

fn registry_type() -> Type {
    alicloud_provider::provider::new().schema().resources[REGISTRY].value_type()
}

/// A registry as it sits in state after a create.
fn registry_state() -> Value {
    Value::object([
        ("id", Value::from("1234567")),
        ("registry_type", Value::from("harbor")),
        ("registry_version", Value::from("V2")),
        ("protocol_type", Value::int(2)),
        ("net_type", Value::int(2)),
        ("vpc_id", Value::from("vpc-bp1a2b3c4d5e6f7g8h9i0")),
        ("registry_host_ip", Value::from("10.0.3.17")),
        ("domain_name", Value::from("harbor.prod.example.com")),
        ("port", Value::int(443)),
        ("user_name", Value::from("robot$scanner")),
        ("password", Value::from("correct horse battery staple")),
        ("registry_region_id", Value::from("cn-hangzhou")),
        ("trans_per_hour", Value::int(100)),
        ("extra_param", Value::Null),
        ("token", Value::from("2f6b8e5c-9a1d-4f0e-8b7a-3c2d1e0f9a8b")),
        ("region_id", Value::from("cn-hangzhou")),
        (
            "timeouts",
            Value::object([
                ("create", Value::from("10m")),
                ("update", Value::Null),
                ("delete", Value::Null),
            ]),
        ),
    ])
}

fn codec(c: &mut Criterion) {
    let ty = registry_type();
    let state = registry_state();
    let bytes = encode_msgpack(&state, &ty).expect("encodes");
    c.bench_function("msgpack decode + encode, registry object", |b| {
        b.iter(|| {
            let v = decode_msgpack(black_box(&bytes), &ty).expect("decodes");
            encode_msgpack(&v, &ty).expect("encodes")
        })
    });
}

fn add_params() -> Vec<(String, String)> {
    [
        ("RegistryType", "harbor"),
        ("RegistryVersion", "V2"),
        ("ProtocolType", "2"),
        ("NetType", "2"),
        ("VpcId", "vpc-bp1a2b3c4d5e6f7g8h9i0"),
        ("RegistryHostIp", "10.0.3.17"),
        ("DomainName", "harbor.prod.example.com"),
        ("UserName", "robot$scanner"),
        ("Password", "correct horse battery staple"),
        ("RegistryRegionId", "cn-hangzhou"),
        ("TransPerHour", "100"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn signing(c: &mut Criterion) {
    let secret = Secret::new("benchmark-access-key-secret");
    let query = add_params();
    let headers: Vec<(String, String)> = [
        ("host", "tds.aliyuncs.com"),
        ("x-acs-action", "AddPrivateRegistry"),
        ("x-acs-version", "2018-12-03"),
        ("x-acs-date", "2026-11-28T08:00:00Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        (
            "x-acs-content-sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    c.bench_function("sign V3 (ACS3-HMAC-SHA256), AddPrivateRegistry", |b| {
        b.iter(|| {
            sign_v3::sign(
                "LTAI-benchmark",
                &secret,
                &sign_v3::SignableRequest {
                    method: "POST",
                    query: black_box(&query),
                    headers: &headers,
                    body: b"",
                },
            )
        })
    });
    let mut v2 = add_params();
    v2.extend(
        [
            ("Action", "AddPrivateRegistry"),
            ("Version", "2018-12-03"),
            ("Format", "JSON"),
            ("AccessKeyId", "LTAI-benchmark"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", "3156853299f313e23d1673dc12e1703d"),
            ("Timestamp", "2026-11-28T08:00:00Z"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    c.bench_function("sign V2 (HMAC-SHA1), AddPrivateRegistry", |b| {
        b.iter(|| sign_v2::sign(&secret, "POST", black_box(&v2)))
    });
}

fn wire(msgpack: &[u8]) -> Option<WireValue<'_>> {
    Some(WireValue { msgpack, json: &[] })
}

fn plan(c: &mut Criterion) {
    let core = Core::new(Arc::new(alicloud_provider::provider::new()));
    let ty = registry_type();
    let prior = registry_state();
    let mut config = registry_state();
    config.set_attr("password", Value::from("a new password"));
    for computed in ["id", "token", "region_id"] {
        config.set_attr(computed, Value::Null);
    }
    let mut proposed = prior.clone();
    proposed.set_attr("password", Value::from("a new password"));
    let [prior, proposed, config] =
        [&prior, &proposed, &config].map(|v| encode_msgpack(v, &ty).expect("encodes"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    c.bench_function("PlanResourceChange in process, password update", |b| {
        b.iter(|| {
            rt.block_on(core.plan_resource_change(
                REGISTRY,
                wire(&prior),
                wire(&proposed),
                wire(&config),
                &[],
            ))
        })
    });
}

criterion_group!(benches, codec, signing, plan);
criterion_main!(benches);
