//! A small loopback HTTP server standing in for Sas, STS and the ECS metadata service in the
//! `alicloud_*` integration tests. It records every request and answers from a handler closure,
//! which can also drop a connection without answering or delay its answer.
//!
//! Included by the test files with `#[path = "alicloud_support.rs"] mod support;`.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use alicloud::{
    resolve, AddPrivateRegistryRequest, ConfigError, EndpointsConfig, ProviderConfig,
    ResolvedConfig, RetryPolicy, Secret,
};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use sas_emulator::signature;
use tokio::net::TcpListener;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// The request target as sent: origin-form (`/`) or, through a proxy, absolute-form.
    pub uri: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Decodes `%XY` and `+` of an `application/x-www-form-urlencoded` string.
pub fn decode_form(s: &str) -> Vec<(String, String)> {
    use alicloud::encode::percent_decode as dec;
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (dec(k), dec(v)),
            None => (dec(p), String::new()),
        })
        .collect()
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn query_params(&self) -> Vec<(String, String)> {
        self.query.as_deref().map(decode_form).unwrap_or_default()
    }

    pub fn form_params(&self) -> Vec<(String, String)> {
        decode_form(&String::from_utf8_lossy(&self.body))
    }

    /// A parameter from the query or the form body.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query_params()
            .into_iter()
            .chain(self.form_params())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The action, from the V3 header or the V2 parameter.
    pub fn action(&self) -> Option<String> {
        self.header("x-acs-action")
            .map(str::to_string)
            .or_else(|| self.param("Action"))
    }

    /// The AccessKey ID that signed the request (either scheme).
    pub fn access_key_id(&self) -> Option<String> {
        if let Some(auth) = self.header("authorization") {
            let cred = auth.split("Credential=").nth(1)?;
            return Some(cred.split(',').next()?.to_string());
        }
        self.param("AccessKeyId")
    }

    /// The STS token sent with the request (either scheme).
    pub fn security_token(&self) -> Option<String> {
        self.header("x-acs-security-token")
            .map(str::to_string)
            .or_else(|| self.param("SecurityToken"))
    }

    /// The nonce (either scheme).
    pub fn nonce(&self) -> Option<String> {
        self.header("x-acs-signature-nonce")
            .map(str::to_string)
            .or_else(|| self.param("SignatureNonce"))
    }

    /// Recomputes the V3 signature from what arrived on the wire, with the emulator's
    /// verifier (written apart from the client's signer, so a signer bug cannot hide here).
    /// Asserts the request is signed (V3) by key `id` with `secret`, carrying `token` or none.
    pub fn assert_signed_by(&self, id: &str, token: Option<&str>, secret: &str) {
        assert_eq!(self.access_key_id().as_deref(), Some(id), "access key");
        assert_eq!(
            self.security_token().as_deref(),
            token,
            "{id}: security token"
        );
        assert!(
            self.v3_signature_valid(secret),
            "{id}: not signed with its secret"
        );
    }

    pub fn v3_signature_valid(&self, secret: &str) -> bool {
        let Some(auth) = self.header("authorization") else {
            return false;
        };
        let Ok(parsed) = signature::parse_v3_authorization(auth) else {
            return false;
        };
        let headers: Vec<(String, String)> = parsed
            .signed_headers
            .iter()
            .map(|n| (n.to_string(), self.header(n).unwrap_or("").to_string()))
            .collect();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let body_hash = signature::sha256_hex(&self.body);
        let query = self.query_params();
        let query: Vec<(&str, &str)> = query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let canonical = signature::v3_canonical_request(&self.method, &query, &headers, &body_hash);
        let expected = signature::v3_signature(secret, &signature::v3_string_to_sign(&canonical));
        self.header("x-acs-content-sha256") == Some(body_hash.as_str())
            && signature::constant_time_eq(&parsed.signature, &expected)
    }

    /// Recomputes the V2 signature over query and form parameters, with the emulator's
    /// verifier.
    pub fn v2_signature_valid(&self, secret: &str) -> bool {
        let mut all = self.query_params();
        all.extend(self.form_params());
        let given = self.param("Signature").unwrap_or_default();
        let signed: Vec<(&str, &str)> = all
            .iter()
            .filter(|(k, _)| k != "Signature")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let expected =
            signature::v2_signature(secret, &signature::v2_string_to_sign(&self.method, &signed));
        !given.is_empty() && signature::constant_time_eq(&given, &expected)
    }
}

/// How the server answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Json(u16, String),
    /// Close the connection without a response (the client sees a reset / lost response).
    Drop,
    /// Wait, then answer.
    After(Duration, Box<Reply>),
}

impl Reply {
    pub fn ok(body: serde_json::Value) -> Reply {
        Reply::Json(200, body.to_string())
    }

    pub fn error(status: u16, code: &str, request_id: &str) -> Reply {
        Reply::Json(
            status,
            serde_json::json!({"RequestId": request_id, "HostId": "tds.aliyuncs.com", "Code": code, "Message": format!("{code} happened")})
                .to_string(),
        )
    }
}

type Handler = dyn Fn(&Recorded, usize) -> Reply + Send + Sync;

/// A running loopback server. It lives as long as the test's runtime.
pub struct TestServer {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    /// Starts a server whose `handler` gets each request and its 0-based index.
    pub async fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let log: Arc<Mutex<Vec<Recorded>>> = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let server_log = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let log = server_log.clone();
                let handler = handler.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let log = log.clone();
                        let handler = handler.clone();
                        async move { answer(req, log, handler).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        TestServer { addr, log }
    }

    /// A server that always gives the same reply.
    /// A server whose i-th answer is `replies[i]`, and the last one's after that.
    pub async fn replying(replies: Vec<Reply>) -> TestServer {
        assert!(!replies.is_empty(), "a server answers something");
        TestServer::start(move |_, i| replies[i.min(replies.len() - 1)].clone()).await
    }

    pub async fn always(reply: Reply) -> TestServer {
        TestServer::start(move |_, _| reply.clone()).await
    }

    /// `127.0.0.1:port`, as an endpoint override.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn count(&self) -> usize {
        self.log.lock().map(|l| l.len()).unwrap_or_default()
    }
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

async fn answer(
    req: Request<Incoming>,
    log: Arc<Mutex<Vec<Recorded>>>,
    handler: Arc<Handler>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let recorded = Recorded {
        method: parts.method.to_string(),
        uri: parts.uri.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body,
    };
    let index = {
        let mut l = log.lock().map_err(|_| Dropped)?;
        l.push(recorded.clone());
        l.len() - 1
    };
    let mut reply = handler(&recorded, index);
    loop {
        match reply {
            Reply::After(d, next) => {
                tokio::time::sleep(d).await;
                reply = *next;
            }
            Reply::Drop => return Err(Dropped),
            Reply::Json(status, body) => {
                let mut resp = Response::new(Full::new(Bytes::from(body)));
                *resp.status_mut() =
                    hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
                resp.headers_mut().insert(
                    hyper::header::CONTENT_TYPE,
                    hyper::header::HeaderValue::from_static("application/json;charset=utf-8"),
                );
                return Ok::<_, Dropped>(resp);
            }
        }
    }
}

/// An environment lookup over a fixed map (tests never touch the process environment).
pub fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let m: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| m.get(k).cloned()
}

/// Static test keys.
pub const AK: &str = "LTAI-test-id";
pub const SK: &str = "test-secret-value";

/// A provider block pointing Sas (and optionally STS / metadata) at loopback servers over HTTP.
/// Static keys in the provider block.
pub fn keys(id: &str, secret: &str) -> ProviderConfig {
    ProviderConfig {
        access_key: Some(id.into()),
        secret_key: Some(Secret::new(secret)),
        ..Default::default()
    }
}

pub fn loopback_config(sas: &TestServer) -> ProviderConfig {
    ProviderConfig {
        protocol: Some("HTTP".into()),
        endpoints: Some(EndpointsConfig {
            sas: Some(sas.host()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Resolves with a fixed environment and millisecond backoff.
pub fn resolved(
    config: &ProviderConfig,
    env: &[(&str, &str)],
) -> Result<ResolvedConfig, Vec<ConfigError>> {
    let mut r = resolve(config, &env_of(env))?;
    r.retry = RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
    };
    Ok(r)
}

/// Response bodies the stand-ins use.
pub fn list_body(ids: &[i64]) -> serde_json::Value {
    serde_json::json!({
        "RequestId": "LIST-1",
        "ImageRegistryInfos": ids.iter().map(|id| serde_json::json!({
            "Id": id, "RegistryType": "harbor", "DomainName": "example.com", "Password": "******"
        })).collect::<Vec<_>>()
    })
}

pub fn sts_body(
    id: &str,
    secret: &str,
    token: &str,
    expires_in: time::Duration,
) -> serde_json::Value {
    let exp = (time::OffsetDateTime::now_utc() + expires_in)
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    serde_json::json!({
        "RequestId": "STS-1",
        "AssumedRoleUser": {"Arn": "acs:ram::1:role/r/terraform", "AssumedRoleId": "3:terraform"},
        "Credentials": {"AccessKeyId": id, "AccessKeySecret": secret, "SecurityToken": token, "Expiration": exp}
    })
}

/// The canonical form body of a parameter list, for comparisons.
pub fn form(params: &[(&str, &str)]) -> String {
    signature::canonical_params(params.iter().copied())
}

/// `AddPrivateRegistry` of a harbor registry (V2, HTTPS, Internet, port 443) for
/// `harbor.example.com` in `cn-hangzhou`.
pub fn harbor_request(host_ip: &str, user: &str, password: &str) -> AddPrivateRegistryRequest {
    AddPrivateRegistryRequest {
        registry_type: "harbor".into(),
        registry_version: "V2".into(),
        protocol_type: 2,
        net_type: 1,
        registry_host_ip: host_ip.into(),
        domain_name: "harbor.example.com".into(),
        port: Some(443),
        user_name: user.into(),
        password: Secret::new(password),
        registry_region_id: "cn-hangzhou".into(),
        ..Default::default()
    }
}

/// Every event at TRACE, as text, into the returned buffer, while the guard lives.
pub fn capture_trace() -> (Captured, tracing::subscriber::DefaultGuard) {
    let buf = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(buf.clone())
        .with_ansi(false)
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}

/// A tracing `MakeWriter` into a shared buffer, for tests that read what was logged.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
