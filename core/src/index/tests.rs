//! Tests of the index: queries against `compare`, removal and compaction, memory, faint pictures.

use super::*;
use crate::{PixelLayout, Pixels, compare};
use alloc::vec::Vec;

/// A family of structured images: `seed` picks blocks and colours, so different seeds are
/// different pictures while the same seed at another size is a resized copy.
fn picture(seed: u32, w: u32, h: u32) -> Signature {
    let mut x = seed.wrapping_mul(2654435761).wrapping_add(1);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let blocks: Vec<[u32; 7]> = (0..6).map(|_| core::array::from_fn(|_| next())).collect();
    let data: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let (u, v) = ((i % w) * 1000 / w, (i / w) * 1000 / h);
            let mut px = [(u / 4) as u8, (v / 4) as u8, 90];
            for b in &blocks {
                let (x0, y0, bw, bh) = (b[0] % 800, b[1] % 800, b[2] % 400 + 50, b[3] % 400 + 50);
                if u >= x0 && u < x0 + bw && v >= y0 && v < y0 + bh {
                    px = [b[4] as u8, b[5] as u8, b[6] as u8];
                }
            }
            px
        })
        .collect();
    Signature::compute(&Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap())
}

#[test]
fn query_agrees_with_pairwise_compare_to_the_bit() {
    let sigs: Vec<Signature> = (0..40).map(|s| picture(s, 160 + s, 120)).collect();
    let mut index = Index::new(Weights::Scanned);
    let ids: Vec<u32> = sigs.iter().map(|s| index.insert(s)).collect();
    // Mirrored and turned queries too: their hits are discounted as `compare` counts them.
    let mut turned = 0;
    for q in [
        picture(3, 97, 73),
        picture(77, 200, 150),
        sigs[10],
        picture(12, 150, 110).oriented(Orientation::Mirrored),
        picture(20, 120, 180).oriented(Orientation::Rotated90),
    ] {
        let hits = index.query(&q, 0.0, usize::MAX);
        for hit in &hits {
            let pos = ids.iter().position(|&i| i == hit.id).unwrap();
            let c = compare(&q, &sigs[pos], Weights::Scanned);
            assert_eq!(
                (hit.similarity, hit.score, hit.orientation),
                (c.similarity, c.score, c.orientation)
            );
            turned += usize::from(hit.orientation != Orientation::Upright);
        }
        // Everything that compare finds above 0 similarity and that shares a coefficient
        // is found by the index.
        let expected = sigs
            .iter()
            .filter(|s| compare(&q, s, Weights::Scanned).similarity > 0.0)
            .count();
        assert_eq!(hits.iter().filter(|h| h.similarity > 0.0).count(), expected);
    }
    assert!(turned >= 2, "the turned copies are found turned");
}

/// `s` with its luminance strength set to `y` (faint: between `FAINT_FLOOR` and
/// `STRUCTURE_FLOOR`), codes and all else kept.
fn with_luminance_strength(s: &Signature, y: f32) -> Signature {
    let strength = s.strength();
    Signature::from_parts(
        s.aspect_ratio(),
        s.average(),
        [y, strength[1], strength[2]],
        [s.codes(0), s.codes(1), s.codes(2)],
    )
    .unwrap()
}

#[test]
fn a_faint_picture_is_found_by_structured_ones_and_finds_them_never_a_faint_one() {
    let structured: Vec<Signature> = (0..20).map(|s| picture(s, 160 + s, 120)).collect();
    // Every other one gray too: found through its luminance alone.
    let faint: Vec<Signature> = structured
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let faint = with_luminance_strength(s, 2.5e-4);
            if k % 2 == 1 {
                return faint;
            }
            Signature::from_parts(
                faint.aspect_ratio(),
                faint.average(),
                [2.5e-4, 0.0, 0.0],
                [faint.codes(0), faint.codes(1), faint.codes(2)],
            )
            .unwrap()
        })
        .collect();
    assert!(faint.iter().all(|f| f.is_faint() && !f.is_informative(0)));
    let mut index = Index::new(Weights::Scanned);
    let mut sigs = Vec::new();
    for s in structured.iter().chain(&faint) {
        index.insert(s);
        sigs.push(*s);
    }
    let min = crate::Sensitivity::DEFAULT.min_similarity();
    for (i, q) in structured.iter().chain(&faint).enumerate() {
        let hits = index.query(q, 0.0, usize::MAX);
        for hit in &hits {
            let c = compare(q, &sigs[hit.id as usize], Weights::Scanned);
            assert_eq!((hit.similarity, hit.score), (c.similarity, c.score));
        }
        let expected = sigs
            .iter()
            .filter(|s| compare(q, s, Weights::Scanned).similarity > 0.0)
            .count();
        assert_eq!(hits.iter().filter(|h| h.similarity > 0.0).count(), expected);
        // Each picture and its faint twin find each other.
        let twin = (i + 20) % 40;
        let found = hits.iter().find(|h| h.id as usize == twin);
        assert!(found.is_some_and(|h| h.similarity >= min), "{i}: {found:?}");
        if i >= 20 {
            // Two faint ones are compared as if neither had a luminance (on chroma at
            // most); against a structured one, a faint luminance counts in full.
            let flat = |s: &Signature| with_luminance_strength(s, 0.0);
            for other in &faint {
                assert_eq!(
                    compare(q, other, Weights::Scanned),
                    compare(&flat(q), &flat(other), Weights::Scanned)
                );
            }
            let strong = with_luminance_strength(q, 1.0);
            for other in &structured {
                assert_eq!(
                    compare(q, other, Weights::Scanned),
                    compare(&strong, other, Weights::Scanned)
                );
            }
        }
    }
}

#[test]
fn a_resized_copy_ranks_its_original_first() {
    let mut index = Index::new(Weights::Scanned);
    for s in 0..50 {
        index.insert(&picture(s, 320, 240));
    }
    for s in [0u32, 17, 49] {
        let hits = index.query(&picture(s, 150, 113), 50.0, 3);
        assert_eq!(hits[0].id, s, "{hits:?}");
        assert!(hits[0].similarity > 90.0, "{hits:?}");
        assert!(hits.windows(2).all(|w| w[0].similarity >= w[1].similarity));
    }
}

#[test]
fn removed_ids_are_not_found_and_are_reused_after_compaction() {
    let mut index = Index::new(Weights::Scanned);
    let a = index.insert(&picture(1, 100, 100));
    let b = index.insert(&picture(2, 100, 100));
    assert!(index.remove(a));
    assert!(!index.remove(a));
    assert!(!index.contains(a) && index.contains(b));
    assert_eq!(index.len(), 1);
    assert!(index.query(&picture(1, 100, 100), 90.0, 10).is_empty());
    index.compact();
    let c = index.insert(&picture(3, 100, 100));
    assert_eq!(c, a, "the purged id is handed out again");
    assert_eq!(index.query(&picture(3, 100, 100), 90.0, 10)[0].id, c);
    assert_eq!(index.query(&picture(2, 100, 100), 90.0, 10)[0].id, b);
}

#[test]
fn many_removals_compact_by_themselves() {
    let mut index = Index::new(Weights::Scanned);
    let sig = picture(5, 64, 64);
    let ids: Vec<u32> = (0..400).map(|_| index.insert(&sig)).collect();
    let before = index.postings();
    for id in &ids[..300] {
        index.remove(*id);
    }
    assert!(index.postings() < before, "dead postings were purged");
    assert_eq!(index.query(&sig, 99.0, usize::MAX).len(), 100);
}

#[test]
fn bulk_built_index_stays_under_one_kib_per_image() {
    let mut builder = IndexBuilder::new(Weights::Scanned);
    let n = 3000;
    for s in 0..n {
        builder.add(&picture(s % 300, 128, 128));
    }
    let index = builder.build();
    let per_image = (index.memory_bytes()
        - 3 * LISTS_PER_CHANNEL * core::mem::size_of::<Vec<u32>>())
        / n as usize;
    assert!(per_image <= 1024, "{per_image} bytes per image");
    assert!(per_image >= 3 * 40, "at least the Y postings: {per_image}");
}
