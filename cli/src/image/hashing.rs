//! Files → signatures, on all cores. Decoding runs on rayon's pool; signatures are computed by
//! `lookalike-core` on the same worker right after the decode (CPU path: nothing waits, and a
//! decoded image is dropped at once), or handed in batches to `lookalike-gpu`'s `Hasher` when
//! a GPU is used (feature `gpu`).
//!
//! The [`Engine`] looks for a GPU only when the first file is to be hashed, so a rescan with
//! nothing new, `db`, `videos` and video queries never touch the graphics stack. On Linux,
//! `--gpu auto` first checks for a GPU device node (`/dev/dri/renderD*`, `/dev/nvidia*`): without
//! one there is no hardware adapter to find, and probing Vulkan would only load Mesa's
//! device-select layer, which prints `XDG_RUNTIME_DIR is invalid…` on machines without a
//! desktop session (README, "GPU").

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Result, anyhow};
use lookalike_core::Signature;
use rayon::prelude::*;

use super::decode::{self, Decoded};
use crate::args::GpuChoice;
use crate::messages;
use crate::store::Picture;

/// Thread time spent per stage, summed over workers (for `lookalike bench`).
#[derive(Debug, Default)]
pub struct StageTimes {
    decode_ns: AtomicU64,
    transform_ns: AtomicU64,
}

impl StageTimes {
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

/// Where signatures are computed, chosen by `--gpu` on first use.
pub struct Engine {
    choice: GpuChoice,
    chosen: OnceLock<Result<Backend, String>>,
}

/// The backend an [`Engine`] settled on.
struct Backend {
    #[cfg(feature = "gpu")]
    gpu: Option<lookalike_gpu::Hasher>,
    description: String,
}

impl Engine {
    /// An engine for `--gpu choice`; nothing is probed yet.
    pub fn new(choice: GpuChoice) -> Engine {
        Engine {
            choice,
            chosen: OnceLock::new(),
        }
    }

    /// The backend, probed on the first call (which also prints `hashing on …`).
    fn backend(&self) -> Result<&Backend> {
        let chosen = self.chosen.get_or_init(|| {
            let backend = choose(self.choice).map_err(|e| format!("{e:#}"))?;
            messages::info(format!("hashing on {}", backend.description));
            Ok(backend)
        });
        chosen.as_ref().map_err(|e| anyhow!("{e}"))
    }

    /// Which backend hashes, and why (probing it if that has not happened yet).
    pub fn description(&self) -> Result<&str> {
        Ok(&self.backend()?.description)
    }

    /// How many files to hand over at once: large enough to keep every core (or the GPU) busy,
    /// small enough that an interruption loses little and progress moves smoothly.
    pub fn batch_len(&self) -> usize {
        (rayon::current_num_threads() * 8).clamp(16, 256)
    }

    /// Hashes `paths` in parallel; results in input order. Fails as a whole only when `--gpu
    /// on` finds no GPU.
    pub fn hash_paths(
        &self,
        paths: &[PathBuf],
        times: &StageTimes,
    ) -> Result<Vec<Result<(Picture, Signature)>>> {
        let backend = self.backend()?;
        #[cfg(feature = "gpu")]
        if let Some(gpu) = &backend.gpu {
            return Ok(hash_on_gpu(gpu, paths, times));
        }
        let _ = backend;
        Ok(paths
            .par_iter()
            .map(|path| {
                test_delay();
                let start = Instant::now();
                let decoded = decode::decode_file(path);
                StageTimes::add(&times.decode_ns, start);
                let decoded = decoded?;
                let start = Instant::now();
                let hashed = hash_decoded(&decoded);
                StageTimes::add(&times.transform_ns, start);
                hashed
            })
            .collect())
    }

    /// Hashes one file (the query subcommand).
    pub fn hash_path(&self, path: &Path) -> Result<Result<(Picture, Signature)>> {
        let times = StageTimes::default();
        Ok(self
            .hash_paths(&[path.to_path_buf()], &times)?
            .pop()
            .unwrap_or_else(|| Err(anyhow!("nothing hashed"))))
    }
}

/// `--gpu off`: CPU. `auto`: the GPU if one is found, else CPU. `on`: the GPU or an error.
fn choose(choice: GpuChoice) -> Result<Backend> {
    let cpu = |why: &str| format!("CPU ({} threads): {why}", rayon::current_num_threads());
    #[cfg(feature = "gpu")]
    {
        use lookalike_gpu::{BACKEND_ENV, BackendRequest, Hasher};
        let request = match choice {
            GpuChoice::Off => {
                return Ok(Backend {
                    gpu: None,
                    description: cpu("--gpu off"),
                });
            }
            GpuChoice::Auto if std::env::var_os(BACKEND_ENV).is_none() && !gpu_device_present() => {
                return Ok(Backend {
                    gpu: None,
                    description: cpu("no GPU device found"),
                });
            }
            GpuChoice::Auto => BackendRequest::Auto,
            GpuChoice::On => BackendRequest::Gpu,
        };
        let hasher = if messages::quiet() {
            let _silence = Silence::stderr();
            Hasher::new(request)
        } else {
            Hasher::new(request)
        };
        let hasher = hasher.map_err(|e| anyhow!("--gpu on: no usable GPU: {e}"))?;
        let description = hasher.description().to_string();
        Ok(Backend {
            gpu: hasher.is_gpu().then_some(hasher),
            description,
        })
    }
    #[cfg(not(feature = "gpu"))]
    {
        match choice {
            GpuChoice::On => Err(anyhow!(
                "--gpu on: this build has no GPU support (built without the `gpu` feature)"
            )),
            GpuChoice::Auto => Ok(Backend {
                description: cpu("built without the `gpu` feature"),
            }),
            GpuChoice::Off => Ok(Backend {
                description: cpu("--gpu off"),
            }),
        }
    }
}

/// Whether this machine has a GPU device node that a hardware adapter would use. Only Linux is
/// checked (elsewhere: always `true`, and the adapter search decides).
#[cfg(feature = "gpu")]
fn gpu_device_present() -> bool {
    if !cfg!(target_os = "linux") {
        return true;
    }
    let has = |dir: &str, prefix: &str| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with(prefix))
        })
    };
    has("/dev/dri", "renderD") || has("/dev", "nvidia")
}

/// While alive, the process's stderr goes to `/dev/null` (Unix; elsewhere nothing changes):
/// with `--quiet`, what the graphics stack prints while it looks for adapters must not reach
/// the user. Dropping it puts stderr back.
#[cfg(feature = "gpu")]
struct Silence {
    #[cfg(unix)]
    saved: Option<std::os::fd::OwnedFd>,
}

#[cfg(feature = "gpu")]
impl Silence {
    fn stderr() -> Silence {
        #[cfg(unix)]
        {
            let null = std::fs::OpenOptions::new().write(true).open("/dev/null");
            let saved = match (rustix::io::dup(std::io::stderr()), null) {
                (Ok(saved), Ok(null)) if rustix::stdio::dup2_stderr(&null).is_ok() => Some(saved),
                _ => None,
            };
            Silence { saved }
        }
        #[cfg(not(unix))]
        Silence {}
    }
}

#[cfg(feature = "gpu")]
impl Drop for Silence {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            let _ = rustix::stdio::dup2_stderr(saved);
        }
    }
}

/// `LOOKALIKE_TEST_SLOW_MS=N` makes hashing take N ms longer per file, so that the end-to-end
/// tests can interrupt a scan in its middle. Not for users; costs one relaxed load otherwise.
fn test_delay() {
    static DELAY: OnceLock<u64> = OnceLock::new();
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

fn picture(decoded: &Decoded) -> Picture {
    Picture {
        width: decoded.full_width,
        height: decoded.full_height,
        format: decoded.format,
    }
}

/// The CPU path: `lookalike-core` on the calling worker.
fn hash_decoded(decoded: &Decoded) -> Result<(Picture, Signature)> {
    Ok((picture(decoded), Signature::compute(&decoded.pixels()?)))
}

#[cfg(feature = "gpu")]
fn hash_on_gpu(
    gpu: &lookalike_gpu::Hasher,
    paths: &[PathBuf],
    times: &StageTimes,
) -> Vec<Result<(Picture, Signature)>> {
    // A large image (one that holds a share of the decode budget) is hashed on the CPU at once
    // and dropped: kept for the batch, it would hold the budget that the next ones wait for.
    type Prepared = (Result<Decoded>, Option<Result<(Picture, Signature)>>);
    let (decoded, mut hashed_now): (Vec<_>, Vec<_>) = paths
        .par_iter()
        .map(|path| -> Prepared {
            test_delay();
            let start = Instant::now();
            let d = decode::decode_file(path);
            StageTimes::add(&times.decode_ns, start);
            match d {
                Ok(d) if d.is_large() => {
                    let start = Instant::now();
                    let hashed = hash_decoded(&d);
                    StageTimes::add(&times.transform_ns, start);
                    (Err(anyhow!("hashed on the CPU")), Some(hashed))
                }
                d => (d, None),
            }
        })
        .unzip();
    let start = Instant::now();
    let mut pixels = Vec::new();
    let mut slots = Vec::new();
    let mut out: Vec<Result<(Picture, Signature)>> = Vec::with_capacity(decoded.len());
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
                    out[slot] = Ok((picture(d), signature));
                }
            }
        }
        Err(e) => {
            for &slot in &slots {
                out[slot] = Err(anyhow!("GPU hashing failed: {e}"));
            }
        }
    }
    StageTimes::add(&times.transform_ns, start);
    out
}
