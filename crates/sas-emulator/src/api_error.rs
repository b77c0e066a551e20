//! The service's error vocabulary: one [`ApiError`] per failed API call, carrying the real
//! error code, HTTP status and message, rendered as the real envelope: `{RequestId, HostId, Code,
//! Message, Recommend}`, plus `AccessDeniedDetail` on a RAM denial (403). `HostId` is the host
//! the client addressed (the service's endpoint, e.g. `tds.aliyuncs.com`); `Recommend` is the
//! troubleshooting link the real service gives. A throttling answer also tells the client how
//! long to back off ([`ApiError::retry_after_ms`], sent as `x-acs-retry-after` in milliseconds,
//! which the official SDKs read into `ThrottlingException.retry_after`, and as the standard
//! `Retry-After` in seconds).
//!
//! Constructors are named after the codes so call sites read like the error table in
//! `shared/spec/sas-api.md`, and every status lives here, in one place.

use serde_json::{json, Value};

/// A failed API call as the service reports it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code} ({status}): {message}")]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: u16,
    /// The `Code` field, e.g. `SignatureDoesNotMatch`.
    pub code: String,
    /// The `Message` field.
    pub message: String,
    /// `AccessDeniedDetail` (a RAM denial), as the real service sends it on a 403.
    pub access_denied_detail: Option<Value>,
    /// How long a throttled client should wait, in milliseconds.
    pub retry_after_ms: Option<u64>,
}

/// The back-off a throttling answer asks for.
pub const THROTTLING_RETRY_AFTER_MS: u64 = 1000;

impl ApiError {
    /// An error with an explicit status and code.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_string(),
            message: message.into(),
            access_denied_detail: None,
            retry_after_ms: None,
        }
    }

    /// `MissingParameter` (400) naming the parameter, with the gateway's wording.
    pub fn missing(name: &str) -> Self {
        Self::new(
            400,
            "MissingParameter",
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    /// `InvalidParameter` (400) naming the parameter and why.
    pub fn invalid(name: &str, why: impl AsRef<str>) -> Self {
        Self::new(
            400,
            "InvalidParameter",
            format!("The parameter \"{name}\" is invalid: {}", why.as_ref()),
        )
    }

    /// `IncompleteSignature` (400): the request is signed, but not in a form we can check.
    pub fn incomplete_signature(why: impl Into<String>) -> Self {
        Self::new(400, "IncompleteSignature", why)
    }

    /// `SignatureDoesNotMatch` (400). The message carries the server's string to sign, as the
    /// real service does, so a client author can diff it against their own.
    pub fn signature_mismatch(server_string_to_sign: &str) -> Self {
        Self::new(
            400,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature does not match our calculation. server string to sign is:{server_string_to_sign}"
            ),
        )
    }

    /// `SignatureNonceUsed` (400): a replayed nonce.
    pub fn nonce_used(nonce: &str) -> Self {
        Self::new(
            400,
            "SignatureNonceUsed",
            format!("Specified signature nonce was used already: {nonce}"),
        )
    }

    /// `InvalidTimeStamp.Expired` (400): the timestamp is more than 15 minutes off.
    pub fn timestamp_expired(given: &str, server: &str) -> Self {
        Self::new(
            400,
            "InvalidTimeStamp.Expired",
            format!(
                "Specified time stamp or date value is expired. Given {given}, server time {server}; check the clock."
            ),
        )
    }

    /// `InvalidTimeStamp.Format` (400).
    pub fn timestamp_format(given: &str) -> Self {
        Self::new(
            400,
            "InvalidTimeStamp.Format",
            format!(
                "Specified time stamp or date value {given:?} is not well formatted: expected YYYY-MM-DDTHH:MM:SSZ."
            ),
        )
    }

    /// `InvalidAccessKeyId.NotFound` (404).
    pub fn access_key_not_found() -> Self {
        Self::new(
            404,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
    }

    /// `InvalidSecurityToken.*` (400): a missing, wrong or expired STS token.
    pub fn security_token(kind: &str, message: &str) -> Self {
        Self::new(400, &format!("InvalidSecurityToken.{kind}"), message)
    }

    /// `InvalidVersion` (400).
    pub fn invalid_version(version: &str) -> Self {
        Self::new(
            400,
            "InvalidVersion",
            format!("Specified parameter Version {version:?} is not valid."),
        )
    }

    /// `InvalidAction.NotFound` (404).
    pub fn action_not_found(action: &str) -> Self {
        Self::new(
            404,
            "InvalidAction.NotFound",
            format!("Specified api {action:?} is not found, please check your url and method."),
        )
    }

    /// `NoPermission` (403), naming the RAM action the caller lacks.
    pub fn no_permission(ram_action: &str) -> Self {
        let mut e = Self::new(
            403,
            "NoPermission",
            format!("caller has no permission (RAM action {ram_action})"),
        );
        e.access_denied_detail = Some(json!({
            "AuthAction": ram_action,
            "NoPermissionType": "ImplicitDeny",
            "PolicyType": "AccountLevelIdentityBasedPolicy",
            "AuthPrincipalType": "SubUser",
            "EncodedDiagnosticMessage": "",
        }));
        e
    }

    /// `Throttling.User` (400).
    pub fn throttling() -> Self {
        let mut e = Self::new(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
        );
        e.retry_after_ms = Some(THROTTLING_RETRY_AFTER_MS);
        e
    }

    /// `ServiceUnavailable` (503).
    pub fn unavailable() -> Self {
        Self::new(
            503,
            "ServiceUnavailable",
            "The request has failed due to a temporary failure of the server.",
        )
    }

    /// `InternalError` (500), e.g. when the state file cannot be written.
    pub fn internal(why: impl Into<String>) -> Self {
        Self::new(500, "InternalError", why)
    }

    /// The JSON error envelope of a Sas error.
    pub fn envelope(&self, request_id: &str, host_id: &str) -> Value {
        self.envelope_of("Sas", request_id, host_id)
    }

    /// The JSON error envelope, `product` (`Sas`, `Sts`) naming the API in `Recommend`.
    pub fn envelope_of(&self, product: &str, request_id: &str, host_id: &str) -> Value {
        let mut v = json!({
            "RequestId": request_id,
            "HostId": host_id,
            "Code": self.code,
            "Message": self.message,
            "Recommend": format!(
                "https://api.aliyun.com/troubleshoot?q={}&product={product}&requestId={request_id}",
                self.code
            ),
        });
        if let (Some(d), Some(o)) = (&self.access_denied_detail, v.as_object_mut()) {
            o.insert("AccessDeniedDetail".into(), d.clone());
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_the_spec_table() {
        assert_eq!(ApiError::throttling().status, 400);
        assert!(ApiError::throttling().code.contains("Throttling"));
        assert_eq!(ApiError::unavailable().status, 503);
        assert_eq!(ApiError::no_permission("x").status, 403);
        assert_eq!(ApiError::access_key_not_found().status, 404);
        assert_eq!(ApiError::action_not_found("X").status, 404);
        assert_eq!(ApiError::invalid_version("x").status, 400);
        assert_eq!(ApiError::nonce_used("n").status, 400);
        assert_eq!(ApiError::missing("A").code, "MissingParameter");
    }

    #[test]
    fn envelope_shape() {
        let e = ApiError::missing("Password").envelope("RID", "host");
        let mut keys: Vec<&str> = e
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["Code", "HostId", "Message", "Recommend", "RequestId"]
        );
        assert_eq!(
            e["Recommend"],
            "https://api.aliyun.com/troubleshoot?q=MissingParameter&product=Sas&requestId=RID"
        );
        let d = ApiError::no_permission("yundun-sas:AddPrivateRegistry").envelope("R", "h");
        assert_eq!(
            d["AccessDeniedDetail"]["AuthAction"],
            "yundun-sas:AddPrivateRegistry"
        );
        assert_eq!(
            ApiError::throttling().retry_after_ms,
            Some(THROTTLING_RETRY_AFTER_MS)
        );
    }
}
