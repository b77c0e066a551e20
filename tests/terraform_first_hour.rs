//! What a new user hits in the first hour, each with the newest Terraform in the suite
//! (1.16.4) against sas-emulator answering as the real service does (`--realism all`):
//! a destroy after the registry vanished, a quay token kept out of an import's plan, a
//! region typo, a replacement that names its cause, the data source's masked user name.

mod common;

use common::acceptance::{harbor, planned_actions, resource_values, Scenario, Step};
use common::plan_file;
use common::terraform::{cli, on_clients, Client, Workspace};
use serde_json::Value as Json;

const NEWEST: Client = Client::Terraform1_16;
const HARBOR: &str = "alicloud_sas_private_registry.r";
const QUAY: &str = "alicloud_sas_private_registry.q";
const TOKEN: &str = "quay-first-hour-token";

/// The registry `address` manages in `ws`, by id.
fn id_in(ws: &Workspace, address: &str) -> String {
    resource_values(&ws.state(), address)["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} has no id"))
        .to_string()
}

fn import_block(address: &str, id: &str) -> String {
    format!("\nimport {{\n  to = {address}\n  id = \"{id}\"\n}}\n")
}

/// Resources in the state file (none once everything is destroyed or forgotten).
fn resources_in_state(ws: &Workspace) -> usize {
    let raw = std::fs::read_to_string(ws.path().join("terraform.tfstate")).expect("state file");
    let state: Json = serde_json::from_str(&raw).expect("state JSON");
    state["resources"].as_array().map_or(0, Vec::len)
}

on_clients! {
    destroy_finishes_after_an_imported_registry_vanished:
    /// Item 1. Terraform's destroy first runs a normal plan to refresh, and that plan proposes to
    /// create again a registry that vanished; a check only a create needs must not fail it.
    destroy_finishes_after_an_imported_registry_vanished_on_terraform_1_16_4 => Terraform1_16,
    destroy_finishes_after_an_imported_registry_vanished_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn destroy_finishes_after_an_imported_registry_vanished(client: Client) {
    let s = Scenario::on_emulator_with(client, &["--realism", "all"]);
    s.run(vec![Step::new(harbor(&[], &[]))]);
    let id = id_in(&s.ws, HARBOR);
    let adopted = s.fresh_workspace();
    adopted.write_config(&format!(
        "{}{}{}",
        s.providers(),
        harbor(&[], &["password"]),
        import_block(HARBOR, &id)
    ));
    adopted.apply();
    assert_eq!(resources_in_state(&adopted), 1, "imported");

    s.emulator().delete(&id);
    let (ok, text) = adopted.outcome(&cli("destroy", &[]));
    assert!(ok, "{client}: destroy must finish:\n{text}");
    assert!(text.contains("0 destroyed"), "{client}:\n{text}");
    assert!(!text.contains("needs a password"), "{client}:\n{text}");
    assert_eq!(resources_in_state(&adopted), 0, "an empty state");
}

/// A user name, a password and a quay registry's tokens may be left out of configuration for a
/// registry that exists (the API never lists the secrets and may mask the name), so an adopted
/// registry validates and plans clean; adding one without them is refused at plan, each at its
/// line, before any call.
#[test]
fn a_new_registry_without_what_adding_needs_is_refused_at_plan_on_terraform_1_16_4() {
    let s = Scenario::on_emulator_with(NEWEST, &["--realism", "all"]);
    let bare = harbor(&[("registry_type", "\"quay\"")], &["user_name", "password"]);
    s.ws.write_config(&format!("{}{bare}", s.providers()));
    let text = s.ws.fails_saying(
        &cli("plan", &[]),
        &[
            "A new registry needs a user name",
            "A new registry needs a password",
            "quay registries need extra_param",
        ],
    );
    assert!(
        text.matches("on main.tf line").count() >= 3,
        "{NEWEST}: each at its line:\n{text}"
    );
    assert_eq!(s.emulator().count_actions("AddPrivateRegistry"), 0);
}

/// An argument: its name and its HCL expression.
type Arg = (&'static str, String);

/// The quay registry of these scenarios, with `args` added.
fn quay(args: &[Arg]) -> String {
    let mut set = vec![("domain_name", "\"quay-first-hour.example.com\"")];
    set.extend(args.iter().map(|(n, v)| (*n, v.as_str())));
    common::acceptance::quay(&set, &[])
}

/// `extra_param_wo` with the token given by the HCL expression `token`, and its version.
fn wo_tokens(token: &str, version: u32) -> Vec<Arg> {
    vec![
        (
            "extra_param_wo",
            format!("jsonencode([{{ namespace = \"team\", authToken = {token} }}])"),
        ),
        ("extra_param_wo_version", version.to_string()),
    ]
}

/// `args` and a write-only password.
fn with_password(mut args: Vec<Arg>) -> Vec<Arg> {
    args.push(("password_wo", "\"quay-password\"".into()));
    args
}

fn literal(token: &str) -> String {
    format!("\"{token}\"")
}

/// The token as a user passes it: an ephemeral variable (Terraform 1.10+), which no plan file
/// stores, set from the environment.
const TOKEN_VARIABLE: &str = "
variable \"quay_token\" {
  type      = string
  ephemeral = true
}
";

/// The parameters a write `action`'s request declares (`request!` in `alicloud`).
fn declared_by(action: &str) -> &'static [alicloud::request::Parameter] {
    use alicloud::request::Request;
    [
        (
            alicloud::AddPrivateRegistryRequest::ACTION,
            alicloud::AddPrivateRegistryRequest::PARAMETERS,
        ),
        (
            alicloud::ModifyImageRegistryRequest::ACTION,
            alicloud::ModifyImageRegistryRequest::PARAMETERS,
        ),
        (
            alicloud::DeletePrivateRegistryRequest::ACTION,
            alicloud::DeletePrivateRegistryRequest::PARAMETERS,
        ),
        (
            alicloud::RefreshRegistryTokenRequest::ACTION,
            alicloud::RefreshRegistryTokenRequest::PARAMETERS,
        ),
    ]
    .into_iter()
    .find(|(a, _)| *a == action)
    .map_or(&[], |(_, declared)| declared)
}

/// The API calls that change something, since the log was last cleared: each action with the
/// parameters it declares (`alicloud`'s request declarations) that it sent, besides the
/// registry's id.
fn writes(s: &Scenario) -> Vec<String> {
    s.emulator()
        .requests()
        .iter()
        .filter_map(|r| {
            let action = r["action"].as_str()?;
            let declared = declared_by(action);
            let sent: Vec<&str> = declared
                .iter()
                .map(|p| p.name)
                .filter(|p| !["Id", "RegistryId"].contains(p) && r["params"].get(*p).is_some())
                .collect();
            Some(format!("{action}({})", sent.join(",")))
        })
        .filter(|a| !a.starts_with("List") && !a.starts_with("Page"))
        .collect()
}

on_clients! {
    an_imported_quay_registry_keeps_its_tokens_out_of_plan_and_state:
    /// Items 2 and 4. Importing a quay registry into configuration that gives its tokens
    /// write-only: no token reaches the plan (file or JSON) or the state, the first
    /// `extra_param_wo_version` is recorded without sending or replacing anything, and a later new
    /// token that needs a new registry names what forces the replacement, not the password.
    an_imported_quay_registry_keeps_its_tokens_out_of_plan_and_state_on_terraform_1_16_4 => Terraform1_16,
    an_imported_quay_registry_keeps_its_tokens_out_of_plan_and_state_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn an_imported_quay_registry_keeps_its_tokens_out_of_plan_and_state(client: Client) {
    let s = Scenario::on_emulator_with(client, &["--realism", "all"]);
    s.run(vec![Step::new(quay(&with_password(wo_tokens(
        &literal(TOKEN),
        1,
    ))))]);
    let id = id_in(&s.ws, QUAY);
    let mut adopted = s.fresh_workspace();
    adopted.set_env("TF_VAR_quay_token", TOKEN);
    adopted.write_config(&format!(
        "{}{TOKEN_VARIABLE}{}{}",
        s.providers(),
        quay(&wo_tokens("var.quay_token", 1)),
        import_block(QUAY, &id)
    ));
    s.emulator().clear_requests();
    adopted.ok(&cli("plan", &["-out=import.tfplan"]));
    let plan_path = adopted.path().join("import.tfplan");
    assert_eq!(
        plan_file::occurrences(&plan_path, TOKEN),
        0,
        "{client}: the quay token is in the plan file"
    );
    let shown = adopted.ok(&["show", "-json", "import.tfplan"]);
    assert!(!shown.contains(TOKEN), "{client}: token in show -json");
    let planned: Json = serde_json::from_str(&shown).expect("plan JSON");
    let actions = planned_actions(&planned, QUAY);
    assert!(
        actions == serde_json::json!(["update"]) || actions == serde_json::json!(["no-op"]),
        "{client}: importing records the version, never replaces: {actions}"
    );
    adopted.ok(&cli("apply", &["import.tfplan"]));
    // The API masks the user name, so the import has none and the configured one is sent;
    // nothing about the tokens is sent, and nothing is replaced.
    assert_eq!(
        writes(&s),
        vec!["ModifyImageRegistry(UserName)".to_string()],
        "{client}: only the masked user name sent"
    );
    let state = std::fs::read_to_string(adopted.path().join("terraform.tfstate")).expect("state");
    assert!(!state.contains(TOKEN), "{client}: token in the state file");
    assert_eq!(
        resource_values(&adopted.state(), QUAY)["extra_param_wo_version"],
        1
    );
    common::acceptance::assert_plan_empty(&adopted, "after the import");

    // A new token needs a new registry, and so a password: the error says why at its cause.
    adopted.write_config(&format!(
        "{}{}",
        s.providers(),
        quay(&wo_tokens(&literal("quay-second-token"), 2))
    ));
    let (ok, text) = adopted.outcome(&cli("plan", &[]));
    assert!(!ok, "{client}: the replacement needs a password:\n{text}");
    assert!(
        text.contains("Replacing this registry needs a password")
            && text.contains("extra_param_wo_version")
            && !text.contains("A new registry needs a password"),
        "{client}:\n{text}"
    );
}

/// Item 2. Moving a registry's tokens from `extra_param` to `extra_param_wo`: an update that
/// only takes them out of state, sending nothing and replacing nothing.
#[test]
fn moving_tokens_to_extra_param_wo_sends_nothing_and_clears_them_from_state() {
    let s = Scenario::on_emulator_with(NEWEST, &["--realism", "all"]);
    let stored = format!("jsonencode([{{ namespace = \"team\", authToken = \"{TOKEN}\" }}])");
    s.run(vec![Step::new(quay(&with_password(vec![(
        "extra_param",
        stored,
    )])))]);
    s.emulator().clear_requests();
    s.run(vec![Step::new(quay(&with_password(wo_tokens(
        &literal(TOKEN),
        1,
    ))))
    .actions(vec![(QUAY, &["update"])])
    .check(|state, backend| {
        let v = resource_values(state, QUAY);
        assert_eq!(v["extra_param"], Json::Null);
        assert_eq!(v["extra_param_wo_version"], 1);
        assert_eq!(backend.registries().len(), 1, "not replaced");
    })]);
    assert_eq!(writes(&s), Vec::<String>::new(), "{NEWEST}: nothing sent");
    let state = std::fs::read_to_string(s.ws.path().join("terraform.tfstate")).expect("state");
    assert!(
        !state.contains(TOKEN),
        "{NEWEST}: token left in the state file"
    );
}

on_clients! {
    a_region_typo_is_named_at_plan_and_an_unresolvable_endpoint_fails_fast:
    /// Item 3. A region typo is named at plan, before any call; a region newer than the provider
    /// passes with `skip_region_validation`, and an endpoint that does not resolve fails after a
    /// short retry, naming the endpoint, the region and the setting to fix.
    a_region_typo_is_named_at_plan_and_an_unresolvable_endpoint_fails_fast_on_terraform_1_16_4 => Terraform1_16,
    a_region_typo_is_named_at_plan_and_an_unresolvable_endpoint_fails_fast_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn a_region_typo_is_named_at_plan_and_an_unresolvable_endpoint_fails_fast(client: Client) {
    let s = Scenario::on_emulator_with(client, &[]);
    let provider = |extra: &str| {
        s.providers().replace(
            "provider \"alicloud\" {\n",
            &format!("provider \"alicloud\" {{\n  region = \"mars-north-1\"\n{extra}"),
        )
    };
    let mut ws = s.fresh_workspace();
    ws.write_config(&format!("{}{}", provider(""), harbor(&[], &[])));
    let (ok, text) = ws.outcome(&cli("plan", &[]));
    assert!(!ok, "{client}: the typo must fail the plan:\n{text}");
    assert!(
        text.contains("Invalid provider argument region")
            && text.contains("\"mars-north-1\" is not an Alibaba Cloud region")
            && text.contains("skip_region_validation"),
        "{client}:\n{text}"
    );
    assert_eq!(s.emulator().requests().len(), 0, "no call made");

    ws.write_config(&format!(
        "{}{}",
        provider("  skip_region_validation = true\n"),
        harbor(&[], &[])
    ));
    ws.set_env("ALIBABA_CLOUD_ENDPOINT_SAS", "tds.mars-north-1.invalid");
    // Nothing answers there.
    let text = ws.fails_saying(
        &cli("apply", &[]),
        &[
            "cannot reach the Security Center endpoint tds.mars-north-1.invalid",
            "its host name does not resolve",
            "gave up after 3 attempt(s)",
            "ALIBABA_CLOUD_ENDPOINT_SAS",
            "mars-north-1",
        ],
    );
    assert!(
        !text.contains("deadline"),
        "{client}: not the whole timeout:\n{text}"
    );
}

on_clients! { warnings_in_plan_json:
    a_warning_appears_once_in_plan_json_on_terraform_1_16_4 => Terraform1_16(1),
    a_warning_appears_twice_in_plan_json_on_terraform_1_8_5 => Terraform1_8(2),
    a_warning_appears_twice_in_plan_json_on_opentofu_1_12_6 => OpenTofu1_12(2),
}

/// Item 4. A warning is one diagnostic, the same at validate and at plan, so a client that
/// merges the two walks' diagnostics shows it once. Terraform 1.16.4 does; Terraform 1.8.5 and
/// OpenTofu 1.12.6 print both walks' (the provider cannot tell the walks apart without losing
/// the warnings on values only the plan knows).
fn warnings_in_plan_json(client: Client, expected: usize) {
    let s = Scenario::on_emulator_with(client, &[]);
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        harbor(&[("net_type", "2")], &[])
    ));
    let validated = s.ws.ok(&cli("validate", &["-json"]));
    assert_eq!(
        validated.matches("VPC registry without vpc_id").count(),
        1,
        "{client}: validate -json:\n{validated}"
    );
    let planned = s.ws.ok(&cli("plan", &["-json"]));
    let warnings = planned
        .lines()
        .filter(|l| {
            l.contains("\"type\":\"diagnostic\"") && l.contains("VPC registry without vpc_id")
        })
        .count();
    assert_eq!(warnings, expected, "{client}: plan -json:\n{planned}");
}

/// Item 5. With the service masking user names, the data source says it does not know the
/// name (null) rather than passing the mask on as a name.
#[test]
fn the_data_source_gives_a_masked_user_name_as_null() {
    let s = Scenario::on_emulator_with(NEWEST, &["--realism", "all"]);
    let config = format!(
        "{}\n{}",
        harbor(&[], &[]),
        r#"
data "alicloud_sas_private_registries" "all" {
  depends_on = [alicloud_sas_private_registry.r]
}

output "listed" {
  value = data.alicloud_sas_private_registries.all.registries[0]
}
"#
    );
    s.run(vec![Step::new(config)]);
    let out: Json = serde_json::from_str(&s.ws.ok(&["output", "-json"])).expect("outputs");
    let listed = &out["listed"]["value"];
    assert_eq!(listed["domain_name"], "harbor.example.com", "{listed}");
    assert_eq!(listed["user_name"], Json::Null, "{NEWEST}: {listed}");
}
