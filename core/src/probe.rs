//! The cropped probe: a second signature of each picture, of its middle 94 %, so that a copy
//! cropped by a few per cent is found (issue 17).
//!
//! # Why
//! The method keeps the positions of the largest coefficients of a 128 × 128 square. Cropping
//! a picture by 10 % (5 % from each side) enlarges what is left by 11 %, which moves every
//! detail by up to 6 pixels at the square's edges: the finer coefficients land in other
//! places, and the copy keeps only its coarse ones in common with its original. At the
//! default sensitivity the accuracy harness found 92 % of its copies cropped by 5 %, 87 % of
//! those cropped by 10 %, 78 % of those cropped by 6 % under a caption band and JPEG
//! compression.
//!
//! # What
//! [`Signature::probe_from_coefficients`] takes the coefficients a signature is made from
//! (the CPU's, the GPU's or the browser's: the same bits), rebuilds the 128 × 128 picture,
//! enlarges its middle [`PROBE_SHARE`] (bilinear, from the middle outwards) back to 128 × 128
//! and makes a signature of that as of any picture. The picture and a copy of it cropped by a
//! few per cent are then compared three ways, the picture with the copy, the picture's probe
//! with the copy, the picture with the copy's probe, and the best counts: whichever of the two
//! is the crop, and whichever was stored first. Two probes are not compared with each other
//! (they are the two pictures again, a little blurred).
//!
//! Measured on the accuracy harness (README "Sensitivity"): with probes, copies cropped by
//! 5 %, 10 % and by 6 % under a caption are found as often as the other edits, and at the
//! default sensitivity fewer pairs of different pictures are reported than before (the
//! default moved up: a picture has more chances to meet its copy, and so has any other).
use alloc::vec::Vec;

use crate::haar::decompose_with;
use crate::{AREA, Error, Planes, SIZE, Signature, equalize};

/// The share of the width and of the height a probe keeps, from the middle: 94 % (3 % cut
/// from each side). Measured against 92 % and exact crops in the harness (README).
pub const PROBE_SHARE: f32 = 0.94;

impl Signature {
    /// The probe of a picture (module docs) from the arguments of
    /// [`Signature::from_coefficients`]: the signature of the middle [`PROBE_SHARE`] of the
    /// picture those coefficients rebuild, enlarged to the whole square.
    pub fn probe_from_coefficients(
        coefficients: &Planes,
        luminance: &[f32],
        m: u8,
        aspect: f32,
    ) -> Result<Signature, Error> {
        probe_of(&rebuild(coefficients, luminance)?, m, aspect)
    }
}

/// The cropped probe of the `rebuild`-ed picture.
pub(crate) fn probe_of(pictures: &[Vec<f32>; 3], m: u8, aspect: f32) -> Result<Signature, Error> {
    let mut scratch = WindowScratch::new();
    resampled_signature(pictures, m, aspect, &Window::MIDDLE, None, &mut scratch)
}

/// The picture as it was before the equalization, rebuilt from the coefficients: Y from
/// `luminance` (the decomposed plane before equalization), I and Q.
pub(crate) fn rebuild(coefficients: &Planes, luminance: &[f32]) -> Result<[Vec<f32>; 3], Error> {
    if luminance.len() != AREA {
        return Err(Error::InvalidSignature("luminance plane size"));
    }
    Ok(core::array::from_fn(|c| {
        let mut picture = if c == 0 {
            luminance.to_vec()
        } else {
            coefficients.channel(c).to_vec()
        };
        crate::haar::reconstruct(&mut picture);
        picture
    }))
}

/// The working planes of [`resampled_signature`], kept from one window of one picture to the
/// next: a picture's side probes are 68 windows, and zeroing fresh planes for each took a tenth
/// of their time. It also keeps the last window's rows resampled across ([`resample_across`]),
/// which every window with the same left edge and width shares: a scratch serves the windows
/// of one picture only.
pub(crate) struct WindowScratch {
    planes: Planes,
    plain: Vec<f32>,
    across: [Vec<f32>; 3],
    /// The left edge and width (their bits) whose columns `across` holds.
    columns: Option<(u32, u32)>,
    decompose: Vec<f32>,
}

impl WindowScratch {
    pub(crate) fn new() -> Self {
        WindowScratch {
            planes: Planes::zeroed(),
            plain: alloc::vec![0f32; AREA],
            across: core::array::from_fn(|_| alloc::vec![0f32; AREA]),
            columns: None,
            decompose: alloc::vec![0f32; AREA],
        }
    }
}

/// The signature of the three rebuilt `pictures`, each resampled to the `window`, as
/// `Signature::compute_with` goes on from resampled planes; with `like`, its chroma as `like`'s
/// ([`Signature::from_coefficients_with`]: a chroma channel `like` leaves out is not even
/// resampled, and is zero). `scratch` must have served only these `pictures` and `like`.
pub(crate) fn resampled_signature(
    pictures: &[Vec<f32>; 3],
    m: u8,
    aspect: f32,
    window: &Window,
    like: Option<&Signature>,
    scratch: &mut WindowScratch,
) -> Result<Signature, Error> {
    let WindowScratch {
        planes,
        plain,
        across,
        columns,
        decompose,
    } = scratch;
    let key = (window.x.to_bits(), window.width.to_bits());
    let fresh = *columns != Some(key);
    *columns = Some(key);
    let mut left_out = [false; 3];
    for (c, picture) in pictures.iter().enumerate() {
        if c > 0 && like.is_some_and(|l| l.strength()[c] == 0.0) {
            // Zero, as the decomposition of zeros is.
            planes.channel_mut(c).fill(0.0);
            left_out[c] = true;
            continue;
        }
        if fresh {
            resample_across(picture, &mut across[c], window.x, window.width);
        }
        resample_down(&across[c], planes.channel_mut(c), window.y, window.height);
    }
    plain.copy_from_slice(planes.channel(0));
    equalize(planes.channel_mut(0));
    decompose_with(plain, decompose);
    for c in (0..3).filter(|&c| !left_out[c]) {
        decompose_with(planes.channel_mut(c), decompose);
    }
    Signature::from_coefficients_with(planes, plain, m, aspect, like)
}

/// A rectangle of the square in units of its side: `x`, `y` its top left corner, `width`,
/// `height` its size. It may reach beyond the square (an "outer" window, for a picture that may
/// be a crop of a wider one): what lies outside repeats the nearest edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Left edge, a share of the square's width.
    pub x: f32,
    /// Top edge, a share of the square's height.
    pub y: f32,
    /// Width, a share of the square's width.
    pub width: f32,
    /// Height, a share of the square's height.
    pub height: f32,
}

impl Window {
    /// The cropped probe's window: the middle [`PROBE_SHARE`] of the square.
    pub const MIDDLE: Window = Window {
        x: (1.0 - PROBE_SHARE) / 2.0,
        y: (1.0 - PROBE_SHARE) / 2.0,
        width: PROBE_SHARE,
        height: PROBE_SHARE,
    };

    /// The window that shows, from a picture that is this window of another, that other whole:
    /// the inverse mapping, reaching beyond the square.
    pub fn inverse(self) -> Window {
        Window {
            x: -self.x / self.width,
            y: -self.y / self.height,
            width: 1.0 / self.width,
            height: 1.0 / self.height,
        }
    }
}

/// Where output pixel `x` of 128 samples a side of 128 that a window starts at `start` and
/// spans `share` of: the two neighbours and the weight of the second, clamped to the edge.
fn taps(start: f32, share: f32) -> [(usize, usize, f32); SIZE] {
    let last = (SIZE - 1) as f32;
    let side = SIZE as f32;
    core::array::from_fn(|x| {
        let at = (side * start + (x as f32 + 0.5) * share - 0.5).clamp(0.0, last);
        let low = at as usize;
        (low, (low + 1).min(SIZE - 1), at - low as f32)
    })
}

/// A window of the square is resampled to the whole square by bilinear interpolation: output
/// pixel `x` samples the picture at `128 · window.x + (x + ½) · window.width − ½` (so for the
/// middle window, from the middle outwards), clamped to the picture's edge, and the same in
/// the other direction. Each row is resampled across first, once (this function), then the
/// rows down ([`resample_down`]), a whole row at a time: the same sums as pixel by pixel, so
/// the same bits.
///
/// Every row of `picture` resampled across to the window's columns (left edge `x`, `width`),
/// into `across`.
fn resample_across(picture: &[f32], across: &mut [f32], x: f32, width: f32) {
    let cols = taps(x, width);
    for (from, to) in picture
        .chunks_exact(SIZE)
        .zip(across.chunks_exact_mut(SIZE))
    {
        for (t, &(c0, c1, fc)) in to.iter_mut().zip(cols.iter()) {
            *t = from[c0] + (from[c1] - from[c0]) * fc;
        }
    }
}

/// The rows of `across` resampled down to the window's rows (top edge `y`, `height`) into
/// `out`, after [`resample_across`].
fn resample_down(across: &[f32], out: &mut [f32], y: f32, height: f32) {
    let rows = taps(y, height);
    for (to, &(r0, r1, fr)) in out.chunks_exact_mut(SIZE).zip(rows.iter()) {
        let (top, bottom) = (&across[r0 * SIZE..][..SIZE], &across[r1 * SIZE..][..SIZE]);
        for ((o, &t), &b) in to.iter_mut().zip(top).zip(bottom) {
            *o = t + (b - t) * fr;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{PixelLayout, Pixels, Weights, compare_upright};

    /// An RGB picture with detail at several scales: blocks of 90, 30 and 10 pixels, each of a
    /// level drawn from a small hash of its place and `seed` (one picture per seed).
    pub(crate) fn blocks(seed: u32, width: u32, height: u32) -> Vec<u8> {
        let level = |x: u32, y: u32, side: u32| {
            ((x / side).wrapping_mul(73_856_093) ^ (y / side).wrapping_mul(19_349_663) ^ seed) % 80
        };
        let mut data = Vec::new();
        for y in 0..height {
            for x in 0..width {
                let v = (level(x, y, 90) + level(x, y, 30) + level(x, y, 10)) as u8;
                data.extend_from_slice(&[v, 240 - v, (y / 4 % 200) as u8]);
            }
        }
        data
    }

    #[test]
    fn a_probe_is_like_the_middle_of_the_picture_cut_out() {
        let (w, h) = (600u32, 400u32);
        let data = blocks(0, w, h);
        let whole = Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap();
        let (main, probe) = Signature::compute_probed(&whole);
        // The middle 94 % cut out of the full-size picture and hashed as any picture.
        let (dx, dy) = ((w as f32 * 0.03) as u32, (h as f32 * 0.03) as u32);
        let (cw, ch) = (w - 2 * dx, h - 2 * dy);
        let mut middle = Vec::new();
        for y in dy..dy + ch {
            let row = (y * w + dx) as usize * 3;
            middle.extend_from_slice(&data[row..row + cw as usize * 3]);
        }
        let cut = Signature::compute(&Pixels::new(cw, ch, PixelLayout::Rgb8, &middle).unwrap());
        let with_probe = compare_upright(&probe, &cut, Weights::Scanned).similarity;
        let with_main = compare_upright(&main, &cut, Weights::Scanned).similarity;
        assert!(
            with_probe > 85.0,
            "probe against the cut-out middle: {with_probe}"
        );
        assert!(
            with_probe > with_main + 10.0,
            "the probe is closer to the cut-out middle than the picture is: {with_probe} against {with_main}"
        );
        assert_eq!(probe.aspect_ratio(), main.aspect_ratio());
    }
}
