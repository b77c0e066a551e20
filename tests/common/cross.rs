//! The other platforms' release builds (`scripts/cross-build.sh`, which `make test` runs first),
//! and the programs that let this machine run two of them: qemu for linux_arm64, wine for
//! windows_amd64. Each is reached through a small shell wrapper that Terraform, or a test,
//! starts as if it were the provider.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A platform a release serves, by its registry name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    LinuxAmd64,
    LinuxArm64,
    DarwinAmd64,
    DarwinArm64,
    WindowsAmd64,
}

impl Platform {
    pub const ALL: [Platform; 5] = [
        Platform::LinuxAmd64,
        Platform::LinuxArm64,
        Platform::DarwinAmd64,
        Platform::DarwinArm64,
        Platform::WindowsAmd64,
    ];

    /// `<os>_<arch>`, as registries, zips and `-platform=` name it.
    pub fn name(self) -> &'static str {
        match self {
            Platform::LinuxAmd64 => "linux_amd64",
            Platform::LinuxArm64 => "linux_arm64",
            Platform::DarwinAmd64 => "darwin_amd64",
            Platform::DarwinArm64 => "darwin_arm64",
            Platform::WindowsAmd64 => "windows_amd64",
        }
    }

    pub fn os(self) -> &'static str {
        self.name().split('_').next().expect("os_arch")
    }

    pub fn arch(self) -> &'static str {
        self.name().split('_').nth(1).expect("os_arch")
    }

    /// `<os>_<arch>` as Rust's `std::env::consts` name them, which the provider logs.
    pub fn rust_name(self) -> String {
        let arch = match self.arch() {
            "amd64" => "x86_64",
            "arm64" => "aarch64",
            other => panic!("no Rust name for {other}"),
        };
        let os = match self.os() {
            "darwin" => "macos",
            os => os,
        };
        format!("{os}_{arch}")
    }

    /// The release build of this platform. Fails loudly when it is missing: `make test` builds
    /// it (`make cross`), and a test that cannot find it must not pass.
    pub fn release_binary(self) -> PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new(root.join("scripts/cross-build.sh"))
            .args(["--path", self.name()])
            .output()
            .expect("scripts/cross-build.sh runs");
        assert!(
            out.status.success(),
            "cross-build.sh --path {}",
            self.name()
        );
        let binary = root.join(String::from_utf8_lossy(&out.stdout).trim());
        assert!(
            binary.is_file(),
            "{} is not built at {}: run `make cross` (make test does)",
            self.name(),
            binary.display()
        );
        binary
    }
}

/// A wrapper in `dir`, named as Terraform looks for the provider, that runs `platform`'s build
/// on this machine: under qemu-aarch64 with Debian's arm64 sysroot, or under wine64 in a
/// private prefix. Returns its path.
pub fn wrapper(platform: Platform, dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("wrapper dir");
    let binary = platform.release_binary();
    let run = match platform {
        Platform::LinuxArm64 => format!(
            "exec qemu-aarch64 -L /usr/aarch64-linux-gnu '{}' \"$@\"",
            binary.display()
        ),
        Platform::WindowsAmd64 => {
            let exe = windows_exe(&binary, dir);
            format!(
                "export WINEPREFIX='{}' WINEARCH=win64 WINEDEBUG=-all\nexec {WINE} '{}' \"$@\"",
                wine_prefix().display(),
                exe.display()
            )
        }
        other => panic!("{} cannot run on this machine", other.name()),
    };
    let path = dir.join("terraform-provider-alicloud");
    std::fs::write(&path, format!("#!/bin/sh\n{run}\n")).expect("write wrapper");
    let mut perms = std::fs::metadata(&path).expect("wrapper").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).expect("make the wrapper executable");
    path
}

/// Debian's wine64 loader (not on PATH).
const WINE: &str = "/usr/lib/wine/wine64";

/// The Windows build copied into `dir` with the test shim beside it. Rust's std imports
/// `ProcessPrng` from `bcryptprimitives.dll`, which wine 8.0 lacks (the process would exit
/// with status 53 before `main`); the shim, built here with mingw from
/// `tests/data/windows/bcryptprimitives.c`, forwards it to `SystemFunction036`. Only tests
/// use it: a real Windows has the DLL.
fn windows_exe(binary: &Path, dir: &Path) -> PathBuf {
    let exe = dir.join("terraform-provider-alicloud.exe");
    std::fs::copy(binary, &exe).expect("copy the Windows build");
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/windows/bcryptprimitives.c");
    super::succeeds(
        "x86_64-w64-mingw32-gcc (Debian gcc-mingw-w64-x86-64, from make tools)",
        Command::new("x86_64-w64-mingw32-gcc")
            .args(["-O2", "-shared", "-o"])
            .arg(dir.join("bcryptprimitives.dll"))
            .arg(source)
            .arg("-ladvapi32"),
    );
    exe
}

/// One wine prefix for the test binary, made once (`wineboot --init` takes seconds).
fn wine_prefix() -> &'static Path {
    static PREFIX: OnceLock<PathBuf> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let prefix = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine-prefix");
        if !prefix.join("system.reg").is_file() {
            super::succeeds(
                "wineboot --init (Debian wine64, from make tools)",
                Command::new(WINE)
                    .args(["wineboot", "--init"])
                    .env("WINEPREFIX", &prefix)
                    .env("WINEARCH", "win64")
                    .env("WINEDEBUG", "-all"),
            );
        }
        prefix
    })
}
