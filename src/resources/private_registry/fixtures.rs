//! Test fixtures shared by this resource's unit tests.

use tfplugin::value::Value;

/// A valid harbor configuration, every other attribute null.
pub fn harbor_config() -> Value {
    let mut v = super::schema::schema().block.empty_value();
    for (k, val) in [
        ("registry_type", Value::from("harbor")),
        ("registry_version", "V2".into()),
        ("protocol_type", Value::int(2)),
        ("net_type", Value::int(1)),
        ("registry_host_ip", "192.0.2.10".into()),
        ("domain_name", "harbor.example.com".into()),
        ("user_name", "admin".into()),
        ("password", "s3cret".into()),
        ("registry_region_id", "cn-hangzhou".into()),
    ] {
        v.set_attr(k, val);
    }
    v
}

/// `v` with the given attributes replaced.
pub fn with(mut v: Value, attrs: &[(&str, Value)]) -> Value {
    for (k, val) in attrs {
        v.set_attr(k, val.clone());
    }
    v
}
