//! What today's clients (Terraform 1.8.5 and 1.16.4, OpenTofu 1.12.6) do beyond the lifecycle: configuration
//! generated for an `import` block, provider functions looked up, and `moved` blocks across
//! resource types. Every failure names the client.

mod common;

use common::acceptance::{assert_plan_empty, changed_attributes, resource_change, Scenario, Step};
use common::terraform::{cli, on_clients, Client};

const ADDR: &str = "alicloud_sas_private_registry.r";

fn registry() -> String {
    common::acceptance::harbor(
        &[
            ("domain_name", "\"generated.example.com\""),
            ("password", "\"the-real-password\""),
            ("port", "8443"),
            ("trans_per_hour", "20"),
        ],
        &[],
    )
}

on_clients! {
    generated_config:
    generated_config_validates_and_plans_clean_on_terraform_1_8_5 => Terraform1_8,
    generated_config_validates_and_plans_clean_on_terraform_1_16_4 => Terraform1_16,
    generated_config_validates_and_plans_clean_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// A registry made elsewhere; a new working directory with nothing but an `import` block runs
/// `plan -generate-config-out`. The generated configuration validates as written; the plan
/// imports and changes nothing; once the user fills in the password (which the API never
/// returns, so generation writes `null`), the plan sets it once in place, and after that apply
/// the plan is empty and the registry has the password the configuration holds.
fn generated_config(client: Client) {
    let made = Scenario::on_emulator_with(client, &[]);
    made.run(vec![Step::new(registry())]);
    let id = made.state()["values"]["root_module"]["resources"][0]["values"]["id"]
        .as_str()
        .expect("id")
        .to_string();

    let ws = made.fresh_workspace();
    ws.write_config(&format!(
        "{}\nimport {{\n  to = {ADDR}\n  id = \"{id}\"\n}}\n",
        made.providers()
    ));
    let out = ws.run(&cli(
        "plan",
        &["-generate-config-out=generated.tf", "-out=import.tfplan"],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{client}: plan -generate-config-out fails:\n{stderr}"
    );
    let generated = std::fs::read_to_string(ws.path().join("generated.tf"))
        .unwrap_or_else(|e| panic!("{client}: no generated.tf: {e}"));
    assert!(
        generated.contains("password") && generated.contains("null"),
        "{client}: the password the API cannot return is left for the user:\n{generated}"
    );
    assert!(
        !generated.contains("the-real-password"),
        "{client}: no secret is generated"
    );
    // Terraform 1.14 and later ask the provider (`GenerateResourceConfig`), which leaves what
    // the API chose when unset to the API; the others write every optional value themselves.
    assert_eq!(
        generated.contains("trans_per_hour"),
        client != Client::Terraform1_16,
        "{client}: who wrote the configuration:\n{generated}"
    );
    let validate = ws.run(&cli("validate", &[]));
    assert!(
        validate.status.success(),
        "{client}: the generated configuration must validate:\n{generated}\n{}",
        String::from_utf8_lossy(&validate.stderr)
    );
    let planned: serde_json::Value =
        serde_json::from_str(&ws.ok(&["show", "-json", "import.tfplan"])).expect("plan JSON");
    let change = resource_change(&planned, ADDR);
    assert_eq!(
        change["change"]["importing"]["id"], id,
        "{client}: {change}"
    );
    assert_eq!(
        changed_attributes(&change["change"]),
        Vec::<String>::new(),
        "{client}: importing with the generated configuration changes nothing"
    );

    // The user fills in the password.
    let filled: String = generated
        .lines()
        .map(|line| match line.trim_start().strip_prefix("password ") {
            Some(rest) if rest.trim_start().starts_with("= null") => {
                "  password = \"the-real-password\"".to_string()
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        filled.contains("the-real-password"),
        "{client}: password line in:\n{generated}"
    );
    std::fs::write(ws.path().join("generated.tf"), &filled).expect("edit generated.tf");
    ws.ok(&cli("plan", &["-out=import.tfplan"]));
    let planned: serde_json::Value =
        serde_json::from_str(&ws.ok(&["show", "-json", "import.tfplan"])).expect("plan JSON");
    let change = resource_change(&planned, ADDR);
    assert_eq!(
        changed_attributes(&change["change"]),
        vec!["password".to_string()],
        "{client}: only the password, which nobody could read back, is set"
    );
    ws.ok(&cli("apply", &["import.tfplan"]));
    assert_plan_empty(&ws, "after importing with the generated configuration");
    let regs = made.emulator().registries();
    assert_eq!(regs.len(), 1, "{client}: still one registry");
    assert_eq!(regs[0]["Id"].to_string(), id);
}

// Terraform finds no such function in the schema (which declares none) and says so; OpenTofu
// asks GetFunctions, which answers an empty list rather than Unimplemented.
on_clients! { unknown_function:
    an_unknown_provider_function_is_reported_as_such_on_terraform_1_16_4 => Terraform1_16("Unknown provider function"),
    an_unknown_provider_function_is_reported_as_such_on_opentofu_1_12_6 => OpenTofu1_12("Function not found in provider"),
}

/// `provider::alicloud::no_such_function()`: the plan fails naming the function, with no raw
/// gRPC error.
fn unknown_function(client: Client, expected: &str) {
    let s = Scenario::on_emulator_with(client, &[]);
    s.ws.write_config(&format!(
        "{}\noutput \"x\" {{\n  value = provider::alicloud::no_such_function()\n}}\n",
        s.providers()
    ));
    plan_refused(&s, &[expected, "no_such_function"]);
}

/// `plan`, which must fail saying each of `says`, and with no raw gRPC error.
fn plan_refused(s: &Scenario, says: &[&str]) {
    let client = s.client();
    let text = s.ws.fails(&cli("plan", &[]));
    common::assert_says(client, &text, says);
    assert!(
        !text.contains("rpc error") && !text.contains("Unimplemented"),
        "{client}: no raw gRPC error reaches the user:\n{text}"
    );
}

// Terraform checks the capability we do not advertise and refuses by itself.
on_clients! { moved_across_types:
    a_moved_block_across_types_gets_a_diagnostic_on_opentofu_1_12_6 => OpenTofu1_12("Resource state cannot be moved"),
    a_moved_block_across_types_gets_a_diagnostic_on_terraform_1_8_5 => Terraform1_8(TERRAFORM_REFUSES_MOVED),
    a_moved_block_across_types_gets_a_diagnostic_on_terraform_1_16_4 => Terraform1_16(TERRAFORM_REFUSES_MOVED),
}

const TERRAFORM_REFUSES_MOVED: &str = "does not support moved operations across resource types";

/// A `null_resource` in state, then a `moved` block onto the registry type: the plan fails with
/// a message a user can act on, never a raw gRPC error.
fn moved_across_types(client: Client, expected: &str) {
    let s = Scenario::on_emulator_with(client, &[]);
    s.run(vec![Step::new("resource \"null_resource\" \"r\" {}\n")]);
    s.ws.write_config(&format!(
        "{}{}\nmoved {{\n  from = null_resource.r\n  to   = {ADDR}\n}}\n",
        s.providers(),
        registry()
    ));
    plan_refused(&s, &[expected]);
    assert!(
        s.emulator().registries().is_empty(),
        "{client}: nothing was created"
    );
}

/// Terraform 1.16.4 is built here without the nine remote-state backends that live in nested
/// modules (scripts/patches/). What that leaves out shows as Terraform's own error for such a
/// backend; local state, named explicitly, works as upstream's does.
#[test]
fn terraform_1_16_4_as_built_here_refuses_the_s3_backend_and_keeps_local_state() {
    let client = Client::Terraform1_16;
    let s = Scenario::on_emulator_with(client, &[]);
    let with_backend = |backend: &str| {
        format!(
            "terraform {{\n  backend {backend}\n}}\n\n{}{}",
            s.providers(),
            registry()
        )
    };

    s.ws.write_config(&with_backend(
        "\"s3\" {\n    bucket = \"b\"\n    key    = \"k\"\n    region = \"us-east-1\"\n  }",
    ));
    let out = s.ws.run(&cli("init", &[]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{client}: init with s3 must fail");
    assert!(
        stderr.contains("Unsupported backend type")
            && stderr.contains("There is no backend type named \"s3\""),
        "{client}: Terraform's own error for a backend it lacks:\n{stderr}"
    );

    s.ws.write_config(&with_backend(
        "\"local\" {\n    path = \"kept/elsewhere.tfstate\"\n  }",
    ));
    s.ws.ok(&cli("init", &["-reconfigure"]));
    s.ws.apply();
    let id = s.emulator().registries()[0]["Id"].to_string();
    let stored = std::fs::read_to_string(s.ws.path().join("kept/elsewhere.tfstate"))
        .unwrap_or_else(|e| panic!("{client}: no state at the backend's path: {e}"));
    assert!(
        stored.contains(&format!("\"id\": \"{id}\"")),
        "{client}: the local backend holds the registry {id}:\n{stored}"
    );
    assert_plan_empty(&s.ws, "with the local backend");
    s.ws.destroy();
    assert!(s.emulator().registries().is_empty(), "{client}: destroyed");
}
