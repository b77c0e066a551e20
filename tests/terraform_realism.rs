//! What an apply returns is what the plan promised, and a refresh shows only real drift, when
//! the API answers differently from what it was sent: Terraform 1.8.5 against sas-emulator with
//! one realism switch at a time (and all of them, for a console change). Each step of the
//! harness applies without "Provider produced inconsistent result after apply" and is followed
//! by an empty plan, so any spurious diff fails.

mod common;

use common::acceptance::{resource_values, Scenario, Step};
use common::backend::test_domain;
use common::terraform::Client;
use serde_json::json;

const ADDR: &str = "alicloud_sas_private_registry.r";

/// A harbor registry for `domain`, with `extra` lines.
fn harbor(domain: &str, extra: &str) -> String {
    let domain = format!("\"{domain}\"");
    common::acceptance::harbor(&[("domain_name", &domain), ("", extra.trim())], &[])
}

fn scenario(args: &[&str]) -> Scenario {
    Scenario::on_emulator_with(Client::Terraform1_8, args)
}

fn id_of(state: &serde_json::Value) -> String {
    resource_values(state, ADDR)["id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn finish(s: &Scenario) {
    s.destroy();
    assert!(s.backend.registries().is_empty(), "destroy leaves nothing");
    assert_eq!(s.ws.leftover_providers(), Vec::<u32>::new());
}

/// The API answers `UserName: "******"`: state keeps the configured name, no diff.
#[test]
fn a_masked_user_name_is_not_a_diff() {
    let s = scenario(&["--realism", "mask-user-name"]);
    let config = harbor(&test_domain("masked"), "");
    s.run(vec![
        Step::new(config.as_str())
            .actions(vec![(ADDR, &["create"])])
            .check(|state, _| {
                assert_eq!(resource_values(state, ADDR)["user_name"], "admin");
            }),
        // A change of the user name in configuration is still sent.
        Step::new(config.replace("\"admin\"", "\"robot\""))
            .actions(vec![(ADDR, &["update"])])
            .check(|_, e| assert_eq!(e.registries()[0]["UserName"], "robot")),
    ]);
    finish(&s);
}

/// The API lower-cases `DomainName`, and may drop a trailing dot: neither is a diff.
#[test]
fn a_domain_differing_in_case_or_a_trailing_dot_is_not_a_diff() {
    let s = scenario(&["--realism", "lowercase-domain"]);
    let domain = format!(
        "Harbor.{}",
        test_domain("Case").replace("example.com", "Example.COM.")
    );
    let lower = domain.to_ascii_lowercase();
    let config = harbor(&domain, "");
    let (shown, stored) = (domain.clone(), lower.clone());
    s.run(vec![
        Step::new(config.as_str())
            .actions(vec![(ADDR, &["create"])])
            .check(move |state, e| {
                assert_eq!(resource_values(state, ADDR)["domain_name"], shown.as_str());
                assert_eq!(e.registries()[0]["DomainName"], stored.as_str());
            }),
        // The API now reports it without the trailing dot.
        Step::new(config.as_str())
            .before(move |e| {
                let id = e.registries()[0]["Id"].to_string();
                e.modify(&id, json!({ "DomainName": lower.trim_end_matches('.') }));
            })
            .actions(vec![(ADDR, &["no-op"])]),
    ]);
    finish(&s);
}

/// Unset `Port`, `VpcId` and `TransPerHour` are left out of answers: `trans_per_hour` (computed
/// when unset) becomes null instead of staying unknown, and a configured port the API stops
/// reporting is no diff.
#[test]
fn unset_optional_fields_left_out_are_not_a_diff() {
    let s = scenario(&["--realism", "omit-unset"]);
    let bare = harbor(&test_domain("bare"), "");
    let with_port = harbor(&test_domain("bare"), "  port = 443");
    s.run(vec![
        Step::new(bare.as_str())
            .actions(vec![(ADDR, &["create"])])
            .check(|state, e| {
                let v = resource_values(state, ADDR);
                assert_eq!(v["trans_per_hour"], serde_json::Value::Null);
                assert_eq!(v["port"], serde_json::Value::Null);
                assert_eq!(v["vpc_id"], serde_json::Value::Null);
                assert_eq!(e.registries()[0]["TransPerHourUnset"], true);
            }),
        Step::new(with_port.as_str())
            .actions(vec![(ADDR, &["update"])])
            .check(|state, e| {
                assert_eq!(resource_values(state, ADDR)["port"], 443);
                assert_eq!(e.registries()[0]["Port"], 443);
            }),
        // The API stops reporting the port.
        Step::new(with_port.as_str())
            .before(|e| {
                let id = e.registries()[0]["Id"].to_string();
                e.modify(&id, json!({ "Port": null }));
            })
            .actions(vec![(ADDR, &["no-op"])]),
    ]);
    finish(&s);
}

/// With every switch on, a real change made in the console still shows, is planned as an update
/// and is put back.
#[test]
fn a_real_console_change_is_planned_and_corrected_with_every_switch_on() {
    let s = scenario(&["--realism", "all"]);
    let domain = test_domain("console");
    let config = harbor(&domain, "  trans_per_hour = 30");
    let expected = domain.clone();
    s.run(vec![
        Step::new(config.as_str()).actions(vec![(ADDR, &["create"])]),
        Step::new(config.as_str())
            .before(|e| {
                let id = e.registries()[0]["Id"].to_string();
                e.modify(
                    &id,
                    json!({
                        "DomainName": "elsewhere.example.com",
                        "RegistryHostIp": "198.51.100.7",
                        "TransPerHour": 5,
                    }),
                );
            })
            .actions(vec![(ADDR, &["update"])])
            .check(move |state, e| {
                let r = &e.registries()[0];
                assert_eq!(r["DomainName"], expected.as_str());
                assert_eq!(r["RegistryHostIp"], "192.0.2.10");
                assert_eq!(r["TransPerHour"], 30);
                assert_eq!(r["Id"].to_string(), id_of(state), "updated in place");
            }),
    ]);
    finish(&s);
}

/// A new registry shows in the list only 20 s after it was added. The create waits for no
/// list: the answer is the registry's record, so state holds everything the plan promised, and
/// no "inconsistent result". The plan right after it runs in a new provider process, whose
/// refresh does not find the registry listed: it keeps it, from the creation time kept beside
/// the state, so there is no drift and no second create. The destroy refreshes the same way.
#[test]
fn a_registry_late_in_the_list_is_recorded_from_the_answer_and_kept() {
    let s = scenario(&[
        "--realism",
        "delayed-appearance",
        "--realism-appear-after-ms",
        "20000",
    ]);
    let started = std::time::Instant::now();
    s.run(vec![Step::new(harbor(&test_domain("late"), ""))
        .actions(vec![(ADDR, &["create"])])
        .check(|state, e| {
            let v = resource_values(state, ADDR);
            assert_eq!(
                v["id"].as_str(),
                Some(e.registries()[0]["Id"].to_string().as_str())
            );
            assert!(v["token"].as_str().is_some_and(|t| !t.is_empty()));
            assert_eq!(v["region_id"], "cn-hangzhou");
        })]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the plan after the apply ran while lists still lacked the registry"
    );
    assert_eq!(
        s.emulator().count_actions("AddPrivateRegistry"),
        1,
        "no second create"
    );
    finish(&s);
}
