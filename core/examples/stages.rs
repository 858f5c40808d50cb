//! Times each step of a 128 × 128 signature (wall clock, best of 5 rounds of 2000).
//! `cargo run --release -p lookalike-core --example stages`
use std::hint::black_box;
use std::time::Instant;

use lookalike_core::{
    PixelLayout, Pixels, Signature, decompose, decompose_planes, downscale, equalize, planes_to_yiq,
};

fn time(name: &str, mut f: impl FnMut()) {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        for _ in 0..2000 {
            f();
        }
        best = best.min(t.elapsed().as_secs_f64() / 2000.0);
    }
    println!("{name:>24}: {:8.1} µs", best * 1e6);
}

fn main() {
    let data: Vec<u8> = (0..128 * 128 * 3)
        .map(|i: u32| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let pixels = Pixels::new(128, 128, PixelLayout::Rgb8, &data).unwrap();
    let mut p = downscale(&pixels);
    time("downscale", || p = downscale(black_box(&pixels)));
    time("yiq", || planes_to_yiq(black_box(&mut p)));
    // Fresh YIQ planes (repeating the steps above on the same buffer drifts into denormals).
    let mut fresh = downscale(&pixels);
    planes_to_yiq(&mut fresh);
    time("copy (baseline)", || p.clone_from(black_box(&fresh)));
    time("copy + equalize Y", || {
        p.clone_from(&fresh);
        equalize(black_box(p.channel_mut(0)))
    });
    time("copy + decompose (3 ch.)", || {
        p.clone_from(&fresh);
        decompose_planes(black_box(&mut p))
    });
    let mut luminance = fresh.channel(0).to_vec();
    decompose(&mut luminance);
    time("decompose Y as it is", || {
        luminance.copy_from_slice(fresh.channel(0));
        decompose(black_box(&mut luminance))
    });
    p.clone_from(&fresh);
    decompose_planes(&mut p);
    time("select top 40 (3 ch.)", || {
        black_box(Signature::from_coefficients(&p, &luminance, 40, 1.0).unwrap());
    });
    time("whole signature", || {
        black_box(Signature::compute(black_box(&pixels)));
    });
}
