//! Contrast-limited equalization of the luminance before the decomposition (signature format 6,
//! issue 17).
//!
//! # Why
//! The paper keeps the positions of the largest coefficients, and a coefficient grows with the
//! contrast across it. Text, a logo or a caption laid over a photograph is drawn in near-white
//! and near-black, so over a dim, hazy or near-gray photograph (fog, night, snow, a texture) its
//! edges are several times stronger than anything in the picture and take the signature: two
//! *different* near-gray photographs carrying the same text matched at 76–98, and the captioned
//! copy no longer matched its own original. A linear change of contrast would not help (the
//! top-`m` positions of a plane scaled by any factor are the same); what helps is to spread the
//! picture's own levels over the whole range, so that the overlay is no stronger than the
//! picture's own strongest edges.
//!
//! # What
//! Global histogram equalization of the 128 × 128 Y plane with a clip limit, computed in
//! integers so that the CPU, the GPU (`shaders/equalize.wgsl`) and wasm give the same bits:
//!
//! - the levels 0–1 fall into [`BINS`] bins (`⌊y · 1024⌋`, exact for a power of two);
//! - each bin's count is clipped at [`CLIP`] times the count of a flat histogram, and what was
//!   clipped is spread evenly over all bins (so no level range is stretched more than about
//!   three times: the noise of a flat frame stays noise, not structure);
//! - every value becomes the middle of its bin's share of the clipped cumulative histogram,
//!   `((2 · below + count) · BINS + excess · (2b + 1)) / (2 · AREA · BINS)`: an integer below
//!   2²⁵, halved so that it is exact in an `f32`, times 2⁻²⁴.
//!
//! The mapping is monotonic, so it keeps every edge's sign, and a picture that already uses the
//! whole range is changed little. Only the luminance is equalized; chroma carries little
//! structure in near-gray pictures and is left as it is. The average and the strength of Y that
//! a signature stores come from the plane *before* equalization ([`Signature`]'s docs), so
//! brightness still counts and a flat frame is still recognised as one.
//!
//! Measured on the accuracy harness at the default sensitivity (docs/accuracy.md; README
//! "Sensitivity"): with the 39 kinds of copies of format 5's release, 97.47 % found instead of
//! 96.84 % and 1 798 false pairs instead of 4 974 (63 of them between different photographs,
//! 59 before); with hazy copies, and hazy copies carrying the same text, added (41 kinds),
//! 2 487 false pairs instead of 7 647, 643 between photographs instead of 2 502. The clip, 2,
//! was chosen against 1.5, 3, 4 and 8 with a first version (README).
//!
//! [`Signature`]: crate::Signature

use crate::AREA;

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
    let mut counts = [0u32; BINS];
    for (bin, &y) in bins.iter_mut().zip(plane.iter()) {
        *bin = bin_of(y);
        counts[usize::from(*bin) & (BINS - 1)] += 1;
    }
    let mut excess = 0u32;
    for count in counts.iter_mut() {
        if *count > CAP {
            excess += *count - CAP;
            *count = CAP;
        }
    }
    let mut map = [0f32; BINS];
    let mut below = 0u32;
    for (b, (&count, value)) in counts.iter().zip(map.iter_mut()).enumerate() {
        // < 2 · AREA · BINS = 2²⁵; halved, < 2²⁴: exact in an f32 on every target.
        let twice = (2 * below + count) * BINS as u32 + excess * (2 * b as u32 + 1);
        *value = (twice >> 1) as f32 * UNIT;
        below += count;
    }
    for (y, &bin) in plane.iter_mut().zip(bins.iter()) {
        *y = map[usize::from(bin) & (BINS - 1)];
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
        // A ramp over a fifth of the range: about 2.4 times as wide after (clip 2).
        let mut hazy = ramp(0.5, 0.7);
        equalize(&mut hazy);
        let spread = hazy[AREA - 1] - hazy[0];
        assert!((0.4..0.6).contains(&spread), "spread {spread}");
        // A ramp over the whole range is a flat histogram: every value moves by under a bin.
        let mut full = ramp(0.0, 1.0);
        let before = full.clone();
        equalize(&mut full);
        for (a, b) in before.iter().zip(&full) {
            assert!((a - b).abs() <= 1.0 / BINS as f32, "{a} -> {b}");
        }
    }

    #[test]
    fn overlay_levels_far_from_the_picture_end_up_next_to_it() {
        // A hazy picture (0.45–0.65) with 5 % of white text and 5 % of black outline.
        let mut plane = ramp(0.45, 0.65);
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
        // Before: the overlay's step (0.94) was 4.7 times the picture's range (0.2). After, the
        // picture spans most of the range and the overlay's step is under twice it.
        assert!(hi - lo > 0.45, "picture {lo}..{hi}");
        assert!(
            (white - black) < 2.0 * (hi - lo),
            "overlay {black}..{white}"
        );
    }

    #[test]
    fn noise_is_not_stretched_past_the_clip() {
        // ±3 levels of 255 around 0.3: at most about three times wider.
        let mut noisy: Vec<f32> = (0..AREA as u32)
            .map(|i| 0.3 + ((i.wrapping_mul(2654435761) >> 7) % 7) as f32 / 255.0 - 3.0 / 255.0)
            .collect();
        let range = |p: &[f32]| {
            p.iter().fold(f32::MIN, |a, &b| a.max(b)) - p.iter().fold(f32::MAX, |a, &b| a.min(b))
        };
        let before = range(&noisy);
        equalize(&mut noisy);
        assert!(
            range(&noisy) < 3.5 * before,
            "{before} -> {}",
            range(&noisy)
        );
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
        // Every value in bin 100: 32 kept, 16 352 spread over the 1 024 bins.
        let mut one = alloc::vec![100.5f32 / BINS as f32; AREA];
        equalize(&mut one);
        let twice = 32 * BINS as u32 + 16_352 * 201;
        let expected = (twice >> 1) as f32 / (1u32 << 24) as f32;
        assert!(
            one.iter().all(|&y| y == expected),
            "{} != {expected}",
            one[0]
        );
    }
}
