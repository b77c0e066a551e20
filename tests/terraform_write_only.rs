//! Secrets out of state and resource identity, with the clients that support them (Terraform
//! 1.16.4 and OpenTofu 1.12.6), and a clear error from those that do not (Terraform 0.13.4,
//! 1.0.3 and 1.8.5).

mod common;

use common::acceptance::{assert_plan_empty, resource_change, resource_values, Scenario, Step};
use common::backend::Backend;
use common::terraform::{cli, on_clients, Client, Workspace};
use sas_emulator::secret::secret_hash;
use serde_json::Value as Json;

const ADDR: &str = "alicloud_sas_private_registry.r";

fn harbor_wo(password: &str, version: u32) -> String {
    let (password, version) = (format!("\"{password}\""), version.to_string());
    common::acceptance::harbor(
        &[
            ("registry_host_ip", "\"192.0.2.40\""),
            ("domain_name", "\"wo.example.com\""),
            ("password_wo", &password),
            ("password_wo_version", &version),
        ],
        &["password"],
    )
}

fn quay_wo(token: &str, version: u32) -> String {
    let (tokens, version) = (
        format!("jsonencode([{{ namespace = \"team\", authToken = \"{token}\" }}])"),
        version.to_string(),
    );
    common::acceptance::quay(
        &[
            ("domain_name", "\"quay-wo.example.com\""),
            ("password_wo", "\"quay-password\""),
            ("extra_param_wo", &tokens),
            ("extra_param_wo_version", &version),
        ],
        &[],
    )
}

/// Neither the state Terraform shows nor the raw state file holds any of `secrets`.
fn assert_no_secret_in_state(s: &Scenario, secrets: &[&str]) {
    let client = s.client();
    let shown = s.state().to_string();
    let raw = std::fs::read_to_string(s.ws.path().join("terraform.tfstate")).expect("state file");
    for secret in secrets {
        assert!(!shown.contains(secret), "{client}: {secret} in show -json");
        assert!(
            !raw.contains(secret),
            "{client}: {secret} in terraform.tfstate"
        );
    }
}

fn emulator_password(backend: &Backend) -> Json {
    backend.registries()[0]["PasswordHash"].clone()
}

on_clients! {
    password_wo_stays_out_of_state:
    password_wo_stays_out_of_state_and_a_new_version_sends_it_on_terraform_1_16_4 => Terraform1_16,
    password_wo_stays_out_of_state_and_a_new_version_sends_it_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn password_wo_stays_out_of_state(client: Client) {
    let s = Scenario::on_emulator_with(client, &[]);
    s.run(vec![
        Step::new(harbor_wo("wo-first-password", 1))
            .actions(vec![(ADDR, &["create"])])
            .check(|state, backend| {
                let v = resource_values(state, ADDR);
                assert_eq!(v["password_wo"], Json::Null);
                assert_eq!(v["password"], Json::Null);
                assert_eq!(v["password_wo_version"], 1);
                assert_eq!(emulator_password(backend), secret_hash("wo-first-password"));
            }),
        // A new value alone is not sent: nothing in state can show it changed.
        Step::new(harbor_wo("wo-second-password", 1))
            .actions(vec![(ADDR, &["no-op"])])
            .check(|_, backend| {
                assert_eq!(emulator_password(backend), secret_hash("wo-first-password"));
            }),
        // A new version sends it, in place.
        Step::new(harbor_wo("wo-second-password", 2))
            .actions(vec![(ADDR, &["update"])])
            .check(|_, backend| {
                assert_eq!(backend.registries().len(), 1, "updated, not replaced");
                assert_eq!(
                    emulator_password(backend),
                    secret_hash("wo-second-password")
                );
            }),
    ]);
    assert_no_secret_in_state(&s, &["wo-first-password", "wo-second-password"]);
    s.destroy();
    assert!(s.emulator().registries().is_empty(), "{client}: destroyed");
}

on_clients! {
    quay_tokens_stay_out_of_state:
    quay_tokens_through_extra_param_wo_stay_out_of_state_on_terraform_1_16_4 => Terraform1_16,
    quay_tokens_through_extra_param_wo_stay_out_of_state_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn quay_tokens_stay_out_of_state(client: Client) {
    let q = "alicloud_sas_private_registry.q";
    let s = Scenario::on_emulator_with(client, &[]);
    s.run(vec![
        Step::new(quay_wo("quay-token-one", 1))
            .actions(vec![(q, &["create"])])
            .check(|state, backend| {
                let v = resource_values(state, "alicloud_sas_private_registry.q");
                assert_eq!(v["extra_param_wo"], Json::Null);
                assert_eq!(v["extra_param"], Json::Null);
                let stored = backend.registries()[0]["Extras"].to_string();
                assert!(
                    stored.contains(&secret_hash("quay-token-one")),
                    "the emulator got the token: {stored}"
                );
            }),
        // The API cannot change the tokens: a new version makes a new registry with them.
        Step::new(quay_wo("quay-token-two", 2))
            .actions(vec![(q, &["delete", "create"])])
            .check(|_, backend| {
                let regs = backend.registries();
                assert_eq!(regs.len(), 1);
                assert!(regs[0]["Extras"]
                    .to_string()
                    .contains(&secret_hash("quay-token-two")));
            }),
    ]);
    assert_no_secret_in_state(&s, &["quay-token-one", "quay-token-two", "quay-password"]);
    s.destroy();
}

on_clients! {
    write_only_refused:
    password_wo_is_an_error_at_its_line_on_terraform_0_13_4 => Terraform0_13,
    password_wo_is_an_error_at_its_line_on_terraform_1_0_3 => Terraform1_0,
    password_wo_is_an_error_at_its_line_on_terraform_1_8_5 => Terraform1_8,
}

/// Clients before 1.11 would store a write-only value: they get an error at its line that
/// says which clients support it and that `password` works everywhere.
fn write_only_refused(client: Client) {
    // As a careful user writes it: the secret comes from a sensitive variable (0.13 has no
    // sensitive variables).
    let sensitive = match client {
        Client::Terraform0_13 => "",
        _ => "  sensitive = true\n",
    };
    let config = format!(
        "terraform {{\n  required_providers {{\n    alicloud = {{ source = \"alicloud-rs/alicloud\" }}\n  }}\n}}\n\nvariable \"pw\" {{\n  type      = string\n{sensitive}  default   = \"never-stored\"\n}}\n{}",
        harbor_wo("${var.pw}", 1)
    );
    let line = config
        .lines()
        .position(|l| l.trim_start().starts_with("password_wo "))
        .expect("password_wo line")
        + 1;
    let ws = Workspace::dev(client, &config);
    // Says who supports it and what works.
    let text = ws.fails_saying(
        &cli("validate", &[]),
        &[
            "Write-only argument not supported by this client",
            "Terraform 1.11 and later and OpenTofu 1.11 and later",
            "Use `password` instead",
        ],
    );
    assert!(
        text.contains(&format!(
            "on main.tf line {line}, in resource \"alicloud_sas_private_registry\" \"r\""
        )),
        "{client}: at the password_wo line ({line}): {text}"
    );
    assert!(!text.contains("never-stored"), "{client}: not quoted");
}

on_clients! {
    import_by_identity:
    import_by_identity_with_an_empty_next_plan_on_terraform_1_16_4 => Terraform1_16,
    import_by_identity_with_an_empty_next_plan_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn import_by_identity(client: Client) {
    let s = Scenario::on_emulator_with(client, &[]);
    s.run(vec![Step::new(harbor_wo("identity-password", 1))]);
    let managed = resource_values(&s.state(), ADDR);
    let id = managed["id"].as_str().expect("id").to_string();
    let identity = instance_identity(&s.ws);
    assert_eq!(
        identity,
        serde_json::json!({ "id": id, "region_id": "cn-hangzhou" }),
        "{client}: identity recorded in state"
    );

    // A stranger's identity is refused: the region does not match.
    let fresh = s.fresh_workspace();
    let config = std::fs::read_to_string(fresh.path().join("main.tf")).expect("config");
    fresh.write_config(&format!(
        "{config}\nimport {{\n  to       = {ADDR}\n  identity = {{\n    id        = \"{id}\"\n    region_id = \"ap-southeast-1\"\n  }}\n}}\n"
    ));
    let out = fresh.run(&cli("plan", &[]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{client}: wrong region must fail");
    assert!(
        stderr.contains("does not match the identity"),
        "{client}: {stderr}"
    );

    fresh.write_config(&format!(
        "{config}\nimport {{\n  to       = {ADDR}\n  identity = {{\n    id = \"{id}\"\n  }}\n}}\n"
    ));
    fresh.ok(&cli("plan", &["-out=identity.tfplan"]));
    let planned: Json =
        serde_json::from_str(&fresh.ok(&["show", "-json", "identity.tfplan"])).expect("plan");
    let change = resource_change(&planned, ADDR);
    assert!(
        !change["change"]["importing"].is_null(),
        "{client}: the plan imports: {change}"
    );
    // The password is write-only, so nothing differs but what no API could return:
    // password_wo_version, which only the configuration knows.
    assert_eq!(
        common::acceptance::changed_attributes(&change["change"]),
        vec!["password_wo_version".to_string()],
        "{client}: {change}"
    );
    fresh.ok(&cli("apply", &["identity.tfplan"]));
    let imported = resource_values(&fresh.state(), ADDR);
    for key in [
        "id",
        "domain_name",
        "registry_host_ip",
        "user_name",
        "region_id",
        "token",
    ] {
        assert_eq!(imported[key], managed[key], "{client}: imported {key}");
    }
    assert_eq!(
        instance_identity(&fresh),
        identity,
        "{client}: same identity"
    );
    assert_plan_empty(&fresh, "after import by identity");
    fresh.apply();
    assert_eq!(
        instance_identity(&fresh),
        identity,
        "{client}: identity stable"
    );
    assert_eq!(
        s.emulator().registries().len(),
        1,
        "{client}: still one registry"
    );
}

/// The identity the client recorded for the one resource instance in the raw state file.
fn instance_identity(ws: &Workspace) -> Json {
    let raw: Json = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("terraform.tfstate")).expect("state file"),
    )
    .expect("state JSON");
    raw["resources"][0]["instances"][0]["identity"].clone()
}
