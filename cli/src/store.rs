//! The persistent index: one sled 0.34 database, behind this narrow interface so that it could
//! be replaced (the kill tests in `cli/tests/` judge it).
//!
//! Layout:
//! - tree `files`: key = the file's absolute path as bytes (`OsStr` bytes on Unix), value = a
//!   [`FileRecord`] in the little-endian layout of [`FileRecord::encode`]. One insert per file,
//!   so a record is either whole or absent after a crash.
//! - tree `settings`: `format` (layout version of this module), `m` (coefficients kept),
//!   `weights` (the core weight table's code). A database written with other settings is refused
//!   with a message rather than silently mixed.
//! - other named trees, opened by other subcommands through [`Store::tree`] (videos).
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

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use fs2::FileExt;
use lookalike_core::{DEFAULT_COEFFICIENTS, Signature, Weights};

/// The version of the record layout and tree set written by this module, and of the signatures
/// in it. 2: `lookalike-core` signature format 2 (issue 17: borders cut before hashing, flat
/// pictures marked), so a database of format 1 is refused with a message, never misread.
pub const FORMAT_VERSION: u8 = 2;
/// How often sled writes its log to disk.
pub const FLUSH_EVERY_MS: u64 = 500;
const LOCK_FILE: &str = "lookalike.lock";
const RECORD_VERSION: u8 = 1;
const HEADER: usize = 31;
const PENDING: u8 = 1;

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

/// Image formats, stored as one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg = 1,
    Png = 2,
    Gif = 3,
    WebP = 4,
    Bmp = 5,
    Tiff = 6,
    Other = 255,
}

impl Format {
    fn from_byte(b: u8) -> Format {
        match b {
            1 => Format::Jpeg,
            2 => Format::Png,
            3 => Format::Gif,
            4 => Format::WebP,
            5 => Format::Bmp,
            6 => Format::Tiff,
            _ => Format::Other,
        }
    }

    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::WebP => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Other => "other",
        }
    }
}

/// What is stored per file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRecord {
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (negative before it).
    pub mtime_ns: i64,
    pub width: u32,
    pub height: u32,
    pub format: Format,
    /// Hashed by a scan that has not reported yet.
    pub pending: bool,
    pub signature: Signature,
}

/// Nanoseconds since the epoch, for [`FileRecord::mtime_ns`].
pub fn mtime_ns(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

impl FileRecord {
    /// `[version u8][flags u8][format u8][size u64][mtime_ns i64][width u32][height u32]
    /// [reserved u32][signature bytes]`, little-endian.
    pub fn encode(&self) -> Vec<u8> {
        let sig = self.signature.to_bytes();
        let mut out = Vec::with_capacity(HEADER + sig.len());
        out.push(RECORD_VERSION);
        out.push(if self.pending { PENDING } else { 0 });
        out.push(self.format as u8);
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&self.mtime_ns.to_le_bytes());
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&sig);
        out
    }

    /// Decodes [`FileRecord::encode`]; damaged bytes give an error, never a panic.
    pub fn decode(bytes: &[u8]) -> Result<FileRecord, String> {
        if bytes.len() < HEADER {
            return Err(format!("record of {} bytes is too short", bytes.len()));
        }
        if bytes[0] != RECORD_VERSION {
            return Err(format!("record version {} is not supported", bytes[0]));
        }
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let signature = Signature::from_bytes(&bytes[HEADER..]).map_err(|e| e.to_string())?;
        Ok(FileRecord {
            pending: bytes[1] & PENDING != 0,
            format: Format::from_byte(bytes[2]),
            size: u64_at(3),
            mtime_ns: u64_at(11) as i64,
            width: u32_at(19),
            height: u32_at(23),
            signature,
        })
    }
}

/// Path ↔ key bytes. On Unix the bytes of the `OsStr` (any file name round-trips); elsewhere
/// UTF-8 (lossy for names that are not Unicode).
pub fn path_key(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().into_owned().into_bytes()
    }
}

/// The inverse of [`path_key`].
pub fn key_path(key: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(key))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(key).into_owned())
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

    /// Another named tree in the same database (for other subcommands, e.g. videos). Names
    /// `files` and `settings` are this module's.
    pub fn tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    /// How many files are stored.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is stored.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The stored record of `path`. A damaged record reads as absent (the file is hashed again).
    pub fn get(&self, path: &Path) -> Result<Option<FileRecord>, StoreError> {
        Ok(self
            .files
            .get(path_key(path))?
            .and_then(|v| FileRecord::decode(&v).ok()))
    }

    /// Stores (or replaces) the record of `path`.
    #[cfg(test)]
    pub fn put(&self, path: &Path, record: &FileRecord) -> Result<(), StoreError> {
        self.files.insert(path_key(path), record.encode())?;
        Ok(())
    }

    /// Stores many records in one atomic batch.
    pub fn put_many<'a>(
        &self,
        records: impl IntoIterator<Item = (&'a Path, &'a FileRecord)>,
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (path, record) in records {
            batch.insert(path_key(path), record.encode());
        }
        self.files.apply_batch(batch)?;
        Ok(())
    }

    /// Forgets `path`.
    pub fn remove(&self, path: &Path) -> Result<(), StoreError> {
        self.files.remove(path_key(path))?;
        Ok(())
    }

    /// Moves the record of `from` to `to` in one transaction-free step that never loses it: the
    /// new key is written before the old one is removed.
    pub fn rename(&self, from: &Path, to: &Path) -> Result<(), StoreError> {
        if let Some(value) = self.files.get(path_key(from))? {
            self.files.insert(path_key(to), value)?;
            self.files.remove(path_key(from))?;
        }
        Ok(())
    }

    /// Clears the pending flag of the records of `paths`.
    pub fn clear_pending<'a>(
        &self,
        paths: impl IntoIterator<Item = &'a Path>,
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for path in paths {
            let key = path_key(path);
            if let Some(mut value) = self.files.get(&key)?.map(|v| v.to_vec())
                && value.len() > 1
            {
                value[1] &= !PENDING;
                batch.insert(key, value);
            }
        }
        self.files.apply_batch(batch)?;
        Ok(())
    }

    /// Every stored record, in key order. Damaged records come back as `Err((path, reason))`.
    pub fn iter(&self) -> impl Iterator<Item = Result<(PathBuf, FileRecord), IterError>> + '_ {
        iter_tree(self.files.iter())
    }

    /// Raw keys and values of the `files` tree, for bulk loading.
    pub fn raw_iter(&self) -> sled::Iter {
        self.files.iter()
    }

    /// The records of files under `root` (the root itself, or paths below it).
    pub fn iter_under(
        &self,
        root: &Path,
    ) -> impl Iterator<Item = Result<(PathBuf, FileRecord), IterError>> + '_ {
        let key = path_key(root);
        let exact = key.clone();
        let mut dir = key;
        if dir.last() != Some(&b'/') {
            dir.push(b'/');
        }
        let exact_hit = self
            .files
            .get(&exact)
            .ok()
            .flatten()
            .map(|v| Ok((exact.clone().into(), v)));
        iter_tree(exact_hit.into_iter().chain(self.files.scan_prefix(dir)))
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

/// A stored record that could not be read.
#[derive(Debug)]
pub enum IterError {
    Damaged { path: PathBuf, reason: String },
    Sled(sled::Error),
}

impl std::fmt::Display for IterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IterError::Damaged { path, reason } => {
                write!(f, "damaged index entry for {}: {reason}", path.display())
            }
            IterError::Sled(e) => write!(f, "database error: {e}"),
        }
    }
}

fn iter_tree(
    iter: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
) -> impl Iterator<Item = Result<(PathBuf, FileRecord), IterError>> {
    iter.map(|item| {
        let (k, v) = item.map_err(IterError::Sled)?;
        let path = key_path(&k);
        match FileRecord::decode(&v) {
            Ok(record) => Ok((path, record)),
            Err(reason) => Err(IterError::Damaged { path, reason }),
        }
    })
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
    use lookalike_core::{PixelLayout, Pixels};

    fn signature(seed: u8) -> Signature {
        let data: Vec<u8> = (0..64 * 48 * 3)
            .map(|i: u32| (i.wrapping_mul(u32::from(seed) + 7) % 251) as u8)
            .collect();
        Signature::compute(&Pixels::new(64, 48, PixelLayout::Rgb8, &data).unwrap())
    }

    #[test]
    fn record_round_trips() {
        let record = FileRecord {
            size: 123_456_789,
            mtime_ns: -5,
            width: 4000,
            height: 3000,
            format: Format::Jpeg,
            pending: true,
            signature: signature(1),
        };
        let bytes = record.encode();
        assert_eq!(FileRecord::decode(&bytes).unwrap(), record);
        assert!(FileRecord::decode(&bytes[..20]).is_err());
        assert!(FileRecord::decode(&bytes[..bytes.len() - 1]).is_err());
    }

    /// Issue 17: signatures changed meaning with format 2; an older database must not be read.
    #[test]
    fn a_database_of_an_older_format_is_refused_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store.settings.insert("format", &[1]).unwrap();
            store.db.flush().unwrap();
        }
        match Store::open(dir.path()) {
            Err(e @ StoreError::Incompatible { .. }) => {
                let message = e.to_string();
                assert!(
                    message.contains("format = [1]") && message.contains("uses 2"),
                    "{message}"
                );
            }
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a database of format 1 was opened"),
        }
    }

    #[test]
    fn lock_names_the_owner_and_prefix_scan_respects_folders() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        match Store::open(dir.path()) {
            Err(StoreError::InUse { pid, .. }) => assert_eq!(pid, Some(std::process::id())),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("second open succeeded"),
        }
        let record = FileRecord {
            size: 1,
            mtime_ns: 2,
            width: 3,
            height: 4,
            format: Format::Png,
            pending: false,
            signature: signature(2),
        };
        for p in ["/a/b/x.png", "/a/bc/y.png", "/a/b", "/a/b/c/z.png"] {
            store.put(Path::new(p), &record).unwrap();
        }
        let under: Vec<PathBuf> = store
            .iter_under(Path::new("/a/b"))
            .map(|r| r.unwrap().0)
            .collect();
        assert_eq!(
            under,
            [
                PathBuf::from("/a/b"),
                PathBuf::from("/a/b/c/z.png"),
                PathBuf::from("/a/b/x.png")
            ]
        );
        store
            .rename(Path::new("/a/b/x.png"), Path::new("/r/x.png"))
            .unwrap();
        assert!(store.get(Path::new("/a/b/x.png")).unwrap().is_none());
        assert_eq!(store.get(Path::new("/r/x.png")).unwrap(), Some(record));
    }
}
