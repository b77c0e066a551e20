//! The ECS instance metadata service's RAM-role credentials, for the provider's
//! `ecs_role_name` credential path: `GET /latest/meta-data/ram/security-credentials/` lists the
//! role, `.../<role>` returns a temporary key the emulator accepts for Sas calls.
//!
//! Also the hardened mode's token: `PUT /latest/api/token` with
//! `X-aliyun-ecs-metadata-token-ttl-seconds` returns a token; a request that carries
//! `X-aliyun-ecs-metadata-token` must carry a valid one. Whether a read without one is
//! accepted is the instance's setting, [`ImdsMode`].
//!
//! CHOICE: credentials last 6 hours and the same ones are returned until less than 30 minutes
//! remain, then fresh ones are issued — like the real service, which rotates well before
//! expiry. Unknown paths and roles get a plain 404.

use super::auth::{Authenticator, TemporaryCredential};
use super::ids;
use super::shared::Shared;
use http::{HeaderMap, Method};
use serde_json::json;
use std::collections::HashMap;
use time::{Duration, OffsetDateTime};

const CREDENTIALS_PREFIX: &str = "/latest/meta-data/ram/security-credentials/";
const TOKEN_PATH: &str = "/latest/api/token";
const TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
const LIFETIME: Duration = Duration::hours(6);
const ROTATE_BEFORE: Duration = Duration::minutes(30);

/// A plain HTTP answer from the metadata service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResponse {
    /// HTTP status.
    pub status: u16,
    /// `application/json` or `text/plain`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

impl MetadataResponse {
    fn text(status: u16, body: &str) -> Self {
        Self {
            status,
            content_type: "text/plain",
            body: body.to_string(),
        }
    }
}

#[derive(Default)]
struct MetadataState {
    current: Option<(TemporaryCredential, OffsetDateTime)>,
    tokens: HashMap<String, OffsetDateTime>,
}

/// How an instance's metadata service treats session tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImdsMode {
    /// Tokens are served and checked where sent; reads without one are accepted.
    #[default]
    Optional,
    /// Hardened: a read without a valid token is refused (401).
    Required,
    /// An instance without the token protocol: `PUT /latest/api/token` is not found.
    V1Only,
}

impl std::str::FromStr for ImdsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "optional" => Ok(Self::Optional),
            "required" => Ok(Self::Required),
            "v1-only" => Ok(Self::V1Only),
            _ => Err("expected optional, required or v1-only".into()),
        }
    }
}

/// The metadata service for one role.
pub struct Metadata {
    role: String,
    mode: ImdsMode,
    state: Shared<MetadataState>,
}

impl Metadata {
    /// A metadata service exposing `role`.
    pub fn new(role: String, mode: ImdsMode) -> Self {
        Self {
            role,
            mode,
            state: Shared::new(MetadataState::default()),
        }
    }

    /// Whether `path` belongs to the metadata service.
    pub fn owns(path: &str) -> bool {
        path.starts_with("/latest/")
    }

    /// Answers one metadata request.
    pub fn handle(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        auth: &Authenticator,
        now: OffsetDateTime,
    ) -> MetadataResponse {
        let mut st = self.state.lock();
        st.tokens.retain(|_, exp| *exp > now);
        if path == TOKEN_PATH {
            if self.mode == ImdsMode::V1Only {
                return MetadataResponse::text(404, "Not Found");
            }
            if method != Method::PUT {
                return MetadataResponse::text(405, "Method Not Allowed");
            }
            let ttl = headers
                .get(TOKEN_TTL_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok());
            return match ttl {
                Some(t) if (1..=21600).contains(&t) => {
                    let token = ids::random_alnum(48);
                    st.tokens.insert(token.clone(), now + Duration::seconds(t));
                    MetadataResponse::text(200, &token)
                }
                _ => MetadataResponse::text(400, "Bad Request: ttl must be 1..=21600 seconds"),
            };
        }
        if method != Method::GET {
            return MetadataResponse::text(405, "Method Not Allowed");
        }
        match headers.get(TOKEN_HEADER) {
            Some(t) if !t.to_str().ok().is_some_and(|t| st.tokens.contains_key(t)) => {
                return MetadataResponse::text(401, "Unauthorized");
            }
            None if self.mode == ImdsMode::Required => {
                return MetadataResponse::text(401, "Unauthorized");
            }
            _ => {}
        }
        let Some(role) = path.strip_prefix(CREDENTIALS_PREFIX) else {
            return MetadataResponse::text(404, "Not Found");
        };
        if role.is_empty() {
            return MetadataResponse::text(200, &self.role);
        }
        if role != self.role {
            return MetadataResponse::text(404, "Not Found");
        }
        let fresh = match &st.current {
            Some((c, _)) if c.expiration - now > ROTATE_BEFORE => None,
            _ => Some((auth.issue_temporary(LIFETIME, now), now)),
        };
        if let Some(f) = fresh {
            st.current = Some(f);
        }
        let Some((cred, issued)) = &st.current else {
            return MetadataResponse::text(500, "Internal Server Error");
        };
        let mut body = cred.answer();
        body["LastUpdated"] = json!(ids::format_iso_seconds(*issued));
        body["Code"] = json!("Success");
        MetadataResponse {
            status: 200,
            content_type: "application/json",
            body: body.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::StaticKey;
    use crate::secret::Secret;

    fn auth() -> Authenticator {
        Authenticator::new(StaticKey {
            access_key_id: "id".into(),
            access_key_secret: Secret::new("s"),
            security_token: None,
        })
    }

    #[test]
    fn lists_role_and_serves_stable_credentials() {
        let (m, a, now) = (
            Metadata::new("r1".into(), ImdsMode::Optional),
            auth(),
            OffsetDateTime::now_utc(),
        );
        let h = HeaderMap::new();
        let list = m.handle(&Method::GET, CREDENTIALS_PREFIX, &h, &a, now);
        assert_eq!((list.status, list.body.as_str()), (200, "r1"));
        let p = format!("{CREDENTIALS_PREFIX}r1");
        let one = m.handle(&Method::GET, &p, &h, &a, now);
        let two = m.handle(&Method::GET, &p, &h, &a, now + Duration::hours(1));
        assert_eq!(one.status, 200);
        assert_eq!(one.body, two.body);
        let v: serde_json::Value = serde_json::from_str(&one.body).unwrap();
        assert_eq!(v["Code"], "Success");
        let rotated = m.handle(&Method::GET, &p, &h, &a, now + Duration::hours(6));
        assert_ne!(rotated.body, one.body);
        let other = format!("{CREDENTIALS_PREFIX}r2");
        assert_eq!(m.handle(&Method::GET, &other, &h, &a, now).status, 404);
    }

    #[test]
    fn hardened_mode_token() {
        let (m, a, now) = (
            Metadata::new("r".into(), ImdsMode::Optional),
            auth(),
            OffsetDateTime::now_utc(),
        );
        let mut h = HeaderMap::new();
        h.insert(TOKEN_TTL_HEADER, http::HeaderValue::from_static("60"));
        let t = m.handle(&Method::PUT, TOKEN_PATH, &h, &a, now);
        assert_eq!(t.status, 200);
        let mut h = HeaderMap::new();
        h.insert(TOKEN_HEADER, http::HeaderValue::from_str(&t.body).unwrap());
        assert_eq!(
            m.handle(&Method::GET, CREDENTIALS_PREFIX, &h, &a, now)
                .status,
            200
        );
        let late = now + Duration::seconds(61);
        assert_eq!(
            m.handle(&Method::GET, CREDENTIALS_PREFIX, &h, &a, late)
                .status,
            401
        );
    }

    #[test]
    fn required_mode_refuses_a_read_without_a_token_and_v1_only_has_no_token_endpoint() {
        let (a, now, none) = (auth(), OffsetDateTime::now_utc(), HeaderMap::new());
        let hardened = Metadata::new("r".into(), ImdsMode::Required);
        let read = |m: &Metadata, h: &HeaderMap| {
            m.handle(&Method::GET, CREDENTIALS_PREFIX, h, &a, now)
                .status
        };
        assert_eq!(read(&hardened, &none), 401);
        let mut ttl = HeaderMap::new();
        ttl.insert(TOKEN_TTL_HEADER, http::HeaderValue::from_static("60"));
        let token = hardened
            .handle(&Method::PUT, TOKEN_PATH, &ttl, &a, now)
            .body;
        let mut with = HeaderMap::new();
        with.insert(TOKEN_HEADER, http::HeaderValue::from_str(&token).unwrap());
        assert_eq!(read(&hardened, &with), 200);
        let old = Metadata::new("r".into(), ImdsMode::V1Only);
        assert_eq!(
            old.handle(&Method::PUT, TOKEN_PATH, &ttl, &a, now).status,
            404
        );
        assert_eq!(read(&old, &none), 200);
        assert_eq!("v1-only".parse(), Ok(ImdsMode::V1Only));
        assert!("v2".parse::<ImdsMode>().is_err());
    }
}
