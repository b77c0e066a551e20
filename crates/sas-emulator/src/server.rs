//! The HTTP side: accept loop, one hyper HTTP/1 connection per socket, routing between the
//! RPC API (Sas and STS on `/`), the ECS metadata paths and the `/_emulator/` introspection
//! endpoints, fault injection, holds, the request log and graceful shutdown.
//!
//! One API request goes: body read and parsed; fault drawn and latency worked out (for its
//! action); logged as `Pending`; held, if a hold rule takes it; delayed by its latency;
//! authenticated and acted on (unless the fault says otherwise); its log entry completed;
//! answered (or its connection dropped, for the faults that do). If its client goes away before
//! that, hyper drops the request's future: whatever had not happened yet does not happen, and
//! the entry ends as `Abandoned`.
//!
//! Faults that drop the connection do so for real: the service returns an error, hyper closes
//! the connection without writing a response, and the socket is closed with `SO_LINGER=0`, so
//! the client sees a reset and not a single response byte.
//!
//! Store writes (with fsync when a state file is set) run on the emulator's own runtime thread:
//! that serialises changes in arrival order, which is what an emulator wants, at the price of
//! throughput with a state file.

use super::actions::{self, SasContext, SAS_VERSION};
use super::api_error::ApiError;
use super::auth::{Authenticator, RequestIdentity};
use super::clock::Clock;
use super::cloud_sso;
use super::credentials_uri;
use super::faults::{FaultDecision, Faults};
use super::holds::Holds;
use super::ids;
use super::introspect::{self, IntrospectContext, LogEntry, RequestLog};
use super::metadata::Metadata;
use super::oidc::{self, Issuer};
use super::realism::Realism;
use super::request::ApiRequest;
use super::store::Store;
use super::sts::{self, STS_VERSION};
use http::header::{HeaderValue, CONTENT_TYPE, HOST};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Largest request body accepted (the API's parameters are small).
const MAX_BODY: usize = 1024 * 1024;

/// How long in-flight requests get to finish on shutdown.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(3);

/// Everything the connections share.
pub struct Shared {
    /// Credentials and signature verification.
    pub auth: Authenticator,
    /// Registries.
    pub store: Store,
    /// Fault settings.
    pub faults: Faults,
    /// Request log.
    pub log: RequestLog,
    /// Hold rules and held requests.
    pub holds: Holds,
    /// Realism switches.
    pub realism: Realism,
    /// ECS metadata service.
    pub metadata: Metadata,
    /// The emulated account id.
    pub ali_uid: i64,
    /// The time every check is made at.
    pub clock: Clock,
    /// The OIDC issuer `AssumeRoleWithOIDC` trusts.
    pub issuer: Issuer,
}

/// Returned by the service to make hyper drop the connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose (fault injection)")]
pub struct DropConnection;

type Resp = Response<Full<Bytes>>;

/// Serves until `shutdown` flips (or its sender goes away), then drains connections.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    conns.spawn(serve_connection(stream, peer, shared.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    // Held requests are let go, so they can finish within the drain time.
    shared.holds.close();
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while conns.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        conns.abort_all();
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ConnStream {
        inner: stream,
        reset: reset.clone(),
    });
    let svc = service_fn(move |req| {
        let (shared, reset) = (shared.clone(), reset.clone());
        async move { route(req, peer, shared, reset).await }
    });
    let conn = http1::Builder::new().serve_connection(io, svc);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// The TCP stream, plus the ability to end it with a reset when a fault asks for one.
struct ConnStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ConnStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // Zero linger makes close() send RST and discard unsent data.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ConnStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

fn json_response(status: u16, body: &Value, request_id: Option<&str>) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        resp.headers_mut().insert("x-acs-request-id", id);
    }
    resp
}

fn text_response(status: u16, content_type: &'static str, body: String) -> Resp {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

async fn read_body(body: Incoming) -> Result<Vec<u8>, ApiError> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes().to_vec()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            413,
            "RequestEntityTooLarge",
            format!("The request body exceeds {MAX_BODY} bytes."),
        )),
        Err(e) => Err(ApiError::new(
            400,
            "InvalidRequest",
            format!("Cannot read the request body: {e}"),
        )),
    }
}

async fn route(
    req: Request<Incoming>,
    peer: SocketAddr,
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
) -> Result<Resp, DropConnection> {
    let path = req.uri().path().to_string();
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        if !peer.ip().is_loopback() {
            return Ok(json_response(
                403,
                &json!({"error": "introspection is loopback-only"}),
                None,
            ));
        }
        let method = req.method().as_str().to_string();
        let body = match read_body(req.into_body()).await {
            Ok(b) => b,
            Err(e) => return Ok(json_response(e.status, &json!({"error": e.message}), None)),
        };
        let ctx = IntrospectContext {
            store: &shared.store,
            faults: &shared.faults,
            log: &shared.log,
            holds: &shared.holds,
            realism: &shared.realism,
            auth: &shared.auth,
            clock: &shared.clock,
            issuer: &shared.issuer,
            ali_uid: shared.ali_uid,
        };
        let (status, v) = introspect::handle(&method, &path, &body, &ctx);
        return Ok(json_response(status, &v, None));
    }
    if path == credentials_uri::PATH {
        if !peer.ip().is_loopback() {
            return Ok(text_response(403, "text/plain", "Forbidden".into()));
        }
        let r = credentials_uri::handle(req.method(), &shared.auth, shared.clock.now());
        return Ok(text_response(r.status, r.content_type, r.body));
    }
    if path == cloud_sso::PATH {
        let (parts, body) = req.into_parts();
        let body = read_body(body).await.unwrap_or_default();
        let r = cloud_sso::handle(
            &parts.method,
            &parts.headers,
            &body,
            shared.ali_uid,
            &shared.auth,
            shared.clock.now(),
        );
        return Ok(text_response(r.status, r.content_type, r.body));
    }
    if req.method() == http::Method::GET {
        // The issuer's public documents, as an identity provider serves them to anyone.
        let document = match path.as_str() {
            oidc::DISCOVERY_PATH => Some(shared.issuer.discovery()),
            oidc::JWKS_PATH => Some(shared.issuer.jwks()),
            _ => None,
        };
        if let Some(d) = document {
            return Ok(json_response(200, &d, None));
        }
    }
    if Metadata::owns(&path) {
        // The metadata service hands out credentials; like the real one (link-local), it only
        // answers the local machine.
        if !peer.ip().is_loopback() {
            return Ok(text_response(403, "text/plain", "Forbidden".into()));
        }
        let r = shared.metadata.handle(
            req.method(),
            &path,
            req.headers(),
            &shared.auth,
            shared.clock.now(),
        );
        return Ok(text_response(r.status, r.content_type, r.body));
    }
    api(req, shared, reset).await
}

/// A logged request until its outcome is written: if it is dropped first (the client went away
/// and hyper dropped the request's future), the entry ends as [`introspect::ABANDONED`].
struct InFlight<'a> {
    log: &'a RequestLog,
    seq: u64,
    arrived: Instant,
    done: bool,
}

impl InFlight<'_> {
    fn finish(&mut self, outcome: String, http_status: Option<u16>) {
        self.done = true;
        let duration_ms = self.arrived.elapsed().as_millis() as u64;
        self.log.update(self.seq, |e| {
            e.outcome = outcome;
            e.http_status = http_status;
            e.duration_ms = Some(duration_ms);
        });
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.finish(introspect::ABANDONED.into(), None);
        }
    }
}

async fn api(
    req: Request<Incoming>,
    shared: Arc<Shared>,
    reset: Arc<AtomicBool>,
) -> Result<Resp, DropConnection> {
    let request_id = ids::request_id();
    let arrived = Instant::now();
    let (parts, body) = req.into_parts();
    let host_id = parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("sas-emulator")
        .to_string();
    let method = parts.method.as_str().to_string();
    let parsed = match read_body(body).await {
        Err(e) => Err(e),
        Ok(_) if parts.uri.path() != "/" => Err(ApiError::new(
            404,
            "InvalidAction.NotFound",
            format!(
                "Path {:?} is not served: RPC requests go to \"/\".",
                parts.uri.path()
            ),
        )),
        Ok(_) if method != "GET" && method != "POST" => Err(ApiError::new(
            405,
            "UnsupportedHTTPMethod",
            format!("HTTP method {method} is not supported; use GET or POST."),
        )),
        Ok(bytes) => ApiRequest::parse(&method, parts.uri.query(), parts.headers, bytes),
    };
    let identity = parsed.as_ref().map(RequestIdentity::of).unwrap_or_default();
    let (latency, decision) = shared.faults.decide(identity.action.as_deref());
    let action = identity.action.clone();
    let version = identity.version.clone();
    let seq = shared.log.push(LogEntry {
        seq: 0,
        time: ids::format_rfc3339(shared.clock.now()),
        method,
        signature: identity.style.map(|s| s.as_str().to_string()),
        access_key_id: identity.access_key_id,
        action: identity.action,
        version: identity.version,
        params: parsed
            .as_ref()
            .map(|r| introspect::loggable_params(r.all_params()))
            .unwrap_or_default(),
        locations: parsed
            .as_ref()
            .map(|r| {
                introspect::param_locations(
                    r.query.iter().map(|(k, _)| k.as_str()),
                    r.form.iter().map(|(k, _)| k.as_str()),
                )
            })
            .unwrap_or_default(),
        outcome: introspect::PENDING.into(),
        http_status: None,
        request_id: request_id.clone(),
        hold: None,
        duration_ms: None,
    });
    let mut flight = InFlight {
        log: &shared.log,
        seq,
        arrived,
        done: false,
    };
    if let Some(action) = &action {
        let mark = || shared.log.update(seq, |e| e.hold = Some("held".into()));
        if let Some(hold) = shared.holds.claim(action, seq, &request_id, mark) {
            let end = hold.wait().await;
            shared
                .log
                .update(seq, |e| e.hold = Some(end.as_str().into()));
        }
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }

    let result = match decision {
        FaultDecision::Reset => {
            flight.finish("Fault.Reset".into(), None);
            reset.store(true, Ordering::SeqCst);
            return Err(DropConnection);
        }
        FaultDecision::Throttle => Err(ApiError::throttling()),
        FaultDecision::Unavailable => Err(ApiError::unavailable()),
        FaultDecision::None | FaultDecision::LoseResponse => {
            parsed.and_then(|r| execute(&r, &shared, &request_id))
        }
    };
    let product = match version.as_deref() {
        Some(STS_VERSION) => "Sts",
        _ => "Sas",
    };
    let (status, body, outcome, retry_after_ms) = match result {
        Ok(v) => (200, v, "Success".to_string(), None),
        Err(e) => (
            e.status,
            e.envelope_of(product, &request_id, &host_id),
            e.code.clone(),
            e.retry_after_ms,
        ),
    };
    if decision == FaultDecision::LoseResponse {
        flight.finish(format!("Fault.LostResponse({outcome})"), None);
        reset.store(true, Ordering::SeqCst);
        return Err(DropConnection);
    }
    flight.finish(outcome, Some(status));
    let mut resp = json_response(status, &body, Some(&request_id));
    if let Some(ms) = retry_after_ms {
        // What a client needs to back off: the official SDKs read `x-acs-retry-after`
        // (milliseconds) into `ThrottlingException.retry_after`; `Retry-After` (seconds,
        // rounded up) is the standard HTTP form.
        let h = resp.headers_mut();
        h.insert("x-acs-retry-after", HeaderValue::from(ms));
        h.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from(ms.div_ceil(1000).max(1)),
        );
    }
    Ok(resp)
}

/// Authenticates, routes by version and action, checks RAM denials, runs the action.
fn execute(req: &ApiRequest, shared: &Shared, request_id: &str) -> Result<Value, ApiError> {
    let now = shared.clock.now();
    let who = match RequestIdentity::of(req) {
        // The one action a caller makes without credentials: its OIDC token is the proof.
        RequestIdentity {
            action: Some(action),
            version: Some(version),
            ..
        } if action == sts::ANONYMOUS_ACTION
            && version == STS_VERSION
            && !Authenticator::is_signed(req) =>
        {
            (action, version)
        }
        _ => {
            let a = shared.auth.authenticate(req, now)?;
            (a.action, a.version)
        }
    };
    let (action, version) = (who.0.as_str(), who.1.as_str());
    let ram_action = match version {
        SAS_VERSION if actions::ACTIONS.contains(&action) => format!("yundun-sas:{action}"),
        STS_VERSION if sts::ACTIONS.contains(&action) => format!("sts:{action}"),
        SAS_VERSION | STS_VERSION => return Err(ApiError::action_not_found(action)),
        other => return Err(ApiError::invalid_version(other)),
    };
    if shared.faults.denies(action) {
        return Err(ApiError::no_permission(&ram_action));
    }
    if version == STS_VERSION {
        let ctx = sts::StsContext {
            auth: &shared.auth,
            issuer: &shared.issuer,
            ali_uid: shared.ali_uid,
            now,
            request_id,
        };
        return sts::handle(action, req, &ctx);
    }
    let ctx = SasContext {
        store: &shared.store,
        ali_uid: shared.ali_uid,
        now,
        request_id,
        realism: &shared.realism,
        lag: &shared.faults.lag,
    };
    actions::handle(action, req, &ctx)
}
