//! The page's JPEG decoder gives the command line's pixels: `lookalike-web`'s 1/8-scale decode of
//! baseline JPEGs (`web/src/eighth.rs`, built natively here) against mozjpeg's decoder
//! (libjpeg-turbo's code, what `lookalike` decodes JPEGs with) at the same scale, for every
//! chroma subsampling a camera or an encoder writes, and grayscale. Equal pixels make equal
//! signatures, so the page and the command line then agree byte for byte.

use lookalike_tests::jpegs::{encode_baseline, encode_progressive, large_photo, libjpeg_eighth};
use lookalike_web::jpeg::{EIGHTH, GENERAL, decode_scaled};

#[test]
fn page_decodes_baseline_jpegs_at_one_eighth_exactly_as_libjpeg() {
    let photo = large_photo(3);
    for (label, chroma, quality) in [
        ("4:2:0", Some((2, 2)), 90.0),
        ("4:2:2", Some((2, 1)), 75.0),
        ("4:4:0", Some((1, 2)), 95.0),
        ("4:4:4", Some((1, 1)), 98.0),
        ("4:1:1", Some((4, 1)), 85.0),
        ("grayscale", None, 90.0),
    ] {
        let jpeg = encode_baseline(&photo, chroma, quality);
        let page = decode_scaled(&jpeg).unwrap();
        assert_eq!(page.decoder, EIGHTH, "{label}");
        let native = libjpeg_eighth(&jpeg);
        assert_eq!(
            (page.scaled_width, page.scaled_height),
            native.dimensions(),
            "{label}"
        );
        assert_eq!(native.dimensions(), (263, 259), "{label}");
        let page_rgb: Vec<u8> = page
            .rgba
            .chunks(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        let differing = page_rgb
            .iter()
            .zip(native.as_raw())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(
            differing,
            0,
            "{label}: {differing} of {} samples differ",
            page_rgb.len()
        );
    }
    // Progressive files go to the general decoder.
    let page = decode_scaled(&encode_progressive(&photo)).unwrap();
    assert_eq!(page.decoder, GENERAL);
    assert_eq!((page.scaled_width, page.scaled_height), (263, 259));
}
