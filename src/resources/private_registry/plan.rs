//! Planning for `alicloud_sas_private_registry`: deterministic, quiet when nothing changed, and
//! explicit about replacement.

use super::schema::REPLACE_ATTRS;
use crate::framework::plan::{keep_equivalent_json, requires_replace};
use crate::value::{AttributePath, Value};

/// Computed attributes the API fills in at create.
const COMPUTED_AT_CREATE: [&str; 3] = ["id", "token", "region_id"];

pub struct Plan {
    pub planned: Value,
    pub requires_replace: Vec<AttributePath>,
}

pub fn plan(prior: &Value, proposed: &Value) -> Plan {
    if proposed.is_null() {
        return Plan {
            planned: Value::Null,
            requires_replace: Vec::new(),
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
        };
    }
    // An update: Terraform's proposal already carries prior values for unset computed
    // attributes, and ModifyImageRegistry changes none of them, so nothing becomes unknown.
    keep_equivalent_json(prior, &mut planned, "extra_param");
    let requires_replace = requires_replace(prior, &planned, &REPLACE_ATTRS);
    Plan {
        planned,
        requires_replace,
    }
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
        let p = plan(&Value::Null, &proposed);
        for k in ["id", "token", "region_id", "trans_per_hour"] {
            assert_eq!(p.planned.attr(k), &Value::Unknown, "{k}");
        }
        assert_eq!(p.planned.attr("password"), &Value::from("s3cret"));
    }

    #[test]
    fn no_change_plans_the_prior_state() {
        let p = plan(&state(), &state());
        assert_eq!(p.planned, state());
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn in_place_change_keeps_computed_values() {
        let mut proposed = state();
        proposed.set_attr("password", "new".into());
        let p = plan(&state(), &proposed);
        assert!(p.requires_replace.is_empty());
        assert_eq!(p.planned.attr("token"), &Value::from("tok"));
        assert_eq!(p.planned.attr("password"), &Value::from("new"));
    }

    #[test]
    fn replace_attributes_force_replacement() {
        let mut proposed = state();
        proposed.set_attr("registry_version", "V1".into());
        let p = plan(&state(), &proposed);
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
        let p = plan(&state(), &proposed);
        assert_eq!(p.planned, state());
        assert!(p.requires_replace.is_empty());
        proposed.set_attr(
            "extra_param",
            r#"[{"namespace":"b","authToken":"t"}]"#.into(),
        );
        assert_eq!(
            plan(&state(), &proposed).requires_replace,
            vec![AttributePath::attr("extra_param")]
        );
    }

    #[test]
    fn destroy_plans_null() {
        assert_eq!(plan(&state(), &Value::Null).planned, Value::Null);
    }
}
