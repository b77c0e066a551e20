//! The action `alicloud_sas_refresh_registry_token` with Terraform 1.16.4 against sas-emulator:
//! invoked on demand (`apply -invoke`), triggered after a create (with `caller`), refused by
//! the API under the default `on_failure = halt` and under `continue`, and checked at plan.
//! The new token never shows in the output, and the registry's `token` follows on the next
//! refresh without a diff. OpenTofu 1.12.6, which has no actions, still manages registries
//! with this provider.

mod common;

use common::{assert_says, flat};

use common::acceptance::{harbor, resource_values, Scenario};
use common::terraform::{cli, Client};

const CLIENT: Client = Client::Terraform1_16;
const REGISTRY: &str = "alicloud_sas_private_registry.r";

/// The token the emulator holds for the only registry.
fn token(s: &Scenario) -> String {
    let registries = s.emulator().registries();
    assert_eq!(registries.len(), 1, "one registry: {registries:?}");
    registries[0]["Token"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// An action block rotating the token of the registry `registry_id` (an HCL expression).
fn rotation(name: &str, registry_id: &str) -> String {
    format!(
        "\naction \"alicloud_sas_refresh_registry_token\" \"{name}\" {{\n  config {{\n    registry_id = {registry_id}\n  }}\n}}\n"
    )
}

/// The registry, with a lifecycle trigger of `action.….rotate` after its create.
fn rotated_after_create(on_failure: Option<&str>) -> String {
    let on_failure = on_failure.map_or(String::new(), |f| format!("      on_failure = {f}\n"));
    let trigger = format!(
        "lifecycle {{\n    action_trigger {{\n      events  = [after_create]\n      actions = [action.alicloud_sas_refresh_registry_token.rotate]\n{on_failure}    }}\n  }}"
    );
    format!(
        "{}{}",
        harbor(&[("", trigger.as_str())], &[]),
        rotation("rotate", "caller.id")
    )
}

fn refresh_calls(s: &Scenario) -> usize {
    s.emulator().count_actions("RefreshRegistryToken")
}

#[test]
fn apply_invoke_rotates_a_registrys_token_and_the_next_plan_is_empty_on_terraform_1_16_4() {
    // New registries show in lists at once: within the lag window a refresh keeps the state a
    // create recorded (`terraform_realism.rs`), and this test is about the token after it.
    let s = Scenario::on_emulator_with(
        CLIENT,
        &["--realism", "all", "--realism-appear-after-ms", "0"],
    );
    let config = format!(
        "{}{}{}",
        s.providers(),
        harbor(&[], &[]),
        rotation("rotate", &format!("{REGISTRY}.id"))
    );
    s.ws.write_config(&config);
    s.ws.apply();
    assert_eq!(
        refresh_calls(&s),
        0,
        "{CLIENT}: no trigger, nothing invoked"
    );
    let before = token(&s);

    let out =
        s.ws.apply_with(&["-invoke=action.alicloud_sas_refresh_registry_token.rotate"]);
    let after = token(&s);
    assert_ne!(before, after, "{CLIENT}: the registry has a new token");
    assert_eq!(refresh_calls(&s), 1, "{CLIENT}: one call");
    let text = flat(&out);
    assert_says(
        CLIENT,
        &text,
        &[
            "Action started: action.alicloud_sas_refresh_registry_token.rotate",
            "requesting a new token for registry",
            "Action complete: action.alicloud_sas_refresh_registry_token.rotate",
            "Actions: 1 invoked.",
        ],
    );
    assert!(
        !out.contains(&after) && !out.contains(&before),
        "{CLIENT}: a token in the output:\n{out}"
    );

    // The token is computed: the refresh records the new one, and nothing is planned.
    common::acceptance::assert_plan_empty(&s.ws, "after the rotation");
    s.ws.apply_with(&["-refresh-only"]);
    assert_eq!(
        resource_values(&s.ws.state(), REGISTRY)["token"],
        after.as_str(),
        "{CLIENT}: state follows the registry's token"
    );
}

#[test]
fn an_after_create_trigger_rotates_the_new_registrys_token_through_caller_on_terraform_1_16_4() {
    let s = Scenario::on_emulator_with(CLIENT, &[]);
    s.ws.write_config(&format!("{}{}", s.providers(), rotated_after_create(None)));
    let out = s.ws.apply();
    assert_eq!(
        refresh_calls(&s),
        1,
        "{CLIENT}: invoked once, after the create:\n{out}"
    );
    let text = flat(&out);
    assert!(
        text.contains("1 added") && text.contains("Actions: 1 invoked."),
        "{CLIENT}:\n{out}"
    );
    let rotated = token(&s);
    assert!(
        !out.contains(&rotated),
        "{CLIENT}: the token in the output:\n{out}"
    );
    // The request named the registry the create made.
    let id = resource_values(&s.ws.state(), REGISTRY)["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let sent = s
        .emulator()
        .requests()
        .into_iter()
        .find(|r| r["action"] == "RefreshRegistryToken")
        .expect("the call is logged");
    assert_eq!(
        sent["params"]["RegistryId"].as_str(),
        Some(id.as_str()),
        "{sent}"
    );
    common::acceptance::assert_plan_empty(&s.ws, "after the triggered rotation");
}

#[test]
fn a_denied_rotation_fails_the_apply_under_halt_naming_the_code_on_terraform_1_16_4() {
    let s = Scenario::on_emulator_with(CLIENT, &["--deny-action", "RefreshRegistryToken"]);
    s.ws.write_config(&format!("{}{}", s.providers(), rotated_after_create(None)));
    // Halt fails the apply.
    s.ws.fails_saying(
        &cli("apply", &[]),
        &[
            "Action failed: action.alicloud_sas_refresh_registry_token.rotate",
            "NoPermission",
            "RequestId",
            "yundun-sas:RefreshRegistryToken",
        ],
    );
    // The registry was created before the action ran: it is kept, in state and untainted.
    assert_eq!(s.emulator().registries().len(), 1, "{CLIENT}: the registry");
    let state = s.ws.state();
    assert!(
        resource_values(&state, REGISTRY)["id"].is_string(),
        "{CLIENT}: in state: {state}"
    );
    assert!(
        !state.to_string().contains("\"tainted\":true"),
        "{CLIENT}: halt does not taint: {state}"
    );
}

#[test]
fn a_denied_rotation_under_continue_is_a_warning_and_the_registry_is_kept_on_terraform_1_16_4() {
    let s = Scenario::on_emulator_with(CLIENT, &["--deny-action", "RefreshRegistryToken"]);
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        rotated_after_create(Some("continue"))
    ));
    let (ok, out) = s.ws.try_apply();
    assert!(ok, "{CLIENT}: continue lets the apply finish:\n{out}");
    let text = flat(&out);
    assert_says(
        CLIENT,
        &text,
        &[
            "Warning:",
            "NoPermission",
            "1 added",
            "Actions: 1 invoked, 1 failed.",
        ],
    );
    assert_eq!(
        s.emulator().registries().len(),
        1,
        "{CLIENT}: the registry stays"
    );
    assert!(
        resource_values(&s.ws.state(), REGISTRY)["id"].is_string(),
        "{CLIENT}: and is in state, untainted"
    );
}

#[test]
fn an_action_is_checked_at_plan_where_known_and_an_unknown_registry_is_named_on_terraform_1_16_4() {
    let s = Scenario::on_emulator_with(CLIENT, &[]);
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        rotation("bad", "\"not-an-id\"")
    ));
    let (ok, out) = s.ws.outcome(&cli("validate", &[]));
    assert!(!ok, "{CLIENT}: a malformed id fails validate:\n{out}");
    let text = flat(&out);
    assert!(
        text.contains("`registry_id` must be a registry id")
            && text.contains("registry_id = \"not-an-id\""),
        "{CLIENT}: at the attribute's line:\n{out}"
    );

    // A registry id unknown until apply is no error at plan (the registry is created first).
    s.ws.write_config(&format!("{}{}", s.providers(), rotated_after_create(None)));
    s.ws.ok(&cli("plan", &[]));

    // A registry Security Center does not have: the code, and `registry_id` named.
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        rotation("gone", "\"424242\"")
    ));
    // No such registry.
    s.ws.fails_saying(
        &cli(
            "apply",
            &["-invoke=action.alicloud_sas_refresh_registry_token.gone"],
        ),
        &[
            "Security Center has no registry 424242",
            "RequestId",
            "registry_id",
        ],
    );
}

/// OpenTofu has no actions: it takes the schema with the action in it and ignores it.
#[test]
fn opentofu_1_12_6_manages_registries_with_the_action_in_the_schema() {
    let s = Scenario::on_emulator_with(Client::OpenTofu1_12, &[]);
    s.ws.write_config(&format!("{}{}", s.providers(), harbor(&[], &[])));
    let schema = s.ws.providers_schema();
    assert!(schema.contains("alicloud_sas_private_registry"), "{schema}");
    s.ws.apply();
    common::acceptance::assert_plan_empty(&s.ws, "OpenTofu, after the apply");
    s.ws.destroy();
    assert!(s.emulator().registries().is_empty());
}
