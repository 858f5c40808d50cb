//! Synthetic video material for tests and benchmarks: deterministic pictures that move a little
//! from one screenshot to the next, grouped in scenes, as real videos are.

use lookalike_core::{PixelLayout, Pixels, Signature};
use rayon::prelude::*;

/// A deterministic picture: a gradient and six coloured blocks chosen by `seed`, shifted right
/// by `shift` pixels (the motion inside a scene).
pub fn picture(seed: u64, shift: u32) -> Vec<u8> {
    const W: u32 = 96;
    const H: u32 = 54;
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let tint = [next() as u8, next() as u8, next() as u8];
    let blocks: Vec<[u64; 7]> = (0..6).map(|_| std::array::from_fn(|_| next())).collect();
    (0..W * H)
        .flat_map(|i| {
            let (u, v) = ((i % W + W - shift % W) % W, i / W);
            let mut px = [
                tint[0].wrapping_add((u * 2) as u8),
                tint[1].wrapping_add((v * 3) as u8),
                tint[2],
            ];
            for b in &blocks {
                let (x0, y0) = ((b[0] % u64::from(W)) as u32, (b[1] % u64::from(H)) as u32);
                let (bw, bh) = ((b[2] % 40 + 6) as u32, (b[3] % 24 + 4) as u32);
                if u >= x0 && u < x0 + bw && v >= y0 && v < y0 + bh {
                    px = [b[4] as u8, b[5] as u8, b[6] as u8];
                }
            }
            px
        })
        .collect()
}

/// One synthetic video of `count` screenshots: scenes of 1 to 6 screenshots, the picture moving
/// a little from one screenshot to the next.
pub fn synthetic_video(seed: u64, count: u32) -> Vec<Signature> {
    let mut plan = Vec::with_capacity(count as usize);
    let mut scene = seed.wrapping_mul(1_000_003);
    let mut left = 0;
    for k in 0..count {
        if left == 0 {
            scene = scene.wrapping_add(1);
            left = 1 + (scene.wrapping_mul(2_654_435_761) >> 7) % 6;
        }
        left -= 1;
        plan.push((scene, k * 2));
    }
    plan.par_iter()
        .map(|&(scene, shift)| {
            let rgb = picture(scene, shift);
            match Pixels::new(96, 54, PixelLayout::Rgb8, &rgb) {
                Ok(p) => Signature::compute(&p),
                Err(_) => unreachable!("96 × 54 × 3 bytes"),
            }
        })
        .collect()
}
