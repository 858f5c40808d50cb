//! The `#[repr(C)]` structs shared with WGSL, and the constants mirrored there.
//!
//! Keep in sync with `shaders/common.wgsl` (`Params`, `ImageInfo`, `N`, `WORKGROUP_SIZE`, `TILE`,
//! `LINES`). The unit tests in [`shaders`](crate::shaders) check both structs field by field
//! against naga's layout of the WGSL.

use bytemuck::{Pod, Zeroable};

/// The side of the square every image is scaled to (`N` in WGSL).
pub const N: u32 = lookalike_core::SIZE as u32;

/// Values per plane (`AREA` in WGSL).
pub const AREA: u32 = N * N;

/// Threads per workgroup of the one-dimensional kernels (`WORKGROUP_SIZE` in WGSL).
pub const WORKGROUP_SIZE: u32 = 64;

/// The downscale kernel's workgroup is `TILE × TILE` output pixels (`TILE` in WGSL).
pub const TILE: u32 = 16;

/// Lines of 128 values per Haar workgroup (`LINES` in WGSL).
pub const LINES: u32 = 4;

/// Per-chunk parameters, bound as a uniform at `@group(0) @binding(0)`.
///
/// Keep in sync with `shaders/common.wgsl::Params`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Params {
    /// Images in this chunk.
    pub image_count: u32,
    /// Always 0: hides products from the shader compiler so that it cannot fuse them into FMAs
    /// (see `shaders/yiq.wgsl`).
    pub zero: u32,
    /// Padding.
    pub _pad0: u32,
    /// Padding.
    pub _pad1: u32,
    /// The RGB → YIQ matrix, one row per output channel, the fourth value unused.
    pub yiq: [[f32; 4]; 3],
    /// `FRAC_1_SQRT_2` as the CPU rounds it.
    pub frac_1_sqrt_2: f32,
    /// The Haar prescale, 1/128.
    pub prescale: f32,
    /// Padding.
    pub _pad2: u32,
    /// Padding.
    pub _pad3: u32,
    /// Per equalization bin `b` (at `[b / 4][b % 4]`): the vignette's fitting logarithm in the
    /// low 16 bits, the level's own logarithm in the high 16 (`lookalike_core::VIGNETTE_LOG`,
    /// `VIGNETTE_LEVEL_LOG`; signature format 17).
    pub logs: [[u32; 4]; 256],
    /// Per column (or row) `x` (at `[x / 4][x % 4]`): `lookalike_core::VIGNETTE_GAINS`.
    pub gains: [[u32; 4]; 32],
}

impl Params {
    /// The parameters for a chunk of `image_count` images. The matrix is read off
    /// [`lookalike_core::rgb_to_yiq`] (its columns are the images of the unit vectors, exactly),
    /// so that the GPU multiplies by the very same `f32` constants as the CPU.
    pub fn new(image_count: u32) -> Params {
        let columns = [
            lookalike_core::rgb_to_yiq(1.0, 0.0, 0.0),
            lookalike_core::rgb_to_yiq(0.0, 1.0, 0.0),
            lookalike_core::rgb_to_yiq(0.0, 0.0, 1.0),
        ];
        let row = |c: usize| [columns[0][c], columns[1][c], columns[2][c], 0.0];
        Params {
            image_count,
            zero: 0,
            _pad0: 0,
            _pad1: 0,
            yiq: [row(0), row(1), row(2)],
            frac_1_sqrt_2: core::f32::consts::FRAC_1_SQRT_2,
            prescale: 1.0 / N as f32,
            _pad2: 0,
            _pad3: 0,
            logs: core::array::from_fn(|q| {
                core::array::from_fn(|k| {
                    let b = 4 * q + k;
                    u32::from(lookalike_core::VIGNETTE_LOG[b])
                        | u32::from(lookalike_core::VIGNETTE_LEVEL_LOG[b]) << 16
                })
            }),
            gains: core::array::from_fn(|q| {
                core::array::from_fn(|k| {
                    u32::try_from(lookalike_core::VIGNETTE_GAINS[4 * q + k])
                        .expect("a gain is below 2¹⁴")
                })
            }),
        }
    }
}

/// One image of a chunk, an element of the storage array at `@group(0) @binding(1)`.
///
/// Keep in sync with `shaders/common.wgsl::ImageInfo`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct ImageInfo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes per pixel, 3 or 4.
    pub bpp: u32,
    /// First word of the image in the pixel buffer.
    pub pixel_offset: u32,
    /// Start of the x span table in the span buffer.
    pub x_spans: u32,
    /// Start of the y span table in the span buffer.
    pub y_spans: u32,
    /// Low 32 bits of `width × height × 255`.
    pub den_lo: u32,
    /// High 32 bits of `width × height × 255`.
    pub den_hi: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_rows_reproduce_the_cpu_conversion() {
        let p = Params::new(1);
        for (r, g, b) in [(0.2f32, 0.5, 0.9), (1.0, 1.0, 1.0), (0.0, 0.3, 0.0)] {
            let cpu = lookalike_core::rgb_to_yiq(r, g, b);
            for (c, m) in p.yiq.iter().enumerate() {
                // Same three products, summed in the same order as the CPU (see yiq.wgsl).
                let gpu_order = (m[0] * r + m[1] * g) + m[2] * b;
                assert_eq!(gpu_order.to_bits(), cpu[c].to_bits(), "channel {c}");
            }
        }
        assert_eq!(p.prescale, 1.0 / 128.0);
    }
}
