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
//! The picture is the 32 × 32 low-pass one (averages of 4 × 4 pixels), rebuilt from the
//! coefficients with both indices below 32: so the GPU path, which hands over coefficients, gets
//! the same answer, and the work is small (two 32 × 32 inverse transforms and a sort of 1 024
//! values). Measured on the accuracy harness's 200 pictures (`tests/src/bin/accuracy`, the
//! channels that count): colour photographs leave 3–94 % (median 48–52 %, one in twenty below
//! 9–12 %), their sepia copies 0.4–40 % (median 3.5–6 %).

use core::f32::consts::FRAC_1_SQRT_2;

use crate::{Planes, SIZE};

/// Side of the low-pass picture the test reads.
const SIDE: usize = 32;

/// Pixels per group of like luminance: 64 groups.
const GROUP: usize = 16;

/// A chroma channel whose variance is left at most this share inside groups of like luminance
/// follows the luminance. At 6 % the accuracy harness finds 91 % of its sepia copies at the
/// default sensitivity instead of 83.5 %, for 4 more false pairs (779, of 27.6 million: photos
/// whose colour nearly follows their brightness); at 4 %, 87.5 % and 1 more; at 10 %, 92.5 % and
/// 22 more.
pub(crate) const TONED: f32 = 0.06;

/// For the chroma channels (I, Q) of decomposed YIQ `coefficients` whose entry in `asked` is
/// true: whether the channel is, but for a few per cent of its variance, a function of the
/// luminance, given decomposed as `luminance` (the plane before equalization). A channel
/// without variance is not.
pub(crate) fn toned(luminance: &[f32], coefficients: &Planes, asked: [bool; 2]) -> [bool; 2] {
    if asked == [false, false] {
        return asked;
    }
    let y = low_pass(luminance);
    // By luminance, ties by position, so the groups, and the answer, are deterministic: keys
    // of the luminance's bits in the order of `f32::total_cmp`, then the position.
    let mut keys = [0u64; SIDE * SIDE];
    for (k, (key, &v)) in keys.iter_mut().zip(y.iter()).enumerate() {
        let bits = v.to_bits();
        let ordered = if bits >> 31 == 1 {
            !bits
        } else {
            bits | 1 << 31
        };
        *key = u64::from(ordered) << 16 | k as u64;
    }
    keys.sort_unstable();
    let order: [u16; SIDE * SIDE] = core::array::from_fn(|k| keys[k] as u16);
    core::array::from_fn(|k| asked[k] && explained(&low_pass(coefficients.channel(k + 1)), &order))
}

/// Whether at most [`TONED`] of the variance of `chroma` is left inside the groups of
/// [`GROUP`] pixels that follow one another in `order`.
fn explained(chroma: &[f32; SIDE * SIDE], order: &[u16; SIDE * SIDE]) -> bool {
    let n = (SIDE * SIDE) as f64;
    let mean = chroma.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let total: f64 = chroma
        .iter()
        .map(|&v| (f64::from(v) - mean) * (f64::from(v) - mean))
        .sum();
    let mut inside = 0.0;
    for group in order.chunks_exact(GROUP) {
        let value = |k: &u16| f64::from(chroma[usize::from(*k)]);
        let m = group.iter().map(value).sum::<f64>() / GROUP as f64;
        inside += group
            .iter()
            .map(|k| (value(k) - m) * (value(k) - m))
            .sum::<f64>();
    }
    total > 0.0 && inside <= f64::from(TONED) * total
}

/// The 32 × 32 low-pass picture of a decomposed plane (up to a constant factor): the inverse
/// standard decomposition of its top-left 32 × 32 coefficients.
fn low_pass(plane: &[f32]) -> [f32; SIDE * SIDE] {
    let mut out = [0f32; SIDE * SIDE];
    for (row, dst) in out.chunks_exact_mut(SIDE).enumerate() {
        dst.copy_from_slice(&plane[row * SIZE..row * SIZE + SIDE]);
        reconstruct_array(dst);
    }
    let mut column = [0f32; SIDE];
    for col in 0..SIDE {
        for (row, v) in column.iter_mut().enumerate() {
            *v = out[row * SIDE + col];
        }
        reconstruct_array(&mut column);
        for (row, v) in column.iter().enumerate() {
            out[row * SIDE + col] = *v;
        }
    }
    out
}

/// The inverse of the paper's `DecomposeArray` on 32 values (without its prescale).
fn reconstruct_array(a: &mut [f32]) {
    let mut tmp = [0f32; SIDE];
    let mut h = 1;
    while h < a.len() {
        for i in 0..h {
            tmp[2 * i] = (a[i] + a[h + i]) * FRAC_1_SQRT_2;
            tmp[2 * i + 1] = (a[i] - a[h + i]) * FRAC_1_SQRT_2;
        }
        a[..2 * h].copy_from_slice(&tmp[..2 * h]);
        h *= 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decompose_planes, planes_to_yiq};

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
}
