//! From a video to its screenshots' signatures: which sampling method to use
//! ([`Sampling::choose`]), dark borders cropped off each screenshot ([`content_rect`]), and the
//! whole step with a progress bar ([`sample_video`]).

use std::path::Path;

use anyhow::{Result, bail};
use lookalike_core::{PixelLayout, Pixels, Signature};

use super::ffmpeg::{self, Screenshot, Tools};
use crate::args::Sampling;
use crate::progress::Progress;
use crate::store::{Shot, VideoInfo};

impl Sampling {
    /// The cheaper method for this video, by a cost model fitted to the measurements in the
    /// README. One pass decodes every second of video: `c × N` per screenshot, where `c` is
    /// the decoding time per second of video, proportional to the pixel rate. Seeking decodes
    /// from the key frame before each screenshot, half a key-frame distance `g` on average,
    /// and starts ffmpeg again: `s₀ + c × g / 2`. So seeking wins when
    /// `N > g / 2 + s₀ / c`: for 1080p at 25 fps with a key frame every 5 s from about 10 s
    /// on, for small videos only at long intervals. Key-frame-only decoding is the fastest, but
    /// its screenshots are not at the requested times, so it is never chosen by itself.
    pub fn choose(info: &VideoInfo, interval: f64) -> Sampling {
        // Measured on the 2-core reference machine: one pass over 1080p25 H.264 ran at about
        // 6× real time, and one seek cost about 0.15 s on top of its decoding.
        const PASS_SPEED_1080P25: f64 = 6.0;
        const SEEK_START: f64 = 0.15;
        let pixel_rate = f64::from(info.width) * f64::from(info.height) * info.frame_rate.max(1.0);
        let per_second = pixel_rate / (1920.0 * 1080.0 * 25.0) / PASS_SPEED_1080P25;
        // Without two key frames in the first minute, a seek may decode a minute or more.
        let gop = info.keyframe_interval.unwrap_or(info.duration.min(60.0));
        if interval > gop / 2.0 + SEEK_START / per_second.max(1e-9) {
            Sampling::Seek
        } else {
            Sampling::Pass
        }
    }
}

/// The part of a screenshot inside uniform dark borders (letterbox and pillarbox bars), as
/// `(x, y, width, height)`.
///
/// A border row or column is one whose pixels are all near black (luma ≤ [`BAR_LUMA`], allowing
/// 1 in [`BAR_OUTLIERS_DIV`] of them to be brighter, for compression noise and burned-in logos). The same
/// frame with and without bars gives the same inside, so a letterboxed copy hashes like its
/// original. Nothing is cropped when less than a quarter of either side would remain (a dark
/// scene is not a border).
pub fn content_rect(shot: &Screenshot) -> (u32, u32, u32, u32) {
    let (w, h) = (shot.width as usize, shot.height as usize);
    let luma = |x: usize, y: usize| {
        let p = &shot.rgb[(y * w + x) * 3..][..3];
        (77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2])) >> 8
    };
    let dark = |n: usize, bright: usize| bright * BAR_OUTLIERS_DIV <= n;
    let row_dark = |y: usize| dark(w, (0..w).filter(|&x| luma(x, y) > BAR_LUMA).count());
    let col_dark = |x: usize, y0: usize, y1: usize| {
        dark(y1 - y0, (y0..y1).filter(|&y| luma(x, y) > BAR_LUMA).count())
    };
    let mut top = 0;
    while top < h && row_dark(top) {
        top += 1;
    }
    let mut bottom = h;
    while bottom > top && row_dark(bottom - 1) {
        bottom -= 1;
    }
    if bottom <= top {
        return (0, 0, shot.width, shot.height);
    }
    let mut left = 0;
    while left < w && col_dark(left, top, bottom) {
        left += 1;
    }
    let mut right = w;
    while right > left && col_dark(right - 1, top, bottom) {
        right -= 1;
    }
    let (cw, ch) = (right - left, bottom - top);
    if cw * 4 < w || ch * 4 < h {
        return (0, 0, shot.width, shot.height);
    }
    (left as u32, top as u32, cw as u32, ch as u32)
}

/// Luma (0–255) up to which a pixel counts as black for [`content_rect`].
pub const BAR_LUMA: u32 = 40;

/// At most 1 in this many pixels of a border line may be brighter than [`BAR_LUMA`].
const BAR_OUTLIERS_DIV: usize = 50;

/// The signature of a screenshot, with its dark borders cropped off when `crop` is set.
pub fn signature(shot: &Screenshot, crop: bool) -> Result<Signature> {
    let (x, y, w, h) = if crop {
        content_rect(shot)
    } else {
        (0, 0, shot.width, shot.height)
    };
    let pixels: std::borrow::Cow<'_, [u8]> = if (w, h) == (shot.width, shot.height) {
        std::borrow::Cow::Borrowed(&shot.rgb)
    } else {
        let stride = shot.width as usize * 3;
        let mut out = Vec::with_capacity(w as usize * h as usize * 3);
        for row in y..y + h {
            let start = row as usize * stride + x as usize * 3;
            out.extend_from_slice(&shot.rgb[start..start + w as usize * 3]);
        }
        std::borrow::Cow::Owned(out)
    };
    Ok(Signature::compute(&Pixels::new(
        w,
        h,
        PixelLayout::Rgb8,
        &pixels,
    )?))
}

/// A video's screenshots: one per interval (those stored), and, when it was sampled with more
/// than one phase, the screenshots taken between them, phase by phase.
#[derive(Debug, Default)]
pub struct Sampled {
    /// At `k × interval`: what the database keeps.
    pub shots: Vec<Shot>,
    /// Phase `j` (1 ≤ j < phases): at `k × interval + j × interval / phases`, numbered `k`,
    /// each phase a sequence one interval apart like [`Sampled::shots`]. Compared, not stored.
    pub between: Vec<Vec<Shot>>,
}

impl Sampled {
    /// Every phase, the stored one first, each with the seconds its screenshots come after
    /// the stored ones of the same number.
    pub fn phases(&self, interval: f64) -> impl Iterator<Item = (&[Shot], f64)> {
        let n = self.between.len() + 1;
        std::iter::once(self.shots.as_slice())
            .chain(self.between.iter().map(Vec::as_slice))
            .enumerate()
            .map(move |(j, shots)| (shots, j as f64 * interval / n as f64))
    }
}

/// Samples one video into signatures, with a progress bar over its duration: `phases`
/// screenshots per interval ([`Sampled`]; 1 takes the stored ones only).
pub fn sample_video(
    tools: &Tools,
    path: &Path,
    info: &VideoInfo,
    (interval, phases): (f64, u32),
    method: Sampling,
    crop: bool,
    progress: &Progress,
) -> Result<Sampled> {
    let phases = phases.max(1);
    let bar = progress.bar(info.duration.ceil() as u64, &short_name(path), "s");
    let mut sampled = Sampled {
        shots: Vec::new(),
        between: vec![Vec::new(); phases as usize - 1],
    };
    let mut failure = None;
    let step_ms = interval * 1000.0 / f64::from(phases);
    // The stored screenshot of an interval is its first frame (as with one phase), even when the
    // window of its first phase holds none: then the next frame in the interval stands for both.
    let mut stored_up_to: Option<u32> = None;
    let taken = ffmpeg::sample(
        tools,
        path,
        info,
        (interval, phases),
        method,
        &mut |shot| match signature(&shot, crop) {
            Ok(signature) => {
                let (k, j) = (shot.index / phases, shot.index % phases);
                let shot = Shot {
                    index: k,
                    time_ms: (f64::from(shot.index) * step_ms).round() as u32,
                    signature,
                };
                if stored_up_to.is_none_or(|last| last < k) {
                    stored_up_to = Some(k);
                    sampled.shots.push(Shot {
                        time_ms: (f64::from(k) * interval * 1000.0).round() as u32,
                        signature: shot.signature,
                        index: k,
                    });
                }
                if j > 0 {
                    sampled.between[j as usize - 1].push(shot);
                }
            }
            Err(e) => failure = Some(e),
        },
        &mut |seconds| bar.set_position(seconds as u64),
    );
    bar.finish_and_clear();
    taken?;
    if let Some(e) = failure {
        return Err(e);
    }
    if sampled.shots.is_empty() {
        bail!("no frame could be decoded");
    }
    Ok(sampled)
}

fn short_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy());
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    if name.chars().count() > 24 {
        let tail: String = name.chars().skip(name.chars().count() - 23).collect();
        format!("…{tail}")
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shot(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Screenshot {
        Screenshot {
            index: 0,
            width: w,
            height: h,
            rgb: (0..h)
                .flat_map(|y| (0..w).map(move |x| (x, y)))
                .flat_map(|(x, y)| f(x, y))
                .collect(),
        }
    }

    /// Sampled with five phases, a video's stored screenshots are those one phase gives, frame
    /// for frame, with every method; with key frames every 3 s the first phase's 2-second window
    /// of most intervals holds no frame, and the interval's first one stands in.
    #[test]
    fn phases_store_the_screenshots_one_phase_stores() {
        let Ok(tools) = Tools::find() else {
            assert!(
                std::env::var("LOOKALIKE_REQUIRE_FFMPEG")
                    .map_or(true, |v| v.is_empty() || v == "0"),
                "LOOKALIKE_REQUIRE_FFMPEG is set, but ffmpeg or ffprobe does not run"
            );
            eprintln!("skipped: no ffmpeg/ffprobe on PATH (apt-get install ffmpeg)");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let video = dir.path().join("v.mp4");
        let made = std::process::Command::new("ffmpeg")
            .args(["-loglevel", "error", "-f", "lavfi", "-i"])
            .arg("testsrc2=size=160x120:rate=5")
            .args([
                "-t", "41", "-c:v", "libx264", "-g", "15", "-pix_fmt", "yuv420p",
            ])
            .arg(&video)
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "ffmpeg could not make the test video");
        let info = ffmpeg::probe(&tools, &video).unwrap();
        let progress = Progress::new();
        for method in [Sampling::Pass, Sampling::Seek, Sampling::Keyframes] {
            let one =
                sample_video(&tools, &video, &info, (10.0, 1), method, true, &progress).unwrap();
            let five =
                sample_video(&tools, &video, &info, (10.0, 5), method, true, &progress).unwrap();
            let key = |s: &Sampled| {
                s.shots
                    .iter()
                    .map(|s| (s.index, s.time_ms, s.signature.to_bytes()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(one.shots.len(), 5, "{method:?}");
            assert_eq!(key(&one), key(&five), "{method:?}");
            assert!(one.between.is_empty());
            assert_eq!(five.between.len(), 4);
            if method != Sampling::Keyframes {
                // 0, 2, … 40 s: the stored five and four more per interval but the last.
                let lens: Vec<usize> = five.between.iter().map(Vec::len).collect();
                assert_eq!(lens, [4, 4, 4, 4], "{method:?}");
                assert_eq!(five.between[1][2].time_ms, 24_000);
            }
        }
    }

    #[test]
    fn letterbox_and_pillarbox_bars_are_cropped() {
        let s = shot(200, 120, |x, y| {
            if (20..100).contains(&y) && (30..170).contains(&x) {
                [200, (x % 200) as u8, 90]
            } else {
                [3, 4, 2]
            }
        });
        assert_eq!(content_rect(&s), (30, 20, 140, 80));
    }

    #[test]
    fn a_dark_scene_is_not_cropped_away() {
        let s = shot(200, 120, |x, y| {
            if (90..100).contains(&x) && (50..60).contains(&y) {
                [255, 255, 255]
            } else {
                [5, 5, 5]
            }
        });
        assert_eq!(content_rect(&s), (0, 0, 200, 120));
        let black = shot(64, 48, |_, _| [0, 0, 0]);
        assert_eq!(content_rect(&black), (0, 0, 64, 48));
    }
}
