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
//!   with a message rather than silently mixed. Also `generation` ([`generation`]), which says
//!   whether the saved library beside the database (`library.snapshot`, written by the CLI's
//!   `image::snapshot`) still describes the `files` tree.
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
//!
//! Read-only databases (issue 12): sled 0.34 has no read-only mode (it opens its data file for
//! writing and may write during recovery), so the read-only commands ([`Store::open_for_reading`])
//! open a database they cannot write through a private copy in the temporary folder, after
//! checking that no writer holds the lock; the copy is removed when the command ends. Copying
//! costs about what reading the files costs (measured in README "Read-only databases").

mod error;
mod files;
mod generation;
mod ignored;
mod keys;
mod read_only;
mod upgrade;
mod videos;

pub use error::StoreError;
pub use files::{FileRecord, Format, ImageFile, IterError, Picture, Probed, Stamp};
pub use ignored::IgnoredPairs;
pub use keys::{key_path, path_key};
pub use videos::{Shot, VideoInfo, VideoRecord, VideoStore};

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use fs2::FileExt;
use lookalike_core::{DEFAULT_COEFFICIENTS, Weights};
use read_only::{copy_files, lock_shared, writable};

/// The version of the record layout and tree set written by this module, and of the signatures
/// in it. 2: `lookalike-core` signature format 2 (issue 17: borders cut before hashing, flat
/// pictures marked); 3: signature format 3 (issue 17: coefficients spread over the picture); 4:
/// signature format 4 (issue 17: a quarter of them kept for detail); 5: signature format 5
/// (issue 17: the bars of a letterboxed JPEG cut too); 6: signature format 6 (issue 17: the
/// luminance equalized before the decomposition); 7: signature format 7 (issue 17: toned chroma,
/// a sepia copy's, told on the whole picture); 8: each image record holds its cropped probe
/// too (issue 17; the screenshots of videos are as in 7); 9: signature format 8 (issue 17: a
/// bar with a subtitle or logo written into it cut as deep as the opposite bar, screenshots
/// included); 10: each image record holds its side probes too (issue 17: copies cut on one side
/// or at a corner; signatures and screenshots as in 9); 11: side probes at two cuts, 8 and 14 %,
/// instead of one of 10 % (issue 17: crops of any amount); 12: signature format 9 (issue 17:
/// toned chroma told at 7 % instead of 6 %, sepia copies saved as JPEG; screenshots included);
/// 13: signature format 10 (issue 17: levels far beyond a picture's own range, an overlay over
/// a hazy picture, pulled to its median; screenshots included); 14: signature format 11 and 60
/// coefficients per channel instead of 40 (issue 17: fewer false pairs between different
/// photographs; a grained ground the picture keeps past an edge is no bar; screenshots
/// included); 15: a centred side probe, 12 % cut all round, and the outer side probes kept
/// once reported (issue 17: crops all round, and each pair compared with both files' side
/// probes; signatures and screenshots as in 14); 16: signature format 12 (issue 17: a
/// picture's outermost levels measured at 0.7 % instead of 1 %, so that text with a thick
/// outline over a hazy picture is pulled to its median, and a caption band's rows read as the
/// picture's nearest row; screenshots included); 17: four more corner windows among the side
/// probes, 11 % cut at each corner (issue 17: crops that keep a corner; signatures and
/// screenshots as in 16); 18: signature format 13 (issue 17: a margin the paper keeps round a
/// page's text, at both ends of the lines past its edge, is no bar; screenshots included); 19:
/// signature format 14 (issue 17: a frame on all four sides round a picture that fills it is
/// cut, a print's white border, a video's bars on four sides; screenshots included); 20:
/// signature format 15 (issue 17: an enlarged, blurred copy of a picture filling two opposite
/// sides round it is cut, a wide photograph posted square; screenshots included); 21: eight more
/// windows among the side probes, 5 % cut from each side and at each corner (issue 17: crops
/// of 3–7 % that keep a side or a corner; signatures and screenshots as in 20); 22: four more
/// windows among the side probes, 11 % cut from each side (issue 17: crops of 9–13 % from one
/// side; signatures and screenshots as in 20); 23: signature format 16 (issue 17: the finest
/// levels weigh less in the selection, so a crop's or a blur's moved fine detail takes fewer
/// places; screenshots included); 24: signature format 17 (issue 17: a vignette is undone
/// before the equalization; screenshots included); 25: signature format 18 (issue 17: a flat,
/// dark ground is cut with black bars beside it; screenshots included); 26: one more centred
/// window among the side probes, 18 % cut all round (issue 17: zooms and crops of 16–20 % all
/// round; signatures and screenshots as in 25). A database of an older format is refused with
/// a message, never misread.
pub const FORMAT_VERSION: u8 = 26;
/// How often sled writes its log to disk.
pub const FLUSH_EVERY_MS: u64 = 500;
const LOCK_FILE: &str = "lookalike.lock";
/// A lower bound of the image records on disk, kept beside sled's files: sled recovers a damaged
/// log by dropping what follows the damage, which would otherwise look like an empty or
/// shrunken index. Raised only after the last flush of a command, lowered before every
/// removal, so that no kill can leave it above what sled holds.
const COUNT_FILE: &str = "lookalike.count";

/// An open, locked database.
pub struct Store {
    path: PathBuf,
    db: sled::Db,
    files: sled::Tree,
    settings: sled::Tree,
    /// What [`COUNT_FILE`] says (see there).
    durable: std::sync::Mutex<Option<u64>>,
    /// Whether this session has moved the generation on ([`generation`]).
    moved: std::sync::Mutex<bool>,
    /// Whether the `files` tree changed since the last [`Store::seal`] (or the start).
    wrote: std::sync::atomic::AtomicBool,
    _lock: File,
    /// The private copy that a read-only database is read through (see the module docs);
    /// declared last so that sled is closed before the copy is removed.
    copy: Option<tempfile::TempDir>,
}

/// Which signature formats a database may hold to be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Formats {
    /// This version's only.
    Current,
    /// This version's or an older one (`db upgrade`).
    OlderToo,
}

/// The stored settings ([`Store::settings`]).
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub format: u8,
    pub m: u8,
    pub weights: Weights,
}

/// Whether the folder `path` holds a database: sled's configuration or its data file, which sled
/// writes when it first opens a folder, or our lock (taken just before: a run killed between
/// the two left a database to be).
fn holds_database(path: &Path) -> bool {
    ["conf", "db", LOCK_FILE]
        .iter()
        .any(|name| path.join(name).is_file())
}

fn is_empty_folder(path: &Path) -> std::io::Result<bool> {
    Ok(std::fs::read_dir(path)?.next().is_none())
}

impl Store {
    /// Refuses a `path` that holds no database: missing (or an empty folder), not a folder, or
    /// a folder of other files.
    fn must_hold_database(path: &Path) -> Result<(), StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        if !path.is_dir() {
            return Err(StoreError::NotAFolder {
                path: path.to_path_buf(),
            });
        }
        if !holds_database(path) {
            // An empty folder is no database yet; one of other files never will be.
            let empty = is_empty_folder(path).map_err(|source| StoreError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            return Err(match empty {
                true => StoreError::Missing {
                    path: path.to_path_buf(),
                },
                false => StoreError::NotADatabase {
                    path: path.to_path_buf(),
                },
            });
        }
        Ok(())
    }

    /// Opens (creating if needed) the database directory `path`, after taking its lock.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if path.exists() && !path.is_dir() {
            return Err(StoreError::NotAFolder {
                path: path.to_path_buf(),
            });
        }
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        if path.is_dir() && !holds_database(path) && !is_empty_folder(path).map_err(io)? {
            return Err(StoreError::NotADatabase {
                path: path.to_path_buf(),
            });
        }
        std::fs::create_dir_all(path).map_err(io)?;
        let lock = lock(path)?;
        Store::start(path, path, lock, None, Formats::Current)
    }

    /// Opens a database that must exist already, for writing (`db prune`).
    pub fn open_existing(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        Store::open(path)
    }

    /// Opens a database that must exist already, for the read-only commands (query, db
    /// info/export, ignore list): they never create an empty one where a mistyped `--db` points,
    /// and they work on a database they cannot write (a read-only folder or file system) by
    /// reading a private copy of it (see the module docs), after a note saying so.
    pub fn open_for_reading(path: &Path) -> Result<Store, StoreError> {
        Store::must_hold_database(path)?;
        if writable(path) {
            return Store::open(path);
        }
        let lock = lock_shared(path)?;
        let failed = |source| StoreError::Copy {
            path: path.to_path_buf(),
            at: std::env::temp_dir(),
            source,
        };
        let copy = tempfile::Builder::new()
            .prefix("lookalike-read-only-")
            .tempdir()
            .map_err(failed)?;
        let bytes = copy_files(path, copy.path()).map_err(failed)?;
        crate::messages::info(format_args!(
            "note: the database {} is read-only; reading a copy of it ({} in {})",
            crate::messages::shown(path),
            crate::messages::human_size(bytes),
            crate::messages::shown(copy.path()),
        ));
        let at = copy.path().to_path_buf();
        Store::start(path, &at, lock, Some(copy), Formats::Current)
    }

    /// Opens sled at `at` (the database itself, or its copy) for the database `path`.
    fn start(
        path: &Path,
        at: &Path,
        lock: File,
        copy: Option<tempfile::TempDir>,
        formats: Formats,
    ) -> Result<Store, StoreError> {
        // A file sled cannot open for writing is no damage (a database of another user).
        let damaged = |source| match source {
            sled::Error::Io(source)
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
                ) =>
            {
                StoreError::Io {
                    path: path.to_path_buf(),
                    source,
                }
            }
            source => StoreError::Damaged {
                path: path.to_path_buf(),
                source,
            },
        };
        let db = sled::Config::new()
            .path(at)
            .cache_capacity(256 << 20)
            .flush_every_ms(Some(FLUSH_EVERY_MS))
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(damaged)?;
        let files = db.open_tree("files").map_err(damaged)?;
        let settings = db.open_tree("settings").map_err(damaged)?;
        let durable = std::fs::read_to_string(path.join(COUNT_FILE))
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok());
        let store = Store {
            path: path.to_path_buf(),
            db,
            files,
            settings,
            durable: std::sync::Mutex::new(durable),
            moved: std::sync::Mutex::new(false),
            wrote: std::sync::atomic::AtomicBool::new(false),
            _lock: lock,
            copy,
        };
        // Counting the records takes seconds at a million (sled walks them all), so the start
        // catches only a database that opens empty; whatever reads every record checks the full
        // count ([`Store::check_held`]).
        if store.files.is_empty() {
            store.check_held(0)?;
        }
        store.check_settings(formats)?;
        Ok(store)
    }

    /// Fails with [`StoreError::Lost`] when `held`, the records just read, is fewer than the last
    /// command left on disk: sled dropped part of a damaged log.
    pub fn check_held(&self, held: u64) -> Result<(), StoreError> {
        let expected = *self
            .durable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match expected {
            Some(expected) if held < expected => Err(StoreError::Lost {
                path: self.path.clone(),
                held,
                expected,
            }),
            _ => Ok(()),
        }
    }

    fn check_settings(&self, formats: Formats) -> Result<(), StoreError> {
        let wanted = [
            ("format", FORMAT_VERSION),
            ("m", DEFAULT_COEFFICIENTS),
            ("weights", Weights::Scanned.code()),
        ];
        // A database of an older format opened for `db upgrade`: its other settings (store
        // format 14 moved `m` from 40 to 60) are written by the upgrade.
        let mut older = false;
        for (name, value) in wanted {
            match self.settings.get(name)? {
                None => {
                    self.settings.insert(name, &[value])?;
                }
                Some(v) if v.as_ref() == [value] => {}
                Some(v) if name == "format" && formats == Formats::OlderToo && v[0] < value => {
                    older = true;
                }
                Some(_) if older => {}
                Some(v) if name == "format" && v[0] > value => {
                    return Err(StoreError::Incompatible {
                        path: self.path.clone(),
                        what: format!(
                            "with format = {:?} by a newer lookalike; this version uses {value} \
                             and cannot read it (use that version, or another --db)",
                            v.as_ref()
                        ),
                    });
                }
                Some(v) if name == "format" => {
                    // Signatures of another format are not comparable with this version's.
                    return Err(StoreError::Incompatible {
                        path: self.path.clone(),
                        what: format!(
                            "with format = {:?}; this version uses {value}, whose image \
                             records differ\nhint: `lookalike --db {1} db upgrade` drops the signatures \
                             of another format and keeps the not-a-duplicate list, so that the \
                             next scan (and videos run) hash the files anew; or scan into \
                             another --db",
                            v.as_ref(),
                            self.path.display()
                        ),
                    });
                }
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

    /// Whether this is a private copy of a read-only database (what is written to it is lost).
    pub fn is_copy(&self) -> bool {
        self.copy.is_some()
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

    /// Records `count` in [`COUNT_FILE`] (a temporary file renamed over it, so a kill leaves the
    /// old value or the new one). Failing to write it only loses the damage check.
    fn set_durable(&self, count: u64) {
        let mut durable = self
            .durable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if *durable == Some(count) {
            return;
        }
        let tmp = self.path.join(format!("{COUNT_FILE}.tmp"));
        if std::fs::write(&tmp, format!("{count}\n")).is_ok()
            && std::fs::rename(&tmp, self.path.join(COUNT_FILE)).is_ok()
        {
            *durable = Some(count);
        }
    }

    /// Lowers [`COUNT_FILE`] by one before a record is removed.
    fn before_removal(&self) {
        let current = *self
            .durable
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = current
            && n > 0
        {
            self.set_durable(n - 1);
        }
    }

    /// Bytes used on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}

impl Drop for Store {
    /// At the end of every command (not on `kill -9`, which needs no count: the previous one
    /// still holds), after a last flush: the count of records now safely on disk, where the
    /// `files` tree changed since [`Store::seal`] (which sets it).
    fn drop(&mut self) {
        let wrote = self.wrote.load(std::sync::atomic::Ordering::Relaxed);
        if self.copy.is_none() && self.db.flush().is_ok() && wrote {
            self.set_durable(self.files.len() as u64);
        }
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

    /// Issue 17: signatures changed meaning with formats 2 to 7, 9, 12, 13 and 14, format 8
    /// holds each image's cropped probe too, format 10 its side probes, format 11 side probes
    /// at two cuts and format 15 a centred one (and keeps the outer ones once reported), format
    /// 16 signature format 12 (outermost levels at 0.7 %, caption bands filled), format 17
    /// four more corner side probes, format 18 signature format 13 (a margin round a page's
    /// text kept), format 19 signature format 14 (a frame on four sides cut), format 20
    /// signature format 15 (a blurred fill on two opposite sides cut), format 21 eight more side probes
    /// (5 % cuts), format 22 four more (11 % from each side), format 23 signature format 16
    /// (the finest levels weigh less in the selection), format 24 signature format 17 (a
    /// vignette undone), format 25 signature format 18 (a dark ground cut with its bars), format
    /// 26 one more centred side probe (18 % all round); an older database must not be read
    /// (format 13 kept 40 coefficients per channel, and says so in its `m` setting too).
    #[test]
    fn a_database_of_an_older_format_is_refused_with_a_message() {
        for (format, m) in [
            (25u8, 60u8),
            (24, 60),
            (23, 60),
            (22, 60),
            (21, 60),
            (20, 60),
            (19, 60),
            (18, 60),
            (17, 60),
            (16, 60),
            (15, 60),
            (14, 60),
            (13, 40),
        ] {
            let dir = tempfile::tempdir().unwrap();
            {
                let store = Store::open(dir.path()).unwrap();
                store.settings.insert("format", &[format]).unwrap();
                store.settings.insert("m", &[m]).unwrap();
                store.db.flush().unwrap();
            }
            match Store::open(dir.path()) {
                Err(e @ StoreError::Incompatible { .. }) => {
                    let message = e.to_string();
                    assert!(
                        message.contains(&format!("format = [{format}]"))
                            && message.contains(&format!("uses {FORMAT_VERSION}"))
                            && message.contains("db upgrade"),
                        "{message}"
                    );
                }
                Err(e) => panic!("unexpected error {e}"),
                Ok(_) => panic!("a database of format {format} was opened"),
            }
        }
    }

    #[test]
    fn a_writer_keeps_readers_of_a_read_only_database_out() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let reader = lock_shared(dir.path()).unwrap();
        assert!(lock_shared(dir.path()).is_ok(), "readers share");
        assert!(matches!(lock(dir.path()), Err(StoreError::InUse { .. })));
        drop(reader);
        let _writer = Store::open(dir.path()).unwrap();
        match lock_shared(dir.path()) {
            Err(StoreError::InUse { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a reader got in beside a writer"),
        }
    }

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
