//! Credential planning: which source the provider's credentials will come from, chosen from the
//! arguments and the environment in the official provider's order, and what was passed over on
//! the way. Pure, like the rest of resolution: the files and services named here are read on
//! the first API call (`chain.rs`).

use std::path::PathBuf;

use crate::config::env::*;
use crate::config::{
    AssumeRoleConfig, AssumeRoleWithOidcConfig, ProviderConfig, DEFAULT_SESSION_EXPIRATION,
    DEFAULT_SESSION_NAME,
};
use crate::error::{ConfigError, Setting};
use crate::secret::Secret;

/// An STS AssumeRole to perform on top of the base credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRoleSpec {
    pub role_arn: String,
    pub session_name: String,
    pub policy: Option<String>,
    pub duration_seconds: i64,
    pub external_id: Option<String>,
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

/// Chooses the base credential source — static keys, then `ecs_role_name`, then the shared
/// credentials file — and the optional AssumeRole on top. This order follows the official
/// provider: the AccessKey arguments (and their environment variables) win over everything.
pub(crate) fn plan_credentials(
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
