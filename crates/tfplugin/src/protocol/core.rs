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
    /// The object's identity (resources with an identity schema), when wholly known.
    pub identity: Option<Vec<u8>>,
}

/// One object an import found, encoded.
pub struct EncodedImport {
    pub type_name: String,
    pub state: Vec<u8>,
    pub private: Vec<u8>,
    pub identity: Option<Vec<u8>>,
}

/// What the client told us it can do (`ClientCapabilities`; absent means none).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCapabilities {
    pub write_only_attributes_allowed: bool,
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
            identity: None,
        }
    }

    /// A resource's answer: write-only attributes nulled (clients refuse anything else), then
    /// encoded, with the identity the state implies.
    fn encoded_resource(
        &self,
        type_name: &str,
        mut value: Value,
        ty: &Type,
        private: Vec<u8>,
        diagnostics: Diagnostics,
    ) -> Encoded {
        let schema = self.schema().resources.get(type_name);
        if let Some(schema) = schema {
            schema.block.without_write_only(&mut value);
        }
        let mut encoded = self.encoded(&value, ty, private, diagnostics);
        encoded.identity = self.identity_of(type_name, &value, &mut encoded.diagnostics);
        encoded
    }

    fn identity_of(
        &self,
        type_name: &str,
        state: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Vec<u8>> {
        let identity = self.schema().resources.get(type_name)?.identity.as_ref()?;
        let value = identity.of(state)?;
        self.encode(&value, &identity.value_type(), diags)
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
        client: ClientCapabilities,
    ) -> Diagnostics {
        let what = "resource configuration";
        let decoded = self.decode_typed(Kind::Resource, type_name, config, what);
        match Self::configuration(decoded.map(|(_, v)| v), what) {
            Ok(v) => {
                let mut d = Diagnostics::new();
                if let Some(schema) = self.schema().resources.get(type_name) {
                    d.extend(schema.block.missing_required(&v));
                    if !client.write_only_attributes_allowed {
                        d.extend(write_only_unsupported(&schema.block, &v));
                    }
                }
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
        let ours = self
            .schema()
            .resources
            .get(type_name)
            .map_or(0, |s| s.version);
        if version > ours {
            return (None, newer_than_ours("state", type_name, version, ours));
        }
        let (mut value, mut diags) = self.provider.upgrade_resource_state(UpgradeRequest {
            type_name: type_name.to_string(),
            version,
            raw_json: raw_json.filter(|j| !j.is_empty()).map(<[u8]>::to_vec),
        });
        if diags.has_errors() {
            return (None, diags);
        }
        if let Some(schema) = self.schema().resources.get(type_name) {
            schema.block.without_write_only(&mut value);
        }
        let bytes = self.encode(&value, ty, &mut diags);
        (bytes, diags)
    }

    /// A stored identity in the current schema version decodes as it is; one from a newer
    /// provider is refused. (No identity schema has changed yet, so there is nothing to convert.)
    pub fn upgrade_resource_identity(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> (Option<Vec<u8>>, Diagnostics) {
        let Some(identity) = self
            .schema()
            .resources
            .get(type_name)
            .and_then(|s| s.identity.as_ref())
        else {
            return (
                None,
                Diagnostic::error(
                    "No identity",
                    format!("The resource type {type_name:?} has no identity schema."),
                )
                .into(),
            );
        };
        if version > identity.version {
            return (
                None,
                newer_than_ours("identity", type_name, version, identity.version),
            );
        }
        let ty = identity.value_type();
        match decode_json(raw_json, &ty) {
            Ok(value) if value.is_wholly_known() && !value.is_null() => {
                let mut diags = Diagnostics::new();
                let bytes = self.encode(&value, &ty, &mut diags);
                (bytes, diags)
            }
            Ok(_) => (
                None,
                Diagnostic::error("Invalid stored identity", "The stored identity is null.").into(),
            ),
            Err(e) => (
                None,
                Diagnostic::error("Invalid stored identity", e.to_string()).into(),
            ),
        }
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
        self.encoded_resource(
            type_name,
            resp.new_state,
            ty,
            resp.private,
            resp.diagnostics,
        )
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
            self.encoded_resource(type_name, planned_state, ty, planned_private, diagnostics),
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
        self.encoded_resource(
            type_name,
            resp.new_state,
            ty,
            resp.private,
            resp.diagnostics,
        )
    }

    /// Imported objects, each encoded with its own type's schema. An import by identity
    /// (`identity` set, `id` empty) looks the object up by the identity's import attribute, and
    /// the object found must agree with every other attribute the identity gives.
    pub async fn import_resource_state(
        &self,
        type_name: &str,
        id: &str,
        identity: Option<WireValue<'_>>,
    ) -> (Vec<EncodedImport>, Diagnostics) {
        if let Err(d) = self.type_of(Kind::Resource, type_name) {
            return (Vec::new(), d);
        }
        let given = match self.given_identity(type_name, identity) {
            Ok(given) => given,
            Err(d) => return (Vec::new(), d),
        };
        let id = match (&given, id) {
            (Some((_, import_id)), "") => import_id.clone(),
            _ => id.to_string(),
        };
        let resp = self.provider.import_resource_state(type_name, &id).await;
        let mut diags = resp.diagnostics;
        let mut out = Vec::new();
        for ImportedResource {
            type_name,
            mut state,
            private,
        } in resp.imported
        {
            let Some(schema) = self.schema().resources.get(&type_name) else {
                diags.extend(
                    self.type_of(Kind::Resource, &type_name)
                        .err()
                        .unwrap_or_default(),
                );
                continue;
            };
            schema.block.without_write_only(&mut state);
            if let (Some((given, _)), Some(identity)) = (&given, &schema.identity) {
                diags.extend(identity_mismatch(identity, given, &state));
            }
            let ty = schema.value_type();
            let identity = self.identity_of(&type_name, &state, &mut diags);
            if let Some(bytes) = self.encode(&state, &ty, &mut diags) {
                out.push(EncodedImport {
                    type_name,
                    state: bytes,
                    private,
                    identity,
                });
            }
        }
        if diags.has_errors() {
            out.clear();
        }
        (out, diags)
    }

    /// The identity an `import` block gave, decoded, with the id its import attribute holds.
    fn given_identity(
        &self,
        type_name: &str,
        identity: Option<WireValue<'_>>,
    ) -> Result<Option<(Value, String)>, Diagnostics> {
        let Some(wire) = identity.filter(|w| !w.msgpack.is_empty() || !w.json.is_empty()) else {
            return Ok(None);
        };
        let schema = self
            .schema()
            .resources
            .get(type_name)
            .and_then(|s| s.identity.as_ref())
            .ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "Import by identity not supported",
                    format!("{type_name} has no identity; import it by id."),
                ))
            })?;
        let value = self.decode(Some(wire), &schema.value_type(), "identity")?;
        let attribute = schema
            .import_attribute()
            .map(|a| a.name.as_str())
            .unwrap_or("id");
        match value.attr(attribute).as_str() {
            Some(id) if !id.is_empty() => Ok(Some((value.clone(), id.to_string()))),
            _ => Err(Diagnostic::error(
                "Incomplete identity",
                format!("An import by identity needs `{attribute}`."),
            )
            .into()),
        }
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
            identity: None,
        }
    }
}

/// A client that cannot keep write-only values out of state must not be given one: it would
/// store it. The error is at the argument's line and names the alternative (`x` for `x_wo`).
fn write_only_unsupported(block: &crate::framework::Block, config: &Value) -> Diagnostics {
    block
        .write_only_set(config)
        .map(|a| {
            let alternative = a
                .name
                .strip_suffix("_wo")
                .filter(|plain| block.find_attribute(plain).is_some())
                .map(|plain| format!(" Use `{plain}` instead, which works with every client (and is kept in state)."))
                .unwrap_or_default();
            Diagnostic::error(
                "Write-only argument not supported by this client",
                format!(
                    "`{}` is write-only: it is never stored in state. Terraform 1.11 and later and OpenTofu 1.11 and later support write-only arguments; this client does not, and would store the value.{alternative}",
                    a.name
                ),
            )
            .at(AttributePath::attr(&a.name))
        })
        .collect()
}

/// A stored state or identity written by a newer version of this provider.
fn newer_than_ours(what: &str, type_name: &str, version: i64, ours: i64) -> Diagnostics {
    Diagnostic::error(
        format!("{type_name} {what} is from a newer provider"),
        format!(
            "The stored {what} has schema version {version}; this provider knows versions up to {ours}. It was written by a newer release of the provider: upgrade the provider to use it."
        ),
    )
    .into()
}

/// Attributes an import-by-identity gave that the object found does not have.
fn identity_mismatch(
    schema: &crate::framework::IdentitySchema,
    given: &Value,
    state: &Value,
) -> Diagnostics {
    schema
        .attributes
        .iter()
        .filter(|a| {
            let wanted = given.attr(&a.name);
            !wanted.is_null() && wanted != state.attr(&a.name)
        })
        .map(|a| {
            Diagnostic::error(
                "Imported object does not match the identity",
                format!(
                    "The identity gives {} = {:?}, but the object found has {:?}.",
                    a.name,
                    given.attr(&a.name).as_str().unwrap_or("?"),
                    state.attr(&a.name).as_str().unwrap_or("null")
                ),
            )
        })
        .collect()
}
