//! `terraform test` (Terraform 1.8.5 and 1.16.4) and `tofu test` (OpenTofu 1.12.6) run the example module
//! test a user can copy, `examples/tests/`, against sas-emulator: a plan run and an apply run
//! with assertions on attributes, and a run that expects a bad value to fail.

mod common;

use std::path::Path;

use common::backend::Emulator;
use common::terraform::{cli, on_clients, Client, Workspace};

on_clients! {
    example_module_test:
    the_example_module_test_passes_on_terraform_1_8_5 => Terraform1_8,
    the_example_module_test_passes_on_terraform_1_16_4 => Terraform1_16,
    the_example_module_test_passes_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn example_module_test(client: Client) {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tests");
    let main_tf = std::fs::read_to_string(example.join("main.tf")).expect("example module");
    let emulator = Emulator::start(&[]);
    let mut ws = Workspace::mirror(client, &main_tf);
    std::fs::copy(
        example.join("registry.tftest.hcl"),
        ws.path().join("registry.tftest.hcl"),
    )
    .expect("copy the test file");
    for (k, v) in emulator.provider_env() {
        ws.set_env(&k, &v);
    }
    ws.init();

    let out = ws.run(&cli("test", &[]));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{client}: test fails:\n{text}");
    for run in [
        "plan_shows_the_registry",
        "apply_creates_the_registry",
        "refuses_an_unknown_registry_type",
    ] {
        assert!(
            text.contains(&format!("run \"{run}\"... pass")),
            "{client}: run {run} passes:\n{text}"
        );
    }
    assert!(
        text.contains("3 passed, 0 failed"),
        "{client}: three runs:\n{text}"
    );
    assert_eq!(
        emulator.count_actions("AddPrivateRegistry"),
        1,
        "{client}: the apply run created one registry (the bad value never reached the API)"
    );
    assert_eq!(
        emulator.count_actions("DeletePrivateRegistry"),
        1,
        "{client}: the test destroyed what it created"
    );
    assert!(
        emulator.registries().is_empty(),
        "{client}: nothing is left after the test"
    );
}
