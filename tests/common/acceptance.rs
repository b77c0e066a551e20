//! An acceptance-test harness in the spirit of terraform-plugin-testing: a test is a list of
//! steps, each run with one real client (Terraform or OpenTofu) in one working directory,
//! against sas-emulator. Every failure message names the client.
//!
//! Every applied step must be followed by an empty plan, so any perpetual diff fails the test.

use std::path::Path;

use serde_json::Value as Json;

use super::backend::Backend;
use super::terraform::{cli, Client, Workspace};

/// What Terraform should plan for one resource address.
pub type ExpectedAction = (&'static str, &'static [&'static str]);

type Before = Box<dyn Fn(&Backend)>;
type Check = Box<dyn Fn(&Json, &Backend)>;

pub struct Step {
    /// Resource and data blocks; the harness adds the terraform and provider blocks.
    pub config: String,
    /// Exact plan actions expected per address (`["create"]`, `["update"]`,
    /// `["delete", "create"]`, `["no-op"]`); addresses not listed are not checked.
    pub expect_actions: Vec<ExpectedAction>,
    /// The plan or apply must fail with stderr containing this text.
    pub expect_error: Option<&'static str>,
    /// Runs against the backend before the step (out-of-band changes).
    pub before: Option<Before>,
    /// Checks on `terraform show -json` state after apply, with the backend to compare with.
    pub check: Option<Check>,
}

impl Step {
    pub fn new(config: impl Into<String>) -> Self {
        Self {
            config: config.into(),
            expect_actions: Vec::new(),
            expect_error: None,
            before: None,
            check: None,
        }
    }

    pub fn actions(mut self, expected: Vec<ExpectedAction>) -> Self {
        self.expect_actions = expected;
        self
    }

    pub fn error(mut self, text: &'static str) -> Self {
        self.expect_error = Some(text);
        self
    }

    pub fn before(mut self, f: impl Fn(&Backend) + 'static) -> Self {
        self.before = Some(Box::new(f));
        self
    }

    pub fn check(mut self, f: impl Fn(&Json, &Backend) + 'static) -> Self {
        self.check = Some(Box::new(f));
        self
    }
}

/// The terraform and provider blocks every step's configuration starts with.
pub fn providers(protocol: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    alicloud = {{ source = "alicloud-rs/alicloud" }}
    null     = {{ source = "hashicorp/null" }}
  }}
}}

provider "alicloud" {{
  protocol = "{protocol}"
}}
"#
    )
}

/// The arguments of the harbor registry most scenarios manage, as HCL expressions.
const HARBOR: [(&str, &str); 9] = [
    ("registry_type", "\"harbor\""),
    ("registry_version", "\"V2\""),
    ("protocol_type", "2"),
    ("net_type", "1"),
    ("registry_host_ip", "\"192.0.2.10\""),
    ("domain_name", "\"harbor.example.com\""),
    ("user_name", "\"admin\""),
    ("password", "\"pw\""),
    ("registry_region_id", "\"cn-hangzhou\""),
];

/// The arguments of the quay registry scenarios manage (its tokens and password are theirs to
/// give), as HCL expressions.
const QUAY: [(&str, &str); 8] = [
    ("registry_type", "\"quay\""),
    ("registry_version", "\"V2\""),
    ("protocol_type", "2"),
    ("net_type", "1"),
    ("registry_host_ip", "\"192.0.2.41\""),
    ("domain_name", "\"quay.example.com\""),
    ("user_name", "\"scanner\""),
    ("registry_region_id", "\"cn-hangzhou\""),
];

/// `resource "alicloud_sas_private_registry" "r"`: that harbor registry, each argument of
/// `set` replacing its default or added after them (a nested block is given whole as the
/// value of its name, with an empty name), and those in `unset` left out, whether a default or
/// in `set`.
pub fn harbor(set: &[(&str, &str)], unset: &[&str]) -> String {
    harbor_as("r", set, unset)
}

/// [`harbor`] under another resource name.
pub fn harbor_as(name: &str, set: &[(&str, &str)], unset: &[&str]) -> String {
    registry(name, &HARBOR, set, unset)
}

/// `resource "alicloud_sas_private_registry" "q"`: that quay registry, `set` and `unset` as
/// for [`harbor`].
pub fn quay(set: &[(&str, &str)], unset: &[&str]) -> String {
    quay_as("q", set, unset)
}

/// [`quay`] under another resource name.
pub fn quay_as(name: &str, set: &[(&str, &str)], unset: &[&str]) -> String {
    registry(name, &QUAY, set, unset)
}

fn registry(name: &str, defaults: &[(&str, &str)], set: &[(&str, &str)], unset: &[&str]) -> String {
    let mut lines = Vec::new();
    for (name, default) in defaults.iter().filter(|(n, _)| !unset.contains(n)) {
        let value = set
            .iter()
            .find(|(n, _)| n == name)
            .map_or(*default, |(_, v)| *v);
        lines.push(format!("  {name:<22} = {value}"));
    }
    let extra = |(n, v): &&(&str, &str)| {
        !defaults.iter().any(|(h, _)| h == n) && !unset.contains(n) && !v.is_empty()
    };
    for (name, value) in set.iter().filter(extra) {
        lines.push(if name.is_empty() {
            format!("\n  {value}")
        } else {
            format!("  {name:<22} = {value}")
        });
    }
    format!(
        "\nresource \"alicloud_sas_private_registry\" \"{name}\" {{\n{}\n}}\n",
        lines.join("\n")
    )
}

/// `count` harbor registries named `<prefix><index>.example.com`, each on its own address.
pub fn harbor_registries(count: usize, prefix: &str) -> String {
    format!(
        r#"
resource "alicloud_sas_private_registry" "r" {{
  count              = {count}
  registry_type      = "harbor"
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 1
  registry_host_ip   = "10.0.${{floor(count.index / 250)}}.${{count.index % 250 + 1}}"
  domain_name        = "{prefix}${{count.index}}.example.com"
  user_name          = "admin"
  password           = "pw-{prefix}"
  registry_region_id = "cn-hangzhou"
}}
"#
    )
}

/// One scenario: a Terraform working directory and the API it talks to.
pub struct Scenario {
    pub ws: Workspace,
    pub backend: Backend,
    providers: String,
}

impl Scenario {
    /// Terraform 1.0.3 against the emulator, or the real API under `TF_ACC=1`.
    pub fn new(emulator_args: &[&str]) -> Self {
        Self::with(Client::Terraform1_0, emulator_args)
    }

    /// `client` against the emulator, or the real API under `TF_ACC=1`.
    pub fn with(client: Client, emulator_args: &[&str]) -> Self {
        Self::with_backend(client, Backend::from_env(emulator_args))
    }

    /// Terraform 1.0.3, always against a fresh emulator: for tests that count its requests or
    /// inject faults.
    pub fn on_emulator(emulator_args: &[&str]) -> Self {
        Self::on_emulator_with(Client::Terraform1_0, emulator_args)
    }

    /// `client`, always against a fresh emulator.
    pub fn on_emulator_with(client: Client, emulator_args: &[&str]) -> Self {
        Self::with_backend(
            client,
            Backend::Emulator(super::backend::Emulator::start(emulator_args)),
        )
    }

    /// `client` against a fresh emulator, with `program` installed as our provider.
    pub fn on_emulator_running(client: Client, emulator_args: &[&str], program: &Path) -> Self {
        let backend = Backend::Emulator(super::backend::Emulator::start(emulator_args));
        let providers = providers(&backend.protocol());
        let ws = Workspace::mirror_running(client, &providers, program);
        Self::initialised(ws, backend, providers)
    }

    fn with_backend(client: Client, backend: Backend) -> Self {
        let providers = providers(&backend.protocol());
        let ws = Workspace::mirror(client, &providers);
        Self::initialised(ws, backend, providers)
    }

    fn initialised(mut ws: Workspace, backend: Backend, providers: String) -> Self {
        Self::configure(&mut ws, &backend);
        Self {
            ws,
            backend,
            providers,
        }
    }

    /// An initialised working directory for `client`, configured for `backend`.
    fn workspace(client: Client, backend: &Backend, main_tf: &str) -> Workspace {
        let mut ws = Workspace::mirror(client, main_tf);
        Self::configure(&mut ws, backend);
        ws
    }

    fn configure(ws: &mut Workspace, backend: &Backend) {
        for (k, v) in backend.provider_env() {
            ws.set_env(&k, &v);
        }
        ws.init();
    }

    pub fn client(&self) -> Client {
        self.ws.client
    }

    /// The terraform and provider blocks this scenario's configurations start with.
    pub fn providers(&self) -> &str {
        &self.providers
    }

    /// [`Self::providers`] with `argument` (a line of HCL) added to the provider block.
    pub fn providers_with(&self, argument: &str) -> String {
        self.providers.replacen(
            "provider \"alicloud\" {",
            &format!("provider \"alicloud\" {{\n  {argument}"),
            1,
        )
    }

    /// The emulator this scenario runs against (only for `on_emulator` scenarios).
    pub fn emulator(&self) -> &super::backend::Emulator {
        match &self.backend {
            Backend::Emulator(e) => e,
            Backend::Cloud(_) => panic!("this scenario was built with on_emulator"),
        }
    }

    pub fn run(&self, steps: Vec<Step>) {
        for (i, step) in steps.into_iter().enumerate() {
            self.step(i + 1, step);
        }
    }

    fn step(&self, n: usize, step: Step) {
        let client = self.client();
        if let Some(before) = &step.before {
            before(&self.backend);
        }
        self.ws
            .write_config(&format!("{}\n{}", self.providers, step.config));
        let plan = self.ws.run(&cli("plan", &["-out=step.tfplan"]));
        if let Some(expected) = step.expect_error {
            let mut output = String::from_utf8_lossy(&plan.stderr).into_owned();
            if plan.status.success() {
                let apply = self.ws.apply_saved("step.tfplan");
                assert!(
                    !apply.status.success(),
                    "{client}: step {n}: apply should fail with {expected:?}"
                );
                output = String::from_utf8_lossy(&apply.stderr).into_owned();
            }
            assert!(
                output.contains(expected),
                "{client}: step {n}: expected {expected:?} in:\n{output}"
            );
            return;
        }
        assert!(
            plan.status.success(),
            "{client}: step {n}: plan failed\n{}",
            String::from_utf8_lossy(&plan.stderr)
        );
        let planned = self.saved_plan("step.tfplan");
        for (address, actions) in &step.expect_actions {
            assert_eq!(
                planned_actions(&planned, address),
                serde_json::json!(actions),
                "{client}: step {n}: planned actions for {address}"
            );
        }
        let apply = self.ws.apply_saved("step.tfplan");
        assert!(
            apply.status.success(),
            "{client}: step {n}: apply failed\n{}\n{}",
            String::from_utf8_lossy(&apply.stdout),
            String::from_utf8_lossy(&apply.stderr)
        );
        // For proving that `make testacc` cleans up after a failing scenario: the run fails
        // here, with registries it made left for the sweeper.
        if std::env::var("TF_ACC_FAIL_AFTER_STEP").is_ok_and(|v| v == n.to_string()) {
            panic!("{client}: step {n}: failing on purpose (TF_ACC_FAIL_AFTER_STEP={n})");
        }
        let state = self.state();
        if let Some(check) = &step.check {
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                check(&state, &self.backend)
            }));
            if let Err(panic) = checked {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("{client}: step {n}: check failed: {why}");
            }
        }
        self.assert_plan_empty(n);
    }

    /// `show -json` of a saved plan.
    pub fn saved_plan(&self, file: &str) -> Json {
        serde_json::from_str(&self.ws.ok(&["show", "-json", file]))
            .unwrap_or_else(|e| panic!("{}: plan JSON: {e}", self.client()))
    }

    /// `show -json` of the current state.
    pub fn state(&self) -> Json {
        self.ws.state()
    }

    pub fn assert_plan_empty(&self, n: usize) {
        assert_plan_empty(&self.ws, &format!("step {n}"));
    }

    /// A fresh working directory on the same backend and configuration, initialised.
    pub fn fresh_workspace(&self) -> Workspace {
        let fresh = Self::workspace(self.client(), &self.backend, &self.providers);
        std::fs::copy(self.ws.path().join("main.tf"), fresh.path().join("main.tf"))
            .expect("copy config");
        fresh
    }

    /// `import` on the command line into a fresh state, then the imported attributes must
    /// equal the managed ones except `ignore`.
    pub fn import_verify(&self, address: &str, ignore: &[&str]) {
        let (managed, id) = self.managed(address);
        let fresh = self.fresh_workspace();
        fresh.ok(&cli("import", &[address, &id]));
        self.compare_imported(&fresh, address, &managed, ignore, "CLI import");
    }

    /// An `import` block into a fresh state (clients that have them): the plan imports the
    /// registry and changes at most `ignore`, the apply imports it with attributes equal to the
    /// managed ones, and the next plan is empty.
    pub fn import_block_verify(&self, address: &str, ignore: &[&str]) {
        let client = self.client();
        let (managed, id) = self.managed(address);
        let fresh = self.fresh_workspace();
        let config = std::fs::read_to_string(fresh.path().join("main.tf")).expect("config");
        fresh.write_config(&format!(
            "{config}\nimport {{\n  to = {address}\n  id = \"{id}\"\n}}\n"
        ));
        fresh.ok(&cli("plan", &["-out=import.tfplan"]));
        let planned: Json = serde_json::from_str(&fresh.ok(&["show", "-json", "import.tfplan"]))
            .expect("plan JSON");
        let change = resource_change(&planned, address);
        assert_eq!(
            change["change"]["importing"]["id"], id,
            "{client}: the plan imports {address}: {change}"
        );
        let changed = changed_attributes(&change["change"]);
        assert!(
            changed.iter().all(|a| ignore.contains(&a.as_str())),
            "{client}: importing {address} changes only {ignore:?}, not {changed:?}"
        );
        fresh.ok(&cli("apply", &["import.tfplan"]));
        self.compare_imported(&fresh, address, &managed, ignore, "import block");
        assert_plan_empty(&fresh, "after the import block");
    }

    /// The managed values of `address` and its id.
    fn managed(&self, address: &str) -> (Json, String) {
        let managed = resource_values(&self.state(), address);
        let id = managed["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: {address} has no id", self.client()))
            .to_string();
        (managed, id)
    }

    fn compare_imported(
        &self,
        fresh: &Workspace,
        address: &str,
        managed: &Json,
        ignore: &[&str],
        how: &str,
    ) {
        let state = fresh.state();
        let imported = resource_values(&state, address);
        for (key, value) in managed.as_object().expect("object") {
            if ignore.contains(&key.as_str()) {
                continue;
            }
            assert_eq!(
                &imported[key],
                value,
                "{}: {how}: imported {key} differs from the managed value",
                self.client()
            );
        }
    }

    pub fn destroy(&self) {
        self.ws.destroy();
    }
}

/// The plan in `ws` must be empty (`-detailed-exitcode` 0).
pub fn assert_plan_empty(ws: &Workspace, when: &str) {
    let out = ws.run(&cli("plan", &["-detailed-exitcode"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}: {when}: the plan must be empty\n{}\n{}",
        ws.client,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `resource_changes` entry of `address` in `show -json` of a plan.
pub fn resource_change(plan: &Json, address: &str) -> Json {
    plan["resource_changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|c| c["address"] == address))
        .cloned()
        .unwrap_or(Json::Null)
}

/// The planned actions of `address` (`["create"]`, `["no-op"]`, …), null when not planned.
pub fn planned_actions(plan: &Json, address: &str) -> Json {
    resource_change(plan, address)["change"]["actions"].clone()
}

/// Attributes whose planned value differs from the prior one. Sensitive values show as `true`
/// in `before_sensitive`/`after_sensitive`; a sensitive attribute that goes from unset to set
/// counts as changed.
pub fn changed_attributes(change: &Json) -> Vec<String> {
    let empty = serde_json::Map::new();
    let before = change["before"].as_object().unwrap_or(&empty);
    let after = change["after"].as_object().unwrap_or(&empty);
    let mut keys: Vec<String> = before.keys().chain(after.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| {
            before.get(k) != after.get(k)
                || change["before_sensitive"][k] != change["after_sensitive"][k]
        })
        .collect()
}

/// The `values` of one resource in `terraform show -json` output.
pub fn resource_values(state: &Json, address: &str) -> Json {
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} not in state: {state}"))
}
