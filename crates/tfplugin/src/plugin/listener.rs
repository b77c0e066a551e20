//! Where the plugin listens: a unix socket, as go-plugin's servers do on every Unix.
//!
//! There is no TCP fallback, as there is none in go-plugin: with TLS off
//! (`TF_DISABLE_PLUGIN_TLS`, `--debug`) a loopback port would offer a plaintext server holding
//! cloud credentials to every local user. A socket that cannot be bound is an error.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;

use super::handshake::Endpoint;

/// What go-plugin's client asks of the socket (`PLUGIN_UNIX_SOCKET_DIR`,
/// `PLUGIN_UNIX_SOCKET_GROUP`).
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

/// Binds `provider.sock` in a fresh directory inside `config.dir`. Without a group the
/// directory is 0700 and the socket 0600: only this user's processes can even try to connect,
/// and TLS then decides which of them is Terraform. With a group, both belong to it; the
/// directory becomes 0710 (members may reach the socket, not list the directory) and the
/// socket 0660, which is what go-plugin gives the group.
pub fn bind(config: &SocketConfig) -> Result<(UnixListener, Endpoint, SocketGuard), BindError> {
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

fn socket_dir(socket: &Path) -> &Path {
    socket.parent().unwrap_or(socket)
}

/// A numeric id as it is, a name looked up in `/etc/group` (go-plugin accepts both).
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
fn lookup_group(groups: &str, name: &str) -> Option<u32> {
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next()? == name)
            .then(|| fields.nth(1)?.parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[tokio::test]
    async fn unix_socket_is_private_and_removed() {
        let (_l, endpoint, mut guard) = bind(&SocketConfig::default()).unwrap();
        let Endpoint::Unix(path) = endpoint;
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
        let (_l, Endpoint::Unix(path), _g) = bind(&config).unwrap();
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
        let err = bind(&no_group).err().expect("refused");
        assert!(err.to_string().contains("no such group"), "{err}");
        let no_dir = SocketConfig {
            dir: Some("/nonexistent/plugin-dir".into()),
            group: None,
        };
        let err = bind(&no_dir).err().expect("refused");
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
