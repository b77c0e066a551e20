//! The modern protocol over gRPC to the built binary, as Terraform ≥ 1.11 / OpenTofu 1.12 use it:
//! write-only attributes null in every answer and refused for clients that cannot keep them out
//! of state, resource identity (schema, upgrade), and state upgrades that honour the stored
//! version and keep numbers exact. No call here reaches the network.

mod common;

use common::plugin_client::{plan_registry, registry, registry_type, start_offline_v6, REGISTRY};
use tfplugin::framework::ProviderRpcs;
use tfplugin::proto::tfplugin6;
use tfplugin::value::{decode_msgpack, Type, Value};

/// A harbor registry's configuration with the password given write-only.
fn write_only_config() -> Value {
    let mut v = alicloud_provider::provider::new().schema().resources[REGISTRY]
        .block
        .empty_value();
    for (k, val) in [
        ("registry_type", Value::from("harbor")),
        ("registry_version", "V2".into()),
        ("protocol_type", Value::int(2)),
        ("net_type", Value::int(1)),
        ("registry_host_ip", "192.0.2.1".into()),
        ("domain_name", "wo.example.com".into()),
        ("user_name", "admin".into()),
        ("password_wo", "write-only-secret".into()),
        ("password_wo_version", Value::int(1)),
        ("registry_region_id", "cn-hangzhou".into()),
    ] {
        v.set_attr(k, val);
    }
    v
}

fn errors(diags: &[tfplugin6::Diagnostic]) -> Vec<&tfplugin6::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == tfplugin6::diagnostic::Severity::Error as i32)
        .collect()
}

fn attribute_of(d: &tfplugin6::Diagnostic) -> Option<String> {
    use tfplugin6::attribute_path::step::Selector;
    match d.attribute.as_ref()?.steps.first()?.selector.as_ref()? {
        Selector::AttributeName(n) => Some(n.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn write_only_needs_a_client_that_allows_it() {
    let (_p, mut c) = start_offline_v6().await;
    let validate = |allowed: Option<bool>| tfplugin6::validate_resource_config::Request {
        type_name: REGISTRY.into(),
        config: registry(&write_only_config()),
        client_capabilities: allowed.map(|a| tfplugin6::ClientCapabilities {
            write_only_attributes_allowed: a,
            ..Default::default()
        }),
    };
    for absent_or_false in [None, Some(false)] {
        let r = c
            .validate_resource_config(validate(absent_or_false))
            .await
            .expect("answers")
            .into_inner();
        let errs = errors(&r.diagnostics);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(attribute_of(errs[0]).as_deref(), Some("password_wo"));
        assert!(
            errs[0].detail.contains("Terraform 1.11"),
            "{}",
            errs[0].detail
        );
        assert!(
            errs[0].detail.contains("Use `password` instead"),
            "{}",
            errs[0].detail
        );
        assert!(!errs[0].detail.contains("write-only-secret"));
    }
    let r = c
        .validate_resource_config(validate(Some(true)))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&r.diagnostics).is_empty(), "{:?}", r.diagnostics);
}

#[tokio::test]
async fn write_only_values_are_null_in_the_plan_and_a_create_has_no_identity_yet() {
    let (_p, mut c) = start_offline_v6().await;
    let config = write_only_config();
    let r = c
        .plan_resource_change(plan_registry(
            registry(&Value::Null),
            registry(&config),
            registry(&config),
        ))
        .await
        .expect("answers")
        .into_inner();
    assert!(errors(&r.diagnostics).is_empty(), "{:?}", r.diagnostics);
    let planned = decode_msgpack(
        &r.planned_state.expect("a planned state").msgpack,
        &registry_type(),
    )
    .expect("decodes");
    assert_eq!(planned.attr("password_wo"), &Value::Null);
    assert_eq!(planned.attr("password_wo_version"), &Value::int(1));
    assert!(
        r.planned_identity.is_none(),
        "the id is unknown until apply, and an identity must be wholly known"
    );

    // An update plans the prior identity, wholly known.
    let mut prior = config.clone();
    prior.set_attr("password_wo", Value::Null);
    prior.set_attr("id", "42".into());
    prior.set_attr("region_id", "cn-hangzhou".into());
    prior.set_attr("token", "t".into());
    prior.set_attr("trans_per_hour", Value::int(10));
    let mut proposed = prior.clone();
    proposed.set_attr("password_wo", "write-only-secret".into());
    let r = c
        .plan_resource_change(plan_registry(
            registry(&prior),
            registry(&proposed),
            registry(&config),
        ))
        .await
        .expect("answers")
        .into_inner();
    let planned = decode_msgpack(&r.planned_state.expect("planned").msgpack, &registry_type())
        .expect("decodes");
    assert_eq!(planned.attr("password_wo"), &Value::Null);
    let identity_type = Type::object([("id", Type::String), ("region_id", Type::String)]);
    let identity = decode_msgpack(
        &r.planned_identity
            .and_then(|i| i.identity_data)
            .expect("an identity")
            .msgpack,
        &identity_type,
    )
    .expect("identity decodes");
    assert_eq!(
        identity,
        Value::object([
            ("id", Value::from("42")),
            ("region_id", Value::from("cn-hangzhou"))
        ])
    );
}

#[tokio::test]
async fn the_identity_schema_and_its_upgrade() {
    let (_p, mut c) = start_offline_v6().await;
    let schemas = c
        .get_resource_identity_schemas(tfplugin6::get_resource_identity_schemas::Request {})
        .await
        .expect("answers")
        .into_inner();
    let schema = &schemas.identity_schemas[REGISTRY];
    assert_eq!(schema.version, 0);
    let id = schema
        .identity_attributes
        .iter()
        .find(|a| a.name == "id")
        .expect("id");
    assert!(id.required_for_import && id.r#type == b"\"string\"");
    let region = schema
        .identity_attributes
        .iter()
        .find(|a| a.name == "region_id")
        .expect("region_id");
    assert!(region.optional_for_import && !region.required_for_import);

    let upgrade = |version: i64| tfplugin6::upgrade_resource_identity::Request {
        type_name: REGISTRY.into(),
        version,
        raw_identity: Some(tfplugin6::RawState {
            json: br#"{"id":"42","region_id":"cn-hangzhou"}"#.to_vec(),
            ..Default::default()
        }),
    };
    let r = c
        .upgrade_resource_identity(upgrade(0))
        .await
        .expect("answers")
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(r.upgraded_identity.and_then(|i| i.identity_data).is_some());
    let r = c
        .upgrade_resource_identity(upgrade(3))
        .await
        .expect("answers")
        .into_inner();
    assert!(r.upgraded_identity.is_none());
    assert!(errors(&r.diagnostics)[0]
        .detail
        .contains("upgrade the provider"));
}

#[tokio::test]
async fn state_upgrades_honour_the_version_and_keep_big_numbers_exact() {
    let (_p, mut c) = start_offline_v6().await;
    // A state as Terraform stores it at version 0, before the write-only attributes existed,
    // with a number beyond both f64 and i64 precision.
    let raw = br#"{"id":"7","registry_type":"harbor","registry_version":"V2","protocol_type":2,"net_type":1,"vpc_id":null,"registry_host_ip":"192.0.2.1","domain_name":"big.example.com","port":null,"user_name":"admin","password":"pw","registry_region_id":"cn-hangzhou","trans_per_hour":123456789012345678901234567890,"extra_param":null,"token":"t","region_id":"cn-hangzhou","timeouts":null}"#;
    let upgrade = |version: i64| tfplugin6::upgrade_resource_state::Request {
        type_name: REGISTRY.into(),
        version,
        raw_state: Some(tfplugin6::RawState {
            json: raw.to_vec(),
            ..Default::default()
        }),
    };
    let r = c
        .upgrade_resource_state(upgrade(0))
        .await
        .expect("answers")
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let state = decode_msgpack(
        &r.upgraded_state.expect("upgraded").msgpack,
        &registry_type(),
    )
    .expect("decodes");
    assert_eq!(state.attr("password_wo"), &Value::Null);
    assert_eq!(state.attr("password"), &Value::from("pw"));
    let Value::Number(n) = state.attr("trans_per_hour") else {
        panic!("a number: {:?}", state.attr("trans_per_hour"));
    };
    assert_eq!(n.to_string(), "123456789012345678901234567890", "exact");

    let r = c
        .upgrade_resource_state(upgrade(1))
        .await
        .expect("answers")
        .into_inner();
    assert!(r.upgraded_state.is_none());
    let errs = errors(&r.diagnostics);
    assert!(
        errs[0].summary.contains("newer provider")
            && errs[0].detail.contains("upgrade the provider"),
        "{errs:?}"
    );
}
