//! Tests of the blurred-fill rule (signature format 15).
use super::super::{Region, content_region};
use crate::{PixelLayout, Pixels};
use alloc::vec::Vec;

fn region(w: u32, h: u32, data: &[u8]) -> Region {
    content_region(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
}

/// The coarse look of a picture at `(u, v)` (fractions of its width and height): two slopes
/// and a bump, as a blur leaves a photograph.
fn coarse(u: f32, v: f32) -> [f32; 3] {
    let bump = (1.0 - 4.0 * ((u - 0.6) * (u - 0.6) + (v - 0.4) * (v - 0.4))).max(0.0);
    [
        50.0 + 120.0 * u + 60.0 * bump,
        70.0 + 100.0 * v,
        160.0 - 90.0 * u * v + 50.0 * bump,
    ]
}

/// A picture `w × h` (its `coarse` look and a fine grain over it) on a canvas `sides`
/// (`[top, bottom, left, right]`) larger, the rest of the canvas filled with the coarse look
/// of the picture stretched to the whole canvas (`cover` false) or enlarged to cover it (its
/// middle kept), brightness times `shade`: a picture posted in a blurred copy of itself. With
/// `fill_from` another picture's coarse look (`Some(look)`), the fill shows that one instead.
fn in_fill(
    w: u32,
    h: u32,
    [top, bottom, left, right]: [u32; 4],
    cover: bool,
    shade: f32,
    fill_from: Option<fn(f32, f32) -> [f32; 3]>,
) -> (u32, u32, Vec<u8>) {
    let (fw, fh) = (w + left + right, h + top + bottom);
    // Enlarged to cover: the picture's scale along each axis, the larger of the two.
    let scale = (fw as f32 / w as f32).max(fh as f32 / h as f32);
    let mut data = Vec::new();
    for y in 0..fh {
        for x in 0..fw {
            let pixel = if y < top || y >= top + h || x < left || x >= left + w {
                let (u, v) = if cover {
                    let (cu, cv) = (x as f32 / fw as f32 - 0.5, y as f32 / fh as f32 - 0.5);
                    (
                        0.5 + cu * fw as f32 / (w as f32 * scale),
                        0.5 + cv * fh as f32 / (h as f32 * scale),
                    )
                } else {
                    (x as f32 / fw as f32, y as f32 / fh as f32)
                };
                fill_from.unwrap_or(coarse)(u, v).map(|c| c * shade)
            } else {
                let (u, v) = (x - left, y - top);
                // A grain that changes by a few levels from one line to the next.
                let grain = (((u + v) * 3 % 80) as f32 - 40.0).abs() - 20.0;
                coarse(u as f32 / w as f32, v as f32 / h as f32).map(|c| c + grain)
            };
            data.extend(pixel.map(|c| c.clamp(0.0, 255.0) as u8));
        }
    }
    (fw, fh, data)
}

/// Issue 17, signature format 15: a wide picture posted square, above and below it the same
/// picture enlarged and blurred, stretched or enlarged to cover, even darkened, is cut to the
/// picture; so is a tall one posted wide.
#[test]
fn a_blurred_fill_on_two_opposite_sides_is_cut() {
    for (w, h, sides) in [
        (240, 135, [52, 53, 0, 0]),
        (240, 160, [40, 40, 0, 0]),
        (135, 240, [0, 0, 52, 53]),
    ] {
        for (cover, shade) in [(false, 1.0), (true, 1.0), (true, 0.75)] {
            let (fw, fh, data) = in_fill(w, h, sides, cover, shade, None);
            let r = region(fw, fh, &data);
            // Each edge within a line of the picture's (the boundary is placed where the
            // levels jump most, and the picture's grain jumps too).
            let edges = |r: Region| [r.x, r.y, r.x + r.width, r.y + r.height];
            let want = [sides[2], sides[0], sides[2] + w, sides[0] + h];
            assert!(
                edges(r).iter().zip(want).all(|(&a, b)| a.abs_diff(b) <= 1),
                "{w}×{h} {sides:?} cover {cover} shade {shade}: {r:?}"
            );
        }
    }
}

/// A smooth ground on one side only (a sky over a straight horizon), or on two sides at depths
/// far apart, is the picture's own: kept. So is a smooth picture with a band across its middle
/// that the picture round it does not show enlarged (centred text over a picture): the fill
/// rule in its first form cut such bands.
#[test]
fn a_smooth_ground_on_one_side_or_off_centre_or_round_other_content_is_kept() {
    let other: fn(f32, f32) -> [f32; 3] = |u, v| {
        let c = coarse(1.0 - v, u);
        [c[2], c[0], c[1]]
    };
    for (sides, fill_from) in [
        ([60, 0, 0, 0], None),
        ([0, 60, 0, 0], None),
        ([60, 20, 0, 0], None),
        ([0, 0, 50, 0], None),
        ([52, 53, 0, 0], Some(other)),
        ([0, 0, 52, 53], Some(other)),
    ] {
        let (fw, fh, data) = in_fill(240, 140, sides, false, 1.0, fill_from);
        assert_eq!(
            region(fw, fh, &data),
            Region {
                x: 0,
                y: 0,
                width: fw,
                height: fh
            },
            "{sides:?} {}",
            fill_from.is_some()
        );
    }
}
