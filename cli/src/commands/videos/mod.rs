//! `lookalike videos PATH...` and the video half of `lookalike query`: clips of one video inside
//! another.
//!
//! Every video is sampled every `interval` seconds ([`crate::video::sample`]); each screenshot's
//! signature is stored with its time in the database's video trees ([`crate::store::VideoStore`]).
//! A new video's screenshots are queried **through one index of all stored screenshots**
//! ([`ShotIndex`], not video by video), and a match is a run of at least `S` consecutive
//! screenshots that match one stored video with a consistent time offset. Each new video with
//! matches is printed and gets an HTML report ([`crate::report::video_html`]). A new video is
//! compared from several starting points per interval (`--phases`, [`crate::video::phased`]),
//! so that a clip cut between two stored screenshots is found in fast scenes too; only the
//! screenshots one interval apart are stored. Reports that name a video deleted since are
//! written again ([`stale`]).

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use lookalike_core::SequenceOptions;

use crate::args::{Sampling, VideosArgs};
use crate::config::{self, Config};
use crate::progress::Progress;
use crate::report::video::{self as video_report, PairReport, VideoRef};
use crate::report::video_html;
use crate::store::{Stamp, Store, VideoInfo, VideoRecord, VideoStore};
use crate::video::ffmpeg::{self, Tools};
use crate::video::hwaccel::{self, Choice};
use crate::video::index::{MIN_SHORT_RUN, ShotIndex, sequence_options};
use crate::video::phased::{self, PhasedRun};
use crate::video::sample::{Sampled, sample_video};
use crate::video::{absolute, find_videos};
use crate::{interrupt, messages};

mod stale;

use stale::{remove_report, strip_reports};

/// How videos are read and matched in one run.
struct Reader {
    tools: Tools,
    interval: f64,
    /// Screenshots per interval a new video is compared from (`--phases`).
    phases: u32,
    min_similarity: f32,
    options: SequenceOptions,
    crop: bool,
    sampling: Option<Sampling>,
    /// `--hwaccel`, and the tools it led to, decided on the first video read.
    hwaccel: Choice,
    decided: OnceCell<Tools>,
    /// Set when the hardware decoder failed on a video: software from then on.
    software_only: Cell<bool>,
}

impl Reader {
    /// Probes and samples one video. A failure is reported by name (and counted by
    /// `messages`), and gives `None` so that the run goes on with the next video.
    fn read(&self, path: &Path, progress: &Progress) -> Option<(VideoInfo, Sampled)> {
        match self.sample(path, progress) {
            Ok(read) => Some(read),
            Err(e) => {
                messages::file_error(path, e);
                None
            }
        }
    }

    /// [`Reader::read`] without the error message.
    fn sample(&self, path: &Path, progress: &Progress) -> Result<(VideoInfo, Sampled)> {
        let info = ffmpeg::probe(&self.tools, path)?;
        let method = self
            .sampling
            .unwrap_or_else(|| Sampling::choose(&info, self.interval / f64::from(self.phases)));
        let tools = self.decided.get_or_init(|| {
            let hwaccel = hwaccel::decide(&self.tools, &self.hwaccel, path, &info, self.interval);
            self.tools.with_hwaccel(hwaccel.as_deref())
        });
        let sample = |tools: &Tools| {
            sample_video(
                tools,
                path,
                &info,
                (self.interval, self.phases),
                method,
                self.crop,
                progress,
            )
        };
        let tools = if self.software_only.get() {
            &self.tools
        } else {
            tools
        };
        let sampled = match (sample(tools), tools.hwaccel()) {
            (Err(e), Some(hwaccel)) => {
                messages::warning(format!(
                    "{}: decoding with {hwaccel} failed ({e:#}); reading it, and the rest of \
                     this run, in software",
                    messages::shown(path)
                ));
                self.software_only.set(true);
                sample(&self.tools)
            }
            (result, _) => result,
        };
        Ok((info, sampled?))
    }

    /// The runs of `sampled`, from each of its phases, in the stored videos (but `exclude`).
    fn matches(
        &self,
        index: &ShotIndex,
        sampled: &Sampled,
        exclude: Option<u32>,
        videos: &VideoStore,
    ) -> Vec<PhasedRun> {
        // A video shorter than S screenshots matches with all of them in a row: its length is
        // that of the stored phase (a later phase may have one screenshot less, which must
        // not make a shorter run enough).
        let length = sampled.shots.iter().map(|s| s.index + 1).max().unwrap_or(0);
        let per_phase = sampled
            .phases(self.interval)
            .map(|(shots, shift)| {
                let mut runs = index.matches(
                    shots,
                    self.min_similarity,
                    &self.options,
                    exclude,
                    &|video, frame| videos.signature(video, frame),
                );
                runs.retain(|m| m.matched >= index.run_needed(&self.options, length, m.target));
                (runs, shift)
            })
            .collect();
        phased::merge(per_phase, self.interval)
    }

    /// Reports the matches of a video stored by a run that was killed before it reported them
    /// (`pending`), against the videos stored before it (as that run would have), then clears
    /// the flag. Whether it had matches.
    fn report_stored(
        &self,
        (path, record): (&Path, &VideoRecord),
        index: &ShotIndex,
        videos: &VideoStore,
        by_id: &HashMap<u32, (PathBuf, VideoRecord)>,
        (json, report_dir): (bool, Option<&Path>),
    ) -> Result<bool> {
        // The screenshots between the stored ones are not kept: read again when compared (if
        // that fails, the stored ones alone, with a warning).
        let again = (self.phases > 1)
            .then(|| match self.sample(path, &Progress::new()) {
                Ok(read) => Some(read),
                Err(e) => {
                    messages::warning(format!(
                        "{}: cannot read it again for the screenshots between the stored ones \
                         ({e:#}); compared from the stored ones",
                        messages::shown(path)
                    ));
                    None
                }
            })
            .flatten()
            .filter(|(info, _)| info.stamp == record.info.stamp);
        let sampled = match again {
            Some((_, sampled)) => sampled,
            None => Sampled {
                shots: videos.shots(record.id)?,
                between: Vec::new(),
            },
        };
        let mut runs = self.matches(index, &sampled, Some(record.id), videos);
        // Ids grow in the order videos are stored.
        runs.retain(|(run, _)| run.target < record.id);
        let me = VideoRef {
            path: path.to_path_buf(),
            info: record.info.clone(),
        };
        let pairs = video_report::pair_reports(&me, &runs, self.interval, by_id);
        if pairs.is_empty() {
            // A report written before the videos it named were deleted says nothing true now.
            if let Some(report) = report_dir.and_then(|d| video_html::existing_for(d, path)) {
                remove_report(&report, "a video that no longer shares clips");
            }
        }
        if !self.report(&pairs, json, report_dir)? {
            return Ok(false);
        }
        videos.set_reported(path, record)?;
        Ok(!pairs.is_empty())
    }

    /// Prints what was found for one video, after writing its HTML report into `report_dir`.
    /// False, with nothing written or printed, when Ctrl-C came while its thumbnails were made
    /// (the terminal's Ctrl-C stops ffmpeg too, so some would be missing): the video stays
    /// `pending` and the next run reports it whole.
    fn report(&self, pairs: &[PairReport], json: bool, report_dir: Option<&Path>) -> Result<bool> {
        if pairs.is_empty() {
            return Ok(true);
        }
        let mut report_path = None;
        if let Some(dir) = report_dir {
            let Some(path) = self.write_html(pairs, dir)? else {
                return Ok(false);
            };
            report_path = Some(path);
        }
        video_report::print(pairs, json, report_path.as_deref())?;
        Ok(true)
    }

    /// Writes the HTML report of `pairs` (all of one video) into `dir`, over the report about
    /// that video already there: its path, or `None` with nothing written when Ctrl-C came
    /// while its thumbnails were made.
    fn write_html(&self, pairs: &[PairReport], dir: &Path) -> Result<Option<PathBuf>> {
        let Some(first) = pairs.first() else {
            return Ok(None);
        };
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = video_html::file_for(dir, &first.video.path);
        let html = video_html::html(pairs, &mut |v: &VideoRef, at: f64| {
            if interrupt::requested() {
                return None;
            }
            ffmpeg::thumbnail_jpeg(&self.tools, &v.path, &v.info, at, 192).ok()
        });
        if interrupt::requested() {
            return Ok(None);
        }
        std::fs::write(&path, html).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Some(path))
    }
}

/// `lookalike videos`.
pub fn run(config: &Config, args: &VideosArgs) -> Result<()> {
    let tools = Tools::find()?;
    let sensitivity = config::plain_sensitivity(args.sensitivity)?;
    let options = sequence_options(args.min_sequence)?;
    interrupt::install();
    let store = Store::open(&config.db)?;
    let videos = store.videos()?;
    let interval = videos.interval(args.interval, true)?;
    let reader = Reader {
        tools,
        interval,
        phases: args
            .phases
            .unwrap_or_else(|| phased::default_phases(interval)),
        min_similarity: sensitivity.min_similarity(),
        options,
        crop: !args.no_crop,
        sampling: args.sampling,
        hwaccel: Choice::parse(&args.hwaccel),
        decided: OnceCell::new(),
        software_only: Cell::new(false),
    };
    let report_dir = (!args.no_report).then_some(args.report_dir.as_path());

    // Forget deleted videos, then load the screenshots of the others. Only a video known to be
    // gone is dropped (not one behind a folder that cannot be read). The reports that name it
    // lose it first, so that a run killed before its record goes does that again. Reports in
    // the report folder are kept true with --no-report too (nothing new is written there).
    let (gone, kept): (Vec<_>, Vec<_>) = videos
        .records()?
        .into_iter()
        .partition(|(path, _)| matches!(path.try_exists(), Ok(false)));
    let deleted: Vec<(PathBuf, u32)> = gone.iter().map(|(p, r)| (p.clone(), r.id)).collect();
    let stripped = strip_reports(&args.report_dir, &deleted, &kept);
    let (mut dropped, mut reports_dropped) = (0, 0);
    for (path, record) in &gone {
        videos.remove(path, record.id)?;
        dropped += 1;
        // Its report (of the clips it shared when it was stored) is about a video that is
        // gone: it goes too.
        if let Some(report) = video_html::existing_for(&args.report_dir, path) {
            reports_dropped += usize::from(remove_report(&report, "a deleted video"));
        }
    }
    let mut by_path: HashMap<PathBuf, VideoRecord> = kept.into_iter().collect();
    let mut by_id: HashMap<u32, (PathBuf, VideoRecord)> = by_path
        .iter()
        .map(|(p, r)| (r.id, (p.clone(), r.clone())))
        .collect();
    let started = Instant::now();
    let mut shots = ShotIndex::load(&videos, &|id| by_id.contains_key(&id))?;
    let loaded = started.elapsed();
    messages::info(format!(
        "{} videos stored ({} screenshots every {} s, index {:.1} MiB, loaded in {:.2} s{}){}{stripped}",
        by_path.len(),
        shots.index.len(),
        interval,
        shots.index.memory_bytes() as f64 / (1 << 20) as f64,
        loaded.as_secs_f64(),
        if reader.phases > 1 {
            let step = format!("{:.2}", interval / f64::from(reader.phases));
            format!(
                "; new videos read every {} s, --phases {}",
                step.trim_end_matches('0').trim_end_matches('.'),
                reader.phases
            )
        } else {
            String::new()
        },
        if dropped > 0 {
            let reports = match (dropped, reports_dropped) {
                (_, 0) => String::new(),
                (1, _) => ", with its report".to_string(),
                (_, 1) => " and 1 report".to_string(),
                (_, n) => format!(" and {n} reports"),
            };
            format!("; {dropped} deleted videos dropped{reports}")
        } else {
            String::new()
        }
    ));

    let (files, unreadable) = find_videos(&args.paths);
    if files.is_empty() && unreadable == 0 {
        messages::info(format!(
            "no video files under {} (by extension: {})",
            args.paths
                .iter()
                .map(|p| messages::shown(p))
                .collect::<Vec<_>>()
                .join(", "),
            crate::video::VIDEO_EXTENSIONS.join(", ")
        ));
    }
    let progress = Progress::new();
    let overall = progress.bar(files.len() as u64, "videos", "videos");
    let (mut new, mut unchanged, mut matched, mut changed, mut failed) = (0, 0, 0, 0, 0);
    let mut too_short: Vec<PathBuf> = Vec::new();
    // New videos whose every screenshot has no structure (`Signature::is_blank`).
    let mut blank: Vec<PathBuf> = Vec::new();
    for path in &files {
        if interrupt::requested() {
            break;
        }
        overall.inc(1);
        let stamp = match std::fs::metadata(path) {
            Ok(metadata) => Stamp::of(&metadata),
            Err(e) => {
                messages::file_error(path, e);
                failed += 1;
                continue;
            }
        };
        let mut was_stored = false;
        if let Some(record) = by_path.get(path) {
            if record.info.stamp == stamp {
                unchanged += 1;
                if record.pending {
                    let record = record.clone();
                    matched += usize::from(reader.report_stored(
                        (path, &record),
                        &shots,
                        &videos,
                        &by_id,
                        (args.json, report_dir),
                    )?);
                }
                continue;
            }
            // Changed: forget the old screenshots, read it again.
            was_stored = true;
            let id = record.id;
            videos.remove(path, id)?;
            shots.remove_video(id);
            by_id.remove(&id);
            by_path.remove(path);
        }
        let Some((info, sampled)) = reader.read(path, &progress) else {
            failed += 1;
            continue;
        };
        let runs = reader.matches(&shots, &sampled, None, &videos);
        let sampled = sampled.shots;
        if (sampled.len() as u32) < MIN_SHORT_RUN.min(reader.options.min_run) {
            too_short.push(path.clone());
        }
        if !sampled.is_empty() && sampled.iter().all(|shot| shot.signature.is_blank()) {
            blank.push(path.clone());
        }
        let me = VideoRef {
            path: path.clone(),
            info: info.clone(),
        };
        let pairs = video_report::pair_reports(&me, &runs, interval, &by_id);
        let id = videos.next_id()?;
        let record = VideoRecord {
            id,
            info,
            screenshots: sampled.len() as u32,
            pending: true,
        };
        videos.save(path, &record, &sampled)?;
        shots.insert(id, &sampled);
        if was_stored {
            changed += 1;
        } else {
            new += 1;
        }
        let reported = pairs.is_empty() || reader.report(&pairs, args.json, report_dir)?;
        if reported {
            matched += usize::from(!pairs.is_empty());
            videos.set_reported(path, &record)?;
        }
        by_id.insert(id, (path.clone(), record.clone()));
        by_path.insert(path.clone(), record);
    }
    overall.finish_and_clear();
    drop(progress);
    store.flush()?;
    if !too_short.is_empty() {
        messages::warning(format!(
            "{} video{} too short to match anything: fewer than {MIN_SHORT_RUN} screenshots at \
             one every {interval} s (a database made with a shorter --interval takes more): {}",
            too_short.len(),
            if too_short.len() == 1 { " is" } else { "s are" },
            messages::first_few(&too_short),
        ));
    }
    if !blank.is_empty() {
        messages::info(format!(
            "note: {} no structure in any screenshot (black or one colour, or nearly), so {} \
             nothing: {}",
            match blank.len() {
                1 => "1 video has".to_owned(),
                n => format!("{n} videos have"),
            },
            if blank.len() == 1 {
                "it matches"
            } else {
                "they match"
            },
            messages::first_few(&blank),
        ));
    }
    if interrupt::requested() {
        messages::info(
            "interrupted: what was read is stored; run the same command again to finish (a \
             video being read is read again, a report being made is written then)",
        );
    }
    let others = if unreadable > 0 {
        format!(" ({unreadable} other errors)")
    } else {
        String::new()
    };
    messages::info(format!(
        "{new} new videos read, {unchanged} unchanged skipped, {changed} changed read again, \
         {failed} failed{others}, {matched} with matches"
    ));
    Ok(())
}

/// `lookalike query VIDEO...`: the stored videos that share clips with videos outside the
/// database (nothing is stored, no HTML report is written).
pub fn query(
    config: &Config,
    paths: &[PathBuf],
    sensitivity: Option<u8>,
    (min_sequence, phases): (u32, Option<u32>),
    limit: usize,
    json: bool,
) -> Result<()> {
    let options = sequence_options(min_sequence)?;
    let tools = Tools::find()?;
    let sensitivity = config::plain_sensitivity(sensitivity)?;
    let store = Store::open_for_reading(&config.db)?;
    let videos = store.videos()?;
    let Some(interval) = videos.stored_interval()? else {
        bail!(
            "the database {} holds no videos yet\nhint: store some with `lookalike videos PATH`",
            config.db.display()
        );
    };
    let by_id: HashMap<u32, (PathBuf, VideoRecord)> = videos
        .records()?
        .into_iter()
        .map(|(p, r)| (r.id, (p, r)))
        .collect();
    let shots = ShotIndex::load(&videos, &|id| by_id.contains_key(&id))?;
    let reader = Reader {
        tools,
        interval,
        phases: phases.unwrap_or_else(|| phased::default_phases(interval)),
        min_similarity: sensitivity.min_similarity(),
        options,
        crop: true,
        sampling: None,
        hwaccel: Choice::Off,
        decided: OnceCell::new(),
        software_only: Cell::new(false),
    };
    let progress = Progress::new();
    for path in paths {
        let path = absolute(path);
        let Some((info, sampled)) = reader.read(&path, &progress) else {
            continue;
        };
        // The query may itself be stored: leave it out of its own results.
        let own = by_id
            .iter()
            .find(|(_, (p, _))| *p == path)
            .map(|(&id, _)| id);
        let runs = reader.matches(&shots, &sampled, own, &videos);
        let me = VideoRef { path, info };
        let mut pairs = video_report::pair_reports(&me, &runs, interval, &by_id);
        // `--limit`: the stored videos that share the most screenshots with the query.
        let shared =
            |p: &video_report::PairReport| -> u32 { p.ranges.iter().map(|r| r.screenshots).sum() };
        pairs.sort_by(|a, b| {
            shared(b)
                .cmp(&shared(a))
                .then(a.other.path.cmp(&b.other.path))
        });
        pairs.truncate(limit);
        if pairs.is_empty() && !json {
            writeln!(
                std::io::stdout(),
                "{}: no stored video shares a clip",
                messages::shown(&me.path)
            )?;
        }
        reader.report(&pairs, json, None)?;
    }
    Ok(())
}
