//! Where the plugin listens: a unix socket, as go-plugin's servers do on every Unix, or a
//! loopback TCP port, as they do on Windows ([`Transport`]). A Unix build listens on TCP when
//! `TFPLUGIN_TRANSPORT=tcp` says so, so that the Windows path runs, and is tested, here.
//!
//! Terraform gets TCP only with mutual TLS: with TLS off (`TF_DISABLE_PLUGIN_TLS`) a loopback
//! port would offer a plaintext server holding cloud credentials to every local user. For the
//! same reason a socket that cannot be bound is an error, never a fallback to TCP. A developer's
//! `--debug` session, which they start and attach to by hand, may listen on plaintext TCP (on
//! Windows it has nothing else), with a warning.

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
#[cfg(unix)]
use std::path::{Path, PathBuf};

use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;

use super::handshake::Endpoint;

/// How Terraform reaches the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A unix socket in a private directory.
    Unix,
    /// A loopback TCP port in go-plugin's range (`PLUGIN_MIN_PORT`..=`PLUGIN_MAX_PORT`).
    Tcp,
}

impl Transport {
    /// The platform's own, as go-plugin chooses it.
    pub const NATIVE: Transport = if cfg!(unix) {
        Transport::Unix
    } else {
        Transport::Tcp
    };

    /// `TFPLUGIN_TRANSPORT` (`unix` or `tcp`), else the platform's own.
    pub fn from_setting(value: Option<&str>) -> Result<Self, BindError> {
        match value {
            None => Ok(Self::NATIVE),
            Some("tcp") => Ok(Transport::Tcp),
            Some("unix") if cfg!(unix) => Ok(Transport::Unix),
            Some(other) => Err(BindError::Transport {
                value: other.to_string(),
            }),
        }
    }
}

/// Where to listen, as the environment says.
#[derive(Debug, Clone, Default)]
pub struct ListenConfig {
    /// `TFPLUGIN_TRANSPORT`, read by [`Transport::from_setting`].
    pub transport: Option<String>,
    #[cfg(unix)]
    pub socket: SocketConfig,
    /// `PLUGIN_MIN_PORT` and `PLUGIN_MAX_PORT`, as given.
    pub ports: (Option<String>, Option<String>),
}

/// A bound listener of either transport.
pub enum Listener {
    #[cfg(unix)]
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// One accepted connection, before TLS.
pub enum Accepted {
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    Tcp(tokio::net::TcpStream),
}

impl Listener {
    pub async fn accept(&self) -> std::io::Result<Accepted> {
        match self {
            #[cfg(unix)]
            Listener::Unix(l) => Ok(Accepted::Unix(l.accept().await?.0)),
            Listener::Tcp(l) => {
                let (stream, _) = l.accept().await?;
                // gRPC frames are small and latency-bound.
                let _ = stream.set_nodelay(true);
                Ok(Accepted::Tcp(stream))
            }
        }
    }
}

/// What will guard the connections, which decides whether a TCP port may be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Mutual TLS: only the client that sent its certificate gets in.
    MutualTls,
    /// Plaintext because the client asked for it (`TF_DISABLE_PLUGIN_TLS`): no TCP.
    Plaintext,
    /// Plaintext for a developer's `--debug` session: TCP allowed, with a warning.
    Debugging,
}

/// Binds what `config` asks for, if `access` is safe on it.
pub fn bind(
    config: &ListenConfig,
    access: Access,
) -> Result<(Listener, Endpoint, SocketGuard), BindError> {
    match Transport::from_setting(config.transport.as_deref())? {
        #[cfg(unix)]
        Transport::Unix => {
            let (l, endpoint, guard) = bind_unix(&config.socket)?;
            Ok((Listener::Unix(l), endpoint, guard))
        }
        #[cfg(not(unix))]
        Transport::Unix => Err(BindError::Transport {
            value: "unix".into(),
        }),
        Transport::Tcp => {
            match access {
                Access::MutualTls => {}
                Access::Plaintext => return Err(BindError::PlaintextTcp),
                Access::Debugging => eprintln!(
                    "warning: serving --debug over plaintext loopback TCP: any local user can reach the port while it runs"
                ),
            }
            let (min, max) = port_range(&config.ports)?;
            let (l, addr) = bind_tcp(min, max)?;
            Ok((Listener::Tcp(l), Endpoint::Tcp(addr), SocketGuard::none()))
        }
    }
}

/// go-plugin's range: each bound defaults to 0, so with neither set the system picks a port.
fn port_range(ports: &(Option<String>, Option<String>)) -> Result<(u16, u16), BindError> {
    let parse = |name: &'static str, v: &Option<String>| -> Result<u16, BindError> {
        v.as_deref().map_or(Ok(0), |text| {
            text.trim().parse().map_err(|_| BindError::Ports {
                reason: format!("{name}={text:?} is not a port number (0 to 65535)"),
            })
        })
    };
    let (min, max) = (
        parse("PLUGIN_MIN_PORT", &ports.0)?,
        parse("PLUGIN_MAX_PORT", &ports.1)?,
    );
    if min > max {
        return Err(BindError::Ports {
            reason: format!("PLUGIN_MIN_PORT ({min}) is greater than PLUGIN_MAX_PORT ({max})"),
        });
    }
    Ok((min, max))
}

/// The first free loopback port from `min` to `max`, as go-plugin's server takes it.
fn bind_tcp(min: u16, max: u16) -> Result<(TcpListener, std::net::SocketAddr), BindError> {
    let mut last = None;
    for port in min..=max {
        match std::net::TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)) {
            Ok(l) => {
                let bound = l.set_nonblocking(true).and_then(|()| {
                    let addr = l.local_addr()?;
                    Ok((TcpListener::from_std(l)?, addr))
                });
                return bound.map_err(|source| BindError::Tcp {
                    range: format!("{min}..={max}"),
                    source,
                });
            }
            Err(e) => last = Some(e),
        }
    }
    Err(BindError::Tcp {
        range: format!("{min}..={max}"),
        source: last.unwrap_or_else(|| std::io::Error::other("no port in the range")),
    })
}

/// What go-plugin's client asks of the socket (`PLUGIN_UNIX_SOCKET_DIR`,
/// `PLUGIN_UNIX_SOCKET_GROUP`).
#[cfg(unix)]
#[derive(Debug, Default, Clone)]
pub struct SocketConfig {
    /// Where the socket's private directory goes; the system temp dir when unset.
    pub dir: Option<PathBuf>,
    /// A group (name or numeric id) whose members may connect too, as go-plugin allows.
    pub group: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("cannot create the plugin socket's directory in {dir}: {source}")]
    Dir { dir: String, source: std::io::Error },
    #[error("cannot listen on the unix socket {path}: {source}")]
    Listen {
        path: String,
        source: std::io::Error,
    },
    #[error("PLUGIN_UNIX_SOCKET_GROUP={group:?}: {reason}")]
    Group { group: String, reason: String },
    #[error("cannot set the permissions of {path}: {source}")]
    Permissions {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "TFPLUGIN_TRANSPORT={value:?}: this build listens on \"tcp\" or \"unix\" (on Unix only)"
    )]
    Transport { value: String },
    #[error("{reason}")]
    Ports { reason: String },
    #[error("cannot listen on a loopback TCP port in {range}: {source}")]
    Tcp {
        range: String,
        source: std::io::Error,
    },
    #[error("refusing to serve over TCP without mutual TLS: any local user could reach a plaintext port (TLS is off under TF_DISABLE_PLUGIN_TLS)")]
    PlaintextTcp,
}

/// Removes the socket and its directory when the server is done with them (nothing for TCP).
pub struct SocketGuard {
    dir: Option<tempfile::TempDir>,
}

impl SocketGuard {
    fn none() -> Self {
        Self { dir: None }
    }

    pub fn cleanup(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
        }
    }
}

impl Drop for SocketGuard {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Binds `provider.sock` in a fresh directory inside `config.dir`. Without a group the
/// directory is 0700 and the socket 0600: only this user's processes can even try to connect,
/// and TLS then decides which of them is Terraform. With a group, both belong to it; the
/// directory becomes 0710 (members may reach the socket, not list the directory) and the
/// socket 0660, which is what go-plugin gives the group.
#[cfg(unix)]
fn bind_unix(config: &SocketConfig) -> Result<(UnixListener, Endpoint, SocketGuard), BindError> {
    let gid = config.group.as_deref().map(group_id).transpose()?;
    let parent = config.dir.clone().unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::Builder::new()
        .prefix("plugin")
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir_in(&parent)
        .map_err(|source| BindError::Dir {
            dir: parent.display().to_string(),
            source,
        })?;
    let path: PathBuf = dir.path().join("provider.sock");
    let listener = UnixListener::bind(&path).map_err(|source| BindError::Listen {
        path: path.display().to_string(),
        source,
    })?;
    let guard = SocketGuard { dir: Some(dir) };
    let (dir_mode, socket_mode) = if gid.is_some() {
        (0o710, 0o660)
    } else {
        (0o700, 0o600)
    };
    for (p, mode) in [(path.as_path(), socket_mode), (socket_dir(&path), dir_mode)] {
        let permissions = |source| BindError::Permissions {
            path: p.display().to_string(),
            source,
        };
        if let Some(gid) = gid {
            std::os::unix::fs::chown(p, None, Some(gid)).map_err(permissions)?;
        }
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).map_err(permissions)?;
    }
    Ok((listener, Endpoint::Unix(path), guard))
}

#[cfg(unix)]
fn socket_dir(socket: &Path) -> &Path {
    socket.parent().unwrap_or(socket)
}

/// A numeric id as it is, a name looked up in `/etc/group` (go-plugin accepts both).
#[cfg(unix)]
fn group_id(group: &str) -> Result<u32, BindError> {
    if let Ok(gid) = group.parse() {
        return Ok(gid);
    }
    let err = |reason: String| BindError::Group {
        group: group.into(),
        reason,
    };
    let groups = std::fs::read_to_string("/etc/group")
        .map_err(|e| err(format!("cannot read /etc/group: {e}")))?;
    lookup_group(&groups, group).ok_or_else(|| err("no such group".into()))
}

/// The gid of `name` in a file in `/etc/group`'s format (`name:password:gid:members`).
#[cfg(unix)]
fn lookup_group(groups: &str, name: &str) -> Option<u32> {
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name)
            .then(|| fields.nth(1)?.parse().ok())
            .flatten()
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn tcp(min: Option<&str>, max: Option<&str>) -> ListenConfig {
        ListenConfig {
            transport: Some("tcp".into()),
            ports: (min.map(Into::into), max.map(Into::into)),
            ..ListenConfig::default()
        }
    }

    #[tokio::test]
    async fn tcp_listens_on_loopback_in_go_plugins_range_and_only_with_tls() {
        let (_l, endpoint, _g) = bind(&tcp(None, None), Access::MutualTls).unwrap();
        let Endpoint::Tcp(addr) = endpoint else {
            panic!("not tcp: {endpoint:?}")
        };
        assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
        // A taken port is skipped, as go-plugin skips it.
        let taken = addr.port().to_string();
        let next = (addr.port() + 1).to_string();
        let (_l2, Endpoint::Tcp(second), _g2) =
            bind(&tcp(Some(&taken), Some(&next)), Access::MutualTls).unwrap()
        else {
            panic!("not tcp")
        };
        assert_eq!(second.port(), addr.port() + 1);
        let plain = bind(&tcp(None, None), Access::Plaintext)
            .err()
            .expect("refused");
        assert!(plain.to_string().contains("without mutual TLS"), "{plain}");
        // A developer's --debug session has no TLS, and on Windows nothing but TCP.
        let (_l3, debugging, _g3) = bind(&tcp(None, None), Access::Debugging).unwrap();
        assert!(matches!(debugging, Endpoint::Tcp(a) if a.ip().is_loopback()));
    }

    #[test]
    fn bad_port_ranges_and_transports_are_named() {
        let err = bind(&tcp(Some("20"), Some("10")), Access::MutualTls)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("PLUGIN_MIN_PORT (20) is greater"),
            "{err}"
        );
        let err = bind(&tcp(Some("x"), None), Access::MutualTls)
            .err()
            .unwrap();
        assert!(err.to_string().contains("PLUGIN_MIN_PORT=\"x\""), "{err}");
        assert_eq!(
            Transport::from_setting(Some("tcp")).unwrap(),
            Transport::Tcp
        );
        assert_eq!(Transport::from_setting(None).unwrap(), Transport::NATIVE);
        let err = Transport::from_setting(Some("udp")).err().unwrap();
        assert!(
            err.to_string().contains("TFPLUGIN_TRANSPORT=\"udp\""),
            "{err}"
        );
    }

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn unix_socket_is_private_and_removed() {
        let (_l, endpoint, mut guard) = bind_unix(&SocketConfig::default()).unwrap();
        let Endpoint::Unix(path) = endpoint else {
            panic!("not unix")
        };
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        guard.cleanup();
        assert!(!path.exists());
        assert!(!path.parent().unwrap().exists());
    }

    #[tokio::test]
    async fn a_group_may_connect_but_not_list() {
        // The group new files get: chown to it needs no privilege.
        let probe = tempfile::NamedTempFile::new().unwrap();
        let gid = std::os::unix::fs::MetadataExt::gid(&probe.as_file().metadata().unwrap());
        let config = SocketConfig {
            dir: None,
            group: Some(gid.to_string()),
        };
        let (_l, Endpoint::Unix(path), _g) = bind_unix(&config).unwrap() else {
            panic!("not unix")
        };
        assert_eq!(mode(&path), 0o660);
        assert_eq!(mode(path.parent().unwrap()), 0o710);
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(std::os::unix::fs::MetadataExt::gid(&meta), gid);
    }

    #[test]
    fn an_unknown_group_or_directory_is_an_error_not_a_fallback() {
        let no_group = SocketConfig {
            dir: None,
            group: Some("no-such-group-here".into()),
        };
        let err = bind_unix(&no_group).err().expect("refused");
        assert!(err.to_string().contains("no such group"), "{err}");
        let no_dir = SocketConfig {
            dir: Some("/nonexistent/plugin-dir".into()),
            group: None,
        };
        let err = bind_unix(&no_dir).err().expect("refused");
        assert!(err.to_string().contains("/nonexistent/plugin-dir"), "{err}");
    }

    #[test]
    fn group_names_resolve_through_the_group_file() {
        let groups = "root:x:0:\n# comment\ndocker:x:998:alice,bob\nbad:x:notanumber:\n";
        assert_eq!(lookup_group(groups, "docker"), Some(998));
        assert_eq!(lookup_group(groups, "root"), Some(0));
        assert_eq!(lookup_group(groups, "bad"), None);
        assert_eq!(lookup_group(groups, "dock"), None);
    }
}
