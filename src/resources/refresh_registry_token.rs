//! Action `alicloud_sas_refresh_registry_token`: issues a registry a new token
//! (`RefreshRegistryToken`), on demand (`terraform apply -invoke=action.…`) or on a registry's
//! lifecycle event (`action_trigger`). It changes no state: the registry's `token` follows on
//! its next refresh, and is computed, so the plan shows no diff. The new token is never shown:
//! not in progress messages, diagnostics or logs.

use tokio::time::Instant;

use crate::provider::Account;
use crate::resources::timeouts;
use alicloud::{Error, RefreshRegistryTokenRequest};
use tfplugin::framework::{async_trait, Action, Diagnostic, Diagnostics, Progress};
use tfplugin::value::{AttributePath, Value};

pub const TYPE_NAME: &str = "alicloud_sas_refresh_registry_token";

/// A registry id as Security Center assigns them: a positive integer.
fn registry_id(name: &str, id: &str) -> Result<(), String> {
    match id.parse::<i64>() {
        Ok(n) if n > 0 => Ok(()),
        _ => Err(format!(
            "`{name}` must be a registry id, a positive integer such as \"1234\" (the `id` of an `alicloud_sas_private_registry`); got {}.",
            tfplugin::framework::validate::shown(id)
        )),
    }
}

tfplugin::model! {
    /// The action's `config` block.
    pub struct Rotation: () {
        /// The registry to issue a new token: the `id` of an `alicloud_sas_private_registry`,
        /// such as `caller.id` in an `action_trigger`.
        registry_id: String = required().check(|n, s| registry_id(n, s)),
    }
}

pub struct RefreshRegistryToken;

tfplugin::terraform_type!(RefreshRegistryToken: TYPE_NAME, Rotation, "Issues a self-managed registry a new token (`RefreshRegistryToken`), for scheduled rotation or after an incident. Invoke it with `terraform apply -invoke=action.alicloud_sas_refresh_registry_token.NAME`, or from a registry's `lifecycle { action_trigger { … } }`. It changes no Terraform state: the registry's `token` shows the new value after its next refresh, without a diff. Terraform 1.14 and later; needs the RAM action `yundun-sas:RefreshRegistryToken`.");

#[async_trait]
impl Action<Account> for RefreshRegistryToken {
    async fn invoke(
        &self,
        account: &Account,
        config: &Value,
        progress: &Progress,
    ) -> Result<(), Diagnostics> {
        let id = Rotation::registry_id
            .of(config)
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| {
                Diagnostics::from(Diagnostic::error(
                    "Invalid registry_id",
                    "`registry_id` must be a registry id.",
                ))
            })?;
        progress
            .say(format!("requesting a new token for registry {id}"))
            .await;
        let deadline = Instant::now() + timeouts::DEFAULT;
        let request = RefreshRegistryTokenRequest { registry_id: id };
        let answer = account
            .sas
            .refresh_registry_token(&request, &account.ctx(deadline))
            .await;
        // Lists this process holds show the old token.
        account.registries.forget_lists();
        match answer {
            Ok(_) => {
                progress
                    .say(format!("registry {id} has a new token; the registry's `token` shows it after its next refresh"))
                    .await;
                Ok(())
            }
            Err(e) => Err(refused(id, &e)),
        }
    }
}

/// The API's refusal, with its code and RequestId (the client's message, which also names the
/// RAM action a denial lacks); a registry the API does not know is put at `registry_id`.
fn refused(id: i64, e: &Error) -> Diagnostics {
    let unknown_registry = e.is_not_found() || e.parameter() == Some("RegistryId");
    let summary = if unknown_registry {
        format!("Security Center has no registry {id}")
    } else {
        format!("Failed to issue registry {id} a new token")
    };
    let d = Diagnostic::error(summary, e.to_string());
    if unknown_registry {
        d.at(AttributePath::attr(&Rotation::registry_id)).into()
    } else {
        d.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alicloud::ApiError;

    fn answered(code: &str, parameter: Option<&'static str>) -> Error {
        Error::Api {
            action: "RefreshRegistryToken".into(),
            ram_action: "yundun-sas:RefreshRegistryToken".into(),
            api: Box::new(ApiError {
                status: 400,
                code: code.into(),
                message: "refused".into(),
                request_id: Some("REQ-7".into()),
                parameter,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn a_registry_id_must_be_a_positive_integer() {
        assert!(registry_id("registry_id", "1234").is_ok());
        for bad in ["", "0", "-3", "abc", "12a"] {
            let e = registry_id("registry_id", bad).expect_err(bad);
            assert!(e.starts_with("`registry_id` must be a registry id"), "{e}");
        }
    }

    #[test]
    fn an_unknown_registry_points_at_registry_id_and_a_denial_names_the_ram_action() {
        let d = &refused(9, &answered("InvalidParameter", Some("RegistryId"))).0[0];
        assert_eq!(d.attribute, Some(AttributePath::attr("registry_id")));
        assert!(d.summary.contains("no registry 9"), "{}", d.summary);
        let d = &refused(9, &answered("NoPermission", None)).0[0];
        assert_eq!(d.attribute, None);
        for part in ["NoPermission", "REQ-7", "yundun-sas:RefreshRegistryToken"] {
            assert!(d.detail.contains(part), "{part:?} in {}", d.detail);
        }
    }
}
