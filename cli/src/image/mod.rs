//! The image side: finding image files ([`walk`]), decoding them ([`decode`], with [`exif`]
//! orientation, the process-wide memory [`budget`], and HEIC/AVIF through libheif in [`heif`]), computing their
//! signatures on the CPU or GPU ([`hashing`]), the in-memory index of every stored image
//! ([`library`]), the review folder of `scan --review-dir` ([`review`]), the report's thumbnails
//! ([`thumbnail`]) and the trash and review folder of `apply` ([`trash`]).

pub mod budget;
pub mod decode;
pub mod exif;
pub mod hashing;
pub mod heif;
#[cfg(feature = "gpu")]
pub mod helper;
#[cfg(not(feature = "system-libjpeg-turbo"))]
mod jpeg_damage;
pub mod library;
pub mod path_ids;
pub mod review;
pub mod snapshot;
pub mod thumbnail;
pub mod trash;
pub mod walk;
