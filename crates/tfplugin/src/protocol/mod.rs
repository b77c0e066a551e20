//! tfplugin5 and tfplugin6: two thin skins over one protocol-neutral core. The adapters only
//! move fields between prost messages and domain types; every decision lives in `core`.

/// RPCs we do not serve: each answers `Unimplemented`, saying what is not supported. Written
/// out in the form `#[tonic::async_trait]` gives trait methods (boxed futures), because that
/// attribute does not look inside a macro invocation; `service.rs` lists those of both versions,
/// v6 its own.
macro_rules! unsupported_rpcs {
    ($($name:ident($request:ty) -> $response:ty: $what:literal;)*) => {$(
        fn $name<'life0, 'async_trait>(
            &'life0 self,
            _: tonic::Request<$request>,
        ) -> ::std::pin::Pin<
            Box<
                dyn ::std::future::Future<Output = Result<tonic::Response<$response>, tonic::Status>>
                    + Send
                    + 'async_trait,
            >,
        >
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        {
            Box::pin(async move { Err(unsupported($what)) })
        }
    )*};
}

mod codec;
mod core;
mod rules;
mod service;
pub mod v5;
pub mod v6;
mod wire;

pub use self::codec::WireValue;
pub use self::core::{
    ActionEvents, ClientCapabilities, Core, EncodedImport, EncodedListEvent, ListEvents,
};

/// gRPC message limit each way. Terraform sends whole configurations and states in one message;
/// tonic's 4 MiB default would fail large ones.
pub const MAX_MESSAGE_SIZE: usize = 256 * 1024 * 1024;
