//! Files → signatures, on all cores. Decoding runs on rayon's pool; signatures are computed by
//! `lookalike-core` on the same worker right after the decode (nothing waits, and a decoded
//! image is dropped at once). With a GPU (feature `gpu`), the GPU is one more worker beside
//! those threads ([`super::helper`]): a thread offers its decoded pixels to the GPU and hashes
//! them itself when the GPU does not take them, so `--gpu auto` is never held up by the GPU.
//!
//! The [`Engine`] looks for a GPU only when files are to be hashed, and under `--gpu auto` only
//! once the CPU threads have measured that the transform work left is worth the GPU's start-up
//! ([`GPU_WORTH`]): JPEGs, decoded at a reduced DCT scale, leave the transform little to do,
//! large PNGs much more. So a rescan with nothing new, `query`, `db`, `videos`, video queries
//! and small scans never touch the graphics stack. On Linux, `--gpu auto` first checks for a GPU device node
//! (`/dev/dri/renderD*`, `/dev/nvidia*`): without one there is no hardware adapter to find, and
//! probing Vulkan would only load Mesa's device-select layer, which prints `XDG_RUNTIME_DIR is
//! invalid…` on machines without a desktop session (README, "GPU").

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use lookalike_core::Signature;
use rayon::prelude::*;

use super::decode::{self, Decoded};
use crate::args::GpuChoice;
use crate::messages;
use crate::store::{Picture, Probed};

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

/// Under `--gpu auto`, the GPU is looked for only when the files left would keep all CPU
/// threads busy with the transform for at least this long (at the time per image measured on
/// the first files). The GPU can save at most that time, and its start is not free: opening an
/// adapter and compiling the kernels took 0.4 s (1.2 s cold) on an H100 machine, and a run
/// that ends before the GPU is ready waits for it to close. JPEGs, decoded at a reduced DCT
/// scale, leave the transform about 3 % of the work (1.25 of 43 thread-ms per 12-MP photo on
/// that machine): a GPU is looked for only in libraries of tens of thousands. Full-size
/// decodes (4-MP PNGs: 15.7 of 92 thread-ms) reach it after a few hundred files.
#[cfg(feature = "gpu")]
pub const GPU_WORTH: std::time::Duration = std::time::Duration::from_millis(250);

/// Where signatures are computed, chosen by `--gpu` on first use.
pub struct Engine {
    choice: GpuChoice,
    /// Whether each image gets its cropped and side probes (`Probes::All`), or only its
    /// signature, the probe standing for itself (`lookalike hash`, whose tables hold no probe).
    probes: Probes,
    /// How many files the caller means to hash ([`Engine::expect`]).
    expected: AtomicUsize,
    /// Signatures computed (on any path).
    hashed: AtomicU64,
    /// Files handed to [`Engine::hash_paths`] so far.
    done: AtomicUsize,
    /// Transform time on the CPU threads, and the images it covers.
    transform_ns: AtomicU64,
    transformed: AtomicU64,
    chosen: OnceLock<Result<Backend, String>>,
}

/// What an [`Engine`] computes for each image besides its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probes {
    /// The cropped probe and the side probes (what `scan` and `query` compare).
    All,
    /// None: the signature stands for its own probe, and there are no side probes (the
    /// signatures tables of `lookalike hash` hold nothing else; 3 ms per image less).
    None,
}

/// The signature of `pixels` with what `probes` asks for.
pub(super) fn signature_of(pixels: &lookalike_core::Pixels<'_>, probes: Probes) -> Probed {
    match probes {
        Probes::All => Signature::compute_sided(pixels),
        Probes::None => {
            let signature = Signature::compute(pixels);
            (signature, signature, Vec::new())
        }
    }
}

/// The backend an [`Engine`] settled on.
struct Backend {
    /// The GPU beside the CPU threads, once started.
    #[cfg(feature = "gpu")]
    helper: OnceLock<super::helper::Helper>,
    /// `--gpu auto` on a machine with a GPU device: start the helper when the work left is
    /// worth it.
    #[cfg(feature = "gpu")]
    may_start: bool,
    description: String,
}

impl Engine {
    /// An engine for `--gpu choice`; nothing is probed yet.
    pub fn new(choice: GpuChoice) -> Engine {
        Engine::with_probes(choice, Probes::All)
    }

    /// An engine that computes `probes`.
    pub fn with_probes(choice: GpuChoice, probes: Probes) -> Engine {
        Engine {
            choice,
            probes,
            expected: AtomicUsize::new(0),
            hashed: AtomicU64::new(0),
            done: AtomicUsize::new(0),
            transform_ns: AtomicU64::new(0),
            transformed: AtomicU64::new(0),
            chosen: OnceLock::new(),
        }
    }

    /// Says how many files are to be hashed in all; without it, `--gpu auto` hashes on the
    /// CPU.
    ///
    /// [`hash_paths`]: Engine::hash_paths
    pub fn expect(&self, files: usize) {
        self.expected.store(files, Ordering::Relaxed);
    }

    /// What the GPU did, one line for the end of a run, or `None` when it was not looked for.
    pub fn gpu_summary(&self) -> Option<String> {
        #[cfg(feature = "gpu")]
        if let Some(Ok(backend)) = self.chosen.get() {
            if let Some(helper) = backend.helper.get() {
                return helper.summary(self.hashed.load(Ordering::Relaxed));
            }
            if backend.may_start {
                return Some(format!(
                    "no GPU looked for: the transform work left was under {} ms on all threads",
                    GPU_WORTH.as_millis()
                ));
            }
        }
        None
    }

    /// Prints [`gpu_summary`](Engine::gpu_summary), if any, as an information line.
    pub fn finish(&self) {
        if let Some(line) = self.gpu_summary() {
            messages::info(line);
        }
    }

    /// The backend, probed on the first call (which also prints `hashing on …`).
    fn backend(&self) -> Result<&Backend> {
        let chosen = self.chosen.get_or_init(|| {
            let backend = choose(self.choice, self.probes).map_err(|e| format!("{e:#}"))?;
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
    ) -> Result<Vec<Result<(Picture, Probed)>>> {
        let backend = self.backend()?;
        self.done.fetch_add(paths.len(), Ordering::Relaxed);
        #[cfg(feature = "gpu")]
        if let Some(helper) = backend.helper.get() {
            return Ok(self.count(self.hash_with_helper(helper, paths, times)));
        }
        let results = paths
            .par_iter()
            .map(|path| self.hash_here(&decode_timed(path, times)?, times).0)
            .collect();
        #[cfg(feature = "gpu")]
        if backend.may_start {
            self.start_gpu_if_worth_it(backend);
        }
        let _ = backend;
        Ok(self.count(results))
    }

    /// `--gpu auto`: starts the GPU helper once the transform time that the files left would
    /// cost all CPU threads together (at the mean measured so far) reaches [`GPU_WORTH`].
    #[cfg(feature = "gpu")]
    fn start_gpu_if_worth_it(&self, backend: &Backend) {
        let images = self.transformed.load(Ordering::Relaxed);
        if images < 8 || backend.helper.get().is_some() {
            return;
        }
        let mean_ns = self.transform_ns.load(Ordering::Relaxed) as f64 / images as f64;
        let left = self
            .expected
            .load(Ordering::Relaxed)
            .saturating_sub(self.done.load(Ordering::Relaxed));
        let threads = rayon::current_num_threads().max(1) as f64;
        if left as f64 * mean_ns / threads >= GPU_WORTH.as_nanos() as f64 {
            backend
                .helper
                .get_or_init(|| super::helper::Helper::start(mean_ns, self.probes));
        }
    }

    /// [`hash_paths`](Engine::hash_paths) with the GPU as one more worker: each thread offers
    /// its decoded image to the helper and hashes it itself when the helper declines.
    #[cfg(feature = "gpu")]
    fn hash_with_helper(
        &self,
        helper: &super::helper::Helper,
        paths: &[PathBuf],
        times: &StageTimes,
    ) -> Vec<Result<(Picture, Probed)>> {
        #[allow(clippy::large_enum_variant)] // one per file of a batch, and moved once
        enum Slot {
            Done(Result<(Picture, Probed)>),
            Gpu(u64, Picture),
        }
        let slots: Vec<Slot> = paths
            .par_iter()
            .map(|path| {
                let mut decoded = match decode_timed(path, times) {
                    Ok(d) => d,
                    Err(e) => return Slot::Done(Err(e)),
                };
                // A large image (one that holds a share of the decode budget) is hashed here
                // and dropped: kept waiting for the GPU, it would hold the budget that the
                // next ones wait for.
                if !decoded.is_large() && decoded.pixels().is_ok() {
                    let picture = picture(&decoded);
                    match helper.offer(decoded) {
                        Ok(ticket) => return Slot::Gpu(ticket, picture),
                        Err(declined) => decoded = declined,
                    }
                }
                let (hashed, took) = self.hash_here(&decoded, times);
                helper.cpu_hashed(took);
                Slot::Done(hashed)
            })
            .collect();
        let tickets: Vec<u64> = slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Gpu(ticket, _) => Some(*ticket),
                Slot::Done(_) => None,
            })
            .collect();
        let start = Instant::now();
        let mut signatures = helper.collect(&tickets).into_iter();
        StageTimes::add(&times.transform_ns, start);
        slots
            .into_iter()
            .map(|slot| match slot {
                Slot::Done(result) => result,
                Slot::Gpu(_, picture) => match signatures.next() {
                    Some(Ok(signature)) => Ok((picture, signature)),
                    Some(Err(e)) => Err(anyhow!("{e}")),
                    None => Err(anyhow!("not hashed")),
                },
            })
            .collect()
    }

    /// The CPU path for one decoded image on the calling thread, timed (the time is also the
    /// yardstick of `--gpu auto`).
    fn hash_here(
        &self,
        decoded: &Decoded,
        times: &StageTimes,
    ) -> (Result<(Picture, Probed)>, Duration) {
        let start = Instant::now();
        let hashed = hash_decoded(decoded, self.probes);
        StageTimes::add(&times.transform_ns, start);
        StageTimes::add(&self.transform_ns, start);
        self.transformed.fetch_add(1, Ordering::Relaxed);
        (hashed, start.elapsed())
    }

    /// Counts the signatures in `results` (for [`gpu_summary`](Engine::gpu_summary)).
    fn count<T>(&self, results: Vec<Result<T>>) -> Vec<Result<T>> {
        let ok = results.iter().filter(|r| r.is_ok()).count();
        self.hashed.fetch_add(ok as u64, Ordering::Relaxed);
        results
    }

    /// Hashes one file (the query subcommand).
    pub fn hash_path(&self, path: &Path) -> Result<Result<(Picture, Probed)>> {
        let times = StageTimes::default();
        Ok(self
            .hash_paths(&[path.to_path_buf()], &times)?
            .pop()
            .unwrap_or_else(|| Err(anyhow!("nothing hashed"))))
    }
}

/// `--gpu off`: CPU. `auto`: the CPU threads, and a GPU beside them if the work is worth its
/// start, one is found (in the background) and it pays for itself. `on`: the GPU for every
/// image, or an error.
fn choose(choice: GpuChoice, probes: Probes) -> Result<Backend> {
    let cpu = |why: &str| format!("CPU ({} threads): {why}", rayon::current_num_threads());
    #[cfg(feature = "gpu")]
    {
        use super::helper::Helper;
        use lookalike_gpu::{BACKEND_ENV, BackendRequest, Hasher};
        let on_cpu = |why: String| Backend {
            helper: OnceLock::new(),
            may_start: false,
            description: cpu(&why),
        };
        match choice {
            GpuChoice::Off => Ok(on_cpu("--gpu off".into())),
            GpuChoice::Auto if std::env::var_os(BACKEND_ENV).is_none() && !gpu_device_present() => {
                Ok(on_cpu("no GPU device found".into()))
            }
            GpuChoice::Auto => Ok(Backend {
                helper: OnceLock::new(),
                may_start: true,
                description: format!(
                    "CPU ({} threads), and a GPU beside them if the work is worth its start \
                     and it costs the CPU less per image",
                    rayon::current_num_threads()
                ),
            }),
            GpuChoice::On => {
                let hasher = if messages::quiet() {
                    let _silence = Silence::stderr();
                    Hasher::new(BackendRequest::Gpu)
                } else {
                    Hasher::new(BackendRequest::Gpu)
                };
                let hasher = hasher.map_err(|e| anyhow!("--gpu on: no usable GPU: {e}"))?;
                let description = hasher.description().to_string();
                let helper = OnceLock::new();
                let _ = helper.set(Helper::forced(hasher, probes));
                Ok(Backend {
                    helper,
                    may_start: false,
                    description,
                })
            }
        }
    }
    #[cfg(not(feature = "gpu"))]
    {
        // Probes are made on the host either way; only the GPU helper is handed them.
        let _ = probes;
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

/// Decodes one file, timed.
fn decode_timed(path: &Path, times: &StageTimes) -> Result<Decoded> {
    test_delay();
    let start = Instant::now();
    let decoded = decode::decode_file(path);
    StageTimes::add(&times.decode_ns, start);
    decoded
}

/// The CPU path: `lookalike-core` on the calling worker.
fn hash_decoded(decoded: &Decoded, probes: Probes) -> Result<(Picture, Probed)> {
    Ok((picture(decoded), signature_of(&decoded.pixels()?, probes)))
}
