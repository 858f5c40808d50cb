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
    let browser = match Browser::start() {
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
    let run = |files: &[std::path::PathBuf]| {
        browser.open(&page);
        let base = browser.memory_bytes();
        browser.send_files(&browser.element("#files"), files);
        let (mut peak, mut slider_max, mut moves) = (base, 0.0f64, 0);
        let started = std::time::Instant::now();
        loop {
            let summary: serde_json::Value = browser.run("return lookalikeTest.summary()", []);
            peak = peak.max(browser.memory_bytes());
            if summary["state"] == "done" && summary["done"] == files.len() {
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
