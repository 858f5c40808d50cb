//! Top-`m` selection: the coefficients of largest magnitude, deterministically.

use crate::{AREA, MAX_COEFFICIENTS};

/// The bit of a coefficient code that marks a negative coefficient.
pub const NEGATIVE: u16 = 0x4000;

/// Picks the `m` coefficients of largest magnitude among positions 1.. of `plane` (ties: smaller
/// position first), writes their codes sorted ascending into `codes[..m]`, and returns the
/// magnitude of the `m`-th.
///
/// One pass with a small buffer ordered by magnitude: after the first few hundred positions
/// almost every coefficient is below the buffer's minimum and costs one comparison. Positions
/// arrive in increasing order, so a coefficient only displaces one of strictly smaller
/// magnitude, and among equal magnitudes the earlier position stays ahead: that is the
/// tie-break, without comparing positions. (NaN never compares greater, so it is never kept.)
pub fn select_top(plane: &[f32], m: usize, codes: &mut [u16; MAX_COEFFICIENTS]) -> f32 {
    debug_assert!((1..=MAX_COEFFICIENTS).contains(&m) && plane.len() == AREA);
    // (magnitude, position), best first. Start with positions 1..=m (in order) so the buffer is
    // full from the beginning.
    let mut mags = [0f32; MAX_COEFFICIENTS];
    let mut positions = [0u16; MAX_COEFFICIENTS];
    for (len, (pos, &v)) in plane.iter().enumerate().skip(1).take(m).enumerate() {
        insert(&mut mags, &mut positions, len, v.abs(), pos as u16);
    }
    let mut worst = mags[m - 1];
    let mut consider = |pos: usize, v: f32, worst: &mut f32| {
        let mag = v.abs();
        if mag > *worst {
            insert(&mut mags, &mut positions, m - 1, mag, pos as u16);
            *worst = mags[m - 1];
        }
    };
    // The rest in blocks of 16: a block whose largest magnitude does not beat the buffer's
    // smallest is skipped with one vectorised test, which is the common case.
    let start = m + 1;
    let aligned = (start + 15) & !15;
    for (pos, &v) in plane.iter().enumerate().take(aligned).skip(start) {
        consider(pos, v, &mut worst);
    }
    for (block, chunk) in plane[aligned..].chunks_exact(16).enumerate() {
        let beats = chunk.iter().fold(false, |acc, v| acc | (v.abs() > worst));
        if beats {
            for (k, &v) in chunk.iter().enumerate() {
                consider(aligned + block * 16 + k, v, &mut worst);
            }
        }
    }
    for (slot, &pos) in codes.iter_mut().zip(positions[..m].iter()) {
        let negative = plane[usize::from(pos)] < 0.0;
        *slot = pos | if negative { NEGATIVE } else { 0 };
    }
    codes[..m].sort_unstable();
    worst
}

/// Inserts `(mag, pos)` into the first `len` entries (ordered by magnitude, descending) behind
/// every entry of equal or larger magnitude; entry `len` is overwritten.
#[inline]
fn insert(
    mags: &mut [f32; MAX_COEFFICIENTS],
    positions: &mut [u16; MAX_COEFFICIENTS],
    len: usize,
    mag: f32,
    pos: u16,
) {
    let mut i = len;
    while i > 0 && mag > mags[i - 1] {
        mags[i] = mags[i - 1];
        positions[i] = positions[i - 1];
        i -= 1;
    }
    mags[i] = mag;
    positions[i] = pos;
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn selection_takes_largest_magnitudes_and_breaks_ties_by_position() {
        let mut plane = vec![0f32; AREA];
        plane[0] = 100.0; // the average is never selected
        plane[10] = -5.0;
        plane[20] = 5.0; // ties with 10: 10 wins
        plane[30] = 4.0;
        plane[40] = -6.0;
        let mut codes = [0u16; MAX_COEFFICIENTS];
        let strength = select_top(&plane, 3, &mut codes);
        // Sorted by code: positives first, then negatives.
        assert_eq!(&codes[..3], &[20, 10 | NEGATIVE, 40 | NEGATIVE]);
        assert_eq!(strength, 5.0);
    }

    #[test]
    fn flat_channel_selects_the_first_positions() {
        let plane = vec![0f32; AREA];
        let mut codes = [0u16; MAX_COEFFICIENTS];
        assert_eq!(select_top(&plane, 4, &mut codes), 0.0);
        assert_eq!(&codes[..4], &[1, 2, 3, 4]);
    }

    #[test]
    fn selection_matches_a_full_sort() {
        let mut plane = vec![0f32; AREA];
        let mut x = 12345u32;
        for v in plane.iter_mut() {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            *v = ((x >> 8) % 2001) as f32 / 1000.0 - 1.0; // many exact ties
        }
        let mut order: Vec<usize> = (1..AREA).collect();
        order.sort_by(|&a, &b| plane[b].abs().total_cmp(&plane[a].abs()).then(a.cmp(&b)));
        let mut expected: Vec<u16> = order[..40]
            .iter()
            .map(|&p| p as u16 | if plane[p] < 0.0 { NEGATIVE } else { 0 })
            .collect();
        expected.sort();
        let mut codes = [0u16; MAX_COEFFICIENTS];
        select_top(&plane, 40, &mut codes);
        assert_eq!(&codes[..40], expected.as_slice());
    }
}
