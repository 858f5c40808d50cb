//! Throughput of `lookalike-gpu` in images per second, for batches of 1, 64, 1 024 and 8 192
//! decoded 1024 × 768 RGB images (one generated image, repeated): the GPU path (whatever
//! adapter `BackendRequest::Gpu` finds; lavapipe on a machine without a GPU), the CPU path on
//! one core, and on all cores. Then the time split of the GPU path between upload, compute,
//! read-back and the CPU's top-coefficient selection, from `Hasher::hash_profiled`.
//!
//! `cargo bench -p lookalike-gpu --bench batch`
//!
//! Criterion needs at least ten samples, and on a software adapter one pass over a batch of 8 192
//! takes from 35 s (lavapipe on a quiet 2-core VM) to ten minutes (the same VM type under load),
//! so only batches up to `LOOKALIKE_BENCH_MAX_BATCH` (default 64) go through criterion; larger ones are timed in one pass per path, after the smaller ones have warmed
//! everything up, and printed as `one pass, batch N: …`. On a real GPU, set
//! `LOOKALIKE_BENCH_MAX_BATCH=8192` to measure every batch with criterion. The time split is
//! measured for batches up to 1 024 (a profiled pass is as slow as a plain one).

use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use lookalike_core::{PixelLayout, Pixels};
use lookalike_gpu::{BackendRequest, Hasher, Timings};

const WIDTH: u32 = 1024;
const HEIGHT: u32 = 768;
const BATCHES: [usize; 4] = [1, 64, 1024, 8192];

/// A photo-like 1024 × 768 image: sky gradient, a sun, hills, a few blocks and some noise.
fn image() -> Vec<u8> {
    let mut seed = 0x1995u32;
    let mut data = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (u, v) = (x as f32 / WIDTH as f32, y as f32 / HEIGHT as f32);
            let mut p = if (u - 0.7) * (u - 0.7) + (v - 0.25) * (v - 0.25) < 0.01 {
                [250, 205, 60]
            } else if v > 0.6 + 0.2 * (u - 0.4) * (u - 0.4) {
                [40, 130, 50]
            } else {
                [90, (150.0 - 60.0 * v) as u8, 230]
            };
            if (100..300).contains(&x) && (400..700).contains(&y) {
                p = [120, 80, 60];
            }
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = (seed >> 28) as u8;
            data.extend_from_slice(&[
                p[0].saturating_add(n),
                p[1].saturating_add(n),
                p[2].saturating_add(n),
            ]);
        }
    }
    data
}

fn max_batch() -> usize {
    std::env::var("LOOKALIKE_BENCH_MAX_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn per_image(d: Duration, n: usize) -> f64 {
    d.as_secs_f64() * 1e3 / n as f64
}

/// The largest batch whose time split is measured (one more pass of the batch).
const MAX_SPLIT_BATCH: usize = 1024;

fn print_split(n: usize, t: &Timings) {
    let total = t.upload + t.compute + t.readback + t.select;
    let kernels: Vec<String> = Timings::KERNELS
        .iter()
        .zip(t.kernels)
        .map(|(name, d)| format!("{name} {:.2} ms", per_image(d, n)))
        .collect();
    println!(
        "split, batch {n:5}: per image upload {:.2} ms, compute {:.2} ms, read-back {:.2} ms, \
         select {:.3} ms (sequential total {:.2} ms = {:.1} images/s); per image {:.0} KiB up, \
         {:.0} KiB down; {} dispatches, {} submissions for the batch",
        per_image(t.upload, n),
        per_image(t.compute, n),
        per_image(t.readback, n),
        per_image(t.select, n),
        per_image(total, n),
        n as f64 / total.as_secs_f64(),
        t.upload_bytes as f64 / 1024.0 / n as f64,
        t.readback_bytes as f64 / 1024.0 / n as f64,
        t.dispatches,
        t.submissions,
    );
    println!("  compute per image by kernel: {}", kernels.join(", "));
}

/// Times one pass of `hash` over `batch` and prints the throughput.
fn once(name: &str, batch: &[Pixels<'_>], hash: impl FnOnce(&[Pixels<'_>])) {
    let started = Instant::now();
    hash(batch);
    let elapsed = started.elapsed();
    println!(
        "one pass, batch {:5}: {name:13} {:8.1} images/s ({:.1} s)",
        batch.len(),
        batch.len() as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
}

fn batches(c: &mut Criterion) {
    let data = image();
    let pixels = Pixels::new(WIDTH, HEIGHT, PixelLayout::Rgb8, &data).expect("valid image");
    let gpu = match Hasher::new(BackendRequest::Gpu) {
        Ok(h) => {
            println!("{}", h.description());
            Some(h)
        }
        Err(e) => {
            println!("GPU path not measured: {e}");
            None
        }
    };
    let cpu = Hasher::new(BackendRequest::Cpu).expect("the CPU path always works");
    let one_core = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool");
    let max = max_batch();

    let mut group = c.benchmark_group("batch of 1024x768");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for n in BATCHES.into_iter().filter(|&n| n <= max) {
        let batch = vec![pixels; n];
        group.throughput(Throughput::Elements(n as u64));
        if let Some(gpu) = &gpu {
            group.bench_with_input(BenchmarkId::new("gpu", n), &batch, |b, batch| {
                b.iter(|| gpu.hash(batch).expect("GPU hashing"))
            });
        }
        group.bench_with_input(BenchmarkId::new("cpu 1 core", n), &batch, |b, batch| {
            b.iter(|| one_core.install(|| cpu.hash(batch).expect("CPU hashing")))
        });
        group.bench_with_input(BenchmarkId::new("cpu all cores", n), &batch, |b, batch| {
            b.iter(|| cpu.hash(batch).expect("CPU hashing"))
        });
    }
    group.finish();

    for n in BATCHES.into_iter().filter(|&n| n > max) {
        let batch = vec![pixels; n];
        if let Some(gpu) = &gpu {
            once("gpu", &batch, |b| drop(gpu.hash(b).expect("GPU hashing")));
        }
        once("cpu 1 core", &batch, |b| {
            one_core.install(|| drop(cpu.hash(b).expect("CPU hashing")))
        });
        once("cpu all cores", &batch, |b| {
            drop(cpu.hash(b).expect("CPU hashing"))
        });
    }

    if let Some(gpu) = &gpu {
        for n in BATCHES.into_iter().filter(|&n| n <= MAX_SPLIT_BATCH) {
            let batch = vec![pixels; n];
            let (_, timings) = gpu.hash_profiled(&batch).expect("GPU hashing");
            print_split(n, &timings);
        }
    }
}

criterion_group!(benches, batches);
criterion_main!(benches);
