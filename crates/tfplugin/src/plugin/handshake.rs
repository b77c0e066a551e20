//! go-plugin's start-up contract: the magic cookie, protocol negotiation and the one line on
//! stdout that tells Terraform where and how to connect.

use base64::Engine;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// go-plugin's core protocol version, the first field of the handshake line.
const CORE_PROTOCOL_VERSION: u32 = 1;

/// Plugin protocol versions we serve, most preferred first.
pub const SUPPORTED_VERSIONS: [u32; 2] = [6, 5];

/// Shown when someone runs the binary by hand without the cookie.
pub const NOT_A_PROGRAM: &str =
    "This binary is a plugin. These are not meant to be executed directly.\n\
Please execute the program that consumes these plugins, which will load any plugins automatically.";

pub fn cookie_is_valid(value: Option<&str>) -> bool {
    value == Some(MAGIC_COOKIE_VALUE)
}

/// Picks the highest version both sides support from `PLUGIN_PROTOCOL_VERSIONS`. With nothing
/// usable (absent, garbage, or only versions we lack) we answer with our lowest, as go-plugin
/// does, and let the client decide whether it can live with it.
pub fn negotiate(client_versions: Option<&str>) -> u32 {
    let offered: Vec<u32> = client_versions
        .unwrap_or("")
        .split(',')
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    SUPPORTED_VERSIONS
        .iter()
        .copied()
        .find(|v| offered.contains(v))
        .unwrap_or(SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.len() - 1])
}

/// Where Terraform should connect (see `listener`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(std::path::PathBuf),
    Tcp(std::net::SocketAddr),
}

impl Endpoint {
    pub fn network(&self) -> &'static str {
        match self {
            Endpoint::Unix(_) => "unix",
            Endpoint::Tcp(_) => "tcp",
        }
    }

    pub fn address(&self) -> String {
        match self {
            Endpoint::Unix(p) => p.display().to_string(),
            Endpoint::Tcp(a) => a.to_string(),
        }
    }
}

/// `1|6|unix|/tmp/plugin123/p.sock|grpc|<cert>`: exactly six fields; the certificate is standard
/// base64 without padding, empty when TLS is off.
pub fn handshake_line(version: u32, endpoint: &Endpoint, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{version}|{}|{}|grpc|{cert}",
        endpoint.network(),
        endpoint.address()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_table() {
        assert_eq!(negotiate(Some("5,6")), 6);
        assert_eq!(negotiate(Some("6,5")), 6);
        assert_eq!(negotiate(Some("5")), 5);
        assert_eq!(negotiate(Some("6")), 6);
        assert_eq!(negotiate(Some(" 5 , 6 ")), 6);
        assert_eq!(negotiate(None), 5);
        assert_eq!(negotiate(Some("")), 5);
        assert_eq!(negotiate(Some("garbage,,x")), 5);
        assert_eq!(negotiate(Some("7,8")), 5);
    }

    #[test]
    fn cookie_must_match_exactly() {
        assert!(cookie_is_valid(Some(MAGIC_COOKIE_VALUE)));
        assert!(!cookie_is_valid(None));
        assert!(!cookie_is_valid(Some("")));
        assert!(!cookie_is_valid(Some(&MAGIC_COOKIE_VALUE[1..])));
    }

    #[test]
    fn line_has_six_fields_and_unpadded_cert() {
        let ep = Endpoint::Unix("/tmp/plugin1/p.sock".into());
        // One byte of DER base64-encodes to two characters plus "==" when padded.
        let line = handshake_line(6, &ep, Some(&[0xff]));
        assert_eq!(line, "1|6|unix|/tmp/plugin1/p.sock|grpc|/w");
        let line = handshake_line(5, &ep, None);
        assert_eq!(line, "1|5|unix|/tmp/plugin1/p.sock|grpc|");
        assert_eq!(line.split('|').count(), 6);
    }
}
