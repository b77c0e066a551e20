//! Structured registry and data source configurations (each attribute null, unknown or any
//! value) through plan-time validation: never a panic, and a message never quotes a secret.
#![no_main]

use std::sync::OnceLock;

use alicloud_provider::provider::AlicloudServer;
use tfplugin::framework::ProviderRpcs;
use tfplugin::value::{AttributePath, Value};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Field<T> {
    Null,
    Unknown,
    Known(T),
}

impl Field<String> {
    fn value(&self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Unknown => Value::Unknown,
            Field::Known(s) => Value::from(s.as_str()),
        }
    }
}

impl Field<i64> {
    fn value(&self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Unknown => Value::Unknown,
            Field::Known(i) => Value::int(*i),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Registry {
    registry_type: Field<String>,
    registry_version: Field<String>,
    protocol_type: Field<i64>,
    net_type: Field<i64>,
    vpc_id: Field<String>,
    registry_host_ip: Field<String>,
    domain_name: Field<String>,
    port: Field<i64>,
    user_name: Field<String>,
    password: Field<String>,
    registry_region_id: Field<String>,
    trans_per_hour: Field<i64>,
    extra_param: Field<String>,
    timeouts: Option<[Field<String>; 3]>,
    registry_name_filter: Field<String>,
}

fn provider() -> &'static AlicloudServer {
    static P: OnceLock<AlicloudServer> = OnceLock::new();
    P.get_or_init(alicloud_provider::provider::new)
}

fuzz_target!(|r: Registry| {
    let timeouts = match &r.timeouts {
        None => Value::Null,
        Some([create, update, delete]) => Value::object([
            ("create", create.value()),
            ("update", update.value()),
            ("delete", delete.value()),
        ]),
    };
    let config = Value::object([
        ("id", Value::Null),
        ("registry_type", r.registry_type.value()),
        ("registry_version", r.registry_version.value()),
        ("protocol_type", r.protocol_type.value()),
        ("net_type", r.net_type.value()),
        ("vpc_id", r.vpc_id.value()),
        ("registry_host_ip", r.registry_host_ip.value()),
        ("domain_name", r.domain_name.value()),
        ("port", r.port.value()),
        ("user_name", r.user_name.value()),
        ("password", r.password.value()),
        ("registry_region_id", r.registry_region_id.value()),
        ("trans_per_hour", r.trans_per_hour.value()),
        ("extra_param", r.extra_param.value()),
        ("token", Value::Null),
        ("region_id", Value::Null),
        ("timeouts", timeouts),
    ]);
    let diags = provider().validate_resource_config("alicloud_sas_private_registry", &config);
    // extra_param holds auth tokens: no message about it may quote it. (Messages about other
    // attributes quote their own values, which may happen to contain the same text.) Only
    // secrets with a non-ASCII letter are judged: message templates are ASCII, so an ASCII
    // secret may be a piece of one ("valid extra_" was), and Debug quoting keeps such letters.
    if let Field::Known(secret) = &r.extra_param {
        if secret.chars().count() >= 8 && secret.chars().any(|c| c.is_alphanumeric() && !c.is_ascii()) {
            let about_it = Some(AttributePath::attr("extra_param"));
            for d in diags.0.iter().filter(|d| d.attribute == about_it) {
                assert!(
                    !d.detail.contains(secret.as_str()) && !d.summary.contains(secret.as_str()),
                    "a diagnostic quotes extra_param"
                );
            }
        }
    }
    let filter = Value::object([
        ("registry_type", r.registry_type.value()),
        ("domain_name_regex", r.registry_name_filter.value()),
        ("ids", Value::Null),
        ("registries", Value::Null),
        ("id", Value::Null),
    ]);
    let _ = provider().validate_data_source_config("alicloud_sas_private_registries", &filter);
});
