//! Top-`m` selection: the coefficients of largest magnitude (for the signature weighed by level
//! and spread over the picture, [`select_spread`]), deterministically.

use crate::{AREA, MAX_COEFFICIENTS, SIZE};

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

/// Cells per side of the grid that [`select_spread`] spreads a selection over: 8, so a cell is
/// 16 × 16 pixels of the 128 × 128 square.
pub const CELLS_PER_SIDE: usize = 8;

/// The most coefficients [`select_spread`] keeps from one cell (coefficients whose support is
/// at most a cell wide and high).
pub const CELL_CAP: usize = 1;

/// The most coefficients [`select_spread`] keeps from one band of cells: coefficients whose
/// support is wider than a cell on one axis (a whole row band or column band of the picture).
pub const WIDE_CAP: usize = 3;

/// Coefficients with both indices below this have supports of 32 pixels or more on both axes:
/// [`select_spread`] takes them without a cap.
pub const COARSE: usize = 8;

/// At least `m / DETAIL_SHARE` of the coefficients [`select_spread`] keeps (10 of 40) have
/// supports within one cell (16 × 16 pixels or less): the strongest detail of as many cells
/// (format 4, issue 17).
pub const DETAIL_SHARE: usize = 4;

/// Along one axis: [`CELLS_PER_SIDE`] cells, and one more for supports wider than a cell.
const AXIS_CELLS: usize = CELLS_PER_SIDE + 1;

/// All cells; the last (wide on both axes) is the coarse one, without a cap.
const CELLS: usize = AXIS_CELLS * AXIS_CELLS;

const COARSE_CELL: usize = CELLS - 1;

const MAX_CAP: usize = if CELL_CAP > WIDE_CAP {
    CELL_CAP
} else {
    WIDE_CAP
};

/// The cell along one axis of 1-D index `k`: the eighth of the side that holds the centre of
/// its support, or `CELLS_PER_SIDE` for a support wider than an eighth. Centres of supports of
/// 16 pixels or less never fall on a cell boundary, so the coefficients of a mirrored or turned
/// picture fall in the mirrored or turned cells, and turning a signature
/// ([`Orientation`](crate::Orientation)) stays exact.
const fn axis_cell(k: usize) -> usize {
    if k < COARSE {
        return CELLS_PER_SIDE;
    }
    let level = (usize::BITS - 1 - k.leading_zeros()) as usize;
    let size = SIZE >> level;
    let centre_twice = (k - (1 << level)) * size * 2 + size;
    centre_twice * CELLS_PER_SIDE / (2 * SIZE)
}

/// [`axis_cell`] of every 1-D index.
const AXIS_OF: [u8; SIZE] = {
    let mut table = [0u8; SIZE];
    let mut k = 0;
    while k < SIZE {
        table[k] = axis_cell(k) as u8;
        k += 1;
    }
    table
};

/// The cell of each position (`row × 128 + col`).
const CELL_OF: [u8; AREA] = {
    let mut table = [0u8; AREA];
    let mut p = 0;
    while p < AREA {
        table[p] = (axis_cell(p / SIZE) * AXIS_CELLS + axis_cell(p % SIZE)) as u8;
        p += 1;
    }
    table
};

/// The cap of each cell but the coarse one.
const CAP_OF: [usize; CELLS - 1] = {
    let mut table = [CELL_CAP; CELLS - 1];
    let mut c = 0;
    while c < CELLS - 1 {
        if c / AXIS_CELLS == CELLS_PER_SIDE || c % AXIS_CELLS == CELLS_PER_SIDE {
            table[c] = WIDE_CAP;
        }
        c += 1;
    }
    table
};

/// The selection the signature keeps (issue 17): the `m` coefficients of largest magnitude, as
/// [`select_top`] picks them but with the finest levels' magnitudes weighed down
/// ([`LEVEL_WEIGHT`], format 16), except that no cell of an 8 × 8 grid gives more than
/// [`CELL_CAP`] of them, no row or column band more than [`WIDE_CAP`] (coarse coefficients,
/// [`COARSE`], are not capped one by one), and the coarse and band coefficients together no
/// more than [`max_wide`]`(m)`, and the detail coefficients (supports within a cell) of one row
/// or column of cells no more than [`WIDE_CAP`] either. Equivalently: walking all coefficients
/// by magnitude (ties: smaller position first), a coefficient is skipped when its cell is full,
/// when it is wide and the wide ones are, or when it is detail and its row or column of cells
/// holds three (magnitudes weighed as above throughout). Writes the codes sorted ascending
/// into `codes[..m]`.
///
/// Why: the paper keeps the `m` largest over the whole picture, so one strong local feature
/// takes them all. A caption band, a logo or text over a picture with little structure of its
/// own (a texture, the moon, a wall) has the largest coefficients, and two *different* such
/// pictures with the same overlay had the same signature (similarity 99.9), while the picture
/// without the overlay shared nothing with its copy. Spread over the picture, the signature
/// keeps the picture's own coefficients beside the overlay's.
///
/// Why the wide ones are capped as a whole (format 4): coarse and band coefficients are the
/// largest in most photographs (an orthonormal coefficient grows with its support), so without
/// that cap they took all 40 places whenever one outline or one overlay dominated the picture:
/// a disc on black, an object on a plain ground, a caption band over a texture. Two pictures
/// with that outline in common then matched whatever their detail (the quarters of a retina
/// photograph, two of them mirrored: similarity 87.5); with a quarter of the places kept for
/// the strongest detail of as many cells, their detail has a say. Those cells are spread too, at
/// most three in a row or column of cells: otherwise the eight cells under a caption band, or
/// the middle rows under a line of text, took most of the detail places again.
///
/// The cell of a coefficient is the one holding the centre of its support; a coefficient is
/// kept only if it is among the largest of its cell, so the work is one pass with a small
/// buffer per cell (most blocks of 16 skipped at once), then a sort of at most a few hundred
/// candidates.
pub fn select_spread(plane: &[f32], m: usize, codes: &mut [u16; MAX_COEFFICIENTS]) {
    debug_assert!((1..=MAX_COEFFICIENTS).contains(&m) && plane.len() == AREA);
    let mut cells = Cells {
        best: [[(0f32, 0u16); MAX_CAP]; CELLS - 1],
        count: [0u8; CELLS - 1],
        floor: [-1f32; CELLS - 1],
        candidates: [(0f32, 0u16); CELLS * MAX_CAP + COARSE * COARSE],
        n: 0,
    };
    for (row, &row_cell) in AXIS_OF.iter().enumerate() {
        let start = row * SIZE;
        let row_weight = LEVEL_WEIGHT[level_of(row)];
        // The first 16 columns (coarse, wide and several levels) one by one; the others in
        // blocks of 16 of one level, which touch a few neighbouring cells of one row band: a
        // block none of whose magnitudes beats those cells' floors is skipped with one
        // vectorised test.
        for col in usize::from(row == 0)..16 {
            let weight = row_weight * LEVEL_WEIGHT[level_of(col)];
            cells.consider(start + col, weighed(plane[start + col], weight));
        }
        let band = usize::from(row_cell) * AXIS_CELLS;
        for block in 1..SIZE / 16 {
            let first = block * 16;
            let values = &plane[start + first..start + first + 16];
            let range =
                band + usize::from(AXIS_OF[first])..=band + usize::from(AXIS_OF[first + 15]);
            let lowest = cells.floor[range]
                .iter()
                .fold(f32::INFINITY, |acc, &f| acc.min(f));
            // (A cell that is not full has floor −1: the block is read. NaN beats nothing.)
            let weight = row_weight * LEVEL_WEIGHT[level_of(first)];
            let beats = values
                .iter()
                .fold(false, |acc, v| acc | (v.abs() * weight > lowest));
            if lowest >= 0.0 && !beats {
                continue;
            }
            for (k, &v) in values.iter().enumerate() {
                cells.consider(start + first + k, weighed(v, weight));
            }
        }
    }
    let Cells {
        best,
        count,
        mut candidates,
        mut n,
        ..
    } = cells;
    for (cell, slots) in best.iter().enumerate() {
        for &s in &slots[..usize::from(count[cell])] {
            candidates[n] = s;
            n += 1;
        }
    }
    debug_assert!(n >= m, "the caps leave at least 175 candidates");
    let candidates = &mut candidates[..n];
    candidates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    // Every cell offers a candidate (an empty one takes its first coefficient, even 0), so the
    // 64 cells can always fill the places that wide coefficients may not take.
    // Detail coefficients also fill at most WIDE_CAP cells of a row or column of cells; the
    // greedy walk can only stall once 24 are kept, more than the m / 4 places detail needs.
    let mut wide_left = max_wide(m);
    let mut kept = 0;
    let mut detail_rows = [0usize; CELLS_PER_SIDE];
    let mut detail_cols = [0usize; CELLS_PER_SIDE];
    for &(_, pos) in candidates.iter() {
        if kept == m {
            break;
        }
        let cell = usize::from(CELL_OF[usize::from(pos)]);
        if is_wide(usize::from(pos)) {
            if wide_left == 0 {
                continue;
            }
            wide_left -= 1;
        } else {
            let (row, col) = (cell / AXIS_CELLS, cell % AXIS_CELLS);
            if detail_rows[row] == WIDE_CAP || detail_cols[col] == WIDE_CAP {
                continue;
            }
            detail_rows[row] += 1;
            detail_cols[col] += 1;
        }
        let negative = plane[usize::from(pos)] < 0.0;
        codes[kept] = pos | if negative { NEGATIVE } else { 0 };
        kept += 1;
    }
    debug_assert_eq!(kept, m);
    codes[..m].sort_unstable();
}

/// The working state of [`select_spread`]'s pass: the best coefficients of each capped cell
/// so far, and every coarse one.
struct Cells {
    /// Per capped cell, its best so far, largest first.
    best: [[(f32, u16); MAX_CAP]; CELLS - 1],
    /// How many of `best` each cell holds.
    count: [u8; CELLS - 1],
    /// What a newcomer must beat to enter each cell: −1 until the cell is full, then its
    /// smallest kept magnitude (equal does not enter: the earlier position stays).
    floor: [f32; CELLS - 1],
    /// The coarse coefficients, then (after the pass) every cell's best.
    candidates: [(f32, u16); CELLS * MAX_CAP + COARSE * COARSE],
    /// How many of `candidates` are filled.
    n: usize,
}

impl Cells {
    /// Offers the coefficient at `pos` of weighed magnitude `mag` ([`weighed`]): the common
    /// case, a magnitude that does not beat its cell's floor, stays in line; entering a cell
    /// does not.
    #[inline(always)]
    fn consider(&mut self, pos: usize, mag: f32) {
        let cell = usize::from(CELL_OF[pos]);
        if cell == COARSE_CELL {
            self.candidates[self.n] = (mag, pos as u16);
            self.n += 1;
            return;
        }
        if mag > self.floor[cell] {
            self.enter(cell, mag, pos);
        }
    }

    /// Puts `(mag, pos)` among `cell`'s best, behind every entry of equal or larger magnitude.
    #[inline(never)]
    fn enter(&mut self, cell: usize, mag: f32, pos: usize) {
        let cap = CAP_OF[cell];
        let slots = &mut self.best[cell];
        let len = usize::from(self.count[cell]);
        let mut i = if len < cap {
            self.count[cell] += 1;
            len
        } else {
            cap - 1
        };
        while i > 0 && mag > slots[i - 1].0 {
            slots[i] = slots[i - 1];
            i -= 1;
        }
        slots[i] = (mag, pos as u16);
        if usize::from(self.count[cell]) == cap {
            self.floor[cell] = slots[cap - 1].0;
        }
    }
}

/// What [`select_spread`] ranks a coefficient by (signature format 16, issue 17): its magnitude
/// times the weight of its row's level times that of its column's, per level `l` of a 1-D
/// index (`2^l ≤ k < 2^(l+1)`, the support `128 / 2^l` pixels long): 1 down to supports of 8
/// pixels, 0.8 for 4 pixels, 0.6 for 2.
///
/// Why: a crop or a resample moves a picture's detail, by a fraction of a pixel or by several
/// (a crop of 5 % all round, compared whole, moves detail near the edges by about three of the
/// 128; against the cropped probe, which cuts 6 %, by less than one), and a coefficient of a
/// 2-pixel support then takes another sign or goes to its neighbour, where one of 8 pixels
/// barely changes. A photograph's largest coefficients are coarse
/// anyway, so this changes little there; a texture's (a brick wall, gravel, grass, a page of
/// text) are its finest detail, and its crops kept little of them: a brick wall cut 5 % all
/// round scored 43.6 against its original, 64.7 now. On the accuracy harness
/// (docs/accuracy.md, README "Finest levels weigh less"): 99.17 → 99.38 % of the required
/// copies at the default (crop 10 % .965 → .975, mirror + crop 5 % .955 → .975, crop 7 % from
/// two sides .955 → .965, text over the picture .970 → .975), no required kind lower, 1 380 → 1 439
/// false pairs (quarters of the two round subjects; 11 → 13 between photographs). Weights
/// 0.85 and 0.7 gained less (99.34 %, 1 444); 0.7 and 0.5 (99.42 %, 1 481, 17 between
/// photographs) or 0.9, 0.75 and 0.55 for 8, 4 and 2 pixels (99.42 %, 1 507, 15) cost more
/// false pairs.
pub const LEVEL_WEIGHT: [f32; 7] = [1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.6];

/// The level of a 1-D index: 0 for the average and the first detail, `l` for `2^l ≤ k < 2^(l+1)`.
const fn level_of(k: usize) -> usize {
    if k < 2 {
        0
    } else {
        (usize::BITS - 1 - k.leading_zeros()) as usize
    }
}

/// The magnitude [`select_spread`] ranks `v` by, given its [`LEVEL_WEIGHT`]s' product (NaN,
/// never from a decomposition of finite pixels, ranks as nothing).
#[inline(always)]
fn weighed(v: f32, weight: f32) -> f32 {
    if v.is_nan() { 0.0 } else { v.abs() * weight }
}

/// How many of the `m` coefficients [`select_spread`] may take from supports wider than a cell
/// (the coarse block and the row and column bands): all but `m /` [`DETAIL_SHARE`].
pub const fn max_wide(m: usize) -> usize {
    m - m / DETAIL_SHARE
}

/// Whether the coefficient at `position` has a support wider than a cell on some axis: coarse,
/// or in a row or column band.
fn is_wide(position: usize) -> bool {
    let cell = usize::from(CELL_OF[position]);
    cell == COARSE_CELL || CAP_OF[cell] == WIDE_CAP
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
mod tests;
