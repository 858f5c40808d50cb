//! Prints the similarity of every modification of every test photo to its original, the best
//! similarity between different photos, and the chroma strengths: the measurements behind the
//! sensitivity scale. `cargo run -p lookalike-tests --example calibrate --release`
use lookalike_core::{Weights, compare};
use lookalike_tests::{Modification, photos, signature};

fn main() {
    let photos = photos();
    let sigs: Vec<_> = photos.iter().map(|(_, p)| signature(p)).collect();
    for m in Modification::ALL {
        let mut v: Vec<f32> = photos
            .iter()
            .zip(&sigs)
            .map(|((_, p), s)| compare(s, &signature(&m.apply(p)), Weights::Scanned).similarity)
            .collect();
        v.sort_by(f32::total_cmp);
        println!(
            "{m:?}: min {:.1} median {:.1} max {:.1}",
            v[0],
            v[v.len() / 2],
            v[v.len() - 1]
        );
        // rank of the original among all photos
        let mut not_first = 0;
        for ((_, p), s) in photos.iter().zip(&sigs) {
            let q = signature(&m.apply(p));
            let best = sigs
                .iter()
                .map(|t| compare(&q, t, Weights::Scanned).similarity)
                .fold(f32::MIN, f32::max);
            if compare(&q, s, Weights::Scanned).similarity < best {
                not_first += 1;
            }
        }
        println!("    original not ranked first: {not_first}");
    }
    let mut cross = Vec::new();
    for i in 0..sigs.len() {
        for j in i + 1..sigs.len() {
            cross.push((
                compare(&sigs[i], &sigs[j], Weights::Scanned).similarity,
                i,
                j,
            ));
        }
    }
    cross.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (s, i, j) in &cross[..5] {
        println!("different: {s:.1} {} vs {}", photos[*i].0, photos[*j].0);
    }
    for ((n, p), s) in photos.iter().zip(&sigs) {
        let g = signature(&Modification::Gray.apply(p));
        let gj = signature(&lookalike_tests::jpeg(&Modification::Gray.apply(p), 60));
        let mut noisy = Modification::Gray.apply(p);
        let mut x = 1u32;
        for px in noisy.pixels_mut() {
            for c in px.0.iter_mut() {
                x = x.wrapping_mul(1664525).wrapping_add(1013904223);
                *c = (*c as i32 + ((x >> 24) % 5) as i32 - 2).clamp(0, 255) as u8;
            }
        }
        let nj = signature(&lookalike_tests::jpeg(&noisy, 70));
        let ns = signature(&noisy);
        println!(
            "noise {n}: {:?} {:?} sim {:.1}",
            ns.strength(),
            nj.strength(),
            compare(&nj, s, Weights::Scanned).similarity
        );
        println!(
            "strength {n}: colour {:?} gray {:?} grayjpeg {:?}",
            s.strength(),
            g.strength(),
            gj.strength()
        );
    }
}
