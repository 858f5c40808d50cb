//! Reports that name a deleted video: written again without it, or removed when it was all
//! they shared (`videos`, when it drops deleted videos).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Reader;
use crate::interrupt;
use crate::messages;
use crate::report::video_html;
use crate::store::{VideoRecord, VideoStore};
use crate::video::index::ShotIndex;

impl Reader {
    /// Writes again the report of a stored video that named a video deleted since: the clips
    /// it shares now with the videos stored before it, or no report when it shares none. The
    /// video is `pending` meanwhile, so a run killed here leaves the rewrite to the next run
    /// that reads it. Nothing is printed (its matches were printed when it was stored).
    fn rewrite_stored(
        &self,
        (path, record): (&Path, &VideoRecord),
        (index, videos): (&ShotIndex, &VideoStore),
        by_id: &HashMap<u32, (PathBuf, VideoRecord)>,
        (dir, report): (&Path, &Path),
    ) -> Result<Rewrite> {
        videos.set_pending(path, record, true)?;
        let pairs = self.stored_pairs((path, record), index, videos, by_id)?;
        let done = if pairs.is_empty() {
            remove_report(report, "a video that no longer shares clips");
            Rewrite::Removed
        } else if self.write_html(&pairs, dir)?.is_some() {
            Rewrite::Written
        } else {
            return Ok(Rewrite::Interrupted);
        };
        videos.set_reported(path, record)?;
        Ok(done)
    }
}

/// What [`Reader::rewrite_stored`] did.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rewrite {
    Written,
    Removed,
    Interrupted,
}

/// Removes a report that is no longer true; a failure is said, not fatal.
pub(super) fn remove_report(report: &Path, what: &str) -> bool {
    match std::fs::remove_file(report) {
        Ok(()) => true,
        Err(e) => {
            messages::warning(format!(
                "cannot remove {}, the report of {what}: {e}",
                messages::shown(report)
            ));
            false
        }
    }
}

/// Writes again the reports of the stored videos that name one of `deleted` (only a video
/// stored after it can), oldest first; what was done, worded for the run's summary line.
pub(super) fn rewrite_reports(
    reader: &Reader,
    deleted: &[(PathBuf, u32)],
    stored: (&ShotIndex, &VideoStore),
    by_path: &HashMap<PathBuf, VideoRecord>,
    by_id: &HashMap<u32, (PathBuf, VideoRecord)>,
    dir: &Path,
) -> Result<String> {
    let first_deleted = deleted.iter().map(|d| d.1).min().unwrap_or(u32::MAX);
    let gone: Vec<PathBuf> = deleted.iter().map(|d| d.0.clone()).collect();
    let mut later: Vec<(&PathBuf, &VideoRecord)> = by_path
        .iter()
        .filter(|(_, r)| r.id > first_deleted && !r.pending)
        .collect();
    later.sort_by_key(|(_, r)| r.id);
    let (mut written, mut removed) = (0, 0);
    for (path, record) in later {
        if interrupt::requested() {
            break;
        }
        let Some(report) = video_html::existing_for(dir, path) else {
            continue;
        };
        if !video_html::names_any_other(&report, &gone) {
            continue;
        }
        match reader.rewrite_stored((path, record), stored, by_id, (dir, &report))? {
            Rewrite::Written => written += 1,
            Rewrite::Removed => removed += 1,
            Rewrite::Interrupted => break,
        }
    }
    let that = if gone.len() == 1 { "it" } else { "them" };
    Ok(match (written, removed) {
        (0, 0) => String::new(),
        (w, 0) => format!("; {w} report{} that named {that} written again", plural(w)),
        (0, r) => format!(
            "; {r} report{} that named {that} removed (no clip shared with another video left)",
            plural(r)
        ),
        (w, r) => format!(
            "; {w} report{} that named {that} written again, {r} removed (no clip shared with \
             another video left)",
            plural(w)
        ),
    })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
