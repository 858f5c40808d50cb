//! What the command line and the page share about JPEG files, so that both decode the same way:
//! the reduced DCT scale chosen for a size, and the EXIF orientation read from the file's bytes.
//! (The decoding itself is theirs: libjpeg's decoder natively; in wasm the page's own decoder,
//! which repeats libjpeg's arithmetic for baseline JPEGs at 1/8, or `jpeg-decoder`.)

/// The smallest side a reduced-scale JPEG decode may have, so that the 128 × 128 resample
/// still averages areas.
pub const JPEG_MIN_SIDE: usize = 256;

/// The DCT scale denominator for a `width` × `height` JPEG: the largest of 8, 4, 2 that keeps
/// both sides at least [`JPEG_MIN_SIDE`], or 1 for smaller images.
pub fn jpeg_scale_denominator(width: usize, height: usize) -> usize {
    [8, 4, 2]
        .into_iter()
        .find(|&d| width.div_ceil(d) >= JPEG_MIN_SIDE && height.div_ceil(d) >= JPEG_MIN_SIDE)
        .unwrap_or(1)
}

/// The EXIF orientation (1–8) of a JPEG: IFD0's tag 0x0112 in the APP1 `Exif` segment. `None`
/// if absent, out of range or unreadable (then the image is taken as it is stored).
pub fn jpeg_exif_orientation(jpeg: &[u8]) -> Option<u8> {
    let mut at = 2;
    while at + 4 <= jpeg.len() {
        if jpeg[at] != 0xFF {
            return None;
        }
        let marker = jpeg[at + 1];
        if marker == 0xDA || marker == 0xD9 {
            return None; // start of scan: no more metadata
        }
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        let segment = jpeg.get(at + 4..at + 2 + len)?;
        if marker == 0xE1 && segment.starts_with(b"Exif\0\0") {
            return exif_tiff_orientation(&segment[6..]);
        }
        at += 2 + len;
    }
    None
}

/// The orientation tag (0x0112) of IFD0 in EXIF data that starts at its TIFF header; `None` if
/// absent, out of range or unreadable.
pub fn exif_tiff_orientation(tiff: &[u8]) -> Option<u8> {
    let little = match tiff.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd)?);
    (0..entries.min(512))
        .map(|i| ifd + 2 + 12 * i)
        .find(|&entry| u16_at(entry) == Some(0x0112))
        .and_then(|entry| u16_at(entry + 8))
        .and_then(|v| u8::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_keeps_both_sides_at_least_256() {
        assert_eq!(jpeg_scale_denominator(4000, 3000), 8);
        assert_eq!(jpeg_scale_denominator(3000, 4000), 8);
        assert_eq!(jpeg_scale_denominator(2000, 1500), 4);
        assert_eq!(jpeg_scale_denominator(4000, 300), 1);
        assert_eq!(jpeg_scale_denominator(600, 520), 2);
        assert_eq!(jpeg_scale_denominator(100, 100), 1);
    }

    #[test]
    fn exif_orientation_in_either_byte_order() {
        // TIFF header, IFD0 at 8 with one entry: tag 0x0112, type SHORT, count 1, value 6.
        let le = [
            b'I', b'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,
        ];
        assert_eq!(exif_tiff_orientation(&le), Some(6));
        let be = [
            b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0,
        ];
        assert_eq!(exif_tiff_orientation(&be), Some(8));
        assert_eq!(exif_tiff_orientation(&le[..12]), None);
        assert_eq!(exif_tiff_orientation(b"nothing"), None);
        // The same TIFF inside a JPEG's APP1 segment.
        let mut jpeg = [0xFF, 0xD8, 0xFF, 0xE1].to_vec();
        jpeg.extend_from_slice(&u16::try_from(2 + 6 + le.len()).unwrap().to_be_bytes());
        jpeg.extend_from_slice(b"Exif\0\0");
        jpeg.extend_from_slice(&le);
        jpeg.extend_from_slice(&[0xFF, 0xDA, 0, 2]);
        assert_eq!(jpeg_exif_orientation(&jpeg), Some(6));
        assert_eq!(jpeg_exif_orientation(&jpeg[..10]), None);
    }
}
