//! The review workflow of `scan --review-dir` (the seed's `demo_similar_images`): per group, the
//! file to keep is hard-linked into the review folder (it stays where it is) and every other
//! member is moved there, named so that a group sorts together in any file viewer:
//! `000007_KEEP_a.jpg`, `000007_REMOVE_b.jpg`. A member that is like another member but not like
//! the keeper (it joined the group through another) is not proposed for removal: it is linked in
//! as `000007_CHECK_c.jpg` and stays where it is, like the keeper. Nothing is deleted. Group
//! numbers go on after the highest one already in the folder, so a second review never mixes
//! with the first. Where no hard link is possible (another file system), a file is copied
//! instead; a file to remove that cannot be renamed across file systems is copied and its
//! original left in place. Each such fallback is said. The index entry of a moved file follows
//! it.

use std::collections::HashSet;
use std::io::ErrorKind;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::library::Library;
use crate::image::walk::REVIEW_MARKER;
use crate::messages;
use crate::report::Report;
use crate::store::Store;

const MARKER_TEXT: &str = "This folder was made by `lookalike scan --review-dir`. \
Scans leave it out; delete this file to have it scanned like any other folder.\n";

/// What happened to the files.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files to keep, linked in (or copied, on another file system).
    pub kept: usize,
    /// Files to check (like another member only), linked in (or copied); they stay in place.
    pub checked: usize,
    pub moved: usize,
    /// Files copied because no link or move was possible (another file system).
    pub copied: usize,
}

fn file_name(path: &Path) -> std::ffi::OsString {
    path.file_name()
        .map_or_else(|| "unnamed".into(), ToOwned::to_owned)
}

/// `dir/000007_KEEP_name`, with `_2`, `_3`… before the extension if that exists already or is
/// `taken` by an earlier step of this review (a dry run creates nothing, so it must remember).
/// The group number is `width` digits (at least 6, and as many as the review's largest number
/// has, [`number_width`]), so that the names sort in group order.
fn target(
    dir: &Path,
    (number, width): (usize, usize),
    role: &str,
    path: &Path,
    taken: &mut HashSet<PathBuf>,
) -> PathBuf {
    let mut free = |p: PathBuf| {
        let ok = !p.exists() && !taken.contains(&p);
        if ok {
            taken.insert(p.clone());
        }
        ok.then_some(p)
    };
    let name = file_name(path);
    let mut candidate = std::ffi::OsString::from(format!("{number:0width$}_{role}_"));
    candidate.push(&name);
    if let Some(first) = free(dir.join(&candidate)) {
        return first;
    }
    let stem = Path::new(&name)
        .file_stem()
        .map(ToOwned::to_owned)
        .unwrap_or_default();
    let ext = Path::new(&name).extension().map(ToOwned::to_owned);
    for n in 2.. {
        let mut c = std::ffi::OsString::from(format!("{number:0width$}_{role}_"));
        c.push(&stem);
        c.push(format!("_{n}"));
        if let Some(ext) = &ext {
            c.push(".");
            c.push(ext);
        }
        if let Some(p) = free(dir.join(&c)) {
            return p;
        }
    }
    unreachable!("an unused name exists")
}

/// The digits of the group numbers in a review's names: 6, or as many as the largest of
/// `numbers` has (a review of more than 999 999 groups would otherwise sort group 1 000 000
/// between 100 000 and 100 001).
fn number_width(numbers: impl Iterator<Item = usize>) -> usize {
    numbers.max().map_or(6, |n| n.to_string().len().max(6))
}

/// Whether `file` and the folder `dir` (or, while it does not exist, its nearest existing
/// ancestor) are on one file system, so that a rename moves the file instead of copying it.
#[cfg(unix)]
fn same_file_system(file: &Path, dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(file) = file.metadata() else {
        return true;
    };
    dir.ancestors()
        .find_map(|d| d.metadata().ok())
        .is_none_or(|d| d.dev() == file.dev())
}

#[cfg(not(unix))]
fn same_file_system(_file: &Path, _dir: &Path) -> bool {
    true
}

/// The highest group number of the names in `dir` (`000007_…`), 0 when there is none: a new
/// review numbers its groups after it ([`Report::number_after`], before the report is printed,
/// so that the report and the folder say the same numbers).
pub fn last_number(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| {
            let name = e.ok()?.file_name();
            let name = name.to_str()?;
            // Six digits or more (a review of more than 999 999 groups), then `_`.
            let (digits, _) = name.split_once('_')?;
            (digits.len() >= 6 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse::<usize>().ok())?
        })
        .max()
        .unwrap_or(0)
}

/// Puts a file that stays where it is into the review folder as `to`: a hard link, or a copy on
/// another file system (said). Whether the file is now in the folder; with `dry_run`, says what
/// it would do and returns false.
fn link_in(
    path: &Path,
    to: &Path,
    dry_run: bool,
    say: &dyn Fn(String),
    outcome: &mut Outcome,
) -> bool {
    if dry_run {
        let verb = if same_file_system(path, to.parent().unwrap_or(to)) {
            "would link"
        } else {
            "would copy (another file system: no hard link possible)"
        };
        say(format!(
            "{verb} {} -> {}",
            messages::shown(path),
            messages::shown(to)
        ));
        return false;
    }
    match std::fs::hard_link(path, to) {
        Ok(()) => true,
        Err(e) if e.kind() == ErrorKind::CrossesDevices => match std::fs::copy(path, to) {
            Ok(_) => {
                outcome.copied += 1;
                messages::info(format!(
                    "copied {} (another file system: no hard link possible)",
                    messages::shown(path)
                ));
                true
            }
            Err(e) => {
                messages::file_error(path, format!("cannot copy: {e}"));
                false
            }
        },
        Err(e) => {
            messages::file_error(path, format!("cannot link: {e}"));
            false
        }
    }
}

/// Carries out (or, with `dry_run`, prints) the review of `report` into `dir`. The report's
/// paths are updated to where the files are afterwards. A dry run's plan goes to standard
/// output, or to standard error when standard output carries JSON (`plan_to_stderr`).
pub fn run(
    report: &mut Report,
    dir: &Path,
    dry_run: bool,
    plan_to_stderr: bool,
    store: &Store,
    library: &mut Library,
) -> Result<Outcome> {
    let say = |line: String| {
        if plan_to_stderr {
            eprintln!("{line}");
        } else {
            // A reader that stopped early (`| head`) does not stop the review.
            let _ = writeln!(std::io::stdout().lock(), "{line}");
        }
    };
    let mut taken = HashSet::new();
    let mut outcome = Outcome::default();
    if !dry_run {
        std::fs::create_dir_all(dir).map_err(|e| {
            anyhow::anyhow!("cannot create the review folder {}: {e}", dir.display())
        })?;
        // Scans leave a folder holding this file out, so its hard links and moved copies are
        // never indexed as a library of their own.
        let marker = dir.join(REVIEW_MARKER);
        if !marker.exists() {
            std::fs::write(&marker, MARKER_TEXT)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", marker.display()))?;
        }
    }
    let mut moves: Vec<(PathBuf, PathBuf)> = Vec::new();
    let width = number_width(report.groups.iter().map(|g| g.number));
    for group in &report.groups {
        let Some((keep, others)) = group.members.split_first() else {
            continue;
        };
        let number = group.number;
        let to = target(dir, (number, width), "KEEP", &keep.path, &mut taken);
        if link_in(&keep.path, &to, dry_run, &say, &mut outcome) {
            outcome.kept += 1;
        }
        for (i, other) in others.iter().enumerate() {
            if group.reference.get(i + 1).copied().unwrap_or(false) {
                // A reference file (`scan --reference`) is never moved.
                continue;
            }
            if group.to_keeper.get(i + 1).copied().flatten().is_none() {
                // Joined through another member only: not shown to look like the keeper.
                let to = target(dir, (number, width), "CHECK", &other.path, &mut taken);
                if link_in(&other.path, &to, dry_run, &say, &mut outcome) {
                    outcome.checked += 1;
                }
                continue;
            }
            let to = target(dir, (number, width), "REMOVE", &other.path, &mut taken);
            if dry_run {
                let verb = if same_file_system(&other.path, dir) {
                    "would move"
                } else {
                    "would copy (another file system; the original stays)"
                };
                say(format!(
                    "{verb} {} -> {}",
                    messages::shown(&other.path),
                    messages::shown(&to)
                ));
                continue;
            }
            match std::fs::rename(&other.path, &to) {
                Ok(()) => {
                    crate::image::walk::log_move(&other.path, &to);
                    outcome.moved += 1;
                    store.rename(&other.path, &to)?;
                    library.rename(&other.path, &to);
                    moves.push((other.path.clone(), to));
                }
                Err(e) if e.kind() == ErrorKind::CrossesDevices => {
                    match std::fs::copy(&other.path, &to) {
                        Ok(_) => {
                            outcome.copied += 1;
                            messages::info(format!(
                                "copied {} (another file system); the original is left in place",
                                messages::shown(&other.path)
                            ));
                        }
                        Err(e) => messages::file_error(&other.path, format!("cannot copy: {e}")),
                    }
                }
                Err(e) => messages::file_error(&other.path, format!("cannot move: {e}")),
            }
        }
    }
    for (from, to) in moves {
        for group in &mut report.groups {
            for m in &mut group.members {
                if m.path == from {
                    m.path = to.clone();
                }
            }
        }
        for m in &mut report.matches {
            for side in [&mut m.keep, &mut m.remove] {
                if side.path == from {
                    side.path = to.clone();
                }
            }
        }
    }
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_names_sort_in_group_order_past_a_million_groups() {
        let dir = tempfile::tempdir().unwrap();
        let file = Path::new("/photos/a.jpg");
        let mut taken = HashSet::new();
        let mut name = |numbers: &[usize], number: usize| {
            let width = number_width(numbers.iter().copied());
            target(dir.path(), (number, width), "KEEP", file, &mut taken)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(name(&[7, 12], 7), "000007_KEEP_a.jpg");
        let groups = [5, 100_000, 100_001, 1_000_000];
        let names: Vec<String> = groups.iter().map(|&n| name(&groups, n)).collect();
        assert_eq!(names[0], "0000005_KEEP_a.jpg");
        assert_eq!(names[3], "1000000_KEEP_a.jpg");
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, names, "names sort as their groups");
        // A later review into the folder numbers on from the highest there, 7 digits too.
        for name in &names {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        std::fs::write(dir.path().join("12345_KEEP_short.jpg"), b"").unwrap();
        assert_eq!(last_number(dir.path()), 1_000_000);
    }
}
