//! The EXIF orientation of a JPEG, read straight from its APP1 segment (the fast JPEG path does
//! not go through the `image` crate, which reads it for other formats). The parsing is core's,
//! shared with the page.

use image::metadata::Orientation;

/// The EXIF orientation of a JPEG; `None` if absent or unreadable (then the image is taken as
/// it is stored).
pub fn exif_orientation(jpeg: &[u8]) -> Option<Orientation> {
    lookalike_core::jpeg_exif_orientation(jpeg).and_then(Orientation::from_exif)
}
