//! Any bytes, decoded as msgpack (and as JSON) under the resource's type and under a type with
//! every kind of collection: never a panic, and whatever decodes encodes and decodes back to
//! the same value.
#![no_main]

use std::sync::OnceLock;

use tfplugin::framework::ProviderRpcs;
use tfplugin::value::{decode_json, decode_msgpack, encode_msgpack, Type};
use libfuzzer_sys::fuzz_target;

fn types() -> &'static [Type] {
    static TYPES: OnceLock<Vec<Type>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let schema = alicloud_provider::provider::new().schema().clone();
        let mut types: Vec<Type> = schema.resources.values().map(|s| s.value_type()).collect();
        types.extend(schema.data_sources.values().map(|s| s.value_type()));
        types.push(Type::object([
            ("list", Type::list(Type::String)),
            ("set", Type::set(Type::Number)),
            ("map", Type::map(Type::Bool)),
            ("any", Type::Dynamic),
            ("nested", Type::list(Type::object([("n", Type::Number)]))),
        ]));
        types
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let ty = &types()[pick as usize % types().len()];
    if let Ok(value) = decode_msgpack(bytes, ty) {
        let encoded = encode_msgpack(&value, ty).expect("a decoded value encodes");
        let again = decode_msgpack(&encoded, ty).expect("our own encoding decodes");
        assert_eq!(again, value, "msgpack round trip");
    }
    let _ = decode_json(bytes, ty);
});
