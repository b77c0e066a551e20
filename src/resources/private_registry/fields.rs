//! `alicloud_sas_private_registry` declared once: each attribute a field of [`Registry`], with
//! its type, presence, secrecy, checks and description (its doc comment), and how it travels
//! to and from the API ([`Api`]: the create request, the modify request, the list's record).
//! The schema and docs, the plan-time checks of single values, the `AddPrivateRegistry` and
//! `ModifyImageRegistry` requests, the state after create, refresh and import, the attribute
//! an API error points at, and the elements of `alicloud_sas_private_registries` all derive
//! from it (`crate::resources::mapping`).

use alicloud::{AddPrivateRegistryRequest, ModifyImageRegistryRequest, RegistryInfo};
use tfplugin::framework::model::Key;
use tfplugin::framework::validate::{host_name, ip_address};
use tfplugin::value::Value;

use super::validate::{coded, namespaces_shape, region_id};
use crate::resources::mapping::{sent, Api, ApiTypes, Follow, Listing, Mapping, Told};

impl ApiTypes for Registry {
    const NOUN: &'static str = "registry";
    type Create = AddPrivateRegistryRequest;
    type Modify = ModifyImageRegistryRequest;
    type Record = RegistryInfo;
}

/// What the registry's declarations give (requests, states, error targets).
pub type Fields = Mapping<Registry>;

fn api() -> Api<Registry> {
    Api::default()
}

/// What the API told of a string: left out and empty say nothing, and a mask (`******`) hides
/// the value.
fn told(s: &Option<String>) -> Told {
    match s.as_deref() {
        None | Some("") => Told::Nothing,
        Some(s) if masked(s) => Told::Masked,
        Some(s) => Told::Value(Value::from(s)),
    }
}

/// What the API told of a number: `ProtocolType` and `NetType` are 1 or 2, and `TransPerHour`
/// at least 1 (`AddPrivateRegistry` takes it so); the service reports 0 for a value it never
/// had.
fn told_number(n: Option<i64>) -> Told {
    match n {
        None => Told::Nothing,
        Some(n) if n > 0 => Told::Value(Value::int(n)),
        Some(n) => Told::NeverSet(n),
    }
}

/// Whether an API string is a masked value: the service hides some fields, such as `UserName`
/// in the published `AddPrivateRegistry` sample, and a mask says nothing of the value behind it.
pub fn masked(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'*')
}

tfplugin::model! {
    /// A self-managed registry as configuration, plan and state hold it.
    pub struct Registry: Api<Registry> {
        /// The registry ID Security Center assigned; use it with `terraform import`.
        id: String = computed()
            .with(api().read(|r| Told::Value(Value::from(r.id.to_string())), Follow::Always)),
        /// Registry software: `harbor` or `quay`.
        registry_type: String = required()
            .one_of(&["harbor", "quay"])
            .with(api().create(sent!(registry_type)).replace().read(|r| told(&r.registry_type), Follow::Always)),
        /// Registry API version: `V1` or `V2`.
        registry_version: String = required()
            .one_of(&["V1", "V2"])
            .with(api().create(sent!(registry_version)).replace().read(|r| told(&r.registry_version), Follow::Always)),
        /// How Security Center reaches the registry: `1` for HTTP, `2` for HTTPS.
        protocol_type: i64 = required()
            .check(|n, i| coded(n, *i, &[(1, "HTTP"), (2, "HTTPS")]))
            .with(api().create(sent!(protocol_type)).replace().read(|r| told_number(r.protocol_type), Follow::Always)),
        /// Network the registry is reached through: `1` for the Internet, `2` for a VPC.
        net_type: i64 = required()
            .check(|n, i| coded(n, *i, &[(1, "the Internet"), (2, "a VPC")]))
            .with(api().create(sent!(net_type)).replace().read(|r| told_number(r.net_type), Follow::Always)),
        /// The VPC the registry lives in; expected when `net_type = 2`.
        vpc_id: String = optional()
            .with(api().create(sent!(vpc_id)).replace().read(|r| told(&r.vpc_id), Follow::WhereManaged).listing(Listing::Null)),
        /// IPv4 or IPv6 address of the registry host.
        registry_host_ip: String = required()
            .check(|n, s| ip_address(n, s))
            .with(api().create(sent!(registry_host_ip)).in_place(sent!(registry_host_ip)).read(|r| told(&r.registry_host_ip), Follow::Always)),
        /// Host name of the registry, without scheme or port, such as `harbor.example.com`.
        domain_name: String = required()
            .check(|n, s| host_name(n, s))
            .with(api().create(sent!(domain_name)).in_place(sent!(domain_name)).read(|r| told(&r.domain_name), Follow::Host)),
        /// Port of the registry, 1 to 65535. Left unset, the registry keeps the port it has
        /// (the API cannot unset one), and state follows what the API reports.
        port: i64 = optional_computed()
            .range(1, 65535)
            .with(api().create(sent!(port)).in_place(sent!(port)).read(|r| told_number(r.port), Follow::Always).listing(Listing::Null)),
        /// User name Security Center logs in to the registry with; required to add a registry.
        /// Left unset on an existing registry, it keeps the one it has (the API cannot unset
        /// it). The API may mask it (`******`), so an imported registry may have none in state;
        /// set it and the next apply sends it.
        user_name: String = optional_computed()
            .non_empty()
            .with(api().create(sent!(user_name)).in_place(sent!(user_name)).read(|r| told(&r.user_name), Follow::Always)),
        /// Write-only password for `user_name`: sent to the API, never stored in state or plan
        /// (Terraform 1.11 and later, OpenTofu 1.11 and later; older clients get an error and
        /// should use `password`). Prefer it to `password`. Sent when the registry is added,
        /// and again whenever `password_wo_version` changes. Set this or `password`, not both.
        password_wo: String = optional()
            .write_only()
            .non_empty()
            .with(api().create(sent!(password = config.password_wo))),
        /// Any number you choose; change it to send `password_wo` again (the password is never
        /// in state, so Terraform cannot see it change by itself). A first version, set on an
        /// imported registry or when moving from `password`, is only recorded: nothing is sent.
        password_wo_version: i64 = optional()
            .with(api().in_place(sent!(password = config.password_wo))),
        /// Password for `user_name`, kept in state (prefer `password_wo` where the client
        /// supports it); one of the two is required to add a registry. The API never returns
        /// it, so Terraform keeps the configured value and cannot detect a change made outside
        /// Terraform. An imported registry has none in state: leave it unset to keep the
        /// registry's password, or set it and the next apply sends it.
        password: String = optional()
            .sensitive()
            .non_empty()
            .with(api().create(sent!(password)).in_place(sent!(password))),
        /// Region the registry is registered in, such as `cn-hangzhou` (the data source
        /// `alicloud_sas_image_registry_regions` lists them).
        registry_region_id: String = required()
            .check(|n, s| region_id(n, s))
            .with(api().create(sent!(registry_region_id)).replace().read(|r| told(&r.region_id), Follow::Always).listing(Listing::Omitted)),
        /// How many images Security Center scans per hour, at least 1. Chosen by the API when
        /// unset; a registry added without it may report 0, which is read as unset.
        trans_per_hour: i64 = optional_computed()
            .range(1, i64::MAX)
            .with(api().create(sent!(trans_per_hour)).in_place(sent!(trans_per_hour)).read(|r| told_number(r.trans_per_hour), Follow::Always).listing(Listing::Null)),
        /// Write-only form of `extra_param` for `quay`, never stored in state or plan
        /// (Terraform 1.11 and later, OpenTofu 1.11 and later). The same JSON array of
        /// `namespace` and `authToken` objects. Sent when the registry is added; the API cannot
        /// change it, so changing `extra_param_wo_version` creates a new registry with it. Set
        /// this or `extra_param`, not both.
        extra_param_wo: String = optional()
            .write_only()
            .check(|n, s| namespaces_shape(n, s))
            .with(api().create(sent!(extra_param = config.extra_param_wo))),
        /// Any number you choose; change it to send `extra_param_wo` again (in a new registry:
        /// the API cannot change the tokens). A first version, set on an imported registry or
        /// when moving from `extra_param`, is only recorded: nothing is sent and nothing
        /// replaced.
        extra_param_wo_version: i64 = optional().with(api().replace()),
        /// A quay registry's namespaces and tokens, kept in state: a JSON array of objects with
        /// `namespace` and `authToken`, such as `jsonencode([{ namespace = "team", authToken =
        /// var.quay_token }])`. Adding a quay registry needs this or `extra_param_wo`; an
        /// existing one (imported) may leave both unset and keeps the tokens it has. Rewrites that mean the same JSON are not changes.
        /// An import never reads the tokens into state; setting `extra_param` on an imported
        /// registry records it without sending it, and the next refresh shows any difference
        /// from the registry's tokens. Moving it to `extra_param_wo` is an in-place update that
        /// only takes the tokens out of state: nothing is sent and nothing replaced.
        // Read back through `ListImageRegistryExtra`, not the list (see `Registries::extra_param`).
        extra_param: String = optional()
            .sensitive()
            .json()
            .check(|n, s| namespaces_shape(n, s))
            .with(api().create(sent!(extra_param)).replace()),
        /// Token Security Center issued for the registry. It can change outside Terraform
        /// (`RefreshRegistryToken`).
        token: String = computed()
            .sensitive()
            .with(api().read(|r| told(&r.token), Follow::Always)),
        /// Region the API reports for the registry.
        region_id: String = computed()
            .with(api().read(|r| told(&r.region_id), Follow::Always)),
    }
}

/// A secret the API never returns, in its two forms: kept in state, or write-only with the
/// version that says when to send it again. Configuration gives one form, not both.
pub struct SecretForms {
    pub stored: Key<Registry, String>,
    pub write_only: Key<Registry, String>,
    pub version: Key<Registry, i64>,
}

/// The registry's secrets.
pub const SECRETS: [SecretForms; 2] = [
    SecretForms {
        stored: Registry::password,
        write_only: Registry::password_wo,
        version: Registry::password_wo_version,
    },
    SecretForms {
        stored: Registry::extra_param,
        write_only: Registry::extra_param_wo,
        version: Registry::extra_param_wo_version,
    },
];

/// The forms of the secret stored as `name`, if it is one.
pub fn secret_stored_as(name: &str) -> Option<&'static SecretForms> {
    SECRETS.iter().find(|s| s.stored.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::framework::model::Model;

    #[test]
    fn errors_point_at_plain_attributes_only() {
        assert_eq!(
            Fields::attribute_of("RegistryRegionId"),
            Some("registry_region_id")
        );
        assert_eq!(
            Fields::attribute_of("Port"),
            Some("port"),
            "a modify parameter too"
        );
        assert_eq!(
            Fields::attribute_of("Password"),
            None,
            "a secret's line is never shown"
        );
        assert_eq!(Fields::attribute_of("ExtraParam"), None);
        assert_eq!(Fields::attribute_of("Lang"), None);
        assert!(Fields::may_point_at("domain_name") && !Fields::may_point_at("password"));
    }

    #[test]
    fn the_secrets_only_recorded_from_or_to_null_are_the_quay_tokens_and_their_version() {
        let recorded: Vec<&str> = Fields::recorded_only_between_values().collect();
        assert_eq!(recorded, ["extra_param_wo_version", "extra_param"]);
    }

    #[test]
    fn every_settable_attribute_is_sent_and_every_sent_one_has_a_parameter() {
        use alicloud::request::Request;
        for f in Registry::fields() {
            let settable = !f.attribute.computed || f.attribute.optional;
            let versioned = f.attribute.name.ends_with("_wo_version");
            assert_eq!(
                settable && !versioned,
                f.ext.create.is_some(),
                "{}",
                f.attribute.name
            );
            let in_place = matches!(f.ext.change, crate::resources::mapping::Change::InPlace(_));
            if in_place && !versioned {
                assert!(
                    ModifyImageRegistryRequest::parameter_of(&f.attribute.name).is_some(),
                    "{} is changed by a parameter of the same name",
                    f.attribute.name
                );
            }
        }
    }

    /// A plan must not promise what the apply cannot do: the modify request has no way to
    /// unset a value, so an attribute configuration may drop is either computed (the registry
    /// keeps its value, and so does state) or a secret the API never reports, which dropping
    /// only takes out of state (the plan warns).
    #[test]
    fn dropping_an_in_place_attribute_changes_nothing_it_cannot() {
        let forgotten: Vec<&str> = Registry::fields()
            .iter()
            .filter(|f| Fields::only_forgotten_when_unset(f))
            .map(|f| f.attribute.name.as_str())
            .collect();
        assert_eq!(forgotten, ["password", "extra_param"]);
        for name in forgotten {
            let f = Registry::field(name).expect("declared");
            assert!(f.attribute.sensitive && f.ext.read.is_none(), "{name}");
        }
        for name in ["port", "user_name", "trans_per_hour"] {
            let f = Registry::field(name).expect("declared");
            assert!(
                f.attribute.optional && f.attribute.computed,
                "{name} is kept when unset"
            );
        }
    }

    #[test]
    fn the_docs_say_how_a_change_is_made() {
        let doc = |k: &str| {
            Registry::field(k)
                .map(|f| f.attribute.description.clone())
                .unwrap_or_default()
        };
        assert!(doc("registry_type").ends_with("Changing it creates a new registry."));
        assert!(Registry::field("registry_type").is_some_and(|f| f.attribute.requires_replace));
        assert!(doc("port").ends_with("Updated in place."));
        assert!(doc("token").ends_with("(`RefreshRegistryToken`)."));
    }
}
