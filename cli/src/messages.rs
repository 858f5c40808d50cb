//! Lines for the user on stderr: per-file errors (`error: <path>: <reason>`), warnings, hints and
//! information. An error sets the process-wide "errored" flag, which turns a finished run's exit
//! code into 1 (as ripgrep's `messages.rs`). While a progress bar is drawn, lines go through it
//! so they don't interleave with the bar. Paths and sizes are shown here the way every line
//! shows them ([`shown`], [`human_size`]).

use std::fmt::Display;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use indicatif::MultiProgress;

static ERRORED: AtomicBool = AtomicBool::new(false);
static ERROR_LINES: AtomicUsize = AtomicUsize::new(0);
static WARNING_LINES: AtomicUsize = AtomicUsize::new(0);
static QUIET: AtomicBool = AtomicBool::new(false);
static BARS: OnceLock<Mutex<Option<MultiProgress>>> = OnceLock::new();

fn bars() -> &'static Mutex<Option<MultiProgress>> {
    BARS.get_or_init(|| Mutex::new(None))
}

/// Silences [`info`] lines (`--quiet`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Whether any input failed so far.
pub fn errored() -> bool {
    ERRORED.load(Ordering::Relaxed)
}

/// How many `error:` and `warning:` lines were printed so far, for summaries that count them
/// (issue 12: a summary that says "4 failed" under 6 error lines misleads).
pub fn printed() -> (usize, usize) {
    (
        ERROR_LINES.load(Ordering::Relaxed),
        WARNING_LINES.load(Ordering::Relaxed),
    )
}

/// Routes lines through `bars` while it draws (see [`crate::progress`]).
pub(crate) fn attach(multi: Option<MultiProgress>) {
    if let Ok(mut slot) = bars().lock() {
        *slot = multi;
    }
}

fn emit(line: String) {
    let guard = bars().lock();
    if let Ok(slot) = &guard
        && let Some(multi) = slot.as_ref()
        && !multi.is_hidden()
    {
        let _ = multi.println(&line);
        return;
    }
    eprintln!("{line}");
}

/// A path as it should appear in a terminal line: lossy UTF-8 with control characters escaped,
/// so a hostile file name cannot move the cursor or fake another line (fd's `sanitize`).
pub fn shown(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// "3.2 MB", "812 kB", "95 B".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// The terminal table: one block per group, the file to keep first; other reference files say
/// `ref`, the rest their best similarity.
/// `error: <path>: <reason>`, and the run's exit code becomes 1.
pub fn file_error(path: &Path, reason: impl Display) {
    ERRORED.store(true, Ordering::Relaxed);
    ERROR_LINES.fetch_add(1, Ordering::Relaxed);
    emit(format!("error: {}: {reason:#}", shown(path)));
}

/// `warning: <text>`; does not change the exit code.
pub fn warning(text: impl Display) {
    WARNING_LINES.fetch_add(1, Ordering::Relaxed);
    emit(format!("warning: {text}"));
}

/// `hint: <text>` (after an error).
pub fn hint(text: impl Display) {
    emit(format!("hint: {text}"));
}

/// An informational line, dropped with `--quiet`.
pub fn info(text: impl Display) {
    if !quiet() {
        emit(text.to_string());
    }
}

/// The first three of `paths` as lines show them, and how many more: `a, b, c and 4 more`.
pub fn first_few(paths: &[impl AsRef<Path>]) -> String {
    const NAMED: usize = 3;
    let named: Vec<String> = paths
        .iter()
        .take(NAMED)
        .map(|p| shown(p.as_ref()))
        .collect();
    match paths.len().saturating_sub(NAMED) {
        0 => named.join(", "),
        n => format!("{} and {n} more", named.join(", ")),
    }
}

/// The note on images with no structure to compare (`Signature::is_blank`): they match
/// nothing, and a scan or query says so instead of passing over them.
pub fn no_structure(paths: &[impl AsRef<Path>]) -> String {
    let (count, verb) = match paths.len() {
        1 => ("1 image has".to_owned(), "it matches"),
        n => (format!("{n} images have"), "they match"),
    };
    format!(
        "note: {count} no structure to compare (one colour, or nearly: blank, black, a fade), so \
         {verb} nothing, not even a copy: {}",
        first_few(paths)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(shown(Path::new("a\nb\u{1b}[2J.jpg")), "a\\nb\\u{1b}[2J.jpg");
        assert_eq!(shown(Path::new("plain <x>.jpg")), "plain <x>.jpg");
    }
}
