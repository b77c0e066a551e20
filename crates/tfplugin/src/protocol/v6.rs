//! tfplugin6 (Terraform ≥ 0.15, OpenTofu): the shared RPC table (`service.rs`) under v6's
//! names, and the RPCs only v6 has.

use std::sync::Arc;

use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use super::service::provider_service;
use super::wire::shared_conversions;
use super::{Core, MAX_MESSAGE_SIZE};
use crate::framework::ProviderRpcs;
use crate::proto::tfplugin6::provider_server::{Provider as Rpc, ProviderServer};

shared_conversions!(tfplugin6);

provider_service! {
    adapter: V6,
    get_schema: get_provider_schema,
    validate_resource_config: validate_resource_config,
    validate_data_source_config: validate_data_resource_config,
    configure: configure_provider,
    stop: stop_provider,
    own: {
        async fn validate_provider_config(
            &self,
            r: Request<pb::validate_provider_config::Request>,
        ) -> Rsp<pb::validate_provider_config::Response> {
            let d = self.0.validate_provider_config(wire(&r.get_ref().config));
            Ok(Response::new(pb::validate_provider_config::Response {
                diagnostics: diagnostics(&d),
            }))
        }

        type ReadStateBytesStream = BoxStream<pb::read_state_bytes::Response>;

        unsupported_rpcs! {
            validate_state_store_config(pb::validate_state_store::Request) -> pb::validate_state_store::Response: "State stores";
            configure_state_store(pb::configure_state_store::Request) -> pb::configure_state_store::Response: "State stores";
            read_state_bytes(pb::read_state_bytes::Request) -> Self::ReadStateBytesStream: "State stores";
            write_state_bytes(Streaming<pb::write_state_bytes::RequestChunk>) -> pb::write_state_bytes::Response: "State stores";
            lock_state(pb::lock_state::Request) -> pb::lock_state::Response: "State stores";
            unlock_state(pb::unlock_state::Request) -> pb::unlock_state::Response: "State stores";
            get_states(pb::get_states::Request) -> pb::get_states::Response: "State stores";
            delete_state(pb::delete_state::Request) -> pb::delete_state::Response: "State stores";
        }
    }
}
