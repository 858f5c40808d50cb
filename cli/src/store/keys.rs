//! Paths as database keys. On Unix a key is the bytes of the `OsStr` (any file name round-trips);
//! elsewhere UTF-8 (lossy for names that are not Unicode).

use std::path::{Path, PathBuf};

/// The key bytes of `path`.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for p in ["/a/b c/d.jpg", "relative/é.png", ""] {
            assert_eq!(key_path(&path_key(Path::new(p))), PathBuf::from(p));
        }
    }
}
