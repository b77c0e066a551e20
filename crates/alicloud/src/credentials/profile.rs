//! Profiles of the aliyun CLI's `config.json`: which credentials a named (or the current)
//! profile stands for. Modes AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn (a role
//! assumed with another profile's credentials; a cycle of profiles is refused), External (a
//! command that prints credentials) and CloudSSO (the access token the CLI's browser sign-in
//! left, traded at the portal) are understood. OAuth is refused with what to use instead: its
//! tokens are refreshed through Alibaba Cloud's OAuth service and written back to the file,
//! which a provider should not do to a user's CLI configuration.

use std::path::Path;

use serde::Deserialize;

use crate::config::{AssumeRoleSpec, DEFAULT_SESSION_EXPIRATION, DEFAULT_SESSION_NAME};
use crate::error::Error;
use crate::secret::Secret;

#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    name: String,
    #[serde(default)]
    mode: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    access_key_secret: Option<Secret>,
    #[serde(default)]
    sts_token: Option<Secret>,
    #[serde(default)]
    ram_role_arn: Option<String>,
    #[serde(default)]
    ram_session_name: Option<String>,
    #[serde(default)]
    ram_role_name: Option<String>,
    #[serde(default)]
    expired_seconds: Option<i64>,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    source_profile: Option<String>,
    #[serde(default)]
    process_command: Option<String>,
    #[serde(default)]
    cloud_sso_sign_in_url: Option<String>,
    #[serde(default)]
    cloud_sso_account_id: Option<String>,
    #[serde(default)]
    cloud_sso_access_config: Option<String>,
    #[serde(default)]
    access_token: Option<Secret>,
    #[serde(default)]
    cloud_sso_access_token_expire: Option<i64>,
}

/// What a profile resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileCredentials {
    /// Modes `AK` and `StsToken`.
    Static {
        access_key_id: String,
        access_key_secret: Secret,
        security_token: Option<Secret>,
    },
    /// Mode `RamRoleArn`: the profile's AccessKey assumes a role.
    RamRoleArn {
        access_key_id: String,
        access_key_secret: Secret,
        assume_role: AssumeRoleSpec,
    },
    /// Mode `EcsRamRole`: the instance's role.
    EcsRamRole { role_name: String },
    /// Mode `ChainableRamRoleArn`: a role assumed with `source`'s credentials.
    Chained {
        source: Box<ProfileCredentials>,
        assume_role: AssumeRoleSpec,
    },
    /// Mode `External`: what `command` prints, run when credentials are needed.
    External { profile: String, command: String },
    /// Mode `CloudSSO`: the portal's key for the signed-in user.
    CloudSso(crate::credentials::CloudSsoProfile),
}

/// The outcome of looking at the file: credentials, or why it does not count as a source.
#[derive(Debug)]
pub enum ProfileLookup {
    Found(ProfileCredentials),
    /// Not an error of the file itself: the chain reports it as "tried".
    NotApplicable(String),
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Reads `path` and picks the profile `name` (or the file's `current`).
pub fn load_profile(path: &Path, name: Option<&str>) -> Result<ProfileLookup, Error> {
    let shown = path.display().to_string();
    let fail = |message: String| Error::Credentials {
        source_name: format!("shared credentials file {shown}"),
        message,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(ProfileLookup::NotApplicable(match name {
                Some(n) => {
                    format!("profile {n:?} in shared credentials file {shown}: file not found")
                }
                None => format!("shared credentials file {shown}: not found"),
            }))
        }
        Err(e) => return Err(fail(format!("cannot read it: {e}"))),
    };
    let file: ConfigFile = serde_json::from_str(&text).map_err(|e| {
        // serde's message can quote a value (a secret): where and what kind, not what.
        fail(format!(
            "not a valid aliyun CLI config.json (line {}, column {}: {})",
            e.line(),
            e.column(),
            crate::secret::json_error_kind(&e)
        ))
    })?;
    let wanted = match name.or(nonempty(&file.current)) {
        Some(n) => n.to_string(),
        None => {
            return Ok(ProfileLookup::NotApplicable(format!(
                "shared credentials file {shown}: no profile named and no current profile"
            )))
        }
    };
    resolve_profile(&file, &wanted, &shown, &mut Vec::new()).map(ProfileLookup::Found)
}

/// The credentials profile `wanted` stands for; `chain` holds the profiles that led to it
/// through `source_profile`, so a cycle is refused rather than followed for ever.
fn resolve_profile(
    file: &ConfigFile,
    wanted: &str,
    shown: &str,
    chain: &mut Vec<String>,
) -> Result<ProfileCredentials, Error> {
    let fail_file = |message: String| Error::Credentials {
        source_name: format!("shared credentials file {shown}"),
        message,
    };
    if chain.iter().any(|n| n == wanted) {
        chain.push(wanted.to_string());
        return Err(fail_file(format!(
            "the profiles' source_profile form a cycle: {}",
            chain.join(" -> ")
        )));
    }
    chain.push(wanted.to_string());
    let Some(p) = file.profiles.iter().find(|p| p.name == wanted) else {
        let names: Vec<&str> = file.profiles.iter().map(|p| p.name.as_str()).collect();
        return Err(fail_file(format!(
            "no profile named {wanted:?} (profiles: {})",
            names.join(", ")
        )));
    };
    let fail = |message: String| Error::Credentials {
        source_name: format!("profile {wanted:?} in {shown}"),
        message,
    };
    let key_pair = || -> Result<(String, Secret), Error> {
        match (nonempty(&p.access_key_id), p.access_key_secret.as_ref()) {
            (Some(id), Some(secret)) if !secret.is_empty() => Ok((id.to_string(), secret.clone())),
            _ => Err(fail(
                "access_key_id and access_key_secret are required".into(),
            )),
        }
    };
    let role = |mode: &str| -> Result<AssumeRoleSpec, Error> {
        let role_arn = nonempty(&p.ram_role_arn)
            .ok_or_else(|| fail(format!("ram_role_arn is required in {mode} mode")))?;
        Ok(AssumeRoleSpec {
            role_arn: role_arn.to_string(),
            session_name: nonempty(&p.ram_session_name)
                .unwrap_or(DEFAULT_SESSION_NAME)
                .to_string(),
            policy: None,
            duration_seconds: p
                .expired_seconds
                .filter(|s| (900..=43200).contains(s))
                .unwrap_or(DEFAULT_SESSION_EXPIRATION),
            external_id: nonempty(&p.external_id).map(str::to_string),
        })
    };
    let mode = nonempty(&p.mode).unwrap_or("AK");
    Ok(match mode {
        "AK" => {
            let (access_key_id, access_key_secret) = key_pair()?;
            ProfileCredentials::Static {
                access_key_id,
                access_key_secret,
                security_token: None,
            }
        }
        "StsToken" => {
            let (access_key_id, access_key_secret) = key_pair()?;
            let token = p
                .sts_token
                .clone()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| fail("sts_token is required in StsToken mode".into()))?;
            ProfileCredentials::Static {
                access_key_id,
                access_key_secret,
                security_token: Some(token),
            }
        }
        "RamRoleArn" => {
            let (access_key_id, access_key_secret) = key_pair()?;
            ProfileCredentials::RamRoleArn {
                access_key_id,
                access_key_secret,
                assume_role: role(mode)?,
            }
        }
        "EcsRamRole" => ProfileCredentials::EcsRamRole {
            role_name: nonempty(&p.ram_role_name)
                .ok_or_else(|| fail("ram_role_name is required in EcsRamRole mode".into()))?
                .to_string(),
        },
        "ChainableRamRoleArn" => {
            let source = nonempty(&p.source_profile).ok_or_else(|| {
                fail("source_profile is required in ChainableRamRoleArn mode".into())
            })?;
            let assume_role = role(mode)?;
            ProfileCredentials::Chained {
                source: Box::new(resolve_profile(file, source, shown, chain)?),
                assume_role,
            }
        }
        "External" => ProfileCredentials::External {
            profile: wanted.to_string(),
            command: nonempty(&p.process_command)
                .ok_or_else(|| fail("process_command is required in External mode".into()))?
                .to_string(),
        },
        "CloudSSO" => {
            let need = |v: &Option<String>, name: &str| {
                nonempty(v)
                    .map(str::to_string)
                    .ok_or_else(|| fail(format!("{name} is required in CloudSSO mode; sign in with the aliyun CLI (aliyun configure --mode CloudSSO)")))
            };
            ProfileCredentials::CloudSso(crate::credentials::CloudSsoProfile {
                profile: wanted.to_string(),
                sign_in_url: need(&p.cloud_sso_sign_in_url, "cloud_sso_sign_in_url")?,
                account_id: need(&p.cloud_sso_account_id, "cloud_sso_account_id")?,
                access_config: need(&p.cloud_sso_access_config, "cloud_sso_access_config")?,
                access_token: p.access_token.clone().unwrap_or_else(|| Secret::new("")),
                access_token_expire: p.cloud_sso_access_token_expire.unwrap_or(0),
            })
        }
        "OAuth" => {
            return Err(fail(
                "mode OAuth is not supported: its tokens are refreshed and written back to the CLI's file; use assume_role_with_oidc, credentials_uri, a CloudSSO profile, or an External profile whose process_command prints credentials".into(),
            ))
        }
        other => {
            return Err(fail(format!(
                "mode {other:?} is not supported (AK, StsToken, RamRoleArn, EcsRamRole, ChainableRamRoleArn, External, CloudSSO are)"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const FILE: &str = r#"{
      "current": "ak",
      "profiles": [
        {"name": "ak", "mode": "AK", "access_key_id": "id1", "access_key_secret": "s1", "region_id": "cn-hangzhou"},
        {"name": "sts", "mode": "StsToken", "access_key_id": "id2", "access_key_secret": "s2", "sts_token": "t2"},
        {"name": "role", "mode": "RamRoleArn", "access_key_id": "id3", "access_key_secret": "s3", "ram_role_arn": "acs:ram::1:role/r", "ram_session_name": "sess", "expired_seconds": 1800},
        {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "myrole"},
        {"name": "bad", "mode": "Mystery"},
        {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role", "ram_role_arn": "acs:ram::1:role/next", "ram_session_name": "hop"},
        {"name": "loop-a", "mode": "ChainableRamRoleArn", "source_profile": "loop-b", "ram_role_arn": "acs:ram::1:role/a"},
        {"name": "loop-b", "mode": "ChainableRamRoleArn", "source_profile": "loop-a", "ram_role_arn": "acs:ram::1:role/b"},
        {"name": "ext", "mode": "External", "process_command": "print-credentials --json"},
        {"name": "sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://signin.example"},
        {"name": "oauth", "mode": "OAuth"},
        {"name": "empty", "mode": "AK", "access_key_id": "", "access_key_secret": ""}
      ]
    }"#;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    fn found(l: Result<ProfileLookup, Error>) -> ProfileCredentials {
        match l {
            Ok(ProfileLookup::Found(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_mode() {
        let f = file(FILE);
        assert_eq!(
            found(load_profile(f.path(), None)),
            ProfileCredentials::Static {
                access_key_id: "id1".into(),
                access_key_secret: Secret::new("s1"),
                security_token: None
            }
        );
        assert_eq!(
            found(load_profile(f.path(), Some("sts"))),
            ProfileCredentials::Static {
                access_key_id: "id2".into(),
                access_key_secret: Secret::new("s2"),
                security_token: Some(Secret::new("t2"))
            }
        );
        match found(load_profile(f.path(), Some("role"))) {
            ProfileCredentials::RamRoleArn {
                access_key_id,
                assume_role,
                ..
            } => {
                assert_eq!(access_key_id, "id3");
                assert_eq!(assume_role.role_arn, "acs:ram::1:role/r");
                assert_eq!(assume_role.session_name, "sess");
                assert_eq!(assume_role.duration_seconds, 1800);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            found(load_profile(f.path(), Some("ecs"))),
            ProfileCredentials::EcsRamRole {
                role_name: "myrole".into()
            }
        );
        match found(load_profile(f.path(), Some("chained"))) {
            ProfileCredentials::Chained {
                source,
                assume_role,
            } => {
                assert!(matches!(*source, ProfileCredentials::RamRoleArn { .. }));
                assert_eq!(assume_role.role_arn, "acs:ram::1:role/next");
                assert_eq!(assume_role.session_name, "hop");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            found(load_profile(f.path(), Some("ext"))),
            ProfileCredentials::External {
                profile: "ext".into(),
                command: "print-credentials --json".into()
            }
        );
    }

    #[test]
    fn problems_are_explained_without_secrets() {
        let f = file(FILE);
        let refused = |name| load_profile(f.path(), Some(name)).unwrap_err().to_string();
        for (name, says) in [
            ("nope", "no profile named \"nope\""),
            ("nope", "ak, sts"),
            ("bad", "\"Mystery\" is not supported"),
            ("loop-a", "cycle: loop-a -> loop-b -> loop-a"),
            ("sso", "cloud_sso_account_id is required"),
            ("oauth", "OAuth is not supported"),
            ("empty", "access_key_secret are required"),
        ] {
            let e = refused(name);
            assert!(e.contains(says), "{name}: {e}");
        }
        let g = file("{not json");
        let e = load_profile(g.path(), None).unwrap_err().to_string();
        assert!(e.contains("not a valid"), "{e}");
        // A mistyped value is where serde would quote it: a secret written as a number.
        let h = file(r#"{"profiles": [{"name": "x", "access_key_secret": 987654321}]}"#);
        let e = load_profile(h.path(), Some("x")).unwrap_err().to_string();
        assert!(e.contains("not a valid") && !e.contains("987654321"), "{e}");
        // The file's random temporary name may hold any two letters: look past it.
        let said = e.replace(&h.path().display().to_string(), "<file>");
        for s in ["s1", "s2", "t2"] {
            assert!(!said.contains(s), "{said}");
        }
    }

    #[test]
    fn missing_file_or_profile_is_not_applicable() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("config.json");
        assert!(
            matches!(load_profile(&missing, None), Ok(ProfileLookup::NotApplicable(m)) if m.contains("not found"))
        );
        let f = file(r#"{"profiles": []}"#);
        assert!(
            matches!(load_profile(f.path(), None), Ok(ProfileLookup::NotApplicable(m)) if m.contains("no current profile"))
        );
    }
}
