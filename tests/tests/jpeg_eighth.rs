//! The page's JPEG decoder gives the command line's pixels: `lookalike-web`'s 1/8-scale decode of
//! baseline JPEGs (`web/src/eighth.rs`, built natively here) against mozjpeg's decoder
//! (libjpeg-turbo's code, what `lookalike` decodes JPEGs with) at the same scale, for every
//! chroma subsampling a camera or an encoder writes, and grayscale. Equal pixels make equal
//! signatures, so the page and the command line then agree byte for byte.

use image::{RgbImage, imageops};
use mozjpeg::{ColorSpace, Compress, Decompress};

/// A test photo enlarged past 2 048 × 2 048 (so that 1/8 is the scale), with sides that are not
/// multiples of 16, so that the edge blocks are cut.
fn large_photo() -> RgbImage {
    let (_, photo) = lookalike_tests::photos().swap_remove(3);
    imageops::resize(&photo, 2104, 2072, imageops::FilterType::Triangle)
}

/// Baseline JPEG (libjpeg's defaults) with the given chroma pixel sizes, or grayscale.
fn encode(photo: &RgbImage, chroma: Option<(u8, u8)>, quality: f32) -> Vec<u8> {
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
    let mut started = compress.start_compress(Vec::new()).unwrap();
    started.write_scanlines(pixels).unwrap();
    started.finish().unwrap()
}

/// mozjpeg's RGB pixels at 1/8, as `lookalike` decodes.
fn libjpeg_eighth(jpeg: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut decompress = Decompress::new_mem(jpeg).unwrap();
    decompress.scale(1);
    let mut started = decompress.rgb().unwrap();
    let (w, h) = (started.width(), started.height());
    let mut rgb = vec![0; w * h * 3];
    started.read_scanlines_into(&mut rgb).unwrap();
    started.finish().unwrap();
    (w, h, rgb)
}

#[test]
fn page_decodes_baseline_jpegs_at_one_eighth_exactly_as_libjpeg() {
    let photo = large_photo();
    for (label, chroma, quality) in [
        ("4:2:0", Some((2, 2)), 90.0),
        ("4:2:2", Some((2, 1)), 75.0),
        ("4:4:0", Some((1, 2)), 95.0),
        ("4:4:4", Some((1, 1)), 98.0),
        ("4:1:1", Some((4, 1)), 85.0),
        ("grayscale", None, 90.0),
    ] {
        let jpeg = encode(&photo, chroma, quality);
        let page = lookalike_web::jpeg::decode_scaled(&jpeg).unwrap();
        assert_eq!(page.decoder, lookalike_web::jpeg::EIGHTH, "{label}");
        let (w, h, rgb) = libjpeg_eighth(&jpeg);
        assert_eq!(
            (page.scaled_width as usize, page.scaled_height as usize),
            (w, h),
            "{label}"
        );
        assert_eq!((w, h), (263, 259), "{label}");
        let page_rgb: Vec<u8> = page
            .rgba
            .chunks(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        let differing = page_rgb.iter().zip(&rgb).filter(|(a, b)| a != b).count();
        assert_eq!(
            differing,
            0,
            "{label}: {differing} of {} samples differ",
            rgb.len()
        );
    }
    // Progressive files go to the general decoder.
    let mut compress = Compress::new(ColorSpace::JCS_RGB);
    compress.set_size(photo.width() as usize, photo.height() as usize);
    compress.set_progressive_mode();
    let mut started = compress.start_compress(Vec::new()).unwrap();
    started.write_scanlines(photo.as_raw()).unwrap();
    let progressive = started.finish().unwrap();
    let page = lookalike_web::jpeg::decode_scaled(&progressive).unwrap();
    assert_eq!(page.decoder, lookalike_web::jpeg::GENERAL);
    assert_eq!((page.scaled_width, page.scaled_height), (263, 259));
}
