//! Real clients against sas-emulator (or the real API with TF_ACC=1): a quay registry whose
//! extra_param is unknown until apply (on every client of the matrix), and the data source's
//! filters; the emulator with every realism switch on (`--realism all`).

mod common;

use common::acceptance::{Scenario, Step};
use common::backend::{run_id, test_domain};
use common::terraform::{on_clients, Client};

on_clients! {
    quay_with_extra_param_unknown_until_apply:
    quay_with_extra_param_unknown_until_apply_on_terraform_0_13_4 => Terraform0_13,
    quay_with_extra_param_unknown_until_apply_on_terraform_1_0_3 => Terraform1_0,
    quay_with_extra_param_unknown_until_apply_on_terraform_1_8_5 => Terraform1_8,
    quay_with_extra_param_unknown_until_apply_on_terraform_1_16_4 => Terraform1_16,
    quay_with_extra_param_unknown_until_apply_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// The token comes from a `null_resource` (HashiCorp's Go provider), so it is unknown until
/// apply: the plan must not judge it, and the apply must create the registry.
fn quay_with_extra_param_unknown_until_apply(client: Client) {
    let s = Scenario::with(client, &["--realism", "all"]);
    let domain = format!("\"{}\"", test_domain("quay"));
    let config = format!(
        "\nresource \"null_resource\" \"token\" {{}}\n{}",
        common::acceptance::quay_as(
            "quay",
            &[
                ("net_type", "2"),
                ("vpc_id", "\"vpc-test\""),
                ("registry_host_ip", "\"10.0.0.20\""),
                ("domain_name", &domain),
                ("password", "\"pw\""),
                (
                    "extra_param",
                    "jsonencode([{ namespace = \"team\", authToken = null_resource.token.id }])",
                ),
            ],
            &[],
        )
    );
    s.run(vec![Step::new(config.as_str())
        .actions(vec![
            ("null_resource.token", &["create"]),
            ("alicloud_sas_private_registry.quay", &["create"]),
        ])
        .check(|_, e| {
            let regs = e.registries();
            assert_eq!(regs.len(), 1);
            assert_eq!(regs[0]["RegistryType"], "quay");
        })]);
    s.destroy();
    assert!(
        s.backend.registries().is_empty(),
        "{client}: destroy leaves nothing"
    );
}

#[test]
fn data_source_filters_by_type_and_domain() {
    let s = Scenario::new(&["--realism", "all"]);
    let registry = |name: &str, host: &str, domain: &str| {
        common::acceptance::harbor_as(
            name,
            &[
                ("registry_host_ip", &format!("\"{host}\"")),
                ("domain_name", &format!("\"{domain}\"")),
            ],
            &[],
        )
    };
    let config = format!(
        "{}{}{}",
        registry("a", "192.0.2.1", &test_domain("alpha")),
        registry("b", "192.0.2.2", &test_domain("beta")),
        r#"
data "alicloud_sas_private_registries" "com" {
  registry_type     = "harbor"
  domain_name_regex = "^alpha\\.RUN\\.example\\.com$"
  depends_on        = [alicloud_sas_private_registry.a, alicloud_sas_private_registry.b]
}

output "ids" {
  value = data.alicloud_sas_private_registries.com.ids
}

output "first" {
  value = data.alicloud_sas_private_registries.com.registries[0]
}

output "a_id" {
  value = alicloud_sas_private_registry.a.id
}
"#
        .replace("RUN", run_id())
    );
    s.run(vec![Step::new(config)]);
    let out: serde_json::Value =
        serde_json::from_str(&s.ws.ok(&["output", "-json"])).expect("outputs");
    let a_id = out["a_id"]["value"].clone();
    assert_eq!(out["ids"]["value"], serde_json::json!([a_id]));
    let first = &out["first"]["value"];
    assert_eq!(first["domain_name"], test_domain("alpha"));
    assert_eq!(first["registry_host_ip"], "192.0.2.1");
    assert!(
        first.get("password").is_none() && first.get("token").is_none(),
        "no secrets exported"
    );
    s.destroy();
}
