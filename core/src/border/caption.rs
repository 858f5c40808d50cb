//! Caption bands: a band of one colour along the top or the bottom of a picture with text
//! written in it (a meme's caption, a title, a date, a news ticker), filled from the picture
//! (signature format 12, issue 17).
//!
//! [`super::border`] cuts a run of lines of one colour ended by the picture's edge. Text in a
//! band breaks that run, and what follows the text keeps the band's colour, so a caption band
//! is no bar: it stayed in the square, its edge and its text as strong as anything in the
//! picture, and a copy that was cut a little as well lost its original (crop 6 % + caption +
//! JPEG was the kind the accuracy harness found least often). Cut like a bar, the band would
//! leave the copy stretched against its original, which then has to be found through a side
//! probe; so instead the band's rows are kept and the resample reads the picture's nearest row
//! in their place ([`crate::Content`]): the copy keeps its original's geometry, and the band
//! shows as the picture running on, with no edge and no text.
//!
//! A caption band here is, from the edge inward, a run of lines that each keep the outermost
//! line's colour as their median within [`STEADY`] levels (a band drawn over a picture is one
//! colour; a sky or a floor drifts; a JPEG's chroma smears the lines next to the edge), some
//! of which have text in them (at least one pixel in [`TEXT`] more than [`FAR`] levels off
//! that colour, in at least [`RUNS`] stretches: a subject standing in a plain ground or a
//! disc's edge on black is a stretch or two; [`TEXT_LINES`] such lines at least), with a
//! plain line after the last of them; ended after at least a JPEG block of lines by an edge
//! where at least half of a line leaves the colour (but not a line with text whose median keeps
//! it: a JPEG's ringing round small letters; signature format 13), past which the picture does
//! not keep the colour ([`own_ground`]). It takes at most [`CAPTION_SHARE`] of the height.
use super::{JPEG_BLOCK, Line, TOLERANCE, median, own_ground, strays};
use crate::Pixels;

/// The most of the height a caption band may take: a quarter.
pub const CAPTION_SHARE: f32 = 0.25;

/// How far (in levels, per channel) the median of each of a band's lines may lie from the
/// colour of its outermost line: a JPEG's ringing around the text moves it by 1–3. Lines in
/// the block of subsampled chroma that holds the band's inner edge may lie up to
/// [`TOLERANCE`] off (a JPEG smears the picture's colour into them).
pub const STEADY: u8 = 4;

/// The side of a JPEG's block of subsampled chroma, in pixels.
const CHROMA_BLOCK: u32 = 16;

/// How far (in levels, in some channel) a pixel of text lies from the band's colour: white or
/// black text on a dark or a light band, as captions are written to be read.
pub const FAR: u8 = 96;

/// A line has text in it when at least one in this many of its pixels is [`FAR`] from the
/// band's colour, in at least [`RUNS`] separate stretches.
pub const TEXT: u32 = 32;

/// See [`TEXT`]: the marks of text are many along a line (letters), where a subject in a
/// plain ground, or a disc on black, is one or two stretches. (With 3, and before
/// [`TEXT_LINES`], the cables over the bridge's sandy shore in `tests/photos` were text in a
/// sepia copy and not in the original.)
pub const RUNS: u32 = 6;

/// How many lines with text a band needs at least: letters are several pixels tall, where a
/// few marks in a plain ground (the cables and the streaks over the bridge's sandy shore in
/// `tests/photos`, sepia) line up in one line by chance.
pub const TEXT_LINES: u32 = 3;

/// How many rows from one edge (`line(0)` the outermost row of the picture inside its bars)
/// form a caption band, at most `max`; 0 when they do not (see the module's docs).
pub(super) fn caption_band(pixels: &Pixels<'_>, max: u32, line: impl Fn(u32) -> Line) -> u32 {
    if max <= JPEG_BLOCK {
        return 0;
    }
    let mut buf = [[0u8; 3]; 512];
    let n = line(0).samples(pixels, &mut buf);
    let colour = median(&mut buf[..n]);
    // The last line with text in it so far, and the first whose median drifted.
    let mut text = None;
    let mut text_lines = 0;
    let mut drift = None;
    for k in 0..max {
        let n = line(k).samples(pixels, &mut buf);
        let samples = &buf[..n];
        // Text: marks spread along the line. A few stretches of far pixels are a subject
        // standing in a plain ground, the edge of a disc on black (or the tops of letters).
        let (far, runs) = far_runs(samples, colour);
        let has_text = far * TEXT >= n as u32 && runs >= RUNS;
        let strayed = 2 * strays(samples, colour) >= n as u32;
        let centre = median(&mut buf[..n]);
        let off = (0..3)
            .map(|c| centre[c].abs_diff(colour[c]))
            .max()
            .unwrap_or(0);
        // A line of text that keeps the band's colour as its median is no edge, however many
        // of its pixels a JPEG's ringing round the letters moved off the colour.
        let in_band = has_text && off <= STEADY;
        if strayed && !in_band {
            // The band's inner edge, or the picture's own ground going on past an edge. The
            // text lies inside the band, a plain line at least between it and the edge.
            let chroma_block = |k: u32| line(k).start() / CHROMA_BLOCK;
            let band = matches!(text, Some(t) if t + 1 < k && text_lines >= TEXT_LINES)
                && k >= JPEG_BLOCK
                && drift.is_none_or(|d| chroma_block(d) == chroma_block(k))
                && !own_ground(pixels, &line, k, max, colour);
            return if band { k } else { 0 };
        }
        if has_text {
            text = Some(k);
            text_lines += 1;
        }
        if off > TOLERANCE {
            return 0;
        }
        if off > STEADY {
            drift.get_or_insert(k);
        }
    }
    0
}

/// How many of a line's pixels lie [`FAR`] from `colour`, and in how many separate stretches.
fn far_runs(samples: &[[u8; 3]], colour: [u8; 3]) -> (u32, u32) {
    let mut far = 0;
    let mut runs = 0;
    let mut inside = false;
    for s in samples {
        let off = (0..3).any(|c| s[c].abs_diff(colour[c]) > FAR);
        far += u32::from(off);
        runs += u32::from(off && !inside);
        inside = off;
    }
    (far, runs)
}
