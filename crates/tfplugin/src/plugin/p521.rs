//! ECDSA P-521 signature verification (SHA-512, and SHA-384) for rustls.
//!
//! Terraform's per-run client certificate is a P-521 key, and ring (our fast-starting crypto
//! provider) cannot verify P-521 signatures. This plugs RustCrypto's `p521` into rustls's
//! algorithm table for exactly those schemes.

use std::marker::PhantomData;

use p521::ecdsa::signature::hazmat::PrehashVerifier;
use p521::ecdsa::{Signature, VerifyingKey};
use rustls_pki_types::{
    alg_id, AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm,
};
use sha2::Digest;

/// A digest P-521 signatures are made with, and how rustls names that scheme.
pub trait P521Digest: Digest + Send + Sync + 'static {
    const SIGNATURE_ALG_ID: AlgorithmIdentifier;
}

impl P521Digest for sha2::Sha512 {
    const SIGNATURE_ALG_ID: AlgorithmIdentifier = alg_id::ECDSA_SHA512;
}

/// What Go TLS 1.2 servers with P-521 keys (older go-plugin builds) sign handshakes with.
impl P521Digest for sha2::Sha384 {
    const SIGNATURE_ALG_ID: AlgorithmIdentifier = alg_id::ECDSA_SHA384;
}

/// ECDSA over P-521 with the digest `D`.
pub struct EcdsaP521<D>(PhantomData<D>);

impl<D> EcdsaP521<D> {
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<D> std::fmt::Debug for EcdsaP521<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EcdsaP521<{}>", std::any::type_name::<D>())
    }
}

pub type EcdsaP521Sha512 = EcdsaP521<sha2::Sha512>;
pub type EcdsaP521Sha384 = EcdsaP521<sha2::Sha384>;

impl<D: P521Digest> SignatureVerificationAlgorithm for EcdsaP521<D> {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature = Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify_prehash(&D::digest(message), &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        D::SIGNATURE_ALG_ID
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p521::ecdsa::signature::hazmat::PrehashSigner;
    use p521::ecdsa::SigningKey;

    /// A key's public point and its DER signature of `message` hashed with `D`.
    fn signed<D: P521Digest>(seed: u8, message: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut scalar = [seed; 66];
        scalar[0] = 0; // below the group order
        let key = SigningKey::from_slice(&scalar).unwrap();
        let public = VerifyingKey::from(&key).to_encoded_point(false);
        let sig: Signature = key.sign_prehash(&D::digest(message)).unwrap();
        (public.as_bytes().to_vec(), sig.to_der().as_bytes().to_vec())
    }

    /// Each scheme accepts its own signature and refuses a changed message, a cut key, a
    /// malformed signature, and the other digest's signature.
    fn verifies<D: P521Digest, Other: P521Digest>(seed: u8) {
        let alg = EcdsaP521::<D>::new();
        let (public, der) = signed::<D>(seed, b"hello");
        assert!(alg.verify_signature(&public, b"hello", &der).is_ok());
        assert!(alg.verify_signature(&public, b"hellO", &der).is_err());
        assert!(alg.verify_signature(&public[1..], b"hello", &der).is_err());
        assert!(alg
            .verify_signature(&public, b"hello", &[0x30, 0x00])
            .is_err());
        let (public, other) = signed::<Other>(seed, b"hello");
        assert!(alg.verify_signature(&public, b"hello", &other).is_err());
    }

    #[test]
    fn verifies_p521_sha512_signatures_and_rejects_tampering() {
        verifies::<sha2::Sha512, sha2::Sha384>(7);
    }

    #[test]
    fn verifies_p521_sha384_signatures_and_rejects_tampering() {
        verifies::<sha2::Sha384, sha2::Sha512>(9);
    }

    /// The SHA-512 scheme checks what `p521`'s own signer makes, not only our prehash.
    #[test]
    fn verifies_what_the_p521_signer_makes() {
        use p521::ecdsa::signature::Signer;
        let key = SigningKey::from_slice(&[[0u8; 1].as_slice(), &[5u8; 65]].concat()).unwrap();
        let public = VerifyingKey::from(&key).to_encoded_point(false);
        let sig: Signature = key.sign(b"hello");
        assert!(EcdsaP521Sha512::new()
            .verify_signature(public.as_bytes(), b"hello", sig.to_der().as_bytes())
            .is_ok());
    }
}
