//! tfplugin5 (Terraform 0.12–0.14, and any client that prefers it): the shared RPC table
//! (`service.rs`) under v5's names, and the RPC only v5 has.

use std::sync::Arc;

use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status};

use super::service::provider_service;
use super::wire::shared_conversions;
use super::{Core, MAX_MESSAGE_SIZE};
use crate::framework::ProviderRpcs;
use crate::proto::tfplugin5::provider_server::{Provider as Rpc, ProviderServer};

shared_conversions!(tfplugin5);

provider_service! {
    adapter: V5,
    get_schema: get_schema,
    validate_resource_config: validate_resource_type_config,
    validate_data_source_config: validate_data_source_config,
    configure: configure,
    stop: stop,
    own: {
        async fn prepare_provider_config(
            &self,
            r: Request<pb::prepare_provider_config::Request>,
        ) -> Rsp<pb::prepare_provider_config::Response> {
            let (prepared, d) = self.0.prepare_provider_config(wire(&r.get_ref().config));
            Ok(Response::new(pb::prepare_provider_config::Response {
                prepared_config: dynamic(prepared),
                diagnostics: diagnostics(&d),
            }))
        }
    }
}
