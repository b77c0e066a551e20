//! A provider registry on loopback, over HTTPS with a certificate from a throwaway CA, serving
//! what `make release` wrote: the provider registry protocol as Terraform's and OpenTofu's
//! registry clients read it (service discovery, the version list, the download document with
//! its checksum, signature and signing key), and the files themselves. Clients trust the CA
//! through `SSL_CERT_FILE`, and a CLI configuration `host` block names the server.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;

/// The provider's address on this registry.
pub const HOST: &str = "registry.example.test";
pub const NAMESPACE: &str = "alicloud-rs";
pub const TYPE: &str = "alicloud";

/// What the registry serves: a release directory and the key that signed it.
#[derive(Clone)]
pub struct Release {
    pub version: String,
    pub dir: PathBuf,
    pub key_id: String,
    pub armored_key: String,
}

impl Release {
    fn name(&self) -> String {
        format!("terraform-provider-{TYPE}_{}", self.version)
    }

    /// The linux_amd64 zip, the one this machine's clients install.
    pub fn zip_name(&self) -> String {
        self.zip_name_for("linux_amd64")
    }

    pub fn zip_name_for(&self, platform: &str) -> String {
        format!("{}_{platform}.zip", self.name())
    }

    pub fn zip(&self) -> Vec<u8> {
        self.zip_for("linux_amd64")
    }

    pub fn zip_for(&self, platform: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(self.zip_name_for(platform)))
            .unwrap_or_else(|e| panic!("release zip for {platform}: {e}"))
    }

    /// The platforms the release has a zip for, as `<os>_<arch>`.
    pub fn platforms(&self) -> Vec<String> {
        let prefix = format!("{}_", self.name());
        let mut platforms: Vec<String> = std::fs::read_dir(&self.dir)
            .expect("release dir")
            .filter_map(|e| {
                let name = e.expect("entry").file_name().to_string_lossy().into_owned();
                Some(
                    name.strip_prefix(&prefix)?
                        .strip_suffix(".zip")?
                        .to_string(),
                )
            })
            .collect();
        platforms.sort();
        platforms
    }

    /// The protocols the manifest declares: the registry lists the version with these.
    fn protocols(&self) -> Vec<String> {
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.dir.join(format!("{}_manifest.json", self.name())))
                .expect("manifest"),
        )
        .expect("manifest JSON");
        manifest["metadata"]["protocol_versions"]
            .as_array()
            .expect("protocol_versions")
            .iter()
            .map(|p| p.as_str().expect("a protocol string").to_string())
            .collect()
    }
}

/// A running registry (on a thread of its own); stops when dropped.
pub struct Registry {
    pub addr: SocketAddr,
    /// Files served under `/files/`, by name; a test may swap one (a tampered zip, another
    /// key's signature).
    pub files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    /// Paths requested, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    ca_pem: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Registry {
    pub fn start(release: &Release) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (ca_pem, server_config) = tls();
        let files: HashMap<String, Vec<u8>> = std::fs::read_dir(&release.dir)
            .expect("release dir")
            .map(|e| {
                let e = e.expect("entry");
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).expect("release file"))
            })
            .collect();
        let files = Arc::new(Mutex::new(files));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let site = Arc::new(Site {
            protocols: release.protocols(),
            platforms: release.platforms(),
            release: release.clone(),
            base: format!("https://localhost:{}", addr.port()),
            files: files.clone(),
            requests: requests.clone(),
        });
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let serve = async move {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            return;
                        };
                        let (acceptor, site) = (acceptor.clone(), site.clone());
                        tokio::spawn(async move {
                            let Ok(tls) = acceptor.accept(stream).await else {
                                return;
                            };
                            let service = service_fn(move |req: Request<Incoming>| {
                                let site = site.clone();
                                async move {
                                    Ok::<_, std::convert::Infallible>(site.answer(req.uri().path()))
                                }
                            });
                            let _ = hyper::server::conn::http1::Builder::new()
                                .serve_connection(TokioIo::new(tls), service)
                                .await;
                        });
                    }
                };
                tokio::select! {
                    _ = serve => {}
                    _ = stopped => {}
                }
            });
        });
        Self {
            addr,
            files,
            requests,
            ca_pem,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The CLI configuration that sends `HOST` to this server (and may add more blocks).
    pub fn host_block(&self) -> String {
        format!(
            "host \"{HOST}\" {{\n  services = {{\n    \"providers.v1\" = \"https://localhost:{}/v1/providers/\"\n  }}\n}}\n",
            self.addr.port()
        )
    }

    /// Writes the CA certificate for `SSL_CERT_FILE` and returns its path.
    pub fn write_ca(&self, dir: &Path) -> PathBuf {
        let path = dir.join("registry-ca.pem");
        std::fs::write(&path, &self.ca_pem).expect("write CA");
        path
    }

    pub fn replace_file(&self, name: &str, bytes: Vec<u8>) {
        self.files
            .lock()
            .expect("files")
            .insert(name.to_string(), bytes);
    }

    pub fn requested(&self) -> Vec<String> {
        self.requests.lock().expect("requests").clone()
    }
}

struct Site {
    release: Release,
    /// Read from the manifest once, when the registry starts.
    protocols: Vec<String>,
    /// Read from the release's zips once, when the registry starts.
    platforms: Vec<String>,
    base: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Site {
    fn answer(&self, path: &str) -> Response<Full<Bytes>> {
        self.requests
            .lock()
            .expect("requests")
            .push(path.to_string());
        let r = &self.release;
        let provider = format!("/v1/providers/{NAMESPACE}/{TYPE}/");
        let body = if path == "/.well-known/terraform.json" {
            Some(
                json!({ "providers.v1": "/v1/providers/" })
                    .to_string()
                    .into_bytes(),
            )
        } else if path == format!("{provider}versions") {
            let platforms: Vec<serde_json::Value> = self
                .platforms
                .iter()
                .map(|p| {
                    let (os, arch) = p.split_once('_').expect("os_arch");
                    json!({ "os": os, "arch": arch })
                })
                .collect();
            Some(
                json!({ "versions": [{
                    "version": r.version,
                    "protocols": self.protocols,
                    "platforms": platforms,
                }]})
                .to_string()
                .into_bytes(),
            )
        } else if let Some((os, arch)) = path
            .strip_prefix(&format!("{provider}{}/download/", r.version))
            .and_then(|p| p.split_once('/'))
            .filter(|(os, arch)| self.platforms.contains(&format!("{os}_{arch}")))
        {
            let zip = r.zip_name_for(&format!("{os}_{arch}"));
            let name = r.name();
            let files = self.files.lock().expect("files");
            let shasum = hex::encode(sha2::Sha256::digest(&files[&zip]));
            Some(
                json!({
                    "protocols": self.protocols,
                    "os": os,
                    "arch": arch,
                    "filename": zip,
                    "download_url": format!("{}/files/{zip}", self.base),
                    "shasums_url": format!("{}/files/{name}_SHA256SUMS", self.base),
                    "shasums_signature_url": format!("{}/files/{name}_SHA256SUMS.sig", self.base),
                    "shasum": shasum,
                    "signing_keys": { "gpg_public_keys": [{
                        "key_id": r.key_id,
                        "ascii_armor": r.armored_key,
                        "trust_signature": "",
                        "source": "alicloud-rs",
                        "source_url": null,
                    }]},
                })
                .to_string()
                .into_bytes(),
            )
        } else if let Some(name) = path.strip_prefix("/files/") {
            self.files.lock().expect("files").get(name).cloned()
        } else {
            None
        };
        match body {
            Some(b) => Response::new(Full::new(Bytes::from(b))),
            None => {
                let mut not_found = Response::new(Full::new(Bytes::from_static(b"not found")));
                *not_found.status_mut() = hyper::StatusCode::NOT_FOUND;
                not_found
            }
        }
    }
}

use sha2::Digest as _;

/// A throwaway CA (PEM, for the clients) and a server configuration for `localhost` signed by it.
fn tls() -> (String, rustls::ServerConfig) {
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "alicloud-rs test registry CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA");
    let key = rcgen::KeyPair::generate().expect("server key");
    let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    let cert = params.signed_by(&key, &ca).expect("server certificate");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server config");
    (ca.pem(), config)
}
