//! Mapping between API records and Terraform state values: the one place that pairs attribute
//! names with API field names.

use super::api::{
    AddPrivateRegistryRequest, ModifyImageRegistryRequest, QuayNamespace, RegistryRecord,
};
use super::schema::UPDATE_ATTRS;
use crate::alicloud::secret::Secret;
use crate::value::Value;

/// State for `record`, keeping from `base` what the API never returns (password, extra_param,
/// timeouts) and optional attributes the configuration leaves unset.
pub fn from_record(record: &RegistryRecord, base: &Value) -> Value {
    let mut state = base.clone();
    let set = |state: &mut Value, name: &str, v: Value| state.set_attr(name, v);
    set(&mut state, "id", record.id.to_string().into());
    set(
        &mut state,
        "registry_type",
        record.registry_type.clone().into(),
    );
    set(
        &mut state,
        "registry_version",
        record.registry_version.clone().into(),
    );
    set(
        &mut state,
        "protocol_type",
        Value::int(record.protocol_type),
    );
    set(&mut state, "net_type", Value::int(record.net_type));
    set(
        &mut state,
        "registry_host_ip",
        record.registry_host_ip.clone().into(),
    );
    set(&mut state, "domain_name", record.domain_name.clone().into());
    set(&mut state, "user_name", record.user_name.clone().into());
    set(
        &mut state,
        "registry_region_id",
        record.region_id.clone().into(),
    );
    set(&mut state, "region_id", record.region_id.clone().into());
    set(&mut state, "token", record.token.clone().into());
    if let Some(t) = record.trans_per_hour {
        set(&mut state, "trans_per_hour", Value::int(t));
    }
    // Optional, not computed: follow the API only where the configuration manages the value,
    // or an API default would show as a perpetual diff.
    if !base.attr("port").is_null() {
        set(
            &mut state,
            "port",
            record.port.map(Value::int).unwrap_or(Value::Null),
        );
    }
    if !base.attr("vpc_id").is_null() {
        let vpc = record.vpc_id.clone().filter(|v| !v.is_empty());
        set(
            &mut state,
            "vpc_id",
            vpc.map(Value::from).unwrap_or(Value::Null),
        );
    }
    state
}

/// The `extra_param` JSON for quay namespaces, as the API stores them.
pub fn extra_param_json(namespaces: &[QuayNamespace]) -> String {
    let items: Vec<serde_json::Value> = namespaces
        .iter()
        .map(|n| serde_json::json!({ "namespace": n.namespace, "authToken": n.auth_token }))
        .collect();
    serde_json::Value::Array(items).to_string()
}

fn string(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_string)
}

fn int(v: &Value, name: &str) -> Option<i64> {
    v.attr(name).as_i64()
}

/// `AddPrivateRegistry` parameters from a planned state (wholly known at apply), and from the
/// configuration for the write-only secrets, which are never in a plan.
pub fn new_registry(planned: &Value, config: &Value) -> Result<AddPrivateRegistryRequest, String> {
    let either = |stored: &str, write_only: &str| {
        string(planned, stored).or_else(|| string(config, write_only))
    };
    let need_s =
        |n: &str| string(planned, n).ok_or_else(|| format!("`{n}` must be known at apply"));
    let need_i = |n: &str| int(planned, n).ok_or_else(|| format!("`{n}` must be known at apply"));
    Ok(AddPrivateRegistryRequest {
        registry_type: need_s("registry_type")?,
        registry_version: need_s("registry_version")?,
        protocol_type: need_i("protocol_type")?,
        net_type: need_i("net_type")?,
        vpc_id: string(planned, "vpc_id"),
        registry_host_ip: need_s("registry_host_ip")?,
        domain_name: need_s("domain_name")?,
        port: int(planned, "port"),
        user_name: need_s("user_name")?,
        password: Secret::new(
            either("password", "password_wo")
                .ok_or("`password` or `password_wo` must be known at apply")?,
        ),
        registry_region_id: need_s("registry_region_id")?,
        trans_per_hour: int(planned, "trans_per_hour"),
        extra_param: either("extra_param", "extra_param_wo").map(Secret::new),
    })
}

/// `ModifyImageRegistry` parameters for the in-place attributes that differ; `None` when
/// none does. A new `password_wo_version` sends `password_wo` from the configuration.
pub fn change(
    id: i64,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> Option<ModifyImageRegistryRequest> {
    let mut c = ModifyImageRegistryRequest {
        id,
        ..Default::default()
    };
    for name in UPDATE_ATTRS {
        if prior.attr(name) == planned.attr(name) {
            continue;
        }
        match name {
            "registry_host_ip" => c.registry_host_ip = string(planned, name),
            "domain_name" => c.domain_name = string(planned, name),
            "port" => c.port = int(planned, name),
            "user_name" => c.user_name = string(planned, name),
            "password" => {
                if let Some(p) = string(planned, name) {
                    c.password = Some(Secret::new(p));
                }
            }
            "password_wo_version" => {
                if let Some(p) = string(config, "password_wo") {
                    c.password = Some(Secret::new(p));
                }
            }
            "trans_per_hour" => c.trans_per_hour = int(planned, name),
            _ => {}
        }
    }
    (!c.is_empty()).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RegistryRecord {
        RegistryRecord {
            id: 7,
            registry_type: "harbor".into(),
            registry_version: "V2".into(),
            protocol_type: 2,
            net_type: 1,
            registry_host_ip: "192.0.2.1".into(),
            domain_name: "h.example.com".into(),
            port: Some(443),
            user_name: "admin".into(),
            region_id: "cn-hangzhou".into(),
            trans_per_hour: Some(10),
            token: "tok".into(),
            ..Default::default()
        }
    }

    #[test]
    fn secrets_and_unmanaged_optionals_come_from_the_base() {
        let mut base = super::super::schema::schema().block.empty_value();
        base.set_attr("password", "pw".into());
        let s = from_record(&record(), &base);
        assert_eq!(s.attr("id"), &Value::from("7"));
        assert_eq!(s.attr("password"), &Value::from("pw"));
        assert_eq!(
            s.attr("port"),
            &Value::Null,
            "port not configured, not managed"
        );
        base.set_attr("port", Value::int(80));
        assert_eq!(
            from_record(&record(), &base).attr("port"),
            &Value::int(443),
            "drift shows"
        );
    }

    #[test]
    fn change_lists_only_what_differs() {
        let mut prior = super::super::schema::schema().block.empty_value();
        prior.set_attr("password", "a".into());
        prior.set_attr("port", Value::int(80));
        let mut planned = prior.clone();
        planned.set_attr("password", "b".into());
        let c = change(7, &prior, &planned, &planned).expect("a change");
        assert_eq!(c.password.as_ref().map(Secret::expose), Some("b"));
        assert!(c.port.is_none() && c.domain_name.is_none());
        assert!(
            !format!("{c:?}").contains("\"b\""),
            "Debug hides the password"
        );
    }

    #[test]
    fn write_only_secrets_come_from_the_configuration() {
        let mut planned = super::super::fixtures::harbor_config();
        planned.set_attr("password", Value::Null);
        planned.set_attr("registry_type", "quay".into());
        let mut config = planned.clone();
        config.set_attr("password_wo", "from-config".into());
        config.set_attr("extra_param_wo", "[]".into());
        let add = new_registry(&planned, &config).expect("complete");
        assert_eq!(add.password.expose(), "from-config");
        assert_eq!(add.extra_param.as_ref().map(Secret::expose), Some("[]"));
        assert!(
            new_registry(&planned, &planned).is_err(),
            "no password at all"
        );

        let mut prior = planned.clone();
        prior.set_attr("password_wo_version", Value::int(1));
        let mut bumped = prior.clone();
        bumped.set_attr("password_wo_version", Value::int(2));
        let c = change(7, &prior, &bumped, &config).expect("a change");
        assert_eq!(c.password.as_ref().map(Secret::expose), Some("from-config"));
        assert!(
            change(7, &prior, &prior, &config).is_none(),
            "the same version sends nothing"
        );
    }

    #[test]
    fn extra_param_round_trips_namespaces() {
        let json = extra_param_json(&[QuayNamespace {
            namespace: "team".into(),
            auth_token: "t".into(),
        }]);
        assert!(crate::framework::plan::json_equivalent(
            &json,
            r#"[{"authToken":"t","namespace":"team"}]"#
        ));
    }
}
