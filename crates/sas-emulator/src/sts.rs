//! STS `AssumeRole` (version `2015-04-01`), enough for the provider's `assume_role` credential
//! path: it validates the request like STS does and issues a temporary key, secret and token
//! that the emulator then accepts (token required) for Sas calls until they expire.
//!
//! CHOICE: any role ARN of the right shape can be assumed by any authenticated caller (the
//! emulator has no RAM policies); temporary credentials live in memory only, so they do not
//! survive a restart (real ones would, but tests never need that).

use super::api_error::ApiError;
use super::auth::Authenticator;
use super::ids;
use super::request::ApiRequest;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

/// The STS API version.
pub const STS_VERSION: &str = "2015-04-01";

/// Default and bounds of `DurationSeconds`.
const DEFAULT_DURATION: i64 = 3600;
const MIN_DURATION: i64 = 900;
const MAX_DURATION: i64 = 43200;

/// Runs one STS action.
pub fn handle(
    action: &str,
    req: &ApiRequest,
    auth: &Authenticator,
    now: OffsetDateTime,
    request_id: &str,
) -> Result<Value, ApiError> {
    match action {
        "AssumeRole" => assume_role(req, auth, now, request_id),
        other => Err(ApiError::action_not_found(other)),
    }
}

/// Splits `acs:ram::<uid>:role/<name>` into (uid, name).
fn parse_role_arn(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("acs:ram::")?;
    let (uid, role) = rest.split_once(":role/")?;
    let valid_name = !role.is_empty()
        && role
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if uid.is_empty() || !uid.chars().all(|c| c.is_ascii_digit()) || !valid_name {
        return None;
    }
    Some((uid, role))
}

fn assume_role(
    req: &ApiRequest,
    auth: &Authenticator,
    now: OffsetDateTime,
    request_id: &str,
) -> Result<Value, ApiError> {
    let arn = req.required("RoleArn")?;
    let session = req.required("RoleSessionName")?;
    parse_role_arn(arn).ok_or_else(|| {
        ApiError::new(
            400,
            "InvalidParameter.RoleArn",
            format!("The parameter RoleArn {arn:?} is not of the form acs:ram::<uid>:role/<name>."),
        )
    })?;
    let session_ok = (2..=64).contains(&session.chars().count())
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if !session_ok {
        return Err(ApiError::new(
            400,
            "InvalidParameter.RoleSessionName",
            "RoleSessionName must be 2-64 characters of letters, digits, '.', '@', '-', '_'.",
        ));
    }
    let duration = req
        .optional_i64("DurationSeconds")?
        .unwrap_or(DEFAULT_DURATION);
    if !(MIN_DURATION..=MAX_DURATION).contains(&duration) {
        return Err(ApiError::new(
            400,
            "InvalidParameter.DurationSeconds",
            format!("DurationSeconds must be in {MIN_DURATION}..={MAX_DURATION}, got {duration}."),
        ));
    }
    if let Some(policy) = req.optional("Policy") {
        let ok = serde_json::from_str::<Value>(policy).is_ok_and(|v| v.is_object());
        if !ok {
            return Err(ApiError::new(
                400,
                "InvalidParameter.PolicyGrammar",
                "Policy must be a JSON policy document.",
            ));
        }
    }
    let cred = auth.issue_temporary(Duration::seconds(duration), now);
    let role_id = format!("3{}", &ids::random_alnum(16).to_ascii_lowercase());
    Ok(json!({
        "RequestId": request_id,
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{role_id}:{session}"),
            "Arn": format!("{arn}/{session}"),
        },
        "Credentials": {
            "AccessKeyId": cred.access_key_id,
            "AccessKeySecret": cred.access_key_secret.expose(),
            "SecurityToken": cred.security_token.expose(),
            "Expiration": ids::format_iso_seconds(cred.expiration),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arn_shapes() {
        assert_eq!(
            parse_role_arn("acs:ram::123:role/my-role"),
            Some(("123", "my-role"))
        );
        assert!(parse_role_arn("acs:ram::abc:role/x").is_none());
        assert!(parse_role_arn("acs:ram::123:user/x").is_none());
        assert!(parse_role_arn("arn:aws:iam::123:role/x").is_none());
        assert!(parse_role_arn("acs:ram::123:role/").is_none());
    }
}
