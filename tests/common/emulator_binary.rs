//! Where the `sas-emulator` binary is. It belongs to its own package, so Cargo gives these
//! tests no `CARGO_BIN_EXE_` for it; it is built beside the provider binary by
//! `cargo build --workspace --bins` (which `make test` runs first). A missing or stale
//! binary fails the test with the command that fixes it, rather than testing old code.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub fn emulator_binary() -> PathBuf {
    let bin =
        Path::new(env!("CARGO_BIN_EXE_terraform-provider-alicloud")).with_file_name("sas-emulator");
    let fix = "build it with `cargo build --workspace --bins` (or run `make test`)";
    let built = std::fs::metadata(&bin)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| panic!("{} is missing: {fix}", bin.display()));
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/sas-emulator");
    if newest(&sources).is_some_and(|t| t > built) {
        panic!(
            "{} is older than its sources in {}: {fix}",
            bin.display(),
            sources.display()
        );
    }
    bin
}

/// The newest modification time of any file under `dir`.
fn newest(dir: &Path) -> Option<SystemTime> {
    let mut best = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            newest(&path)
        } else {
            entry.metadata().and_then(|m| m.modified()).ok()
        };
        best = best.max(t);
    }
    best
}
