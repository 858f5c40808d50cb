//! The JavaScript-facing API of `lookalike-web`, run in a JavaScript host (wasm32 only): the
//! exports return core's signature bytes, and refuse bad input with a `JsError` instead of a
//! panic. Run with wasm-bindgen-test-runner (see README.md, "In the browser"); native builds
//! compile this file to nothing (the plain-Rust twins are tested in `src/lib.rs`).
#![cfg(target_arch = "wasm32")]

use lookalike_core::{PixelLayout, Pixels, Sensitivity, SideProbe, Signature};
use lookalike_web::{
    Grouping, SignatureIndex, SignatureInfo, compare_signatures, default_sensitivity, hash_rgb,
    hash_rgba, min_similarity,
};
use wasm_bindgen_test::wasm_bindgen_test;

/// A 97 × 61 RGBA test card: gradients, a disc and some transparency.
fn card(shift: u8) -> Vec<u8> {
    let (w, h) = (97u32, 61u32);
    (0..w * h)
        .flat_map(|i| {
            let (x, y) = (i % w, i / w);
            let disc = (x as i32 - 60).pow(2) + (y as i32 - 25).pow(2) < 150;
            let r = if disc { 240 } else { (x * 2) as u8 };
            [
                r.saturating_add(shift),
                (y * 4) as u8,
                90,
                if x < 5 { 128 } else { 255 },
            ]
        })
        .collect()
}

#[wasm_bindgen_test]
fn hash_rgba_equals_core_bytes() {
    let rgba = card(0);
    // The signature's bytes, its cropped probe's and its side probes', as the command line
    // computes them.
    let probed = |(signature, probe, sides): (Signature, Signature, Vec<SideProbe>)| {
        let mut bytes = [signature.to_bytes(), probe.to_bytes()].concat();
        for side in sides {
            bytes.extend_from_slice(&side.signature.to_bytes());
        }
        bytes
    };
    let ours = hash_rgba(97, 61, &rgba).unwrap();
    let core = Signature::compute_sided(&Pixels::new(97, 61, PixelLayout::Rgba8, &rgba).unwrap());
    assert_eq!(ours, probed(core));
    let rgb: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let core = Signature::compute_sided(&Pixels::new(97, 61, PixelLayout::Rgb8, &rgb).unwrap());
    assert_eq!(hash_rgb(97, 61, &rgb).unwrap(), probed(core));
}

#[wasm_bindgen_test]
fn bad_pixels_and_bytes_are_errors() {
    assert!(hash_rgba(97, 62, &card(0)).is_err());
    assert!(hash_rgba(0, 0, &[]).is_err());
    assert!(compare_signatures(b"LKSG", b"nope", None).is_err());
    assert!(SignatureInfo::from_bytes(&[1, 2, 3]).is_err());
    assert!(min_similarity(101).is_err());
    assert!(SignatureIndex::new().add(&[]).is_err());
}

#[wasm_bindgen_test]
fn compare_index_and_bytes_round_trip() {
    let a = hash_rgba(97, 61, &card(0)).unwrap();
    let b = hash_rgba(97, 61, &card(10)).unwrap();
    assert_eq!(compare_signatures(&a, &a, None).unwrap().similarity, 100.0);
    let pair = compare_signatures(&a, &b, None).unwrap();

    let mut index = SignatureIndex::new();
    let id = index.add(&a).unwrap();
    let hits = index.query(&b, 0.0, 3).unwrap();
    assert_eq!((hits.len(), hits[0].id), (1, id));
    assert_eq!(hits[0].similarity, pair.similarity);

    // A lone signature (the native database's bytes) is taken too, as its own probe.
    let lone = &a[..a.len() / (2 + lookalike_core::SIDE_PROBES)];
    assert_eq!(index.query(lone, 0.0, 3).unwrap()[0].id, id);
    let info = SignatureInfo::from_bytes(&a).unwrap();
    assert_eq!(info.to_bytes(), lone);
    assert_eq!(info.m(), lookalike_core::DEFAULT_COEFFICIENTS);
    assert_eq!(info.aspect_ratio(), 97.0 / 61.0);
    assert_eq!(
        min_similarity(default_sensitivity()).unwrap(),
        Sensitivity::DEFAULT.min_similarity()
    );
}

#[wasm_bindgen_test]
fn grouping_in_a_javascript_host_matches_cores_rule() {
    let mut g = Grouping::new();
    // `File.lastModified` values as the page passes them (milliseconds, f64).
    let half = g.add_file(50, 40, 9_000.0, 1.7e12, "half.png", None);
    let original = g.add_file(100, 80, 5_000.0, 1.7e12, "original.jpg", None);
    let odd = g.add_file(1, 1, f64::NAN, f64::INFINITY, "odd.gif", None);
    g.link(half, original);
    g.link(odd, 7);
    assert_eq!(g.groups(), [2, original, half]);
}

#[wasm_bindgen_test]
fn decode_jpeg_in_a_javascript_host() {
    let bytes = include_bytes!("../../tests/photos/Dragonfly_by_Bolly.jpg");
    let image = lookalike_web::decode_jpeg(bytes).unwrap();
    assert_eq!((image.width(), image.height()), (640, 480));
    assert_eq!((image.scaled_width(), image.scaled_height()), (640, 480));
    let rgba = image.rgba();
    assert_eq!(rgba.len(), 640 * 480 * 4);
    // Hashing the decoded pixels gives a valid signature, like any other RGBA pixels.
    let signature = lookalike_web::hash_rgba(640, 480, &rgba).unwrap();
    assert_eq!(signature.len(), (2 + lookalike_core::SIDE_PROBES) * 394);
    assert!(lookalike_web::decode_jpeg(b"not a jpeg").is_err());
}

#[wasm_bindgen_test]
fn hash_jpeg_in_one_call_equals_decode_then_hash() {
    let bytes = include_bytes!("../../tests/photos/Dragonfly_by_Bolly.jpg");
    let photo = lookalike_web::photo::hash_jpeg(bytes, 192).unwrap();
    let image = lookalike_web::decode_jpeg(bytes).unwrap();
    let signature = lookalike_web::hash_rgba(640, 480, &image.rgba()).unwrap();
    assert_eq!(photo.signature(), signature);
    assert_eq!((photo.width(), photo.height()), (640, 480));
    assert_eq!(
        (photo.thumbnail_width(), photo.thumbnail_height()),
        (192, 144)
    );
    assert_eq!(photo.thumbnail().len(), 192 * 144 * 4);
    assert_eq!(photo.decoder(), image.decoder());
    assert!(lookalike_web::photo::hash_jpeg(b"not a jpeg", 192).is_err());
}
