//! Phone photos in the page: large baseline JPEGs (4:2:0, 4:2:2 turned by its EXIF orientation,
//! grayscale) are decoded by the page's 1/8 decoder and hashed to the command line's signature
//! byte for byte (mozjpeg's pixels at 1/8, turned, through native `lookalike-core`), with the
//! size as shown, and each is shown by a small JPEG thumbnail, not by the file. No timing is
//! asserted (the figures are `bench.rs`'s).

use image::imageops;
use lookalike_tests::jpegs::{encode_baseline, large_photo, libjpeg_eighth};
use lookalike_tests::with_exif_orientation;
use serde_json::{Value, json};

use super::{probed_hex, rgb_signature};

#[test]
fn page_hashes_phone_photos_as_the_command_line_with_small_thumbnails() {
    let Some((browser, _server)) = super::open_page() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let turned = with_exif_orientation(&encode_baseline(&large_photo(5), Some((2, 1)), 80.0), 6);
    let cases = [
        (
            "phone-420.jpg",
            encode_baseline(&large_photo(3), Some((2, 2)), 90.0),
        ),
        ("phone-422-turned.jpg", turned),
        (
            "phone-gray.jpg",
            encode_baseline(&large_photo(7), None, 85.0),
        ),
    ];
    let mut files = Vec::new();
    for (name, jpeg) in &cases {
        let path = dir.path().join(name);
        std::fs::write(&path, jpeg).unwrap();
        files.push(path);
    }
    browser.send_files(&browser.element("#files"), &files);
    let summary = browser.wait_for_hashing(files.len());
    assert_eq!(
        summary["decoders"],
        json!({ "wasm-dct-eighth": 3 }),
        "{summary:#}"
    );
    for (name, jpeg) in &cases {
        let pixels = libjpeg_eighth(jpeg);
        // Orientation 6: shown turned 90° clockwise.
        let (shown, size) = if name.contains("turned") {
            (imageops::rotate90(&pixels), (2072, 2104))
        } else {
            (pixels, (2104, 2072))
        };
        assert_eq!(
            summary["signatures"][name].as_str(),
            Some(probed_hex(&rgb_signature(&shown)).as_str()),
            "{name}: the page's signature is not the command line's"
        );
        let file: &Value = summary["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == *name)
            .unwrap();
        assert_eq!(
            (file["width"].clone(), file["height"].clone()),
            (json!(size.0), json!(size.1))
        );
        // A thumbnail of at most 192 px as a JPEG is a few kilobytes; the file is over 300.
        let thumbnail = file["thumbnailBytes"].as_u64().unwrap();
        assert!(
            thumbnail < 40_000 && file["thumbnailType"] == "image/jpeg",
            "{name}: {file}"
        );
    }
}
