//! Where each provider argument may come from besides the provider block: the environment
//! variables the official provider and the Alibaba Cloud SDKs read, in order, and how a value
//! is picked from the block or from them. One table, so each variable is named once.

use std::path::PathBuf;

pub(crate) const ACCESS_KEY_ENV: &[&str] = &["ALICLOUD_ACCESS_KEY", "ALIBABA_CLOUD_ACCESS_KEY_ID"];
pub(crate) const SECRET_KEY_ENV: &[&str] =
    &["ALICLOUD_SECRET_KEY", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"];
pub(crate) const SECURITY_TOKEN_ENV: &[&str] =
    &["ALICLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_SECURITY_TOKEN"];
pub(crate) const REGION_ENV: &[&str] = &["ALICLOUD_REGION", "ALIBABA_CLOUD_REGION"];
pub(crate) const PROFILE_ENV: &[&str] = &["ALICLOUD_PROFILE", "ALIBABA_CLOUD_PROFILE"];
pub(crate) const CREDENTIALS_URI_ENV: &[&str] = &["ALIBABA_CLOUD_CREDENTIALS_URI"];
pub(crate) const STS_ENDPOINT_ENV: &[&str] = &["ALIBABA_CLOUD_ENDPOINT_STS"];
pub(crate) const SHARED_FILE_ENV: &[&str] = &[
    "ALICLOUD_SHARED_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
];
/// `assume_role`'s own variable, and the one it shares with RRSA.
pub(crate) const ALICLOUD_ASSUME_ROLE_ARN: &str = "ALICLOUD_ASSUME_ROLE_ARN";
pub(crate) const ALIBABA_CLOUD_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
pub(crate) const ROLE_ARN_ENV: &[&str] = &[ALICLOUD_ASSUME_ROLE_ARN, ALIBABA_CLOUD_ROLE_ARN];
pub(crate) const SESSION_NAME_ENV: &[&str] = &[
    "ALICLOUD_ASSUME_ROLE_SESSION_NAME",
    ALIBABA_CLOUD_ROLE_SESSION_NAME,
];
pub(crate) const ECS_ROLE_ENV: &[&str] = &["ALICLOUD_ECS_ROLE_NAME", "ALIBABA_CLOUD_ECS_METADATA"];
/// What RRSA's webhook injects into a pod (with [`OIDC_ROLE_ARN_ENV`]).
pub(crate) const OIDC_PROVIDER_ARN_ENV: &[&str] = &["ALIBABA_CLOUD_OIDC_PROVIDER_ARN"];
pub(crate) const OIDC_TOKEN_FILE_ENV: &[&str] = &["ALIBABA_CLOUD_OIDC_TOKEN_FILE"];
pub(crate) const OIDC_TOKEN_ENV: &[&str] = &["ALIBABA_CLOUD_OIDC_TOKEN"];
pub(crate) const OIDC_ROLE_ARN_ENV: &[&str] = &[ALIBABA_CLOUD_ROLE_ARN];
/// The session name's variable, shared by `assume_role` and OIDC as in the official provider.
pub(crate) const ALIBABA_CLOUD_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
pub(crate) const OIDC_SESSION_NAME_ENV: &[&str] = &[ALIBABA_CLOUD_ROLE_SESSION_NAME];

/// Empty strings count as unset, as in the official provider.
pub(crate) fn nonempty(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The provider block value, else the first set environment variable.
/// The origin `pick` gives a value set in the provider block.
pub(crate) const FROM_BLOCK: &str = "provider block";

pub(crate) fn pick(
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

pub(crate) fn first_env(names: &[&str], env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    names.iter().find_map(|n| nonempty(env(n).as_deref()))
}

/// The user's home, where `~/.aliyun/config.json` lives: on Windows `USERPROFILE` first, as the
/// aliyun CLI and Go's `os.UserHomeDir` read it (a `HOME` there is often a Unix shell's).
pub(crate) fn home_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    const ORDER: [&str; 2] = if cfg!(windows) {
        ["USERPROFILE", "HOME"]
    } else {
        ["HOME", "USERPROFILE"]
    };
    first_env(&ORDER, env).map(PathBuf::from)
}

/// `~/x` → `$HOME/x`, since Terraform users write paths that way.
pub(crate) fn expand_home(path: &str, env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), home_dir(env)) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}
