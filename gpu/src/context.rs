//! Adapter and device acquisition, and the `LOOKALIKE_BACKEND` environment variable.

use crate::GpuError;

/// The environment variable that forces a backend (`vulkan`, `gl`, `metal`, `dx12`) or the CPU
/// (`cpu`).
pub const BACKEND_ENV: &str = "LOOKALIKE_BACKEND";

/// What `LOOKALIKE_BACKEND` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnvBackend {
    /// Not set (or empty): any adapter.
    Unset,
    /// `cpu`: the CPU path.
    Cpu,
    /// One wgpu backend, software adapters included.
    Gpu(wgpu::Backends, &'static str),
}

/// Reads `LOOKALIKE_BACKEND`.
pub(crate) fn env_backend() -> Result<EnvBackend, GpuError> {
    let Ok(raw) = std::env::var(BACKEND_ENV) else {
        return Ok(EnvBackend::Unset);
    };
    let value = raw.trim().to_ascii_lowercase();
    Ok(match value.as_str() {
        "" | "auto" => EnvBackend::Unset,
        "cpu" => EnvBackend::Cpu,
        "vulkan" => EnvBackend::Gpu(wgpu::Backends::VULKAN, "vulkan"),
        "gl" => EnvBackend::Gpu(wgpu::Backends::GL, "gl"),
        "metal" => EnvBackend::Gpu(wgpu::Backends::METAL, "metal"),
        "dx12" => EnvBackend::Gpu(wgpu::Backends::DX12, "dx12"),
        _ => return Err(GpuError::UnknownBackend(raw)),
    })
}

/// An open device and what was chosen.
pub(crate) struct Context {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub info: wgpu::AdapterInfo,
}

/// Best adapters first: discrete, integrated, virtual, other, software.
fn rank(kind: wgpu::DeviceType) -> u8 {
    match kind {
        wgpu::DeviceType::DiscreteGpu => 0,
        wgpu::DeviceType::IntegratedGpu => 1,
        wgpu::DeviceType::VirtualGpu => 2,
        wgpu::DeviceType::Other => 3,
        wgpu::DeviceType::Cpu => 4,
    }
}

/// The best adapter of `backends` that can run compute shaders, or why there is none.
pub(crate) fn find_adapter(backends: wgpu::Backends) -> Result<wgpu::Adapter, GpuError> {
    let mut descriptor = wgpu::InstanceDescriptor::new_without_display_handle();
    descriptor.backends = backends;
    let instance = wgpu::Instance::new(descriptor);
    let mut adapters: Vec<wgpu::Adapter> =
        pollster::block_on(instance.enumerate_adapters(backends))
            .into_iter()
            .filter(|a| {
                a.get_downlevel_capabilities()
                    .flags
                    .contains(wgpu::DownlevelFlags::COMPUTE_SHADERS)
            })
            .collect();
    adapters.sort_by_key(|a| rank(a.get_info().device_type));
    adapters
        .into_iter()
        .next()
        .ok_or_else(|| GpuError::NoAdapter(String::new()))
}

/// Opens a device on `adapter` with the downlevel default limits, so that whatever runs here
/// also runs on laptops, GL ES 3.1 and WebGPU.
pub(crate) fn open(adapter: &wgpu::Adapter) -> Result<Context, GpuError> {
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        label: Some("lookalike"),
        required_limits: wgpu::Limits::downlevel_defaults(),
        memory_hints: wgpu::MemoryHints::Performance,
        ..Default::default()
    }))?;
    Ok(Context {
        device,
        queue,
        info: adapter.get_info(),
    })
}

/// "llvmpipe (LLVM 19.1.7, 256 bits) (Vulkan)".
pub(crate) fn adapter_name(info: &wgpu::AdapterInfo) -> String {
    let backend = match info.backend {
        wgpu::Backend::Vulkan => "Vulkan",
        wgpu::Backend::Metal => "Metal",
        wgpu::Backend::Dx12 => "DX12",
        wgpu::Backend::Gl => "GL",
        wgpu::Backend::BrowserWebGpu => "WebGPU",
        _ => "other backend",
    };
    format!("{} ({backend})", info.name)
}

/// Whether the adapter is a software rasteriser (lavapipe, llvmpipe, WARP, SwiftShader).
pub(crate) fn is_software(info: &wgpu::AdapterInfo) -> bool {
    info.device_type == wgpu::DeviceType::Cpu
}
