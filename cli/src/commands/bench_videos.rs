//! `lookalike bench-videos` (hidden; figures in the README):
//! - `sampling FILE...`: every sampling method at intervals 10, 60 and 300 s, as a multiple of
//!   real time (decoding, scaling and hashing included);
//! - `query HOURS [FILE...]`: the index of `HOURS` hours of synthetic screenshots (10 s apart):
//!   memory per screenshot, and the time to query a one-hour video through it.

use std::time::Instant;

use std::path::PathBuf;

use anyhow::Result;
use lookalike_core::{IndexBuilder, Signature, Weights};

use crate::args::{BenchVideosCommand, DEFAULT_MIN_SEQUENCE, Sampling};
use crate::progress::Progress;
use crate::store::Shot;
use crate::video::ffmpeg::{self, Tools};
use crate::video::index::{ShotIndex, sequence_options};
use crate::video::sample::sample_video;
use crate::video::synthetic::synthetic_video;

/// `lookalike bench-videos`.
pub fn run(command: &BenchVideosCommand) -> Result<()> {
    match command {
        BenchVideosCommand::Sampling { files } => sampling(files),
        BenchVideosCommand::Query {
            hours,
            files,
            no_exhaustive,
        } => query(*hours, files, *no_exhaustive),
    }
}

/// `bench-videos sampling`.
fn sampling(paths: &[PathBuf]) -> Result<()> {
    let tools = Tools::find()?;
    let progress = Progress::new();
    println!("| video | interval | method | screenshots | seconds | × real time |");
    println!("|---|---|---|---|---|---|");
    for path in paths {
        let info = ffmpeg::probe(&tools, path)?;
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
                let shots =
                    sample_video(&tools, path, &info, (interval, 1), method, true, &progress)?
                        .shots;
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

/// A small deterministic random number generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Coefficient codes seen in real signatures, per channel: drawing from them keeps the skew of
/// real posting lists (low frequencies are kept by most pictures), which is what makes
/// queries slow.
struct CodePool {
    codes: [Vec<u16>; 3],
    bases: Vec<Signature>,
}

impl CodePool {
    fn new(bases: Vec<Signature>) -> CodePool {
        let codes = std::array::from_fn(|c| {
            bases
                .iter()
                .filter(|s| s.is_informative(c))
                .flat_map(|s| s.codes(c).iter().copied())
                .collect()
        });
        CodePool { codes, bases }
    }

    /// `base` with a `fraction` of its codes replaced by codes drawn from the pool, and its
    /// average colour moved a little: another picture of the same kind.
    fn mutate(&self, base: &Signature, fraction: f64, rng: &mut Rng) -> Signature {
        let m = usize::from(base.m());
        let average = base.average().map(|v| {
            let jitter = (rng.below(2001) as f32 - 1000.0) / 1000.0 * 0.02 * fraction as f32;
            v + jitter
        });
        let codes: [Vec<u16>; 3] = std::array::from_fn(|c| {
            let mut codes: Vec<u16> = base
                .codes(c)
                .iter()
                .copied()
                .filter(|_| (rng.below(1000) as f64) >= fraction * 1000.0)
                .collect();
            let pool = if self.codes[c].is_empty() {
                &self.codes[0]
            } else {
                &self.codes[c]
            };
            while codes.len() < m {
                let code = pool[rng.below(pool.len())];
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
            codes
        });
        Signature::from_parts(
            base.aspect_ratio(),
            average,
            base.strength(),
            [&codes[0], &codes[1], &codes[2]],
        )
        .unwrap_or(*base)
    }

    /// One hour of video: scenes of 1 to 6 screenshots; a scene is a pool picture with 30 %
    /// of its codes replaced, and its screenshots differ from it by 10 %.
    fn hour(&self, rng: &mut Rng) -> Vec<Signature> {
        let mut out = Vec::with_capacity(360);
        while out.len() < 360 {
            let base = &self.bases[rng.below(self.bases.len())];
            let scene = self.mutate(base, 0.3, rng);
            for _ in 0..1 + rng.below(6) {
                out.push(self.mutate(&scene, 0.1, rng));
            }
        }
        out.truncate(360);
        out
    }
}

/// `bench-videos query HOURS`: `paths`, if given, are sampled every second for the pool of real
/// coefficient codes; synthetic pictures are used otherwise.
fn query(hours: f64, paths: &[PathBuf], no_exhaustive: bool) -> Result<()> {
    let interval = 10.0;
    let started = Instant::now();
    let mut bases: Vec<Signature> = Vec::new();
    if paths.is_empty() {
        bases = (0..4).flat_map(|v| synthetic_video(v + 7, 360)).collect();
    }
    let tools = if paths.is_empty() {
        None
    } else {
        Some(Tools::find()?)
    };
    if let Some(tools) = &tools {
        let progress = Progress::new();
        for path in paths {
            let info = ffmpeg::probe(tools, path)?;
            let shots = sample_video(
                tools,
                path,
                &info,
                (1.0, 1),
                Sampling::Pass,
                true,
                &progress,
            )?
            .shots;
            bases.extend(shots.into_iter().map(|s| s.signature));
        }
    }
    let pool = CodePool::new(bases);
    let videos = hours.max(1.0).ceil() as u32;
    let per_video = 360u32;
    let total = u64::from(videos) * u64::from(per_video);
    println!(
        "bulk: {videos} one-hour videos, a screenshot every {interval} s = {total} screenshots \
         (codes drawn from {} real and synthetic pictures)",
        pool.bases.len()
    );
    let mut builder = IndexBuilder::new(Weights::Scanned);
    let mut owners = Vec::with_capacity(total as usize);
    let mut planted = Vec::new();
    let mut stored: Vec<Vec<Signature>> = Vec::with_capacity(videos as usize);
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut frequency = vec![0u64; 3 << 15];
    for v in 0..videos {
        let hour = pool.hour(&mut rng);
        if v == videos / 2 {
            planted = hour[100..160].to_vec();
        }
        for (k, sig) in hour.iter().enumerate() {
            for c in (0..3).filter(|&c| sig.is_comparable(c)) {
                for &code in sig.codes(c) {
                    frequency[(c << 15) | usize::from(code)] += 1;
                }
            }
            builder.add(sig);
            owners.push((v, k as u32));
        }
        stored.push(hour);
    }
    let index = builder.build();
    let total_postings = index.postings();
    let generated = started.elapsed().as_secs_f64();
    let bytes = index.memory_bytes() + owners.capacity() * std::mem::size_of::<(u32, u32)>();
    println!(
        "index: {} screenshots, {:.1} MiB = {:.0} bytes per screenshot (postings, per-screenshot \
         data and the id → video map); made in {generated:.1} s",
        index.len(),
        bytes as f64 / (1 << 20) as f64,
        bytes as f64 / total as f64
    );
    let shots_index = ShotIndex::new(index, owners, frequency.iter().map(|&f| f as u32).collect());

    // The query: a new hour, with ten minutes of bulk video `videos / 2` (its screenshots
    // 100..160, each changed by 10 % as a re-encoding would) from minute 20 on.
    let mut query_sigs = pool.hour(&mut rng);
    let copies: Vec<Signature> = planted
        .iter()
        .map(|s| pool.mutate(s, 0.1, &mut rng))
        .collect();
    query_sigs.splice(120..180, copies);
    let shots: Vec<Shot> = query_sigs
        .into_iter()
        .enumerate()
        .map(|(k, signature)| Shot {
            index: k as u32,
            time_ms: (k as f64 * interval * 1000.0) as u32,
            signature,
        })
        .collect();
    let walked: u64 = shots
        .iter()
        .map(|shot| {
            (0..3)
                .filter(|&c| shot.signature.is_comparable(c))
                .flat_map(|c| {
                    shot.signature
                        .codes(c)
                        .iter()
                        .map(move |&code| (c << 15) | usize::from(code))
                })
                .map(|i| frequency[i])
                .sum::<u64>()
        })
        .sum();
    println!(
        "one query screenshot walks {:.0} postings on average ({:.1} % of {total_postings})",
        walked as f64 / shots.len() as f64,
        100.0 * walked as f64 / shots.len() as f64 / total_postings.max(1) as f64
    );
    let options = sequence_options(DEFAULT_MIN_SEQUENCE)?;
    let min_similarity = lookalike_core::Sensitivity::PLAIN_DEFAULT.min_similarity();
    let lookup = |video: u32, frame: u32| -> Option<Signature> {
        stored.get(video as usize)?.get(frame as usize).cloned()
    };
    let mut found = Vec::new();
    let mut report =
        |label: &str, runs: usize, run: &mut dyn FnMut() -> Vec<lookalike_core::SequenceMatch>| {
            let mut times = Vec::new();
            for _ in 0..runs {
                let started = Instant::now();
                found = run();
                times.push(started.elapsed().as_secs_f64());
            }
            let mean = times.iter().sum::<f64>() / times.len() as f64;
            let sd = (times.iter().map(|t| (t - mean) * (t - mean)).sum::<f64>()
                / times.len() as f64)
                .sqrt();
            println!(
                "query ({label}): one hour ({} screenshots) against {hours} hours: {mean:.3} s ± {sd:.3} s (mean ± σ of {} runs)",
                shots.len(),
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
            found.clone()
        };
    let seeded = report("seed and extend", 5, &mut || {
        shots_index.matches(&shots, min_similarity, &options, None, &lookup)
    });
    if !no_exhaustive {
        let exhaustive = report(
            "every screenshot through the index",
            if hours > 100.0 { 1 } else { 5 },
            &mut || shots_index.matches_exhaustive(&shots, min_similarity, &options, None),
        );
        let key = |r: &lookalike_core::SequenceMatch| (r.target, r.query_start, r.target_start);
        let same = seeded.iter().map(key).eq(exhaustive.iter().map(key));
        println!(
            "seed and extend found {} runs, the exhaustive search {}: {}",
            seeded.len(),
            exhaustive.len(),
            if same {
                "the same runs"
            } else {
                "different runs (listed above)"
            }
        );
    }
    Ok(())
}
