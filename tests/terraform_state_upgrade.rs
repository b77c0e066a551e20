//! A state written before the write-only attributes existed (`tests/data/v0-state/`, by
//! Terraform 0.13.4 and the provider of that time) upgrades through UpgradeResourceState on
//! every client of the matrix: the plan is empty, and the state the next apply writes has the
//! new attributes null and its big number exact.

mod common;

use std::path::{Path, PathBuf};

use common::acceptance::{assert_plan_empty, providers};
use common::backend::Emulator;
use common::terraform::{on_clients, Client, Workspace};

fn data(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/v0-state")
        .join(file)
}

on_clients! {
    upgrades:
    the_v0_state_plans_clean_on_terraform_0_13_4 => Terraform0_13,
    the_v0_state_plans_clean_on_terraform_1_0_3 => Terraform1_0,
    the_v0_state_plans_clean_on_terraform_1_8_5 => Terraform1_8,
    the_v0_state_plans_clean_on_terraform_1_16_4 => Terraform1_16,
    the_v0_state_plans_clean_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn upgrades(client: Client) {
    // The emulator holds the registries that state describes.
    let store = tempfile::tempdir().expect("temp dir");
    let store_file = store.path().join("emulator-state.json");
    std::fs::copy(data("emulator-state.json"), &store_file).expect("copy emulator state");
    let emulator = Emulator::start(&["--state-file", &store_file.display().to_string()]);
    assert_eq!(
        emulator.registries().len(),
        2,
        "{client}: emulator restored"
    );

    let registries = std::fs::read_to_string(data("registries.tf")).expect("config");
    let mut ws = Workspace::mirror(client, &format!("{}\n{registries}", providers("HTTP")));
    for (k, v) in emulator.provider_env() {
        ws.set_env(&k, &v);
    }
    std::fs::copy(data("v0.tfstate"), ws.path().join("terraform.tfstate")).expect("copy state");
    ws.init();
    assert_plan_empty(&ws, "the v0 state, upgraded");

    ws.apply();
    let raw: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("terraform.tfstate")).expect("state"),
    )
    .expect("state JSON");
    let harbor = raw["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["name"] == "harbor"))
        .map(|r| r["instances"][0].clone())
        .unwrap_or_else(|| panic!("{client}: no harbor in {raw}"));
    assert_eq!(harbor["schema_version"], 0, "{client}");
    let attrs = &harbor["attributes"];
    assert!(
        attrs.get("password_wo").is_some_and(|v| v.is_null()),
        "{client}: the new attributes are there, null: {attrs}"
    );
    assert_eq!(attrs["password"], "v0-password", "{client}: kept");
    assert_eq!(
        attrs["trans_per_hour"].to_string(),
        "9007199254740993",
        "{client}: the number is exact"
    );
    assert_plan_empty(&ws, "after the upgraded state was written");
    assert_eq!(emulator.registries().len(), 2, "{client}: nothing created");
}
