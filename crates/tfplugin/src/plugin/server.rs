//! The serve loop: bind, print the handshake line, accept (through TLS when Terraform asked for
//! it), and serve gRPC until Terraform says Shutdown.

use std::io::Write as _;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tonic::transport::server::Connected;

use super::handshake::{self, Endpoint};
use super::listener;
use super::services::{Broker, Controller, ShutdownSignal, Stdio};
use super::tls::{self, TlsError};
use crate::framework::ProviderRpcs;
use crate::proto::plugin::{
    grpc_broker_server::GrpcBrokerServer, grpc_controller_server::GrpcControllerServer,
    grpc_stdio_server::GrpcStdioServer,
};
use crate::protocol;

/// A TLS handshake that has not finished by then is abandoned, so a stuck peer holds nothing.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a graceful stop may take before we exit anyway (Terraform kills us after 2 s).
const SHUTDOWN_GRACE: Duration = Duration::from_millis(150);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Bind(#[from] listener::BindError),
    #[error("listening for Ctrl-C: {0}")]
    Signal(std::io::Error),
    #[error("writing the handshake line: {0}")]
    Handshake(std::io::Error),
    #[error("gRPC server: {0}")]
    Grpc(#[from] tonic::transport::Error),
}

/// What go-plugin told us through the environment.
#[derive(Debug, Default, Clone)]
pub struct PluginEnv {
    pub protocol_versions: Option<String>,
    pub client_cert_pem: Option<String>,
    pub listen: listener::ListenConfig,
}

impl PluginEnv {
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        Self {
            protocol_versions: var("PLUGIN_PROTOCOL_VERSIONS"),
            client_cert_pem: var("PLUGIN_CLIENT_CERT"),
            listen: listener::ListenConfig {
                transport: var("TFPLUGIN_TRANSPORT"),
                #[cfg(unix)]
                socket: listener::SocketConfig {
                    dir: var("PLUGIN_UNIX_SOCKET_DIR").map(Into::into),
                    group: var("PLUGIN_UNIX_SOCKET_GROUP"),
                },
                ports: (var("PLUGIN_MIN_PORT"), var("PLUGIN_MAX_PORT")),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServeMode {
    /// Started by Terraform: handshake line, TLS when asked, exit on Shutdown.
    Managed,
    /// Started by a developer: no TLS, a reattach line, serve until interrupted.
    Debug,
}

/// Serves `provider` until Terraform shuts us down (managed) or the user interrupts (debug).
/// Serves `provider`, known to Terraform by its source `address`
/// (`registry.terraform.io/<namespace>/<name>`, which debug mode's reattach line names).
pub async fn serve<P: ProviderRpcs>(
    provider: Arc<P>,
    address: &str,
    env: PluginEnv,
    mode: ServeMode,
) -> Result<(), ServeError> {
    let version = match mode {
        ServeMode::Managed => handshake::negotiate(env.protocol_versions.as_deref()),
        ServeMode::Debug => 6,
    };
    let tls = match (&env.client_cert_pem, mode) {
        (Some(pem), ServeMode::Managed) => Some(tls::server_tls(tls::parse_client_cert(pem)?)?),
        _ => None,
    };
    let access = match (&tls, mode) {
        (Some(_), _) => listener::Access::MutualTls,
        (None, ServeMode::Managed) => listener::Access::Plaintext,
        (None, ServeMode::Debug) => listener::Access::Debugging,
    };
    let (listener, endpoint, mut guard) = listener::bind(&env.listen, access)?;

    let shutdown = ShutdownSignal::new();
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let router = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
            ignore_shutdown: mode == ServeMode::Debug,
        }))
        .add_service(GrpcStdioServer::new(Stdio {
            shutdown: shutdown.clone(),
        }))
        .add_service(GrpcBrokerServer::new(Broker {
            shutdown: shutdown.clone(),
        }))
        .add_service(protocol::v6::server(provider.clone()))
        .add_service(protocol::v5::server(provider.clone()));

    let line = match mode {
        ServeMode::Managed => handshake::handshake_line(
            version,
            &endpoint,
            tls.as_ref().map(|t| t.cert_der.as_ref()),
        ),
        ServeMode::Debug => reattach_line(address, &endpoint),
    };
    if mode == ServeMode::Debug {
        // Registered before the line is printed, so an immediate Ctrl-C is never lost.
        let mut interrupts = super::interrupt::Interrupts::listen().map_err(ServeError::Signal)?;
        let stop = shutdown.clone();
        tokio::spawn(async move {
            interrupts.next().await;
            stop.trigger();
        });
    }
    print_line(&line).map_err(ServeError::Handshake)?;
    // The build's platform, for a user reading the log of a provider installed for several.
    let platform = format!("{}_{}", std::env::consts::OS, std::env::consts::ARCH);
    tracing::info!(
        protocol = version,
        address = %endpoint.address(),
        tls = tls.is_some(),
        %platform,
        "serving"
    );

    let (tx, rx) = mpsc::channel(8);
    let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
    tokio::spawn(accept_loop(listener, acceptor, tx));

    let incoming = tokio_stream::wrappers::ReceiverStream::new(rx);
    let stop = shutdown.clone();
    let serving = router.serve_with_incoming_shutdown(incoming, async move { stop.wait().await });
    tokio::select! {
        result = serving => result?,
        _ = async { shutdown.wait().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
            tracing::debug!("graceful stop took too long; exiting anyway");
        }
    }
    guard.cleanup();
    Ok(())
}

fn print_line(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

/// What a developer pastes into their shell to point Terraform at this debug process.
fn reattach_line(address: &str, endpoint: &Endpoint) -> String {
    let config = serde_json::json!({
        address: {
            "Protocol": "grpc",
            "ProtocolVersion": 6,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": endpoint.network(), "String": endpoint.address() },
        }
    });
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{config}'\n"
    )
}

/// Accepts connections; each TLS handshake runs in its own task so a slow or hostile peer
/// cannot hold up Terraform's connection.
async fn accept_loop(
    listener: listener::Listener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    tx: mpsc::Sender<Result<Conn, std::io::Error>>,
) {
    loop {
        let raw = match listener.accept().await {
            #[cfg(unix)]
            Ok(listener::Accepted::Unix(s)) => Conn::new(s),
            Ok(listener::Accepted::Tcp(s)) => Conn::new(s),
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        let Some(acceptor) = tls.clone() else {
            if tx.send(Ok(raw)).await.is_err() {
                return;
            }
            continue;
        };
        let tx = tx.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(raw)).await {
                Ok(Ok(stream)) => {
                    let _ = tx.send(Ok(Conn::new(stream))).await;
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "TLS handshake refused"),
                Err(_) => tracing::warn!("TLS handshake timed out"),
            }
        });
    }
}

trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

/// One accepted connection, plain or TLS: tonic only needs bytes both ways.
pub struct Conn(Box<dyn Io>);

impl Conn {
    fn new(io: impl Io) -> Self {
        Conn(Box::new(io))
    }
}

impl Connected for Conn {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}
