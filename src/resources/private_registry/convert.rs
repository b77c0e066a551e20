//! The registry's own parts of turning plans into requests and API records into state; the
//! rest comes from its declaration (`fields.rs`) through `crate::resources::mapping`.

use super::api::QuayNamespace;
use super::fields::Fields;
use alicloud::{AddPrivateRegistryRequest, ModifyImageRegistryRequest};
use tfplugin::value::Value;

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
    let add = Fields::create_request(planned, config)?;
    if add.password.expose().is_empty() {
        return Err("`password` or `password_wo` must be known at apply".into());
    }
    Ok(add)
}

/// `ModifyImageRegistry` parameters for registry `id`'s in-place attributes that differ;
/// `None` when none does.
pub fn change(
    id: i64,
    prior: &Value,
    planned: &Value,
    config: &Value,
) -> Option<ModifyImageRegistryRequest> {
    let change = ModifyImageRegistryRequest {
        id,
        ..Fields::modify_request(prior, planned, config)?
    };
    (!change.is_empty()).then_some(change)
}

#[cfg(test)]
mod tests {
    use super::super::fake::listed as record;
    use super::*;
    use alicloud::{RegistryInfo, Secret};

    fn created(r: &RegistryInfo, p: &Value) -> Value {
        Fields::created(r, p)
    }

    fn refreshed(r: &RegistryInfo, p: &Value) -> Value {
        Fields::refreshed(r, p)
    }

    fn imported(r: &RegistryInfo, e: &Value) -> Value {
        Fields::imported(r, e)
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
            &Value::int(443),
            "port left unset is the registry's (computed)"
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
        let mut unmanaged = prior.clone();
        unmanaged.set_attr("user_name", Value::Null);
        assert_eq!(
            refreshed(&changed, &unmanaged).attr("user_name"),
            &Value::from("operator"),
            "a user name the configuration leaves out is the registry's (computed: never a diff)"
        );
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
