//! go-plugin's housekeeping services: the controller (Shutdown), stdio and broker streams, and
//! the health check. Terraform opens the long-lived streams at start; they end on shutdown so a
//! graceful stop never waits on them.

use std::pin::Pin;

use tokio::sync::watch;
use tokio_stream::Stream;
use tonic::{Request, Response, Status, Streaming};

use crate::proto::plugin::{
    grpc_broker_server::GrpcBroker, grpc_controller_server::GrpcController,
    grpc_stdio_server::GrpcStdio, ConnInfo, Empty, StdioData,
};

/// Fires once when the plugin should stop serving.
#[derive(Clone)]
pub struct ShutdownSignal {
    tx: watch::Sender<bool>,
}

impl ShutdownSignal {
    pub fn new() -> Self {
        Self {
            tx: watch::channel(false).0,
        }
    }

    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    pub async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    /// A stream that yields nothing and ends at shutdown: the sender lives until then.
    fn silent_until_shutdown<T: Send + 'static>(&self) -> BoxStream<T> {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<T, Status>>(1);
        let me = self.clone();
        tokio::spawn(async move {
            me.wait().await;
            drop(tx);
        });
        Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
    }
}

impl Default for ShutdownSignal {
    fn default() -> Self {
        Self::new()
    }
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

pub struct Controller {
    pub shutdown: ShutdownSignal,
    /// Debug mode serves many Terraform runs, so it ignores their Shutdown calls.
    pub ignore_shutdown: bool,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        if self.ignore_shutdown {
            tracing::debug!("Shutdown ignored in debug mode");
        } else {
            tracing::debug!("Shutdown requested by Terraform");
            self.shutdown.trigger();
        }
        Ok(Response::new(Empty {}))
    }
}

pub struct Stdio {
    pub shutdown: ShutdownSignal,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<StdioData>;

    /// We never write to stdout or stderr through this channel (logs go to stderr directly).
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(self.shutdown.silent_until_shutdown()))
    }
}

pub struct Broker {
    pub shutdown: ShutdownSignal,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    type StartStreamStream = BoxStream<ConnInfo>;

    /// Terraform providers use no brokered connections; the stream stays open and silent.
    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = shutdown.wait() => {}
                _ = async { while let Ok(Some(_)) = inbound.message().await {} } => {}
            }
        });
        Ok(Response::new(self.shutdown.silent_until_shutdown()))
    }
}
