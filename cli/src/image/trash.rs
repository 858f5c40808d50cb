//! Moving files out of the way without deleting them: into the system trash (the freedesktop.org
//! trash specification 1.0, which GNOME, KDE and most Linux file managers follow) or into a
//! review folder. `lookalike apply` uses both.
//!
//! The trash is `$XDG_DATA_HOME/Trash` (default `~/.local/share/Trash`): the file goes to
//! `files/NAME` and its origin to `info/NAME.trashinfo`, which is created first and exclusively,
//! as the specification asks, so two programs never pick one name. A file on another file system
//! than the trash is not copied across (that would be a copy and a delete): it is an error that
//! suggests `--to DIR` on that file system. Outside Linux there is no system trash here yet;
//! `--to DIR` works everywhere.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};

use super::walk::REVIEW_MARKER;
use crate::report::escape::percent_encode;
use crate::report::video_html::utc;

const MARKER_TEXT: &str = "This folder was made by `lookalike apply --to`. \
Scans leave it out; delete this file to have it scanned like any other folder.\n";

/// Where removed files go.
#[derive(Debug)]
pub enum Bin {
    /// The user's trash folder (holding `files/` and `info/`).
    Trash(PathBuf),
    /// A review folder.
    Folder(PathBuf),
}

impl Bin {
    /// The user's trash: `$XDG_DATA_HOME/Trash`, else `$HOME/.local/share/Trash`.
    pub fn trash() -> Result<Bin> {
        if !cfg!(target_os = "linux") {
            bail!("this build knows no system trash on this platform; use --to DIR");
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .ok_or_else(|| anyhow!("neither XDG_DATA_HOME nor HOME is set: no trash to use"))?;
        Ok(Bin::Trash(data.join("Trash")))
    }

    /// Creates the folders (and a review folder's marker, so scans leave it out).
    pub fn prepare(&self) -> Result<()> {
        match self {
            Bin::Trash(trash) => {
                for sub in ["files", "info"] {
                    let dir = trash.join(sub);
                    std::fs::create_dir_all(&dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                }
            }
            Bin::Folder(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                let marker = dir.join(REVIEW_MARKER);
                if !marker.exists() {
                    std::fs::write(&marker, MARKER_TEXT)
                        .with_context(|| format!("cannot write {}", marker.display()))?;
                }
            }
        }
        Ok(())
    }

    /// Moves `path` (absolute) here and returns where it went. Never copies, never deletes.
    pub fn put(&self, path: &Path) -> Result<PathBuf> {
        let name = path
            .file_name()
            .ok_or_else(|| anyhow!("not a file name"))?
            .to_owned();
        match self {
            Bin::Folder(dir) => {
                for n in 1u32.. {
                    let to = dir.join(numbered(&name, n));
                    if to.symlink_metadata().is_ok() {
                        continue;
                    }
                    rename(path, &to)?;
                    super::walk::log_move(path, &to);
                    return Ok(to);
                }
            }
            Bin::Trash(trash) => {
                for n in 1u32.. {
                    let stored = numbered(&name, n);
                    let mut info_name = stored.clone();
                    info_name.push(".trashinfo");
                    let info = trash.join("info").join(&info_name);
                    let to = trash.join("files").join(&stored);
                    if to.symlink_metadata().is_ok() {
                        continue;
                    }
                    let mut file = match OpenOptions::new().write(true).create_new(true).open(&info)
                    {
                        Ok(file) => file,
                        Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                        Err(e) => return Err(anyhow!("cannot write {}: {e}", info.display())),
                    };
                    let text = format!(
                        "[Trash Info]\nPath={}\nDeletionDate={}\n",
                        percent_encode(path),
                        deletion_date(SystemTime::now())
                    );
                    let written = file
                        .write_all(text.as_bytes())
                        .and_then(|()| file.sync_all());
                    let moved = written
                        .map_err(|e| anyhow!("cannot write {}: {e}", info.display()))
                        .and_then(|()| rename(path, &to));
                    if let Err(e) = moved {
                        let _ = std::fs::remove_file(&info);
                        return Err(e);
                    }
                    return Ok(to);
                }
            }
        }
        unreachable!("an unused name exists")
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    match std::fs::rename(from, to) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::CrossesDevices => Err(anyhow!(
            "{} is on another file system (nothing was moved; --to DIR on the file's own file \
             system moves it there)",
            to.parent().unwrap_or(to).display()
        )),
        Err(e) => Err(anyhow!("cannot move to {}: {e}", to.display())),
    }
}

/// `name` for n = 1, else `stem.n.ext` (the way file managers number trashed files).
fn numbered(name: &std::ffi::OsStr, n: u32) -> std::ffi::OsString {
    if n == 1 {
        return name.to_owned();
    }
    let path = Path::new(name);
    let mut out = path.file_stem().unwrap_or(name).to_owned();
    out.push(format!(".{n}"));
    if let Some(ext) = path.extension() {
        out.push(".");
        out.push(ext);
    }
    out
}

/// `YYYY-MM-DDThh:mm:ss` in UTC (the specification asks for local time; without a time-zone
/// database UTC is what can be known for sure).
fn deletion_date(now: SystemTime) -> String {
    let ns = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
    // "YYYY-MM-DD hh:mm:ss UTC"
    let text = utc(ns);
    text.get(..19).unwrap_or(&text).replacen(' ', "T", 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_and_names() {
        let t = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(deletion_date(t), "2023-11-14T22:13:20");
        assert_eq!(deletion_date(UNIX_EPOCH), "1970-01-01T00:00:00");
        assert_eq!(numbered("a.jpg".as_ref(), 1), "a.jpg");
        assert_eq!(numbered("a.jpg".as_ref(), 3), "a.3.jpg");
        assert_eq!(numbered("noext".as_ref(), 2), "noext.2");
    }

    #[test]
    fn trashed_files_have_their_info_and_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let bin = Bin::Trash(dir.path().join("Trash"));
        bin.prepare().unwrap();
        let mut put = Vec::new();
        for sub in ["x", "y"] {
            let folder = dir.path().join(sub);
            std::fs::create_dir(&folder).unwrap();
            let file = folder.join("same name.jpg");
            std::fs::write(&file, sub).unwrap();
            put.push(bin.put(&file).unwrap());
            assert!(!file.exists());
        }
        assert_eq!(put[0].file_name().unwrap(), "same name.jpg");
        assert_eq!(put[1].file_name().unwrap(), "same name.2.jpg");
        assert_eq!(std::fs::read_to_string(&put[1]).unwrap(), "y");
        let info = std::fs::read_to_string(dir.path().join("Trash/info/same name.2.jpg.trashinfo"))
            .unwrap();
        assert!(info.starts_with("[Trash Info]\nPath=/"), "{info}");
        assert!(info.contains("/y/same%20name.jpg\nDeletionDate="), "{info}");
    }
}
