//! `lookalike bench <DIR>`: whole-pipeline figures on a folder of images, in one run:
//! - images per second end to end (decode + transform + index), and the split between the three
//!   stages (thread-seconds per image), mean ± σ over `--runs`;
//! - the same files through `djpeg -scale 1/8 -outfile /dev/null` (libjpeg-turbo's own tool) on
//!   as many parallel processes as threads: the floor, since entropy decoding can't be skipped;
//! - `--decoders`: JPEG decoders side by side (the `image` crate, zune-jpeg, libjpeg-turbo at
//!   full size and at the DCT scale the scan uses);
//! - a first `scan` into a fresh database and a rescan of the unchanged folder (this binary, as a
//!   child process, so everything a user waits for is counted);
//! - `--open-entries N`: the time to open a database of N synthetic entries and rebuild the
//!   in-memory index.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use lookalike_core::{Framing, ProbedIndexBuilder, QueryScratch, SideProbe, Signature, Weights};
use rayon::prelude::*;

use crate::args::{BenchArgs, GpuChoice};
use crate::config::Config;
use crate::image::decode;
use crate::image::hashing::{Engine, StageTimes};
use crate::image::library::Library;
use crate::image::snapshot;
use crate::image::walk;
use crate::progress::Progress;
use crate::store::{FileRecord, Format, ImageFile, Picture, Stamp, Store};

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

fn rate(label: &str, n: usize, seconds: &[f64]) -> f64 {
    let rates: Vec<f64> = seconds.iter().map(|s| n as f64 / s).collect();
    let (mean, sd) = mean_sd(&rates);
    let (t, _) = mean_sd(seconds);
    println!("  {label:<44} {mean:>8.1} ± {sd:>5.1} images/s   ({t:.2} s)");
    mean
}

/// A temporary folder of our own, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Result<Scratch> {
        let dir =
            std::env::temp_dir().join(format!("lookalike-bench-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(config: &Config, args: &BenchArgs) -> Result<()> {
    let dir = std::fs::canonicalize(&args.dir)
        .with_context(|| format!("cannot read {}", args.dir.display()))?;
    let progress = Progress::new();
    let bar = progress.spinner("listing", "images");
    let mut files: Vec<PathBuf> = walk::walk(std::slice::from_ref(&dir), &[], false, &bar)
        .into_iter()
        .map(|(path, _)| path)
        .collect();
    bar.finish_and_clear();
    if let Some(limit) = args.limit {
        files.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    if files.is_empty() {
        bail!("no images under {}", dir.display());
    }
    let n = files.len();
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let engine = Engine::new(config.gpu);
    let runs = usize::try_from(args.runs).unwrap_or(1).max(1);
    engine.expect(n * runs);
    let threads = rayon::current_num_threads();
    println!(
        "lookalike bench: {n} images ({} average) in {}, {threads} threads, hashing on {}",
        crate::messages::human_size(bytes / n as u64),
        dir.display(),
        engine.description()?
    );

    // Warm the page cache so every contender reads from memory.
    files.par_iter().for_each(|f| {
        let _ = std::fs::read(f);
    });

    println!("pipeline (decode → 128×128 → YIQ → Haar → signature → index insert + query):");
    let mut totals = Vec::new();
    let (mut decode_s, mut transform_s, mut index_s) = (Vec::new(), Vec::new(), Vec::new());
    let mut failed = 0;
    for _ in 0..runs {
        let times = StageTimes::default();
        let start = Instant::now();
        let mut signatures: Vec<(Signature, Signature)> = Vec::with_capacity(n);
        failed = 0;
        for batch in files.chunks(engine.batch_len()) {
            for result in engine.hash_paths(batch, &times)? {
                match result {
                    Ok((_, (signature, probe, _sides))) => signatures.push((signature, probe)),
                    Err(_) => failed += 1,
                }
            }
        }
        let index_start = Instant::now();
        let mut builder = ProbedIndexBuilder::new(Weights::Scanned);
        for (s, probe) in &signatures {
            builder.add(s, probe);
        }
        let index = builder.build();
        let mut scratch = QueryScratch::new();
        let mut found = 0usize;
        for (s, probe) in &signatures {
            found += index.query_with(&mut scratch, s, probe, 50.0, 100).len();
        }
        std::hint::black_box(found);
        index_s.push(index_start.elapsed().as_secs_f64());
        totals.push(start.elapsed().as_secs_f64());
        decode_s.push(times.decode_s());
        transform_s.push(times.transform_s());
    }
    let ours = rate("end to end", n, &totals);
    let per_image_ms = |v: &[f64]| mean_sd(v).0 / n as f64 * 1e3;
    let (d, t, i) = (
        per_image_ms(&decode_s),
        per_image_ms(&transform_s),
        per_image_ms(&index_s),
    );
    let sum = d + t + i;
    println!(
        "  split, thread-ms per image: decode {d:.2} ({:.0} %), transform {t:.2} ({:.0} %), index {i:.3} ({:.1} %)",
        100.0 * d / sum,
        100.0 * t / sum,
        100.0 * i / sum
    );
    if failed > 0 {
        println!("  ({failed} files failed to decode)");
    }
    if let Some(gpu) = engine.gpu_summary() {
        println!("  {gpu}");
    }

    if !args.no_djpeg {
        let jpegs: Vec<&PathBuf> = files
            .iter()
            .filter(|f| {
                f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg")
                })
            })
            .collect();
        let mut seconds = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let ok = jpegs
                .par_iter()
                .map(|f| {
                    Command::new("djpeg")
                        .args(["-scale", "1/8", "-outfile", "/dev/null"])
                        .arg(f)
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success())
                })
                .filter(|ok| *ok)
                .count();
            if ok == 0 {
                println!("  djpeg: not found or failed (install libjpeg-turbo-progs)");
                break;
            }
            seconds.push(start.elapsed().as_secs_f64());
        }
        if !seconds.is_empty() {
            let floor = rate(
                &format!(
                    "djpeg -scale 1/8 ({} JPEGs, {threads} processes)",
                    jpegs.len()
                ),
                jpegs.len(),
                &seconds,
            );
            if jpegs.len() == n {
                println!(
                    "  lookalike end to end / djpeg floor: {:.2}× the floor's time",
                    floor / ours
                );
            } else {
                // Other formats cost what they cost: no floor for the mixed set.
                println!(
                    "  (no ratio to the floor: {} of the {n} files are not JPEGs; bench a folder \
                     of JPEGs for it)",
                    n - jpegs.len()
                );
            }
        }
    }

    if args.decoders {
        decoders(&files, runs);
    }

    if args.limit.is_none() {
        scan_and_rescan(&dir, &files, config)?;
    } else {
        println!(
            "(scan and rescan of the folder skipped with --limit: they would read every file)"
        );
    }

    if let Some(entries) = args.open_entries {
        open_database(entries)?;
    }
    Ok(())
}

/// A named decoder that says whether it decoded the bytes.
type Contender = (&'static str, fn(&[u8]) -> bool);

fn decoders(files: &[PathBuf], runs: usize) {
    println!(
        "JPEG decoders (decode only, all threads; this build's libjpeg: {}):",
        decode::JPEG_DECODER
    );
    let jpegs: Vec<Vec<u8>> = files
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter(|b| b.starts_with(&[0xFF, 0xD8, 0xFF]))
        .collect();
    let n = jpegs.len();
    let contenders: [Contender; 4] = [
        ("image 0.25 (zune-jpeg inside), full size", |b| {
            decode::decode_with_image(b).is_ok()
        }),
        ("zune-jpeg 0.5 direct, full size", |b| {
            zune_jpeg::JpegDecoder::new(std::io::Cursor::new(b))
                .decode()
                .is_ok()
        }),
        ("libjpeg, full size", |b| {
            decode::decode_jpeg(b, false).is_ok()
        }),
        ("libjpeg, DCT-scaled (what scan uses)", |b| {
            decode::decode_jpeg(b, true).is_ok()
        }),
    ];
    for (label, f) in contenders {
        let mut seconds = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let ok = jpegs.par_iter().filter(|b| f(b)).count();
            seconds.push(start.elapsed().as_secs_f64());
            if ok != n {
                println!("  ({label}: {} of {n} failed)", n - ok);
            }
        }
        rate(label, n, &seconds);
    }
}

fn scan_and_rescan(dir: &Path, files: &[PathBuf], config: &Config) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find this program")?;
    let db = Scratch::new("db")?;
    let scan = || -> Result<f64> {
        let start = Instant::now();
        let status = Command::new(&exe)
            .arg("--db")
            .arg(&db.0)
            .arg("--quiet")
            .args(["--threads", &config.threads.to_string()])
            .args([
                "--gpu",
                match config.gpu {
                    GpuChoice::Auto => "auto",
                    GpuChoice::On => "on",
                    GpuChoice::Off => "off",
                },
            ])
            .arg("scan")
            .arg(dir)
            .arg("--json")
            .stdout(Stdio::null())
            .status()
            .context("cannot run scan")?;
        if !matches!(status.code(), Some(0 | 1)) {
            bail!("scan failed: {status}");
        }
        Ok(start.elapsed().as_secs_f64())
    };
    println!(
        "lookalike scan {} ({} files under it):",
        dir.display(),
        files.len()
    );
    let first = scan()?;
    println!(
        "  first scan, fresh database                   {first:>8.2} s  ({:.1} images/s)",
        files.len() as f64 / first
    );
    let again = scan()?;
    println!(
        "  rescan, nothing changed                      {again:>8.2} s  ({:.2} s per 10 000 files)",
        again / files.len() as f64 * 10_000.0
    );
    Ok(())
}

/// A deterministic, valid signature from a counter (codes biased to low frequencies, as real
/// ones are).
fn synthetic_signature(seed: u64) -> Signature {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    let m = usize::from(lookalike_core::DEFAULT_COEFFICIENTS);
    let average = std::array::from_fn(|_| (next() % 1000) as f32 / 1000.0);
    let codes: [Vec<u16>; 3] = std::array::from_fn(|_| {
        let negatives = (next() as usize) % (m + 1);
        let mut position = 0u16;
        (0..m)
            .map(|k| {
                if k == m - negatives {
                    position = 0;
                }
                position += 1 + (next() % 50) as u16;
                if k >= m - negatives {
                    position | lookalike_core::signature::NEGATIVE
                } else {
                    position
                }
            })
            .collect()
    });
    Signature::from_parts(1.5, average, [0.01; 3], [&codes[0], &codes[1], &codes[2]])
        .unwrap_or_else(|_| unreachable!("positions 1..=2000 of {m} codes are valid"))
}

fn open_database(entries: usize) -> Result<()> {
    let db = Scratch::new("open")?;
    println!("database of {entries} synthetic entries:");
    let start = Instant::now();
    {
        let store = Store::open(&db.0)?;
        let chunk = 10_000;
        let mut written = 0;
        while written < entries {
            let end = (written + chunk).min(entries);
            let records: Vec<FileRecord> = (written..end)
                .into_par_iter()
                .map(|i| FileRecord {
                    file: ImageFile {
                        path: PathBuf::from(format!(
                            "/photos/{:03}/{:06}/IMG_{i:08}.jpg",
                            i % 997,
                            i / 1000
                        )),
                        stamp: Stamp {
                            size: 3_000_000 + i as u64,
                            mtime_ns: 1_700_000_000_000_000_000 + i as i64,
                        },
                        picture: Picture {
                            width: 4000,
                            height: 3000,
                            format: Format::Jpeg,
                        },
                    },
                    pending: false,
                    signature: synthetic_signature(i as u64),
                    // Another synthetic signature: only the cost of a second one is measured.
                    probe: synthetic_signature(!(i as u64)),
                    // A reported record keeps all its side probes, inner and outer (store
                    // format 15).
                    sides: (0..lookalike_core::SIDE_PROBES as u64)
                        .map(|k| SideProbe {
                            framing: if k < lookalike_core::SIDE_PROBES as u64 / 2 {
                                Framing::Cropped
                            } else {
                                Framing::Wider
                            },
                            signature: synthetic_signature((i as u64) << 6 | k),
                        })
                        .collect(),
                })
                .collect();
            store.put_many(&records)?;
            written = end;
        }
        store.flush()?;
        println!(
            "  written in {:.1} s, {:.0} MB on disk",
            start.elapsed().as_secs_f64(),
            store.size_on_disk() as f64 / 1e6
        );
    }
    let start = Instant::now();
    let store = Store::open(&db.0)?;
    let opened = start.elapsed().as_secs_f64();
    let progress = Progress::new();
    let mut library = Library::rebuild(&store, &progress)?;
    let total = start.elapsed().as_secs_f64();
    println!(
        "  from the records: open {opened:.2} s + index rebuild {:.2} s = {total:.2} s for {} entries (index {:.0} MB)",
        total - opened,
        library.len(),
        library.index_bytes() as f64 / 1e6
    );
    let start = Instant::now();
    library.save(&store);
    let saved = start.elapsed().as_secs_f64();
    drop(library);
    drop(store);
    let size = std::fs::metadata(db.0.join(snapshot::FILE_NAME)).map_or(0, |m| m.len());
    println!("  saved in {saved:.2} s ({:.0} MB)", size as f64 / 1e6);
    for _ in 0..2 {
        let start = Instant::now();
        let store = Store::open(&db.0)?;
        let opened = start.elapsed().as_secs_f64();
        let library = Library::load(&store, &progress)?;
        let total = start.elapsed().as_secs_f64();
        println!(
            "  saved: open {opened:.2} s + read the saved index {:.2} s = {total:.2} s for {} entries{}",
            total - opened,
            library.len(),
            if library.is_saved() {
                ""
            } else {
                " (NOT from the saved copy)"
            }
        );
        let start = Instant::now();
        drop(library);
        drop(store);
        println!("  closed in {:.2} s", start.elapsed().as_secs_f64());
    }
    Ok(())
}
