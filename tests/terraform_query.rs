//! Adopting registries made outside Terraform with Terraform 1.16.4's `terraform query`: the
//! list resource finds them, `-generate-config-out` writes their configuration through our
//! `GenerateResourceConfig`, and the import plan that follows changes nothing. Against the
//! emulator with every realism switch on (masked user names, lower-cased domains, unset values
//! left out or defaulted), from 0, 1 and 250 registries of mixed types.

mod common;

use alicloud::{AddPrivateRegistryRequest, Secret};
use common::acceptance::Scenario;
use common::terraform::{cli, Client, Workspace};

const CLIENT: Client = Client::Terraform1_16;
const ALL: &str = "list.alicloud_sas_private_registry.all";
const QUAY_PROD: &str = "list.alicloud_sas_private_registry.quay_prod";
/// The largest page `PageImageRegistry` serves: the count a paging listing would need.
const PAGE: usize = 100;

/// Registry `i` of a mixed set: every third is quay, the rest harbor; every other one is
/// "prod"; versions, networks, ports and scan rates vary, and some leave the optional ones
/// unset.
fn registry(i: usize) -> AddPrivateRegistryRequest {
    let quay = i % 3 == 2;
    AddPrivateRegistryRequest {
        registry_type: if quay { "quay" } else { "harbor" }.into(),
        registry_version: if i.is_multiple_of(2) { "V2" } else { "V1" }.into(),
        protocol_type: 1 + (i % 2) as i64,
        net_type: if i % 4 == 3 { 2 } else { 1 },
        vpc_id: (i % 4 == 3).then(|| format!("vpc-{i:04}")),
        registry_host_ip: format!("192.0.2.{}", i % 250 + 1),
        domain_name: format!("Reg-{i:03}.{}.example.com", env(i)),
        port: (!i.is_multiple_of(5)).then_some(5000 + i as i64),
        user_name: format!("robot-{i}"),
        password: Secret::new(format!("pw-secret-{i}")),
        registry_region_id: "cn-hangzhou".into(),
        trans_per_hour: (i % 2 == 1).then_some(5),
        extra_param: quay.then(|| {
            Secret::new(format!(
                r#"[{{"namespace":"team{i}","authToken":"quay-token-{i}"}}]"#
            ))
        }),
    }
}

fn env(i: usize) -> &'static str {
    if i.is_multiple_of(2) {
        "Prod"
    } else {
        "Dev"
    }
}

/// Every query file of an example directory (`examples/adopt`), as written, into `ws`: what
/// the guide tells users to write. The provider block is the test's.
fn use_example(ws: &Workspace, example: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    let mut copied = 0;
    for entry in std::fs::read_dir(&dir).expect("the example directory") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name.ends_with(".tfquery.hcl") {
            std::fs::copy(&path, ws.path().join(name)).expect("copy the example");
            copied += 1;
        }
    }
    assert!(copied > 0, "examples/{example} has no query file");
}

const EVERY_REGISTRY: &str = "adopt";
const A_SUBSET: &str = "adopt-quay-prod";

/// The result lines of one `list` block in `terraform query`'s output.
fn results<'a>(out: &'a str, list: &str) -> Vec<&'a str> {
    out.lines()
        .filter(|l| l.split_whitespace().next() == Some(list))
        .collect()
}

fn list_calls(s: &Scenario) -> usize {
    s.emulator().count_actions("ListPrivateRegistryList")
        + s.emulator().count_actions("PageImageRegistry")
}

/// Every API call an adoption made that changes something: there must be none.
fn writes(s: &Scenario) -> Vec<String> {
    s.emulator()
        .requests()
        .iter()
        .filter_map(|r| {
            r["action"]
                .as_str()
                .or(r["Action"].as_str())
                .map(str::to_string)
        })
        .filter(|a| a.starts_with("Add") || a.starts_with("Modify") || a.starts_with("Delete"))
        .collect()
}

fn scenario(n: usize) -> Scenario {
    // Every realism switch, but registries that show in lists at once: those being adopted
    // were made long before.
    let s = Scenario::on_emulator_with(
        CLIENT,
        &["--realism", "all", "--realism-appear-after-ms", "0"],
    );
    let made: Vec<_> = (0..n).map(registry).collect();
    let ids = s.emulator().add_registries(&made);
    assert_eq!(ids.len(), n);
    s.emulator().clear_requests();
    s
}

fn adopt(n: usize) {
    let s = scenario(n);
    let quay_prod = (0..n).filter(|i| i % 3 == 2 && env(*i) == "Prod").count();

    // terraform query in each example: every registry, and the quay ones with "prod" in
    // their name.
    let ws = s.fresh_workspace();
    use_example(&ws, EVERY_REGISTRY);
    let (ok, out) = ws.outcome(&cli("query", &[]));
    assert!(ok, "{CLIENT}: query fails:\n{out}");
    let all = results(&out, ALL);
    assert_eq!(all.len(), n, "{CLIENT}: every registry is listed:\n{out}");
    let subset = s.fresh_workspace();
    use_example(&subset, A_SUBSET);
    let (ok, subset_out) = subset.outcome(&cli("query", &[]));
    assert!(ok, "{CLIENT}: query fails:\n{subset_out}");
    let filtered = results(&subset_out, QUAY_PROD);
    assert_eq!(
        filtered.len(),
        quay_prod,
        "{CLIENT}: both filters:\n{subset_out}"
    );
    for text in [&out, &subset_out] {
        assert!(
            !text.contains("found by two list blocks"),
            "{CLIENT}: the examples' blocks do not overlap:\n{text}"
        );
    }
    assert!(
        filtered
            .iter()
            .all(|l| l.contains("quay") && l.contains(".prod.")),
        "{CLIENT}: {filtered:?}"
    );
    if n > 0 {
        let first = registry(0);
        let line = all
            .iter()
            .find(|l| l.contains("reg-000.prod.example.com"))
            .unwrap_or_else(|| panic!("{CLIENT}: the first registry by its domain:\n{out}"));
        assert!(
            line.contains("id=")
                && line.contains("harbor")
                && line.contains(&first.registry_host_ip),
            "{CLIENT}: identity and a name a person knows (domain, type, host): {line}"
        );
    } else {
        let flat = common::flat(&out);
        assert!(
            flat.contains("returned 0 results"),
            "{CLIENT}: says so:\n{out}"
        );
    }
    // One list call per `list` block, however many registries: never more than a paging
    // listing would need pages.
    let pages = n.div_ceil(PAGE).max(1);
    assert_eq!(
        list_calls(&s),
        2,
        "{CLIENT}: two list blocks, one call each"
    );
    assert!(list_calls(&s) <= 2 * pages);

    // -generate-config-out: configuration for each, written through GenerateResourceConfig.
    let gen = s.fresh_workspace();
    use_example(&gen, EVERY_REGISTRY);
    gen.ok(&cli("query", &["-generate-config-out=generated.tf"]));
    let generated = std::fs::read_to_string(gen.path().join("generated.tf")).unwrap_or_default();
    assert_eq!(
        generated
            .matches("resource \"alicloud_sas_private_registry\"")
            .count(),
        n,
        "{generated}"
    );
    assert_eq!(generated.matches("import {").count(), n, "{generated}");
    for i in 0..n {
        assert!(
            !generated.contains(&format!("pw-secret-{i}\"")),
            "no password is written"
        );
        assert!(
            !generated.contains(&format!("quay-token-{i}")),
            "no token is written"
        );
    }
    let arguments = resource_arguments(&generated);
    assert!(
        n == 0 || arguments.contains(&"registry_version"),
        "{generated}"
    );
    for chosen_by_the_api in ["trans_per_hour", "token", "region_id", "id"] {
        assert!(
            !arguments.contains(&chosen_by_the_api),
            "{CLIENT}: `{chosen_by_the_api}` is the API's to choose, not configuration (our GenerateResourceConfig leaves it out):\n{generated}"
        );
    }

    // The user sets the one secret the API never returns; the plan imports and nothing else.
    let with_secret = generated.replace(
        "password_wo            = null",
        "password_wo            = \"the-password\"",
    );
    std::fs::write(gen.path().join("generated.tf"), &with_secret).expect("write generated.tf");
    let plan = gen.ok(&cli("plan", &["-out=adopt.tfplan"]));
    if n == 0 {
        assert!(plan.contains("No changes."), "{plan}");
    } else {
        assert!(
            plan.contains(&format!(
                "Plan: {n} to import, 0 to add, 0 to change, 0 to destroy."
            )),
            "{CLIENT}: the generated configuration plans {n} imports and nothing else:\n{plan}"
        );
    }
    let applied = gen.ok(&cli("apply", &["adopt.tfplan"]));
    let imported = match n {
        0 => "Resources: 0 added, 0 changed, 0 destroyed.".to_string(),
        n => format!("Resources: {n} imported, 0 added, 0 changed, 0 destroyed."),
    };
    assert!(applied.contains(&imported), "{applied}");
    let again = gen.ok(&cli("plan", &["-detailed-exitcode"]));
    assert!(
        again.contains("No changes."),
        "{CLIENT}: after the import the plan is empty:\n{again}"
    );
    assert_eq!(
        s.emulator().registries().len(),
        n,
        "no registry made or lost"
    );
    assert_eq!(
        writes(&s),
        Vec::<String>::new(),
        "adopting calls nothing that writes"
    );
}

/// The argument names of every `resource` block in a generated file.
fn resource_arguments(generated: &str) -> Vec<&str> {
    let mut in_resource = false;
    let mut names = Vec::new();
    for line in generated.lines() {
        if line.starts_with("resource ") {
            in_resource = true;
        } else if line.starts_with('}') {
            in_resource = false;
        } else if in_resource {
            if let Some((name, _)) = line.split_once('=') {
                names.push(name.trim());
            }
        }
    }
    names
}

#[test]
fn adopting_no_registries_on_terraform_1_16_4() {
    adopt(0);
}

#[test]
fn adopting_one_registry_on_terraform_1_16_4() {
    adopt(1);
}

#[test]
fn adopting_250_registries_of_mixed_types_on_terraform_1_16_4() {
    adopt(250);
}

/// A throttled list answer is retried within the query; one the API refuses ends the listing
/// with its code and RequestId.
#[test]
fn a_throttled_list_is_retried_and_a_refused_one_is_reported_on_terraform_1_16_4() {
    let s = scenario(3);
    let ws = s.fresh_workspace();
    use_example(&ws, EVERY_REGISTRY);

    s.emulator()
        .set_faults(serde_json::json!({"throttle_rate": 0.5, "seed": 3}));
    let out = ws.ok(&cli("query", &[]));
    assert_eq!(results(&out, ALL).len(), 3, "{out}");
    let outcomes: Vec<String> = s
        .emulator()
        .requests()
        .iter()
        .filter(|r| {
            r["action"] == "ListPrivateRegistryList" || r["Action"] == "ListPrivateRegistryList"
        })
        .map(|r| r["outcome"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        outcomes
            .first()
            .is_some_and(|o| o.starts_with("Throttling"))
            && outcomes.last().map(String::as_str) == Some("Success"),
        "the list was throttled, then retried: {outcomes:?}"
    );

    s.emulator()
        .set_faults(serde_json::json!({"deny_actions": ["ListPrivateRegistryList"]}));
    let (ok, text) = ws.outcome(&cli("query", &[]));
    assert!(!ok, "a refused list fails the query:\n{text}");
    common::assert_says(
        CLIENT,
        &text,
        &["Failed to list registries", "NoPermission", "RequestId"],
    );
    // Read line by line, as `results` reads a query's output: the lines it printed before
    // the refusal are its results.
    assert!(
        results(&text, ALL).is_empty(),
        "nothing is listed from a failed listing:\n{text}"
    );
}

/// OpenTofu 1.12 has no `query`: it takes the provider schema with its list resource in it, and
/// a working directory holding the query files, and manages a registry as before.
#[test]
fn opentofu_1_12_6_ignores_the_list_resource_and_the_query_files() {
    let s = Scenario::on_emulator_with(Client::OpenTofu1_12, &[]);
    use_example(&s.ws, EVERY_REGISTRY);
    use_example(&s.ws, A_SUBSET);
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        common::acceptance::harbor(&[], &[])
    ));
    s.ws.ok(&cli("validate", &[]));
    s.ws.apply();
    common::acceptance::assert_plan_empty(&s.ws, "after the apply");
    assert_eq!(s.emulator().registries().len(), 1);
    s.ws.destroy();
    assert!(s.emulator().registries().is_empty());
}

/// Two `list` blocks of one directory that find the same registry: `terraform query` runs both,
/// and configuration generated from both would import it twice. The provider says so, naming
/// the registry, and each example directory alone writes one import per registry.
#[test]
fn list_blocks_that_overlap_are_warned_of_and_the_examples_import_each_registry_once_on_terraform_1_16_4(
) {
    let n = 9;
    let s = scenario(n);
    let quay_prod = (0..n).filter(|i| i % 3 == 2 && env(*i) == "Prod").count();
    assert!(quay_prod > 0, "the subset must overlap the whole");
    let imports = |ws: &Workspace| {
        let (ok, out) = ws.outcome(&cli("query", &["-generate-config-out=generated.tf"]));
        assert!(ok, "{CLIENT}: query fails:\n{out}");
        let generated = std::fs::read_to_string(ws.path().join("generated.tf")).unwrap_or_default();
        (generated.matches("import {").count(), out)
    };
    for (example, wanted) in [(EVERY_REGISTRY, n), (A_SUBSET, quay_prod)] {
        let ws = s.fresh_workspace();
        use_example(&ws, example);
        let (count, out) = imports(&ws);
        assert_eq!(count, wanted, "{CLIENT}: examples/{example}:\n{out}");
    }
    let both = s.fresh_workspace();
    use_example(&both, EVERY_REGISTRY);
    use_example(&both, A_SUBSET);
    let (count, out) = imports(&both);
    assert_eq!(
        count,
        n + quay_prod,
        "{CLIENT}: Terraform writes one per result"
    );
    let flat = common::flat(&out);
    // Terraform shows the first of several like warnings, and counts the rest.
    let more = match quay_prod - 1 {
        0 => String::new(),
        1 => "(and one more similar warning elsewhere)".into(),
        n => format!("(and {n} more similar warnings elsewhere)"),
    };
    assert!(
        flat.matches("A registry is found by two list blocks")
            .count()
            == 1
            && flat.contains(&more),
        "{CLIENT}: one warning per registry found twice:\n{out}"
    );
    assert!(
        flat.contains("quay.prod.example.com") || flat.contains(".prod.example.com (quay"),
        "{CLIENT}: the warning names the registry:\n{out}"
    );
}
