//! What a resource keeps beside its state: Terraform stores it with the state and hands it back
//! on the next read, plan and apply, but never shows it and never compares it. It is the place
//! for facts about the object that are not attributes, such as when it was made, which a later
//! provider process needs.
//!
//! Kept as a JSON object of named entries. Bytes that are not one (empty, or written by another
//! provider version) read as no entries, so a resource never fails on them.

use serde_json::{Map, Value as Json};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Private(Map<String, Json>);

impl Private {
    /// What Terraform handed over.
    pub fn decode(bytes: &[u8]) -> Self {
        match serde_json::from_slice(bytes) {
            Ok(Json::Object(entries)) => Self(entries),
            _ => Self::default(),
        }
    }

    /// What to hand back: nothing at all when there is no entry.
    pub fn encode(&self) -> Vec<u8> {
        if self.0.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.0).unwrap_or_default()
    }

    pub fn get(&self, key: &str) -> Option<&Json> {
        self.0.get(key)
    }

    pub fn set(&mut self, key: &str, value: impl Into<Json>) {
        self.0.insert(key.to_string(), value.into());
    }

    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_the_round_trip() {
        let mut p = Private::default();
        assert!(p.encode().is_empty(), "nothing kept, nothing stored");
        p.set("made_at_ms", 1_796_553_367_066_u64);
        let back = Private::decode(&p.encode());
        let made = back.get("made_at_ms").and_then(Json::as_u64);
        assert_eq!(made, Some(1_796_553_367_066));
        let mut back = back;
        back.remove("made_at_ms");
        assert!(back.encode().is_empty());
    }

    #[test]
    fn foreign_bytes_read_as_no_entries() {
        for bytes in [&b""[..], b"not json", b"[1,2]", b"\x00\xff"] {
            assert_eq!(Private::decode(bytes), Private::default(), "{bytes:?}");
        }
    }
}
