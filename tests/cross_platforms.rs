//! The release builds for the other platforms, each proven as far as this machine can prove it
//! (`make test` builds them first, with `scripts/cross-build.sh`):
//! - linux_arm64 runs under qemu, and real Terraform 1.16.4 drives it through the lifecycle;
//! - windows_amd64 runs under wine: real Terraform 1.16.4 drives it through the lifecycle over
//!   loopback TCP, and its mutual TLS admits Terraform's certificate and refuses others;
//! - darwin_amd64 and darwin_arm64 cannot run here, so their structure is checked: Mach-O for
//!   the right CPU, only system libraries loaded, go-plugin's handshake variables present, and on
//!   arm64 an ad-hoc signature whose page hashes match the file (Apple silicon runs nothing
//!   else).

mod common;

use std::path::Path;

use common::acceptance::{assert_plan_empty, harbor, Scenario};
use common::cross::{wrapper, Platform};
use common::plugin_client::{assert_tcp_mutual_tls, DebugSession};
use common::terraform::{assert_started_on_loopback_tcp, provider_starts, Client};

/// `scripts/cross-build.sh` owns the list of platforms a release holds; the tests' list must
/// be the same, so a platform added there is tested (or this fails).
#[test]
fn the_tests_cover_every_platform_a_release_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed = common::succeeds(
        "cross-build.sh --list",
        std::process::Command::new(root.join("scripts/cross-build.sh")).arg("--list"),
    );
    let tested: Vec<&str> = Platform::ALL.iter().map(|p| p.name()).collect();
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout)
            .split_whitespace()
            .collect::<Vec<_>>(),
        tested
    );
}

/// Apply, an empty plan and destroy, with Terraform 1.16.4 starting `platform`'s build through
/// its wrapper. Returns the lines of the client's log where the provider said it was serving.
fn lifecycle_through(platform: Platform) -> Vec<String> {
    let programs = tempfile::tempdir().expect("temp dir");
    let program = wrapper(platform, programs.path());
    let mut s = Scenario::on_emulator_running(Client::Terraform1_16, &[], &program);
    let log = s.ws.log_to("DEBUG", "client.log");
    s.ws.write_config(&format!("{}{}", s.providers(), harbor(&[], &[])));
    let applied = s.ws.apply();
    assert!(
        applied.contains("1 added"),
        "{}:\n{applied}",
        platform.name()
    );
    assert_eq!(s.emulator().registries().len(), 1, "one registry");
    assert_plan_empty(&s.ws, platform.name());
    s.destroy();
    assert!(s.emulator().registries().is_empty(), "destroyed");
    // Every provider start logs the platform it was built for (Rust's names: aarch64, x86_64).
    let starts = provider_starts(&log);
    let built_for = format!("platform={}", platform.rust_name());
    for line in &starts {
        assert!(line.contains(&built_for), "not {built_for}: {line}");
    }
    starts
}

#[test]
fn linux_arm64_runs_the_lifecycle_under_qemu_on_terraform_1_16_4() {
    let binary = std::fs::read(Platform::LinuxArm64.release_binary()).expect("read");
    assert_eq!(&binary[..4], b"\x7fELF", "an ELF file");
    assert_eq!(u16_le(&binary, 18), 0xb7, "for aarch64 (EM_AARCH64)");
    lifecycle_through(Platform::LinuxArm64);
}

#[test]
fn windows_amd64_runs_the_lifecycle_under_wine_over_tcp_on_terraform_1_16_4() {
    let exe = std::fs::read(Platform::WindowsAmd64.release_binary()).expect("read");
    assert_eq!(&exe[..2], b"MZ", "a PE file");
    let pe = u32_le(&exe, 0x3c) as usize;
    assert_eq!(&exe[pe..pe + 4], b"PE\0\0");
    assert_eq!(
        u16_le(&exe, pe + 4),
        0x8664,
        "for x86_64 (IMAGE_FILE_MACHINE_AMD64)"
    );
    let starts = lifecycle_through(Platform::WindowsAmd64);
    // A Windows build has no Unix sockets: every start listened on loopback TCP.
    assert_started_on_loopback_tcp(&starts, "windows_amd64");
}

#[tokio::test]
async fn windows_amd64_under_wine_admits_terraform_and_refuses_strangers_over_tcp() {
    let programs = tempfile::tempdir().expect("temp dir");
    let program = wrapper(Platform::WindowsAmd64, programs.path());
    // No TFPLUGIN_TRANSPORT: TCP is the only transport a Windows build has.
    assert_tcp_mutual_tls(&program, &[]).await;
}

/// A developer's `--debug` session on Windows: plaintext loopback TCP (there is nothing else),
/// and Ctrl-C, which reaches a Windows program as a console control event, stops it.
#[test]
fn windows_amd64_under_wine_debugs_over_tcp_and_stops_on_ctrl_c() {
    let programs = tempfile::tempdir().expect("temp dir");
    let program = wrapper(Platform::WindowsAmd64, programs.path());
    let mut session = DebugSession::start(&program, &[]);
    assert_eq!(session.reattach["Addr"]["Network"], "tcp");
    assert!(session.interrupt(), "the Windows build stops on Ctrl-C");
}

#[test]
fn darwin_arm64_is_a_signed_arm64_executable_loading_only_system_libraries() {
    let macho = MachO::read(Platform::DarwinArm64.release_binary());
    assert_eq!(macho.cpu, CPU_ARM64, "for arm64");
    macho.assert_plugin();
    let signature = macho
        .code_signature
        .expect("an LC_CODE_SIGNATURE: Apple silicon runs no unsigned code");
    macho.assert_ad_hoc_signature_matches(signature);
}

#[test]
fn darwin_amd64_is_an_x86_64_executable_loading_only_system_libraries() {
    let macho = MachO::read(Platform::DarwinAmd64.release_binary());
    assert_eq!(macho.cpu, CPU_X86_64, "for x86_64");
    macho.assert_plugin();
}

const CPU_X86_64: u32 = 0x0100_0007;
const CPU_ARM64: u32 = 0x0100_000c;

/// What a 64-bit Mach-O executable's load commands say, read as the loader reads them.
struct MachO {
    bytes: Vec<u8>,
    cpu: u32,
    dylibs: Vec<String>,
    /// `LC_CODE_SIGNATURE`: where the signature lies, as (offset, size).
    code_signature: Option<(usize, usize)>,
}

impl MachO {
    fn read(path: impl AsRef<Path>) -> Self {
        let bytes = std::fs::read(path).expect("read the darwin build");
        assert_eq!(u32_le(&bytes, 0), 0xfeed_facf, "a 64-bit Mach-O file");
        assert_eq!(u32_le(&bytes, 12), 2, "an executable (MH_EXECUTE)");
        let (mut dylibs, mut code_signature) = (Vec::new(), None);
        let mut at = 32;
        for _ in 0..u32_le(&bytes, 16) {
            let (cmd, size) = (u32_le(&bytes, at), u32_le(&bytes, at + 4) as usize);
            match cmd {
                // LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB
                0xc | 0x8000_0018 | 0x8000_001f => {
                    let name = &bytes[at + u32_le(&bytes, at + 8) as usize..at + size];
                    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
                    dylibs.push(String::from_utf8_lossy(&name[..end]).into_owned());
                }
                0x1d => {
                    code_signature = Some((
                        u32_le(&bytes, at + 8) as usize,
                        u32_le(&bytes, at + 12) as usize,
                    ))
                }
                _ => {}
            }
            at += size;
        }
        Self {
            cpu: u32_le(&bytes, 4),
            bytes,
            dylibs,
            code_signature,
        }
    }

    /// Loads nothing a Mac does not have, and reads go-plugin's handshake variables.
    fn assert_plugin(&self) {
        assert!(
            self.dylibs
                .iter()
                .any(|d| d == "/usr/lib/libSystem.B.dylib"),
            "{:?}",
            self.dylibs
        );
        for dylib in &self.dylibs {
            assert!(
                dylib.starts_with("/usr/lib/") || dylib.starts_with("/System/Library/Frameworks/"),
                "{dylib}: not a system library"
            );
        }
        for variable in [
            "TF_PLUGIN_MAGIC_COOKIE",
            "PLUGIN_PROTOCOL_VERSIONS",
            "PLUGIN_CLIENT_CERT",
        ] {
            assert!(
                self.bytes
                    .windows(variable.len())
                    .any(|w| w == variable.as_bytes()),
                "{variable} is not in the binary"
            );
        }
    }

    /// The signature is ad hoc (no identity, as a linker writes it) and its code directory's
    /// SHA-256 page hashes match the file: what the kernel checks page by page on arm64.
    fn assert_ad_hoc_signature_matches(&self, (offset, size): (usize, usize)) {
        use sha2::Digest as _;
        let blob = &self.bytes[offset..offset + size];
        assert_eq!(u32_be(blob, 0), 0xfade_0cc0, "an embedded signature");
        let directory = (0..u32_be(blob, 8) as usize)
            .map(|i| (u32_be(blob, 12 + 8 * i), u32_be(blob, 16 + 8 * i) as usize))
            .find(|(slot, _)| *slot == 0)
            .map(|(_, at)| &blob[at..])
            .expect("a code directory");
        assert_eq!(u32_be(directory, 0), 0xfade_0c02, "a code directory");
        assert_ne!(u32_be(directory, 12) & 0x2, 0, "ad hoc (CS_ADHOC)");
        let hashes_at = u32_be(directory, 16) as usize;
        let pages = u32_be(directory, 28) as usize;
        let code_limit = u32_be(directory, 32) as usize;
        let (hash_size, hash_type, page_shift) = (directory[36], directory[37], directory[39]);
        assert_eq!((hash_size, hash_type), (32, 2), "SHA-256 page hashes");
        assert_eq!(
            code_limit, offset,
            "the signature covers the file up to itself"
        );
        let page = 1usize << page_shift;
        assert_eq!(pages, code_limit.div_ceil(page));
        for i in 0..pages {
            let code = &self.bytes[i * page..((i + 1) * page).min(code_limit)];
            let want = &directory[hashes_at + 32 * i..hashes_at + 32 * (i + 1)];
            assert_eq!(
                &sha2::Sha256::digest(code)[..],
                want,
                "page {i} does not match its hash"
            );
        }
    }
}

fn u16_le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u32_be(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
