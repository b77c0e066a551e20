//! tfplugin6 (Terraform ≥ 0.15, OpenTofu): field shuffling only, see `core`.

use std::sync::Arc;

use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use super::wire::shared_conversions;
use super::{Core, MAX_MESSAGE_SIZE};
use crate::framework::Provider;
use crate::proto::tfplugin6::provider_server::{Provider as Rpc, ProviderServer};

shared_conversions!(tfplugin6);

pub struct V6<P>(Core<P>);

pub fn server<P: Provider>(provider: Arc<P>) -> ProviderServer<V6<P>> {
    ProviderServer::new(V6(Core::new(provider)))
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

type Rsp<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: Provider> Rpc for V6<P> {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Rsp<pb::get_metadata::Response> {
        let s = self.0.schema();
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities(&s.capabilities)),
            resources: s
                .resources
                .keys()
                .map(|k| pb::get_metadata::ResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            data_sources: s
                .data_sources
                .keys()
                .map(|k| pb::get_metadata::DataSourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            list_resources: s
                .list_resources
                .keys()
                .map(|k| pb::get_metadata::ListResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            ..Default::default()
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rsp<pb::get_provider_schema::Response> {
        let s = self.0.schema();
        Ok(Response::new(pb::get_provider_schema::Response {
            provider: Some(schema(&s.provider)),
            resource_schemas: schemas(&s.resources),
            data_source_schemas: schemas(&s.data_sources),
            list_resource_schemas: schemas(&s.list_resources),
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

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> Rsp<pb::validate_provider_config::Response> {
        let d = self.0.validate_provider_config(wire(&r.get_ref().config));
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diagnostics(&d),
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> Rsp<pb::validate_resource_config::Response> {
        let r = r.get_ref();
        let d = self.0.validate_resource_config(
            &r.type_name,
            wire(&r.config),
            client_capabilities(&r.client_capabilities),
        );
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diagnostics(&d),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<pb::validate_data_resource_config::Request>,
    ) -> Rsp<pb::validate_data_resource_config::Response> {
        let r = r.get_ref();
        let d = self
            .0
            .validate_data_source_config(&r.type_name, wire(&r.config));
        Ok(Response::new(pb::validate_data_resource_config::Response {
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

    async fn configure_provider(
        &self,
        r: Request<pb::configure_provider::Request>,
    ) -> Rsp<pb::configure_provider::Response> {
        let r = r.get_ref();
        let d = self.0.configure(wire(&r.config), &r.terraform_version);
        Ok(Response::new(pb::configure_provider::Response {
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

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Rsp<pb::stop_provider::Response> {
        self.0.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }

    // Upstream RPCs this provider does not serve: declared so the service is complete,
    // answered UNIMPLEMENTED as tonic would answer an undeclared one.

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

    /// This provider defines no functions: an empty list, so a client looking one up reports
    /// an unknown function rather than a gRPC failure.
    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Rsp<pb::get_functions::Response> {
        Ok(Response::new(Default::default()))
    }

    type ReadStateBytesStream = BoxStream<pb::read_state_bytes::Response>;

    type InvokeActionStream = BoxStream<pb::invoke_action::Event>;

    unsupported_rpcs! {
        validate_ephemeral_resource_config(pb::validate_ephemeral_resource_config::Request) -> pb::validate_ephemeral_resource_config::Response: "Ephemeral resources";
        close_ephemeral_resource(pb::close_ephemeral_resource::Request) -> pb::close_ephemeral_resource::Response: "Ephemeral resources";
        call_function(pb::call_function::Request) -> pb::call_function::Response: "Provider-defined functions";
        validate_state_store_config(pb::validate_state_store::Request) -> pb::validate_state_store::Response: "State stores";
        configure_state_store(pb::configure_state_store::Request) -> pb::configure_state_store::Response: "State stores";
        read_state_bytes(pb::read_state_bytes::Request) -> Self::ReadStateBytesStream: "State stores";
        write_state_bytes(Streaming<pb::write_state_bytes::RequestChunk>) -> pb::write_state_bytes::Response: "State stores";
        lock_state(pb::lock_state::Request) -> pb::lock_state::Response: "State stores";
        unlock_state(pb::unlock_state::Request) -> pb::unlock_state::Response: "State stores";
        get_states(pb::get_states::Request) -> pb::get_states::Response: "State stores";
        delete_state(pb::delete_state::Request) -> pb::delete_state::Response: "State stores";
        plan_action(pb::plan_action::Request) -> pb::plan_action::Response: "Actions";
        invoke_action(pb::invoke_action::Request) -> Self::InvokeActionStream: "Actions";
        validate_action_config(pb::validate_action_config::Request) -> pb::validate_action_config::Response: "Actions";
    }
}
