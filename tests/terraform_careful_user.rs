//! What a careful user hit next (issue #36), each against sas-emulator answering as the real
//! service does, on the newest Terraform in the suite and an older client: a removed optional
//! argument plans exactly what the apply does to the registry, a TLS failure ends in seconds
//! naming `protocol`, the documented way to pass secrets keeps them out of plan files, two
//! resources describing one registry are told apart, and errors keep their subject.

mod common;

use common::{assert_says, flat};

use common::acceptance::{harbor, planned_actions, quay, resource_values, Scenario};
use common::plan_file;
use common::terraform::{cli, on_clients, Client, Workspace};
use serde_json::Value as Json;

const HARBOR: &str = "alicloud_sas_private_registry.r";
const QUAY: &str = "alicloud_sas_private_registry.q";
const TYPE: &str = "alicloud_sas_private_registry";

fn realistic(client: Client) -> Scenario {
    Scenario::on_emulator_with(
        client,
        &["--realism", "all", "--realism-appear-after-ms", "0"],
    )
}

/// The emulator's record of registry `id`, if it has one.
fn record(s: &Scenario, id: &str) -> Option<Json> {
    s.emulator()
        .registries()
        .into_iter()
        .find(|r| r["Id"].as_i64().is_some_and(|n| n.to_string() == id))
}

fn id_of(ws: &Workspace, address: &str) -> String {
    resource_values(&ws.state(), address)["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} has no id"))
        .to_string()
}

/// One optional argument's journey: set beside what its registry needs, then removed from the
/// configuration. `api` is where the emulator's record holds it.
struct Journey {
    attribute: &'static str,
    quay: bool,
    /// Arguments set with it (HCL), removed with it unless they are the registry's own.
    set: &'static [(&'static str, &'static str)],
    /// Arguments removed with it.
    removed: &'static [&'static str],
    /// Left out of the base configuration (so the journey's own form of a secret is the one).
    without: &'static [&'static str],
    api: &'static str,
}

const TOKENS: &str = r#"jsonencode([{ namespace = "team", authToken = "careful-token" }])"#;

/// Every optional argument of the resource (the test fails on one it does not know).
const JOURNEYS: &[Journey] = &[
    Journey {
        attribute: "port",
        quay: false,
        set: &[("port", "443")],
        removed: &["port"],
        without: &[],
        api: "Port",
    },
    Journey {
        attribute: "user_name",
        quay: false,
        set: &[],
        removed: &["user_name"],
        without: &[],
        api: "UserName",
    },
    Journey {
        attribute: "trans_per_hour",
        quay: false,
        set: &[("trans_per_hour", "7")],
        removed: &["trans_per_hour"],
        without: &[],
        api: "TransPerHour",
    },
    Journey {
        attribute: "vpc_id",
        quay: false,
        set: &[("net_type", "2"), ("vpc_id", "\"vpc-careful\"")],
        removed: &["vpc_id"],
        without: &[],
        api: "VpcId",
    },
    Journey {
        attribute: "password",
        quay: false,
        set: &[],
        removed: &["password"],
        without: &[],
        api: "PasswordHash",
    },
    Journey {
        attribute: "password_wo",
        quay: false,
        set: &[
            ("password_wo", "\"careful-wo\""),
            ("password_wo_version", "1"),
        ],
        removed: &["password_wo", "password_wo_version"],
        without: &["password"],
        api: "PasswordHash",
    },
    Journey {
        attribute: "extra_param",
        quay: true,
        set: &[("password", "\"pw\""), ("extra_param", TOKENS)],
        removed: &["extra_param"],
        without: &[],
        api: "Extras",
    },
    Journey {
        attribute: "extra_param_wo",
        quay: true,
        set: &[
            ("password", "\"pw\""),
            ("extra_param_wo", TOKENS),
            ("extra_param_wo_version", "1"),
        ],
        removed: &["extra_param_wo", "extra_param_wo_version"],
        without: &[],
        api: "Extras",
    },
];

/// A registry's configuration: `acceptance::harbor` or `acceptance::quay`.
type Registry = fn(&[(&str, &str)], &[&str]) -> String;

/// An API value that holds nothing: left out, null, empty, or a number never given.
fn unset(v: &Json) -> bool {
    v.is_null() || v == "" || v == 0 || v.as_array().is_some_and(Vec::is_empty)
}

on_clients! {
    every_optional_argument_removed_plans_what_the_apply_does:
    every_optional_argument_removed_plans_what_the_apply_does_on_terraform_1_16_4 => Terraform1_16,
    every_optional_argument_removed_plans_what_the_apply_does_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// Item 1. For each optional argument: set it and apply, remove it and plan, apply that plan,
/// and compare the plan, the state and the registry. A plan that changes the argument must
/// leave the registry so (or, for a secret the API never returns, say that only state forgets
/// it); a plan that keeps it must keep it everywhere; and the next plan is empty.
fn every_optional_argument_removed_plans_what_the_apply_does(client: Client) {
    let schema_check = realistic(client);
    schema_check.ws.write_config(schema_check.providers());
    let schema: Json = serde_json::from_str(&schema_check.ws.providers_schema()).expect("JSON");
    let attributes = schema["provider_schemas"]
        .as_object()
        .and_then(|p| p.values().next())
        .map(|p| p["resource_schemas"][TYPE]["block"]["attributes"].clone())
        .expect("the resource's schema");
    let optional: Vec<&String> = attributes
        .as_object()
        .expect("attributes")
        .iter()
        .filter(|(_, a)| a["optional"] == true)
        .map(|(n, _)| n)
        .collect();
    for name in &optional {
        let covered = JOURNEYS
            .iter()
            .any(|j| j.attribute == name.as_str() || j.removed.contains(&name.as_str()));
        assert!(
            covered,
            "{client}: no journey removes the optional `{name}`"
        );
    }

    for j in JOURNEYS {
        let s = realistic(client);
        let (address, base): (_, Registry) = if j.quay {
            (QUAY, quay)
        } else {
            (HARBOR, harbor)
        };
        let what = format!("{client}: `{}`", j.attribute);
        s.ws.write_config(&format!("{}{}", s.providers(), base(j.set, j.without)));
        s.ws.apply();
        let id = id_of(&s.ws, address);
        let before_state = resource_values(&s.ws.state(), address)[j.attribute].clone();
        let before_api = record(&s, &id).expect("created")[j.api].clone();
        assert!(
            !unset(&before_api),
            "{what}: the API holds it after the create"
        );

        let mut without = j.without.to_vec();
        without.extend(j.removed);
        s.ws.write_config(&format!("{}{}", s.providers(), base(j.set, &without)));
        let (ok, plan_text) = s.ws.plan_to("unset.tfplan");
        assert!(ok, "{what}: the plan fails:\n{plan_text}");
        let plan = s.saved_plan("unset.tfplan");
        let actions = planned_actions(&plan, address);
        let planned = common::acceptance::resource_change(&plan, address)["change"]["after"]
            [j.attribute]
            .clone();
        s.ws.ok(&cli("apply", &["unset.tfplan"]));
        let state = resource_values(&s.ws.state(), address);
        let after_id = state["id"].as_str().unwrap_or_default().to_string();
        let after_api = record(&s, &after_id).expect("the registry in state exists")[j.api].clone();
        assert_eq!(
            state[j.attribute], planned,
            "{what}: state is what the plan said"
        );

        let replaced = actions.as_array().is_some_and(|a| a.len() == 2);
        if replaced {
            assert!(
                unset(&after_api),
                "{what}: the replacement was planned without it, and the new registry has it: {after_api}"
            );
        } else if planned == before_state {
            assert_eq!(
                after_api, before_api,
                "{what}: kept in the plan, kept by the API"
            );
        } else if unset(&after_api) {
            // The registry lost it, as planned.
        } else {
            // The API cannot unset it: the plan must have said only state forgets it.
            assert_eq!(
                after_api, before_api,
                "{what}: the registry was changed unplanned"
            );
            assert!(
                flat(&plan_text).contains(&format!("Removing {} only takes it out of state", j.attribute)),
                "{what}: the plan shows `{}` -> null, the registry keeps it, and the plan did not say so:\n{plan_text}",
                j.attribute
            );
        }
        common::acceptance::assert_plan_empty(&s.ws, &format!("{what}: after the apply"));
    }
}

on_clients! {
    a_port_left_unset_follows_the_registry:
    a_port_left_unset_follows_the_registry_on_terraform_1_16_4 => Terraform1_16,
    a_port_left_unset_follows_the_registry_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// Item 1, drift: a port the configuration leaves unset is the registry's, so a change made
/// outside Terraform reaches state (and is no diff); once the configuration sets it, a change
/// outside Terraform is drift the plan puts back.
fn a_port_left_unset_follows_the_registry(client: Client) {
    let s = realistic(client);
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        harbor(&[("port", "443")], &[])
    ));
    s.ws.apply();
    let id = id_of(&s.ws, HARBOR);
    s.ws.write_config(&format!("{}{}", s.providers(), harbor(&[], &[])));
    common::acceptance::assert_plan_empty(&s.ws, "port removed");
    s.emulator().modify(&id, serde_json::json!({"Port": 8443}));
    s.ws.apply_with(&["-refresh-only"]);
    assert_eq!(
        resource_values(&s.ws.state(), HARBOR)["port"],
        8443,
        "{client}: state follows the registry"
    );
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        harbor(&[("port", "443")], &[])
    ));
    let (_, text) = s.ws.outcome(&cli("plan", &[]));
    assert!(
        flat(&text).contains("~ port") && text.contains("8443") && text.contains("1 to change"),
        "{client}: a configured port changed outside Terraform is drift:\n{text}"
    );
}

on_clients! {
    an_https_provider_against_an_http_endpoint_fails_in_seconds_naming_protocol:
    an_https_provider_against_an_http_endpoint_fails_in_seconds_naming_protocol_on_terraform_1_16_4 => Terraform1_16,
    an_https_provider_against_an_http_endpoint_fails_in_seconds_naming_protocol_on_terraform_1_8_5 => Terraform1_8,
}

/// Item 2. `provider "alicloud" {}` (HTTPS, the default) against sas-emulator, which speaks
/// HTTP: three attempts, then an error naming the endpoint and `protocol`; never the
/// operation's whole timeout.
fn an_https_provider_against_an_http_endpoint_fails_in_seconds_naming_protocol(client: Client) {
    let s = Scenario::on_emulator_with(client, &[]);
    let https = s.providers().replace("protocol = \"HTTP\"", "");
    assert!(!https.contains("protocol"), "the default protocol: {https}");
    s.ws.write_config(&format!(
        "{https}\ndata \"alicloud_sas_private_registries\" \"all\" {{}}\n"
    ));
    let began = std::time::Instant::now();
    let (ok, text) = s.ws.outcome(&cli("plan", &[]));
    let took = began.elapsed();
    assert!(
        !ok,
        "{client}: HTTPS cannot reach an HTTP endpoint:\n{text}"
    );
    let text = flat(&text);
    assert_says(
        client,
        &text,
        &[
            "cannot reach the Security Center endpoint",
            "it does not speak TLS",
            "gave up after 3 attempt(s)",
            "set protocol = \"HTTP\"",
            "ALIBABA_CLOUD_ENDPOINT_SAS",
        ],
    );
    assert!(
        took < std::time::Duration::from_secs(60),
        "{client}: took {took:?}, the retries must be few:\n{text}"
    );
}

on_clients! {
    the_documented_example_keeps_secrets_out_of_plan_files:
    the_documented_example_keeps_secrets_out_of_plan_files_on_terraform_1_16_4 => Terraform1_16,
    the_documented_example_keeps_secrets_out_of_plan_files_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// Item 3. The resource page's example, as written, with its variables set from the
/// environment as it says: the saved plan, `show -json` of it and the state hold none of the
/// secrets, and the apply of that plan adds both registries with them.
fn the_documented_example_keeps_secrets_out_of_plan_files(client: Client) {
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/resources/alicloud_sas_private_registry/resource.tf"),
    )
    .expect("the example");
    let mut s = realistic(client);
    s.ws.write_config(&format!("{}{example}", s.providers()));
    let secrets = [
        ("harbor_password", "doc-harbor-password-7d1"),
        ("quay_password", "doc-quay-password-3c9"),
        ("quay_token", "doc-quay-token-5e2"),
    ];
    for (name, value) in secrets {
        s.ws.set_env(&format!("TF_VAR_{name}"), value);
    }
    let (ok, text) = s.ws.plan_to("example.tfplan");
    assert!(ok, "{client}: the example plans:\n{text}");
    let shown = s.ws.ok(&["show", "-json", "example.tfplan"]);
    let plan_path = s.ws.path().join("example.tfplan");
    for (name, value) in secrets {
        assert_eq!(
            plan_file::occurrences(&plan_path, value),
            0,
            "{client}: var.{name} is in the plan file"
        );
        assert!(!shown.contains(value), "{client}: var.{name} in show -json");
    }
    let applied = s.ws.ok(&cli("apply", &["example.tfplan"]));
    assert!(applied.contains("2 added"), "{client}:\n{applied}");
    let state = std::fs::read_to_string(s.ws.path().join("terraform.tfstate")).expect("state");
    for (name, value) in secrets {
        assert!(!state.contains(value), "{client}: var.{name} in state");
    }
    let hashes: Vec<String> = s
        .emulator()
        .registries()
        .iter()
        .map(|r| r["PasswordHash"].as_str().unwrap_or_default().to_string())
        .collect();
    for (_, password) in &secrets[..2] {
        assert!(
            hashes.contains(&sas_emulator::secret_hash(password)),
            "{client}: the registry was added with its password"
        );
    }
}

on_clients! {
    two_instances_describing_one_registry_are_told_apart:
    two_instances_describing_one_registry_are_told_apart_on_terraform_1_16_4 => Terraform1_16,
    two_instances_describing_one_registry_are_told_apart_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// Item 5. `count = 2` with one domain name: the second instance is refused, and the advice is
/// to tell them apart, not to import a registry the first already manages.
fn two_instances_describing_one_registry_are_told_apart(client: Client) {
    let s = realistic(client);
    let twins = harbor(&[], &[]).replacen("{\n", "{\n  count = 2\n", 1);
    s.ws.write_config(&format!("{}{twins}", s.providers()));
    // One registry cannot be two resources.
    let text = s.ws.fails_saying(
        &cli("apply", &[]),
        &[
            "Another resource of this configuration manages this registry",
            "give each its own domain_name",
            "count.index",
        ],
    );
    assert!(
        !text.contains("<name>"),
        "{client}: a literal placeholder:\n{text}"
    );
    assert!(
        !text.contains("terraform import"),
        "{client}: never import it twice:\n{text}"
    );
    assert_eq!(s.emulator().registries().len(), 1, "{client}: one registry");
}

on_clients! {
    an_import_identity_in_another_region_names_the_identity:
    an_import_identity_in_another_region_names_the_identity_on_terraform_1_16_4 => Terraform1_16,
    an_import_identity_in_another_region_names_the_identity_on_opentofu_1_12_6 => OpenTofu1_12,
}

/// Item 6. An import block whose identity's `region_id` is not the registry's: the error
/// quotes the identity and names the registry, since clients show an import's errors with no
/// address or line.
fn an_import_identity_in_another_region_names_the_identity(client: Client) {
    let s = realistic(client);
    s.ws.write_config(&format!("{}{}", s.providers(), harbor(&[], &[])));
    s.ws.apply();
    let id = id_of(&s.ws, HARBOR);
    let fresh = s.fresh_workspace();
    fresh.write_config(&format!(
        "{}{}\nimport {{\n  to       = {HARBOR}\n  identity = {{ id = \"{id}\", region_id = \"cn-shanghai\" }}\n}}\n",
        s.providers(),
        harbor(&[], &[])
    ));
    // The region does not match.
    fresh.fails_saying(
        &cli("plan", &[]),
        &[
            "does not match the identity's region_id".to_string(),
            format!("identity {{ id = \"{id}\", region_id = \"cn-shanghai\" }}"),
            format!("found by id = \"{id}\""),
            "has region_id = \"cn-hangzhou\"".to_string(),
        ],
    );
}

on_clients! {
    an_update_of_a_registry_deleted_outside_terraform_says_it_is_gone:
    an_update_of_a_registry_deleted_outside_terraform_says_it_is_gone_on_terraform_1_16_4 => Terraform1_16,
    an_update_of_a_registry_deleted_outside_terraform_says_it_is_gone_on_terraform_1_8_5 => Terraform1_8,
}

/// Item 6. `apply -refresh=false` of a change to a registry deleted outside Terraform: the
/// error says it is gone and how to create it again, and the apply that follows does.
fn an_update_of_a_registry_deleted_outside_terraform_says_it_is_gone(client: Client) {
    let s = realistic(client);
    s.ws.write_config(&format!("{}{}", s.providers(), harbor(&[], &[])));
    s.ws.apply();
    let id = id_of(&s.ws, HARBOR);
    s.emulator().delete(&id);
    s.ws.write_config(&format!(
        "{}{}",
        s.providers(),
        harbor(&[("port", "8443")], &[])
    ));
    // It cannot be updated.
    s.ws.fails_saying(
        &cli("apply", &["-refresh=false"]),
        &[
            "Registry deleted outside Terraform".to_string(),
            format!("Registry {id} no longer exists"),
            "Run `terraform apply` again".to_string(),
        ],
    );
    let again = s.ws.apply();
    assert!(
        again.contains("1 added"),
        "{client}: created anew:\n{again}"
    );
}

/// Item 6. A `list` block's bad filter is reported at its own line inside `config`, not at
/// the `list` line (Terraform 1.14+ only: OpenTofu has no list blocks).
#[test]
fn a_list_blocks_bad_filter_points_at_its_line_on_terraform_1_16_4() {
    let s = realistic(Client::Terraform1_16);
    let query = "list \"alicloud_sas_private_registry\" \"bad\" {\n  provider = alicloud\n\n  config {\n    registry_type = \"acr\"\n  }\n}\n";
    std::fs::write(s.ws.path().join("bad.tfquery.hcl"), query).expect("query file");
    let (ok, text) = s.ws.outcome(&cli("query", &[]));
    assert!(!ok, "acr cannot be listed here:\n{text}");
    assert!(
        text.contains("on bad.tfquery.hcl line 5") && text.contains("registry_type = \"acr\""),
        "the error is at the attribute's line:\n{text}"
    );
}

on_clients! {
    a_registry_region_typo_fails_the_plan_with_a_suggestion:
    a_registry_region_typo_fails_the_plan_with_a_suggestion_on_terraform_1_16_4 => Terraform1_16,
    a_registry_region_typo_fails_the_plan_with_a_suggestion_on_terraform_1_0_3 => Terraform1_0,
}

/// Item 7. `registry_region_id` is checked as the provider's `region` is: a typo fails the plan
/// at its line with a suggestion, before any call; `skip_region_validation` lets a region
/// newer than the provider through.
fn a_registry_region_typo_fails_the_plan_with_a_suggestion(client: Client) {
    let s = realistic(client);
    let typo = harbor(&[("registry_region_id", "\"cn-hangzou\"")], &[]);
    s.ws.write_config(&format!("{}{typo}", s.providers()));
    // The typo must fail the plan.
    s.ws.fails_saying(
        &cli("plan", &[]),
        &[
            "Unknown registry region",
            "Did you mean \"cn-hangzhou\"?",
            "registry_region_id",
            "skip_region_validation",
        ],
    );
    assert_eq!(s.emulator().count_actions("AddPrivateRegistry"), 0);
    let newer = harbor(&[("registry_region_id", "\"mars-north-1\"")], &[]);
    let skipping = s.providers_with("skip_region_validation = true");
    s.ws.write_config(&format!("{skipping}{newer}"));
    s.ws.ok(&cli("plan", &[]));
}

on_clients! {
    the_data_sources_id_names_its_filters:
    the_data_sources_id_names_its_filters_on_terraform_1_16_4 => Terraform1_16,
    the_data_sources_id_names_its_filters_on_terraform_1_0_3 => Terraform1_0,
}

/// Item 8. The registries data source's id reads as its filters, not `*|`.
fn the_data_sources_id_names_its_filters(client: Client) {
    let s = realistic(client);
    s.ws.write_config(&format!(
        "{}
data \"alicloud_sas_private_registries\" \"all\" {{}}
data \"alicloud_sas_private_registries\" \"harbor\" {{
  registry_type = \"harbor\"
}}
output \"ids\" {{
  value = [data.alicloud_sas_private_registries.all.id, data.alicloud_sas_private_registries.harbor.id]
}}
",
        s.providers()
    ));
    s.ws.apply();
    let ids = s.ws.ok(&["output", "-json", "ids"]);
    let ids: Json = serde_json::from_str(&ids).expect("JSON");
    assert!(
        ids == serde_json::json!(["all", "registry_type=harbor"]),
        "{client}: {ids}"
    );
}
