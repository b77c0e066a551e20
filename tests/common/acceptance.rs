//! An acceptance-test harness in the spirit of terraform-plugin-testing: a test is a list of
//! steps, each run with real Terraform in one working directory, against sas-emulator.
//!
//! Every applied step must be followed by an empty plan, so any perpetual diff fails the test.

use serde_json::Value as Json;

use super::backend::Backend;
use super::terraform::Workspace;

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
    /// Against the emulator, or the real API under `TF_ACC=1`.
    pub fn new(emulator_args: &[&str]) -> Self {
        Self::with_backend(Backend::from_env(emulator_args))
    }

    /// Always against a fresh emulator: for tests that count its requests or inject faults.
    pub fn on_emulator(emulator_args: &[&str]) -> Self {
        Self::with_backend(Backend::Emulator(super::backend::Emulator::start(
            emulator_args,
        )))
    }

    fn with_backend(backend: Backend) -> Self {
        let providers = providers(&backend.protocol());
        let mut ws = Workspace::with_mirror(&providers);
        for (k, v) in backend.provider_env() {
            ws.set_env(&k, &v);
        }
        ws.ok(&["init", "-input=false", "-no-color"]);
        Self {
            ws,
            backend,
            providers,
        }
    }

    /// The terraform and provider blocks this scenario's configurations start with.
    pub fn providers(&self) -> &str {
        &self.providers
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
        if let Some(before) = &step.before {
            before(&self.backend);
        }
        self.ws
            .write_config(&format!("{}\n{}", self.providers, step.config));
        let plan = self
            .ws
            .run(&["plan", "-input=false", "-no-color", "-out=step.tfplan"]);
        if let Some(expected) = step.expect_error {
            let mut output = String::from_utf8_lossy(&plan.stderr).into_owned();
            if plan.status.success() {
                let apply = self
                    .ws
                    .run(&["apply", "-input=false", "-no-color", "step.tfplan"]);
                assert!(
                    !apply.status.success(),
                    "step {n}: apply should fail with {expected:?}"
                );
                output = String::from_utf8_lossy(&apply.stderr).into_owned();
            }
            assert!(
                output.contains(expected),
                "step {n}: expected {expected:?} in:\n{output}"
            );
            return;
        }
        assert!(
            plan.status.success(),
            "step {n}: plan failed\n{}",
            String::from_utf8_lossy(&plan.stderr)
        );
        let planned: Json = serde_json::from_str(&self.ws.ok(&["show", "-json", "step.tfplan"]))
            .expect("plan JSON");
        for (address, actions) in &step.expect_actions {
            let got = planned["resource_changes"]
                .as_array()
                .and_then(|changes| changes.iter().find(|c| c["address"] == *address))
                .map(|c| c["change"]["actions"].clone())
                .unwrap_or(Json::Null);
            assert_eq!(
                got,
                serde_json::json!(actions),
                "step {n}: planned actions for {address}"
            );
        }
        self.ws
            .ok(&["apply", "-input=false", "-no-color", "step.tfplan"]);
        let state = self.state();
        if let Some(check) = &step.check {
            check(&state, &self.backend);
        }
        self.assert_plan_empty(n);
    }

    /// `terraform show -json` of the current state.
    pub fn state(&self) -> Json {
        serde_json::from_str(&self.ws.ok(&["show", "-json"])).expect("state JSON")
    }

    pub fn assert_plan_empty(&self, n: usize) {
        let out = self
            .ws
            .run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "step {n}: the plan after apply must be empty\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `terraform import` into a fresh state, then the imported attributes must equal the
    /// managed ones except `ignore`.
    pub fn import_verify(&self, address: &str, ignore: &[&str]) {
        let managed = resource_values(&self.state(), address);
        let id = managed["id"]
            .as_str()
            .expect("managed resource has an id")
            .to_string();
        let mut fresh = Workspace::with_mirror(&self.providers);
        for (k, v) in self.backend.provider_env() {
            fresh.set_env(&k, &v);
        }
        std::fs::copy(self.ws.path().join("main.tf"), fresh.path().join("main.tf"))
            .expect("copy config");
        fresh.ok(&["init", "-input=false", "-no-color"]);
        fresh.ok(&["import", "-input=false", "-no-color", address, &id]);
        let state: Json = serde_json::from_str(&fresh.ok(&["show", "-json"])).expect("state JSON");
        let imported = resource_values(&state, address);
        for (key, value) in managed.as_object().expect("object") {
            if ignore.contains(&key.as_str()) {
                continue;
            }
            assert_eq!(
                &imported[key], value,
                "imported {key} differs from the managed value"
            );
        }
    }

    pub fn destroy(&self) {
        self.ws
            .ok(&["destroy", "-auto-approve", "-input=false", "-no-color"]);
    }
}

/// The `values` of one resource in `terraform show -json` output.
pub fn resource_values(state: &Json, address: &str) -> Json {
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .map(|r| r["values"].clone())
        .unwrap_or_else(|| panic!("{address} not in state: {state}"))
}
