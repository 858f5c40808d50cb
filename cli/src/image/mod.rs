//! The image side: finding image files ([`walk`]), decoding them ([`decode`], with [`exif`]
//! orientation and the process-wide memory [`budget`]), computing their
//! signatures on the CPU or GPU ([`hashing`]), the in-memory index of every stored image
//! ([`library`]), and the review folder of `scan --review-dir` ([`review`]).

pub mod budget;
pub mod decode;
pub mod exif;
pub mod hashing;
pub mod library;
pub mod review;
pub mod walk;
