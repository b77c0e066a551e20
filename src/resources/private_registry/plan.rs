//! The registry's own planning rules, after the framework's flag-driven ones (computed values
//! unknown at create, `extra_param` compared as JSON, replacement by the declaration).

use super::fields::{Fields, Registry};
use crate::provider::Session;
use tfplugin::framework::{Diagnostic, Plan};
use tfplugin::value::{AttributePath, Value};

pub fn modify_plan(session: Option<&Session>, plan: &mut Plan<'_>) {
    if plan.is_create() {
        if let Some(missing) = password_missing(plan.config) {
            // Terraform's destroy plans this create too, in the refresh it runs first, and
            // fails on an error here: for a registry deleted outside Terraform, say it and let
            // the apply (which a destroy never reaches) refuse.
            let vanished = session.is_some_and(|s| s.registries.vanished_like(&plan.planned));
            plan.diagnostics.push(if vanished {
                after_vanishing(missing)
            } else {
                missing
            });
        }
        return;
    }
    let (prior, planned) = (plan.prior, &plan.planned);
    plan.requires_replace
        .retain(|p| !recorded_without_sending(prior, planned, p));
    if let Some(cause) = plan.requires_replace.first() {
        if password_missing(plan.config).is_some() {
            plan.diagnostics
                .push(replacement_needs_a_password(cause.clone()));
        }
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

/// `password` and `password_wo` are optional so that an imported registry, whose password the
/// API never returns, can be managed without one (and configuration generated for it
/// validates); a new registry cannot be added without one. The write-only value is only in
/// the configuration.
pub fn password_missing(config: &Value) -> Option<Diagnostic> {
    if !config.attr(&Registry::password).is_null() || !config.attr(&Registry::password_wo).is_null()
    {
        return None;
    }
    Some(
        Diagnostic::error(
            "A new registry needs a password",
            "Set `password_wo` (kept out of state; Terraform 1.11+, OpenTofu 1.11+) or `password` to the password of `user_name`: Security Center logs in with it. Both may be left unset only on a registry that already exists (an imported one keeps the password it has).",
        )
        .at(AttributePath::attr("password")),
    )
}

/// What `missing` becomes for a registry this process saw deleted outside Terraform.
fn after_vanishing(missing: Diagnostic) -> Diagnostic {
    Diagnostic::warning(
        "The registry was deleted outside Terraform",
        format!("This plan adds it again, and the apply will fail unless the configuration has a password. {} A destroy is not affected.", missing.detail),
    )
    .at(AttributePath::attr("password"))
}

/// The error of a replacement that a missing password blocks, naming the attribute that
/// forces it, and at its line unless that line may hold a secret.
fn replacement_needs_a_password(cause: AttributePath) -> Diagnostic {
    let error = Diagnostic::error(
        "Replacing this registry needs a password",
        format!("Security Center cannot change `{cause}` in place, so this plan replaces the registry, and a new registry needs a password. Keep `{cause}` as it was, or set `password_wo` (or `password`) to the password of `user_name`."),
    );
    if Fields::may_point_at(&cause.to_string()) {
        error.at(cause)
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use tfplugin::framework::{PlanRequest, PlanResponse, Provider};
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
        assert!(kept.diagnostics.0.is_empty());
        assert_eq!(kept.planned_state, imported, "nothing to change");
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
        assert!(p.diagnostics.0.is_empty(), "{:?}", p.diagnostics);
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
