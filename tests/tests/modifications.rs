//! Modified copies of real photographs match their originals; different photographs don't.
//! The photographs are the 19 in `tests/photos/` (see its LICENSE.md).

use lookalike_core::{Index, Sensitivity, Weights, compare};
use lookalike_tests::{Modification, photos, signature};

/// Every copy that a duplicate finder should see through, by the list: resized,
/// JPEG-recompressed, brightened, watermarked, captioned (plus gray and contrast).
const EDITS: [Modification; 8] = [
    Modification::HalfSize,
    Modification::SmallSize,
    Modification::Jpeg40,
    Modification::Brighter,
    Modification::Watermark,
    Modification::Caption,
    Modification::Gray,
    Modification::Contrast,
];

#[test]
fn every_edited_copy_ranks_its_original_first_through_the_index() {
    let photos = photos();
    let mut index = Index::new(Weights::Scanned);
    let ids: Vec<u32> = photos
        .iter()
        .map(|(_, p)| index.insert(&signature(p)))
        .collect();
    let threshold = Sensitivity::default().min_similarity();
    let mut failures = Vec::new();
    for edit in EDITS {
        for ((name, photo), &id) in photos.iter().zip(&ids) {
            let hits = index.query(&signature(&edit.apply(photo)), threshold, 3);
            match hits.first() {
                Some(best) if best.id == id => {}
                other => failures.push(format!("{edit:?} of {name}: best hit {other:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} misses:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn different_photos_do_not_match_at_the_default_sensitivity() {
    let photos = photos();
    let sigs: Vec<_> = photos.iter().map(|(_, p)| signature(p)).collect();
    let default = Sensitivity::default();
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            let c = compare(&sigs[i], &sigs[j], Weights::Scanned);
            assert!(
                !default.accepts(&c),
                "{} and {} are different photos but scored {:.1}",
                photos[i].0,
                photos[j].0,
                c.similarity
            );
        }
    }
}

#[test]
fn gray_copies_of_colour_photos_match() {
    // duplo-rs misses 47 of 49 gray copies because it compares the random chroma positions of
    // the gray copy; we leave noise channels out.
    let photos = photos();
    for (name, photo) in &photos {
        let original = signature(photo);
        let gray = signature(&Modification::Gray.apply(photo));
        assert!(
            !gray.is_informative(1) && !gray.is_informative(2),
            "{name}: {:?}",
            gray.strength()
        );
        let c = compare(&original, &gray, Weights::Scanned);
        assert!(
            Sensitivity::default().accepts(&c),
            "{name}: gray copy scored {:.1}",
            c.similarity
        );
    }
}

#[test]
fn signatures_do_not_depend_on_the_byte_layout() {
    // RGBA with opaque alpha gives the same signature as RGB.
    let (_, photo) = &photos()[0];
    let rgba = image::DynamicImage::ImageRgb8(photo.clone()).to_rgba8();
    let a = signature(photo);
    let b = lookalike_core::Signature::compute(
        &lookalike_core::Pixels::new(
            rgba.width(),
            rgba.height(),
            lookalike_core::PixelLayout::Rgba8,
            rgba.as_raw(),
        )
        .unwrap(),
    );
    assert_eq!(a, b);
}
