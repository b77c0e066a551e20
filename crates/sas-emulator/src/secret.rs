//! Secrets as a type that does not print itself, and the one-way hash the emulator shows in
//! their place (request log, introspection, state dumps).
//!
//! Tests compare against [`secret_hash`] to check that the right password reached the
//! emulator without the password ever being echoed.

use sha2::{Digest, Sha256};
use std::fmt;

/// A secret string (access key secret, password, security token, authToken). `Debug` and
/// `Display` print a hash, never the value; use [`Secret::expose`] where the value is needed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself: only for signing/verification and for answering an API that
    /// really returns it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", secret_hash(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&secret_hash(&self.0))
    }
}

/// `sha256:` + the first 16 hex digits of SHA-256(value): enough to tell two values apart in a
/// log or test, useless for reading the value back.
pub fn secret_hash(value: &str) -> String {
    let digest = hex::encode(Sha256::digest(value.as_bytes()));
    format!("sha256:{}", &digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_itself() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s}"), secret_hash("hunter2"));
        assert!(secret_hash("x").starts_with("sha256:"));
        assert_eq!(secret_hash("x").len(), "sha256:".len() + 16);
    }
}
