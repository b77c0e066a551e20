//! Conversions between domain types and the prost messages that tfplugin5 and tfplugin6 share
//! by name and shape. One macro body serves both packages, so the two can never drift apart.

macro_rules! shared_conversions {
    ($pkg:ident) => {
        use crate::framework::{
            Block, Diagnostic, Diagnostics, Nesting, ProviderSchema, Schema, ServerCapabilities,
            Severity,
        };
        use crate::proto::$pkg as pb;
        use crate::protocol::{ClientCapabilities, EncodedImport, EncodedListEvent, WireValue};
        use crate::value::{AttributePath, PathStep};

        /// `DynamicValue` as the core reads it.
        pub(crate) fn wire(v: &Option<pb::DynamicValue>) -> Option<WireValue<'_>> {
            v.as_ref().map(|d| WireValue {
                msgpack: &d.msgpack,
                json: &d.json,
            })
        }

        /// We always answer in msgpack: JSON cannot carry unknowns.
        pub(crate) fn dynamic(bytes: Option<Vec<u8>>) -> Option<pb::DynamicValue> {
            bytes.map(|msgpack| pb::DynamicValue {
                msgpack,
                json: Vec::new(),
            })
        }

        pub(crate) fn path(p: &AttributePath) -> pb::AttributePath {
            use pb::attribute_path::step::Selector;
            pb::AttributePath {
                steps: p
                    .steps
                    .iter()
                    .map(|s| pb::attribute_path::Step {
                        selector: Some(match s {
                            PathStep::Attribute(n) => Selector::AttributeName(n.clone()),
                            PathStep::ElementKeyString(k) => Selector::ElementKeyString(k.clone()),
                            PathStep::ElementKeyInt(i) => Selector::ElementKeyInt(*i),
                        }),
                    })
                    .collect(),
            }
        }

        pub(crate) fn diagnostic(d: &Diagnostic) -> pb::Diagnostic {
            pb::Diagnostic {
                severity: match d.severity {
                    Severity::Error => pb::diagnostic::Severity::Error,
                    Severity::Warning => pb::diagnostic::Severity::Warning,
                } as i32,
                summary: d.summary.clone(),
                detail: d.detail.clone(),
                attribute: d.attribute.as_ref().filter(|p| !p.is_root()).map(path),
            }
        }

        pub(crate) fn diagnostics(d: &Diagnostics) -> Vec<pb::Diagnostic> {
            d.iter().map(diagnostic).collect()
        }

        fn block(b: &Block) -> pb::schema::Block {
            pb::schema::Block {
                version: 0,
                description: b.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: b.deprecated,
                attributes: b
                    .attributes
                    .iter()
                    .map(|a| pb::schema::Attribute {
                        name: a.name.clone(),
                        r#type: a.ty.to_json_bytes(),
                        description: a.description.clone(),
                        description_kind: pb::StringKind::Markdown as i32,
                        required: a.required,
                        optional: a.optional,
                        computed: a.computed,
                        sensitive: a.sensitive,
                        deprecated: a.deprecated,
                        write_only: a.write_only,
                        ..Default::default()
                    })
                    .collect(),
                block_types: b
                    .blocks
                    .iter()
                    .map(|n| pb::schema::NestedBlock {
                        type_name: n.type_name.clone(),
                        block: Some(block(&n.block)),
                        nesting: match n.nesting {
                            Nesting::Single => pb::schema::nested_block::NestingMode::Single,
                            Nesting::List => pb::schema::nested_block::NestingMode::List,
                            Nesting::Set => pb::schema::nested_block::NestingMode::Set,
                            Nesting::Map => pb::schema::nested_block::NestingMode::Map,
                            Nesting::Group => pb::schema::nested_block::NestingMode::Group,
                        } as i32,
                        min_items: n.min_items,
                        max_items: n.max_items,
                    })
                    .collect(),
                ..Default::default()
            }
        }

        pub(crate) fn schema(s: &Schema) -> pb::Schema {
            pb::Schema {
                version: s.version,
                block: Some(block(&s.block)),
            }
        }

        pub(crate) fn schemas(
            m: &std::collections::BTreeMap<String, Schema>,
        ) -> std::collections::HashMap<String, pb::Schema> {
            m.iter().map(|(k, s)| (k.clone(), schema(s))).collect()
        }

        pub(crate) fn capabilities(c: &ServerCapabilities) -> pb::ServerCapabilities {
            pb::ServerCapabilities {
                plan_destroy: c.plan_destroy,
                get_provider_schema_optional: c.get_provider_schema_optional,
                generate_resource_config: c.generate_resource_config,
                ..Default::default()
            }
        }

        /// Absent capabilities mean the client has none of them.
        pub(crate) fn client_capabilities(
            c: &Option<pb::ClientCapabilities>,
        ) -> ClientCapabilities {
            ClientCapabilities {
                write_only_attributes_allowed: c
                    .as_ref()
                    .is_some_and(|c| c.write_only_attributes_allowed),
            }
        }

        pub(crate) fn identity_data(bytes: Option<Vec<u8>>) -> Option<pb::ResourceIdentityData> {
            bytes.map(|b| pb::ResourceIdentityData {
                identity_data: dynamic(Some(b)),
            })
        }

        /// `ResourceIdentityData` as the core reads it.
        pub(crate) fn identity_wire(v: &Option<pb::ResourceIdentityData>) -> Option<WireValue<'_>> {
            v.as_ref().and_then(|i| wire(&i.identity_data))
        }

        pub(crate) fn identity_schemas(
            s: &ProviderSchema,
        ) -> std::collections::HashMap<String, pb::ResourceIdentitySchema> {
            s.resources
                .iter()
                .filter_map(|(name, schema)| {
                    let identity = schema.identity.as_ref()?;
                    Some((
                        name.clone(),
                        pb::ResourceIdentitySchema {
                            version: identity.version,
                            identity_attributes: identity
                                .attributes
                                .iter()
                                .map(|a| pb::resource_identity_schema::IdentityAttribute {
                                    name: a.name.clone(),
                                    r#type: a.ty.to_json_bytes(),
                                    required_for_import: a.required_for_import,
                                    optional_for_import: a.optional_for_import,
                                    description: a.description.clone(),
                                })
                                .collect(),
                        },
                    ))
                })
                .collect()
        }

        pub(crate) fn imported(i: EncodedImport) -> pb::import_resource_state::ImportedResource {
            pb::import_resource_state::ImportedResource {
                type_name: i.type_name,
                state: dynamic(Some(i.state)),
                private: i.private,
                identity: identity_data(i.identity),
            }
        }

        /// The stream of a `list` block's results, as the client reads them.
        pub(crate) fn list_events(
            events: crate::protocol::ListEvents,
        ) -> tonic::codegen::BoxStream<pb::list_resource::Event> {
            use tokio_stream::StreamExt;
            Box::pin(events.map(|e: EncodedListEvent| {
                Ok(pb::list_resource::Event {
                    identity: identity_data(e.identity),
                    display_name: e.display_name,
                    resource_object: dynamic(e.resource_object),
                    diagnostic: diagnostics(&e.diagnostics),
                })
            }))
        }

        /// Each action's schema. Terraform reads the block without checking it is there, so
        /// there always is one.
        pub(crate) fn action_schemas(
            m: &std::collections::BTreeMap<String, Schema>,
        ) -> std::collections::HashMap<String, pb::ActionSchema> {
            m.iter()
                .map(|(k, s)| {
                    (
                        k.clone(),
                        pb::ActionSchema {
                            schema: Some(schema(s)),
                        },
                    )
                })
                .collect()
        }

        /// What an action says, as the client reads it; each event holds a progress message or
        /// the completion (`rules::invoke_events` made sure of both).
        pub(crate) fn action_events(
            events: crate::protocol::ActionEvents,
        ) -> tonic::codegen::BoxStream<pb::invoke_action::Event> {
            use crate::framework::ActionEvent;
            use pb::invoke_action::event;
            use tokio_stream::StreamExt;
            Box::pin(events.map(|e| {
                Ok(pb::invoke_action::Event {
                    r#type: Some(match e {
                        ActionEvent::Progress(message) => {
                            event::Type::Progress(event::Progress { message })
                        }
                        ActionEvent::Completed(d) => event::Type::Completed(event::Completed {
                            diagnostics: diagnostics(&d),
                        }),
                    }),
                })
            }))
        }

        /// A status for RPCs we declare but do not implement.
        pub(crate) fn unsupported(what: &str) -> tonic::Status {
            tonic::Status::unimplemented(format!("{what} is not supported by this provider"))
        }
    };
}

pub(crate) use shared_conversions;
