//! Any bytes as the provider configuration (msgpack or JSON, as Terraform may send either) and
//! as a stored state to upgrade: diagnostics, never a panic, and no network call.
#![no_main]

use std::sync::{Arc, OnceLock};

use alicloud_provider::provider::AlicloudServer;
use tfplugin::protocol::{Core, WireValue};
use libfuzzer_sys::fuzz_target;

fn core() -> &'static Core<AlicloudServer> {
    static CORE: OnceLock<Core<AlicloudServer>> = OnceLock::new();
    CORE.get_or_init(|| Core::new(Arc::new(alicloud_provider::provider::new())))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, bytes)) = data.split_first() else {
        return;
    };
    let wire = if mode & 1 == 0 {
        WireValue { msgpack: bytes, json: &[] }
    } else {
        WireValue { msgpack: &[], json: bytes }
    };
    let _ = core().validate_provider_config(Some(wire));
    let _ = core().prepare_provider_config(Some(wire));
    let _ = core().configure(Some(wire), "1.0.3");
    let _ = core().upgrade_resource_state(
        "alicloud_sas_private_registry",
        i64::from(mode >> 1) - 1,
        Some(bytes),
    );
});
