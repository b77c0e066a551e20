//! Where the plugin listens: a unix socket in a private directory (like Go providers), or TCP on
//! loopback within Terraform's port range where unix sockets are unavailable.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tokio::net::{TcpListener, UnixListener};

use super::handshake::Endpoint;

pub enum Listener {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// Removes the socket and its directory when the server is done with them.
pub struct SocketGuard {
    dir: Option<tempfile::TempDir>,
}

impl SocketGuard {
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

/// A unix socket in a fresh owner-only directory: only this user's processes can even try to
/// connect, and TLS then decides which of them is Terraform.
pub fn bind_unix(parent: Option<&Path>) -> std::io::Result<(Listener, Endpoint, SocketGuard)> {
    let mut builder = tempfile::Builder::new();
    builder
        .prefix("plugin")
        .permissions(std::fs::Permissions::from_mode(0o700));
    let dir = match parent {
        Some(p) => builder.tempdir_in(p)?,
        None => builder.tempdir()?,
    };
    let path: PathBuf = dir.path().join("provider.sock");
    let listener = UnixListener::bind(&path)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    Ok((
        Listener::Unix(listener),
        Endpoint::Unix(path),
        SocketGuard { dir: Some(dir) },
    ))
}

/// TCP on 127.0.0.1, the first free port in `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT`.
pub async fn bind_tcp(min: u16, max: u16) -> std::io::Result<(Listener, Endpoint, SocketGuard)> {
    for port in min..=max {
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
            let addr = listener.local_addr()?;
            return Ok((
                Listener::Tcp(listener),
                Endpoint::Tcp(addr),
                SocketGuard { dir: None },
            ));
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AddrInUse,
        format!("no free port on 127.0.0.1 between {min} and {max}"),
    ))
}

/// Reads `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT`, defaulting to go-plugin's 10000–25000.
pub fn port_range(min: Option<&str>, max: Option<&str>) -> (u16, u16) {
    let min = min.and_then(|v| v.parse().ok()).unwrap_or(10000);
    let max = max.and_then(|v| v.parse().ok()).unwrap_or(25000);
    if min <= max {
        (min, max)
    } else {
        (10000, 25000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unix_socket_is_private_and_removed() {
        let (_l, endpoint, mut guard) = bind_unix(None).unwrap();
        let Endpoint::Unix(path) = endpoint else {
            panic!("not unix")
        };
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir_mode, 0o700);
        guard.cleanup();
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn tcp_binds_loopback_within_range() {
        let (_l, endpoint, _g) = bind_tcp(20000, 20100).await.unwrap();
        let Endpoint::Tcp(addr) = endpoint else {
            panic!("not tcp")
        };
        assert!(addr.ip().is_loopback());
        assert!((20000..=20100).contains(&addr.port()));
        assert_eq!(port_range(Some("x"), None), (10000, 25000));
        assert_eq!(port_range(Some("300"), Some("200")), (10000, 25000));
    }
}
