//! Tests of the top-`m` and the spread selections.
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

/// The definition: all coefficients by magnitude, weighed by the levels of their row and
/// column (ties: smaller position first), each skipped when its cell is full.
fn greedy(plane: &[f32], m: usize) -> Vec<u16> {
    let level = |k: usize| if k < 2 { 0 } else { k.ilog2() as usize };
    let key =
        |p: usize| plane[p].abs() * (LEVEL_WEIGHT[level(p / SIZE)] * LEVEL_WEIGHT[level(p % SIZE)]);
    let mut order: Vec<usize> = (1..AREA).collect();
    order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    let mut taken = vec![0usize; CELLS];
    let mut wide = 0;
    let (mut rows, mut cols) = ([0usize; 8], [0usize; 8]);
    let mut out = Vec::new();
    for p in order {
        let cell = usize::from(CELL_OF[p]);
        if cell != COARSE_CELL && taken[cell] == CAP_OF[cell] {
            continue;
        }
        let coarse_or_band = p / SIZE < COARSE || p % SIZE < COARSE;
        // The eighth of the side that holds the centre of the 1-D support of index k ≥ 8.
        let line = |k: usize| {
            let level = (usize::BITS - 1 - k.leading_zeros()) as usize;
            let size = SIZE >> level;
            ((k - (1 << level)) * size + size / 2) / (SIZE / CELLS_PER_SIDE)
        };
        if coarse_or_band {
            if wide == m - m / 4 {
                continue;
            }
            wide += 1;
        } else {
            let (row, col) = (line(p / SIZE), line(p % SIZE));
            if rows[row] == 3 || cols[col] == 3 {
                continue;
            }
            rows[row] += 1;
            cols[col] += 1;
        }
        taken[cell] += 1;
        out.push(p as u16 | if plane[p] < 0.0 { NEGATIVE } else { 0 });
        if out.len() == m {
            break;
        }
    }
    out.sort();
    out
}

#[test]
fn spread_selection_is_the_greedy_one() {
    let mut x = 987u32;
    for round in 0..4 {
        let mut plane = vec![0f32; AREA];
        for (p, v) in plane.iter_mut().enumerate() {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            // Many ties, and a strong block (an overlay) in the bottom rows for some.
            let base = ((x >> 8) % 2001) as f32 / 1000.0 - 1.0;
            *v = if round % 2 == 1 && p / SIZE >= 112 {
                base * 50.0
            } else {
                base
            };
        }
        for m in [1, 40, 60] {
            let mut codes = [0u16; MAX_COEFFICIENTS];
            select_spread(&plane, m, &mut codes);
            assert_eq!(
                &codes[..m],
                greedy(&plane, m).as_slice(),
                "round {round}, m {m}"
            );
        }
    }
}

#[test]
fn one_strong_band_does_not_take_the_whole_selection() {
    // Structure everywhere, and a band ten times as strong over the bottom eighth: the plain
    // selection keeps only the band, the spread one at most 8 cells + 3 for the band's rows
    // (plus coarse coefficients, none here).
    let mut plane = vec![0f32; AREA];
    for (p, v) in plane.iter_mut().enumerate().skip(1) {
        let (row, col) = (p / SIZE, p % SIZE);
        if row >= COARSE || col >= COARSE {
            *v = if axis_cell(row) == CELLS_PER_SIDE - 1 {
                10.0
            } else {
                1.0
            };
        }
    }
    let in_band = |codes: &[u16]| {
        codes
            .iter()
            .filter(|&&c| axis_cell(usize::from(c & !NEGATIVE) / SIZE) == CELLS_PER_SIDE - 1)
            .count()
    };
    let mut codes = [0u16; MAX_COEFFICIENTS];
    select_top(&plane, 40, &mut codes);
    assert_eq!(in_band(&codes[..40]), 40);
    select_spread(&plane, 40, &mut codes);
    assert!(in_band(&codes[..40]) <= CELLS_PER_SIDE * CELL_CAP + WIDE_CAP);
}

#[test]
fn a_quarter_of_the_places_go_to_detail_however_strong_the_wide_ones() {
    // Coarse and band coefficients a hundred times as strong as any detail: the plain
    // selection keeps no detail at all, the spread one exactly m / 4 (the strongest detail
    // of as many cells).
    let mut plane = vec![0f32; AREA];
    for (p, v) in plane.iter_mut().enumerate().skip(1) {
        let (row, col) = (p / SIZE, p % SIZE);
        let wide = row < COARSE || col < COARSE;
        *v = if wide {
            100.0
        } else {
            1.0 + (p % 7) as f32 / 10.0
        };
    }
    let detail = |codes: &[u16]| {
        codes
            .iter()
            .filter(|&&c| !is_wide(usize::from(c & !NEGATIVE)))
            .count()
    };
    for m in [1, 3, 4, 40, 60] {
        let mut codes = [0u16; MAX_COEFFICIENTS];
        select_top(&plane, m, &mut codes);
        assert_eq!(detail(&codes[..m]), 0, "m {m}");
        select_spread(&plane, m, &mut codes);
        assert_eq!(detail(&codes[..m]), m / DETAIL_SHARE, "m {m}");
        assert_eq!(max_wide(m) + m / DETAIL_SHARE, m);
    }
}

/// Format 16: in one cell, a coefficient of the finest level on both axes (2 × 2 pixels)
/// gives way to one of 8 × 8 pixels a sixth weaker: a shift of a pixel, as a crop or a
/// resample makes, turns the first's sign at random and barely moves the second.
#[test]
fn the_finest_detail_gives_way_to_a_coarser_one_a_little_weaker() {
    let fine = 64 * SIZE + 64; // rows and columns 0–1: level 6 on both axes
    let coarser = 16 * SIZE + 16; // rows and columns 0–7: level 4 on both axes
    assert_eq!(CELL_OF[fine], CELL_OF[coarser]);
    let mut plane = vec![0f32; AREA];
    plane[fine] = 0.6;
    plane[coarser] = -0.5;
    let mut codes = [0u16; MAX_COEFFICIENTS];
    select_top(&plane, 1, &mut codes);
    assert_eq!(
        codes[0], fine as u16,
        "the paper's selection keeps the larger"
    );
    select_spread(&plane, 40, &mut codes);
    let kept: Vec<u16> = codes[..40].to_vec();
    assert!(kept.contains(&(coarser as u16 | NEGATIVE)), "{kept:?}");
    assert!(!kept.contains(&(fine as u16)), "{kept:?}");
}

#[test]
fn detail_places_are_spread_over_rows_and_columns_of_cells() {
    // Detail everywhere, ten times as strong in the bottom row of cells (the text of a
    // caption band) and in the leftmost column: those lines give at most WIDE_CAP detail
    // coefficients each, so the other cells keep most of the detail places.
    let mut plane = vec![0f32; AREA];
    for (p, v) in plane.iter_mut().enumerate().skip(1) {
        let (row, col) = (p / SIZE, p % SIZE);
        if row >= COARSE && col >= COARSE {
            let strong = axis_cell(row) == CELLS_PER_SIDE - 1 || axis_cell(col) == 0;
            *v = if strong {
                10.0
            } else {
                1.0 + (p % 5) as f32 / 10.0
            };
        }
    }
    let mut codes = [0u16; MAX_COEFFICIENTS];
    select_spread(&plane, 40, &mut codes);
    let cells = |line: &dyn Fn(usize) -> bool| {
        codes[..40]
            .iter()
            .map(|&c| usize::from(c & !NEGATIVE))
            .filter(|&p| !is_wide(p) && line(p))
            .count()
    };
    assert_eq!(
        cells(&|p| axis_cell(p / SIZE) == CELLS_PER_SIDE - 1),
        WIDE_CAP
    );
    assert_eq!(cells(&|p| axis_cell(p % SIZE) == 0), WIDE_CAP);
    // The wide ones are all 0 here, so detail fills every row and column up to the cap.
    assert_eq!(cells(&|_| true), 24);
}
