//! Reports that name a deleted video (`videos`, when it drops deleted videos): the deleted
//! video's section is taken out of them, and a report left with no section is removed. Nothing
//! is compared again, so each report keeps what the run that wrote it found, with the settings
//! it had.

use std::path::{Path, PathBuf};

use crate::messages;
use crate::report::video_html;
use crate::store::VideoRecord;

/// Removes a report that is no longer true; a failure is said, not fatal. Whether it went.
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

/// Takes the videos of `deleted` out of the reports in `dir` of the `stored` videos (only a
/// video stored after one can name it): its section goes, and a report left with none goes
/// too. Called before the deleted videos' records are dropped, so a run killed meanwhile does
/// it again (taking out a section that is gone already changes nothing). What was done,
/// worded for the run's summary line.
pub(super) fn strip_reports(
    dir: &Path,
    deleted: &[(PathBuf, u32)],
    stored: &[(PathBuf, VideoRecord)],
) -> String {
    let Some(first_deleted) = deleted.iter().map(|d| d.1).min() else {
        return String::new();
    };
    let gone: Vec<PathBuf> = deleted.iter().map(|d| d.0.clone()).collect();
    let (mut written, mut removed) = (0, 0);
    for (path, _) in stored.iter().filter(|(_, r)| r.id > first_deleted) {
        let Some(report) = video_html::existing_for(dir, path) else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&report) else {
            continue;
        };
        let Some((kept, sections)) = video_html::without_videos(&text, &gone) else {
            continue;
        };
        if sections == 0 {
            removed += usize::from(remove_report(&report, "a video that shares no clip now"));
            continue;
        }
        // Written beside it, then moved over it: a run killed here leaves the old report whole.
        let mut temporary = report.clone().into_os_string();
        temporary.push(".part");
        let temporary = PathBuf::from(temporary);
        let replaced =
            std::fs::write(&temporary, kept).and_then(|()| std::fs::rename(&temporary, &report));
        match replaced {
            Ok(()) => written += 1,
            Err(e) => {
                let _ = std::fs::remove_file(&temporary);
                messages::warning(format!(
                    "cannot write {} again without a deleted video: {e}",
                    messages::shown(&report)
                ));
            }
        }
    }
    let that = if gone.len() == 1 { "it" } else { "them" };
    let them = |n: usize| if n == 1 { "it" } else { "them" };
    match (written, removed) {
        (0, 0) => String::new(),
        (w, 0) => format!("; taken out of {w} other report{}", plural(w)),
        (0, r) => format!(
            "; {r} other report{} that named {that} removed (no other clip left in {})",
            plural(r),
            them(r)
        ),
        (w, r) => format!(
            "; taken out of {w} other report{}, {r} more removed (no other clip left in {})",
            plural(w),
            them(r)
        ),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
