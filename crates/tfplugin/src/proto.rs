//! Wire types generated from our own `proto/` files. Nothing outside `protocol` and `plugin`
//! should need these: the rest of the crate speaks in domain types.

#[allow(clippy::all, missing_docs)]
pub mod tfplugin5 {
    tonic::include_proto!("tfplugin5");
}

#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
