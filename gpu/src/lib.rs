//! `lookalike-gpu` computes lookalike signatures for batches of decoded images on the GPU (wgpu
//! and the WGSL kernels in `shaders/`), and on all CPU cores when there is no GPU.
//!
//! The GPU runs the expensive, regular part of the method of Jacobs, Finkelstein & Salesin
//! (1995): the area-average resample to 128 × 128, RGB → YIQ, the equalization of Y
//! ([`lookalike_core::equalize`]) and the standard 2-D Haar decomposition (of Y, I, Q, and of Y
//! as it was before equalization). The coefficients come back to the host, which keeps the top
//! 60 per channel (the default `m`) with [`lookalike_core::Signature::from_coefficients`]: one pass over 65 536
//! floats, which
//! costs less on a CPU core than a GPU selection would save (see README.md, "GPU").
//!
//! The CPU path of [`lookalike_core`] is the reference: the GPU's planes match it bit for bit
//! (the resample sums in exact integers and divides by exact long division, the YIQ products
//! are kept apart from the sums, the equalization is integer arithmetic, and the Haar steps
//! repeat the CPU's operations in its order),
//! except in the rare case described in `shaders/downscale.wgsl`. `tests/tests/gpu_matches_cpu.rs`
//! measures the agreement.
//!
//! ```no_run
//! use lookalike_gpu::{BackendRequest, Hasher};
//! use lookalike_core::{PixelLayout, Pixels};
//!
//! let hasher = Hasher::new(BackendRequest::Auto)?; // never fails: falls back to the CPU
//! eprintln!("{}", hasher.description());
//! let data = vec![128u8; 640 * 480 * 3];
//! let image = Pixels::new(640, 480, PixelLayout::Rgb8, &data)?;
//! let signatures = hasher.hash(&[image, image])?;
//! assert_eq!(signatures[0], lookalike_core::Signature::compute(&image));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Choosing a backend
//! [`BackendRequest::Auto`] takes the best hardware adapter (discrete, then integrated) of any
//! wgpu backend. A software adapter (Mesa's lavapipe/llvmpipe, WARP) is slower than the CPU
//! path, so `Auto` uses the CPU instead and says so. The environment variable
//! `LOOKALIKE_BACKEND` overrides the choice: `cpu` forces the CPU path, `vulkan`, `gl`, `metal`
//! or `dx12` force that wgpu backend, software adapters included.
//!
//! # Features
//! This crate has no features.

#![warn(missing_docs)]

mod context;
mod error;
pub mod params;
mod pipeline;
mod plan;
pub mod shaders;

use std::time::Duration;

use lookalike_core::{AREA, DEFAULT_COEFFICIENTS, Pixels, Planes, SideProbe, Signature};
use rayon::prelude::*;

pub use context::BACKEND_ENV;
pub use error::GpuError;

use context::EnvBackend;
use pipeline::Pipeline;
use plan::PLANE_FLOATS;

/// An image's signature, and its cropped probe and side probes when they were asked for.
type Hashed = (Signature, Option<(Signature, Vec<SideProbe>)>);

/// Which path the caller wants (the CLI's `--gpu auto|on|off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendRequest {
    /// A hardware GPU if there is one, else the CPU; `LOOKALIKE_BACKEND` may force either.
    #[default]
    Auto,
    /// A GPU adapter (software ones included), or [`GpuError::NoAdapter`].
    Gpu,
    /// The CPU path, always.
    Cpu,
}

/// How far [`Hasher::planes`] takes the images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// R, G, B planes in `[0, 1]` after the resample ([`lookalike_core::downscale`]).
    Rgb,
    /// Y, I, Q planes ([`lookalike_core::planes_to_yiq`]), Y then equalized
    /// ([`lookalike_core::equalize`]).
    Yiq,
    /// The Haar coefficients ([`lookalike_core::decompose_planes`]).
    Coefficients,
}

/// Where the time of [`Hasher::hash_profiled`] went, summed over the chunks of the batch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Packing the span tables and copying pixels to the GPU, until the copy completed.
    pub upload: Duration,
    /// The dispatches (resample, YIQ, Haar rows, Haar columns), until they completed.
    pub compute: Duration,
    /// `compute` kernel by kernel, in [`Timings::KERNELS`] order (each kernel submitted and
    /// waited for by itself).
    pub kernels: [Duration; 5],
    /// Copying the coefficients to a staging buffer, mapping it and copying them out.
    pub readback: Duration,
    /// Selecting the top coefficients on the CPU (all cores).
    pub select: Duration,
    /// Bytes uploaded (pixels, span tables, image table).
    pub upload_bytes: u64,
    /// Bytes read back (four planes of 128 × 128 `f32` per image: Y, I, Q, Y before
    /// equalization).
    pub readback_bytes: u64,
    /// Compute dispatches recorded.
    pub dispatches: usize,
    /// Queue submissions (two plus one per kernel per chunk when profiling, one per chunk
    /// otherwise).
    pub submissions: usize,
}

impl Timings {
    /// The names of the kernels that [`Timings::kernels`] times, in order.
    pub const KERNELS: [&'static str; 5] =
        ["resample", "yiq", "equalize", "haar rows", "haar columns"];
}

enum Path {
    Cpu,
    Gpu(Box<Pipeline>),
}

/// Computes signatures for batches of images, on the GPU or the CPU (see the crate docs).
pub struct Hasher {
    path: Path,
    description: String,
    software: bool,
    adapter: Option<String>,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("description", &self.description)
            .finish()
    }
}

impl Hasher {
    /// Picks the path. `Auto` never fails (it falls back to the CPU and says why in
    /// [`description`](Hasher::description)); `Gpu` fails with [`GpuError::NoAdapter`] when
    /// there is no adapter; `Cpu` always succeeds.
    ///
    /// `LOOKALIKE_BACKEND` (`cpu`, `vulkan`, `gl`, `metal`, `dx12`) steers `Auto`; with `Gpu` a
    /// backend name restricts the search and `cpu` is ignored, since the caller asked for a GPU.
    pub fn new(request: BackendRequest) -> Result<Hasher, GpuError> {
        match request {
            BackendRequest::Cpu => Ok(Hasher::cpu("requested")),
            BackendRequest::Gpu => {
                let (backends, why) = match context::env_backend()? {
                    EnvBackend::Gpu(backends, name) => {
                        (backends, format!(", {BACKEND_ENV}={name}"))
                    }
                    EnvBackend::Unset | EnvBackend::Cpu => (all_backends(), String::new()),
                };
                let adapter = context::find_adapter(backends).map_err(|_| {
                    GpuError::NoAdapter(if why.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", why.trim_start_matches(", "))
                    })
                })?;
                let software = if context::is_software(&adapter.get_info()) {
                    ", a software adapter"
                } else {
                    ""
                };
                Hasher::gpu(&adapter, &format!("requested{software}{why}"))
            }
            BackendRequest::Auto => Ok(Hasher::auto()),
        }
    }

    fn auto() -> Hasher {
        match context::env_backend() {
            Err(e) => Hasher::cpu(&e.to_string()),
            Ok(EnvBackend::Cpu) => Hasher::cpu(&format!("{BACKEND_ENV}=cpu")),
            Ok(EnvBackend::Gpu(backends, name)) => match context::find_adapter(backends) {
                Ok(adapter) => Hasher::gpu(&adapter, &format!("forced by {BACKEND_ENV}={name}"))
                    .unwrap_or_else(|e| Hasher::cpu(&e.to_string())),
                Err(_) => Hasher::cpu(&format!("no GPU adapter found for {BACKEND_ENV}={name}")),
            },
            Ok(EnvBackend::Unset) => match context::find_adapter(all_backends()) {
                Err(_) => Hasher::cpu("no GPU adapter found"),
                Ok(adapter) if context::is_software(&adapter.get_info()) => Hasher::cpu(&format!(
                    "the only GPU adapter, {}, is a software one and slower than the CPU \
                     (set {BACKEND_ENV}=vulkan to use it anyway)",
                    context::adapter_name(&adapter.get_info())
                )),
                Ok(adapter) => Hasher::gpu(&adapter, "the best adapter found")
                    .unwrap_or_else(|e| Hasher::cpu(&e.to_string())),
            },
        }
    }

    fn cpu(reason: &str) -> Hasher {
        Hasher {
            path: Path::Cpu,
            description: format!("CPU ({} threads): {reason}", rayon::current_num_threads()),
            software: false,
            adapter: None,
        }
    }

    fn gpu(adapter: &wgpu::Adapter, why: &str) -> Result<Hasher, GpuError> {
        let context = context::open(adapter)?;
        let pipeline = Pipeline::new(context.device, context.queue)?;
        Ok(Hasher {
            path: Path::Gpu(Box::new(pipeline)),
            description: format!("GPU: {}, {why}", context::adapter_name(&context.info)),
            software: context::is_software(&context.info),
            adapter: Some(context::adapter_name(&context.info)),
        })
    }

    /// One line saying which path is used and why, e.g. "GPU: NVIDIA GeForce RTX 4070 (Vulkan),
    /// the best adapter found" or "CPU (2 threads): no GPU adapter found".
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Whether the GPU path is used.
    pub fn is_gpu(&self) -> bool {
        matches!(self.path, Path::Gpu(_))
    }

    /// The adapter's name and backend, e.g. "NVIDIA H100 80GB HBM3 (Vulkan)" (`None` on the
    /// CPU path).
    pub fn adapter_name(&self) -> Option<&str> {
        self.adapter.as_deref()
    }

    /// Whether the GPU path runs on a software adapter (lavapipe, llvmpipe, WARP): one that
    /// computes on the same CPU cores as the CPU path.
    pub fn is_software(&self) -> bool {
        self.software
    }

    /// Signatures (the default `m`, 60) for a batch of images of any sizes, in input order, equal to
    /// [`Signature::compute`] of each.
    ///
    /// On the GPU path an image too large for one storage binding (128 MiB of pixels with the
    /// default limits) is hashed on the CPU.
    pub fn hash(&self, images: &[Pixels<'_>]) -> Result<Vec<Signature>, GpuError> {
        let hashed = self.hash_inner(images, None, false)?;
        Ok(hashed.into_iter().map(|(signature, _)| signature).collect())
    }

    /// [`hash`](Hasher::hash) with each image's cropped probe and side probes, equal to
    /// [`Signature::compute_sided`] of each: made on the host from the same coefficients.
    pub fn hash_probed(
        &self,
        images: &[Pixels<'_>],
    ) -> Result<Vec<(Signature, Signature, Vec<SideProbe>)>, GpuError> {
        let hashed = self.hash_inner(images, None, true)?;
        Ok(hashed
            .into_iter()
            .map(|(signature, probes)| {
                let (probe, sides) = probes.expect("asked for");
                (signature, probe, sides)
            })
            .collect())
    }

    /// [`hash`](Hasher::hash) with the phases of every chunk run one after the other and timed
    /// (for the benchmark). Without the overlap of consecutive chunks it takes longer than
    /// `hash`; on the CPU path all the time is `select`.
    pub fn hash_profiled(
        &self,
        images: &[Pixels<'_>],
    ) -> Result<(Vec<Signature>, Timings), GpuError> {
        let mut timings = Timings::default();
        let hashed = self.hash_inner(images, Some(&mut timings), false)?;
        let signatures = hashed.into_iter().map(|(signature, _)| signature).collect();
        Ok((signatures, timings))
    }

    /// Each image's signature, and its probe when `probed`.
    fn hash_inner(
        &self,
        images: &[Pixels<'_>],
        profile: Option<&mut Timings>,
        probed: bool,
    ) -> Result<Vec<Hashed>, GpuError> {
        let hash_here = |image: &Pixels<'_>| -> Hashed {
            if probed {
                let (signature, probe, sides) = Signature::compute_sided(image);
                (signature, Some((probe, sides)))
            } else {
                (Signature::compute(image), None)
            }
        };
        let pipeline = match &self.path {
            Path::Cpu => {
                let started = std::time::Instant::now();
                let out = images.par_iter().map(hash_here).collect();
                if let Some(t) = profile {
                    t.select += started.elapsed();
                }
                return Ok(out);
            }
            Path::Gpu(pipeline) => pipeline,
        };
        let (chunks, on_cpu) = plan::plan(images, pipeline.max_binding);
        let mut out: Vec<Option<Hashed>> = vec![None; images.len()];
        for i in on_cpu {
            out[i] = Some(hash_here(&images[i]));
        }
        pipeline.run(
            images,
            &chunks,
            Stage::Coefficients,
            profile,
            |chunk, data| {
                let signatures: Vec<Result<Hashed, lookalike_core::Error>> = chunk
                    .contents
                    .par_iter()
                    .zip(data.par_chunks_exact(PLANE_FLOATS))
                    .map(|(content, planes)| {
                        let (yiq, luminance) = planes.split_at(3 * AREA);
                        let planes = Planes::from_vec(yiq.to_vec())?;
                        // The region and caption bands the span tables were made of.
                        let aspect = content.region.aspect_ratio();
                        let m = DEFAULT_COEFFICIENTS;
                        let signature =
                            Signature::from_coefficients(&planes, luminance, m, aspect)?
                                .with_band(content.bands != [0, 0]);
                        let probes = probed
                            .then(|| {
                                lookalike_core::probes(&planes, luminance, m, aspect, &signature)
                            })
                            .transpose()?;
                        Ok((signature, probes))
                    })
                    .collect();
                for (&i, signature) in chunk.indices.iter().zip(signatures) {
                    out[i] = Some(signature?);
                }
                Ok(())
            },
        )?;
        Ok(out.into_iter().flatten().collect())
    }

    /// The planes of every image after `stage` (a diagnostic for tests: it reads back the
    /// GPU's intermediate results, or computes the CPU's).
    pub fn planes(&self, images: &[Pixels<'_>], stage: Stage) -> Result<Vec<Planes>, GpuError> {
        let pipeline = match &self.path {
            Path::Cpu => return Ok(images.par_iter().map(|p| cpu_planes(p, stage)).collect()),
            Path::Gpu(pipeline) => pipeline,
        };
        let (chunks, on_cpu) = plan::plan(images, pipeline.max_binding);
        let mut out: Vec<Option<Planes>> = vec![None; images.len()];
        for i in on_cpu {
            out[i] = Some(cpu_planes(&images[i], stage));
        }
        pipeline.run(images, &chunks, stage, None, |chunk, data| {
            for (&i, planes) in chunk.indices.iter().zip(data.chunks_exact(PLANE_FLOATS)) {
                out[i] = Some(Planes::from_vec(planes[..3 * AREA].to_vec())?);
            }
            Ok(())
        })?;
        Ok(out.into_iter().flatten().collect())
    }
}

/// The CPU twin of [`Hasher::planes`].
pub fn cpu_planes(pixels: &Pixels<'_>, stage: Stage) -> Planes {
    let mut planes = Planes::zeroed();
    let content = lookalike_core::content(pixels);
    lookalike_core::downscale_content(pixels, content, &mut planes);
    if stage != Stage::Rgb {
        lookalike_core::planes_to_yiq(&mut planes);
        lookalike_core::equalize(planes.channel_mut(0));
    }
    if stage == Stage::Coefficients {
        lookalike_core::decompose_planes(&mut planes);
    }
    planes
}

fn all_backends() -> wgpu::Backends {
    wgpu::Backends::PRIMARY | wgpu::Backends::SECONDARY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hasher_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Hasher>();
        shareable::<GpuError>();
    }

    #[test]
    fn the_cpu_path_says_so_and_equals_core() {
        let hasher = Hasher::new(BackendRequest::Cpu).unwrap();
        assert!(!hasher.is_gpu());
        assert!(
            hasher.description().starts_with("CPU (")
                && hasher.description().ends_with("requested"),
            "{}",
            hasher.description()
        );
        let data: Vec<u8> = (0..97u32 * 61 * 4).map(|i| (i * 37 % 251) as u8).collect();
        let image = Pixels::new(97, 61, lookalike_core::PixelLayout::Rgba8, &data).unwrap();
        assert_eq!(
            hasher.hash(&[image, image]).unwrap(),
            vec![Signature::compute(&image); 2]
        );
        let (signatures, timings) = hasher.hash_profiled(&[image]).unwrap();
        assert_eq!(signatures, vec![Signature::compute(&image)]);
        assert_eq!(timings.upload_bytes, 0);
    }
}
