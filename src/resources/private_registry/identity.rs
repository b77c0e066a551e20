//! What makes two registries the same one, to the API: the same type, at the same host name (as
//! DNS compares names: the API may report a domain lower-cased or without its trailing dot), on
//! the same address, in the same region. A create's duplicate check, the turns creates of one
//! registry take, and a refresh's record of registries gone all compare by this one rule, and
//! messages name a registry by the same fields.

use super::api::{AddPrivateRegistryRequest, RegistryInfo};
use super::fields::Registry;
use crate::resources::mapping::host_key;
use tfplugin::framework::model::Key;
use tfplugin::value::Value;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct SameRegistry {
    registry_type: String,
    host: String,
    host_ip: String,
    region: String,
}

impl SameRegistry {
    fn new(registry_type: &str, domain: &str, host_ip: &str, region: &str) -> Self {
        Self {
            registry_type: registry_type.to_string(),
            host: host_key(domain),
            host_ip: host_ip.to_string(),
            region: region.to_string(),
        }
    }

    /// The registry a create asks for.
    pub(super) fn of_request(new: &AddPrivateRegistryRequest) -> Self {
        Self::new(
            &new.registry_type,
            &new.domain_name,
            &new.registry_host_ip,
            &new.registry_region_id,
        )
    }

    /// The registry a state or plan describes.
    pub(super) fn of_state(state: &Value) -> Self {
        let text = |key: Key<Registry, String>| state.attr(&key).as_str().unwrap_or_default();
        Self::new(
            text(Registry::registry_type),
            text(Registry::domain_name),
            text(Registry::registry_host_ip),
            text(Registry::registry_region_id),
        )
    }

    /// The registry a list shows; `None` if the list left out a field that identifies it.
    pub(super) fn of_record(record: &RegistryInfo) -> Option<Self> {
        Some(Self::new(
            record.registry_type.as_deref()?,
            record.domain_name.as_deref()?,
            record.registry_host_ip.as_deref()?,
            record.region_id.as_deref()?,
        ))
    }

    /// Whether the list's `record` is this registry.
    pub(super) fn is(&self, record: &RegistryInfo) -> bool {
        Self::of_record(record).as_ref() == Some(self)
    }
}

/// What makes two registries the same one, as a message says it.
pub(super) const SAME_FIELDS: &str =
    "the same registry_type, domain_name, registry_host_ip and registry_region_id";

/// The registry a create asks for, as a message names it: `a harbor registry for
/// reg.example.com (10.0.0.1) in cn-hangzhou`.
pub(super) fn described(new: &AddPrivateRegistryRequest) -> String {
    format!(
        "a {} registry for {} ({}) in {}",
        new.registry_type, new.domain_name, new.registry_host_ip, new.registry_region_id
    )
}

/// How a person recognises a registry in `terraform query`'s output: `reg.example.com (harbor,
/// 10.0.0.1)`.
pub(super) fn display_name(state: &Value) -> String {
    let text = |key: Key<Registry, String>| key.of(state).unwrap_or_else(|| "?".into());
    format!(
        "{} ({}, {})",
        text(Registry::domain_name),
        text(Registry::registry_type),
        text(Registry::registry_host_ip)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(domain: &str, host_ip: Option<&str>) -> RegistryInfo {
        RegistryInfo {
            registry_type: Some("harbor".into()),
            domain_name: Some(domain.into()),
            registry_host_ip: host_ip.map(Into::into),
            region_id: Some("cn-hangzhou".into()),
            ..Default::default()
        }
    }

    #[test]
    fn host_names_compare_as_dns_does_and_a_missing_field_matches_nothing() {
        let wanted = SameRegistry::new("harbor", "A.example.COM.", "10.0.0.1", "cn-hangzhou");
        assert!(wanted.is(&listed("a.example.com", Some("10.0.0.1"))));
        assert!(!wanted.is(&listed("b.example.com", Some("10.0.0.1"))));
        assert!(!wanted.is(&listed("a.example.com", Some("10.0.0.2"))));
        assert!(!wanted.is(&listed("a.example.com", None)));
    }
}
