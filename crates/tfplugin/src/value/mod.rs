//! The cty value model Terraform speaks: types, values with null and unknown, attribute paths,
//! and the msgpack / JSON codecs that carry them in `DynamicValue`s.
//!
//! Decoding is type-directed, as in cty: the same bytes mean different things under different
//! schemas, so every decode takes the `Type` the schema says the value has.

mod json;
mod msgpack;
mod number;
mod path;
mod ty;
#[allow(clippy::module_inception)]
mod value;

pub use json::{decode_json, encode_json};
pub use msgpack::{decode_msgpack, encode_msgpack};
pub use number::Number;
pub use path::{AttributePath, PathStep};
pub use ty::Type;
pub use value::Value;

/// Why bytes from Terraform could not become a value of the expected type.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("{path}: {message}")]
    Invalid {
        path: AttributePath,
        message: String,
    },
    #[error("value is truncated")]
    Truncated,
    #[error("value nests deeper than {0} levels")]
    TooDeep(usize),
    #[error("{0} trailing bytes after the value")]
    Trailing(usize),
}

impl DecodeError {
    pub(crate) fn invalid(path: &AttributePath, message: impl Into<String>) -> Self {
        DecodeError::Invalid {
            path: path.clone(),
            message: message.into(),
        }
    }
}

/// Why a value could not be encoded under a type (a bug in our code, never user input).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{path}: cannot encode {found} as {expected}")]
pub struct EncodeError {
    pub path: AttributePath,
    pub expected: String,
    pub found: &'static str,
}

/// Nesting limit for decoding: far beyond any schema of ours, low enough that hostile input
/// cannot exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// Refuses a value nested deeper than [`MAX_DEPTH`], before a decoder descends into it.
fn within_depth(depth: usize) -> Result<(), DecodeError> {
    if depth > MAX_DEPTH {
        Err(DecodeError::TooDeep(MAX_DEPTH))
    } else {
        Ok(())
    }
}
