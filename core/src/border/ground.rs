//! A flat, dark ground round a picture, cut with the black bars beside it (signature format
//! 18, issue 17).
//!
//! [`super::border`] cuts a bar where an edge ends it and the picture's own ground does not go
//! on past it. A picture on a black ground (a retina's photograph, a night sky, a product shot
//! on black) has neither: its subject's top is round, or the ground goes on round it. Bars
//! added to it join the ground, and nothing in the pixels marks where they end, so both were
//! kept. Here the ground is cut where it stops being flat, with whatever bars lie outside it:
//! the picture of as much as its ground, its copy of its ground and its bars, alike.

use super::{EDGE, FLAT, Line, MAX_SHARE, flat, median, run, strays};
use crate::Pixels;

/// What [`border`](super::border) found on one side: the lines of its bar, and of its flat,
/// dark ground.
#[derive(Clone, Copy)]
pub(super) struct Side {
    pub(super) bar: u32,
    pub(super) ground: u32,
}

/// Two opposite sides' depths: each its bar, or deeper its dark ground when the opposite side
/// has either. Bars are added in pairs (a letterbox, a pillarbox, a frame), so both sides of a
/// picture on a black ground have one; a shadow that a contrast or a brightness change crushed
/// to flat black (a dark coat at the bottom of a portrait, with contrast +30 %: 85.7 with its
/// picture, 44.6 when cut) is on one side only, and is kept.
pub(super) fn opposite(a: Side, b: Side) -> (u32, u32) {
    let (a_any, b_any) = (a.bar.max(a.ground), b.bar.max(b.ground));
    (
        if b_any > 0 { a_any } else { a.bar },
        if a_any > 0 { b_any } else { b.bar },
    )
}

/// The run of [`flat`] lines from one edge inward, when its colour is dark (no channel above
/// [`DARK`]) and it takes at least [`DARK_LEAST`] of the side but less than `max`; else 0.
///
/// A picture on a black ground has no edge where its subject starts (the subject's top is
/// round, so [`edge_run`](super::edge_run) finds no border), or the ground goes on at both
/// ends of the lines past the edge ([`own_ground`](super::own_ground) keeps it). Letterboxed
/// with black bars, the copy kept its bars and scored 35.6 with its picture (`skimage_retina`;
/// 13.8 with bars on all four sides).
///
/// Only flat (a JPEG keeps black within a level or two) and dark (what letterboxes and
/// pillarboxes are): a light page's margin, a sky, a wall keep the rules above, and so does a
/// grained or noisy dark ground, whose flat run ends at once. And only a run ended by an edge,
/// or by a line whose first pixels off the ground lie within half of it: a subject's top,
/// where a caption band's or a bar's text starts along the line (those are
/// [`edge_run`](super::edge_run)'s and [`written_into`](super::written_into)'s).
pub(super) fn dark_ground(pixels: &Pixels<'_>, max: u32, line: &impl Fn(u32) -> Line) -> u32 {
    let mut buf = [[0u8; 3]; 512];
    let n = line(0).samples(pixels, &mut buf);
    let colour = median(&mut buf[..n]);
    if colour.iter().any(|&c| c > DARK) {
        return 0;
    }
    let i = run(pixels, max, line, |samples| flat(samples, colour));
    // `max` is `MAX_SHARE` of the side.
    if i == max || (i as f32) < max as f32 * (DARK_LEAST / MAX_SHARE) {
        return 0;
    }
    // What ends the run is an edge (a picture beside a bar, which the ground's colour at the
    // ends of the lines past it would keep: a bar beside the picture on the next side), or
    // starts in one narrow place (a subject's top); not text along the line (a caption's or a
    // subtitle's, written on a dark band that is no ground).
    let n = line(i).samples(pixels, &mut buf);
    if strays(&buf[..n], colour) * EDGE >= n as u32 {
        return i;
    }
    let off = |s: &[u8; 3]| (0..3).any(|c| s[c].abs_diff(colour[c]) > FLAT);
    match (
        buf[..n].iter().position(off),
        buf[..n].iter().rposition(off),
    ) {
        (Some(first), Some(last)) if 2 * (last - first + 1) < n => i,
        _ => 0,
    }
}

/// The lightest a [`dark_ground`] may be, per channel: 40 of 255 (black bars, and black bars
/// brightened by 30 levels).
pub(crate) const DARK: u8 = 40;

/// The least of a side a [`dark_ground`] must take to be cut, as a fraction: 0.02. The thin
/// dark edge a photograph of a dark subject often has is left, cut or not alike in every copy.
pub(crate) const DARK_LEAST: f32 = 0.02;

#[cfg(test)]
mod tests;
