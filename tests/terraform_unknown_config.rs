//! A provider block whose `region` is unknown until apply (it comes from a resource not yet
//! created): Terraform still configures the provider and refreshes during plan. Real clients
//! against sas-emulator (realism switches on) show that no API call is made then, that an existing registry is kept
//! rather than dropped and planned for creation, and that a data source says which argument
//! is unknown.

mod common;

use common::acceptance::{assert_plan_empty, planned_actions};
use common::backend::Emulator;
use common::terraform::{cli, on_clients, Client, Workspace};

const HEADER: &str = r#"terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
    null     = { source = "hashicorp/null" }
  }
}
"#;

fn registry() -> String {
    common::acceptance::harbor(
        &[
            ("registry_host_ip", "\"192.0.2.60\""),
            ("domain_name", "\"unknown-config.example.com\""),
        ],
        &[],
    )
}

/// The provider block with a known `region`.
fn known_region() -> String {
    "provider \"alicloud\" {\n  protocol = \"HTTP\"\n  region   = \"cn-hangzhou\"\n}\n".into()
}

/// The provider block with a `region` only known once `null_resource.<gate>` exists, and that
/// resource.
fn region_after(gate: &str) -> String {
    format!(
        "provider \"alicloud\" {{\n  protocol = \"HTTP\"\n  region   = null_resource.{gate}.id == \"\" ? \"unset\" : \"cn-hangzhou\"\n}}\n\nresource \"null_resource\" \"{gate}\" {{}}\n"
    )
}

on_clients! {
    unknown_region:
    no_api_call_with_an_unknown_region_on_terraform_1_8_5 => Terraform1_8,
    no_api_call_with_an_unknown_region_on_terraform_1_16_4 => Terraform1_16,
    no_api_call_with_an_unknown_region_on_opentofu_1_12_6 => OpenTofu1_12,
    no_api_call_with_an_unknown_region_on_terraform_1_0_3 => Terraform1_0,
}

fn unknown_region(client: Client) {
    let emulator = Emulator::start(&["--realism", "all"]);
    let mut ws = Workspace::mirror(client, &format!("{HEADER}{}{}", known_region(), registry()));
    for (k, v) in emulator.provider_env() {
        ws.set_env(&k, &v);
    }
    ws.init();
    ws.apply();
    assert_eq!(emulator.registries().len(), 1, "{client}: created");

    ws.write_config(&format!("{HEADER}{}{}", region_after("later"), registry()));
    emulator.clear_requests();
    ws.ok(&cli("plan", &["-out=unknown.tfplan"]));
    assert_eq!(
        emulator.requests().len(),
        0,
        "{client}: no API request while the region is unknown: {:?}",
        emulator.requests()
    );
    let planned: serde_json::Value =
        serde_json::from_str(&ws.ok(&["show", "-json", "unknown.tfplan"])).expect("plan JSON");
    assert_eq!(
        planned_actions(&planned, "alicloud_sas_private_registry.r"),
        serde_json::json!(["no-op"]),
        "{client}: the registry is kept, not dropped and planned for creation"
    );
    ws.ok(&cli("apply", &["unknown.tfplan"]));
    assert_eq!(
        emulator.registries().len(),
        1,
        "{client}: no second registry"
    );
    assert_plan_empty(&ws, "once the region is known");

    // A data source cannot be read without knowing where: it says which argument is unknown.
    ws.write_config(&format!(
        "{HEADER}{}{}\nresource \"null_resource\" \"later\" {{}}\n\ndata \"alicloud_sas_private_registries\" \"all\" {{}}\n",
        region_after("again"),
        registry()
    ));
    emulator.clear_requests();
    // The data source cannot be read, and the error names the unknown argument.
    ws.fails_saying(
        &cli("plan", &[]),
        &["Provider configuration not known yet", "`region`"],
    );
    assert_eq!(emulator.requests().len(), 0, "{client}: still no request");
}
