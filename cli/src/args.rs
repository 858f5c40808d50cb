//! The command line, as clap derive types. Nothing here touches the file system: [`crate::config`]
//! turns these into validated settings before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::exchange::shard::Shard;

const EXIT_CODES: &str = "\
Exit codes:
  0    finished, and every input was read
  1    finished, but some inputs failed (each one is listed on stderr as `error: <path>: <reason>`)
  2    could not run (bad arguments, database unreadable or in use by another process)
  130  interrupted (Ctrl-C); the database was flushed first, and a rerun resumes";

const EXAMPLES: &str = "\
Examples:
  lookalike scan ~/Pictures                    index ~/Pictures and list the similar images
  lookalike scan ~/Pictures --html report.html  ... and write a report to review them in a browser
  lookalike apply lookalike-plan.json --dry-run what the plan downloaded from the report would do
  lookalike scan ~/New --reference ~/Archive   ~/Archive is never proposed for removal
  lookalike scan ~/Pictures --review-dir similar_images --dry-run
  lookalike query holiday.jpg --limit 5        best matches in the index for one image
  lookalike videos ~/Videos                    store screenshots of every video, report shared clips
  lookalike query clip.mp4                     stored videos that share clips with clip.mp4
  lookalike hash a.jpg b.png                   signatures as JSON lines
  lookalike db info                            what the database holds";

/// Find images (and videos) that look alike: duplicates with small changes.
#[derive(Debug, Parser)]
#[command(name = "lookalike", version, about, after_help = concat_help())]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

fn concat_help() -> String {
    format!("{EXAMPLES}\n\n{EXIT_CODES}")
}

/// Options every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The index database (a directory). Default: lookalike/index in the platform's data
    /// directory (e.g. ~/.local/share/lookalike/index). Env: LOOKALIKE_DB.
    #[arg(long, global = true, env = "LOOKALIKE_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Worker threads for decoding and hashing (default: all cores).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Where signatures are computed: auto (all CPU threads, and a GPU beside them when the
    /// work is worth its start and it costs the CPU less per image, measured as it runs), on
    /// (every image on the GPU, or fail), off (CPU only). The GPU is looked for only when
    /// images need hashing.
    #[arg(long, global = true, value_enum, default_value_t = GpuChoice::Auto)]
    pub gpu: GpuChoice,
    /// No progress bars and no informational lines; errors and results are still printed.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// `--gpu`. (Not lookalike-gpu's `BackendRequest`: that crate is optional, and `off` must parse
/// in a build without it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GpuChoice {
    Auto,
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index the images under PATHs (new and changed files only) and report the similar ones.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// The best matches in the index for images that need not be in it (one that is, is not
    /// its own match).
    #[command(after_help = EXIT_CODES)]
    Query(QueryArgs),
    /// Print signatures as JSON lines, one per file (`-` reads paths from stdin, one a line).
    #[command(after_help = EXIT_CODES)]
    Hash(HashArgs),
    /// Inspect and maintain the database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Measure decode, transform and index throughput on a folder of images.
    Bench(BenchArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Find clips shared between videos (a clip inside a compilation, re-encoded copies): store
    /// a screenshot signature every --interval seconds and report runs of matching screenshots.
    #[command(after_help = EXIT_CODES)]
    Videos(VideosArgs),
    /// Carry out a plan file made by the HTML report (or by hand): move the files marked
    /// `remove` to the trash (or --to DIR), remember the ones marked `not_duplicate`.
    #[command(after_help = EXIT_CODES)]
    Apply(ApplyArgs),
    /// The pairs you said are not duplicates: list them, add one, or forget one.
    #[command(subcommand)]
    Ignore(IgnoreCommand),
    /// Time opening an HTML report of N synthetic groups (not for users; for the README).
    #[command(hide = true)]
    BenchReport(BenchReportArgs),
    /// Video benchmarks, for the README's figures (not for users; stores nothing).
    #[command(hide = true, subcommand)]
    BenchVideos(BenchVideosCommand),
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folders (or single images) to scan, recursively.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// 0 (match loosely) to 100 (resized copies only). The default, 28 (25 with --whole), is
    /// the measured balance between copies found and false pairs (README, Sensitivity;
    /// docs/accuracy.md).
    #[arg(long, short, value_name = "0-100")]
    pub sensitivity: Option<u8>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// A folder of originals: scanned too, but its files are never proposed for removal, and
    /// groups made only of its files are not reported. May be given more than once.
    #[arg(long, value_name = "DIR")]
    pub reference: Vec<PathBuf>,
    /// Report every similar pair under PATHs, not only pairs involving new or changed files.
    #[arg(long)]
    pub all: bool,
    /// Review workflow: hard-link the better image of each group and move the others into DIR
    /// with names that sort together (000001_KEEP_a.jpg, 000001_REMOVE_b.jpg). Nothing is
    /// deleted. Reviews every group under PATHs (implies --all); later scans leave DIR out.
    /// Without a value: ./similar_images.
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "similar_images")]
    pub review_dir: Option<PathBuf>,
    /// With --review-dir: print what would be linked and moved, change nothing.
    #[arg(long, requires = "review_dir")]
    pub dry_run: bool,
    /// Follow symbolic links (loops are reported and skipped).
    #[arg(long, short = 'L')]
    pub follow_links: bool,
    /// Compare images upright only: no mirrored or quarter-turned copies. Trades recall on
    /// mirrored and turned copies for slightly fewer false pairs and faster queries (README,
    /// Sensitivity; docs/accuracy.md).
    #[arg(long)]
    pub upright: bool,
    /// Compare images in all eight orientations of the square: also flipped upside down and
    /// reflected in either diagonal (turned 90° or 270° and mirrored), which the default leaves
    /// out. Finds those rarer copies, for more false pairs between pictures that mirror one
    /// another and about 75 % more query time (README, Mirror and quarter turns;
    /// docs/accuracy.md). Pairs stored before are not looked for again unless --all is given.
    #[arg(long, conflicts_with = "upright")]
    pub all_turns: bool,
    /// Compare images whole only, without their cropped and side probes (the paper's
    /// comparison, which scale/pairs.sql computes too): cropped copies are missed more often,
    /// queries take less time; the default sensitivity is then 25 (README, Sensitivity).
    #[arg(long)]
    pub whole: bool,
}

/// How found pairs are reported: by `scan` and by `db import-pairs`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Print the matches as JSON lines (one object per pair) instead of a table.
    #[arg(long)]
    pub json: bool,
    /// With --json: one object per group (the keeper and every member) instead of per pair.
    #[arg(long, requires = "json")]
    pub groups: bool,
    /// Also write an HTML report: one card per group with thumbnails (stored in FILE's
    /// sibling folder NAME_files/), where you choose what to keep and download a plan for
    /// `lookalike apply`.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The keep rule: criteria tried in order to choose the file to keep in each group, from
    /// resolution (more pixels), size (larger file), oldest, newest, format (lossless PNG, TIFF,
    /// BMP before lossy), path:PREFIX (files under PREFIX). Ties go to the shorter file name.
    #[arg(
        long,
        value_name = "RULES",
        value_delimiter = ',',
        default_value = "resolution,oldest,size"
    )]
    pub keep: Vec<String>,
}

/// `lookalike apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The plan file (JSON, README "Plan files").
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// The folder relative paths are under, for a plan whose `base` is null (the browser page's
    /// plans); overrides the plan's own `base`.
    #[arg(long, value_name = "DIR")]
    pub base: Option<PathBuf>,
    /// Move removed files into DIR (a review folder, left out of later scans) instead of the
    /// system trash.
    #[arg(long, value_name = "DIR")]
    pub to: Option<PathBuf>,
    /// Print what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `lookalike ignore`.
#[derive(Debug, Subcommand)]
pub enum IgnoreCommand {
    /// Every pair remembered as not a duplicate (tab-separated: path, path; with --json also
    /// when it was recorded).
    List {
        /// JSON lines instead.
        #[arg(long)]
        json: bool,
    },
    /// Remember that two files are not duplicates of each other (both must exist).
    Add {
        #[arg(value_name = "FILE")]
        a: PathBuf,
        #[arg(value_name = "FILE")]
        b: PathBuf,
    },
    /// Forget a pair (undo), so that scans report it again.
    Remove {
        #[arg(value_name = "FILE")]
        a: PathBuf,
        #[arg(value_name = "FILE")]
        b: PathBuf,
    },
}

/// `lookalike bench-report` (hidden).
#[derive(Debug, Args)]
pub struct BenchReportArgs {
    /// Groups in the synthetic report.
    #[arg(value_name = "N", default_value_t = 10_000)]
    pub groups: usize,
    /// Members per group.
    #[arg(long, default_value_t = 3)]
    pub members: usize,
    /// Write the page here (and its thumbnails beside it); default: a temporary folder.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Embed the thumbnails as data: URLs instead of the sibling folder.
    #[arg(long)]
    pub embed: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Images to look up; videos (by their extension) are searched for clips they share with
    /// the stored videos.
    #[arg(required = true, value_name = "IMAGE|VIDEO")]
    pub images: Vec<PathBuf>,
    /// At most this many matches per image (per video: this many stored videos, those sharing
    /// the most screenshots first).
    #[arg(long, short = 'n', default_value_t = 10)]
    pub limit: usize,
    /// Compare images upright only: no mirrored or quarter-turned copies. Trades recall on
    /// mirrored and turned copies for slightly fewer false pairs and faster queries (README,
    /// Sensitivity; docs/accuracy.md). Not for videos.
    #[arg(long)]
    pub upright: bool,
    /// Compare images in all eight orientations, as `scan --all-turns` does: also flipped upside
    /// down and reflected in either diagonal. Not for videos.
    #[arg(long, conflicts_with = "upright")]
    pub all_turns: bool,
    /// Compare images whole only, without their cropped and side probes, as `scan --whole` does
    /// (default sensitivity 25 then). Videos are always compared whole.
    #[arg(long)]
    pub whole: bool,
    /// As for scan (default: the scan's default; for videos, the default of `videos`).
    #[arg(long, short, value_name = "0-100")]
    pub sensitivity: Option<u8>,
    /// For videos: S, the least number of consecutive matching screenshots that make a match,
    /// as for `videos`.
    #[arg(long, value_name = "S", default_value_t = DEFAULT_MIN_SEQUENCE)]
    pub min_sequence: u32,
    /// For videos: screenshots per stored interval the query is compared from, as for `videos`.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=PHASES_MAX))]
    pub phases: Option<u32>,
    /// JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The most `--phases`: a screenshot every 20 s at an interval of 10 minutes.
const PHASES_MAX: i64 = 30;

/// The default `--min-sequence` (S): one minute at the default interval of 10 s.
pub const DEFAULT_MIN_SEQUENCE: u32 = 6;

/// `lookalike videos`.
#[derive(Debug, Args)]
pub struct VideosArgs {
    /// Folders (searched recursively for video files) or video files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Seconds between screenshots. Fixed when the database stores its first video (default
    /// 10); a later run may repeat it but not change it.
    #[arg(long, value_name = "SECONDS")]
    pub interval: Option<f64>,
    /// 0 (match loosely) to 100 (strict), for single screenshots; default 25 (screenshots are
    /// compared without the cropped probes that images have; README "Sensitivity").
    #[arg(long, short, value_name = "0-100")]
    pub sensitivity: Option<u8>,
    /// S: the least number of consecutive matching screenshots that make a match (6 = one
    /// minute at 10 s); a pair with a video shorter than that matches when all of the shorter
    /// one's screenshots do (at least 2).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_MIN_SEQUENCE)]
    pub min_sequence: u32,
    /// K: a new video is compared from K starting points per interval (screenshots at
    /// interval / K apart; only those one interval apart are stored), so that a clip cut
    /// anywhere in a stored video lines up with its screenshots within interval / 2K seconds,
    /// in scenes that change faster than the interval too. Default: one every 2 s, at most 5 (5
    /// at 10 s, 1 at 2 s and less); 1 compares the stored screenshots only, the fastest (README
    /// "Phases": about 3× faster on 1080p with a key frame every 10 s). Per run.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u32).range(1..=PHASES_MAX))]
    pub phases: Option<u32>,
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
    /// Skip the videos' own crop of dark bars (bars near black, which may hold a few bright
    /// pixels such as subtitles). Uniform borders of any colour are still cut before hashing,
    /// as for images (README, Videos).
    #[arg(long)]
    pub no_crop: bool,
    /// Hardware video decoding: auto (try the machine's decoders on the first video for 20 s and
    /// keep one only if it gives the same screenshots faster), off, or an ffmpeg `-hwaccel`
    /// method to use untried (cuda, vaapi, ...; a video it fails on is read in software).
    #[arg(long, value_name = "auto|off|METHOD", default_value = "auto")]
    pub hwaccel: String,
}

/// How screenshots are taken (`videos --sampling`; chosen per video by `Sampling::choose` in
/// `video/sample.rs` when not given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Sampling {
    /// One decoding pass over the whole video with ffmpeg's `select` filter.
    Pass,
    /// One ffmpeg run per screenshot that seeks to it (`-ss` before `-i`): decodes only from
    /// the key frame before each screenshot.
    Seek,
    /// One pass that decodes key frames only (`-skip_frame nokey`); screenshot `k` is the last
    /// key frame at or before `k × interval`, so it can be off by up to one key-frame distance.
    Keyframes,
}

/// `lookalike bench-videos` (hidden): the video figures of the README.
#[derive(Debug, Subcommand)]
pub enum BenchVideosCommand {
    /// Time every sampling method at intervals 10, 60 and 300 s on video files.
    Sampling {
        /// Video files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Memory and query time against HOURS hours of synthetic screenshots.
    Query {
        /// Hours of stored video to simulate.
        #[arg(value_name = "HOURS")]
        hours: f64,
        /// Real videos whose screenshots (one a second) feed the pool of coefficient codes.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Skip the exhaustive search that checks the seed-and-extend one (slow at 1000 hours).
        #[arg(long)]
        no_exhaustive: bool,
    },
}

#[derive(Debug, Args)]
pub struct HashArgs {
    /// Image files; `-` reads paths from standard input, one per line.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Hash only shard I of N (1 ≤ I ≤ N): the files whose FNV-1a hash of the path, as given,
    /// is I − 1 modulo N. N machines given the same list and I = 1…N hash every file once.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    #[command(flatten)]
    pub output: TableOutput,
}

/// Where and how `hash` and `db export` write signatures.
#[derive(Debug, Args)]
pub struct TableOutput {
    /// jsonl: one JSON object per line (the signature as hex bytes); parquet: the signatures
    /// table that scale/pairs.sql reads (README "Past one machine"), which needs --output.
    #[arg(long, value_enum, default_value_t = TableFormat::Jsonl)]
    pub format: TableFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `--format` of `hash` and `db export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Jsonl,
    Parquet,
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Counts, settings and size of the database.
    Info,
    /// Drop the entries whose files no longer exist.
    Prune,
    /// Bring a database of an older signature format to this version's: its image signatures
    /// are dropped (the next scan hashes the files anew), and its videos when their screenshots'
    /// signatures changed too (store formats before 25, the last to change them); the
    /// not-a-duplicate list and the screenshot interval are kept.
    Upgrade,
    /// Every stored signature as JSON lines (images, then videos), or the images as a Parquet
    /// table (--format parquet -o FILE) for scale/pairs.sql.
    Export(TableOutput),
    /// Report the pairs a query engine found (scale/pairs.sql's result: CSV with a header, or
    /// Parquet, columns a, b, similarity) as `scan --all` reports its pairs: table, JSON, HTML
    /// page. Both files of a pair must be in the database, or in the --signatures tables.
    #[command(after_help = EXIT_CODES)]
    ImportPairs(ImportPairsArgs),
}

/// `lookalike db import-pairs`.
#[derive(Debug, Args)]
pub struct ImportPairsArgs {
    /// The pairs file (CSV or Parquet).
    #[arg(value_name = "FILE")]
    pub pairs: PathBuf,
    /// Take the files' facts and signatures from these signatures tables (`hash --format
    /// parquet` on other machines) instead of the database, which is then not read at all (so
    /// no not-a-duplicate list applies).
    #[arg(long, value_name = "PARQUET", num_args = 1..)]
    pub signatures: Vec<PathBuf>,
    /// As for scan: a pair that lookalike scores below this sensitivity's similarity is not
    /// reported (the query was run on other signatures or at a lower threshold), and the run
    /// exits with 1. Default: 25, as in scale/pairs.sql (signatures compared without the
    /// cropped probes that `scan` adds; README "Sensitivity").
    #[arg(long, short, value_name = "0-100")]
    pub sensitivity: Option<u8>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// A folder of images (JPEGs for the djpeg comparison).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Use at most this many files.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Repetitions of each measurement (mean ± σ).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: u64,
    /// Skip the djpeg comparison.
    #[arg(long)]
    pub no_djpeg: bool,
    /// Also time opening a database of this many synthetic entries (e.g. 1000000).
    #[arg(long, value_name = "N")]
    pub open_entries: Option<usize>,
    /// Compare the JPEG decoders (image, zune-jpeg, libjpeg-turbo at full and reduced scale).
    #[arg(long)]
    pub decoders: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }
}
