//! The registry lifecycle with every client of the matrix (Terraform 0.13.4, 1.0.3, 1.8.5 and
//! 1.16.4, OpenTofu 1.12.6) against sas-emulator (or the real API with TF_ACC=1): create, an empty
//! plan, in-place update, replacement, drift, out-of-band delete, import (on the command line,
//! and with an `import` block where the client has them), destroy. The emulator runs with every
//! realism switch on (`--realism all`: user name masked, domain lower-cased, unset fields left
//! out, a default `TransPerHour`, new registries late in lists), as the real API may answer.

mod common;

use common::acceptance::{resource_values, Scenario, Step};
use common::backend::{test_domain, Backend};
use common::terraform::{on_clients, Client};
use sas_emulator::realism::DEFAULT_TRANS_PER_HOUR;
use serde_json::json;

const ADDR: &str = "alicloud_sas_private_registry.r";

/// The harbor registry of this scenario; its domain carries the run id (see `test_domain`).
fn harbor(version: &str, password: &str, extra: &str) -> String {
    let (version, password) = (format!("\"{version}\""), format!("\"{password}\""));
    let domain = format!("\"{}\"", test_domain("harbor"));
    common::acceptance::harbor(
        &[
            ("registry_version", &version),
            ("domain_name", &domain),
            ("password", &password),
            ("port", "443"),
            ("", extra.trim()),
        ],
        &[],
    )
}

fn backend_ids(e: &common::backend::Backend) -> Vec<String> {
    e.registries().iter().map(|r| r["Id"].to_string()).collect()
}

on_clients! {
    lifecycle:
    lifecycle_on_terraform_0_13_4 => Terraform0_13,
    lifecycle_on_terraform_1_0_3 => Terraform1_0,
    lifecycle_on_terraform_1_8_5 => Terraform1_8,
    lifecycle_on_terraform_1_16_4 => Terraform1_16,
    lifecycle_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// What an import cannot learn from the API: the password, never returned, and the user name,
/// which the API may mask (the emulator does with `--realism all`); both stay null and the next
/// apply sends them from the configuration.
const NOT_IMPORTED: &[&str] = &["password", "user_name", "timeouts"];

/// Create, update, replace, drift corrected, out-of-band delete re-created, import, destroy.
fn lifecycle(client: Client) {
    let s = Scenario::with(client, &["--realism", "all"]);
    s.run(vec![
        Step::new(harbor("V2", "first-password", ""))
            .actions(vec![(ADDR, &["create"])])
            .check(|state, backend| {
                let v = resource_values(state, ADDR);
                assert_eq!(
                    backend_ids(backend),
                    vec![v["id"].as_str().unwrap().to_string()]
                );
                assert_eq!(v["region_id"], "cn-hangzhou");
                assert!(v["token"].as_str().is_some_and(|t| !t.is_empty()));
                assert_eq!(v["password"], "first-password");
                assert_eq!(v["user_name"], "admin", "as configured, not as masked");
                if matches!(backend, Backend::Emulator(_)) {
                    assert_eq!(
                        v["trans_per_hour"], DEFAULT_TRANS_PER_HOUR,
                        "unset, so the API's default"
                    );
                }
            }),
        Step::new(harbor("V2", "second-password", "  trans_per_hour = 30"))
            .actions(vec![(ADDR, &["update"])])
            .check(|state, backend| {
                let v = resource_values(state, ADDR);
                let r = &backend.registries()[0];
                assert_eq!(r["Id"].to_string(), v["id"].as_str().unwrap());
                assert_eq!(r["TransPerHour"], 30);
            }),
        Step::new(harbor("V1", "second-password", "  trans_per_hour = 30"))
            .actions(vec![(ADDR, &["delete", "create"])])
            .check(|state, backend| {
                let regs = backend.registries();
                assert_eq!(regs.len(), 1, "the old registry was deleted");
                assert_eq!(regs[0]["RegistryVersion"], "V1");
                assert_eq!(
                    regs[0]["Id"].to_string(),
                    resource_values(state, ADDR)["id"].as_str().unwrap()
                );
            }),
        // Someone changes the host in the console: the plan puts it back in place.
        Step::new(harbor("V1", "second-password", "  trans_per_hour = 30"))
            .before(|e| {
                let id = e.registries()[0]["Id"].to_string();
                e.modify(&id, json!({ "RegistryHostIp": "198.51.100.7" }));
            })
            .actions(vec![(ADDR, &["update"])])
            .check(|_, e| assert_eq!(e.registries()[0]["RegistryHostIp"], "192.0.2.10")),
        // Someone deletes it: the plan creates it again.
        Step::new(harbor("V1", "second-password", "  trans_per_hour = 30"))
            .before(|e| {
                let id = e.registries()[0]["Id"].to_string();
                e.delete(&id);
            })
            .actions(vec![(ADDR, &["create"])])
            .check(|_, e| assert_eq!(e.registries().len(), 1)),
    ]);
    s.import_verify(ADDR, NOT_IMPORTED);
    if client.has_import_blocks() {
        s.import_block_verify(ADDR, NOT_IMPORTED);
    }
    s.destroy();
    assert!(
        s.backend.registries().is_empty(),
        "{client}: destroy leaves nothing behind"
    );
    assert_eq!(
        s.ws.leftover_providers(),
        Vec::<u32>::new(),
        "{client}: no provider process is left"
    );
}
