//! The provider arguments as plain Rust, and their resolution with the environment.
//!
//! Resolution is pure: it reads only the provider block and an environment lookup (a closure, so
//! tests never touch the process environment), performs no I/O and no network call, and reports
//! every invalid argument at once, each named by its attribute path. Reading the profile file and
//! fetching temporary credentials happen later, on the first API call.

use std::time::Duration;

pub(crate) mod env;

use crate::credentials::plan::plan_credentials;
pub use crate::credentials::plan::{
    AssumeRoleSpec, CredentialPlan, CredentialSource, OidcSpec, OidcToken,
};
use env::{first_env, nonempty, pick, FROM_BLOCK, REGION_ENV, STS_ENDPOINT_ENV};

use super::endpoint::{
    resolve_sas_host, validate_host, EndpointOrigin, Protocol, DEFAULT_ECS_METADATA_HOST,
    DEFAULT_STS_HOST,
};
use super::error::{ConfigError, Setting};
use super::retry::RetryPolicy;
use super::secret::Secret;

pub const DEFAULT_REGION: &str = "cn-beijing";
pub const DEFAULT_SESSION_NAME: &str = "terraform";
pub const DEFAULT_SESSION_EXPIRATION: i64 = 3600;
pub const DEFAULT_CLIENT_TIMEOUT_MS: i64 = 60_000;

/// `provider "alicloud" { ... }`, each argument `None` when null or unknown.
#[derive(Debug, Clone, Default)]
pub struct ProviderConfig {
    pub access_key: Option<String>,
    pub secret_key: Option<Secret>,
    pub security_token: Option<Secret>,
    pub region: Option<String>,
    /// Lets a region id this client does not know through (see [`crate::regions`]).
    pub skip_region_validation: bool,
    pub profile: Option<String>,
    pub shared_credentials_file: Option<String>,
    pub ecs_role_name: Option<String>,
    /// A local service answering temporary credentials (`ALIBABA_CLOUD_CREDENTIALS_URI`).
    pub credentials_uri: Option<String>,
    pub signature_version: Option<String>,
    pub protocol: Option<String>,
    /// Milliseconds.
    pub client_connect_timeout: Option<i64>,
    /// Milliseconds.
    pub client_read_timeout: Option<i64>,
    pub assume_role: Option<AssumeRoleConfig>,
    pub assume_role_with_oidc: Option<AssumeRoleWithOidcConfig>,
    pub endpoints: Option<EndpointsConfig>,
    /// Who is calling, for the server's logs (the Terraform provider names itself and the
    /// Terraform version); [`default_user_agent`] when unset.
    pub user_agent: Option<String>,
}

/// `assume_role { ... }`.
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleConfig {
    pub role_arn: Option<String>,
    pub session_name: Option<String>,
    pub policy: Option<String>,
    /// Seconds, 900 to 43200.
    pub session_expiration: Option<i64>,
    pub external_id: Option<String>,
}

/// `assume_role_with_oidc { ... }`, named as the official provider names it.
#[derive(Debug, Clone, Default)]
pub struct AssumeRoleWithOidcConfig {
    pub oidc_provider_arn: Option<String>,
    pub oidc_token: Option<Secret>,
    pub oidc_token_file: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub policy: Option<String>,
    /// Seconds, 900 to 43200.
    pub session_expiration: Option<i64>,
}

/// `endpoints { ... }`: hosts, `host[:port]`.
#[derive(Debug, Clone, Default)]
pub struct EndpointsConfig {
    pub sas: Option<String>,
    pub sts: Option<String>,
    pub ecs_metadata: Option<String>,
}

/// `v3` (`ACS3-HMAC-SHA256`, default) or `v2` (HMAC-SHA1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    #[default]
    V3,
    V2,
}

impl SignatureVersion {
    /// `signature_version`'s values, as the provider block spells them.
    pub const NAMES: [(&'static str, SignatureVersion); 2] =
        [("v3", SignatureVersion::V3), ("v2", SignatureVersion::V2)];
}

/// Proxy settings from `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (or lower case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    pub https: Option<String>,
    pub http: Option<String>,
    pub no_proxy: Option<String>,
}

/// Validated configuration with defaults and environment applied. Cheap to build; no I/O.
#[derive(Debug, Clone)]
pub struct ResolvedConfig {
    pub region: String,
    /// Region ids this client does not know are let through (the provider's `region`, and a
    /// resource's own region, such as a registry's, are checked alike).
    pub skip_region_validation: bool,
    pub protocol: Protocol,
    pub signature_version: SignatureVersion,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub sas_endpoint: String,
    pub sas_endpoint_origin: EndpointOrigin,
    pub sts_endpoint: String,
    pub ecs_metadata_endpoint: String,
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true`: the metadata service is read only with a session
    /// token (hardened mode), as the official credential SDKs name it.
    pub imds_v1_disabled: bool,
    pub credentials: CredentialPlan,
    pub proxy: ProxySettings,
    pub user_agent: String,
    /// The retry policy of every call; tests shorten its delays.
    pub retry: RetryPolicy,
}

/// `alicloud/<version> (rust)`: this client, when the caller does not name itself.
pub fn default_user_agent() -> String {
    format!(
        "{}/{} (rust)",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    )
}

/// What `value` names among `values`; an error listing them when it names none.
fn one_of<T: Copy>(
    setting: Setting,
    value: Option<&str>,
    values: &[(&'static str, T)],
    errors: &mut Vec<ConfigError>,
) -> Option<T> {
    let value = nonempty(value)?;
    let found = values.iter().find(|(n, _)| *n == value).map(|(_, v)| *v);
    if found.is_none() {
        let names: Vec<&str> = values.iter().map(|(n, _)| *n).collect();
        errors.push(ConfigError::new(
            setting,
            format!("must be {}, got {value:?}", names.join(" or ")),
        ));
    }
    found
}

fn timeout(setting: Setting, value: Option<i64>, errors: &mut Vec<ConfigError>) -> Duration {
    match value {
        None => Duration::from_millis(DEFAULT_CLIENT_TIMEOUT_MS as u64),
        Some(ms) if ms > 0 => Duration::from_millis(ms as u64),
        Some(ms) => {
            errors.push(ConfigError::new(
                setting,
                format!("must be a positive number of milliseconds, got {ms}"),
            ));
            Duration::from_millis(DEFAULT_CLIENT_TIMEOUT_MS as u64)
        }
    }
}

/// Applies environment and defaults to `config`, validating every argument.
pub fn resolve(
    config: &ProviderConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ResolvedConfig, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let err = |errors: &mut Vec<ConfigError>, setting: Setting, message: String| {
        errors.push(ConfigError::new(setting, message))
    };

    let (region, region_origin) = pick(config.region.as_deref(), REGION_ENV, env)
        .unwrap_or_else(|| (DEFAULT_REGION.to_string(), FROM_BLOCK.to_string()));
    if let Some(message) = crate::regions::region_problem(&region, config.skip_region_validation) {
        errors.push(ConfigError {
            setting: Setting::Region,
            from_env: (region_origin != FROM_BLOCK).then_some(region_origin),
            message,
        });
    }

    let protocol = one_of(
        Setting::Protocol,
        config.protocol.as_deref(),
        &Protocol::NAMES,
        &mut errors,
    )
    .unwrap_or_default();
    let signature_version = one_of(
        Setting::SignatureVersion,
        config.signature_version.as_deref(),
        &SignatureVersion::NAMES,
        &mut errors,
    )
    .unwrap_or_default();
    let connect_timeout = timeout(
        Setting::ClientConnectTimeout,
        config.client_connect_timeout,
        &mut errors,
    );
    let read_timeout = timeout(
        Setting::ClientReadTimeout,
        config.client_read_timeout,
        &mut errors,
    );

    let endpoints = config.endpoints.clone().unwrap_or_default();
    let (sas_endpoint, sas_endpoint_origin) =
        resolve_sas_host(env, endpoints.sas.as_deref(), &region);
    if let Err(m) = validate_host(&sas_endpoint) {
        errors.push(ConfigError {
            setting: Setting::SasEndpoint,
            from_env: match &sas_endpoint_origin {
                EndpointOrigin::Environment(name) => Some(name.to_string()),
                _ => None,
            },
            message: m,
        });
    }
    // As for Sas, the environment wins over the block, so CI can point a configuration at
    // another STS (a VPC endpoint, or sas-emulator) without editing it.
    let (sts_endpoint, sts_origin) = pick(None, STS_ENDPOINT_ENV, env)
        .or_else(|| nonempty(endpoints.sts.as_deref()).map(|h| (h, FROM_BLOCK.to_string())))
        .unwrap_or_else(|| (DEFAULT_STS_HOST.to_string(), FROM_BLOCK.to_string()));
    if let Err(m) = validate_host(&sts_endpoint) {
        errors.push(ConfigError {
            setting: Setting::StsEndpoint,
            from_env: (sts_origin != FROM_BLOCK).then_some(sts_origin),
            message: m,
        });
    }
    let ecs_metadata_endpoint = nonempty(endpoints.ecs_metadata.as_deref())
        .unwrap_or_else(|| DEFAULT_ECS_METADATA_HOST.to_string());
    if let Err(m) = validate_host(&ecs_metadata_endpoint) {
        err(&mut errors, Setting::EcsMetadataEndpoint, m);
    }

    let credentials = plan_credentials(config, env, &mut errors);

    let proxy = ProxySettings {
        https: first_env(&["HTTPS_PROXY", "https_proxy"], env),
        http: first_env(&["HTTP_PROXY", "http_proxy"], env),
        no_proxy: first_env(&["NO_PROXY", "no_proxy"], env),
    };

    if errors.is_empty() {
        Ok(ResolvedConfig {
            skip_region_validation: config.skip_region_validation,
            region,
            protocol,
            signature_version,
            connect_timeout,
            read_timeout,
            sas_endpoint,
            sas_endpoint_origin,
            sts_endpoint,
            ecs_metadata_endpoint,
            imds_v1_disabled: env("ALIBABA_CLOUD_IMDSV1_DISABLED")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true")),
            credentials,
            proxy,
            user_agent: config.user_agent.clone().unwrap_or_else(default_user_agent),
            retry: RetryPolicy::default(),
        })
    } else {
        Err(errors)
    }
}

impl ResolvedConfig {
    /// The Sas endpoint as a URL prefix, e.g. `https://tds.aliyuncs.com/`.
    pub fn sas_url(&self) -> String {
        format!("{}://{}/", self.protocol.scheme(), self.sas_endpoint)
    }
}

#[cfg(test)]
mod tests;
