//! Shared test harness: Terraform-like plugin clients and certificates, real Terraform
//! workspaces, the emulator backend, and acceptance steps.
#![allow(dead_code)]

pub mod acceptance;
pub mod backend;
pub mod cert;
pub mod cross;
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

/// `text` with its whitespace folded, as a user reads a message the client wrapped.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts that `text` (folded) says each of `wanted`, naming `who` (the client) and showing
/// the whole text when one is missing.
pub fn assert_says<S: AsRef<str>>(who: impl std::fmt::Display, text: &str, wanted: &[S]) {
    let folded = flat(text);
    for w in wanted {
        let w = w.as_ref();
        assert!(folded.contains(w), "{who}: {w:?} in:\n{text}");
    }
}
