//! The registries themselves: an in-memory table with the next id, optionally persisted to a
//! state file after every change with an atomic write (temp file, fsync, rename, fsync dir).
//!
//! Invariants: ids are never reused (the next id is persisted with the table); a change is
//! visible in memory only once it is on disk (a failed write leaves memory as it was, so a
//! client never sees success for something a restart would forget); a state file that exists
//! but cannot be read is a startup error, never silently replaced by an empty table.

use super::shared::Shared;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::record::RegistryRecord;

/// The state file format this build writes and reads.
const FORMAT: u32 = 1;

/// Why the state file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but could not be read.
    #[error("cannot read state file {path}: {source}")]
    Read {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a valid state file; it is left untouched.
    #[error("state file {path} is corrupt ({reason}); refusing to start rather than lose it — fix or remove the file")]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Writing the file failed.
    #[error("cannot write state file {path}: {source}")]
    Write {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Everything the state file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateData {
    /// File format version.
    pub format: u32,
    /// The id the next registry gets.
    pub next_id: i64,
    /// The id the next extra row gets.
    pub next_extra_id: i64,
    /// All registries, by ascending id.
    pub registries: Vec<RegistryRecord>,
}

impl Default for StateData {
    fn default() -> Self {
        Self {
            format: FORMAT,
            next_id: 1,
            next_extra_id: 1,
            registries: Vec::new(),
        }
    }
}

impl StateData {
    /// Allocates a registry id.
    pub fn allocate_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Allocates an extra-row id.
    pub fn allocate_extra_id(&mut self) -> i64 {
        let id = self.next_extra_id;
        self.next_extra_id += 1;
        id
    }

    /// The registry with this id.
    pub fn get(&self, id: i64) -> Option<&RegistryRecord> {
        self.registries.iter().find(|r| r.id == id)
    }

    /// The registry with this id, mutably.
    pub fn get_mut(&mut self, id: i64) -> Option<&mut RegistryRecord> {
        self.registries.iter_mut().find(|r| r.id == id)
    }

    /// Removes a registry; false if there was none.
    pub fn remove(&mut self, id: i64) -> bool {
        let before = self.registries.len();
        self.registries.retain(|r| r.id != id);
        self.registries.len() != before
    }

    fn check(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("unsupported format {}", self.format));
        }
        let mut ids = std::collections::HashSet::new();
        let mut extra_ids = std::collections::HashSet::new();
        for r in &self.registries {
            if !ids.insert(r.id) {
                return Err(format!("duplicate registry id {}", r.id));
            }
            if r.id >= self.next_id {
                return Err(format!(
                    "registry id {} is not below next_id {}",
                    r.id, self.next_id
                ));
            }
            for e in &r.extras {
                if !extra_ids.insert(e.id) || e.id >= self.next_extra_id {
                    return Err(format!("bad extra id {}", e.id));
                }
            }
        }
        Ok(())
    }
}

/// The registry table, optionally backed by a state file.
pub struct Store {
    path: Option<PathBuf>,
    data: Shared<StateData>,
}

impl Store {
    /// Opens the store. With a path: an existing file is loaded (corrupt → error), a missing
    /// one is created empty right away so an unwritable location fails at startup, not at the
    /// first create.
    pub fn open(path: Option<PathBuf>) -> Result<Self, StoreError> {
        let data = match &path {
            None => StateData::default(),
            Some(p) => match fs::read(p) {
                Ok(bytes) => {
                    let data: StateData =
                        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                            path: p.clone(),
                            reason: e.to_string(),
                        })?;
                    data.check().map_err(|reason| StoreError::Corrupt {
                        path: p.clone(),
                        reason,
                    })?;
                    data
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let data = StateData::default();
                    write_atomically(p, &data)?;
                    data
                }
                Err(source) => {
                    return Err(StoreError::Read {
                        path: p.clone(),
                        source,
                    })
                }
            },
        };
        Ok(Self {
            path,
            data: Shared::new(data),
        })
    }

    /// Reads the table.
    pub fn read<R>(&self, f: impl FnOnce(&StateData) -> R) -> R {
        f(&self.data.lock())
    }

    /// Applies a change. If `f` fails nothing changes; if persisting fails, nothing changes
    /// and the write error is returned.
    pub fn mutate<R, E>(
        &self,
        f: impl FnOnce(&mut StateData) -> Result<R, E>,
    ) -> Result<Result<R, E>, StoreError> {
        let mut guard = self.data.lock();
        // Work on a copy so a failing change (or write) leaves nothing half-applied. The table
        // is small (an emulator's worth of registries), so the copy is cheap.
        let mut next = guard.clone();
        let r = match f(&mut next) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        if let Some(p) = &self.path {
            write_atomically(p, &next)?;
        }
        *guard = next;
        Ok(Ok(r))
    }
}

/// Writes `data` to `path` so that a crash leaves either the old or the new file, never a
/// torn one: write a sibling temp file, fsync it, rename it over `path`, fsync the directory.
fn write_atomically(path: &Path, data: &StateData) -> Result<(), StoreError> {
    let err = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let bytes =
        serde_json::to_vec_pretty(data).map_err(|e| err(std::io::Error::other(e.to_string())))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable. Some filesystems refuse to fsync a directory; the
        // rename has happened either way, so that is not an error worth failing a call for.
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64) -> RegistryRecord {
        RegistryRecord::sample(id)
    }

    #[test]
    fn persists_and_reloads_with_next_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let s = Store::open(Some(path.clone())).unwrap();
        assert!(path.exists());
        s.mutate(|d| {
            let id = d.allocate_id();
            d.registries.push(record(id));
            let id = d.allocate_id();
            d.registries.push(record(id));
            d.remove(1);
            Ok::<_, ()>(())
        })
        .unwrap()
        .unwrap();
        drop(s);
        let s = Store::open(Some(path)).unwrap();
        s.read(|d| {
            assert_eq!(d.next_id, 3);
            assert_eq!(d.registries.len(), 1);
            assert_eq!(d.registries[0].id, 2);
        });
    }

    #[test]
    fn corrupt_file_is_an_error_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, b"{not json").unwrap();
        let e = Store::open(Some(path.clone())).err().unwrap();
        assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
        assert_eq!(fs::read(&path).unwrap(), b"{not json");
        fs::write(&path, b"").unwrap();
        assert!(Store::open(Some(path.clone())).is_err());
        // Structurally valid JSON that breaks an invariant is corrupt too.
        let mut d = StateData::default();
        d.registries.push(record(5));
        fs::write(&path, serde_json::to_vec(&d).unwrap()).unwrap();
        assert!(matches!(
            Store::open(Some(path)).err().unwrap(),
            StoreError::Corrupt { .. }
        ));
    }

    #[test]
    fn failed_change_leaves_state_unchanged() {
        let s = Store::open(None).unwrap();
        let r: Result<(), &str> = s
            .mutate(|d| {
                d.allocate_id();
                Err("no")
            })
            .unwrap();
        assert!(r.is_err());
        s.read(|d| assert_eq!(d.next_id, 1));
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(Some(dir.path().join("s.json"))).unwrap();
        let _ = s.mutate(|d| {
            d.allocate_id();
            Err::<(), _>("no")
        });
        s.read(|d| assert_eq!(d.next_id, 1));
    }
}
