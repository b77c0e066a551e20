//! Mapping between API records and Terraform state values: the one place that pairs attribute
//! names with API field names.

use super::api::{
    AddPrivateRegistryRequest, ModifyImageRegistryRequest, QuayNamespace, RegistryRecord,
};
use super::schema::UPDATE_ATTRS;
use alicloud::secret::Secret;
use tfplugin::value::Value;

/// Whether an API string is a masked value (`******`): the service hides some fields, such as
/// `UserName` in the published `AddPrivateRegistry` sample, and a mask says nothing about the
/// value behind it.
pub fn masked(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'*')
}

/// Whether two host names name the same host: DNS names compare without ASCII case, and a
/// trailing dot (the fully qualified form) changes nothing.
pub fn same_host(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// What the API told about a string field: `None` when it left it out (the client reads an
/// absent field as empty; no field we read may be empty) or masked it.
fn told(s: &str) -> Option<&str> {
    (!s.is_empty() && !masked(s)).then_some(s)
}

/// What the API told about an enumerated number (`ProtocolType`, `NetType`: 1 or 2, so 0 is an
/// absent field).
fn told_int(n: i64) -> Option<i64> {
    (n != 0).then_some(n)
}

/// The state an apply that created `record` returns: the planned values (Terraform rejects any
/// other for what the configuration set, as "inconsistent result after apply"), with what the
/// API chose filled in where the plan left it unknown (`id`, `token`, `region_id`, an unset
/// `trans_per_hour`), and null where the API did not say, so nothing unknown is left.
pub fn created(record: &RegistryRecord, planned: &Value) -> Value {
    let mut state = planned.clone();
    state.set_attr("id", record.id.to_string().into());
    let api: [(&str, Option<Value>); 3] = [
        ("token", told(&record.token).map(Value::from)),
        ("region_id", told(&record.region_id).map(Value::from)),
        ("trans_per_hour", record.trans_per_hour.map(Value::int)),
    ];
    for (name, value) in api {
        if state.attr(name).is_unknown() {
            state.set_attr(name, value.unwrap_or(Value::Null));
        }
    }
    null_unknowns(&mut state);
    state
}

/// Any attribute still unknown (none should be, at apply) becomes null.
fn null_unknowns(state: &mut Value) {
    let names: Vec<String> = match state {
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| v.is_unknown())
            .map(|(k, _)| k.clone())
            .collect(),
        _ => Vec::new(),
    };
    for name in names {
        state.set_attr(&name, Value::Null);
    }
}

/// The state a refresh of `prior` returns, given what the list reports. Only a real change
/// shows: a field the API leaves out or masks keeps its prior value, a host name equal but for
/// case or a trailing dot keeps the prior spelling, and what the API never returns (password,
/// extra_param, timeouts) is kept. Optional attributes the configuration leaves unset
/// (`port`, `vpc_id`: null in state) stay null, or an API default would show as a perpetual
/// diff. Any other difference is drift, planned as an update (or a replacement).
pub fn refreshed(record: &RegistryRecord, prior: &Value) -> Value {
    let mut state = prior.clone();
    state.set_attr("id", record.id.to_string().into());
    let mut follow = |name: &str, api: Option<Value>| {
        if let Some(v) = api {
            state.set_attr(name, v);
        }
    };
    follow(
        "registry_type",
        told(&record.registry_type).map(Value::from),
    );
    follow(
        "registry_version",
        told(&record.registry_version).map(Value::from),
    );
    follow(
        "protocol_type",
        told_int(record.protocol_type).map(Value::int),
    );
    follow("net_type", told_int(record.net_type).map(Value::int));
    follow(
        "registry_host_ip",
        told(&record.registry_host_ip).map(Value::from),
    );
    let domain = told(&record.domain_name).filter(|api| {
        !prior
            .attr("domain_name")
            .as_str()
            .is_some_and(|p| same_host(p, api))
    });
    follow("domain_name", domain.map(Value::from));
    follow("user_name", told(&record.user_name).map(Value::from));
    follow(
        "registry_region_id",
        told(&record.region_id).map(Value::from),
    );
    follow("region_id", told(&record.region_id).map(Value::from));
    follow("token", told(&record.token).map(Value::from));
    follow("trans_per_hour", record.trans_per_hour.map(Value::int));
    let managed = |name: &str| !prior.attr(name).is_null();
    let port = record.port.filter(|_| managed("port")).map(Value::int);
    let vpc = record
        .vpc_id
        .as_deref()
        .and_then(told)
        .filter(|_| managed("vpc_id"))
        .map(Value::from);
    follow("port", port);
    follow("vpc_id", vpc);
    state
}

/// The state an import of `record` starts from (`empty`: every attribute null): what the API
/// reports, optional values included; what it leaves out or masks (the user name, when the
/// service hides it) stays null, like the password, and the next apply sends it from the
/// configuration.
pub fn imported(record: &RegistryRecord, empty: &Value) -> Value {
    let mut state = refreshed(record, empty);
    state.set_attr("port", record.port.map(Value::int).unwrap_or(Value::Null));
    state.set_attr(
        "vpc_id",
        record
            .vpc_id
            .as_deref()
            .and_then(told)
            .map(Value::from)
            .unwrap_or(Value::Null),
    );
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
            registry_host_ip: "192.0.2.10".into(),
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
        let s = refreshed(&record(), &base);
        assert_eq!(s.attr("id"), &Value::from("7"));
        assert_eq!(s.attr("password"), &Value::from("pw"));
        assert_eq!(
            s.attr("port"),
            &Value::Null,
            "port not configured, not managed"
        );
        base.set_attr("port", Value::int(80));
        assert_eq!(
            refreshed(&record(), &base).attr("port"),
            &Value::int(443),
            "drift shows"
        );
    }

    /// The state after the create: what the API said about `planned`'s unknowns.
    fn planned() -> Value {
        let unknown = ["id", "token", "region_id", "trans_per_hour"].map(|k| (k, Value::Unknown));
        let mut p = super::super::fixtures::with(super::super::fixtures::harbor_config(), &unknown);
        p.set_attr("domain_name", "Harbor.Example.com.".into());
        p.set_attr("port", Value::int(443));
        p
    }

    #[test]
    fn a_create_keeps_every_planned_value_and_fills_only_the_computed_ones() {
        let api = RegistryRecord {
            domain_name: "harbor.example.com".into(),
            user_name: "******".into(),
            port: None,
            trans_per_hour: Some(10),
            ..record()
        };
        let s = created(&api, &planned());
        let mut want = planned();
        for (k, v) in [
            ("id", Value::from("7")),
            ("token", "tok".into()),
            ("region_id", "cn-hangzhou".into()),
            ("trans_per_hour", Value::int(10)),
        ] {
            want.set_attr(k, v);
        }
        assert_eq!(
            s, want,
            "configured values as planned, computed from the API"
        );
        // A configured trans_per_hour is kept whatever the API reports.
        let mut set = planned();
        set.set_attr("trans_per_hour", Value::int(30));
        assert_eq!(created(&api, &set).attr("trans_per_hour"), &Value::int(30));
    }

    #[test]
    fn nothing_unknown_survives_a_create_when_the_api_leaves_computed_fields_out() {
        let bare = RegistryRecord {
            id: 7,
            ..Default::default()
        };
        let s = created(&bare, &planned());
        assert!(s.is_wholly_known(), "{s:?}");
        assert_eq!(s.attr("id"), &Value::from("7"));
        for k in ["token", "region_id", "trans_per_hour"] {
            assert_eq!(s.attr(k), &Value::Null, "{k}");
        }
        assert_eq!(s.attr("user_name"), &Value::from("admin"));
    }

    #[test]
    fn a_refresh_sees_no_drift_in_masked_normalised_or_missing_fields() {
        let prior = created(&record(), &planned());
        let realistic = RegistryRecord {
            domain_name: "harbor.example.com".into(),
            user_name: "******".into(),
            port: None,
            trans_per_hour: None,
            token: String::new(),
            ..record()
        };
        assert_eq!(refreshed(&realistic, &prior), prior);
        let fq = RegistryRecord {
            domain_name: "HARBOR.EXAMPLE.COM".into(),
            ..record()
        };
        assert_eq!(
            refreshed(&fq, &prior).attr("domain_name"),
            &Value::from("Harbor.Example.com."),
            "the prior spelling is kept"
        );
    }

    #[test]
    fn a_refresh_shows_a_real_change() {
        let prior = created(&record(), &planned());
        let changed = RegistryRecord {
            domain_name: "other.example.com".into(),
            user_name: "operator".into(),
            registry_host_ip: "198.51.100.7".into(),
            port: Some(8443),
            trans_per_hour: Some(99),
            ..record()
        };
        let s = refreshed(&changed, &prior);
        assert_eq!(s.attr("domain_name"), &Value::from("other.example.com"));
        assert_eq!(s.attr("user_name"), &Value::from("operator"));
        assert_eq!(s.attr("registry_host_ip"), &Value::from("198.51.100.7"));
        assert_eq!(s.attr("port"), &Value::int(8443));
        assert_eq!(s.attr("trans_per_hour"), &Value::int(99));
    }

    #[test]
    fn an_import_leaves_what_the_api_hides_null() {
        let empty = super::super::schema::schema().block.empty_value();
        let hidden = RegistryRecord {
            user_name: "******".into(),
            port: None,
            trans_per_hour: None,
            vpc_id: Some(String::new()),
            ..record()
        };
        let s = imported(&hidden, &empty);
        assert!(s.is_wholly_known());
        for k in ["user_name", "port", "trans_per_hour", "vpc_id", "password"] {
            assert_eq!(s.attr(k), &Value::Null, "{k}");
        }
        assert_eq!(s.attr("domain_name"), &Value::from("h.example.com"));
        assert_eq!(imported(&record(), &empty).attr("port"), &Value::int(443));
        assert!(masked("******") && !masked("") && !masked("a*"));
        assert!(same_host("A.example.COM.", "a.example.com"));
        assert!(!same_host("a.example.com", "b.example.com"));
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
        assert!(tfplugin::framework::plan::json_equivalent(
            &json,
            r#"[{"authToken":"t","namespace":"team"}]"#
        ));
    }
}
