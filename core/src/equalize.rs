//! Contrast-limited equalization of the luminance before the decomposition (signature format 6,
//! issue 17).
//!
//! # Why
//! The paper keeps the positions of the largest coefficients, and a coefficient grows with the
//! contrast across it. Text, a logo or a caption laid over a photograph is drawn in near-white
//! and near-black, so over a dim, hazy or near-gray photograph (fog, night, snow, a texture) its
//! edges are several times stronger than anything in the picture and take the signature: two
//! *different* near-gray photographs carrying the same text matched (12 of the 171 pairs of the
//! test photographs with 30 % of their contrast, at up to about 76; at 8 % of it, up to 98),
//! and the captioned copy no longer matched its own original. A linear change of contrast would not help (the
//! top-`m` positions of a plane scaled by any factor are the same); what helps is to spread the
//! picture's own levels over the whole range, so that the overlay is no stronger than the
//! picture's own strongest edges.
//!
//! # What
//! Histogram equalization of the 128 × 128 Y plane with a clip limit, over the levels the
//! picture uses, computed in integers so that the CPU, the GPU (`shaders/equalize.wgsl`) and
//! wasm give the same bits:
//!
//! - the levels 0–1 fall into [`BINS`] bins (`⌊y · 1024⌋`, exact for a power of two);
//! - each bin's count is clipped at [`CLIP`] times the count of a flat histogram, so that a level
//!   held by much of the picture (a sky, a wall) takes no more of the range than a few others;
//! - what was clipped is spread evenly over the `used` bins, those holding any pixel. Levels
//!   nobody uses get no share of the range: the gap between a hazy picture's levels and the
//!   white and black of an overlay closes, and the overlay's edges become no stronger than the
//!   picture's own strongest ones;
//! - every value becomes the middle of its bin's share of the clipped cumulative histogram,
//!   `((2 · below + count) · used + excess · (2 · rank + 1)) / (2 · AREA · used)` with `rank`
//!   the bin's place among the used ones: in units of 2⁻²⁴, `twice · 512 / used`, an integer
//!   below 2²⁴ (exact in an `f32`) computed in 32 bits.
//!
//! - then levels far outside the range the picture mostly uses (`OwnRange`: the levels of
//!   all but the darkest and the lightest [`RANGE_SHARE`] % of its pixels) are pulled to its
//!   median: not at all up to one width of that range beyond it ([`PULL_FROM`]), all the way
//!   from two widths ([`PULL_TO`]), in between in proportion, in 64 integer steps
//!   (`(units · (64 − pull) + middle · pull) / 64`, below 2³⁰). How strongly depends on where
//!   the picture's darkest and lightest 0.7 % lie ([`OUTER_PERMILLE`]): the pull needs them beyond
//!   the range on *both* sides, in full from two widths ([`BOTH_FROM`], [`BOTH_TO`]), and
//!   fades out when the further of them lies 16 to 32 widths beyond ([`PLAIN_FROM`],
//!   [`PLAIN_TO`]).
//!
//! - before all this (signature format 17), a vignette is taken out of the bins
//!   (`equalize/vignette.rs`): a bowl of darkening towards the edges, fitted to the levels'
//!   logarithm, is lifted where both halves of an axis darken.
//!
//! # Why the pull (signature format 10)
//! Equalization alone left an overlay's strokes at 0 and 1, next to a hazy picture's own
//! darkest and lightest levels: white glyphs in a black outline are a full step over a few
//! pixels, along straight lines, where a texture's own edges are short and a third of a step.
//! Over the harness's textures (grass, gravel, the moon) the text still took most of the
//! luminance's coefficients, so two *different* hazy photographs carrying the same text
//! matched at up to 86, and the copy did not match its own original (9). Levels that far
//! from all the rest, on both sides of it, are what an overlay is drawn in (light text with
//! a dark outline or shadow: memes, subtitles, titles); pulled to the picture's median they
//! leave flat patches, and the picture's own structure takes the signature again (the
//! grass's copy: 58.9; the two photographs: 16.2). A picture that uses its whole range has
//! nothing two widths beyond it, so it is not changed.
//!
//! Both gates come from what a first version, which pulled any far level, did to pictures
//! that are not overlays. A subject far from its ground on one side (the dog at the foot of
//! a white wall in `friends_by`, a tripod on grass, stars, the blurred clock) was flattened:
//! on the harness 97.60 % of the copies were found instead of 97.91 %, contrast +30 %
//! .98 → .945, caption band .99 → .965, and the dog's quarter cut at a corner was lost. Text
//! on a plain ground was gone too: a title card (white text on black) scored 20 against its
//! own JPEG copy and 8 against a grainy one (99.9 and 86 before the pull), a page of text as
//! little. With the gates, measured on the harness at the default (docs/accuracy.md; a
//! floating-point prototype gave the same): 929 false pairs instead of 1 298, 97 of them
//! between different photographs instead of 342 (the same text over two hazy pictures: 40
//! instead of 303), 97.94 % of the copies found instead of 97.91 %, text over the picture
//! .88 → .905, hazy copies carrying text 40.5 % → 57 %. The first version's 526 false pairs
//! came mostly from flattening the clock's blob, one-sided; the retina's quarters are
//! unchanged either way (README, "Overlay levels pulled").
//!
//! The mapping is monotonic up to the pull, so it keeps the sign of every edge within the
//! picture's own range, and a picture that already uses the whole range is changed little. A
//! flat frame's few levels of noise are stretched too, but its strength (below) still says it
//! has no structure, so it still matches nothing. Only the
//! luminance is equalized; chroma carries little structure in near-gray pictures and is left as
//! it is. The average and the strength of Y that a signature stores come from the plane
//! *before* equalization ([`Signature`]'s docs), so brightness still counts and a flat frame is
//! still recognised as one.
//!
//! Measured on the accuracy harness at the default sensitivity (docs/accuracy.md; README
//! "Sensitivity"), against format 5: with hazy copies, and hazy copies carrying the same text,
//! in the harness (41 kinds), 97.57 % found instead of 96.87 %, 2 612 false pairs instead of
//! 7 647, 381 of them between different photographs instead of 2 502. Spreading the clipped
//! counts over all 1 024 bins instead (the first version of format 6) left the gap: 643 between
//! photographs, 527 of them hazy pictures with the same text. The clip, 2, was chosen against
//! 1, 1.5, 3, 4 and 8 (README).
//!
//! [`Signature`]: crate::Signature

use crate::AREA;

mod vignette;

pub use vignette::{
    BOWL_LEAST as VIGNETTE_BOWL_LEAST, BOWL_MEAN as VIGNETTE_BOWL_MEAN,
    BOWL_MOST as VIGNETTE_BOWL_MOST, GAINS as VIGNETTE_GAINS, LEVEL_LOG as VIGNETTE_LEVEL_LOG,
    LOG as VIGNETTE_LOG, undoes_vignette,
};

/// Histogram bins over the levels 0–1.
pub const BINS: usize = 1024;

/// A bin holds at most `CLIP` times the count of a flat histogram (`AREA / BINS`).
pub const CLIP: usize = 2;

/// The largest count a bin keeps: [`CLIP`] × 16.
const CAP: u32 = (CLIP * AREA / BINS) as u32;

/// 2⁻²⁴: the value of one unit of the halved mapping.
const UNIT: f32 = 1.0 / (1u32 << 24) as f32;

/// The bin of a level: `⌊y · BINS⌋`, clamped to `0..BINS` (negative and NaN go to bin 0: a
/// NaN stays NaN through the clamp, and casts to 0).
#[inline]
fn bin_of(y: f32) -> u16 {
    (y * BINS as f32).clamp(0.0, (BINS - 1) as f32) as u16
}

/// Equalizes one 128 × 128 plane of levels (0–1) in place, as the module docs describe.
pub fn equalize(plane: &mut [f32]) {
    assert_eq!(plane.len(), AREA, "one 128 × 128 plane");
    let mut bins = [0u16; AREA];
    // Four histograms, one per pixel of each run of four, added up after: neighbouring pixels
    // of a smooth picture fall in the same bin, and one histogram waited on each increment.
    let mut partial = [[0u32; BINS]; 4];
    for (four, ys) in bins.chunks_exact_mut(4).zip(plane.chunks_exact(4)) {
        for ((bin, &y), counts) in four.iter_mut().zip(ys).zip(partial.iter_mut()) {
            *bin = bin_of(y);
            counts[usize::from(*bin) & (BINS - 1)] += 1;
        }
    }
    // A vignette undone: counted again only for a plane it lifts.
    if vignette::undo(&mut bins) {
        partial = [[0u32; BINS]; 4];
        for four in bins.chunks_exact(4) {
            for (&bin, counts) in four.iter().zip(partial.iter_mut()) {
                counts[usize::from(bin) & (BINS - 1)] += 1;
            }
        }
    }
    let mut counts = [0u32; BINS];
    for (b, count) in counts.iter_mut().enumerate() {
        *count = partial.iter().map(|p| p[b]).sum();
    }
    let range = OwnRange::of(&counts);
    let mut excess = 0u32;
    for count in counts.iter_mut() {
        if *count > CAP {
            excess += *count - CAP;
            *count = CAP;
        }
    }
    // The levels the picture uses; the clipped counts are spread over them alone.
    let used = counts.iter().filter(|&&c| c > 0).count() as u32;
    let mut units_of = [0u32; BINS];
    let (mut below, mut rank) = (0u32, 0u32);
    for (&count, units) in counts.iter().zip(units_of.iter_mut()) {
        if count == 0 {
            continue;
        }
        // twice · used · AREA times the value: below 2 · AREA · used ≤ 2²⁵.
        let twice = (2 * below + count) * used + excess * (2 * rank + 1);
        // In units of 2⁻²⁴ (2⁻²⁴ · 2 · AREA = 2⁻⁹): twice · 512 / used, in two steps that
        // stay in 32 bits; below 2²⁴, so exact in an f32.
        *units = twice / used * 512 + twice % used * 512 / used;
        below += count;
        rank += 1;
    }
    let middle = units_of[range.middle as usize];
    let mut map = [0f32; BINS];
    for (b, (value, &units)) in map.iter_mut().zip(units_of.iter()).enumerate() {
        let pull = range.pull(b as u32);
        // Below 2²⁴ · PULL_STEPS = 2³⁰, and back below 2²⁴ after the division.
        let pulled = (units * (PULL_STEPS - pull) + middle * pull) / PULL_STEPS;
        *value = pulled as f32 * UNIT;
    }
    for (y, &bin) in plane.iter_mut().zip(bins.iter()) {
        *y = map[usize::from(bin) & (BINS - 1)];
    }
}

/// Of the pixels, the share in percent left out at each end when measuring the levels a
/// picture mostly uses (`OwnRange`): more than an overlay usually covers (two lines of text
/// take 5–8 % of a picture), less than a caption band or a letterbox bar.
pub const RANGE_SHARE: u32 = 10;

/// Of the pixels, the share in thousandths at each end that tells how far the picture's
/// outermost levels lie beyond its own range: its darkest and its lightest 0.7 % (signature
/// format 12; 1 % before). Text drawn over a picture in white with a thick dark outline (a
/// meme's, a title's) keeps little of its white once the picture is scaled to 128 × 128, the
/// strokes blended with the outline: over a hazy picture, its lightest 1 % lay inside the
/// picture's own levels, so the outline's dark levels were one-sided and nothing was pulled,
/// and two different hazy pictures carrying the text matched on it. Measured on the accuracy
/// harness at the default (docs/accuracy.md): at 0.7 %, 879 false pairs instead of 923, 13
/// between different photographs instead of 19, hazy copies with text found at 72 % instead of
/// 62.5 %, and every required kind of copy found as often or more (98.83 % in all, one copy
/// more); at 0.5 %, 869 and 12 false pairs but 6 copies fewer (caption band .99 → .98,
/// letterbox + caption + JPEG .98 → .965); at 0.3 %, 853 and 11, 7 fewer.
pub const OUTER_PERMILLE: u32 = 7;

/// A level starts to be pulled to the middle this many quarters of the picture's own range
/// beyond it, and is pulled all the way at [`PULL_TO`] quarters.
pub const PULL_FROM: u32 = 4;

/// See [`PULL_FROM`].
pub const PULL_TO: u32 = 8;

/// The pull needs levels beyond the range on *both* sides: it grows with how far the nearer
/// of the darkest and the lightest 0.7 % lies beyond it, from nothing at this many quarters of a
/// width to full at [`BOTH_TO`]. An overlay is drawn light with a dark outline or shadow (a
/// meme's, a subtitle's, a title's text); a picture's own subject far from its ground (a dog
/// at the foot of a white wall, a tripod on grass, stars) is on one side, and is left as it
/// is. (From one width to two instead: 97.89 % found, 1 054 false pairs.)
pub const BOTH_FROM: u32 = 0;

/// See [`BOTH_FROM`].
pub const BOTH_TO: u32 = 8;

/// The pull weakens when the outermost levels lie this many quarters of a width beyond the
/// range, and is gone from [`PLAIN_TO`] quarters: a range that narrow next to them is a plain
/// ground (paper, a title card's black, with its grain or JPEG noise), and the levels far from
/// it are the picture's subject (the text on it), not an overlay on a hazy picture.
pub const PLAIN_FROM: u32 = 64;

/// See [`PLAIN_FROM`].
pub const PLAIN_TO: u32 = 128;

/// Steps of the pull from a level's own value (0) to the middle's (`PULL_STEPS`).
pub const PULL_STEPS: u32 = 64;

/// The levels a picture mostly uses, in bins: from the bin where more than [`RANGE_SHARE`] % of
/// the pixels lie at or below (`low`) to the one where at least `100 − RANGE_SHARE` % do
/// (`high`), the median bin (`middle`), where more than half do, and how strongly levels beyond
/// are pulled (`strength`, 0 to [`PULL_STEPS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OwnRange {
    low: u32,
    high: u32,
    middle: u32,
    strength: u32,
}

/// `(value − from) / (to − from)` clamped to 0–1, in steps of [`PULL_STEPS`]; all in quarters
/// of `width`.
fn ramp(quarters: u32, from: u32, to: u32, width: u32) -> u32 {
    let over = quarters.saturating_sub(from * width);
    (over * PULL_STEPS / ((to - from) * width)).min(PULL_STEPS)
}

impl OwnRange {
    fn of(counts: &[u32; BINS]) -> OwnRange {
        let area = AREA as u32;
        // The bins where the cumulative count first exceeds (or, for the last two, reaches)
        // these: darkest 0.7 %, low, middle, high, lightest 0.7 %.
        let marks = [
            (area * OUTER_PERMILLE / 1000, false),
            (area * RANGE_SHARE / 100, false),
            (area / 2, false),
            (area * (100 - RANGE_SHARE) / 100, true),
            (area * (1000 - OUTER_PERMILLE) / 1000, true),
        ];
        let mut at = [BINS as u32 - 1; 5];
        let mut found = [false; 5];
        let mut cumulative = 0u32;
        for (b, &count) in counts.iter().enumerate() {
            cumulative += count;
            for (k, &(mark, reach)) in marks.iter().enumerate() {
                if !found[k] && (cumulative > mark || reach && cumulative == mark) {
                    (at[k], found[k]) = (b as u32, true);
                }
            }
        }
        let [darkest, low, middle, high, lightest] = at;
        let width = high - low + 1;
        let (below, above) = (low - darkest, lightest - high);
        let both = ramp(4 * below.min(above), BOTH_FROM, BOTH_TO, width);
        let plain = PULL_STEPS - ramp(4 * below.max(above), PLAIN_FROM, PLAIN_TO, width);
        OwnRange {
            low,
            high,
            middle,
            strength: both * plain / PULL_STEPS,
        }
    }

    /// How far, in steps of [`PULL_STEPS`], the level of bin `b` is pulled to the middle.
    fn pull(self, b: u32) -> u32 {
        let beyond = if b < self.low {
            self.low - b
        } else {
            b.saturating_sub(self.high)
        };
        let width = self.high - self.low + 1;
        ramp(4 * beyond, PULL_FROM, PULL_TO, width) * self.strength / PULL_STEPS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn ramp(lo: f32, hi: f32) -> Vec<f32> {
        (0..AREA)
            .map(|i| lo + (hi - lo) * (i as f32 / (AREA - 1) as f32))
            .collect()
    }

    #[test]
    fn the_mapping_is_monotonic_and_stays_in_the_unit_range() {
        let mut plane: Vec<f32> = (0..AREA)
            .map(|i| ((i * 7919) % 1000) as f32 / 1200.0 + 0.05)
            .collect();
        let before = plane.clone();
        equalize(&mut plane);
        let mut pairs: Vec<(f32, f32)> = before.into_iter().zip(plane).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in pairs.windows(2) {
            assert!(w[0].1 <= w[1].1, "{w:?}");
        }
        assert!(pairs.iter().all(|&(_, y)| (0.0..=1.0).contains(&y)));
    }

    #[test]
    fn a_hazy_plane_is_stretched_and_a_full_one_is_nearly_kept() {
        // A ramp over a fifth of the range: over nearly all of it after.
        let mut hazy = ramp(0.5, 0.7);
        equalize(&mut hazy);
        let spread = hazy[AREA - 1] - hazy[0];
        assert!(spread > 0.98, "spread {spread}");
        // A ramp over the whole range is a flat histogram: every value moves by under a bin.
        let mut full = ramp(0.0, 1.0);
        let before = full.clone();
        equalize(&mut full);
        for (a, b) in before.iter().zip(&full) {
            assert!((a - b).abs() <= 1.0 / BINS as f32, "{a} -> {b}");
        }
    }

    #[test]
    fn overlay_levels_far_from_the_picture_are_pulled_to_its_middle() {
        // A hazy picture (0.50–0.62) with 5 % of white text and 5 % of black outline.
        let mut plane = ramp(0.50, 0.62);
        for (i, y) in plane.iter_mut().enumerate() {
            match i % 20 {
                0 => *y = 0.98,
                1 => *y = 0.04,
                _ => {}
            }
        }
        equalize(&mut plane);
        let picture: Vec<f32> = (0..AREA).filter(|i| i % 20 > 1).map(|i| plane[i]).collect();
        let (lo, hi) = picture
            .iter()
            .fold((1f32, 0f32), |(lo, hi), &y| (lo.min(y), hi.max(y)));
        let (white, black) = (plane[0], plane[1]);
        // The picture spans nearly the whole range; the overlay, more than two widths beyond
        // its own range (0.507–0.613 holds 80 % of the pixels), no longer stands out: both of
        // its levels are the picture's median.
        assert!(hi - lo > 0.95, "picture {lo}..{hi}");
        let mut sorted = picture.clone();
        sorted.sort_by(f32::total_cmp);
        let median = sorted[sorted.len() / 2];
        assert!(
            (white - median).abs() < 0.02,
            "white {white}, median {median}"
        );
        assert!(
            (black - median).abs() < 0.02,
            "black {black}, median {median}"
        );
    }

    #[test]
    fn text_with_little_white_left_in_a_thick_outline_is_pulled_too() {
        // A hazy picture (0.50–0.62) with text whose dark outline takes 8 % and whose white
        // strokes, blended with it at 128 × 128, keep 0.8 % of the pixels: the lightest 1 %
        // reach into the picture's own levels, the lightest 0.7 % do not. Both overlay levels
        // go to the median (with 1 %, nothing moved: the outline stayed at the bottom).
        let mut plane = ramp(0.50, 0.62);
        for (i, y) in plane.iter_mut().enumerate() {
            if i % 125 == 0 {
                *y = 0.97;
            } else if i % 25 < 2 {
                *y = 0.04;
            }
        }
        equalize(&mut plane);
        // The median of the whole plane, overlay included: the level it is pulled to.
        let mut sorted = plane.clone();
        sorted.sort_by(f32::total_cmp);
        let median = sorted[AREA / 2];
        let (white, outline) = (plane[0], plane[1]);
        assert!(
            (white - median).abs() < 0.02,
            "white {white}, median {median}"
        );
        assert!(
            (outline - median).abs() < 0.02,
            "outline {outline}, median {median}"
        );
    }

    #[test]
    fn a_level_between_one_and_two_widths_beyond_is_pulled_part_of_the_way() {
        // 0.40–0.60 for 88 % of the pixels (its own range about 0.41–0.60), 4 % each at 0.02
        // and 0.98 (about two widths below and above: pulled all the way) and at 0.85 (about
        // 1.4 widths above: part of the way).
        let mut plane = ramp(0.40, 0.60);
        for (i, y) in plane.iter_mut().enumerate() {
            match i % 25 {
                0 => *y = 0.02,
                1 => *y = 0.98,
                2 => *y = 0.85,
                _ => {}
            }
        }
        equalize(&mut plane);
        let mut picture: Vec<f32> = (0..AREA).filter(|i| i % 25 > 2).map(|i| plane[i]).collect();
        picture.sort_by(f32::total_cmp);
        let (median, top) = (picture[picture.len() / 2], picture[picture.len() - 1]);
        let (dark, light, between) = (plane[0], plane[1], plane[2]);
        assert!((dark - median).abs() < 0.03, "dark {dark}, median {median}");
        assert!(
            (light - median).abs() < 0.03,
            "light {light}, median {median}"
        );
        assert!(
            between > median + 0.1 && between < top,
            "between {between}, median {median}, top {top}"
        );
    }

    #[test]
    fn a_far_level_on_one_side_only_is_kept() {
        // A dark subject (6 % at 0.05) at the foot of a light wall (0.40–0.60): the picture's
        // own, not an overlay, which has levels beyond the range on both sides. The wall's own
        // lightest 0.7 % lie just beyond its range, so the subject moves a few of the 64 steps
        // at most: it stays at the bottom, far below the wall's median.
        let mut plane = ramp(0.40, 0.60);
        for (i, y) in plane.iter_mut().enumerate() {
            if i % 50 < 3 {
                *y = 0.05;
            }
        }
        equalize(&mut plane);
        let mut wall: Vec<f32> = (0..AREA)
            .filter(|i| i % 50 >= 3)
            .map(|i| plane[i])
            .collect();
        wall.sort_by(f32::total_cmp);
        let median = wall[wall.len() / 2];
        assert!(
            plane[0] < 0.05 && median - plane[0] > 0.45,
            "{} against {median}",
            plane[0]
        );
    }

    #[test]
    fn text_on_a_plain_ground_is_kept() {
        // A title card: 94 % of grainy black (0.02–0.03, a range about ten bins wide) and 6 %
        // of white text, some 90 widths beyond it: the text is the picture, and stays on top.
        let mut plane = ramp(0.02, 0.03);
        for (i, y) in plane.iter_mut().enumerate() {
            if i % 50 < 3 {
                *y = 0.95;
            }
        }
        equalize(&mut plane);
        let ground = (0..AREA)
            .filter(|i| i % 50 >= 3)
            .map(|i| plane[i])
            .fold(0f32, f32::max);
        // Still on top, where equalizing alone leaves it, far from the ground's median.
        assert!(
            plane[0] > ground && plane[0] > 0.95,
            "text {} over {ground}",
            plane[0]
        );
    }

    #[test]
    fn a_level_held_by_half_the_picture_takes_no_more_than_its_clip() {
        // Half the pixels at one level (a sky), the rest over 50 levels below it.
        let mut plane: Vec<f32> = (0..AREA)
            .map(|i| {
                if i % 2 == 0 {
                    0.8
                } else {
                    (i % 100) as f32 / BINS as f32 + 0.1
                }
            })
            .collect();
        equalize(&mut plane);
        let sky = plane[0];
        let top_of_the_rest = (0..AREA)
            .filter(|i| i % 2 == 1)
            .map(|i| plane[i])
            .fold(0f32, f32::max);
        // Unclipped, the sky's bin would take half the range; clipped (32 of its 8 192 pixels
        // kept, like each of the 50 others), its step above the rest is a 51st of it.
        assert!(sky - top_of_the_rest < 0.025, "{top_of_the_rest} -> {sky}");
        assert!(sky < 1.0 && top_of_the_rest > 0.95);
    }

    /// The exact values of format 6 (the GPU's kernel must give the same bits).
    #[test]
    fn the_mapping_gives_the_documented_values_exactly() {
        // 16 values in every bin (a flat histogram, nothing clipped): bin b becomes (2b + 1)/2048.
        let mut flat: Vec<f32> = (0..AREA)
            .map(|i| ((i / 16) as f32 + 0.5) / BINS as f32)
            .collect();
        equalize(&mut flat);
        for (i, &y) in flat.iter().enumerate() {
            assert_eq!(y, (2 * (i / 16) + 1) as f32 / 2048.0, "value {i}");
        }
        // Every value in bin 100: one bin used, so the middle, 1/2.
        let mut one = alloc::vec![100.5f32 / BINS as f32; AREA];
        equalize(&mut one);
        assert!(one.iter().all(|&y| y == 0.5), "{}", one[0]);
        // Three levels used by about a third of the pixels each: 32 kept of each, the other
        // 16 288 spread over the three. The middle one, at rank 1 above 32 pixels, is at
        // ((64 + 32) · 3 + 16 288 · 3) / (2 · 16 384 · 3) = 1/2; the first at
        // (32 · 3 + 16 288) / 98 304, in units of 2⁻²⁴ that times 2²⁴ / 98 304 = 512 / 3.
        let mut three: Vec<f32> = (0..AREA).map(|i| [0.1, 0.5, 0.9][i % 3]).collect();
        equalize(&mut three);
        assert_eq!(three[1], 0.5);
        let units = (32 * 3 + 16_288) * 512 / 3;
        assert_eq!(three[0], units as f32 / (1u32 << 24) as f32);
        // The last, at rank 2 above 64: ((128 + 32) · 3 + 16 288 · 5) · 512 / 3 units, rounded
        // down.
        let units = ((128 + 32) * 3 + 16_288 * 5) * 512 / 3;
        assert_eq!(three[2], units as f32 / (1u32 << 24) as f32);
    }
}
