//! Tests of [`super::dark_ground`] and [`super::opposite`] through [`crate::content_region`].
use super::DARK_LEAST;
use crate::border::tests::in_bars;
use crate::{PixelLayout, Pixels, Region, content_region};
use alloc::vec::Vec;

fn region(w: u32, h: u32, data: &[u8]) -> Region {
    content_region(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
}

/// A textured disc on a black ground, `size` square, the disc's edge `gap` pixels from each
/// side (a retina's photograph), its bottom cut straight at `flat_from` of the radius below
/// the middle when given (a dome); the ground grained by up to `grain` levels.
fn disc_on_black(size: u32, gap: u32, grain: u8, flat_from: Option<f32>) -> Vec<u8> {
    let r = (size / 2 - gap) as f32;
    let c = size as f32 / 2.0;
    (0..size * size)
        .flat_map(|i| {
            let (u, v) = (i % size, i / size);
            let (dx, dy) = (u as f32 + 0.5 - c, v as f32 + 0.5 - c);
            if dx.hypot(dy) < r && flat_from.is_none_or(|f| dy < f * r) {
                [
                    (60 + u * 7 % 140) as u8,
                    (40 + (u * v) % 120) as u8,
                    (50 + v * 3 % 150) as u8,
                ]
            } else {
                let g = ((u * 7 + v * 13) % (u32::from(grain) + 1)) as u8;
                [g, g, g]
            }
        })
        .collect()
}

/// The region of a picture in bars, `left` and `top` deep, as a region of the picture.
fn inside(got: Region, left: u32, top: u32) -> [i64; 4] {
    [
        i64::from(got.x) - i64::from(left),
        i64::from(got.y) - i64::from(top),
        i64::from(got.width),
        i64::from(got.height),
    ]
}

fn whole(r: Region) -> [i64; 4] {
    [r.x, r.y, r.width, r.height].map(i64::from)
}

/// Signature format 18: black bars added round a picture on a black ground join the ground,
/// and nothing marks where they end; the ground is cut with them, where it stops being flat,
/// so the picture and its letterboxed, pillarboxed and framed copies are cut alike. Bars of
/// another colour above and below are cut as bars, and the ground past them with them.
#[test]
fn bars_round_a_picture_on_a_black_ground_are_cut_with_it() {
    let (size, gap) = (300u32, 12u32);
    let disc = disc_on_black(size, gap, 0, None);
    let alone = region(size, size, &disc);
    // The ground is 4 % of each side: cut, to a line or two.
    assert!(
        (gap - 2..=gap).contains(&alone.y) && (gap - 2..=gap).contains(&alone.x),
        "{alone:?}"
    );
    for bars in [
        [60, 60, 0, 0],
        [0, 0, 45, 45],
        [24, 24, 36, 36],
        [30, 0, 0, 30],
        // A bar on one side only: the ground on the other side is cut as the picture's.
        [15, 0, 0, 0],
    ] {
        let colours: &[[u8; 3]] = if bars[2] + bars[3] == 0 {
            &[[0, 0, 0], [255, 255, 255], [128, 128, 128]]
        } else {
            &[[0, 0, 0]]
        };
        for &colour in colours {
            let (w, h, data) = in_bars(&disc, size, size, bars, colour);
            let got = region(w, h, &data);
            assert_eq!(
                inside(got, bars[2], bars[0]),
                whole(alone),
                "bars {bars:?} of {colour:?}"
            );
        }
    }
}

/// A quarter of a picture whose ground is thin (the disc's middle at one corner, its ground
/// at the opposite one: the retina's quarters) in black bars on all four sides is cut to the
/// quarter: the bar beside the disc ends at an edge, past which the bars beside it keep black
/// at both ends of the lines. Its thin ground may go with the bars (within `DARK_LEAST`).
#[test]
fn a_quarter_in_black_bars_is_cut_to_the_quarter() {
    let size = 300u32;
    let whole_disc = disc_on_black(2 * size, 4, 0, None);
    let quarter = bottom_right(&whole_disc, size);
    let (w, h, data) = in_bars(&quarter, size, size, [24, 24, 36, 36], [0, 0, 0]);
    let got = inside(region(w, h, &data), 36, 24);
    let alone = whole(region(size, size, &quarter));
    let slack = (size as f32 * DARK_LEAST) as i64;
    assert!(
        got.iter().zip(&alone).all(|(a, b)| (a - b).abs() <= slack),
        "a quarter in bars: {got:?} against {alone:?}"
    );
}

/// The bottom right quarter of a `2 size` square picture.
fn bottom_right(picture: &[u8], size: u32) -> Vec<u8> {
    (0..size * size)
        .flat_map(|i| {
            let (x, y) = (size + i % size, size + i / size);
            let at = ((y * 2 * size + x) * 3) as usize;
            [picture[at], picture[at + 1], picture[at + 2]]
        })
        .collect()
}

/// A dark ground on one side only is no bar's: kept, as a shadow that a contrast change
/// crushed to black at one edge of a portrait must be (its picture, not crushed, keeps it);
/// also beside a thin dark line at the other edge.
#[test]
fn a_ground_on_one_side_only_is_kept() {
    let size = 300u32;
    // The disc's middle at the top left corner: 4 % of ground at the right and the bottom.
    let quarter = bottom_right(&disc_on_black(2 * size, 12, 0, None), size);
    assert_eq!(
        whole(region(size, size, &quarter)),
        [0, 0, i64::from(size), i64::from(size)]
    );
    // Three black lines at the top, the disc's edge below them.
    let (w, h, data) = in_bars(&quarter, size, size, [3, 0, 0, 0], [0, 0, 0]);
    let got = region(w, h, &data);
    assert_eq!(got.height, size, "{got:?}");
}

/// A JPEG rings in the lines before a straight edge: a dome (a disc cut straight at its
/// bottom) on black, with two lines of ringing above the ground below it, is cut as the clean
/// one is.
#[test]
fn a_jpegs_ringing_before_the_grounds_edge_passes() {
    let size = 300u32;
    let clean = disc_on_black(size, 12, 0, Some(0.6));
    let mut rung = clean.clone();
    // The dome's bottom row: the first from the bottom with the disc's texture in it.
    let bottom = (0..size)
        .rev()
        .find(|&y| {
            rung[(y * size * 3) as usize..((y + 1) * size * 3) as usize]
                .iter()
                .any(|&v| v > 20)
        })
        .unwrap();
    for y in bottom + 1..bottom + 3 {
        for x in 0..size {
            let at = ((y * size + x) * 3) as usize;
            let v = if x % 2 == 0 { 6 } else { 0 };
            rung[at..at + 3].copy_from_slice(&[v, v, v]);
        }
    }
    let (a, b) = (region(size, size, &clean), region(size, size, &rung));
    assert!(
        a.height < size - 20,
        "the ground below the dome is cut: {a:?}"
    );
    assert_eq!(a, b);
}

/// What is no flat, dark ground: a thin one (under 2 % of the side), a grained one, a light
/// one (a product on white).
#[test]
fn thin_grained_and_light_grounds_are_kept() {
    let size = 300u32;
    let full = [0, 0, i64::from(size), i64::from(size)];
    let thin = disc_on_black(size, 4, 0, None);
    assert_eq!(whole(region(size, size, &thin)), full, "thin");
    let grained = disc_on_black(size, 12, 8, None);
    assert_eq!(whole(region(size, size, &grained)), full, "grained");
    let light: Vec<u8> = disc_on_black(size, 12, 0, None)
        .chunks_exact(3)
        .flat_map(|p| {
            if p == [0, 0, 0] {
                [240; 3]
            } else {
                [p[0], p[1], p[2]]
            }
        })
        .collect();
    assert_eq!(whole(region(size, size, &light)), full, "light");
}
