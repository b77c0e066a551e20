//! The attributes of `alicloud_sas_private_registry`; their names are part of the contract.

use crate::resources::timeouts;
use tfplugin::framework::{Attribute, Block, IdentityAttribute, IdentitySchema, Schema};
use tfplugin::value::Type;

/// Attributes whose change means a new registry: the API cannot modify them.
pub const REPLACE_ATTRS: [&str; 8] = [
    "registry_type",
    "registry_version",
    "protocol_type",
    "net_type",
    "vpc_id",
    "registry_region_id",
    "extra_param",
    "extra_param_wo_version",
];

/// Attributes `ModifyImageRegistry` changes in place (`password_wo_version` by sending
/// `password_wo` again).
pub const UPDATE_ATTRS: [&str; 7] = [
    "registry_host_ip",
    "domain_name",
    "port",
    "user_name",
    "password",
    "password_wo_version",
    "trans_per_hour",
];

pub fn schema() -> Schema {
    let block = Block::new("A self-managed (harbor or quay) image registry that Security Center scans for image risks, added with `AddPrivateRegistry`.")
        .attribute(Attribute::computed("id", Type::String, "The registry ID Security Center assigned; use it with `terraform import`."))
        .attribute(Attribute::required("registry_type", Type::String, "Registry software: `harbor` or `quay`. Changing it creates a new registry."))
        .attribute(Attribute::required("registry_version", Type::String, "Registry API version: `V1` or `V2`. Changing it creates a new registry."))
        .attribute(Attribute::required("protocol_type", Type::Number, "How Security Center reaches the registry: `1` for HTTP, `2` for HTTPS. Changing it creates a new registry."))
        .attribute(Attribute::required("net_type", Type::Number, "Network the registry is reached through: `1` for the Internet, `2` for a VPC. Changing it creates a new registry."))
        .attribute(Attribute::optional("vpc_id", Type::String, "The VPC the registry lives in; expected when `net_type = 2`. Changing it creates a new registry."))
        .attribute(Attribute::required("registry_host_ip", Type::String, "IPv4 or IPv6 address of the registry host. Updated in place."))
        .attribute(Attribute::required("domain_name", Type::String, "Host name of the registry, without scheme or port, such as `harbor.example.com`. Updated in place."))
        .attribute(Attribute::optional("port", Type::Number, "Port of the registry, 1 to 65535. Updated in place."))
        .attribute(Attribute::required("user_name", Type::String, "User name Security Center logs in to the registry with. Updated in place."))
        .attribute(Attribute::optional("password_wo", Type::String, "Write-only password for `user_name`: sent to the API, never stored in state or plan (Terraform 1.11 and later, OpenTofu 1.11 and later; older clients get an error and should use `password`). Prefer it to `password`. Sent when the registry is added, and again whenever `password_wo_version` changes. Set this or `password`, not both.").sensitive().write_only())
        .attribute(Attribute::optional("password_wo_version", Type::Number, "Any number you choose; change it to send `password_wo` again (the password is never in state, so Terraform cannot see it change by itself). Updated in place."))
        .attribute(Attribute::optional("password", Type::String, "Password for `user_name`, kept in state (prefer `password_wo` where the client supports it); one of the two is required to add a registry. The API never returns it, so Terraform keeps the configured value and cannot detect a change made outside Terraform. An imported registry has none in state: leave it unset to keep the registry's password, or set it and the next apply sends it. Updated in place.").sensitive())
        .attribute(Attribute::required("registry_region_id", Type::String, "Region the registry is registered in, such as `cn-hangzhou` (see `ListImageRegistryRegion`). Changing it creates a new registry."))
        .attribute(Attribute::optional_computed("trans_per_hour", Type::Number, "How many images Security Center scans per hour, at least 1. Chosen by the API when unset. Updated in place."))
        .attribute(Attribute::optional("extra_param_wo", Type::String, "Write-only form of `extra_param` for `quay`, never stored in state or plan (Terraform 1.11 and later, OpenTofu 1.11 and later). The same JSON array of `namespace` and `authToken` objects. Sent when the registry is added; the API cannot change it, so changing `extra_param_wo_version` creates a new registry with it. Set this or `extra_param`, not both.").sensitive().write_only())
        .attribute(Attribute::optional("extra_param_wo_version", Type::Number, "Any number you choose; change it to send `extra_param_wo` again, which creates a new registry."))
        .attribute(Attribute::optional("extra_param", Type::String, "Required for `quay` unless `extra_param_wo` is set: a JSON array of objects with `namespace` and `authToken`, such as `jsonencode([{ namespace = \"team\", authToken = var.quay_token }])`, kept in state. Rewrites that mean the same JSON are not changes. Changing it creates a new registry (moving it to `extra_param_wo` does not).").sensitive())
        .attribute(Attribute::computed("token", Type::String, "Token Security Center issued for the registry. It can change outside Terraform (`RefreshRegistryToken`).").sensitive())
        .attribute(Attribute::computed("region_id", Type::String, "Region the API reports for the registry."))
        .block(timeouts::block());
    Schema::new(0, block).with_identity(identity())
}

/// A registry is the registry id in one Security Center region (the site the provider's
/// endpoint serves); the account is the one the provider's credentials belong to, which the
/// identity leaves out because knowing it would cost an API call on every read.
fn identity() -> IdentitySchema {
    IdentitySchema::new(
        0,
        vec![
            IdentityAttribute::for_import(
                "id",
                Type::String,
                "The registry ID Security Center assigned.",
            ),
            IdentityAttribute::optional_for_import(
                "region_id",
                Type::String,
                "The Security Center region the registry is in, such as `cn-hangzhou`; an import by identity that gives it must find the registry there.",
            ),
        ],
    )
}
