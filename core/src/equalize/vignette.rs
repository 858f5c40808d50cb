//! A vignette undone before the equalization (signature format 17, issue 17).
//!
//! # Why
//! A vignette (a phone filter's, Lightroom's, ffmpeg's `vignette`) darkens a picture towards
//! its edges, to a quarter of its level in the corners for a strong one. The darkening is a
//! broad, smooth change of level, and the detail in the corners keeps only a fraction of its
//! contrast, so the largest coefficients move to the middle of the picture: a copy with a
//! vignette lost its original (from outside, 53 of 64 found at the default; textures, low
//! contrast and a plain sky the most).
//!
//! # What
//! A vignette multiplies each level by a gain that falls with the distance from the middle,
//! so it *adds* a smooth bowl to the levels' logarithm. Fitted by least squares, one term
//! across and one down (`u²`, `v²` from the middle: a round vignette on a wide picture is an
//! ellipse in the 128 × 128 square), the copy's bowl is the original's plus the vignette's;
//! taken out, the two agree again. Three gates keep the rest of the pictures as they were:
//!
//! - **both halves**: along each axis the bowl is fitted to each half on its own, and only
//!   when *both* darken towards their edge is the weaker one taken out. A caption band, a
//!   dark foreground or a shadow darkens one side; a vignette, both (without this gate, the
//!   caption band's copies fell from 64 to 59 of 64 from outside, a crop with a caption from
//!   62 to 48);
//! - **a dead zone**: bowls up to [`BOWL_LEAST`] are left, and a stronger one is taken out
//!   less that much. Most photographs have a bowl of their own, and a change of contrast or
//!   haze (not a gain) changes it, so taking all of it out parted a copy from its original
//!   (measured on the harness without it: 15 required copies fewer, the weakest letterboxed
//!   and pillarboxed black copies at 27 instead of 54 and 47.5; with it, 2 fewer). Of the 64
//!   photographs' bowls (`n`, below; a numpy model of this fit), 45 are 0 or at most
//!   [`BOWL_LEAST`] (2²⁴, about 1.7 · 10⁷) on both axes, a few reach 4.5 · 10⁷ (7.2 · 10⁷
//!   the rain drops); ffmpeg's `vignette=PI/4` adds 2–6 · 10⁷ across;
//! - **a ceiling**, [`BOWL_MOST`]: a picture on its own black ground (the retina) is a bowl
//!   of 1.7 · 10⁸; it is lifted no more than a strong vignette would be.
//!
//! The lift is a gain: each level's own logarithm ([`LEVEL_LOG`], `log₂(2b + 1)`) is raised,
//! so black stays black (fitted on a logarithm that adds 16.5 bins, a raise of the darkest
//! levels turned a black ground gray). The level in the middle is kept.
//!
//! Everything is integer arithmetic on the equalization's bins, so that the GPU
//! (`shaders/equalize.wgsl`) gives the same bits:
//!
//! - a bin's fitting logarithm, [`LOG`]: `round(1024 · log₂((2b + 33) / 33))` (from 0 for bin
//!   0 to 6 121 for bin 1 023; the 16.5 bins added keep the darkest levels, mostly noise, from
//!   weighing most), made by a `const fn` from integers alone, as [`LEVEL_LOG`] is;
//! - each column's sum of logarithms, quartered to its mean (`sum >> 9`), and the same for
//!   each row;
//! - across, per half: `Σ (U_x − 5 461) · mean_x` with `U_x = (2x − 127)²` (5 461 is the
//!   mean of `U`, exactly, over each half as over all); both negative, `n` is twice the
//!   smaller magnitude, at most [`BOWL_MOST`], less [`BOWL_LEAST`]; then each column is raised
//!   by `(n · G_x) >> 28`, `G_x = ((U_x − 1) << 30) / D`, `D = Σ (U_x − 5 461)²`: the
//!   least-squares bowl, zero in the two middle columns. The same down the rows;
//! - a pixel's [`LEVEL_LOG`] plus its column's and its row's raise, back to the largest bin
//!   whose [`LEVEL_LOG`] is not above it ([`INVERSE`]); a pixel not raised keeps its bin.
//!
//! Measured (README, "A vignette undone"): from outside, copies with ffmpeg's
//! `vignette=PI/4` found 53 → 60 of 64 at the default, with its default `PI/5` 59 → 61; on
//! the harness, 2 required copies fewer (both the retina's), false pairs 1 439 → 1 438; from
//! outside over the kinds, 3 of 2 048 fewer (the retina twice, a crop with a caption).

use crate::SIZE;

use super::BINS;

/// `round(1024 · log₂(p / q))` for `p ≥ q`, in integers: the whole part by halving, then
/// sixteen bits of the rest by squaring a 32-bit fraction.
const fn log2_units(p: u64, q: u64) -> u32 {
    let mut x = ((p as u128) << 32) / q as u128;
    let mut whole = 0u32;
    while x >= 2 << 32 {
        x >>= 1;
        whole += 1;
    }
    let mut fraction = 0u32;
    let mut bit = 0;
    while bit < 16 {
        x = (x * x) >> 32;
        if x >= 2 << 32 {
            x >>= 1;
            fraction |= 1 << (15 - bit);
        }
        bit += 1;
    }
    ((whole << 16 | fraction) + 32) >> 6
}

/// `log2_units(2b + 1 + 2 · offset, 1 + 2 · offset)` for every bin `b`: the logarithm of the
/// level plus `offset` bins, 0 at bin 0.
const fn log_table(offset: u64) -> [u16; BINS] {
    let mut table = [0u16; BINS];
    let mut b = 0;
    while b < BINS {
        table[b] = log2_units(2 * (b as u64 + offset) + 1, 2 * offset + 1) as u16;
        b += 1;
    }
    table
}

/// Each bin's fitting logarithm, `round(1024 · log₂((2b + 33) / 33))` (module docs).
pub const LOG: [u16; BINS] = log_table(16);

/// Each bin's level's own logarithm, `round(1024 · log₂(2b + 1))`: a raise multiplies the
/// level, so black stays black.
pub const LEVEL_LOG: [u16; BINS] = log_table(0);

/// The largest value of [`LEVEL_LOG`].
pub const LEVEL_LOG_MAX: usize = LEVEL_LOG[BINS - 1] as usize;

const fn inverse_table() -> [u16; LEVEL_LOG_MAX + 1] {
    let mut table = [0u16; LEVEL_LOG_MAX + 1];
    let mut b = 0;
    let mut l = 0;
    while l <= LEVEL_LOG_MAX {
        while b + 1 < BINS && LEVEL_LOG[b + 1] as usize <= l {
            b += 1;
        }
        table[l] = b as u16;
        l += 1;
    }
    table
}

/// For each level logarithm, the bin whose [`LEVEL_LOG`] is the largest not above it.
pub static INVERSE: [u16; LEVEL_LOG_MAX + 1] = inverse_table();

/// The mean of `U_x = (2x − 127)²` over the 128 columns, exactly.
pub const BOWL_MEAN: i64 = 5461;

const fn bowl(x: usize) -> i64 {
    let d = 2 * x as i64 - 127;
    d * d
}

const fn bowl_spread() -> i64 {
    let mut sum = 0;
    let mut x = 0;
    while x < SIZE {
        let v = bowl(x) - BOWL_MEAN;
        sum += v * v;
        x += 1;
    }
    sum
}

/// `D = Σ (U_x − 5 461)²`.
pub const BOWL_SPREAD: i64 = bowl_spread();

const fn gains() -> [u64; SIZE] {
    let mut table = [0u64; SIZE];
    let mut x = 0;
    while x < SIZE {
        table[x] = (((bowl(x) - 1) as u64) << 30) / BOWL_SPREAD as u64;
        x += 1;
    }
    table
}

/// `G_x = ((U_x − 1) << 30) / D`.
pub const GAINS: [u64; SIZE] = gains();

/// Bowls weaker than this are left (most photographs' own, measured as `n`).
pub const BOWL_LEAST: u64 = 1 << 24;

/// Bowls stronger than this are taken out only this far.
pub const BOWL_MOST: u64 = 1 << 26;

/// How far each column (or row) is raised, from the sums of its logarithms: zero unless the
/// levels fall towards the edges.
fn raise(sums: &[u32; SIZE]) -> Option<[u32; SIZE]> {
    let half = |from: usize| -> i64 {
        (from..from + SIZE / 2)
            .map(|x| (bowl(x) - BOWL_MEAN) * i64::from(sums[x] >> 9))
            .sum()
    };
    let (before, after) = (half(0), half(SIZE / 2));
    if before >= 0 || after >= 0 {
        return None;
    }
    let n = (2 * before.unsigned_abs().min(after.unsigned_abs())).min(BOWL_MOST);
    let n = n.checked_sub(BOWL_LEAST).filter(|&n| n > 0)?;
    let mut raised = [0u32; SIZE];
    for (r, g) in raised.iter_mut().zip(GAINS) {
        *r = ((n * g) >> 28) as u32;
    }
    Some(raised)
}

/// The column and row sums of a plane's fitting logarithms.
fn line_sums(bins: &[u16]) -> ([u32; SIZE], [u32; SIZE]) {
    let mut columns = [0u32; SIZE];
    let mut rows = [0u32; SIZE];
    for (row, line) in rows.iter_mut().zip(bins.chunks_exact(SIZE)) {
        for (column, &b) in columns.iter_mut().zip(line) {
            let l = u32::from(LOG[usize::from(b) & (BINS - 1)]);
            *column += l;
            *row += l;
        }
    }
    (columns, rows)
}

/// Whether [`equalize`](super::equalize) takes a vignette out of this 128 × 128 plane of
/// levels (0–1) before it equalizes it: for tests and diagnostics.
pub fn undoes_vignette(plane: &[f32]) -> bool {
    let bins: alloc::vec::Vec<u16> = plane.iter().map(|&y| super::bin_of(y)).collect();
    let (columns, rows) = line_sums(&bins);
    lifts(&columns, &rows).is_some()
}

/// How far each column (`.0`) and each row (`.1`) is raised, from the sums of their fitting
/// logarithms; `None` when nothing is.
fn lifts(columns: &[u32; SIZE], rows: &[u32; SIZE]) -> Option<([u32; SIZE], [u32; SIZE])> {
    let across = raise(columns);
    let down = raise(rows);
    if across.is_none() && down.is_none() {
        return None;
    }
    Some((across.unwrap_or([0; SIZE]), down.unwrap_or([0; SIZE])))
}

/// Takes a darkening bowl out of a plane's bins (row by row), as the module docs say: each
/// bin raised by its column's and its row's lift. Whether any was.
pub fn undo(bins: &mut [u16]) -> bool {
    let (columns, rows) = line_sums(bins);
    let Some((across, down)) = lifts(&columns, &rows) else {
        return false;
    };
    for (&lift, line) in down.iter().zip(bins.chunks_exact_mut(SIZE)) {
        for (&side, b) in across.iter().zip(line.iter_mut()) {
            let l = u32::from(LEVEL_LOG[usize::from(*b) & (BINS - 1)]) + lift + side;
            *b = INVERSE[(l as usize).min(LEVEL_LOG_MAX)];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AREA;
    use alloc::vec::Vec;

    /// A grained mid-gray texture: levels 0.3–0.7 from a fixed pseudo-random sequence.
    fn texture() -> Vec<f32> {
        let mut state = 0x2545_f491_u32;
        (0..AREA)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                0.3 + 0.4 * (state % 1000) as f32 / 1000.0
            })
            .collect()
    }

    fn bins(plane: &[f32]) -> Vec<u16> {
        plane.iter().map(|&y| super::super::bin_of(y)).collect()
    }

    /// ffmpeg's `vignette` at angle π/4: each level times cos⁴(π/4 · d / d_max), `d` the
    /// distance from the middle, `d_max` the corner's.
    fn vignetted(plane: &[f32]) -> Vec<f32> {
        let corner = libm_free_hypot(63.5, 63.5);
        plane
            .iter()
            .enumerate()
            .map(|(p, &y)| {
                let (x, r) = ((p % SIZE) as f32 - 63.5, (p / SIZE) as f32 - 63.5);
                let c = cos(core::f32::consts::FRAC_PI_4 * libm_free_hypot(x, r) / corner);
                y * c * c * c * c
            })
            .collect()
    }

    fn libm_free_hypot(a: f32, b: f32) -> f32 {
        let s = a * a + b * b;
        // Newton's square root, enough for a test's geometry.
        let mut x = s.max(1.0);
        for _ in 0..30 {
            x = 0.5 * (x + s / x);
        }
        x
    }

    fn cos(a: f32) -> f32 {
        // Taylor to the tenth power: plenty below π/4.
        let a2 = a * a;
        1.0 - a2 / 2.0 + a2 * a2 / 24.0 - a2 * a2 * a2 / 720.0 + a2 * a2 * a2 * a2 / 40320.0
    }

    fn mean_gap(a: &[u16], b: &[u16]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(&x, &y)| f64::from(x.abs_diff(y)))
            .sum::<f64>()
            / AREA as f64
    }

    #[test]
    fn a_vignette_is_taken_out_of_a_texture_and_its_corners_come_back() {
        let plain = bins(&texture());
        let mut dark = bins(&vignetted(&texture()));
        let before = mean_gap(&plain, &dark);
        let corner = |b: &[u16]| (0..8).map(|i| f64::from(b[i * SIZE + i])).sum::<f64>();
        let dark_corner = corner(&dark);
        undo(&mut dark);
        let after = mean_gap(&plain, &dark);
        // Not all of it: bowls up to BOWL_LEAST are left, so that most photographs' own stay.
        assert!(after < 0.6 * before, "{before} -> {after}");
        // The texture itself has no bowl, so its bins are left as they are.
        let mut kept = plain.clone();
        undo(&mut kept);
        assert_eq!(kept, plain);
        assert!(
            corner(&dark) > 1.5 * dark_corner,
            "{} {} {}",
            corner(&plain),
            dark_corner,
            corner(&dark)
        );
    }

    #[test]
    fn a_picture_lighter_at_its_edges_or_dark_on_one_side_is_left_as_it_is() {
        let texture = texture();
        let lighter: Vec<f32> = texture
            .iter()
            .zip(vignetted(&texture))
            .map(|(&y, v)| (2.0 * y - v).min(1.0))
            .collect();
        // A caption band: the bottom sixth black, a darkening on one side only.
        let banded: Vec<f32> = texture
            .iter()
            .enumerate()
            .map(|(p, &y)| if p / SIZE > SIZE * 5 / 6 { 0.02 } else { y })
            .collect();
        for plane in [lighter, banded] {
            let before = bins(&plane);
            let mut after = before.clone();
            undo(&mut after);
            assert_eq!(after, before);
        }
    }

    #[test]
    fn the_gpus_32_bit_arithmetic_has_room() {
        // shaders/equalize.wgsl takes each half's sum in i32, twice its magnitude in u32, and
        // (n · gain) >> 28 as (n >> 16) · gain + ((n & 0xffff) · gain >> 16), each in u32;
        // the tables go through Params as 16-bit halves. Bounds from the tables themselves.
        let mean_most = (i64::from(LOG[BINS - 1]) * SIZE as i64) >> 9;
        let half_most = (0..SIZE / 2)
            .map(|x| (bowl(x) - BOWL_MEAN).abs() * mean_most)
            .sum::<i64>()
            .max(
                (SIZE / 2..SIZE)
                    .map(|x| (bowl(x) - BOWL_MEAN).abs() * mean_most)
                    .sum(),
            );
        assert!(2 * half_most < 1 << 32, "{half_most}");
        assert!(half_most < 1 << 31, "{half_most}");
        let n = BOWL_MOST - BOWL_LEAST;
        for &g in &GAINS {
            assert!((n >> 16) * g + ((0xffff * g) >> 16) < 1 << 32, "{g}");
            assert!(0xffff * g < 1 << 32, "{g}");
        }
        assert!(usize::from(LEVEL_LOG[BINS - 1]) < 1 << 16);
        // A pixel's level logarithm plus two lifts stays far inside u32.
        let lift_most = (n * GAINS[0]) >> 28;
        assert!(u64::from(LEVEL_LOG[BINS - 1]) + 2 * lift_most < 1 << 31);
    }

    #[test]
    fn the_logarithms_rise_with_every_bin_and_match_floating_point() {
        for b in 0..BINS {
            let exact = 1024.0 * ((2.0 * b as f64 + 33.0) / 33.0).log2();
            assert!(
                (f64::from(LOG[b]) - exact).abs() <= 0.6,
                "bin {b}: {} against {exact}",
                LOG[b]
            );
            if b > 0 {
                assert!(LOG[b] > LOG[b - 1], "bin {b}");
            }
            let level = 1024.0 * (2.0 * b as f64 + 1.0).log2();
            assert!(
                (f64::from(LEVEL_LOG[b]) - level).abs() <= 0.6,
                "bin {b}: {} against {level}",
                LEVEL_LOG[b]
            );
            assert_eq!(usize::from(INVERSE[usize::from(LEVEL_LOG[b])]), b);
            if b > 0 {
                assert!(LEVEL_LOG[b] > LEVEL_LOG[b - 1], "bin {b}");
            }
        }
    }
}
