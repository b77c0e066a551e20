//! Real Terraform 1.0.3 loads the built provider, trusts it over mutual TLS (and without TLS
//! when told to), reads its schema, and leaves no provider process behind.

mod common;

use common::terraform::Workspace;

const CONFIG: &str = r#"
terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
  }
}

provider "alicloud" {
  region = "cn-hangzhou"
}
"#;

fn schema_via_terraform(ws: &Workspace) -> serde_json::Value {
    let stdout = ws.ok(&["providers", "schema", "-json"]);
    serde_json::from_str(&stdout).expect("schema JSON")
}

fn assert_our_schema(schema: &serde_json::Value) {
    let provider =
        &schema["provider_schemas"]["registry.terraform.io/alicloud-rs/alicloud"]["provider"];
    let attrs = provider["block"]["attributes"]
        .as_object()
        .expect("provider attributes");
    for name in [
        "access_key",
        "secret_key",
        "security_token",
        "region",
        "profile",
        "ecs_role_name",
    ] {
        assert!(attrs.contains_key(name), "{name} missing: {provider}");
        assert!(
            attrs[name]["description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name} has a description"
        );
    }
    assert_eq!(attrs["secret_key"]["sensitive"], true);
    assert!(provider["block"]["block_types"]["assume_role"].is_object());
}

#[test]
fn terraform_reads_the_schema_over_mutual_tls() {
    let ws = Workspace::new(CONFIG);
    assert_our_schema(&schema_via_terraform(&ws));
    assert_eq!(
        ws.leftover_providers(),
        Vec::<u32>::new(),
        "no provider process left running"
    );
}

#[test]
fn terraform_reads_the_schema_with_tls_disabled() {
    let mut ws = Workspace::new(CONFIG);
    ws.set_env("TF_DISABLE_PLUGIN_TLS", "1");
    assert_our_schema(&schema_via_terraform(&ws));
    assert_eq!(ws.leftover_providers(), Vec::<u32>::new());
}
