//! `validate` with every client of the matrix: every bad value is reported at its line, and a
//! value unknown until apply is not judged early.

mod common;

use common::terraform::{cli, on_clients, Client, Workspace};

const PROVIDERS: &str = r#"terraform {
  required_providers {
    alicloud = { source = "alicloud-rs/alicloud" }
  }
}
"#;

/// main.tf with the harbor registry's `attr` set to `value` (added when it is not among its
/// arguments), and the line `attr` is on.
fn config_with(attr: &str, value: &str) -> (String, usize) {
    let config = format!(
        "{PROVIDERS}{}",
        common::acceptance::harbor(&[(attr, value)], &[])
    );
    let line = config
        .lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(attr)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1);
    (config, line)
}

on_clients! {
    validate_matrix:
    validate_on_terraform_0_13_4 => Terraform0_13,
    validate_on_terraform_1_0_3 => Terraform1_0,
    validate_on_terraform_1_8_5 => Terraform1_8,
    validate_on_terraform_1_16_4 => Terraform1_16,
    validate_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// Every check below, with one client in one working directory.
fn validate_matrix(client: Client) {
    let (config, _) = config_with("port", "5000");
    let ws = Workspace::dev(client, &config);
    a_valid_registry_validates(&ws);
    each_bad_value_is_reported_at_its_line(&ws);
    a_quay_registry_validates_without_its_tokens(&ws);
    a_variable_without_a_value_is_not_judged_at_validate(&ws);
}

fn a_valid_registry_validates(ws: &Workspace) {
    let (config, _) = config_with("port", "5000");
    ws.write_config(&config);
    let out = ws.ok(&cli("validate", &[]));
    assert!(out.contains("Success"), "{}: {out}", ws.client);
}

fn each_bad_value_is_reported_at_its_line(ws: &Workspace) {
    let client = ws.client;
    let cases = [
        (
            "registry_type",
            "\"docker\"",
            "must be one of \"harbor\", \"quay\"",
        ),
        (
            "registry_version",
            "\"v3\"",
            "must be one of \"V1\", \"V2\"",
        ),
        ("protocol_type", "3", "must be 1 (HTTP) or 2 (HTTPS)"),
        ("net_type", "7", "must be 1 (the Internet) or 2 (a VPC)"),
        ("registry_host_ip", "\"not-an-ip\"", "IPv4 or IPv6 address"),
        (
            "domain_name",
            "\"https://x.example.com/\"",
            "must be a host name",
        ),
        ("port", "0", "between 1 and 65535"),
        ("registry_region_id", "\"Hangzhou\"", "region id"),
        ("trans_per_hour", "0", "at least 1"),
        ("extra_param", "\"{}\"", "JSON array of objects"),
        (
            "registry_host_ip",
            "null",
            "is required and must not be null",
        ),
    ];
    for (attr, value, message) in cases {
        let (config, line) = config_with(attr, value);
        ws.write_config(&config);
        let out = ws.run(&cli("validate", &[]));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{client}: {attr} = {value} must fail validation"
        );
        assert!(stderr.contains(message), "{client}: {attr}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "on main.tf line {line}, in resource \"alicloud_sas_private_registry\" \"r\""
            )),
            "{client}: {attr} should point at line {line}: {stderr}"
        );
    }
}

/// Configuration for an existing quay registry (generated for an import, say) need not hold
/// its tokens, which the API never lists: adding one needs them, and the plan says so
/// (`terraform_first_hour::a_new_registry_without_what_adding_needs_is_refused_at_plan`).
fn a_quay_registry_validates_without_its_tokens(ws: &Workspace) {
    let (config, _) = config_with("registry_type", "\"quay\"");
    ws.write_config(&config);
    let out = ws.ok(&cli("validate", &[]));
    assert!(out.contains("Success"), "{}: {out}", ws.client);
}

fn a_variable_without_a_value_is_not_judged_at_validate(ws: &Workspace) {
    // Variables are unknown during `validate`.
    let (config, _) = config_with("registry_type", "var.kind");
    let config = format!("{config}\nvariable \"kind\" {{\n  type = string\n}}\n");
    ws.write_config(&config);
    ws.ok(&cli("validate", &[]));
}

#[test]
fn examples_are_terraform_fmt_clean() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    // The newest Terraform, which also formats the `.tftest.hcl` files under examples/tests.
    common::succeeds(
        "terraform fmt -check (it would change these examples)",
        std::process::Command::new(Client::Terraform1_16.binary())
            .args(cli("fmt", &["-check", "-recursive", "-diff"]))
            .arg(&examples),
    );
}

/// The documentation's examples validate with a client that has every feature they use
/// (write-only arguments need Terraform 1.11+ / OpenTofu 1.11+).
#[test]
fn examples_validate_on_opentofu_1_12_6() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    // Every resource's and data source's example, found, so a new one is checked unasked.
    let mut dirs: Vec<String> = ["resources", "data-sources"]
        .iter()
        .flat_map(|kind| {
            std::fs::read_dir(examples.join(kind))
                .expect("examples of each kind")
                .map(move |e| format!("{kind}/{}", e.expect("entry").file_name().to_string_lossy()))
        })
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 2, "examples found: {dirs:?}");
    dirs.extend(["quickstart".to_string(), "tests".to_string()]);
    for dir in &dirs {
        let mut config = String::from(
            "terraform {\n  required_providers {\n    alicloud = { source = \"alicloud-rs/alicloud\" }\n  }\n}\n",
        );
        for entry in std::fs::read_dir(examples.join(dir)).expect("example dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "tf") {
                let text = std::fs::read_to_string(&path).expect("example");
                // Each example may bring its own terraform block; one is enough.
                if !text.contains("required_providers") {
                    config.push_str(&text);
                } else {
                    config = text;
                }
            }
        }
        let ws = Workspace::dev(Client::OpenTofu1_12, &config);
        let out = ws.run(&cli("validate", &[]));
        assert!(
            out.status.success(),
            "examples/{dir} must validate:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
