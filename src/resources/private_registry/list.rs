//! The list resource `alicloud_sas_private_registry`: the registries a `list` block in a
//! `.tfquery.hcl` file finds for `terraform query` (Terraform ≥ 1.14), each as the state an
//! import would give it, so its identity, the object and the configuration Terraform generates
//! from it agree with what `import` then brings in.
//!
//! It reads `ListPrivateRegistryList`, not the paged `PageImageRegistry`: a page's items lack
//! `RegistryVersion` (required to configure a registry) and `Port`, so every page would need
//! the full list as well. The one list answers with every registry of the type asked for, and
//! it is the list this process's refreshes and imports share (`Registries::list_all`).

use tfplugin::framework::model::Model;
use tfplugin::framework::{async_trait, Diagnostic, Diagnostics, Found, ListResource};
use tfplugin::value::Value;

use super::errors::failed;
use super::identity::display_name;
use super::TYPE_NAME;
use crate::provider::Account;

/// The registry types this resource manages; the list leaves the others (`acr`, `CI/CD`) out,
/// since they could not be imported.
const MANAGED_TYPES: [&str; 2] = ["harbor", "quay"];

tfplugin::model! {
    /// The `config` block of a `list "alicloud_sas_private_registry"` block.
    pub struct Filter: () {
        /// Only registries of this type: `harbor` or `quay`. Unset, both.
        registry_type: String = optional().one_of(&MANAGED_TYPES),
        /// Only registries whose name contains this text (case-sensitive). A registry's name is
        /// the domain name it was added with.
        name_contains: String = optional().non_empty(),
    }
}

pub struct PrivateRegistryList;

/// A registry two `list` blocks of one query found: configuration generated from both would
/// import it twice, and the plan would not say so.
fn listed_twice(id: i64, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "A registry is found by two list blocks",
        format!("Registry {id}, {name}, is found by this list block and by another of this query. With -generate-config-out, each writes an import block for it, and the plan imports it twice: keep the list blocks of one directory from overlapping (narrow one with its config block, or query them in separate directories)."),
    )
}

tfplugin::terraform_type!(PrivateRegistryList: TYPE_NAME, Filter, "Finds the self-managed (harbor and quay) registries Security Center knows, for `terraform query`: each with its identity, a name (domain, type and host), and with `include_resource` the registry as an import would read it.");

#[async_trait]
impl ListResource<Account> for PrivateRegistryList {
    async fn list(
        &self,
        account: &Account,
        config: &Value,
        found: &mut Found,
    ) -> Result<(), Diagnostics> {
        let filter = Filter::from_value(config);
        let listed = account
            .registries
            .list_all(filter.registry_type.as_deref())
            .await
            .map_err(|e| failed("Failed to list registries", &e))?;
        let mut matching: Vec<_> = listed
            .iter()
            .filter(|r| {
                r.registry_type
                    .as_deref()
                    .is_some_and(|t| MANAGED_TYPES.contains(&t))
            })
            .filter(|r| {
                filter.name_contains.as_deref().is_none_or(|part| {
                    r.registry_name
                        .as_deref()
                        .unwrap_or_default()
                        .contains(part)
                })
            })
            .collect();
        matching.sort_by_key(|r| r.id);
        for record in matching {
            let state = account.registries.imported_state(record);
            let name = display_name(&state);
            if !account.registries.first_listing_of(record.id) {
                found.warn(listed_twice(record.id, &name)).await;
            }
            if !found.push(state, name).await {
                break;
            }
        }
        Ok(())
    }
}
