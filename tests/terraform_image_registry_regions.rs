//! `alicloud_sas_image_registry_regions` with real clients against sas-emulator: the regions
//! as `ListImageRegistryRegion` lists them, in either language, feeding a registry's
//! `registry_region_id`; a bad `lang` refused at its line.

mod common;

use common::acceptance::{Scenario, Step};
use common::terraform::{cli, on_clients, Client, Workspace};

/// The regions in both languages, and a registry in the first.
fn config() -> String {
    let registry = common::acceptance::harbor(
        &[
            ("registry_host_ip", "\"192.0.2.30\""),
            ("domain_name", "\"regions.example.com\""),
            (
                "registry_region_id",
                "data.alicloud_sas_image_registry_regions.en.ids[0]",
            ),
        ],
        &[],
    );
    format!("{REGIONS}{registry}")
}

const REGIONS: &str = r#"
data "alicloud_sas_image_registry_regions" "en" {}

data "alicloud_sas_image_registry_regions" "zh" {
  lang = "zh"
}

output "en" {
  value = data.alicloud_sas_image_registry_regions.en
}

output "zh" {
  value = data.alicloud_sas_image_registry_regions.zh
}
"#;

fn regions_feed_a_registry(client: Client) {
    let s = Scenario::on_emulator_with(client, &["--realism", "all"]);
    s.run(vec![Step::new(config()).check(|state, _| {
        let registry =
            common::acceptance::resource_values(state, "alicloud_sas_private_registry.r");
        assert_eq!(
            registry["registry_region_id"], "cn-hangzhou",
            "the first region listed"
        );
    })]);
    let out: serde_json::Value =
        serde_json::from_str(&s.ws.ok(&["output", "-json"])).expect("outputs");
    let (en, zh) = (&out["en"]["value"], &out["zh"]["value"]);
    let listed: Vec<&str> = sas_emulator::actions::REGIONS
        .iter()
        .map(|(id, _, _)| *id)
        .collect();
    assert_eq!(
        en["ids"],
        serde_json::json!(listed),
        "{client}: every region, in order"
    );
    assert_eq!(
        en["ids"], zh["ids"],
        "{client}: the same regions in either language"
    );
    assert_eq!(en["regions"][0]["region_id"], "cn-hangzhou");
    assert_eq!(
        en["regions"][0]["region_name"], "China (Hangzhou)",
        "{client}"
    );
    assert_eq!(zh["regions"][0]["region_name"], "华东1（杭州）", "{client}");
    assert_eq!(en["regions"].as_array().map(Vec::len), Some(listed.len()));
    let langs: Vec<serde_json::Value> = s
        .emulator()
        .requests()
        .into_iter()
        .filter(|r| r["action"] == "ListImageRegistryRegion")
        .map(|r| r["params"]["Lang"].clone())
        .collect();
    assert!(
        langs.contains(&serde_json::json!("zh")) && langs.contains(&serde_json::json!("en")),
        "{client}: `lang` is sent as Lang, and `en` when unset (the API's default is zh): {langs:?}"
    );
    s.destroy();
}

on_clients! {
    regions_feed_a_registry:
    regions_feed_a_registry_on_terraform_1_0_3 => Terraform1_0,
    regions_feed_a_registry_on_opentofu_1_12_6 => OpenTofu1_12,
}

#[test]
fn a_bad_language_is_refused_at_its_line() {
    for client in [Client::Terraform0_13, Client::Terraform1_8] {
        let config = r#"terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
  }
}

data "alicloud_sas_image_registry_regions" "fr" {
  lang = "fr"
}
"#;
        let ws = Workspace::dev(client, config);
        let out = ws.run(&cli("validate", &[]));
        assert!(
            !out.status.success(),
            "{client}: `lang = \"fr\"` must not validate"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("must be one of \"en\", \"zh\"")
                && stderr.contains(
                    "on main.tf line 8, in data \"alicloud_sas_image_registry_regions\" \"fr\""
                ),
            "{client}: the error names the line and what is allowed:\n{stderr}"
        );
    }
}
