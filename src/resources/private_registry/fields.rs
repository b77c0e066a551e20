//! The one table of `alicloud_sas_private_registry`: each attribute with its type, flags, the
//! API parameter it travels as, how a change to it is made, and how it is read back. The
//! schema (and so the docs), the `AddPrivateRegistry` and `ModifyImageRegistry` requests, the
//! state after create, refresh and import, and the attribute an API error points at are all
//! derived from it, so a field is written once.

use alicloud::{AddPrivateRegistryRequest, ModifyImageRegistryRequest, RegistryInfo, Secret};
use tfplugin::framework::Attribute;
use tfplugin::value::{Type, Value};

/// Whether the configuration sets the attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    /// Chosen by the API.
    Computed,
    /// Chosen by the API when the configuration leaves it out.
    OptionalComputed,
}

/// How the value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrecy {
    Plain,
    /// Kept in state, hidden in plans and logs; never the target of an error's line.
    Sensitive,
    /// Only in configuration: never in state or plan.
    WriteOnly,
}

/// How a planned change to the attribute is made.
#[derive(Clone, Copy)]
pub enum Change {
    /// Never changed through Terraform.
    Never,
    /// The API cannot modify it: a new registry replaces the old one.
    Replace,
    /// `ModifyImageRegistry` changes it in place: this puts the planned value (or, for a
    /// write-only value's version, the configured secret) in the request.
    InPlace(fn(&mut ModifyImageRegistryRequest, planned: &Value, config: &Value)),
}

/// How a refresh treats what the list reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// The API's value, whenever it tells one.
    Always,
    /// The API's value unless it names the same host (case, trailing dot).
    Host,
    /// Only where state manages the attribute (not null), so an API default is not a diff on
    /// an attribute the configuration leaves unset; an import fills it in.
    WhereManaged,
}

/// The attribute's type: all of the registry's are primitive (and so can sit in a `static`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    String,
    Number,
}

impl Primitive {
    pub fn ty(self) -> Type {
        match self {
            Primitive::String => Type::String,
            Primitive::Number => Type::Number,
        }
    }
}

/// What a listed registry says of one attribute: `None` when it leaves it out or masks it.
pub type Reader = fn(&RegistryInfo) -> Option<Value>;

pub struct Field {
    pub attribute: &'static str,
    pub ty: Primitive,
    pub presence: Presence,
    pub secrecy: Secrecy,
    /// Compared as JSON.
    pub json: bool,
    /// The request parameter it is sent as, for errors that name one.
    pub parameter: Option<&'static str>,
    /// Puts the value into `AddPrivateRegistry` (from the plan, or the configuration for a
    /// write-only value).
    pub add: Option<fn(&mut AddPrivateRegistryRequest, planned: &Value, config: &Value)>,
    pub change: Change,
    /// What `ListPrivateRegistryList` says of it (`None`: the API never returns it, or masks
    /// it), and how a refresh follows that.
    pub read: Option<(Reader, Follow)>,
    pub description: &'static str,
}

impl Field {
    /// A `*_wo_version`: says when to send its write-only value again.
    pub fn is_write_only_version(&self) -> bool {
        self.attribute.ends_with("_wo_version")
    }

    /// A secret the API keeps but cannot change (so a new one means a new registry), or the
    /// version of such a secret. Given where state had none (an import reads no secret) or
    /// dropped (moved to its write-only form), it is only recorded: only a new value after a
    /// value needs a new registry.
    pub fn replaced_only_between_values(&self) -> bool {
        matches!(self.change, Change::Replace)
            && (self.secrecy != Secrecy::Plain || self.is_write_only_version())
    }

    pub fn attribute(&self) -> Attribute {
        let note = match self.change {
            Change::Replace => " Changing it creates a new registry.",
            Change::InPlace(_) => " Updated in place.",
            Change::Never => "",
        };
        let description = format!("{}{note}", self.description);
        let mut a = match self.presence {
            Presence::Required => Attribute::required(self.attribute, self.ty.ty(), &description),
            Presence::Optional => Attribute::optional(self.attribute, self.ty.ty(), &description),
            Presence::Computed => Attribute::computed(self.attribute, self.ty.ty(), &description),
            Presence::OptionalComputed => {
                Attribute::optional_computed(self.attribute, self.ty.ty(), &description)
            }
        };
        match self.secrecy {
            Secrecy::Plain => {}
            Secrecy::Sensitive => a = a.sensitive(),
            Secrecy::WriteOnly => a = a.sensitive().write_only(),
        }
        if matches!(self.change, Change::Replace) {
            a = a.replaces();
        }
        if self.json {
            a = a.json();
        }
        a
    }
}

/// The attribute an API parameter comes from. Secrets are left out: pointing at their line
/// would print a literal secret from the configuration.
pub fn attribute_of(parameter: &str) -> Option<&'static str> {
    FIELDS
        .iter()
        .find(|f| f.parameter == Some(parameter) && f.secrecy == Secrecy::Plain)
        .map(|f| f.attribute)
}

/// Whether a diagnostic may point at `attribute`'s line: not at a secret's, which may hold it
/// literally.
pub fn may_point_at(attribute: &str) -> bool {
    FIELDS
        .iter()
        .any(|f| f.attribute == attribute && f.secrecy == Secrecy::Plain)
}

fn string(v: &Value, name: &str) -> Option<String> {
    v.attr(name).as_str().map(str::to_string)
}

fn int(v: &Value, name: &str) -> Option<i64> {
    v.attr(name).as_i64()
}

/// A string the API told: not left out (read as empty) and not masked (`******`).
fn told(s: &Option<String>) -> Option<Value> {
    s.as_deref()
        .filter(|s| !s.is_empty() && !masked(s))
        .map(Value::from)
}

/// An enumerated number the API told (`ProtocolType`, `NetType` are 1 or 2; 0 is absent).
fn told_code(n: Option<i64>) -> Option<Value> {
    n.filter(|n| *n != 0).map(Value::int)
}

/// Whether an API string is a masked value: the service hides some fields, such as `UserName`
/// in the published `AddPrivateRegistry` sample, and a mask says nothing of the value behind it.
pub fn masked(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b == b'*')
}

const fn field(
    attribute: &'static str,
    ty: Primitive,
    presence: Presence,
    description: &'static str,
) -> Field {
    Field {
        attribute,
        ty,
        presence,
        secrecy: Secrecy::Plain,
        json: false,
        parameter: None,
        add: None,
        change: Change::Never,
        read: None,
        description,
    }
}

use Presence::{Computed, Optional, OptionalComputed, Required};

pub static FIELDS: &[Field] = &[
    Field {
        read: Some((|r| Some(Value::from(r.id.to_string())), Follow::Always)),
        ..field("id", Primitive::String, Computed, "The registry ID Security Center assigned; use it with `terraform import`.")
    },
    Field {
        parameter: Some("RegistryType"),
        add: Some(|r, p, _| r.registry_type = string(p, "registry_type").unwrap_or_default()),
        change: Change::Replace,
        read: Some((|r| told(&r.registry_type), Follow::Always)),
        ..field("registry_type", Primitive::String, Required, "Registry software: `harbor` or `quay`.")
    },
    Field {
        parameter: Some("RegistryVersion"),
        add: Some(|r, p, _| r.registry_version = string(p, "registry_version").unwrap_or_default()),
        change: Change::Replace,
        read: Some((|r| told(&r.registry_version), Follow::Always)),
        ..field("registry_version", Primitive::String, Required, "Registry API version: `V1` or `V2`.")
    },
    Field {
        parameter: Some("ProtocolType"),
        add: Some(|r, p, _| r.protocol_type = int(p, "protocol_type").unwrap_or_default()),
        change: Change::Replace,
        read: Some((|r| told_code(r.protocol_type), Follow::Always)),
        ..field("protocol_type", Primitive::Number, Required, "How Security Center reaches the registry: `1` for HTTP, `2` for HTTPS.")
    },
    Field {
        parameter: Some("NetType"),
        add: Some(|r, p, _| r.net_type = int(p, "net_type").unwrap_or_default()),
        change: Change::Replace,
        read: Some((|r| told_code(r.net_type), Follow::Always)),
        ..field("net_type", Primitive::Number, Required, "Network the registry is reached through: `1` for the Internet, `2` for a VPC.")
    },
    Field {
        parameter: Some("VpcId"),
        add: Some(|r, p, _| r.vpc_id = string(p, "vpc_id")),
        change: Change::Replace,
        read: Some((|r| told(&r.vpc_id), Follow::WhereManaged)),
        ..field("vpc_id", Primitive::String, Optional, "The VPC the registry lives in; expected when `net_type = 2`.")
    },
    Field {
        parameter: Some("RegistryHostIp"),
        add: Some(|r, p, _| r.registry_host_ip = string(p, "registry_host_ip").unwrap_or_default()),
        change: Change::InPlace(|m, p, _| m.registry_host_ip = string(p, "registry_host_ip")),
        read: Some((|r| told(&r.registry_host_ip), Follow::Always)),
        ..field("registry_host_ip", Primitive::String, Required, "IPv4 or IPv6 address of the registry host.")
    },
    Field {
        parameter: Some("DomainName"),
        add: Some(|r, p, _| r.domain_name = string(p, "domain_name").unwrap_or_default()),
        change: Change::InPlace(|m, p, _| m.domain_name = string(p, "domain_name")),
        read: Some((|r| told(&r.domain_name), Follow::Host)),
        ..field("domain_name", Primitive::String, Required, "Host name of the registry, without scheme or port, such as `harbor.example.com`.")
    },
    Field {
        parameter: Some("Port"),
        add: Some(|r, p, _| r.port = int(p, "port")),
        change: Change::InPlace(|m, p, _| m.port = int(p, "port")),
        read: Some((|r| r.port.map(Value::int), Follow::WhereManaged)),
        ..field("port", Primitive::Number, Optional, "Port of the registry, 1 to 65535.")
    },
    Field {
        parameter: Some("UserName"),
        add: Some(|r, p, _| r.user_name = string(p, "user_name").unwrap_or_default()),
        change: Change::InPlace(|m, p, _| m.user_name = string(p, "user_name")),
        read: Some((|r| told(&r.user_name), Follow::Always)),
        ..field("user_name", Primitive::String, Required, "User name Security Center logs in to the registry with.")
    },
    Field {
        secrecy: Secrecy::WriteOnly,
        parameter: Some("Password"),
        add: Some(|r, _, c| {
            if let Some(p) = string(c, "password_wo") {
                r.password = Secret::new(p);
            }
        }),
        ..field("password_wo", Primitive::String, Optional, "Write-only password for `user_name`: sent to the API, never stored in state or plan (Terraform 1.11 and later, OpenTofu 1.11 and later; older clients get an error and should use `password`). Prefer it to `password`. Sent when the registry is added, and again whenever `password_wo_version` changes. Set this or `password`, not both.")
    },
    Field {
        change: Change::InPlace(|m, _, c| {
            if let Some(p) = string(c, "password_wo") {
                m.password = Some(Secret::new(p));
            }
        }),
        ..field("password_wo_version", Primitive::Number, Optional, "Any number you choose; change it to send `password_wo` again (the password is never in state, so Terraform cannot see it change by itself). A first version, set on an imported registry or when moving from `password`, is only recorded: nothing is sent.")
    },
    Field {
        secrecy: Secrecy::Sensitive,
        parameter: Some("Password"),
        add: Some(|r, p, _| {
            if let Some(pw) = string(p, "password") {
                r.password = Secret::new(pw);
            }
        }),
        change: Change::InPlace(|m, p, _| {
            if let Some(pw) = string(p, "password") {
                m.password = Some(Secret::new(pw));
            }
        }),
        ..field("password", Primitive::String, Optional, "Password for `user_name`, kept in state (prefer `password_wo` where the client supports it); one of the two is required to add a registry. The API never returns it, so Terraform keeps the configured value and cannot detect a change made outside Terraform. An imported registry has none in state: leave it unset to keep the registry's password, or set it and the next apply sends it.")
    },
    Field {
        parameter: Some("RegistryRegionId"),
        add: Some(|r, p, _| r.registry_region_id = string(p, "registry_region_id").unwrap_or_default()),
        change: Change::Replace,
        read: Some((|r| told(&r.region_id), Follow::Always)),
        ..field("registry_region_id", Primitive::String, Required, "Region the registry is registered in, such as `cn-hangzhou` (the data source `alicloud_sas_image_registry_regions` lists them).")
    },
    Field {
        parameter: Some("TransPerHour"),
        add: Some(|r, p, _| r.trans_per_hour = int(p, "trans_per_hour")),
        change: Change::InPlace(|m, p, _| m.trans_per_hour = int(p, "trans_per_hour")),
        read: Some((|r| r.trans_per_hour.map(Value::int), Follow::Always)),
        ..field("trans_per_hour", Primitive::Number, OptionalComputed, "How many images Security Center scans per hour, at least 1. Chosen by the API when unset.")
    },
    Field {
        secrecy: Secrecy::WriteOnly,
        parameter: Some("ExtraParam"),
        add: Some(|r, _, c| {
            if let Some(x) = string(c, "extra_param_wo") {
                r.extra_param = Some(Secret::new(x));
            }
        }),
        ..field("extra_param_wo", Primitive::String, Optional, "Write-only form of `extra_param` for `quay`, never stored in state or plan (Terraform 1.11 and later, OpenTofu 1.11 and later). The same JSON array of `namespace` and `authToken` objects. Sent when the registry is added; the API cannot change it, so changing `extra_param_wo_version` creates a new registry with it. Set this or `extra_param`, not both.")
    },
    Field {
        change: Change::Replace,
        ..field("extra_param_wo_version", Primitive::Number, Optional, "Any number you choose; change it to send `extra_param_wo` again (in a new registry: the API cannot change the tokens). A first version, set on an imported registry or when moving from `extra_param`, is only recorded: nothing is sent and nothing replaced.")
    },
    // Read back through `ListImageRegistryExtra`, not the list (see `Registries::extra_param`).
    Field {
        secrecy: Secrecy::Sensitive,
        json: true,
        parameter: Some("ExtraParam"),
        add: Some(|r, p, _| {
            if let Some(x) = string(p, "extra_param") {
                r.extra_param = Some(Secret::new(x));
            }
        }),
        change: Change::Replace,
        ..field("extra_param", Primitive::String, Optional, "Required for `quay` unless `extra_param_wo` is set: a JSON array of objects with `namespace` and `authToken`, such as `jsonencode([{ namespace = \"team\", authToken = var.quay_token }])`, kept in state. Rewrites that mean the same JSON are not changes. An import never reads the tokens into state; setting `extra_param` on an imported registry records it without sending it, and the next refresh shows any difference from the registry's tokens. Moving it to `extra_param_wo` is an in-place update that only takes the tokens out of state: nothing is sent and nothing replaced.")
    },
    Field {
        secrecy: Secrecy::Sensitive,
        read: Some((|r| told(&r.token), Follow::Always)),
        ..field("token", Primitive::String, Computed, "Token Security Center issued for the registry. It can change outside Terraform (`RefreshRegistryToken`).")
    },
    Field {
        read: Some((|r| told(&r.region_id), Follow::Always)),
        ..field("region_id", Primitive::String, Computed, "Region the API reports for the registry.")
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_point_at_plain_attributes_only() {
        assert_eq!(attribute_of("RegistryRegionId"), Some("registry_region_id"));
        assert_eq!(
            attribute_of("Password"),
            None,
            "a secret's line is never shown"
        );
        assert_eq!(attribute_of("ExtraParam"), None);
        assert_eq!(attribute_of("Lang"), None);
    }

    #[test]
    fn the_secrets_only_recorded_from_or_to_null_are_the_quay_tokens_and_their_version() {
        let recorded: Vec<&str> = FIELDS
            .iter()
            .filter(|f| f.replaced_only_between_values())
            .map(|f| f.attribute)
            .collect();
        assert_eq!(recorded, ["extra_param_wo_version", "extra_param"]);
    }

    #[test]
    fn every_attribute_sent_to_the_api_names_its_parameter_and_every_settable_one_is_sent() {
        for f in FIELDS {
            if f.add.is_some() {
                assert!(f.parameter.is_some(), "{}", f.attribute);
            }
            let settable = f.presence != Presence::Computed;
            let versioned = f.is_write_only_version();
            assert_eq!(settable && !versioned, f.add.is_some(), "{}", f.attribute);
        }
    }
}
