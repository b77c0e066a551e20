//! An OIDC identity provider registered with RAM, as RRSA and GitHub Actions set one up: an
//! issuer that signs JSON Web Tokens (ES256) and publishes its keys (JWKS), and the checks STS
//! `AssumeRoleWithOIDC` makes of a token — its signature against the issuer's published keys,
//! then issuer, audience (the provider's client ids) and time.
//!
//! The issuer is served at `/oidc` (discovery document and `/oidc/jwks`); tests mint tokens
//! through `POST /_emulator/oidc/token`. Verification reads only the published JWKS, never the
//! private key. CHOICE: only ES256 is verified; a real provider also takes RS256 (a Kubernetes
//! service-account issuer signs with RSA), which the emulator's own issuer never produces.
//!
//! CHOICE: no leeway on `exp`, as STS documents none; a token whose `iat` or `nbf` is more
//! than a minute ahead of the emulator's clock is refused like an expired one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _};
use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::ids;

/// Where the issuer lives on the emulator, and so the `iss` of its tokens (after the origin).
pub const ISSUER_PATH: &str = "/oidc";
/// The JWKS, under the issuer.
pub const JWKS_PATH: &str = "/oidc/jwks";
/// The OIDC discovery document.
pub const DISCOVERY_PATH: &str = "/oidc/.well-known/openid-configuration";
/// The name the emulated account gives its OIDC provider.
pub const PROVIDER_NAME: &str = "sas-emulator";
/// The client id (audience) the provider accepts: RRSA's default.
pub const DEFAULT_AUDIENCE: &str = "sts.aliyuncs.com";
/// How far in the future `iat`/`nbf` may be.
const CLOCK_SKEW_SECONDS: i64 = 60;

/// `acs:ram::<uid>:oidc-provider/<name>`: how `OIDCProviderArn` names the emulated provider.
pub fn provider_arn(ali_uid: i64) -> String {
    format!("acs:ram::{ali_uid}:oidc-provider/{PROVIDER_NAME}")
}

/// What a test asks the issuer to sign.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `sub`, e.g. `system:serviceaccount:ns:sa` or `repo:org/repo:ref:refs/heads/main`.
    #[serde(default = "default_subject")]
    pub subject: String,
    /// `aud` [default: [`DEFAULT_AUDIENCE`]].
    #[serde(default = "default_audience")]
    pub audience: String,
    /// Seconds from now until `exp`; negative for a token that has already expired.
    #[serde(default = "default_expires_in")]
    pub expires_in: i64,
    /// `iss`, when a test wants one other than the issuer's own.
    #[serde(default)]
    pub issuer: Option<String>,
}

fn default_subject() -> String {
    "system:serviceaccount:ci:terraform".into()
}
fn default_audience() -> String {
    DEFAULT_AUDIENCE.into()
}
fn default_expires_in() -> i64 {
    3600
}

/// The issuer: a P-256 key generated at start, and the URL its tokens name.
pub struct Issuer {
    url: String,
    kid: String,
    key: EcdsaKeyPair,
    rng: SystemRandom,
}

/// Why a token is refused, each mapped to STS's code by [`crate::sts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not three base64url parts of JSON, or an unsupported `alg`.
    Malformed(String),
    /// No published key matches, or the signature does not verify.
    Signature,
    /// `iss` is not the provider's issuer.
    Issuer(String),
    /// `aud` names none of the provider's client ids.
    Audience(String),
    /// `exp` has passed (or `iat`/`nbf` lie in the future).
    Expired(i64),
}

/// The claims STS reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    pub exp: i64,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub nbf: Option<i64>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Aud {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Aud::deserialize(d)? {
        Aud::One(a) => vec![a],
        Aud::Many(v) => v,
    })
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

impl Issuer {
    /// A new issuer at `url` (`http://127.0.0.1:PORT/oidc`).
    pub fn new(url: String) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(|e| e.to_string())?;
        let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).map_err(|e| e.to_string())?;
        Ok(Issuer {
            url,
            kid: ids::random_alnum(16).to_ascii_lowercase(),
            key,
            rng,
        })
    }

    /// The `iss` of its tokens.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The published keys.
    pub fn jwks(&self) -> Value {
        // An uncompressed P-256 point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = self.key.public_key().as_ref();
        json!({"keys": [{
            "kty": "EC",
            "crv": "P-256",
            "alg": "ES256",
            "use": "sig",
            "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        }]})
    }

    /// The discovery document a relying party reads first.
    pub fn discovery(&self) -> Value {
        let origin = self.url.trim_end_matches(ISSUER_PATH);
        json!({
            "issuer": self.url,
            "jwks_uri": format!("{origin}{JWKS_PATH}"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["ES256"],
        })
    }

    /// A signed token for `req`, issued at `now`.
    pub fn mint(&self, req: &TokenRequest, now: OffsetDateTime) -> Result<String, String> {
        let now = now.unix_timestamp();
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let claims = json!({
            "iss": req.issuer.as_deref().unwrap_or(&self.url),
            "sub": req.subject,
            "aud": req.audience,
            "iat": now,
            "exp": now + req.expires_in,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = self
            .key
            .sign(&self.rng, signing_input.as_bytes())
            .map_err(|e| e.to_string())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(sig.as_ref())
        ))
    }
}

/// Checks `token` as STS does for a provider whose issuer is `issuer`, whose keys are `jwks`
/// and whose client ids are `audiences`, at `now`.
pub fn verify(
    token: &str,
    jwks: &Value,
    issuer: &str,
    audiences: &[&str],
    now: OffsetDateTime,
) -> Result<Claims, Rejection> {
    let malformed = |why: &str| Rejection::Malformed(why.to_string());
    let mut parts = token.trim().split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a JWT has three dot-separated parts"));
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| malformed(&format!("the {what} is not base64url")))
    };
    let header: Header = serde_json::from_slice(&decode(h, "header")?)
        .map_err(|_| malformed("the header is not a JSON object with alg"))?;
    let sig = decode(s, "signature")?;
    let signing_input = &token.trim()[..h.len() + 1 + p.len()];
    let keys = jwks["keys"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let candidates = keys
        .iter()
        .filter(|k| match (&header.kid, k["kid"].as_str()) {
            (Some(want), Some(have)) => want == have,
            _ => true,
        });
    let mut verified = false;
    for key in candidates {
        verified = match (header.alg.as_str(), key["kty"].as_str()) {
            ("ES256", Some("EC")) => verify_es256(key, signing_input.as_bytes(), &sig),
            ("ES256", _) => false,
            (other, _) => return Err(malformed(&format!("alg {other:?} is not supported"))),
        };
        if verified {
            break;
        }
    }
    if !verified {
        return Err(Rejection::Signature);
    }
    let claims: Claims = serde_json::from_slice(&decode(p, "payload")?)
        .map_err(|_| malformed("the payload lacks iss, sub, aud or exp"))?;
    if claims.iss != issuer {
        return Err(Rejection::Issuer(claims.iss));
    }
    if !claims.aud.iter().any(|a| audiences.contains(&a.as_str())) {
        return Err(Rejection::Audience(claims.aud.join(",")));
    }
    let now = now.unix_timestamp();
    let early = [claims.iat, claims.nbf]
        .into_iter()
        .flatten()
        .any(|t| t > now + CLOCK_SKEW_SECONDS);
    if claims.exp <= now || early {
        return Err(Rejection::Expired(claims.exp));
    }
    Ok(claims)
}

fn b64_field(key: &Value, name: &str) -> Option<Vec<u8>> {
    key[name]
        .as_str()
        .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
}

fn verify_es256(key: &Value, msg: &[u8], sig: &[u8]) -> bool {
    let (Some(x), Some(y)) = (b64_field(key, "x"), b64_field(key, "y")) else {
        return false;
    };
    if key["crv"].as_str() != Some("P-256") || x.len() != 32 || y.len() != 32 {
        return false;
    }
    let mut point = Vec::with_capacity(65);
    point.push(4);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
        .verify(msg, sig)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISS: &str = "http://127.0.0.1:1/oidc";

    fn issuer() -> Issuer {
        Issuer::new(ISS.into()).expect("a key")
    }

    fn token(i: &Issuer, audience: &str, expires_in: i64) -> String {
        let req = TokenRequest {
            subject: default_subject(),
            audience: audience.into(),
            expires_in,
            issuer: None,
        };
        i.mint(&req, OffsetDateTime::now_utc()).expect("signed")
    }

    #[test]
    fn a_minted_token_verifies_against_the_published_keys_only() {
        let i = issuer();
        let now = OffsetDateTime::now_utc();
        let t = token(&i, DEFAULT_AUDIENCE, 300);
        let c = verify(&t, &i.jwks(), ISS, &[DEFAULT_AUDIENCE], now).expect("valid");
        assert_eq!(c.aud, [DEFAULT_AUDIENCE]);
        // Another issuer's keys, a flipped signature byte, a changed payload: all refused.
        let other = issuer();
        assert_eq!(
            verify(&t, &other.jwks(), ISS, &[DEFAULT_AUDIENCE], now).err(),
            Some(Rejection::Signature)
        );
        let mut bad = t.clone().into_bytes();
        let last = bad.len() - 2;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).expect("ascii");
        assert_eq!(
            verify(&bad, &i.jwks(), ISS, &[DEFAULT_AUDIENCE], now).err(),
            Some(Rejection::Signature)
        );
        assert!(matches!(
            verify("a.b", &i.jwks(), ISS, &[], now),
            Err(Rejection::Malformed(_))
        ));
    }

    #[test]
    fn issuer_audience_and_time_are_checked_after_the_signature() {
        let i = issuer();
        let now = OffsetDateTime::now_utc();
        let jwks = i.jwks();
        assert_eq!(
            verify(
                &token(&i, "api://other", 300),
                &jwks,
                ISS,
                &[DEFAULT_AUDIENCE],
                now
            )
            .err(),
            Some(Rejection::Audience("api://other".into()))
        );
        assert!(matches!(
            verify(
                &token(&i, DEFAULT_AUDIENCE, -1),
                &jwks,
                ISS,
                &[DEFAULT_AUDIENCE],
                now
            ),
            Err(Rejection::Expired(_))
        ));
        let later = now + time::Duration::seconds(301);
        assert!(matches!(
            verify(
                &token(&i, DEFAULT_AUDIENCE, 300),
                &jwks,
                ISS,
                &[DEFAULT_AUDIENCE],
                later
            ),
            Err(Rejection::Expired(_))
        ));
        let req = TokenRequest {
            issuer: Some("https://elsewhere".into()),
            ..TokenRequest {
                subject: default_subject(),
                audience: DEFAULT_AUDIENCE.into(),
                expires_in: 300,
                issuer: None,
            }
        };
        let foreign = i.mint(&req, now).expect("signed");
        assert_eq!(
            verify(&foreign, &jwks, ISS, &[DEFAULT_AUDIENCE], now).err(),
            Some(Rejection::Issuer("https://elsewhere".into()))
        );
    }
}
