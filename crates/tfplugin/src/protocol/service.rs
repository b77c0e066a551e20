//! The one table of the RPCs we serve: each moves fields between its prost messages and a
//! [`Core`](super::Core) call. tfplugin5 and tfplugin6 share every message that matters by
//! name and shape, and differ only in a few RPC names, so one macro body serves both
//! (`v5.rs` and `v6.rs` give it their names and the RPCs only they have); a new kind of RPC is
//! written here once.

macro_rules! provider_service {
    (
        adapter: $adapter:ident,
        get_schema: $get_schema:ident,
        validate_resource_config: $validate_resource:ident,
        validate_data_source_config: $validate_data_source:ident,
        configure: $configure:ident,
        stop: $stop:ident,
        own: { $($own:tt)* }
    ) => {
        pub struct $adapter<P>(Core<P>);

        pub fn server<P: ProviderRpcs>(provider: Arc<P>) -> ProviderServer<$adapter<P>> {
            ProviderServer::new($adapter(Core::new(provider)))
                .max_decoding_message_size(MAX_MESSAGE_SIZE)
                .max_encoding_message_size(MAX_MESSAGE_SIZE)
        }

        type Rsp<T> = Result<Response<T>, Status>;

        fn names<T>(m: &std::collections::BTreeMap<String, T>) -> impl Iterator<Item = String> + '_ {
            m.keys().cloned()
        }

        #[tonic::async_trait]
        impl<P: ProviderRpcs> Rpc for $adapter<P> {
            async fn get_metadata(
                &self,
                _: Request<pb::get_metadata::Request>,
            ) -> Rsp<pb::get_metadata::Response> {
                use pb::get_metadata as m;
                let s = self.0.schema();
                Ok(Response::new(m::Response {
                    server_capabilities: Some(capabilities(&s.capabilities)),
                    resources: names(&s.resources)
                        .map(|type_name| m::ResourceMetadata { type_name })
                        .collect(),
                    data_sources: names(&s.data_sources)
                        .map(|type_name| m::DataSourceMetadata { type_name })
                        .collect(),
                    list_resources: names(&s.list_resources)
                        .map(|type_name| m::ListResourceMetadata { type_name })
                        .collect(),
                    actions: names(&s.actions)
                        .map(|type_name| m::ActionMetadata { type_name })
                        .collect(),
                    ..Default::default()
                }))
            }

            async fn $get_schema(
                &self,
                _: Request<pb::get_provider_schema::Request>,
            ) -> Rsp<pb::get_provider_schema::Response> {
                let s = self.0.schema();
                Ok(Response::new(pb::get_provider_schema::Response {
                    provider: Some(schema(&s.provider)),
                    resource_schemas: schemas(&s.resources),
                    data_source_schemas: schemas(&s.data_sources),
                    list_resource_schemas: schemas(&s.list_resources),
                    action_schemas: action_schemas(&s.actions),
                    server_capabilities: Some(capabilities(&s.capabilities)),
                    ..Default::default()
                }))
            }

            async fn get_resource_identity_schemas(
                &self,
                _: Request<pb::get_resource_identity_schemas::Request>,
            ) -> Rsp<pb::get_resource_identity_schemas::Response> {
                Ok(Response::new(pb::get_resource_identity_schemas::Response {
                    identity_schemas: identity_schemas(self.0.schema()),
                    diagnostics: Vec::new(),
                }))
            }

            async fn $validate_resource(
                &self,
                r: Request<pb::$validate_resource::Request>,
            ) -> Rsp<pb::$validate_resource::Response> {
                let r = r.get_ref();
                let d = self.0.validate_resource_config(
                    &r.type_name,
                    wire(&r.config),
                    client_capabilities(&r.client_capabilities),
                );
                Ok(Response::new(pb::$validate_resource::Response {
                    diagnostics: diagnostics(&d),
                }))
            }

            async fn $validate_data_source(
                &self,
                r: Request<pb::$validate_data_source::Request>,
            ) -> Rsp<pb::$validate_data_source::Response> {
                let r = r.get_ref();
                let d = self
                    .0
                    .validate_data_source_config(&r.type_name, wire(&r.config));
                Ok(Response::new(pb::$validate_data_source::Response {
                    diagnostics: diagnostics(&d),
                }))
            }

            async fn upgrade_resource_state(
                &self,
                r: Request<pb::upgrade_resource_state::Request>,
            ) -> Rsp<pb::upgrade_resource_state::Response> {
                let r = r.get_ref();
                let raw = r.raw_state.as_ref().map(|s| s.json.as_slice());
                let (state, d) = self.0.upgrade_resource_state(&r.type_name, r.version, raw);
                Ok(Response::new(pb::upgrade_resource_state::Response {
                    upgraded_state: dynamic(state),
                    diagnostics: diagnostics(&d),
                }))
            }

            async fn upgrade_resource_identity(
                &self,
                r: Request<pb::upgrade_resource_identity::Request>,
            ) -> Rsp<pb::upgrade_resource_identity::Response> {
                let r = r.get_ref();
                let raw = r
                    .raw_identity
                    .as_ref()
                    .map_or(&[][..], |s| s.json.as_slice());
                let (identity, d) = self
                    .0
                    .upgrade_resource_identity(&r.type_name, r.version, raw);
                Ok(Response::new(pb::upgrade_resource_identity::Response {
                    upgraded_identity: identity_data(identity),
                    diagnostics: diagnostics(&d),
                }))
            }

            async fn $configure(
                &self,
                r: Request<pb::$configure::Request>,
            ) -> Rsp<pb::$configure::Response> {
                let r = r.get_ref();
                let d = self.0.configure(wire(&r.config), &r.terraform_version);
                Ok(Response::new(pb::$configure::Response {
                    diagnostics: diagnostics(&d),
                }))
            }

            async fn read_resource(
                &self,
                r: Request<pb::read_resource::Request>,
            ) -> Rsp<pb::read_resource::Response> {
                let r = r.get_ref();
                let e = self
                    .0
                    .read_resource(&r.type_name, wire(&r.current_state), &r.private)
                    .await;
                Ok(Response::new(pb::read_resource::Response {
                    new_state: dynamic(e.state),
                    private: e.private,
                    diagnostics: diagnostics(&e.diagnostics),
                    new_identity: identity_data(e.identity),
                    ..Default::default()
                }))
            }

            async fn plan_resource_change(
                &self,
                r: Request<pb::plan_resource_change::Request>,
            ) -> Rsp<pb::plan_resource_change::Response> {
                let r = r.get_ref();
                let (e, replace) = self
                    .0
                    .plan_resource_change(
                        &r.type_name,
                        wire(&r.prior_state),
                        wire(&r.proposed_new_state),
                        wire(&r.config),
                        &r.prior_private,
                    )
                    .await;
                Ok(Response::new(pb::plan_resource_change::Response {
                    planned_state: dynamic(e.state),
                    requires_replace: replace.iter().map(path).collect(),
                    planned_private: e.private,
                    diagnostics: diagnostics(&e.diagnostics),
                    planned_identity: identity_data(e.identity),
                    ..Default::default()
                }))
            }

            async fn apply_resource_change(
                &self,
                r: Request<pb::apply_resource_change::Request>,
            ) -> Rsp<pb::apply_resource_change::Response> {
                let r = r.get_ref();
                let e = self
                    .0
                    .apply_resource_change(
                        &r.type_name,
                        wire(&r.prior_state),
                        wire(&r.planned_state),
                        wire(&r.config),
                        &r.planned_private,
                    )
                    .await;
                Ok(Response::new(pb::apply_resource_change::Response {
                    new_state: dynamic(e.state),
                    private: e.private,
                    diagnostics: diagnostics(&e.diagnostics),
                    new_identity: identity_data(e.identity),
                    ..Default::default()
                }))
            }

            async fn import_resource_state(
                &self,
                r: Request<pb::import_resource_state::Request>,
            ) -> Rsp<pb::import_resource_state::Response> {
                let r = r.get_ref();
                let (found, d) = self
                    .0
                    .import_resource_state(&r.type_name, &r.id, identity_wire(&r.identity))
                    .await;
                Ok(Response::new(pb::import_resource_state::Response {
                    imported_resources: found.into_iter().map(imported).collect(),
                    diagnostics: diagnostics(&d),
                    ..Default::default()
                }))
            }

            async fn move_resource_state(
                &self,
                r: Request<pb::move_resource_state::Request>,
            ) -> Rsp<pb::move_resource_state::Response> {
                let r = r.get_ref();
                let d = self.0.move_resource_state(
                    &r.source_provider_address,
                    &r.source_type_name,
                    &r.target_type_name,
                );
                Ok(Response::new(pb::move_resource_state::Response {
                    diagnostics: diagnostics(&d),
                    ..Default::default()
                }))
            }

            async fn read_data_source(
                &self,
                r: Request<pb::read_data_source::Request>,
            ) -> Rsp<pb::read_data_source::Response> {
                let r = r.get_ref();
                let e = self.0.read_data_source(&r.type_name, wire(&r.config)).await;
                Ok(Response::new(pb::read_data_source::Response {
                    state: dynamic(e.state),
                    diagnostics: diagnostics(&e.diagnostics),
                    ..Default::default()
                }))
            }

            async fn $stop(
                &self,
                _: Request<pb::$stop::Request>,
            ) -> Rsp<pb::$stop::Response> {
                self.0.stop();
                Ok(Response::new(pb::$stop::Response {
                    error: String::new(),
                }))
            }

            type ListResourceStream = BoxStream<pb::list_resource::Event>;

            async fn list_resource(
                &self,
                r: Request<pb::list_resource::Request>,
            ) -> Rsp<Self::ListResourceStream> {
                let r = r.get_ref();
                let events = self.0.list_resource(
                    &r.type_name,
                    wire(&r.config),
                    r.include_resource_object,
                    r.limit,
                );
                Ok(Response::new(list_events(events)))
            }

            async fn validate_list_resource_config(
                &self,
                r: Request<pb::validate_list_resource_config::Request>,
            ) -> Rsp<pb::validate_list_resource_config::Response> {
                let r = r.get_ref();
                let d = self
                    .0
                    .validate_list_resource_config(&r.type_name, wire(&r.config));
                Ok(Response::new(pb::validate_list_resource_config::Response {
                    diagnostics: diagnostics(&d),
                }))
            }

            async fn generate_resource_config(
                &self,
                r: Request<pb::generate_resource_config::Request>,
            ) -> Rsp<pb::generate_resource_config::Response> {
                let r = r.get_ref();
                let (config, d) = self
                    .0
                    .generate_resource_config(&r.type_name, wire(&r.state));
                Ok(Response::new(pb::generate_resource_config::Response {
                    config: dynamic(config),
                    diagnostics: diagnostics(&d),
                }))
            }

            async fn validate_action_config(
                &self,
                r: Request<pb::validate_action_config::Request>,
            ) -> Rsp<pb::validate_action_config::Response> {
                let r = r.get_ref();
                let d = self.0.validate_action_config(&r.type_name, wire(&r.config));
                Ok(Response::new(pb::validate_action_config::Response {
                    diagnostics: diagnostics(&d),
                }))
            }

            /// Never deferred: Terraform refuses a deferral under `-invoke`, and outside it
            /// only with a capability the CLI does not give.
            async fn plan_action(
                &self,
                r: Request<pb::plan_action::Request>,
            ) -> Rsp<pb::plan_action::Response> {
                let r = r.get_ref();
                let d = self.0.plan_action(&r.action_type, wire(&r.config));
                Ok(Response::new(pb::plan_action::Response {
                    diagnostics: diagnostics(&d),
                    deferred: None,
                }))
            }

            type InvokeActionStream = BoxStream<pb::invoke_action::Event>;

            async fn invoke_action(
                &self,
                r: Request<pb::invoke_action::Request>,
            ) -> Rsp<Self::InvokeActionStream> {
                let r = r.get_ref();
                let events = self.0.invoke_action(&r.action_type, wire(&r.config));
                Ok(Response::new(action_events(events)))
            }

            /// This provider defines no functions: an empty list, so a client looking one up
            /// reports an unknown function rather than a gRPC failure.
            async fn get_functions(
                &self,
                _: Request<pb::get_functions::Request>,
            ) -> Rsp<pb::get_functions::Response> {
                Ok(Response::new(Default::default()))
            }

            // Upstream RPCs this provider does not serve: declared so the service is complete,
            // answered UNIMPLEMENTED as tonic would answer an undeclared one.
            unsupported_rpcs! {
                validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request) -> pb::validate_ephemeral_resource_config::Response: "Ephemeral resources";
                close_ephemeral_resource(pb::close_ephemeral_resource::Request) -> pb::close_ephemeral_resource::Response: "Ephemeral resources";
                call_function(pb::call_function::Request) -> pb::call_function::Response: "Provider-defined functions";
            }

            $($own)*
        }
    };
}

pub(crate) use provider_service;
