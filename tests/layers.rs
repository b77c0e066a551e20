//! The crates are the layers, and `cargo tree` shows the boundaries hold: the provider binary
//! never links the emulator, the plugin framework knows no Alibaba Cloud, the API client knows
//! no Terraform, the emulator shares no code with either, and wire types stay in `tfplugin`.

mod common;

use std::process::Command;

/// The packages `package` links (normal dependencies only: what ships), by name; with
/// `depth`, only that many levels down, without `package` itself.
fn links_at(package: &str, depth: Option<u32>) -> Vec<String> {
    let mut args = vec![
        "tree",
        "--offline",
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ];
    let depth_text = depth.map(|d| d.to_string());
    if let Some(d) = &depth_text {
        args.extend(["--depth", d.as_str()]);
    }
    let out = common::succeeds(
        &format!("cargo tree -p {package}"),
        Command::new(env!("CARGO"))
            .args(&args)
            .args(["-p", package])
            .current_dir(env!("CARGO_MANIFEST_DIR")),
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(usize::from(depth.is_some()))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn links(package: &str) -> Vec<String> {
    links_at(package, None)
}

/// The packages `package` depends on directly.
fn direct(package: &str) -> Vec<String> {
    links_at(package, Some(1))
}

fn assert_links_none(package: &str, forbidden: &[&str]) {
    let linked = links(package);
    assert!(linked.len() > 3, "{package} links {linked:?}");
    for f in forbidden {
        assert!(
            !linked.iter().any(|l| l == f),
            "{package} must not link {f}: {linked:?}"
        );
    }
}

#[test]
fn the_provider_binary_does_not_link_the_emulator() {
    assert_links_none("terraform-provider-alicloud", &["sas-emulator"]);
    let linked = links("terraform-provider-alicloud");
    for needed in ["tfplugin", "alicloud"] {
        assert!(
            linked.iter().any(|l| l == needed),
            "{needed} is linked: {linked:?}"
        );
    }
}

#[test]
fn the_framework_knows_no_cloud_and_the_client_no_terraform() {
    assert_links_none("tfplugin", &["alicloud", "sas-emulator", "reqwest"]);
    assert_links_none("alicloud", &["tfplugin", "sas-emulator", "tonic", "prost"]);
}

#[test]
fn the_emulator_shares_no_code_with_the_client_or_the_framework() {
    assert_links_none(
        "sas-emulator",
        &["alicloud", "tfplugin", "terraform-provider-alicloud"],
    );
}

#[test]
fn wire_types_stay_in_tfplugin() {
    let provider = direct("terraform-provider-alicloud");
    assert!(provider.iter().any(|d| d == "tfplugin"), "{provider:?}");
    for wire in ["prost", "tonic", "tonic-prost"] {
        assert!(
            !provider.iter().any(|d| d == wire),
            "the provider depends on {wire} itself: {provider:?}"
        );
    }
    // `tfplugin::proto` is public for the tests' own gRPC clients; the provider's sources
    // reach no wire type through it (or through the adapters).
    let mut naming = Vec::new();
    rust_files_naming(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &["tfplugin::proto", "tfplugin::protocol"],
        &mut naming,
    );
    assert!(
        naming.is_empty(),
        "provider sources naming wire types: {naming:?}"
    );
}

/// The `.rs` files below `dir` that name any of `needles`.
fn rust_files_naming(dir: &std::path::Path, needles: &[&str], out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir)
        .expect("a source directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files_naming(&path, needles, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if needles.iter().any(|n| text.contains(n)) {
                out.push(path.display().to_string());
            }
        }
    }
}
