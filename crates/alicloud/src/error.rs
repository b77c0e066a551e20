//! The one error type of the client layer, and the classification that drives retries.
//!
//! Every API failure keeps the HTTP status, Code, Message and RequestId, and its message names
//! the action and adds a hint for the failures users can fix themselves (clock, keys, RAM).

use std::fmt;

use serde::Deserialize;

/// The error envelope every Alibaba Cloud RPC API returns, plus the HTTP status it came with.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub recommend: Option<String>,
    /// The one parameter of the action that `message` names, if exactly one: what the caller
    /// should point at.
    #[serde(skip)]
    pub parameter: Option<&'static str>,
}

impl ApiError {
    /// Retry only what the server tells us is transient: throttling, unavailability, 5xx.
    pub fn is_retryable(&self) -> bool {
        self.is_throttling()
            || matches!(
                self.code.as_str(),
                "ServiceUnavailable" | "InternalError" | "ServerError"
            )
            || self.status >= 500
    }

    /// Throttling means the server refused the call before acting on it, so even a create may
    /// be retried safely.
    pub fn is_throttling(&self) -> bool {
        self.code.contains("Throttling")
    }

    /// A hint the user can act on, for the common self-inflicted failures.
    fn hint(&self, ram_action: &str) -> Option<String> {
        let code = self.code.as_str();
        if code.starts_with("InvalidTimeStamp") {
            Some("check that this machine's clock is correct: requests must be within 15 minutes of the server's UTC time".into())
        } else if code == "SignatureDoesNotMatch" || code == "IncompleteSignature" {
            Some("the AccessKey secret does not match the AccessKey ID: check secret_key (or ALICLOUD_SECRET_KEY / ALIBABA_CLOUD_ACCESS_KEY_SECRET, or the profile)".into())
        } else if code.starts_with("InvalidAccessKeyId") {
            Some("the AccessKey ID does not exist or is disabled: check access_key (or ALICLOUD_ACCESS_KEY / ALIBABA_CLOUD_ACCESS_KEY_ID, or the profile)".into())
        } else if code.starts_with("InvalidSecurityToken") {
            Some("the STS security token is invalid or expired: refresh security_token or use assume_role".into())
        } else if code == "NoPermission" || code.starts_with("Forbidden") {
            Some(format!(
                "grant the RAM action {ram_action} to the user or role making the call"
            ))
        } else {
            None
        }
    }
}

/// How a request failed to complete at the HTTP level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// The connection was never established: the request cannot have reached the server.
    Connect,
    /// Never established, for a reason that outlasts a retry: the endpoint as configured
    /// cannot be reached. Retried only briefly (a restarting server refuses for a moment).
    Unreachable(Unreachable),
    /// The connect or read timeout fired.
    Timeout,
    /// Reset, closed or broken while sending or receiving: the server may have acted.
    Interrupted,
}

/// Why an endpoint cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// Its host name does not resolve.
    NoSuchHost,
    /// Nothing listens at its address and port.
    Refused,
    /// It answers, but not in TLS: most often an HTTP endpoint reached with `protocol =
    /// "HTTPS"`.
    NotTls,
    /// Its certificate does not verify against the system's trust store.
    UntrustedCertificate,
    /// Any other failed TLS handshake (an alert, no protocol version or cipher in common).
    Tls,
}

impl Unreachable {
    /// Besides the endpoint's own setting, what may be wrong: for a TLS failure, the scheme.
    pub fn also_check(self) -> Option<&'static str> {
        match self {
            Unreachable::NotTls => Some(
                "if the endpoint speaks plain HTTP, set protocol = \"HTTP\" in the provider block",
            ),
            Unreachable::UntrustedCertificate => Some(
                "the endpoint's certificate must chain to a root in the system's trust store (SSL_CERT_FILE names another); protocol = \"HTTP\" if it speaks plain HTTP",
            ),
            Unreachable::Tls => Some("check that the endpoint speaks HTTPS, or set protocol = \"HTTP\""),
            Unreachable::NoSuchHost | Unreachable::Refused => None,
        }
    }
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unreachable::NoSuchHost => "its host name does not resolve",
            Unreachable::Refused => "it refuses connections",
            Unreachable::NotTls => "it does not speak TLS",
            Unreachable::UntrustedCertificate => "its TLS certificate is not trusted",
            Unreachable::Tls => "its TLS handshake fails",
        })
    }
}

/// A setting of [`ProviderConfig`](crate::ProviderConfig), for errors to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Region,
    Protocol,
    SignatureVersion,
    ClientConnectTimeout,
    ClientReadTimeout,
    AccessKey,
    SecretKey,
    SasEndpoint,
    StsEndpoint,
    EcsMetadataEndpoint,
    AssumeRoleArn,
    AssumeRoleSessionExpiration,
    CredentialsUri,
    OidcProviderArn,
    OidcTokenFile,
    OidcRoleArn,
    OidcSessionExpiration,
}

/// The block of OIDC role assumption.
const OIDC: &str = "assume_role_with_oidc";

impl Setting {
    /// Every setting, for checks that each names an argument the provider block has.
    pub const ALL: [Setting; 17] = [
        Setting::Region,
        Setting::Protocol,
        Setting::SignatureVersion,
        Setting::ClientConnectTimeout,
        Setting::ClientReadTimeout,
        Setting::AccessKey,
        Setting::SecretKey,
        Setting::SasEndpoint,
        Setting::StsEndpoint,
        Setting::EcsMetadataEndpoint,
        Setting::AssumeRoleArn,
        Setting::AssumeRoleSessionExpiration,
        Setting::CredentialsUri,
        Setting::OidcProviderArn,
        Setting::OidcTokenFile,
        Setting::OidcRoleArn,
        Setting::OidcSessionExpiration,
    ];

    /// The settings group it is in (`endpoints`, `assume_role`), if any, and its own name.
    pub fn place(self) -> (Option<&'static str>, &'static str) {
        match self {
            Setting::Region => (None, "region"),
            Setting::Protocol => (None, "protocol"),
            Setting::SignatureVersion => (None, "signature_version"),
            Setting::ClientConnectTimeout => (None, "client_connect_timeout"),
            Setting::ClientReadTimeout => (None, "client_read_timeout"),
            Setting::AccessKey => (None, "access_key"),
            Setting::SecretKey => (None, "secret_key"),
            Setting::SasEndpoint => (Some("endpoints"), "sas"),
            Setting::StsEndpoint => (Some("endpoints"), "sts"),
            Setting::EcsMetadataEndpoint => (Some("endpoints"), "ecs_metadata"),
            Setting::AssumeRoleArn => (Some("assume_role"), "role_arn"),
            Setting::AssumeRoleSessionExpiration => (Some("assume_role"), "session_expiration"),
            Setting::CredentialsUri => (None, "credentials_uri"),
            Setting::OidcProviderArn => (Some(OIDC), "oidc_provider_arn"),
            Setting::OidcTokenFile => (Some(OIDC), "oidc_token_file"),
            Setting::OidcRoleArn => (Some(OIDC), "role_arn"),
            Setting::OidcSessionExpiration => (Some(OIDC), "session_expiration"),
        }
    }
}

/// `endpoints.sas`.
impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place() {
            (Some(group), name) => write!(f, "{group}.{name}"),
            (None, name) => f.write_str(name),
        }
    }
}

/// A problem in one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub setting: Setting,
    /// The environment variable the bad value came from, when it was not configured.
    pub from_env: Option<String>,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: Setting, message: String) -> Self {
        Self {
            setting,
            from_env: None,
            message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.setting)?;
        if let Some(var) = &self.from_env {
            write!(f, " (from {var})")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// The API answered with an error envelope.
    #[error("{}", api_message(action, ram_action, api))]
    Api {
        action: String,
        ram_action: String,
        api: Box<ApiError>,
    },

    /// The request did not complete at the HTTP level.
    #[error("{action}: calling {endpoint} failed ({failure:?}): {detail}")]
    Transport {
        action: String,
        endpoint: String,
        failure: TransportFailure,
        detail: String,
    },

    /// The endpoint cannot be reached as configured, even after a short retry.
    #[error("{action}: cannot reach the Security Center endpoint {endpoint}: {why} (gave up after {attempts} attempt(s); {fix}{}): {detail}", why.also_check().map(|a| format!("; {a}")).unwrap_or_default())]
    EndpointUnreachable {
        action: String,
        endpoint: String,
        why: Unreachable,
        attempts: u32,
        /// The setting to correct, named for the user.
        fix: String,
        detail: String,
    },

    /// A non-idempotent call (a create) failed after the request may have reached the server.
    /// The server may or may not have acted: re-read before trying again, never retry blindly.
    #[error("{action} may or may not have taken effect (the request may have reached the server before this failure: {cause}); list the existing resources before creating again")]
    Ambiguous { action: String, cause: Box<Error> },

    /// The operation's deadline passed; `last` is the failure of the last attempt, if any.
    #[error("{action}: gave up after {attempts} attempt(s) when the deadline passed{}", last.as_ref().map(|e| format!("; last error: {e}")).unwrap_or_default())]
    DeadlineExceeded {
        action: String,
        attempts: u32,
        last: Option<Box<Error>>,
    },

    /// Terraform asked the provider to stop.
    #[error("{action}: cancelled because Terraform asked the provider to stop")]
    Cancelled { action: String },

    /// No credential source yielded credentials.
    #[error("no Alibaba Cloud credentials found. Tried, in order:\n{}\nSet access_key and secret_key in the provider block (or the environment), or go keyless: assume_role_with_oidc (or RRSA's ALIBABA_CLOUD_OIDC_* variables), credentials_uri, ecs_role_name, or a profile.", tried.iter().map(|t| format!("  - {t}")).collect::<Vec<_>>().join("\n"))]
    NoCredentials { tried: Vec<String> },

    /// A credential source exists but failed (bad profile file, STS refused, metadata down).
    #[error("credentials from {source_name}: {message}")]
    Credentials {
        source_name: String,
        message: String,
    },

    /// A success response that does not have the documented shape.
    #[error("{action}: unexpected response (RequestId: {}): {detail}", request_id.as_deref().unwrap_or("none"))]
    Decode {
        action: String,
        request_id: Option<String>,
        detail: String,
    },

    /// The HTTP client could not be built (TLS set-up, proxy URL).
    #[error("setting up the HTTP client: {0}")]
    Setup(String),
}

fn api_message(action: &str, ram_action: &str, api: &ApiError) -> String {
    let mut s = format!(
        "{action} failed: {} (HTTP {}): {} (RequestId: {})",
        if api.code.is_empty() {
            "<no code>"
        } else {
            &api.code
        },
        api.status,
        api.message,
        api.request_id.as_deref().unwrap_or("none")
    );
    if let Some(hint) = api.hint(ram_action) {
        s.push_str(". Hint: ");
        s.push_str(&hint);
    }
    s
}

impl Error {
    /// Whether another attempt of an idempotent call may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { api, .. } => api.is_retryable(),
            Error::Transport { .. } => true,
            _ => false,
        }
    }

    /// Whether the failed request certainly never reached the server (so a create may be
    /// retried without risking a duplicate).
    pub fn certainly_not_applied(&self) -> bool {
        match self {
            Error::Api { api, .. } => api.is_throttling() || api.status < 500,
            Error::Transport { failure, .. } => matches!(
                failure,
                TransportFailure::Connect | TransportFailure::Unreachable(_)
            ),
            Error::EndpointUnreachable { .. } => true,
            Error::Credentials { .. } | Error::NoCredentials { .. } | Error::Setup(_) => true,
            _ => false,
        }
    }

    /// The server refused the call's security token as expired: the credentials, not the
    /// request, are at fault, and renewed ones may succeed.
    pub fn is_expired_token(&self) -> bool {
        matches!(self, Error::Api { api, .. } if api.code == "InvalidSecurityToken.Expired")
    }

    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Error::Ambiguous { .. })
    }

    /// The API error envelope, also through `Ambiguous` and `DeadlineExceeded`.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { api, .. } => Some(api.as_ref()),
            Error::Ambiguous { cause, .. } => cause.api_error(),
            Error::DeadlineExceeded { last: Some(e), .. } => e.api_error(),
            _ => None,
        }
    }

    /// The API error code, if the server sent one.
    pub fn code(&self) -> Option<&str> {
        self.api_error().map(|a| a.code.as_str())
    }

    /// The request parameter the API blamed, if its message names exactly one.
    pub fn parameter(&self) -> Option<&'static str> {
        self.api_error().and_then(|a| a.parameter)
    }

    /// Terraform asked the provider to stop. Running out of time is not this: it is a failure
    /// like any other.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Error::Cancelled { .. })
    }

    /// The object the call was about does not exist. Not-found codes about the caller (an
    /// unknown AccessKey, action or version) are not this: taking those for "already deleted"
    /// would drop a live object from state and orphan it.
    pub fn is_not_found(&self) -> bool {
        let Some(code) = self.code() else {
            return false;
        };
        let about_the_caller = [
            "InvalidAccessKeyId",
            "InvalidAction",
            "InvalidVersion",
            "InvalidSecurityToken",
        ]
        .iter()
        .any(|p| code.starts_with(p));
        !about_the_caller && (code.contains("NotFound") || code.contains("NotExist"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coded(code: &str) -> Error {
        Error::Api {
            action: "DeletePrivateRegistry".into(),
            ram_action: "yundun-sas:DeletePrivateRegistry".into(),
            api: Box::new(ApiError {
                status: 400,
                code: code.into(),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn only_object_not_found_codes_mean_gone() {
        assert!(coded("RegistryNotFound").is_not_found());
        assert!(coded("InvalidRegistry.NotExist").is_not_found());
        assert!(!coded("InvalidAccessKeyId.NotFound").is_not_found());
        assert!(!coded("InvalidAction.NotFound").is_not_found());
        assert!(!coded("Throttling.User").is_not_found());
        let stopped = Error::Cancelled {
            action: "ListPrivateRegistryList".into(),
        };
        assert!(stopped.is_cancelled() && !stopped.is_not_found());
        let timed_out = Error::DeadlineExceeded {
            action: "ListPrivateRegistryList".into(),
            attempts: 3,
            last: None,
        };
        assert!(!timed_out.is_cancelled(), "running out of time is no stop");
    }

    #[test]
    fn a_setting_is_named_as_configured_with_where_its_value_came_from() {
        let e = ConfigError {
            setting: Setting::SasEndpoint,
            from_env: Some("SAS_ENDPOINT".into()),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "endpoints.sas (from SAS_ENDPOINT): bad");
        assert_eq!(Setting::SasEndpoint.place(), (Some("endpoints"), "sas"));
        assert_eq!(
            ConfigError::new(Setting::Region, "x".into()).to_string(),
            "region: x"
        );
    }

    fn api(status: u16, code: &str) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: "m".into(),
            request_id: Some("RID-1".into()),
            ..Default::default()
        }
    }

    #[test]
    fn classification_follows_the_spec() {
        for (status, code) in [
            (400, "Throttling"),
            (400, "Throttling.User"),
            (400, "Throttling.Api"),
            (400, "Rejected.Throttling"),
            (503, "ServiceUnavailable"),
            (500, "InternalError"),
            (500, "ServerError"),
            (502, "Whatever"),
        ] {
            assert!(api(status, code).is_retryable(), "{code}");
        }
        for (status, code) in [
            (400, "SignatureDoesNotMatch"),
            (400, "IncompleteSignature"),
            (400, "SignatureNonceUsed"),
            (400, "InvalidTimeStamp.Expired"),
            (400, "InvalidTimeStamp.Format"),
            (404, "InvalidAccessKeyId.NotFound"),
            (400, "InvalidAccessKeyId.Inactive"),
            (403, "NoPermission"),
            (400, "MissingRegistryType"),
            (400, "InvalidParameter"),
            (400, "InvalidVersion"),
            (404, "InvalidAction.NotFound"),
        ] {
            assert!(!api(status, code).is_retryable(), "{code}");
        }
    }

    /// An action refused by the API with `code`.
    fn failed(status: u16, code: &str) -> Error {
        Error::Api {
            action: "X".into(),
            ram_action: String::new(),
            api: Box::new(api(status, code)),
        }
    }

    #[test]
    fn messages_name_action_code_request_id_and_hint() {
        let e = Error::Api {
            action: "AddPrivateRegistry".into(),
            ram_action: "yundun-sas:AddPrivateRegistry".into(),
            api: Box::new(api(403, "NoPermission")),
        };
        let m = e.to_string();
        assert!(m.contains("AddPrivateRegistry failed"), "{m}");
        assert!(m.contains("NoPermission"), "{m}");
        assert!(m.contains("RequestId: RID-1"), "{m}");
        assert!(m.contains("yundun-sas:AddPrivateRegistry"), "{m}");

        for (code, hint) in [
            ("InvalidTimeStamp.Expired", "clock"),
            ("SignatureDoesNotMatch", "secret"),
        ] {
            let m = failed(400, code).to_string();
            assert!(m.contains(hint), "{code}: {m}");
        }
    }

    #[test]
    fn ambiguity_rules() {
        let t = |failure| Error::Transport {
            action: "a".into(),
            endpoint: "e".into(),
            failure,
            detail: "d".into(),
        };
        assert!(t(TransportFailure::Connect).certainly_not_applied());
        assert!(!t(TransportFailure::Interrupted).certainly_not_applied());
        assert!(!t(TransportFailure::Timeout).certainly_not_applied());
        assert!(failed(400, "Throttling.User").certainly_not_applied());
        assert!(!failed(503, "ServiceUnavailable").certainly_not_applied());
    }

    #[test]
    fn no_credentials_lists_each_source() {
        let m = Error::NoCredentials {
            tried: vec![
                "provider block: not set".into(),
                "file /x: not found".into(),
            ],
        }
        .to_string();
        assert!(
            m.contains("  - provider block: not set\n  - file /x: not found"),
            "{m}"
        );
    }
}
