//! Step 1 of the method: RGB → YIQ.
//!
//! The paper (Jacobs, Finkelstein & Salesin 1995, §3.1) decomposes each of the three channels of
//! the YIQ colour space, "the one used in NTSC television", because its luminance channel Y carries
//! most of the structure and the two chroma channels I and Q can be weighted separately. The matrix
//! is the NTSC one as printed in Foley, van Dam et al., *Computer Graphics* §13.3.3.
//!
//! Inputs are in `[0, 1]`; Y stays in `[0, 1]`, I in about `[-0.6, 0.6]` and Q in `[-0.52, 0.52]`.

/// Converts one RGB triple (each in `[0, 1]`) into YIQ.
///
/// The arithmetic is written out so that every target (native, wasm, and the WGSL twin in
/// `shaders/yiq.wgsl`) evaluates the same operations in the same order.
#[inline]
pub fn rgb_to_yiq(r: f32, g: f32, b: f32) -> [f32; 3] {
    let y = 0.299 * r + 0.587 * g + 0.114 * b;
    let i = 0.596 * r - 0.274 * g - 0.322 * b;
    let q = 0.211 * r - 0.523 * g + 0.312 * b;
    [y, i, q]
}

/// Converts three planes of R, G and B (each `[0, 1]`) in place into Y, I and Q planes.
pub fn planes_to_yiq(planes: &mut crate::Planes) {
    let (r, rest) = planes.as_mut_slice().split_at_mut(crate::AREA);
    let (g, b) = rest.split_at_mut(crate::AREA);
    for ((r, g), b) in r.iter_mut().zip(g.iter_mut()).zip(b.iter_mut()) {
        let [y, i, q] = rgb_to_yiq(*r, *g, *b);
        *r = y;
        *g = i;
        *b = q;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_is_full_luminance_without_chroma() {
        let [y, i, q] = rgb_to_yiq(1.0, 1.0, 1.0);
        assert!((y - 1.0).abs() < 1e-6, "{y}");
        assert!(i.abs() < 1e-6, "{i}");
        assert!(q.abs() < 1e-6, "{q}");
    }

    #[test]
    fn primaries_match_the_ntsc_matrix() {
        assert_eq!(rgb_to_yiq(1.0, 0.0, 0.0), [0.299, 0.596, 0.211]);
        assert_eq!(rgb_to_yiq(0.0, 1.0, 0.0), [0.587, -0.274, -0.523]);
        assert_eq!(rgb_to_yiq(0.0, 0.0, 1.0), [0.114, -0.322, 0.312]);
    }

    #[test]
    fn gray_has_no_chroma() {
        for v in [0.0f32, 0.25, 0.5, 0.8] {
            let [_, i, q] = rgb_to_yiq(v, v, v);
            assert!(i.abs() < 1e-6 && q.abs() < 1e-6, "{v}: {i} {q}");
        }
    }
}
