//! JPEG decoding at reduced scale for the page's hashing workers, as the command line decodes:
//! the inverse DCT is computed at 1/8, 1/4 or 1/2 of the size, choosing the smallest scale that
//! keeps both sides at least [`MIN_SIDE`] pixels, so a 4000 × 3000 photo becomes 500 × 375 pixels
//! straight from its coefficients. Baseline JPEGs at 1/8 (phone photos) go through
//! `eighth.rs`, which gives libjpeg's pixels (the command line's) several times faster than the
//! general `jpeg-decoder` crate; everything else through `jpeg-decoder`'s `scale`. The browser's own
//! decoder (`createImageBitmap`) always decodes every pixel, which was most of the page's time on
//! phone photos. The EXIF orientation is applied, so a photo is hashed as it is shown.
//!
//! Files this decoder refuses (CMYK, 16-bit, damaged) are an `Err`; the page then falls back to
//! the browser's decoder.

use jpeg_decoder::{Decoder, PixelFormat};

/// The smallest side a reduced-scale decode may have (shared with the command line).
pub const MIN_SIDE: usize = lookalike_core::JPEG_MIN_SIDE;
/// Largest accepted JPEG, in pixels (decompression bombs): 400 megapixels, as the command line.
pub const MAX_PIXELS: u64 = 400_000_000;

/// Pixels of a JPEG decoded at reduced scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaledJpeg {
    /// The image's own size, as displayed (after orientation).
    pub width: u32,
    /// The image's own height, as displayed.
    pub height: u32,
    /// Size of `rgba` (reduced, oriented).
    pub scaled_width: u32,
    /// Height of `rgba`.
    pub scaled_height: u32,
    /// Opaque RGBA rows, top to bottom.
    pub rgba: Vec<u8>,
    /// Which decoder read it: [`EIGHTH`] or [`GENERAL`].
    pub decoder: &'static str,
}

/// [`ScaledJpeg::decoder`] of a baseline JPEG decoded at 1/8 with libjpeg's arithmetic.
pub const EIGHTH: &str = "dct-eighth";
/// [`ScaledJpeg::decoder`] of a JPEG decoded by the `jpeg-decoder` crate.
pub const GENERAL: &str = "jpeg-decoder";

/// The DCT scale denominator for a `width` × `height` JPEG (core's rule, as the command line).
pub fn scale_denominator(width: usize, height: usize) -> usize {
    lookalike_core::jpeg_scale_denominator(width, height)
}

/// Decodes a JPEG file's bytes at reduced scale; an error message for anything it cannot read.
pub fn decode_scaled(bytes: &[u8]) -> Result<ScaledJpeg, String> {
    if let Some(decoded) = crate::eighth::decode(bytes, MAX_PIXELS) {
        let eighth = decoded.map_err(|crate::eighth::CutShort| {
            "damaged: its image data ends early (libjpeg would fill the rest with gray)".to_owned()
        })?;
        let orientation = lookalike_core::jpeg_exif_orientation(bytes).unwrap_or(1);
        let (w, h) = (eighth.width, eighth.height);
        let (rgba, sw, sh) = orient(
            eighth.rgba,
            eighth.scaled_width,
            eighth.scaled_height,
            orientation,
        );
        let (fw, fh) = if orientation >= 5 { (h, w) } else { (w, h) };
        return Ok(ScaledJpeg {
            width: fw as u32,
            height: fh as u32,
            scaled_width: sw as u32,
            scaled_height: sh as u32,
            rgba,
            decoder: EIGHTH,
        });
    }
    let mut decoder = Decoder::new(bytes);
    decoder.read_info().map_err(|e| e.to_string())?;
    let info = decoder.info().ok_or("no JPEG frame")?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    if w == 0 || h == 0 {
        return Err("the image has no pixels".into());
    }
    if (w as u64) * (h as u64) > MAX_PIXELS {
        return Err(format!("{w}×{h} is larger than {MAX_PIXELS} pixels"));
    }
    let d = scale_denominator(w, h);
    // Both requested sides fit in u16 because the declared ones do.
    let (sw, sh) = decoder
        .scale(w.div_ceil(d) as u16, h.div_ceil(d) as u16)
        .map_err(|e| e.to_string())?;
    let (sw, sh) = (usize::from(sw), usize::from(sh));
    let data = decoder.decode().map_err(|e| e.to_string())?;
    let info = decoder.info().ok_or("no JPEG frame")?;
    let rgba: Vec<u8> = match info.pixel_format {
        PixelFormat::RGB24 => data
            .chunks_exact(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        PixelFormat::L8 => data.iter().flat_map(|&v| [v, v, v, 255]).collect(),
        other => return Err(format!("{other:?} JPEGs are left to the browser's decoder")),
    };
    if rgba.len() != sw * sh * 4 {
        return Err(format!("decoder gave {} bytes for {sw}×{sh}", rgba.len()));
    }
    let orientation = decoder
        .exif_data()
        .and_then(lookalike_core::exif_tiff_orientation)
        .unwrap_or(1);
    let (rgba, sw, sh) = orient(rgba, sw, sh, orientation);
    let (fw, fh) = if orientation >= 5 { (h, w) } else { (w, h) };
    Ok(ScaledJpeg {
        width: fw as u32,
        height: fh as u32,
        scaled_width: sw as u32,
        scaled_height: sh as u32,
        rgba,
        decoder: GENERAL,
    })
}

/// RGBA `w` × `h` pixels turned as EXIF `orientation` (1–8) says they are displayed.
/// Upright pixels are handed back as they are.
fn orient(rgba: Vec<u8>, w: usize, h: usize, orientation: u8) -> (Vec<u8>, usize, usize) {
    if orientation <= 1 || orientation > 8 {
        return (rgba, w, h);
    }
    let (ow, oh) = if orientation >= 5 { (h, w) } else { (w, h) };
    let mut out = Vec::with_capacity(rgba.len());
    for y in 0..oh {
        for x in 0..ow {
            // The source pixel shown at (x, y).
            let (sx, sy) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (y, h - 1 - x),
                7 => (w - 1 - y, h - 1 - x),
                _ => (w - 1 - y, x),
            };
            let at = 4 * (sy * w + sx);
            out.extend_from_slice(&rgba[at..at + 4]);
        }
    }
    (out, ow, oh)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3 × 2 image with distinct pixels, turned every way: the top-left corner shown.
    #[test]
    fn orientations_show_the_right_corner() {
        let rgba: Vec<u8> = (0..6u8).flat_map(|i| [i, 0, 0, 255]).collect();
        let first = |o: u8| {
            let (out, w, h) = orient(rgba.clone(), 3, 2, o);
            (out[0], w, h)
        };
        // Source rows: 0 1 2 / 3 4 5.
        assert_eq!(first(1), (0, 3, 2));
        assert_eq!(first(2), (2, 3, 2));
        assert_eq!(first(3), (5, 3, 2));
        assert_eq!(first(4), (3, 3, 2));
        assert_eq!(first(5), (0, 2, 3));
        assert_eq!(first(6), (3, 2, 3));
        assert_eq!(first(7), (5, 2, 3));
        assert_eq!(first(8), (2, 2, 3));
        // Rotated 90° clockwise: rows 3 0 / 4 1 / 5 2.
        let (out, _, _) = orient(rgba.clone(), 3, 2, 6);
        let reds: Vec<u8> = out.chunks(4).map(|p| p[0]).collect();
        assert_eq!(reds, [3, 0, 4, 1, 5, 2]);
    }

    #[test]
    fn a_photo_decodes_at_its_size_and_a_cut_one_is_an_error() {
        let bytes = include_bytes!("../../tests/photos/Dragonfly_by_Bolly.jpg");
        let image = decode_scaled(bytes).unwrap();
        // 640 × 480: half would make a side shorter than 256, so no scaling.
        assert_eq!((image.width, image.height), (640, 480));
        assert_eq!((image.scaled_width, image.scaled_height), (640, 480));
        assert_eq!(image.rgba.len(), 640 * 480 * 4);
        assert!(image.rgba.chunks(4).all(|p| p[3] == 255));
        let mean = image.rgba.iter().map(|&v| u64::from(v)).sum::<u64>() / image.rgba.len() as u64;
        assert!((40..230).contains(&mean), "{mean}");
        assert!(decode_scaled(&bytes[..bytes.len() / 3]).is_err());
    }

    // Natively only: the `image` crate that makes the JPEG is no dependency of the wasm tests.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn a_large_jpeg_cut_and_closed_again_is_an_error() {
        // Large enough for the 1/8 decoder (a phone photo's size); cut inside the image data
        // and closed with an end marker, it is refused, as the command line refuses it (libjpeg
        // would pad it with gray). Smaller JPEGs go to the `jpeg-decoder` crate, which pads.
        let img = image::RgbImage::from_fn(2800, 2100, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
        });
        let mut bytes = Vec::new();
        img.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
        let whole = decode_scaled(&bytes).unwrap();
        assert_eq!(whole.decoder, EIGHTH);
        let closed = [&bytes[..bytes.len() / 2], &[0xFF, 0xD9][..]].concat();
        let err = decode_scaled(&closed).unwrap_err();
        assert!(err.contains("ends early"), "{err}");
    }

    #[test]
    fn damaged_bytes_are_errors() {
        assert!(decode_scaled(b"").is_err());
        assert!(decode_scaled(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).is_err());
    }
}
