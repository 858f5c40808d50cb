//! The video trees: what `lookalike videos` stores per video and per screenshot.
//!
//! - `video_settings`: `interval_ms` (u32 LE, fixed when the first video is stored), `next_id`
//!   (u32 LE).
//! - `videos`: key = absolute path bytes ([`path_key`]), value = JSON [`VideoRecord`].
//! - `video_screenshots`: key = video id (u32 BE) ‖ screenshot number (u32 BE), value = time in
//!   milliseconds (u32 LE) ‖ signature bytes ([`Signature::to_bytes`]).
//!
//! A video's screenshots are written before its record, so after a crash a video without a
//! record is sampled again, and its orphaned screenshots are removed by the next
//! [`VideoStore::load_shots`].

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use lookalike_core::Signature;
use serde::{Deserialize, Serialize};

use super::keys::{key_path, path_key};
use super::{Stamp, Store};
use crate::messages;

const VIDEOS_TREE: &str = "videos";
const SHOTS_TREE: &str = "video_screenshots";
const SETTINGS_TREE: &str = "video_settings";

/// The interval, seconds, of a database whose first video is stored without `--interval`.
pub const DEFAULT_INTERVAL: f64 = 10.0;

/// What is stored about a video.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VideoInfo {
    /// Seconds.
    pub duration: f64,
    /// Pixels, as coded (before any rotation).
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// ffprobe's `codec_name`, e.g. `h264`.
    pub codec: String,
    /// Frames per second (the stream's average rate).
    pub frame_rate: f64,
    /// Bits per second of the whole file, when known.
    pub bit_rate: Option<u64>,
    /// The container, ffprobe's `format_name`.
    pub container: String,
    /// Size and modification time (stored as the fields `size` and `mtime_ns`).
    #[serde(flatten)]
    pub stamp: Stamp,
    /// The index of the video stream that is read (the first one that is not cover art).
    pub stream: u32,
    /// Mean seconds between key frames over the first minute (from the packet flags), if
    /// there are two or more; what seeking costs depends on it.
    #[serde(default)]
    pub keyframe_interval: Option<f64>,
}

/// What is stored per video.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoRecord {
    /// Key of its screenshots.
    pub id: u32,
    /// Metadata.
    pub info: VideoInfo,
    /// How many screenshots are stored.
    pub screenshots: u32,
    /// Stored, but its matches not yet reported: a run killed between storing a video and
    /// printing its matches leaves it set, and the next run reports them (as `pending` does for
    /// images). Absent in records written before issue 12, which were all reported.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
}

/// One stored or sampled screenshot.
#[derive(Debug, Clone)]
pub struct Shot {
    /// The screenshot's number `k` (taken at `k × interval`).
    pub index: u32,
    /// `k × interval`, milliseconds.
    pub time_ms: u32,
    pub signature: Signature,
}

/// The video trees of an open [`Store`].
pub struct VideoStore {
    videos: sled::Tree,
    shots: sled::Tree,
    settings: sled::Tree,
}

fn shot_key(video: u32, frame: u32) -> [u8; 8] {
    let mut key = [0u8; 8];
    key[..4].copy_from_slice(&video.to_be_bytes());
    key[4..].copy_from_slice(&frame.to_be_bytes());
    key
}

fn u32_le(value: Option<sled::IVec>) -> Option<u32> {
    value
        .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
        .map(u32::from_le_bytes)
}

impl Store {
    /// The video trees of this database.
    pub fn videos(&self) -> Result<VideoStore> {
        Ok(VideoStore {
            videos: self.db.open_tree(VIDEOS_TREE)?,
            shots: self.db.open_tree(SHOTS_TREE)?,
            settings: self.db.open_tree(SETTINGS_TREE)?,
        })
    }
}

impl VideoStore {
    /// The interval fixed when the first video was stored, if any was.
    pub fn stored_interval(&self) -> Result<Option<f64>> {
        Ok(u32_le(self.settings.get("interval_ms")?).map(|ms| f64::from(ms) / 1000.0))
    }

    /// The interval of this database: the stored one, which `asked` must equal, or `asked` (or
    /// [`DEFAULT_INTERVAL`]) stored now when `create` is set.
    pub fn interval(&self, asked: Option<f64>, create: bool) -> Result<f64> {
        if let Some(asked) = asked
            && !(asked.is_finite() && (0.1..=3600.0).contains(&asked))
        {
            bail!("--interval {asked} is out of range; use 0.1 to 3600 seconds");
        }
        match (self.stored_interval()?, asked) {
            (Some(stored), Some(asked)) if (stored - asked).abs() > 0.0005 => Err(anyhow!(
                "this database takes a screenshot every {stored} s, fixed when it was created; \
                 --interval {asked} cannot change it\nhint: leave out --interval, or use \
                 another database with --db"
            )),
            (Some(stored), _) => Ok(stored),
            (None, asked) => {
                let interval = asked.unwrap_or(DEFAULT_INTERVAL);
                if create {
                    let ms = (interval * 1000.0).round() as u32;
                    self.settings.insert("interval_ms", &ms.to_le_bytes())?;
                }
                Ok(interval)
            }
        }
    }

    /// The stored signature of screenshot `frame` of video `id`.
    pub fn signature(&self, id: u32, frame: u32) -> Option<Signature> {
        let value = self.shots.get(shot_key(id, frame)).ok().flatten()?;
        Signature::from_bytes(value.get(4..)?).ok()
    }

    /// A new video id.
    pub fn next_id(&self) -> Result<u32> {
        let current = u32_le(self.settings.get("next_id")?).unwrap_or(0);
        self.settings
            .insert("next_id", &(current + 1).to_le_bytes())?;
        Ok(current)
    }

    /// Every stored video. A damaged record is reported, removed, and left out (its video is
    /// read again).
    pub fn records(&self) -> Result<Vec<(PathBuf, VideoRecord)>> {
        let mut out = Vec::new();
        for item in self.videos.iter() {
            let (key, value) = item?;
            let path = key_path(&key);
            match serde_json::from_slice::<VideoRecord>(&value) {
                Ok(record) => out.push((path, record)),
                Err(e) => {
                    messages::warning(format!(
                        "{}: damaged video entry ({e}); it will be read again",
                        messages::shown(&path)
                    ));
                    self.videos.remove(key)?;
                }
            }
        }
        Ok(out)
    }

    /// Forgets every video and its screenshots (`db upgrade`), keeping the settings (the
    /// interval, the next id); returns how many videos were stored. Records go first, so a run
    /// killed in between leaves screenshots without a video, which the next load removes.
    pub fn clear(&self) -> Result<usize> {
        let videos = self.videos.len();
        self.videos.clear()?;
        self.shots.clear()?;
        Ok(videos)
    }

    /// Forgets the video at `path`, whose id is `id`, and its screenshots.
    pub fn remove(&self, path: &Path, id: u32) -> Result<()> {
        self.videos.remove(path_key(path))?;
        let mut batch = sled::Batch::default();
        for item in self.shots.scan_prefix(id.to_be_bytes()) {
            batch.remove(item?.0);
        }
        self.shots.apply_batch(batch)?;
        Ok(())
    }

    /// Stores a video's screenshots, then its record.
    pub fn save(&self, path: &Path, record: &VideoRecord, shots: &[Shot]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for shot in shots {
            let mut value = shot.time_ms.to_le_bytes().to_vec();
            value.extend_from_slice(&shot.signature.to_bytes());
            batch.insert(&shot_key(record.id, shot.index), value);
        }
        self.shots.apply_batch(batch)?;
        self.videos
            .insert(path_key(path), serde_json::to_vec(record)?)?;
        Ok(())
    }

    /// The stored screenshots of video `id`, in order.
    pub fn shots(&self, id: u32) -> Result<Vec<Shot>> {
        let mut out = Vec::new();
        for item in self.shots.scan_prefix(id.to_be_bytes()) {
            let (key, value) = item?;
            let index = key.get(4..8).and_then(|b| <[u8; 4]>::try_from(b).ok());
            let time_ms = value.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok());
            let signature = value.get(4..).and_then(|b| Signature::from_bytes(b).ok());
            if let (Some(index), Some(time_ms), Some(signature)) = (index, time_ms, signature) {
                out.push(Shot {
                    index: u32::from_be_bytes(index),
                    time_ms: u32::from_le_bytes(time_ms),
                    signature,
                });
            }
        }
        Ok(out)
    }

    /// Clears the record's `pending` flag: its matches were reported.
    pub fn set_reported(&self, path: &Path, record: &VideoRecord) -> Result<()> {
        let record = VideoRecord {
            pending: false,
            ..record.clone()
        };
        self.videos
            .insert(path_key(path), serde_json::to_vec(&record)?)?;
        Ok(())
    }

    /// Hands every stored screenshot of a video that `known` accepts to `sink` as
    /// `(video id, screenshot number, signature)`, in key order. Screenshots of other ids (left
    /// by an interrupted run) and damaged ones are removed.
    pub fn load_shots(
        &self,
        known: &dyn Fn(u32) -> bool,
        sink: &mut dyn FnMut(u32, u32, Signature),
    ) -> Result<()> {
        let mut orphans = sled::Batch::default();
        for item in self.shots.iter() {
            let (key, value) = item?;
            let parts = <[u8; 8]>::try_from(key.as_ref()).ok().map(|k| {
                let (id, frame) = k.split_at(4);
                let word = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
                (word(id), word(frame))
            });
            let signature = value.get(4..).and_then(|b| Signature::from_bytes(b).ok());
            match (parts, signature) {
                (Some((id, frame)), Some(signature)) if known(id) => sink(id, frame, signature),
                _ => orphans.remove(key),
            }
        }
        self.shots.apply_batch(orphans)?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A stored video of 20 s with two screenshots.
    pub(crate) fn record(id: u32) -> VideoRecord {
        VideoRecord {
            id,
            info: VideoInfo {
                duration: 20.0,
                width: 320,
                height: 240,
                codec: "h264".into(),
                frame_rate: 25.0,
                bit_rate: None,
                container: "mp4".into(),
                stamp: Stamp {
                    size: 1000,
                    mtime_ns: -3,
                },
                stream: 0,
                keyframe_interval: None,
            },
            screenshots: 2,
            pending: false,
        }
    }

    /// `n` screenshots 10 s apart, all of one signature.
    pub(crate) fn shots(n: u32) -> Vec<Shot> {
        (0..n)
            .map(|index| Shot {
                index,
                time_ms: index * 10_000,
                signature: super::super::files::tests::signature(3),
            })
            .collect()
    }

    #[test]
    fn the_interval_is_fixed_when_the_first_video_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let videos = store.videos().unwrap();
        assert_eq!(videos.interval(None, false).unwrap(), DEFAULT_INTERVAL);
        assert_eq!(
            videos.stored_interval().unwrap(),
            None,
            "nothing stored yet"
        );
        assert_eq!(videos.interval(Some(2.5), true).unwrap(), 2.5);
        assert_eq!(videos.interval(None, true).unwrap(), 2.5);
        assert_eq!(videos.interval(Some(2.5), true).unwrap(), 2.5);
        let e = videos.interval(Some(10.0), true).unwrap_err().to_string();
        assert!(
            e.contains("every 2.5 s") && e.contains("--interval 10"),
            "{e}"
        );
        assert!(videos.interval(Some(0.0), true).is_err());
    }

    #[test]
    fn screenshots_of_unknown_videos_are_dropped_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let videos = store.videos().unwrap();
        let signature = super::super::files::tests::signature(3);
        for id in [videos.next_id().unwrap(), videos.next_id().unwrap()] {
            videos
                .save(Path::new(&format!("/v/{id}.mp4")), &record(id), &shots(2))
                .unwrap();
        }
        let records = videos.records().unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[1].1.info, record(1).info, "JSON round trip");
        assert_eq!(videos.signature(1, 1), Some(signature));
        let mut seen = Vec::new();
        videos
            .load_shots(&|id| id == 1, &mut |id, k, _| seen.push((id, k)))
            .unwrap();
        assert_eq!(seen, [(1, 0), (1, 1)]);
        assert_eq!(
            videos.signature(0, 0),
            None,
            "video 0's screenshots removed"
        );
        videos.remove(Path::new("/v/1.mp4"), 1).unwrap();
        assert_eq!(videos.records().unwrap().len(), 1);
        assert_eq!(videos.signature(1, 0), None);
    }
}
