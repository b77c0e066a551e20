//! Errors only the API can find, with real Terraform against sas-emulator: the diagnostic names
//! the parameter, points at the configuration line, carries the code and RequestId, and a
//! client error (4xx) is sent once, never retried.

mod common;

use common::acceptance::Scenario;
use common::terraform::cli;
use serde_json::json;

fn registry(region: &str) -> String {
    let region = format!("\"{region}\"");
    common::acceptance::harbor(
        &[
            ("registry_host_ip", "\"192.0.2.1\""),
            ("domain_name", "\"api-errors.example.com\""),
            ("registry_region_id", &region),
        ],
        &[],
    )
}

fn failed_apply(s: &Scenario) -> String {
    let (ok, text) = s.ws.try_apply();
    assert!(!ok, "the apply fails:\n{text}");
    common::flat(&text)
}

#[test]
fn a_parameter_the_api_rejects_is_named_at_its_line_and_sent_once() {
    let s = Scenario::on_emulator(&[]);
    // A well-formed region id that Security Center does not serve, let through the plan's
    // check of known regions as a region newer than the provider would be: only the API knows.
    let skipping = s.providers_with("skip_region_validation = true");
    let config = format!("{skipping}{}", registry("xx-nowhere-9"));
    s.ws.write_config(&config);
    let line = 1 + config
        .lines()
        .position(|l| l.contains("registry_region_id"))
        .expect("the line");
    let text = failed_apply(&s);
    for expected in [
        "InvalidParameter",
        "RegistryRegionId",
        "`RegistryRegionId` is set from `registry_region_id`",
        "RequestId",
        &format!("on main.tf line {line}, in resource \"alicloud_sas_private_registry\" \"r\""),
        "registry_region_id = \"xx-nowhere-9\"",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    let emulator = s.emulator();
    assert_eq!(
        emulator.count_actions("AddPrivateRegistry"),
        1,
        "a 400 is not retried"
    );
    assert!(emulator.registries().is_empty());
    assert_eq!(s.ws.ok(&["state", "list"]).trim(), "", "nothing in state");

    // Fixing the line is all it takes.
    s.ws.write_config(&format!("{}{}", s.providers(), registry("cn-hangzhou")));
    s.ws.apply();
    assert_eq!(emulator.registries().len(), 1);
    s.destroy();
}

#[test]
fn a_permission_denial_is_reported_once_with_its_code() {
    let s = Scenario::on_emulator(&[]);
    s.ws.write_config(&format!("{}{}", s.providers(), registry("cn-hangzhou")));
    let emulator = s.emulator();
    emulator.set_faults(json!({"deny_actions": ["AddPrivateRegistry"]}));
    let text = failed_apply(&s);
    assert!(text.contains("RequestId"), "{text}");
    assert!(
        text.contains("Forbidden") || text.contains("NoPermission"),
        "says it is a permission problem: {text}"
    );
    assert_eq!(
        emulator.count_actions("AddPrivateRegistry"),
        1,
        "a 403 is not retried"
    );
    assert!(emulator.registries().is_empty());
}

/// An update the API refuses changes nothing, and the state says so: it keeps the old value,
/// so the next plan still proposes the change and an apply once allowed makes it.
#[test]
fn a_refused_update_leaves_the_state_as_it_was() {
    let s = Scenario::on_emulator(&[]);
    s.ws.write_config(&format!("{}{}", s.providers(), registry("cn-hangzhou")));
    s.ws.apply();
    let emulator = s.emulator();
    emulator.set_faults(json!({"deny_actions": ["ModifyImageRegistry"]}));
    let renamed = common::acceptance::harbor(
        &[
            ("registry_host_ip", "\"192.0.2.1\""),
            ("domain_name", "\"api-errors.example.com\""),
            ("user_name", "\"operator\""),
        ],
        &[],
    );
    s.ws.write_config(&format!("{}{renamed}", s.providers()));
    let text = failed_apply(&s);
    assert!(
        text.contains("NoPermission") || text.contains("Forbidden"),
        "{text}"
    );
    let state = s.ws.state();
    let kept = common::acceptance::resource_values(&state, "alicloud_sas_private_registry.r");
    assert_eq!(
        kept["user_name"], "admin",
        "the state keeps what the API has"
    );
    emulator.set_faults(json!({}));
    let plan = s.ws.ok(&cli("plan", &[]));
    assert!(plan.contains("1 to change"), "{plan}");
    s.ws.apply();
    assert_eq!(emulator.registries()[0]["UserName"], "operator");
    s.destroy();
}

/// A refusal every create's duplicate check meets is a fact about the account, not about one
/// registry: the creates waiting on one list all get its answer, so an apply of many sends a
/// few lists, not one per registry in a row.
#[test]
fn a_refused_list_is_shared_by_the_creates_waiting_for_it() {
    let s = Scenario::on_emulator(&[]);
    let count = 30;
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        common::acceptance::harbor_registries(count, "refused")
    ));
    let emulator = s.emulator();
    emulator.set_faults(json!({"deny_actions": ["ListPrivateRegistryList"]}));
    let text = failed_apply(&s);
    for expected in ["NoPermission", "RequestId", "ListPrivateRegistryList"] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert_eq!(
        text.matches("Error: ").count(),
        count,
        "each registry reports it:\n{text}"
    );
    let lists = emulator.count_actions("ListPrivateRegistryList");
    eprintln!("{count} creates whose list is refused: {lists} list calls");
    assert!(
        lists <= count / 10 + 5,
        "{count} creates refused the same list made {lists} list calls"
    );
    assert_eq!(emulator.count_actions("AddPrivateRegistry"), 0);
    assert!(emulator.registries().is_empty());
}
