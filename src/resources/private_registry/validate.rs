//! Plan-time checks for `alicloud_sas_private_registry`. Each diagnostic points at its
//! attribute and says what is allowed. Unknown values are left alone until apply; a cross-field
//! rule only fires when every value it depends on is known.

use serde_json::Value as Json;

use super::fields::{Registry, SECRETS};
use crate::resources::timeouts;
use tfplugin::framework::model::Model;
use tfplugin::framework::validate::Validator;
use tfplugin::framework::Diagnostics;
use tfplugin::value::Value;

/// Each attribute's own checks (declared on its field), then the rules across attributes.
pub fn validate(config: &Value) -> Diagnostics {
    let mut v = Validator {
        diagnostics: Registry::validate(config),
    };
    let configured = Registry::from_value(config);
    vpc_rules(&configured, &mut v);
    quay_rules(&configured, &mut v);
    write_only_rules(&configured, &mut v);
    let mut diags = v.diagnostics;
    diags.extend(timeouts::validate(config));
    diags
}

pub(super) fn coded(name: &str, value: i64, codes: &[(i64, &str)]) -> Result<(), String> {
    if codes.iter().any(|(c, _)| *c == value) {
        return Ok(());
    }
    let list: Vec<String> = codes.iter().map(|(c, m)| format!("{c} ({m})")).collect();
    Err(format!(
        "`{name}` must be {}; got {value}.",
        list.join(" or ")
    ))
}

/// A registry's region is checked for shape only: the regions Security Center scans
/// registries in are the API's to say (`alicloud_sas_image_registry_regions`).
pub(super) fn region_id(name: &str, value: &str) -> Result<(), String> {
    if alicloud::regions::looks_like_region(value) {
        Ok(())
    } else {
        Err(format!(
            "`{name}` must be a region id such as \"cn-hangzhou\" or \"ap-southeast-1\"; got {}.",
            tfplugin::framework::validate::shown(value)
        ))
    }
}

/// The shape Sas expects of `extra_param` (or `extra_param_wo`, as `name` says):
/// `[{"namespace": "...", "authToken": "..."}, ...]`. Messages never quote the value: it holds
/// secrets.
pub(super) fn namespaces_shape(name: &str, value: &str) -> Result<(), String> {
    let json: Json = serde_json::from_str(value).map_err(|e| {
        format!(
            "`{name}` must be JSON (line {}, column {}: {}). Build it with jsonencode([{{ namespace = \"...\", authToken = \"...\" }}]).",
            e.line(),
            e.column(),
            alicloud::secret::json_error_kind(&e)
        )
    })?;
    let items = json.as_array().ok_or(format!(
        "`{name}` must be a JSON array of objects with \"namespace\" and \"authToken\"."
    ))?;
    if items.is_empty() {
        return Err(format!(
            "`{name}` must hold at least one {{\"namespace\", \"authToken\"}} object."
        ));
    }
    for (i, item) in items.iter().enumerate() {
        let obj = item.as_object().ok_or_else(|| {
            format!("`{name}` element {i} must be an object with \"namespace\" and \"authToken\".")
        })?;
        for key in ["namespace", "authToken"] {
            match obj.get(key).and_then(Json::as_str) {
                Some(s) if !s.trim().is_empty() => {}
                _ => {
                    return Err(format!(
                        "`{name}` element {i} needs a non-empty string \"{key}\"."
                    ))
                }
            }
        }
    }
    Ok(())
}

/// Each secret is given one way: stored (`password`, `extra_param`) or write-only (`*_wo`);
/// a `*_wo_version` only means something beside its write-only value. An unknown counts as
/// given.
fn write_only_rules(c: &Registry, v: &mut Validator) {
    for secret in &SECRETS {
        let (stored, write_only, version) = (
            secret.stored.name,
            secret.write_only.name,
            secret.version.name,
        );
        if !c.is_null(secret.stored) && !c.is_null(secret.write_only) {
            v.error(
                write_only,
                format!("Only one of {stored} and {write_only}"),
                format!("Set `{write_only}` (kept out of state) or `{stored}`, not both."),
            );
        }
        let version_known = !c.is_null(secret.version) && !c.is_unknown(secret.version);
        if c.is_null(secret.write_only) && version_known {
            v.error(
                version,
                format!("{version} without {write_only}"),
                format!("`{version}` says when to send `{write_only}` again; set `{write_only}` too, or remove it."),
            );
        }
    }
}

fn vpc_rules(c: &Registry, v: &mut Validator) {
    match c.net_type {
        Some(2) if c.is_null(Registry::vpc_id) => v.warning(
            &Registry::net_type,
            "VPC registry without vpc_id",
            "`net_type = 2` reaches the registry through a VPC, but no `vpc_id` says which one. Set `vpc_id` unless Security Center can infer it.",
        ),
        Some(1) if c.vpc_id.is_some() => v.warning(
            &Registry::vpc_id,
            "vpc_id is ignored for Internet registries",
            "`vpc_id` only applies when `net_type = 2` (VPC); with `net_type = 1` it is ignored.",
        ),
        _ => {}
    }
}

fn quay_rules(c: &Registry, v: &mut Validator) {
    // That quay needs its tokens is a rule for adding one (`plan::missing_to_add`): an
    // imported quay registry keeps the tokens it has.
    let tokens_given = c.extra_param.is_some() || c.extra_param_wo.is_some();
    if c.registry_type.as_deref() == Some("harbor") && tokens_given {
        v.warning(
            &Registry::extra_param,
            "extra_param is only used by quay",
            "Security Center reads `extra_param` only for `registry_type = \"quay\"`.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::harbor_config as harbor;
    use super::*;
    use tfplugin::framework::Severity;
    use tfplugin::value::AttributePath;

    fn with(v: Value, k: &str, val: Value) -> Value {
        super::super::fake::with(v, &[(k, val)])
    }

    fn errors_at(config: &Value) -> Vec<String> {
        validate(config)
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                d.attribute
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn write_only_secrets_are_one_way_or_the_other() {
        let wo = with(
            with(harbor(), "password", Value::Null),
            "password_wo",
            "s3cret".into(),
        );
        assert!(errors_at(&wo).is_empty(), "{:?}", validate(&wo));
        let both = with(harbor(), "password_wo", "s3cret".into());
        assert_eq!(errors_at(&both), vec!["password_wo"]);
        let version_alone = with(harbor(), "password_wo_version", Value::int(1));
        assert_eq!(errors_at(&version_alone), vec!["password_wo_version"]);
        let unknown = with(wo.clone(), "password_wo", Value::Unknown);
        assert!(errors_at(&unknown).is_empty(), "unknown is not judged");
    }

    #[test]
    fn quay_takes_its_tokens_write_only_and_they_are_checked_without_quoting() {
        let quay = with(harbor(), "registry_type", "quay".into());
        let wo = with(
            quay.clone(),
            "extra_param_wo",
            r#"[{"namespace":"team","authToken":"tok"}]"#.into(),
        );
        assert!(errors_at(&wo).is_empty(), "{:?}", validate(&wo));
        assert!(
            errors_at(&quay).is_empty(),
            "an imported quay registry keeps its tokens: only adding one needs them"
        );
        let bad = with(
            quay,
            "extra_param_wo",
            r#"{"authToken":"very-secret"}"#.into(),
        );
        let d = validate(&bad);
        let msg = d
            .iter()
            .find(|d| d.attribute == Some(AttributePath::attr("extra_param_wo")))
            .map(|d| format!("{} {}", d.summary, d.detail))
            .expect("a diagnostic at extra_param_wo");
        assert!(
            msg.contains("`extra_param_wo` must be a JSON array"),
            "{msg}"
        );
        assert!(!msg.contains("very-secret"), "{msg}");
    }

    #[test]
    fn a_valid_harbor_config_passes() {
        assert!(validate(&harbor()).is_empty(), "{:?}", validate(&harbor()));
    }

    #[test]
    fn each_bad_value_is_reported_at_its_attribute() {
        let cases: Vec<(&str, Value)> = vec![
            ("registry_type", "docker".into()),
            ("registry_version", "v2".into()),
            ("protocol_type", Value::int(3)),
            ("net_type", Value::int(0)),
            ("registry_host_ip", "harbor.example.com".into()),
            ("domain_name", "https://harbor.example.com".into()),
            ("port", Value::int(70000)),
            ("user_name", "".into()),
            ("password", " ".into()),
            ("registry_region_id", "Hangzhou".into()),
            ("trans_per_hour", Value::int(0)),
            ("extra_param", "[]".into()),
        ];
        for (attr, bad) in cases {
            assert_eq!(
                errors_at(&with(harbor(), attr, bad)),
                vec![attr.to_string()],
                "{attr}"
            );
        }
    }

    #[test]
    fn unknown_values_are_not_judged() {
        for attr in [
            "registry_type",
            "protocol_type",
            "registry_host_ip",
            "port",
            "extra_param",
            "net_type",
        ] {
            assert!(
                errors_at(&with(harbor(), attr, Value::Unknown)).is_empty(),
                "{attr}"
            );
        }
    }

    #[test]
    fn adding_a_quay_registry_needs_its_tokens_a_user_name_and_a_password() {
        use super::super::plan::missing_to_add;
        let named = |config: &Value| -> Vec<String> {
            missing_to_add(config)
                .iter()
                .map(|m| {
                    m.to_add()
                        .attribute
                        .map(|a| a.to_string())
                        .unwrap_or_default()
                })
                .collect()
        };
        let quay = with(harbor(), "registry_type", "quay".into());
        assert_eq!(named(&quay), vec!["extra_param"]);
        assert!(named(&with(quay.clone(), "extra_param", Value::Unknown)).is_empty());
        assert!(named(&with(harbor(), "registry_type", Value::Unknown)).is_empty());
        let bare = with(
            with(quay, "user_name", Value::Null),
            "password",
            Value::Null,
        );
        assert_eq!(named(&bare), vec!["user_name", "password", "extra_param"]);
        assert!(named(&harbor()).is_empty());
    }

    #[test]
    fn extra_param_shape_errors_never_echo_the_value() {
        for bad in [
            "{not json SECRETVALUE",
            r#"{"namespace":"SECRETVALUE"}"#,
            r#"[{"namespace":"a"}]"#,
            r#"[{"namespace":"a","authToken":""}]"#,
            r#"["SECRETVALUE"]"#,
        ] {
            let err = namespaces_shape("extra_param", bad).unwrap_err();
            assert!(!err.contains("SECRETVALUE"), "{err}");
            assert!(err.contains("extra_param"), "{err}");
        }
    }

    #[test]
    fn vpc_warnings() {
        let d = validate(&with(harbor(), "net_type", Value::int(2)));
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].severity, Severity::Warning);
        let d = validate(&with(harbor(), "vpc_id", "vpc-123".into()));
        assert_eq!(d.0[0].attribute, Some(AttributePath::attr("vpc_id")));
        assert_eq!(d.0[0].severity, Severity::Warning);
    }
}
