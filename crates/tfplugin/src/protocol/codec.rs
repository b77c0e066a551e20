//! The wire's values: a `DynamicValue` decoded with a schema type, and a value encoded for one.
//! What a value may hold is not decided here ([`super::rules`] does that).

use crate::framework::{Diagnostic, Diagnostics};
use crate::value::{decode_json, decode_msgpack, encode_msgpack, Type, Value};

/// The two encodings a `DynamicValue` may carry, borrowed from the wire message.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireValue<'a> {
    pub msgpack: &'a [u8],
    pub json: &'a [u8],
}

impl WireValue<'_> {
    fn is_empty(&self) -> bool {
        self.msgpack.is_empty() && self.json.is_empty()
    }
}

/// `wire` decoded with `ty` (msgpack preferred, as Terraform sends it); absent or empty is null.
/// `what` names the value in the error ("prior state").
pub fn decode(wire: Option<WireValue<'_>>, ty: &Type, what: &str) -> Result<Value, Diagnostics> {
    let Some(wire) = wire.filter(|w| !w.is_empty()) else {
        return Ok(Value::Null);
    };
    let result = if wire.msgpack.is_empty() {
        decode_json(wire.json, ty)
    } else {
        decode_msgpack(wire.msgpack, ty)
    };
    result.map_err(|e| {
        Diagnostic::error(format!("Invalid {what} from Terraform"), e.to_string()).into()
    })
}

/// `wire` decoded, or `None` when the client sent nothing (an optional value absent).
pub fn decode_present(
    wire: Option<WireValue<'_>>,
    ty: &Type,
    what: &str,
) -> Result<Option<Value>, Diagnostics> {
    match wire.filter(|w| !w.is_empty()) {
        None => Ok(None),
        some => decode(some, ty, what).map(Some),
    }
}

/// `value` encoded with `ty`; a value that does not fit is the provider's bug, reported in
/// `diags`.
pub fn encode(value: &Value, ty: &Type, diags: &mut Diagnostics) -> Option<Vec<u8>> {
    match encode_msgpack(value, ty) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            diags.push(Diagnostic::error(
                "Provider produced a value it cannot encode",
                format!("{e}. This is a bug in the provider; please report it."),
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_is_null_msgpack_wins_and_errors_name_the_value() {
        let ty = Type::String;
        assert_eq!(decode(None, &ty, "x"), Ok(Value::Null));
        assert_eq!(
            decode(Some(WireValue::default()), &ty, "x"),
            Ok(Value::Null)
        );
        assert_eq!(decode_present(None, &ty, "x"), Ok(None));
        let mut diags = Diagnostics::new();
        let bytes = encode(&Value::from("a"), &ty, &mut diags).expect("encodes");
        let both = WireValue {
            msgpack: &bytes,
            json: b"\"from json\"",
        };
        assert_eq!(decode(Some(both), &ty, "x"), Ok(Value::from("a")));
        let json = WireValue {
            msgpack: &[],
            json: b"\"j\"",
        };
        assert_eq!(decode(Some(json), &ty, "x"), Ok(Value::from("j")));
        let bad = WireValue {
            msgpack: &[0xc1],
            json: &[],
        };
        let err = decode(Some(bad), &ty, "prior state").unwrap_err();
        assert_eq!(err.0[0].summary, "Invalid prior state from Terraform");
        assert!(encode(&Value::from("a"), &Type::Bool, &mut diags).is_none());
        assert!(diags.has_errors());
    }
}
