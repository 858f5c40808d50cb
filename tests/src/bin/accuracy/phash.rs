//! The comparison column: a perceptual hash from `image_hasher`, with the settings czkawka uses by
//! default (gradient hash, i.e. dHash, of 16 × 16 bits after a Lanczos3 resize).

use image::{DynamicImage, RgbImage};
use image_hasher::{FilterType, HashAlg, HasherConfig, ImageHash};

/// Bits per hash.
pub const BITS: u32 = 256;

/// One perceptual hash.
pub type Hash = ImageHash;

/// The hash of an image.
pub fn hash(img: &RgbImage) -> Hash {
    // A hasher is cheap to build; one per call keeps the threads independent.
    let hasher = HasherConfig::new()
        .hash_alg(HashAlg::Gradient)
        .hash_size(16, 16)
        .resize_filter(FilterType::Lanczos3)
        .to_hasher();
    hasher.hash_image(&DynamicImage::ImageRgb8(img.clone()))
}

/// Hamming distance, 0..=BITS.
pub fn distance(a: &Hash, b: &Hash) -> u32 {
    a.dist(b)
}
