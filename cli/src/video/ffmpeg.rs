//! Running ffmpeg and ffprobe: metadata through `ffprobe`, screenshots through ffmpeg-sidecar,
//! thumbnails for reports.
//!
//! Both tools are the ones on `PATH` (ffmpeg-sidecar is built without its `download_ffmpeg`
//! feature, and we never look for a binary next to our own). Screenshots come out of ffmpeg
//! already small: the `scale` filter shrinks them to at most [`SHOT_SIDE`] pixels and ffmpeg
//! writes `rgb24` raw video to a pipe, so no frame at full resolution ever reaches this process.
//!
//! Screenshot `k` is the frame shown at `k × interval` seconds. Three ways of getting them are
//! implemented ([`Sampling`]); which one is fastest depends on the interval and on the distance
//! between key frames, see `Sampling::choose` in [`super::sample`] and the README's "Videos"
//! section for the measurements.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use ffmpeg_sidecar::command::FfmpegCommand;
use ffmpeg_sidecar::event::{FfmpegEvent, LogLevel};
use serde::Deserialize;

use crate::args::Sampling;
use crate::store::{Stamp, VideoInfo};

/// Screenshots are scaled to fit in this many pixels per side before they leave ffmpeg. The
/// signature resamples to 128 × 128 anyway; 256 keeps enough detail for the black-border
/// detection and for the exact area average to smooth compression noise.
pub const SHOT_SIDE: u32 = 256;

/// The `ffmpeg` and `ffprobe` programs to run (from `PATH` unless `LOOKALIKE_FFMPEG` /
/// `LOOKALIKE_FFPROBE` name others).
#[derive(Debug, Clone)]
pub struct Tools {
    ffmpeg: OsString,
    ffprobe: OsString,
    /// `-hwaccel` for decoding screenshots ([`super::hwaccel`]); `None`: software.
    hwaccel: Option<String>,
    /// Read only this many seconds of each input (the hardware decoder's trial).
    limit: Option<f64>,
}

impl Tools {
    /// Finds both tools, or explains how to install them.
    pub fn find() -> Result<Tools> {
        let ffmpeg = std::env::var_os("LOOKALIKE_FFMPEG").unwrap_or_else(|| "ffmpeg".into());
        let ffprobe = std::env::var_os("LOOKALIKE_FFPROBE").unwrap_or_else(|| "ffprobe".into());
        for tool in [&ffmpeg, &ffprobe] {
            let runs = Command::new(tool)
                .arg("-version")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !runs {
                bail!(
                    "cannot run `{}`: videos are read with ffmpeg and ffprobe, which must be on \
                     PATH\nhint: install FFmpeg (Debian/Ubuntu: `sudo apt install ffmpeg`, macOS: \
                     `brew install ffmpeg`, Windows: `winget install ffmpeg`), then run again",
                    tool.to_string_lossy()
                );
            }
        }
        Ok(Tools {
            ffmpeg,
            ffprobe,
            hwaccel: None,
            limit: None,
        })
    }

    /// The same tools, decoding screenshots with `hwaccel` (`None`: in software).
    pub fn with_hwaccel(&self, hwaccel: Option<&str>) -> Tools {
        Tools {
            hwaccel: hwaccel.map(str::to_owned),
            ..self.clone()
        }
    }

    /// The hardware decoding these tools use, if any.
    pub fn hwaccel(&self) -> Option<&str> {
        self.hwaccel.as_deref()
    }

    /// The same tools, reading only the first `seconds` of each input.
    pub(super) fn limited(&self, seconds: f64) -> Tools {
        Tools {
            limit: Some(seconds),
            ..self.clone()
        }
    }

    /// The program `ffmpeg`, for other questions than screenshots.
    pub(super) fn program(&self) -> &OsString {
        &self.ffmpeg
    }

    /// An ffmpeg command with the input options of these tools; the caller adds the input.
    fn ffmpeg(&self) -> FfmpegCommand {
        let mut command = FfmpegCommand::new_with_path(&self.ffmpeg);
        command.hide_banner().arg("-nostdin");
        if let Some(hwaccel) = &self.hwaccel {
            command.args(["-hwaccel", hwaccel]);
        }
        if let Some(limit) = self.limit {
            command.args(["-t", &format!("{limit:.3}")]);
        }
        command
    }
}

#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    streams: Vec<ProbeStream>,
    format: Option<ProbeFormat>,
}

#[derive(Deserialize)]
struct ProbeStream {
    index: u32,
    codec_type: Option<String>,
    codec_name: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    avg_frame_rate: Option<String>,
    r_frame_rate: Option<String>,
    duration: Option<String>,
    #[serde(default)]
    disposition: std::collections::HashMap<String, i64>,
}

#[derive(Deserialize)]
struct ProbeFormat {
    format_name: Option<String>,
    duration: Option<String>,
    bit_rate: Option<String>,
}

fn rate(text: &Option<String>) -> Option<f64> {
    let text = text.as_deref()?;
    let (n, d) = text.split_once('/').unwrap_or((text, "1"));
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    (d > 0.0 && n > 0.0).then(|| n / d)
}

fn number(text: &Option<String>) -> Option<f64> {
    text.as_deref()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Reads a video's metadata with ffprobe. Errors say what is wrong: not readable, no video
/// stream, zero duration.
pub fn probe(tools: &Tools, path: &Path) -> Result<VideoInfo> {
    // The caller names the file.
    let stamp = std::fs::metadata(path)
        .map(|m| Stamp::of(&m))
        .context("cannot read it")?;
    let output = Command::new(&tools.ffprobe)
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .context("cannot run ffprobe")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        // ffprobe starts its lines with the file name, which the caller prints already.
        let prefix = format!("{}: ", path.display());
        let reason = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map(|l| l.strip_prefix(prefix.as_str()).unwrap_or(l));
        bail!(
            "not a readable video: {}",
            reason.unwrap_or("ffprobe failed").trim()
        );
    }
    let probe: Probe =
        serde_json::from_slice(&output.stdout).context("cannot parse ffprobe's output")?;
    let stream = probe
        .streams
        .iter()
        .find(|s| {
            s.codec_type.as_deref() == Some("video")
                && s.disposition.get("attached_pic").copied().unwrap_or(0) == 0
        })
        .ok_or_else(|| anyhow!("no video stream"))?;
    let format = probe.format.as_ref();
    // ffmpeg reads a still image as a one-picture "video" (container image2 or NAME_pipe):
    // stored as one, it would match nothing and count as a video.
    let container = format.and_then(|f| f.format_name.as_deref()).unwrap_or("");
    if container == "image2" || container.ends_with("_pipe") {
        bail!("a still image, not a video (`lookalike scan` hashes it as an image)");
    }
    let duration = format
        .and_then(|f| number(&f.duration))
        .or_else(|| number(&stream.duration))
        .unwrap_or(0.0);
    if duration <= 0.0 {
        bail!("zero duration");
    }
    let (width, height) = (stream.width.unwrap_or(0), stream.height.unwrap_or(0));
    if width == 0 || height == 0 {
        bail!("the video stream has no picture size");
    }
    Ok(VideoInfo {
        duration,
        width,
        height,
        codec: stream.codec_name.clone().unwrap_or_default(),
        frame_rate: rate(&stream.avg_frame_rate)
            .or_else(|| rate(&stream.r_frame_rate))
            .unwrap_or(0.0),
        bit_rate: format.and_then(|f| number(&f.bit_rate)).map(|b| b as u64),
        container: format
            .and_then(|f| f.format_name.clone())
            .unwrap_or_default(),
        stamp,
        stream: stream.index,
        keyframe_interval: keyframe_interval(tools, path, stream.index),
    })
}

/// Mean distance between key frames in the first minute: only packets are read (no
/// decoding), which takes milliseconds.
fn keyframe_interval(tools: &Tools, path: &Path, stream: u32) -> Option<f64> {
    let output = Command::new(&tools.ffprobe)
        .args(["-v", "error", "-select_streams"])
        .arg(stream.to_string())
        .args([
            "-show_entries",
            "packet=pts_time,flags",
            "-of",
            "csv=p=0",
            "-read_intervals",
            "%+60",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let mut keys: Vec<f64> = text
        .lines()
        .filter_map(|line| {
            let (time, flags) = line.split_once(',')?;
            flags.contains('K').then(|| time.parse::<f64>().ok())?
        })
        .filter(|t| t.is_finite())
        .collect();
    keys.sort_by(f64::total_cmp);
    keys.dedup();
    if keys.len() < 2 {
        return None;
    }
    Some((keys[keys.len() - 1] - keys[0]) / (keys.len() - 1) as f64)
}

/// One screenshot, `rgb24`, at most [`SHOT_SIDE`] per side.
#[derive(Debug, Clone)]
pub struct Screenshot {
    /// The screenshot's number `k` (taken at `k × interval`).
    pub index: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width × height × 3` bytes.
    pub rgb: Vec<u8>,
}

/// How many screenshots a video of `duration` seconds gives: one at 0, interval, 2·interval, …
/// strictly before the end.
pub fn screenshot_count(duration: f64, interval: f64) -> u32 {
    if duration <= 0.0 || interval <= 0.0 {
        return 0;
    }
    let n = (duration / interval).ceil();
    (n as u32).max(1)
}

fn scale_filter(side: u32) -> String {
    format!(
        "scale=w='min({side},iw)':h='min({side},ih)':force_original_aspect_ratio=decrease:flags=area"
    )
}

/// Takes the screenshots of a video and hands them to `sink` in order. `progress` is told the
/// seconds of video read so far.
///
/// With `phases` above 1 it takes `phases` screenshots per interval, at `k × interval /
/// phases`, numbered `k`. Windows are told by `floor(t × phases / interval)`, so every
/// `phases`-th window starts where an interval does, and its screenshot is the one taken at one
/// per interval (when that short window holds no frame, [`crate::video::sample::sample_video`]
/// takes the interval's first frame from the next window, as one per interval does).
pub fn sample(
    tools: &Tools,
    path: &Path,
    info: &VideoInfo,
    (interval, phases): (f64, u32),
    method: Sampling,
    sink: &mut dyn FnMut(Screenshot),
    progress: &mut dyn FnMut(f64),
) -> Result<u32> {
    let phases = phases.max(1);
    let step = interval / f64::from(phases);
    let count = screenshot_count(info.duration, interval) * phases;
    // Only windows that start before the end: the last interval may hold fewer of them.
    let count = (0..count)
        .take_while(|&k| k == 0 || f64::from(k) * step < info.duration)
        .count() as u32;
    let window = |t: f64| (t * f64::from(phases) / interval).floor();
    match method {
        Sampling::Pass | Sampling::Keyframes => {
            let mut command = tools.ffmpeg();
            if method == Sampling::Keyframes {
                command.args(["-skip_frame", "nokey"]);
            }
            // `select` keeps the first frame of every interval window [k·N, (k+1)·N) and
            // `showinfo` logs its time. (The `fps=1/N` filter drops the last screenshots when
            // the video ends less than N seconds after them, so it is not used.)
            command
                .input(path)
                .args(["-map", &format!("0:{}", info.stream)])
                .filter(format!(
                    "select='isnan(prev_selected_t)+gte(floor(t*{phases}/{interval})-floor(prev_selected_t*{phases}/{interval})\\,1)',showinfo,{}",
                    scale_filter(SHOT_SIDE)
                ))
                .fps_mode("passthrough")
                .format("rawvideo")
                .pix_fmt("rgb24")
                .output("-");
            let mut taken = 0;
            let mut last: Option<f64> = None;
            let errors = run_frames(&mut command, true, &mut |mut shot, time| {
                let k = window(time);
                // Frames before the start (negative times) and repeats of a window are skipped.
                if k < 0.0 || last.is_some_and(|l| k <= l) || k >= f64::from(count) {
                    return;
                }
                last = Some(k);
                shot.index = k as u32;
                taken += 1;
                progress(time.min(info.duration));
                sink(shot);
            })?;
            let covered = last.map_or(0, |k| k as u32 + 1);
            // Key frames only: the last one may come up to a group of pictures before the end.
            // In windows of one step: as many as one interval holds, as with one phase.
            let slack = phases
                * match method {
                    Sampling::Keyframes => {
                        let group = info.keyframe_interval.unwrap_or(KEYFRAME_GAP_UNKNOWN);
                        1 + (group / interval).ceil() as u32
                    }
                    _ => 1,
                };
            check_coverage(path, (covered, slack), count, step, info.duration, &errors)?;
            Ok(taken)
        }
        Sampling::Seek => {
            let mut taken = 0;
            let mut covered = 0;
            let mut errors = Vec::new();
            for k in 0..count {
                let at = f64::from(k) * step;
                let mut command = tools.ffmpeg();
                command
                    .seek(format!("{at:.3}"))
                    .input(path)
                    .args(["-map", &format!("0:{}", info.stream)])
                    .filter(scale_filter(SHOT_SIDE))
                    .frames(1)
                    .format("rawvideo")
                    .pix_fmt("rgb24")
                    .output("-");
                let mut got = None;
                errors.extend(run_frames(&mut command, false, &mut |shot, _| {
                    got.get_or_insert(shot);
                })?);
                if let Some(mut shot) = got {
                    shot.index = k;
                    sink(shot);
                    taken += 1;
                    covered = k + 1;
                }
                progress(at.min(info.duration));
            }
            check_coverage(path, (covered, phases), count, step, info.duration, &errors)?;
            Ok(taken)
        }
    }
}

/// The distance between key frames assumed when it could not be measured: 10 s, a common
/// encoder default (250 frames at 25 per second).
const KEYFRAME_GAP_UNKNOWN: f64 = 10.0;

/// A video whose pictures stop well before the duration its container declares, while ffmpeg
/// reports decoding errors, is damaged or cut short: an error naming the reason, never a
/// shorter video stored as if whole. `(covered, slack)`: the windows that got a screenshot, and
/// how many may be missing at the end (one: the last window can be shorter than a frame; with
/// key frames only, as many as a group of pictures spans).
fn check_coverage(
    path: &Path,
    (covered, slack): (u32, u32),
    count: u32,
    interval: f64,
    duration: f64,
    errors: &[String],
) -> Result<()> {
    if covered + slack >= count {
        return Ok(());
    }
    let reached = f64::from(covered) * interval;
    match errors.iter().find(|l| !l.trim().is_empty()) {
        Some(error) => bail!(
            "damaged or cut short: pictures stop after {reached:.0} s of the {duration:.0} s it \
             declares ({})",
            without_log_prefixes(error)
        ),
        None => {
            crate::messages::warning(format!(
                "{}: pictures stop after {reached:.0} s of the {duration:.0} s the file \
                 declares; the rest is not compared",
                crate::messages::shown(path)
            ));
            Ok(())
        }
    }
}

/// An ffmpeg log line without its `[h264 @ 0x…]` and `[error]` prefixes.
fn without_log_prefixes(line: &str) -> &str {
    let mut rest = line.trim();
    while rest.starts_with('[') {
        match rest.find(']') {
            Some(end) => rest = rest[end + 1..].trim_start(),
            None => break,
        }
    }
    rest
}

/// Runs an ffmpeg command that writes `rgb24` frames to stdout, and returns the error lines
/// ffmpeg logged while still finishing (damaged data it skipped).
/// With `timed`, every frame comes with the time `showinfo` logged for it; otherwise with 0.
fn run_frames(
    command: &mut FfmpegCommand,
    timed: bool,
    sink: &mut dyn FnMut(Screenshot, f64),
) -> Result<Vec<String>> {
    let mut child = command.spawn().context("cannot start ffmpeg")?;
    let mut errors: Vec<String> = Vec::new();
    // Frames and their logged times arrive through two pipes; pair them in order.
    let mut frames: VecDeque<Screenshot> = VecDeque::new();
    let mut times: VecDeque<f64> = VecDeque::new();
    for event in child.iter().context("cannot read ffmpeg's output")? {
        match event {
            FfmpegEvent::OutputFrame(frame) => {
                let expected = frame.width as usize * frame.height as usize * 3;
                if frame.pix_fmt == "rgb24" && frame.data.len() == expected {
                    frames.push_back(Screenshot {
                        index: frame.frame_num,
                        width: frame.width,
                        height: frame.height,
                        rgb: frame.data,
                    });
                }
            }
            FfmpegEvent::Log(_, line) if timed && line.contains("pts_time:") => {
                if let Some(t) = pts_time(&line) {
                    times.push_back(t);
                }
            }
            FfmpegEvent::Log(LogLevel::Error | LogLevel::Fatal, line) => errors.push(line),
            FfmpegEvent::Error(line) if !line.contains("No streams found") => errors.push(line),
            _ => {}
        }
        while !frames.is_empty() && (!timed || !times.is_empty()) {
            if let Some(frame) = frames.pop_front() {
                sink(frame, times.pop_front().unwrap_or(0.0));
            }
        }
    }
    let status = child.wait().context("ffmpeg did not finish")?;
    if !status.success() {
        let reason = errors
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .map_or("ffmpeg failed", |l| l.trim());
        bail!("cannot decode: {reason}");
    }
    Ok(errors)
}

/// The `pts_time:` of a `showinfo` line.
fn pts_time(line: &str) -> Option<f64> {
    let rest = &line[line.find("pts_time:")? + "pts_time:".len()..];
    let value = rest.split_whitespace().next()?;
    value.parse::<f64>().ok().filter(|t| t.is_finite())
}

/// A JPEG thumbnail, `width` pixels wide, of the frame shown at `at` seconds (for reports).
pub fn thumbnail_jpeg(
    tools: &Tools,
    path: &Path,
    info: &VideoInfo,
    at: f64,
    width: u32,
) -> Result<Vec<u8>> {
    let output = Command::new(&tools.ffmpeg)
        .args(["-nostdin", "-hide_banner", "-v", "error", "-ss"])
        .arg(format!("{:.3}", at.max(0.0)))
        .arg("-i")
        .arg(path)
        .args(["-map", &format!("0:{}", info.stream)])
        .args(["-frames:v", "1", "-vf"])
        .arg(format!("scale={width}:-2"))
        .args(["-q:v", "5", "-f", "mjpeg", "-"])
        .stdin(Stdio::null())
        .output()
        .context("cannot run ffmpeg")?;
    if !output.status.success() || output.stdout.is_empty() {
        bail!(
            "no thumbnail at {at:.1} s: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screenshots_cover_the_video_up_to_its_end() {
        assert_eq!(screenshot_count(60.0, 10.0), 6);
        assert_eq!(screenshot_count(60.5, 10.0), 7);
        assert_eq!(screenshot_count(3.0, 10.0), 1);
        assert_eq!(screenshot_count(0.0, 10.0), 0);
    }

    #[test]
    fn showinfo_times_are_read() {
        assert_eq!(
            pts_time("[Parsed_showinfo_1] n:3 pts:7500 pts_time:2.5 duration:1"),
            Some(2.5)
        );
        assert_eq!(pts_time("no time here"), None);
    }
}
