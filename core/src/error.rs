//! The one error type of `lookalike-core`.

use core::fmt;

/// Everything that can go wrong in `lookalike-core`. Each variant describes the input that was
/// refused; nothing in this crate panics on data a user supplies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The image has a zero width or height.
    EmptyImage,
    /// A side is longer than [`MAX_SIDE`](crate::MAX_SIDE) pixels.
    ImageTooLarge {
        /// The width given.
        width: u32,
        /// The height given.
        height: u32,
    },
    /// The pixel buffer's length does not match `width × height × bytes per pixel`.
    PixelCount {
        /// The length that the dimensions call for.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// A coefficient plane does not hold exactly 128 × 128 values.
    PlaneSize {
        /// 128 × 128.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// The number of coefficients kept per channel is outside `1..=MAX_COEFFICIENTS`.
    CoefficientCount(u8),
    /// The bytes do not start with the signature magic `LKSG`.
    BadMagic,
    /// The signature was written by a format version this build does not read.
    UnsupportedSignatureVersion(u8),
    /// The signature bytes have the wrong length for their header.
    SignatureLength {
        /// The length the header calls for.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// A field of an encoded signature is out of range (named by the string).
    InvalidSignature(&'static str),
    /// A sensitivity above 100.
    Sensitivity(u8),
    /// More signatures than `u32` ids can number (all pairs).
    TooManySignatures(usize),
    /// The index bytes were written by a format version this build does not read.
    UnsupportedIndexVersion(u8),
    /// Encoded index bytes are damaged or inconsistent (the string names what).
    InvalidIndex(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyImage => write!(f, "the image has no pixels (zero width or height)"),
            Error::ImageTooLarge { width, height } => write!(
                f,
                "the image is {width}×{height}; sides longer than {} pixels are not supported",
                crate::MAX_SIDE
            ),
            Error::PixelCount { expected, got } => write!(
                f,
                "the pixel buffer holds {got} bytes, but the dimensions call for {expected}"
            ),
            Error::PlaneSize { expected, got } => {
                write!(
                    f,
                    "a coefficient plane holds {got} values instead of {expected}"
                )
            }
            Error::CoefficientCount(m) => write!(
                f,
                "{m} coefficients per channel requested; allowed is 1 to {}",
                crate::MAX_COEFFICIENTS
            ),
            Error::BadMagic => write!(f, "not a lookalike signature (bad magic bytes)"),
            Error::UnsupportedSignatureVersion(v) => write!(
                f,
                "signature format version {v} is not supported (this build reads version {})",
                crate::signature::FORMAT_VERSION
            ),
            Error::SignatureLength { expected, got } => write!(
                f,
                "signature is {got} bytes long, but its header calls for {expected}"
            ),
            Error::InvalidSignature(what) => write!(f, "invalid signature: {what}"),
            Error::Sensitivity(v) => write!(f, "sensitivity {v} is out of range (0 to 100)"),
            Error::TooManySignatures(n) => {
                write!(f, "{n} signatures; at most {} can be paired", u32::MAX - 1)
            }
            Error::UnsupportedIndexVersion(v) => write!(
                f,
                "index format version {v} is not supported (this build reads version {})",
                crate::Index::FORMAT_VERSION
            ),
            Error::InvalidIndex(what) => write!(f, "invalid index bytes: {what}"),
        }
    }
}

impl core::error::Error for Error {}
