//! `lookalike-core` finds images that look alike, with the method of *Fast Multiresolution Image
//! Querying* (Jacobs, Finkelstein & Salesin, SIGGRAPH 1995), the method behind imgSeek,
//! rivo/duplo and duplo-rs.
//!
//! The method in five lines:
//! 1. cut uniform borders (letterbox, pillarbox, frames: [`content_region`]) and scale the rest
//!    to 128 × 128 by an exact area average ([`downscale_region`]);
//! 2. convert to YIQ ([`planes_to_yiq`]), equalize the luminance ([`equalize`]: text or a logo
//!    over a hazy picture must not outweigh it) and apply the standard 2-D Haar decomposition to
//!    each channel ([`decompose`]);
//! 3. keep the average colour and the sign and position of the `m` largest coefficients per
//!    channel: the [`Signature`], about 270 bytes;
//! 4. score two signatures with the paper's bin [`Weights`] ([`compare`], which also tries the
//!    query mirrored and turned, [`Orientation`]), and turn the score into a similarity from 0
//!    to 100 that a user's [`Sensitivity`] thresholds;
//! 5. find the best matches among many through an inverted [`Index`], and chain the screenshot
//!    matches of videos into clips ([`find_sequences`]).
//!
//! Pictures also get a cropped probe, the signature of their middle 94 %
//! ([`Signature::compute_probed`]), so that a copy cropped by a few per cent is found:
//! [`compare_probed`] and [`ProbedIndex`] compare a picture whole and through the probes, as
//! the command line and the page do ([`Sensitivity::default`] is chosen for that comparison;
//! [`Sensitivity::PLAIN_DEFAULT`] for signatures compared whole only).
//!
//! Matching pairs are then joined into groups with one file to keep ([`group`], [`keep_order`]),
//! the same for the command line and the web page.
//!
//! ```
//! use lookalike_core::{
//!     Orientation, PixelLayout, Pixels, ProbedIndex, QueryScratch, Sensitivity, Signature,
//!     Weights, compare, compare_probed,
//! };
//!
//! // A small scene, and a copy resized to half by averaging 2 × 2 blocks.
//! let (w, h) = (400u32, 300u32);
//! let scene: Vec<u8> = (0..w * h).flat_map(|i| {
//!     let (u, v) = ((i % w) as f32 / w as f32, (i / w) as f32 / h as f32);
//!     let sun = (u - 0.7) * (u - 0.7) + (v - 0.3) * (v - 0.3) < 0.02;
//!     let hill = v > 0.6 + 0.2 * (u - 0.4) * (u - 0.4);
//!     if sun { [250, 200, 40] } else if hill { [40, 140, 60] } else { [90, 150, 230] }
//! }).collect();
//! let half: Vec<u8> = (0..(w / 2) * (h / 2) * 3).map(|i| {
//!     let (p, c) = (i / 3, i % 3);
//!     let (x, y) = (2 * (p % (w / 2)), 2 * (p / (w / 2)));
//!     let at = |x: u32, y: u32| u32::from(scene[((y * w + x) * 3 + c) as usize]);
//!     ((at(x, y) + at(x + 1, y) + at(x, y + 1) + at(x + 1, y + 1) + 2) / 4) as u8
//! }).collect();
//! let a = Signature::compute_probed(&Pixels::new(w, h, PixelLayout::Rgb8, &scene)?);
//! let b = Signature::compute_probed(&Pixels::new(w / 2, h / 2, PixelLayout::Rgb8, &half)?);
//!
//! // Whole with whole, the paper's comparison; then as the command line compares.
//! let pair = compare(&a.0, &b.0, Weights::Scanned);
//! assert!(Sensitivity::new(100)?.accepts(&pair), "a resized copy matches even at 100: {pair:?}");
//! let probed = compare_probed((&a.0, &a.1), (&b.0, &b.1), Weights::Scanned, Orientation::DEFAULT);
//! assert!(probed.similarity >= pair.similarity);
//!
//! let mut index = ProbedIndex::new(Weights::Scanned);
//! let id = index.insert(&a.0, &a.1);
//! let min = Sensitivity::default().min_similarity();
//! let hits = index.query_with(&mut QueryScratch::new(), &b.0, &b.1, min, 10);
//! assert_eq!(hits[0].id, id);
//! # Ok::<(), lookalike_core::Error>(())
//! ```
//!
//! # Determinism
//! Everything is computed in `f32` with `+ − × ÷` and `abs` only (no `libm`), and the resample
//! sums in integers, so native and wasm builds produce bit-identical signatures for the same
//! pixels. Coefficient selection breaks ties by position.
//!
//! # Features
//! This crate has no features: it is always `#![no_std]` and needs only `alloc`.

#![no_std]
#![warn(missing_docs)]

extern crate alloc;

mod border;
mod color;
mod equalize;
mod error;
mod group;
mod haar;
mod index;
mod jpeg;
mod orientation;
mod pairs;
mod planes;
mod probe;
mod probed;
mod resize;
mod score;
mod select;
mod sequence;
mod side;
pub mod signature;
mod tone;
mod weights;

pub use border::{
    CAPTION_FAR, CAPTION_RUNS, CAPTION_SHARE, CAPTION_STEADY, CAPTION_TEXT, CAPTION_TEXT_LINES,
    Content, MAX_SHARE, Region, TOLERANCE, content, content_region,
};
pub use color::{planes_to_yiq, rgb_to_yiq};
pub use equalize::{
    BINS as EQUALIZE_BINS, BOTH_FROM as EQUALIZE_BOTH_FROM, BOTH_TO as EQUALIZE_BOTH_TO,
    CLIP as EQUALIZE_CLIP, OUTER_PERMILLE as EQUALIZE_OUTER_PERMILLE,
    PLAIN_FROM as EQUALIZE_PLAIN_FROM, PLAIN_TO as EQUALIZE_PLAIN_TO,
    PULL_FROM as EQUALIZE_PULL_FROM, PULL_STEPS as EQUALIZE_PULL_STEPS,
    PULL_TO as EQUALIZE_PULL_TO, RANGE_SHARE as EQUALIZE_RANGE_SHARE, VIGNETTE_BOWL_LEAST,
    VIGNETTE_BOWL_MEAN, VIGNETTE_BOWL_MOST, VIGNETTE_GAINS, VIGNETTE_LEVEL_LOG, VIGNETTE_LOG,
    equalize, undoes_vignette,
};
pub use error::Error;
pub use group::{
    BARRED_SHORTFALL, Candidate, DEFAULT_KEEP, KeepRule, content_pixels, group, group_by,
    keep_order, keep_order_by,
};
pub use haar::{decompose, decompose_planes, reconstruct};
pub use index::{Hit, Index, IndexBuilder, QueryScratch};
pub use jpeg::{
    JPEG_MIN_SIDE, exif_tiff_orientation, jpeg_exif_orientation, jpeg_scale_denominator,
};
pub use orientation::Orientation;
pub use pairs::{AllPairs, Pair, PairScratch, PairStats, all_pairs};
pub use planes::Planes;
pub use probe::{PROBE_SHARE, Window};
pub use probed::{
    PROBE_PENALTY, ProbedIndex, ProbedIndexBuilder, compare_probed, compare_sided, raise_with_sides,
};
pub use resize::{
    PixelLayout, Pixels, Span, composite_on_white, downscale, downscale_content, downscale_into,
    downscale_region, spans,
};
pub use score::{
    BANDED_CAP, Comparison, Framing, Sensitivity, compare, compare_in, compare_upright, look_label,
};
pub use sequence::{FrameHit, SequenceMatch, SequenceOptions, find_sequences};
pub use side::{
    BETWEEN_CUT, BOTH_WAYS_MARGIN, CENTRED_CUT, CORNER_CUT, SIDE_CUTS, SIDE_PENALTY, SIDE_PROBES,
    SMALL_CUT, SideProbe, ZOOM_CUT, compare_sides, inner_windows, probes, side_probes,
};
pub use signature::{CHROMA_NOISE_FLOOR, FAINT_FLOOR, STRUCTURE_FLOOR, Signature};
pub use weights::{Weights, bin};

/// The side of the square every image is scaled to (the paper's 128).
pub const SIZE: usize = 128;

/// Values per plane: 128 × 128.
pub const AREA: usize = SIZE * SIZE;

/// The longest side accepted (2²⁴ pixels), so that exact integer sums cannot overflow.
pub const MAX_SIDE: u32 = 1 << 24;

/// Coefficients kept per channel by default: 60, the top of the range the paper found best for
/// scanned queries (40 to 60, §5; rivo/duplo keeps 40). Chosen on the accuracy harness (issue
/// 17, README "Sensitivity"): against 40, a fifth as many false pairs between different
/// photographs at the default, and more copies found, for an index half as large again.
pub const DEFAULT_COEFFICIENTS: u8 = 60;

/// The most coefficients per channel a signature can keep.
pub const MAX_COEFFICIENTS: usize = 60;
