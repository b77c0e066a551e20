//! The sweeper: deletes what this acceptance run left behind, and what runs that are over left
//! (registries whose `example.com` domain carries a run id older than `ABANDONED_AFTER`), never
//! a registry of another run still going. `make testacc` runs it last, whatever the scenarios'
//! outcome, against the real API; here, by default, it is shown to clean up registries that
//! Terraform created and then forgot.

mod common;

use common::acceptance::{Scenario, Step};
use common::backend::{parse_run_id, run_id, sweepable, test_domain, ABANDONED_AFTER};

#[test]
fn only_this_run_and_runs_that_are_over_are_swept() {
    let now = 1_800_000_000;
    let own = "r1799999000-abc123";
    let running = format!("r{}-00ff00", now - 60);
    let abandoned = format!("r{}-0a0b0c", now - ABANDONED_AFTER.as_secs() - 1);
    assert!(sweepable(&format!("harbor.{own}.example.com"), own, now));
    assert!(!sweepable(
        &format!("harbor.{running}.example.com"),
        own,
        now
    ));
    assert!(sweepable(
        &format!("harbor.{abandoned}.example.com"),
        own,
        now
    ));
    assert!(
        sweepable("left0.example.com", own, now),
        "from before run ids"
    );
    assert!(
        !sweepable("registry.corp.internal", own, now),
        "not a test registry"
    );
    assert!(!sweepable("example.com.evil.org", own, now));
    assert_eq!(parse_run_id(own), Some(1_799_999_000));
    assert_eq!(parse_run_id("r12-xyz"), None);
    assert!(parse_run_id(run_id()).is_some(), "{}", run_id());
    assert!(test_domain("a").ends_with(&format!(".{}.example.com", run_id())));
}

#[test]
fn sweeper_removes_registries_that_runs_left_behind() {
    let s = Scenario::new(&[]);
    if matches!(s.backend, common::backend::Backend::Emulator(_)) {
        // Leave two registries behind, as a run killed before its destroy would.
        let domain = format!("\"left${{count.index}}.{}.example.com\"", run_id());
        s.run(vec![Step::new(common::acceptance::harbor_as(
            "left",
            &[
                ("count", "2"),
                ("registry_host_ip", "\"192.0.2.${count.index + 1}\""),
                ("domain_name", &domain),
            ],
            &[],
        ))]);
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
