//! What `videos` and `query VIDEO` report: per pair of videos, the shared clips as time ranges
//! ([`PairReport`]), built from the sequence matcher's runs, and printed as text or JSON lines.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use lookalike_core::SequenceMatch;
use serde::Serialize;

use super::table::clock;
use crate::messages;
use crate::store::{VideoInfo, VideoRecord};

/// A run, in seconds, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct Range {
    /// Start in the new video, seconds.
    pub start: f64,
    /// End in the new video, seconds.
    pub end: f64,
    /// Start in the other video, seconds.
    pub other_start: f64,
    /// End in the other video, seconds.
    pub other_end: f64,
    /// Matching screenshots in the run.
    pub screenshots: u32,
    /// Mean similarity of the matching screenshots (0–100).
    pub similarity: f32,
    /// How the other video's clip looks next to this one when it matched mirrored or turned
    /// ("mirrored", "rotated 90°"…, core's `Orientation::label`); `None` (JSON `null`) upright.
    pub turn: Option<&'static str>,
    /// Pairs of screenshot times (new, other) shown side by side in reports.
    #[serde(skip)]
    pub pairs: Vec<(f64, f64)>,
}

impl Range {
    /// The two time ranges as text, `m:ss–m:ss` (this video, the other one).
    pub fn spans(&self) -> (String, String) {
        (
            format!("{}–{}", clock(self.start), clock(self.end)),
            format!("{}–{}", clock(self.other_start), clock(self.other_end)),
        )
    }
}

/// One video, with what is known about it.
#[derive(Debug, Clone, Serialize)]
pub struct VideoRef {
    /// Absolute path.
    pub path: PathBuf,
    /// Metadata.
    pub info: VideoInfo,
}

/// A new video and one stored video that share clips.
#[derive(Debug, Clone, Serialize)]
pub struct PairReport {
    /// The new video (or the query).
    pub video: VideoRef,
    /// The stored video.
    pub other: VideoRef,
    /// The shared clips, in the new video's order.
    pub ranges: Vec<Range>,
}

fn ranges_of(
    runs: &[(SequenceMatch, f64)],
    interval: f64,
    duration: f64,
    other_duration: f64,
) -> Vec<Range> {
    let mut out: Vec<Range> = runs
        .iter()
        .map(|(m, shift)| {
            let other_at = |frame: u32| f64::from(frame) * interval;
            // The new video's screenshots of this run's phase come `shift` seconds later.
            let at = |frame: u32| other_at(frame) + shift;
            let span = m.query_end - m.query_start;
            // At most 6 pairs of thumbnails per run, spread over it.
            let steps = span.min(5);
            let pairs = (0..=steps)
                .map(|i| {
                    let q = m.query_start + (span * i).checked_div(steps).unwrap_or(0);
                    let t = i64::from(q) + m.offset;
                    (at(q), t.max(0) as f64 * interval)
                })
                .collect();
            Range {
                start: at(m.query_start),
                end: (at(m.query_end) + interval).min(duration),
                other_start: other_at(m.target_start),
                other_end: (other_at(m.target_end) + interval).min(other_duration),
                screenshots: m.matched,
                similarity: m.similarity,
                turn: m.orientation.label(),
                pairs,
            }
        })
        .collect();
    out.sort_by(|a, b| a.start.total_cmp(&b.start));
    out
}

/// The reports of one video's `runs`: one per stored video it shares clips with, in id order.
/// Each run comes with the seconds its screenshots of the new video come after the stored ones
/// of the same number (the phase it was found from, `video::phased`; 0 for the stored phase).
pub fn pair_reports(
    video: &VideoRef,
    runs: &[(SequenceMatch, f64)],
    interval: f64,
    by_id: &HashMap<u32, (PathBuf, VideoRecord)>,
) -> Vec<PairReport> {
    let mut targets: Vec<u32> = runs.iter().map(|(m, _)| m.target).collect();
    targets.sort_unstable();
    targets.dedup();
    let mut out = Vec::new();
    for target in targets {
        let Some((path, record)) = by_id.get(&target) else {
            continue;
        };
        let mine: Vec<(SequenceMatch, f64)> = runs
            .iter()
            .filter(|(m, _)| m.target == target)
            .copied()
            .collect();
        out.push(PairReport {
            video: video.clone(),
            other: VideoRef {
                path: path.clone(),
                info: record.info.clone(),
            },
            ranges: ranges_of(&mine, interval, video.info.duration, record.info.duration),
        });
    }
    out
}

/// Prints `pairs` as text (one block per pair) or as JSON lines (one object per pair, with the
/// HTML report's path, if one was written, as `report`).
pub fn print(pairs: &[PairReport], json: bool, report_path: Option<&Path>) -> Result<()> {
    // Written with `?`, not `println!`, so that a reader that stops early (`| head`) ends the
    // run quietly instead of a panic.
    let mut out = std::io::stdout().lock();
    for pair in pairs {
        if json {
            let mut value = serde_json::to_value(pair)?;
            if let (Some(obj), Some(path)) = (value.as_object_mut(), report_path) {
                obj.insert("report".into(), serde_json::json!(path));
            }
            writeln!(out, "{value}")?;
        } else {
            writeln!(
                out,
                "{}\n  ~ {}",
                messages::shown(&pair.video.path),
                messages::shown(&pair.other.path)
            )?;
            for r in &pair.ranges {
                let (mine, other) = r.spans();
                let turn = r.turn.map_or(String::new(), |t| format!(", {t}"));
                writeln!(
                    out,
                    "    {mine}  ~  {other}  ({} screenshots, similarity {:.1}{turn})",
                    r.screenshots, r.similarity
                )?;
            }
        }
    }
    if let Some(path) = report_path
        && !json
        && !pairs.is_empty()
    {
        writeln!(out, "  report: {}", messages::shown(path))?;
    }
    out.flush()?;
    Ok(())
}
