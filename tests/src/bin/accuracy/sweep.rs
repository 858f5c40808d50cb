//! Crops by amount: how much of a picture a crop may take before the copy is lost. The named
//! crop kinds of [`Edit::ALL`] measure a few amounts; a crop made by hand takes any amount,
//! from one side, at a corner or all round, so this table measures every amount from 2 to 20 %
//! in steps of 2, each side and each corner in turn over the pictures, and all round (half of
//! it from each side, as a zoom takes it). Copies only: they are compared
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

/// Where a crop takes its amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    /// All of it from one side.
    Side,
    /// All of it from each of the two sides at a corner.
    Corner,
    /// Half of it from each of the four sides.
    AllRound,
}

/// Per amount: (amount; then for one side, at a corner and all round: copies found, of how
/// many) at the default sensitivity.
pub struct Sweep {
    pub rows: Vec<(u32, [(usize, usize); 3])>,
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
    const CUTS: [Cut; 3] = [Cut::Side, Cut::Corner, Cut::AllRound];
    let jobs: Vec<(usize, usize, Cut)> = (0..AMOUNTS.len())
        .flat_map(|a| (0..images.len()).flat_map(move |i| CUTS.map(|cut| (a, i, cut))))
        .collect();
    let found: Vec<(usize, Cut, bool)> = jobs
        .par_iter()
        .map(|&(a, i, how)| {
            let (img, original) = images[i];
            // Each amount starts from another side, so that every side is cut at every amount.
            let turn = i + a;
            let amount = AMOUNTS[a];
            let cut = match how {
                Cut::Side => one_side(amount, turn),
                Cut::Corner => corner(amount, turn),
                Cut::AllRound => [amount / 2; 4],
            };
            let copy = entry(original.picture, None, &crop_sides(img, cut), m, no_sides);
            let c = compare_entries(&copy, original, Orientation::DEFAULT);
            (a, how, c.similarity >= threshold)
        })
        .collect();
    let rows = AMOUNTS
        .iter()
        .enumerate()
        .map(|(a, &amount)| {
            let count = |how: Cut| {
                let of = found.iter().filter(|f| f.0 == a && f.1 == how);
                (of.clone().filter(|f| f.2).count(), of.count())
            };
            (amount, CUTS.map(count))
        })
        .collect();
    Sweep { rows }
}
