//! `ACS3-HMAC-SHA256`, the V3 signature and the default of the official SDKs.
//!
//! Pure functions over the parts of a request, so the published vector can be reproduced exactly
//! and the transport can sign each attempt afresh (new nonce, new date).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::encode::canonical_params;
use super::secret::Secret;

pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// What a V3 signature covers. `headers` holds the headers to sign — `host`, `content-type`
/// and every `x-acs-*` — in any case and order; others are ignored.
#[derive(Debug, Clone)]
pub struct SignableRequest<'a> {
    pub method: &'a str,
    pub query: &'a [(String, String)],
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// The signature and the intermediate values that the vector publishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureV3 {
    pub canonical_request: String,
    pub hashed_canonical_request: String,
    pub signed_headers: String,
    pub signature: String,
    pub authorization: String,
}

/// hex(SHA-256(bytes)): the `x-acs-content-sha256` value and the last canonical line.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn is_signed_header(lower: &str) -> bool {
    lower == "host" || lower == "content-type" || lower.starts_with("x-acs-")
}

/// The canonical request and the `SignedHeaders` list.
pub fn canonical_request(req: &SignableRequest<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| is_signed_header(k))
        .collect();
    headers.sort();
    let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = headers
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical = format!(
        "{}\n/\n{}\n{}\n{}\n{}",
        req.method.to_ascii_uppercase(),
        canonical_params(req.query),
        canonical_headers,
        signed_headers,
        hex_sha256(req.body)
    );
    (canonical, signed_headers)
}

/// Signs `req` with the AccessKey pair.
pub fn sign(access_key_id: &str, secret: &Secret, req: &SignableRequest<'_>) -> SignatureV3 {
    let (canonical_request, signed_headers) = canonical_request(req);
    let hashed_canonical_request = hex_sha256(canonical_request.as_bytes());
    let string_to_sign = format!("{ALGORITHM}\n{hashed_canonical_request}");
    // HMAC accepts keys of any length, so this cannot fail; fall back to an empty MAC rather than
    // panic if that ever changes.
    let signature = match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(mut mac) => {
            mac.update(string_to_sign.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    let authorization = format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}"
    );
    SignatureV3 {
        canonical_request,
        hashed_canonical_request,
        signed_headers,
        signature,
        authorization,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The published RunInstances vector from the spec.
    #[test]
    fn published_vector() {
        let empty = hex_sha256(b"");
        let headers = pairs(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", &empty),
        ]);
        let query = pairs(&[
            ("RegionId", "cn-shanghai"),
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
        ]);
        let req = SignableRequest {
            method: "POST",
            query: &query,
            headers: &headers,
            body: b"",
        };
        let sig = sign("YourAccessKeyId", &Secret::new("YourAccessKeySecret"), &req);
        assert_eq!(
            sig.hashed_canonical_request,
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            sig.signature,
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
        assert_eq!(
            sig.authorization,
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn unsigned_headers_are_ignored_and_values_trimmed() {
        let a = pairs(&[("Host", " h "), ("User-Agent", "x"), ("X-Acs-Action", "A")]);
        let b = pairs(&[("x-acs-action", "A"), ("host", "h")]);
        let q = Vec::new();
        let secret = Secret::new("s");
        let sa = sign(
            "id",
            &secret,
            &SignableRequest {
                method: "POST",
                query: &q,
                headers: &a,
                body: b"x=1",
            },
        );
        let sb = sign(
            "id",
            &secret,
            &SignableRequest {
                method: "post",
                query: &q,
                headers: &b,
                body: b"x=1",
            },
        );
        assert_eq!(sa, sb);
        assert_eq!(sa.signed_headers, "host;x-acs-action");
    }

    proptest! {
        #[test]
        fn signature_ignores_parameter_and_header_order(
            params in proptest::collection::btree_map("[A-Za-z]{1,6}", "\\PC{0,10}", 0..8),
            rotate in 0usize..8,
        ) {
            let query: Vec<(String, String)> = params.into_iter().collect();
            let mut shuffled = query.clone();
            shuffled.reverse();
            if !shuffled.is_empty() {
                let k = rotate % shuffled.len();
                shuffled.rotate_left(k);
            }
            let headers = pairs(&[("host", "h"), ("x-acs-action", "A"), ("x-acs-date", "d")]);
            let mut headers_rev = headers.clone();
            headers_rev.reverse();
            let secret = Secret::new("k");
            let one = sign("id", &secret, &SignableRequest { method: "POST", query: &query, headers: &headers, body: b"b" });
            let two = sign("id", &secret, &SignableRequest { method: "POST", query: &shuffled, headers: &headers_rev, body: b"b" });
            prop_assert_eq!(one, two);
        }
    }
}
