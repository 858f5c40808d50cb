//! Signature throughput: from a 128 × 128 buffer (transform + selection) and from a 4000 × 3000
//! buffer (exact area-average resample included). `cargo bench -p lookalike-core --bench haar`
use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use lookalike_core::{
    PixelLayout, Pixels, Planes, Signature, decompose, decompose_planes, downscale, equalize,
    planes_to_yiq, probes,
};

/// A deterministic photo-like image: smooth gradients, blocks and some noise.
fn photo_like(w: u32, h: u32) -> Vec<u8> {
    let mut x = 0x9e37_79b9u32;
    (0..w * h)
        .flat_map(|i| {
            let (u, v) = (i % w, i / w);
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let noise = (x >> 28) as u8;
            let block = ((u * 7 / w) + (v * 5 / h)) % 3;
            [
                (u * 200 / w) as u8 + noise,
                (v * 180 / h) as u8 + if block == 0 { 60 } else { 0 },
                ((u + v) * 100 / (w + h)) as u8 + if block == 1 { 120 } else { noise },
            ]
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("signature");
    g.throughput(Throughput::Elements(1));
    for (w, h) in [(128u32, 128u32), (4000, 3000)] {
        let data = photo_like(w, h);
        let pixels = Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap();
        if w > 1000 {
            g.sample_size(20);
        }
        g.bench_with_input(
            BenchmarkId::new("from_rgb", format!("{w}x{h}")),
            &pixels,
            |b, p| b.iter(|| Signature::compute(black_box(p))),
        );
    }
    g.finish();

    // The steps of the 128 × 128 case, one by one, each on a buffer prepared once.
    let data = photo_like(128, 128);
    let pixels = Pixels::new(128, 128, PixelLayout::Rgb8, &data).unwrap();
    let mut g = c.benchmark_group("steps_128");
    g.bench_function("downscale", |b| b.iter(|| downscale(black_box(&pixels))));
    let mut planes = downscale(&pixels);
    g.bench_function("yiq", |b| b.iter(|| planes_to_yiq(black_box(&mut planes))));
    let mut planes = downscale(&pixels);
    g.bench_function("decompose_3_channels", |b| {
        b.iter(|| decompose_planes(black_box(&mut planes)))
    });
    let mut coefficients: Planes = downscale(&pixels);
    planes_to_yiq(&mut coefficients);
    let mut luminance = coefficients.channel(0).to_vec();
    decompose(&mut luminance);
    let levels = coefficients.clone();
    g.bench_function("equalize_y", |b| {
        b.iter_batched_ref(
            || levels.channel(0).to_vec(),
            |y| equalize(black_box(y)),
            criterion::BatchSize::SmallInput,
        )
    });
    decompose_planes(&mut coefficients);
    g.bench_function("select_top_40", |b| {
        b.iter(|| {
            Signature::from_coefficients(black_box(&coefficients), &luminance, 40, 1.0).unwrap()
        })
    });
    // The cropped probe and the side probes, made from the coefficients (issue 17).
    let whole = Signature::from_coefficients(&coefficients, &luminance, 40, 1.0).unwrap();
    g.bench_function("probes", |b| {
        b.iter(|| probes(black_box(&coefficients), &luminance, 40, 1.0, &whole).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
