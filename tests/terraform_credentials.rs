//! Credentials as a user meets them in `terraform plan`: none at all is one clear error that
//! lists what was tried; a credential not known until apply does not fail the plan; an ECS
//! instance role read through hardened metadata needs no AccessKey at all.

mod common;

use common::backend::Emulator;
use common::terraform::{Client, Workspace};
use sas_emulator::DEFAULT_ECS_ROLE_NAME;

fn registry() -> String {
    common::acceptance::harbor(&[], &[])
}

fn config(provider_block: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    alicloud = {{ source = "alicloud-rs/alicloud" }}
    null     = {{ source = "hashicorp/null" }}
  }}
}}

{provider_block}
{}"#,
        registry()
    )
}

#[test]
fn no_credentials_anywhere_fails_the_plan_with_what_was_tried() {
    let ws = Workspace::with_mirror(&config("provider \"alicloud\" {}\n"));
    ws.ok(&["init", "-input=false", "-no-color"]);
    let out = ws.run(&["plan", "-input=false", "-no-color"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "plan must fail without credentials");
    assert!(stderr.contains("No Alibaba Cloud credentials"), "{stderr}");
    for tried in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "config.json",
        "ecs_role_name",
    ] {
        assert!(
            stderr.contains(tried),
            "the message names {tried}: {stderr}"
        );
    }
    assert_eq!(
        stderr.matches("Error:").count(),
        1,
        "one diagnostic: {stderr}"
    );
}

#[test]
fn a_credential_unknown_until_apply_does_not_fail_the_plan() {
    let provider = r#"
resource "null_resource" "key" {}

provider "alicloud" {
  access_key = null_resource.key.id
  secret_key = "secret-known-at-plan"
  region     = "cn-hangzhou"
}
"#;
    let ws = Workspace::with_mirror(&config(provider));
    ws.ok(&["init", "-input=false", "-no-color"]);
    let out = ws.ok(&["plan", "-input=false", "-no-color"]);
    assert!(out.contains("2 to add"), "{out}");
    assert!(
        !out.contains("secret-known-at-plan"),
        "the secret is not shown"
    );
}

/// Keyless on ECS: the instance's RAM role through hardened metadata (IMDSv2), with
/// `ALIBABA_CLOUD_IMDSV1_DISABLED=true` and no AccessKey anywhere. The emulator refuses every
/// metadata read without a session token (`--imds required`), so the apply proves the token.
fn ecs_role_through_hardened_metadata(client: Client) {
    let emulator = Emulator::start(&["--imds", "required"]);
    let provider = format!(
        r#"provider "alicloud" {{
  protocol      = "HTTP"
  region        = "cn-hangzhou"
  ecs_role_name = "{DEFAULT_ECS_ROLE_NAME}"
  endpoints {{
    sas          = "{addr}"
    ecs_metadata = "{addr}"
  }}
}}
"#,
        addr = emulator.addr
    );
    keyless_lifecycle(
        client,
        &emulator,
        &provider,
        &[("ALIBABA_CLOUD_IMDSV1_DISABLED", "true")],
    );
}

/// With no AccessKey in the environment (a workspace's is empty but for `env`): init, apply
/// (one registry in the emulator), destroy (none).
fn keyless_lifecycle(client: Client, emulator: &Emulator, provider: &str, env: &[(&str, &str)]) {
    let mut ws = Workspace::mirror(client, &config(provider));
    for (k, v) in env {
        ws.set_env(k, v);
    }
    ws.ok(&["init", "-input=false", "-no-color"]);
    ws.ok(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_eq!(emulator.registries().len(), 1, "{client}: created");
    ws.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    assert!(emulator.registries().is_empty(), "{client}: destroyed");
}

#[test]
fn ecs_role_through_hardened_metadata_on_terraform_1_0_3() {
    ecs_role_through_hardened_metadata(Client::Terraform1_0);
}

#[test]
fn ecs_role_through_hardened_metadata_on_terraform_1_15_9() {
    ecs_role_through_hardened_metadata(Client::Terraform1_15);
}

/// Keyless through a credentials URI: `ALIBABA_CLOUD_CREDENTIALS_URI` alone, answered by the
/// emulator's `/credentials` with a temporary key.
fn credentials_uri_alone(client: Client) {
    let emulator = Emulator::start(&[]);
    let provider = format!(
        "provider \"alicloud\" {{\n  protocol = \"HTTP\"\n  region   = \"cn-hangzhou\"\n  endpoints {{\n    sas = \"{}\"\n  }}\n}}\n",
        emulator.addr
    );
    let uri = format!(
        "http://{}{}",
        emulator.addr,
        sas_emulator::credentials_uri::PATH
    );
    keyless_lifecycle(
        client,
        &emulator,
        &provider,
        &[("ALIBABA_CLOUD_CREDENTIALS_URI", &uri)],
    );
}

#[test]
fn credentials_uri_alone_on_terraform_1_0_3() {
    credentials_uri_alone(Client::Terraform1_0);
}

#[test]
fn credentials_uri_alone_on_terraform_1_15_9() {
    credentials_uri_alone(Client::Terraform1_15);
}
