//! Shared test harness: Terraform-like plugin clients and certificates, real Terraform
//! workspaces, the emulator backend, and acceptance steps.
#![allow(dead_code)]

pub mod acceptance;
pub mod backend;
pub mod cert;
pub mod emulator_binary;
pub mod emulator_control;
pub mod plan_file;
pub mod plugin_client;
pub mod registry;
pub mod terraform;

/// Runs `command`, which must succeed: its output, or a failure naming `what` with what it
/// printed.
pub fn succeeds(what: &str, command: &mut std::process::Command) -> std::process::Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what} does not run: {e}"));
    assert!(
        out.status.success(),
        "{what} fails:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
