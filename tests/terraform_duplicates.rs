//! Two resources in one configuration that describe one registry (a `count` with a fixed
//! domain name), applied by real Terraform against sas-emulator, which like the real API takes
//! duplicates. Terraform creates both at once; the provider lets them take turns, so the first
//! makes the registry and the second finds it and fails naming it (and not offering it for
//! import, since the first manages it). State records the one that
//! exists, and a destroy removes it.

mod common;

use common::acceptance::Scenario;
use common::terraform::cli;
use serde_json::Value as Json;

/// Two resources, one registry: a fixed domain name under `count`.
fn two_of_one() -> String {
    common::acceptance::harbor(
        &[("count", "2"), ("domain_name", "\"same.example.com\"")],
        &[],
    )
}

/// The registry instances in `show -json` state.
fn instances(state: &Json) -> Vec<Json> {
    state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == "alicloud_sas_private_registry")
        .cloned()
        .collect()
}

#[test]
fn a_count_with_a_fixed_domain_creates_one_registry_and_names_it_for_the_other() {
    let s = Scenario::on_emulator(&[]);
    let client = s.client();
    let emulator = s.emulator();
    s.ws.write_config(&format!("{}\n{}", s.providers(), two_of_one()));

    let text = s.ws.fails_saying(
        &cli("apply", &[]),
        &["Another resource of this configuration manages this registry"],
    );

    let registries = emulator.registries();
    assert_eq!(
        registries.len(),
        1,
        "{client}: exactly one registry: {registries:?}"
    );
    assert_eq!(
        emulator.count_actions("AddPrivateRegistry"),
        1,
        "{client}: one create was sent"
    );
    let id = registries[0]["Id"].to_string();
    assert!(
        text.contains(&format!("This apply created registry {id}"))
            && text.contains(&format!("Do not import {id}"))
            && !text.contains("terraform import"),
        "{client}: the refused create gives the id of the one made, and no advice to import it twice:\n{text}"
    );

    let state = s.state();
    let recorded = instances(&state);
    assert_eq!(
        recorded.len(),
        1,
        "{client}: state holds exactly one instance: {state}"
    );
    assert_eq!(
        recorded[0]["values"]["id"], id,
        "{client}: the instance is the registry made"
    );
    assert_ne!(
        recorded[0]["tainted"], true,
        "{client}: the registry made is healthy"
    );

    s.destroy();
    assert!(
        emulator.registries().is_empty(),
        "{client}: destroy leaves no registry"
    );
    assert!(
        instances(&s.state()).is_empty(),
        "{client}: destroy leaves an empty state"
    );
    assert_eq!(
        s.ws.leftover_providers(),
        Vec::<u32>::new(),
        "{client}: no provider process is left"
    );
}
