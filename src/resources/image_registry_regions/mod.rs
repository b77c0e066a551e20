//! Data source `alicloud_sas_image_registry_regions`: the regions a registry can be registered
//! in (`ListImageRegistryRegion`), which are the values `registry_region_id` accepts.

use tokio::time::Instant;

use crate::provider::Account;
use crate::resources::timeouts;
use alicloud::{ListImageRegistryRegionRequest, RegistryRegion};
use tfplugin::framework::model::{Held, Model};
use tfplugin::framework::{async_trait, DataSource, Diagnostic, Diagnostics};
use tfplugin::value::Value;

pub const TYPE_NAME: &str = "alicloud_sas_image_registry_regions";

/// Languages the API names regions in.
const LANGUAGES: [&str; 2] = ["en", "zh"];

/// What `lang` means when unset; sent, since the API's own default is `zh`.
const DEFAULT_LANGUAGE: &str = "en";

tfplugin::model! {
    /// The data source's configuration and state.
    pub struct Lookup: () {
        /// Language of the region names: `en` (English) or `zh` (Chinese). Default `en` (the
        /// API's own default is `zh`, so the provider always sends it).
        lang: String = optional().one_of(&LANGUAGES),
        /// An identifier for this lookup, derived from `lang`.
        id: String = computed(),
        /// The region IDs, such as `cn-hangzhou`, in the order the API lists them.
        ids: Vec<String> = computed(),
        /// The regions, in the order of `ids`: `region_id` and `region_name`.
        regions: Vec<Region> = computed(),
    }
}

tfplugin::model! {
    /// One element of `regions`.
    pub struct Region: () {
        region_id: String = computed(),
        region_name: String = computed(),
    }
}

impl From<&RegistryRegion> for Region {
    fn from(r: &RegistryRegion) -> Self {
        Region {
            region_id: Some(r.region_id.clone()),
            region_name: r.region_name.clone(),
            held: Held::default(),
        }
    }
}

pub struct ImageRegistryRegions;

tfplugin::terraform_type!(ImageRegistryRegions: TYPE_NAME, Lookup, "The regions Security Center can register a self-managed image registry in, as `ListImageRegistryRegion` lists them: the values `registry_region_id` of `alicloud_sas_private_registry` accepts.");

#[async_trait]
impl DataSource<Account> for ImageRegistryRegions {
    async fn read(&self, account: &Account, config: &Value) -> Result<Value, Diagnostics> {
        let mut lookup = Lookup::from_value(config);
        let lang = lookup
            .lang
            .as_deref()
            .unwrap_or(DEFAULT_LANGUAGE)
            .to_string();
        let request = ListImageRegistryRegionRequest {
            lang: Some(lang.clone()),
        };
        let regions = account
            .sas
            .list_image_registry_region(&request, &account.ctx(Instant::now() + timeouts::READ))
            .await
            .map_err(|e| Diagnostic::error("Failed to list image registry regions", e.to_string()))?
            .regions
            .into_iter()
            // An entry without a region id is no region `registry_region_id` could name.
            .filter(|r| !r.region_id.is_empty())
            .collect::<Vec<_>>();
        lookup.id = Some(format!("image-registry-regions|{lang}"));
        lookup.ids = Some(regions.iter().map(|r| r.region_id.clone()).collect());
        lookup.regions = Some(regions.iter().map(Region::from).collect());
        Ok(lookup.to_value())
    }
}
