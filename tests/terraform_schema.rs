//! Every client of the matrix loads the built provider, trusts it over mutual TLS (and without
//! TLS when told to), reads its schema, and leaves no provider process behind.

mod common;

use common::terraform::{on_clients, Client, Workspace};

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
    let stdout = ws.providers_schema();
    serde_json::from_str(&stdout).expect("schema JSON")
}

fn assert_our_schema(client: Client, schema: &serde_json::Value) {
    // Without a host, the source address is on the client's own registry.
    let address = format!("{}/alicloud-rs/alicloud", client.default_registry());
    let provider = &schema["provider_schemas"][&address]["provider"];
    let attrs = provider["block"]["attributes"]
        .as_object()
        .unwrap_or_else(|| panic!("{client}: no provider attributes under {address}"));
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

on_clients! {
    reads_the_schema:
    schema_over_mutual_tls_and_plaintext_on_terraform_0_13_4 => Terraform0_13,
    schema_over_mutual_tls_and_plaintext_on_terraform_1_0_3 => Terraform1_0,
    schema_over_mutual_tls_and_plaintext_on_terraform_1_8_5 => Terraform1_8,
    schema_over_mutual_tls_and_plaintext_on_terraform_1_16_4 => Terraform1_16,
    schema_over_mutual_tls_and_plaintext_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// With TLS on (the default: the client hands us its certificate, and our server then accepts
/// nothing but a TLS connection presenting exactly it, over ALPN h2) and with
/// `TF_DISABLE_PLUGIN_TLS=1` (plaintext h2c). No provider process is left either way.
fn reads_the_schema(client: Client) {
    let mut ws = Workspace::dev(client, CONFIG);
    assert_our_schema(client, &schema_via_terraform(&ws));
    assert_eq!(
        ws.leftover_providers(),
        Vec::<u32>::new(),
        "{client}: no provider process left running"
    );
    ws.set_env("TF_DISABLE_PLUGIN_TLS", "1");
    assert_our_schema(client, &schema_via_terraform(&ws));
    assert_eq!(
        ws.leftover_providers(),
        Vec::<u32>::new(),
        "{client}: no provider process left running without TLS"
    );
}
