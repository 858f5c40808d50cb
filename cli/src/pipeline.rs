//! Files → signatures, on all cores. Decoding runs on rayon's pool; signatures are computed by
//! `lookalike-core` on the same worker right after the decode (CPU path: nothing waits, and a
//! decoded image is dropped at once), or handed in batches to `lookalike-gpu` when a GPU is
//! used (feature `gpu`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Result, anyhow};
use lookalike_core::Signature;
use rayon::prelude::*;

use crate::args::GpuChoice;
use crate::decode::{self, Decoded};
use crate::store::Format;

/// What hashing one file gives.
#[derive(Debug, Clone)]
pub struct Hashed {
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub signature: Signature,
}

/// Time spent per stage, summed over workers (seconds of thread time).
#[derive(Debug, Default)]
pub struct Timings {
    decode_ns: AtomicU64,
    transform_ns: AtomicU64,
}

impl Timings {
    fn add(counter: &AtomicU64, since: Instant) {
        let ns = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        counter.fetch_add(ns, Ordering::Relaxed);
    }

    /// Thread-seconds spent decoding.
    pub fn decode_s(&self) -> f64 {
        self.decode_ns.load(Ordering::Relaxed) as f64 * 1e-9
    }

    /// Thread-seconds spent in resample + YIQ + Haar + selection (or waiting for the GPU).
    pub fn transform_s(&self) -> f64 {
        self.transform_ns.load(Ordering::Relaxed) as f64 * 1e-9
    }
}

/// The hashing engine chosen by `--gpu`.
pub struct Hashing {
    #[cfg(feature = "gpu")]
    gpu: Option<lookalike_gpu::Hasher>,
    description: String,
}

impl Hashing {
    /// `--gpu off`: CPU. `auto`: the GPU if one is found, else CPU. `on`: the GPU or an error.
    pub fn new(choice: GpuChoice) -> Result<Hashing> {
        let cpu = || format!("CPU ({} threads)", rayon::current_num_threads());
        #[cfg(feature = "gpu")]
        {
            use lookalike_gpu::{BackendRequest, Hasher};
            let request = match choice {
                GpuChoice::Off => None,
                GpuChoice::Auto => Some(BackendRequest::Auto),
                GpuChoice::On => Some(BackendRequest::Gpu),
            };
            if let Some(request) = request {
                let hasher =
                    Hasher::new(request).map_err(|e| anyhow!("--gpu on: no usable GPU: {e}"))?;
                if hasher.is_gpu() {
                    return Ok(Hashing {
                        description: hasher.description().to_string(),
                        gpu: Some(hasher),
                    });
                }
                return Ok(Hashing {
                    description: hasher.description().to_string(),
                    gpu: None,
                });
            }
            Ok(Hashing {
                gpu: None,
                description: format!("{}: --gpu off", cpu()),
            })
        }
        #[cfg(not(feature = "gpu"))]
        {
            match choice {
                GpuChoice::On => Err(anyhow!(
                    "--gpu on: this build has no GPU support (built without the `gpu` feature)"
                )),
                GpuChoice::Auto => Ok(Hashing {
                    description: format!("{}: built without the `gpu` feature", cpu()),
                }),
                GpuChoice::Off => Ok(Hashing {
                    description: format!("{}: --gpu off", cpu()),
                }),
            }
        }
    }

    /// Which backend hashes, and why.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// How many files to hand over at once: large enough to keep every core (or the GPU) busy,
    /// small enough that an interruption loses little and progress moves smoothly.
    pub fn batch_len(&self) -> usize {
        (rayon::current_num_threads() * 8).clamp(16, 256)
    }

    /// Hashes `paths` in parallel; results in input order.
    pub fn hash_paths(&self, paths: &[PathBuf], timings: &Timings) -> Vec<Result<Hashed>> {
        #[cfg(feature = "gpu")]
        if let Some(gpu) = &self.gpu {
            return hash_on_gpu(gpu, paths, timings);
        }
        paths
            .par_iter()
            .map(|path| {
                test_delay();
                let start = Instant::now();
                let decoded = decode::decode_file(path);
                Timings::add(&timings.decode_ns, start);
                let decoded = decoded?;
                let start = Instant::now();
                let hashed = hash_decoded(&decoded);
                Timings::add(&timings.transform_ns, start);
                hashed
            })
            .collect()
    }

    /// Hashes one file (query, hash subcommands).
    pub fn hash_path(&self, path: &Path) -> Result<Hashed> {
        let timings = Timings::default();
        self.hash_paths(&[path.to_path_buf()], &timings)
            .pop()
            .unwrap_or_else(|| Err(anyhow!("nothing hashed")))
    }
}

/// `LOOKALIKE_TEST_SLOW_MS=N` makes hashing take N ms longer per file, so that the end-to-end
/// tests can interrupt a scan in its middle. Not for users; costs one relaxed load otherwise.
fn test_delay() {
    static DELAY: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    let ms = *DELAY.get_or_init(|| {
        std::env::var("LOOKALIKE_TEST_SLOW_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    });
    if ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// The CPU path: `lookalike-core` on the calling worker.
pub fn hash_decoded(decoded: &Decoded) -> Result<Hashed> {
    Ok(Hashed {
        width: decoded.full_width,
        height: decoded.full_height,
        format: decoded.format,
        signature: Signature::compute(&decoded.pixels()?),
    })
}

#[cfg(feature = "gpu")]
fn hash_on_gpu(
    gpu: &lookalike_gpu::Hasher,
    paths: &[PathBuf],
    timings: &Timings,
) -> Vec<Result<Hashed>> {
    // A large image (one that holds a share of the decode budget) is hashed on the CPU at once
    // and dropped: kept for the batch, it would hold the budget that the next ones wait for.
    let (decoded, mut hashed_now): (Vec<Result<Decoded>>, Vec<Option<Result<Hashed>>>) = paths
        .par_iter()
        .map(|path| {
            test_delay();
            let start = Instant::now();
            let d = decode::decode_file(path);
            Timings::add(&timings.decode_ns, start);
            match d {
                Ok(d) if d.is_large() => {
                    let start = Instant::now();
                    let hashed = hash_decoded(&d);
                    Timings::add(&timings.transform_ns, start);
                    (Err(anyhow!("hashed on the CPU")), Some(hashed))
                }
                d => (d, None),
            }
        })
        .unzip();
    let start = Instant::now();
    let mut pixels = Vec::new();
    let mut slots = Vec::new();
    let mut out: Vec<Result<Hashed>> = Vec::with_capacity(decoded.len());
    for (i, d) in decoded.iter().enumerate() {
        if let Some(hashed) = hashed_now[i].take() {
            out.push(hashed);
            continue;
        }
        out.push(match d {
            Err(e) => Err(anyhow!("{e:#}")),
            Ok(d) => match d.pixels() {
                Ok(p) => {
                    pixels.push(p);
                    slots.push(i);
                    Err(anyhow!("not hashed"))
                }
                Err(e) => Err(e),
            },
        });
    }
    match gpu.hash(&pixels) {
        Ok(signatures) => {
            for (&slot, signature) in slots.iter().zip(signatures) {
                if let Ok(d) = &decoded[slot] {
                    out[slot] = Ok(Hashed {
                        width: d.full_width,
                        height: d.full_height,
                        format: d.format,
                        signature,
                    });
                }
            }
        }
        Err(e) => {
            for &slot in &slots {
                out[slot] = Err(anyhow!("GPU hashing failed: {e}"));
            }
        }
    }
    Timings::add(&timings.transform_ns, start);
    out
}
