//! Real clients reaching the provider over loopback TCP, the transport go-plugin uses on
//! Windows, selected on Linux with `TFPLUGIN_TRANSPORT=tcp` so the Windows build's path is
//! exercised here: the whole lifecycle runs over it with mutual TLS, and the client's own log
//! says it connected over TCP.

mod common;

use common::acceptance::{harbor, Scenario};
use common::terraform::{assert_started_on_loopback_tcp, on_clients, provider_starts, Client};

on_clients! {
    the_lifecycle_runs_over_loopback_tcp:
    the_lifecycle_runs_over_loopback_tcp_on_terraform_1_16_4 => Terraform1_16,
    the_lifecycle_runs_over_loopback_tcp_on_terraform_1_0_3 => Terraform1_0,
    the_lifecycle_runs_over_loopback_tcp_on_opentofu_1_12_6 => OpenTofu1_12,
}

fn the_lifecycle_runs_over_loopback_tcp(client: Client) {
    let mut s = Scenario::on_emulator_with(client, &[]);
    s.ws.set_env("TFPLUGIN_TRANSPORT", "tcp");
    let log = s.ws.log_to("DEBUG", "client.log");
    s.ws.write_config(&format!("{}{}", s.providers(), harbor(&[], &[])));
    let applied = s.ws.apply();
    assert!(applied.contains("1 added"), "{client}:\n{applied}");
    assert_eq!(s.emulator().registries().len(), 1, "{client}: one registry");
    common::acceptance::assert_plan_empty(&s.ws, "over tcp");
    s.destroy();
    assert!(s.emulator().registries().is_empty(), "{client}: destroyed");

    // The provider listens on nothing else, so a lifecycle that ran connected over TCP; its
    // log (through the client's) shows each start on a loopback port in the range go-plugin's
    // client gives it (PLUGIN_MIN_PORT and PLUGIN_MAX_PORT: 10000 to 25000).
    let starts = provider_starts(&log);
    assert_started_on_loopback_tcp(&starts, &client.to_string());
}
