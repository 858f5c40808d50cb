//! The one 128 × 128 resample, shared by the CLI, the browser and (as its reference) the GPU.
//!
//! The paper scales every image to 128 × 128 before the decomposition (§3.1). We use an *exact
//! area average* (a box filter over fractional pixel footprints): output pixel `(X, Y)` is the
//! mean of the source area `[X·W/128, (X+1)·W/128) × [Y·H/128, (Y+1)·H/128)`, with partly
//! covered source pixels weighted by the covered fraction. Working in units of 1/128 of a source
//! pixel makes every weight an integer, so the sums are computed exactly in integers and only
//! the final scaling (one f64 product, rounded once to f32) is floating point. Native, wasm and any other build therefore produce
//! bit-identical planes for the same pixels; the GPU twin (`shaders/downscale.wgsl`) is held to a
//! stated tolerance instead.
//!
//! The same formula enlarges images smaller than 128 pixels (each output pixel then overlaps one
//! or two source pixels). The aspect ratio is not kept by the resample; it is stored beside the
//! signature ([`Signature::aspect_ratio`](crate::Signature::aspect_ratio)).
//!
//! RGBA pixels are composited on **white** before averaging: `c' = round((c·a + 255·(255 − a)) /
//! 255)`, so a transparent logo on a web page and its flattened copy look alike.

use alloc::vec::Vec;

use crate::{AREA, Content, Error, MAX_SIDE, Planes, Region, SIZE};

/// How the bytes of a pixel buffer are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelLayout {
    /// Three bytes per pixel: red, green, blue.
    Rgb8,
    /// Four bytes per pixel: red, green, blue, alpha (straight, not premultiplied).
    Rgba8,
}

impl PixelLayout {
    /// Bytes per pixel.
    pub const fn bytes_per_pixel(self) -> usize {
        match self {
            PixelLayout::Rgb8 => 3,
            PixelLayout::Rgba8 => 4,
        }
    }
}

/// A borrowed, validated pixel buffer: rows top to bottom, no padding between rows.
#[derive(Debug, Clone, Copy)]
pub struct Pixels<'a> {
    width: u32,
    height: u32,
    layout: PixelLayout,
    data: &'a [u8],
}

impl<'a> Pixels<'a> {
    /// Checks the dimensions against the buffer and wraps it.
    pub fn new(
        width: u32,
        height: u32,
        layout: PixelLayout,
        data: &'a [u8],
    ) -> Result<Self, Error> {
        if width == 0 || height == 0 {
            return Err(Error::EmptyImage);
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(Error::ImageTooLarge { width, height });
        }
        let expected = (width as usize)
            .checked_mul(height as usize)
            .and_then(|n| n.checked_mul(layout.bytes_per_pixel()))
            .ok_or(Error::ImageTooLarge { width, height })?;
        if data.len() != expected {
            return Err(Error::PixelCount {
                expected,
                got: data.len(),
            });
        }
        Ok(Pixels {
            width,
            height,
            layout,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The byte layout.
    pub fn layout(&self) -> PixelLayout {
        self.layout
    }

    /// The raw bytes.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Width divided by height, as a float (not integer division, unlike duplo-rs).
    pub fn aspect_ratio(&self) -> f32 {
        (self.width as f64 / self.height as f64) as f32
    }
}

/// One source pixel's share of one output pixel along an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The output pixel, `0..128`.
    pub bin: u32,
    /// The source pixel.
    pub src: u32,
    /// The overlap, in 1/128 of a source pixel: `1..=128`. The weights of one output pixel add
    /// up to the source length.
    pub weight: u32,
}

/// The spans of an axis of `len` source pixels, sorted by source pixel, then output pixel.
///
/// Output pixel `b` covers `[b·len, (b+1)·len)` and source pixel `s` covers `[128·s, 128·s+128)`
/// in units of 1/128 source pixel; a span is a non-empty overlap of the two.
pub fn spans(len: u32) -> Vec<Span> {
    let len = u64::from(len);
    let n = SIZE as u64;
    let mut out = Vec::with_capacity(len as usize + SIZE);
    for src in 0..len {
        let lo = src * n;
        let hi = lo + n;
        let first = lo / len;
        let last = ((hi - 1) / len).min(n - 1);
        for bin in first..=last {
            let weight = hi.min((bin + 1) * len) - lo.max(bin * len);
            if weight > 0 {
                out.push(Span {
                    bin: bin as u32,
                    src: src as u32,
                    weight: weight as u32,
                });
            }
        }
    }
    out
}

/// Composites one RGBA pixel on white, with rounding to nearest.
#[inline]
pub fn composite_on_white(c: u8, a: u8) -> u8 {
    let (c, a) = (u32::from(c), u32::from(a));
    ((c * a + 255 * (255 - a) + 127) / 255) as u8
}

/// Area-averages the pixels to 128 × 128 and returns R, G, B planes in `[0, 1]`.
pub fn downscale(pixels: &Pixels<'_>) -> Planes {
    let mut planes = Planes::zeroed();
    downscale_into(pixels, &mut planes);
    planes
}

/// [`downscale`] into existing planes (which are overwritten).
pub fn downscale_into(pixels: &Pixels<'_>, planes: &mut Planes) {
    downscale_region(pixels, Region::whole(pixels), planes);
}

/// Area-averages the `region` of the pixels to 128 × 128 (R, G, B planes in `[0, 1]`, written
/// into `planes`): the resample of [`Signature::compute`](crate::Signature::compute), whose
/// region is the [`content_region`](crate::content_region). The spans are those of the
/// region's width and height, shifted to its first column and row.
///
/// # Panics
/// If the region is empty or does not lie inside the pixels (a programming error).
pub fn downscale_region(pixels: &Pixels<'_>, region: Region, planes: &mut Planes) {
    downscale_content(
        pixels,
        Content {
            region,
            bands: [0, 0],
        },
        planes,
    );
}

/// [`downscale_region`] of the content's region, reading the rows of its caption bands as the
/// picture's nearest row ([`Content::rows`]): the spans of the region's height, shifted to its
/// first row, then clamped to those rows.
///
/// # Panics
/// If the region is empty or does not lie inside the pixels, or the bands cover all of it (a
/// programming error).
pub fn downscale_content(pixels: &Pixels<'_>, content: Content, planes: &mut Planes) {
    let region = content.region;
    assert!(
        content.bands[0] + content.bands[1] < region.height,
        "{content:?} leaves no row"
    );
    assert!(
        region.width > 0
            && region.height > 0
            && region.x + region.width <= pixels.width
            && region.y + region.height <= pixels.height,
        "{region:?} lies outside {}×{}",
        pixels.width,
        pixels.height
    );
    match pixels.layout {
        PixelLayout::Rgb8 => downscale_impl::<3>(pixels, content, planes),
        PixelLayout::Rgba8 => downscale_impl::<4>(pixels, content, planes),
    }
}

fn downscale_impl<const BPP: usize>(pixels: &Pixels<'_>, content: Content, planes: &mut Planes) {
    let region = content.region;
    let (w, h) = (region.width as usize, region.height as usize);
    let stride = pixels.width as usize;
    if w == SIZE && h == SIZE && content == Content::whole(pixels) {
        // Already 128 × 128: every output pixel is one source pixel with weight 128 × 128. The
        // same expression as the general path below, so the same bits, without the sums.
        let scale = 1.0 / ((w as f64) * (h as f64) * 255.0);
        let full = (SIZE * SIZE) as u64;
        let table: [f32; 256] = core::array::from_fn(|p| ((full * p as u64) as f64 * scale) as f32);
        let (r, rest) = planes.as_mut_slice().split_at_mut(AREA);
        let (g, b) = rest.split_at_mut(AREA);
        for (((p, r), g), b) in pixels
            .data
            .chunks_exact(BPP)
            .zip(r.iter_mut())
            .zip(g.iter_mut())
            .zip(b.iter_mut())
        {
            let (pr, pg, pb) = if BPP == 4 {
                (
                    composite_on_white(p[0], p[3]),
                    composite_on_white(p[1], p[3]),
                    composite_on_white(p[2], p[3]),
                )
            } else {
                (p[0], p[1], p[2])
            };
            *r = table[usize::from(pr)];
            *g = table[usize::from(pg)];
            *b = table[usize::from(pb)];
        }
        return;
    }
    let shift = |mut list: Vec<Span>, by: u32| {
        for s in list.iter_mut() {
            s.src += by;
        }
        list
    };
    let xs = shift(spans(region.width), region.x);
    let (first, last) = content.rows();
    let mut ys = shift(spans(region.height), region.y);
    // Clamping keeps the spans sorted by source row.
    for s in ys.iter_mut() {
        s.src = s.src.clamp(first, last);
    }
    // Every output pixel's weights add up to width × height (in 1/128² units), times 255 for
    // the byte range. One f64 product per value, rounded once to f32: the same bits on every
    // IEEE 754 target.
    let scale = 1.0 / ((w as f64) * (h as f64) * 255.0);
    let out = planes.as_mut_slice();
    // Exact sums: a row sum is at most 255 × width ≤ 255 × 2^24 < 2^32; the 2-D sum needs u64.
    // Both are interleaved RGB per output column. Spans are sorted by source row and their
    // output rows never decrease, so one output row is open at a time: it is complete, and
    // written out, when the first span of the next one arrives.
    let mut row = [0u32; SIZE * 3];
    let mut acc = [0u64; SIZE * 3];
    let mut row_of = usize::MAX;
    let mut open_bin = 0;
    let flush = |acc: &mut [u64; SIZE * 3], bin: usize, out: &mut [f32]| {
        for (col, rgb) in acc.chunks_exact(3).enumerate() {
            for (c, &v) in rgb.iter().enumerate() {
                out[c * AREA + bin * SIZE + col] = (v as f64 * scale) as f32;
            }
        }
        acc.fill(0);
    };
    for s in &ys {
        let y = s.src as usize;
        if s.bin as usize != open_bin {
            flush(&mut acc, open_bin, out);
            open_bin = s.bin as usize;
        }
        if row_of != y {
            let line = &pixels.data[y * stride * BPP..(y + 1) * stride * BPP];
            row.fill(0);
            for s in &xs {
                let at = s.src as usize * BPP;
                let p = &line[at..at + BPP];
                let (r, g, b) = if BPP == 4 {
                    (
                        composite_on_white(p[0], p[3]),
                        composite_on_white(p[1], p[3]),
                        composite_on_white(p[2], p[3]),
                    )
                } else {
                    (p[0], p[1], p[2])
                };
                let o = &mut row[s.bin as usize * 3..s.bin as usize * 3 + 3];
                o[0] += s.weight * u32::from(r);
                o[1] += s.weight * u32::from(g);
                o[2] += s.weight * u32::from(b);
            }
            row_of = y;
        }
        let wy = u64::from(s.weight);
        for (a, &r) in acc.iter_mut().zip(row.iter()) {
            *a += wy * u64::from(r);
        }
    }
    flush(&mut acc, open_bin, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn spans_cover_every_output_pixel_with_the_source_length() {
        for len in [1u32, 2, 3, 50, 127, 128, 129, 200, 256, 1000, 4000] {
            let mut sums = [0u32; SIZE];
            for s in spans(len) {
                assert!(s.weight >= 1 && s.weight <= 128, "len {len}: {s:?}");
                sums[s.bin as usize] += s.weight;
            }
            assert!(sums.iter().all(|&t| t == len), "len {len}: {sums:?}");
        }
    }

    #[test]
    fn spans_of_256_pair_source_pixels() {
        let s = spans(256);
        assert_eq!(s.len(), 256);
        assert_eq!(
            s[0],
            Span {
                bin: 0,
                src: 0,
                weight: 128
            }
        );
        assert_eq!(
            s[1],
            Span {
                bin: 0,
                src: 1,
                weight: 128
            }
        );
        assert_eq!(
            s[255],
            Span {
                bin: 127,
                src: 255,
                weight: 128
            }
        );
    }

    #[test]
    fn spans_of_192_split_every_other_source_pixel() {
        // 1.5 source pixels per output pixel: source pixel 1 is split 64/64 between bins 0 and 1.
        let s = spans(192);
        assert_eq!(
            &s[..4],
            &[
                Span {
                    bin: 0,
                    src: 0,
                    weight: 128
                },
                Span {
                    bin: 0,
                    src: 1,
                    weight: 64
                },
                Span {
                    bin: 1,
                    src: 1,
                    weight: 64
                },
                Span {
                    bin: 1,
                    src: 2,
                    weight: 128
                },
            ]
        );
    }

    #[test]
    fn a_2x2_checker_scaled_down_exactly_averages() {
        // 256×256: every output pixel averages a 2×2 block; a fine checker averages to 0.5.
        let mut data = vec![0u8; 256 * 256 * 3];
        for y in 0..256 {
            for x in 0..256 {
                let v = if (x + y) % 2 == 0 { 255 } else { 0 };
                data[(y * 256 + x) * 3..][..3].copy_from_slice(&[v, v, v]);
            }
        }
        let planes = downscale(&Pixels::new(256, 256, PixelLayout::Rgb8, &data).unwrap());
        assert!(planes.as_slice().iter().all(|&v| v == 0.5));
    }

    #[test]
    fn the_128_fast_path_equals_the_general_sums() {
        // 128 × 128 takes a shortcut; 128 × 129 and 129 × 128 do not. Their planes must agree
        // where the geometry is the same: compare a 128 × 128 image with its rows duplicated
        // vertically to 128 × 256 (each output row averages two equal source rows).
        let data: Vec<u8> = (0..128 * 128 * 3)
            .map(|i| ((i * 7919) % 251) as u8)
            .collect();
        let tall: Vec<u8> = data
            .chunks_exact(128 * 3)
            .flat_map(|row| row.iter().chain(row.iter()).copied())
            .collect();
        let fast = downscale(&Pixels::new(128, 128, PixelLayout::Rgb8, &data).unwrap());
        let slow = downscale(&Pixels::new(128, 256, PixelLayout::Rgb8, &tall).unwrap());
        assert!(fast == slow);
    }

    #[test]
    fn small_images_are_enlarged_by_the_same_rule() {
        // A 2×1 image: left half red, right half blue.
        let data = [255, 0, 0, 0, 0, 255];
        let planes = downscale(&Pixels::new(2, 1, PixelLayout::Rgb8, &data).unwrap());
        assert_eq!(planes.get(0, 5, 0), 1.0);
        assert_eq!(planes.get(0, 5, 63), 1.0);
        assert_eq!(planes.get(0, 5, 64), 0.0);
        assert_eq!(planes.get(2, 100, 127), 1.0);
    }

    #[test]
    fn transparent_pixels_become_white() {
        let data = [10, 20, 30, 0, 10, 20, 30, 255];
        let planes = downscale(&Pixels::new(2, 1, PixelLayout::Rgba8, &data).unwrap());
        assert_eq!(planes.get(0, 0, 0), 1.0);
        assert_eq!(planes.get(0, 0, 127), 10.0 / 255.0);
        assert_eq!(composite_on_white(0, 128), 127);
    }

    #[test]
    fn bad_buffers_are_errors() {
        assert_eq!(
            Pixels::new(0, 5, PixelLayout::Rgb8, &[]).unwrap_err(),
            Error::EmptyImage
        );
        assert_eq!(
            Pixels::new(2, 2, PixelLayout::Rgba8, &[0; 15]).unwrap_err(),
            Error::PixelCount {
                expected: 16,
                got: 15
            }
        );
        assert!(matches!(
            Pixels::new(MAX_SIDE + 1, 1, PixelLayout::Rgb8, &[]),
            Err(Error::ImageTooLarge { .. })
        ));
    }
}
