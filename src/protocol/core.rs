//! The protocol-neutral server: decodes `DynamicValue`s with the schema's types, checks type
//! names, calls the `Provider`, and encodes what it returns. Both protocol versions use it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::framework::{
    ApplyRequest, Diagnostic, Diagnostics, ImportedResource, PlanRequest, PlanResponse, Provider,
    ProviderSchema, ReadDataRequest, ReadRequest, UpgradeRequest,
};
use crate::value::{decode_json, decode_msgpack, encode_msgpack, AttributePath, Type, Value};

/// The two encodings a `DynamicValue` may carry, borrowed from the wire message.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireValue<'a> {
    pub msgpack: &'a [u8],
    pub json: &'a [u8],
}

/// A resource or data source result, already encoded for the wire.
pub struct Encoded {
    pub state: Option<Vec<u8>>,
    pub private: Vec<u8>,
    pub diagnostics: Diagnostics,
}

pub struct Core<P> {
    provider: Arc<P>,
    provider_type: Type,
    resource_types: HashMap<String, Type>,
    data_source_types: HashMap<String, Type>,
}

#[derive(Clone, Copy)]
enum Kind {
    Resource,
    DataSource,
}

impl<P: Provider> Core<P> {
    pub fn new(provider: Arc<P>) -> Self {
        let schema = provider.schema();
        let types = |m: &std::collections::BTreeMap<String, crate::framework::Schema>| {
            m.iter().map(|(k, s)| (k.clone(), s.value_type())).collect()
        };
        Self {
            provider_type: schema.provider.value_type(),
            resource_types: types(&schema.resources),
            data_source_types: types(&schema.data_sources),
            provider: provider.clone(),
        }
    }

    pub fn schema(&self) -> &ProviderSchema {
        self.provider.schema()
    }

    fn type_of(&self, kind: Kind, name: &str) -> Result<&Type, Diagnostics> {
        let (map, what) = match kind {
            Kind::Resource => (&self.resource_types, "resource type"),
            Kind::DataSource => (&self.data_source_types, "data source"),
        };
        map.get(name).ok_or_else(|| {
            Diagnostic::error(
                format!("Unknown {what} {name:?}"),
                format!("This provider does not implement the {what} {name:?}."),
            )
            .into()
        })
    }

    fn decode(
        &self,
        wire: Option<WireValue<'_>>,
        ty: &Type,
        what: &str,
    ) -> Result<Value, Diagnostics> {
        let Some(wire) = wire else {
            return Ok(Value::Null);
        };
        let result = if !wire.msgpack.is_empty() {
            decode_msgpack(wire.msgpack, ty)
        } else if !wire.json.is_empty() {
            decode_json(wire.json, ty)
        } else {
            return Ok(Value::Null);
        };
        result.map_err(|e| {
            Diagnostic::error(format!("Invalid {what} from Terraform"), e.to_string()).into()
        })
    }

    /// A configuration is always an object: Terraform never sends a null or missing one, so
    /// one is refused here rather than passed on as "nothing configured".
    fn configuration(
        decoded: Result<Value, Diagnostics>,
        what: &str,
    ) -> Result<Value, Diagnostics> {
        match decoded {
            Ok(Value::Null) => Err(Diagnostic::error(
                format!("Invalid {what} from Terraform"),
                format!("The {what} is missing or null; Terraform always sends one."),
            )
            .into()),
            other => other,
        }
    }

    /// The type of `type_name` and `wire` decoded with it: the first step of most RPCs.
    fn decode_typed(
        &self,
        kind: Kind,
        type_name: &str,
        wire: Option<WireValue<'_>>,
        what: &str,
    ) -> Result<(&Type, Value), Diagnostics> {
        let ty = self.type_of(kind, type_name)?;
        Ok((ty, self.decode(wire, ty, what)?))
    }

    /// A provider's answer, encoded with the schema type it was decoded with.
    fn encoded(
        &self,
        value: &Value,
        ty: &Type,
        private: Vec<u8>,
        mut diagnostics: Diagnostics,
    ) -> Encoded {
        let state = self.encode(value, ty, &mut diagnostics);
        Encoded {
            state,
            private,
            diagnostics,
        }
    }

    fn encode(&self, value: &Value, ty: &Type, diags: &mut Diagnostics) -> Option<Vec<u8>> {
        match encode_msgpack(value, ty) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                diags.push(Diagnostic::error(
                    "Provider produced a value it cannot encode",
                    format!("{e}. This is a bug in the provider; please report it."),
                ));
                None
            }
        }
    }

    pub fn validate_provider_config(&self, config: Option<WireValue<'_>>) -> Diagnostics {
        let what = "provider configuration";
        match Self::configuration(self.decode(config, &self.provider_type, what), what) {
            Ok(v) => self.provider.validate_provider_config(&v),
            Err(d) => d,
        }
    }

    /// v5's PrepareProviderConfig also wants the configuration echoed back.
    pub fn prepare_provider_config(
        &self,
        config: Option<WireValue<'_>>,
    ) -> (Option<Vec<u8>>, Diagnostics) {
        let what = "provider configuration";
        match Self::configuration(self.decode(config, &self.provider_type, what), what) {
            Ok(v) => {
                let mut diags = self.provider.validate_provider_config(&v);
                let echoed = self.encode(&v, &self.provider_type, &mut diags);
                (echoed, diags)
            }
            Err(d) => (None, d),
        }
    }

    pub fn validate_resource_config(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Diagnostics {
        let what = "resource configuration";
        let decoded = self.decode_typed(Kind::Resource, type_name, config, what);
        match Self::configuration(decoded.map(|(_, v)| v), what) {
            Ok(v) => {
                let schema = self.schema().resources.get(type_name);
                let mut d = schema
                    .map(|s| s.block.missing_required(&v))
                    .unwrap_or_default();
                d.extend(self.provider.validate_resource_config(type_name, &v));
                d
            }
            Err(d) => d,
        }
    }

    pub fn validate_data_source_config(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Diagnostics {
        let what = "data source configuration";
        let decoded = self.decode_typed(Kind::DataSource, type_name, config, what);
        match Self::configuration(decoded.map(|(_, v)| v), what) {
            Ok(v) => {
                let schema = self.schema().data_sources.get(type_name);
                let mut d = schema
                    .map(|s| s.block.missing_required(&v))
                    .unwrap_or_default();
                d.extend(self.provider.validate_data_source_config(type_name, &v));
                d
            }
            Err(d) => d,
        }
    }

    pub fn configure(&self, config: Option<WireValue<'_>>, terraform_version: &str) -> Diagnostics {
        let what = "provider configuration";
        match Self::configuration(self.decode(config, &self.provider_type, what), what) {
            Ok(v) => self.provider.configure(&v, terraform_version),
            Err(d) => d,
        }
    }

    pub fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: Option<&[u8]>,
    ) -> (Option<Vec<u8>>, Diagnostics) {
        let ty = match self.type_of(Kind::Resource, type_name) {
            Ok(ty) => ty,
            Err(d) => return (None, d),
        };
        let (value, mut diags) = self.provider.upgrade_resource_state(UpgradeRequest {
            type_name: type_name.to_string(),
            version,
            raw_json: raw_json.filter(|j| !j.is_empty()).map(<[u8]>::to_vec),
        });
        if diags.has_errors() {
            return (None, diags);
        }
        let bytes = self.encode(&value, ty, &mut diags);
        (bytes, diags)
    }

    pub async fn read_resource(
        &self,
        type_name: &str,
        current: Option<WireValue<'_>>,
        private: &[u8],
    ) -> Encoded {
        let (ty, current_state) =
            match self.decode_typed(Kind::Resource, type_name, current, "resource state") {
                Ok(v) => v,
                Err(d) => return Encoded::failed(d),
            };
        let resp = self
            .provider
            .read_resource(ReadRequest {
                type_name: type_name.to_string(),
                current_state,
                private: private.to_vec(),
            })
            .await;
        self.encoded(&resp.new_state, ty, resp.private, resp.diagnostics)
    }

    pub async fn plan_resource_change(
        &self,
        type_name: &str,
        prior: Option<WireValue<'_>>,
        proposed: Option<WireValue<'_>>,
        config: Option<WireValue<'_>>,
        prior_private: &[u8],
    ) -> (Encoded, Vec<AttributePath>) {
        let decoded = self.type_of(Kind::Resource, type_name).and_then(|ty| {
            Ok((
                ty,
                self.decode(prior, ty, "prior state")?,
                self.decode(proposed, ty, "proposed new state")?,
                self.decode(config, ty, "resource configuration")?,
            ))
        });
        let (ty, prior_state, proposed_new_state, config) = match decoded {
            Ok(v) => v,
            Err(d) => return (Encoded::failed(d), Vec::new()),
        };
        let PlanResponse {
            planned_state,
            requires_replace,
            planned_private,
            diagnostics,
        } = self
            .provider
            .plan_resource_change(PlanRequest {
                type_name: type_name.to_string(),
                prior_state,
                proposed_new_state,
                config,
                prior_private: prior_private.to_vec(),
            })
            .await;
        (
            self.encoded(&planned_state, ty, planned_private, diagnostics),
            requires_replace,
        )
    }

    pub async fn apply_resource_change(
        &self,
        type_name: &str,
        prior: Option<WireValue<'_>>,
        planned: Option<WireValue<'_>>,
        config: Option<WireValue<'_>>,
        planned_private: &[u8],
    ) -> Encoded {
        let decoded = self.type_of(Kind::Resource, type_name).and_then(|ty| {
            Ok((
                ty,
                self.decode(prior, ty, "prior state")?,
                self.decode(planned, ty, "planned state")?,
                self.decode(config, ty, "resource configuration")?,
            ))
        });
        let (ty, prior_state, planned_state, config) = match decoded {
            Ok(v) => v,
            Err(d) => return Encoded::failed(d),
        };
        let resp = self
            .provider
            .apply_resource_change(ApplyRequest {
                type_name: type_name.to_string(),
                prior_state,
                planned_state,
                config,
                planned_private: planned_private.to_vec(),
            })
            .await;
        self.encoded(&resp.new_state, ty, resp.private, resp.diagnostics)
    }

    /// Imported objects, each encoded with its own type's schema.
    pub async fn import_resource_state(
        &self,
        type_name: &str,
        id: &str,
    ) -> (Vec<(String, Vec<u8>, Vec<u8>)>, Diagnostics) {
        if let Err(d) = self.type_of(Kind::Resource, type_name) {
            return (Vec::new(), d);
        }
        let resp = self.provider.import_resource_state(type_name, id).await;
        let mut diags = resp.diagnostics;
        let mut out = Vec::new();
        for ImportedResource {
            type_name,
            state,
            private,
        } in resp.imported
        {
            let encoded = match self.type_of(Kind::Resource, &type_name) {
                Ok(ty) => self.encode(&state, ty, &mut diags),
                Err(d) => {
                    diags.extend(d);
                    None
                }
            };
            if let Some(bytes) = encoded {
                out.push((type_name, bytes, private));
            }
        }
        (out, diags)
    }

    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Encoded {
        let (ty, config) = match self.decode_typed(
            Kind::DataSource,
            type_name,
            config,
            "data source configuration",
        ) {
            Ok(v) => v,
            Err(d) => return Encoded::failed(d),
        };
        let resp = self
            .provider
            .read_data_source(ReadDataRequest {
                type_name: type_name.to_string(),
                config,
            })
            .await;
        self.encoded(&resp.new_state, ty, Vec::new(), resp.diagnostics)
    }

    /// A `moved` block across resource types. No resource here accepts another type's state,
    /// so the answer is a diagnostic users can act on (OpenTofu calls this without checking
    /// the `move_resource_state` capability, and shows a raw gRPC error verbatim).
    pub fn move_resource_state(
        &self,
        source_provider: &str,
        source_type: &str,
        target_type: &str,
    ) -> Diagnostics {
        if let Err(d) = self.type_of(Kind::Resource, target_type) {
            return d;
        }
        Diagnostic::error(
            "Resource state cannot be moved",
            format!(
                "{target_type} cannot take over the state of {source_type} (from {source_provider}): \
                 this provider converts no other resource type's state. Remove the `moved` block, \
                 and bring the existing object under {target_type} with an `import` block or \
                 the `import` command instead."
            ),
        )
        .into()
    }

    pub fn stop(&self) {
        self.provider.stop();
    }
}

impl Encoded {
    fn failed(diagnostics: Diagnostics) -> Self {
        Self {
            state: None,
            private: Vec::new(),
            diagnostics,
        }
    }
}
