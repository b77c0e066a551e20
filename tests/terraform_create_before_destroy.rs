//! `lifecycle { create_before_destroy = true }`: the new registry is made while the one it
//! replaces still exists, with the same domain, host and region. The duplicate check must not
//! mistake the old one for an orphan (it differs in what forced the replacement), so the
//! replacement goes through, with Terraform 1.0.3 and 1.16.4 and OpenTofu 1.12.6, against an emulator with
//! its realism switches on.

mod common;

use common::acceptance::{resource_values, Scenario, Step};
use common::terraform::{on_clients, Client};

const ADDR: &str = "alicloud_sas_private_registry.r";

fn harbor(version: &str) -> String {
    let version = format!("\"{version}\"");
    common::acceptance::harbor(
        &[
            ("registry_version", &version),
            ("registry_host_ip", "\"192.0.2.70\""),
            ("domain_name", "\"cbd.example.com\""),
            ("", "lifecycle {\n    create_before_destroy = true\n  }"),
        ],
        &[],
    )
}

on_clients! {
    create_before_destroy:
    create_before_destroy_replaces_on_terraform_1_0_3 => Terraform1_0,
    create_before_destroy_replaces_on_terraform_1_16_4 => Terraform1_16,
    create_before_destroy_replaces_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn create_before_destroy(client: Client) {
    let s = Scenario::on_emulator_with(client, &["--realism", "all"]);
    s.run(vec![
        Step::new(harbor("V2")).actions(vec![(ADDR, &["create"])]),
        Step::new(harbor("V1"))
            .actions(vec![(ADDR, &["create", "delete"])])
            .check(|state, backend| {
                let regs = backend.registries();
                assert_eq!(regs.len(), 1, "the old one was deleted after: {regs:?}");
                assert_eq!(regs[0]["RegistryVersion"], "V1");
                assert_eq!(
                    regs[0]["Id"].to_string(),
                    resource_values(state, ADDR)["id"]
                        .as_str()
                        .unwrap_or_default()
                );
            }),
    ]);
    s.destroy();
    assert!(
        s.emulator().registries().is_empty(),
        "{client}: destroy leaves nothing"
    );
}
