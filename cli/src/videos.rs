//! `lookalike videos PATH...` and `lookalike query VIDEO`: clips of one video inside another.
//!
//! Every video is sampled every `interval` seconds ([`crate::video`]); each screenshot's
//! signature is stored with its time in the database's own video trees. A new video's
//! screenshots are queried **through one [`Index`] of all stored screenshots** (not video by
//! video), and the hits are chained by [`find_sequences`]: a match is a run of at least `S`
//! consecutive screenshots that match one stored video with a consistent time offset.
//!
//! Trees (in the same sled database as the images, see [`crate::store`]):
//! - `video_settings`: `interval_ms` (u32 LE, fixed when the first video is stored), `next_id`
//!   (u32 LE).
//! - `videos`: key = absolute path bytes ([`store::path_key`]), value = JSON [`VideoRecord`].
//! - `video_screenshots`: key = video id (u32 BE) ‖ screenshot number (u32 BE), value = time in
//!   milliseconds (u32 LE) ‖ signature bytes ([`Signature::to_bytes`]).
//!
//! A video's screenshots are written before its record, so after a crash a video without a
//! record is sampled again and its orphaned screenshots are removed at the next start.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use lookalike_core::{
    FrameHit, Index, IndexBuilder, QueryScratch, SequenceMatch, SequenceOptions, Signature,
    Weights, compare, find_sequences,
};
use serde::{Deserialize, Serialize};

use crate::config::{self, Config};
use crate::progress::Progress;
use crate::store::{self, Store};
use crate::video::{self, Sampling, Tools, VideoInfo};
use crate::{interrupt, messages, video_report};

const VIDEOS_TREE: &str = "videos";
const SHOTS_TREE: &str = "video_screenshots";
const SETTINGS_TREE: &str = "video_settings";

/// The default `--interval`, seconds.
pub const DEFAULT_INTERVAL: f64 = 10.0;

/// The default `--min-sequence` (S): one minute at the default interval.
pub const DEFAULT_MIN_SEQUENCE: u32 = 6;

/// Hits kept per screenshot query. A still scene (a black frame, a title card) matches many
/// screenshots of the same video; the sequence matcher needs the right one among them.
const HITS_PER_SCREENSHOT: usize = 64;

/// `lookalike videos`.
#[derive(Debug, Args)]
pub struct VideosArgs {
    /// Folders (searched recursively for video files) or video files.
    #[arg(required_unless_present = "bench_query", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Seconds between screenshots. Fixed when the database stores its first video (default
    /// 10); a later run may repeat it but not change it.
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<f64>,
    /// 0 (match loosely) to 100 (strict), for single screenshots; default as for `scan`.
    #[arg(long, short, value_name = "0-100")]
    pub sensitivity: Option<u8>,
    /// S: the least number of consecutive matching screenshots that make a match (6 = one
    /// minute at 10 s).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_MIN_SEQUENCE)]
    pub min_sequence: u32,
    /// Print the matches as JSON lines (one object per pair of videos) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Where the HTML reports go (one per new video with matches).
    #[arg(long, value_name = "DIR", default_value = "similar_videos")]
    pub report_dir: PathBuf,
    /// Write no HTML reports.
    #[arg(long)]
    pub no_report: bool,
    /// How screenshots are taken: pass (decode everything once), seek (one seek per
    /// screenshot), keyframes (key frames only; times are approximate). Default: whichever is
    /// cheaper for each video, from its resolution, frame rate and key-frame distance (README).
    #[arg(long, value_enum, value_name = "METHOD")]
    pub sampling: Option<Sampling>,
    /// Hash whole frames, black borders included (default: letterbox and pillarbox bars are
    /// cropped first).
    #[arg(long)]
    pub no_crop: bool,
    /// Benchmark: time every sampling method at intervals 10, 60 and 300 s on the PATHs (video
    /// files); stores nothing.
    #[arg(long, hide = true)]
    pub bench_sampling: bool,
    /// Benchmark: memory and query time against this many hours of synthetic screenshots
    /// (PATHs, if given, are real videos added to the bulk and used as queries); stores
    /// nothing.
    #[arg(long, hide = true, value_name = "HOURS")]
    pub bench_query: Option<f64>,
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
}

/// The screenshots' settings: fixed per database.
struct Trees {
    videos: sled::Tree,
    shots: sled::Tree,
    settings: sled::Tree,
}

impl Trees {
    fn open(store: &Store) -> Result<Trees> {
        Ok(Trees {
            videos: store.tree(VIDEOS_TREE)?,
            shots: store.tree(SHOTS_TREE)?,
            settings: store.tree(SETTINGS_TREE)?,
        })
    }

    fn stored_interval(&self) -> Result<Option<f64>> {
        Ok(self
            .settings
            .get("interval_ms")?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map(|b| f64::from(u32::from_le_bytes(b)) / 1000.0))
    }

    /// The interval of this database: the stored one, which `asked` must equal, or `asked` (or
    /// the default) stored now when `create` is set.
    fn interval(&self, asked: Option<f64>, create: bool) -> Result<f64> {
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
    fn signature(&self, id: u32, frame: u32) -> Option<Signature> {
        let mut key = id.to_be_bytes().to_vec();
        key.extend_from_slice(&frame.to_be_bytes());
        let value = self.shots.get(key).ok().flatten()?;
        Signature::from_bytes(value.get(4..)?).ok()
    }

    fn next_id(&self) -> Result<u32> {
        let current = self
            .settings
            .get("next_id")?
            .and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok())
            .map_or(0, u32::from_le_bytes);
        self.settings
            .insert("next_id", &(current + 1).to_le_bytes())?;
        Ok(current)
    }

    fn records(&self) -> Result<Vec<(PathBuf, VideoRecord)>> {
        let mut out = Vec::new();
        for item in self.videos.iter() {
            let (key, value) = item?;
            let path = store::key_path(&key);
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

    fn remove_video(&self, path: &Path, id: u32) -> Result<()> {
        self.videos.remove(store::path_key(path))?;
        let mut batch = sled::Batch::default();
        for item in self.shots.scan_prefix(id.to_be_bytes()) {
            batch.remove(item?.0);
        }
        self.shots.apply_batch(batch)?;
        Ok(())
    }

    fn save(&self, path: &Path, record: &VideoRecord, shots: &[Shot]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for shot in shots {
            let mut key = record.id.to_be_bytes().to_vec();
            key.extend_from_slice(&shot.index.to_be_bytes());
            let mut value = shot.time_ms.to_le_bytes().to_vec();
            value.extend_from_slice(&shot.signature.to_bytes());
            batch.insert(key, value);
        }
        self.shots.apply_batch(batch)?;
        self.videos
            .insert(store::path_key(path), serde_json::to_vec(record)?)?;
        Ok(())
    }
}

/// One stored or sampled screenshot.
#[derive(Debug, Clone)]
pub(crate) struct Shot {
    pub(crate) index: u32,
    pub(crate) time_ms: u32,
    pub(crate) signature: Signature,
}

/// All stored screenshots in one index: index id → (video id, screenshot number).
pub(crate) struct ShotIndex {
    pub(crate) index: Index,
    pub(crate) owners: Vec<(u32, u32)>,
    /// How many screenshots keep each coefficient code, `[channel << 15 | code]`: the length
    /// of its posting list (removals are not subtracted; this only steers the seed queries).
    pub(crate) frequency: Vec<u32>,
}

/// Index of a code in [`ShotIndex::frequency`].
fn slot(channel: usize, code: u16) -> usize {
    (channel << 15) | usize::from(code)
}

/// Counts the codes of `signature` in `frequency`.
pub(crate) fn count_codes(frequency: &mut [u32], signature: &Signature) {
    for c in (0..3).filter(|&c| signature.is_informative(c)) {
        for &code in signature.codes(c) {
            frequency[slot(c, code)] += 1;
        }
    }
}

/// A posting list holding more than 1/this of all screenshots is left out of seed queries.
const COMMON_CODE_SHARE: usize = 50;

/// Seed queries leave codes out, which lowers every similarity; they keep hits down to this
/// share of the requested similarity, then check them with the whole signatures.
const SEED_SIMILARITY_SHARE: f32 = 0.5;

impl ShotIndex {
    /// An index over `index`'s screenshots.
    pub(crate) fn new(index: Index, owners: Vec<(u32, u32)>, frequency: Vec<u32>) -> ShotIndex {
        ShotIndex {
            index,
            owners,
            frequency,
        }
    }

    /// The query for seeds: `signature` with its common codes (posting lists of more than
    /// 1/[`COMMON_CODE_SHARE`] of the screenshots) swapped for codes no screenshot keeps. The
    /// common codes are the low frequencies most pictures keep; their lists are most of what
    /// a query walks, and they tell little about which screenshot is the copy. The seeds it
    /// finds are checked with the whole signatures.
    fn seed_query(&self, signature: &Signature) -> Signature {
        use lookalike_core::signature::{FORMAT_VERSION, MAGIC, NEGATIVE};
        let limit = (self.index.len() / COMMON_CODE_SHARE).max(64) as u32;
        let m = signature.m();
        let mut bytes = Vec::with_capacity(signature.encoded_len());
        bytes.extend_from_slice(&MAGIC);
        bytes.push(FORMAT_VERSION);
        bytes.push(m);
        bytes.extend_from_slice(&signature.aspect_ratio().to_le_bytes());
        for v in signature
            .average()
            .iter()
            .chain(signature.strength().iter())
        {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        for c in 0..3 {
            let mut codes: Vec<u16> = signature
                .codes(c)
                .iter()
                .copied()
                .filter(|&code| self.frequency[slot(c, code)] <= limit)
                .collect();
            // Fill up with codes no screenshot keeps, finest positions first. Neither sign may
            // be kept: a coefficient kept with the other sign counts against (issue 17).
            let mut position = (lookalike_core::AREA - 1) as u16;
            while codes.len() < usize::from(m) && position > 0 {
                let unused = self.frequency[slot(c, position)] == 0
                    && self.frequency[slot(c, position | NEGATIVE)] == 0;
                for code in [position, position | NEGATIVE] {
                    if codes.len() < usize::from(m)
                        && unused
                        && !codes.contains(&code)
                        && !signature.codes(c).contains(&code)
                    {
                        codes.push(code);
                    }
                }
                position -= 1;
            }
            codes.sort_unstable();
            for code in codes {
                bytes.extend_from_slice(&code.to_le_bytes());
            }
        }
        Signature::from_bytes(&bytes).unwrap_or(*signature)
    }

    /// Loads every screenshot of the `known` video ids; screenshots of other ids (left by an
    /// interrupted run) are removed from the tree.
    fn load(trees: &Trees, known: &HashMap<u32, PathBuf>) -> Result<ShotIndex> {
        let mut builder = IndexBuilder::new(Weights::Scanned);
        let mut owners = Vec::new();
        let mut frequency = vec![0u32; 3 << 15];
        let mut orphans = sled::Batch::default();
        for item in trees.shots.iter() {
            let (key, value) = item?;
            let (Ok(id), Ok(k)) = (
                <[u8; 4]>::try_from(&key[..4.min(key.len())]),
                <[u8; 4]>::try_from(&key[4.min(key.len())..]),
            ) else {
                orphans.remove(key);
                continue;
            };
            let id = u32::from_be_bytes(id);
            if !known.contains_key(&id) || value.len() < 4 {
                orphans.remove(key);
                continue;
            }
            match Signature::from_bytes(&value[4..]) {
                Ok(signature) => {
                    count_codes(&mut frequency, &signature);
                    builder.add(&signature);
                    owners.push((id, u32::from_be_bytes(k)));
                }
                Err(_) => {
                    orphans.remove(key);
                }
            }
        }
        trees.shots.apply_batch(orphans)?;
        Ok(ShotIndex::new(builder.build(), owners, frequency))
    }

    pub(crate) fn insert(&mut self, video: u32, shots: &[Shot]) {
        for shot in shots {
            count_codes(&mut self.frequency, &shot.signature);
            let id = self.index.insert(&shot.signature) as usize;
            if id >= self.owners.len() {
                self.owners.resize(id + 1, (u32::MAX, 0));
            }
            self.owners[id] = (video, shot.index);
        }
    }

    fn remove_video(&mut self, video: u32) {
        for (id, owner) in self.owners.iter_mut().enumerate() {
            if owner.0 == video {
                self.index.remove(id as u32);
                *owner = (u32::MAX, 0);
            }
        }
    }

    /// The screenshot hits of a video, then its runs.
    /// The runs of a video's screenshots, found by *seed and extend*: only every
    /// `⌈S / 2⌉`-th screenshot is queried through the index (so every run of `S` contains
    /// at least two queried screenshots), and every hit, a seed, is extended along its
    /// diagonal (the same time offset ± the tolerance) by comparing the neighbouring
    /// screenshots directly with the stored video's, read through `lookup`. The hits go to
    /// [`find_sequences`]. A query then walks the posting lists for a half or a third of the
    /// screenshots only, which is where the time goes (README, "Videos").
    ///
    /// [`ShotIndex::matches_exhaustive`] queries every screenshot instead; the two agree on
    /// every run whose screenshots are in each other's best [`HITS_PER_SCREENSHOT`] hits.
    pub(crate) fn matches(
        &self,
        shots: &[Shot],
        min_similarity: f32,
        options: &SequenceOptions,
        exclude: Option<u32>,
        lookup: &dyn Fn(u32, u32) -> Option<Signature>,
    ) -> Vec<SequenceMatch> {
        use rayon::prelude::*;
        let stride = options.min_run.div_ceil(2).max(1);
        let seeds: Vec<FrameHit> = shots
            .par_iter()
            .filter(|shot| shot.index % stride == 0)
            .map_init(QueryScratch::new, |scratch, shot| {
                let seed_query = self.seed_query(&shot.signature);
                self.index
                    .query_with(
                        scratch,
                        &seed_query,
                        min_similarity * SEED_SIMILARITY_SHARE,
                        HITS_PER_SCREENSHOT,
                    )
                    .into_iter()
                    .filter_map(|hit| {
                        let &(video, frame) = self.owners.get(hit.id as usize)?;
                        (video != u32::MAX && Some(video) != exclude).then_some(FrameHit {
                            query_frame: shot.index,
                            target: video,
                            target_frame: frame,
                            similarity: hit.similarity,
                        })
                    })
                    .collect::<Vec<_>>()
            })
            .flatten()
            .collect();

        let by_frame: HashMap<u32, &Signature> =
            shots.iter().map(|s| (s.index, &s.signature)).collect();
        let mut cache: HashMap<(u32, u32), Option<Signature>> = HashMap::new();
        let mut visited: std::collections::HashSet<(u32, i64, u32)> =
            std::collections::HashSet::new();
        let tolerance = i64::from(options.offset_tolerance);
        let mut hits = Vec::new();
        for seed in seeds {
            let offset = i64::from(seed.target_frame) - i64::from(seed.query_frame);
            if !visited.insert((seed.target, offset, seed.query_frame)) {
                continue;
            }
            // The seed query left codes out: score the seed with the whole signatures.
            let Some(query) = by_frame.get(&seed.query_frame) else {
                continue;
            };
            let stored = cache
                .entry((seed.target, seed.target_frame))
                .or_insert_with(|| lookup(seed.target, seed.target_frame));
            let Some(stored) = stored else {
                continue;
            };
            let similarity = compare(query, stored, Weights::Scanned).similarity;
            if similarity < min_similarity {
                continue;
            }
            hits.push(FrameHit { similarity, ..seed });
            for step in [-1i64, 1] {
                let mut misses = 0;
                let mut q = i64::from(seed.query_frame) + step;
                while let Ok(qf) = u32::try_from(q) {
                    let Some(query) = by_frame.get(&qf) else {
                        break;
                    };
                    visited.insert((seed.target, offset, qf));
                    let mut best: Option<FrameHit> = None;
                    for t in (q + offset - tolerance)..=(q + offset + tolerance) {
                        let Ok(tf) = u32::try_from(t) else {
                            continue;
                        };
                        let stored = cache
                            .entry((seed.target, tf))
                            .or_insert_with(|| lookup(seed.target, tf));
                        let Some(stored) = stored else {
                            continue;
                        };
                        let similarity = compare(query, stored, Weights::Scanned).similarity;
                        if similarity >= min_similarity
                            && best.is_none_or(|b| similarity > b.similarity)
                        {
                            best = Some(FrameHit {
                                query_frame: qf,
                                target: seed.target,
                                target_frame: tf,
                                similarity,
                            });
                        }
                    }
                    match best {
                        Some(hit) => {
                            hits.push(hit);
                            misses = 0;
                        }
                        None => {
                            misses += 1;
                            if misses > options.max_gap {
                                break;
                            }
                        }
                    }
                    q += step;
                }
            }
        }
        find_sequences(&hits, options)
            .into_iter()
            .filter(|m| m.matched >= options.min_run)
            .collect()
    }

    /// [`ShotIndex::matches`] by querying every screenshot through the index: the slow twin
    /// that checks it (tests, `--bench-query`).
    pub(crate) fn matches_exhaustive(
        &self,
        shots: &[Shot],
        min_similarity: f32,
        options: &SequenceOptions,
        exclude: Option<u32>,
    ) -> Vec<SequenceMatch> {
        let mut scratch = QueryScratch::new();
        let mut hits = Vec::new();
        for shot in shots {
            for hit in self.index.query_with(
                &mut scratch,
                &shot.signature,
                min_similarity,
                HITS_PER_SCREENSHOT,
            ) {
                let Some(&(video, frame)) = self.owners.get(hit.id as usize) else {
                    continue;
                };
                if video == u32::MAX || Some(video) == exclude {
                    continue;
                }
                hits.push(FrameHit {
                    query_frame: shot.index,
                    target: video,
                    target_frame: frame,
                    similarity: hit.similarity,
                });
            }
        }
        find_sequences(&hits, options)
            .into_iter()
            .filter(|m| m.matched >= options.min_run)
            .collect()
    }
}

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
    /// Pairs of screenshot times (new, other) shown side by side in reports.
    #[serde(skip)]
    pub pairs: Vec<(f64, f64)>,
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
    runs: &[SequenceMatch],
    interval: f64,
    duration: f64,
    other_duration: f64,
) -> Vec<Range> {
    let mut out: Vec<Range> = runs
        .iter()
        .map(|m| {
            let at = |frame: u32| f64::from(frame) * interval;
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
                other_start: at(m.target_start),
                other_end: (at(m.target_end) + interval).min(other_duration),
                screenshots: m.matched,
                similarity: m.similarity,
                pairs,
            }
        })
        .collect();
    out.sort_by(|a, b| a.start.total_cmp(&b.start));
    out
}

/// Samples one video into signatures, with a progress bar over its duration.
pub(crate) fn sample_video(
    tools: &Tools,
    path: &Path,
    info: &VideoInfo,
    interval: f64,
    method: Sampling,
    crop: bool,
    progress: &Progress,
) -> Result<Vec<Shot>> {
    let bar = progress.bar(info.duration.ceil() as u64, &short_name(path), "s");
    let mut shots = Vec::new();
    let mut failure = None;
    let taken = video::sample(
        tools,
        path,
        info,
        interval,
        method,
        &mut |shot| match video::signature(&shot, crop) {
            Ok(signature) => shots.push(Shot {
                index: shot.index,
                time_ms: (f64::from(shot.index) * interval * 1000.0).round() as u32,
                signature,
            }),
            Err(e) => failure = Some(e),
        },
        &mut |seconds| bar.set_position(seconds as u64),
    );
    bar.finish_and_clear();
    taken?;
    if let Some(e) = failure {
        return Err(e);
    }
    if shots.is_empty() {
        bail!("no frame could be decoded");
    }
    Ok(shots)
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

/// The video files under `paths`, sorted, each once.
fn find_videos(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for root in paths {
        match std::fs::metadata(root) {
            Err(e) => messages::file_error(root, e),
            Ok(meta) if meta.is_file() => out.push(video::absolute(root)),
            Ok(_) => {
                for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
                    match entry {
                        Ok(entry) => {
                            if entry.file_type().is_file() && video::is_video_path(entry.path()) {
                                out.push(video::absolute(entry.path()));
                            }
                        }
                        Err(e) => {
                            let path = e.path().map(Path::to_path_buf).unwrap_or(root.clone());
                            messages::file_error(&path, e);
                        }
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

struct Run<'a> {
    tools: Tools,
    interval: f64,
    min_similarity: f32,
    options: SequenceOptions,
    crop: bool,
    sampling: Option<Sampling>,
    args: &'a VideosArgs,
}

impl Run<'_> {
    /// Probes and samples one video. A failure is reported by name (and counted by
    /// `messages`), and gives `None` so that the run goes on with the next video.
    fn read(&self, path: &Path, progress: &Progress) -> Option<(VideoInfo, Vec<Shot>)> {
        let info = match video::probe(&self.tools, path) {
            Ok(info) => info,
            Err(e) => {
                messages::file_error(path, e);
                return None;
            }
        };
        let method = self.method(&info);
        match sample_video(
            &self.tools,
            path,
            &info,
            self.interval,
            method,
            self.crop,
            progress,
        ) {
            Ok(shots) => Some((info, shots)),
            Err(e) => {
                messages::file_error(path, e);
                None
            }
        }
    }

    fn method(&self, info: &VideoInfo) -> Sampling {
        self.sampling
            .unwrap_or_else(|| Sampling::choose(info, self.interval))
    }

    /// Prints and writes what was found for `video`.
    fn report(&self, pairs: &[PairReport]) -> Result<()> {
        let Some(first) = pairs.first() else {
            return Ok(());
        };
        let mut report_path = None;
        if !self.args.no_report {
            std::fs::create_dir_all(&self.args.report_dir)
                .with_context(|| format!("cannot create {}", self.args.report_dir.display()))?;
            let path = video_report::file_for(&self.args.report_dir, &first.video.path);
            let html = video_report::html(pairs, &mut |v: &VideoRef, at: f64| {
                video::thumbnail_jpeg(&self.tools, &v.path, &v.info, at, 192).ok()
            });
            std::fs::write(&path, html)
                .with_context(|| format!("cannot write {}", path.display()))?;
            report_path = Some(path);
        }
        for pair in pairs {
            if self.args.json {
                let mut value = serde_json::to_value(pair)?;
                if let (Some(obj), Some(path)) = (value.as_object_mut(), &report_path) {
                    obj.insert("report".into(), serde_json::json!(path));
                }
                println!("{value}");
            } else {
                println!(
                    "{}\n  ~ {}",
                    messages::shown(&pair.video.path),
                    messages::shown(&pair.other.path)
                );
                for r in &pair.ranges {
                    println!(
                        "    {}–{}  ~  {}–{}  ({} screenshots, similarity {:.1})",
                        clock(r.start),
                        clock(r.end),
                        clock(r.other_start),
                        clock(r.other_end),
                        r.screenshots,
                        r.similarity
                    );
                }
            }
        }
        if let Some(path) = report_path
            && !self.args.json
        {
            println!("  report: {}", messages::shown(&path));
        }
        Ok(())
    }
}

/// `h:mm:ss` (or `m:ss`).
pub fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn pair_reports(
    video: &VideoRef,
    runs: &[SequenceMatch],
    interval: f64,
    by_id: &HashMap<u32, (PathBuf, VideoRecord)>,
) -> Vec<PairReport> {
    let mut targets: Vec<u32> = runs.iter().map(|m| m.target).collect();
    targets.sort_unstable();
    targets.dedup();
    let mut out = Vec::new();
    for target in targets {
        let Some((path, record)) = by_id.get(&target) else {
            continue;
        };
        let mine: Vec<SequenceMatch> = runs
            .iter()
            .filter(|m| m.target == target)
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

pub(crate) fn sequence_options(min_sequence: u32) -> Result<SequenceOptions> {
    if min_sequence == 0 {
        bail!("--min-sequence must be at least 1");
    }
    Ok(SequenceOptions {
        min_run: min_sequence,
        // One screenshot inside a run may miss (a scene cut between the two videos' sampling
        // instants, a title burned over it); the run still needs S matching screenshots.
        max_gap: 1,
        offset_tolerance: 1,
    })
}

/// `lookalike videos`.
pub fn run(config: &Config, args: &VideosArgs) -> Result<()> {
    if let Some(hours) = args.bench_query {
        return crate::video_bench::query(config, args, hours);
    }
    if args.bench_sampling {
        return crate::video_bench::sampling(args);
    }
    let tools = Tools::find()?;
    let sensitivity = config::sensitivity(args.sensitivity)?;
    let options = sequence_options(args.min_sequence)?;
    interrupt::install();
    let store = Store::open(&config.db)?;
    let trees = Trees::open(&store)?;
    let interval = trees.interval(args.interval, true)?;
    let run = Run {
        tools,
        interval,
        min_similarity: sensitivity.min_similarity(),
        options,
        crop: !args.no_crop,
        sampling: args.sampling,
        args,
    };

    // Forget deleted videos, then load the screenshots of the others.
    let mut by_path: HashMap<PathBuf, VideoRecord> = HashMap::new();
    let mut dropped = 0;
    for (path, record) in trees.records()? {
        if path.exists() {
            by_path.insert(path, record);
        } else {
            trees.remove_video(&path, record.id)?;
            dropped += 1;
        }
    }
    let mut by_id: HashMap<u32, (PathBuf, VideoRecord)> = by_path
        .iter()
        .map(|(p, r)| (r.id, (p.clone(), r.clone())))
        .collect();
    let known: HashMap<u32, PathBuf> = by_id.iter().map(|(&id, (p, _))| (id, p.clone())).collect();
    let started = Instant::now();
    let mut shots = ShotIndex::load(&trees, &known)?;
    messages::info(format!(
        "{} videos stored ({} screenshots every {} s, index {:.1} MiB, loaded in {:.2} s){}",
        by_path.len(),
        shots.index.len(),
        interval,
        shots.index.memory_bytes() as f64 / (1 << 20) as f64,
        started.elapsed().as_secs_f64(),
        if dropped > 0 {
            format!("; {dropped} deleted videos dropped")
        } else {
            String::new()
        }
    ));

    let files = find_videos(&args.paths);
    let progress = Progress::new();
    let overall = progress.bar(files.len() as u64, "videos", "videos");
    let (mut new, mut unchanged, mut matched) = (0, 0, 0);
    for path in &files {
        if interrupt::requested() {
            break;
        }
        overall.inc(1);
        let stamp = match video::file_stamp(path) {
            Ok(stamp) => stamp,
            Err(e) => {
                messages::file_error(path, e);
                continue;
            }
        };
        if let Some(record) = by_path.get(path) {
            if (record.info.size, record.info.mtime_ns) == stamp {
                unchanged += 1;
                continue;
            }
            // Changed: forget the old screenshots, read it again.
            let id = record.id;
            trees.remove_video(path, id)?;
            shots.remove_video(id);
            by_id.remove(&id);
            by_path.remove(path);
        }
        let Some((info, sampled)) = run.read(path, &progress) else {
            continue;
        };
        let runs = shots.matches(
            &sampled,
            run.min_similarity,
            &run.options,
            None,
            &|video, frame| trees.signature(video, frame),
        );
        let me = VideoRef {
            path: path.clone(),
            info: info.clone(),
        };
        let pairs = pair_reports(&me, &runs, interval, &by_id);
        let id = trees.next_id()?;
        let record = VideoRecord {
            id,
            info,
            screenshots: sampled.len() as u32,
        };
        trees.save(path, &record, &sampled)?;
        shots.insert(id, &sampled);
        by_id.insert(id, (path.clone(), record.clone()));
        by_path.insert(path.clone(), record);
        new += 1;
        if !pairs.is_empty() {
            matched += 1;
            run.report(&pairs)?;
        }
    }
    overall.finish_and_clear();
    drop(progress);
    store.flush()?;
    messages::info(format!(
        "{new} new videos read, {unchanged} unchanged skipped, {matched} with matches"
    ));
    Ok(())
}

/// `lookalike query VIDEO...`: the stored videos that share clips with videos outside the
/// database (nothing is stored).
pub fn query(
    config: &Config,
    videos: &[PathBuf],
    sensitivity: Option<u8>,
    min_sequence: u32,
    json: bool,
) -> Result<()> {
    let options = sequence_options(min_sequence)?;
    let tools = Tools::find()?;
    let sensitivity = config::sensitivity(sensitivity)?;
    let store = Store::open(&config.db)?;
    let trees = Trees::open(&store)?;
    let Some(interval) = trees.stored_interval()? else {
        bail!(
            "the database {} holds no videos yet\nhint: store some with `lookalike videos PATH`",
            config.db.display()
        );
    };
    let records = trees.records()?;
    let by_id: HashMap<u32, (PathBuf, VideoRecord)> =
        records.into_iter().map(|(p, r)| (r.id, (p, r))).collect();
    let known = by_id.iter().map(|(&id, (p, _))| (id, p.clone())).collect();
    let shots = ShotIndex::load(&trees, &known)?;
    let args = VideosArgs {
        paths: Vec::new(),
        interval: None,
        sensitivity: None,
        min_sequence: options.min_run,
        json,
        report_dir: PathBuf::from("similar_videos"),
        no_report: true,
        sampling: None,
        no_crop: false,
        bench_sampling: false,
        bench_query: None,
    };
    let run = Run {
        tools,
        interval,
        min_similarity: sensitivity.min_similarity(),
        options,
        crop: true,
        sampling: None,
        args: &args,
    };
    let progress = Progress::new();
    for path in videos {
        let path = video::absolute(path);
        let Some((info, sampled)) = run.read(&path, &progress) else {
            continue;
        };
        // The query may itself be stored: leave it out of its own results.
        let own = by_id
            .iter()
            .find(|(_, (p, _))| *p == path)
            .map(|(&id, _)| id);
        let runs = shots.matches(
            &sampled,
            run.min_similarity,
            &run.options,
            own,
            &|video, frame| trees.signature(video, frame),
        );
        let me = VideoRef { path, info };
        let pairs = pair_reports(&me, &runs, interval, &by_id);
        if pairs.is_empty() && !json {
            println!(
                "{}: no stored video shares a clip",
                messages::shown(&me.path)
            );
        }
        run.report(&pairs)?;
    }
    Ok(())
}

/// Splits video files (by extension) off a list of query inputs.
pub fn take_videos(inputs: &mut Vec<PathBuf>) -> Vec<PathBuf> {
    let (videos, rest): (Vec<PathBuf>, Vec<PathBuf>) =
        inputs.drain(..).partition(|p| video::is_video_path(p));
    *inputs = rest;
    videos
}

#[cfg(test)]
mod tests {
    use super::*;
    use lookalike_core::{PixelLayout, Pixels};

    fn signature(rgb: &[u8]) -> Signature {
        Signature::compute(&Pixels::new(96, 54, PixelLayout::Rgb8, rgb).unwrap())
    }

    /// Screenshot `k` of stored video `v`: scenes of three screenshots, moving a little.
    fn frame(v: u64, k: u32) -> Vec<u8> {
        crate::video_bench::picture(v * 1000 + u64::from(k / 3), (k % 3) * 2)
    }

    #[test]
    fn seed_and_extend_finds_what_the_exhaustive_search_finds() {
        let mut builder = IndexBuilder::new(Weights::Scanned);
        let mut owners = Vec::new();
        let mut frequency = vec![0u32; 3 << 15];
        let mut stored: HashMap<(u32, u32), Signature> = HashMap::new();
        for v in 0..40u32 {
            for k in 0..30u32 {
                let s = signature(&frame(u64::from(v), k));
                count_codes(&mut frequency, &s);
                builder.add(&s);
                owners.push((v, k));
                stored.insert((v, k), s);
            }
        }
        let index = ShotIndex::new(builder.build(), owners, frequency);
        // The query: 10 screenshots of its own, then screenshots 5..17 of video 7, brightened,
        // then 8 of its own.
        let shots: Vec<Shot> = (0..30u32)
            .map(|q| {
                let rgb = if (10..22).contains(&q) {
                    frame(7, q - 5)
                        .iter()
                        .map(|&b| b.saturating_add(12))
                        .collect()
                } else {
                    frame(5000, q)
                };
                Shot {
                    index: q,
                    time_ms: q * 2000,
                    signature: signature(&rgb),
                }
            })
            .collect();
        let options = sequence_options(6).unwrap();
        let min = lookalike_core::Sensitivity::DEFAULT.min_similarity();
        let lookup = |v: u32, k: u32| stored.get(&(v, k)).copied();
        let seeded = index.matches(&shots, min, &options, None, &lookup);
        let exhaustive = index.matches_exhaustive(&shots, min, &options, None);
        assert_eq!(seeded.len(), 1, "{seeded:?}");
        let m = seeded[0];
        assert_eq!(
            (
                m.target,
                m.query_start,
                m.query_end,
                m.target_start,
                m.offset
            ),
            (7, 10, 21, 5, -5)
        );
        assert_eq!(exhaustive.len(), 1, "{exhaustive:?}");
        assert_eq!(
            (
                exhaustive[0].target,
                exhaustive[0].query_start,
                exhaustive[0].query_end
            ),
            (7, 10, 21)
        );
        // Excluding the target (the query's own entry) leaves nothing.
        assert!(
            index
                .matches(&shots, min, &options, Some(7), &lookup)
                .is_empty()
        );
    }

    #[test]
    fn the_interval_is_fixed_when_the_first_video_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let trees = Trees::open(&store).unwrap();
        assert_eq!(trees.interval(None, false).unwrap(), DEFAULT_INTERVAL);
        assert_eq!(trees.stored_interval().unwrap(), None, "nothing stored yet");
        assert_eq!(trees.interval(Some(2.5), true).unwrap(), 2.5);
        assert_eq!(trees.interval(None, true).unwrap(), 2.5);
        assert_eq!(trees.interval(Some(2.5), true).unwrap(), 2.5);
        let e = trees.interval(Some(10.0), true).unwrap_err().to_string();
        assert!(
            e.contains("every 2.5 s") && e.contains("--interval 10"),
            "{e}"
        );
        assert!(trees.interval(Some(0.0), true).is_err());
    }
}
