//! Whether a picture's chroma is a function of its luminance: a toned black-and-white picture
//! (sepia, a duotone, a cyanotype), read from its decomposition (issue 17).
//!
//! The colour of a toned picture says nothing that its luminance does not, so, like the chroma of
//! a gray copy, it is left out of the comparison ([`Signature::strength`](crate::Signature)
//! records it as 0). [`follows_luminance`](crate::signature) catches a tint that scales the
//! luminance (its chroma keeps Y's largest coefficients); a sepia filter clips the red channel in
//! the highlights, so its chroma is a bent function of Y whose coefficients are no longer Y's.
//! Here the test is on the picture itself: sort its pixels by luminance, cut them into groups of
//! like luminance, and measure how much of the chroma's variance is left inside the groups. A
//! toned picture leaves almost none; a colour photograph most of it (colour and brightness vary
//! apart).
//!
//! The picture is the whole 128 × 128 square, rebuilt from the coefficients: so the GPU path,
//! which hands over coefficients, gets the same answer. Until signature format 7 it was the
//! 32 × 32 low-pass picture (averages of 4 × 4 pixels), but an average over pixels on both sides
//! of the bend (red clipped in some, not in others) lies off the curve: the sepia copies of the
//! accuracy harness's photographs left up to 17 % of their chroma's variance there, against 7 %
//! or less at full size, while their colour originals left 8 % and more at either size
//! (`tests/src/bin/accuracy`, the channels that count). At full size the harness finds 96 % of
//! its sepia copies at the default sensitivity instead of 92 %, with 2 605 false pairs instead
//! of 2 612.
use alloc::vec;
use alloc::vec::Vec;

use crate::{AREA, Planes};

/// Pixels per group of like luminance: 64 groups.
const GROUP: usize = 256;

/// A chroma channel whose variance is left at most this share inside groups of like luminance
/// follows the luminance. Measured on the accuracy harness with signature format 7, at the
/// default sensitivity: at 6 %, 96 % of the sepia copies found and 2 605 false pairs; at 5 %,
/// 94.5 % and 2 603; at 8 %, 96 % and 2 607 (more of them between different photographs, 382
/// against 374).
///
/// 7 % since signature format 9. A sepia copy saved as a JPEG, as photo tools and ffmpeg save
/// it, leaves more than the harness's lossless copies: 6.5–6.6 % in the channel that decides
/// for four of the five lomiri wallpapers whose ffmpeg sepia copies the outside check missed
/// (`tests/outside-check.sh`), where every channel of the 40 colour photographs of the harness
/// leaves 7.9 % or more (the least: `Painting-Colors`' Q, 7.9 %, and I, 8.9 %; the retina's I,
/// 9.1 %). At 7 % the harness is unchanged at the default (97.94 % found, 2 582 false pairs
/// against 2 583; at sensitivity 0, 31 724 against 31 567), the outside check finds 39 of its
/// 40 sepia copies instead of 35, and 18 of the 19 sepia copies of `tests/photos` saved at JPEG
/// quality 90 are found instead of 15 (at 8 %: 97.98 %, 2 586; at 10 %: 97.94 %, 2 575 but
/// hazy copies 95 → 94 %, the colour of `Painting-Colors` and the retina dropped).
pub(crate) const TONED: f32 = 0.07;

/// For the chroma channels (I, Q) of decomposed YIQ `coefficients` whose entry in `asked` is
/// true: whether the channel is, but for a few per cent of its variance, a function of the
/// luminance, given decomposed as `luminance` (the plane before equalization). A channel
/// without variance is not.
pub(crate) fn toned(luminance: &[f32], coefficients: &Planes, asked: [bool; 2]) -> [bool; 2] {
    if asked == [false, false] {
        return asked;
    }
    let y = rebuilt(luminance);
    let order = by_luminance(&y);
    core::array::from_fn(|k| asked[k] && explained(&rebuilt(coefficients.channel(k + 1)), &order))
}

/// Levels of luminance the pixels are sorted by.
const LEVELS: usize = 4096;

/// The positions of the pixels of `y` from dark to light: a counting sort over [`LEVELS`]
/// levels between its darkest and lightest pixel, positions in order within a level, so the
/// groups, and the answer, are deterministic (and the sort takes a few microseconds where a
/// comparison sort of 16 384 values took a few hundred).
fn by_luminance(y: &[f32]) -> Vec<u16> {
    // Eight running extremes, so that the loop is not one chain of dependent comparisons.
    let (mut lows, mut highs) = ([f32::INFINITY; 8], [f32::NEG_INFINITY; 8]);
    for chunk in y.chunks_exact(8) {
        for ((l, h), &v) in lows.iter_mut().zip(highs.iter_mut()).zip(chunk) {
            *l = l.min(v);
            *h = h.max(v);
        }
    }
    let low = lows.iter().fold(f32::INFINITY, |a, &b| a.min(b));
    let high = highs.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
    let scale = if high > low {
        (LEVELS - 1) as f32 / (high - low)
    } else {
        0.0
    };
    let levels: Vec<u16> = y
        .iter()
        .map(|&v| (((v - low) * scale) as usize).min(LEVELS - 1) as u16)
        .collect();
    let mut starts = vec![0u32; LEVELS + 1];
    for &l in &levels {
        starts[usize::from(l) + 1] += 1;
    }
    for l in 0..LEVELS {
        starts[l + 1] += starts[l];
    }
    let mut order = vec![0u16; y.len()];
    for (k, &l) in levels.iter().enumerate() {
        let slot = &mut starts[usize::from(l)];
        order[*slot as usize] = k as u16;
        *slot += 1;
    }
    order
}

/// Whether at most [`TONED`] of the variance of `chroma` is left inside the groups of
/// [`GROUP`] pixels that follow one another in `order`.
fn explained(chroma: &[f32], order: &[u16]) -> bool {
    // Per group, in luminance order, the sum and the sum of squares, each over four running
    // lanes (one chain of dependent additions would take several times as long). The
    // variance left inside a group is `Σv² − (Σv)²/n`; in f64 the cancellation costs nothing
    // at these magnitudes.
    let (mut inside, mut sum, mut squares) = (0f64, 0f64, 0f64);
    for group in order.chunks_exact(GROUP) {
        let (mut s, mut q) = ([0f64; 4], [0f64; 4]);
        for four in group.chunks_exact(4) {
            for ((s, q), &k) in s.iter_mut().zip(q.iter_mut()).zip(four) {
                let v = f64::from(chroma[usize::from(k)]);
                *s += v;
                *q += v * v;
            }
        }
        let (s, q) = (s.iter().sum::<f64>(), q.iter().sum::<f64>());
        inside += q - s * s / GROUP as f64;
        sum += s;
        squares += q;
    }
    let total = squares - sum * sum / order.len() as f64;
    total > 0.0 && inside <= f64::from(TONED) * total
}

/// The 128 × 128 picture of a decomposed plane: its inverse decomposition.
fn rebuilt(plane: &[f32]) -> Vec<f32> {
    let mut out = plane[..AREA].to_vec();
    crate::haar::reconstruct(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SIZE, decompose_planes, planes_to_yiq};

    /// YIQ coefficients of a 128 × 128 picture given per pixel as RGB in 0–1.
    fn coefficients(f: impl Fn(usize, usize) -> [f32; 3]) -> Planes {
        let mut planes = Planes::zeroed();
        for row in 0..SIZE {
            for col in 0..SIZE {
                let rgb = f(row, col);
                for (c, v) in rgb.iter().enumerate() {
                    planes.channel_mut(c)[row * SIZE + col] = *v;
                }
            }
        }
        planes_to_yiq(&mut planes);
        decompose_planes(&mut planes);
        planes
    }

    /// A picture with structure: a bright disc on a shaded ground, soft-edged.
    fn shade(row: usize, col: usize) -> f32 {
        let (x, y) = (col as f32 / 128.0, row as f32 / 128.0);
        let r = (x - 0.4) * (x - 0.4) + (y - 0.6) * (y - 0.6);
        let disc = (0.06 - r).clamp(0.0, 0.02) * 25.0;
        0.1 + 0.4 * x * y + disc
    }

    #[test]
    fn a_sepia_picture_is_toned_and_a_colour_one_is_not() {
        // Sepia as photo editors make it, red clipped in the highlights.
        let sepia = coefficients(|row, col| {
            let l = shade(row, col);
            [(l * 1.35).min(1.0), l * 1.2, l * 0.94]
        });
        assert_eq!(toned(sepia.channel(0), &sepia, [true; 2]), [true; 2]);
        assert_eq!(
            toned(sepia.channel(0), &sepia, [false, true]),
            [false, true]
        );
        // Colour that varies apart from the luminance.
        let colour = coefficients(|row, col| {
            let l = shade(row, col);
            let t = ((row / 13 + col / 7) % 3) as f32 * 0.2;
            [l * 0.5 + t, l * 0.5 + 0.2 - t / 2.0, l * 0.5 + 0.1]
        });
        assert_eq!(toned(colour.channel(0), &colour, [true; 2]), [false; 2]);
    }

    #[test]
    fn fine_detail_across_the_clip_is_still_toned() {
        // Pixel-sized detail of varying strength over a ground that crosses the point where
        // the filter clips red: each pixel's chroma is a function of its luminance, but the
        // average of a block mixes clipped and unclipped pixels in proportions that vary with
        // the detail, so block averages leave the curve (the 32 × 32 low-pass test, signature
        // format 6, called the I channel here colour).
        let sepia = coefficients(|row, col| {
            let ground = 0.45 + 0.5 * col as f32 / 127.0;
            let detail = 0.2 * row as f32 / 127.0;
            let l = if (row + col) % 2 == 0 {
                ground + detail
            } else {
                ground - detail
            }
            .clamp(0.0, 1.0);
            [(l * 1.35).min(1.0), l * 1.2, l * 0.94]
        });
        assert_eq!(toned(sepia.channel(0), &sepia, [true; 2]), [true; 2]);
    }
}
