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

use crate::{PixelLayout, Pixels, composite_on_white};

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
    let rows = |y: u32, x0: u32, x1: u32| Line::Row { y, x0, x1 };
    // Top and bottom over the full width, then left and right between them.
    let top_line = |i| rows(i, 0, w);
    let bottom_line = |i| rows(h - 1 - i, 0, w);
    let (top, bottom) = paired(
        pixels,
        border(pixels, max_rows, top_line),
        border(pixels, max_rows, bottom_line),
        top_line,
        bottom_line,
    );
    let (y0, y1) = (top, h - bottom);
    let cols = |x: u32| Line::Column { x, y0, y1 };
    let right_line = |i| cols(w - 1 - i);
    let (left, right) = paired(
        pixels,
        border(pixels, max_cols, cols),
        border(pixels, max_cols, right_line),
        cols,
        right_line,
    );
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
fn border(pixels: &Pixels<'_>, max: u32, line: impl Fn(u32) -> Line) -> u32 {
    let mut buf = [[0u8; 3]; 512];
    let n = line(0).samples(pixels, &mut buf);
    let colour = median(&mut buf[..n]);
    let mut i = 0;
    while i < max {
        let n = line(i).samples(pixels, &mut buf);
        if !matches(&buf[..n], colour) {
            break;
        }
        i += 1;
    }
    if i == 0 || i == max {
        return 0;
    }
    // A resample can blend the bar into the first line of the picture: look at two lines.
    let is_edge = |k: u32, buf: &mut [[u8; 3]; 512]| {
        let n = line(k).samples(pixels, buf);
        strays(&buf[..n], colour) * EDGE >= n as u32
    };
    if (i..(i + 2).min(max)).any(|k| is_edge(k, &mut buf)) {
        return i;
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
    let outside = (0..i).filter(|&k| block(k) != block(i));
    if outside.clone().count() < JPEG_BLOCK as usize {
        return 0;
    }
    for k in outside {
        let n = line(k).samples(pixels, &mut buf);
        if !flat(&buf[..n], colour) {
            return 0;
        }
    }
    let mut k = i;
    while k < max {
        if is_edge(k, &mut buf) {
            return k;
        }
        let n = line(k).samples(pixels, &mut buf);
        if !spread(&buf[..n], colour) {
            return 0;
        }
        let centre = median(&mut buf[..n]);
        if block(k) != block(i) || (0..3).any(|c| centre[c].abs_diff(colour[c]) > TOLERANCE) {
            return 0;
        }
        k += 1;
    }
    0
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

/// Two opposite sides' borders, `a` and `b` lines deep as [`border`] found them, each completed
/// by [`written_into`] from the other's.
fn paired(
    pixels: &Pixels<'_>,
    a: u32,
    b: u32,
    a_line: impl Fn(u32) -> Line + Copy,
    b_line: impl Fn(u32) -> Line + Copy,
) -> (u32, u32) {
    (
        a.max(written_into(pixels, b, b_line, a_line)),
        b.max(written_into(pixels, a, a_line, b_line)),
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
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// A textured picture, `w × h`, inside bars of `colour`: `top`/`bottom` rows, `left`/`right`
    /// columns.
    fn framed(
        w: u32,
        h: u32,
        [top, bottom, left, right]: [u32; 4],
        colour: [u8; 3],
    ) -> (u32, u32, Vec<u8>) {
        let (fw, fh) = (w + left + right, h + top + bottom);
        let mut data = Vec::new();
        for y in 0..fh {
            for x in 0..fw {
                if y < top || y >= top + h || x < left || x >= left + w {
                    data.extend_from_slice(&colour);
                } else {
                    let (u, v) = (x - left, y - top);
                    data.extend_from_slice(&[
                        (u * 7 % 256) as u8,
                        ((u * v) % 200) as u8,
                        (v * 3 % 256) as u8,
                    ]);
                }
            }
        }
        (fw, fh, data)
    }

    fn region(w: u32, h: u32, data: &[u8]) -> Region {
        content_region(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
    }

    #[test]
    fn letterbox_and_pillarbox_bars_of_any_colour_are_cut() {
        for colour in [[0, 0, 0], [128, 128, 128], [20, 40, 110], [255, 255, 255]] {
            let (w, h, data) = framed(200, 100, [20, 20, 0, 0], colour);
            assert_eq!(
                region(w, h, &data),
                Region {
                    x: 0,
                    y: 20,
                    width: 200,
                    height: 100
                },
                "{colour:?}"
            );
            let (w, h, data) = framed(120, 150, [0, 0, 30, 31], colour);
            assert_eq!(
                region(w, h, &data),
                Region {
                    x: 30,
                    y: 0,
                    width: 120,
                    height: 150
                },
                "{colour:?}"
            );
        }
    }

    #[test]
    fn pictures_without_borders_are_kept_whole() {
        let (w, h, data) = framed(160, 90, [0; 4], [0, 0, 0]);
        assert_eq!(
            region(w, h, &data),
            Region {
                x: 0,
                y: 0,
                width: 160,
                height: 90
            }
        );
    }

    #[test]
    fn a_ground_that_fades_into_the_picture_is_not_a_border() {
        // A sky: rows of one colour each, one level brighter per row, then the picture.
        let (w, h, mut data) = framed(120, 60, [40, 0, 0, 0], [0, 0, 0]);
        for y in 0..40usize {
            for px in data[y * 120 * 3..(y + 1) * 120 * 3].chunks_exact_mut(3) {
                px.copy_from_slice(&[100 + y as u8, 120 + y as u8, 200]);
            }
        }
        assert_eq!(region(w, h, &data).y, 0);
    }

    #[test]
    fn a_uniform_picture_is_kept_whole() {
        let data = [7u8; 64 * 48 * 3];
        assert_eq!(
            region(64, 48, &data),
            Region {
                x: 0,
                y: 0,
                width: 64,
                height: 48
            }
        );
    }

    /// Issue 17: a letterboxed copy saved as JPEG kept its bars when the edge of the picture
    /// was not on a block boundary: the picture rings into the bar's last lines, and its block
    /// is a few levels off.
    #[test]
    fn a_bar_that_a_jpeg_smeared_into_is_still_cut() {
        let (w, h, mut data) = framed(160, 100, [30, 30, 0, 0], [0, 0, 0]);
        // Rows 24 to 29 (the block of the edge at 30, and the one at the bottom: rows 130 to
        // 135 of the block 128–135): 9 levels off, and one pixel in ten 40 levels off.
        for y in (24..30).chain(130..136) {
            for x in 0..w {
                let at = ((y * w + x) * 3) as usize;
                let v = if x % 10 == 3 { 40 } else { 9 };
                data[at..at + 3].copy_from_slice(&[v, v / 2, v]);
            }
        }
        assert_eq!(
            region(w, h, &data),
            Region {
                x: 0,
                y: 30,
                width: 160,
                height: 100
            }
        );
        // The same lines across a block boundary, or over a bar of less than a block's depth,
        // are no border: a caption band, a dark corner of a photograph.
        for (bar, first) in [(30, 8), (6, 4)] {
            let (w, h, mut data) = framed(160, 100, [bar, 0, 0, 0], [0, 0, 0]);
            for y in first..bar {
                for x in 0..w {
                    let at = ((y * w + x) * 3) as usize;
                    data[at] = if x % 10 == 3 { 40 } else { 9 };
                }
            }
            assert_eq!(region(w, h, &data).y, 0, "bar {bar}, smeared from {first}");
        }
    }

    /// An object on a plain ground is no border, however small the picture: its top's strays
    /// lie together, not spread along the line as a JPEG's ringing is.
    #[test]
    fn an_object_on_a_plain_ground_is_kept_whole_at_any_size() {
        for scale in [1u32, 2, 4] {
            let (w, h) = (200 * scale, 200 * scale);
            let (cx, cy, r) = (
                100.0 * scale as f32,
                103.5 * scale as f32,
                55.0 * scale as f32,
            );
            let data: Vec<u8> = (0..w * h)
                .flat_map(|i| {
                    let (x, y) = ((i % w) as f32 + 0.5, (i / w) as f32 + 0.5);
                    let v = if (x - cx).hypot(y - cy) < r { 40 } else { 255 };
                    [v, v, v]
                })
                .collect();
            assert_eq!(
                region(w, h, &data),
                Region::whole(&Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap()),
                "scale {scale}"
            );
        }
    }

    /// A subtitle written into the bottom bar (or a logo into a side bar) ends that bar's run
    /// of lines: it is cut as deep as the opposite bar, which has nothing written in it.
    #[test]
    fn a_bar_with_a_subtitle_in_it_is_cut_as_deep_as_the_other() {
        // Bars of 24 rows, one row deeper at the bottom (padding rounds); white letters over
        // a fifth of the width in rows 8 to 15 of the bottom bar.
        let (w, h, mut data) = framed(200, 100, [24, 25, 0, 0], [0, 0, 0]);
        for y in 132..140 {
            for x in 0..w {
                if x % 5 == 2 && (60..140).contains(&x) || x % 10 == 4 {
                    let at = ((y * w + x) * 3) as usize;
                    data[at..at + 3].copy_from_slice(&[235, 235, 235]);
                }
            }
        }
        let expected = Region {
            x: 0,
            y: 24,
            width: 200,
            height: 100,
        };
        assert_eq!(region(w, h, &data), expected);
        // Turned a quarter: a logo in the right pillar bar.
        let turned: Vec<u8> = (0..w)
            .flat_map(|x| (0..h).map(move |y| (x, y)))
            .flat_map(|(x, y)| {
                let at = ((y * w + x) * 3) as usize;
                [data[at], data[at + 1], data[at + 2]]
            })
            .collect();
        let got = region(h, w, &turned);
        assert_eq!((got.x, got.width), (24, 100), "{got:?}");
        // Without a bar on the other side, the same letters over black are kept: nothing says
        // how deep a bar they would be in.
        let (w, h, mut data) = framed(200, 100, [0, 25, 0, 0], [0, 0, 0]);
        for y in 108..116 {
            for x in (2..w).step_by(5) {
                let at = ((y * w + x) * 3) as usize;
                data[at..at + 3].copy_from_slice(&[235, 235, 235]);
            }
        }
        assert_eq!(region(w, h, &data).height, 125);
    }

    #[test]
    fn noisy_bars_are_still_bars_and_no_side_takes_more_than_its_share() {
        let (w, h, mut data) = framed(100, 100, [30, 0, 0, 0], [10, 10, 10]);
        // Up to 12 levels of noise on the bar, as a JPEG leaves it.
        for (i, v) in data.iter_mut().take(100 * 30 * 3).enumerate() {
            *v += ((i * 7919) % 13) as u8;
        }
        assert_eq!(region(w, h, &data).y, 30);
        // A plain ground over more than 40 % of a side is no border: a picture that is all
        // ground but a thin line at the bottom is kept whole.
        let (w, h, data) = framed(100, 2, [98, 0, 0, 0], [0, 0, 0]);
        assert_eq!(region(w, h, &data).y, 0);
    }
}
