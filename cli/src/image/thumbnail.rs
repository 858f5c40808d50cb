//! Small JPEG thumbnails for the HTML report: at most [`THUMBNAIL_SIZE`] pixels on the long
//! side, decoded by [`decode`] (so JPEGs are read at a reduced DCT scale, oriented, and within
//! the memory budget), resized, and encoded at quality 80 (about 8 kB each); and the writing of
//! the report page with them ([`write_report`]).

use anyhow::{Context, Result, anyhow};
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, RgbImage, imageops};
use lookalike_core::PixelLayout;
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::Path;

use super::decode;
use super::walk::{REVIEW_MARKER, THUMBNAILS_MARKER_TEXT as MARKER_TEXT};
use crate::messages;
use crate::report::Report;
use crate::report::escape::percent_encode;
use crate::report::html::{self, Thumbnails};

/// The long side of a thumbnail, in pixels.
pub const THUMBNAIL_SIZE: u32 = 200;

/// The JPEG bytes of `path`'s thumbnail.
pub fn thumbnail(path: &Path) -> Result<Vec<u8>> {
    let decoded = decode::decode_file(path)?;
    let (w, h) = (decoded.width, decoded.height);
    let rgb = match decoded.layout {
        PixelLayout::Rgb8 => decoded.data,
        // Transparent pixels drawn on white, as the signature sees them: whatever colour a
        // transparent pixel hides, the thumbnail looks as the picture does.
        PixelLayout::Rgba8 => decoded
            .data
            .chunks_exact(4)
            .flat_map(|p| [0, 1, 2].map(|c| lookalike_core::composite_on_white(p[c], p[3])))
            .collect(),
    };
    let image = RgbImage::from_raw(w, h, rgb)
        .map(DynamicImage::ImageRgb8)
        .ok_or_else(|| anyhow!("unexpected pixel layout"))?;
    let scale = f64::from(THUMBNAIL_SIZE) / f64::from(w.max(h).max(1));
    let (tw, th) = if scale < 1.0 {
        (
            ((f64::from(w) * scale).round() as u32).max(1),
            ((f64::from(h) * scale).round() as u32).max(1),
        )
    } else {
        (w, h)
    };
    let small = imageops::thumbnail(&image.to_rgb8(), tw, th);
    let mut out = Vec::with_capacity(16 << 10);
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small)
        .context("cannot encode the thumbnail")?;
    Ok(out)
}

/// A 200 × 150 thumbnail of coloured noise, about as large as a photo's, for the report
/// benchmark (`lookalike bench-report`).
pub fn sample(seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let image = RgbImage::from_fn(200, 150, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let noise = (state & 31) as u8;
        image::Rgb([
            (x as u8).wrapping_add(noise).wrapping_add(seed as u8),
            (y as u8).wrapping_add(noise),
            ((x + y) as u8 / 2).wrapping_add(noise),
        ])
    });
    let mut out = Vec::new();
    let _ = JpegEncoder::new_with_quality(&mut out, 80).encode_image(&image);
    out
}

/// Refuses to write the report `page` when the folder its thumbnails go in
/// ([`html::files_dir`], `report_files` for `report.html`) holds files that no report wrote:
/// a web page saved by a browser keeps its files in a folder named the same way, and a
/// thumbnail would replace a file of the same name (`0.jpg`). A missing or empty folder, or a
/// report's (its marker says so), is fine.
pub fn check_thumbnails_folder(page: &Path) -> Result<()> {
    let dir = html::files_dir(page);
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "{}, where the thumbnails of the report {} go, is a file: choose another name for \
             the report",
            messages::shown(&dir),
            messages::shown(page)
        );
    }
    let ours = std::fs::read_to_string(dir.join(REVIEW_MARKER)).is_ok_and(|t| t == MARKER_TEXT);
    let holds_files = std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some());
    if holds_files && !ours {
        anyhow::bail!(
            "{} already holds files that no lookalike report wrote; the thumbnails of the report \
             {} go there and could replace some of them: choose another name for the report, \
             or move that folder",
            messages::shown(&dir),
            messages::shown(page)
        );
    }
    Ok(())
}

/// Refuses `review` (`--review-dir`, absolute) as the folder of the report `page`'s thumbnails:
/// the review's marker would make it no report's, and the report would be refused after the
/// whole scan.
pub fn check_review_is_not_thumbnails(review: &Path, page: &Path) -> Result<()> {
    if std::path::absolute(html::files_dir(page))? == review {
        anyhow::bail!(
            "--review-dir {} is where the thumbnails of the report {} go: choose another folder \
             for one of them",
            messages::shown(review),
            messages::shown(page)
        );
    }
    Ok(())
}

/// The folder of the report `page`'s thumbnails ([`html::files_dir`]), checked
/// ([`check_thumbnails_folder`]), made and marked.
pub fn thumbnails_folder(page: &Path) -> Result<std::path::PathBuf> {
    check_thumbnails_folder(page)?;
    let dir = html::files_dir(page);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // The thumbnails are small JPEG copies of the library: a later scan of a folder that holds
    // the page (`cd ~/Pictures && lookalike scan . --html report.html`) must leave them out.
    let marker = dir.join(REVIEW_MARKER);
    std::fs::write(&marker, MARKER_TEXT)
        .with_context(|| format!("cannot write {}", marker.display()))?;
    Ok(dir)
}

/// The thumbnails (`N.jpg`) that the report page at `page`, if there is one, shows from its
/// folder, named in it as `folder` (percent-encoded) then `/N.jpg`.
fn shown_thumbnails(page: &Path, folder: &str) -> HashSet<String> {
    let Ok(html) = std::fs::read_to_string(page) else {
        return HashSet::new();
    };
    let prefix = format!("{folder}/");
    html.match_indices(&prefix)
        .filter_map(|(at, _)| {
            let rest = &html[at + prefix.len()..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0 && rest[digits..].starts_with(".jpg"))
                .then(|| format!("{}.jpg", &rest[..digits]))
        })
        .collect()
}

/// Writes the HTML report `page` and its thumbnails (in [`html::files_dir`] beside it, made on
/// all cores). A file whose thumbnail cannot be made is shown without one, with a warning. The
/// thumbnails the page there showed before that this one does not are removed (small copies
/// of pictures that may be gone since); only those, and the folder must be a report's
/// ([`check_thumbnails_folder`]), so no file that a report did not write is touched.
pub fn write_report(report: &Report, page: &Path, title: &str) -> Result<()> {
    let dir = thumbnails_folder(page)?;
    let folder = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let shown_before = shown_thumbnails(page, &percent_encode(Path::new(&folder)));
    let jobs: Vec<(usize, usize, &Path)> = report
        .groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| {
            group
                .members
                .iter()
                .enumerate()
                .map(move |(i, m)| (g, i, m.path.as_path()))
        })
        .collect();
    let made: Vec<Option<String>> = jobs
        .par_iter()
        .enumerate()
        .map(|(n, &(_, _, path))| {
            let name = format!("{n}.jpg");
            let done = thumbnail(path).and_then(|bytes| {
                std::fs::write(dir.join(&name), bytes)
                    .with_context(|| format!("cannot write {}", dir.join(&name).display()))
            });
            match done {
                Ok(()) => Some(format!("{}/{name}", percent_encode(Path::new(&folder)))),
                Err(e) => {
                    messages::warning(format!("{}: no thumbnail: {e:#}", messages::shown(path)));
                    None
                }
            }
        })
        .collect();
    let mut thumbnails: Thumbnails = report
        .groups
        .iter()
        .map(|g| vec![None; g.members.len()])
        .collect();
    let written: HashSet<String> = made
        .iter()
        .enumerate()
        .filter(|(_, src)| src.is_some())
        .map(|(n, _)| format!("{n}.jpg"))
        .collect();
    for (&(g, i, _), src) in jobs.iter().zip(made) {
        thumbnails[g][i] = src;
    }
    std::fs::write(page, html::render(report, title, &thumbnails))
        .with_context(|| format!("cannot write the report {}", page.display()))?;
    for name in shown_before.difference(&written) {
        let old = dir.join(name);
        match std::fs::remove_file(&old) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => messages::warning(format!(
                "cannot remove the old thumbnail {}: {e}",
                messages::shown(&old)
            )),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transparent_pixels_are_drawn_on_white_whatever_colour_they_hide() {
        // One picture with transparent margins, whose hidden colour is black in one file and
        // white in the other: they look the same, so their thumbnails must too.
        let dir = tempfile::tempdir().unwrap();
        let paths: Vec<_> = [[0, 0, 0, 0], [255, 255, 255, 0]]
            .iter()
            .enumerate()
            .map(|(n, &hidden)| {
                let img = image::RgbaImage::from_fn(300, 200, |x, y| {
                    if (40..260).contains(&x) && (40..160).contains(&y) {
                        image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
                    } else {
                        image::Rgba(hidden)
                    }
                });
                let path = dir.path().join(format!("{n}.png"));
                img.save(&path).unwrap();
                path
            })
            .collect();
        let decode = |p: &Path| {
            image::load_from_memory(&thumbnail(p).unwrap())
                .unwrap()
                .to_rgb8()
        };
        let (a, b) = (decode(&paths[0]), decode(&paths[1]));
        assert_eq!(a.dimensions(), (200, 133));
        // A margin pixel is white (JPEG keeps it within a few levels) in both.
        for t in [&a, &b] {
            assert!(
                t.get_pixel(3, 3).0.iter().all(|&v| v > 240),
                "{:?}",
                t.get_pixel(3, 3)
            );
        }
    }
}
