//! The GPU pipeline: bind group layout, the five compute pipelines and two sets of buffers,
//! all created once per [`Hasher`](crate::Hasher) and reused for every batch.
//!
//! A batch is cut into chunks ([`crate::plan`]) of at most
//! [`MAX_CHUNK_IMAGES`](crate::plan::MAX_CHUNK_IMAGES) images and about
//! [`CHUNK_PIXEL_BYTES`](crate::plan::CHUNK_PIXEL_BYTES) of pixels (the downlevel default
//! limits allow 128 MiB per storage binding and 256 MiB per buffer, so big batches must be
//! split anyway). Each chunk is one
//! submission: upload (pixels, span tables, image table, parameters), five dispatches
//! (downscale, yiq, equalize, haar rows, haar columns) and one copy of the coefficients to a staging
//! buffer. Two slots of buffers alternate (double buffering): while the GPU works on chunk
//! `i − 1`, the host reads back chunk `i − 2`, uploads and submits chunk `i`, and then selects
//! the top coefficients of chunk `i − 2` on all cores.

use std::borrow::Cow;
use std::num::NonZeroU64;
use std::sync::{Mutex, mpsc};
use std::time::Instant;

use lookalike_core::Pixels;

use crate::params::{AREA, ImageInfo, LINES, N, Params, TILE, WORKGROUP_SIZE};
use crate::plan::{Chunk, PLANE_BYTES, PLANES_PER_IMAGE, grid, pack};
use crate::{GpuError, Stage, Timings, shaders};

/// Validation and out-of-memory error scopes around a piece of GPU work.
struct Scopes {
    out_of_memory: wgpu::ErrorScopeGuard,
    validation: wgpu::ErrorScopeGuard,
}

impl Scopes {
    fn push(device: &wgpu::Device) -> Scopes {
        let out_of_memory = device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = device.push_error_scope(wgpu::ErrorFilter::Validation);
        Scopes {
            out_of_memory,
            validation,
        }
    }

    fn pop(self, context: &'static str) -> Result<(), GpuError> {
        let validation = pollster::block_on(self.validation.pop());
        let out_of_memory = pollster::block_on(self.out_of_memory.pop());
        match validation.or(out_of_memory) {
            Some(source) => Err(GpuError::Validation { context, source }),
            None => Ok(()),
        }
    }
}

/// One set of buffers. Grown (never shrunk) when a chunk needs more room; the bind group is
/// rebuilt only then.
struct Slot {
    /// 0 or 1, for labels.
    index: usize,
    params: wgpu::Buffer,
    images: wgpu::Buffer,
    spans: wgpu::Buffer,
    pixels: wgpu::Buffer,
    planes: wgpu::Buffer,
    staging: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
}

fn buffer(
    device: &wgpu::Device,
    label: &str,
    size: u64,
    usage: wgpu::BufferUsages,
) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage,
        mapped_at_creation: false,
    })
}

/// A capacity for `need` bytes: the next power of two, at least 64 KiB, at most `max`.
fn capacity(need: u64, max: u64) -> u64 {
    need.max(64 << 10).next_power_of_two().min(max).max(need)
}

/// One dispatch of a chunk: the kernel's pipeline and its workgroup grid.
type Dispatch<'a> = (&'a wgpu::ComputePipeline, (u32, u32, u32));

/// A chunk that was submitted and whose coefficients are being mapped.
struct InFlight {
    chunk: usize,
    submission: wgpu::SubmissionIndex,
    mapped: mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>,
    bytes: u64,
}

/// Pipelines, layouts and buffers, created once.
pub(crate) struct Pipeline {
    device: wgpu::Device,
    queue: wgpu::Queue,
    layout: wgpu::BindGroupLayout,
    downscale: wgpu::ComputePipeline,
    yiq: wgpu::ComputePipeline,
    equalize: wgpu::ComputePipeline,
    rows: wgpu::ComputePipeline,
    columns: wgpu::ComputePipeline,
    slots: Mutex<Vec<Slot>>,
    /// The largest storage binding (and buffer) this device allows.
    pub max_binding: u64,
}

impl Pipeline {
    pub(crate) fn new(device: wgpu::Device, queue: wgpu::Queue) -> Result<Pipeline, GpuError> {
        let scopes = Scopes::push(&device);
        let entry = |binding: u32, ty: wgpu::BufferBindingType| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        let read = wgpu::BufferBindingType::Storage { read_only: true };
        // See shaders/README.md for the binding table.
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("lookalike bindings"),
            entries: &[
                entry(0, wgpu::BufferBindingType::Uniform),
                entry(1, read),
                entry(2, read),
                entry(3, read),
                entry(4, wgpu::BufferBindingType::Storage { read_only: false }),
            ],
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("lookalike pipeline layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let module = |name: &str, source: &'static str| {
            device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(name),
                source: wgpu::ShaderSource::Wgsl(Cow::Borrowed(source)),
            })
        };
        let downscale_module = module("downscale.wgsl", shaders::DOWNSCALE);
        let yiq_module = module("yiq.wgsl", shaders::YIQ);
        let equalize_module = module("equalize.wgsl", shaders::EQUALIZE);
        let haar_module = module("haar.wgsl", shaders::HAAR);
        let pipeline = |label: &str, module: &wgpu::ShaderModule, entry_point: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                module,
                entry_point: Some(entry_point),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let downscale = pipeline("downscale", &downscale_module, "downscale");
        let yiq = pipeline("yiq", &yiq_module, "yiq");
        let equalize = pipeline("equalize", &equalize_module, "equalize");
        let rows = pipeline("haar rows", &haar_module, "rows");
        let columns = pipeline("haar columns", &haar_module, "columns");
        let limits = device.limits();
        let max_binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        scopes.pop("creating the pipelines")?;
        let mut pipeline = Pipeline {
            device,
            queue,
            layout,
            downscale,
            yiq,
            equalize,
            rows,
            columns,
            slots: Mutex::new(Vec::new()),
            max_binding,
        };
        let slots = (0..2)
            .map(|i| pipeline.new_slot(i, 1, 1, 1, 1))
            .collect::<Result<Vec<_>, _>>()?;
        pipeline.slots = Mutex::new(slots);
        Ok(pipeline)
    }

    /// Buffers for `images` images, `span_words` words of span tables, `pixel_bytes` of
    /// pixels and `planes` images of planes.
    fn new_slot(
        &self,
        index: usize,
        images: u64,
        span_words: u64,
        pixel_bytes: u64,
        planes: u64,
    ) -> Result<Slot, GpuError> {
        use wgpu::BufferUsages as U;
        let scopes = Scopes::push(&self.device);
        let d = &self.device;
        let max = self.max_binding;
        let name = |what: &str| format!("lookalike slot {index} {what}");
        let params = buffer(
            d,
            &name("params"),
            size_of::<Params>() as u64,
            U::UNIFORM | U::COPY_DST,
        );
        let images = buffer(
            d,
            &name("images"),
            capacity(images * size_of::<ImageInfo>() as u64, max),
            U::STORAGE | U::COPY_DST,
        );
        let spans = buffer(
            d,
            &name("spans"),
            capacity(span_words * 4, max),
            U::STORAGE | U::COPY_DST,
        );
        let pixels = buffer(
            d,
            &name("pixels"),
            capacity(pixel_bytes, max),
            U::STORAGE | U::COPY_DST,
        );
        let plane_bytes = capacity(planes * PLANE_BYTES, max);
        let planes = buffer(d, &name("planes"), plane_bytes, U::STORAGE | U::COPY_SRC);
        let staging = buffer(d, &name("staging"), plane_bytes, U::MAP_READ | U::COPY_DST);
        let bind_group = d.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(&name("bind group")),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: images.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: spans.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: pixels.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: planes.as_entire_binding(),
                },
            ],
        });
        scopes.pop("creating buffers")?;
        Ok(Slot {
            index,
            params,
            images,
            spans,
            pixels,
            planes,
            staging,
            bind_group,
        })
    }

    /// Grows slot `index` if `chunk` does not fit.
    fn fit(&self, slot: &mut Slot, chunk: &Chunk) -> Result<(), GpuError> {
        let n = chunk.indices.len() as u64;
        let fits = slot.images.size() >= n * size_of::<ImageInfo>() as u64
            && slot.spans.size() >= chunk.span_words * 4
            && slot.pixels.size() >= chunk.pixel_bytes
            && slot.planes.size() >= n * PLANE_BYTES;
        if !fits {
            let grown = |have: u64, need: u64| have.max(need);
            *slot = self.new_slot(
                slot.index,
                grown(slot.images.size() / size_of::<ImageInfo>() as u64, n),
                grown(slot.spans.size() / 4, chunk.span_words),
                grown(slot.pixels.size(), chunk.pixel_bytes),
                grown(slot.planes.size() / PLANE_BYTES, n),
            )?;
        }
        Ok(())
    }

    /// Uploads chunk `c`, records its dispatches and the copy to the staging buffer, submits,
    /// and starts mapping. With `profile`, waits after every phase and adds the times.
    fn submit(
        &self,
        slot: &mut Slot,
        images: &[Pixels<'_>],
        chunks: &[Chunk],
        c: usize,
        stage: Stage,
        mut profile: Option<&mut Timings>,
    ) -> Result<InFlight, GpuError> {
        let chunk = &chunks[c];
        let n = chunk.indices.len() as u32;
        let started = Instant::now();
        self.fit(slot, chunk)?;
        let (infos, table) = pack(images, chunk);
        let scopes = Scopes::push(&self.device);
        self.queue
            .write_buffer(&slot.params, 0, bytemuck::bytes_of(&Params::new(n)));
        self.queue
            .write_buffer(&slot.images, 0, bytemuck::cast_slice(&infos));
        self.queue
            .write_buffer(&slot.spans, 0, bytemuck::cast_slice(&table));
        let pixel_bytes = infos
            .last()
            .map(|last| {
                u64::from(last.pixel_offset) * 4
                    + (images[*chunk.indices.last().unwrap_or(&0)].data().len() as u64)
                        .next_multiple_of(4)
            })
            .unwrap_or(0);
        if let Some(size) = NonZeroU64::new(pixel_bytes) {
            // One staging copy for the whole chunk, straight from the callers' buffers.
            if let Some(mut view) = self.queue.write_buffer_with(&slot.pixels, 0, size) {
                for (info, &i) in infos.iter().zip(&chunk.indices) {
                    let data = images[i].data();
                    let at = info.pixel_offset as usize * 4;
                    view.slice(at..at + data.len()).copy_from_slice(data);
                }
            }
        }
        if let Some(t) = profile.as_deref_mut() {
            let index = self.queue.submit([]);
            self.wait(index)?;
            t.upload += started.elapsed();
            t.upload_bytes += pixel_bytes + table.len() as u64 * 4 + infos.len() as u64 * 32;
        }

        // The kernels up to `stage`, in order: which pipeline, and its dispatch grid.
        let mut kernels: Vec<Dispatch<'_>> = vec![(&self.downscale, (N / TILE, N / TILE, n))];
        if stage != Stage::Rgb {
            let (x, y) = grid(n * AREA / WORKGROUP_SIZE);
            kernels.push((&self.yiq, (x, y, 1)));
            let (x, y) = grid(n);
            kernels.push((&self.equalize, (x, y, 1)));
        }
        if stage == Stage::Coefficients {
            let (x, y) = grid(n * PLANES_PER_IMAGE as u32 * N / LINES);
            kernels.push((&self.rows, (x, y, 1)));
            kernels.push((&self.columns, (x, y, 1)));
        }
        let record = |encoder: &mut wgpu::CommandEncoder, kernels: &[Dispatch<'_>]| {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("lookalike chunk"),
                timestamp_writes: None,
            });
            pass.set_bind_group(0, &slot.bind_group, &[]);
            for &(pipeline, (x, y, z)) in kernels {
                pass.set_pipeline(pipeline);
                pass.dispatch_workgroups(x, y, z);
            }
        };
        let new_encoder = |label| {
            self.device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
        };
        let mut encoder = if let Some(t) = profile {
            // One submission per kernel, each waited for, so that each kernel's time is known.
            for (k, kernel) in kernels.iter().enumerate() {
                let computing = Instant::now();
                let mut encoder = new_encoder("lookalike kernel");
                record(&mut encoder, std::slice::from_ref(kernel));
                let index = self.queue.submit([encoder.finish()]);
                self.wait(index)?;
                let elapsed = computing.elapsed();
                t.compute += elapsed;
                t.kernels[k] += elapsed;
            }
            t.dispatches += kernels.len();
            t.submissions += kernels.len();
            new_encoder("lookalike read-back")
        } else {
            let mut encoder = new_encoder("lookalike chunk");
            record(&mut encoder, &kernels);
            encoder
        };
        let bytes = u64::from(n) * PLANE_BYTES;
        encoder.copy_buffer_to_buffer(&slot.planes, 0, &slot.staging, 0, bytes);
        let submission = self.queue.submit([encoder.finish()]);
        let (sender, mapped) = mpsc::channel();
        slot.staging
            .slice(..bytes)
            .map_async(wgpu::MapMode::Read, move |result| {
                // The receiver is gone only if hashing was abandoned after an error.
                let _ = sender.send(result);
            });
        scopes.pop("hashing a chunk")?;
        Ok(InFlight {
            chunk: c,
            submission,
            mapped,
            bytes,
        })
    }

    fn wait(&self, index: wgpu::SubmissionIndex) -> Result<(), GpuError> {
        self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(index),
            timeout: None,
        })?;
        Ok(())
    }

    /// Waits for a chunk's coefficients and copies them out of the staging buffer.
    fn finish(&self, slot: &Slot, flight: InFlight, out: &mut Vec<f32>) -> Result<(), GpuError> {
        self.wait(flight.submission)?;
        let mapped = match flight.mapped.try_recv() {
            Ok(result) => result,
            Err(_) => {
                self.device.poll(wgpu::PollType::wait_indefinitely())?;
                flight
                    .mapped
                    .recv()
                    .map_err(|_| GpuError::BufferMap(wgpu::BufferAsyncError))?
            }
        };
        mapped?;
        let floats = flight.bytes as usize / 4;
        out.clear();
        out.resize(floats, 0.0);
        {
            let slice = slot.staging.slice(..flight.bytes);
            let view = slice
                .get_mapped_range()
                .map_err(|_| GpuError::BufferMap(wgpu::BufferAsyncError))?;
            bytemuck::cast_slice_mut::<f32, u8>(out).copy_from_slice(&view);
        }
        slot.staging.unmap();
        Ok(())
    }

    /// Runs every chunk through the kernels up to `stage` and hands each chunk's planes
    /// (`PLANE_FLOATS` per image, in chunk order) to `process`, chunk after chunk in order.
    ///
    /// With `profile`, the phases of every chunk run one after the other, each waited for and
    /// timed; without it, consecutive chunks overlap (see the module docs).
    pub(crate) fn run(
        &self,
        images: &[Pixels<'_>],
        chunks: &[Chunk],
        stage: Stage,
        profile: Option<&mut Timings>,
        mut process: impl FnMut(&Chunk, &[f32]) -> Result<(), GpuError>,
    ) -> Result<(), GpuError> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let mut buffer = Vec::new();
        if let Some(t) = profile {
            for c in 0..chunks.len() {
                let flight = self.submit(&mut slots[0], images, chunks, c, stage, Some(t))?;
                let reading = Instant::now();
                self.finish(&slots[0], flight, &mut buffer)?;
                t.readback += reading.elapsed();
                t.readback_bytes += buffer.len() as u64 * 4;
                // The upload's and the read-back's (the kernels count their own).
                t.submissions += 2;
                let selecting = Instant::now();
                process(&chunks[c], &buffer)?;
                t.select += selecting.elapsed();
            }
            return Ok(());
        }
        let mut in_flight: [Option<InFlight>; 2] = [None, None];
        for c in 0..chunks.len() {
            let s = c % 2;
            // Chunk c − 2 used this slot: read it back before the slot is reused.
            let done = match in_flight[s].take() {
                Some(flight) => {
                    let chunk = flight.chunk;
                    self.finish(&slots[s], flight, &mut buffer)?;
                    Some(chunk)
                }
                None => None,
            };
            in_flight[s] = Some(self.submit(&mut slots[s], images, chunks, c, stage, None)?);
            // The GPU now has chunks c − 1 and c; select chunk c − 2 meanwhile.
            if let Some(chunk) = done {
                process(&chunks[chunk], &buffer)?;
            }
        }
        for s in [chunks.len() % 2, (chunks.len() + 1) % 2] {
            if let Some(flight) = in_flight[s].take() {
                let chunk = flight.chunk;
                self.finish(&slots[s], flight, &mut buffer)?;
                process(&chunks[chunk], &buffer)?;
            }
        }
        Ok(())
    }
}
