//! Credentials an `External` profile's `process_command` prints, as the aliyun CLI reads them:
//! JSON with `mode` (`AK` or `StsToken`), `access_key_id`, `access_key_secret`, `sts_token`,
//! and optionally `expiration`. The command runs when credentials are first needed and again
//! before an `expiration` it gave; it is split on whitespace and run without a shell.
//!
//! The output holds secrets, so neither it nor the command's stderr is ever quoted: an error
//! says how the command ended or which field is missing.

use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;

use super::{parse_expiration, BoxFuture, CredentialCache, Credentials, TemporarySource};
use crate::context::CallContext;
use crate::error::Error;
use crate::secret::{json_error_kind, Secret};

/// How long the command may take, as the official credential SDKs allow it.
const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct ExternalProvider {
    profile: String,
    command: String,
    cache: CredentialCache,
}

#[derive(Deserialize)]
struct Printed {
    #[serde(default)]
    mode: Option<String>,
    access_key_id: String,
    access_key_secret: Secret,
    #[serde(default)]
    sts_token: Option<Secret>,
    #[serde(default)]
    expiration: Option<String>,
}

impl ExternalProvider {
    pub(crate) fn new(profile: String, command: String) -> Self {
        ExternalProvider {
            profile,
            command,
            cache: CredentialCache::default(),
        }
    }

    fn fail(&self, message: String) -> Error {
        Error::Credentials {
            source_name: format!("{} process_command", self.source()),
            message,
        }
    }

    async fn run(&self) -> Result<Credentials, Error> {
        let mut words = self.command.split_whitespace();
        let program = words.next().ok_or_else(|| self.fail("is empty".into()))?;
        let child = tokio::process::Command::new(program)
            .args(words)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| self.fail(format!("cannot run {program:?}: {e}")))?;
        let output = tokio::time::timeout(TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| self.fail(format!("did not finish within {}s", TIMEOUT.as_secs())))?
            .map_err(|e| self.fail(format!("cannot read its output: {e}")))?;
        if !output.status.success() {
            return Err(self.fail(format!("{program:?} failed ({})", output.status)));
        }
        let printed: Printed = serde_json::from_slice(&output.stdout).map_err(|e| {
            self.fail(format!(
                "did not print credentials as JSON (mode, access_key_id, access_key_secret, sts_token): {}",
                json_error_kind(&e)
            ))
        })?;
        let security_token = match printed.mode.as_deref().unwrap_or("AK") {
            "AK" => None,
            "StsToken" => Some(
                printed
                    .sts_token
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| self.fail("printed mode StsToken without sts_token".into()))?,
            ),
            other => {
                return Err(self.fail(format!(
                    "printed mode {other:?}; AK or StsToken are understood"
                )))
            }
        };
        if printed.access_key_id.trim().is_empty() || printed.access_key_secret.is_empty() {
            return Err(self.fail("printed an empty access_key_id or access_key_secret".into()));
        }
        let expiration = printed
            .expiration
            .as_deref()
            .map(|e| parse_expiration(e, "External process_command"))
            .transpose()?;
        Ok(Credentials {
            access_key_id: printed.access_key_id,
            access_key_secret: printed.access_key_secret,
            security_token,
            expiration,
        })
    }
}

impl TemporarySource for ExternalProvider {
    fn source(&self) -> String {
        format!("profile {:?} (External)", self.profile)
    }

    fn cache(&self) -> &CredentialCache {
        &self.cache
    }

    fn fetch<'a>(&'a self, _ctx: &'a CallContext) -> BoxFuture<'a, Result<Credentials, Error>> {
        Box::pin(self.run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn printed(script: &str) -> Result<Credentials, Error> {
        let dir = tempfile::tempdir().map_err(|e| Error::Setup(e.to_string()))?;
        let path = dir.path().join("print.sh");
        std::fs::write(&path, script).map_err(|e| Error::Setup(e.to_string()))?;
        ExternalProvider::new("ext".into(), format!("sh {}", path.display()))
            .run()
            .await
    }

    #[tokio::test]
    async fn what_the_command_prints_and_how_it_fails_without_quoting_it() {
        let ok = printed(r#"echo '{"mode":"StsToken","access_key_id":"STS.x","access_key_secret":"sec-123","sts_token":"tok-456","expiration":"2099-01-01T00:00:00Z"}'"#)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.access_key_id, "STS.x");
        assert_eq!(
            ok.security_token.as_ref().map(Secret::expose),
            Some("tok-456")
        );
        assert!(ok.expiration.is_some());
        for (script, says) in [
            (
                r#"echo '{"access_key_secret": "sec-123", '"#,
                "did not print credentials",
            ),
            ("echo sec-123 >&2; exit 3", "failed"),
            (
                r#"echo '{"mode":"StsToken","access_key_id":"a","access_key_secret":"b"}'"#,
                "without sts_token",
            ),
        ] {
            let e = printed(script).await.map(|_| ()).unwrap_err().to_string();
            assert!(e.contains(says) && !e.contains("sec-123"), "{script}: {e}");
        }
    }
}
