//! Client certificates shaped like Terraform's (ECDSA P-521, self-signed with SHA-512, CA:true,
//! `localhost`), built with a few lines of DER because no ring-based tool can sign with P-521.

use p521::ecdsa::signature::Signer as _;
use p521::ecdsa::{Signature, SigningKey, VerifyingKey};

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

const ECDSA_SHA512: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const SECP521R1: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];

fn name(cn: &str) -> Vec<u8> {
    let attr = seq(&[vec![0x06, 0x03, 0x55, 0x04, 0x03], der(0x0c, cn.as_bytes())]);
    seq(&[der(0x31, &attr)])
}

fn extension(oid_tail: u8, critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![vec![0x06, 0x03, 0x55, 0x1d, oid_tail]];
    if critical {
        parts.push(vec![0x01, 0x01, 0xff]);
    }
    parts.push(der(0x04, &value));
    seq(&parts)
}

/// A P-521 client identity: certificate DER and PEM, and the key to sign the handshake with.
pub struct ClientIdentity {
    pub cert_der: Vec<u8>,
    pub key: SigningKey,
}

impl ClientIdentity {
    /// Valid from a minute ago for a day, like Terraform's per-run certificate.
    pub fn terraform_like(seed: u8) -> Self {
        Self::build(seed, "260101000000Z", "491231235959Z", false)
    }

    /// Already expired.
    pub fn expired(seed: u8) -> Self {
        Self::build(seed, "200101000000Z", "200102000000Z", false)
    }

    /// A certificate whose signature does not match its contents.
    pub fn tampered(seed: u8) -> Self {
        Self::build(seed, "260101000000Z", "491231235959Z", true)
    }

    fn build(seed: u8, not_before: &str, not_after: &str, tamper: bool) -> Self {
        let mut secret = [seed.max(1); 66];
        secret[0] = 0; // keep the scalar below the group order
        let key = SigningKey::from_slice(&secret).expect("valid P-521 scalar");
        let point = VerifyingKey::from(&key).to_encoded_point(false);
        let mut bits = vec![0u8];
        bits.extend_from_slice(point.as_bytes());
        let spki = seq(&[
            seq(&[EC_PUBLIC_KEY.to_vec(), SECP521R1.to_vec()]),
            der(0x03, &bits),
        ]);
        let extensions = seq(&[
            extension(0x13, true, seq(&[vec![0x01, 0x01, 0xff]])),
            // digitalSignature | keyEncipherment | keyAgreement | keyCertSign
            extension(0x0f, true, vec![0x03, 0x02, 0x02, 0xac]),
            extension(
                0x25,
                false,
                seq(&[
                    vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02],
                    vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01],
                ]),
            ),
            extension(0x11, false, seq(&[der(0x82, b"localhost")])),
        ]);
        let tbs = seq(&[
            der(0xa0, &[0x02, 0x01, 0x02]),
            vec![0x02, 0x02, 0x01, seed],
            seq(&[ECDSA_SHA512.to_vec()]),
            name("localhost"),
            seq(&[
                der(0x17, not_before.as_bytes()),
                der(0x17, not_after.as_bytes()),
            ]),
            name("localhost"),
            spki,
            der(0xa3, &extensions),
        ]);
        let sig: Signature = key.sign(&tbs);
        let mut sig_bits = vec![0u8];
        sig_bits.extend_from_slice(sig.to_der().as_bytes());
        let mut tbs_out = tbs.clone();
        if tamper {
            // Flip a byte of the subject name after signing.
            let at = tbs_out.len() / 2;
            tbs_out[at] ^= 0x01;
        }
        let cert_der = seq(&[tbs_out, seq(&[ECDSA_SHA512.to_vec()]), der(0x03, &sig_bits)]);
        Self { cert_der, key }
    }

    pub fn cert_pem(&self) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&self.cert_der);
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }
}
