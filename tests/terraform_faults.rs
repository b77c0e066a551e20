//! Real Terraform against a faulty sas-emulator: throttling, 503s, connection resets and
//! responses lost after the create committed. The apply converges with no duplicate and no
//! orphan, and so does the destroy.

mod common;

use common::acceptance::Scenario;
use common::terraform::Client;
use serde_json::json;

/// Twenty registries, each on its own host.
fn twenty() -> String {
    common::acceptance::harbor(
        &[
            ("count", "20"),
            ("registry_host_ip", "\"192.0.2.${count.index + 1}\""),
            ("domain_name", "\"r${count.index}.example.com\""),
        ],
        &[],
    )
}

fn faults() -> serde_json::Value {
    json!({
        "throttle_rate": 0.3,
        "unavailable_rate": 0.1,
        "reset_rate": 0.05,
        "lose_response_rate": 0.1,
        "seed": 7
    })
}

/// Runs `args`, once more if the first run fails (as a user would); returns the runs taken.
fn converge(s: &Scenario, args: &[&str]) -> usize {
    let client = s.client();
    for attempt in 1..=2 {
        let out = s.ws.run(args);
        if out.status.success() {
            return attempt;
        }
        eprintln!(
            "{client}: attempt {attempt} of {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    panic!("{client}: {args:?} did not converge in two runs");
}

#[test]
fn apply_and_destroy_converge_under_faults_on_terraform_1_0_3() {
    apply_and_destroy_converge_under_faults_without_duplicates(Client::Terraform1_0);
}

#[test]
fn apply_and_destroy_converge_under_faults_on_terraform_1_15_9() {
    apply_and_destroy_converge_under_faults_without_duplicates(Client::Terraform1_15);
}

#[test]
fn apply_and_destroy_converge_under_faults_on_opentofu_1_12_6() {
    apply_and_destroy_converge_under_faults_without_duplicates(Client::OpenTofu1_12);
}

fn apply_and_destroy_converge_under_faults_without_duplicates(client: Client) {
    let s = Scenario::on_emulator_with(client, &[]);
    s.ws.write_config(&format!("{}\n{}", s.providers(), twenty()));
    s.emulator().set_faults(faults());
    let apply = [
        "apply",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=5",
    ];
    let runs = converge(&s, &apply);
    s.emulator().set_faults(json!({}));
    let faulted_requests = s.emulator().requests().len();

    let regs = s.emulator().registries();
    let mut domains: Vec<String> = regs
        .iter()
        .map(|r| r["DomainName"].as_str().unwrap_or("").to_string())
        .collect();
    domains.sort();
    domains.dedup();
    assert_eq!(
        regs.len(),
        20,
        "{client}: exactly 20 registries after {runs} run(s)"
    );
    assert_eq!(domains.len(), 20, "{client}: no duplicates");
    let state = s.ws.ok(&["state", "list"]);
    assert_eq!(
        state.lines().count(),
        20,
        "{client}: state holds 20: {state}"
    );
    s.assert_plan_empty(1);
    eprintln!("{client}: apply under faults: {runs} run(s), {faulted_requests} API requests");

    s.emulator().set_faults(faults());
    let destroy = [
        "destroy",
        "-auto-approve",
        "-input=false",
        "-no-color",
        "-parallelism=5",
    ];
    let runs = converge(&s, &destroy);
    s.emulator().set_faults(json!({}));
    assert!(
        s.emulator().registries().is_empty(),
        "{client}: nothing left after destroy ({runs} run(s))"
    );
    eprintln!("{client}: destroy under faults: {runs} run(s)");
}
