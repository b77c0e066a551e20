//! Interrupted applies with real Terraform against sas-emulator: the provider killed (SIGKILL)
//! in the middle of a create, and Terraform interrupted (SIGINT, as Ctrl-C sends it) while a
//! create is in flight. Nothing is duplicated, nothing is silently adopted, and state records
//! every registry that exists.
//!
//! "In the middle of a create" is made exact with the emulator's holds, not with latency
//! windows: a request is held on arrival, the test sees it held, acts, then releases it. No
//! step depends on how fast the machine is.

mod common;

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::acceptance::{harbor_registries, Scenario};
use common::backend::Emulator;
use common::emulator_control as control;
use common::plugin_client::wait_exit;
use common::terraform::{cli, on_clients, Client};

const ADD: &str = "AddPrivateRegistry";
const LIST: &str = "ListPrivateRegistryList";

/// Sends signal `name` to `target`: a pid, or `-pgid` for a whole process group.
fn signal(target: &str, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), "--", target])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{name} {target}");
}

/// Polls until `ready` gives a value, or fails after two minutes (or when Terraform exits
/// first). Only a bound on a hang: nothing here waits for time to pass.
fn wait_until<T>(what: &str, apply: &mut Child, mut ready: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = ready() {
            return v;
        }
        assert!(
            apply.try_wait().expect("poll terraform").is_none(),
            "terraform exited before {what}"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "never {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until one request of `action` is held; returns its `seq`.
fn wait_held(what: &str, apply: &mut Child, emulator: &Emulator, action: &str) -> u64 {
    wait_until(what, apply, || {
        control::held_of(emulator, action).first().copied()
    })
}

fn ids_in_state(s: &Scenario) -> Vec<String> {
    let state = s.state();
    let mut ids: Vec<String> = state["values"]["root_module"]["resources"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| r["values"]["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

fn ids_in_emulator(emulator: &Emulator) -> Vec<String> {
    let mut ids: Vec<String> = emulator
        .registries()
        .iter()
        .map(|r| r["Id"].to_string())
        .collect();
    ids.sort();
    ids
}

/// `n` registries in the scenario's configuration, all named for this file.
fn configure_registries(s: &Scenario, n: usize) {
    let registries = harbor_registries(n, "stop");
    s.ws.write_config(&format!("{}{registries}", s.providers()));
}

#[test]
fn a_provider_killed_mid_create_leaves_a_registry_the_next_apply_names_for_import() {
    let s = Scenario::on_emulator(&[]);
    configure_registries(&s, 1);
    let emulator = s.emulator();
    // The add acts and its answer is lost, so the provider lists to learn whether it made the
    // registry. Hold the add on arrival (the duplicate check's list has passed by then), so
    // that a hold on the next list takes the list that reconciles it.
    emulator.set_faults(serde_json::json!({"lose_response_every": {(ADD): 1}}));
    control::hold(emulator, ADD, 0, 1);
    let mut apply = s.ws.spawn("apply", &cli("apply", &[]));
    let add = wait_held("the add arrived", &mut apply, emulator, ADD);
    control::hold(emulator, LIST, 0, 1);
    control::release(emulator, add);
    // The create has committed; the provider is now listing to find what it made.
    wait_held("the reconciling list arrived", &mut apply, emulator, LIST);
    emulator.set_faults(serde_json::json!({}));
    assert_eq!(emulator.registries().len(), 1, "the add committed");
    let providers = s.ws.leftover_providers();
    assert_eq!(providers.len(), 1, "one provider serves the apply");
    signal(&providers[0].to_string(), "KILL");
    let status = wait_exit(&mut apply, Duration::from_secs(30)).map(|_| apply.wait());
    let output = s.ws.output_of("apply");
    assert!(
        matches!(status, Some(Ok(st)) if !st.success()),
        "the apply fails when its provider dies:\n{output}"
    );
    // The list died with its client, unanswered.
    control::clear_holds(emulator);
    let orphan = ids_in_emulator(emulator);
    assert_eq!(orphan.len(), 1, "the create committed before the kill");
    assert!(ids_in_state(&s).is_empty(), "the state never heard of it");

    // No silent adoption: the error names the problem, and gives the id and the import command.
    s.ws.fails_saying(
        &cli("apply", &[]),
        &[
            "Registry already exists".to_string(),
            format!(
                "terraform import '<address of this resource>' {}",
                orphan[0]
            ),
        ],
    );
    assert_eq!(ids_in_emulator(emulator), orphan, "no duplicate");

    // Following the advice converges on the one registry.
    s.ws.ok(&cli(
        "import",
        &["alicloud_sas_private_registry.r[0]", &orphan[0]],
    ));
    s.ws.apply();
    assert_eq!(ids_in_emulator(emulator), orphan);
    assert_eq!(ids_in_state(&s), orphan);
    s.assert_plan_empty(1);
    s.destroy();
    assert!(emulator.registries().is_empty());
}

on_clients! {
    ctrl_c_during_a_create_stops_cleanly_and_state_records_what_exists:
    ctrl_c_during_a_create_stops_cleanly_on_terraform_0_13_4 => Terraform0_13,
    ctrl_c_during_a_create_stops_cleanly_on_terraform_1_8_5 => Terraform1_8,
    ctrl_c_during_a_create_stops_cleanly_on_terraform_1_0_3 => Terraform1_0,
    ctrl_c_during_a_create_stops_cleanly_on_terraform_1_16_4 => Terraform1_16,
    ctrl_c_during_a_create_stops_cleanly_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn ctrl_c_during_a_create_stops_cleanly_and_state_records_what_exists(client: Client) {
    let mut s = Scenario::on_emulator_with(client, &[]);
    // The provider logs that StopProvider reached it (at INFO), into Terraform's log; the
    // output below is read for what a user sees, so nothing louder is logged.
    let log = s.ws.log_to("INFO", "terraform.log");
    configure_registries(&s, 4);
    let emulator = s.emulator();
    // Hold the second create's add on arrival: the first create is then done, and the second
    // is in flight with nothing created by it yet.
    control::hold(emulator, ADD, 1, 1);
    let mut apply = s.ws.spawn("apply", &cli("apply", &["-parallelism=1"]));
    let add = wait_held("the second add arrived", &mut apply, emulator, ADD);
    assert_eq!(
        ids_in_emulator(emulator).len(),
        1,
        "{client}: the first create finished"
    );
    let interrupted = Instant::now();
    // Ctrl-C: the terminal signals the whole foreground process group.
    signal(&format!("-{}", apply.id()), "INT");
    // Terraform sends StopProvider only once it has stopped starting new operations. Release
    // the add after it reached the provider, so no third create can begin, however the
    // threads are scheduled.
    wait_until("StopProvider reached the provider", &mut apply, || {
        // Terraform 0.13.4 writes its log to stderr whatever TF_LOG_PATH says.
        let read = |path: &std::path::Path| std::fs::read_to_string(path).unwrap_or_default();
        let logged = read(&log) + &read(&s.ws.path().join("apply.stderr"));
        logged
            .contains("StopProvider: cancelling in-flight work")
            .then_some(())
    });
    control::release(emulator, add);
    let stopped = wait_exit(&mut apply, Duration::from_secs(30));
    let output = s.ws.output_of("apply");
    assert!(stopped.is_some(), "{client}: stops after Ctrl-C:\n{output}");
    eprintln!("{client} exited {:?} after SIGINT", interrupted.elapsed());
    // Terraform 0.13 ends a gracefully stopped apply with "Apply complete!" and status 0;
    // later clients report the interrupt as a failure.
    let succeeded = apply.wait().expect("status").success();
    assert_eq!(
        succeeded,
        client == Client::Terraform0_13,
        "{client}: exit status of an interrupted apply:\n{output}"
    );
    assert!(
        output.contains("Interrupt received"),
        "{client}: saw the interrupt:\n{output}"
    );
    control::clear_holds(emulator);

    let created = ids_in_emulator(emulator);
    assert_eq!(
        created.len(),
        2,
        "{client}: the create in flight was let finish, and no other started:\n{output}"
    );
    assert_eq!(
        ids_in_state(&s),
        created,
        "{client}: state records every registry"
    );
    let state = s.state();
    let tainted = state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["tainted"] == true)
        .count();
    assert_eq!(tainted, 0, "{client}: healthy registries are not tainted");

    let rest = s.ws.apply();
    assert!(
        rest.contains("2 added, 0 changed, 0 destroyed"),
        "{client}: the next apply creates only the rest:\n{rest}"
    );
    assert_eq!(emulator.registries().len(), 4, "{client}: no duplicates");
    s.assert_plan_empty(2);
    assert!(s.ws.leftover_providers().is_empty());
}
