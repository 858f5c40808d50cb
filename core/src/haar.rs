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

/// One step-by-step reconstruction of a 128-long array: the inverse of `DecomposeArray`
/// (without the `√h` prescale).
#[inline]
fn reconstruct_array(a: &mut [f32; SIZE], tmp: &mut [f32; SIZE]) {
    let mut h = 1;
    while h < SIZE {
        let (sums, diffs) = a[..2 * h].split_at(h);
        for ((pair, s), d) in tmp[..2 * h]
            .chunks_exact_mut(2)
            .zip(sums.iter())
            .zip(diffs.iter())
        {
            pair[0] = (s + d) * FRAC_1_SQRT_2;
            pair[1] = (s - d) * FRAC_1_SQRT_2;
        }
        a[..2 * h].copy_from_slice(&tmp[..2 * h]);
        h *= 2;
    }
}

/// Decomposes every column of a plane at once (`DecomposeArray` without the `√h` prescale, per
/// column): each butterfly is applied to whole rows, so that it vectorises across the 128
/// columns.
fn decompose_columns(plane: &mut [f32], tmp: &mut [f32]) {
    let mut h = SIZE;
    while h > 1 {
        h /= 2;
        let (sums, diffs) = tmp[..2 * h * SIZE].split_at_mut(h * SIZE);
        for (i, (s, d)) in sums
            .chunks_exact_mut(SIZE)
            .zip(diffs.chunks_exact_mut(SIZE))
            .enumerate()
        {
            let (top, bottom) = plane[2 * i * SIZE..(2 * i + 2) * SIZE].split_at(SIZE);
            for (((s, d), x), y) in s
                .iter_mut()
                .zip(d.iter_mut())
                .zip(top.iter())
                .zip(bottom.iter())
            {
                *s = (x + y) * FRAC_1_SQRT_2;
                *d = (x - y) * FRAC_1_SQRT_2;
            }
        }
        plane[..2 * h * SIZE].copy_from_slice(&tmp[..2 * h * SIZE]);
    }
}

/// The inverse of [`decompose_columns`].
fn reconstruct_columns(plane: &mut [f32], tmp: &mut [f32]) {
    let mut h = 1;
    while h < SIZE {
        let (sums, diffs) = plane[..2 * h * SIZE].split_at(h * SIZE);
        for (i, (s, d)) in sums
            .chunks_exact(SIZE)
            .zip(diffs.chunks_exact(SIZE))
            .enumerate()
        {
            let (top, bottom) = tmp[2 * i * SIZE..(2 * i + 2) * SIZE].split_at_mut(SIZE);
            for (((x, y), s), d) in top
                .iter_mut()
                .zip(bottom.iter_mut())
                .zip(s.iter())
                .zip(d.iter())
            {
                *x = (s + d) * FRAC_1_SQRT_2;
                *y = (s - d) * FRAC_1_SQRT_2;
            }
        }
        plane[..2 * h * SIZE].copy_from_slice(&tmp[..2 * h * SIZE]);
        h *= 2;
    }
}

/// Decomposes one 128 × 128 plane in place (rows, then columns).
///
/// # Panics
/// If `plane.len() != 128 * 128` (a programming error, not a data error: the planes come from
/// [`Planes`]).
pub fn decompose(plane: &mut [f32]) {
    let mut scratch = alloc::vec![0f32; 2 * AREA];
    decompose_with(plane, &mut scratch);
}

/// Writes the transpose of `src` into `dst`, multiplied by `scale` (exact for powers of two).
fn transpose(src: &[f32], dst: &mut [f32], scale: f32) {
    const TILE: usize = 16;
    for r0 in (0..SIZE).step_by(TILE) {
        for c0 in (0..SIZE).step_by(TILE) {
            for r in r0..r0 + TILE {
                let row = &src[r * SIZE + c0..r * SIZE + c0 + TILE];
                for (k, &v) in row.iter().enumerate() {
                    dst[(c0 + k) * SIZE + r] = v * scale;
                }
            }
        }
    }
}

/// [`decompose`] with caller-provided scratch space (2 × 128 × 128 values).
///
/// The row pass runs as a column pass over the transposed plane, so that both passes apply
/// each butterfly to 128 values at once (which vectorises); per value, the operations and
/// their order are exactly the paper's `DecomposeArray`.
fn decompose_with(plane: &mut [f32], scratch: &mut [f32]) {
    assert_eq!(plane.len(), AREA, "a plane is 128 × 128");
    let (transposed, tmp) = scratch.split_at_mut(AREA);
    // The paper's 1/√128 per pass, both passes at once: a power of two, so exact.
    transpose(plane, transposed, 1.0 / SIZE as f32);
    decompose_columns(transposed, tmp);
    transpose(transposed, plane, 1.0);
    decompose_columns(plane, tmp);
}

/// Inverts [`decompose`] in place (columns, then rows, then the ×128).
pub fn reconstruct(plane: &mut [f32]) {
    assert_eq!(plane.len(), AREA, "a plane is 128 × 128");
    let mut rows = alloc::vec![0f32; AREA];
    reconstruct_columns(plane, &mut rows);
    let mut line = [0f32; SIZE];
    let mut tmp = [0f32; SIZE];
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
    let mut scratch = alloc::vec![0f32; 2 * AREA];
    for c in 0..3 {
        decompose_with(planes.channel_mut(c), &mut scratch);
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
