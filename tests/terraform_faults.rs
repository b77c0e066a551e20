//! Real clients against a faulty sas-emulator, every fault at once: throttling, 503s,
//! connection resets, answers lost after the service acted (drawn at random, and every third
//! add and every second modify and delete, counted), and lists that lag three answers behind
//! each add, modify and delete. Twenty registries, lookalikes among them (pairs on one domain
//! and host that differ in version), at `-parallelism=10`. The apply converges with exactly
//! twenty registries, each the one its state names; an update in place and the destroy do
//! too, with an empty plan after each.

mod common;

use common::acceptance::Scenario;
use common::terraform::{cli, on_clients, Client};
use serde_json::json;

/// Twenty registries in ten lookalike pairs: `r<i/2>.example.com` on host `192.0.2.<i/2+1>`,
/// V2 for even `i`, V1 for odd.
fn twenty(user: &str) -> String {
    common::acceptance::harbor(
        &[
            ("count", "20"),
            (
                "registry_host_ip",
                "\"192.0.2.${floor(count.index / 2) + 1}\"",
            ),
            ("domain_name", "\"r${floor(count.index / 2)}.example.com\""),
            ("registry_version", "count.index % 2 == 0 ? \"V2\" : \"V1\""),
            ("user_name", &format!("\"{user}\"")),
        ],
        &[],
    )
}

fn faults() -> serde_json::Value {
    json!({
        "throttle_rate": 0.2,
        "unavailable_rate": 0.1,
        "reset_rate": 0.05,
        "lose_response_rate": 0.05,
        "lose_response_every": {
            "AddPrivateRegistry": 3,
            "ModifyImageRegistry": 2,
            "DeletePrivateRegistry": 2
        },
        "appear_after_lists": 3,
        "stale_lists_after_modify": 3,
        "stale_lists_after_delete": 3,
        "seed": 7
    })
}

/// Runs `args`, which must succeed the first time: every fault here is one the provider
/// must ride out within the operation's timeout, so a user never has to run it again.
fn succeeds_at_once(s: &Scenario, args: &[&str]) {
    let started = std::time::Instant::now();
    let out = s.ws.run(args);
    eprintln!(
        "{}: {} under faults took {:.1} s",
        s.client(),
        args[0],
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.status.success(),
        "{}: {args:?} failed under faults:\n{}",
        s.client(),
        String::from_utf8_lossy(&out.stderr)
    );
}

on_clients! {
    apply_and_destroy_converge_under_faults_without_duplicates:
    apply_and_destroy_converge_under_faults_on_terraform_1_0_3 => Terraform1_0,
    apply_and_destroy_converge_under_faults_on_terraform_1_16_4 => Terraform1_16,
    apply_and_destroy_converge_under_faults_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// Twenty registries with `user`, applied in one run under faults; then, without faults, one
/// registry each and an empty plan.
fn apply_under_faults(s: &Scenario, apply: &[&str], user: &str, when: &str) {
    s.ws.write_config(&format!("{}\n{}", s.providers(), twenty(user)));
    s.emulator().set_faults(faults());
    succeeds_at_once(s, apply);
    s.emulator().set_faults(json!({}));
    assert_one_to_one(s, user, when);
    s.assert_plan_empty(1);
}

fn apply_and_destroy_converge_under_faults_without_duplicates(client: Client) {
    let s = Scenario::on_emulator_with(client, &[]);
    let apply = cli("apply", &["-parallelism=10"]);

    apply_under_faults(&s, &apply, "admin", "after the apply");

    // Every registry changed in place, while modifies lose answers and lists lag.
    apply_under_faults(&s, &apply, "operator", "after the update");

    s.emulator().set_faults(faults());
    succeeds_at_once(&s, &cli("destroy", &["-parallelism=10"]));
    s.emulator().set_faults(json!({}));
    assert!(
        s.emulator().registries().is_empty(),
        "{client}: nothing left after destroy"
    );
    assert_eq!(
        s.ws.ok(&["state", "list"]).trim(),
        "",
        "{client}: empty state"
    );
}

/// Exactly twenty registries, twenty in state, each instance naming the registry its own
/// configuration describes (domain, host, version, user).
fn assert_one_to_one(s: &Scenario, user: &str, when: &str) {
    let client = s.client();
    let account = s.emulator().registries();
    assert_eq!(account.len(), 20, "{client}: 20 registries {when}");
    let state = s.state();
    let instances = state["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(instances.len(), 20, "{client}: 20 in state {when}");
    let mut ids = std::collections::HashSet::new();
    for instance in &instances {
        let index = instance["index"].as_u64().expect("count index");
        let id = instance["values"]["id"].as_str().expect("an id");
        assert!(ids.insert(id.to_string()), "{client}: {id} twice in state");
        let registry = account
            .iter()
            .find(|r| r["Id"].as_i64().is_some_and(|n| n.to_string() == id))
            .unwrap_or_else(|| panic!("{client}: state names {id}, which does not exist {when}"));
        let pair = index / 2;
        let version = if index % 2 == 0 { "V2" } else { "V1" };
        assert_eq!(
            (
                registry["DomainName"].as_str(),
                registry["RegistryHostIp"].as_str(),
                registry["RegistryVersion"].as_str(),
                registry["UserName"].as_str(),
            ),
            (
                Some(format!("r{pair}.example.com").as_str()),
                Some(format!("192.0.2.{}", pair + 1).as_str()),
                Some(version),
                Some(user),
            ),
            "{client}: instance {index} names registry {id}, which is another's {when}"
        );
    }
}
