//! The persistent index: one sled 0.34 database, behind this narrow, typed interface so that it
//! could be replaced (the kill tests in `cli/tests/` judge it). No other module sees sled.
//!
//! Layout:
//! - tree `files` ([`files`]): one [`FileRecord`] per image file;
//! - trees `videos`, `video_screenshots`, `video_settings` ([`videos`]): one [`VideoRecord`] per
//!   video, and its screenshots' signatures;
//! - tree `ignored` ([`ignored`]): pairs the user said are not duplicates;
//! - tree `settings`: `format` (layout version of this module), `m` (coefficients kept),
//!   `weights` (the core weight table's code). A database written with other settings is refused
//!   with a message rather than silently mixed.
//!
//! Restart: the scan writes each record as soon as its signature exists, with the `pending` flag
//! set; the flag is cleared only once the scan has reported. A rerun after a crash finds the
//! stored files unchanged (size + mtime), does not hash them again, and still reports them
//! because they are pending. sled writes its log to disk every [`FLUSH_EVERY_MS`]; a kill loses
//! at most that much work, which the rerun hashes again.
//!
//! A lock file `lookalike.lock` in the database directory holds the owner's process id under an
//! exclusive `flock`, which the kernel releases when the process dies (also on `kill -9`), so a
//! stale lock never blocks and a live one names its owner.

mod files;
mod ignored;
mod keys;
mod videos;

pub use files::{FileRecord, Format, ImageFile, IterError, Picture, Stamp};
pub use keys::{key_path, path_key};
pub use videos::{Shot, VideoInfo, VideoRecord, VideoStore};

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use fs2::FileExt;
use lookalike_core::{DEFAULT_COEFFICIENTS, Weights};

/// The version of the record layout and tree set written by this module.
pub const FORMAT_VERSION: u8 = 1;
/// How often sled writes its log to disk.
pub const FLUSH_EVERY_MS: u64 = 500;
const LOCK_FILE: &str = "lookalike.lock";

/// Why the database could not be opened or used.
#[derive(Debug)]
pub enum StoreError {
    /// Another process holds the lock.
    InUse { path: PathBuf, pid: Option<u32> },
    /// The database was written with other settings.
    Incompatible { path: PathBuf, what: String },
    /// A file-system error on the database directory.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// sled failed (corrupt log, disk full, ...).
    Sled(sled::Error),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::InUse {
                path,
                pid: Some(pid),
            } => write!(
                f,
                "the database {} is in use by process {pid}",
                path.display()
            ),
            StoreError::InUse { path, pid: None } => write!(
                f,
                "the database {} is in use by another process",
                path.display()
            ),
            StoreError::Incompatible { path, what } => {
                write!(f, "the database {} was written {what}", path.display())
            }
            StoreError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            StoreError::Sled(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Sled(e)
    }
}

/// An open, locked database.
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    files: sled::Tree,
    settings: sled::Tree,
    _lock: File,
}

/// The stored settings ([`Store::settings`]).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub format: u8,
    pub m: u8,
    pub weights: Weights,
}

impl Store {
    /// Opens (creating if needed) the database directory `path`, after taking its lock.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(path).map_err(io)?;
        let lock = lock(path)?;
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(256 << 20)
            .flush_every_ms(Some(FLUSH_EVERY_MS))
            .mode(sled::Mode::HighThroughput)
            .open()?;
        let files = db.open_tree("files")?;
        let settings = db.open_tree("settings")?;
        let store = Store {
            path: path.to_path_buf(),
            db,
            files,
            settings,
            _lock: lock,
        };
        store.check_settings()?;
        Ok(store)
    }

    fn check_settings(&self) -> Result<(), StoreError> {
        let wanted = [
            ("format", FORMAT_VERSION),
            ("m", DEFAULT_COEFFICIENTS),
            ("weights", Weights::Scanned.code()),
        ];
        for (name, value) in wanted {
            match self.settings.get(name)? {
                None => {
                    self.settings.insert(name, &[value])?;
                }
                Some(v) if v.as_ref() == [value] => {}
                Some(v) => {
                    return Err(StoreError::Incompatible {
                        path: self.path.clone(),
                        what: format!(
                            "with {name} = {:?}; this version uses {value} (use another --db)",
                            v.as_ref()
                        ),
                    });
                }
            }
        }
        Ok(())
    }

    /// The settings the database was written with.
    pub fn settings(&self) -> Settings {
        let get = |name: &str| {
            self.settings
                .get(name)
                .ok()
                .flatten()
                .and_then(|v| v.first().copied())
        };
        Settings {
            format: get("format").unwrap_or(FORMAT_VERSION),
            m: get("m").unwrap_or(DEFAULT_COEFFICIENTS),
            weights: get("weights")
                .and_then(Weights::from_code)
                .unwrap_or_default(),
        }
    }

    /// The database directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes everything to disk now.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// Bytes used on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}

fn lock(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK_FILE);
    let io = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io)?;
    if file.try_lock_exclusive().is_err() {
        let mut text = String::new();
        let _ = file.read_to_string(&mut text);
        return Err(StoreError::InUse {
            path: dir.to_path_buf(),
            pid: text.trim().parse().ok(),
        });
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    write!(file, "{}", std::process::id()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let _store = Store::open(dir.path()).unwrap();
        match Store::open(dir.path()) {
            Err(StoreError::InUse { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("second open succeeded"),
        }
    }
}
