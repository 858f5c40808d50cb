//! File discovery: the images under the scanned roots, with size and mtime for change detection.
//! Unreadable folders and files are reported by name and skipped; symbolic-link loops (with
//! `--follow-links`) are reported as warnings and skipped.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use walkdir::WalkDir;

use super::decode::is_image;
use crate::interrupt;
use crate::messages;
use crate::store::Stamp;

/// Absolute, canonical forms of `paths`; those that cannot be resolved are reported and left
/// out.
pub fn canonical_roots(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for path in paths {
        match std::fs::canonicalize(path) {
            Ok(root) => roots.push(root),
            Err(e) => messages::file_error(path, e),
        }
    }
    roots.sort();
    roots.dedup();
    roots
}

/// Every image under `roots` with its stamp (sorted by path, each once), skipping anything
/// under `exclude`.
pub fn walk(
    roots: &[PathBuf],
    exclude: &[PathBuf],
    follow_links: bool,
    bar: &ProgressBar,
) -> Vec<(PathBuf, Stamp)> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    for root in roots {
        let walker = WalkDir::new(root)
            .follow_links(follow_links)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !exclude.iter().any(|x| e.path() == x.as_path()));
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
                    if let Some(ancestor) = e.loop_ancestor() {
                        messages::warning(format!(
                            "{}: symbolic link loop back to {}, skipped",
                            messages::shown(&path),
                            messages::shown(ancestor)
                        ));
                    } else {
                        let reason = e
                            .io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string);
                        messages::file_error(&path, reason);
                    }
                    continue;
                }
            };
            if !entry.file_type().is_file() || !is_image(entry.path()) {
                continue;
            }
            let metadata = match entry.metadata() {
                Ok(m) => m,
                Err(e) => {
                    messages::file_error(entry.path(), e);
                    continue;
                }
            };
            if seen.insert(entry.path().to_path_buf()) {
                found.push((entry.into_path(), Stamp::of(&metadata)));
                bar.inc(1);
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}
