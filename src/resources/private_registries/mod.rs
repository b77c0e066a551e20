//! Data source `alicloud_sas_private_registries`: the registries Security Center knows, filtered
//! by type and domain, with every field that is not a secret.

use regex_lite::Regex;

use std::sync::OnceLock;

use crate::provider::Account;
use crate::resources::private_registry::Fields;
use alicloud::RegistryInfo;
use tfplugin::framework::model::{Field, Held, Model};
use tfplugin::framework::{async_trait, DataSource, Diagnostic, Diagnostics, Schema};
use tfplugin::value::Value;

pub const TYPE_NAME: &str = "alicloud_sas_private_registries";

/// Registry types the list API reports (wider than what `AddPrivateRegistry` accepts).
pub const LISTED_TYPES: [&str; 4] = ["acr", "harbor", "quay", "CI/CD"];

fn valid_regex(name: &str, s: &str) -> Result<(), String> {
    Regex::new(s)
        .map(|_| ())
        .map_err(|e| format!("`{name}` is not a valid regular expression: {e}"))
}

tfplugin::model! {
    /// The data source's configuration and state.
    pub struct Lookup: () {
        /// An identifier for this lookup, derived from the filters: `all`, or the filters
        /// given, such as `registry_type=harbor,domain_name_regex=^prod`.
        id: String = computed(),
        /// Only registries of this type: `acr`, `harbor`, `quay` or `CI/CD`.
        registry_type: String = optional().one_of(&LISTED_TYPES),
        /// Only registries whose domain name matches this regular expression.
        domain_name_regex: String = optional().check(|n, s| valid_regex(n, s)),
        /// IDs of the matching registries, in ascending order.
        ids: Vec<String> = computed(),
        /// The matching registries, in the order of `ids`.
        registries: Vec<Listed> = computed(),
    }
}

tfplugin::model! {
    /// What an element of `registries` shows beyond the resource's attributes.
    pub struct Named: () {
        /// The registry's name: the domain name it was added with.
        registry_name: String = computed(),
    }
}

/// One element of `registries`: every attribute of `alicloud_sas_private_registry` a listing
/// shows, derived from its declaration (`Mapping::listed_fields`: no secret), as the same
/// readers a refresh uses say it (`Mapping::listing`), and the registry's name. So an attribute
/// added to the resource appears here without a line of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed(Value);

impl Model for Listed {
    type Ext = ();

    fn fields() -> &'static [Field<()>] {
        static FIELDS: OnceLock<Vec<Field<()>>> = OnceLock::new();
        FIELDS.get_or_init(|| {
            let resource = Fields::listed_fields().map(Field::reported);
            resource
                .chain(Named::fields().iter().map(Field::reported))
                .collect()
        })
    }

    fn from_value(object: &Value) -> Self {
        Listed(Value::object(
            Self::fields()
                .iter()
                .map(|f| (f.name(), object.attr(f.name()).clone())),
        ))
    }

    fn to_value(&self) -> Value {
        self.0.clone()
    }
}

impl From<&RegistryInfo> for Listed {
    fn from(r: &RegistryInfo) -> Self {
        let mut shown = Fields::listing(r);
        let named = Named {
            // Left out, it reads as "" like the resource's strings (`Listing::Blank`).
            registry_name: Some(r.registry_name.clone().unwrap_or_default()),
            held: Held::default(),
        };
        if let (Value::Object(all), Value::Object(own)) = (&mut shown, named.to_value()) {
            all.extend(own);
        }
        Listed(shown)
    }
}

pub fn schema() -> Schema {
    let names: Vec<String> = Listed::fields()
        .iter()
        .map(|f| format!("`{}`", f.name()))
        .collect();
    let (last, rest) = names.split_last().expect("the element has attributes");
    let elements = format!(": {} and {last}.", rest.join(", "));
    let mut schema = Lookup::schema("Lists the private image registries Security Center knows, optionally filtered. Secrets (passwords, tokens, quay auth tokens) are never exported, and a user name the service masks (`******`) is null: the mask is not a name.");
    for a in &mut schema.block.attributes {
        if a.name == *Lookup::registries {
            a.description = format!("{}{elements}", a.description.trim_end_matches('.'));
        }
    }
    schema
}

pub struct PrivateRegistries;

tfplugin::terraform_type!(PrivateRegistries: TYPE_NAME, schema: schema, validate: Lookup::validate);

#[async_trait]
impl DataSource<Account> for PrivateRegistries {
    /// Lists (sharing the resource's lists), filters and shapes the registries.
    async fn read(&self, account: &Account, config: &Value) -> Result<Value, Diagnostics> {
        let mut lookup = Lookup::from_value(config);
        let kind = lookup.registry_type.as_deref();
        let pattern = match lookup.domain_name_regex.as_deref().map(Regex::new) {
            Some(Ok(re)) => Some(re),
            Some(Err(e)) => {
                return Err(Diagnostic::error("Invalid domain_name_regex", e.to_string()).into())
            }
            None => None,
        };
        let list = account
            .registries
            .list_all(kind)
            .await
            .map_err(|e| Diagnostic::error("Failed to list registries", e.to_string()))?;
        let mut matching: Vec<_> = list
            .iter()
            .filter(|r| {
                pattern
                    .as_ref()
                    .is_none_or(|re| re.is_match(r.domain_name.as_deref().unwrap_or_default()))
            })
            .collect();
        matching.sort_by_key(|r| r.id);
        lookup.id = Some(lookup_id(kind, lookup.domain_name_regex.as_deref()));
        lookup.ids = Some(matching.iter().map(|r| r.id.to_string()).collect());
        lookup.registries = Some(matching.into_iter().map(Listed::from).collect());
        Ok(lookup.to_value())
    }
}

/// The lookup's id: the filters as they would be written, or `all` without any.
fn lookup_id(kind: Option<&str>, regex: Option<&str>) -> String {
    let filters: Vec<String> = [
        (Lookup::registry_type.name, kind),
        (Lookup::domain_name_regex.name, regex),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| format!("{name}={v}")))
    .collect();
    if filters.is_empty() {
        "all".into()
    } else {
        filters.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::value::AttributePath;

    #[test]
    fn the_id_names_the_filters() {
        assert_eq!(lookup_id(None, None), "all");
        assert_eq!(lookup_id(Some("harbor"), None), "registry_type=harbor");
        assert_eq!(
            lookup_id(Some("quay"), Some("^prod")),
            "registry_type=quay,domain_name_regex=^prod"
        );
    }

    fn element(r: &RegistryInfo) -> Value {
        Listed::from(r).to_value()
    }

    /// A registry listed with every field the element shows.
    fn full() -> RegistryInfo {
        RegistryInfo {
            registry_name: Some("h.example.com".into()),
            net_type: Some(2),
            vpc_id: Some("vpc-1".into()),
            ..crate::resources::private_registry::fake::listed()
        }
    }

    #[test]
    fn an_element_has_every_attribute_but_the_secrets() {
        let attrs = Listed::attributes();
        let mut names: Vec<&str> = attrs.iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "domain_name",
                "id",
                "net_type",
                "port",
                "protocol_type",
                "region_id",
                "registry_host_ip",
                "registry_name",
                "registry_type",
                "registry_version",
                "trans_per_hour",
                "user_name",
                "vpc_id"
            ]
        );
        for a in &attrs {
            assert!(
                a.computed && !a.optional && !a.required && !a.sensitive,
                "{}",
                a.name
            );
            let numeric = ["net_type", "port", "protocol_type", "trans_per_hour"];
            let want = if numeric.contains(&a.name.as_str()) {
                tfplugin::value::Type::Number
            } else {
                tfplugin::value::Type::String
            };
            assert_eq!(a.ty, want, "{}", a.name);
        }
        let registries = schema()
            .block
            .attributes
            .into_iter()
            .find(|a| a.name == "registries")
            .expect("declared");
        for a in &attrs {
            assert!(
                registries.description.contains(&format!("`{}`", a.name)),
                "{}",
                registries.description
            );
        }
    }

    #[test]
    fn an_element_shows_what_the_api_tells() {
        let want = Value::object([
            ("id", Value::from("7")),
            ("registry_type", "harbor".into()),
            ("registry_version", "V2".into()),
            ("registry_name", "h.example.com".into()),
            ("protocol_type", Value::int(2)),
            ("net_type", Value::int(2)),
            ("vpc_id", "vpc-1".into()),
            ("registry_host_ip", "192.0.2.10".into()),
            ("domain_name", "h.example.com".into()),
            ("port", Value::int(443)),
            ("user_name", "admin".into()),
            ("region_id", "cn-hangzhou".into()),
            ("trans_per_hour", Value::int(10)),
        ]);
        assert_eq!(element(&full()), want);
    }

    #[test]
    fn what_the_api_leaves_out_is_blank_or_null_and_a_mask_is_null() {
        let bare = RegistryInfo {
            id: 7,
            ..Default::default()
        };
        let text = ["registry_type", "registry_version", "registry_name"];
        let more = ["registry_host_ip", "domain_name", "user_name", "region_id"];
        let mut want: Vec<(&str, Value)> = text
            .into_iter()
            .chain(more)
            .map(|k| (k, Value::from("")))
            .collect();
        want.extend([
            ("id", Value::from("7")),
            ("protocol_type", Value::int(0)),
            ("net_type", Value::int(0)),
            ("vpc_id", Value::Null),
            ("port", Value::Null),
            ("trans_per_hour", Value::Null),
        ]);
        assert_eq!(element(&bare), Value::object(want));

        let hidden = RegistryInfo {
            user_name: Some("******".into()),
            vpc_id: Some(String::new()),
            registry_type: Some(String::new()),
            protocol_type: Some(0),
            port: Some(0),
            trans_per_hour: Some(0),
            ..full()
        };
        let e = element(&hidden);
        assert_eq!(e.attr("user_name"), &Value::Null, "the mask is not a name");
        assert_eq!(e.attr("vpc_id"), &Value::Null);
        assert_eq!(e.attr("registry_type"), &Value::from(""));
        for k in ["protocol_type", "port", "trans_per_hour"] {
            assert_eq!(e.attr(k), &Value::int(0), "{k}: the 0 the API reports");
        }
        let empty_name = RegistryInfo {
            user_name: Some(String::new()),
            ..full()
        };
        assert_eq!(element(&empty_name).attr("user_name"), &Value::from(""));
    }

    #[test]
    fn filters_are_validated() {
        let mut config = schema().block.empty_value();
        config.set_attr("registry_type", "docker".into());
        config.set_attr("domain_name_regex", "(".into());
        let d = Lookup::validate(&config);
        let paths: Vec<_> = d.iter().filter_map(|d| d.attribute.clone()).collect();
        assert_eq!(
            paths,
            vec![
                AttributePath::attr("registry_type"),
                AttributePath::attr("domain_name_regex")
            ]
        );
        config.set_attr("registry_type", "CI/CD".into());
        config.set_attr("domain_name_regex", Value::Unknown);
        assert!(Lookup::validate(&config).is_empty());
    }
}
