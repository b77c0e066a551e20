//! go-plugin's automatic mutual TLS, done properly: a fresh server certificate per process, and
//! a client verifier that lets in only the one certificate Terraform handed us.
//!
//! The usual webpki client verifier does not fit: Terraform's certificate is CA:true (webpki
//! rejects it as an end entity) and P-521 (ring cannot verify it). So we require the exact
//! certificate bytes from `PLUGIN_CLIENT_CERT` and verify the handshake signature ourselves.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, SignatureVerificationAlgorithm, UnixTime,
};
use webpki::ring as algs;

use super::p521::{EcdsaP521Sha384, EcdsaP521Sha512};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate")]
    NoClientCert,
    #[error("generating the server certificate: {0}")]
    CertGen(#[from] rcgen::Error),
    #[error("building the TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

static P521_SHA512: &dyn SignatureVerificationAlgorithm = &EcdsaP521Sha512::new();
static P521_SHA384: &dyn SignatureVerificationAlgorithm = &EcdsaP521Sha384::new();

/// Signature algorithms we accept in a peer's handshake: ring's, plus P-521 for go-plugin's
/// certificates (Terraform's client certificate, and Go plugin servers in our benchmarks).
pub static CLIENT_SIGNATURE_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        P521_SHA512,
        P521_SHA384,
        algs::ECDSA_P256_SHA256,
        algs::ECDSA_P384_SHA384,
        algs::ECDSA_P256_SHA384,
        algs::ECDSA_P384_SHA256,
        algs::ED25519,
        algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        algs::RSA_PKCS1_2048_8192_SHA256,
    ],
    mapping: &[
        (SignatureScheme::ECDSA_NISTP521_SHA512, &[P521_SHA512]),
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[
                algs::ECDSA_P384_SHA384,
                algs::ECDSA_P256_SHA384,
                P521_SHA384,
            ],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[algs::ECDSA_P256_SHA256, algs::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[algs::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[algs::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

/// Admits exactly one client certificate, byte for byte.
#[derive(Debug)]
pub struct PinnedClientVerifier {
    expected: CertificateDer<'static>,
}

impl PinnedClientVerifier {
    pub fn new(expected: CertificateDer<'static>) -> Self {
        Self { expected }
    }
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("refused a TLS client whose certificate is not Terraform's");
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &CLIENT_SIGNATURE_ALGORITHMS)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &CLIENT_SIGNATURE_ALGORITHMS)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        CLIENT_SIGNATURE_ALGORITHMS.supported_schemes()
    }
}

/// Our certificate and the rustls configuration that serves it.
pub struct ServerTls {
    pub cert_der: CertificateDer<'static>,
    pub config: Arc<rustls::ServerConfig>,
}

/// Parses the first certificate out of `PLUGIN_CLIENT_CERT`.
pub fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|_| TlsError::NoClientCert)
}

/// A self-signed certificate for `localhost`, shaped the way go-plugin's client checks it.
fn server_certificate() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), TlsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };

    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::days(30);
    let cert = params.self_signed(&key)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// TLS for one plugin process: our fresh certificate, Terraform's pinned, HTTP/2 over ALPN.
pub fn server_tls(client_cert: CertificateDer<'static>) -> Result<ServerTls, TlsError> {
    let (cert_der, key) = server_certificate()?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(Arc::new(PinnedClientVerifier::new(client_cert)))
        .with_single_cert(vec![cert_der.clone()], key)?;
    // grpc-go ≥ 1.67 (Terraform ≥ 1.12) refuses a server that does not negotiate h2.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        cert_der,
        config: Arc::new(config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_admits_only_the_pinned_certificate() {
        let (a, _) = server_certificate().unwrap();
        let (b, _) = server_certificate().unwrap();
        let v = PinnedClientVerifier::new(a.clone());
        assert!(v.client_auth_mandatory());
        assert!(v.verify_client_cert(&a, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&b, &[], UnixTime::now()).is_err());
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }

    #[test]
    fn client_cert_pem_parses_or_errors() {
        assert!(matches!(
            parse_client_cert("not pem"),
            Err(TlsError::NoClientCert)
        ));
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        assert_eq!(
            parse_client_cert(&cert.pem()).unwrap().as_ref(),
            cert.der().as_ref()
        );
    }
}
