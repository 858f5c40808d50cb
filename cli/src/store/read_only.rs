//! Reading a database that cannot be written (see [`super::Store::open_for_reading`]): whether
//! it can be, the shared lock a reader takes, and the private copy it reads.

use std::fs::{File, OpenOptions};
use std::path::Path;

use fs2::FileExt;

use super::{LOCK_FILE, StoreError};

/// Whether the database in `dir` can be written: its lock file (created if missing) and sled's
/// files open for writing. Opening changes nothing.
pub(super) fn writable(dir: &Path) -> bool {
    let open = |name: &str, create: bool| {
        OpenOptions::new()
            .write(true)
            .create(create)
            .truncate(false)
            .open(dir.join(name))
    };
    open(LOCK_FILE, true).is_ok()
        && ["db", "conf"]
            .iter()
            .all(|name| !dir.join(name).exists() || open(name, false).is_ok())
}

/// The lock of a database that cannot be written: shared, on the lock file opened for reading,
/// so that a writer holding it (possible when the folder is only read-only to us) is waited for
/// by no one and named instead. Without a lock file, no lookalike ever wrote here since it
/// became read-only, and none can.
pub(super) fn lock_shared(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK_FILE);
    let file = match File::open(&path) {
        Ok(file) => file,
        Err(_) => File::open(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?,
    };
    if FileExt::try_lock_shared(&file).is_err() {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        return Err(StoreError::InUse {
            path: dir.to_path_buf(),
            pid: text.trim().parse().ok(),
        });
    }
    Ok(file)
}

/// Copies every file of the database folder `from` (sled's files and `blobs/`, not the lock) into
/// `to`; the bytes copied.
/// The saved library (the CLI's `image::snapshot`) is read where it is, not copied: it is as big
/// as the rest of the database, and only sled needs a writable copy.
fn is_saved_library(name: &std::ffi::OsStr) -> bool {
    name.to_str()
        .is_some_and(|n| n.starts_with("library.snapshot"))
}

pub(super) fn copy_files(from: &Path, to: &Path) -> std::io::Result<u64> {
    let mut bytes = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::create_dir(to.join(&name))?;
            bytes += copy_files(&entry.path(), &to.join(&name))?;
        } else if kind.is_file() && name != LOCK_FILE && !is_saved_library(&name) {
            bytes += std::fs::copy(entry.path(), to.join(&name))?;
            // `fs::copy` copies the permissions too; the copy must be writable for sled.
            let mut permissions = std::fs::metadata(to.join(&name))?.permissions();
            #[allow(clippy::permissions_set_readonly_false)] // only our own private copy
            permissions.set_readonly(false);
            std::fs::set_permissions(to.join(&name), permissions)?;
        }
    }
    Ok(bytes)
}
