//! Step 0 of the method (ours, not the paper's): uniform borders are cut away before the
//! resample (issue 17).
//!
//! Letterbox and pillarbox bars, of any colour, change the 128 × 128 square a great deal: a
//! photo with black bars above and below is squeezed into the middle three quarters of the
//! square, and two *different* photos with the same bars share the bars' strong edges. So the
//! signature is computed from the [`Region`] inside such borders, found here from the pixels
//! alone: the CLI, the GPU path (which resamples the same region, see
//! [`downscale_region`](crate::downscale_region)), the videos and the browser all hash the same
//! pixels.
//!
//! A side's border is the run of lines (rows or columns) from that edge inward whose pixels
//! nearly all lie within [`TOLERANCE`] levels of the outermost line's colour, and whose mean
//! stays within half of that (JPEG ringing and noise pass), ended by a sharp edge: a line where
//! a quarter of the pixels differ. A flat sky or wall that fades into the picture is not a
//! border, so a copy with other contrast is cut exactly like its original. A side gives up at
//! most [`MAX_SHARE`] of the picture, and a picture that is uniform all over keeps all of it
//! (there is nothing to cut down to).
//!
//! Where no bar is found on two opposite sides, a blurred, enlarged copy of the picture filling
//! them (a wide photograph posted square) is looked for (`border/fill.rs`, signature format 15).
//!
//! A flat, dark ground round a picture on black (a retina's photograph) is cut with the black
//! bars beside it, when the opposite side has a bar a JPEG block deep or such a ground too,
//! and the two together take at most a quarter of the side (`border/ground.rs`, signature
//! format 18): the bars join the ground, and nothing else marks
//! where they end.
//!
//! A frame, one colour on all four sides (a print's white border, a video's bars above, below
//! and beside a 4:3 picture), is looked for first (`border/frame.rs`, signature format 14): the
//! rule that keeps a page's margins, whose colour goes on at both ends of the lines past its
//! edge, would keep every side of a frame too.

use crate::{PixelLayout, Pixels, composite_on_white};
use ground::{Side, dark_ground, opposite};

mod caption;
mod fill;
mod frame;
mod ground;
pub use caption::{
    CAPTION_SHARE, FAR as CAPTION_FAR, RUNS as CAPTION_RUNS, STEADY as CAPTION_STEADY,
    TEXT as CAPTION_TEXT, TEXT_LINES as CAPTION_TEXT_LINES,
};

/// A rectangle of a picture, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// First column.
    pub x: u32,
    /// First row.
    pub y: u32,
    /// Columns.
    pub width: u32,
    /// Rows.
    pub height: u32,
}

impl Region {
    /// The whole of `pixels`.
    pub fn whole(pixels: &Pixels<'_>) -> Region {
        Region {
            x: 0,
            y: 0,
            width: pixels.width(),
            height: pixels.height(),
        }
    }

    /// Width divided by height.
    pub fn aspect_ratio(&self) -> f32 {
        (self.width as f64 / self.height as f64) as f32
    }
}

/// What of a picture is hashed: the [`Region`] inside its bars, and how many of that region's
/// rows a caption band covers at its top and at its bottom (`bands`), which the resample fills
/// with the picture's nearest row (signature format 12; `border/caption.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Content {
    /// The part inside uniform borders ([`content_region`]).
    pub region: Region,
    /// Rows of `region` covered by a caption band: from its top, from its bottom.
    pub bands: [u32; 2],
}

impl Content {
    /// The whole of `pixels`, with no band.
    pub fn whole(pixels: &Pixels<'_>) -> Content {
        Content {
            region: Region::whole(pixels),
            bands: [0, 0],
        }
    }

    /// The first and the last row of the picture that the resample reads (absolute rows,
    /// inclusive): a row of a band is read as the nearer of the two.
    pub fn rows(&self) -> (u32, u32) {
        let Region { y, height, .. } = self.region;
        (y + self.bands[0], y + height - 1 - self.bands[1])
    }
}

/// The [`Content`] of `pixels`: [`content_region`], and in it a caption band at the top or the
/// bottom, if any (`border/caption.rs`).
pub fn content(pixels: &Pixels<'_>) -> Content {
    let region = content_region(pixels);
    let Region {
        x,
        y,
        width,
        height,
    } = region;
    if width < 8 || height < 8 {
        return Content {
            region,
            bands: [0, 0],
        };
    }
    let max = (height as f32 * CAPTION_SHARE) as u32;
    let row = |y| Line::Row {
        y,
        x0: x,
        x1: x + width,
    };
    let top = caption::caption_band(pixels, max, |i| row(y + i));
    let bottom = caption::caption_band(pixels, max, |i| row(y + height - 1 - i));
    Content {
        region,
        bands: [top, bottom],
    }
}

/// How far (in levels of 0–255, per channel) a border pixel may stray from the border's colour.
pub const TOLERANCE: u8 = 16;

/// The most of a side a border may take, as a fraction: 0.4 (a 9:16 phone video inside a 16:9
/// frame has bars of 34 % on each side).
pub const MAX_SHARE: f32 = 0.4;

/// Lines with more strays than 1 in this many are not border.
const STRAYS: u32 = 50;

/// A line with at least 1 in this many strays is the edge of the picture.
const EDGE: u32 = 4;

/// How far (in levels) the pixels of a flat bar stray from its colour: a JPEG reproduces a
/// block of one colour within a level or two.
const FLAT: u8 = 2;

/// The side of a JPEG's (and a video codec's) block of luminance, in pixels: what it does to
/// one block's pixels stays in that block. (Subsampled chroma has 16-pixel blocks, but its
/// smear is faint: with 16, contrast +30 % made the white sky of a mountain photo a "bar",
/// where 8 cuts no copy of the accuracy harness that 16 did not and finds 4 more letterboxed
/// ones.)
const JPEG_BLOCK: u32 = 8;

/// The part of `pixels` inside uniform borders (the whole picture when there are none).
pub fn content_region(pixels: &Pixels<'_>) -> Region {
    let whole = Region::whole(pixels);
    let (w, h) = (whole.width, whole.height);
    if w < 8 || h < 8 {
        return whole;
    }
    let max_rows = (h as f32 * MAX_SHARE) as u32;
    let max_cols = (w as f32 * MAX_SHARE) as u32;
    if let Some(inside) = frame::framed(pixels, max_rows, max_cols) {
        return inside;
    }
    let rows = |y: u32, x0: u32, x1: u32| Line::Row { y, x0, x1 };
    // Top and bottom over the full width, then left and right between them.
    let top_line = |i| rows(i, 0, w);
    let bottom_line = |i| rows(h - 1 - i, 0, w);
    let (top, bottom) = (
        border(pixels, max_rows, top_line),
        border(pixels, max_rows, bottom_line),
    );
    let (mut top, mut bottom) = opposite(
        paired(pixels, top, bottom, top_line, bottom_line),
        (top, bottom),
    );
    // No bar above or below: perhaps an enlarged, blurred copy of the picture round it.
    if (top, bottom) == (0, 0)
        && let Some((first, end)) = fill::blurred(pixels, h, max_rows, top_line)
    {
        (top, bottom) = (first, h - end);
    }
    let (y0, y1) = (top, h - bottom);
    let cols = |x: u32| Line::Column { x, y0, y1 };
    let right_line = |i| cols(w - 1 - i);
    let (left, right) = (
        border(pixels, max_cols, cols),
        border(pixels, max_cols, right_line),
    );
    let (mut left, mut right) =
        opposite(paired(pixels, left, right, cols, right_line), (left, right));
    if (left, right) == (0, 0)
        && let Some((first, end)) = fill::blurred(pixels, w, max_cols, cols)
    {
        (left, right) = (first, w - end);
    }
    Region {
        x: left,
        y: top,
        width: w - left - right,
        height: h - top - bottom,
    }
}

#[derive(Clone, Copy)]
enum Line {
    Row { y: u32, x0: u32, x1: u32 },
    Column { x: u32, y0: u32, y1: u32 },
}

impl Line {
    /// The row or column of the picture this line is.
    fn start(self) -> u32 {
        match self {
            Line::Row { y, .. } => y,
            Line::Column { x, .. } => x,
        }
    }

    fn len(self) -> u32 {
        match self {
            Line::Row { x0, x1, .. } => x1 - x0,
            Line::Column { y0, y1, .. } => y1 - y0,
        }
    }

    /// At most 512 evenly spaced pixels of the line, composited on white.
    fn samples(self, pixels: &Pixels<'_>, out: &mut [[u8; 3]; 512]) -> usize {
        let n = self.len();
        let step = n.div_ceil(512).max(1);
        let count = n.div_ceil(step) as usize;
        for (k, slot) in out.iter_mut().take(count).enumerate() {
            let t = k as u32 * step;
            let (x, y) = match self {
                Line::Row { y, x0, .. } => (x0 + t, y),
                Line::Column { x, y0, .. } => (x, y0 + t),
            };
            *slot = pixel(pixels, x, y);
        }
        count
    }
}

fn pixel(pixels: &Pixels<'_>, x: u32, y: u32) -> [u8; 3] {
    let bpp = pixels.layout().bytes_per_pixel();
    let at = (y as usize * pixels.width() as usize + x as usize) * bpp;
    let p = &pixels.data()[at..at + bpp];
    match pixels.layout() {
        PixelLayout::Rgb8 => [p[0], p[1], p[2]],
        PixelLayout::Rgba8 => [
            composite_on_white(p[0], p[3]),
            composite_on_white(p[1], p[3]),
            composite_on_white(p[2], p[3]),
        ],
    }
}

/// The per-channel median of some pixels.
fn median(samples: &mut [[u8; 3]]) -> [u8; 3] {
    core::array::from_fn(|c| {
        let mut counts = [0u32; 256];
        for s in samples.iter() {
            counts[usize::from(s[c])] += 1;
        }
        let half = samples.len().div_ceil(2) as u32;
        let mut seen = 0;
        for (v, &k) in counts.iter().enumerate() {
            seen += k;
            if seen >= half {
                return v as u8;
            }
        }
        255
    })
}

/// How many pixels stray more than [`TOLERANCE`] from `colour` in some channel.
fn strays(samples: &[[u8; 3]], colour: [u8; 3]) -> u32 {
    samples
        .iter()
        .filter(|s| (0..3).any(|c| s[c].abs_diff(colour[c]) > TOLERANCE))
        .count() as u32
}

/// Whether all but one in [`STRAYS`] of a line's pixels are within [`FLAT`] levels of `colour`.
fn flat(samples: &[[u8; 3]], colour: [u8; 3]) -> bool {
    let off = samples
        .iter()
        .filter(|s| (0..3).any(|c| s[c].abs_diff(colour[c]) > FLAT))
        .count() as u32;
    off * STRAYS <= samples.len() as u32
}

/// Whether a line matches `colour`: few strays, and a mean close to it.
fn matches(samples: &[[u8; 3]], colour: [u8; 3]) -> bool {
    let n = samples.len() as i64;
    let mean_close = (0..3).all(|c| {
        let d: i64 = samples
            .iter()
            .map(|s| i64::from(s[c]) - i64::from(colour[c]))
            .sum();
        d.abs() * 2 <= i64::from(TOLERANCE) * n
    });
    strays(samples, colour) * STRAYS <= samples.len() as u32 && mean_close
}

/// How many lines from one edge inward (`line(0)` the outermost) form a border, at most `max`:
/// a run of lines that match the outermost one's colour, ended by an *edge*, a line where at
/// least a quarter of the pixels are far from that colour. A run that fades out (a sky, a wall,
/// a vignette) or that would take more than `max` lines is no border, so that a copy with other
/// contrast or brightness gets the same region as its original.
///
/// Beside it, the side's flat, dark ground past that bar ([`dark_ground`]), which
/// [`opposite`] cuts when the opposite side has a bar a JPEG block deep or such a ground too.
fn border(pixels: &Pixels<'_>, max: u32, line: impl Fn(u32) -> Line) -> Side {
    let bar = match edge_run(pixels, max, &line) {
        Some((depth, colour)) if !own_ground(pixels, &line, depth, max, colour) => depth,
        _ => 0,
    };
    Side {
        bar,
        ground: dark_ground(pixels, max, &line, bar),
    }
}

/// How many lines from `line(0)` inward, at most `max`, each have samples that `keeps`.
fn run(
    pixels: &Pixels<'_>,
    max: u32,
    line: &impl Fn(u32) -> Line,
    keeps: impl Fn(&[[u8; 3]]) -> bool,
) -> u32 {
    let mut buf = [[0u8; 3]; 512];
    (0..max)
        .find(|&i| {
            let n = line(i).samples(pixels, &mut buf);
            !keeps(&buf[..n])
        })
        .unwrap_or(max)
}

/// The run of lines from one edge inward that [`border`] looks for, before it asks whether the
/// run is the picture's own ground: its depth, ended by an edge, and its colour (its outermost
/// line's median); `None` when there is no such run.
fn edge_run(pixels: &Pixels<'_>, max: u32, line: &impl Fn(u32) -> Line) -> Option<(u32, [u8; 3])> {
    let mut buf = [[0u8; 3]; 512];
    let n = line(0).samples(pixels, &mut buf);
    let colour = median(&mut buf[..n]);
    let i = run(pixels, max, line, |samples| matches(samples, colour));
    if i == 0 || i == max {
        return None;
    }
    // A resample can blend the bar into the first line of the picture: look at two lines.
    let is_edge = |k: u32, buf: &mut [[u8; 3]; 512]| {
        let n = line(k).samples(pixels, buf);
        strays(&buf[..n], colour) * EDGE >= n as u32
    };
    if (i..(i + 2).min(max)).any(|k| is_edge(k, &mut buf)) {
        return Some((i, colour));
    }
    // A JPEG smears the picture into the bar's last lines: ringing, and a block's colour off by
    // a few levels, within the block that holds the edge. So lines of the edge's block that are
    // mostly the bar's colour (fewer strays than an edge, and a median within the tolerance)
    // are bar too, if the edge follows in that block or on the first line of the next. A fade
    // or a caption band over more than a block is still no border: it would have to cross a
    // block boundary.
    let block = |k: u32| line(k).start() / JPEG_BLOCK;
    // Only a flat bar, as a JPEG leaves one outside the edge's block (a dark corner of a
    // photograph has noise and grain), and one at least a block deep.
    let outside = outside_edge_block(line, i);
    if outside.clone().count() < JPEG_BLOCK as usize || !all_flat(pixels, line, outside, colour) {
        return None;
    }
    let mut k = i;
    while k < max {
        if is_edge(k, &mut buf) {
            return Some((k, colour));
        }
        let n = line(k).samples(pixels, &mut buf);
        if !spread(&buf[..n], colour) {
            return None;
        }
        let centre = median(&mut buf[..n]);
        if block(k) != block(i) || (0..3).any(|c| centre[c].abs_diff(colour[c]) > TOLERANCE) {
            return None;
        }
        k += 1;
    }
    None
}

/// Whether a run of `depth` lines of `colour`, ended by an edge there, is the picture's own
/// ground rather than a bar: most of the [`JPEG_BLOCK`] lines past the edge keep the run's
/// colour, so that something (text, a subject) starts on the ground instead of a picture beside
/// it. A line keeps it at its two ends ([`ENDS`]) when the ground goes on round what starts
/// there; a grained run also when the colour is the line's median.
///
/// A bar added to a picture is flat (one colour within [`FLAT`] levels, outside the block a
/// JPEG smears, or on its outermost line when it is thinner than a block), so a flat run's ends
/// must keep its colour within [`FLAT`] levels too: a black bar above a night sky whose ends are
/// nearly black but grained is still cut.
///
/// The margin of a page, a plain sky or wall above a subject, the cell image's ground: with
/// grain they do not match their own colour and are not cut, but a JPEG or a resample that
/// smooths the grain made them a uniform run, cut in that copy alone (signature format 11: a
/// page's corner against its JPEG q50 copy, mirrored, 32.6 → 95.5; text over the cell image
/// 0 → 81.5). Signature format 13 adds the ends: a page whose text past the margin is dense
/// (more ink than paper in a line) lost its margins in its JPEG and half-size copies and kept
/// them in its grainy scan (0 for 10 of 12 grain patterns), and a flat page lost them while its
/// grainy copy kept them.
fn own_ground(
    pixels: &Pixels<'_>,
    line: &impl Fn(u32) -> Line,
    depth: u32,
    max: u32,
    colour: [u8; 3],
) -> bool {
    let mut outside = outside_edge_block(line, depth).peekable();
    let added = if outside.peek().is_some() {
        all_flat(pixels, line, outside, colour)
    } else {
        all_flat(pixels, line, 0..1, colour)
    };
    let near =
        |centre: [u8; 3], levels: u8| (0..3).all(|c| centre[c].abs_diff(colour[c]) <= levels);
    let at_ends = if added { FLAT } else { TOLERANCE };
    let mut buf = [[0u8; 3]; 512];
    // `max` is at most 40 % of the side, so lines up to 2.5 × `max` lie inside the picture.
    let end = (depth + JPEG_BLOCK).min(max * 5 / 2);
    let mut same = 0;
    for k in depth..end {
        let n = line(k).samples(pixels, &mut buf);
        let part = (n / ENDS).max(1);
        let ends =
            near(median(&mut buf[..part]), at_ends) && near(median(&mut buf[n - part..n]), at_ends);
        if ends || !added && near(median(&mut buf[..n]), TOLERANCE) {
            same += 1;
        }
    }
    2 * same > end.saturating_sub(depth)
}

/// A line's ends are its first and its last `1 / ENDS` (by their median): a picture beside a
/// bar fills the line from end to end, a ground round a subject or a page's text reaches them.
const ENDS: usize = 16;

/// The lines of a run of `depth` lines outside the JPEG block that holds its edge (a JPEG
/// leaves a flat bar flat there).
fn outside_edge_block(
    line: &impl Fn(u32) -> Line,
    depth: u32,
) -> impl Iterator<Item = u32> + Clone + '_ {
    let block = move |k: u32| line(k).start() / JPEG_BLOCK;
    (0..depth).filter(move |&k| block(k) != block(depth))
}

/// Whether each of `lines` is [`flat`] in `colour`.
fn all_flat(
    pixels: &Pixels<'_>,
    line: &impl Fn(u32) -> Line,
    mut lines: impl Iterator<Item = u32>,
    colour: [u8; 3],
) -> bool {
    let mut buf = [[0u8; 3]; 512];
    lines.all(|k| {
        let n = line(k).samples(pixels, &mut buf);
        flat(&buf[..n], colour)
    })
}

/// Whether a line's strays from `colour`, if any, spread over at least half of it, as a JPEG's
/// ringing along a bar's edge does. An object's top on a plain ground (a product on white) has
/// them together, in one stretch narrower than an edge: in a small copy it reaches an edge
/// within the block that [`border`]'s smear rule looks through and was cut as a bar, while the
/// large original was not (a 200-pixel copy of a disc on white: 1.9 against its 800-pixel
/// original; signature format 10: 94.5).
fn spread(samples: &[[u8; 3]], colour: [u8; 3]) -> bool {
    let off = |s: &[u8; 3]| (0..3).any(|c| s[c].abs_diff(colour[c]) > TOLERANCE);
    match (samples.iter().position(off), samples.iter().rposition(off)) {
        (Some(first), Some(last)) => 2 * (last - first + 1) >= samples.len(),
        _ => true,
    }
}

/// Two opposite sides' bars, as [`border`] found them, each completed by [`written_into`] from
/// the other's (a bar only: a dark ground is no depth a bar on the other side must have).
fn paired(
    pixels: &Pixels<'_>,
    a: Side,
    b: Side,
    a_line: impl Fn(u32) -> Line + Copy,
    b_line: impl Fn(u32) -> Line + Copy,
) -> (u32, u32) {
    (
        a.bar.max(written_into(pixels, b.bar, b_line, a_line)),
        b.bar.max(written_into(pixels, a.bar, a_line, b_line)),
    )
}

/// A letterbox's (or a pillarbox's) two bars are as deep as each other, but a subtitle, a
/// caption or a channel's logo written into one of them ends that side's run of bar lines
/// early, and [`border`] finds no border there. Given the opposite side's bar, `depth` lines
/// from that side's edge (`found`), this side (`line`) is a bar as deep, give or take a line as
/// padding rounds, when its outermost line matches the bar's colour, every line to that depth
/// is mostly that colour (a median within [`TOLERANCE`]), and the picture's edge follows there;
/// else 0. Only a bar at least a JPEG block deep is followed: a thin dark line at one edge of a
/// photograph says nothing of the other.
fn written_into(
    pixels: &Pixels<'_>,
    depth: u32,
    found: impl Fn(u32) -> Line,
    line: impl Fn(u32) -> Line,
) -> u32 {
    if depth < JPEG_BLOCK {
        return 0;
    }
    let mut buf = [[0u8; 3]; 512];
    let n = found(0).samples(pixels, &mut buf);
    let colour = median(&mut buf[..n]);
    let n = line(0).samples(pixels, &mut buf);
    if !matches(&buf[..n], colour) {
        return 0;
    }
    for k in 1..depth + 2 {
        let n = line(k).samples(pixels, &mut buf);
        if k + 1 >= depth && strays(&buf[..n], colour) * EDGE >= n as u32 {
            return k;
        }
        let centre = median(&mut buf[..n]);
        if (0..3).any(|c| centre[c].abs_diff(colour[c]) > TOLERANCE) {
            return 0;
        }
    }
    0
}

#[cfg(test)]
mod tests;
