//! Image decoding for hashing: pixels small enough for the 128 × 128 resample, the file's own
//! dimensions, EXIF orientation applied, and limits against decompression bombs. Every failure
//! is an `Err` naming the reason; nothing here panics on a file's bytes.
//!
//! JPEG goes through libjpeg-turbo (the `turbojpeg` crate over the system library) with DCT
//! scaling: a 4000 × 3000 photo is decoded at 1/8 (500 × 375) straight from the coefficients,
//! which skips most of the inverse DCT, upsampling and colour conversion. The scale is the
//! smallest of 1/8, 1/4, 1/2, 1 that keeps both sides at least
//! [`lookalike_core::JPEG_MIN_SIDE`], so the resample
//! still averages areas. Measured with `lookalike bench --decoders` (README, "Figures"): on
//! 12-megapixel photos the `image` crate (zune-jpeg inside) and zune-jpeg decode at full size
//! only, and libjpeg-turbo at 1/8 is several times faster. Files libjpeg-turbo refuses (CMYK,
//! some damaged but readable files) fall back to the `image` crate.
//!
//! PNG, GIF (first frame), WebP, BMP and TIFF go through the `image` crate with [`limits`].
//! HEIC/HEIF and AVIF go through the system's libheif, loaded at run time ([`super::heif`]);
//! without it each such file is an error naming the package that adds it.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};
use lookalike_core::{PixelLayout, Pixels};

use crate::image::budget::{BUDGET, LARGE_DECODE, Reservation};
use crate::image::exif::exif_orientation;
use crate::store::Format;

/// Largest accepted image, in pixels (decompression bombs): 400 megapixels.
pub const MAX_PIXELS: u64 = 400_000_000;
/// Largest allocation one decode may make.
pub const MAX_ALLOC: u64 = 2 << 30;

/// File extensions (lower case) that a scan picks up.
pub const EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "bmp", "tif", "tiff", "heic", "heif",
    "hif", "avif",
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
    /// The share of [`DECODE_BUDGET`](crate::image::budget::DECODE_BUDGET) a large image holds while its pixels exist.
    pub reservation: Option<Reservation>,
}

impl Decoded {
    /// Whether this image holds a share of the process's decode budget: such an image should be
    /// hashed and dropped at once, not kept waiting in a batch.
    #[cfg_attr(not(feature = "gpu"), allow(dead_code))] // only the GPU path keeps images waiting
    pub fn is_large(&self) -> bool {
        self.reservation.is_some()
    }

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
    if bytes.is_empty() {
        bail!("the file is empty");
    }
    if let Some(format) = super::heif::sniff(bytes) {
        return super::heif::decode(bytes, format);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        // libjpeg pads a cut file with gray and only warns; such pixels must never be hashed as
        // if they were the picture.
        jpeg_complete(bytes)?;
        match decode_jpeg(bytes, true) {
            Ok(decoded) => return Ok(decoded),
            // Damaged data is final: the other decoder would pad it too, with no word.
            Err(turbo) if turbo.is::<DamagedJpeg>() => return Err(turbo),
            Err(turbo) => {
                return decode_with_image(bytes).map_err(|e| {
                    let (ours, theirs) = (format!("{e:#}"), format!("{turbo:#}"));
                    // Both decoders may refuse for the same reason (a size over the limit).
                    if ours == theirs {
                        e
                    } else {
                        anyhow!("{ours} (libjpeg: {theirs})")
                    }
                });
            }
        }
    }
    decode_with_image(bytes)
}

/// A JPEG whose image data ends early (see `jpeg_damage`): an error no other decoder is tried
/// for.
#[derive(Debug)]
pub struct DamagedJpeg;

impl std::fmt::Display for DamagedJpeg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "damaged: its image data ends early (libjpeg would fill the rest with gray: \
             \"premature end of data segment\")",
        )
    }
}

impl std::error::Error for DamagedJpeg {}

/// Checks that a JPEG's data reaches its end: the marker segments before the first scan are
/// whole and the end-of-image marker follows the scan data (inside entropy-coded data a 0xFF
/// byte is always followed by 0x00 or a restart marker, so `FF D9` there is the real end).
/// Trailing bytes after the end marker, which some cameras write, are fine.
pub fn jpeg_complete(jpeg: &[u8]) -> Result<()> {
    const TRUNCATED: &str = "truncated: the file ends inside the JPEG data (damaged or incomplete)";
    let mut at = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        while jpeg.get(at) == Some(&0xFF) && jpeg.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (jpeg.get(at), jpeg.get(at + 1)) else {
            bail!(TRUNCATED);
        };
        if marker == 0xD9 {
            bail!("the JPEG ends before its image data");
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            at += 2;
            continue;
        }
        let Some(len) = jpeg.get(at + 2..at + 4) else {
            bail!(TRUNCATED);
        };
        let next = at + 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
        if next > jpeg.len() {
            bail!(TRUNCATED);
        }
        if marker == 0xDA {
            // Searched from the end, where the marker almost always is.
            return if jpeg[next..].windows(2).rev().any(|w| w == [0xFF, 0xD9]) {
                Ok(())
            } else {
                bail!(TRUNCATED)
            };
        }
        at = next;
    }
}

/// The DCT scale denominator for a `width` × `height` JPEG: core's rule, shared with the page.
pub fn jpeg_scale(width: usize, height: usize) -> usize {
    lookalike_core::jpeg_scale_denominator(width, height)
}

/// Which JPEG decoder this build uses, for messages and benchmarks.
pub const JPEG_DECODER: &str = if cfg!(feature = "system-libjpeg-turbo") {
    "system libjpeg-turbo"
} else {
    "bundled mozjpeg (libjpeg-turbo's decoder, C without SIMD)"
};

/// Decodes a JPEG with libjpeg-turbo's decoder, at reduced scale when `scaled`.
pub fn decode_jpeg(bytes: &[u8], scaled: bool) -> Result<Decoded> {
    #[cfg(feature = "system-libjpeg-turbo")]
    let (data, (w, h), (sw, sh)) = turbo::decode(bytes, scaled)?;
    #[cfg(not(feature = "system-libjpeg-turbo"))]
    let (data, (w, h), (sw, sh)) = bundled::decode(bytes, scaled)?;
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
            reservation: None,
        });
    }
    let buffer = image::RgbImage::from_raw(sw, sh, data).ok_or_else(|| anyhow!("bad buffer"))?;
    let mut image = DynamicImage::ImageRgb8(buffer);
    image.apply_orientation(orientation);
    let (fw, fh) = if swaps_sides(orientation) {
        (h, w)
    } else {
        (w, h)
    };
    Ok(finish(image, fw, fh, Format::Jpeg))
}

/// Checks a JPEG's declared size and picks the scale: `(denominator, scaled width, height)`.
fn plan_jpeg(w: usize, h: usize, scaled: bool) -> Result<(usize, usize, usize)> {
    if w == 0 || h == 0 {
        bail!("the image has no pixels");
    }
    if (w as u64) * (h as u64) > MAX_PIXELS {
        bail!("{w}×{h} is larger than the limit of {MAX_PIXELS} pixels");
    }
    let d = if scaled { jpeg_scale(w, h) } else { 1 };
    Ok((d, w.div_ceil(d), h.div_ceil(d)))
}

/// RGB rows, the file's size and the decoded size.
type JpegPixels = (Vec<u8>, (usize, usize), (usize, usize));

/// mozjpeg's decoder (libjpeg-turbo's code) compiled from source by the `mozjpeg-sys` crate with
/// the C compiler alone. Its fatal errors unwind (without running the panic hook) and are caught
/// here, so a damaged file is an `Err`, never a crash.
#[cfg(not(feature = "system-libjpeg-turbo"))]
mod bundled {
    use super::super::jpeg_damage;
    use super::{JpegPixels, plan_jpeg};
    use anyhow::{Result, anyhow, bail};

    pub fn decode(bytes: &[u8], scaled: bool) -> Result<JpegPixels> {
        std::panic::catch_unwind(|| decode_unguarded(bytes, scaled)).unwrap_or_else(|cause| {
            let reason = cause
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| cause.downcast_ref::<&str>().copied())
                .unwrap_or("libjpeg fatal error");
            Err(anyhow!(
                "{}",
                reason.trim_start_matches("libjpeg fatal error: ")
            ))
        })
    }

    fn decode_unguarded(bytes: &[u8], scaled: bool) -> Result<JpegPixels> {
        let mut jpeg = mozjpeg::Decompress::with_err(jpeg_damage::error_mgr()).from_mem(bytes)?;
        let (w, h) = jpeg.size();
        let (d, sw, sh) = plan_jpeg(w, h, scaled)?;
        // mozjpeg scales by numerator / 8.
        jpeg.scale(u8::try_from(8 / d)?);
        let mut started = jpeg.rgb()?;
        if (started.width(), started.height()) != (sw, sh) {
            bail!(
                "decoder gave {}×{}, expected {sw}×{sh}",
                started.width(),
                started.height()
            );
        }
        let mut data = vec![0u8; sw * sh * 3];
        started.read_scanlines_into(&mut data)?;
        started.finish()?;
        if jpeg_damage::cut_short() {
            return Err(super::DamagedJpeg.into());
        }
        Ok((data, (w, h), (sw, sh)))
    }
}

/// The system's libjpeg-turbo through the `turbojpeg` crate (feature `system-libjpeg-turbo`).
#[cfg(feature = "system-libjpeg-turbo")]
mod turbo {
    use std::cell::RefCell;

    use super::{JpegPixels, plan_jpeg};
    use anyhow::{Result, bail};

    thread_local! {
        static TURBO: RefCell<Option<turbojpeg::Decompressor>> = const { RefCell::new(None) };
    }

    pub fn decode(bytes: &[u8], scaled: bool) -> Result<JpegPixels> {
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
            let (_, sw, sh) = plan_jpeg(w, h, scaled)?;
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
            Ok((data, (w, h), (sw, sh)))
        })
    }
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
    let mut decoder = reader.into_decoder().map_err(not_decoded)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        bail!("{w}×{h} is larger than the limit of {MAX_PIXELS} pixels");
    }
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    // The decoder's own buffer, plus the 8-bit copy made for hashing.
    let need = decoder
        .total_bytes()
        .saturating_add(u64::from(w) * u64::from(h) * 4);
    let reservation = (need > LARGE_DECODE).then(|| BUDGET.reserve(need));
    let mut image = DynamicImage::from_decoder(decoder).map_err(not_decoded)?;
    image.apply_orientation(orientation);
    let (fw, fh) = (image.width(), image.height());
    let mut decoded = finish(image, fw, fh, format);
    decoded.reservation = reservation;
    Ok(decoded)
}

/// The `image` crate's decoding error, said once: several of its errors repeat their cause in
/// their own text ("Corrupt bitstream: Corrupt bitstream"), and a file cut short reads as
/// "failed to fill whole buffer".
fn not_decoded(e: image::ImageError) -> anyhow::Error {
    let text = e.to_string();
    if let image::ImageError::IoError(io) = &e
        && io.kind() == std::io::ErrorKind::UnexpectedEof
    {
        return anyhow!("cannot decode: the file ends early (truncated or incomplete)");
    }
    // "A: A" (or "A: B: A"): the part before the first ": " repeated at the end.
    let said = match text.split_once(": ") {
        Some((head, rest)) if rest == head || rest.ends_with(&format!(": {head}")) => rest,
        _ => text.as_str(),
    };
    anyhow!("cannot decode: {said}")
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
        reservation: None,
    }
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
        let rotated = lookalike_tests::with_exif_orientation(&plain, 6);
        assert_eq!(exif_orientation(&rotated), Some(Orientation::Rotate90));
        let decoded = decode_bytes(&rotated).unwrap();
        assert_eq!((decoded.full_width, decoded.full_height), (200, 320));
        assert_eq!((decoded.width, decoded.height), (200, 320));
        assert_eq!(exif_orientation(&plain), None);
    }

    #[test]
    fn truncated_jpegs_are_named_as_such() {
        let good = jpeg(640, 480);
        assert!(jpeg_complete(&good).is_ok());
        let mut trailing = good.clone();
        trailing.extend_from_slice(b"camera maker's trailer");
        assert!(decode_bytes(&trailing).is_ok());
        for cut in [good.len() * 3 / 10, good.len() - 2, 30] {
            let err = decode_bytes(&good[..cut]).unwrap_err();
            assert!(
                format!("{err:#}").contains("truncated"),
                "cut at {cut}: {err:#}"
            );
        }
        // An EXIF thumbnail carries its own end marker; a cut after it is still a cut.
        let thumbnail = jpeg(16, 16);
        let mut segment = b"Exif\0\0".to_vec();
        segment.extend_from_slice(&thumbnail);
        let mut with_thumbnail = good[..2].to_vec();
        with_thumbnail.extend_from_slice(&[0xFF, 0xE1]);
        with_thumbnail.extend_from_slice(&u16::try_from(segment.len() + 2).unwrap().to_be_bytes());
        with_thumbnail.extend_from_slice(&segment);
        with_thumbnail.extend_from_slice(&good[2..]);
        assert!(decode_bytes(&with_thumbnail).is_ok());
        let cut = &with_thumbnail[..with_thumbnail.len() - good.len() / 2];
        assert!(cut.windows(2).any(|w| w == [0xFF, 0xD9]));
        assert!(jpeg_complete(cut).is_err());
        // Cut inside the image data and closed with an end marker again: whole on the outside,
        // so only the decoder can tell (libjpeg warns and pads with gray). Refused, and by no
        // other decoder taken instead.
        let mut closed = good[..good.len() * 4 / 10].to_vec();
        closed.extend_from_slice(&[0xFF, 0xD9]);
        assert!(jpeg_complete(&closed).is_ok());
        let err = decode_bytes(&closed).unwrap_err();
        assert!(
            format!("{err:#}").contains("image data ends early"),
            "{err:#}"
        );
        // The manager is fresh for every file: the next good one decodes.
        assert!(decode_bytes(&good).is_ok());
    }

    #[test]
    fn arithmetic_coded_jpegs_decode_as_their_original() {
        // testdata/: an ffmpeg test pattern as a baseline JPEG, and `jpegtran -arithmetic` of
        // it, which re-codes the same coefficients: the same pixels, so the same signature.
        // (The `image` crate, the fallback, reads no arithmetic coding: libjpeg must.)
        let huffman = include_bytes!("testdata/huffman.jpg");
        let arithmetic = include_bytes!("testdata/arithmetic.jpg");
        assert!(
            arithmetic.windows(2).any(|w| w == [0xFF, 0xC9]),
            "SOF9: arithmetic-coded"
        );
        let ours = decode_bytes(arithmetic).unwrap();
        let theirs = decode_bytes(huffman).unwrap();
        assert_eq!((ours.width, ours.height), (160, 120));
        assert!(ours.data == theirs.data, "the same pixels");
    }

    #[test]
    fn the_image_crates_errors_are_said_once() {
        let png = {
            let mut out = Vec::new();
            image::RgbImage::from_pixel(300, 200, image::Rgb([9, 99, 199]))
                .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
                .unwrap();
            out
        };
        let gif = {
            let mut out = Vec::new();
            image::RgbaImage::from_pixel(300, 200, image::Rgba([9, 99, 199, 255]))
                .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Gif)
                .unwrap();
            out
        };
        for (what, bytes) in [("png", &png), ("gif", &gif)] {
            let err = format!("{:#}", decode_bytes(&bytes[..bytes.len() / 2]).unwrap_err());
            assert!(err.starts_with("cannot decode: "), "{what}: {err}");
            let said = err.trim_start_matches("cannot decode: ");
            if let Some((head, rest)) = said.split_once(": ") {
                assert_ne!(head, rest, "{what}: {err}");
            }
        }
    }

    #[test]
    fn damaged_jpegs_never_panic() {
        let good = jpeg(640, 480);
        // Cut anywhere, or with bytes overwritten inside the entropy-coded data: the decoder
        // either gives pixels of the declared size or an error, and never takes the process down.
        for cut in [3, 20, 200, good.len() / 3, good.len() - 10] {
            if let Ok(d) = decode_bytes(&good[..cut]) {
                assert_eq!((d.full_width, d.full_height), (640, 480), "cut at {cut}");
            }
        }
        let mut scribbled = good.clone();
        let middle = scribbled.len() / 2;
        scribbled[middle..middle + 64].fill(0xFF);
        if let Ok(d) = decode_bytes(&scribbled) {
            assert_eq!((d.width, d.height), (640, 480));
        }
    }

    #[test]
    fn large_images_hold_a_share_of_the_budget_while_their_pixels_exist() {
        let big = image::RgbImage::from_pixel(5000, 4000, image::Rgb([20, 40, 60]));
        let mut png = Vec::new();
        big.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let decoded = decode_bytes(&png).unwrap();
        assert!(decoded.is_large());
        assert!(BUDGET.used() >= 5000 * 4000 * 3);
        drop(decoded);
        let small = decode_bytes(&jpeg(640, 480)).unwrap();
        assert!(!small.is_large());
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode_bytes(b"\xFF\xD8\xFF\xE0 not really a jpeg").is_err());
        assert!(decode_bytes(b"hello").is_err());
        assert!(decode_bytes(&[]).is_err());
    }
}
