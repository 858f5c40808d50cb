//! `lookalike-web`: the browser's door to `lookalike-core`, through wasm-bindgen.
//!
//! The page (`web/www/`) decodes JPEGs with [`decode_jpeg`] and other images with the browser's
//! own decoders (`createImageBitmap` → `OffscreenCanvas` → `ImageData`), so every format the
//! browser knows works, and hands the RGBA pixels to [`hash_rgba`]. Everything runs on the visitor's machine; nothing is uploaded.
//!
//! What JavaScript sees (names in camelCase):
//! - `hashRgba(width, height, rgba)` → signature bytes: the picture's signature in the
//!   versioned byte format of the native database ([`lookalike_core::Signature::to_bytes`],
//!   394 bytes at the default m = 60) followed by its cropped probe's, as the command line
//!   stores them, and by its 68 side probes' ([`lookalike_core::Signature::compute_sided`];
//!   27 580 bytes in all);
//! - `compareSignatures(a, b, allTurns?)` → `Comparison { score, similarity, turn, crop, look }`
//!   (similarity 0–100; `turn`: "mirrored", "rotated 90°"… or undefined; `crop`: "cropped",
//!   "wider" or undefined, a match through a cropped probe; `look`: both in one, "mirrored,
//!   cropped"…);
//! - `SignatureInfo.fromBytes(bytes)` → checked signature (one, or the first of `hashRgba`'s
//!   two): `m`, `aspectRatio`, `average`, `blank` (no structure to compare), `toBytes()`;
//! - `minSimilarity(sensitivity)`, `DEFAULT_SENSITIVITY`: the sensitivity slider's mapping;
//! - `SignatureIndex`: `add(bytes)` → id, `remove(id)`, `query(bytes, minSimilarity, limit)` →
//!   `Hit[]` (`id`, `similarity`, `score`), most similar first; `setAllTurns(bool)`: all eight
//!   orientations, as `scan --all-turns` (and `compareSignatures(a, b, true)`);
//! - `decodeJpeg(bytes)` → `ScaledImage { width, height, scaledWidth, scaledHeight, rgba(),
//!   decoder }`: a JPEG decoded at 1/8, 1/4 or 1/2 scale in the DCT, as the command line decodes
//!   (see [`jpeg`]; baseline JPEGs at 1/8 with libjpeg's pixels);
//! - `hashJpeg(bytes, thumbnailSide)` → `HashedPhoto { signature(), width, height, thumbnail(),
//!   thumbnailWidth, thumbnailHeight, decoder }`: decode, hash and thumbnail in one call, what
//!   the page's workers use for JPEGs ([`photo`]);
//! - `shrinkRgba(width, height, rgba, toWidth, toHeight)` → RGBA pixels shrunk by area averaging,
//!   for thumbnails ([`thumbnail`]);
//! - `Grouping`: `addFile(width, height, bytes, lastModifiedMs, name, signature?)` → index, `link(a, b)`,
//!   `groups()` → the groups of linked files with the file to keep first, by core's
//!   [`lookalike_core::group`] and [`lookalike_core::keep_order`] (the command line's rule).
//!
//! Every export returns `Result<_, JsError>`: bad bytes from the page become a JavaScript
//! `Error` with core's message, never a panic (the style of ruff's wasm crate). The functions
//! that do the work are plain Rust (`*_bytes` helpers returning `lookalike_core::Error`), so they
//! are unit-tested natively as well.
//!
//! The same calls from Rust (the plain twins, which also run natively):
//!
//! ```
//! use lookalike_core::PixelLayout;
//! use lookalike_web::{SignatureIndex, compare_bytes, hash_bytes};
//!
//! // A 64 × 48 RGBA image with a bright square on a gradient, and a copy with the square a
//! // little darker. (On a plain ground the square would be cut out as the picture, and a plain
//! // square has no structure to compare.)
//! let image = |level: u8| -> Vec<u8> {
//!     (0..64 * 48)
//!         .flat_map(|i| {
//!             let (x, y) = (i % 64, i / 64);
//!             let ground = (x * 3 + y) as u8;
//!             let v = if (20..40).contains(&x) && (10..30).contains(&y) { level } else { ground };
//!             [v, v / 2, 255 - v, 255]
//!         })
//!         .collect()
//! };
//! let a = hash_bytes(64, 48, PixelLayout::Rgba8, &image(230))?;
//! let b = hash_bytes(64, 48, PixelLayout::Rgba8, &image(210))?;
//! assert_eq!(a.len(), (2 + lookalike_core::SIDE_PROBES) * 394); // 34 + 6 × 60 bytes each
//! let pair = compare_bytes(&a, &b)?;
//! assert!(pair.similarity > 80.0, "{pair:?}"); // 98.3 (format 4; 88.3 with format 3)
//!
//! let mut index = SignatureIndex::new();
//! let id = index.add_bytes(&a)?;
//! assert_eq!(index.query_bytes(&b, 50.0, 10)?[0].id, id);
//! # Ok::<(), lookalike_core::Error>(())
//! ```
//!
//! # Features
//! - `console_error_panic_hook` (default): a panic, which would be a bug, prints its message and
//!   location to the browser console instead of "unreachable executed".

#![warn(missing_docs)]

mod eighth;
mod grouping;
mod huffman;
mod index;
pub mod jpeg;
pub mod photo;
pub mod thumbnail;

pub use grouping::Grouping;
pub use index::{Hit, SignatureIndex};

use lookalike_core::{
    Error, Framing, Orientation, PixelLayout, Pixels, SIDE_PROBES, Sensitivity, SideProbe,
    Signature, Weights, compare_sided,
};
use wasm_bindgen::prelude::*;

/// Installs the panic hook when the module is instantiated (a no-op without the feature).
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

/// The default position of the sensitivity slider, 0–100 (core's [`Sensitivity::DEFAULT`]).
#[wasm_bindgen(js_name = defaultSensitivity)]
pub fn default_sensitivity() -> u8 {
    Sensitivity::DEFAULT.get()
}

/// The similarity (0–100) a pair needs at `sensitivity` (0–100); an error above 100.
#[wasm_bindgen(js_name = minSimilarity)]
pub fn min_similarity(sensitivity: u8) -> Result<f32, JsError> {
    Ok(Sensitivity::new(sensitivity)?.min_similarity())
}

/// The signature bytes of an image given as straight (not premultiplied) RGBA pixels, rows top
/// to bottom, as in `ImageData.data`. Transparent pixels count as white.
#[wasm_bindgen(js_name = hashRgba)]
pub fn hash_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(hash_bytes(width, height, PixelLayout::Rgba8, rgba)?)
}

/// [`hash_rgba`] for RGB pixels (three bytes per pixel).
#[wasm_bindgen(js_name = hashRgb)]
pub fn hash_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Vec<u8>, JsError> {
    Ok(hash_bytes(width, height, PixelLayout::Rgb8, rgb)?)
}

/// The signature bytes of a pixel buffer (its signature's, its probe's, then its side probes':
/// the inner ones, then the outer ones, as [`lookalike_core::side_probes`] makes them); the
/// plain-Rust twin of [`hash_rgba`].
pub fn hash_bytes(
    width: u32,
    height: u32,
    layout: PixelLayout,
    data: &[u8],
) -> Result<Vec<u8>, Error> {
    let pixels = Pixels::new(width, height, layout, data)?;
    let (signature, probe, sides) = Signature::compute_sided(&pixels);
    let mut bytes = signature.to_bytes();
    bytes.extend_from_slice(&probe.to_bytes());
    for side in &sides {
        bytes.extend_from_slice(&side.signature.to_bytes());
    }
    Ok(bytes)
}

/// A picture's signature, its cropped probe and its side probes, as [`probed_from_bytes`]
/// reads them.
pub type Sided = (Signature, Signature, Vec<SideProbe>);

/// Reads [`hash_bytes`]: a signature, its probe and its side probes (signatures of one `m`, so
/// of one length). A lone signature (the native database's bytes) stands for its own probe,
/// which adds nothing to a comparison; a signature and its probe alone (the page's bytes before
/// side probes) have none.
pub fn probed_from_bytes(bytes: &[u8]) -> Result<Sided, Error> {
    if let Ok(one) = Signature::from_bytes(bytes) {
        return Ok((one, one, Vec::new()));
    }
    let count = if bytes.len().is_multiple_of(2 + SIDE_PROBES)
        && Signature::from_bytes(&bytes[..bytes.len() / (2 + SIDE_PROBES)]).is_ok()
    {
        2 + SIDE_PROBES
    } else {
        2
    };
    if bytes.len() < count || !bytes.len().is_multiple_of(count) {
        return Err(Error::InvalidSignature("not a whole number of signatures"));
    }
    let mut parts = bytes.chunks_exact(bytes.len() / count);
    let mut next = || Signature::from_bytes(parts.next().unwrap_or_default());
    let (signature, probe) = (next()?, next()?);
    let mut sides = Vec::with_capacity(count - 2);
    for k in 0..count - 2 {
        sides.push(SideProbe {
            framing: if k < SIDE_PROBES / 2 {
                Framing::Cropped
            } else {
                Framing::Wider
            },
            signature: next()?,
        });
    }
    Ok((signature, probe, sides))
}

/// A JPEG decoded at reduced scale ([`decode_jpeg`]).
#[wasm_bindgen]
#[derive(Debug)]
pub struct ScaledImage {
    inner: jpeg::ScaledJpeg,
}

#[wasm_bindgen]
impl ScaledImage {
    /// The image's own width, as displayed (after its EXIF orientation).
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.inner.width
    }

    /// The image's own height, as displayed.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.inner.height
    }

    /// Width of the decoded pixels.
    #[wasm_bindgen(getter, js_name = scaledWidth)]
    pub fn scaled_width(&self) -> u32 {
        self.inner.scaled_width
    }

    /// Height of the decoded pixels.
    #[wasm_bindgen(getter, js_name = scaledHeight)]
    pub fn scaled_height(&self) -> u32 {
        self.inner.scaled_height
    }

    /// The decoded pixels: opaque RGBA rows, top to bottom.
    pub fn rgba(&self) -> Vec<u8> {
        self.inner.rgba.clone()
    }

    /// Which decoder read the file: `"dct-eighth"` (baseline JPEGs at 1/8, libjpeg's pixels) or
    /// `"jpeg-decoder"` (everything else).
    #[wasm_bindgen(getter)]
    pub fn decoder(&self) -> String {
        self.inner.decoder.to_owned()
    }
}

/// Decodes a JPEG file's bytes at reduced scale (see [`jpeg`]); an error for files it cannot
/// read, which the page then gives to the browser's decoder.
#[wasm_bindgen(js_name = decodeJpeg)]
pub fn decode_jpeg(bytes: &[u8]) -> Result<ScaledImage, JsError> {
    let inner = jpeg::decode_scaled(bytes).map_err(|e| JsError::new(&e))?;
    Ok(ScaledImage { inner })
}

/// RGBA pixels shrunk to `to_width` × `to_height` by area averaging, for thumbnails (see
/// [`thumbnail::shrink`]).
#[wasm_bindgen(js_name = shrinkRgba)]
pub fn shrink_rgba(
    width: u32,
    height: u32,
    rgba: &[u8],
    to_width: u32,
    to_height: u32,
) -> Result<Vec<u8>, JsError> {
    let size = |v: u32| v as usize;
    thumbnail::shrink(
        size(width),
        size(height),
        rgba,
        size(to_width),
        size(to_height),
    )
    .ok_or_else(|| JsError::new("shrinkRgba: the sizes do not fit the pixels"))
}

/// How alike two images are.
#[wasm_bindgen]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The paper's score: lower is more alike.
    pub score: f32,
    /// 0–100, where 100 is identical (a mirrored or turned match discounted, as core counts it).
    pub similarity: f32,
    orientation: lookalike_core::Orientation,
    framing: lookalike_core::Framing,
}

#[wasm_bindgen]
impl Comparison {
    /// "cropped" when the second image looks like the middle of the first (matched through
    /// the first's cropped probe), "wider" when the first looks like the middle of the second;
    /// `undefined` when they matched whole (core's `Framing::label`).
    #[wasm_bindgen(getter)]
    pub fn crop(&self) -> Option<String> {
        self.framing.label().map(str::to_owned)
    }

    /// How the second image looks next to the first, turn and crop in one: "mirrored",
    /// "cropped", "rotated 90°, wider"…; `undefined` as it is (the command line's words).
    #[wasm_bindgen(getter)]
    pub fn look(&self) -> Option<String> {
        lookalike_core::look_label(self.orientation, self.framing)
    }

    /// How the second image looks next to the first when they matched mirrored or turned:
    /// "mirrored", "rotated 90°", "rotated 180°" or "rotated 270°" (clockwise); `undefined`
    /// upright (core's `Orientation::label`, the command line's words).
    #[wasm_bindgen(getter)]
    pub fn turn(&self) -> Option<String> {
        self.orientation.label().map(str::to_owned)
    }
}

impl From<lookalike_core::Comparison> for Comparison {
    fn from(c: lookalike_core::Comparison) -> Self {
        Comparison {
            score: c.score,
            similarity: c.similarity,
            orientation: c.orientation,
            framing: c.framing,
        }
    }
}

/// Compares two signatures given as bytes, with the weights for photographs (the paper's
/// "scanned" set, as the command line does); with `all_turns` true in all eight orientations,
/// as `scan --all-turns` does.
#[wasm_bindgen(js_name = compareSignatures)]
pub fn compare_signatures(
    a: &[u8],
    b: &[u8],
    all_turns: Option<bool>,
) -> Result<Comparison, JsError> {
    Ok(compare_bytes_in(
        a,
        b,
        orientations(all_turns.unwrap_or(false)),
    )?)
}

/// The plain-Rust twin of [`compare_signatures`]: each picture with its probe and side
/// probes, as the command line compares them ([`compare_sided`]), in the default orientations.
pub fn compare_bytes(a: &[u8], b: &[u8]) -> Result<Comparison, Error> {
    compare_bytes_in(a, b, Orientation::DEFAULT)
}

/// [`compare_bytes`] in the given orientations.
pub fn compare_bytes_in(
    a: &[u8],
    b: &[u8],
    orientations: &[Orientation],
) -> Result<Comparison, Error> {
    let (a, b) = (probed_from_bytes(a)?, probed_from_bytes(b)?);
    let c = compare_sided(
        (&a.0, &a.1, &a.2),
        (&b.0, &b.1, &b.2),
        Weights::Scanned,
        orientations,
    );
    Ok(c.into())
}

/// The orientations a comparison tries: the default five, or all eight (`--all-turns`).
fn orientations(all_turns: bool) -> &'static [Orientation] {
    if all_turns {
        &Orientation::ALL
    } else {
        Orientation::DEFAULT
    }
}

/// A decoded, checked signature.
#[wasm_bindgen]
#[derive(Debug, Clone)]
pub struct SignatureInfo {
    signature: Signature,
}

#[wasm_bindgen]
impl SignatureInfo {
    /// Reads signature bytes (the native database's format, or [`hash_rgba`]'s signature and
    /// probe, of which it is the first); an error names what is wrong.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<SignatureInfo, JsError> {
        Ok(SignatureInfo {
            signature: probed_from_bytes(bytes)?.0,
        })
    }

    /// The bytes again (equal to the input of `fromBytes`).
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.signature.to_bytes()
    }

    /// Coefficients kept per channel.
    #[wasm_bindgen(getter)]
    pub fn m(&self) -> u8 {
        self.signature.m()
    }

    /// Width divided by height of the image.
    #[wasm_bindgen(getter, js_name = aspectRatio)]
    pub fn aspect_ratio(&self) -> f32 {
        self.signature.aspect_ratio()
    }

    /// The average colour in YIQ, `[Y, I, Q]`.
    #[wasm_bindgen(getter)]
    pub fn average(&self) -> Vec<f32> {
        self.signature.average().to_vec()
    }

    /// Whether the picture has no structure to compare (`Signature::is_blank`): it matches
    /// nothing, not even a copy, and the page says so.
    #[wasm_bindgen(getter)]
    pub fn blank(&self) -> bool {
        self.signature.is_blank()
    }
}

#[cfg(test)]
mod tests {
    //! Native tests of the plain-Rust twins (the `JsError` wrappers need a JavaScript host; see
    //! `tests/api.rs` and `tests/tests/browser.rs` for those).

    use super::*;

    /// A 60 × 40 RGBA scene: a sky gradient, a sun and a hill; `alpha` everywhere.
    fn scene(shift: u8, alpha: u8) -> Vec<u8> {
        let (w, h) = (60u32, 40u32);
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let sun = (x as i32 - 42).pow(2) + (y as i32 - 10).pow(2) < 40;
                let hill = y > 26 + (x as i32 - 20).unsigned_abs() / 6;
                let [r, g, b] = if sun {
                    [250, 200, 40]
                } else if hill {
                    [40, 140, 60]
                } else {
                    [90, 150, (180 + y) as u8]
                };
                [r.saturating_add(shift), g.saturating_add(shift), b, alpha]
            })
            .collect()
    }

    /// The 60 × 40 RGBA `scene` with each pixel `(x, y)` taken from `from(x, y)` of it.
    fn remapped(rgba: &[u8], from: impl Fn(usize, usize) -> (usize, usize)) -> Vec<u8> {
        (0..60 * 40)
            .flat_map(|i| {
                let (x, y) = from(i % 60, i / 60);
                let at = 4 * (y * 60 + x);
                rgba[at..at + 4].to_vec()
            })
            .collect()
    }

    #[test]
    fn hash_equals_core_signature_bytes() {
        let rgba = scene(0, 255);
        let ours = hash_bytes(60, 40, PixelLayout::Rgba8, &rgba).unwrap();
        let (signature, probe, sides) =
            Signature::compute_sided(&Pixels::new(60, 40, PixelLayout::Rgba8, &rgba).unwrap());
        let mut expected = [signature.to_bytes(), probe.to_bytes()].concat();
        for side in &sides {
            expected.extend_from_slice(&side.signature.to_bytes());
        }
        assert_eq!(ours, expected);
        // 394 bytes each: 60 coefficients per channel (274 with 40, before store format 14).
        assert_eq!(ours.len(), (2 + SIDE_PROBES) * 394);
        assert_eq!(signature.encoded_len(), 394);
        assert_eq!(
            probed_from_bytes(&ours).unwrap(),
            (signature, probe, sides.clone())
        );
        // The bytes of a signature and its probe alone (before side probes) still read.
        assert_eq!(
            probed_from_bytes(&ours[..2 * 394]).unwrap(),
            (signature, probe, Vec::new())
        );
    }

    #[test]
    fn wrong_pixel_count_is_an_error_not_a_panic() {
        let err = hash_bytes(60, 41, PixelLayout::Rgba8, &scene(0, 255)).unwrap_err();
        assert_eq!(
            err,
            Error::PixelCount {
                expected: 60 * 41 * 4,
                got: 60 * 40 * 4
            }
        );
        assert_eq!(
            hash_bytes(0, 0, PixelLayout::Rgba8, &[]).unwrap_err(),
            Error::EmptyImage
        );
    }

    #[test]
    fn compare_and_index_agree() {
        let a = hash_bytes(60, 40, PixelLayout::Rgba8, &scene(0, 255)).unwrap();
        let b = hash_bytes(60, 40, PixelLayout::Rgba8, &scene(12, 255)).unwrap();
        let same = compare_bytes(&a, &a).unwrap();
        assert_eq!(same.similarity, 100.0);
        let pair = compare_bytes(&a, &b).unwrap();
        assert!(pair.similarity > 60.0, "{pair:?}");

        let mut index = SignatureIndex::new();
        let id = index.add_bytes(&a).unwrap();
        let hits = index.query_bytes(&b, 0.0, 5).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].id, id);
        assert_eq!(hits[0].similarity, pair.similarity);
        assert_eq!(hits[0].score, pair.score);
    }

    #[test]
    fn a_mirrored_copy_is_told_mirrored() {
        let rgba = scene(0, 255);
        let mirrored = remapped(&rgba, |x, y| (59 - x, y));
        let a = hash_bytes(60, 40, PixelLayout::Rgba8, &rgba).unwrap();
        let b = hash_bytes(60, 40, PixelLayout::Rgba8, &mirrored).unwrap();
        let pair = compare_bytes(&a, &b).unwrap();
        // Not 100 for this tiny synthetic picture (photographs' mirrored copies score 100 in
        // docs/accuracy.md): 93.6 with 60 coefficients per channel, over 95 with 40.
        assert!(pair.similarity > 90.0, "{pair:?}");
        assert_eq!(pair.turn().as_deref(), Some("mirrored"));
        assert_eq!(compare_bytes(&a, &a).unwrap().turn(), None);
    }

    /// A copy flipped upside down is found in all eight orientations only, and told so, by the
    /// comparison and by the index alike.
    #[test]
    fn a_flipped_copy_is_found_with_all_turns() {
        let rgba = scene(0, 255);
        let flipped = remapped(&rgba, |x, y| (x, 39 - y));
        let a = hash_bytes(60, 40, PixelLayout::Rgba8, &rgba).unwrap();
        let b = hash_bytes(60, 40, PixelLayout::Rgba8, &flipped).unwrap();
        let threshold = Sensitivity::DEFAULT.min_similarity();
        let five = compare_bytes(&a, &b).unwrap();
        let eight = compare_bytes_in(&a, &b, &Orientation::ALL).unwrap();
        assert!(five.similarity < threshold, "{five:?}");
        assert!(eight.similarity > 90.0, "{eight:?}");
        assert_eq!(eight.turn().as_deref(), Some("flipped upside down"));

        let mut index = SignatureIndex::new();
        let id = index.add_bytes(&a).unwrap();
        assert!(index.query_bytes(&b, threshold, 5).unwrap().is_empty());
        index.set_all_turns(true);
        let hits = index.query_bytes(&b, threshold, 5).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!((hits[0].id, hits[0].similarity), (id, eight.similarity));
        index.set_all_turns(false);
        assert!(index.query_bytes(&b, threshold, 5).unwrap().is_empty());
    }

    #[test]
    fn damaged_signature_bytes_are_errors() {
        let a = hash_bytes(60, 40, PixelLayout::Rgba8, &scene(0, 255)).unwrap();
        assert!(compare_bytes(&a[..10], &a).is_err());
        let mut bad = a.clone();
        bad[0] = b'X';
        assert_eq!(compare_bytes(&bad, &a).unwrap_err(), Error::BadMagic);
        let mut index = SignatureIndex::new();
        assert!(index.add_bytes(&[]).is_err());
        assert!(index.query_bytes(&a[..a.len() - 1], 0.0, 5).is_err());
        assert_eq!(index.size(), 0);
    }

    #[test]
    fn transparent_pixels_count_as_white() {
        let clear = hash_bytes(60, 40, PixelLayout::Rgba8, &scene(0, 0)).unwrap();
        let white = hash_bytes(60, 40, PixelLayout::Rgb8, &[255; 60 * 40 * 3]).unwrap();
        assert_eq!(clear, white);
    }
}
