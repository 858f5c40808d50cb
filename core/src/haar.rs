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
    let mut scratch = alloc::vec![0f32; AREA];
    decompose_with(plane, &mut scratch);
}

/// One step of `DecomposeArray` on the first `2 × H` values of a row: the pairs become `H`
/// averages followed by `H` details. `prescale` multiplies every input first (the paper's
/// `1/√h` per pass, applied at the first step only; 1 elsewhere, which the compiler drops).
///
/// `H` is a constant so that each step compiles to straight-line, vectorised code.
#[inline(always)]
fn decompose_row_step<const H: usize>(row: &mut [f32; SIZE], prescale: f32) {
    let mut sums = [0f32; H];
    let mut diffs = [0f32; H];
    for ((pair, s), d) in row[..2 * H]
        .chunks_exact(2)
        .zip(sums.iter_mut())
        .zip(diffs.iter_mut())
    {
        let (a, b) = (pair[0] * prescale, pair[1] * prescale);
        *s = (a + b) * FRAC_1_SQRT_2;
        *d = (a - b) * FRAC_1_SQRT_2;
    }
    row[..H].copy_from_slice(&sums);
    row[H..2 * H].copy_from_slice(&diffs);
}

/// Decomposes every row of a plane in place (`DecomposeArray` per row), with the prescale of
/// both passes (1/128) applied to the inputs of the first step: a power of two, so exact.
fn decompose_rows(plane: &mut [f32]) {
    const PRESCALE: f32 = 1.0 / SIZE as f32;
    for row in plane.chunks_exact_mut(SIZE) {
        let row: &mut [f32; SIZE] = row.try_into().expect("rows are 128 long");
        decompose_row_step::<64>(row, PRESCALE);
        decompose_row_step::<32>(row, 1.0);
        decompose_row_step::<16>(row, 1.0);
        decompose_row_step::<8>(row, 1.0);
        decompose_row_step::<4>(row, 1.0);
        decompose_row_step::<2>(row, 1.0);
        decompose_row_step::<1>(row, 1.0);
    }
}

/// [`decompose`] with caller-provided scratch space (128 × 128 values).
///
/// Rows are decomposed in place, one fixed-length step after another; columns all at once,
/// each butterfly applied to whole rows so that it vectorises across the 128 columns. Per value,
/// the operations and their order are exactly the paper's `DecomposeArray` (the GPU kernels in
/// `shaders/haar.wgsl` repeat them, which keeps the two bit-identical).
pub(crate) fn decompose_with(plane: &mut [f32], scratch: &mut [f32]) {
    assert_eq!(plane.len(), AREA, "a plane is 128 × 128");
    decompose_rows(plane);
    decompose_columns(plane, scratch);
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
    let mut scratch = alloc::vec![0f32; AREA];
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

    /// `DecomposeImage` in `f32`, step by step as the paper writes it (with both passes' `1/√h`
    /// applied up front as one exact ×1/128, as [`super::decompose`] does): the fast version
    /// must equal it bit for bit, since the GPU kernels and the wasm build repeat these very
    /// operations.
    pub fn decompose_image_f32(image: &[f32]) -> Vec<f32> {
        use super::{FRAC_1_SQRT_2, SIZE};
        fn decompose_array(a: &mut [f32]) {
            let mut h = a.len();
            while h > 1 {
                h /= 2;
                let mut next = a.to_vec();
                for i in 0..h {
                    next[i] = (a[2 * i] + a[2 * i + 1]) * FRAC_1_SQRT_2;
                    next[h + i] = (a[2 * i] - a[2 * i + 1]) * FRAC_1_SQRT_2;
                }
                a.copy_from_slice(&next);
            }
        }
        let mut t: Vec<f32> = image.iter().map(|v| v * (1.0 / SIZE as f32)).collect();
        for row in t.chunks_exact_mut(SIZE) {
            decompose_array(row);
        }
        for c in 0..SIZE {
            let mut col: Vec<f32> = (0..SIZE).map(|r| t[r * SIZE + c]).collect();
            decompose_array(&mut col);
            for (r, v) in col.into_iter().enumerate() {
                t[r * SIZE + c] = v;
            }
        }
        t
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
        fn equals_the_step_by_step_f32_transform_bit_for_bit(p in plane_strategy()) {
            let expected = naive::decompose_image_f32(&p);
            let mut fast = p.clone();
            decompose(&mut fast);
            for (i, (f, e)) in fast.iter().zip(expected.iter()).enumerate() {
                prop_assert_eq!(f.to_bits(), e.to_bits(), "coefficient {}: {} vs {}", i, f, e);
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
