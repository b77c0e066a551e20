//! The protocol-neutral server: decodes `DynamicValue`s with the schema's types ([`codec`]),
//! checks type names, applies Terraform's rules to what crosses the wire ([`rules`]), calls the
//! `ProviderRpcs`, and encodes what it returns. Both protocol versions use it.

use std::collections::HashMap;
use std::sync::Arc;

use super::codec::{self, decode, encode, WireValue};
use super::rules;
use crate::framework::{
    ActionEvent, ApplyRequest, Diagnostic, Diagnostics, ImportedResource, ListEvent, ListRequest,
    PlanRequest, PlanResponse, ProviderRpcs, ProviderSchema, ReadDataRequest, ReadRequest, Schema,
    UpgradeRequest,
};
use crate::value::{decode_json, AttributePath, Type, Value};

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

/// One result of a `list` block, encoded: the object's identity, its name for people, and the
/// object itself when the client asked for it; or the error that ended the listing.
pub struct EncodedListEvent {
    pub identity: Option<Vec<u8>>,
    pub display_name: String,
    pub resource_object: Option<Vec<u8>>,
    pub diagnostics: Diagnostics,
}

/// The results of a `list` block, encoded as the client reads them.
pub type ListEvents = std::pin::Pin<Box<dyn tokio_stream::Stream<Item = EncodedListEvent> + Send>>;

/// What an action said, encoded as the client reads it: a progress message, or its completion.
pub type ActionEvents = std::pin::Pin<Box<dyn tokio_stream::Stream<Item = ActionEvent> + Send>>;

/// What the client told us it can do (`ClientCapabilities`; absent means none).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientCapabilities {
    pub write_only_attributes_allowed: bool,
}

pub struct Core<P> {
    provider: Arc<P>,
    provider_type: Type,
    resources: HashMap<String, Types>,
    data_sources: HashMap<String, Type>,
    /// The type of each list resource's `config` block.
    list_resources: HashMap<String, Type>,
    /// The type of each action's `config` block.
    actions: HashMap<String, Type>,
}

/// The types a resource's values decode with: its state, and its identity if it has one.
#[derive(Clone)]
struct Types {
    state: Type,
    identity: Option<Type>,
}

/// A resource type the provider serves: its schema and the types built from it once.
struct ResourceType<'a> {
    schema: &'a Schema,
    types: &'a Types,
}

/// A type name the provider does not serve.
fn unknown_type(what: &str, name: &str) -> Diagnostics {
    Diagnostic::error(
        format!("Unknown {what} {name:?}"),
        format!("This provider does not implement the {what} {name:?}."),
    )
    .into()
}

/// A configuration is always an object: Terraform never sends a null or missing one, so one is
/// refused here rather than passed on as "nothing configured".
fn configuration(decoded: Result<Value, Diagnostics>, what: &str) -> Result<Value, Diagnostics> {
    match decoded {
        Ok(Value::Null) => Err(Diagnostic::error(
            format!("Invalid {what} from Terraform"),
            format!("The {what} is missing or null; Terraform always sends one."),
        )
        .into()),
        other => other,
    }
}

impl<P: ProviderRpcs> Core<P> {
    pub fn new(provider: Arc<P>) -> Self {
        let schema = provider.schema();
        Self {
            provider_type: schema.provider.value_type(),
            resources: schema
                .resources
                .iter()
                .map(|(name, s)| {
                    let types = Types {
                        state: s.value_type(),
                        identity: s.identity.as_ref().map(|i| i.value_type()),
                    };
                    (name.clone(), types)
                })
                .collect(),
            data_sources: schema
                .data_sources
                .iter()
                .map(|(name, s)| (name.clone(), s.value_type()))
                .collect(),
            list_resources: schema
                .list_resources
                .iter()
                .map(|(name, s)| (name.clone(), s.value_type()))
                .collect(),
            actions: schema
                .actions
                .iter()
                .map(|(name, s)| (name.clone(), s.value_type()))
                .collect(),
            provider: provider.clone(),
        }
    }

    pub fn schema(&self) -> &ProviderSchema {
        self.provider.schema()
    }

    /// The one lookup of a resource type: its schema and types, or the error for a name the
    /// provider does not serve.
    fn resource(&self, name: &str) -> Result<ResourceType<'_>, Diagnostics> {
        match (self.schema().resources.get(name), self.resources.get(name)) {
            (Some(schema), Some(types)) => Ok(ResourceType { schema, types }),
            _ => Err(unknown_type("resource type", name)),
        }
    }

    fn data_source(&self, name: &str) -> Result<(&Schema, &Type), Diagnostics> {
        match (
            self.schema().data_sources.get(name),
            self.data_sources.get(name),
        ) {
            (Some(schema), Some(ty)) => Ok((schema, ty)),
            _ => Err(unknown_type("data source", name)),
        }
    }

    /// A provider's answer, encoded with the schema type it was decoded with.
    fn encoded(
        value: &Value,
        ty: &Type,
        private: Vec<u8>,
        mut diagnostics: Diagnostics,
    ) -> Encoded {
        let state = encode(value, ty, &mut diagnostics);
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
        resource: &ResourceType<'_>,
        mut value: Value,
        private: Vec<u8>,
        diagnostics: Diagnostics,
    ) -> Encoded {
        resource.schema.block.without_write_only(&mut value);
        let mut encoded = Self::encoded(&value, &resource.types.state, private, diagnostics);
        encoded.identity = Self::identity_of(resource, &value, &mut encoded.diagnostics);
        encoded
    }

    fn identity_of(
        resource: &ResourceType<'_>,
        state: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Vec<u8>> {
        let identity = resource.schema.identity.as_ref()?;
        let ty = resource.types.identity.as_ref()?;
        encode(&identity.of(state)?, ty, diags)
    }

    fn provider_config(&self, config: Option<WireValue<'_>>) -> Result<Value, Diagnostics> {
        let what = "provider configuration";
        configuration(decode(config, &self.provider_type, what), what)
    }

    pub fn validate_provider_config(&self, config: Option<WireValue<'_>>) -> Diagnostics {
        match self.provider_config(config) {
            Ok(v) => self.provider.validate_provider_config(&v),
            Err(d) => d,
        }
    }

    /// v5's PrepareProviderConfig also wants the configuration echoed back.
    pub fn prepare_provider_config(
        &self,
        config: Option<WireValue<'_>>,
    ) -> (Option<Vec<u8>>, Diagnostics) {
        match self.provider_config(config) {
            Ok(v) => {
                let mut diags = self.provider.validate_provider_config(&v);
                let echoed = encode(&v, &self.provider_type, &mut diags);
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
        let checked = self.resource(type_name).and_then(|r| {
            let v = configuration(decode(config, &r.types.state, what), what)?;
            Ok((r, v))
        });
        match checked {
            Ok((r, v)) => {
                let mut d = r.schema.block.missing_required(&v);
                if !client.write_only_attributes_allowed {
                    d.extend(rules::write_only_unsupported(&r.schema.block, &v));
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
        let checked = self
            .data_source(type_name)
            .and_then(|(schema, ty)| Ok((schema, configuration(decode(config, ty, what), what)?)));
        match checked {
            Ok((schema, v)) => {
                let mut d = schema.block.missing_required(&v);
                d.extend(self.provider.validate_data_source_config(type_name, &v));
                d
            }
            Err(d) => d,
        }
    }

    pub fn configure(&self, config: Option<WireValue<'_>>, terraform_version: &str) -> Diagnostics {
        match self.provider_config(config) {
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
        let checked = self.resource(type_name).and_then(|r| {
            rules::known_version("state", type_name, version, r.schema.version)?;
            Ok(r)
        });
        let resource = match checked {
            Ok(r) => r,
            Err(d) => return (None, d),
        };
        let (mut value, mut diags) = self.provider.upgrade_resource_state(UpgradeRequest {
            type_name: type_name.to_string(),
            version,
            raw_json: raw_json.filter(|j| !j.is_empty()).map(<[u8]>::to_vec),
        });
        if diags.has_errors() {
            return (None, diags);
        }
        resource.schema.block.without_write_only(&mut value);
        let bytes = encode(&value, &resource.types.state, &mut diags);
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
        let upgraded = self.resource(type_name).and_then(|r| {
            let (Some(identity), Some(ty)) = (&r.schema.identity, &r.types.identity) else {
                return Err(Diagnostic::error(
                    "No identity",
                    format!("The resource type {type_name:?} has no identity schema."),
                )
                .into());
            };
            rules::known_version("identity", type_name, version, identity.version)?;
            let value = decode_json(raw_json, ty).map_err(|e| {
                Diagnostics::from(Diagnostic::error("Invalid stored identity", e.to_string()))
            })?;
            let value = rules::stored_identity(value)?;
            let mut diags = Diagnostics::new();
            Ok((encode(&value, ty, &mut diags), diags))
        });
        upgraded.unwrap_or_else(|d| (None, d))
    }

    pub async fn read_resource(
        &self,
        type_name: &str,
        current: Option<WireValue<'_>>,
        private: &[u8],
    ) -> Encoded {
        let decoded = self.resource(type_name).and_then(|r| {
            let current = decode(current, &r.types.state, "resource state")?;
            Ok((r, current))
        });
        let (resource, current_state) = match decoded {
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
        Self::encoded_resource(&resource, resp.new_state, resp.private, resp.diagnostics)
    }

    /// `type_name`'s schema and types, with a prior, a new and a configuration value decoded.
    fn decode_change(
        &self,
        type_name: &str,
        [prior, new, config]: [Option<WireValue<'_>>; 3],
        new_what: &str,
    ) -> Result<(ResourceType<'_>, [Value; 3]), Diagnostics> {
        let r = self.resource(type_name)?;
        let ty = &r.types.state;
        let values = [
            decode(prior, ty, "prior state")?,
            decode(new, ty, new_what)?,
            decode(config, ty, "resource configuration")?,
        ];
        Ok((r, values))
    }

    pub async fn plan_resource_change(
        &self,
        type_name: &str,
        prior: Option<WireValue<'_>>,
        proposed: Option<WireValue<'_>>,
        config: Option<WireValue<'_>>,
        prior_private: &[u8],
    ) -> (Encoded, Vec<AttributePath>) {
        let decoded =
            self.decode_change(type_name, [prior, proposed, config], "proposed new state");
        let (resource, [prior_state, proposed_new_state, config]) = match decoded {
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
            Self::encoded_resource(&resource, planned_state, planned_private, diagnostics),
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
        let decoded = self.decode_change(type_name, [prior, planned, config], "planned state");
        let (resource, [prior_state, planned_state, config]) = match decoded {
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
        Self::encoded_resource(&resource, resp.new_state, resp.private, resp.diagnostics)
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
            let resource = match self.resource(&type_name) {
                Ok(r) => r,
                Err(d) => {
                    diags.extend(d);
                    continue;
                }
            };
            resource.schema.block.without_write_only(&mut state);
            if let (Some((given, _)), Some(identity)) = (&given, &resource.schema.identity) {
                diags.extend(rules::identity_mismatch(identity, given, &state));
            }
            let identity = Self::identity_of(&resource, &state, &mut diags);
            if let Some(bytes) = encode(&state, &resource.types.state, &mut diags) {
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

    /// The identity an `import` block gave, decoded, with the id its import attribute holds;
    /// `None` for an import by id. Fails for a type the provider does not serve.
    fn given_identity(
        &self,
        type_name: &str,
        identity: Option<WireValue<'_>>,
    ) -> Result<Option<(Value, String)>, Diagnostics> {
        let resource = self.resource(type_name)?;
        let given = identity.filter(|w| !w.msgpack.is_empty() || !w.json.is_empty());
        let Some(wire) = given else {
            return Ok(None);
        };
        let (Some(schema), Some(ty)) = (&resource.schema.identity, &resource.types.identity) else {
            return Err(Diagnostic::error(
                "Import by identity not supported",
                format!("{type_name} has no identity; import it by id."),
            )
            .into());
        };
        let Some(value) = codec::decode_present(Some(wire), ty, "identity")? else {
            return Ok(None);
        };
        let id = rules::import_id(schema, &value)?;
        Ok(Some((value, id)))
    }

    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Encoded {
        let decoded = self
            .data_source(type_name)
            .and_then(|(_, ty)| Ok((ty, decode(config, ty, "data source configuration")?)));
        let (ty, config) = match decoded {
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
        Self::encoded(&resp.new_state, ty, Vec::new(), resp.diagnostics)
    }

    /// An action's configuration. Terraform sends a null object for an action without a
    /// `config` block; it stands for a block whose arguments are all null, so a required one
    /// is reported missing rather than the whole block.
    fn action_config(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Result<Value, Diagnostics> {
        let what = "action configuration";
        let ty = self
            .actions
            .get(type_name)
            .ok_or_else(|| unknown_type("action", type_name))?;
        let block = &self.schema().actions[type_name].block;
        let config = match decode(config, ty, what)? {
            Value::Null => block.empty_value(),
            v => v,
        };
        let missing = block.missing_required(&config);
        if missing.has_errors() {
            return Err(missing);
        }
        Ok(config)
    }

    pub fn validate_action_config(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Diagnostics {
        match self.action_config(type_name, config) {
            Ok(v) => self.provider.validate_action_config(type_name, &v),
            Err(d) => d,
        }
    }

    pub fn plan_action(&self, type_name: &str, config: Option<WireValue<'_>>) -> Diagnostics {
        match self.action_config(type_name, config) {
            Ok(v) => self.provider.plan_action(type_name, &v),
            Err(d) => d,
        }
    }

    /// What the action says while it runs, as the client reads it: the action runs in its own
    /// task, and its events pass through Terraform's rules for the stream
    /// ([`rules::invoke_events`]).
    pub fn invoke_action(&self, type_name: &str, config: Option<WireValue<'_>>) -> ActionEvents {
        let config = self.action_config(type_name, config).and_then(|config| {
            if config.is_wholly_known() {
                Ok(config)
            } else {
                Err(Diagnostic::error(
                    "Action configuration unknown",
                    "An action is invoked with every value of its configuration known; this one is not, which is a bug in Terraform.",
                )
                .into())
            }
        });
        let config = match config {
            Ok(c) => c,
            Err(d) => return Box::pin(tokio_stream::once(ActionEvent::Completed(d))),
        };
        let (events, said) = tokio::sync::mpsc::channel(8);
        let provider = self.provider.clone();
        let type_name = type_name.to_string();
        tokio::spawn(async move { provider.invoke_action(&type_name, &config, events).await });
        rules::invoke_events(tokio_stream::wrappers::ReceiverStream::new(said))
    }

    /// A list block's `config`, decoded with its list resource's type.
    fn list_config(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Result<Value, Diagnostics> {
        let what = "list configuration";
        let ty = self
            .list_resources
            .get(type_name)
            .ok_or_else(|| unknown_type("list resource", type_name))?;
        configuration(decode(config, ty, what), what)
    }

    pub fn validate_list_resource_config(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
    ) -> Diagnostics {
        match self.list_config(type_name, config) {
            Ok(v) => {
                let mut d = self.schema().list_resources[type_name]
                    .block
                    .missing_required(&v);
                d.extend(self.provider.validate_list_resource_config(type_name, &v));
                rules::list_config_diagnostics(d)
            }
            Err(d) => d,
        }
    }

    /// What a `list` block finds, as a stream the client reads at its own pace: the listing
    /// runs in its own task and stops when the client has `limit` results or stops reading
    /// (dropping the stream closes the channel the listing writes to).
    /// Each object's identity comes from its state through the resource's identity schema.
    pub fn list_resource(
        &self,
        type_name: &str,
        config: Option<WireValue<'_>>,
        include_resource: bool,
        limit: i64,
    ) -> ListEvents {
        let prepared = self.list_config(type_name, config).and_then(|config| {
            let resource = self.resource(type_name)?;
            let identity = resource.schema.identity.clone().ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "No identity",
                    format!("The resource type {type_name:?} has no identity schema to list by."),
                ))
            })?;
            Ok((
                config,
                resource.schema.clone(),
                resource.types.clone(),
                identity,
            ))
        });
        let (config, schema, types, identity) = match prepared {
            Ok(p) => p,
            Err(diagnostics) => {
                return Box::pin(tokio_stream::once(EncodedListEvent::failed(diagnostics)))
            }
        };
        let request = ListRequest {
            type_name: type_name.to_string(),
            config,
            include_resource,
            limit: u64::try_from(limit).unwrap_or(0),
        };
        // Room for one result: the listing goes no further ahead than the client reads.
        let (events, received) = tokio::sync::mpsc::channel(1);
        let provider = self.provider.clone();
        tokio::spawn(async move { provider.list_resource(request, events).await });
        let encode = move |event| {
            let resource = ResourceType {
                schema: &schema,
                types: &types,
            };
            Self::encoded_list_event(&resource, &identity, event, include_resource)
        };
        Box::pin(tokio_stream::StreamExt::map(
            tokio_stream::wrappers::ReceiverStream::new(received),
            encode,
        ))
    }

    fn encoded_list_event(
        resource: &ResourceType<'_>,
        identity: &crate::framework::IdentitySchema,
        event: ListEvent,
        include_resource: bool,
    ) -> EncodedListEvent {
        let ListEvent {
            mut state,
            display_name,
            mut diagnostics,
        } = event;
        if state.is_null() {
            return EncodedListEvent::failed(diagnostics);
        }
        resource.schema.block.without_write_only(&mut state);
        let ids = identity
            .of(&state)
            .and_then(|id| encode(&id, resource.types.identity.as_ref()?, &mut diagnostics));
        if ids.is_none() {
            diagnostics.error(
                "Listed object without an identity",
                format!("The object {display_name:?} was listed without a wholly known identity; this is a bug in the provider."),
            );
        }
        let resource_object = include_resource
            .then(|| encode(&state, &resource.types.state, &mut diagnostics))
            .flatten();
        EncodedListEvent {
            identity: ids,
            display_name,
            resource_object,
            diagnostics,
        }
    }

    /// The configuration Terraform writes for an object with this state.
    pub fn generate_resource_config(
        &self,
        type_name: &str,
        state: Option<WireValue<'_>>,
    ) -> (Option<Vec<u8>>, Diagnostics) {
        let generated = self.resource(type_name).and_then(|r| {
            let state = decode(state, &r.types.state, "state")?;
            let (mut config, mut diags) = self.provider.generate_resource_config(type_name, &state);
            if diags.has_errors() {
                return Err(diags);
            }
            r.schema.block.without_write_only(&mut config);
            Ok((encode(&config, &r.types.state, &mut diags), diags))
        });
        generated.unwrap_or_else(|d| (None, d))
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
        if let Err(d) = self.resource(target_type) {
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

impl EncodedListEvent {
    fn failed(diagnostics: Diagnostics) -> Self {
        Self {
            identity: None,
            display_name: String::new(),
            resource_object: None,
            diagnostics,
        }
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
