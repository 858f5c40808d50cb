//! Thumbnails for the page: decoded pixels shrunk by area averaging, so that a worker encodes a
//! small image instead of drawing the decoded one through a canvas at full size.

/// The size of a thumbnail of a `width` × `height` image whose longer side is at most `side`
/// pixels (the image's own size when it is smaller), each side at least 1.
pub fn fit(width: usize, height: usize, side: usize) -> (usize, usize) {
    let longer = width.max(height).max(1);
    if longer <= side {
        return (width.max(1), height.max(1));
    }
    let scale = |v: usize| ((v * side + longer / 2) / longer).max(1);
    (scale(width), scale(height))
}

/// `rgba` (`width` × `height`, RGBA rows) shrunk to `to_width` × `to_height` (each at most the
/// source's, at least 1): each output pixel is the mean of the source pixels its area covers.
/// `None` if the sizes do not fit the data.
pub fn shrink(
    width: usize,
    height: usize,
    rgba: &[u8],
    to_width: usize,
    to_height: usize,
) -> Option<Vec<u8>> {
    if rgba.len() != width.checked_mul(height)?.checked_mul(4)?
        || !(1..=width).contains(&to_width)
        || !(1..=height).contains(&to_height)
    {
        return None;
    }
    // Source columns [xs[i], xs[i + 1]) make output column i; rows likewise.
    let xs: Vec<usize> = (0..=to_width).map(|i| i * width / to_width).collect();
    let ys: Vec<usize> = (0..=to_height).map(|j| j * height / to_height).collect();
    let mut out = Vec::with_capacity(to_width * to_height * 4);
    let mut sums = vec![0u32; to_width * 4];
    for j in 0..to_height {
        sums.fill(0);
        for row in rgba[ys[j] * width * 4..ys[j + 1] * width * 4].chunks_exact(width * 4) {
            for (i, sum) in sums.chunks_exact_mut(4).enumerate() {
                for pixel in row[xs[i] * 4..xs[i + 1] * 4].chunks_exact(4) {
                    for c in 0..4 {
                        sum[c] += u32::from(pixel[c]);
                    }
                }
            }
        }
        let rows = (ys[j + 1] - ys[j]) as u32;
        for (i, sum) in sums.chunks_exact(4).enumerate() {
            let area = rows * (xs[i + 1] - xs[i]) as u32;
            out.extend(sum.iter().map(|&s| ((s + area / 2) / area) as u8));
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn averages_areas_and_refuses_wrong_sizes() {
        // 4 × 2: left half 0, right half 200 → 2 × 1.
        let rgba: Vec<u8> = (0..8)
            .flat_map(|i| {
                let v = if i % 4 < 2 { 0 } else { 200 };
                [v, v, v, 255]
            })
            .collect();
        assert_eq!(
            shrink(4, 2, &rgba, 2, 1).unwrap(),
            [0, 0, 0, 255, 200, 200, 200, 255]
        );
        assert_eq!(shrink(4, 2, &rgba, 4, 2).unwrap(), rgba);
        assert!(shrink(4, 2, &rgba, 5, 1).is_none());
        assert!(shrink(4, 2, &rgba[1..], 2, 1).is_none());
    }

    #[test]
    fn fit_keeps_the_shape_within_the_side() {
        assert_eq!(fit(500, 375, 192), (192, 144));
        assert_eq!(fit(375, 500, 192), (144, 192));
        assert_eq!(fit(100, 50, 192), (100, 50));
        assert_eq!(fit(5000, 10, 192), (192, 1));
    }
}
