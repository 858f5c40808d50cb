//! Three 128 × 128 planes of `f32`, the working data of every step after the resample.

use alloc::vec;
use alloc::vec::Vec;

use crate::{AREA, Error, SIZE};

/// Three 128 × 128 planes, stored channel after channel, each row-major: value `(row, col)` of
/// channel `c` is at `c * 128 * 128 + row * 128 + col`.
///
/// Depending on the step they hold R, G, B in `[0, 1]` ([`downscale`](crate::downscale)), Y, I, Q
/// ([`planes_to_yiq`](crate::planes_to_yiq)) or Haar coefficients
/// ([`decompose_planes`](crate::decompose_planes)), where index 0 of each channel is the
/// average colour.
#[derive(Clone, PartialEq)]
pub struct Planes {
    data: Vec<f32>,
}

impl Planes {
    /// Three planes of zeros.
    pub fn zeroed() -> Self {
        Planes {
            data: vec![0.0; 3 * AREA],
        }
    }

    /// Wraps `3 × 128 × 128` values laid out as described on [`Planes`] (the layout the GPU
    /// reads back).
    pub fn from_vec(data: Vec<f32>) -> Result<Self, Error> {
        if data.len() != 3 * AREA {
            return Err(Error::PlaneSize {
                expected: 3 * AREA,
                got: data.len(),
            });
        }
        Ok(Planes { data })
    }

    /// One channel, `128 × 128` values, row-major.
    pub fn channel(&self, c: usize) -> &[f32] {
        &self.data[c * AREA..(c + 1) * AREA]
    }

    /// One channel, mutable.
    pub fn channel_mut(&mut self, c: usize) -> &mut [f32] {
        &mut self.data[c * AREA..(c + 1) * AREA]
    }

    /// The value at `(row, col)` of channel `c`.
    pub fn get(&self, c: usize, row: usize, col: usize) -> f32 {
        self.data[c * AREA + row * SIZE + col]
    }

    /// All three channels, one after the other.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// All three channels, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.data
    }

    /// Gives the storage back.
    pub fn into_vec(self) -> Vec<f32> {
        self.data
    }
}

impl core::fmt::Debug for Planes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Planes(3 × {SIZE} × {SIZE}, average colour {:?})",
            [self.data[0], self.data[AREA], self.data[2 * AREA]]
        )
    }
}
