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
