//! Step 2 of the method: the standard two-dimensional Haar decomposition.
//!
//! As in the paper (§3.2, `DecomposeImage`): every row is fully decomposed, then every column.
//! One step of `DecomposeArray` replaces pairs `(a, b)` with the average-like `(a + b)/√2` and the
//! detail `(a − b)/√2`, halving the active length until one value is left. The paper first divides
//! each array by `√h` (h = 128); for the two passes together that is a division by 128, which we
//! apply once, up front, because a power of two scales exactly. With this normalisation the
//! transform is orthonormal up to that factor, so:
//!
//! - coefficient `(0, 0)` of a channel is its average over the 128 × 128 image (the paper's
//!   "average colour", the DC term);
//! - `Σ coefficient² = Σ pixel² / 128²` (energy is preserved), and
//! - [`reconstruct`] inverts [`decompose`] up to float rounding.
//!
//! Layout: a plane is 128 × 128 `f32`, row-major. After the decomposition, the coefficient at
//! `(row, col)` has vertical frequency level given by `row` and horizontal by `col`; the paper's
//! bins (`min(max(row, col), 5)`, see [`bin`](crate::bin)) are read off those indices.

use core::f32::consts::FRAC_1_SQRT_2;

use crate::{AREA, Planes, SIZE};

/// One in-place decomposition of a 128-long array (`DecomposeArray` without the `√h` prescale).
#[inline]
fn decompose_array(a: &mut [f32; SIZE], tmp: &mut [f32; SIZE]) {
    let mut h = SIZE;
    while h > 1 {
        h /= 2;
        for i in 0..h {
            let (x, y) = (a[2 * i], a[2 * i + 1]);
            tmp[i] = (x + y) * FRAC_1_SQRT_2;
            tmp[h + i] = (x - y) * FRAC_1_SQRT_2;
        }
        a[..2 * h].copy_from_slice(&tmp[..2 * h]);
    }
}

/// The inverse of [`decompose_array`].
#[inline]
fn reconstruct_array(a: &mut [f32; SIZE], tmp: &mut [f32; SIZE]) {
    let mut h = 1;
    while h < SIZE {
        for i in 0..h {
            let (s, d) = (a[i], a[h + i]);
            tmp[2 * i] = (s + d) * FRAC_1_SQRT_2;
            tmp[2 * i + 1] = (s - d) * FRAC_1_SQRT_2;
        }
        a[..2 * h].copy_from_slice(&tmp[..2 * h]);
        h *= 2;
    }
}

/// Decomposes one 128 × 128 plane in place (rows, then columns).
///
/// # Panics
/// If `plane.len() != 128 * 128` (a programming error, not a data error: the planes come from
/// [`Planes`]).
pub fn decompose(plane: &mut [f32]) {
    assert_eq!(plane.len(), AREA, "a plane is 128 × 128");
    let scale = 1.0 / SIZE as f32;
    let mut line = [0f32; SIZE];
    let mut tmp = [0f32; SIZE];
    for row in plane.chunks_exact_mut(SIZE) {
        for (l, v) in line.iter_mut().zip(row.iter()) {
            *l = v * scale;
        }
        decompose_array(&mut line, &mut tmp);
        row.copy_from_slice(&line);
    }
    for col in 0..SIZE {
        for (r, l) in line.iter_mut().enumerate() {
            *l = plane[r * SIZE + col];
        }
        decompose_array(&mut line, &mut tmp);
        for (r, l) in line.iter().enumerate() {
            plane[r * SIZE + col] = *l;
        }
    }
}

/// Inverts [`decompose`] in place (columns, then rows, then the ×128).
pub fn reconstruct(plane: &mut [f32]) {
    assert_eq!(plane.len(), AREA, "a plane is 128 × 128");
    let mut line = [0f32; SIZE];
    let mut tmp = [0f32; SIZE];
    for col in 0..SIZE {
        for (r, l) in line.iter_mut().enumerate() {
            *l = plane[r * SIZE + col];
        }
        reconstruct_array(&mut line, &mut tmp);
        for (r, l) in line.iter().enumerate() {
            plane[r * SIZE + col] = *l;
        }
    }
    for row in plane.chunks_exact_mut(SIZE) {
        line.copy_from_slice(row);
        reconstruct_array(&mut line, &mut tmp);
        for (v, l) in row.iter_mut().zip(line.iter()) {
            *v = l * SIZE as f32;
        }
    }
}

/// Decomposes all three channels of `planes` in place.
pub fn decompose_planes(planes: &mut Planes) {
    for c in 0..3 {
        decompose(planes.channel_mut(c));
    }
}

#[cfg(test)]
pub(crate) mod naive {
    //! The paper's pseudo-code, transcribed literally in f64 with `sqrt`: the oracle that the
    //! fast version (and, through the tests crate, the GPU) is checked against.
    extern crate std;
    use std::vec::Vec;

    fn decompose_array(a: &mut [f64]) {
        let mut h = a.len();
        let root = (h as f64).sqrt();
        for v in a.iter_mut() {
            *v /= root;
        }
        while h > 1 {
            h /= 2;
            let mut next = a.to_vec();
            for i in 0..h {
                next[i] = (a[2 * i] + a[2 * i + 1]) / 2f64.sqrt();
                next[h + i] = (a[2 * i] - a[2 * i + 1]) / 2f64.sqrt();
            }
            a.copy_from_slice(&next);
        }
    }

    /// `DecomposeImage` for an `n × n` image.
    pub fn decompose_image(image: &[f64], n: usize) -> Vec<f64> {
        let mut t = image.to_vec();
        for r in 0..n {
            decompose_array(&mut t[r * n..(r + 1) * n]);
        }
        for c in 0..n {
            let mut col: Vec<f64> = (0..n).map(|r| t[r * n + c]).collect();
            decompose_array(&mut col);
            for r in 0..n {
                t[r * n + c] = col[r];
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    #[test]
    fn constant_plane_has_only_an_average() {
        let mut p = vec![0.25f32; AREA];
        decompose(&mut p);
        assert!((p[0] - 0.25).abs() < 1e-6, "{}", p[0]);
        assert!(p[1..].iter().all(|v| v.abs() < 1e-6));
    }

    #[test]
    fn left_right_split_lands_in_the_first_horizontal_detail() {
        // Left half 1, right half 0: average 0.5; the only detail is at (0, 1) and equals
        // (mean(left) − mean(right)) / 2 = 0.5 with this normalisation.
        let mut p = vec![0f32; AREA];
        for r in 0..SIZE {
            for c in 0..SIZE / 2 {
                p[r * SIZE + c] = 1.0;
            }
        }
        decompose(&mut p);
        assert!((p[0] - 0.5).abs() < 1e-6);
        assert!((p[1] - 0.5).abs() < 1e-6, "{}", p[1]);
        let others = p
            .iter()
            .enumerate()
            .filter(|&(i, v)| i > 1 && v.abs() > 1e-6)
            .count();
        assert_eq!(others, 0);
    }

    #[test]
    fn a_single_pixel_spreads_over_every_level() {
        // Hand-checked: the impulse at (0, 0) contributes 1/128² to the average and to the
        // coarsest details (0,1), (1,0), (1,1), and 1/128 × (1/√2)^(levels) further down.
        let mut p = vec![0f32; AREA];
        p[0] = 1.0;
        decompose(&mut p);
        let inv = 1.0 / (AREA as f32);
        for idx in [0, 1, SIZE, SIZE + 1] {
            assert!((p[idx] - inv).abs() < 1e-9, "{idx}: {}", p[idx]);
        }
        // The finest detail in both directions: (64, 64) = (1/128) · (1/√2)^0 · ... = 1/256.
        assert!(
            (p[64 * SIZE + 64] - 1.0 / 256.0).abs() < 1e-7,
            "{}",
            p[64 * SIZE + 64]
        );
    }

    fn plane_strategy() -> impl Strategy<Value = Vec<f32>> {
        // A few random blocks over a random background: structured like images, not only noise.
        (
            0f32..1.0,
            proptest::collection::vec(
                (
                    0usize..SIZE,
                    0usize..SIZE,
                    1usize..64,
                    1usize..64,
                    -1f32..1.0,
                ),
                0..8,
            ),
            proptest::collection::vec(-0.05f32..0.05, AREA),
        )
            .prop_map(|(bg, blocks, noise)| {
                let mut p: Vec<f32> = noise.iter().map(|n| bg + n).collect();
                for (r0, c0, h, w, v) in blocks {
                    for r in r0..(r0 + h).min(SIZE) {
                        for c in c0..(c0 + w).min(SIZE) {
                            p[r * SIZE + c] += v;
                        }
                    }
                }
                p
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn matches_the_papers_pseudo_code(p in plane_strategy()) {
            let wide: Vec<f64> = p.iter().map(|&v| f64::from(v)).collect();
            let expected = naive::decompose_image(&wide, SIZE);
            let mut fast = p.clone();
            decompose(&mut fast);
            for (i, (f, e)) in fast.iter().zip(expected.iter()).enumerate() {
                prop_assert!((f64::from(*f) - e).abs() < 2e-5, "coefficient {i}: {f} vs {e}");
            }
        }

        #[test]
        fn preserves_energy(p in plane_strategy()) {
            let before: f64 = p.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / AREA as f64;
            let mut c = p.clone();
            decompose(&mut c);
            let after: f64 = c.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
            prop_assert!((before - after).abs() <= 1e-4 * before.max(1e-3), "{before} vs {after}");
        }

        #[test]
        fn reconstruct_inverts_decompose(p in plane_strategy()) {
            let mut c = p.clone();
            decompose(&mut c);
            reconstruct(&mut c);
            for (i, (a, b)) in p.iter().zip(c.iter()).enumerate() {
                prop_assert!((a - b).abs() < 1e-5, "pixel {i}: {a} vs {b}");
            }
        }
    }
}
