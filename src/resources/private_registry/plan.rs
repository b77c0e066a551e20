//! The registry's own planning rules, after the framework's flag-driven ones (computed values
//! unknown at create, `extra_param` compared as JSON, replacement by the declaration).

use super::fields::{secret_stored_as, Fields, Registry};
use crate::provider::Account;
use tfplugin::framework::model::Model;
use tfplugin::framework::{Diagnostic, Plan};
use tfplugin::value::{AttributePath, Value};

pub fn modify_plan(account: Option<&Account>, plan: &mut Plan<'_>) {
    if let Some(account) = account {
        check_region(account, plan);
    }
    if plan.is_create() {
        // Terraform's destroy plans this create too, in the refresh it runs first, and fails
        // on an error here: for a registry deleted outside Terraform, say it and let the apply
        // (which a destroy never reaches) refuse.
        let vanished = account.is_some_and(|s| s.registries.vanished_like(&plan.planned));
        for missing in missing_to_add(plan.config) {
            plan.diagnostics.push(if vanished {
                missing.after_vanishing()
            } else {
                missing.to_add()
            });
        }
        return;
    }
    let (prior, planned) = (plan.prior, &plan.planned);
    plan.requires_replace
        .retain(|p| !recorded_without_sending(prior, planned, p));
    if plan.requires_replace.is_empty() {
        // Moving a secret to its write-only form drops the stored one on purpose.
        let config = Registry::from_value(plan.config);
        let moved_to_write_only =
            |name: &str| secret_stored_as(name).is_some_and(|s| !config.is_null(s.write_only));
        let dropped: Vec<&str> = Fields::forgotten(prior, planned)
            .filter(|name| !moved_to_write_only(name))
            .collect();
        for name in dropped {
            plan.diagnostics.push(forgotten(name));
        }
    }
    if let Some(cause) = plan.requires_replace.first().cloned() {
        for missing in missing_to_add(plan.config) {
            plan.diagnostics.push(missing.to_replace(cause.clone()));
        }
    }
}

/// What dropping `name` from configuration does: Security Center cannot unset it, so the
/// registry keeps its value and only state forgets it. Said at plan, so the plan's update is
/// not read as a change to the registry.
fn forgotten(name: &str) -> Diagnostic {
    let instead = secret_stored_as(name).map_or(String::new(), |s| {
        format!(
            " To keep managing it without state, set `{}` and `{}`.",
            s.write_only.name, s.version.name
        )
    });
    Diagnostic::warning(
        format!("Removing {name} only takes it out of state"),
        format!("Security Center cannot unset a registry's {name}: the registry keeps the one it has, and this update only removes `{name}` from state. Nothing is sent.{instead}"),
    )
    .at(AttributePath::attr(name))
}

/// A new `registry_region_id` is checked like the provider's `region`, against the regions
/// known offline and with the same `skip_region_validation`, so a typo fails the plan with a
/// suggestion instead of the apply with the API's refusal. The validation of configuration
/// (which runs without the provider block) checks only its shape.
fn check_region(account: &Account, plan: &mut Plan<'_>) {
    let name = Registry::registry_region_id.name;
    let Some(region) = plan.planned.attr(name).as_str() else {
        return;
    };
    if plan.prior.attr(name).as_str() == Some(region) {
        return;
    }
    let skip = account.sas.config().skip_region_validation;
    if let Some(problem) = alicloud::regions::region_problem(region, skip) {
        plan.diagnostics.push(
            Diagnostic::error("Unknown registry region", format!("`{name}`: {problem}"))
                .at(AttributePath::attr(name)),
        );
    }
}

/// A change the declaration says is only recorded: such a secret or version taken from null
/// or to null (`Mapping::replaced_only_between_values`).
fn recorded_without_sending(prior: &Value, planned: &Value, path: &AttributePath) -> bool {
    Fields::recorded_only_between_values().any(|name| {
        *path == AttributePath::attr(name)
            && (prior.attr(name).is_null() || planned.attr(name).is_null())
    })
}

/// Something a new registry needs that an existing one may lack. `user_name`, the passwords
/// and a quay registry's tokens are optional so that an imported registry, whose password and
/// tokens the API never lists and whose user name it may mask, can be managed without them
/// (and configuration generated for it validates and plans clean); `AddPrivateRegistry` takes
/// none of them empty.
pub struct Missing {
    summary: &'static str,
    /// What is missing, as a sentence ends: "a password".
    what: &'static str,
    attribute: &'static str,
    /// How to give it.
    fix: &'static str,
}

/// What `config` lacks to add a registry, in the order the attributes are declared.
/// An unknown is not missing.
pub fn missing_to_add(config: &Value) -> Vec<Missing> {
    let c = Registry::from_value(config);
    let mut missing = Vec::new();
    if c.is_null(Registry::user_name) {
        missing.push(Missing {
            summary: "A new registry needs a user name",
            what: "a user name",
            attribute: Registry::user_name.name,
            fix: "Set `user_name` to the user Security Center logs in to the registry as.",
        });
    }
    if c.is_null(Registry::password) && c.is_null(Registry::password_wo) {
        missing.push(Missing {
            summary: "A new registry needs a password",
            what: "a password",
            attribute: Registry::password.name,
            fix: "Set `password_wo` (kept out of state; Terraform 1.11+, OpenTofu 1.11+) or `password` to the password of `user_name`: Security Center logs in with it.",
        });
    }
    let quay = c.registry_type.as_deref() == Some("quay");
    if quay && c.is_null(Registry::extra_param) && c.is_null(Registry::extra_param_wo) {
        missing.push(Missing {
            summary: "quay registries need extra_param",
            what: "its quay tokens",
            attribute: Registry::extra_param.name,
            fix: "`registry_type = \"quay\"` requires `extra_param_wo` (kept out of state; Terraform 1.11+, OpenTofu 1.11+) or `extra_param`: a JSON array like jsonencode([{ namespace = \"team\", authToken = var.quay_token }]).",
        });
    }
    missing
}

impl Missing {
    /// The error of a create without it.
    pub fn to_add(&self) -> Diagnostic {
        Diagnostic::error(
            self.summary,
            format!("{} It may be left unset only on a registry that already exists (an imported one keeps what it has).", self.fix),
        )
        .at(AttributePath::attr(self.attribute))
    }

    /// What the error becomes for a registry this process saw deleted outside Terraform.
    fn after_vanishing(&self) -> Diagnostic {
        Diagnostic::warning(
            "The registry was deleted outside Terraform",
            format!("This plan adds it again, and the apply will fail unless the configuration has {}. {} A destroy is not affected.", self.what, self.fix),
        )
        .at(AttributePath::attr(self.attribute))
    }

    /// The error of a replacement it blocks, naming the attribute that forces it, and at its
    /// line unless that line may hold a secret.
    fn to_replace(&self, cause: AttributePath) -> Diagnostic {
        let error = Diagnostic::error(
            format!("Replacing this registry needs {}", self.what),
            format!("Security Center cannot change `{cause}` in place, so this plan replaces the registry, and a new registry needs {}. Keep `{cause}` as it was, or: {}", self.what, self.fix),
        );
        if Fields::may_point_at(&cause.to_string()) {
            error.at(cause)
        } else {
            error
        }
    }
}

#[cfg(test)]
mod tests {
    use tfplugin::framework::{PlanRequest, PlanResponse, ProviderRpcs};
    use tfplugin::value::{AttributePath, Value};

    /// The plan the provider answers, the framework's rules and the registry's together.
    fn plan(prior: &Value, proposed: &Value, config: &Value) -> PlanResponse {
        let provider = crate::provider::new();
        let request = PlanRequest {
            type_name: super::super::TYPE_NAME.into(),
            prior_state: prior.clone(),
            proposed_new_state: proposed.clone(),
            config: config.clone(),
            prior_private: Vec::new(),
        };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
            .block_on(provider.plan_resource_change(request))
    }

    fn state() -> Value {
        super::super::fake::with(
            super::super::fake::harbor_config(),
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
            assert_eq!(p.planned_state.attr(k), &Value::Unknown, "{k}");
        }
        assert_eq!(p.planned_state.attr("password"), &Value::from("s3cret"));
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
        assert!(kept.diagnostics.is_empty());
        assert_eq!(kept.planned_state, imported, "nothing to change");
        proposed.set_attr("password", Value::Unknown);
        assert!(plan(&Value::Null, &proposed, &proposed)
            .diagnostics
            .is_empty());
    }

    #[test]
    fn a_write_only_password_in_the_configuration_is_enough_to_create() {
        use super::super::fake::with;
        let proposed = with(state(), &[("password", Value::Null)]);
        let config = with(proposed.clone(), &[("password_wo", "wo".into())]);
        let planned = plan(&Value::Null, &proposed, &config);
        assert!(planned.diagnostics.is_empty(), "{:?}", planned.diagnostics);
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

    /// An imported registry has no tokens and no versions in state: giving them records them,
    /// sending nothing and replacing nothing. Only a new value after a value is a new secret.
    #[test]
    fn tokens_and_versions_given_after_an_import_are_recorded_not_replaced() {
        let mut imported = state();
        imported.set_attr("extra_param", Value::Null);
        let mut given = imported.clone();
        given.set_attr(
            "extra_param",
            r#"[{"namespace":"a","authToken":"t"}]"#.into(),
        );
        given.set_attr("extra_param_wo_version", Value::int(1));
        let p = plan(&imported, &given, &given);
        assert!(p.requires_replace.is_empty(), "{:?}", p.requires_replace);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
    }

    /// A replacement that a missing password blocks says so at the attribute forcing it, not at
    /// `password`, which the configuration rightly leaves unset on an imported registry.
    #[test]
    fn a_replacement_without_a_password_points_at_what_forces_it() {
        let mut prior = state();
        prior.set_attr("password", Value::Null);
        let mut proposed = prior.clone();
        proposed.set_attr(
            "extra_param",
            r#"[{"namespace":"b","authToken":"t"}]"#.into(),
        );
        let p = plan(&prior, &proposed, &proposed);
        assert_eq!(p.diagnostics.0.len(), 1, "{:?}", p.diagnostics);
        let d = &p.diagnostics.0[0];
        assert_eq!(d.summary, "Replacing this registry needs a password");
        assert_eq!(d.attribute, None, "a secret's line is never shown");
        assert!(d.detail.contains("`extra_param`"), "{}", d.detail);
        let mut versioned = prior.clone();
        versioned.set_attr("extra_param_wo_version", Value::int(1));
        let mut bumped = versioned.clone();
        bumped.set_attr("extra_param_wo_version", Value::int(2));
        let p = plan(&versioned, &bumped, &bumped);
        assert_eq!(
            p.diagnostics.0[0].attribute,
            Some(AttributePath::attr("extra_param_wo_version"))
        );
    }

    #[test]
    fn no_change_plans_the_prior_state() {
        let p = plan(&state(), &state(), &state());
        assert_eq!(p.planned_state, state());
        assert!(p.requires_replace.is_empty());
    }

    #[test]
    fn in_place_change_keeps_computed_values() {
        let mut proposed = state();
        proposed.set_attr("password", "new".into());
        let p = plan(&state(), &proposed, &proposed);
        assert!(p.requires_replace.is_empty());
        assert_eq!(p.planned_state.attr("token"), &Value::from("tok"));
        assert_eq!(p.planned_state.attr("password"), &Value::from("new"));
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
        assert_eq!(p.planned_state, state());
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
            plan(&state(), &Value::Null, &Value::Null).planned_state,
            Value::Null
        );
    }
}
