//! `Grouping`: the command line's groups and keep rule for the page (lookalike-core's
//! `group`, with `content_pixels` when the page has a file's signature).

use lookalike_core::{Candidate, group};
use wasm_bindgen::prelude::*;

/// Files and the matching pairs between them, grouped as the command line groups them: the
/// connected components of the pairs, each with its file to keep first (more pixels, then the
/// older file, then the larger one, then the shorter name; see [`lookalike_core::keep_order`]).
#[wasm_bindgen]
#[derive(Debug, Default)]
pub struct Grouping {
    /// Per file: pixels, bytes, modification time (ns), name.
    files: Vec<(u64, u64, i64, String)>,
    links: Vec<(u32, u32)>,
}

#[wasm_bindgen]
impl Grouping {
    /// No files yet.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Grouping {
        Grouping::default()
    }

    /// Adds a file (`File.size`, `File.lastModified` in milliseconds, its name or relative
    /// path, and its signature's bytes when it has one) and returns its index for
    /// [`Grouping::link`]. With the signature, the keep rule counts the pixels inside the
    /// borders the signature left out (`lookalike_core::content_pixels`), as the command line
    /// does: a pillarboxed copy is not kept over its original for its bars.
    #[wasm_bindgen(js_name = addFile)]
    pub fn add_file(
        &mut self,
        width: u32,
        height: u32,
        bytes: f64,
        last_modified_ms: f64,
        name: &str,
        signature: Option<Vec<u8>>,
    ) -> u32 {
        // `as` saturates (and maps NaN to 0), so odd values from the page cannot panic.
        let modified_ns = (last_modified_ms * 1e6) as i64;
        let aspect = signature
            .and_then(|b| crate::probed_from_bytes(&b).ok())
            .map(|(signature, _probe, _sides)| signature)
            .map(|s| s.aspect_ratio());
        self.files.push((
            match aspect {
                Some(a) => lookalike_core::content_pixels(width, height, a),
                None => u64::from(width) * u64::from(height),
            },
            bytes as u64,
            modified_ns,
            name.to_owned(),
        ));
        (self.files.len() - 1) as u32
    }

    /// Records that files `a` and `b` match (indices from [`Grouping::add_file`]; others are
    /// ignored).
    pub fn link(&mut self, a: u32, b: u32) {
        self.links.push((a, b));
    }

    /// The groups, flattened: for each group its size `n`, then its `n` file indices with the
    /// file to keep first. Groups are ordered by their keepers' names.
    pub fn groups(&self) -> Vec<u32> {
        let candidates: Vec<Candidate<'_>> = self
            .files
            .iter()
            .map(|(pixels, bytes, modified_ns, name)| Candidate {
                pixels: *pixels,
                bytes: *bytes,
                modified_ns: *modified_ns,
                path: name.as_bytes(),
            })
            .collect();
        let mut out = Vec::new();
        for members in group(&candidates, &self.links) {
            out.push(members.len() as u32);
            out.extend(members);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash_bytes;
    use lookalike_core::PixelLayout;

    #[test]
    fn grouping_keeps_the_better_original_whatever_the_names() {
        let mut g = Grouping::new();
        let copy = g.add_file(100, 100, 5000.0, 2000.0, "album/copy_photo.jpg", None);
        let original = g.add_file(100, 100, 5000.0, 2000.0, "album/photo.jpg", None);
        let small = g.add_file(50, 50, 9000.0, 1000.0, "a-small.png", None);
        let alone = g.add_file(500, 500, 1.0, 1.0, "alone.png", None);
        let (x, y) = (
            g.add_file(10, 10, 1.0, 1.0, "x.png", None),
            g.add_file(10, 10, 1.0, 5.0, "y.png", None),
        );
        g.link(copy, small);
        g.link(original, copy);
        g.link(y, x);
        g.link(alone, 1000);
        assert_eq!(g.groups(), [3, original, copy, small, 2, x, y]);
    }

    #[test]
    fn grouping_counts_the_pixels_inside_added_bars() {
        // A photo and a copy of it with grey bars beside it: more pixels in all, and newer.
        let photo: Vec<u8> = (0..200u32 * 120)
            .flat_map(|i| {
                let (x, y) = (i % 200, i / 200);
                [
                    (x * 3 % 256) as u8,
                    ((x * y) % 200) as u8,
                    (y * 5 % 256) as u8,
                ]
            })
            .collect();
        let mut boxed = Vec::new();
        for row in photo.chunks(200 * 3) {
            boxed.extend_from_slice(&[128; 40 * 3]);
            boxed.extend_from_slice(row);
            boxed.extend_from_slice(&[128; 40 * 3]);
        }
        let a = hash_bytes(200, 120, PixelLayout::Rgb8, &photo).unwrap();
        let b = hash_bytes(280, 120, PixelLayout::Rgb8, &boxed).unwrap();
        let mut g = Grouping::new();
        let original = g.add_file(200, 120, 9000.0, 1000.0, "photo.jpg", Some(a));
        let pillarboxed = g.add_file(280, 120, 9000.0, 2000.0, "boxed.jpg", Some(b.clone()));
        g.link(original, pillarboxed);
        assert_eq!(g.groups(), [2, original, pillarboxed]);
        // Without signatures the bars count, as before.
        let mut g = Grouping::new();
        let original = g.add_file(200, 120, 9000.0, 1000.0, "photo.jpg", None);
        let pillarboxed = g.add_file(280, 120, 9000.0, 2000.0, "boxed.jpg", None);
        g.link(original, pillarboxed);
        assert_eq!(g.groups(), [2, pillarboxed, original]);
    }
}
