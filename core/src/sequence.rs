//! Step 6, for videos: runs of consecutive matching screenshots.
//!
//! A video is sampled every N seconds; every screenshot is queried against the index of all
//! stored screenshots; the hits (query frame, target video, target frame, similarity) come here.
//! A clip of video B inside video A shows up as a *diagonal*: query frames `q, q+1, …` matching
//! target frames `q+d, q+1+d, …` for one offset `d`. [`find_sequences`] finds every such run of
//! at least `S` query frames ([`SequenceOptions::min_run`]) for each target.
//!
//! Offsets may wobble by [`SequenceOptions::offset_tolerance`] frames inside a run (when the clip
//! starts between two sampling instants, the best target frame alternates between two
//! neighbours), and up to [`SequenceOptions::max_gap`] consecutive query frames may miss (a
//! screenshot on a scene cut, a burned-in title). The runs are chained by dynamic programming
//! over the hits in query order, so the cost is linear in the number of hits.
//!
//! Frames are counted in sampling steps; times are `frame × interval`.

use alloc::vec::Vec;

use crate::Orientation;

/// One screenshot of the query video matching one screenshot of a stored video.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameHit {
    /// The query video's screenshot number.
    pub query_frame: u32,
    /// The stored video.
    pub target: u32,
    /// The stored video's screenshot number.
    pub target_frame: u32,
    /// The similarity of the two screenshots, 0–100.
    pub similarity: f32,
    /// How the query's screenshot was turned to match (the index hit's, or `compare`'s).
    pub orientation: Orientation,
}

/// What counts as a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceOptions {
    /// `S`: the least number of consecutive query screenshots a run must span.
    pub min_run: u32,
    /// How many consecutive query screenshots may be missing inside a run (0 = none).
    pub max_gap: u32,
    /// How far (in frames) the offsets inside one run may spread.
    pub offset_tolerance: u32,
}

impl Default for SequenceOptions {
    fn default() -> Self {
        SequenceOptions {
            min_run: 6,
            max_gap: 0,
            offset_tolerance: 1,
        }
    }
}

/// A run: query frames `query_start..=query_end` match target frames
/// `target_start..=target_end` of `target`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequenceMatch {
    /// The stored video.
    pub target: u32,
    /// First query frame of the run.
    pub query_start: u32,
    /// Last query frame of the run (inclusive).
    pub query_end: u32,
    /// First target frame of the run.
    pub target_start: u32,
    /// Last target frame of the run (inclusive).
    pub target_end: u32,
    /// `target_start − query_start`, in frames.
    pub offset: i64,
    /// How many query frames in the run have a hit (the span minus the gaps).
    pub matched: u32,
    /// Mean similarity of the matched frames.
    pub similarity: f32,
    /// How the query's clip looks turned to match: the orientation most of the run's
    /// screenshots matched in ([`Orientation::Upright`] on a tie), so a mirrored clip is told
    /// mirrored.
    pub orientation: Orientation,
}

impl SequenceMatch {
    /// Query frames spanned, gaps included.
    pub fn len(&self) -> u32 {
        self.query_end - self.query_start + 1
    }

    /// Never true: a run spans at least one frame.
    pub fn is_empty(&self) -> bool {
        false
    }
}

#[derive(Clone, Copy)]
struct Chain {
    start: usize,
    count: u32,
    min_offset: i64,
    max_offset: i64,
    similarity: f32,
    /// Hits per orientation, in the order of [`Orientation::ALL`].
    turns: [u32; 8],
}

/// The place of `o` in [`Orientation::ALL`].
fn turn_index(o: Orientation) -> usize {
    Orientation::ALL.iter().position(|&x| x == o).unwrap_or(0)
}

/// Finds every run of at least `options.min_run` query frames that match one target with a
/// consistent offset. Overlapping runs on the same target are reported once (the longest).
/// Results are sorted by target, then query start.
pub fn find_sequences(hits: &[FrameHit], options: &SequenceOptions) -> Vec<SequenceMatch> {
    let min_run = options.min_run.max(1);
    let tolerance = i64::from(options.offset_tolerance);
    let mut sorted: Vec<FrameHit> = hits
        .iter()
        .copied()
        .filter(|h| h.similarity.is_finite())
        .collect();
    sorted.sort_by(|a, b| {
        (a.target, a.query_frame, a.target_frame)
            .cmp(&(b.target, b.query_frame, b.target_frame))
            .then(b.similarity.total_cmp(&a.similarity))
    });
    sorted.dedup_by(|b, a| {
        (a.target, a.query_frame, a.target_frame) == (b.target, b.query_frame, b.target_frame)
    });

    let mut out = Vec::new();
    let mut begin = 0;
    while begin < sorted.len() {
        let target = sorted[begin].target;
        let end = begin
            + sorted[begin..]
                .iter()
                .take_while(|h| h.target == target)
                .count();
        chain_target(
            &sorted[begin..end],
            min_run,
            options.max_gap,
            tolerance,
            &mut out,
        );
        begin = end;
    }
    out.sort_by(|a, b| {
        (a.target, a.query_start, a.target_start).cmp(&(b.target, b.query_start, b.target_start))
    });
    out
}

fn chain_target(
    hits: &[FrameHit],
    min_run: u32,
    max_gap: u32,
    tolerance: i64,
    out: &mut Vec<SequenceMatch>,
) {
    let offset = |h: &FrameHit| i64::from(h.target_frame) - i64::from(h.query_frame);
    let mut chains: Vec<Chain> = Vec::with_capacity(hits.len());
    // `first[k]` = index of the first hit whose query frame is ≥ hits[k].query_frame: hits are
    // sorted by query frame, so the hits of frame f form one block.
    let mut block_start = 0;
    for (k, h) in hits.iter().enumerate() {
        if hits[block_start].query_frame != h.query_frame {
            block_start = k;
        }
        let d = offset(h);
        let mut best: Option<Chain> = None;
        // Walk back over the blocks of the previous 1 + max_gap frames.
        let lowest = h.query_frame.saturating_sub(1 + max_gap);
        let mut j = block_start;
        while j > 0 && hits[j - 1].query_frame >= lowest {
            j -= 1;
            let g = &hits[j];
            if g.query_frame >= h.query_frame || g.target_frame > h.target_frame {
                continue;
            }
            let c = chains[j];
            let (lo, hi) = (c.min_offset.min(d), c.max_offset.max(d));
            if hi - lo > tolerance {
                continue;
            }
            let mut turns = c.turns;
            turns[turn_index(h.orientation)] += 1;
            let candidate = Chain {
                start: c.start,
                count: c.count + 1,
                min_offset: lo,
                max_offset: hi,
                similarity: c.similarity + h.similarity,
                turns,
            };
            let better = match &best {
                None => true,
                Some(b) => {
                    let span_b = h.query_frame - hits[b.start].query_frame;
                    let span_c = h.query_frame - hits[candidate.start].query_frame;
                    (span_c, candidate.count, candidate.similarity)
                        > (span_b, b.count, b.similarity)
                }
            };
            if better {
                best = Some(candidate);
            }
        }
        chains.push(best.unwrap_or_else(|| {
            let mut turns = [0; 8];
            turns[turn_index(h.orientation)] = 1;
            Chain {
                start: k,
                count: 1,
                min_offset: d,
                max_offset: d,
                similarity: h.similarity,
                turns,
            }
        }));
    }

    // Longest runs first; a run overlapping an accepted one (in both videos) is a part of it.
    let mut ends: Vec<usize> = (0..hits.len())
        .filter(|&k| hits[k].query_frame - hits[chains[k].start].query_frame + 1 >= min_run)
        .collect();
    ends.sort_by(|&a, &b| {
        let span = |k: usize| hits[k].query_frame - hits[chains[k].start].query_frame;
        (span(b), chains[b].count)
            .cmp(&(span(a), chains[a].count))
            .then(chains[b].similarity.total_cmp(&chains[a].similarity))
            .then(a.cmp(&b))
    });
    let first_out = out.len();
    for k in ends {
        let c = chains[k];
        let (s, e) = (&hits[c.start], &hits[k]);
        let candidate = SequenceMatch {
            target: e.target,
            query_start: s.query_frame,
            query_end: e.query_frame,
            target_start: s.target_frame,
            target_end: e.target_frame,
            offset: i64::from(s.target_frame) - i64::from(s.query_frame),
            matched: c.count,
            similarity: c.similarity / c.count as f32,
            // The first of the most frequent (upright comes first in `ALL`).
            orientation: Orientation::ALL[(0..8).fold(0, |best, i| {
                if c.turns[i] > c.turns[best] { i } else { best }
            })],
        };
        let overlaps = out[first_out..].iter().any(|m: &SequenceMatch| {
            m.query_start <= candidate.query_end
                && candidate.query_start <= m.query_end
                && m.target_start <= candidate.target_end
                && candidate.target_start <= m.target_end
        });
        if !overlaps {
            out.push(candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn hit(q: u32, target: u32, t: u32) -> FrameHit {
        FrameHit {
            query_frame: q,
            target,
            target_frame: t,
            similarity: 80.0,
            orientation: Orientation::Upright,
        }
    }

    fn run(target: u32, q0: u32, t0: u32, len: u32) -> Vec<FrameHit> {
        (0..len).map(|i| hit(q0 + i, target, t0 + i)).collect()
    }

    fn opts(min_run: u32, max_gap: u32) -> SequenceOptions {
        SequenceOptions {
            min_run,
            max_gap,
            offset_tolerance: 1,
        }
    }

    #[test]
    fn a_clean_diagonal_is_one_match_with_its_ranges() {
        let found = find_sequences(&run(7, 3, 40, 8), &opts(6, 0));
        assert_eq!(
            found,
            vec![SequenceMatch {
                target: 7,
                query_start: 3,
                query_end: 10,
                target_start: 40,
                target_end: 47,
                offset: 37,
                matched: 8,
                similarity: 80.0,
                orientation: Orientation::Upright,
            }]
        );
    }

    #[test]
    fn a_run_matched_mirrored_is_told_mirrored() {
        // Six of eight screenshots matched mirrored (two plain frames matched either way).
        let mut hits = run(2, 0, 10, 8);
        for h in hits.iter_mut().skip(2) {
            h.orientation = Orientation::Mirrored;
        }
        let found = find_sequences(&hits, &opts(6, 0));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].orientation, Orientation::Mirrored);
        // A tie goes to upright.
        for h in hits.iter_mut().take(4) {
            h.orientation = Orientation::Upright;
        }
        assert_eq!(
            find_sequences(&hits, &opts(6, 0))[0].orientation,
            Orientation::Upright
        );
    }

    #[test]
    fn s_minus_one_frames_do_not_match() {
        assert!(find_sequences(&run(1, 0, 0, 5), &opts(6, 0)).is_empty());
        assert_eq!(find_sequences(&run(1, 0, 0, 6), &opts(6, 0)).len(), 1);
    }

    #[test]
    fn one_missing_frame_is_tolerated_only_when_asked() {
        let mut hits = run(2, 0, 10, 4);
        hits.extend(run(2, 5, 15, 4)); // frame 4 is missing
        assert!(find_sequences(&hits, &opts(6, 0)).is_empty());
        let found = find_sequences(&hits, &opts(6, 1));
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].query_start, found[0].query_end, found[0].matched),
            (0, 8, 8)
        );
    }

    #[test]
    fn offsets_may_wobble_by_one_frame_but_not_jump() {
        // Sampling phase between two target frames: offset alternates 5, 6, 5, 6, …
        let wobble: Vec<FrameHit> = (0..8).map(|i| hit(i, 3, i + 5 + (i % 2))).collect();
        assert_eq!(find_sequences(&wobble, &opts(6, 0)).len(), 1);
        // Offsets that jump around are not a clip.
        let jumping: Vec<FrameHit> = (0..8).map(|i| hit(i, 3, (i * 7) % 11 + 20)).collect();
        assert!(find_sequences(&jumping, &opts(6, 0)).is_empty());
    }

    #[test]
    fn scattered_hits_and_other_targets_are_kept_apart() {
        let mut hits = run(1, 0, 100, 6);
        // The same query frames also hit target 2, but only 3 in a row.
        hits.extend(run(2, 0, 0, 3));
        // Noise: each query frame hits some random frame of target 3.
        hits.extend((0..10).map(|q| hit(q, 3, (q * 37) % 50)));
        let found = find_sequences(&hits, &opts(6, 0));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].target, 1);
    }

    #[test]
    fn a_clip_repeated_in_the_target_is_found_twice() {
        let mut hits = run(4, 0, 10, 6);
        hits.extend(run(4, 0, 50, 6));
        let found = find_sequences(&hits, &opts(6, 0));
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].target_start, found[1].target_start), (10, 50));
    }

    #[test]
    fn static_scenes_with_many_hits_per_frame_still_give_one_run() {
        // Every query frame matches every target frame (a still image): one run, not many.
        let hits: Vec<FrameHit> = (0..8)
            .flat_map(|q| (0..8).map(move |t| hit(q, 9, t)))
            .collect();
        let found = find_sequences(&hits, &opts(6, 0));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].len(), 8);
    }
}
