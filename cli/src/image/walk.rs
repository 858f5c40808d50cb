//! File discovery: the images under the scanned roots, with size and mtime for change detection.
//! Unreadable folders and files (a broken symbolic link among them) are reported by name and
//! skipped; symbolic-link loops (with `--follow-links`: a link to a folder above it, or links
//! that lead to each other) are reported as warnings and skipped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use walkdir::WalkDir;

use super::decode::is_image;
use crate::interrupt;
use crate::messages;
use crate::store::Stamp;

/// Absolute, canonical forms of `paths`, each once, a folder inside another one left out (its
/// files are under the other; a file named inside a named folder stays, as a named file is read
/// whatever its extension); those that cannot be resolved are reported and left out.
pub fn canonical_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    for path in paths {
        match std::fs::canonicalize(path) {
            Ok(root) => roots.push(root),
            Err(e) => messages::file_error(path, e),
        }
    }
    // Sorted, a folder comes before everything under it.
    roots.sort();
    let mut kept: Vec<PathBuf> = Vec::with_capacity(roots.len());
    for root in roots {
        if !(root.is_dir() && kept.iter().any(|k| root.starts_with(k))) {
            kept.push(root);
        }
    }
    kept
}

/// The file that marks a review folder (`scan --review-dir`): walks leave such a folder out.
pub const REVIEW_MARKER: &str = ".lookalike-review";

/// What the marker of a report's thumbnails folder says (`thumbnail::write_report`): no review
/// folder, since a report removes the thumbnails it no longer shows from it.
pub const THUMBNAILS_MARKER_TEXT: &str = "This folder holds the thumbnails of a lookalike report \
page. lookalike scans leave out folders holding this file.\n";

/// The file in a review folder that says where each file moved into it came from, one line
/// per move, `name<TAB>original path` (for a person putting a file back; the index follows
/// the move, and the next scan, which leaves the folder out, forgets it).
pub const MOVES_LOG: &str = "lookalike-moves.tsv";

/// Adds the move of `from` into the review folder as `to` to its [`MOVES_LOG`]; failing to
/// write it is said, not fatal (the move itself is done and printed).
pub fn log_move(from: &Path, to: &Path) {
    use std::io::Write;
    let Some(dir) = to.parent() else {
        return;
    };
    let log = dir.join(MOVES_LOG);
    let line = format!(
        "{}\t{}\n",
        to.file_name().unwrap_or_default().to_string_lossy(),
        from.display()
    );
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(e) = written {
        messages::warning(format!("cannot write {}: {e}", messages::shown(&log)));
    }
}

/// Refuses `dir` as the folder of a review (`scan --review-dir`, `apply --to`) when it holds
/// files and is not a review folder yet: marking it would leave its files out of every later
/// scan, without a word. A missing or empty folder, or one a review made, is fine.
pub fn check_review_folder(dir: &Path) -> anyhow::Result<()> {
    let marker = dir.join(REVIEW_MARKER);
    if marker.exists() {
        if std::fs::read_to_string(&marker).is_ok_and(|t| t == THUMBNAILS_MARKER_TEXT) {
            anyhow::bail!(
                "{} holds the thumbnails of a report page, not reviewed files; choose a new or \
                 empty folder",
                messages::shown(dir)
            );
        }
        return Ok(());
    }
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    if entries.next().is_some() {
        anyhow::bail!(
            "{} already holds files and is no review folder: a review folder is left out of \
             every scan, so they would be too; choose a new or empty folder",
            messages::shown(dir)
        );
    }
    Ok(())
}

/// Extensions of image formats this program does not read (JPEG XL, camera raw files, Photoshop,
/// SVG, Netpbm, icons, Targa, OpenEXR and Radiance HDR); found while walking a folder they are
/// counted and named in one warning with their kinds, never passed over without a word (a
/// library of raw files must not look scanned in full).
const UNREAD_IMAGES: &[&str] = &[
    "jxl", "dng", "cr2", "cr3", "crw", "nef", "nrw", "arw", "srf", "sr2", "orf", "rw2", "raf",
    "pef", "srw", "x3f", "3fr", "erf", "kdc", "mrw", "rwl", "iiq", "raw", "psd", "psb", "svg",
    "svgz", "pbm", "pgm", "ppm", "pnm", "ico", "tga", "exr", "hdr",
];

fn is_unread_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| UNREAD_IMAGES.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Every image under `roots` (sorted by path, each once; with `follow_links`, each file once under
/// its real path), skipping anything under `exclude`.
/// A root that is itself a file is taken whatever its extension (the decoder goes by content and
/// names the file if it cannot read it); inside folders, files go by extension (a picture named
/// like a video by its first bytes), and images in a format that is not read (JPEG XL, raw
/// files…) and symbolic links that are not followed are counted and reported in one warning each.
pub fn walk(
    roots: &[PathBuf],
    exclude: &[PathBuf],
    follow_links: bool,
    bar: &ProgressBar,
) -> Vec<(PathBuf, Stamp)> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut unread: Vec<PathBuf> = Vec::new();
    let mut links: Vec<PathBuf> = Vec::new();
    let mut videos = 0usize;
    for root in roots {
        let walker = WalkDir::new(root)
            .follow_links(follow_links)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                let excluded = exclude.iter().any(|x| e.path() == x.as_path());
                let review = e.file_type().is_dir() && e.path().join(REVIEW_MARKER).exists();
                !excluded && !review
            });
        for entry in walker {
            if interrupt::requested() {
                return found;
            }
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let path = e
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    let chain_loop = e.io_error().is_some_and(is_link_loop);
                    if let Some(ancestor) = e.loop_ancestor() {
                        messages::warning(format!(
                            "{}: symbolic link loop back to {}, skipped",
                            messages::shown(&path),
                            messages::shown(ancestor)
                        ));
                    } else if chain_loop {
                        // Links that lead to each other (a → b → a): a loop as well, never a
                        // file to read.
                        messages::warning(format!(
                            "{}: symbolic link loop, skipped",
                            messages::shown(&path)
                        ));
                    } else if let Ok(target) = std::fs::read_link(&path)
                        && !path.exists()
                    {
                        messages::file_error(
                            &path,
                            format!(
                                "broken symbolic link: {} does not exist",
                                messages::shown(&target)
                            ),
                        );
                    } else {
                        let reason = e
                            .io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string);
                        messages::file_error(&path, reason);
                    }
                    continue;
                }
            };
            let named = entry.depth() == 0;
            if entry.file_type().is_symlink() {
                // Only without --follow-links: a link to an image or a folder is not followed.
                if named || is_image(entry.path()) || entry.path().is_dir() {
                    links.push(entry.into_path());
                }
                continue;
            }
            if !entry.file_type().is_file() {
                continue;
            }
            let video_name = crate::video::is_video_path(entry.path());
            let still = video_name && still_image(entry.path());
            if video_name && !still {
                if named {
                    messages::file_error(
                        entry.path(),
                        "a video: `lookalike videos PATH` finds the clips videos share",
                    );
                } else {
                    videos += 1;
                }
                continue;
            }
            if !named && !still && !is_image(entry.path()) {
                if is_unread_image(entry.path()) {
                    unread.push(entry.into_path());
                }
                continue;
            }
            let metadata = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    messages::file_error(entry.path(), e);
                    continue;
                }
            };
            // Followed links give one file several paths (the link and the file, or a path
            // through a linked folder): each file is taken once, under its real path, so that a
            // link is never kept while the file it points to is moved away, and a --reference
            // folder is recognised however it was reached.
            let path = if follow_links {
                match std::fs::canonicalize(entry.path()) {
                    Ok(real) => real,
                    Err(e) => {
                        messages::file_error(entry.path(), e);
                        continue;
                    }
                }
            } else {
                entry.into_path()
            };
            if seen.insert(path.clone()) {
                found.push((path, Stamp::of(&metadata)));
                bar.inc(1);
            }
        }
    }
    let mut kinds: Vec<String> = unread
        .iter()
        .filter_map(|p| {
            p.extension()?
                .to_str()
                .map(|e| format!(".{}", e.to_lowercase()))
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    report_left_out(
        &unread,
        &format!(
            "in a format this program does not read ({})",
            kinds.join(", ")
        ),
    );
    if videos > 0 {
        messages::info(format!(
            "{videos} video{} left out: `lookalike videos PATH` finds the clips videos share",
            if videos == 1 { "" } else { "s" }
        ));
    }
    report_left_out(
        &links,
        "symbolic links not followed (--follow-links follows them)",
    );
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Whether a file named like a video holds a still image (a JPEG, PNG, GIF, WebP, BMP or TIFF
/// by its first bytes): a picture renamed `.mp4` is hashed as the image it is, not left out as
/// a video that `lookalike videos` would refuse as a still image.
fn still_image(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 12];
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let n = file.read(&mut head).unwrap_or(0);
    let head = &head[..n];
    head.starts_with(&[0xFF, 0xD8, 0xFF])
        || head.starts_with(b"\x89PNG\r\n\x1a\n")
        || head.starts_with(b"GIF8")
        || (head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP"))
        || (head.starts_with(b"BM") && head.get(6..10) == Some(&[0, 0, 0, 0]))
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
}

/// Whether `e` is `ELOOP`: symbolic links that lead to each other (`ErrorKind::FilesystemLoop`
/// is not stable yet).
fn is_link_loop(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// One warning for files left out of a scan for the same reason, naming the first few.
fn report_left_out(paths: &[PathBuf], why: &str) {
    if paths.is_empty() {
        return;
    }
    let shown: Vec<String> = paths.iter().take(3).map(|p| messages::shown(p)).collect();
    let more = paths.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    messages::warning(format!(
        "{} file{} left out, {why}: {}{more}",
        paths.len(),
        if paths.len() == 1 { "" } else { "s" },
        shown.join(", ")
    ));
}
