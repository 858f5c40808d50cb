//! A new video compared from several starting points per interval (`videos --phases`).
//!
//! Stored videos keep one screenshot every `interval` seconds. A clip cut from one of them at
//! any other time lands between its screenshots: up to half an interval away, and in a video
//! whose scenes change faster than that (cuts every few seconds, fast motion) no screenshot of
//! the clip looks like the stored ones next to it. So a new video is also sampled at `phases`
//! points per interval, each phase a sequence one interval apart compared as the stored one is,
//! and the runs of every phase are kept, but a run found again from another phase: then the one
//! with the most matching screenshots (then the most similar) stays. A clip then lines up with
//! some phase within `interval / (2 × phases)` seconds.

use lookalike_core::SequenceMatch;

/// A run, with the seconds the screenshots of its phase come after the stored ones of the same
/// number (0 for the stored phase).
pub type PhasedRun = (SequenceMatch, f64);

/// The runs of every phase (`(runs, shift)`, the stored phase first), without the runs that
/// another phase found better: two runs of the same stored video from different phases that
/// overlap both in the new video's time and in the stored video's, at time offsets at most an
/// interval apart, are one clip. Runs of one phase are all kept, as the sequence matcher gave
/// them. Best first among equals: the earlier phase.
pub fn merge(per_phase: Vec<(Vec<SequenceMatch>, f64)>, interval: f64) -> Vec<PhasedRun> {
    let mut all: Vec<PhasedRun> = per_phase
        .into_iter()
        .flat_map(|(runs, shift)| runs.into_iter().map(move |m| (m, shift)))
        .collect();
    // Stable: among equals the earlier phase stays first.
    all.sort_by(|a, b| {
        b.0.matched
            .cmp(&a.0.matched)
            .then(b.0.similarity.total_cmp(&a.0.similarity))
    });
    let span = |from: u32, to: u32, shift: f64| {
        (
            f64::from(from) * interval + shift,
            f64::from(to + 1) * interval + shift,
        )
    };
    let overlap = |a: (f64, f64), b: (f64, f64)| a.0 < b.1 && b.0 < a.1;
    let mut kept: Vec<PhasedRun> = Vec::new();
    for (m, shift) in all {
        // Where the stored video is, in seconds, less where the new one is.
        let lag = |r: &SequenceMatch, shift: f64| r.offset as f64 * interval - shift;
        let same_clip = kept.iter().any(|(k, k_shift)| {
            k.target == m.target
                && *k_shift != shift
                && (lag(k, *k_shift) - lag(&m, shift)).abs() <= interval
                && overlap(
                    span(m.query_start, m.query_end, shift),
                    span(k.query_start, k.query_end, *k_shift),
                )
                && overlap(
                    span(m.target_start, m.target_end, 0.0),
                    span(k.target_start, k.target_end, 0.0),
                )
        });
        if !same_clip {
            kept.push((m, shift));
        }
    }
    kept
}

/// The phases a run samples with when `--phases` is not given: one screenshot every
/// [`DEFAULT_STEP`] seconds (5 at the default interval of 10 s, 1 at 2 s), but at most
/// [`DEFAULT_MAX`] per interval, so that a long interval, chosen to read videos faster, still
/// does.
pub fn default_phases(interval: f64) -> u32 {
    ((interval / DEFAULT_STEP).ceil() as u32).clamp(1, DEFAULT_MAX)
}

/// The most phases [`default_phases`] gives: at most five times the screenshots of one per
/// interval are read.
pub const DEFAULT_MAX: u32 = 5;

/// Seconds between a new video's screenshots by default (`interval / phases`, up to
/// [`DEFAULT_MAX`] phases): a clip cut anywhere is then at most a second from a sampled phase at
/// intervals up to 10 s (at most `interval / 10` beyond).
pub const DEFAULT_STEP: f64 = 2.0;

#[cfg(test)]
mod tests {
    use super::*;
    use lookalike_core::Orientation;

    fn run(target: u32, query: (u32, u32), stored: (u32, u32), matched: u32) -> SequenceMatch {
        SequenceMatch {
            target,
            query_start: query.0,
            query_end: query.1,
            target_start: stored.0,
            target_end: stored.1,
            offset: i64::from(stored.0) - i64::from(query.0),
            matched,
            similarity: 70.0,
            orientation: Orientation::Upright,
        }
    }

    #[test]
    fn a_clip_found_from_two_phases_is_kept_once_from_the_better() {
        let stored = vec![run(1, (0, 5), (10, 15), 5), run(2, (20, 29), (0, 9), 10)];
        let half = vec![
            // The same clip of video 1, all six screenshots matching from this phase.
            run(1, (0, 5), (10, 15), 6),
            // Video 2 again, one screenshot less: the stored phase's stays.
            run(2, (20, 28), (0, 8), 9),
            // Elsewhere in video 2: another clip.
            run(2, (40, 47), (30, 37), 8),
        ];
        let merged = merge(vec![(stored, 0.0), (half, 5.0)], 10.0);
        let got: Vec<(u32, u32, u32, f64)> = merged
            .iter()
            .map(|(m, s)| (m.target, m.query_start, m.matched, *s))
            .collect();
        assert_eq!(
            got,
            vec![(2, 20, 10, 0.0), (2, 40, 8, 5.0), (1, 0, 6, 5.0)],
            "{merged:#?}"
        );
    }

    #[test]
    fn runs_at_other_time_offsets_are_other_clips() {
        // Video 1 repeats: the same query time matches it 25 s further on, from another phase.
        let stored = vec![run(1, (0, 5), (10, 15), 6)];
        let half = vec![run(1, (0, 5), (13, 18), 5)];
        assert_eq!(merge(vec![(stored, 0.0), (half, 5.0)], 10.0).len(), 2);
    }

    #[test]
    fn runs_of_one_phase_are_all_kept() {
        // Two runs of one phase over the same query time (a video that repeats a clip).
        let stored = vec![run(1, (0, 5), (10, 15), 6), run(1, (0, 5), (40, 45), 6)];
        assert_eq!(merge(vec![(stored, 0.0)], 10.0).len(), 2);
    }

    #[test]
    fn the_default_keeps_a_screenshot_every_two_seconds() {
        assert_eq!(default_phases(10.0), 5);
        assert_eq!(default_phases(2.0), 1);
        assert_eq!(default_phases(1.0), 1);
        assert_eq!(default_phases(5.0), 3);
        assert_eq!(default_phases(600.0), DEFAULT_MAX);
    }
}
