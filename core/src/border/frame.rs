//! A picture set in a frame: one colour on all four sides (a white border round a print, a
//! passe-partout, a 4:3 video in the middle of a 16:9 frame with bars on all four sides).
//!
//! [`border`](super::border) cuts a side's bar only when the lines past its edge do not keep
//! the bar's colour at both ends (the margin of a page goes on round its text there, and is
//! the page's own ground). A frame keeps its colour at both ends of those lines too, the
//! other two sides of the frame, so no side of it was cut: of 64 photographs in a white frame
//! (ffmpeg's copies, scanned), 4 were found with their photograph at the default, and two
//! different photographs in the same frame scored up to 59.5 against each other.
//!
//! What tells a frame from a margin is what lies inside it: a picture fills the rectangle
//! inside a frame from side to side and from top to bottom, where a page's lines of text leave
//! gaps between them that reach the margins. So a frame is cut when each of its four sides is a
//! run of one colour ended by an edge ([`super::edge_run`]), the four of one colour, and
//! nearly every row and every column across the rectangle inside meets the frame with the
//! picture at one end or the other, within a JPEG block of it ([`FILLED`]).

use super::{JPEG_BLOCK, Line, Region, TOLERANCE, edge_run, pixel};
use crate::Pixels;

/// Of the rows sampled across the rectangle inside a frame, and of the columns, at least this
/// share, in sixteenths, must meet the frame with the picture: 15, so that a picture may touch
/// its frame with its own colour here and there, while the gaps between a page's lines of
/// text, a fifth of its rows or more, fail it.
pub const FILLED: u32 = 15;

/// Lines sampled across the rectangle, each way.
const SAMPLED: u32 = 32;

/// The rectangle inside a frame round `pixels`, if it has one (see the module docs). `max_rows`
/// and `max_cols` bound each side's depth as they bound a bar's.
pub(super) fn framed(pixels: &Pixels<'_>, max_rows: u32, max_cols: u32) -> Option<Region> {
    let (w, h) = (pixels.width(), pixels.height());
    let top_line = |i| Line::Row { y: i, x0: 0, x1: w };
    let bottom_line = |i| Line::Row {
        y: h - 1 - i,
        x0: 0,
        x1: w,
    };
    let (top, colour) = edge_run(pixels, max_rows, &top_line)?;
    let (bottom, other) = edge_run(pixels, max_rows, &bottom_line)?;
    let same = |c: [u8; 3]| (0..3).all(|k| c[k].abs_diff(colour[k]) <= TOLERANCE);
    if !same(other) {
        return None;
    }
    let (y0, y1) = (top, h - bottom);
    let left_line = |x| Line::Column { x, y0, y1 };
    let right_line = |i| Line::Column {
        x: w - 1 - i,
        y0,
        y1,
    };
    let (left, a) = edge_run(pixels, max_cols, &left_line)?;
    let (right, b) = edge_run(pixels, max_cols, &right_line)?;
    if !same(a) || !same(b) {
        return None;
    }
    let region = Region {
        x: left,
        y: top,
        width: w - left - right,
        height: h - top - bottom,
    };
    filled(pixels, region, colour).then_some(region)
}

/// Whether the picture fills `region` up to the frame of `colour` round it: of [`SAMPLED`] rows
/// across it, at least [`FILLED`] sixteenths have a pixel off the frame's colour within
/// [`JPEG_BLOCK`] of one of their ends or the other, and so do as many of [`SAMPLED`] columns.
/// One end is enough: a photograph's sky may meet a white frame in its own colour along one
/// side. A gap between two lines of text meets the margins with paper at both ends.
fn filled(pixels: &Pixels<'_>, region: Region, colour: [u8; 3]) -> bool {
    let Region {
        x,
        y,
        width,
        height,
    } = region;
    let block = JPEG_BLOCK;
    // The rectangle must be larger than the blocks looked at near its sides.
    if width < 4 * block || height < 4 * block {
        return false;
    }
    let off = |px: u32, py: u32| {
        let p = pixel(pixels, px, py);
        (0..3).any(|c| p[c].abs_diff(colour[c]) > TOLERANCE)
    };
    let (mut rows, mut columns) = (0, 0);
    for k in 0..SAMPLED {
        // Rows and columns away from the corners, where the frame's edge may be smeared.
        let row = y + block + k * (height - 2 * block) / SAMPLED;
        let meets = (x..x + block)
            .chain(x + width - block..x + width)
            .any(|px| off(px, row));
        rows += u32::from(meets);
        let column = x + block + k * (width - 2 * block) / SAMPLED;
        let meets = (y..y + block)
            .chain(y + height - block..y + height)
            .any(|py| off(column, py));
        columns += u32::from(meets);
    }
    rows.min(columns) * 16 >= FILLED * SAMPLED
}
