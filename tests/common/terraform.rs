//! Real Terraform and OpenTofu clients (installed into `.tools/` by `make tools`) running our
//! built provider in a scratch directory, through `dev_overrides` or a filesystem mirror.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One `#[test]` per client, each running the same scenario with it: `on_clients! { run:
/// run_on_terraform_1_16_4 => Terraform1_16, ... }`; what a client is expected to do differently
/// follows it in parentheses, `=> Terraform1_8("its message")`, passed after the client. The
/// names stay written out, so a failure names its client and `cargo test NAME` finds it.
#[allow(unused_macros)]
macro_rules! on_clients {
    ($run:ident: $( $(#[$meta:meta])* $test:ident => $client:ident $(($($arg:expr),*))? ),+ $(,)?) => {
        $(
            $(#[$meta])*
            #[test]
            fn $test() {
                $run($crate::common::terraform::Client::$client $($(, $arg)*)?)
            }
        )+
    };
}
#[allow(unused_imports)]
pub(crate) use on_clients;

/// `<command> <flags> <extra>`: a client command as the tests run it, the one place its flags
/// are written. Never asking (`-input=false` where the command takes it), plain text, and
/// `apply` and `destroy` approved, but for an `apply` of a saved plan (a plan file in `extra`),
/// which asks for no approval. `command` may name a subcommand: `"providers lock"`.
pub fn cli<'a>(command: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args: Vec<&str> = command.split_whitespace().collect();
    let saved_plan = extra.iter().any(|a| !a.starts_with('-'));
    match args.first().copied() {
        Some("apply") if saved_plan => {}
        Some("apply" | "destroy") => args.push("-auto-approve"),
        _ => {}
    }
    if args
        .first()
        .is_some_and(|c| ["init", "plan", "apply", "destroy", "import", "refresh"].contains(c))
    {
        args.push("-input=false");
    }
    args.push("-no-color");
    args.extend_from_slice(extra);
    args
}

/// A client the suite runs against: which binary, and what it can do. The versions are the
/// ones `scripts/install-tools.sh` pins; its install paths hold them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// A third-party build that offers protocol 5 only, logs at debug level on stderr, and
    /// writes its messages to stdout prefixed `o:` or `e:` (see `readable`).
    Terraform0_13,
    Terraform1_0,
    Terraform1_8,
    /// Built from the module proxy without nine remote-state backends (see
    /// `scripts/patches/`); everything a provider meets is upstream's.
    Terraform1_16,
    OpenTofu1_12,
}

impl Client {
    /// Every client of the compatibility matrix, oldest first.
    pub const ALL: [Client; 5] = [
        Client::Terraform0_13,
        Client::Terraform1_0,
        Client::Terraform1_8,
        Client::Terraform1_16,
        Client::OpenTofu1_12,
    ];

    /// Where `scripts/install-tools.sh` puts it, under `.tools/clients/`.
    fn install_path(self) -> &'static str {
        match self {
            Client::Terraform0_13 => "terraform-0.13.4/terraform",
            Client::Terraform1_0 => "terraform-1.0.3/terraform",
            Client::Terraform1_8 => "terraform-1.8.5/terraform",
            Client::Terraform1_16 => "terraform-1.16.4/terraform",
            Client::OpenTofu1_12 => "tofu-1.12.6/tofu",
        }
    }

    /// "Terraform 1.8.5", "OpenTofu 1.12.6": every failure message starts with it.
    pub fn name(self) -> String {
        let dir = self.install_path().split('/').next().unwrap_or_default();
        let (product, version) = dir.split_once('-').unwrap_or((dir, ""));
        let product = match product {
            "tofu" => "OpenTofu",
            _ => "Terraform",
        };
        format!("{product} {version}")
    }

    /// The command users type: `terraform` or `tofu`.
    pub fn command_name(self) -> &'static str {
        match self {
            Client::OpenTofu1_12 => "tofu",
            _ => "terraform",
        }
    }

    /// The installed binary. A missing client fails the test: run `make tools`.
    pub fn binary(self) -> PathBuf {
        let bin = tools_dir().join("clients").join(self.install_path());
        assert!(
            bin.is_file(),
            "{} is not installed at {} — run `make tools` (make test does this first)",
            self.name(),
            bin.display()
        );
        bin
    }

    /// The plugin protocol it speaks with our provider: 0.13 offers 5 only, the rest 6.
    pub fn protocol(self) -> u32 {
        match self {
            Client::Terraform0_13 => 5,
            _ => 6,
        }
    }

    /// `dev_overrides` exist from Terraform 0.14 on.
    pub fn has_dev_overrides(self) -> bool {
        self != Client::Terraform0_13
    }

    /// `import` blocks and `plan -generate-config-out` (Terraform 1.5, every OpenTofu here).
    pub fn has_import_blocks(self) -> bool {
        matches!(
            self,
            Client::Terraform1_8 | Client::Terraform1_16 | Client::OpenTofu1_12
        )
    }

    /// Provider source addresses without a host resolve to this registry.
    pub fn default_registry(self) -> &'static str {
        match self {
            Client::OpenTofu1_12 => "registry.opentofu.org",
            _ => "registry.terraform.io",
        }
    }

    /// The client's output as a user reads it. The 0.13.4 build writes everything a user reads
    /// to stdout, each message starting with `o:` (output) or `e:` (errors), and its debug log
    /// (always on) to stderr: here the `o:` messages are stdout, the `e:` ones stderr, and the
    /// log is dropped.
    pub fn readable(self, out: Output) -> Output {
        if self != Client::Terraform0_13 {
            return out;
        }
        let (mut stdout, mut stderr) = (String::new(), String::new());
        let mut to_stderr = false;
        for line in String::from_utf8_lossy(&out.stdout).split_inclusive('\n') {
            let text = if let Some(rest) = line.strip_prefix("o:") {
                to_stderr = false;
                rest
            } else if let Some(rest) = line.strip_prefix("e:") {
                to_stderr = true;
                rest
            } else {
                line
            };
            if to_stderr { &mut stderr } else { &mut stdout }.push_str(text);
        }
        Output {
            status: out.status,
            stdout: stdout.into_bytes(),
            stderr: stderr.into_bytes(),
        }
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

fn tools_dir() -> PathBuf {
    std::env::var_os("TF_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".tools"))
}

/// The default client of tests that are not about a particular client: Terraform 1.0.3.
pub fn terraform_binary() -> PathBuf {
    Client::Terraform1_0.binary()
}

/// HashiCorp's null provider 2.1.2, installed by `make tools`.
pub fn null_provider_binary() -> PathBuf {
    let bin = tools_dir().join(
        "plugins/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64/terraform-provider-null_v2.1.2_x4",
    );
    assert!(
        bin.is_file(),
        "null provider missing at {} — run `make tools`",
        bin.display()
    );
    bin
}

/// The built provider binary.
fn provider_binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-alicloud"))
}

/// Puts the provider binary as it is now into `dir` (made here) and returns `dir`. A hard
/// link where it can (the linker and cargo replace the file rather than rewrite it, so the
/// link keeps this build), a copy where not: either way another run's `cargo build` cannot
/// change the binary a workspace tests, or the checksum its lock file recorded.
fn provider_snapshot(dir: &Path) -> PathBuf {
    let name = "terraform-provider-alicloud";
    std::fs::create_dir_all(dir).expect("snapshot dir");
    let snapshot = dir.join(name);
    if std::fs::hard_link(provider_binary(), &snapshot).is_err() {
        std::fs::copy(provider_binary(), &snapshot).expect("copy the provider binary");
    }
    dir.to_path_buf()
}

/// A throwaway working directory with its own CLI configuration, for one client.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub client: Client,
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
    /// Terraform 1.0.3 with our provider through `dev_overrides`: no `terraform init` needed.
    pub fn new(main_tf: &str) -> Self {
        Self::dev(Client::Terraform1_0, main_tf)
    }

    /// `client` with our provider through `dev_overrides`, where it has them; 0.13.4 gets a
    /// filesystem mirror and `init` instead.
    pub fn dev(client: Client, main_tf: &str) -> Self {
        if !client.has_dev_overrides() {
            let ws = Self::mirror(client, main_tf);
            ws.init();
            return ws;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let overrides = format!(
            "  dev_overrides {{\n    \"alicloud-rs/alicloud\" = \"{}\"\n  }}\n  direct {{}}\n",
            provider_snapshot(&dir.path().join(".provider")).display()
        );
        Self::with_installation(dir, client, main_tf, &overrides)
    }

    /// Terraform 1.0.3 with our provider and the null provider from a filesystem mirror.
    pub fn with_mirror(main_tf: &str) -> Self {
        Self::mirror(Client::Terraform1_0, main_tf)
    }

    /// Our provider and HashiCorp's null provider from a local filesystem mirror, laid out as
    /// `make install` lays it out for users (under the client's default registry host too);
    /// run `init` first.
    pub fn mirror(client: Client, main_tf: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let provider =
            provider_snapshot(&dir.path().join(".provider")).join("terraform-provider-alicloud");
        Self::mirror_of(dir, client, main_tf, &provider)
    }

    /// [`Self::mirror`] with `program` installed as our provider (a wrapper that runs another
    /// platform's build, say).
    pub fn mirror_running(client: Client, main_tf: &str, program: &Path) -> Self {
        Self::mirror_of(
            tempfile::tempdir().expect("temp dir"),
            client,
            main_tf,
            program,
        )
    }

    fn mirror_of(dir: tempfile::TempDir, client: Client, main_tf: &str, provider: &Path) -> Self {
        let mirror = tempfile::tempdir().expect("mirror dir").keep();
        let mut hosts = vec!["registry.terraform.io"];
        if client.default_registry() != hosts[0] {
            hosts.push(client.default_registry());
        }
        for host in hosts {
            let ours = mirror.join(format!(
                "{host}/alicloud-rs/alicloud/{v}/linux_amd64/terraform-provider-alicloud_v{v}",
                v = env!("CARGO_PKG_VERSION")
            ));
            let null = mirror.join(format!(
                "{host}/hashicorp/null/2.1.2/linux_amd64/terraform-provider-null_v2.1.2_x4"
            ));
            for (link, target) in [
                (&ours, provider.to_path_buf()),
                (&null, null_provider_binary()),
            ] {
                std::fs::create_dir_all(link.parent().expect("parent")).expect("mirror layout");
                std::os::unix::fs::symlink(target, link).expect("symlink into mirror");
            }
        }
        let installation = format!(
            "  filesystem_mirror {{\n    path = \"{}\"\n  }}\n",
            mirror.display()
        );
        let mut ws = Self::with_installation(dir, client, main_tf, &installation);
        ws.mirror = Some(mirror);
        ws
    }

    fn with_installation(
        dir: tempfile::TempDir,
        client: Client,
        main_tf: &str,
        installation: &str,
    ) -> Self {
        let cli_config = format!("provider_installation {{\n{installation}}}\n");
        Self::configured(dir, client, main_tf, &cli_config)
    }

    /// `client` with the CLI configuration `cli_config` (installation, `host` blocks) as is.
    pub fn with_cli_config(client: Client, main_tf: &str, cli_config: &str) -> Self {
        Self::configured(
            tempfile::tempdir().expect("temp dir"),
            client,
            main_tf,
            cli_config,
        )
    }

    fn configured(dir: tempfile::TempDir, client: Client, main_tf: &str, config: &str) -> Self {
        let cli_config = dir.path().join("terraformrc");
        std::fs::write(&cli_config, config).expect("write CLI config");
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
            client,
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

    /// Has the client log at `level` into `file` in the workspace: the log's path.
    pub fn log_to(&mut self, level: &str, file: &str) -> PathBuf {
        let log = self.path().join(file);
        self.set_env("TF_LOG", level);
        self.set_env("TF_LOG_PATH", &log.to_string_lossy());
        log
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `<client> <args>` in this workspace, with only its environment and no stdin.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(self.client.binary());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `<client> <args>` and returns its output as a user reads it; never prompts.
    pub fn run(&self, args: &[&str]) -> Output {
        let out = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", self.client));
        self.client.readable(out)
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
            .unwrap_or_else(|e| panic!("{} does not start: {e}", self.client))
    }

    /// Stdout and stderr of a command started with `spawn`, as a user reads them.
    pub fn output_of(&self, name: &str) -> String {
        let read = |ext: &str| {
            std::fs::read(self.dir.path().join(format!("{name}.{ext}"))).unwrap_or_default()
        };
        let out = self.client.readable(Output {
            status: std::process::ExitStatus::default(),
            stdout: read("stdout"),
            stderr: read("stderr"),
        });
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Applies the plan saved in `plan_file`. The 0.13.4 build applies nothing from a saved
    /// plan (and says "0 added"), so for it this applies the configuration again, which plans
    /// the same changes.
    pub fn apply_saved(&self, plan_file: &str) -> Output {
        match self.client {
            Client::Terraform0_13 => self.run(&cli("apply", &[])),
            _ => self.run(&cli("apply", &[plan_file])),
        }
    }

    /// Runs `<client> <args>`: whether it succeeded, and stdout then stderr as one text.
    pub fn outcome(&self, args: &[&str]) -> (bool, String) {
        let out = self.run(args);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// Like `run`, but the command must succeed; its output is returned as text.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{}: {} {args:?} failed\n--- stdout\n{stdout}\n--- stderr\n{}",
            self.client,
            self.client.command_name(),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// `init`, which must succeed; its output.
    pub fn init(&self) -> String {
        self.ok(&cli("init", &[]))
    }

    /// `providers schema -json`, which must succeed: the schemas as JSON text.
    pub fn providers_schema(&self) -> String {
        self.ok(&["providers", "schema", "-json"])
    }

    /// `destroy -auto-approve`, which must succeed; its output.
    pub fn destroy(&self) -> String {
        self.ok(&cli("destroy", &[]))
    }

    /// `apply -auto-approve`, which must succeed; its output.
    pub fn apply(&self) -> String {
        self.apply_with(&[])
    }

    /// `apply -auto-approve` and `extra` (`-invoke=…`, `-refresh-only`), which must succeed.
    pub fn apply_with(&self, extra: &[&str]) -> String {
        self.ok(&cli("apply", extra))
    }

    /// `apply -auto-approve`: whether it succeeded, and its output.
    pub fn try_apply(&self) -> (bool, String) {
        self.try_apply_with(&[])
    }

    /// `apply -auto-approve` and `extra`: whether it succeeded, and its output.
    pub fn try_apply_with(&self, extra: &[&str]) -> (bool, String) {
        self.outcome(&cli("apply", extra))
    }

    /// `<client> <args>`, which must fail: its output.
    pub fn fails(&self, args: &[&str]) -> String {
        let (ok, text) = self.outcome(args);
        assert!(!ok, "{}: {args:?} must fail:\n{text}", self.client);
        text
    }

    /// `<client> <args>`, which must fail saying each of `says` (the client's wrapping folded,
    /// as a user reads it): its output, folded.
    pub fn fails_saying<S: AsRef<str>>(&self, args: &[&str], says: &[S]) -> String {
        let text = self.fails(args);
        super::assert_says(self.client, &text, says);
        super::flat(&text)
    }

    /// `plan -out=<file>`: whether it succeeded, and its output.
    pub fn plan_to(&self, file: &str) -> (bool, String) {
        self.outcome(&cli("plan", &[&format!("-out={file}")]))
    }

    /// `show -json` of the current state. The 0.13.4 build's `show` reads only plan files (it
    /// panics on a state), so for it the same shape is made from the state file.
    pub fn state(&self) -> serde_json::Value {
        if self.client == Client::Terraform0_13 {
            return self.state_from_file();
        }
        serde_json::from_str(&self.ok(&["show", "-json"]))
            .unwrap_or_else(|e| panic!("{}: state JSON: {e}", self.client))
    }

    /// `terraform.tfstate` (format 4) as `show -json` presents it: addresses, values, tainted.
    fn state_from_file(&self) -> serde_json::Value {
        use serde_json::{json, Value};
        let raw = std::fs::read_to_string(self.path().join("terraform.tfstate"))
            .unwrap_or_else(|e| panic!("{}: no state file: {e}", self.client));
        let raw: Value = serde_json::from_str(&raw).expect("state file JSON");
        let mut resources = Vec::new();
        for r in raw["resources"].as_array().into_iter().flatten() {
            let base = match r["mode"].as_str() {
                Some("data") => format!(
                    "data.{}.{}",
                    r["type"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap_or("")
                ),
                _ => format!(
                    "{}.{}",
                    r["type"].as_str().unwrap_or(""),
                    r["name"].as_str().unwrap_or("")
                ),
            };
            for i in r["instances"].as_array().into_iter().flatten() {
                let address = match &i["index_key"] {
                    Value::Number(n) => format!("{base}[{n}]"),
                    Value::String(k) => format!("{base}[{k:?}]"),
                    _ => base.clone(),
                };
                resources.push(json!({
                    "address": address,
                    "mode": r["mode"],
                    "type": r["type"],
                    "name": r["name"],
                    "values": i["attributes"],
                    "tainted": i["status"] == "tainted",
                }));
            }
        }
        json!({ "values": { "root_module": { "resources": resources } } })
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

/// The lines of a client's debug log (`TF_LOG_PATH`) where our provider said it was serving:
/// one per start of the provider.
pub fn provider_starts(log: &Path) -> Vec<String> {
    let logged = std::fs::read_to_string(log).unwrap_or_default();
    let starts: Vec<String> = logged
        .lines()
        .filter(|l| l.contains("terraform-provider-alicloud") && l.contains("serving:"))
        .map(String::from)
        .collect();
    assert!(
        !starts.is_empty(),
        "no start of the provider in {}",
        log.display()
    );
    starts
}

/// Every start listened on a loopback TCP port in the range go-plugin's client gives it
/// (`PLUGIN_MIN_PORT`..=`PLUGIN_MAX_PORT`, 10000 to 25000).
pub fn assert_started_on_loopback_tcp(starts: &[String], who: &str) {
    for line in starts {
        let port = line
            .split("address=127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("{who}: not on a loopback port: {line}"));
        assert!(
            (10000..=25000).contains(&port),
            "{who}: port {port}: {line}"
        );
    }
}
