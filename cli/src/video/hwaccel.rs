//! Hardware video decoding (issue 13), taken only where it is measured to win.
//!
//! `--hwaccel auto` (the default) asks ffmpeg which hardware decoders it was built with
//! (`ffmpeg -hwaccels`) and keeps those whose device this machine has (`cuda`: an NVIDIA driver's
//! `/dev/nvidiactl`; `vaapi`: a `/dev/dri/renderD*` node; `videotoolbox` on macOS, `d3d11va` on
//! Windows). With none, nothing is tried and the software path runs as it always did. With one,
//! the first video a run reads is decoded twice for its first [`TRIAL_SECONDS`] — in software
//! and with that decoder — and the decoder is used for the rest of the run only if its
//! screenshots give the same signatures, bit for bit, in less time; one line says what was
//! measured and decided. `--hwaccel NAME` uses NAME without the trial; `--hwaccel off` never
//! tries. A video that the chosen decoder fails on is read again in software, with a warning.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::Result;

use super::ffmpeg::Tools;
use super::sample::signature;
use crate::args::Sampling;
use crate::messages;
use crate::store::VideoInfo;

/// Seconds of the first video decoded both ways.
pub const TRIAL_SECONDS: f64 = 20.0;

/// What the user asked for (`--hwaccel`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Try the machine's decoders on the first video; keep one that wins.
    Auto,
    /// Software only.
    Off,
    /// This `-hwaccel` method, untried.
    Named(String),
}

impl Choice {
    /// From the option's text.
    pub fn parse(text: &str) -> Choice {
        match text {
            "auto" => Choice::Auto,
            "off" | "none" | "" => Choice::Off,
            name => Choice::Named(name.to_owned()),
        }
    }
}

/// The decoders that `ffmpeg -hwaccels` printed (`listing`) and whose device `has_device` finds.
fn usable(listing: &str, has_device: &dyn Fn(&str) -> bool) -> Vec<String> {
    listing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.ends_with(':'))
        .filter(|name| has_device(name))
        .map(str::to_owned)
        .collect()
}

/// Whether this machine has the device that the `-hwaccel` method `name` decodes on.
fn has_device(name: &str) -> bool {
    match name {
        "cuda" => Path::new("/dev/nvidiactl").exists(),
        "vaapi" => std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        }),
        "videotoolbox" => cfg!(target_os = "macos"),
        "d3d11va" => cfg!(windows),
        _ => false,
    }
}

/// The hardware decoders worth a trial here. `LOOKALIKE_HWACCEL_TRIAL` (comma-separated) names
/// them instead of the device check, so that the trial itself can be tested on a machine without
/// one (with lavapipe, ffmpeg's `vulkan` decodes).
fn candidates(tools: &Tools) -> Vec<String> {
    if let Some(named) = std::env::var_os("LOOKALIKE_HWACCEL_TRIAL") {
        return named
            .to_string_lossy()
            .split(',')
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
    }
    let listing = Command::new(tools.program())
        .args(["-hide_banner", "-hwaccels"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    usable(&listing, &has_device)
}

/// The signatures of the first [`TRIAL_SECONDS`] of `path`, and the seconds they took.
fn trial(tools: &Tools, path: &Path, info: &VideoInfo, interval: f64) -> Result<(Vec<u8>, f64)> {
    let mut short = info.clone();
    short.duration = info.duration.min(TRIAL_SECONDS);
    let limited = tools.limited(short.duration);
    let started = Instant::now();
    let mut bytes = Vec::new();
    let mut failure = None;
    super::ffmpeg::sample(
        &limited,
        path,
        &short,
        (interval, 1),
        Sampling::Pass,
        &mut |shot| match signature(&shot, true) {
            Ok(s) => bytes.extend_from_slice(&s.to_bytes()),
            Err(e) => failure = Some(e),
        },
        &mut |_| {},
    )?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok((bytes, started.elapsed().as_secs_f64()))
}

/// The hardware decoder to read this run's videos with, decided on its first video (`path`).
pub fn decide(
    tools: &Tools,
    choice: &Choice,
    path: &Path,
    info: &VideoInfo,
    interval: f64,
) -> Option<String> {
    match choice {
        Choice::Off => None,
        Choice::Named(name) => Some(name.clone()),
        Choice::Auto => {
            let found = candidates(tools);
            if found.is_empty() {
                return None;
            }
            let (software, soft_s) = trial(tools, path, info, interval).ok()?;
            for name in found {
                let verdict = match trial(&tools.with_hwaccel(Some(&name)), path, info, interval) {
                    Err(e) => format!("failed ({e:#})"),
                    Ok((bytes, _)) if bytes != software => {
                        "gave other screenshots than software decoding".to_owned()
                    }
                    Ok((_, hard_s)) if hard_s >= soft_s => {
                        format!("took {hard_s:.2} s against {soft_s:.2} s in software")
                    }
                    Ok((_, hard_s)) => {
                        messages::info(format!(
                            "videos: decoding with {name} (the first {TRIAL_SECONDS:.0} s of {}: \
                             {hard_s:.2} s against {soft_s:.2} s in software, same screenshots)",
                            messages::shown(path)
                        ));
                        return Some(name);
                    }
                };
                messages::info(format!(
                    "videos: not decoding with {name}: on the first {TRIAL_SECONDS:.0} s of {} it \
                     {verdict}",
                    messages::shown(path)
                ));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_decoders_with_a_device_are_tried() {
        let listing =
            "Hardware acceleration methods:\nvdpau\ncuda\nvaapi\nqsv\ndrm\nopencl\nvulkan\n\n";
        let none = usable(listing, &|_| false);
        assert!(none.is_empty());
        let nvidia = usable(listing, &|name| name == "cuda");
        assert_eq!(nvidia, ["cuda"]);
        assert!(usable("", &|_| true).is_empty());
        // The header line is no decoder, whatever the device test says.
        assert_eq!(usable(listing, &|_| true).len(), 7);
    }

    #[test]
    fn choices_parse() {
        assert_eq!(Choice::parse("auto"), Choice::Auto);
        assert_eq!(Choice::parse("off"), Choice::Off);
        assert_eq!(Choice::parse("cuda"), Choice::Named("cuda".to_owned()));
    }
}
