//! An action's request, declared once: each field beside the parameter it travels as and where
//! (query or body). The struct, its parameters, where each goes (`placement.rs`) and the field
//! a parameter comes from (which the provider uses to point an error at an attribute) all come
//! from that one declaration, so a parameter cannot be sent that has no place, or named two ways.

use super::placement::Location;
use super::rpc::Params;
use super::secret::Secret;

/// One parameter of an action's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parameter {
    /// The request struct's field it is sent from.
    pub field: &'static str,
    /// The API's name (a repeat list `Name.N` is listed once, as `Name`).
    pub name: &'static str,
    pub location: Location,
}

/// What a request type says of itself.
pub trait Request {
    const ACTION: &'static str;
    const PARAMETERS: &'static [Parameter];

    /// The parameter the field `field` is sent as.
    fn parameter_of(field: &str) -> Option<&'static str> {
        Self::PARAMETERS
            .iter()
            .find(|p| p.field == field)
            .map(|p| p.name)
    }
}

/// How a field's value goes into the parameters: a plain value always, an `Option` when set, a
/// list as `Name.1`, `Name.2`, ….
pub(crate) trait ParamValue {
    fn put(&self, params: &mut Params, name: &str);
}

impl ParamValue for String {
    fn put(&self, params: &mut Params, name: &str) {
        params.put(name, self);
    }
}

impl ParamValue for i64 {
    fn put(&self, params: &mut Params, name: &str) {
        params.put(name, self);
    }
}

impl ParamValue for Secret {
    fn put(&self, params: &mut Params, name: &str) {
        params.put_secret(name, self);
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn put(&self, params: &mut Params, name: &str) {
        if let Some(v) = self {
            v.put(params, name);
        }
    }
}

impl ParamValue for Vec<String> {
    fn put(&self, params: &mut Params, name: &str) {
        for (i, v) in self.iter().enumerate() {
            params.put(&format!("{name}.{}", i + 1), v);
        }
    }
}

/// Declares a request: `pub field: Type => "Parameter" in Query|Body`.
macro_rules! request {
    (
        $(#[$meta:meta])*
        pub struct $name:ident for $action:literal {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty => $param:literal in $loc:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::request::Request for $name {
            const ACTION: &'static str = $action;
            const PARAMETERS: &'static [$crate::request::Parameter] = &[$(
                $crate::request::Parameter {
                    field: stringify!($field),
                    name: $param,
                    location: $crate::placement::Location::$loc,
                },
            )*];
        }

        impl $name {
            pub(crate) fn params(&self) -> $crate::rpc::Params {
                let mut p = $crate::rpc::Params::new();
                $( $crate::request::ParamValue::put(&self.$field, &mut p, $param); )*
                p
            }
        }
    };
}

pub(crate) use request;
