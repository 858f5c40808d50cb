//! A picture set in an enlarged, blurred copy of itself: a wide photograph posted square (or a
//! tall one posted wide), the rest of the square filled with the same picture, enlarged and
//! blurred, as phone apps and social sites do. There is no uniform bar to cut
//! ([`super::border`]), so the signature was made of the whole square, the picture squeezed
//! into its middle band: from outside (ffmpeg's `boxblur` fill of 64 photographs, scanned),
//! 53 of 64 were found at the default.
//!
//! Such a fill is smooth, and it meets the picture along a straight line across the whole
//! square, where the pixels of one line differ from the next far more than anywhere in the fill
//! beside it. And the picture sits in the middle, so the two lines lie equally far from their
//! edges. A photograph's own horizon may be a straight line under a smooth sky, but rarely two
//! of them, mirrored about the middle, each with a smooth ground outside it. So the fill is cut
//! when both sides have such a line, at depths within [`SLACK`] of each other:
//!
//! - the jump across each line (placed where it is largest, a line either way: a JPEG's ringing
//!   and a resample's smear) is at least [`OUTSIDE`] times the largest between the fill's lines
//!   beside it, two to nine lines away, at least [`WEAK`] levels on both sides and [`STRONG`]
//!   on one;
//! - the fill's lines, from the edge to the boundary, differ on average by at most a
//!   [`SMOOTH`]th of the jump;
//! - at least one in [`COVERED`] of the line's samples jump by more than [`STEP`] levels: a
//!   boundary crosses the whole picture, where centred text over a smooth picture ends in two
//!   mirrored columns that only its few rows cross;
//! - the fill is not one colour up to the boundary: that is a bar or a page's margin, which the
//!   bars' rules have judged (a page keeps its margins).
//!
//! - and the fills show the picture: [`echoes`] compares the mean levels of a fill, in bins some
//!   eighth of the side wide, with those of the picture's lines that the fill would show,
//!   stretched to the square or enlarged to cover it (the two ways apps fill). Bars, a sky and a
//!   horizon meet the other tests; centred text over a picture met them in the first try of this
//!   rule (signature format 15 without `echoes` cut 30 of the harness's 200 copies with text over
//!   the picture, and between-photograph false pairs went from 11 to 158), and the picture round
//!   such text is not the text band enlarged.
//!
//! Looked for only where no bar was found on either of the two sides, so bars, frames and
//! pages keep their own rules.

use alloc::vec::Vec;

use super::{JPEG_BLOCK, Line, edge_run};
use crate::Pixels;

#[cfg(test)]
mod tests;

/// A boundary's jump is at least this many times the largest jump between the fill's lines
/// beside it.
pub const OUTSIDE: u64 = 4;

/// The fill's lines differ from one to the next by at most this fraction (1/`SMOOTH`) of the
/// boundary's jump, on average: 6, where a picture's smooth sky under its horizon still
/// differs by more than a sixth of it in the photographs measured.
pub const SMOOTH: u64 = 6;

/// The least mean jump across each of the two boundaries, in levels (0–255, the mean of the
/// three channels' differences).
pub const WEAK: u64 = 3;

/// The least mean jump across one of the two.
pub const STRONG: u64 = 8;

/// How far apart the two boundaries' depths may be, as a fraction of the side: 1/50 (a
/// centred picture's two fills differ by a pixel as the size rounds).
pub const SLACK: u32 = 50;

/// Of a boundary's samples, at least this fraction (one in `COVERED`) jump by more than
/// [`STEP`] levels: 2, so that a boundary is a line across the whole picture, not a few strong
/// marks (centred text over a smooth picture ends in two mirrored columns that a few of its
/// rows cross: a fifth of them or fewer in the copies measured).
pub const COVERED: usize = 2;

/// The jump (levels, the mean of the three channels) that counts a boundary's sample as
/// crossed.
pub const STEP: u32 = 4;

/// The lines a fill never takes fewer of.
const LEAST: u32 = 6;

/// Where the picture lies between two blurred fills across `count` lines (`line(i)` the `i`-th
/// from one edge, all of one length), each fill at most `max` lines deep: the first line of the
/// picture and the first line of the far fill. `None` when there is no such fill.
pub(super) fn blurred(
    pixels: &Pixels<'_>,
    count: u32,
    max: u32,
    line: impl Fn(u32) -> Line,
) -> Option<(u32, u32)> {
    if count < 4 * LEAST {
        return None;
    }
    // jump[i]: the summed difference of lines i and i + 1 over their samples, in levels of the
    // three channels added.
    let mut buf = [[0u8; 3]; 512];
    let mut previous = [0u32; 512];
    let mut n = 0;
    let mut jump: Vec<u64> = Vec::with_capacity(count as usize - 1);
    for i in 0..count {
        n = line(i).samples(pixels, &mut buf);
        let mut sum = 0u64;
        for (k, p) in buf[..n].iter().enumerate() {
            let level = u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]);
            if i > 0 {
                sum += u64::from(level.abs_diff(previous[k]));
            }
            previous[k] = level;
        }
        if i > 0 {
            jump.push(sum);
        }
    }
    // A mean of one level over the three channels of `n` samples.
    let level = 3 * n as u64;
    let floor = level.div_ceil(4);
    // The jump across the boundary between lines i and i + 1, the largest of the three there
    // (a boundary smeared a line either way is placed where it jumps most), when the fill on
    // side `outward` (-1 before, +1 after) is smooth beside it; else 0.
    let across = |i: usize, outward: isize| -> u64 {
        if i < 1 || i + 1 >= jump.len() || jump[i] < jump[i - 1].max(jump[i + 1]) {
            return 0;
        }
        let v = jump[i];
        let beside: Vec<u64> = (2..10)
            .filter_map(|k| i.checked_add_signed(outward * k))
            .filter_map(|j| jump.get(j).copied())
            .collect();
        let largest = beside.iter().copied().max().unwrap_or(0).max(floor);
        if beside.len() < 4 || v < OUTSIDE * largest {
            return 0;
        }
        v
    };
    // Whether the fill's lines, jump[range], differ on average by at most 1/SMOOTH of `v`.
    let smooth = |from: usize, to: usize, v: u64| -> bool {
        let lines = (to - from) as u64;
        lines > 0 && jump[from..to].iter().sum::<u64>() * SMOOTH <= v * lines
    };
    let slack = (count / SLACK).max(2);
    let last = jump.len();
    for first in LEAST.max(count / 50)..max.min(count / 2) {
        let a = across(first as usize - 1, -1);
        if a < WEAK * level || !smooth(0, first as usize - 2, a) {
            continue;
        }
        let near = count - first;
        for end in near.saturating_sub(slack)..=near + slack {
            if end <= first + 8 || end + 4 >= count {
                continue;
            }
            let c = across(end as usize - 1, 1);
            if c < WEAK * level || a.max(c) < STRONG * level || !smooth(end as usize + 2, last, c) {
                continue;
            }
            let far = |i| line(count - 1 - i);
            if crossed(pixels, &line, first - 1)
                && crossed(pixels, &line, end - 1)
                && !plain(pixels, max, &line, first)
                && !plain(pixels, max, &far, count - end)
                && echoes(pixels, count, (first, end), &line)
            {
                return Some((first, end));
            }
        }
    }
    None
}

/// Whether the lines from one edge to `depth` are of one colour up to a JPEG block short of
/// it: a bar or a page's margin, which the bars' rules have judged ([`edge_run`]), not a fill.
fn plain(pixels: &Pixels<'_>, max: u32, line: &impl Fn(u32) -> Line, depth: u32) -> bool {
    edge_run(pixels, max, line).is_some_and(|(run, _)| run + JPEG_BLOCK >= depth)
}

/// Whether at least one in [`COVERED`] of the samples of lines `i` and `i + 1` differ by more
/// than [`STEP`] levels, across those two lines or smeared a line either way.
fn crossed(pixels: &Pixels<'_>, line: &impl Fn(u32) -> Line, i: u32) -> bool {
    let mut lines = [[[0u8; 3]; 512]; 4];
    let mut n = 0;
    for (k, buf) in lines.iter_mut().enumerate() {
        n = line(i + k as u32 - 1).samples(pixels, buf);
    }
    let level = |p: [u8; 3]| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]);
    let crossed = (0..n)
        .filter(|&s| (0..3).any(|k| level(lines[k][s]).abs_diff(level(lines[k + 1][s])) > 3 * STEP))
        .count();
    crossed * COVERED >= n
}

/// Bins along the lines in which [`echoes`] compares a fill with the picture.
const ALONG: usize = 8;

/// Bands across each fill in which [`echoes`] compares it with the picture.
const ACROSS: usize = 2;

/// How far the fill's bins may lie from the picture's that they show, as a share of how far
/// they lie from their own mean (root mean squares): 0.45. Measured on every picture of the
/// accuracy harness (64 photographs with the held-out ones, whole and two quarters; every kind
/// of copy): the fills of 131 of the 134 blurred squares whose boundaries the other tests found
/// lay within 0.45, and of ffmpeg's fills (`boxblur=20`, 64 photographs) 48 stretched and 46
/// enlarged to cover; of the 25 copies with centred text whose bands met the other tests, none
/// nearer than 0.65; no other kind of copy was cut (one gray pillarbox on the gray moon, as it
/// should be: its bars were the moon's own gray).
const ECHO: f32 = 0.45;

/// The same for a plain fill: 6 levels (of the three channels added), whatever its spread.
const ECHO_FLAT: f32 = 6.0;

/// The least factor by which a blur flattens the fill's bins, as [`echoes`] fits it.
const GAIN: f32 = 0.3;

/// Lines read per band.
const READ: u32 = 4;

/// Whether the two fills, lines `0..first` and `end..count`, look like the picture between
/// them enlarged across the whole square: each band of a fill, in [`ALONG`] bins, has the mean
/// levels of the lines of the picture it would show, the picture either stretched to the square
/// or enlarged to cover it (its middle along the lines). Mean levels of bins some eighth of the
/// side wide are what a blur keeps; centred text over a picture leaves the picture round it,
/// which shows the same things as the text band only where the picture is plain.
fn echoes(
    pixels: &Pixels<'_>,
    count: u32,
    (first, end): (u32, u32),
    line: &impl Fn(u32) -> Line,
) -> bool {
    let r = (end - first) as f32 / count as f32;
    let mut fill = Vec::with_capacity(2 * ACROSS * ALONG);
    let mut stretched = Vec::with_capacity(2 * ACROSS * ALONG);
    let mut covered = Vec::with_capacity(2 * ACROSS * ALONG);
    for (from, to) in [(0, first), (end, count)] {
        let depth = (to - from) as f32;
        for band in 0..ACROSS {
            let a = from as f32 + depth * band as f32 / ACROSS as f32;
            let b = from as f32 + depth * (band + 1) as f32 / ACROSS as f32;
            // The lines of the picture that lines a..b of the square show.
            let (pa, pb) = (first as f32 + a * r, first as f32 + b * r);
            let (Some(f), Some(s), Some(c)) = (
                bins(pixels, line, (a, b), (0.0, 1.0)),
                bins(pixels, line, (pa, pb), (0.0, 1.0)),
                bins(pixels, line, (pa, pb), (0.5 - r / 2.0, 0.5 + r / 2.0)),
            ) else {
                return false;
            };
            fill.extend(f);
            stretched.extend(s);
            covered.extend(c);
        }
    }
    let n = fill.len() as f32;
    let mean = fill.iter().sum::<f32>() / n;
    // The fill's bins' variance about their mean, and what is left of it next to the picture's
    // (`other`), those flattened towards their mean by the factor that fits best, GAIN to 1.1
    // (a blur evens out neighbouring bins; an app may darken the fill, hence any brightness
    // from 0.6 to 1.1 times the picture's; outside that, no fit).
    let spread = fill.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let left = |other: &[f32]| {
        let m = other.iter().sum::<f32>() / n;
        if !(0.6 * m..=1.1 * m).contains(&mean) {
            return f32::INFINITY;
        }
        let (mut fx, mut xx) = (0.0, 0.0);
        for (a, b) in fill.iter().zip(other) {
            fx += (a - mean) * (b - m);
            xx += (b - m) * (b - m);
        }
        let gain = if xx > 0.0 {
            (fx / xx).clamp(GAIN, 1.1)
        } else {
            1.0
        };
        fill.iter()
            .zip(other)
            .map(|(a, b)| {
                let d = (a - mean) - gain * (b - m);
                d * d
            })
            .sum::<f32>()
            / n
    };
    let rest = left(&stretched).min(left(&covered));
    // Root mean squares compared through their squares (no square root without std).
    rest <= (ECHO * ECHO * spread).max(ECHO_FLAT * ECHO_FLAT)
}

/// The mean level (three channels added) of lines `from..to` (fractional: the lines nearest
/// [`READ`] evenly spaced places between them), in [`ALONG`] bins of the stretch `lo..hi` of
/// each line (fractions of its length); `None` where a bin has no sample.
fn bins(
    pixels: &Pixels<'_>,
    line: &impl Fn(u32) -> Line,
    (from, to): (f32, f32),
    (lo, hi): (f32, f32),
) -> Option<[f32; ALONG]> {
    let mut sum = [0u32; ALONG];
    let mut seen = [0u32; ALONG];
    let mut buf = [[0u8; 3]; 512];
    for k in 0..READ {
        let at = from + (to - from) * (k as f32 + 0.5) / READ as f32;
        let n = line(at as u32).samples(pixels, &mut buf);
        for (j, p) in buf[..n].iter().enumerate() {
            let u = (j as f32 + 0.5) / n as f32;
            if u < lo {
                continue;
            }
            // Truncation is the floor here: `u - lo` is not negative.
            let bin = ((u - lo) / (hi - lo) * ALONG as f32) as usize;
            if bin < ALONG {
                sum[bin] += u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]);
                seen[bin] += 1;
            }
        }
    }
    if seen.contains(&0) {
        return None;
    }
    Some(core::array::from_fn(|b| sum[b] as f32 / seen[b] as f32))
}
