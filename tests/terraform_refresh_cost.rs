//! What a refresh costs in API calls: many registries read in one Terraform phase share one
//! list request. Counted from the emulator's request log.

mod common;

use common::acceptance::{Scenario, Step};

#[test]
fn refreshing_fifty_registries_costs_a_few_list_calls() {
    let s = Scenario::on_emulator(&[]);
    let config = common::acceptance::harbor_as(
        "many",
        &[
            ("count", "50"),
            ("registry_host_ip", "\"192.0.2.${count.index + 1}\""),
            ("domain_name", "\"h${count.index}.example.com\""),
        ],
        &[],
    );
    s.run(vec![Step::new(config.as_str())]);
    assert_eq!(s.backend.registries().len(), 50);
    s.emulator().clear_requests();
    s.assert_plan_empty(2);
    let lists = s.emulator().count_actions("ListPrivateRegistryList");
    let all = s.emulator().requests().len();
    eprintln!(
        "refresh of 50 registries: {lists} ListPrivateRegistryList calls, {all} requests in all"
    );
    assert!(
        lists <= 5,
        "a refresh of 50 registries made {lists} list calls"
    );
    assert_eq!(all, lists, "a refresh makes only list calls");
    s.destroy();
    assert!(s.backend.registries().is_empty());
}
