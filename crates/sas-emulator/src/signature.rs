//! The signature arithmetic of Alibaba Cloud RPC APIs, server side: percent-encoding, the V3
//! (`ACS3-HMAC-SHA256`) canonical request and the V2 (HMAC-SHA1) string to sign.
//!
//! This module is pure (no I/O, no clock) and deliberately written from the published spec
//! rather than shared with the API client in `crate::alicloud`: if the client signer has a bug,
//! a verifier built from the same code would have the same bug and the two would agree. Both
//! algorithms are pinned to the published test vectors in the unit tests below. Deciding *which*
//! headers and parameters go in, and what the outcome means, is `auth`'s job.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The algorithm name that starts a V3 `Authorization` header and its string to sign.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Percent-encodes per the Alibaba Cloud rule shared by V2 and V3: the UTF-8 bytes
/// `A-Z a-z 0-9 - _ . ~` stay literal, every other byte becomes `%XY` in upper-case hex
/// (so space is `%20`, `*` is `%2A`, `~` stays `~`).
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// `name=value` pairs sorted by name (then value, so duplicates are deterministic), each side
/// percent-encoded, joined with `&`. Used for the V3 canonical query and the V2 canonicalized
/// parameter string.
pub fn canonical_params<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(&str, &str)> = params.into_iter().collect();
    pairs.sort_unstable();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out
}

/// Lower-case hex SHA-256, as used for `x-acs-content-sha256` and the canonical request hash.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The V3 canonical request. `headers` are the signed headers as (lower-case name, value);
/// values are trimmed and the list is sorted here, so callers pass them in any order.
pub fn v3_canonical_request(
    method: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    payload_sha256_hex: &str,
) -> String {
    let mut hs: Vec<(String, &str)> = headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim()))
        .collect();
    hs.sort();
    let mut canonical_headers = String::new();
    let mut signed = Vec::with_capacity(hs.len());
    for (n, v) in &hs {
        canonical_headers.push_str(n);
        canonical_headers.push(':');
        canonical_headers.push_str(v);
        canonical_headers.push('\n');
        signed.push(n.as_str());
    }
    format!(
        "{method}\n/\n{}\n{canonical_headers}\n{}\n{payload_sha256_hex}",
        canonical_params(query.iter().copied()),
        signed.join(";"),
    )
}

/// `ACS3-HMAC-SHA256\n` + hex(sha256(canonical request)).
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// hex(HMAC-SHA256(secret, string to sign)).
pub fn v3_signature(access_key_secret: &str, string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so this constructor cannot fail; fall back to an empty
    // signature (which never matches) rather than panicking if that ever changed.
    match Hmac::<Sha256>::new_from_slice(access_key_secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(string_to_sign.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// The parsed V3 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Authorization {
    /// The access key id from `Credential=`.
    pub credential: String,
    /// Lower-case header names from `SignedHeaders=`, in the order given.
    pub signed_headers: Vec<String>,
    /// The hex signature from `Signature=`.
    pub signature: String,
}

/// Parses `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..`. Returns a human
/// message on failure (the caller maps it to `IncompleteSignature`).
pub fn parse_v3_authorization(header: &str) -> Result<V3Authorization, String> {
    let rest = header
        .strip_prefix(V3_ALGORITHM)
        .ok_or_else(|| format!("Authorization must start with {V3_ALGORITHM}"))?;
    if !rest.starts_with(' ') {
        return Err("Authorization is malformed".into());
    }
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.trim().split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| format!("Authorization part {:?} is not key=value", part.trim()))?;
        match k {
            "Credential" => credential = Some(v.to_string()),
            "SignedHeaders" => signed = Some(v.to_string()),
            "Signature" => signature = Some(v.to_string()),
            _ => return Err(format!("Authorization has an unknown part {k:?}")),
        }
    }
    let credential = credential
        .filter(|c| !c.is_empty())
        .ok_or("Authorization lacks Credential")?;
    let signed = signed
        .filter(|s| !s.is_empty())
        .ok_or("Authorization lacks SignedHeaders")?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or("Authorization lacks Signature")?;
    Ok(V3Authorization {
        credential,
        signed_headers: signed.split(';').map(|h| h.to_ascii_lowercase()).collect(),
        signature,
    })
}

/// The V2 string to sign: `METHOD & enc("/") & enc(canonicalized params)`. `params` must not
/// include `Signature`.
pub fn v2_string_to_sign(method: &str, params: &[(&str, &str)]) -> String {
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical_params(params.iter().copied()))
    )
}

/// base64(HMAC-SHA1(secret + "&", string to sign)).
pub fn v2_signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let key = format!("{access_key_secret}&");
    match Hmac::<Sha1>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(string_to_sign.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Compares two signatures without an early exit, so response timing does not reveal how many
/// leading characters of a forged signature were right.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_rules() {
        assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
        assert_eq!(percent_encode("a b*c/+="), "a%20b%2Ac%2F%2B%3D");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("[{\"a\":1}]"), "%5B%7B%22a%22%3A1%7D%5D");
    }

    /// The published V3 vector (RunInstances, 2023-10-26T10:22:32Z).
    #[test]
    fn v3_published_vector() {
        let query = [
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
            ("RegionId", "cn-shanghai"),
        ];
        let body_hash = sha256_hex(b"");
        let headers = [
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", body_hash.as_str()),
        ];
        let cr = v3_canonical_request("POST", &query, &headers, &body_hash);
        assert_eq!(
            sha256_hex(cr.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        let sts = v3_string_to_sign(&cr);
        assert_eq!(
            v3_signature("YourAccessKeySecret", &sts),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    /// The published V2 vector (DescribeRegions, 2016-02-23T12:46:24Z).
    #[test]
    fn v2_published_vector() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("Format", "XML"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("Version", "2014-05-26"),
        ];
        let sts = v2_string_to_sign("GET", &params);
        assert_eq!(
            v2_signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn header_order_and_case_do_not_matter() {
        let a = v3_canonical_request("POST", &[], &[("Host", " h "), ("x-acs-b", "2")], "e");
        let b = v3_canonical_request("POST", &[], &[("x-acs-b", "2"), ("host", "h")], "e");
        assert_eq!(a, b);
        assert!(a.contains("host;x-acs-b"));
    }

    #[test]
    fn authorization_parsing() {
        let a = parse_v3_authorization(
            "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-date,Signature=ab12",
        )
        .unwrap();
        assert_eq!(a.credential, "ak");
        assert_eq!(a.signed_headers, vec!["host", "x-acs-date"]);
        assert_eq!(a.signature, "ab12");
        assert!(parse_v3_authorization("ACS3-HMAC-SHA256 Credential=ak").is_err());
        assert!(parse_v3_authorization("HMAC x").is_err());
        assert!(parse_v3_authorization("ACS3-HMAC-SHA256Credential=a").is_err());
        assert!(parse_v3_authorization("ACS3-HMAC-SHA256 Foo=1,Credential=a").is_err());
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
