//! The msgpack encoding of cty values, Terraform's preferred `DynamicValue` form.
//!
//! The decoder is written by hand over a byte slice: input comes from another process, so every
//! length is checked against what is left, nesting is bounded, and nothing panics.

use std::collections::BTreeMap;

use super::{within_depth, AttributePath, DecodeError, EncodeError, Number, Type, Value};

/// Extension type 0 with one zero byte: how cty spells "unknown".
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

pub fn decode_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut reader = Reader { bytes, pos: 0 };
    let value = reader.value(ty, &AttributePath::root(), 0)?;
    match bytes.len() - reader.pos {
        0 => Ok(value),
        n => Err(DecodeError::Trailing(n)),
    }
}

pub fn encode_msgpack(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(256);
    encode(value, ty, &AttributePath::root(), &mut out)?;
    Ok(out)
}

/// One msgpack item header, before its payload.
enum Head {
    Nil,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(usize),
    Bin(usize),
    Array(usize),
    Map(usize),
    Ext(usize),
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or(DecodeError::Truncated)?;
        let slice = self
            .bytes
            .get(self.pos..end)
            .ok_or(DecodeError::Truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut buf = [0u8; N];
        buf.copy_from_slice(self.take(N)?);
        Ok(buf)
    }

    fn len8(&mut self) -> Result<usize, DecodeError> {
        Ok(self.be::<1>()?[0] as usize)
    }

    fn len16(&mut self) -> Result<usize, DecodeError> {
        Ok(u16::from_be_bytes(self.be()?) as usize)
    }

    fn len32(&mut self) -> Result<usize, DecodeError> {
        Ok(u32::from_be_bytes(self.be()?) as usize)
    }

    fn head(&mut self) -> Result<Head, DecodeError> {
        let marker = self.be::<1>()?[0];
        Ok(match marker {
            0x00..=0x7f => Head::Int(marker as i64),
            0x80..=0x8f => Head::Map((marker & 0x0f) as usize),
            0x90..=0x9f => Head::Array((marker & 0x0f) as usize),
            0xa0..=0xbf => Head::Str((marker & 0x1f) as usize),
            0xc0 => Head::Nil,
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => Head::Bin(self.len8()?),
            0xc5 => Head::Bin(self.len16()?),
            0xc6 => Head::Bin(self.len32()?),
            // ext: length excludes the one type byte.
            0xc7 => Head::Ext(self.len8()? + 1),
            0xc8 => Head::Ext(self.len16()? + 1),
            0xc9 => Head::Ext(self.len32()? + 1),
            0xca => Head::Float(f32::from_be_bytes(self.be()?) as f64),
            0xcb => Head::Float(f64::from_be_bytes(self.be()?)),
            0xcc => Head::UInt(u8::from_be_bytes(self.be()?) as u64),
            0xcd => Head::UInt(u16::from_be_bytes(self.be()?) as u64),
            0xce => Head::UInt(u32::from_be_bytes(self.be()?) as u64),
            0xcf => Head::UInt(u64::from_be_bytes(self.be()?)),
            0xd0 => Head::Int(i8::from_be_bytes(self.be()?) as i64),
            0xd1 => Head::Int(i16::from_be_bytes(self.be()?) as i64),
            0xd2 => Head::Int(i32::from_be_bytes(self.be()?) as i64),
            0xd3 => Head::Int(i64::from_be_bytes(self.be()?)),
            0xd4 => Head::Ext(2),
            0xd5 => Head::Ext(3),
            0xd6 => Head::Ext(5),
            0xd7 => Head::Ext(9),
            0xd8 => Head::Ext(17),
            0xd9 => Head::Str(self.len8()?),
            0xda => Head::Str(self.len16()?),
            0xdb => Head::Str(self.len32()?),
            0xdc => Head::Array(self.len16()?),
            0xdd => Head::Array(self.len32()?),
            0xde => Head::Map(self.len16()?),
            0xdf => Head::Map(self.len32()?),
            0xe0..=0xff => Head::Int(marker as i8 as i64),
            0xc1 => {
                return Err(DecodeError::invalid(
                    &AttributePath::root(),
                    "reserved msgpack marker 0xc1",
                ))
            }
        })
    }

    fn str(&mut self, len: usize, path: &AttributePath) -> Result<String, DecodeError> {
        let raw = self.take(len)?;
        String::from_utf8(raw.to_vec())
            .map_err(|_| DecodeError::invalid(path, "string is not UTF-8"))
    }

    /// Reads a map key, which cty always writes as a string.
    fn key(&mut self, path: &AttributePath) -> Result<String, DecodeError> {
        match self.head()? {
            Head::Str(len) => self.str(len, path),
            _ => Err(DecodeError::invalid(path, "map key must be a string")),
        }
    }

    fn value(
        &mut self,
        ty: &Type,
        path: &AttributePath,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        within_depth(depth)?;
        let head = self.head()?;
        match head {
            Head::Nil => return Ok(Value::Null),
            Head::Ext(len) => {
                // Any extension is an unknown; Terraform ≥ 1.6 refines them (type 12), which we
                // may ignore.
                self.take(len)?;
                return Ok(Value::Unknown);
            }
            _ => {}
        }
        let mismatch = |what: &str| {
            DecodeError::invalid(
                path,
                format!("expected {}, found {what}", ty.friendly_name()),
            )
        };
        match (ty, head) {
            (Type::String, Head::Str(len)) => Ok(Value::String(self.str(len, path)?)),
            (Type::Bool, Head::Bool(b)) => Ok(Value::Bool(b)),
            (Type::Number, Head::Int(i)) => Ok(Value::Number(Number::Int(i))),
            (Type::Number, Head::UInt(u)) => Ok(Value::Number(
                i64::try_from(u).map_or_else(|_| Number::Decimal(u.to_string()), Number::Int),
            )),
            // cty numbers are finite: NaN and infinities are not values Terraform sends.
            (Type::Number, Head::Float(f)) if f.is_finite() => Ok(Value::Number(Number::Float(f))),
            (Type::Number, Head::Float(_)) => {
                Err(DecodeError::invalid(path, "number is not finite"))
            }
            (Type::Number, Head::Str(len)) => {
                let text = self.str(len, path)?;
                Number::parse(&text)
                    .map(Value::Number)
                    .ok_or_else(|| DecodeError::invalid(path, format!("{text:?} is not a number")))
            }
            (Type::List(elem) | Type::Set(elem), Head::Array(len)) => {
                let mut items = Vec::with_capacity(len.min(self.bytes.len() - self.pos));
                for i in 0..len {
                    items.push(self.value(elem, &path.then_index(i as i64), depth + 1)?);
                }
                Ok(if matches!(ty, Type::List(_)) {
                    Value::List(items)
                } else {
                    Value::Set(items)
                })
            }
            (Type::Tuple(elems), Head::Array(len)) => {
                if len != elems.len() {
                    return Err(DecodeError::invalid(
                        path,
                        format!("tuple needs {} elements, found {len}", elems.len()),
                    ));
                }
                let mut items = Vec::with_capacity(len);
                for (i, elem) in elems.iter().enumerate() {
                    items.push(self.value(elem, &path.then_index(i as i64), depth + 1)?);
                }
                Ok(Value::Tuple(items))
            }
            (Type::Map(elem), Head::Map(len)) => {
                let mut map = BTreeMap::new();
                for _ in 0..len {
                    let key = self.key(path)?;
                    let v = self.value(elem, &path.then_key(&key), depth + 1)?;
                    map.insert(key, v);
                }
                Ok(Value::Map(map))
            }
            (Type::Object(attrs), Head::Map(len)) => {
                let mut map = BTreeMap::new();
                for _ in 0..len {
                    let key = self.key(path)?;
                    let attr_path = path.then_attr(&key);
                    let attr_ty = attrs
                        .get(&key)
                        .ok_or_else(|| DecodeError::invalid(&attr_path, "unsupported attribute"))?;
                    let v = self.value(attr_ty, &attr_path, depth + 1)?;
                    if map.insert(key, v).is_some() {
                        return Err(DecodeError::invalid(&attr_path, "attribute given twice"));
                    }
                }
                // Terraform always sends every attribute (cty refuses objects that lack one);
                // a value that lacks some is not one of ours, so say which are missing rather
                // than guess.
                let missing: Vec<&str> = attrs
                    .keys()
                    .filter(|name| !map.contains_key(*name))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    return Err(DecodeError::invalid(
                        path,
                        format!("object lacks attribute(s) {}", missing.join(", ")),
                    ));
                }
                Ok(Value::Object(map))
            }
            (Type::Dynamic, Head::Array(2)) => {
                let type_json = match self.head()? {
                    Head::Bin(len) | Head::Str(len) => self.take(len)?,
                    _ => return Err(mismatch("a dynamic value without its type")),
                };
                let inner_ty = Type::from_json_bytes(type_json)
                    .map_err(|e| DecodeError::invalid(path, format!("dynamic value type: {e}")))?;
                let inner = self.value(&inner_ty, path, depth + 1)?;
                Ok(Value::Dynamic(inner_ty, Box::new(inner)))
            }
            (_, head) => Err(mismatch(head_name(&head))),
        }
    }
}

fn head_name(head: &Head) -> &'static str {
    match head {
        Head::Nil => "null",
        Head::Bool(_) => "bool",
        Head::Int(_) | Head::UInt(_) | Head::Float(_) => "number",
        Head::Str(_) => "string",
        Head::Bin(_) => "binary",
        Head::Array(_) => "array",
        Head::Map(_) => "map",
        Head::Ext(_) => "extension",
    }
}

fn write_len(out: &mut Vec<u8>, len: usize, fix: Option<(u8, usize)>, m16: u8, m32: u8) {
    match fix {
        Some((marker, max)) if len <= max => out.push(marker | len as u8),
        _ if len <= u16::MAX as usize => {
            out.push(m16);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(m32);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if len <= u8::MAX as usize {
        out.push(0xd9);
        out.push(len as u8);
    } else {
        write_len(out, len, None, 0xda, 0xdb);
    }
    out.extend_from_slice(s.as_bytes());
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    match i {
        0..=0x7f => out.push(i as u8),
        -32..=-1 => out.push(i as i8 as u8),
        _ if i8::try_from(i).is_ok() => out.extend_from_slice(&[0xd0, i as i8 as u8]),
        _ if i16::try_from(i).is_ok() => {
            out.push(0xd1);
            out.extend_from_slice(&(i as i16).to_be_bytes());
        }
        _ if i32::try_from(i).is_ok() => {
            out.push(0xd2);
            out.extend_from_slice(&(i as i32).to_be_bytes());
        }
        _ => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    match n {
        Number::Int(i) => write_int(out, *i),
        Number::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => write_int(out, *f as i64),
        Number::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Number::Decimal(s) => write_str(out, s),
    }
}

fn encode(
    value: &Value,
    ty: &Type,
    path: &AttributePath,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let mismatch = || EncodeError {
        path: path.clone(),
        expected: ty.friendly_name(),
        found: value.kind(),
    };
    match (ty, value) {
        (_, Value::Null) => out.push(0xc0),
        (_, Value::Unknown) => out.extend_from_slice(&UNKNOWN),
        (Type::String, Value::String(s)) => write_str(out, s),
        (Type::Number, Value::Number(n)) => write_number(out, n),
        (Type::Bool, Value::Bool(b)) => out.push(if *b { 0xc3 } else { 0xc2 }),
        (Type::List(elem), Value::List(items)) | (Type::Set(elem), Value::Set(items)) => {
            write_len(out, items.len(), Some((0x90, 15)), 0xdc, 0xdd);
            for (i, item) in items.iter().enumerate() {
                encode(item, elem, &path.then_index(i as i64), out)?;
            }
        }
        (Type::Tuple(elems), Value::Tuple(items)) if elems.len() == items.len() => {
            write_len(out, items.len(), Some((0x90, 15)), 0xdc, 0xdd);
            for (i, (item, elem)) in items.iter().zip(elems).enumerate() {
                encode(item, elem, &path.then_index(i as i64), out)?;
            }
        }
        (Type::Map(elem), Value::Map(map)) => {
            write_len(out, map.len(), Some((0x80, 15)), 0xde, 0xdf);
            for (k, v) in map {
                write_str(out, k);
                encode(v, elem, &path.then_key(k), out)?;
            }
        }
        (Type::Object(attrs), Value::Object(map)) => {
            if let Some(extra) = map.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(EncodeError {
                    path: path.then_attr(extra),
                    expected: "an attribute of the schema".into(),
                    found: "unknown attribute",
                });
            }
            // Driven by the type, so every attribute is written even when the value lacks it.
            write_len(out, attrs.len(), Some((0x80, 15)), 0xde, 0xdf);
            for (name, attr_ty) in attrs {
                write_str(out, name);
                let attr = map.get(name).unwrap_or(&Value::Null);
                encode(attr, attr_ty, &path.then_attr(name), out)?;
            }
        }
        (Type::Dynamic, Value::Dynamic(inner_ty, inner)) => {
            out.push(0x92);
            let type_json = inner_ty.to_json_bytes();
            if type_json.len() <= u8::MAX as usize {
                out.extend_from_slice(&[0xc4, type_json.len() as u8]);
            } else {
                write_len(out, type_json.len(), None, 0xc5, 0xc6);
            }
            out.extend_from_slice(&type_json);
            encode(inner, inner_ty, path, out)?;
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("port", Type::Number),
            ("tags", Type::map(Type::String)),
        ])
    }

    #[test]
    fn decodes_hand_written_object_with_null_and_unknown() {
        // {"id": <unknown ext0>, "port": nil, "tags": {"a": "b"}}
        let bytes = [
            0x83, 0xa2, b'i', b'd', 0xd4, 0x00, 0x00, 0xa4, b'p', b'o', b'r', b't', 0xc0, 0xa4,
            b't', b'a', b'g', b's', 0x81, 0xa1, b'a', 0xa1, b'b',
        ];
        let v = decode_msgpack(&bytes, &registry_type()).unwrap();
        assert_eq!(v.attr("id"), &Value::Unknown);
        assert_eq!(v.attr("port"), &Value::Null);
        assert_eq!(
            v.attr("tags"),
            &Value::Map([("a".into(), Value::from("b"))].into())
        );
    }

    #[test]
    fn refined_unknown_ext12_decodes_as_unknown() {
        // ext8 len 3 type 12 payload {1: true}: "unknown, but not null".
        let bytes = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(
            decode_msgpack(&bytes, &Type::String).unwrap(),
            Value::Unknown
        );
        // fixext4 type 12 with a string prefix refinement inside.
        let bytes = [0xd6, 0x0c, 0x81, 0x02, 0xa1, b'x'];
        assert_eq!(
            decode_msgpack(&bytes, &Type::String).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn numbers_in_all_three_forms() {
        assert_eq!(
            decode_msgpack(&[0x2a], &Type::Number).unwrap(),
            Value::int(42)
        );
        assert_eq!(
            decode_msgpack(&[0xff], &Type::Number).unwrap(),
            Value::int(-1)
        );
        assert_eq!(
            decode_msgpack(&[0xcd, 0x01, 0x00], &Type::Number).unwrap(),
            Value::int(256)
        );
        let mut f = vec![0xcb];
        f.extend_from_slice(&1.5f64.to_be_bytes());
        assert_eq!(
            decode_msgpack(&f, &Type::Number).unwrap(),
            Value::Number(Number::Float(1.5))
        );
        let big = "123456789012345678901234567890";
        let mut s = vec![0xbe];
        s.extend_from_slice(big.as_bytes());
        assert_eq!(
            decode_msgpack(&s, &Type::Number).unwrap(),
            Value::Number(Number::Decimal(big.into()))
        );
        // And out: int when integral, float64 otherwise, decimal text beyond both.
        assert_eq!(
            encode_msgpack(&Value::int(300), &Type::Number).unwrap(),
            [0xd1, 0x01, 0x2c]
        );
        assert_eq!(
            encode_msgpack(&Value::Number(Number::Float(2.0)), &Type::Number).unwrap(),
            [0x02]
        );
        assert_eq!(
            encode_msgpack(&Value::Number(Number::Float(1.5)), &Type::Number).unwrap(),
            f
        );
        assert_eq!(
            encode_msgpack(&Value::Number(Number::Decimal(big.into())), &Type::Number).unwrap(),
            s
        );
        assert_eq!(
            decode_msgpack(
                &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                &Type::Number
            )
            .unwrap(),
            Value::Number(Number::Decimal(u64::MAX.to_string()))
        );
    }

    #[test]
    fn non_finite_numbers_are_refused() {
        for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut bytes = vec![0xcb];
            bytes.extend_from_slice(&f.to_be_bytes());
            assert!(decode_msgpack(&bytes, &Type::Number).is_err(), "{f}");
        }
    }

    #[test]
    fn encodes_unknown_as_ext0_and_objects_complete() {
        let v = Value::object([("id", Value::Unknown)]);
        let bytes = encode_msgpack(&v, &registry_type()).unwrap();
        assert_eq!(
            bytes,
            [
                0x83, 0xa2, b'i', b'd', 0xd4, 0x00, 0x00, 0xa4, b'p', b'o', b'r', b't', 0xc0, 0xa4,
                b't', b'a', b'g', b's', 0xc0
            ]
        );
    }

    #[test]
    fn sets_and_nested_objects_round_trip() {
        let ty = Type::object([
            ("names", Type::set(Type::String)),
            ("timeouts", Type::object([("create", Type::String)])),
            ("pair", Type::Tuple(vec![Type::String, Type::Bool])),
        ]);
        let v = Value::object([
            ("names", Value::Set(vec!["a".into(), "b".into()])),
            ("timeouts", Value::object([("create", Value::from("5m"))])),
            ("pair", Value::Tuple(vec!["x".into(), true.into()])),
        ]);
        let bytes = encode_msgpack(&v, &ty).unwrap();
        assert_eq!(
            &bytes[..8],
            &[0x83, 0xa5, b'n', b'a', b'm', b'e', b's', 0x92]
        );
        assert_eq!(decode_msgpack(&bytes, &ty).unwrap(), v);
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let v = Value::Dynamic(Type::String, Box::new("hi".into()));
        let bytes = encode_msgpack(&v, &Type::Dynamic).unwrap();
        assert_eq!(
            bytes,
            [0x92, 0xc4, 0x08, b'"', b's', b't', b'r', b'i', b'n', b'g', b'"', 0xa2, b'h', b'i']
        );
        assert_eq!(decode_msgpack(&bytes, &Type::Dynamic).unwrap(), v);
    }

    #[test]
    fn long_strings_and_collections_use_wide_lengths() {
        let s = "x".repeat(70_000);
        let bytes = encode_msgpack(&Value::String(s.clone()), &Type::String).unwrap();
        assert_eq!(&bytes[..5], &[0xdb, 0x00, 0x01, 0x11, 0x70]);
        assert_eq!(
            decode_msgpack(&bytes, &Type::String).unwrap(),
            Value::String(s)
        );
        let items: Vec<Value> = (0..20).map(Value::int).collect();
        let bytes = encode_msgpack(&Value::List(items.clone()), &Type::list(Type::Number)).unwrap();
        assert_eq!(&bytes[..3], &[0xdc, 0x00, 20]);
        assert_eq!(
            decode_msgpack(&bytes, &Type::list(Type::Number)).unwrap(),
            Value::List(items)
        );
    }

    #[test]
    fn bad_input_is_an_error_with_a_path() {
        let ty = registry_type();
        // "port" as a string that is not a number.
        let bytes = [0x81, 0xa4, b'p', b'o', b'r', b't', 0xa3, b'a', b'b', b'c'];
        let err = decode_msgpack(&bytes, &ty).unwrap_err();
        assert_eq!(err.to_string(), r#"port: "abc" is not a number"#);
        // An attribute the schema does not have.
        let err = decode_msgpack(&[0x81, 0xa1, b'z', 0xc0], &ty).unwrap_err();
        assert_eq!(err.to_string(), "z: unsupported attribute");
        // Type mismatch, truncation, trailing bytes, hostile lengths, deep nesting.
        assert!(decode_msgpack(&[0xc3], &Type::String).is_err());
        assert_eq!(
            decode_msgpack(&[0xa5, b'a'], &Type::String),
            Err(DecodeError::Truncated)
        );
        assert_eq!(
            decode_msgpack(&[0xc0, 0xc0], &Type::String),
            Err(DecodeError::Trailing(1))
        );
        assert_eq!(
            decode_msgpack(&[0xdd, 0xff, 0xff, 0xff, 0xff], &Type::list(Type::String)),
            Err(DecodeError::Truncated)
        );
        let mut deep = Type::String;
        for _ in 0..100 {
            deep = Type::list(deep);
        }
        assert_eq!(
            decode_msgpack(&[0x91; 100], &deep),
            Err(DecodeError::TooDeep(super::super::MAX_DEPTH))
        );
    }

    #[test]
    fn encode_rejects_wrong_kinds() {
        let err = encode_msgpack(&Value::int(1), &Type::String).unwrap_err();
        assert_eq!(err.to_string(), "(root): cannot encode number as string");
        let err =
            encode_msgpack(&Value::object([("nope", Value::Null)]), &registry_type()).unwrap_err();
        assert!(err.to_string().starts_with("nope:"));
    }
}
