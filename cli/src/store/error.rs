//! [`StoreError`]: why the database could not be opened or used, and what to do about it.

use std::path::PathBuf;

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
    /// The database could not be opened: damaged, or not a database at all.
    Damaged { path: PathBuf, source: sled::Error },
    /// sled opened the database, but it holds fewer records than the last run left: its log was
    /// damaged and sled dropped what followed the damage.
    Lost {
        path: PathBuf,
        held: u64,
        expected: u64,
    },
    /// A read-only command was pointed at a database that does not exist.
    Missing { path: PathBuf },
    /// `--db` names something that is not a folder.
    NotAFolder { path: PathBuf },
    /// `--db` names a folder that holds other files and no database (a mistyped `--db
    /// ~/Pictures`): nothing is written into it.
    NotADatabase { path: PathBuf },
    /// The private copy of a read-only database could not be made in `at`.
    Copy {
        path: PathBuf,
        at: PathBuf,
        source: std::io::Error,
    },
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
            StoreError::Damaged { path, source } => write!(
                f,
                "the database {} cannot be read, it is damaged ({source})",
                path.display()
            ),
            StoreError::Lost {
                path,
                held,
                expected,
            } => write!(
                f,
                "the database {} is damaged: it holds {held} images where the last run left \
                 at least {expected}",
                path.display()
            ),
            StoreError::Missing { path } => write!(
                f,
                "there is no database at {} (nothing was scanned into it yet)",
                path.display()
            ),
            StoreError::NotAFolder { path } => write!(
                f,
                "--db {} is a file; a database is a folder",
                path.display()
            ),
            StoreError::NotADatabase { path } => write!(
                f,
                "--db {} is a folder of other files, not a lookalike database; nothing was \
                 written into it",
                path.display()
            ),
            StoreError::Copy { path, at, source } => write!(
                f,
                "the database {} is read-only, and a copy of it to read cannot be made in {} \
                 ({source})",
                path.display(),
                at.display()
            ),
        }
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// What the user can do about it, when there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            StoreError::InUse { .. } => Some(
                "wait for the other lookalike to finish, or use another database with --db".into(),
            ),
            StoreError::Damaged { path, .. } | StoreError::Lost { path, .. } => Some(format!(
                "move it aside (mv {0} {0}.damaged) and scan your folders again to rebuild it; \
                 the images themselves are not touched",
                path.display()
            )),
            StoreError::Missing { .. } => {
                Some("run `lookalike scan FOLDER` first, or check --db / LOOKALIKE_DB".into())
            }
            StoreError::NotAFolder { .. } => {
                Some("give --db a folder (it is created by the first scan)".into())
            }
            StoreError::NotADatabase { .. } => Some(
                "give --db a new or empty folder for a database (or leave --db out for the \
                 default one)"
                    .into(),
            ),
            StoreError::Copy { .. } => {
                Some("set TMPDIR to a folder with room for a copy of the database folder".into())
            }
            StoreError::Io { source, .. }
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                Some(
                    "this command writes to the database; a read-only one can still be read by \
                     `query`, `db info`, `db export` and `ignore list`, or give another --db"
                        .into(),
                )
            }
            _ => None,
        }
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Sled(e)
    }
}
