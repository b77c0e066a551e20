//! STS `AssumeRole` and `AssumeRoleWithOIDC` (version `2015-04-01`), enough for the provider's
//! `assume_role` and `assume_role_with_oidc` credential paths: each validates the request like
//! STS does and issues a temporary key, secret and token that the emulator then accepts (token
//! required) for Sas calls until they expire. `AssumeRoleWithOIDC` is called anonymously: the
//! OIDC token, checked by [`crate::oidc`], is the proof of identity.
//!
//! CHOICE: any role ARN of the right shape can be assumed by any authenticated caller (the
//! emulator has no RAM policies); temporary credentials live in memory only, so they do not
//! survive a restart (real ones would, but tests never need that).

use super::api_error::ApiError;
use super::auth::Authenticator;
use super::ids;
use super::oidc::{self, Issuer, Rejection};
use super::request::ApiRequest;
use serde_json::{json, Value};
use time::{Duration, OffsetDateTime};

/// The STS API version.
pub const STS_VERSION: &str = "2015-04-01";

/// Default and bounds of `DurationSeconds`.
const DEFAULT_DURATION: i64 = 3600;
const MIN_DURATION: i64 = 900;
const MAX_DURATION: i64 = 43200;

/// The action called without a signature.
pub const ANONYMOUS_ACTION: &str = "AssumeRoleWithOIDC";
/// The STS actions served.
pub const ACTIONS: &[&str] = &["AssumeRole", ANONYMOUS_ACTION];

/// What STS actions need of the emulator.
pub struct StsContext<'a> {
    pub auth: &'a Authenticator,
    pub issuer: &'a Issuer,
    pub ali_uid: i64,
    pub now: OffsetDateTime,
    pub request_id: &'a str,
}

/// Runs one STS action.
pub fn handle(action: &str, req: &ApiRequest, ctx: &StsContext) -> Result<Value, ApiError> {
    match action {
        "AssumeRole" => assume_role(req, ctx),
        ANONYMOUS_ACTION => assume_role_with_oidc(req, ctx),
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

/// `RoleArn`, `RoleSessionName`, `DurationSeconds` and `Policy`, checked as both actions check
/// them.
struct RoleRequest<'r> {
    arn: &'r str,
    session: &'r str,
    duration: i64,
}

fn role_request<'r>(req: &'r ApiRequest) -> Result<RoleRequest<'r>, ApiError> {
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
    Ok(RoleRequest {
        arn,
        session,
        duration,
    })
}

/// The answer both actions give: the assumed role and a fresh temporary key.
fn issued(r: &RoleRequest, ctx: &StsContext, extra: Option<(&str, Value)>) -> Value {
    let cred = ctx
        .auth
        .issue_temporary(Duration::seconds(r.duration), ctx.now);
    let role_id = format!("3{}", &ids::random_alnum(16).to_ascii_lowercase());
    let mut answer = json!({
        "RequestId": ctx.request_id,
        "AssumedRoleUser": {
            "AssumedRoleId": format!("{role_id}:{}", r.session),
            "Arn": format!("{}/{}", r.arn, r.session),
        },
        "Credentials": cred.answer(),
    });
    if let Some((name, value)) = extra {
        answer[name] = value;
    }
    answer
}

fn assume_role(req: &ApiRequest, ctx: &StsContext) -> Result<Value, ApiError> {
    let r = role_request(req)?;
    Ok(issued(&r, ctx, None))
}

/// The OIDC token proves who calls: it must name the emulated provider, verify against its
/// issuer's keys, and be meant for (and still valid at) STS.
fn assume_role_with_oidc(req: &ApiRequest, ctx: &StsContext) -> Result<Value, ApiError> {
    let provider = req.required("OIDCProviderArn")?;
    let token = req.required("OIDCToken")?;
    let r = role_request(req)?;
    if provider != oidc::provider_arn(ctx.ali_uid) {
        return Err(ApiError::new(
            401,
            "AuthenticationFail.NoPermission",
            format!("No such OIDC Provider registered: {provider:?}."),
        ));
    }
    let claims = oidc::verify(
        token,
        &ctx.issuer.jwks(),
        ctx.issuer.url(),
        &[oidc::DEFAULT_AUDIENCE],
        ctx.now,
    )
    .map_err(|why| {
        let (code, message) = match why {
            Rejection::Malformed(m) => ("Invalid", format!("The OIDCToken is invalid: {m}.")),
            Rejection::Signature => (
                "InvalidSignature",
                "The signature of the OIDCToken does not verify against the OIDC provider's keys."
                    .into(),
            ),
            // CHOICE: STS documents no code of its own for a foreign issuer.
            Rejection::Issuer(iss) => (
                "Invalid",
                format!("The issuer {iss:?} is not the OIDC provider's issuer."),
            ),
            Rejection::Audience(aud) => (
                "AudienceNotMatch",
                format!("Invalid audience {aud:?}: it is none of the OIDC provider's client ids."),
            ),
            Rejection::Expired(exp) => (
                "Expired",
                format!(
                    "This JsonWebToken is expired (exp {exp}; server time {}).",
                    ids::format_iso_seconds(ctx.now)
                ),
            ),
        };
        ApiError::new(
            401,
            &format!("AuthenticationFail.OIDCToken.{code}"),
            message,
        )
    })?;
    let info = json!({
        "Issuer": claims.iss,
        "Subject": claims.sub,
        "ClientIds": claims.aud.join(","),
        "ExpirationTime": time::OffsetDateTime::from_unix_timestamp(claims.exp)
            .map(ids::format_iso_seconds)
            .unwrap_or_default(),
    });
    Ok(issued(&r, ctx, Some(("OIDCTokenInfo", info))))
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
