//! Data source `alicloud_sas_image_registry_regions`: the regions a registry can be registered
//! in (`ListImageRegistryRegion`), which are the values `registry_region_id` accepts.

use tokio::time::Instant;

use crate::provider::Session;
use crate::resources::timeouts;
use alicloud::{ListImageRegistryRegionRequest, RegistryRegion};
use tfplugin::framework::validate::Validator;
use tfplugin::framework::{
    async_trait, Attribute, Block, DataSource, Diagnostic, Diagnostics, Schema,
};
use tfplugin::value::{Type, Value};

pub const TYPE_NAME: &str = "alicloud_sas_image_registry_regions";

/// Languages the API names regions in.
const LANGUAGES: [&str; 2] = ["en", "zh"];

/// What `lang` means when unset; sent, since the API's own default is `zh`.
const DEFAULT_LANGUAGE: &str = "en";

type Column = (&'static str, fn(&RegistryRegion) -> Value);

/// The one table of an element of `regions`: each attribute and where its value is.
const COLUMNS: &[Column] = &[
    ("region_id", |r| r.region_id.clone().into()),
    ("region_name", |r| r.region_name.clone().into()),
];

pub struct ImageRegistryRegions;

#[async_trait]
impl DataSource<Session> for ImageRegistryRegions {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        let region = Type::object(COLUMNS.iter().map(|(name, _)| (*name, Type::String)));
        let block = Block::new("The regions Security Center can register a self-managed image registry in, as `ListImageRegistryRegion` lists them: the values `registry_region_id` of `alicloud_sas_private_registry` accepts.")
            .attribute(Attribute::optional("lang", Type::String, "Language of the region names: `en` (English) or `zh` (Chinese). Default `en` (the API's own default is `zh`, so the provider always sends it)."))
            .attribute(Attribute::computed("id", Type::String, "An identifier for this lookup, derived from `lang`."))
            .attribute(Attribute::computed("ids", Type::list(Type::String), "The region IDs, such as `cn-hangzhou`, in the order the API lists them."))
            .attribute(Attribute::computed("regions", Type::list(region), "The regions, in the order of `ids`: `region_id` and `region_name`."));
        Schema::new(0, block)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        let mut v = Validator::new(config);
        v.one_of("lang", &LANGUAGES);
        v.diagnostics
    }

    async fn read(&self, session: &Session, config: &Value) -> Result<Value, Diagnostics> {
        let lang = config.attr("lang").as_str().unwrap_or(DEFAULT_LANGUAGE);
        let request = ListImageRegistryRegionRequest {
            lang: Some(lang.to_string()),
        };
        let regions = session
            .sas
            .list_image_registry_region(&request, &session.ctx(Instant::now() + timeouts::READ))
            .await
            .map_err(|e| Diagnostic::error("Failed to list image registry regions", e.to_string()))?
            .regions
            .into_iter()
            // An entry without a region id is no region `registry_region_id` could name.
            .filter(|r| !r.region_id.is_empty())
            .collect::<Vec<_>>();
        let mut state = config.clone();
        state.set_attr("id", format!("image-registry-regions|{lang}").into());
        state.set_attr(
            "ids",
            Value::List(regions.iter().map(|r| r.region_id.clone().into()).collect()),
        );
        state.set_attr(
            "regions",
            Value::List(
                regions
                    .iter()
                    .map(|r| Value::object(COLUMNS.iter().map(|(name, get)| (*name, get(r)))))
                    .collect(),
            ),
        );
        Ok(state)
    }
}
