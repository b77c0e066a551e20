//! The provider arguments as plain Rust, and their resolution with the environment.
//!
//! Resolution is pure: it reads only the provider block and an environment lookup (a closure, so
//! tests never touch the process environment), performs no I/O and no network call, and reports
//! every invalid argument at once, each named by its attribute path. Reading the profile file and
//! fetching temporary credentials happen later, on the first API call.

use std::path::PathBuf;
use std::time::Duration;

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

/// Where an OIDC token is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OidcToken {
    /// Given as a value (`oidc_token`, `ALIBABA_CLOUD_OIDC_TOKEN`).
    Value(Secret),
    /// A file read again at every renewal, since RRSA and CI runners rotate it.
    File(PathBuf),
}

/// STS `AssumeRoleWithOIDC`: an identity provider's token traded for a role's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSpec {
    pub provider_arn: String,
    pub token: OidcToken,
    /// The role, its session name, policy and lifetime (no external id: OIDC has none).
    pub role: AssumeRoleSpec,
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

/// An STS AssumeRole to perform on top of the base credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleSpec {
    pub role_arn: String,
    pub session_name: String,
    pub policy: Option<String>,
    pub duration_seconds: i64,
    pub external_id: Option<String>,
}

/// The base credential source chosen from the arguments and environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    /// An AccessKey pair (with an STS token when `security_token` is set).
    Static {
        access_key_id: String,
        access_key_secret: Secret,
        security_token: Option<Secret>,
        /// "provider block" or the environment variable names, for logs.
        origin: String,
    },
    /// A credentials URI, polled for temporary credentials.
    Uri { uri: String },
    /// The RAM role of this ECS instance, through the metadata service.
    EcsRole { role_name: String },
    /// An OIDC token (RRSA, GitHub Actions) traded for a role's credentials.
    Oidc(OidcSpec),
    /// A profile of the aliyun CLI's `config.json`, read on first use.
    Profile {
        path: PathBuf,
        /// `None` means the file's `current` profile.
        name: Option<String>,
    },
    /// Nothing to try; the first API call fails with the list of what was tried.
    Nothing,
}

/// Where credentials will come from, and what was looked at to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialPlan {
    pub source: CredentialSource,
    pub assume_role: Option<AssumeRoleSpec>,
    /// One line per source considered and passed over, for the "no credentials" message.
    pub tried: Vec<String>,
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

const ACCESS_KEY_ENV: &[&str] = &["ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID"];
const SECRET_KEY_ENV: &[&str] = &["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"];
const SECURITY_TOKEN_ENV: &[&str] = &["ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"];
const REGION_ENV: &[&str] = &["ALICLOUD_REGION", "ALIBABA_CLOUD_REGION"];
const PROFILE_ENV: &[&str] = &["ALICLOUD_PROFILE", "ALIBABA_CLOUD_PROFILE"];
const CREDENTIALS_URI_ENV: &[&str] = &["ALIBABA_CLOUD_CREDENTIALS_URI"];
const STS_ENDPOINT_ENV: &[&str] = &["ALIBABA_CLOUD_ENDPOINT_STS"];
const SHARED_FILE_ENV: &[&str] = &[
    "ALICLOUD_SHARED_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
];
/// `assume_role`'s own variable, and the one it shares with RRSA.
const ALICLOUD_ASSUME_ROLE_ARN: &str = "ALICLOUD_ASSUME_ROLE_ARN";
const ALIBABA_CLOUD_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
const ROLE_ARN_ENV: &[&str] = &[ALICLOUD_ASSUME_ROLE_ARN, ALIBABA_CLOUD_ROLE_ARN];
const SESSION_NAME_ENV: &[&str] = &[
    "ALICLOUD_ASSUME_ROLE_SESSION_NAME",
    ALIBABA_CLOUD_ROLE_SESSION_NAME,
];
const ECS_ROLE_ENV: &[&str] = &["ALICLOUD_ECS_ROLE_NAME", "ALIBABA_CLOUD_ECS_METADATA"];
/// What RRSA's webhook injects into a pod (with [`OIDC_ROLE_ARN_ENV`]).
const OIDC_PROVIDER_ARN_ENV: &[&str] = &["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"];
const OIDC_TOKEN_FILE_ENV: &[&str] = &["ALIBABA_CLOUD_OIDC_TOKEN_FILE"];
const OIDC_TOKEN_ENV: &[&str] = &["ALIBABA_CLOUD_OIDC_TOKEN"];
const OIDC_ROLE_ARN_ENV: &[&str] = &[ALIBABA_CLOUD_ROLE_ARN];
/// The session name's variable, shared by `assume_role` and OIDC as in the official provider.
const ALIBABA_CLOUD_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
const OIDC_SESSION_NAME_ENV: &[&str] = &[ALIBABA_CLOUD_ROLE_SESSION_NAME];

/// Empty strings count as unset, as in the official provider.
fn nonempty(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The provider block value, else the first set environment variable.
/// The origin `pick` gives a value set in the provider block.
const FROM_BLOCK: &str = "provider block";

fn pick(
    block: Option<&str>,
    names: &[&'static str],
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<(String, String)> {
    if let Some(v) = nonempty(block) {
        return Some((v, FROM_BLOCK.to_string()));
    }
    names
        .iter()
        .find_map(|n| nonempty(env(n).as_deref()).map(|v| (v, n.to_string())))
}

fn first_env(names: &[&str], env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    names.iter().find_map(|n| nonempty(env(n).as_deref()))
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

/// Chooses the base credential source — static keys, then `ecs_role_name`, then the shared
/// credentials file — and the optional AssumeRole on top. This order follows the official
/// provider: the AccessKey arguments (and their environment variables) win over everything.
fn plan_credentials(
    config: &ProviderConfig,
    env: &dyn Fn(&str) -> Option<String>,
    errors: &mut Vec<ConfigError>,
) -> CredentialPlan {
    let mut tried = Vec::new();
    let access_key = pick(config.access_key.as_deref(), ACCESS_KEY_ENV, env);
    let secret_key = pick(
        config.secret_key.as_ref().map(Secret::expose),
        SECRET_KEY_ENV,
        env,
    );
    let token = pick(
        config.security_token.as_ref().map(Secret::expose),
        SECURITY_TOKEN_ENV,
        env,
    );

    let assume_role = plan_assume_role(config.assume_role.as_ref(), env, errors);

    let source = match (access_key, secret_key) {
        (Some((id, id_origin)), Some((secret, secret_origin))) => {
            let origin = if id_origin == secret_origin {
                id_origin
            } else {
                format!("{id_origin} and {secret_origin}")
            };
            return CredentialPlan {
                source: CredentialSource::Static {
                    access_key_id: id,
                    access_key_secret: Secret::new(secret),
                    security_token: token.map(|(t, _)| Secret::new(t)),
                    origin,
                },
                assume_role,
                tried,
            };
        }
        (Some((_, origin)), None) => {
            errors.push(ConfigError::new(
                Setting::SecretKey,
                format!(
                    "access_key is set (from {origin}) but secret_key is not; set it or {}",
                    SECRET_KEY_ENV.join(" / ")
                ),
            ));
            CredentialSource::Nothing
        }
        (None, Some((_, origin))) => {
            errors.push(ConfigError::new(
                Setting::AccessKey,
                format!(
                    "secret_key is set (from {origin}) but access_key is not; set it or {}",
                    ACCESS_KEY_ENV.join(" / ")
                ),
            ));
            CredentialSource::Nothing
        }
        (None, None) => {
            tried.push(format!(
                "access_key and secret_key in the provider block: not set; environment {} and {}: not set",
                ACCESS_KEY_ENV.join(" / "),
                SECRET_KEY_ENV.join(" / ")
            ));
            CredentialSource::Nothing
        }
    };
    if source != CredentialSource::Nothing {
        return CredentialPlan {
            source,
            assume_role,
            tried,
        };
    }

    if let Some((uri, origin)) = pick(config.credentials_uri.as_deref(), CREDENTIALS_URI_ENV, env) {
        if uri.starts_with("http://") || uri.starts_with("https://") {
            return CredentialPlan {
                source: CredentialSource::Uri { uri },
                assume_role,
                tried,
            };
        }
        errors.push(ConfigError {
            setting: Setting::CredentialsUri,
            from_env: (origin != FROM_BLOCK).then_some(origin),
            message: "must be an http:// or https:// URL".into(),
        });
        return CredentialPlan {
            source: CredentialSource::Nothing,
            assume_role,
            tried,
        };
    }
    tried.push(format!(
        "credentials_uri in the provider block and environment {}: not set",
        CREDENTIALS_URI_ENV.join(" / ")
    ));

    if let Some((role_name, _)) = pick(config.ecs_role_name.as_deref(), ECS_ROLE_ENV, env) {
        return CredentialPlan {
            source: CredentialSource::EcsRole { role_name },
            assume_role,
            tried,
        };
    }
    tried.push(format!(
        "ecs_role_name in the provider block and environment {}: not set",
        ECS_ROLE_ENV.join(" / ")
    ));

    match plan_oidc(config.assume_role_with_oidc.as_ref(), env, errors) {
        Ok(oidc) => {
            // RRSA's ALIBABA_CLOUD_ROLE_ARN names the role the token assumes; `assume_role`
            // takes it too only where nothing else names a role, so it must not assume the
            // same role a second time on top.
            let role_only_from_rrsa = config
                .assume_role
                .as_ref()
                .and_then(|a| nonempty(a.role_arn.as_deref()))
                .is_none()
                && first_env(&[ALICLOUD_ASSUME_ROLE_ARN], env).is_none();
            return CredentialPlan {
                assume_role: assume_role.filter(|_| !role_only_from_rrsa),
                source: CredentialSource::Oidc(oidc),
                tried,
            };
        }
        Err(not_set) => tried.push(not_set),
    }

    let name = pick(config.profile.as_deref(), PROFILE_ENV, env).map(|(v, _)| v);
    let path = match pick(
        config.shared_credentials_file.as_deref(),
        SHARED_FILE_ENV,
        env,
    ) {
        Some((p, _)) => Some(expand_home(&p, env)),
        None => home_dir(env).map(|h| h.join(".aliyun").join("config.json")),
    };
    let source = match path {
        Some(path) => CredentialSource::Profile { path, name },
        None => {
            tried.push(
                "shared credentials file: no path given and no HOME to find ~/.aliyun/config.json"
                    .into(),
            );
            CredentialSource::Nothing
        }
    };
    CredentialPlan {
        source,
        assume_role,
        tried,
    }
}

fn plan_assume_role(
    block: Option<&AssumeRoleConfig>,
    env: &dyn Fn(&str) -> Option<String>,
    errors: &mut Vec<ConfigError>,
) -> Option<AssumeRoleSpec> {
    let empty = AssumeRoleConfig::default();
    let block_given = block.is_some();
    let b = block.unwrap_or(&empty);
    let role_arn = pick(b.role_arn.as_deref(), ROLE_ARN_ENV, env).map(|(v, _)| v);
    let duration_seconds = session_expiration(
        b.session_expiration,
        Setting::AssumeRoleSessionExpiration,
        errors,
    );
    let Some(role_arn) = role_arn else {
        let anything_set = b.session_name.is_some()
            || b.policy.is_some()
            || b.session_expiration.is_some()
            || b.external_id.is_some();
        if block_given && anything_set {
            errors.push(ConfigError::new(
                Setting::AssumeRoleArn,
                format!(
                    "is required when assume_role is given; set it or {}",
                    ROLE_ARN_ENV.join(" / ")
                ),
            ));
        }
        return None;
    };
    let session_name = pick(b.session_name.as_deref(), SESSION_NAME_ENV, env)
        .map(|(v, _)| v)
        .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string());
    Some(AssumeRoleSpec {
        role_arn,
        session_name,
        policy: nonempty(b.policy.as_deref()),
        duration_seconds,
        external_id: nonempty(b.external_id.as_deref()),
    })
}

/// A role session's lifetime in seconds: STS takes 900 to 43200.
fn session_expiration(value: Option<i64>, setting: Setting, errors: &mut Vec<ConfigError>) -> i64 {
    let seconds = value.unwrap_or(DEFAULT_SESSION_EXPIRATION);
    if !(900..=43200).contains(&seconds) {
        errors.push(ConfigError::new(
            setting,
            format!("must be between 900 and 43200 seconds, got {seconds}"),
        ));
    }
    seconds
}

/// `assume_role_with_oidc`, or RRSA's environment variables; `Err` holds the line for the
/// "tried" list when neither names a provider and a token. The block's own values come before
/// the environment's, a token before a token file.
fn plan_oidc(
    block: Option<&AssumeRoleWithOidcConfig>,
    env: &dyn Fn(&str) -> Option<String>,
    errors: &mut Vec<ConfigError>,
) -> Result<OidcSpec, String> {
    let empty = AssumeRoleWithOidcConfig::default();
    let b = block.unwrap_or(&empty);
    let provider_arn = pick(b.oidc_provider_arn.as_deref(), OIDC_PROVIDER_ARN_ENV, env);
    let value = |t: String| OidcToken::Value(Secret::new(t));
    let file = |f: String| OidcToken::File(expand_home(&f, env));
    let token = nonempty(b.oidc_token.as_ref().map(Secret::expose))
        .map(value)
        .or_else(|| nonempty(b.oidc_token_file.as_deref()).map(file))
        .or_else(|| first_env(OIDC_TOKEN_ENV, env).map(value))
        .or_else(|| first_env(OIDC_TOKEN_FILE_ENV, env).map(file));
    let (provider_arn, token) = match (provider_arn, token) {
        (Some((provider_arn, _)), Some(token)) => (provider_arn, token),
        (provider_arn, token) => {
            let not_set = format!(
                "assume_role_with_oidc in the provider block and environment {} with {}: not set",
                OIDC_PROVIDER_ARN_ENV.join(" / "),
                OIDC_TOKEN_FILE_ENV.join(" / ")
            );
            if block.is_none() {
                return Err(not_set);
            }
            if provider_arn.is_none() {
                errors.push(ConfigError::new(
                    Setting::OidcProviderArn,
                    format!(
                        "is required in assume_role_with_oidc; set it or {}",
                        OIDC_PROVIDER_ARN_ENV.join(" / ")
                    ),
                ));
            }
            if token.is_none() {
                errors.push(ConfigError::new(
                Setting::OidcTokenFile,
                format!(
                    "assume_role_with_oidc needs oidc_token or oidc_token_file; set one, or {} or {}",
                    OIDC_TOKEN_ENV.join(" / "),
                    OIDC_TOKEN_FILE_ENV.join(" / ")
                ),
            ));
            }
            return Err(not_set);
        }
    };
    let role_arn = match pick(b.role_arn.as_deref(), OIDC_ROLE_ARN_ENV, env) {
        Some((r, _)) => r,
        None => {
            errors.push(ConfigError::new(
                Setting::OidcRoleArn,
                format!(
                    "is required to assume a role with an OIDC token; set it or {}",
                    OIDC_ROLE_ARN_ENV.join(" / ")
                ),
            ));
            String::new()
        }
    };
    Ok(OidcSpec {
        provider_arn,
        token,
        role: AssumeRoleSpec {
            role_arn,
            session_name: pick(b.role_session_name.as_deref(), OIDC_SESSION_NAME_ENV, env)
                .map(|(v, _)| v)
                .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string()),
            policy: nonempty(b.policy.as_deref()),
            duration_seconds: session_expiration(
                b.session_expiration,
                Setting::OidcSessionExpiration,
                errors,
            ),
            external_id: None,
        },
    })
}

fn home_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    first_env(&["HOME", "USERPROFILE"], env).map(PathBuf::from)
}

/// `~/x` → `$HOME/x`, since Terraform users write paths that way.
fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir(env)) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

impl ResolvedConfig {
    /// The Sas endpoint as a URL prefix, e.g. `https://tds.aliyuncs.com/`.
    pub fn sas_url(&self) -> String {
        format!("{}://{}/", self.protocol.scheme(), self.sas_endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| m.get(k).cloned()
    }

    #[test]
    fn defaults() {
        let r = resolve(&ProviderConfig::default(), &env(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(r.region, "cn-beijing");
        assert_eq!(r.protocol, Protocol::Https);
        assert_eq!(r.signature_version, SignatureVersion::V3);
        assert_eq!(r.sas_endpoint, "tds.aliyuncs.com");
        assert_eq!(r.sts_endpoint, "sts.aliyuncs.com");
        assert_eq!(r.ecs_metadata_endpoint, "100.100.100.200");
        assert_eq!(r.connect_timeout, Duration::from_secs(60));
        assert_eq!(
            r.credentials.source,
            CredentialSource::Profile {
                path: PathBuf::from("/home/u/.aliyun/config.json"),
                name: None
            }
        );
        // AccessKeys, the credentials URI, the ECS role and OIDC were looked at and passed over.
        assert_eq!(r.credentials.tried.len(), 4);
        assert!(r.user_agent.starts_with("alicloud/"), "{}", r.user_agent);
        let named = ProviderConfig {
            user_agent: Some("caller/1".into()),
            ..Default::default()
        };
        let r = resolve(&named, &env(&[("HOME", "/home/u")])).unwrap();
        assert_eq!(r.user_agent, "caller/1");
    }

    #[test]
    fn block_wins_over_environment_and_env_fills_gaps() {
        let cfg = ProviderConfig {
            access_key: Some("block-id".into()),
            region: Some("cn-hongkong".into()),
            ..Default::default()
        };
        let r = resolve(
            &cfg,
            &env(&[
                ("ALICLOUD_ACCESS_KEY", "env-id"),
                ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
                ("ALICLOUD_REGION", "cn-shanghai"),
                ("ALIBABA_CLOUD_SECURITY_TOKEN", "tok"),
            ]),
        )
        .unwrap();
        assert_eq!(r.region, "cn-hongkong");
        assert_eq!(r.sas_endpoint, "tds.ap-southeast-1.aliyuncs.com");
        match r.credentials.source {
            CredentialSource::Static {
                access_key_id,
                access_key_secret,
                security_token,
                origin,
            } => {
                assert_eq!(access_key_id, "block-id");
                assert_eq!(access_key_secret.expose(), "env-secret");
                assert_eq!(
                    security_token.map(|t| t.expose().to_string()),
                    Some("tok".into())
                );
                assert!(
                    origin.contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                    "{origin}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_invalid_argument_is_named() {
        let cfg = ProviderConfig {
            access_key: Some("id".into()),
            protocol: Some("FTP".into()),
            signature_version: Some("v4".into()),
            client_connect_timeout: Some(0),
            client_read_timeout: Some(-5),
            assume_role: Some(AssumeRoleConfig {
                session_expiration: Some(60),
                ..Default::default()
            }),
            endpoints: Some(EndpointsConfig {
                sas: Some("https://x".into()),
                sts: Some("a b".into()),
                ecs_metadata: Some("h:0".into()),
            }),
            ..Default::default()
        };
        let errs = resolve(&cfg, &env(&[])).unwrap_err();
        let attrs: Vec<Setting> = errs.iter().map(|e| e.setting).collect();
        for a in [
            Setting::Protocol,
            Setting::SignatureVersion,
            Setting::ClientConnectTimeout,
            Setting::ClientReadTimeout,
            Setting::SasEndpoint,
            Setting::StsEndpoint,
            Setting::EcsMetadataEndpoint,
            Setting::SecretKey,
            Setting::AssumeRoleSessionExpiration,
            Setting::AssumeRoleArn,
        ] {
            assert!(attrs.contains(&a), "{a} missing from {attrs:?}");
        }
        // no error text carries a secret
        assert!(errs.iter().all(|e| !e.to_string().contains("env-secret")));
    }

    #[test]
    fn a_bad_value_from_the_environment_names_its_variable() {
        let errs = resolve(
            &ProviderConfig::default(),
            &env(&[("HOME", "/home/u"), ("ALICLOUD_REGION", "Hangzhou")]),
        )
        .unwrap_err();
        assert_eq!(errs[0].setting, Setting::Region);
        assert_eq!(errs[0].from_env.as_deref(), Some("ALICLOUD_REGION"));
        let configured = ProviderConfig {
            region: Some("Hangzhou".into()),
            ..Default::default()
        };
        let errs = resolve(&configured, &env(&[("HOME", "/home/u")])).unwrap_err();
        assert_eq!(errs[0].from_env, None, "configured: at its line");
    }

    #[test]
    fn ecs_role_then_profile() {
        let r = resolve(
            &ProviderConfig::default(),
            &env(&[("ALIBABA_CLOUD_ECS_METADATA", "my-role")]),
        )
        .unwrap();
        assert_eq!(
            r.credentials.source,
            CredentialSource::EcsRole {
                role_name: "my-role".into()
            }
        );
        let r = resolve(
            &ProviderConfig {
                shared_credentials_file: Some("~/cfg.json".into()),
                ..Default::default()
            },
            &env(&[("HOME", "/h"), ("ALICLOUD_PROFILE", "prod")]),
        )
        .unwrap();
        assert_eq!(
            r.credentials.source,
            CredentialSource::Profile {
                path: PathBuf::from("/h/cfg.json"),
                name: Some("prod".into())
            }
        );
        let r = resolve(&ProviderConfig::default(), &env(&[])).unwrap();
        assert_eq!(r.credentials.source, CredentialSource::Nothing);
        assert_eq!(r.credentials.tried.len(), 5);
        let r = resolve(
            &ProviderConfig::default(),
            &env(&[
                ("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:9/c"),
                ("ALICLOUD_ECS_ROLE_NAME", "role"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.credentials.source,
            CredentialSource::Uri {
                uri: "http://127.0.0.1:9/c".into()
            },
            "the credentials URI comes before the ECS role"
        );
    }

    #[test]
    fn rrsa_variables_alone_assume_their_role_once() {
        let rrsa = [
            ("HOME", "/h"),
            (
                "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "acs:ram::1:oidc-provider/ack",
            ),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "~/token"),
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/ci"),
        ];
        let r = resolve(&ProviderConfig::default(), &env(&rrsa)).unwrap();
        let CredentialSource::Oidc(spec) = &r.credentials.source else {
            panic!("{:?}", r.credentials.source)
        };
        assert_eq!(spec.token, OidcToken::File(PathBuf::from("/h/token")));
        assert_eq!(spec.role.role_arn, "acs:ram::1:role/ci");
        assert_eq!(spec.role.session_name, "terraform");
        assert_eq!(
            r.credentials.assume_role, None,
            "ALIBABA_CLOUD_ROLE_ARN is the OIDC role, not a second assume_role"
        );
        // An explicit assume_role is chained on top.
        let chained = ProviderConfig {
            assume_role: Some(AssumeRoleConfig {
                role_arn: Some("acs:ram::2:role/deploy".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let r = resolve(&chained, &env(&rrsa)).unwrap();
        assert_eq!(
            r.credentials.assume_role.map(|a| a.role_arn).as_deref(),
            Some("acs:ram::2:role/deploy")
        );
        // AccessKeys still win.
        let mut with_keys = rrsa.to_vec();
        with_keys.extend([
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
        ]);
        let r = resolve(&ProviderConfig::default(), &env(&with_keys)).unwrap();
        assert!(matches!(
            r.credentials.source,
            CredentialSource::Static { .. }
        ));
    }

    #[test]
    fn the_blocks_token_file_comes_before_the_environments_token() {
        let c = ProviderConfig {
            assume_role_with_oidc: Some(AssumeRoleWithOidcConfig {
                oidc_token_file: Some("/run/token".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let r = resolve(
            &c,
            &env(&[
                ("ALIBABA_CLOUD_OIDC_TOKEN", "from.env.jwt"),
                (
                    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                    "acs:ram::1:oidc-provider/p",
                ),
                ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
            ]),
        )
        .unwrap();
        let CredentialSource::Oidc(spec) = r.credentials.source else {
            panic!("{:?}", r.credentials.source)
        };
        assert_eq!(spec.token, OidcToken::File(PathBuf::from("/run/token")));
    }

    #[test]
    fn an_incomplete_oidc_block_names_each_missing_argument() {
        let refused = |block: AssumeRoleWithOidcConfig| {
            let c = ProviderConfig {
                assume_role_with_oidc: Some(block),
                ..Default::default()
            };
            let errs = resolve(&c, &env(&[("HOME", "/h")])).unwrap_err();
            let named: Vec<String> = errs.iter().map(|e| e.setting.to_string()).collect();
            (named, errs)
        };
        let (named, _) = refused(AssumeRoleWithOidcConfig {
            session_expiration: Some(60),
            ..Default::default()
        });
        assert_eq!(
            named,
            [
                "assume_role_with_oidc.oidc_provider_arn",
                "assume_role_with_oidc.oidc_token_file"
            ]
        );
        let (named, errs) = refused(AssumeRoleWithOidcConfig {
            oidc_provider_arn: Some("acs:ram::1:oidc-provider/gh".into()),
            oidc_token: Some(Secret::new("eyJ.jwt.sig")),
            session_expiration: Some(60),
            ..Default::default()
        });
        assert_eq!(
            named,
            [
                "assume_role_with_oidc.role_arn",
                "assume_role_with_oidc.session_expiration"
            ]
        );
        assert!(errs.iter().all(|e| !e.to_string().contains("eyJ")));
    }

    #[test]
    fn assume_role_from_block_and_env() {
        let r = resolve(
            &ProviderConfig::default(),
            &env(&[
                ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r"),
                ("ALICLOUD_ASSUME_ROLE_SESSION_NAME", "s"),
            ]),
        )
        .unwrap();
        assert_eq!(
            r.credentials.assume_role,
            Some(AssumeRoleSpec {
                role_arn: "acs:ram::1:role/r".into(),
                session_name: "s".into(),
                policy: None,
                duration_seconds: 3600,
                external_id: None
            })
        );
        let r = resolve(
            &ProviderConfig {
                assume_role: Some(AssumeRoleConfig {
                    role_arn: Some("arn".into()),
                    session_expiration: Some(900),
                    external_id: Some("x".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &env(&[]),
        )
        .unwrap();
        let a = r.credentials.assume_role.unwrap();
        assert_eq!(
            (a.session_name.as_str(), a.duration_seconds),
            ("terraform", 900)
        );
        assert_eq!(a.external_id.as_deref(), Some("x"));
    }

    #[test]
    fn endpoint_environment_overrides_block() {
        let r = resolve(
            &ProviderConfig {
                endpoints: Some(EndpointsConfig {
                    sas: Some("block:1".into()),
                    sts: Some("127.0.0.1:2".into()),
                    ecs_metadata: Some("127.0.0.1:3".into()),
                }),
                protocol: Some("HTTP".into()),
                ..Default::default()
            },
            &env(&[("SAS_ENDPOINT", "127.0.0.1:9")]),
        )
        .unwrap();
        assert_eq!(r.sas_url(), "http://127.0.0.1:9/");
        assert_eq!(r.sts_endpoint, "127.0.0.1:2");
        assert_eq!(r.ecs_metadata_endpoint, "127.0.0.1:3");
    }

    #[test]
    fn secrets_do_not_print() {
        let cfg = ProviderConfig {
            secret_key: Some(Secret::new("topsecret")),
            security_token: Some(Secret::new("toptoken")),
            ..Default::default()
        };
        let s = format!("{cfg:?}");
        assert!(!s.contains("topsecret") && !s.contains("toptoken"), "{s}");
        let r = resolve(
            &ProviderConfig {
                access_key: Some("id".into()),
                ..cfg
            },
            &env(&[]),
        )
        .unwrap();
        let s = format!("{r:?}");
        assert!(!s.contains("topsecret") && !s.contains("toptoken"), "{s}");
    }
}
