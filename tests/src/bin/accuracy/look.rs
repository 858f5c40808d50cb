//! How alike two pictures are in their pixels, measured without the method: the correlation of
//! their 32 × 32 gray thumbnails, in the best of the eight ways one can be turned or mirrored.
//!
//! The harness counts every pair of different pictures that the method reports as false. Some
//! such pictures are alike pixel for pixel all the same: two quarters of a round subject are
//! one another mirrored, two near-blank quarters of a foggy sky carrying the same text are the
//! text. This number lets a reader tell those from pairs that only the signature confuses, and
//! sets them beside the true pairs (a copy and its picture), without changing what is counted.

use image::{GrayImage, Rgb, RgbImage, imageops};

use crate::{Entry, FalsePairs, Measurement, originals_of};

/// Thumbnail side, in pixels.
pub const SIDE: usize = 32;

/// How many false pairs the report draws.
pub const SHOWN: usize = 8;

/// The file the report's picture of them is written to, beside `accuracy.md`.
pub const SHEET: &str = "accuracy-false-pairs.jpg";

/// Each drawn picture fits a box this wide and high.
const BOX: (u32, u32) = (192, 128);

/// Space between pictures, and around them.
const GAP: u32 = 8;

/// A picture's gray thumbnail with its mean taken out and scaled to unit length; `None` when it
/// is flat (nothing to correlate).
#[derive(Clone)]
pub struct Thumb(Option<Box<[f32; SIDE * SIDE]>>);

impl Thumb {
    /// The thumbnail of an image, squeezed to a square as the method squeezes it.
    pub fn of(img: &RgbImage) -> Thumb {
        let gray: GrayImage = imageops::grayscale(img);
        let small = imageops::resize(
            &gray,
            SIDE as u32,
            SIDE as u32,
            imageops::FilterType::Triangle,
        );
        let mut v = Box::new([0f32; SIDE * SIDE]);
        for (slot, p) in v.iter_mut().zip(small.pixels()) {
            *slot = f32::from(p.0[0]);
        }
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        v.iter_mut().for_each(|x| *x -= mean);
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        // Under a level of deviation per pixel on average: flat.
        if norm < SIDE as f32 {
            return Thumb(None);
        }
        v.iter_mut().for_each(|x| *x /= norm);
        Thumb(Some(v))
    }
}

/// The correlation of two thumbnails (−1 to 1), the best over the eight turns and mirrors of
/// the second; `None` when either is flat.
pub fn alike(a: &Thumb, b: &Thumb) -> Option<f32> {
    let (a, b) = (a.0.as_ref()?, b.0.as_ref()?);
    let n = SIDE - 1;
    let mut best = f32::MIN;
    for turn in 0..8 {
        let mut dot = 0.0;
        for y in 0..SIDE {
            for x in 0..SIDE {
                // Where pixel (x, y) of `a` is read in `b`: the dihedral group of the square.
                let (u, v) = match turn {
                    0 => (x, y),
                    1 => (n - x, y),
                    2 => (n - y, x),
                    3 => (n - x, n - y),
                    4 => (y, n - x),
                    5 => (x, n - y),
                    6 => (y, x),
                    _ => (n - y, n - x),
                };
                dot += a[y * SIDE + x] * b[v * SIDE + u];
            }
        }
        best = best.max(dot);
    }
    Some(best)
}

/// How alike each copy of a required edit is to its picture ([`alike`]), flat ones left out,
/// in increasing order.
pub fn true_pairs(m: &Measurement) -> Vec<f32> {
    let original_of = originals_of(&m.entries, m.pictures.len());
    let mut v: Vec<f32> = m
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.edit.is_some_and(|edit| !edit.is_exempt()))
        .filter_map(|(i, e)| alike(&m.thumbs[i], &m.thumbs[original_of[e.picture]]))
        .collect();
    v.sort_by(f32::total_cmp);
    v
}

/// The `n` strongest false pairs, one per pair of pictures (the strongest of its copies), as
/// entries, strongest first.
pub fn strongest(pairs: &FalsePairs, entries: &[Entry], n: usize) -> Vec<(usize, usize)> {
    let mut sorted: Vec<&(f32, usize, usize)> = pairs.iter().collect();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for &&(_, a, b) in &sorted {
        let (pa, pb) = (entries[a].picture, entries[b].picture);
        let key = (pa.min(pb), pa.max(pb));
        if !seen.contains(&key) {
            seen.push(key);
            out.push((a, b));
            if out.len() == n {
                break;
            }
        }
    }
    out
}

/// The pairs side by side, one pair per row, each picture shrunk into a box of [`BOX`].
pub fn sheet(pairs: &[(RgbImage, RgbImage)]) -> RgbImage {
    let rows = pairs.len().max(1) as u32;
    let width = 2 * BOX.0 + 3 * GAP;
    let height = rows * (BOX.1 + GAP) + GAP;
    let mut out = RgbImage::from_pixel(width, height, Rgb([255, 255, 255]));
    for (row, (a, b)) in pairs.iter().enumerate() {
        let top = GAP + row as u32 * (BOX.1 + GAP);
        for (column, img) in [a, b].into_iter().enumerate() {
            let scale = f64::min(
                f64::from(BOX.0) / f64::from(img.width()),
                f64::from(BOX.1) / f64::from(img.height()),
            );
            let w = ((f64::from(img.width()) * scale).round() as u32).max(1);
            let h = ((f64::from(img.height()) * scale).round() as u32).max(1);
            let small = imageops::resize(img, w, h, imageops::FilterType::Triangle);
            let left = GAP + column as u32 * (BOX.0 + GAP) + (BOX.0 - w) / 2;
            imageops::overlay(
                &mut out,
                &small,
                i64::from(left),
                i64::from(top + (BOX.1 - h) / 2),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn picture(f: impl Fn(u32, u32) -> u8) -> RgbImage {
        RgbImage::from_fn(64, 64, |x, y| {
            let v = f(x, y);
            Rgb([v, v, v])
        })
    }

    #[test]
    fn a_mirrored_or_turned_picture_correlates_fully_and_a_different_one_does_not() {
        let a = picture(|x, y| ((x * 3 + y * y / 9) % 256) as u8);
        let mirrored = imageops::flip_horizontal(&a);
        let turned = imageops::rotate90(&a);
        let other = picture(|x, y| ((x * y * 7 + 13 * y) % 251) as u8);
        let (ta, tm, tt, to) = (
            Thumb::of(&a),
            Thumb::of(&mirrored),
            Thumb::of(&turned),
            Thumb::of(&other),
        );
        assert!(alike(&ta, &tm).unwrap() > 0.999);
        assert!(alike(&ta, &tt).unwrap() > 0.999);
        assert!(alike(&ta, &to).unwrap() < 0.5);
        assert!(alike(&ta, &Thumb::of(&picture(|_, _| 90))).is_none());
    }
}
