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
    // reach no wire type through it (or through the adapters), in a path or a grouped `use`.
    for named in [
        "use tfplugin::proto::tfplugin6;",
        "use tfplugin::{framework, proto};",
        "use tfplugin::{\n    framework::Schema,\n    protocol::Adapter,\n};",
        "tfplugin :: proto :: tfplugin5 :: Schema",
    ] {
        assert!(names_wire_module(named), "{named:?} names a wire module");
    }
    assert!(!names_wire_module(
        "use tfplugin::{framework::{Schema, value}, plugin};"
    ));
    let mut scanned = 0;
    let mut naming = Vec::new();
    rust_files(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut |path, text| {
            scanned += 1;
            if names_wire_module(text) {
                naming.push(path.display().to_string());
            }
        },
    );
    assert!(
        scanned > 10,
        "the provider's sources were read: {scanned} files"
    );
    assert!(
        naming.is_empty(),
        "provider sources naming wire types: {naming:?}"
    );
}

/// Whether Rust source names `tfplugin::proto` or `tfplugin::protocol`, in a path or among the
/// items of a `tfplugin::{…}` group.
fn names_wire_module(text: &str) -> bool {
    let code: String = text.split_whitespace().collect();
    code.match_indices("tfplugin::").any(|(at, found)| {
        let rest = &code[at + found.len()..];
        let Some(group) = rest.strip_prefix('{') else {
            return rest.starts_with("proto");
        };
        // The group's items at its own depth, up to its closing brace.
        let (mut depth, mut item) = (0, 0);
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' | ',' if depth == 0 => {
                    if group[item..i].starts_with("proto") {
                        return true;
                    }
                    if c == '}' {
                        return false;
                    }
                    item = i + 1;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        false
    })
}

/// Calls `each` with the path and text of every `.rs` file below `dir`.
fn rust_files(dir: &std::path::Path, each: &mut dyn FnMut(&std::path::Path, &str)) {
    for entry in std::fs::read_dir(dir)
        .expect("a source directory")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, each);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            each(&path, &text);
        }
    }
}
