//! Terraform state from what the API reports, and API requests from planned state: loops over
//! the field table (`fields.rs`), which says per attribute what is sent and what is read.

use super::api::QuayNamespace;
use super::fields::{Change, Field, Follow, Presence, FIELDS};
use alicloud::{AddPrivateRegistryRequest, ModifyImageRegistryRequest, RegistryInfo};
use tfplugin::value::Value;

/// A host name as it compares: DNS names compare without ASCII case, and a trailing dot (the
/// fully qualified form) changes nothing.
pub fn host_key(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether two host names name the same host ([`host_key`]).
pub fn same_host(a: &str, b: &str) -> bool {
    host_key(a) == host_key(b)
}

/// The fields the list reports, with what it says of each for `record`.
fn reported(
    record: &RegistryInfo,
) -> impl Iterator<Item = (&'static Field, Option<Value>, Follow)> + '_ {
    FIELDS
        .iter()
        .filter_map(move |f| f.read.map(|(read, follow)| (f, read(record), follow)))
}

/// The state an apply that created `record` returns: the planned values (Terraform rejects any
/// other for what the configuration set, as "inconsistent result after apply"), with what the
/// API chose filled in where the plan left it unknown (the computed attributes, an unset
/// `trans_per_hour`), and null where the API did not say, so nothing unknown is left.
pub fn created(record: &RegistryInfo, planned: &Value) -> Value {
    let mut state = planned.clone();
    for (field, api, _) in reported(record) {
        if state.attr(field.attribute).is_unknown() {
            state.set_attr(field.attribute, api.unwrap_or(Value::Null));
        }
    }
    null_unknowns(&mut state);
    state
}

/// `planned` with `id`, and null for every other value the plan left unknown: what a create
/// that made registry `id` but could not read it back records, so nothing is orphaned.
pub fn created_unread(id: i64, planned: &Value) -> Value {
    let mut state = planned.clone();
    state.set_attr("id", id.to_string().into());
    null_unknowns(&mut state);
    state
}

/// Any attribute still unknown (none should be, at apply) becomes null.
fn null_unknowns(state: &mut Value) {
    if let Value::Object(m) = state {
        for v in m.values_mut().filter(|v| v.is_unknown()) {
            *v = Value::Null;
        }
    }
}

/// The state a refresh of `prior` returns, given what the list reports. Only a real change
/// shows: a field the API leaves out or masks keeps its prior value, a host name equal but for
/// case or a trailing dot keeps the prior spelling, what the API never returns (password,
/// extra_param, timeouts) is kept, and an optional attribute the configuration leaves unset
/// stays null (`Follow::WhereManaged`), or an API default would show as a perpetual diff. Any
/// other difference is drift, planned as an update (or a replacement).
pub fn refreshed(record: &RegistryInfo, prior: &Value) -> Value {
    let mut state = prior.clone();
    for (field, api, follow) in reported(record) {
        let Some(api) = api else { continue };
        let old = prior.attr(field.attribute);
        let follows = match follow {
            Follow::Always => true,
            Follow::Host => {
                !matches!((old.as_str(), api.as_str()), (Some(o), Some(a)) if same_host(o, a))
            }
            Follow::WhereManaged => !old.is_null(),
        };
        if follows {
            state.set_attr(field.attribute, api);
        }
    }
    state
}

/// The state an import of `record` starts from (`empty`: every attribute null): what the API
/// reports, optional values included; what it leaves out or masks (the user name, when the
/// service hides it) stays null, like the password, and the next apply sends it from the
/// configuration.
pub fn imported(record: &RegistryInfo, empty: &Value) -> Value {
    let mut state = refreshed(record, empty);
    for (field, api, follow) in reported(record) {
        if follow == Follow::WhereManaged {
            state.set_attr(field.attribute, api.unwrap_or(Value::Null));
        }
    }
    state
}

/// Whether the list's `record` shows the change from `prior` to `planned`: every attribute
/// that changed reads back as planned, where the list reports it (a masked, omitted or merely
/// re-cased value counts as shown, as it does for a refresh).
pub fn shows_change(record: &RegistryInfo, prior: &Value, planned: &Value) -> bool {
    let now = refreshed(record, planned);
    reported(record).all(|(field, _, _)| {
        let name = field.attribute;
        prior.attr(name) == planned.attr(name) || now.attr(name) == planned.attr(name)
    })
}

/// Whether `record` agrees with `planned` in every field whose change means a new registry and
/// which the list reports. A field the list leaves out, or the plan leaves null, agrees.
pub fn agrees_on_replacing_fields(record: &RegistryInfo, planned: &Value) -> bool {
    reported(record).all(|(field, api, _)| {
        let wanted = planned.attr(field.attribute);
        !matches!(field.change, Change::Replace)
            || wanted.is_null()
            || api.is_none_or(|a| &a == wanted)
    })
}

/// The `extra_param` JSON for quay namespaces, as the API stores them.
pub fn extra_param_json(namespaces: &[QuayNamespace]) -> String {
    let items: Vec<serde_json::Value> = namespaces
        .iter()
        .map(|n| serde_json::json!({ "namespace": n.namespace, "authToken": n.auth_token }))
        .collect();
    serde_json::Value::Array(items).to_string()
}

/// `AddPrivateRegistry` parameters from a planned state (wholly known at apply), and from the
/// configuration for the write-only secrets, which are never in a plan.
pub fn new_registry(planned: &Value, config: &Value) -> Result<AddPrivateRegistryRequest, String> {
    if let Some(f) = FIELDS.iter().find(|f| {
        f.presence == Presence::Required && {
            let v = planned.attr(f.attribute);
            v.is_null() || !v.is_wholly_known()
        }
    }) {
        return Err(format!("`{}` must be known at apply", f.attribute));
    }
    let mut add = AddPrivateRegistryRequest::default();
    for set in FIELDS.iter().filter_map(|f| f.add) {
        set(&mut add, planned, config);
    }
    if add.password.expose().is_empty() {
        return Err("`password` or `password_wo` must be known at apply".into());
    }
    Ok(add)
}

/// `ModifyImageRegistry` parameters for the in-place attributes that differ; `None` when
/// none does. A new `password_wo_version` sends `password_wo` from the configuration; a first
/// one (on an imported registry, or one moved from `password`) only starts counting.
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
    for field in FIELDS {
        if let Change::InPlace(set) = field.change {
            let (before, after) = (prior.attr(field.attribute), planned.attr(field.attribute));
            let first_version = field.is_write_only_version() && before.is_null();
            if before != after && !first_version {
                set(&mut c, planned, config);
            }
        }
    }
    (!c.is_empty()).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alicloud::Secret;

    fn record() -> RegistryInfo {
        RegistryInfo {
            id: 7,
            registry_type: Some("harbor".into()),
            registry_version: Some("V2".into()),
            protocol_type: Some(2),
            net_type: Some(1),
            registry_host_ip: Some("192.0.2.10".into()),
            domain_name: Some("h.example.com".into()),
            port: Some(443),
            user_name: Some("admin".into()),
            region_id: Some("cn-hangzhou".into()),
            trans_per_hour: Some(10),
            token: Some("tok".into()),
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
        let mut p = super::super::fake::with(super::super::fake::harbor_config(), &unknown);
        p.set_attr("domain_name", "Harbor.Example.com.".into());
        p.set_attr("port", Value::int(443));
        p
    }

    #[test]
    fn a_create_keeps_every_planned_value_and_fills_only_the_computed_ones() {
        let api = RegistryInfo {
            domain_name: Some("harbor.example.com".into()),
            user_name: Some("******".into()),
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
        let bare = RegistryInfo {
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
        let realistic = RegistryInfo {
            domain_name: Some("harbor.example.com".into()),
            user_name: Some("******".into()),
            port: None,
            trans_per_hour: None,
            token: Some(String::new()),
            ..record()
        };
        assert_eq!(refreshed(&realistic, &prior), prior);
        let fq = RegistryInfo {
            domain_name: Some("HARBOR.EXAMPLE.COM".into()),
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
        let changed = RegistryInfo {
            domain_name: Some("other.example.com".into()),
            user_name: Some("operator".into()),
            registry_host_ip: Some("198.51.100.7".into()),
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
        let hidden = RegistryInfo {
            user_name: Some("******".into()),
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
        assert!(
            super::super::fields::masked("******")
                && !super::super::fields::masked("")
                && !super::super::fields::masked("a*")
        );
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
        let mut planned = super::super::fake::harbor_config();
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
        assert!(
            change(7, &planned, &prior, &config).is_none(),
            "a first version (after an import) only starts counting"
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
