//! One RPC call with the shared retry policy: the path every Sas and STS request takes.
//!
//! Each attempt fetches credentials (refreshing them if they are about to expire), signs afresh
//! with a new nonce and timestamp, sends, and interprets the response. Between attempts it backs
//! off with full jitter; the deadline and the StopProvider token bound everything. A call that is
//! not idempotent (a create) is retried only when the failure proves the server did not act.
//!
//! When the server says the security token has expired although the cache thought it fresh
//! (a clock behind the server's, a laptop that slept), the credentials are dropped and the
//! attempt is made once more at once with renewed ones: the refusal proves nothing was done.
//!
//! STS `AssumeRoleWithOIDC` is the one call made without credentials ([`Caller::Anonymous`]):
//! its OIDC token is the proof of identity.

use std::sync::Arc;
use std::time::Instant as StdInstant;

use rand::RngCore;
use serde::de::DeserializeOwned;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;
use tokio::sync::OnceCell;
use tokio::time::Instant;
use tracing::{debug, trace, warn};

use super::request::{Parameter, Request};

use super::config::{ResolvedConfig, SignatureVersion};
use super::context::CallContext;
use super::credentials::{CredentialProvider, Credentials};
use super::encode::canonical_params;
use super::endpoint::Protocol;
use super::error::{ApiError, Error, TransportFailure};
use super::placement;
use super::redact::{body_for_log, form_for_log, params_for_log, url_for_log};
use super::retry::RetryPolicy;
use super::secret::Secret;
use super::transport::{HttpRequest, HttpResponse, Transport, TransportSettings};
use super::{sign_v2, sign_v3};

/// An API product: its version and the prefix of its RAM actions.
#[derive(Debug)]
pub(crate) struct Product {
    pub version: &'static str,
    pub ram_prefix: &'static str,
}

pub(crate) const SAS: Product = Product {
    version: "2018-12-03",
    ram_prefix: "yundun-sas",
};

pub(crate) const STS: Product = Product {
    version: "2015-04-01",
    ram_prefix: "sts",
};

/// One API action and whether repeating it is harmless.
#[derive(Debug)]
pub(crate) struct Operation {
    pub product: &'static Product,
    pub action: &'static str,
    /// Its request's parameters, each with where it travels (`request!`).
    pub parameters: &'static [Parameter],
    /// False for creates: a retry after the server may have acted could make a duplicate.
    pub idempotent: bool,
}

impl Operation {
    /// The operation that sends request `R` to `product`.
    pub const fn of<R: Request>(product: &'static Product, idempotent: bool) -> Self {
        Self {
            product,
            action: R::ACTION,
            parameters: R::PARAMETERS,
            idempotent,
        }
    }

    fn ram_action(&self) -> String {
        format!("{}:{}", self.product.ram_prefix, self.action)
    }
}

/// Request parameters in insertion order; signing sorts them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn new() -> Self {
        Params(Vec::new())
    }

    pub fn put(&mut self, name: &str, value: impl ToString) -> &mut Self {
        self.0.push((name.to_string(), value.to_string()));
        self
    }

    pub fn put_secret(&mut self, name: &str, value: &Secret) -> &mut Self {
        self.put(name, value.expose())
    }

    pub fn as_slice(&self) -> &[(String, String)] {
        &self.0
    }
}

const FORM: &str = "application/x-www-form-urlencoded";
const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");

/// The UTC timestamp both signatures use.
pub(crate) fn timestamp(now: OffsetDateTime) -> String {
    now.to_offset(time::UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_default()
}

/// 128 random bits: a fresh nonce for every attempt.
pub(crate) fn nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What makes each attempt unique: its time and its nonce.
#[derive(Debug, Clone)]
pub(crate) struct AttemptStamp {
    pub now: OffsetDateTime,
    pub nonce: String,
}

impl AttemptStamp {
    pub fn fresh() -> Self {
        AttemptStamp {
            now: OffsetDateTime::now_utc(),
            nonce: nonce(),
        }
    }
}

/// One call, as each of its attempts sends it again: the action, where to, with what, by whom,
/// and within what limits.
#[derive(Clone, Copy)]
struct Call<'a> {
    host: &'a str,
    op: &'a Operation,
    params: &'a Params,
    caller: Caller<'a>,
    ctx: &'a CallContext,
}

impl<'a> Call<'a> {
    fn new(
        host: &'a str,
        op: &'a Operation,
        params: &'a Params,
        caller: Caller<'a>,
        ctx: &'a CallContext,
    ) -> Self {
        Self {
            host,
            op,
            params,
            caller,
            ctx,
        }
    }
}

/// Who makes a call: the holder of credentials, or nobody (an anonymous STS call).
#[derive(Clone, Copy)]
pub(crate) enum Caller<'a> {
    Signed(&'a dyn CredentialProvider),
    Anonymous,
}

/// One attempt of an anonymous call, as the official credential SDKs send one: the common
/// parameters in the query, the action's in the form body, no signature.
pub(crate) fn build_anonymous_request(
    protocol: Protocol,
    host: &str,
    op: &Operation,
    params: &[(String, String)],
    stamp: &AttemptStamp,
) -> HttpRequest {
    let common: Vec<(String, String)> = vec![
        ("Action".into(), op.action.into()),
        ("Version".into(), op.product.version.into()),
        ("Format".into(), "JSON".into()),
        ("Timestamp".into(), timestamp(stamp.now)),
        ("SignatureNonce".into(), stamp.nonce.clone()),
    ];
    rpc_style(protocol, host, &common, params)
}

/// An RPC-style request: `query` in the URL, `body` as the form.
fn rpc_style(
    protocol: Protocol,
    host: &str,
    query: &[(String, String)],
    body: &[(String, String)],
) -> HttpRequest {
    HttpRequest {
        method: reqwest::Method::POST,
        url: format!(
            "{}://{host}/?{}",
            protocol.scheme(),
            canonical_params(query)
        ),
        headers: vec![
            ("host".to_string(), host.to_string()),
            ("content-type".to_string(), FORM.to_string()),
        ],
        body: canonical_params(body).into_bytes(),
    }
}

/// Signs one attempt of `op` for `host` with `creds`.
pub(crate) fn build_request(
    (signature, protocol): (SignatureVersion, Protocol),
    host: &str,
    op: &Operation,
    params: &[(String, String)],
    creds: &Credentials,
    stamp: &AttemptStamp,
) -> HttpRequest {
    let date = timestamp(stamp.now);
    let nonce = stamp.nonce.as_str();
    match signature {
        SignatureVersion::V3 => {
            // Each parameter where the official SDK puts it (`placement`): the query ones in
            // the canonical query, the body ones in the form body, signed through its hash.
            let (query, body) = placement::split(op.parameters, params);
            let body = canonical_params(&body).into_bytes();
            let mut headers = vec![
                ("host".to_string(), host.to_string()),
                ("x-acs-action".to_string(), op.action.to_string()),
                ("x-acs-version".to_string(), op.product.version.to_string()),
                ("x-acs-date".to_string(), date),
                ("x-acs-signature-nonce".to_string(), nonce.to_string()),
                (
                    "x-acs-content-sha256".to_string(),
                    sign_v3::hex_sha256(&body),
                ),
                ("content-type".to_string(), FORM.to_string()),
            ];
            if let Some(token) = &creds.security_token {
                headers.push((
                    "x-acs-security-token".to_string(),
                    token.expose().to_string(),
                ));
            }
            let sig = sign_v3::sign(
                &creds.access_key_id,
                &creds.access_key_secret,
                &sign_v3::SignableRequest {
                    method: "POST",
                    query: &query,
                    headers: &headers,
                    body: &body,
                },
            );
            headers.push(("authorization".to_string(), sig.authorization));
            let url = if query.is_empty() {
                format!("{}://{host}/", protocol.scheme())
            } else {
                format!(
                    "{}://{host}/?{}",
                    protocol.scheme(),
                    canonical_params(&query)
                )
            };
            HttpRequest {
                method: reqwest::Method::POST,
                url,
                headers,
                body,
            }
        }
        SignatureVersion::V2 => {
            // Common parameters in the query, the action's own where the official SDK puts
            // them (`placement`); the signature covers query and body together.
            let (query, body) = placement::split(op.parameters, params);
            let mut common: Vec<(String, String)> = vec![
                ("Action".into(), op.action.into()),
                ("Version".into(), op.product.version.into()),
                ("Format".into(), "json".into()),
                ("AccessKeyId".into(), creds.access_key_id.clone()),
                ("SignatureMethod".into(), sign_v2::SIGNATURE_METHOD.into()),
                ("SignatureVersion".into(), sign_v2::SIGNATURE_VERSION.into()),
                ("SignatureNonce".into(), nonce.into()),
                ("Timestamp".into(), date),
            ];
            if let Some(token) = &creds.security_token {
                common.push(("SecurityToken".into(), token.expose().into()));
            }
            common.extend(query);
            let mut all = common.clone();
            all.extend(body.iter().cloned());
            let signature = sign_v2::sign(&creds.access_key_secret, "POST", &all);
            common.push(("Signature".into(), signature));
            rpc_style(protocol, host, &common, &body)
        }
    }
}

/// Turns an HTTP response into the typed result or the API error it carries.
pub(crate) fn interpret<T: DeserializeOwned>(
    op: &Operation,
    response: &HttpResponse,
) -> Result<T, Error> {
    let api_error = |status: u16| -> Error {
        let mut api: ApiError =
            serde_json::from_slice(&response.body).unwrap_or_else(|_| ApiError {
                message: format!(
                    "HTTP {status} with a body that is not an API error ({} bytes)",
                    response.body.len()
                ),
                ..Default::default()
            });
        api.status = status;
        api.parameter = placement::named_in(op.parameters, &api.code, &api.message);
        Error::Api {
            action: op.action.to_string(),
            ram_action: op.ram_action(),
            api: Box::new(api),
        }
    };
    if !(200..300).contains(&response.status) {
        return Err(api_error(response.status));
    }
    // A first pass reads only the envelope (skipping the rest costs no allocation), then the
    // body is decoded straight into `T`: going through `serde_json::Value` allocated a map per
    // registry, the bulk of the provider's work when it lists many.
    let envelope: Envelope = serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
        action: op.action.to_string(),
        request_id: None,
        detail: format!("not a JSON object: {e}"),
    })?;
    // Some Sas actions answer 200 with {"Success": false, "Code": ...}.
    if envelope.success == Some(serde_json::Value::Bool(false)) {
        return Err(api_error(response.status));
    }
    serde_json::from_slice(&response.body).map_err(|e| Error::Decode {
        action: op.action.to_string(),
        request_id: match envelope.request_id {
            Some(serde_json::Value::String(id)) => Some(id),
            _ => None,
        },
        detail: e.to_string(),
    })
}

/// The fields every answer may carry, whatever its action.
#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(rename = "Success", default)]
    success: Option<serde_json::Value>,
    #[serde(rename = "RequestId", default)]
    request_id: Option<serde_json::Value>,
}

/// How one attempt ended, when it did not produce a value.
enum AttemptEnd {
    Failed(Error),
    Cancelled { in_flight: bool },
    Deadline { in_flight: bool },
}

struct RpcInner {
    settings: TransportSettings,
    transport: OnceCell<Transport>,
    protocol: Protocol,
    signature: SignatureVersion,
    retry: RetryPolicy,
}

/// The signed-call engine shared by the Sas client and the STS credential provider.
#[derive(Clone)]
pub(crate) struct Rpc {
    inner: Arc<RpcInner>,
}

impl std::fmt::Debug for Rpc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rpc")
            .field("protocol", &self.inner.protocol)
            .field("signature", &self.inner.signature)
            .finish_non_exhaustive()
    }
}

/// Attempts at an endpoint that cannot be reached (no such host, refused, no TLS) before
/// giving up: enough to ride out a restart, never the whole operation's time.
const UNREACHABLE_ATTEMPTS: u32 = 3;

/// `error` as the end of the call, once an unreachable endpoint has had its attempts.
fn give_up_on_endpoint(error: &Error, attempts: u32) -> Option<Error> {
    let Error::Transport {
        action,
        endpoint,
        failure: TransportFailure::Unreachable(why),
        detail,
    } = error
    else {
        return None;
    };
    (attempts >= UNREACHABLE_ATTEMPTS).then(|| Error::EndpointUnreachable {
        action: action.clone(),
        endpoint: endpoint.clone(),
        why: *why,
        attempts,
        fix: "check the provider's endpoints block".into(),
        detail: detail.clone(),
    })
}

impl Rpc {
    pub fn new(config: &ResolvedConfig) -> Self {
        Rpc {
            inner: Arc::new(RpcInner {
                settings: TransportSettings::from(config),
                transport: OnceCell::new(),
                protocol: config.protocol,
                signature: config.signature_version,
                retry: config.retry.clone(),
            }),
        }
    }

    /// The HTTP clients, built on first use.
    pub async fn transport(&self) -> Result<&Transport, Error> {
        self.inner
            .transport
            .get_or_try_init(|| async { Transport::new(&self.inner.settings) })
            .await
    }

    /// Calls `op` on `host`, signed with `creds`, until it succeeds, fails for good, or `ctx`
    /// ends.
    pub async fn call<T: DeserializeOwned>(
        &self,
        host: &str,
        op: &Operation,
        params: &Params,
        creds: &dyn CredentialProvider,
        ctx: &CallContext,
    ) -> Result<T, Error> {
        self.call_as(Call::new(host, op, params, Caller::Signed(creds), ctx))
            .await
    }

    /// Calls `op` on `host` without credentials, with the same retry policy.
    pub async fn call_anonymous<T: DeserializeOwned>(
        &self,
        host: &str,
        op: &Operation,
        params: &Params,
        ctx: &CallContext,
    ) -> Result<T, Error> {
        self.call_as(Call::new(host, op, params, Caller::Anonymous, ctx))
            .await
    }

    async fn call_as<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T, Error> {
        let Call { op, ctx, .. } = call;
        let mut attempts: u32 = 0;
        let mut last: Option<Error> = None;
        let mut renewed = false;
        loop {
            if ctx.cancel.is_cancelled() {
                return Err(Error::Cancelled {
                    action: op.action.to_string(),
                });
            }
            if Instant::now() >= ctx.deadline {
                return Err(Error::DeadlineExceeded {
                    action: op.action.to_string(),
                    attempts,
                    last: last.map(Box::new),
                });
            }
            attempts += 1;
            let error = match self.attempt(call, attempts).await {
                Ok(v) => return Ok(v),
                Err(AttemptEnd::Cancelled { in_flight }) => {
                    let e = Error::Cancelled {
                        action: op.action.to_string(),
                    };
                    return Err(self.ambiguous_if(op, in_flight, e));
                }
                Err(AttemptEnd::Deadline { in_flight }) => {
                    let e = Error::DeadlineExceeded {
                        action: op.action.to_string(),
                        attempts,
                        last: last.map(Box::new),
                    };
                    return Err(self.ambiguous_if(op, in_flight, e));
                }
                Err(AttemptEnd::Failed(e)) => e,
            };
            if error.is_expired_token() && !renewed {
                // `attempt` dropped the refused credentials; the next one fetches new ones.
                renewed = true;
                warn!(
                    action = op.action,
                    attempt = attempts,
                    "the security token expired early; renewing the credentials and trying again"
                );
                last = Some(error);
                continue;
            }
            if !error.is_retryable() {
                return Err(error);
            }
            if let Some(unreachable) = give_up_on_endpoint(&error, attempts) {
                return Err(unreachable);
            }
            if !op.idempotent && !error.certainly_not_applied() {
                return Err(Error::Ambiguous {
                    action: op.action.to_string(),
                    cause: Box::new(error),
                });
            }
            let delay = self.inner.retry.backoff(attempts - 1);
            if Instant::now() + delay >= ctx.deadline {
                return Err(Error::DeadlineExceeded {
                    action: op.action.to_string(),
                    attempts,
                    last: Some(Box::new(error)),
                });
            }
            warn!(action = op.action, attempt = attempts, ?delay, error = %error, "retrying");
            tokio::select! {
                _ = ctx.cancel.cancelled() => {
                    return Err(Error::Cancelled { action: op.action.to_string() });
                }
                _ = tokio::time::sleep(delay) => {}
            }
            last = Some(error);
        }
    }

    fn ambiguous_if(&self, op: &Operation, in_flight: bool, e: Error) -> Error {
        if in_flight && !op.idempotent {
            Error::Ambiguous {
                action: op.action.to_string(),
                cause: Box::new(e),
            }
        } else {
            e
        }
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        attempt: u32,
    ) -> Result<T, AttemptEnd> {
        let Call {
            host,
            op,
            params,
            caller,
            ctx,
        } = call;
        let transport = self.transport().await.map_err(AttemptEnd::Failed)?;
        let signer = match caller {
            Caller::Signed(creds) => Some((
                creds,
                tokio::select! {
                    _ = ctx.cancel.cancelled() => return Err(AttemptEnd::Cancelled { in_flight: false }),
                    _ = tokio::time::sleep_until(ctx.deadline) => return Err(AttemptEnd::Deadline { in_flight: false }),
                    c = creds.credentials(ctx) => c.map_err(AttemptEnd::Failed)?,
                },
            )),
            Caller::Anonymous => None,
        };
        let stamp = AttemptStamp::fresh();
        let request = match &signer {
            Some((_, credentials)) => build_request(
                (self.inner.signature, self.inner.protocol),
                host,
                op,
                params.as_slice(),
                credentials,
                &stamp,
            ),
            None => {
                build_anonymous_request(self.inner.protocol, host, op, params.as_slice(), &stamp)
            }
        };
        debug!(
            action = op.action,
            endpoint = host,
            attempt,
            access_key_id = signer.as_ref().map_or("(anonymous)", |(_, c)| c.access_key_id.as_str()),
            params = %params_for_log(params.as_slice()),
            url = %url_for_log(&request.url),
            body = %form_for_log(&request.body),
            "API request"
        );
        let started = StdInstant::now();
        // A stop abandons reads and idempotent writes at once. A create already sent is let
        // finish (the transport's read timeout bounds it): abandoning it would leave a registry
        // that Terraform's state never learns about.
        let stop = async {
            if op.idempotent {
                ctx.cancel.cancelled().await
            } else {
                std::future::pending().await
            }
        };
        let response = tokio::select! {
            _ = stop => return Err(AttemptEnd::Cancelled { in_flight: true }),
            _ = tokio::time::sleep_until(ctx.deadline) => return Err(AttemptEnd::Deadline { in_flight: true }),
            r = transport.send(request) => r,
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                debug!(action = op.action, attempt, failure = ?e.failure, detail = %e.detail, "API request failed");
                return Err(AttemptEnd::Failed(Error::Transport {
                    action: op.action.to_string(),
                    endpoint: host.to_string(),
                    failure: e.failure,
                    detail: e.detail,
                }));
            }
        };
        debug!(
            action = op.action,
            attempt,
            status = response.status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "API response"
        );
        trace!(action = op.action, body = %body_for_log(&response.body), "API response body");
        interpret(op, &response).map_err(|e| {
            if let (true, Some((creds, used))) = (e.is_expired_token(), &signer) {
                creds.reject(&used.access_key_id);
            }
            AttemptEnd::Failed(e)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use Protocol::{Http, Https};
    use SignatureVersion::{V2, V3};

    const OP: Operation = Operation::of::<crate::ListPrivateRegistryListRequest>(&SAS, true);

    fn creds(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKID".into(),
            access_key_secret: Secret::new("sk"),
            security_token: token.map(Secret::new),
            expiration: None,
        }
    }

    fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn timestamp_is_utc_seconds() {
        let t = datetime!(2023-10-26 18:22:32.5 +08:00);
        assert_eq!(timestamp(t), "2023-10-26T10:22:32Z");
    }

    /// A fixed time and nonce, so a request's shape can be compared.
    fn stamp() -> AttemptStamp {
        AttemptStamp {
            now: datetime!(2024-01-02 03:04:05 UTC),
            nonce: "n1".into(),
        }
    }

    /// The request `op` makes of `params` at [`stamp`], signed as `signing` says, with a
    /// security token when given: what the tests compare.
    fn request(
        signing: (SignatureVersion, Protocol),
        host: &str,
        op: &Operation,
        params: &[(&str, &str)],
        token: Option<&str>,
    ) -> HttpRequest {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        build_request(signing, host, op, &params, &creds(token), &stamp())
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 32);
    }

    #[test]
    fn v3_request_shape() {
        let params = [("RegistryType", "CI/CD")];
        let r = request((V3, Http), "127.0.0.1:8080", &OP, &params, Some("tok"));
        // RegistryType travels in the query, as the SDK sends it (`placement`).
        assert_eq!(r.url, "http://127.0.0.1:8080/?RegistryType=CI%2FCD");
        assert_eq!(r.body, b"");
        assert_eq!(header(&r, "x-acs-date"), Some("2024-01-02T03:04:05Z"));
        assert_eq!(header(&r, "x-acs-version"), Some("2018-12-03"));
        assert_eq!(header(&r, "x-acs-security-token"), Some("tok"));
        assert_eq!(
            header(&r, "x-acs-content-sha256"),
            Some(sign_v3::hex_sha256(b"").as_str())
        );
        let auth = header(&r, "authorization").unwrap_or_default();
        assert!(auth.starts_with("ACS3-HMAC-SHA256 Credential=AKID,SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,Signature="), "{auth}");
    }

    #[test]
    fn parameters_go_where_the_sdk_puts_them() {
        const MODIFY: Operation = Operation::of::<crate::ModifyImageRegistryRequest>(&SAS, true);
        let params = [
            ("Id", "7"),
            ("Password", "p w"),
            ("DomainName", "h.example"),
            ("Port", "443"),
        ];
        let v3 = request((V3, Http), "h", &MODIFY, &params, None);
        assert_eq!(v3.url, "http://h/?DomainName=h.example&Port=443");
        assert_eq!(v3.body, b"Id=7&Password=p%20w");
        let v2 = request((V2, Http), "h", &MODIFY, &params, None);
        assert!(v2.url.contains("&DomainName=h.example&"), "{}", v2.url);
        assert!(v2.url.contains("&Port=443&"), "{}", v2.url);
        assert!(
            !v2.url.contains("Password") && !v2.url.contains("&Id="),
            "{}",
            v2.url
        );
        assert_eq!(v2.body, b"Id=7&Password=p%20w");
    }

    #[test]
    fn an_anonymous_request_carries_no_signature_and_its_token_only_in_the_body() {
        const OIDC: Operation = Operation::of::<crate::sts::AssumeRoleWithOidcRequest>(&STS, true);
        let mut params = Params::new();
        params
            .put("RoleArn", "acs:ram::1:role/r")
            .put_secret("OIDCToken", &Secret::new("eyJhbGciOi.jwt.sig"));
        let stamp = AttemptStamp {
            now: datetime!(2026-12-04 12:00:00 UTC),
            nonce: "n".into(),
        };
        let r = build_anonymous_request(
            Protocol::Https,
            "sts.example",
            &OIDC,
            params.as_slice(),
            &stamp,
        );
        assert_eq!(
            r.url,
            "https://sts.example/?Action=AssumeRoleWithOIDC&Format=JSON&SignatureNonce=n&Timestamp=2026-12-04T12%3A00%3A00Z&Version=2015-04-01"
        );
        assert!(header(&r, "authorization").is_none());
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            body.contains("OIDCToken=eyJhbGciOi.jwt.sig") && body.contains("RoleArn="),
            "{body}"
        );
        assert!(
            !form_for_log(&r.body).contains("eyJ"),
            "the token is masked in logs"
        );
    }

    #[test]
    fn v2_request_shape() {
        let params = [("Password", "p w")];
        let r = request((V2, Https), "tds.aliyuncs.com", &OP, &params, Some("tok"));
        assert!(r.url.starts_with("https://tds.aliyuncs.com/?"));
        for p in [
            "Action=ListPrivateRegistryList",
            "Format=json",
            "SecurityToken=tok",
            "SignatureNonce=n1",
            "Timestamp=2024-01-02T03%3A04%3A05Z",
            "Signature=",
        ] {
            assert!(r.url.contains(p), "{p} missing from {}", r.url);
        }
        assert_eq!(r.body, b"Password=p%20w");
        // the signature covers query and body parameters together
        let mut all: Vec<(String, String)> = vec![];
        let query = r.url.split_once('?').map(|(_, q)| q).unwrap_or_default();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or_default();
            let v = v.replace("%3A", ":");
            all.push((k.to_string(), v));
        }
        let given = all
            .iter()
            .find(|(k, _)| k == "Signature")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        all.push(("Password".into(), "p w".into()));
        let expected =
            crate::encode::percent_encode(&sign_v2::sign(&Secret::new("sk"), "POST", &all));
        assert_eq!(given, expected);
    }

    #[test]
    fn interpret_errors_and_success_false() {
        let resp = |status, body: &str| HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
        };
        let e = interpret::<serde_json::Value>(
            &OP,
            &resp(
                400,
                r#"{"RequestId":"R","Code":"Throttling.User","Message":"slow down"}"#,
            ),
        )
        .unwrap_err();
        let api = e.api_error().cloned().unwrap_or_default();
        assert_eq!((api.status, api.code.as_str()), (400, "Throttling.User"));
        assert_eq!(api.request_id.as_deref(), Some("R"));
        assert!(e.is_retryable());

        let e = interpret::<serde_json::Value>(&OP, &resp(502, "<html>bad gateway</html>"))
            .unwrap_err();
        assert!(e.is_retryable());

        let e = interpret::<serde_json::Value>(
            &OP,
            &resp(
                200,
                r#"{"RequestId":"R","Success":false,"Code":"InvalidParameter","Message":"m"}"#,
            ),
        )
        .unwrap_err();
        assert_eq!(e.code(), Some("InvalidParameter"));

        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Needs {
            #[serde(rename = "Data")]
            data: i64,
        }
        let e =
            interpret::<Needs>(&OP, &resp(200, r#"{"RequestId":"R9","Data":"x"}"#)).unwrap_err();
        assert!(
            matches!(e, Error::Decode { ref request_id, .. } if request_id.as_deref() == Some("R9"))
        );
    }
}
