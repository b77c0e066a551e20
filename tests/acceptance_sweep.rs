//! The sweeper: deletes whatever acceptance runs left behind (registries with `example.com`
//! domains). `make testacc` runs it last against the real API; here, by default, it is shown to
//! clean up registries that Terraform created and then forgot.

mod common;

use common::acceptance::{Scenario, Step};

#[test]
fn sweeper_removes_registries_that_runs_left_behind() {
    let s = Scenario::new(&[]);
    if matches!(s.backend, common::backend::Backend::Emulator(_)) {
        // Leave two registries behind, as a run killed before its destroy would.
        s.run(vec![Step::new(
            r#"
resource "alicloud_sas_private_registry" "left" {
  count              = 2
  registry_type      = "harbor"
  registry_version   = "V2"
  protocol_type      = 2
  net_type           = 1
  registry_host_ip   = "192.0.2.${count.index + 1}"
  domain_name        = "left${count.index}.example.com"
  user_name          = "admin"
  password           = "pw"
  registry_region_id = "cn-hangzhou"
}
"#,
        )]);
        std::fs::remove_file(s.ws.path().join("terraform.tfstate")).expect("forget the state");
        assert_eq!(s.backend.sweep(), 2);
    } else {
        let swept = s.backend.sweep();
        eprintln!("swept {swept} registries left by earlier acceptance runs");
    }
    assert!(
        s.backend.registries().is_empty(),
        "nothing a test made remains"
    );
}
