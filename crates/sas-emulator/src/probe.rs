//! A deliberately small, hand-assembled signed-request client for driving the emulator from
//! tests and benchmarks, where every piece (nonce, timestamp, key, where parameters go) can be
//! set on purpose and the built request can be tampered with before it is sent.
//!
//! This is not the provider's API client (that is `crate::alicloud`, with retries, endpoints and
//! typed operations); it exists so the emulator can be tested without depending on it, and it
//! signs with the same spec-derived math the verifier uses — which is why that math is pinned to
//! the published vectors.

use super::ids;
use super::signature;
use http::header::{CONTENT_TYPE, HOST};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::SocketAddr;
use time::OffsetDateTime;

/// The key a request is signed with.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Access key id.
    pub access_key_id: String,
    /// Access key secret.
    pub access_key_secret: String,
    /// Security token (STS / ECS role credentials).
    pub security_token: Option<String>,
}

impl Credentials {
    /// A long-lived key.
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            access_key_id: id.into(),
            access_key_secret: secret.into(),
            security_token: None,
        }
    }

    /// The emulator's default key.
    pub fn emulator_default() -> Self {
        Self::new(
            super::DEFAULT_ACCESS_KEY_ID,
            super::DEFAULT_ACCESS_KEY_SECRET,
        )
    }

    /// With a security token.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(token.into());
        self
    }
}

/// Which signature to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `ACS3-HMAC-SHA256` headers.
    V3,
    /// HMAC-SHA1 `Signature` parameter.
    V2,
}

/// One API call to build.
#[derive(Debug, Clone)]
pub struct Call {
    /// Action name.
    pub action: String,
    /// API version.
    pub version: String,
    /// Action parameters, in order.
    pub params: Vec<(String, String)>,
    /// Signature style.
    pub style: Style,
    /// `GET` or `POST`.
    pub method: Method,
    /// Fixed nonce (default: random).
    pub nonce: Option<String>,
    /// Fixed timestamp text (default: now).
    pub timestamp: Option<String>,
    /// Put parameters in the query even for POST (default: form body for POST).
    pub params_in_query: bool,
}

impl Call {
    /// A Sas (`2018-12-03`) call, V3, POST with a form body.
    pub fn sas(action: &str) -> Self {
        Self {
            action: action.into(),
            version: super::actions::SAS_VERSION.into(),
            params: Vec::new(),
            style: Style::V3,
            method: Method::POST,
            nonce: None,
            timestamp: None,
            params_in_query: false,
        }
    }

    /// An STS (`2015-04-01`) call.
    pub fn sts(action: &str) -> Self {
        Self {
            version: super::sts::STS_VERSION.into(),
            ..Self::sas(action)
        }
    }

    /// `AddPrivateRegistry` of a harbor registry (V2, HTTPS, Internet, host 10.0.0.5, user
    /// `robot`) for `domain` in `region`: the registry most tests and benches start from.
    pub fn add_harbor(domain: &str, password: &str, region: &str) -> Self {
        Self::sas("AddPrivateRegistry")
            .param("RegistryType", "harbor")
            .param("RegistryVersion", "V2")
            .param("ProtocolType", 2)
            .param("NetType", 1)
            .param("RegistryHostIp", "10.0.0.5")
            .param("DomainName", domain)
            .param("UserName", "robot")
            .param("Password", password)
            .param("RegistryRegionId", region)
    }

    /// Adds a parameter.
    pub fn param(mut self, k: &str, v: impl ToString) -> Self {
        self.params.push((k.into(), v.to_string()));
        self
    }

    /// Uses the V2 signature.
    pub fn v2(mut self) -> Self {
        self.style = Style::V2;
        self
    }

    /// Uses GET (parameters in the query).
    pub fn get(mut self) -> Self {
        self.method = Method::GET;
        self
    }

    /// Fixes the nonce.
    pub fn nonce(mut self, n: &str) -> Self {
        self.nonce = Some(n.into());
        self
    }

    /// Fixes the timestamp text.
    pub fn timestamp(mut self, t: &str) -> Self {
        self.timestamp = Some(t.into());
        self
    }

    /// Overrides the version.
    pub fn version(mut self, v: &str) -> Self {
        self.version = v.into();
        self
    }
}

fn encode_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                signature::percent_encode(k),
                signature::percent_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Builds the signed HTTP request for `call` to `host` (the `Host` header value).
pub fn build(call: &Call, creds: &Credentials, host: &str) -> Request<Full<Bytes>> {
    let nonce = call.nonce.clone().unwrap_or_else(ids::uuid_v4);
    let timestamp = call
        .timestamp
        .clone()
        .unwrap_or_else(|| ids::format_iso_seconds(OffsetDateTime::now_utc()));
    let in_body = call.method == Method::POST && !call.params_in_query;
    match call.style {
        Style::V3 => {
            let (query, body) = if in_body {
                (Vec::new(), encode_pairs(&call.params))
            } else {
                (call.params.clone(), String::new())
            };
            let body_hash = signature::sha256_hex(body.as_bytes());
            let mut headers: Vec<(&str, String)> = vec![
                ("host", host.to_string()),
                ("x-acs-action", call.action.clone()),
                ("x-acs-version", call.version.clone()),
                ("x-acs-date", timestamp),
                ("x-acs-signature-nonce", nonce),
                ("x-acs-content-sha256", body_hash.clone()),
            ];
            if in_body {
                headers.push(("content-type", "application/x-www-form-urlencoded".into()));
            }
            if let Some(t) = &creds.security_token {
                headers.push(("x-acs-security-token", t.clone()));
            }
            let q: Vec<(&str, &str)> = query
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let canonical =
                signature::v3_canonical_request(call.method.as_str(), &q, &h, &body_hash);
            let sig = signature::v3_signature(
                &creds.access_key_secret,
                &signature::v3_string_to_sign(&canonical),
            );
            let mut names: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
            names.sort_unstable();
            let auth = format!(
                "{} Credential={},SignedHeaders={},Signature={sig}",
                signature::V3_ALGORITHM,
                creds.access_key_id,
                names.join(";")
            );
            let uri = if query.is_empty() {
                "/".to_string()
            } else {
                format!("/?{}", encode_pairs(&query))
            };
            let mut b = Request::builder().method(call.method.clone()).uri(uri);
            for (k, v) in &headers {
                b = b.header(*k, v.as_str());
            }
            b.header("authorization", auth)
                .body(Full::new(Bytes::from(body)))
                .unwrap_or_default()
        }
        Style::V2 => {
            let mut params = vec![
                ("AccessKeyId".to_string(), creds.access_key_id.clone()),
                ("Action".into(), call.action.clone()),
                ("Format".into(), "JSON".into()),
                ("SignatureMethod".into(), "HMAC-SHA1".into()),
                ("SignatureNonce".into(), nonce),
                ("SignatureVersion".into(), "1.0".into()),
                ("Timestamp".into(), timestamp),
                ("Version".into(), call.version.clone()),
            ];
            if let Some(t) = &creds.security_token {
                params.push(("SecurityToken".into(), t.clone()));
            }
            params.extend(call.params.iter().cloned());
            let p: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let sig = signature::v2_signature(
                &creds.access_key_secret,
                &signature::v2_string_to_sign(call.method.as_str(), &p),
            );
            params.push(("Signature".into(), sig));
            let encoded = encode_pairs(&params);
            let b = Request::builder()
                .method(call.method.clone())
                .header(HOST, host);
            if in_body {
                b.uri("/")
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Full::new(Bytes::from(encoded)))
                    .unwrap_or_default()
            } else {
                b.uri(format!("/?{encoded}"))
                    .body(Full::new(Bytes::new()))
                    .unwrap_or_default()
            }
        }
    }
}

/// An answer: status and body (parsed as JSON when it is JSON, else `Value::Null`).
#[derive(Debug, Clone)]
pub struct ProbeResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body, or `Null`.
    pub json: Value,
    /// The body as text.
    pub text: String,
}

impl ProbeResponse {
    /// The `Code` field of an error envelope (empty if none).
    pub fn code(&self) -> &str {
        self.json.get("Code").and_then(Value::as_str).unwrap_or("")
    }
}

/// Why a probe got no answer. A dropped connection shows up as `Http`.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// Could not connect.
    #[error("connect: {0}")]
    Connect(#[from] std::io::Error),
    /// The exchange failed (connection closed or reset before a complete response).
    #[error("http: {0}")]
    Http(#[from] hyper::Error),
}

/// One keep-alive HTTP/1 connection to the emulator.
pub struct Connection {
    sender: http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Connection {
    /// Connects (needs a tokio runtime: the connection task is spawned on it).
    pub async fn open(addr: SocketAddr) -> Result<Self, ProbeError> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Self {
            sender,
            host: addr.to_string(),
        })
    }

    /// The `Host` value requests on this connection should use.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Signs and sends `call`.
    pub async fn call(
        &mut self,
        call: &Call,
        creds: &Credentials,
    ) -> Result<ProbeResponse, ProbeError> {
        let req = build(call, creds, &self.host);
        self.send(req).await
    }

    /// Sends a prepared request.
    pub async fn send(&mut self, req: Request<Full<Bytes>>) -> Result<ProbeResponse, ProbeError> {
        self.sender.ready().await?;
        let resp = self.sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let bytes = resp.into_body().collect().await?.to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok(ProbeResponse { status, json, text })
    }
}

/// Signs and sends one call on a fresh connection.
pub async fn call(
    addr: SocketAddr,
    call: &Call,
    creds: &Credentials,
) -> Result<ProbeResponse, ProbeError> {
    Connection::open(addr).await?.call(call, creds).await
}

/// Every registry one `ListPrivateRegistryList` signed with `creds` shows
/// (`ImageRegistryInfos`); panics on any other answer, as a test would.
pub async fn listed(addr: SocketAddr, creds: &Credentials) -> Vec<Value> {
    let r = call(addr, &Call::sas("ListPrivateRegistryList"), creds)
        .await
        .expect("the emulator answers");
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["ImageRegistryInfos"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Sends an unsigned request (introspection, metadata) on a fresh connection.
pub async fn plain(
    addr: SocketAddr,
    method: Method,
    path: &str,
    body: &str,
) -> Result<ProbeResponse, ProbeError> {
    let mut c = Connection::open(addr).await?;
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(HOST, addr.to_string())
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_default();
    c.send(req).await
}

/// What a raw exchange produced: every byte received before the connection ended, and the
/// error that ended it, if any (e.g. `ConnectionReset`).
#[derive(Debug)]
pub struct RawExchange {
    /// Bytes received.
    pub bytes: Vec<u8>,
    /// The read error that ended the exchange, if it did not end with a clean EOF.
    pub error: Option<std::io::ErrorKind>,
}

/// Writes `req` as HTTP/1.1 text on a fresh socket (with `Connection: close`) and reads until
/// the connection ends. Unlike [`Connection`], this shows exactly which bytes (if any) came
/// back, which is how tests prove a fault dropped the connection without a response.
pub async fn raw_exchange(
    addr: SocketAddr,
    req: Request<Full<Bytes>>,
) -> Result<RawExchange, std::io::Error> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut head = format!(
        "{} {} HTTP/1.1\r\n",
        parts.method,
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    for (k, v) in &parts.headers {
        head.push_str(&format!("{}: {}\r\n", k, v.to_str().unwrap_or_default()));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(&body).await?;
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return Ok(RawExchange { bytes, error: None }),
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) => {
                return Ok(RawExchange {
                    bytes,
                    error: Some(e.kind()),
                })
            }
        }
    }
}
