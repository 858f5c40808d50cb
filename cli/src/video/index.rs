//! Clips of one video inside another: one [`Index`] of every stored screenshot, queried with a
//! new video's screenshots, and the hits chained by [`find_sequences`]: a match is a run of at
//! least `S` consecutive screenshots that match one stored video with a consistent time offset.

use std::collections::{HashMap, HashSet};

use anyhow::{Result, bail};
use lookalike_core::signature::NEGATIVE;
use lookalike_core::{
    FrameHit, Index, IndexBuilder, Orientation, QueryScratch, SequenceMatch, SequenceOptions,
    Signature, Weights, compare, find_sequences,
};

use crate::store::{Shot, VideoStore};

/// Hits kept per screenshot query. A still scene (a black frame, a title card) matches many
/// screenshots of the same video; the sequence matcher needs the right one among them.
const HITS_PER_SCREENSHOT: usize = 64;

/// Of a screenshot query's hits, at most this many per stored video go on, so that several
/// copies of one video, each with near-identical screenshots of a slow scene, cannot fill the
/// [`HITS_PER_SCREENSHOT`] best and leave another copy out (a mirrored one, whose hits are
/// discounted, was left out so, with its common codes also missing from the seed query). The
/// query asks for [`HITS_PER_SCREENSHOT`] × [`QUERY_DEPTH`] hits, then keeps the best per video.
const HITS_PER_VIDEO: usize = 16;

/// See [`HITS_PER_VIDEO`].
const QUERY_DEPTH: usize = 4;

/// The best [`HITS_PER_VIDEO`] of `hits` (best first, as the index gives them) per stored video,
/// at most [`HITS_PER_SCREENSHOT`] in all, as `(video, screenshot, hit)`.
fn best_per_video(
    hits: Vec<lookalike_core::Hit>,
    owners: &[(u32, u32)],
    exclude: Option<u32>,
) -> Vec<(u32, u32, lookalike_core::Hit)> {
    let mut per_video: HashMap<u32, usize> = HashMap::new();
    let mut out = Vec::new();
    for hit in hits {
        let Some(&(video, frame)) = owners.get(hit.id as usize) else {
            continue;
        };
        if video == u32::MAX || Some(video) == exclude {
            continue;
        }
        let n = per_video.entry(video).or_default();
        if *n < HITS_PER_VIDEO {
            *n += 1;
            out.push((video, frame, hit));
            if out.len() == HITS_PER_SCREENSHOT {
                break;
            }
        }
    }
    out
}

/// All stored screenshots in one index: index id → (video id, screenshot number).
pub struct ShotIndex {
    pub index: Index,
    pub owners: Vec<(u32, u32)>,
    /// How many screenshots keep each coefficient code, `[channel << 15 | code]`: the length
    /// of its posting list (removals are not subtracted; this only steers the seed queries).
    pub frequency: Vec<u32>,
    /// Screenshots per stored video (a video shorter than `S` screenshots matches as a whole).
    lengths: HashMap<u32, u32>,
}

/// Index of a code in [`ShotIndex::frequency`].
fn slot(channel: usize, code: u16) -> usize {
    (channel << 15) | usize::from(code)
}

/// Counts the codes of `signature` in `frequency`.
pub fn count_codes(frequency: &mut [u32], signature: &Signature) {
    for c in (0..3).filter(|&c| signature.is_comparable(c)) {
        for &code in signature.codes(c) {
            frequency[slot(c, code)] += 1;
        }
    }
}

/// The fewest screenshots in a row that make a match of a video shorter than `S` screenshots
/// with another: one screenshot alike is no evidence of a shared clip.
pub const MIN_SHORT_RUN: u32 = 2;

/// A posting list holding more than 1/this of all screenshots is left out of seed queries.
const COMMON_CODE_SHARE: usize = 50;

/// Seed queries leave codes out, which lowers every similarity; they keep hits down to this
/// share of the requested similarity, then check them with the whole signatures. 0.35 since
/// signature format 3 (issue 17): a spread signature keeps more of the common codes (one per
/// cell, often the cell's coarsest), so a seed query keeps a quarter to a third of its codes,
/// and a copy's seed similarity (97–99 in full) fell to 21–29 in the test below.
const SEED_SIMILARITY_SHARE: f32 = 0.35;

impl ShotIndex {
    /// An index over `index`'s screenshots.
    pub fn new(index: Index, owners: Vec<(u32, u32)>, frequency: Vec<u32>) -> ShotIndex {
        let mut lengths: HashMap<u32, u32> = HashMap::new();
        for &(video, frame) in owners.iter().filter(|o| o.0 != u32::MAX) {
            let n = lengths.entry(video).or_default();
            *n = (*n).max(frame + 1);
        }
        ShotIndex {
            index,
            owners,
            frequency,
            lengths,
        }
    }

    /// The query for seeds: `signature` (turned as a probe needs it) with its common codes
    /// (posting lists of more than 1/[`COMMON_CODE_SHARE`] of the screenshots) swapped for codes
    /// no screenshot keeps. The common codes are the low frequencies most pictures keep; their
    /// lists are most of what a query walks, and they tell little about which screenshot is the
    /// copy. The seeds it finds are checked with the whole signatures.
    fn seed_query(&self, signature: &Signature) -> Signature {
        let limit = (self.index.len() / COMMON_CODE_SHARE).max(64) as u32;
        let m = usize::from(signature.m());
        let codes: [Vec<u16>; 3] = std::array::from_fn(|c| {
            let own = signature.codes(c);
            let mut codes: Vec<u16> = own
                .iter()
                .copied()
                .filter(|&code| self.frequency[slot(c, code)] <= limit)
                .collect();
            // Fill up with codes no screenshot keeps, finest positions first. Neither sign may
            // be kept: a coefficient kept with the other sign counts against (issue 17).
            let mut position = (lookalike_core::AREA - 1) as u16;
            while codes.len() < m && position > 0 {
                let unused = self.frequency[slot(c, position)] == 0
                    && self.frequency[slot(c, position | NEGATIVE)] == 0;
                for code in [position, position | NEGATIVE] {
                    if codes.len() < m && unused && !codes.contains(&code) && !own.contains(&code) {
                        codes.push(code);
                    }
                }
                position -= 1;
            }
            codes
        });
        Signature::from_parts(
            signature.aspect_ratio(),
            signature.average(),
            signature.strength(),
            [&codes[0], &codes[1], &codes[2]],
        )
        .unwrap_or(*signature)
    }

    /// Loads every stored screenshot of the videos `known` accepts (the others' are removed
    /// from the store, see [`VideoStore::load_shots`]).
    pub fn load(videos: &VideoStore, known: &dyn Fn(u32) -> bool) -> Result<ShotIndex> {
        let mut builder = IndexBuilder::new(Weights::Scanned);
        let mut owners = Vec::new();
        let mut frequency = vec![0u32; 3 << 15];
        videos.load_shots(known, &mut |id, frame, signature| {
            count_codes(&mut frequency, &signature);
            builder.add(&signature);
            owners.push((id, frame));
        })?;
        Ok(ShotIndex::new(builder.build(), owners, frequency))
    }

    /// Adds the screenshots of `video`.
    pub fn insert(&mut self, video: u32, shots: &[Shot]) {
        for shot in shots {
            let n = self.lengths.entry(video).or_default();
            *n = (*n).max(shot.index + 1);
            count_codes(&mut self.frequency, &shot.signature);
            let id = self.index.insert(&shot.signature) as usize;
            if id >= self.owners.len() {
                self.owners.resize(id + 1, (u32::MAX, 0));
            }
            self.owners[id] = (video, shot.index);
        }
    }

    /// Forgets every screenshot of `video`.
    pub fn remove_video(&mut self, video: u32) {
        self.lengths.remove(&video);
        for (id, owner) in self.owners.iter_mut().enumerate() {
            if owner.0 == video {
                self.index.remove(id as u32);
                *owner = (u32::MAX, 0);
            }
        }
    }

    /// The screenshot hits of a video, then its runs.
    /// The runs of a video's screenshots, found by *seed and extend*: only every
    /// `⌈S / 2⌉`-th screenshot is queried through the index (so every run of `S` contains
    /// at least two queried screenshots), and every hit, a seed, is extended along its
    /// diagonal (the same time offset ± the tolerance) by comparing the neighbouring
    /// screenshots directly with the stored video's, read through `lookup`. The hits go to
    /// [`find_sequences`]. A query then walks the posting lists for a half or a third of the
    /// screenshots only, which is where the time goes (README, "Videos").
    ///
    /// [`ShotIndex::matches_exhaustive`] queries every screenshot instead; the two agree on
    /// every run whose screenshots are in each other's best [`HITS_PER_SCREENSHOT`] hits.
    ///
    /// A video shorter than `S` screenshots (a 30 s phone clip at one every 10 s, S = 6) could
    /// never match a run of `S`: a pair where one video is that short matches when all of the
    /// shorter one's screenshots do, in a row, and it has at least two
    /// ([`ShotIndex::run_needed`]).
    pub fn matches(
        &self,
        shots: &[Shot],
        min_similarity: f32,
        options: &SequenceOptions,
        exclude: Option<u32>,
        lookup: &dyn Fn(u32, u32) -> Option<Signature>,
    ) -> Vec<SequenceMatch> {
        use rayon::prelude::*;
        let query_len = shots.iter().map(|s| s.index + 1).max().unwrap_or(0);
        // A run of S, or of all of a short query, holds two queried screenshots; a run of all of
        // the shortest stored video that can match holds one at least.
        let shortest_stored = self
            .lengths
            .values()
            .copied()
            .filter(|&n| n >= MIN_SHORT_RUN.min(options.min_run))
            .min()
            .unwrap_or(u32::MAX);
        let stride = options
            .min_run
            .min(query_len)
            .max(MIN_SHORT_RUN)
            .div_ceil(2)
            .min(shortest_stored)
            .max(1);
        let seeds: Vec<FrameHit> = shots
            .par_iter()
            .filter(|shot| shot.index % stride == 0)
            .map_init(QueryScratch::new, |scratch, shot| {
                // Per orientation, the query turned that way without the codes common there:
                // a code common upright (many upright copies of one clip stored) may be rare
                // turned (a mirrored copy), where the turned probe needs it.
                let hits = self.index.query_turned_with(
                    scratch,
                    &|o| match o {
                        Orientation::Upright => self.seed_query(&shot.signature),
                        o => self.seed_query(&shot.signature.oriented(o)),
                    },
                    min_similarity * SEED_SIMILARITY_SHARE,
                    HITS_PER_SCREENSHOT * QUERY_DEPTH,
                );
                best_per_video(hits, &self.owners, exclude)
                    .into_iter()
                    .map(|(video, frame, hit)| FrameHit {
                        query_frame: shot.index,
                        target: video,
                        target_frame: frame,
                        similarity: hit.similarity,
                        orientation: hit.orientation,
                    })
                    .collect::<Vec<_>>()
            })
            .flatten()
            .collect();

        let by_frame: HashMap<u32, &Signature> =
            shots.iter().map(|s| (s.index, &s.signature)).collect();
        let mut cache: HashMap<(u32, u32), Option<Signature>> = HashMap::new();
        let mut visited: HashSet<(u32, i64, u32)> = HashSet::new();
        let tolerance = i64::from(options.offset_tolerance);
        let mut hits = Vec::new();
        for seed in seeds {
            let offset = i64::from(seed.target_frame) - i64::from(seed.query_frame);
            if !visited.insert((seed.target, offset, seed.query_frame)) {
                continue;
            }
            // The seed query left codes out: score the seed with the whole signatures.
            let Some(query) = by_frame.get(&seed.query_frame) else {
                continue;
            };
            let stored = cache
                .entry((seed.target, seed.target_frame))
                .or_insert_with(|| lookup(seed.target, seed.target_frame));
            let Some(stored) = stored else {
                continue;
            };
            let seed_match = compare(query, stored, Weights::Scanned);
            if seed_match.similarity < min_similarity {
                continue;
            }
            hits.push(FrameHit {
                similarity: seed_match.similarity,
                orientation: seed_match.orientation,
                ..seed
            });
            for step in [-1i64, 1] {
                let mut misses = 0;
                let mut q = i64::from(seed.query_frame) + step;
                while let Ok(qf) = u32::try_from(q) {
                    let Some(query) = by_frame.get(&qf) else {
                        break;
                    };
                    visited.insert((seed.target, offset, qf));
                    let mut best: Option<FrameHit> = None;
                    for t in (q + offset - tolerance)..=(q + offset + tolerance) {
                        let Ok(tf) = u32::try_from(t) else {
                            continue;
                        };
                        let stored = cache
                            .entry((seed.target, tf))
                            .or_insert_with(|| lookup(seed.target, tf));
                        let Some(stored) = stored else {
                            continue;
                        };
                        let c = compare(query, stored, Weights::Scanned);
                        if c.similarity >= min_similarity
                            && best.is_none_or(|b| c.similarity > b.similarity)
                        {
                            best = Some(FrameHit {
                                query_frame: qf,
                                target: seed.target,
                                target_frame: tf,
                                similarity: c.similarity,
                                orientation: c.orientation,
                            });
                        }
                    }
                    match best {
                        Some(hit) => {
                            hits.push(hit);
                            misses = 0;
                        }
                        None => {
                            misses += 1;
                            if misses > options.max_gap {
                                break;
                            }
                        }
                    }
                    q += step;
                }
            }
        }
        self.runs(&hits, options, query_len)
    }

    /// The screenshots in a row that a pair of this query (`query_len` screenshots) with the
    /// stored video `target` needs: `S`, or all of the shorter video's when it has fewer (at
    /// least [`MIN_SHORT_RUN`]).
    pub fn run_needed(&self, options: &SequenceOptions, query_len: u32, target: u32) -> u32 {
        let target_len = self.lengths.get(&target).copied().unwrap_or(u32::MAX);
        options
            .min_run
            .min(query_len.min(target_len))
            .max(MIN_SHORT_RUN.min(options.min_run))
    }

    /// The runs of `hits` that are long enough ([`ShotIndex::run_needed`]).
    fn runs(
        &self,
        hits: &[FrameHit],
        options: &SequenceOptions,
        query_len: u32,
    ) -> Vec<SequenceMatch> {
        let loose = SequenceOptions {
            min_run: options.min_run.min(MIN_SHORT_RUN),
            ..*options
        };
        find_sequences(hits, &loose)
            .into_iter()
            .filter(|m| m.matched >= self.run_needed(options, query_len, m.target))
            .collect()
    }

    /// [`ShotIndex::matches`] by querying every screenshot through the index: the slow twin
    /// that checks it (tests, `lookalike bench-videos query`).
    pub fn matches_exhaustive(
        &self,
        shots: &[Shot],
        min_similarity: f32,
        options: &SequenceOptions,
        exclude: Option<u32>,
    ) -> Vec<SequenceMatch> {
        let mut scratch = QueryScratch::new();
        let mut hits = Vec::new();
        for shot in shots {
            let found = self.index.query_with(
                &mut scratch,
                &shot.signature,
                min_similarity,
                HITS_PER_SCREENSHOT * QUERY_DEPTH,
            );
            for (video, frame, hit) in best_per_video(found, &self.owners, exclude) {
                hits.push(FrameHit {
                    query_frame: shot.index,
                    target: video,
                    target_frame: frame,
                    similarity: hit.similarity,
                    orientation: hit.orientation,
                });
            }
        }
        let query_len = shots.iter().map(|s| s.index + 1).max().unwrap_or(0);
        self.runs(&hits, options, query_len)
    }
}

/// The sequence matcher's options for `--min-sequence` S.
pub fn sequence_options(min_sequence: u32) -> Result<SequenceOptions> {
    if min_sequence == 0 {
        bail!("--min-sequence must be at least 1");
    }
    Ok(SequenceOptions {
        min_run: min_sequence,
        // One screenshot inside a run may miss (a scene cut between the two videos' sampling
        // instants, a title burned over it); the run still needs S matching screenshots.
        max_gap: 1,
        offset_tolerance: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lookalike_core::{PixelLayout, Pixels};

    fn signature(rgb: &[u8]) -> Signature {
        Signature::compute(&Pixels::new(96, 54, PixelLayout::Rgb8, rgb).unwrap())
    }

    /// Screenshot `k` of stored video `v`: scenes of three screenshots, moving a little.
    fn frame(v: u64, k: u32) -> Vec<u8> {
        super::super::synthetic::picture(v * 1000 + u64::from(k / 3), (k % 3) * 2)
    }

    #[test]
    fn seed_and_extend_finds_what_the_exhaustive_search_finds() {
        let mut builder = IndexBuilder::new(Weights::Scanned);
        let mut owners = Vec::new();
        let mut frequency = vec![0u32; 3 << 15];
        let mut stored: HashMap<(u32, u32), Signature> = HashMap::new();
        for v in 0..40u32 {
            for k in 0..30u32 {
                let s = signature(&frame(u64::from(v), k));
                count_codes(&mut frequency, &s);
                builder.add(&s);
                owners.push((v, k));
                stored.insert((v, k), s);
            }
        }
        let index = ShotIndex::new(builder.build(), owners, frequency);
        // The query: 10 screenshots of its own, then screenshots 5..17 of video 7, brightened,
        // then 8 of its own.
        let shots: Vec<Shot> = (0..30u32)
            .map(|q| {
                let rgb = if (10..22).contains(&q) {
                    frame(7, q - 5)
                        .iter()
                        .map(|&b| b.saturating_add(12))
                        .collect()
                } else {
                    frame(5000, q)
                };
                Shot {
                    index: q,
                    time_ms: q * 2000,
                    signature: signature(&rgb),
                }
            })
            .collect();
        let options = sequence_options(6).unwrap();
        let min = lookalike_core::Sensitivity::PLAIN_DEFAULT.min_similarity();
        let lookup = |v: u32, k: u32| stored.get(&(v, k)).copied();
        let seeded = index.matches(&shots, min, &options, None, &lookup);
        let exhaustive = index.matches_exhaustive(&shots, min, &options, None);
        assert_eq!(seeded.len(), 1, "{seeded:?}");
        let m = seeded[0];
        assert_eq!(
            (
                m.target,
                m.query_start,
                m.query_end,
                m.target_start,
                m.offset
            ),
            (7, 10, 21, 5, -5)
        );
        assert_eq!(exhaustive.len(), 1, "{exhaustive:?}");
        assert_eq!(
            (
                exhaustive[0].target,
                exhaustive[0].query_start,
                exhaustive[0].query_end
            ),
            (7, 10, 21)
        );
        // Excluding the target (the query's own entry) leaves nothing.
        assert!(
            index
                .matches(&shots, min, &options, Some(7), &lookup)
                .is_empty()
        );
    }
}
