//! Crops by amount: how much of a picture a crop may take before the copy is lost. The named
//! crop kinds of [`Edit::ALL`] measure a few amounts; a crop made by hand takes any amount,
//! from one side or at a corner, so this table measures every amount from 2 to 20 % in steps
//! of 2, each side and each corner in turn over the pictures. Copies only: they are compared
//! with their own picture as the command line compares them (`compare_entries`), not searched
//! for false pairs.
//!
//! [`Edit::ALL`]: lookalike_tests::copies::Edit::ALL

use image::RgbImage;
use lookalike_core::{Orientation, Sensitivity};
use lookalike_tests::copies::crop_sides;
use rayon::prelude::*;

use crate::{Entry, compare_entries, entry};

/// The crop amounts measured, in per cent.
pub const AMOUNTS: [u32; 10] = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20];

/// Per amount: (copies cut from one side found, of how many; copies cut at a corner found, of
/// how many) at the default sensitivity.
pub struct Sweep {
    pub rows: Vec<(u32, usize, usize, usize, usize)>,
}

/// One side of `[left, top, right, bottom]` cut by `amount`, the side chosen by `turn`.
fn one_side(amount: u32, turn: usize) -> [u32; 4] {
    let mut cut = [0; 4];
    cut[turn % 4] = amount;
    cut
}

/// The two sides at a corner cut by `amount` (the opposite corner is kept), chosen by `turn`.
fn corner(amount: u32, turn: usize) -> [u32; 4] {
    let mut cut = [0; 4];
    cut[turn % 4] = amount;
    cut[(turn + 1) % 4] = amount;
    cut
}

/// Measures the sweep on the copied pictures, each given as its image and its unedited entry.
pub fn measure(images: &[(&RgbImage, &Entry)], m: u8, no_sides: bool) -> Sweep {
    let threshold = Sensitivity::default().min_similarity();
    let jobs: Vec<(usize, usize, bool)> = (0..AMOUNTS.len())
        .flat_map(|a| (0..images.len()).flat_map(move |i| [(a, i, false), (a, i, true)]))
        .collect();
    let found: Vec<(usize, bool, bool)> = jobs
        .par_iter()
        .map(|&(a, i, at_corner)| {
            let (img, original) = images[i];
            // Each amount starts from another side, so that every side is cut at every amount.
            let turn = i + a;
            let cut = if at_corner {
                corner(AMOUNTS[a], turn)
            } else {
                one_side(AMOUNTS[a], turn)
            };
            let copy = entry(original.picture, None, &crop_sides(img, cut), m, no_sides);
            let c = compare_entries(&copy, original, Orientation::DEFAULT);
            (a, at_corner, c.similarity >= threshold)
        })
        .collect();
    let rows = AMOUNTS
        .iter()
        .enumerate()
        .map(|(a, &amount)| {
            let count = |corner: bool| {
                let of = found.iter().filter(|f| f.0 == a && f.1 == corner);
                (of.clone().filter(|f| f.2).count(), of.count())
            };
            let ((s, sn), (c, cn)) = (count(false), count(true));
            (amount, s, sn, c, cn)
        })
        .collect();
    Sweep { rows }
}
