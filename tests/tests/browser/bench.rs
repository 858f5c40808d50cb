//! Measurements for README.md, not tests: `cargo test -p lookalike-tests --test browser --
//! --ignored --nocapture`.

use image::imageops;

use super::driver::Browser;
use super::server::Server;
use super::{skip, web_root};

/// Hashing speed of the page (decode in the browser + wasm signature, in its worker pool), for
/// README.md: `cargo test -p lookalike-tests --test browser -- --ignored --nocapture`.
/// Each test photo at its own size (640 × 480 or so) and enlarged to 1920 × 1440, ten copies of each.
#[test]
#[ignore = "a measurement, not a test: run with --ignored --nocapture"]
fn page_hashing_throughput() {
    let browser = match Browser::start() {
        Ok(browser) => browser,
        Err(reason) => return skip(&reason),
    };
    let server = Server::start(&web_root());
    let dir = tempfile::tempdir().unwrap();
    let photos = lookalike_tests::photos();
    for (label, size) in [("photo size", None), ("1920×1440", Some((1920, 1440)))] {
        browser.open(&format!("http://127.0.0.1:{}/index.html", server.port));
        let mut files = Vec::new();
        for (name, photo) in &photos {
            let img = match size {
                Some((w, h)) => imageops::resize(photo, w, h, imageops::FilterType::Triangle),
                None => photo.clone(),
            };
            let mut jpeg = Vec::new();
            img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut jpeg, 90,
            ))
            .unwrap();
            for copy in 0..10 {
                let path = dir
                    .path()
                    .join(format!("{name}-{}-{copy}.jpg", size.map_or(0, |s| s.0)));
                std::fs::write(&path, &jpeg).unwrap();
                files.push(path);
            }
        }
        browser.send_files(&browser.element("#files"), &files);
        let summary = browser.wait_for_hashing(files.len());
        let wall = summary["wallMs"].as_f64().unwrap();
        let hash = summary["hashMs"].as_f64().unwrap();
        eprintln!(
            "browser throughput, {label}: {} JPEGs in {:.0} ms = {:.1} images/s with {} workers \
             (wasm hashing alone: {:.1} images/s per worker)",
            files.len(),
            wall,
            files.len() as f64 * 1000.0 / wall,
            summary["workers"],
            files.len() as f64 * 1000.0 / hash,
        );
    }
    let per_second: f64 = browser.run_async("lookalikeTest.benchHash(1024, 768, 50)", []);
    eprintln!(
        "browser: wasm hashing of 1024×768 RGBA pixels on the page thread: {per_second:.1} images/s"
    );
}

/// The phone-photo case: 12-megapixel JPEGs from `tests/make-bench-photos.sh 300
/// /tmp/p300` (or the folder in `LOOKALIKE_BENCH_PHOTOS`). Prints images per second and the
/// browser's CPU time per image (which, unlike wall time, other programs on the machine do not
/// inflate), how the decoders compare on one thread, the slider's responses while hashing, and
/// memory (PSS of all the browser's processes, of the page's renderer, the JavaScript heap) for
/// the photos and for 1 000 of them (hard links), with the load average. `LOOKALIKE_BENCH_QUICK=1`:
/// the photos only.
///
/// Asserts the goals of issue 15 that do not depend on how busy the machine is: every file hashed
/// (no error, no worker given up as stuck), the page's memory growth (all the browser's processes
/// over the same browser with the page open and empty) at most [`MEMORY_GOAL`], and 95 % of the
/// slider's moves while hashing under [`SLIDER_GOAL_MS`]. The speed (≥ 30 images/s) is printed,
/// not asserted: on a shared machine it measures the other programs as much as the page.
#[test]
#[ignore = "a measurement, not a test: run with --ignored --nocapture"]
fn page_on_phone_photos() {
    let folder = std::env::var_os("LOOKALIKE_BENCH_PHOTOS")
        .map_or_else(|| std::path::PathBuf::from("/tmp/p300"), Into::into);
    let mut photos: Vec<_> = std::fs::read_dir(&folder)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    photos.retain(|p| p.extension().is_some_and(|e| e == "jpg"));
    photos.sort();
    if photos.is_empty() {
        return skip(&format!(
            "no JPEGs in {}: run tests/make-bench-photos.sh 300 {0}",
            folder.display()
        ));
    }
    let mut browser = match Browser::start() {
        Ok(browser) => browser,
        Err(reason) => return skip(&reason),
    };
    let server = Server::start(&web_root());
    let page = format!("http://127.0.0.1:{}/index.html", server.port);
    let quick = std::env::var_os("LOOKALIKE_BENCH_QUICK").is_some();

    // ---- decoders side by side, one thread (the page's), on the first photos
    if !quick {
        browser.open(&page);
        let sample = &photos[..photos.len().min(12)];
        browser.send_files(&browser.element("#files"), sample);
        browser.wait_for_hashing(sample.len());
        let decoders: serde_json::Value = browser.run_async("lookalikeTest.compareDecoders()", []);
        eprintln!("browser, 12 MP JPEGs, ms per image on one thread: {decoders}");
    }

    // ---- the whole folder, with the slider moved while hashing
    let measured = run(&mut browser, &page, &photos);
    measured.print(&format!("{} JPEGs of 12 MP", photos.len()));
    // 300 photos are held to the bound of 1 000.
    measured.check();
    if quick {
        return;
    }

    // ---- 1 000 photos (hard links to the same files under other names)
    let dir = tempfile::tempdir().unwrap();
    let thousand: Vec<_> = (0..1000)
        .map(|i| {
            let link = dir.path().join(format!("{i:04}.jpg"));
            std::fs::hard_link(&photos[i % photos.len()], &link).unwrap();
            link
        })
        .collect();
    let measured = run(&mut browser, &page, &thousand);
    measured.print("1000 JPEGs of 12 MP (hard links to those)");
    measured.check();
}

/// The most the page may add to the browser's memory while hashing 1 000 photos (issue 15).
const MEMORY_GOAL: u64 = 300_000_000;
/// The slowest a slider move may take, for 95 % of the moves while hashing (issue 15).
const SLIDER_GOAL_MS: f64 = 100.0;

/// The load average over the last minute (`/proc/loadavg`), for the printed figures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

/// What one run of [`page_on_phone_photos`] measured.
struct Run {
    files: usize,
    summary: serde_json::Value,
    /// PSS of all the browser's processes: before the files, and the highest while hashing.
    base: u64,
    peak: u64,
    /// The highest PSS of one renderer process (the page's, which holds its workers too).
    peak_renderer: u64,
    /// The highest JavaScript heap of the page's main thread.
    peak_js_heap: f64,
    /// CPU seconds of all the browser's processes from adding the files to the end.
    cpu: f64,
    /// The slowest slider move while hashing ({ ms, groupMs, scoreMs, drawMs }) and how many.
    slowest_move: serde_json::Value,
    /// Milliseconds of every slider move while hashing.
    moves: Vec<f64>,
    /// The load average when the files were added and when they were hashed.
    load: (String, String),
}

/// Adds `files` to the page in a fresh browser (so that its memory is this run's alone) and
/// moves the slider every 250 ms until they are hashed.
fn run(browser: &mut Browser, page: &str, files: &[std::path::PathBuf]) -> Run {
    drop(std::mem::replace(browser, Browser::start().unwrap()));
    browser.open(page);
    let base = browser.memory_bytes();
    let cpu_before = browser.cpu_seconds();
    browser.send_files(&browser.element("#files"), files);
    let mut run = Run {
        files: files.len(),
        summary: serde_json::Value::Null,
        base,
        peak: base,
        peak_renderer: 0,
        peak_js_heap: 0.0,
        cpu: 0.0,
        slowest_move: serde_json::Value::Null,
        moves: Vec::new(),
        load: (load_average(), String::new()),
    };
    let started = std::time::Instant::now();
    loop {
        // progress(), not summary(): asked every 250 ms, it must cost the page next to nothing.
        let progress: serde_json::Value = browser.run("return lookalikeTest.progress()", []);
        let by_process = browser.memory_by_process();
        run.peak = run
            .peak
            .max(by_process.iter().map(|(_, bytes)| bytes).sum());
        let renderer = by_process.iter().filter(|(kind, _)| kind == "renderer");
        run.peak_renderer = run
            .peak_renderer
            .max(renderer.map(|p| p.1).max().unwrap_or(0));
        run.peak_js_heap = run
            .peak_js_heap
            .max(progress["jsHeapBytes"].as_f64().unwrap_or(0.0));
        if progress["state"] == "done" && progress["done"] == files.len() {
            run.cpu = browser.cpu_seconds() - cpu_before;
            let summary: serde_json::Value = browser.run("return lookalikeTest.summary()", []);
            let by_process: Vec<String> = by_process
                .iter()
                .map(|(kind, bytes)| format!("{kind} {:.0}", *bytes as f64 / 1e6))
                .collect();
            eprintln!(
                "browser: memory at the end by process (MB): {}; page JS heap {:.0} MB; wasm \
                 memory of the workers {:.0} MB",
                by_process.join(", "),
                summary["jsHeapBytes"].as_f64().unwrap_or(0.0) / 1e6,
                summary["workerWasmBytes"].as_f64().unwrap_or(0.0) / 1e6,
            );
            run.summary = summary;
            run.load.1 = load_average();
            return run;
        }
        assert!(
            started.elapsed() < super::driver::PATIENCE * 3,
            "{progress}"
        );
        let value = if run.moves.len().is_multiple_of(2) {
            20
        } else {
            30
        };
        let moved: serde_json::Value =
            browser.run("return lookalikeTest.slider(arguments[0])", [value.into()]);
        let ms = moved["ms"].as_f64().unwrap();
        if ms > run.slowest_move["ms"].as_f64().unwrap_or(-1.0) {
            run.slowest_move = moved;
        }
        run.moves.push(ms);
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

impl Run {
    /// The goals that hold whatever else the machine does (see [`page_on_phone_photos`]).
    fn check(&self) {
        let s = &self.summary;
        assert_eq!(s["failed"], 0, "{:#}", s["errors"]);
        assert_eq!(
            s["replacedWorkers"], 0,
            "a worker was given up: {:#}",
            s["errors"]
        );
        let growth = self.peak.saturating_sub(self.base);
        assert!(
            growth <= MEMORY_GOAL,
            "the page added {} MB to the browser's memory, over {} MB",
            growth / 1_000_000,
            MEMORY_GOAL / 1_000_000
        );
        let mut sorted = self.moves.clone();
        sorted.sort_by(f64::total_cmp);
        if let Some(&p95) = sorted.get(sorted.len() * 95 / 100) {
            assert!(
                p95 < SLIDER_GOAL_MS,
                "95 % of the slider's moves within {p95:.0} ms"
            );
        }
    }

    fn print(&self, label: &str) {
        let s = &self.summary;
        let n = self.files as f64;
        let wall = s["wallMs"].as_f64().unwrap();
        let per = |key: &str| s[key].as_f64().unwrap_or(0.0) / n;
        let mb = |bytes: f64| bytes / 1e6;
        let mut sorted = self.moves.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN);
        eprintln!(
            "browser, {label}: {:.0} ms = {:.1} images/s with {} workers; CPU of all browser \
             processes {:.1} s = {:.0} ms per image; per image in a worker: read {:.1} ms, \
             decode {:.1} ms, wasm hash {:.1} ms, thumbnail {:.1} ms; file streams that stalled \
             (read whole instead) {}; decoders {}; slider, {} \
             moves while hashing: median {:.0} ms, 95 % within {:.0} ms, {} over 100 ms, slowest {}; memory (PSS, all browser processes): {:.0} MB \
             with the page open, peak {:.0} MB (+{:.0}); the page's renderer process (page and \
             workers) peak {:.0} MB, page JS heap peak {:.0} MB; {} groups at the end; load \
             average {} at the start, {} at the end",
            wall,
            n * 1000.0 / wall,
            s["workers"],
            self.cpu,
            self.cpu * 1000.0 / n,
            per("readMs"),
            per("decodeMs"),
            per("hashMs"),
            per("thumbnailMs"),
            s["stalledReads"],
            s["decoders"],
            self.moves.len(),
            median,
            sorted
                .get(sorted.len() * 95 / 100)
                .copied()
                .unwrap_or(f64::NAN),
            self.moves.iter().filter(|&&ms| ms > 100.0).count(),
            self.slowest_move,
            mb(self.base as f64),
            mb(self.peak as f64),
            mb(self.peak as f64 - self.base as f64),
            mb(self.peak_renderer as f64),
            mb(self.peak_js_heap),
            s["groups"].as_array().map_or(0, Vec::len),
            self.load.0,
            self.load.1,
        );
    }
}

/// How far the page's JPEG pixels (lookalike-web's decoder) are from the command line's
/// (libjpeg-turbo's): the signatures of the test photos and of the first 30 phone photos, from the
/// page and from `lookalike hash` (`LOOKALIKE_CLI`, default `target/release/lookalike`).
#[test]
#[ignore = "a measurement, not a test: run with --ignored --nocapture"]
fn page_signatures_against_the_command_line() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cli = std::env::var_os("LOOKALIKE_CLI")
        .map_or_else(|| repo.join("target/release/lookalike"), Into::into);
    if !cli.is_file() {
        return skip(&format!(
            "no {}: cargo build --release -p lookalike",
            cli.display()
        ));
    }
    let browser = match Browser::start() {
        Ok(browser) => browser,
        Err(reason) => return skip(&reason),
    };
    let server = Server::start(&web_root());
    let listed = |dir: &std::path::Path, at_most: usize| -> Vec<std::path::PathBuf> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|e| e == "jpg"));
        files.sort();
        files.truncate(at_most);
        files
    };
    let phone = std::env::var_os("LOOKALIKE_BENCH_PHOTOS")
        .map_or_else(|| std::path::PathBuf::from("/tmp/p300"), Into::into);
    for (label, files) in [
        (
            "test photos (about 640 × 480)",
            listed(&lookalike_tests::photos_dir(), 100),
        ),
        ("12 MP phone photos", listed(&phone, 30)),
    ] {
        if files.is_empty() {
            continue;
        }
        browser.open(&format!("http://127.0.0.1:{}/index.html", server.port));
        browser.send_files(&browser.element("#files"), &files);
        let summary = browser.wait_for_hashing(files.len());
        let output = std::process::Command::new(&cli)
            .args(["hash", "--gpu", "off", "-q"])
            .args(&files)
            .output()
            .unwrap();
        let native: std::collections::HashMap<String, String> =
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .map(|v| {
                    let name = std::path::Path::new(v["path"].as_str().unwrap())
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned();
                    (name, v["signature"].as_str().unwrap().to_owned())
                })
                .collect();
        let (mut same, mut similarities) = (0, Vec::new());
        for (name, page) in summary["signatures"].as_object().unwrap() {
            let Some(cli) = native.get(name) else {
                continue;
            };
            // The page holds each signature with its cropped probe after it; the command
            // line's table, the signature alone.
            let page = page.as_str().unwrap();
            let page = &page[..page.len() / 2];
            same += usize::from(page == cli);
            let parse = |hex: &str| {
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect();
                lookalike_core::Signature::from_bytes(&bytes).unwrap()
            };
            let pair = lookalike_core::compare(
                &parse(page),
                &parse(cli),
                lookalike_core::Weights::Scanned,
            );
            similarities.push(pair.similarity);
        }
        similarities.sort_by(f32::total_cmp);
        let mean = similarities.iter().sum::<f32>() / similarities.len().max(1) as f32;
        eprintln!(
            "browser vs lookalike hash, {label}: {same} of {} signatures identical; similarity of \
             the page's to the CLI's: lowest {:.1}, median {:.1}, mean {mean:.1}",
            similarities.len(),
            similarities.first().copied().unwrap_or(f32::NAN),
            similarities
                .get(similarities.len() / 2)
                .copied()
                .unwrap_or(f32::NAN),
        );
    }
}
