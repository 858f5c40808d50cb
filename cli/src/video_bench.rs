//! Video benchmarks (hidden flags of `lookalike videos`; figures in the README):
//! - `--bench-sampling FILE...`: every sampling method at intervals 10, 60 and 300 s, as a
//!   multiple of real time (decoding, scaling and hashing included);
//! - `--bench-query HOURS`: the index of `HOURS` hours of synthetic screenshots (10 s apart):
//!   memory per screenshot, and the time to query a one-hour video through it.

use std::time::Instant;

use anyhow::{Result, bail};
use lookalike_core::{IndexBuilder, PixelLayout, Pixels, Signature, Weights};
use rayon::prelude::*;

use crate::config::Config;
use crate::progress::Progress;
use crate::video::{self, Sampling, Tools};
use crate::videos::{Shot, ShotIndex, VideosArgs, sample_video, sequence_options};

/// `--bench-sampling`.
pub fn sampling(args: &VideosArgs) -> Result<()> {
    let tools = Tools::find()?;
    if args.paths.is_empty() {
        bail!("--bench-sampling needs video files");
    }
    let progress = Progress::new();
    println!("| video | interval | method | screenshots | seconds | × real time |");
    println!("|---|---|---|---|---|---|");
    for path in &args.paths {
        let info = video::probe(&tools, path)?;
        let name = format!(
            "{} ({}×{} {}, {:.0} s)",
            path.file_name()
                .map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy()),
            info.width,
            info.height,
            info.codec,
            info.duration
        );
        for interval in [10.0, 60.0, 300.0] {
            for method in [Sampling::Pass, Sampling::Seek, Sampling::Keyframes] {
                let started = Instant::now();
                let shots = sample_video(&tools, path, &info, interval, method, true, &progress)?;
                let seconds = started.elapsed().as_secs_f64();
                println!(
                    "| {name} | {interval} s | {method:?} | {} | {seconds:.2} | {:.1} |",
                    shots.len(),
                    info.duration / seconds
                );
            }
        }
    }
    Ok(())
}

/// A deterministic picture: a gradient and six coloured blocks chosen by `seed`, shifted right
/// by `shift` pixels (the motion inside a scene).
fn picture(seed: u64, shift: u32) -> Vec<u8> {
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
fn synthetic_video(seed: u64, count: u32) -> Vec<Signature> {
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

/// `--bench-query HOURS`.
pub fn query(_config: &Config, _args: &VideosArgs, hours: f64) -> Result<()> {
    let interval = 10.0;
    let per_video = 360u32; // one hour
    let videos = (hours.max(1.0)).ceil() as u32;
    let total = u64::from(videos) * u64::from(per_video);
    println!(
        "bulk: {videos} synthetic one-hour videos, a screenshot every {interval} s = {total} screenshots"
    );
    let started = Instant::now();
    let mut builder = IndexBuilder::new(Weights::Scanned);
    let mut owners = Vec::with_capacity(total as usize);
    let mut planted = Vec::new();
    let chunk = 16;
    for first in (0..videos).step_by(chunk) {
        let last = (first + chunk as u32).min(videos);
        let sigs: Vec<(u32, Vec<Signature>)> = (first..last)
            .into_par_iter()
            .map(|v| (v, synthetic_video(u64::from(v) + 1, per_video)))
            .collect();
        for (v, video_sigs) in sigs {
            if v == videos / 2 {
                planted = video_sigs[100..160].to_vec();
            }
            for (k, sig) in video_sigs.iter().enumerate() {
                builder.add(sig);
                owners.push((v, k as u32));
            }
        }
    }
    let index = builder.build();
    let generated = started.elapsed().as_secs_f64();
    let bytes = index.memory_bytes() + owners.capacity() * std::mem::size_of::<(u32, u32)>();
    println!(
        "index: {} screenshots, {:.1} MiB = {:.0} bytes per screenshot (postings, per-screenshot data and id → video map); built in {generated:.1} s",
        index.len(),
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / total as f64
    );
    let shots_index = ShotIndex { index, owners };

    // The query: a new hour of video, with a ten-minute clip of bulk video `videos / 2` (its
    // screenshots 100..160) from minute 20 on.
    let mut query_sigs = synthetic_video(u64::from(videos) + 1_000_000, per_video);
    query_sigs.splice(120..180, planted);
    let shots: Vec<Shot> = query_sigs
        .into_iter()
        .enumerate()
        .map(|(k, signature)| Shot {
            index: k as u32,
            time_ms: (k as f64 * interval * 1000.0) as u32,
            signature,
        })
        .collect();
    let options = sequence_options(6)?;
    let min_similarity = lookalike_core::Sensitivity::DEFAULT.min_similarity();
    let mut times = Vec::new();
    let mut found = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        found = shots_index.matches(&shots, min_similarity, &options, None);
        times.push(started.elapsed().as_secs_f64());
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let sd =
        (times.iter().map(|t| (t - mean) * (t - mean)).sum::<f64>() / times.len() as f64).sqrt();
    println!(
        "query: one hour ({} screenshots) against {hours} hours: {:.3} s ± {:.3} s (mean ± σ of {} runs)",
        shots.len(),
        mean,
        sd,
        times.len()
    );
    for m in &found {
        println!(
            "  found: video {} screenshots {}..={} at query {}..={} ({} matched, similarity {:.1})",
            m.target,
            m.target_start,
            m.target_end,
            m.query_start,
            m.query_end,
            m.matched,
            m.similarity
        );
    }
    Ok(())
}
