//! A flat, dark ground round a picture, cut with the black bars beside it (signature format
//! 18, issue 17).
//!
//! [`super::border`] cuts a bar where an edge ends it and the picture's own ground does not go
//! on past it. A picture on a black ground (a retina's photograph, a night sky, a product shot
//! on black) has neither: its subject's top is round, or the ground goes on round it. Bars
//! added to it join the ground, and nothing in the pixels marks where they end, so both were
//! kept. Here the ground is cut where it stops being flat, with whatever bars lie outside it,
//! so a picture whose ground is cut and its copy in bars are cut alike.
//!
//! Where they are not: a ground under [`DARK_LEAST`] of the side is kept in the picture alone
//! and may go with the bars in its copy (the retina's is 0.5 %); a ground of more on one side
//! only is kept in the picture alone ([`opposite`]) and cut with the bars in its copy, which
//! the side probes' 5 % windows make up for.

use super::{EDGE, FLAT, JPEG_BLOCK, Line, MAX_SHARE, flat, matches, median, run, strays};
use crate::Pixels;

/// What [`border`](super::border) found on one side: the lines of its bar, and how deep its
/// flat, dark ground reaches (past the bar, when there is one; 0 when there is none).
#[derive(Clone, Copy)]
pub(super) struct Side {
    pub(super) bar: u32,
    pub(super) ground: u32,
}

/// Two opposite sides' depths, given their bars as [`super::paired`] completed them and the
/// [`Side`]s [`border`](super::border) found: each its bar, or deeper its dark ground when the
/// opposite side has a bar at least a JPEG block deep or such a ground too. Bars are added in
/// pairs (a letterbox, a pillarbox, a frame), so both sides of a picture on a black ground in
/// bars have one; a shadow that a contrast or a brightness change crushed to flat black (a dark
/// coat at the bottom of a portrait, with contrast +30 %: 85.7 with its picture, 44.6 when
/// cut) is on one side only, and is kept, and so is it beside a thin dark line at the other
/// edge.
pub(super) fn opposite((a_bar, b_bar): (u32, u32), (a, b): (Side, Side)) -> (u32, u32) {
    let framed = |bar: u32, side: Side| bar >= JPEG_BLOCK || side.ground > 0;
    (
        if framed(b_bar, b) {
            a_bar.max(a.ground)
        } else {
            a_bar
        },
        if framed(a_bar, a) {
            b_bar.max(b.ground)
        } else {
            b_bar
        },
    )
}

/// How deep a side's flat, dark ground reaches, from line `from` (past the side's bar, 0 when
/// it has none): the run of [`flat`] lines from there, when its colour is dark (no channel
/// above [`DARK`]) and it takes at least [`DARK_LEAST`] of the side, and with the bar at most
/// [`DARK_MOST`]; else 0.
///
/// A picture on a black ground has no edge where its subject starts (the subject's top is
/// round, so [`edge_run`](super::edge_run) finds no border), or the ground goes on at both
/// ends of the lines past the edge ([`own_ground`](super::own_ground) keeps it). Letterboxed
/// with black bars, the copy kept its bars and scored 35.6 with its picture (`skimage_retina`;
/// 13.8 with bars on all four sides). Bars of another colour above and below are cut as bars,
/// and the ground past them is measured from their edge; beside the picture they hide its
/// ground from the rows, which are measured first across the whole width, and all round they
/// are a frame (`frame.rs`, tried first), inside which nothing more is cut.
///
/// Only flat (a JPEG keeps black within a level or two) and dark (what letterboxes and
/// pillarboxes are): a light page's margin, a sky, a wall keep the rules above, and so does a
/// grained or noisy dark ground, whose flat run ends at once. And only a run ended by an edge
/// (a line where one pixel in [`EDGE`] strays; a JPEG's ringing before it, lines still within
/// [`TOLERANCE`](super::TOLERANCE) of the ground, passes, as in
/// [`edge_run`](super::edge_run)), or by a line whose first pixels off the ground lie within
/// half of it: a subject's top, where a caption band's or a bar's text starts along the line
/// (those are [`edge_run`](super::edge_run)'s and [`written_into`](super::written_into)'s).
pub(super) fn dark_ground(
    pixels: &Pixels<'_>,
    max: u32,
    line: &impl Fn(u32) -> Line,
    from: u32,
) -> u32 {
    if from >= max {
        return 0;
    }
    let inward = |k: u32| line(from + k);
    let room = max - from;
    let mut buf = [[0u8; 3]; 512];
    let n = inward(0).samples(pixels, &mut buf);
    let colour = median(&mut buf[..n]);
    if colour.iter().any(|&c| c > DARK) {
        return 0;
    }
    let i = run(pixels, room, &inward, |samples| flat(samples, colour));
    // `max` is `MAX_SHARE` of the side.
    let share = |lines: u32| lines as f32 / max as f32 * MAX_SHARE;
    if i == room || share(i) < DARK_LEAST || share(from + i) > DARK_MOST {
        return 0;
    }
    for k in i..(i + JPEG_BLOCK).min(room) {
        let n = inward(k).samples(pixels, &mut buf);
        if strays(&buf[..n], colour) * EDGE >= n as u32 {
            return from + k;
        }
        if !matches(&buf[..n], colour) {
            break;
        }
    }
    let n = inward(i).samples(pixels, &mut buf);
    let off = |s: &[u8; 3]| (0..3).any(|c| s[c].abs_diff(colour[c]) > FLAT);
    match (
        buf[..n].iter().position(off),
        buf[..n].iter().rposition(off),
    ) {
        (Some(first), Some(last)) if 2 * (last - first + 1) < n => from + i,
        _ => 0,
    }
}

/// The lightest a [`dark_ground`] may be, per channel: 40 of 255 (black bars, and black bars
/// brightened by 30 levels).
const DARK: u8 = 40;

/// The most of a side a [`dark_ground`] may take, with the bar outside it, as a fraction:
/// 0.25 (a 4:3 picture letterboxed in 16:9 has bars of 12.5 %, a square one pillarboxed 22 %).
/// Deeper, the subject is small, and a cut that a JPEG's ringing round it moves by a few
/// pixels is enlarged with it: white text on a black title card, cut to the text's 215 × 87
/// of 640 × 360, scored 48.7 against its JPEG copy, cut 7 pixels wider; kept whole, both
/// match as before.
const DARK_MOST: f32 = 0.25;

/// The least of a side a [`dark_ground`] must take to be cut, as a fraction: 0.02. The thin
/// dark edge a photograph of a dark subject often has is left, cut or not alike in every copy.
const DARK_LEAST: f32 = 0.02;

#[cfg(test)]
mod tests;
