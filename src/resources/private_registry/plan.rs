//! Planning for `alicloud_sas_private_registry`: deterministic, quiet when nothing changed, and
//! explicit about replacement.

use super::schema::REPLACE_ATTRS;
use tfplugin::framework::plan::{keep_equivalent_json, requires_replace};
use tfplugin::framework::{Diagnostic, Diagnostics};
use tfplugin::value::{AttributePath, Value};

/// Computed attributes the API fills in at create.
const COMPUTED_AT_CREATE: [&str; 3] = ["id", "token", "region_id"];

pub struct Plan {
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
    pub diagnostics: Diagnostics,
}

pub fn plan(prior: &Value, proposed: &Value, config: &Value) -> Plan {
    if proposed.is_null() {
        return Plan {
            planned: Value::Null,
            requires_replace: Vec::new(),
            diagnostics: Diagnostics::new(),
        };
    }
    let mut planned = proposed.clone();
    if prior.is_null() {
        for name in COMPUTED_AT_CREATE {
            planned.set_attr(name, Value::Unknown);
        }
        if planned.attr("trans_per_hour").is_null() {
            planned.set_attr("trans_per_hour", Value::Unknown);
        }
        return Plan {
            planned,
            requires_replace: Vec::new(),
            diagnostics: creation_needs_a_password(config),
        };
    }
    // An update: Terraform's proposal already carries prior values for unset computed
    // attributes, and ModifyImageRegistry changes none of them, so nothing becomes unknown.
    keep_equivalent_json(prior, &mut planned, "extra_param");
    let mut requires_replace = requires_replace(prior, &planned, &REPLACE_ATTRS);
    // Moving the tokens to `extra_param_wo` takes them out of state; the registry keeps them.
    if planned.attr("extra_param").is_null() {
        requires_replace.retain(|p| *p != AttributePath::attr("extra_param"));
    }
    Plan {
        planned,
        requires_replace,
        diagnostics: Diagnostics::new(),
    }
}

/// `password` and `password_wo` are optional so that an imported registry, whose password the
/// API never returns, can be managed without one (and configuration generated for it
/// validates); a new registry cannot be added without one. Replacement plans come here too,
/// with no prior state. The write-only value is only in the configuration.
fn creation_needs_a_password(config: &Value) -> Diagnostics {
    if !config.attr("password").is_null() || !config.attr("password_wo").is_null() {
        return Diagnostics::new();
    }
    Diagnostic::error(
        "A new registry needs a password",
        "Set `password_wo` (kept out of state; Terraform 1.11+, OpenTofu 1.11+) or `password` to the password of `user_name`: Security Center logs in with it. Both may be left unset only on a registry that already exists (an imported one keeps the password it has).",
    )
    .at(AttributePath::attr("password"))
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> Value {
        super::super::fixtures::with(
            super::super::fixtures::harbor_config(),
            &[
                ("id", Value::from("12")),
                ("registry_type", "quay".into()),
                ("domain_name", "quay.example.com".into()),
                ("trans_per_hour", Value::int(10)),
                (
                    "extra_param",
                    r#"[{"namespace":"a","authToken":"t"}]"#.into(),
                ),
                ("token", "tok".into()),
                ("region_id", "cn-hangzhou".into()),
            ],
        )
    }

    #[test]
    fn create_marks_api_values_unknown() {
        let mut proposed = state();
        for k in ["id", "token", "region_id", "trans_per_hour"] {
            proposed.set_attr(k, Value::Null);
        }
        let p = plan(&Value::Null, &proposed, &proposed);
        for k in ["id", "token", "region_id", "trans_per_hour"] {
            assert_eq!(p.planned.attr(k), &Value::Unknown, "{k}");
        }
        assert_eq!(p.planned.attr("password"), &Value::from("s3cret"));
    }

    #[test]
    fn a_password_is_needed_to_create_but_not_to_keep_an_imported_registry() {
        let mut proposed = state();
        proposed.set_attr("password", Value::Null);
        let created = plan(&Value::Null, &proposed, &proposed);
        assert_eq!(created.diagnostics.0.len(), 1);
        assert_eq!(
            created.diagnostics.0[0].attribute,
            Some(AttributePath::attr("password"))
        );
        let mut imported = state();
        imported.set_attr("password", Value::Null);
        let kept = plan(&imported, &proposed, &proposed);
        assert!(kept.diagnostics.0.is_empty());
        assert_eq!(kept.planned, imported, "nothing to change");
        proposed.set_attr("password", Value::Unknown);
        assert!(plan(&Value::Null, &proposed, &proposed)
            .diagnostics
            .0
            .is_empty());
    }

    #[test]
    fn a_write_only_password_in_the_configuration_is_enough_to_create() {
        let mut proposed = state();
        proposed.set_attr("password", Value::Null);
        let mut config = proposed.clone();
        config.set_attr("password_wo", "wo".into());
        assert!(plan(&Value::Null, &proposed, &config)
            .diagnostics
            .0
            .is_empty());
    }

    #[test]
    fn moving_tokens_to_extra_param_wo_is_not_a_replacement_but_a_new_version_is() {
        let mut proposed = state();
        proposed.set_attr("extra_param", Value::Null);
        let p = plan(&state(), &proposed, &proposed);
        assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
        let mut prior = proposed.clone();
        prior.set_attr("extra_param_wo_version", Value::int(1));
        let mut bumped = prior.clone();
        bumped.set_attr("extra_param_wo_version", Value::int(2));
        assert_eq!(
            plan(&prior, &bumped, &bumped).requires_replace,
            vec![AttributePath::attr("extra_param_wo_version")]
        );
    }

    #[test]
    fn no_change_plans_the_prior_state() {
        let p = plan(&state(), &state(), &state());
        assert_eq!(p.planned, state());
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn in_place_change_keeps_computed_values() {
        let mut proposed = state();
        proposed.set_attr("password", "new".into());
        let p = plan(&state(), &proposed, &proposed);
        assert!(p.requires_replace.is_empty());
        assert_eq!(p.planned.attr("token"), &Value::from("tok"));
        assert_eq!(p.planned.attr("password"), &Value::from("new"));
    }

    #[test]
    fn replace_attributes_force_replacement() {
        let mut proposed = state();
        proposed.set_attr("registry_version", "V1".into());
        let p = plan(&state(), &proposed, &proposed);
        assert_eq!(
            p.requires_replace,
            vec![AttributePath::attr("registry_version")]
        );
    }

    #[test]
    fn json_rewrite_of_extra_param_is_not_a_change() {
        let mut proposed = state();
        proposed.set_attr(
            "extra_param",
            "[ { \"authToken\": \"t\", \"namespace\": \"a\" } ]".into(),
        );
        let p = plan(&state(), &proposed, &proposed);
        assert_eq!(p.planned, state());
        assert!(p.requires_replace.is_empty());
        proposed.set_attr(
            "extra_param",
            r#"[{"namespace":"b","authToken":"t"}]"#.into(),
        );
        assert_eq!(
            plan(&state(), &proposed, &proposed).requires_replace,
            vec![AttributePath::attr("extra_param")]
        );
    }

    #[test]
    fn destroy_plans_null() {
        assert_eq!(
            plan(&state(), &Value::Null, &Value::Null).planned,
            Value::Null
        );
    }
}
