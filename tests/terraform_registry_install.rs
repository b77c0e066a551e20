//! Installed the way users install providers: `scripts/release.sh` (what `make release` runs)
//! packages and signs the provider, a provider registry serves it over HTTPS on loopback
//! (`common::registry`), and each client's own `init` installs it, checks the zip against
//! SHA256SUMS and that file's signature against the registry's key, and records the hash in
//! the lock file. A tampered zip or another key's signature must stop `init`; a mirror made
//! with `providers mirror` installs with the registry gone.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::cross::Platform;
use common::registry::{Registry, Release, HOST, NAMESPACE, TYPE};
use common::terraform::{cli, on_clients, Client, Workspace};
use sha2::Digest as _;

/// A throwaway GnuPG home. Its agent is stopped once the keys have done their work.
struct Gpg {
    home: PathBuf,
}

impl Gpg {
    /// A new home under `dir`, private as GnuPG wants it.
    fn new(dir: &Path) -> Self {
        let home = dir.join("gnupg");
        std::fs::create_dir_all(&home).expect("GNUPGHOME");
        std::fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .expect("GNUPGHOME mode");
        Self { home }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("gpg");
        c.env("GNUPGHOME", &self.home)
            .args(["--batch", "--quiet"])
            .args(args);
        c
    }

    fn ok(&self, args: &[&str]) -> Vec<u8> {
        let out = self.command(args).output().unwrap_or_else(|e| {
            panic!("gpg does not run ({e}): `make tools` installs it from Debian's packages")
        });
        assert!(
            out.status.success(),
            "gpg {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// A new signing key without a passphrase; its fingerprint.
    fn new_key(&self, name: &str) -> String {
        let uid = format!("{name} <{name}@example.test>");
        self.ok(&[
            "--passphrase",
            "",
            "--quick-generate-key",
            &uid,
            "rsa2048",
            "sign",
            "1d",
        ]);
        let listing =
            String::from_utf8(self.ok(&["--with-colons", "--list-keys", &uid])).expect("listing");
        listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .map(|l| l.trim_matches(':').to_string())
            .expect("a fingerprint")
    }

    fn armored(&self, fingerprint: &str) -> String {
        String::from_utf8(self.ok(&["--armor", "--export", fingerprint])).expect("armor")
    }

    fn sign(&self, fingerprint: &str, file: &Path) -> Vec<u8> {
        let out = file.with_extension("other.sig");
        self.ok(&[
            "--yes",
            "--local-user",
            fingerprint,
            "--detach-sign",
            "--output",
            out.to_str().expect("path"),
            file.to_str().expect("path"),
        ]);
        std::fs::read(out).expect("signature")
    }

    fn stop_agent(&self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "all"])
            .status();
    }
}

/// One release for every test of this file: signed by the release key, plus the same
/// SHA256SUMS signed by a key the registry does not advertise.
struct Fixture {
    release: Release,
    foreign_signature: Vec<u8>,
    /// Kept so the directory outlives the tests.
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let gpg = Gpg::new(dir.path());
        let release_key = gpg.new_key("release");
        let other_key = gpg.new_key("stranger");
        let out = dir.path().join("dist");
        package(&gpg, &release_key, &out);
        let version = env!("CARGO_PKG_VERSION").to_string();
        let sums = out.join(format!("terraform-provider-{TYPE}_{version}_SHA256SUMS"));
        let foreign_signature = gpg.sign(&other_key, &sums);
        let release = Release {
            version,
            dir: out,
            key_id: release_key[release_key.len() - 16..].to_string(),
            armored_key: gpg.armored(&release_key),
        };
        gpg.stop_agent();
        Fixture {
            release,
            foreign_signature,
            _dir: dir,
        }
    })
}

/// `scripts/release.sh` over the test build of the provider for linux_amd64, stripped of its
/// debug symbols as a release build is (the zip would be 150 MB otherwise), and the release
/// builds of the other four platforms (`make cross`).
fn package(gpg: &Gpg, fingerprint: &str, out: &Path) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = out.with_file_name("terraform-provider-alicloud");
    let status = Command::new("strip")
        .args(["-o", binary.to_str().expect("path")])
        .arg(env!("CARGO_BIN_EXE_terraform-provider-alicloud"))
        .status()
        .expect("strip (binutils, which the Rust toolchain's linker needs) runs");
    assert!(status.success(), "strip");
    common::succeeds(
        "release.sh",
        Command::new(root.join("scripts/release.sh"))
            .arg("--binary")
            .arg(format!("linux_amd64={}", binary.display()))
            .args(Platform::ALL.iter().skip(1).flat_map(|p| {
                [
                    "--binary".to_string(),
                    format!("{}={}", p.name(), p.release_binary().display()),
                ]
            }))
            .args(["--out", out.to_str().expect("path")])
            .env("GNUPGHOME", &gpg.home)
            .env("RELEASE_GPG_FINGERPRINT", fingerprint),
    );
}

const MAIN_TF: &str = r#"terraform {
  required_providers {
    alicloud = {
      source  = "registry.example.test/alicloud-rs/alicloud"
      version = "VERSION"
    }
  }
}
"#;

fn main_tf() -> String {
    MAIN_TF.replace("VERSION", env!("CARGO_PKG_VERSION"))
}

/// A workspace whose client finds `HOST` at `registry` and trusts its CA.
fn through(registry: &Registry, client: Client) -> Workspace {
    let mut ws = Workspace::with_cli_config(client, &main_tf(), &registry.host_block());
    let ca = registry.write_ca(ws.path());
    ws.set_env("SSL_CERT_FILE", ca.to_str().expect("path"));
    ws
}

/// The installed provider runs: the client reads its schema.
fn assert_runs(ws: &Workspace) {
    let schema = ws.providers_schema();
    assert!(
        schema.contains("alicloud_sas_private_registry"),
        "{}: the installed provider serves its schema",
        ws.client
    );
}

/// Everything a user's `init` does with a registry, then what it must refuse.
fn installs_from_the_registry(client: Client) {
    let fx = fixture();
    let release = &fx.release;
    let registry = Registry::start(release);
    let ws = through(&registry, client);
    let (ok, text) = ws.outcome(&cli("init", &[]));
    assert!(ok, "{client}: init from the registry:\n{text}");
    let address = format!("{HOST}/{NAMESPACE}/{TYPE} v{}", release.version);
    assert!(
        text.contains(&format!("Installed {address}")),
        "{client}: installed {address}:\n{text}"
    );
    // Terraform calls a key without a partner's trust signature "self-signed"; OpenTofu has
    // no partner keys and says "signed".
    let verdict = match client {
        Client::OpenTofu1_12 => "signed",
        _ => "self-signed",
    };
    assert!(
        text.contains(&format!("({verdict}, key ID {})", release.key_id)),
        "{client}: the signature and its key are reported:\n{text}"
    );
    let zip_hash = hex::encode(sha2::Sha256::digest(release.zip()));
    if client != Client::Terraform0_13 {
        let lock = std::fs::read_to_string(ws.path().join(".terraform.lock.hcl"))
            .unwrap_or_else(|e| panic!("{client}: lock file: {e}"));
        assert!(
            lock.contains(&format!("\"zh:{zip_hash}\"")),
            "{client}: the lock file holds the zip's hash:\n{lock}"
        );
    }
    assert_runs(&ws);

    // A mirror for an air-gapped site: made from the registry, installed from with it gone.
    let mirror = ws.path().join("mirror");
    let (ok, text) = ws.outcome(&["providers", "mirror", mirror.to_str().expect("path")]);
    assert!(ok, "{client}: providers mirror:\n{text}");

    // The registry refuses nothing, so a wrong zip or signature is the client's to catch.
    let tampered = {
        let mut zip = release.zip();
        let middle = zip.len() / 2;
        zip[middle] ^= 0xff;
        zip
    };
    let sig_name = format!(
        "terraform-provider-{TYPE}_{}_SHA256SUMS.sig",
        release.version
    );
    let genuine_sig = registry.files.lock().expect("files")[&sig_name].clone();
    registry.replace_file(&release.zip_name(), tampered);
    let (ok, text) = through(&registry, client).outcome(&cli("init", &[]));
    assert!(
        !ok && text.contains("checksum list has unexpected SHA-256 hash"),
        "{client}: a tampered zip must stop init:\n{text}"
    );
    registry.replace_file(&release.zip_name(), release.zip());
    registry.replace_file(&sig_name, fx.foreign_signature.clone());
    let (ok, text) = through(&registry, client).outcome(&cli("init", &[]));
    assert!(
        !ok && text.contains("authentication signature from unknown issuer"),
        "{client}: a signature by another key must stop init:\n{text}"
    );
    registry.replace_file(&sig_name, genuine_sig);
    drop(registry);

    let offline = Workspace::with_cli_config(
        client,
        &main_tf(),
        &format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.display()
        ),
    );
    // The lock file a team commits holds the registry's hashes: the mirrored zip must match.
    let lock = ws.path().join(".terraform.lock.hcl");
    if lock.exists() {
        std::fs::copy(&lock, offline.path().join(".terraform.lock.hcl")).expect("copy lock");
    }
    let (ok, text) = offline.outcome(&cli("init", &[]));
    assert!(ok, "{client}: init from the mirror, offline:\n{text}");
    assert_runs(&offline);
}

on_clients! {
    installs_from_the_registry:
    installs_from_the_registry_on_terraform_0_13_4 => Terraform0_13,
    installs_from_the_registry_on_terraform_1_0_3 => Terraform1_0,
    installs_from_the_registry_on_terraform_1_16_4 => Terraform1_16,
    installs_from_the_registry_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// The same binary packaged twice gives the same zip, byte for byte; the manifest declares
/// both protocols the binary serves.
#[test]
fn packaging_is_reproducible_and_declares_both_protocols() {
    let fx = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    let gpg = Gpg::new(dir.path());
    let key = gpg.new_key("again");
    let again = dir.path().join("dist");
    package(&gpg, &key, &again);
    gpg.stop_agent();
    for platform in Platform::ALL {
        let name = fx.release.zip_name_for(platform.name());
        assert_eq!(
            std::fs::read(again.join(&name)).expect("zip"),
            fx.release.zip_for(platform.name()),
            "{name} differs between two packagings"
        );
    }
    let manifest = std::fs::read_to_string(again.join(format!(
        "terraform-provider-{TYPE}_{}_manifest.json",
        fx.release.version
    )))
    .expect("manifest");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["5.0", "6.0"])
    );
    let sums = std::fs::read_to_string(again.join(format!(
        "terraform-provider-{TYPE}_{}_SHA256SUMS",
        fx.release.version
    )))
    .expect("sums");
    assert_eq!(
        sums.lines().count(),
        6,
        "five zips and the manifest:\n{sums}"
    );
}

/// A team that works on several platforms locks them all at once, and each client checks every
/// platform's zip against the signed SHA256SUMS: the lock file holds a hash of each.
fn locks_every_platform(client: Client) {
    let fx = fixture();
    let registry = Registry::start(&fx.release);
    let ws = through(&registry, client);
    let mut args = cli("providers lock", &[]);
    let flags: Vec<String> = Platform::ALL
        .iter()
        .map(|p| format!("-platform={}", p.name()))
        .collect();
    args.extend(flags.iter().map(String::as_str));
    let (ok, text) = ws.outcome(&args);
    assert!(ok, "{client}: providers lock:\n{text}");
    let lock = std::fs::read_to_string(ws.path().join(".terraform.lock.hcl"))
        .unwrap_or_else(|e| panic!("{client}: lock file: {e}"));
    for platform in Platform::ALL {
        let zip = fx.release.zip_for(platform.name());
        let hash = hex::encode(sha2::Sha256::digest(&zip));
        assert!(
            lock.contains(&format!("\"zh:{hash}\"")),
            "{client}: the lock holds {}'s zip hash:\n{lock}",
            platform.name()
        );
        assert!(
            registry
                .requested()
                .iter()
                .any(|r| r.ends_with(&fx.release.zip_name_for(platform.name()))),
            "{client}: {} was downloaded and checked",
            platform.name()
        );
    }
    // One h1: hash per platform, each computed from the zip the client downloaded.
    assert_eq!(
        lock.matches("\"h1:").count(),
        Platform::ALL.len(),
        "{client}:\n{lock}"
    );
}

on_clients! {
    locks_every_platform:
    locks_every_platform_on_terraform_1_16_4 => Terraform1_16,
    locks_every_platform_on_opentofu_1_12_6 => OpenTofu1_12,
}
