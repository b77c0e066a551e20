//! `sas-emulator`: a local stand-in for the Alibaba Cloud Security Center (Sas) private-registry
//! API, with the credential sources the provider's chain talks to (STS `AssumeRole` and
//! `AssumeRoleWithOIDC` with an OIDC issuer of its own, the ECS metadata service, a credentials
//! URI, CloudSSO's portal), so the whole lifecycle runs offline — in `make demo`, in our tests,
//! and in users' CI.
//!
//! It is meant to be faithful where it matters to a client: real signatures (V3 and V2,
//! verified independently of our client's signer), real error codes and statuses, response
//! shapes as published, and failures a client must survive (throttling, 503, resets, lost
//! responses) on demand. Where the real service's behaviour is unknown, the choice is written
//! down next to the code (`CHOICE:` in `actions`, `sts`, `metadata`).
//!
//! Start one in-process with [`Emulator::start`], or run the `sas-emulator` binary (see
//! [`cli`]). Modules, each owning one thing:
//! - [`server`]: HTTP, routing, faults applied, request log written, shutdown.
//! - [`request`]: decoding a request's parameters.
//! - [`signature`]: the pure V3/V2 signature math, pinned to the published vectors.
//! - [`auth`]: keys, tokens, timestamp window, nonce replay, verification.
//! - [`actions`]: the Sas actions; [`sts`]: AssumeRole and AssumeRoleWithOIDC; [`oidc`]: the
//!   OIDC issuer and token checks; [`metadata`]: ECS role credentials; [`credentials_uri`]: a
//!   credentials URI; [`cloud_sso`]: CloudSSO's credentials for a signed-in user; [`clock`]:
//!   the time every check is made at, which tests move forward.
//! - [`store`]: registries and their atomic persistence.
//! - [`faults`]: injected failures from a seeded RNG, and latency.
//! - [`holds`]: requests held at arrival until a test releases them.
//! - [`realism`]: switches for answers that differ from what was sent (masking, normalising,
//!   omitting, defaults, delayed appearance).
//! - [`introspect`]: `/_emulator/` endpoints and the request log.
//! - [`api_error`]: the error vocabulary; [`secret`]: secrets and their hashes; [`ids`]: ids
//!   and time formats; [`probe`]: a hand-built signed-request client for tests and benches.

pub mod actions;
pub mod api_error;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod cloud_sso;
pub mod credentials_uri;
pub mod faults;
pub mod holds;
pub mod ids;
pub mod introspect;
pub mod lag;
pub mod metadata;
pub mod oidc;
pub mod probe;
pub mod realism;
pub mod record;
pub mod request;
pub mod secret;
pub mod server;
pub mod shared;
pub mod signature;
pub mod store;
pub mod sts;

pub use faults::FaultConfig;
pub use holds::{HoldRule, HoldSpec, HoldsView, ReleaseSpec};
pub use realism::RealismConfig;
pub use record::RegistryRecord;
pub use secret::{secret_hash, Secret};
pub use store::StoreError;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;

/// Access key id accepted when none is configured.
pub const DEFAULT_ACCESS_KEY_ID: &str = "emulator-access-key-id";
/// Access key secret accepted when none is configured. Not a secret: it is in `--help`.
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "emulator-access-key-secret";
/// The emulated account id (`AliUid`).
pub const DEFAULT_ALI_UID: i64 = 1_234_567_890_123_456;
/// The RAM role the ECS metadata service exposes.
pub const DEFAULT_ECS_ROLE_NAME: &str = "EmulatorEcsRole";
/// Where the emulator listens by default: loopback, any free port.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:0";

/// Why the emulator could not start or stop.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// A non-loopback address without `allow_remote`.
    #[error("refusing to listen on non-loopback address {0} without --allow-remote")]
    NonLoopback(SocketAddr),
    /// Binding the listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The state file is unusable.
    #[error(transparent)]
    State(#[from] StoreError),
    /// Fault settings out of range.
    #[error("invalid fault settings: {0}")]
    Faults(String),
    /// Realism switches out of range.
    #[error("invalid realism settings: {0}")]
    Realism(String),
    /// A hold rule or release refused.
    #[error("hold: {0}")]
    Holds(String),
    /// A clock step refused.
    #[error("clock: {0}")]
    Clock(String),
    /// The OIDC issuer's key could not be made.
    #[error("cannot create the OIDC issuer's key: {0}")]
    Oidc(String),
    /// The runtime or its thread could not be created.
    #[error("cannot start the emulator runtime: {0}")]
    Runtime(std::io::Error),
    /// The server thread panicked.
    #[error("the emulator thread panicked")]
    Panicked,
}

/// How to run an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Allow a non-loopback `listen` address.
    pub allow_remote: bool,
    /// The accepted long-lived access key id.
    pub access_key_id: String,
    /// Its secret.
    pub access_key_secret: Secret,
    /// If set, calls with that key must carry this security token.
    pub security_token: Option<Secret>,
    /// Persist registries here (atomically, after every change).
    pub state_file: Option<PathBuf>,
    /// `AliUid` of everything created.
    pub ali_uid: i64,
    /// Role served by the ECS metadata endpoint.
    pub ecs_role_name: String,
    /// Whether the metadata endpoint requires, offers or lacks session tokens.
    pub imds: metadata::ImdsMode,
    /// The longest any temporary key issued lives (seconds), whatever was asked for.
    pub temporary_credential_lifetime: Option<i64>,
    /// Initial fault settings.
    pub faults: FaultConfig,
    /// Initial realism switches (all off: answers echo what was sent).
    pub realism: RealismConfig,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            allow_remote: false,
            access_key_id: DEFAULT_ACCESS_KEY_ID.into(),
            access_key_secret: Secret::new(DEFAULT_ACCESS_KEY_SECRET),
            security_token: None,
            state_file: None,
            ali_uid: DEFAULT_ALI_UID,
            ecs_role_name: DEFAULT_ECS_ROLE_NAME.into(),
            imds: metadata::ImdsMode::default(),
            temporary_credential_lifetime: None,
            faults: FaultConfig::default(),
            realism: RealismConfig::default(),
        }
    }
}

/// Entry point for starting emulators.
pub struct Emulator;

impl Emulator {
    /// Validates the config, loads state, binds, and serves on a dedicated thread with its own
    /// single-threaded runtime — so it works the same from a sync test, a `#[tokio::test]` or
    /// the binary, and never competes with the caller's runtime. Errors (bad address, corrupt
    /// state, port in use) are returned here, before anything runs.
    pub fn start(config: EmulatorConfig) -> Result<RunningEmulator, EmulatorError> {
        if !config.listen.ip().is_loopback() && !config.allow_remote {
            return Err(EmulatorError::NonLoopback(config.listen));
        }
        let faults = faults::Faults::new(config.faults).map_err(EmulatorError::Faults)?;
        let realism = realism::Realism::new(config.realism).map_err(EmulatorError::Realism)?;
        let store = store::Store::open(config.state_file)?;
        let bind_err = |source| EmulatorError::Bind {
            addr: config.listen,
            source,
        };
        let std_listener = std::net::TcpListener::bind(config.listen).map_err(bind_err)?;
        std_listener.set_nonblocking(true).map_err(bind_err)?;
        let addr = std_listener.local_addr().map_err(bind_err)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(EmulatorError::Runtime)?;
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(std_listener).map_err(bind_err)?
        };
        let issuer = oidc::Issuer::new(format!("http://{addr}{}", oidc::ISSUER_PATH))
            .map_err(EmulatorError::Oidc)?;
        let shared = Arc::new(server::Shared {
            auth: auth::Authenticator::new(auth::StaticKey {
                access_key_id: config.access_key_id,
                access_key_secret: config.access_key_secret,
                security_token: config.security_token,
            })
            .with_lifetime_cap(
                config
                    .temporary_credential_lifetime
                    .map(time::Duration::seconds),
            ),
            store,
            faults,
            log: introspect::RequestLog::default(),
            holds: holds::Holds::default(),
            realism,
            metadata: metadata::Metadata::new(config.ecs_role_name, config.imds),
            ali_uid: config.ali_uid,
            clock: clock::Clock::default(),
            issuer,
        });
        let (tx, rx) = watch::channel(false);
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("sas-emulator".into())
            .spawn(move || runtime.block_on(server::serve(listener, thread_shared, rx)))
            .map_err(EmulatorError::Runtime)?;
        Ok(RunningEmulator {
            addr,
            shared,
            shutdown: tx,
            thread: Some(thread),
        })
    }
}

/// A running emulator. Dropping it shuts it down too; [`RunningEmulator::shutdown`] also
/// reports a panicked server thread.
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningEmulator {
    /// The bound address (with the real port when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `host:port`, the form the provider's `endpoints { sas = ... }` and the env overrides take.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// Replaces the fault settings (like `POST /_emulator/faults`).
    pub fn set_faults(&self, faults: FaultConfig) -> Result<FaultConfig, EmulatorError> {
        self.shared
            .faults
            .set(faults)
            .map_err(EmulatorError::Faults)
    }

    /// Replaces the realism switches (like `POST /_emulator/realism`).
    pub fn set_realism(&self, realism: RealismConfig) -> Result<RealismConfig, EmulatorError> {
        self.shared
            .realism
            .set(realism)
            .map_err(EmulatorError::Realism)
    }

    /// Adds a hold rule (like `POST /_emulator/hold`).
    pub fn hold(&self, spec: HoldSpec) -> Result<HoldRule, EmulatorError> {
        self.shared.holds.add(spec).map_err(EmulatorError::Holds)
    }

    /// What is held and which hold rules are left (like `GET /_emulator/held`).
    pub fn held(&self) -> HoldsView {
        self.shared.holds.view()
    }

    /// Lets held requests go (like `POST /_emulator/release`); returns their `seq`s.
    pub fn release(&self, spec: &ReleaseSpec) -> Result<Vec<u64>, EmulatorError> {
        self.shared
            .holds
            .release(spec)
            .map_err(EmulatorError::Holds)
    }

    /// Moves the emulator's clock forward (like `POST /_emulator/clock`); returns the offset.
    pub fn advance_clock(&self, seconds: i64) -> Result<i64, EmulatorError> {
        self.shared
            .clock
            .advance(seconds)
            .map_err(EmulatorError::Clock)
    }

    /// A token signed by the emulator's OIDC issuer (like `POST /_emulator/oidc/token`).
    pub fn oidc_token(&self, req: &oidc::TokenRequest) -> Result<String, EmulatorError> {
        self.shared
            .issuer
            .mint(req, self.shared.clock.now())
            .map_err(EmulatorError::Oidc)
    }

    /// `acs:ram::<uid>:oidc-provider/...`: the provider `AssumeRoleWithOIDC` trusts.
    pub fn oidc_provider_arn(&self) -> String {
        oidc::provider_arn(self.shared.ali_uid)
    }

    /// A snapshot of every registry (passwords are stored hashed).
    pub fn registries(&self) -> Vec<RegistryRecord> {
        self.shared.store.read(|d| d.registries.clone())
    }

    /// A snapshot of the request log.
    pub fn requests(&self) -> Vec<introspect::LogEntry> {
        self.shared.log.entries()
    }

    /// Empties the request log (like `DELETE /_emulator/requests`).
    pub fn clear_requests(&self) {
        self.shared.log.clear()
    }

    /// Stops accepting, lets in-flight requests finish (briefly), and joins the server thread.
    pub fn shutdown(mut self) -> Result<(), EmulatorError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), EmulatorError> {
        let _ = self.shutdown.send(true);
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| EmulatorError::Panicked),
            None => Ok(()),
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
