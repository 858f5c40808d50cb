//! Fixtures for lookalike's cross-crate and end-to-end tests, built at test time from the real
//! photographs in `tests/photos/` (see its `LICENSE.md`): modified copies (resized, JPEG
//! recompressed, brightened, gray, watermarked, captioned, cropped) made with the `image` crate.

pub mod copies;
pub mod jpegs;
pub mod webdriver;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use lookalike_core::{PixelLayout, Pixels, Signature};

/// `jpeg` with an EXIF block (APP1, big-endian TIFF) holding only `orientation` (tag 0x0112),
/// right after the start-of-image marker, as a camera writes it.
pub fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]); // orientation, SHORT, 1 value
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // padding, no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(
        &u16::try_from(app1.len() + 2)
            .unwrap_or(u16::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// Random moments for the kill tests (xorshift64): seeded from the clock, or from
/// `LOOKALIKE_KILL_SEED` to replay a run; the seed is printed either way.
pub struct KillMoments(u64);

impl KillMoments {
    #[allow(clippy::new_without_default)] // a new seed each time: not a default
    pub fn new() -> KillMoments {
        let seed = std::env::var("LOOKALIKE_KILL_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        println!("kill moments seeded with {seed} (LOOKALIKE_KILL_SEED={seed} replays them)");
        KillMoments(seed)
    }

    /// The next moment, in milliseconds below `bound_ms`.
    pub fn next_ms(&mut self, bound_ms: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound_ms.max(1)
    }
}

/// The folder of committed test photographs.
pub fn photos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("photos")
}

/// A committed test texture (`tests/textures`, see its LICENSE.md), e.g. `brick.png`.
pub fn texture(name: &str) -> RgbImage {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("textures")
        .join(name);
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

/// Every test photograph, sorted by file name: `(name, image)`.
pub fn photos() -> Vec<(String, RgbImage)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(photos_dir())
        .expect("tests/photos exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 15,
        "expected the committed photographs in {}",
        photos_dir().display()
    );
    paths
        .into_iter()
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let img = image::open(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, img.to_rgb8())
        })
        .collect()
}

/// The signature of an RGB image, through `lookalike-core`.
pub fn signature(img: &RgbImage) -> Signature {
    Signature::compute(
        &Pixels::new(img.width(), img.height(), PixelLayout::Rgb8, img.as_raw()).unwrap(),
    )
}

/// The signature and cropped probe of an RGB image, as the command line stores them.
pub fn probed(img: &RgbImage) -> (Signature, Signature) {
    Signature::compute_probed(
        &Pixels::new(img.width(), img.height(), PixelLayout::Rgb8, img.as_raw()).unwrap(),
    )
}

/// Two pictures compared as the command line and the page compare them: with their probes, in
/// every orientation of [`lookalike_core::Orientation::DEFAULT`].
pub fn compare_pictures(
    a: &(Signature, Signature),
    b: &(Signature, Signature),
) -> lookalike_core::Comparison {
    lookalike_core::compare_probed(
        (&a.0, &a.1),
        (&b.0, &b.1),
        lookalike_core::Weights::Scanned,
        lookalike_core::Orientation::DEFAULT,
    )
}

/// A modification that a duplicate finder should see through (or, for the last ones, not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modification {
    /// Scaled to half size with a Lanczos filter.
    HalfSize,
    /// Scaled to 37 % with a triangle filter (odd size: fractional footprints).
    SmallSize,
    /// Re-encoded as JPEG at quality 40.
    Jpeg40,
    /// Brightened by 25 levels.
    Brighter,
    /// Converted to gray (a black-and-white copy).
    Gray,
    /// Contrast raised by 25 %.
    Contrast,
    /// A translucent white logo block in the lower right corner.
    Watermark,
    /// A dark caption band with white text-like glyphs across the bottom.
    Caption,
    /// 8 % cropped from every side.
    Crop,
    /// Mirrored left to right (found by trying the query's mirrored signature, issue 17).
    Mirror,
}

impl Modification {
    /// Every modification, in a fixed order.
    pub const ALL: [Modification; 10] = [
        Modification::HalfSize,
        Modification::SmallSize,
        Modification::Jpeg40,
        Modification::Brighter,
        Modification::Gray,
        Modification::Contrast,
        Modification::Watermark,
        Modification::Caption,
        Modification::Crop,
        Modification::Mirror,
    ];

    /// Applies the modification.
    pub fn apply(self, img: &RgbImage) -> RgbImage {
        let (w, h) = img.dimensions();
        match self {
            Modification::HalfSize => imageops::resize(img, w / 2, h / 2, FilterType::Lanczos3),
            Modification::SmallSize => {
                imageops::resize(img, w * 37 / 100, h * 37 / 100, FilterType::Triangle)
            }
            Modification::Jpeg40 => jpeg(img, 40),
            Modification::Brighter => imageops::brighten(img, 25),
            Modification::Gray => DynamicImage::ImageRgb8(img.clone()).grayscale().to_rgb8(),
            Modification::Contrast => imageops::contrast(img, 25.0),
            Modification::Watermark => watermark(img),
            Modification::Caption => caption(img),
            Modification::Crop => {
                let (dx, dy) = (w * 8 / 100, h * 8 / 100);
                imageops::crop_imm(img, dx, dy, w - 2 * dx, h - 2 * dy).to_image()
            }
            Modification::Mirror => imageops::flip_horizontal(img),
        }
    }
}

/// Re-encodes as JPEG at `quality` and decodes again.
pub fn jpeg(img: &RgbImage, quality: u8) -> RgbImage {
    let mut bytes = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    img.write_with_encoder(encoder).expect("JPEG encoding");
    image::load(Cursor::new(bytes), ImageFormat::Jpeg)
        .expect("JPEG decoding")
        .to_rgb8()
}

/// A translucent white "logo" (a ring and a bar) over the lower right sixth of the image.
pub fn watermark(img: &RgbImage) -> RgbImage {
    let mut out = img.clone();
    let (w, h) = img.dimensions();
    let (x0, y0, size) = (w * 3 / 4, h * 3 / 4, w.min(h) / 5);
    for y in y0..(y0 + size).min(h) {
        for x in x0..(x0 + size).min(w) {
            let (dx, dy) = (
                x as i64 - (x0 + size / 2) as i64,
                y as i64 - (y0 + size / 2) as i64,
            );
            let r2 = dx * dx + dy * dy;
            let r = (size / 2) as i64;
            let ring = r2 <= r * r && r2 >= (r * 6 / 10).pow(2);
            let bar = dy.abs() < r / 8;
            if ring || bar {
                let p = out.get_pixel_mut(x, y);
                for c in p.0.iter_mut() {
                    *c = ((u16::from(*c) + 2 * 255) / 3) as u8;
                }
            }
        }
    }
    out
}

/// A dark band over the bottom 12 % with rows of white blocky glyphs, like a burned-in caption.
pub fn caption(img: &RgbImage) -> RgbImage {
    let mut out = img.clone();
    let (w, h) = img.dimensions();
    let band = h * 12 / 100;
    let glyph = (band / 2).max(4);
    for y in h - band..h {
        for x in 0..w {
            let in_text_row = y >= h - band + band / 4 && y < h - band + band / 4 + glyph;
            let gx = x / (glyph / 2).max(1);
            let gy = (y - (h - band)) / (glyph / 4).max(1);
            let lit = in_text_row
                && x > w / 10
                && x < w * 9 / 10
                && (gx * 7 + gy * 3) % 5 < 2
                && gx % 3 != 0;
            out.put_pixel(
                x,
                y,
                if lit {
                    Rgb([250, 250, 250])
                } else {
                    Rgb([20, 20, 20])
                },
            );
        }
    }
    out
}

/// How many files in `dir` (not below it) have the extension `ext`, e.g. the thumbnails of a
/// report page beside the marker file of its folder.
pub fn files_with_extension(dir: &Path, ext: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == ext))
        })
        .count()
}
