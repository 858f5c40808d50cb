//! Tests of [`super::dark_ground`] through [`crate::content_region`].
use super::DARK_LEAST;
use crate::{PixelLayout, Pixels, Region, content_region};
use alloc::vec::Vec;

fn region(w: u32, h: u32, data: &[u8]) -> Region {
    content_region(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
}

/// A textured disc on a black ground, `size` square, the disc's edge `gap` pixels from each
/// side (a retina's photograph), in black bars `[top, bottom, left, right]` pixels deep; the
/// ground grained by up to `grain` levels.
fn disc_on_black(size: u32, gap: u32, [top, bottom, left, right]: [u32; 4], grain: u8) -> Vec<u8> {
    let (w, h) = (size + left + right, size + top + bottom);
    let r = (size / 2 - gap) as f32;
    (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            let inside = (left..left + size).contains(&x) && (top..top + size).contains(&y);
            if !inside {
                return [0, 0, 0];
            }
            let (u, v) = (x - left, y - top);
            let c = size as f32 / 2.0;
            if (u as f32 + 0.5 - c).hypot(v as f32 + 0.5 - c) < r {
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

/// Signature format 18: black bars added round a picture on a black ground join the ground,
/// and nothing marks where they end; the ground is cut with them, where it stops being flat,
/// so the picture and its letterboxed, pillarboxed and framed copies are cut alike.
#[test]
fn black_bars_round_a_picture_on_a_black_ground_are_cut_with_it() {
    let (size, gap) = (300u32, 12u32);
    let alone = region(size, size, &disc_on_black(size, gap, [0; 4], 0));
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
    ] {
        let [top, bottom, left, right] = bars;
        let (w, h) = (size + left + right, size + top + bottom);
        let got = region(w, h, &disc_on_black(size, gap, bars, 0));
        assert_eq!(
            (got.x - left, got.y - top, got.width, got.height),
            (alone.x, alone.y, alone.width, alone.height),
            "bars {bars:?}"
        );
    }
    // A quarter of a picture whose ground is thin (the disc's middle at one corner, its
    // ground at the opposite one: the retina's quarters) in black bars on all four sides: cut
    // to the quarter. The bar beside the disc ends at an edge, past which the bars beside it
    // keep black at both ends of the lines. (A quarter with more ground, 2 % or more on one
    // side, is cut with its bars there, and kept whole alone: a ground on one side only is no
    // bar's, `opposite`. The side probes' 5 % windows make up for it.)
    let whole = disc_on_black(2 * size, 4, [0; 4], 0);
    let quarter: Vec<u8> = (0..size * size)
        .flat_map(|i| {
            let (x, y) = (size + i % size, size + i / size);
            let at = ((y * 2 * size + x) * 3) as usize;
            [whole[at], whole[at + 1], whole[at + 2]]
        })
        .collect();
    let (bar_x, bar_y) = (36u32, 24u32);
    let (w, h) = (size + 2 * bar_x, size + 2 * bar_y);
    let barred: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            if (bar_x..bar_x + size).contains(&x) && (bar_y..bar_y + size).contains(&y) {
                let at = (((y - bar_y) * size + x - bar_x) * 3) as usize;
                [quarter[at], quarter[at + 1], quarter[at + 2]]
            } else {
                [0, 0, 0]
            }
        })
        .collect();
    // Its thin ground may go with the bars: within 2 % of the side (`DARK_LEAST`).
    let got = region(w, h, &barred);
    let alone = region(size, size, &quarter);
    let near = |a: u32, b: u32| a.abs_diff(b) as f32 <= size as f32 * DARK_LEAST;
    assert!(
        near(got.x - bar_x, alone.x)
            && near(got.y - bar_y, alone.y)
            && near(got.width, alone.width)
            && near(got.height, alone.height),
        "a quarter in bars: {got:?} against {alone:?}"
    );
    // Before (signature format 17), none of its bars was cut.
    assert!(got.x >= bar_x && got.y >= bar_y, "{got:?}");
    // A thin ground (under 2 % of the side) is kept, in the picture alone.
    let thin = region(size, size, &disc_on_black(size, 4, [0; 4], 0));
    assert_eq!((thin.x, thin.y), (0, 0), "{thin:?}");
    // A grained ground is no flat ground: kept, as before.
    let grained = region(size, size, &disc_on_black(size, gap, [0; 4], 8));
    assert_eq!((grained.x, grained.y), (0, 0), "{grained:?}");
    // A light ground round the same disc is a plain ground, kept (a product on white).
    let light: Vec<u8> = disc_on_black(size, gap, [0; 4], 0)
        .chunks_exact(3)
        .flat_map(|p| {
            if p == [0, 0, 0] {
                [240; 3]
            } else {
                [p[0], p[1], p[2]]
            }
        })
        .collect();
    assert_eq!(
        region(size, size, &light),
        Region::whole(&Pixels::new(size, size, PixelLayout::Rgb8, &light).unwrap())
    );
}
