//! Drives the built provider binary the way Terraform does: environment in, handshake line out,
//! then gRPC over the announced socket, with mutual TLS when a client certificate is given.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tonic::transport::{Channel, Endpoint};

use tfplugin::plugin::tls::CLIENT_SIGNATURE_ALGORITHMS;
use tfplugin::proto::tfplugin6;

use super::cert::ClientIdentity;

pub const COOKIE: (&str, &str) = (
    "TF_PLUGIN_MAGIC_COOKIE",
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
);

pub fn provider_binary() -> &'static str {
    env!("CARGO_BIN_EXE_terraform-provider-alicloud")
}

/// A provider process that printed its handshake line.
pub struct RunningProvider {
    pub child: Child,
    pub protocol: u32,
    pub network: String,
    pub address: String,
    pub server_cert: Option<Vec<u8>>,
    pub line: String,
}

impl Drop for RunningProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A killed provider cannot remove its socket; do it for it. Ours puts the socket in a
        // private directory of its own, Go plugins put it straight into the temp directory:
        // only ever remove a directory that holds nothing but this socket.
        if self.network == "unix" {
            let socket = std::path::Path::new(&self.address);
            let _ = std::fs::remove_file(socket);
            if let Some(dir) = socket.parent() {
                if dir != std::env::temp_dir() && dir != std::path::Path::new("/tmp") {
                    let _ = std::fs::remove_dir(dir);
                }
            }
        }
    }
}

/// Starts the provider with the cookie plus `env`, and parses its handshake line.
pub fn start_provider(env: &[(&str, &str)]) -> RunningProvider {
    start_provider_at(std::path::Path::new(provider_binary()), env)
}

/// Like `start_provider`, for any go-plugin provider binary (benchmarks run the null provider).
pub fn start_provider_at(binary: &std::path::Path, env: &[(&str, &str)]) -> RunningProvider {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env(COOKIE.0, COOKIE.1)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("provider binary starts");
    let line = first_stdout_line(&mut child, "the handshake line");
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "handshake line has six fields: {line}");
    assert_eq!(fields[0], "1");
    assert_eq!(fields[4], "grpc");
    let server_cert = (!fields[5].is_empty()).then(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(fields[5])
            .expect("certificate is unpadded standard base64")
    });
    RunningProvider {
        protocol: fields[1].parse().expect("protocol number"),
        network: fields[2].to_string(),
        address: fields[3].to_string(),
        server_cert,
        line: line.clone(),
        child,
    }
}

/// Accepts exactly the server certificate from the handshake line, as go-plugin's client does.
#[derive(Debug)]
struct PinnedServer(Vec<u8>);

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        assert_eq!(server_name.to_str(), "localhost");
        if end_entity.as_ref() == self.0.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "unexpected server certificate".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &CLIENT_SIGNATURE_ALGORITHMS)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &CLIENT_SIGNATURE_ALGORITHMS)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        CLIENT_SIGNATURE_ALGORITHMS.supported_schemes()
    }
}

/// Signs the TLS handshake with a P-521 key (ring cannot).
struct P521Key(p521::ecdsa::SigningKey);

impl std::fmt::Debug for P521Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Key")
    }
}

impl rustls::sign::SigningKey for P521Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        offered
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
            .then(|| Box::new(P521Signer(self.0.clone())) as Box<dyn rustls::sign::Signer>)
    }

    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        rustls::SignatureAlgorithm::ECDSA
    }
}

struct P521Signer(p521::ecdsa::SigningKey);

impl std::fmt::Debug for P521Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("P521Signer")
    }
}

impl rustls::sign::Signer for P521Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        use p521::ecdsa::signature::Signer;
        let sig: p521::ecdsa::Signature = self.0.sign(message);
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ECDSA_NISTP521_SHA512
    }
}

#[derive(Debug)]
struct FixedClientCert(Arc<rustls::sign::CertifiedKey>);

impl rustls::client::ResolvesClientCert for FixedClientCert {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

fn client_tls(server_cert: &[u8], identity: Option<&ClientIdentity>) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServer(server_cert.to_vec())));
    let mut config = match identity {
        Some(id) => {
            let key = rustls::sign::CertifiedKey::new(
                vec![CertificateDer::from(id.cert_der.clone())],
                Arc::new(P521Key(id.key.clone())),
            );
            builder.with_client_cert_resolver(Arc::new(FixedClientCert(Arc::new(key))))
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// A gRPC channel to the provider; with TLS when it announced a certificate.
pub async fn connect(
    p: &RunningProvider,
    identity: Option<&ClientIdentity>,
) -> Result<Channel, tonic::transport::Error> {
    let address = p.address.clone();
    let network = p.network.clone();
    let tls = p
        .server_cert
        .as_ref()
        .map(|c| Arc::new(client_tls(c, identity)));
    Endpoint::from_static("http://localhost")
        .connect_timeout(Duration::from_secs(5))
        .connect_with_connector(tower::service_fn(move |_| {
            let address = address.clone();
            let network = network.clone();
            let tls = tls.clone();
            async move {
                let io: Box<dyn IoStream> = if network == "unix" {
                    Box::new(tokio::net::UnixStream::connect(&address).await?)
                } else {
                    Box::new(tokio::net::TcpStream::connect(&address).await?)
                };
                let io: Box<dyn IoStream> = match tls {
                    Some(config) => {
                        let name = ServerName::try_from("localhost").expect("valid name");
                        Box::new(
                            tokio_rustls::TlsConnector::from(config)
                                .connect(name, io)
                                .await?,
                        )
                    }
                    None => io,
                };
                Ok::<_, std::io::Error>(TokioIo::new(io))
            }
        }))
        .await
}

/// `GetProviderSchema` (tfplugin6) over `channel`.
pub async fn schema_v6(
    channel: Channel,
) -> Result<tfplugin6::get_provider_schema::Response, tonic::Status> {
    tfplugin6::provider_client::ProviderClient::new(channel)
        .get_provider_schema(tfplugin6::get_provider_schema::Request::default())
        .await
        .map(tonic::Response::into_inner)
}

/// Whether the provider turns `id` away: no channel, or a failed call.
pub async fn refused(p: &RunningProvider, id: Option<&ClientIdentity>) -> bool {
    let Ok(channel) = connect(p, id).await else {
        return true;
    };
    schema_v6(channel).await.is_err()
}

/// The provider at `binary`, started as go-plugin starts it on Windows (with `env` added): it
/// listens on a loopback port in the range go-plugin gives it, its mutual TLS admits the
/// certificate Terraform sent and refuses a stranger's and none, and it serves its schema.
pub async fn assert_tcp_mutual_tls(binary: &std::path::Path, env: &[(&str, &str)]) {
    let id = ClientIdentity::terraform_like(21);
    let cert = id.cert_pem();
    let mut all = vec![
        ("PLUGIN_PROTOCOL_VERSIONS", "6"),
        ("PLUGIN_CLIENT_CERT", cert.as_str()),
        ("PLUGIN_MIN_PORT", "20000"),
        ("PLUGIN_MAX_PORT", "20999"),
    ];
    all.extend_from_slice(env);
    let p = start_provider_at(binary, &all);
    assert_eq!(p.network, "tcp", "{}", p.line);
    let addr: std::net::SocketAddr = p.address.parse().expect("host:port");
    assert!(addr.ip().is_loopback(), "{addr}");
    assert!((20000..=20999).contains(&addr.port()), "{addr}");
    assert!(
        refused(&p, Some(&ClientIdentity::terraform_like(22))).await,
        "a stranger's certificate is refused"
    );
    assert!(refused(&p, None).await, "no certificate is refused");
    let channel = connect(&p, Some(&id)).await.expect("connects");
    let schema = schema_v6(channel).await.expect("schema over tcp");
    let provider = schema
        .provider
        .and_then(|s| s.block)
        .expect("provider schema");
    assert!(provider.attributes.iter().any(|a| a.name == "region"));
}

/// The provider started as a developer starts it, with `--debug` (and `env`): it serves until
/// Ctrl-C and prints the `TF_REATTACH_PROVIDERS` line to paste into Terraform's environment.
pub struct DebugSession {
    pub child: Child,
    /// The provider's entry of the reattach JSON.
    pub reattach: serde_json::Value,
}

impl DebugSession {
    pub fn start(program: &std::path::Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(program)
            .arg("--debug")
            .env_clear()
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("TF_REATTACH_PROVIDERS=") {
                    let _ = tx.send(line);
                    return;
                }
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("a reattach line within 20 s");
        let json = line
            .split_once("TF_REATTACH_PROVIDERS='")
            .and_then(|(_, rest)| rest.strip_suffix('\''))
            .expect("quoted JSON");
        let v: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
        Self {
            child,
            reattach: v["registry.terraform.io/alicloud-rs/alicloud"].clone(),
        }
    }

    /// Ctrl-C, as a terminal sends it (SIGINT; wine turns it into a console control event for
    /// a Windows build): whether the session exits within 5 s.
    pub fn interrupt(&mut self) -> bool {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        wait_exit(&mut self.child, Duration::from_secs(5)).is_some()
    }
}

impl Drop for DebugSession {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin + 'static> IoStream for T {}

/// The first line a child prints on its (piped) stdout, waiting at most 20 s for it.
pub fn first_stdout_line(child: &mut Child, what: &str) -> String {
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what} within 20 s"));
    line.trim_end().to_string()
}

/// Waits for the process to exit, up to `limit`; returns how long it took.
pub fn wait_exit(child: &mut Child, limit: Duration) -> Option<Duration> {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(_)) = child.try_wait() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// The registry resource, as the protocol tests send it.
pub const REGISTRY: &str = "alicloud_sas_private_registry";

/// The registry's object type, from the provider's own schema.
pub fn registry_type() -> tfplugin::value::Type {
    use tfplugin::framework::ProviderRpcs;
    alicloud_provider::provider::new().schema().resources[REGISTRY].value_type()
}

/// `bytes` as a protocol 6 value (msgpack), whether they decode or not.
pub fn msgpack(bytes: Vec<u8>) -> Option<tfplugin6::DynamicValue> {
    Some(tfplugin6::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    })
}

/// A registry value as Terraform sends it.
pub fn registry(v: &tfplugin::value::Value) -> Option<tfplugin6::DynamicValue> {
    msgpack(tfplugin::value::encode_msgpack(v, &registry_type()).expect("encodes"))
}

/// PlanResourceChange of the registry, each value already encoded.
pub fn plan_registry(
    prior: Option<tfplugin6::DynamicValue>,
    proposed: Option<tfplugin6::DynamicValue>,
    config: Option<tfplugin6::DynamicValue>,
) -> tfplugin6::plan_resource_change::Request {
    tfplugin6::plan_resource_change::Request {
        type_name: REGISTRY.into(),
        prior_state: prior,
        proposed_new_state: proposed,
        config,
        ..Default::default()
    }
}

/// Our provider on protocol 6, connected; its API endpoint is a loopback port nothing listens
/// on, so a call that ever reached the network would find nothing there.
pub async fn start_offline_v6() -> (
    RunningProvider,
    tfplugin6::provider_client::ProviderClient<Channel>,
) {
    let p = start_provider(&[
        ("PLUGIN_PROTOCOL_VERSIONS", "6"),
        ("ALIBABA_CLOUD_ENDPOINT_SAS", "127.0.0.1:9"),
    ]);
    let channel = connect(&p, None).await.expect("connects");
    (p, tfplugin6::provider_client::ProviderClient::new(channel))
}
