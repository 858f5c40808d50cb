//! How a batch is cut into chunks for the GPU ([`plan`]), and what each chunk uploads besides its
//! pixels: the image table and the span tables of the area-average resample ([`pack`]). Pure
//! host-side arithmetic, tested without a GPU; [`crate::pipeline`] runs the chunks.

use lookalike_core::{Content, Pixels, content, spans};
use rayon::prelude::*;

use crate::params::{AREA, ImageInfo, N};

/// Images per chunk at most: 64 × 256 KiB of planes = 16 MiB per slot.
pub(crate) const MAX_CHUNK_IMAGES: usize = 64;

/// Pixel bytes per chunk aimed at (a single larger image gets a chunk of its own).
pub(crate) const CHUNK_PIXEL_BYTES: u64 = 64 << 20;

/// Planes per image on the GPU: Y (equalized), I, Q, and Y before equalization
/// (`shaders/common.wgsl`'s `PLANES_PER_IMAGE`).
pub(crate) const PLANES_PER_IMAGE: usize = 4;

/// Floats of the planes of one image.
pub(crate) const PLANE_FLOATS: usize = PLANES_PER_IMAGE * AREA as usize;

/// Bytes of the planes of one image.
pub(crate) const PLANE_BYTES: u64 = PLANE_FLOATS as u64 * 4;

/// Images that go to the GPU together, by their index in the batch.
#[derive(Debug, Clone)]
pub(crate) struct Chunk {
    pub indices: Vec<usize>,
    /// What of each of those images is hashed (`lookalike_core::content`): the span tables are
    /// made of it, and the signatures take its aspect ratio and caption bands, found once.
    pub contents: Vec<Content>,
    pub pixel_bytes: u64,
    pub span_words: u64,
}

/// Words of the two span tables of a `width × height` image, at most: per axis `N + 1` bin
/// starts and at most `len + N` spans (each of the `N − 1` inner bin borders splits at most one
/// source pixel).
fn span_words_bound(width: u32, height: u32) -> u64 {
    2 * u64::from(N + 1) + u64::from(width) + u64::from(height) + 2 * u64::from(N)
}

/// Cuts a batch into chunks; images too large for one storage binding are returned apart,
/// for the CPU.
pub(crate) fn plan(images: &[Pixels<'_>], max_binding: u64) -> (Vec<Chunk>, Vec<usize>) {
    let mut chunks = Vec::new();
    let mut on_cpu = Vec::new();
    let mut current = Chunk {
        indices: Vec::new(),
        contents: Vec::new(),
        pixel_bytes: 0,
        span_words: 0,
    };
    for (i, image) in images.iter().enumerate() {
        let bytes = (image.data().len() as u64).next_multiple_of(4);
        let words = span_words_bound(image.width(), image.height());
        if bytes > max_binding || words * 4 > max_binding {
            on_cpu.push(i);
            continue;
        }
        let fits = current.indices.len() < MAX_CHUNK_IMAGES
            && current.pixel_bytes + bytes <= CHUNK_PIXEL_BYTES.max(bytes)
            && (current.span_words + words) * 4 <= max_binding;
        if !fits && !current.indices.is_empty() {
            chunks.push(std::mem::replace(
                &mut current,
                Chunk {
                    indices: Vec::new(),
                    contents: Vec::new(),
                    pixel_bytes: 0,
                    span_words: 0,
                },
            ));
        }
        current.indices.push(i);
        current.pixel_bytes += bytes;
        current.span_words += words;
    }
    if !current.indices.is_empty() {
        chunks.push(current);
    }
    for chunk in &mut chunks {
        chunk.contents = chunk
            .indices
            .par_iter()
            .map(|&i| content(&images[i]))
            .collect();
    }
    (chunks, on_cpu)
}

/// Appends the span table of an axis of `len` pixels starting at pixel `offset`, each source
/// pixel clamped to `read` (first and last, inclusive): `N + 1` absolute bin starts, then the
/// spans of [`lookalike_core::spans`] grouped by bin, each `(source << 8) | weight`. Returns
/// where the table starts.
fn push_axis(table: &mut Vec<u32>, len: u32, offset: u32, read: (u32, u32)) -> u32 {
    let start = table.len();
    let mut list = spans(len);
    // The content region starts `offset` pixels in, and the rows of a caption band are read as
    // the picture's nearest row (lookalike_core::downscale_content shifts and clamps its spans
    // the same way); rows are still addressed with the full width.
    for s in list.iter_mut() {
        s.src = (s.src + offset).clamp(read.0, read.1);
    }
    // Stable: within a bin the spans stay in source order (the order does not change the exact
    // integer sums, but keeps the table easy to read).
    list.sort_by_key(|s| s.bin);
    let first = start + N as usize + 1;
    table.resize(first, 0);
    let mut at = 0;
    for bin in 0..=N {
        while at < list.len() && list[at].bin < bin {
            at += 1;
        }
        table[start + bin as usize] = (first + at) as u32;
    }
    table.extend(list.iter().map(|s| {
        debug_assert!(s.src < 1 << 24 && (1..=128).contains(&s.weight));
        (s.src << 8) | s.weight
    }));
    start as u32
}

/// The image table and the span tables of a chunk.
pub(crate) fn pack(images: &[Pixels<'_>], chunk: &Chunk) -> (Vec<ImageInfo>, Vec<u32>) {
    let mut infos = Vec::with_capacity(chunk.indices.len());
    let mut table = Vec::with_capacity(chunk.span_words as usize);
    let mut word = 0u64;
    for (&i, content) in chunk.indices.iter().zip(&chunk.contents) {
        let image = &images[i];
        // The same pixels as the CPU: the part inside uniform borders (issue 17).
        let region = content.region;
        let den = u64::from(region.width) * u64::from(region.height) * 255;
        let columns = (region.x, region.x + region.width - 1);
        let x_spans = push_axis(&mut table, region.width, region.x, columns);
        let y_spans = push_axis(&mut table, region.height, region.y, content.rows());
        infos.push(ImageInfo {
            width: image.width(),
            height: image.height(),
            bpp: image.layout().bytes_per_pixel() as u32,
            pixel_offset: word as u32,
            x_spans,
            y_spans,
            den_lo: den as u32,
            den_hi: (den >> 32) as u32,
        });
        word += (image.data().len() as u64).div_ceil(4);
    }
    (infos, table)
}

/// A dispatch of `groups` workgroups as a 2-D grid within the 65 535 per dimension limit.
pub(crate) fn grid(groups: u32) -> (u32, u32) {
    const MAX: u32 = 65_535;
    if groups <= MAX {
        (groups, 1)
    } else {
        (MAX, groups.div_ceil(MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lookalike_core::PixelLayout;

    #[test]
    fn span_tables_list_every_span_of_each_bin() {
        for len in [1u32, 5, 127, 128, 129, 1000, 1023] {
            let mut table = vec![7u32; 3];
            let start = push_axis(&mut table, len, 0, (0, len - 1)) as usize;
            assert_eq!(start, 3);
            let mut weights = vec![0u32; N as usize];
            for bin in 0..N as usize {
                let (a, b) = (table[start + bin] as usize, table[start + bin + 1] as usize);
                assert!(a <= b && b <= table.len(), "len {len} bin {bin}");
                for &packed in &table[a..b] {
                    let (src, weight) = (packed >> 8, packed & 0xff);
                    assert!(src < len);
                    weights[bin] += weight;
                }
            }
            // The weights of a bin add up to the source length (see lookalike_core::spans).
            assert!(weights.iter().all(|&w| w == len), "len {len}");
            assert_eq!(table[start + N as usize] as usize, table.len());
            assert!(table.len() - start <= span_words_bound(len, 0) as usize);
        }
    }

    #[test]
    fn plan_respects_the_limits_and_keeps_the_order() {
        let small = vec![0u8; 30 * 20 * 3];
        let wide = vec![0u8; 4000 * 3000 * 4];
        let mut images = vec![Pixels::new(30, 20, PixelLayout::Rgb8, &small).unwrap(); 150];
        images.insert(
            70,
            Pixels::new(4000, 3000, PixelLayout::Rgba8, &wide).unwrap(),
        );
        let (chunks, on_cpu) = plan(&images, 128 << 20);
        assert!(on_cpu.is_empty());
        let flat: Vec<usize> = chunks.iter().flat_map(|c| c.indices.clone()).collect();
        assert_eq!(flat, (0..images.len()).collect::<Vec<_>>());
        assert!(chunks.iter().all(|c| c.indices.len() <= MAX_CHUNK_IMAGES));
        // The 48 MB image does not fit beside 64 small ones' budget... but it does fit alone.
        assert!(chunks.iter().all(|c| c.pixel_bytes <= CHUNK_PIXEL_BYTES));
        // A binding limit below one image's size sends it to the CPU.
        let (_, on_cpu) = plan(&images, 1 << 20);
        assert_eq!(on_cpu, vec![70]);
    }

    #[test]
    fn grid_stays_within_the_dimension_limit() {
        assert_eq!(grid(10), (10, 1));
        assert_eq!(grid(65_535), (65_535, 1));
        assert_eq!(grid(65_536), (65_535, 2));
    }
}
