//! The video side: reading videos with ffmpeg ([`ffmpeg`], with a hardware decoder where one is
//! measured to win: [`hwaccel`]), turning them into screenshot
//! signatures ([`sample`]), and finding clips of one video inside others through an index of
//! every stored screenshot ([`index`]), from several starting points per interval ([`phased`]). What is stored per video lives in [`crate::store`].

pub mod ffmpeg;
pub mod hwaccel;
pub mod index;
pub mod phased;
pub mod sample;
pub mod synthetic;

use std::path::{Path, PathBuf};

use crate::messages;

/// File name extensions treated as videos.
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "3g2", "3gp", "asf", "avi", "divx", "f4v", "flv", "m2ts", "m2v", "m4v", "mkv", "mov", "mp4",
    "mpeg", "mpg", "mts", "mxf", "ogm", "ogv", "qt", "rm", "rmvb", "ts", "vob", "webm", "wmv",
];

/// Whether `path` has one of the [`VIDEO_EXTENSIONS`].
pub fn is_video_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Where a file is, made absolute, for keys and messages.
pub fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The video files under `paths`, sorted, each once, and how many paths or folders could not be
/// read (each named in an error).
pub fn find_videos(paths: &[PathBuf]) -> (Vec<PathBuf>, usize) {
    let mut out = Vec::new();
    let mut errors = 0;
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => {
                messages::file_error(root, e);
                errors += 1;
            }
            Ok(meta) if meta.is_file() => out.push(absolute(root)),
            Ok(_) => {
                for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
                    match entry {
                        Ok(entry) => {
                            if entry.file_type().is_file() && is_video_path(entry.path()) {
                                out.push(absolute(entry.path()));
                            }
                        }
                        Err(e) => {
                            let path = e.path().map(Path::to_path_buf).unwrap_or(root.clone());
                            messages::file_error(&path, e);
                            errors += 1;
                        }
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn video_extensions_are_recognised_case_insensitively() {
        assert!(is_video_path(Path::new("a/b/Clip.MP4")));
        assert!(is_video_path(Path::new("x.mkv")));
        assert!(!is_video_path(Path::new("photo.jpg")));
        assert!(!is_video_path(Path::new("noext")));
    }
}
