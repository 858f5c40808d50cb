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
/// /tmp/p300` (or the folder in `LOOKALIKE_BENCH_PHOTOS`). Prints images per second, how the
/// decoders compare on one thread, the slowest slider response while hashing, and the browser's
/// peak memory (PSS of all its processes) for the photos and for 1 000 of them (hard links).
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

    // ---- decoders side by side, one thread (the page's), on the first photos
    browser.open(&page);
    let sample = &photos[..photos.len().min(12)];
    browser.send_files(&browser.element("#files"), sample);
    browser.wait_for_hashing(sample.len());
    let decoders: serde_json::Value = browser.run_async("lookalikeTest.compareDecoders()", []);
    eprintln!("browser, 12 MP JPEGs, ms per image on one thread: {decoders}");

    // ---- the whole folder, with the slider moved while hashing
    // A fresh browser for each run, so that its memory is this run's alone.
    let mut run = |files: &[std::path::PathBuf]| {
        drop(std::mem::replace(&mut browser, Browser::start().unwrap()));
        browser.open(&page);
        let base = browser.memory_bytes();
        browser.send_files(&browser.element("#files"), files);
        let (mut peak, mut slider_max, mut moves) = (base, 0.0f64, 0);
        let started = std::time::Instant::now();
        loop {
            let summary: serde_json::Value = browser.run("return lookalikeTest.summary()", []);
            peak = peak.max(browser.memory_bytes());
            if summary["state"] == "done" && summary["done"] == files.len() {
                let by_process: Vec<String> = browser
                    .memory_by_process()
                    .iter()
                    .map(|(kind, bytes)| format!("{kind} {:.0}", *bytes as f64 / 1e6))
                    .collect();
                eprintln!(
                    "browser: memory at the end by process (MB): {}; page JS heap {:.0} MB",
                    by_process.join(", "),
                    summary["jsHeapBytes"].as_f64().unwrap_or(0.0) / 1e6
                );
                eprintln!(
                    "browser: memory with the page open, before the photos: {:.0} MB",
                    base as f64 / 1e6
                );
                return (summary, peak, slider_max, moves);
            }
            assert!(started.elapsed() < super::driver::PATIENCE * 3, "{summary}");
            let value = if moves % 2 == 0 { 20 } else { 30 };
            let ms: f64 = browser.run(
                "return lookalikeTest.sliderMs(arguments[0])",
                [value.into()],
            );
            slider_max = slider_max.max(ms);
            moves += 1;
            std::thread::sleep(std::time::Duration::from_millis(250));
        }
    };
    let (summary, peak, slider_max, moves) = run(&photos);
    let wall = summary["wallMs"].as_f64().unwrap();
    let n = photos.len() as f64;
    eprintln!(
        "browser, {} JPEGs of 12 MP: {:.0} ms = {:.1} images/s with {} workers; per image: decode \
         {:.1} ms, wasm hash {:.1} ms; decoders {}; slider: slowest of {moves} moves while \
         hashing {slider_max:.1} ms; peak memory (PSS, all browser processes) {:.0} MB",
        photos.len(),
        wall,
        n * 1000.0 / wall,
        summary["workers"],
        summary["decodeMs"].as_f64().unwrap() / n,
        summary["hashMs"].as_f64().unwrap() / n,
        summary["decoders"],
        peak as f64 / 1e6,
    );

    // ---- 1 000 photos (hard links to the same files under other names)
    let dir = tempfile::tempdir().unwrap();
    let thousand: Vec<_> = (0..1000)
        .map(|i| {
            let link = dir.path().join(format!("{i:04}.jpg"));
            std::fs::hard_link(&photos[i % photos.len()], &link).unwrap();
            link
        })
        .collect();
    let (summary, peak, slider_max, moves) = run(&thousand);
    let wall = summary["wallMs"].as_f64().unwrap();
    eprintln!(
        "browser, 1000 JPEGs of 12 MP: {:.0} ms = {:.1} images/s; slider: slowest of {moves} \
         moves {slider_max:.1} ms; peak memory (PSS, all browser processes) {:.0} MB; {} groups",
        wall,
        1000.0 * 1000.0 / wall,
        peak as f64 / 1e6,
        summary["groups"].as_array().unwrap().len(),
    );
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
            let page = page.as_str().unwrap();
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
