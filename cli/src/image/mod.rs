//! The image side: finding image files ([`walk`]), decoding them ([`decode`]), computing their
//! signatures on the CPU or GPU ([`hashing`]), the in-memory index of every stored image
//! ([`library`]), and the review folder of `scan --review-dir` ([`review`]).

pub mod decode;
pub mod hashing;
pub mod library;
pub mod review;
pub mod walk;
