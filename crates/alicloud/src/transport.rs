//! HTTP: one reqwest client for the APIs (proxies honoured) and one for the ECS metadata
//! service (never proxied), both over rustls with the ring provider and the platform's roots.
//!
//! The TLS configuration is built here rather than left to reqwest, so no process-wide crypto
//! provider has to be installed and aws-lc-rs never enters the build.

use std::sync::Arc;
use std::time::Duration;

use rustls_platform_verifier::BuilderVerifierExt;

use super::config::{ProxySettings, ResolvedConfig};
use super::error::{Error, TransportFailure, Unreachable};

/// What the clients need from the configuration.
#[derive(Debug, Clone)]
pub struct TransportSettings {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub proxy: ProxySettings,
    pub user_agent: String,
}

impl From<&ResolvedConfig> for TransportSettings {
    fn from(c: &ResolvedConfig) -> Self {
        TransportSettings {
            connect_timeout: c.connect_timeout,
            read_timeout: c.read_timeout,
            proxy: c.proxy.clone(),
            user_agent: c.user_agent.clone(),
        }
    }
}

/// One request, already signed.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: reqwest::Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// The failure of one exchange, before any API-level interpretation.
#[derive(Debug, Clone)]
pub struct ExchangeError {
    pub failure: TransportFailure,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct Transport {
    api: reqwest::Client,
    metadata: reqwest::Client,
}

/// The metadata service answers within milliseconds when it exists at all.
const METADATA_TIMEOUT: Duration = Duration::from_secs(5);

fn tls_config() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Setup(format!("TLS versions: {e}")))?
        .with_platform_verifier()
        .map_err(|e| Error::Setup(format!("TLS certificate verifier: {e}")))?
        .with_no_client_auth();
    Ok(config)
}

impl Transport {
    /// Builds both clients. No network I/O happens here.
    pub fn new(settings: &TransportSettings) -> Result<Self, Error> {
        let mut api = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.read_timeout)
            // proxies come from the resolved settings only, so tests control them
            .no_proxy();
        let no_proxy = settings
            .proxy
            .no_proxy
            .as_deref()
            .and_then(reqwest::NoProxy::from_string);
        if let Some(url) = &settings.proxy.https {
            let p = reqwest::Proxy::https(url.as_str())
                .map_err(|e| Error::Setup(format!("HTTPS_PROXY: {e}")))?
                .no_proxy(no_proxy.clone());
            api = api.proxy(p);
        }
        if let Some(url) = &settings.proxy.http {
            let p = reqwest::Proxy::http(url.as_str())
                .map_err(|e| Error::Setup(format!("HTTP_PROXY: {e}")))?
                .no_proxy(no_proxy);
            api = api.proxy(p);
        }
        let api = api.build().map_err(|e| Error::Setup(error_chain(&e)))?;
        let metadata = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config()?)
            .user_agent(settings.user_agent.clone())
            .connect_timeout(METADATA_TIMEOUT.min(settings.connect_timeout))
            .read_timeout(METADATA_TIMEOUT.min(settings.read_timeout))
            .no_proxy()
            .build()
            .map_err(|e| Error::Setup(error_chain(&e)))?;
        Ok(Transport { api, metadata })
    }

    /// Sends to an API endpoint.
    pub async fn send(&self, req: HttpRequest) -> Result<HttpResponse, ExchangeError> {
        exchange(&self.api, req).await
    }

    /// Sends to the ECS metadata service.
    pub async fn send_metadata(&self, req: HttpRequest) -> Result<HttpResponse, ExchangeError> {
        exchange(&self.metadata, req).await
    }
}

async fn exchange(
    client: &reqwest::Client,
    req: HttpRequest,
) -> Result<HttpResponse, ExchangeError> {
    let mut builder = client.request(req.method, &req.url);
    for (k, v) in &req.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let response = builder.body(req.body).send().await.map_err(classify)?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(classify)?;
    Ok(HttpResponse {
        status,
        body: body.to_vec(),
    })
}

/// Connect failures cannot have reached the server; anything later might have.
fn classify(e: reqwest::Error) -> ExchangeError {
    let failure = if e.is_connect() {
        unreachable(&e).map_or(TransportFailure::Connect, TransportFailure::Unreachable)
    } else if e.is_timeout() {
        TransportFailure::Timeout
    } else {
        TransportFailure::Interrupted
    };
    // without_url: a V2 URL carries the SecurityToken and Signature
    ExchangeError {
        failure,
        detail: error_chain(&e.without_url()),
    }
}

/// Why a connect failed, when the reason will not pass by itself: told by the causes' types
/// where they have them (refused, TLS), and by hyper's resolver message where not.
fn unreachable(e: &reqwest::Error) -> Option<Unreachable> {
    causes(e).find_map(|cause| {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(tls_failure(tls));
        }
        let refused = cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
        if refused {
            return Some(Unreachable::Refused);
        }
        cause
            .to_string()
            .starts_with("dns error")
            .then_some(Unreachable::NoSuchHost)
    })
}

/// `e` and every error beneath it. An `io::Error` wrapping another error reports that error's
/// source as its own, skipping the wrapped one (hyper's connector wraps tokio-rustls' I/O
/// error, which wraps the `rustls::Error`), so the walk steps into the wrapped error instead.
fn causes<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |cause| {
        match cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => cause.source(),
        }
    })
}

/// Which TLS failure: a peer that answers in something else than TLS (an HTTP server reached
/// over HTTPS), a certificate that does not verify, or another handshake failure. None passes
/// by itself, so none is worth more than the short retry of an unreachable endpoint.
fn tls_failure(e: &rustls::Error) -> Unreachable {
    match e {
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            Unreachable::NotTls
        }
        rustls::Error::InvalidCertificate(_) => Unreachable::UntrustedCertificate,
        _ => Unreachable::Tls,
    }
}

/// The error and its causes on one line ("error sending request: connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = cause.source();
    }
    s
}
