//! Phone-photo-sized JPEGs for the tests of the page's 1/8 decoder (`tests/jpeg_eighth.rs`,
//! `tests/browser/phone.rs`): encoded by mozjpeg with libjpeg's defaults (baseline), and decoded
//! at 1/8 by mozjpeg as the command line decodes them.

use image::{RgbImage, imageops};
use mozjpeg::{ColorSpace, Compress, Decompress};

/// Test photo number `n` enlarged past 2 048 × 2 048 (so that 1/8 is the scale the command line
/// chooses), with sides that are not multiples of 16, so that the edge blocks are cut: at 1/8 it
/// is 263 × 259.
pub fn large_photo(n: usize) -> RgbImage {
    let (_, photo) = crate::photos().swap_remove(n);
    imageops::resize(&photo, 2104, 2072, imageops::FilterType::Triangle)
}

/// A baseline JPEG with the given chroma pixel sizes (`(2, 2)` is 4:2:0), or grayscale.
pub fn encode_baseline(photo: &RgbImage, chroma: Option<(u8, u8)>, quality: f32) -> Vec<u8> {
    let (w, h) = photo.dimensions();
    let gray: Vec<u8>;
    let (space, pixels) = match chroma {
        Some(_) => (ColorSpace::JCS_RGB, photo.as_raw().as_slice()),
        None => {
            gray = imageops::grayscale(photo).into_raw();
            (ColorSpace::JCS_GRAYSCALE, gray.as_slice())
        }
    };
    let mut compress = Compress::new(space);
    compress.set_fastest_defaults();
    compress.set_size(w as usize, h as usize);
    compress.set_quality(quality);
    if let Some(size) = chroma {
        compress.set_chroma_sampling_pixel_sizes(size, size);
    }
    let mut started = compress.start_compress(Vec::new()).expect("mozjpeg starts");
    started.write_scanlines(pixels).expect("mozjpeg encodes");
    started.finish().expect("mozjpeg finishes")
}

/// A progressive JPEG of `photo` (mozjpeg's default mode).
pub fn encode_progressive(photo: &RgbImage) -> Vec<u8> {
    let mut compress = Compress::new(ColorSpace::JCS_RGB);
    compress.set_size(photo.width() as usize, photo.height() as usize);
    compress.set_progressive_mode();
    let mut started = compress.start_compress(Vec::new()).expect("mozjpeg starts");
    started
        .write_scanlines(photo.as_raw())
        .expect("mozjpeg encodes");
    started.finish().expect("mozjpeg finishes")
}

/// mozjpeg's pixels at 1/8 (libjpeg-turbo's code, as `lookalike` decodes), EXIF orientation not
/// applied.
pub fn libjpeg_eighth(jpeg: &[u8]) -> RgbImage {
    let mut decompress = Decompress::new_mem(jpeg).expect("a JPEG");
    decompress.scale(1);
    let mut started = decompress.rgb().expect("RGB output");
    let (w, h) = (started.width(), started.height());
    let mut rgb = vec![0; w * h * 3];
    started.read_scanlines_into(&mut rgb).expect("decodes");
    started.finish().expect("finishes");
    RgbImage::from_raw(w as u32, h as u32, rgb).expect("w × h × 3 bytes")
}
