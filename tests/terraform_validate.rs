//! `terraform validate` with real Terraform: every bad value is reported at its line, and a
//! value unknown until apply is not judged early.

mod common;

use common::terraform::Workspace;

fn registry(body: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    alicloud = {{ source = "alicloud-rs/alicloud" }}
  }}
}}

resource "alicloud_sas_private_registry" "r" {{
{body}
}}
"#
    )
}

const GOOD: [(&str, &str); 9] = [
    ("registry_type", "\"harbor\""),
    ("registry_version", "\"V2\""),
    ("protocol_type", "2"),
    ("net_type", "1"),
    ("registry_host_ip", "\"192.0.2.10\""),
    ("domain_name", "\"harbor.example.com\""),
    ("user_name", "\"admin\""),
    ("password", "\"s3cret\""),
    ("registry_region_id", "\"cn-hangzhou\""),
];

/// The resource body with `attr` set to `value` (added when it is not among the defaults).
fn body_with(attr: &str, value: &str) -> (String, usize) {
    let mut lines: Vec<String> = GOOD.iter().map(|(k, v)| format!("  {k} = {v}")).collect();
    match GOOD.iter().position(|(k, _)| *k == attr) {
        Some(i) => lines[i] = format!("  {attr} = {value}"),
        None => lines.push(format!("  {attr} = {value}")),
    }
    let index = lines
        .iter()
        .position(|l| l.starts_with(&format!("  {attr} =")))
        .unwrap_or(0);
    // Line numbers in main.tf: the resource body starts on line 8.
    (lines.join("\n"), index + 8)
}

#[test]
fn a_valid_registry_validates() {
    let (body, _) = body_with("port", "5000");
    let ws = Workspace::new(&registry(&body));
    let out = ws.ok(&["validate", "-no-color"]);
    assert!(out.contains("Success"), "{out}");
}

#[test]
fn each_bad_value_is_reported_at_its_line() {
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
    ];
    for (attr, value, message) in cases {
        let (body, line) = body_with(attr, value);
        let ws = Workspace::new(&registry(&body));
        let out = ws.run(&["validate", "-no-color"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{attr} = {value} must fail validation"
        );
        assert!(stderr.contains(message), "{attr}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "on main.tf line {line}, in resource \"alicloud_sas_private_registry\" \"r\""
            )),
            "{attr} should point at line {line}: {stderr}"
        );
    }
}

#[test]
fn quay_without_extra_param_is_an_error_at_validate() {
    let (body, _) = body_with("registry_type", "\"quay\"");
    let ws = Workspace::new(&registry(&body));
    let out = ws.run(&["validate", "-no-color"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("quay registries need extra_param"),
        "{stderr}"
    );
}

#[test]
fn a_variable_without_a_value_is_not_judged_at_validate() {
    // Variables are unknown during `terraform validate`.
    let (body, _) = body_with("registry_type", "var.kind");
    let config = format!(
        "{}\nvariable \"kind\" {{\n  type = string\n}}\n",
        registry(&body)
    );
    let ws = Workspace::new(&config);
    ws.ok(&["validate", "-no-color"]);
}

#[test]
fn examples_are_terraform_fmt_clean() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let out = std::process::Command::new(common::terraform::terraform_binary())
        .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
        .arg(&examples)
        .output()
        .expect("terraform fmt runs");
    assert!(
        out.status.success(),
        "terraform fmt would change these examples:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
