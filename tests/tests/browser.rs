//! The page in `web/www` in a real browser: headless Chromium, driven through chromedriver's
//! WebDriver HTTP API, loads the page from a small server on 127.0.0.1 (in this file, logging
//! every request) and is given real photographs through its file input: an original, a resized
//! copy (PNG), a watermarked copy (JPEG), several unrelated photos, and a file that is no image.
//!
//! Asserted: the groups the page shows; that the wasm signature equals native `lookalike-core`'s
//! byte for byte for the same pixels (raw RGBA through the page's test hook, and lossless PNG files
//! through the whole decode path of the hashing workers); the "compare two images" view; and that
//! the page made no network request besides its own files.
//!
//! Needs `chromium`, `chromedriver` and the wasm toolchain (`web/build.sh`, which runs when the
//! page is missing or older than the Rust sources). Without them the test prints `skipped: …` and
//! passes, unless `LOOKALIKE_REQUIRE_BROWSER` is set (as in `.ci/run`).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use image::{ImageFormat, RgbImage, RgbaImage, imageops};
use lookalike_core::{PixelLayout, Pixels, Sensitivity, Signature, Weights, compare};
use lookalike_tests::{Modification, photos_dir};
use serde_json::{Value, json};

/// The photo whose copies the page must group.
const ORIGINAL: &str = "Dragonfly_by_Bolly";
/// Photos that look like nothing else in the set.
const UNRELATED: [&str; 5] = [
    "Bridge_by_Sander_Klootwijk",
    "Fossa_by_Jasper_Roks",
    "Wine_by_Jakkub_Mede",
    "sunset_by_Aitzol_Berasategi",
    "umang_by_Abhishek_Mudgal",
];
/// How long the page may take to load, or to hash everything (a hang guard, not a timing test).
const PATIENCE: Duration = Duration::from_secs(180);

#[test]
fn page_groups_copies_matches_native_signatures_and_stays_offline() {
    let browser = match Browser::start() {
        Ok(browser) => browser,
        Err(reason) => return skip(&reason),
    };
    let server = Server::start(&web_root());
    let origin = format!("http://127.0.0.1:{}", server.port);
    browser.open(&format!("{origin}/index.html"));

    // ---- the page as a visitor sees it
    let privacy: String = browser.run("return document.querySelector('#privacy').textContent", []);
    assert!(privacy.contains("Nothing is uploaded"), "{privacy}");
    let csp: String = browser.run(
        "return document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]').content",
        [],
    );
    for directive in [
        "connect-src 'none'",
        "default-src 'none'",
        "form-action 'none'",
    ] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }

    // ---- real images through the file input
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Fixtures::write(dir.path());
    let files = browser.element("#files");
    browser.send_files(&files, &fixtures.inputs);
    let summary = browser.wait_for_hashing(fixtures.inputs.len());
    eprintln!(
        "browser: hashed {} images in {:.0} ms with {} workers (decode {:.0} ms, wasm hash {:.0} ms in total)",
        summary["done"],
        summary["wallMs"].as_f64().unwrap_or(0.0),
        summary["workers"],
        summary["decodeMs"].as_f64().unwrap_or(0.0),
        summary["hashMs"].as_f64().unwrap_or(0.0)
    );

    eprintln!("browser: groups shown: {}", summary["groups"]);

    // The file that is no image is named in an error, and everything else was still hashed.
    assert_eq!(summary["failed"], 1, "{summary:#}");
    let errors = names(&summary["errors"]);
    assert_eq!(errors.len(), 1, "{summary:#}");
    assert!(errors[0].starts_with("not-a-photo.png: "), "{errors:?}");

    // One group at the default sensitivity: the original first (it is the largest), then its copies.
    assert_eq!(
        groups(&summary),
        vec![vec![
            format!("{ORIGINAL}.jpg"),
            "dragonfly-half.png".to_owned(),
            "dragonfly-watermarked.jpg".to_owned()
        ]],
        "{summary:#}"
    );
    let threshold = Sensitivity::DEFAULT.min_similarity();
    for member in summary["groups"][0].as_array().unwrap().iter().skip(1) {
        let similarity = member["similarity"].as_f64().unwrap();
        assert!(
            similarity >= f64::from(threshold),
            "{member} below {threshold}"
        );
    }

    // Lossless files through the workers' decode path (createImageBitmap → OffscreenCanvas →
    // ImageData → wasm) give native's signature bytes exactly.
    let page_signature = |name: &str| summary["signatures"][name].as_str().unwrap().to_owned();
    assert_eq!(
        page_signature("dragonfly-half.png"),
        hex(&fixtures.half.to_bytes())
    );

    // ---- byte-for-byte equality on shared test vectors (raw RGBA, no decoder involved)
    for (width, height, rgba) in test_vectors() {
        let native =
            Signature::compute(&Pixels::new(width, height, PixelLayout::Rgba8, &rgba).unwrap());
        let wasm: String = browser.run_async(
            "lookalikeTest.hashRgbaHex(arguments[0], arguments[1], arguments[2])",
            [json!(width), json!(height), json!(base64(&rgba))],
        );
        assert_eq!(wasm, hex(&native.to_bytes()), "{width}×{height} RGBA");
    }
    // Refused pixels become a JavaScript Error with core's message, not a crash.
    let refused: String = browser.run_async("lookalikeTest.hashRgbaHex(3, 3, 'AAAA')", []);
    assert!(
        refused.starts_with("error: the pixel buffer holds 3 bytes"),
        "{refused}"
    );

    // ---- the sensitivity slider regroups without hashing again
    let at = |sensitivity: u8| -> Vec<Vec<String>> {
        let summary: Value = browser.run(
            "const s = document.querySelector('#sensitivity'); s.value = arguments[0];
             s.dispatchEvent(new Event('input')); return lookalikeTest.summary()",
            [json!(sensitivity)],
        );
        groups(&summary)
    };
    assert_eq!(
        at(0).len(),
        1,
        "the unrelated photos stay apart even at sensitivity 0"
    );
    eprintln!(
        "browser: at sensitivity 0: {:?}; at 100: {:?}",
        at(0),
        at(100)
    );
    assert_eq!(
        at(100),
        vec![vec![
            format!("{ORIGINAL}.jpg"),
            "dragonfly-half.png".to_owned()
        ]],
        "100 is for resized copies only"
    );
    at(Sensitivity::DEFAULT.get());

    // ---- a folder (webkitdirectory) after "Clear": names are relative paths, other files skipped
    let album = dir.path().join("album");
    std::fs::create_dir(&album).unwrap();
    for input in &fixtures.inputs[1..4] {
        std::fs::copy(input, album.join(input.file_name().unwrap())).unwrap();
    }
    std::fs::write(album.join("notes.txt"), "not an image").unwrap();
    browser.run::<Value, 0>("document.querySelector('#clear').click()", []);
    browser.send_files(&browser.element("#folder"), std::slice::from_ref(&album));
    let summary = browser.wait_for_hashing(3);
    assert_eq!(
        groups(&summary),
        vec![vec![
            "album/dragonfly-watermarked.jpg".to_owned(),
            "album/dragonfly-half.png".to_owned()
        ]],
        "{summary:#}"
    );
    let status: String = browser.run("return document.querySelector('#status').textContent", []);
    assert!(status.contains("1 not an image (skipped)"), "{status}");

    // ---- "compare two images": two lossless files, so the similarity is native's exactly
    browser.send_files(
        &browser.element("#compare-a"),
        std::slice::from_ref(&fixtures.original_png),
    );
    browser.send_files(
        &browser.element("#compare-b"),
        std::slice::from_ref(&fixtures.half_png),
    );
    let shown = browser.wait(|| {
        let v: Value = browser.run(
            "return document.querySelector('#verdict').dataset.similarity || null",
            [],
        );
        v.as_str().map(str::to_owned)
    });
    let native = compare(&fixtures.original, &fixtures.half, Weights::Scanned);
    assert_eq!(shown.parse::<f64>().unwrap(), f64::from(native.similarity));
    let verdict: String = browser.run("return document.querySelector('#verdict').textContent", []);
    assert!(verdict.contains("look alike"), "{verdict}");

    // ---- speed, for the README (printed, never asserted)
    let per_second: f64 = browser.run_async("lookalikeTest.benchHash(1024, 768, 20)", []);
    eprintln!(
        "browser: wasm hashing of 1024×768 RGBA pixels: {per_second:.1} images/s (one thread)"
    );

    // ---- no network request besides the page's own files
    let resources: Vec<String> = browser.run(
        "return performance.getEntriesByType('resource').map(e => e.name)",
        [],
    );
    for url in &resources {
        assert!(
            url.starts_with(&format!("{origin}/")) || url.starts_with(&format!("blob:{origin}/")),
            "request to another origin: {url}"
        );
    }
    let violations: Vec<String> = browser.run("return lookalikeTest.summary().cspViolations", []);
    assert!(violations.is_empty(), "{violations:?}");
    let requests = server.log();
    assert!(
        requests
            .iter()
            .any(|r| r == "GET /pkg/lookalike_web_wasm.js 200"),
        "{requests:?}"
    );
    assert!(
        requests.iter().any(|r| r == "GET /worker.js 200"),
        "{requests:?}"
    );
    for request in &requests {
        assert!(
            request.ends_with(" 200"),
            "not one of the page's files: {request}"
        );
    }
    // And the policy holds: even a request to the page's own server is refused.
    let before = server.log().len();
    let attempt: String = browser.run_async(
        "fetch(arguments[0]).then(() => 'allowed', () => 'blocked')",
        [json!(format!("{origin}/index.html?leak"))],
    );
    assert_eq!(attempt, "blocked");
    assert_eq!(server.log().len(), before, "{:?}", server.log());
}

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

// ------------------------------------------------------------------------------- fixtures

struct Fixtures {
    /// Files for the page's file input.
    inputs: Vec<PathBuf>,
    /// Native signatures of the lossless copies.
    original: Signature,
    half: Signature,
    original_png: PathBuf,
    half_png: PathBuf,
}

impl Fixtures {
    fn write(dir: &Path) -> Fixtures {
        let photo = |name: &str| photos_dir().join(format!("{name}.jpg"));
        let original = image::open(photo(ORIGINAL)).unwrap().to_rgb8();
        let half = Modification::HalfSize.apply(&original);
        let watermarked = Modification::Watermark.apply(&original);

        let half_png = dir.join("dragonfly-half.png");
        half.save_with_format(&half_png, ImageFormat::Png).unwrap();
        let watermarked_jpg = dir.join("dragonfly-watermarked.jpg");
        let mut jpeg = Vec::new();
        watermarked
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut jpeg, 90,
            ))
            .unwrap();
        std::fs::write(&watermarked_jpg, jpeg).unwrap();
        // Only for the compare view (not in the groups): a lossless copy of the original.
        let compare_dir = dir.join("compare");
        std::fs::create_dir(&compare_dir).unwrap();
        let original_png = compare_dir.join("dragonfly.png");
        original
            .save_with_format(&original_png, ImageFormat::Png)
            .unwrap();
        let not_a_photo = dir.join("not-a-photo.png");
        std::fs::write(&not_a_photo, b"these bytes are not a PNG").unwrap();

        let mut inputs = vec![photo(ORIGINAL), half_png.clone(), watermarked_jpg];
        inputs.extend(UNRELATED.iter().map(|name| photo(name)));
        inputs.push(not_a_photo);
        Fixtures {
            inputs,
            original: rgb_signature(&original),
            half: rgb_signature(&half),
            original_png,
            half_png,
        }
    }
}

fn rgb_signature(img: &RgbImage) -> Signature {
    Signature::compute(
        &Pixels::new(img.width(), img.height(), PixelLayout::Rgb8, img.as_raw()).unwrap(),
    )
}

/// Raw RGBA test vectors: odd sizes, enlargement, transparency, and a real photo.
fn test_vectors() -> Vec<(u32, u32, Vec<u8>)> {
    let synthetic = |w: u32, h: u32| -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [
                    (x * 255 / w) as u8,
                    (y * 255 / h) as u8,
                    ((x ^ y) * 7) as u8,
                    (255 - (x + y) % 256) as u8,
                ]
            })
            .collect()
    };
    let photo = image::open(photos_dir().join(format!("{}.jpg", UNRELATED[0])))
        .unwrap()
        .to_rgba8();
    let small: RgbaImage = imageops::resize(&photo, 301, 203, imageops::FilterType::Triangle);
    vec![
        (1, 1, vec![200, 100, 50, 255]),
        (129, 77, synthetic(129, 77)),
        (1000, 7, synthetic(1000, 7)),
        (small.width(), small.height(), small.into_raw()),
    ]
}

// ------------------------------------------------------------------------------- helpers

fn skip(reason: &str) {
    if std::env::var_os("LOOKALIKE_REQUIRE_BROWSER").is_some() {
        panic!("LOOKALIKE_REQUIRE_BROWSER is set, but {reason}");
    }
    eprintln!("skipped: {reason}");
}

fn web_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../web/www")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn names(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap()
}

/// The names in each group the page shows, in the page's order.
fn groups(summary: &Value) -> Vec<Vec<String>> {
    summary["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g.as_array()
                .unwrap()
                .iter()
                .map(|m| m["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `web/build.sh` when the page's wasm is missing or older than the Rust it is built from.
/// `Err` (a reason to skip) only when the wasm toolchain is missing (the script's exit code 2).
fn ensure_page_built() -> Result<(), String> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let built = repo.join("web/www/pkg/lookalike_web_wasm.js");
    let modified = |p: &Path| {
        p.metadata()
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH)
    };
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack: Vec<PathBuf> = [
        "core/src",
        "core/Cargo.toml",
        "web/src",
        "web/Cargo.toml",
        "Cargo.lock",
    ]
    .iter()
    .map(|p| repo.join(p))
    .collect();
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            newest = newest.max(modified(&path));
        }
    }
    if built.is_file() && modified(&built) >= newest {
        return Ok(());
    }
    eprintln!("browser: building the page with web/build.sh");
    let output = Command::new(repo.join("web/build.sh"))
        .output()
        .map_err(|e| format!("cannot run web/build.sh: {e}"))?;
    let log = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => Ok(()),
        Some(2) => Err(format!("no wasm toolchain: {}", log.trim())),
        _ => panic!("web/build.sh failed ({}):\n{log}", output.status),
    }
}

// ------------------------------------------------------------------------------- the server

/// A static file server for `web/www` on 127.0.0.1 that logs every request as
/// `"GET /path status"`.
struct Server {
    port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(root: &Path) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (root, shared) = (root.to_owned(), Arc::clone(&log));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, log) = (root.clone(), Arc::clone(&shared));
                std::thread::spawn(move || {
                    if let Some(line) = respond(&root, stream) {
                        log.lock().unwrap().push(line);
                    }
                });
            }
        });
        Server { port, log }
    }

    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

/// Answers one request (`Connection: close`); returns its log line.
fn respond(root: &Path, stream: TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request = String::new();
    reader.read_line(&mut request).ok()?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header == "\r\n" {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let relative = if path == "/" {
        "index.html"
    } else {
        path.trim_start_matches('/')
    };
    let file = (method == "GET" && !relative.split('/').any(|s| s == ".." || s.is_empty()))
        .then(|| root.join(relative))
        .filter(|p| p.is_file());
    let (status, body, kind) = match file.and_then(|p| Some((std::fs::read(&p).ok()?, p))) {
        Some((body, p)) => {
            let kind = match p.extension().and_then(|e| e.to_str()) {
                Some("html") => "text/html; charset=utf-8",
                Some("js") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("svg") => "image/svg+xml",
                Some("wasm") => "application/wasm",
                _ => "application/octet-stream",
            };
            ("200 OK", body, kind)
        }
        None => ("404 Not Found", b"not found".to_vec(), "text/plain"),
    };
    let mut stream = stream;
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(&body).ok()?;
    Some(format!("{method} {target} {}", &status[..3]))
}

// ------------------------------------------------------------------------------- WebDriver

/// chromedriver with one headless Chromium session; both end when this is dropped.
struct Browser {
    driver: Child,
    base: String,
    agent: ureq::Agent,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start() -> Result<Browser, String> {
        let chromium = std::env::var_os("LOOKALIKE_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| find_program(&["chromium", "chromium-browser", "google-chrome"]))
            .ok_or("no chromium on PATH (apt-get install chromium)")?;
        let chromedriver = find_program(&["chromedriver"])
            .ok_or("no chromedriver on PATH (apt-get install chromium-driver)")?;
        ensure_page_built()?;

        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromedriver.display()))?;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        let profile = tempfile::tempdir().unwrap();
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            agent,
            session: String::new(),
            _profile: profile,
        };
        let started = Instant::now();
        while browser
            .agent
            .get(format!("{}/status", browser.base))
            .call()
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut options = json!({
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", browser._profile.path().display()),
            ],
        });
        if std::env::var_os("LOOKALIKE_CHROMIUM").is_some() {
            options["binary"] = json!(chromium);
        }
        let session = browser.command(
            "POST",
            "/session",
            json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome", "goog:chromeOptions": options,
            } } }),
        )?;
        browser.session = session["sessionId"]
            .as_str()
            .ok_or("no session id")?
            .to_owned();
        Ok(browser)
    }

    /// One WebDriver command; `Err` carries WebDriver's error message.
    fn command(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let response = match method {
            "POST" => self.agent.post(&url).send_json(&body),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.get(&url).call(),
        };
        let mut response = response.map_err(|e| format!("{method} {path}: {e}"))?;
        let mut value: Value = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_json()
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let value = value["value"].take();
        match value.get("error") {
            Some(error) => Err(format!("{method} {path}: {error}: {}", value["message"])),
            None => Ok(value),
        }
    }

    fn session_command(&self, method: &str, path: &str, body: Value) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.command(method, &path, body)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn open(&self, url: &str) {
        self.session_command("POST", "/url", json!({ "url": url }));
        let state = self.wait(|| {
            let state: String = self.run("return document.body.dataset.state", []);
            (state != "loading").then_some(state)
        });
        let status: String = self.run("return document.querySelector('#status').textContent", []);
        assert_eq!(state, "ready", "the page did not start: {status}");
    }

    /// Runs a script (a function body) and converts its return value.
    fn run<T: serde::de::DeserializeOwned, const N: usize>(
        &self,
        script: &str,
        args: [Value; N],
    ) -> T {
        let value = self.session_command(
            "POST",
            "/execute/sync",
            json!({ "script": script, "args": &args[..] }),
        );
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{script}: {e}: {value}"))
    }

    /// Awaits a promise-valued expression; a rejection comes back as `"error: <message>"`.
    fn run_async<T: serde::de::DeserializeOwned, const N: usize>(
        &self,
        expression: &str,
        args: [Value; N],
    ) -> T {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             Promise.resolve().then(() => {expression}).then(done, (e) => done('error: ' + e.message));"
        );
        let value = self.session_command(
            "POST",
            "/execute/async",
            json!({ "script": script, "args": &args[..] }),
        );
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{expression}: {e}: {value}"))
    }

    fn element(&self, css: &str) -> String {
        let found = self.session_command(
            "POST",
            "/element",
            json!({ "using": "css selector", "value": css }),
        );
        match found["element-6066-11e4-a52e-4f735466cecf"].as_str() {
            Some(id) => id.to_owned(),
            None => panic!("{css}: {found}"),
        }
    }

    /// Chooses files in an `<input type="file">` (WebDriver "send keys" with the paths).
    fn send_files(&self, element: &str, files: &[PathBuf]) {
        let text: Vec<String> = files
            .iter()
            .map(|p| p.canonicalize().unwrap().display().to_string())
            .collect();
        self.session_command(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text.join("\n") }),
        );
    }

    /// Polls until `check` returns something; panics after [`PATIENCE`].
    fn wait<T>(&self, mut check: impl FnMut() -> Option<T>) -> T {
        let started = Instant::now();
        loop {
            if let Some(value) = check() {
                return value;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "the page did not get there in {PATIENCE:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for_hashing(&self, count: usize) -> Value {
        self.wait(|| {
            let summary: Value = self.run("return lookalikeTest.summary()", []);
            (summary["state"] == "done" && summary["done"] == count).then_some(summary)
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.command("DELETE", &format!("/session/{}", self.session), Value::Null);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
