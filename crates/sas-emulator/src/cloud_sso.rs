//! CloudSSO's portal, as an aliyun CLI profile in `CloudSSO` mode uses it once signed in:
//! `POST /cloud-credentials` on the sign-in URL's host, `Authorization: Bearer <access token>`,
//! JSON `{"AccountId", "AccessConfigurationId"}`, answered with `{"CloudCredential":
//! {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}, "RequestId"}`, a temporary key
//! the emulator accepts for Sas calls. The browser sign-in that yields the access token is not
//! emulated: tests put [`DEFAULT_ACCESS_TOKEN`] in the profile, as `aliyun configure` would.
//!
//! CHOICE: the error answers' shape (`{"ErrorCode", "ErrorMessage", "RequestId"}`, 401 for a
//! bad token, 400 for a bad body) is not published; the official SDKs only check the status.

use super::auth::Authenticator;
use super::ids;
use super::metadata::MetadataResponse;
use http::{HeaderMap, Method};
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};

/// Where the portal answers.
pub const PATH: &str = "/cloud-credentials";
/// The access token the emulated portal accepts.
pub const DEFAULT_ACCESS_TOKEN: &str = "emulator-cloud-sso-access-token";
/// The access configuration it knows.
pub const DEFAULT_ACCESS_CONFIGURATION: &str = "ac-emulator";
const LIFETIME: Duration = Duration::hours(1);

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Options {
    account_id: String,
    access_configuration_id: String,
}

/// Answers one request for [`PATH`] for the account `ali_uid`.
pub fn handle(
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    ali_uid: i64,
    auth: &Authenticator,
    now: OffsetDateTime,
) -> MetadataResponse {
    let refuse = |status: u16, code: &str, message: &str| MetadataResponse {
        status,
        content_type: "application/json",
        body: json!({"ErrorCode": code, "ErrorMessage": message, "RequestId": ids::request_id()})
            .to_string(),
    };
    if method != Method::POST {
        return refuse(405, "MethodNotAllowed", "POST /cloud-credentials");
    }
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "));
    if bearer != Some(DEFAULT_ACCESS_TOKEN) {
        return refuse(
            401,
            "InvalidCredential",
            "The access token is invalid or expired; sign in again.",
        );
    }
    let Ok(options) = serde_json::from_slice::<Options>(body) else {
        return refuse(
            400,
            "InvalidParameter",
            "The body must be JSON with AccountId and AccessConfigurationId.",
        );
    };
    if options.account_id != ali_uid.to_string()
        || options.access_configuration_id != DEFAULT_ACCESS_CONFIGURATION
    {
        return refuse(
            403,
            "NoPermission",
            "This user has no such access configuration on that account.",
        );
    }
    let cred = auth.issue_temporary(LIFETIME, now);
    MetadataResponse {
        status: 200,
        content_type: "application/json",
        body: json!({
            "RequestId": ids::request_id(),
            "CloudCredential": cred.answer(),
        })
        .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::StaticKey;
    use crate::secret::Secret;

    #[test]
    fn a_signed_in_user_gets_a_temporary_key_and_nobody_else_does() {
        let auth = Authenticator::new(StaticKey {
            access_key_id: "id".into(),
            access_key_secret: Secret::new("s"),
            security_token: None,
        });
        let now = OffsetDateTime::now_utc();
        let mut headers = HeaderMap::new();
        let body = br#"{"AccountId":"7","AccessConfigurationId":"ac-emulator"}"#;
        let r = handle(&Method::POST, &headers, body, 7, &auth, now);
        assert_eq!(r.status, 401);
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer emulator-cloud-sso-access-token"),
        );
        let r = handle(&Method::POST, &headers, body, 7, &auth, now);
        assert_eq!(r.status, 200, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("JSON");
        assert!(v["CloudCredential"]["AccessKeyId"]
            .as_str()
            .is_some_and(|k| k.starts_with("STS.")));
        assert_eq!(
            handle(&Method::POST, &headers, body, 8, &auth, now).status,
            403
        );
        assert_eq!(
            handle(&Method::POST, &headers, b"{}", 7, &auth, now).status,
            400
        );
        assert_eq!(
            handle(&Method::GET, &headers, body, 7, &auth, now).status,
            405
        );
    }
}
