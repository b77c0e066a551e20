//! A credentials URI, as the official provider's `credentials_uri` (and the credential SDKs'
//! `ALIBABA_CLOUD_CREDENTIALS_URI`) read one: `GET` answers
//! `{"Code": "Success", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}` with a
//! temporary key the emulator accepts for Sas calls. Loopback only, like the metadata service.
//!
//! CHOICE: each answer is a fresh key valid for one hour, so a client that polls too often is
//! visible in the keys it signs with, and one that never refreshes runs into the expiry.

use super::auth::Authenticator;
use super::metadata::MetadataResponse;
use http::Method;
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// Where the emulator serves it.
pub const PATH: &str = "/credentials";
const LIFETIME: Duration = Duration::hours(1);

/// Answers one request for `PATH`.
pub fn handle(method: &Method, auth: &Authenticator, now: OffsetDateTime) -> MetadataResponse {
    if method != Method::GET {
        return MetadataResponse {
            status: 405,
            content_type: "text/plain",
            body: "Method Not Allowed".into(),
        };
    }
    let cred = auth.issue_temporary(LIFETIME, now);
    MetadataResponse {
        status: 200,
        content_type: "application/json",
        body: {
            let mut answer = cred.answer();
            answer["Code"] = json!("Success");
            answer.to_string()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::StaticKey;
    use crate::secret::Secret;

    #[test]
    fn answers_a_fresh_temporary_key_the_emulator_accepts() {
        let auth = Authenticator::new(StaticKey {
            access_key_id: "id".into(),
            access_key_secret: Secret::new("s"),
            security_token: None,
        });
        let now = OffsetDateTime::now_utc();
        let r = handle(&Method::GET, &auth, now);
        assert_eq!(r.status, 200);
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
        assert_eq!(v["Code"], "Success");
        assert!(v["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("STS.")));
        assert_ne!(
            handle(&Method::GET, &auth, now).body,
            r.body,
            "fresh each time"
        );
        assert_eq!(handle(&Method::POST, &auth, now).status, 405);
    }
}
