//! Image decoding for hashing: pixels small enough for the 128 × 128 resample, the file's own
//! dimensions, EXIF orientation applied, and limits against decompression bombs. Every failure
//! is an `Err` naming the reason; nothing here panics on a file's bytes.
//!
//! JPEG goes through libjpeg-turbo (the `turbojpeg` crate over the system library) with DCT
//! scaling: a 4000 × 3000 photo is decoded at 1/8 (500 × 375) straight from the coefficients,
//! which skips most of the inverse DCT, upsampling and colour conversion. The scale is the
//! smallest of 1/8, 1/4, 1/2, 1 that keeps both sides at least [`MIN_SIDE`], so the resample
//! still averages areas. Measured with `lookalike bench --decoders` (README, "Figures"): on
//! 12-megapixel photos the `image` crate (zune-jpeg inside) and zune-jpeg decode at full size
//! only, and libjpeg-turbo at 1/8 is several times faster. Files libjpeg-turbo refuses (CMYK,
//! some damaged but readable files) fall back to the `image` crate.
//!
//! PNG, GIF (first frame), WebP, BMP and TIFF go through the `image` crate with [`limits`].
//! HEIC and AVIF are not read: the `image` crate decodes AVIF only through the C library dav1d,
//! and no well-kept pure-Rust HEIC decoder exists.

use std::cell::RefCell;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use lookalike_core::{PixelLayout, Pixels};

use crate::store::Format;

/// The smallest side a reduced-scale JPEG decode may have.
pub const MIN_SIDE: usize = 256;
/// Largest accepted image, in pixels (decompression bombs): 400 megapixels.
pub const MAX_PIXELS: u64 = 400_000_000;
/// Largest allocation one decode may make.
pub const MAX_ALLOC: u64 = 2 << 30;

/// File extensions (lower case) that a scan picks up.
pub const EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "bmp", "tif", "tiff",
];

/// Whether `path` has one of [`EXTENSIONS`].
pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Decoded pixels, ready for hashing.
#[derive(Debug)]
pub struct Decoded {
    /// RGB8 or RGBA8 rows.
    pub data: Vec<u8>,
    pub layout: PixelLayout,
    /// Size of `data` (possibly reduced, oriented).
    pub width: u32,
    pub height: u32,
    /// The image's own size, as displayed (after orientation).
    pub full_width: u32,
    pub full_height: u32,
    pub format: Format,
}

impl Decoded {
    /// The pixels as `lookalike-core` takes them.
    pub fn pixels(&self) -> Result<Pixels<'_>> {
        Ok(Pixels::new(
            self.width,
            self.height,
            self.layout,
            &self.data,
        )?)
    }
}

/// The limits given to the `image` crate.
pub fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(100_000);
    limits.max_image_height = Some(100_000);
    limits.max_alloc = Some(MAX_ALLOC);
    limits
}

/// Reads and decodes `path`.
pub fn decode_file(path: &Path) -> Result<Decoded> {
    let bytes = std::fs::read(path).context("cannot read")?;
    decode_bytes(&bytes)
}

/// Decodes an in-memory file, choosing the decoder by content (not by extension).
pub fn decode_bytes(bytes: &[u8]) -> Result<Decoded> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        match decode_jpeg_turbo(bytes, true) {
            Ok(decoded) => return Ok(decoded),
            Err(turbo) => {
                return decode_with_image(bytes)
                    .map_err(|e| anyhow!("{e:#} (libjpeg-turbo: {turbo:#})"));
            }
        }
    }
    decode_with_image(bytes)
}

thread_local! {
    static TURBO: RefCell<Option<turbojpeg::Decompressor>> = const { RefCell::new(None) };
}

/// The DCT scale denominator for a `width` × `height` JPEG: the largest of 8, 4, 2, 1 that keeps
/// both sides at least [`MIN_SIDE`] (or 1 for images already smaller).
pub fn jpeg_scale(width: usize, height: usize) -> usize {
    [8, 4, 2]
        .into_iter()
        .find(|&d| width.div_ceil(d) >= MIN_SIDE && height.div_ceil(d) >= MIN_SIDE)
        .unwrap_or(1)
}

/// libjpeg-turbo, at reduced scale when `scaled`.
pub fn decode_jpeg_turbo(bytes: &[u8], scaled: bool) -> Result<Decoded> {
    TURBO.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(turbojpeg::Decompressor::new()?);
        }
        let Some(turbo) = slot.as_mut() else {
            bail!("no decompressor");
        };
        let header = turbo.read_header(bytes)?;
        let (w, h) = (header.width, header.height);
        if w == 0 || h == 0 {
            bail!("the image has no pixels");
        }
        if (w as u64) * (h as u64) > MAX_PIXELS {
            bail!("{w}×{h} is larger than the limit of {MAX_PIXELS} pixels");
        }
        let d = if scaled { jpeg_scale(w, h) } else { 1 };
        let (sw, sh) = (w.div_ceil(d), h.div_ceil(d));
        let mut data = vec![0u8; sw * sh * 3];
        turbo.decompress(
            bytes,
            turbojpeg::Image {
                pixels: data.as_mut_slice(),
                width: sw,
                pitch: sw * 3,
                height: sh,
                format: turbojpeg::PixelFormat::RGB,
            },
        )?;
        let (w, h, sw, sh) = (dim(w)?, dim(h)?, dim(sw)?, dim(sh)?);
        let orientation = exif_orientation(bytes).unwrap_or(Orientation::NoTransforms);
        if orientation == Orientation::NoTransforms {
            return Ok(Decoded {
                data,
                layout: PixelLayout::Rgb8,
                width: sw,
                height: sh,
                full_width: w,
                full_height: h,
                format: Format::Jpeg,
            });
        }
        let buffer =
            image::RgbImage::from_raw(sw, sh, data).ok_or_else(|| anyhow!("bad buffer"))?;
        let mut image = DynamicImage::ImageRgb8(buffer);
        image.apply_orientation(orientation);
        let (fw, fh) = if swaps_sides(orientation) {
            (h, w)
        } else {
            (w, h)
        };
        Ok(finish(image, fw, fh, Format::Jpeg))
    })
}

fn dim(v: usize) -> Result<u32> {
    u32::try_from(v).map_err(|_| anyhow!("dimension {v} is too large"))
}

fn swaps_sides(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The `image` crate, full size, for every format it reads.
pub fn decode_with_image(bytes: &[u8]) -> Result<Decoded> {
    let mut reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .context("cannot read")?;
    reader.limits(limits());
    let format = match reader.format() {
        Some(image::ImageFormat::Jpeg) => Format::Jpeg,
        Some(image::ImageFormat::Png) => Format::Png,
        Some(image::ImageFormat::Gif) => Format::Gif,
        Some(image::ImageFormat::WebP) => Format::WebP,
        Some(image::ImageFormat::Bmp) => Format::Bmp,
        Some(image::ImageFormat::Tiff) => Format::Tiff,
        Some(_) => Format::Other,
        None => bail!("not an image format this program reads"),
    };
    let mut decoder = reader.into_decoder().context("cannot decode")?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        bail!("{w}×{h} is larger than the limit of {MAX_PIXELS} pixels");
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).context("cannot decode")?;
    image.apply_orientation(orientation);
    let (fw, fh) = (image.width(), image.height());
    Ok(finish(image, fw, fh, format))
}

fn finish(image: DynamicImage, full_width: u32, full_height: u32, format: Format) -> Decoded {
    let (width, height) = (image.width(), image.height());
    let (data, layout) = if image.color().has_alpha() {
        (image.into_rgba8().into_raw(), PixelLayout::Rgba8)
    } else {
        (image.into_rgb8().into_raw(), PixelLayout::Rgb8)
    };
    Decoded {
        data,
        layout,
        width,
        height,
        full_width,
        full_height,
        format,
    }
}

/// The EXIF orientation of a JPEG: the APP1 `Exif` segment's IFD0 tag 0x0112. `None` if absent
/// or unreadable (then the image is taken as it is stored).
pub fn exif_orientation(jpeg: &[u8]) -> Option<Orientation> {
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        if jpeg[at] != 0xFF {
            return None;
        }
        let marker = jpeg[at + 1];
        if marker == 0xDA || marker == 0xD9 {
            return None; // start of scan: no more metadata
        }
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        let segment = jpeg.get(at + 4..at + 2 + len)?;
        if marker == 0xE1 && segment.starts_with(b"Exif\0\0") {
            return tiff_orientation(&segment[6..]).and_then(Orientation::from_exif);
        }
        at += 2 + len;
    }
    None
}

fn tiff_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(..2)? {
        b"II" => true,
        b"MM" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = tiff.get(at..at + 2)?;
        Some(if little {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = tiff.get(at..at + 4)?;
        Some(if little {
            u32::from_le_bytes([b[0], b[1], b[2], b[3]])
        } else {
            u32::from_be_bytes([b[0], b[1], b[2], b[3]])
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count.min(512) {
        let entry = ifd + 2 + 12 * i;
        if u16_at(entry)? == 0x0112 {
            let value = u16_at(entry + 8)?;
            return u8::try_from(value).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
        });
        let mut out = Vec::new();
        img.write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
        out
    }

    /// A JPEG with an APP1 Exif segment carrying `orientation`, inserted after SOI.
    fn with_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend_from_slice(&1u16.to_be_bytes());
        tiff.extend_from_slice(&0x0112u16.to_be_bytes());
        tiff.extend_from_slice(&3u16.to_be_bytes());
        tiff.extend_from_slice(&1u32.to_be_bytes());
        tiff.extend_from_slice(&orientation.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut segment = b"Exif\0\0".to_vec();
        segment.extend_from_slice(&tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(segment.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(&segment);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn large_jpegs_decode_at_reduced_scale() {
        let decoded = decode_bytes(&jpeg(2400, 1600)).unwrap();
        assert_eq!((decoded.full_width, decoded.full_height), (2400, 1600));
        assert_eq!((decoded.width, decoded.height), (600, 400));
        let small = decode_bytes(&jpeg(200, 100)).unwrap();
        assert_eq!((small.width, small.height), (200, 100));
    }

    #[test]
    fn orientation_is_applied() {
        let plain = jpeg(320, 200);
        let rotated = with_orientation(&plain, 6);
        assert_eq!(exif_orientation(&rotated), Some(Orientation::Rotate90));
        let decoded = decode_bytes(&rotated).unwrap();
        assert_eq!((decoded.full_width, decoded.full_height), (200, 320));
        assert_eq!((decoded.width, decoded.height), (200, 320));
        assert_eq!(exif_orientation(&plain), None);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode_bytes(b"\xFF\xD8\xFF\xE0 not really a jpeg").is_err());
        assert!(decode_bytes(b"hello").is_err());
        assert!(decode_bytes(&[]).is_err());
    }
}
