//! Errors of the GPU path.

/// What can go wrong on the GPU path. [`BackendRequest::Auto`](crate::BackendRequest::Auto)
/// never returns an error from [`Hasher::new`](crate::Hasher::new): it falls back to the CPU.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GpuError {
    /// No GPU adapter was found (for the backends allowed by `LOOKALIKE_BACKEND`, if set).
    #[error("no GPU adapter found{0}")]
    NoAdapter(String),
    /// `LOOKALIKE_BACKEND` names no known backend.
    #[error("LOOKALIKE_BACKEND={0:?} is not one of cpu, vulkan, gl, metal, dx12")]
    UnknownBackend(String),
    /// The adapter refused to create a device.
    #[error("cannot open the GPU device: {0}")]
    RequestDevice(#[from] wgpu::RequestDeviceError),
    /// wgpu reported a validation, out-of-memory or internal error, captured with an error
    /// scope (a bug in this crate, or a driver problem).
    #[error("GPU error in {context}: {source}")]
    Validation {
        /// What was being done: "creating pipelines", "hashing a chunk", ...
        context: &'static str,
        /// wgpu's error.
        source: wgpu::Error,
    },
    /// Reading the results back failed.
    #[error("cannot read GPU results back: {0}")]
    BufferMap(#[from] wgpu::BufferAsyncError),
    /// Waiting for the GPU failed (device lost or timeout).
    #[error("waiting for the GPU failed: {0}")]
    Poll(#[from] wgpu::PollError),
    /// An image could not be hashed (reported by `lookalike-core`).
    #[error("{0}")]
    Core(#[from] lookalike_core::Error),
}
