//! The page in `web/www` in a real browser: headless Chromium, driven through chromedriver's
//! WebDriver HTTP API (`browser/driver.rs`), loads the page from a small server on 127.0.0.1
//! (`browser/server.rs`, logging every request) and is given real photographs through its file
//! input.
//!
//! Asserted: the groups the page shows and their keepers (the issue-15 case of copies with as many
//! pixels as the original, named to sort before it); that each member's number is its similarity
//! to the keeper, as the compare view computes it, and below the threshold only with the member it
//! joined through; the plan file the page offers (read back from its Blob); that the same files
//! added twice are skipped; that the wasm signature equals native `lookalike-core`'s byte for byte
//! for the same pixels (raw RGBA through the page's test hook, and lossless PNG files through the
//! whole decode path of the hashing workers); the "compare two images" view; that the page made
//! no network request besides its own files; and that a worker started as the page starts its
//! workers cannot reach another local server. `browser/phone.rs`: large JPEGs (phone photos) get
//! the command line's signatures, byte for byte, and small thumbnails; `browser/many.rs`: a group
//! of 52 shows 12 members and "Show all"; `browser/stuck.rs`: a worker that hangs or crashes fails
//! its file by name, is replaced, and the other files are hashed. Measurements (ignored tests) are in `browser/bench.rs`.
//!
//! Needs `chromium`, `chromedriver` and the wasm toolchain (`web/build.sh`, which runs when the
//! page is missing or older than the Rust sources). Without them the test prints `skipped: …` and
//! passes, unless `LOOKALIKE_REQUIRE_BROWSER` is set (as in `.ci/run`).

#[path = "browser/bench.rs"]
mod bench;
#[path = "browser/driver.rs"]
mod driver;
#[path = "browser/many.rs"]
mod many;
#[path = "browser/phone.rs"]
mod phone;
#[path = "browser/server.rs"]
mod server;
#[path = "browser/stuck.rs"]
mod stuck;
#[path = "browser/turns.rs"]
mod turns;

use std::path::{Path, PathBuf};

use image::{ImageFormat, RgbImage, RgbaImage, imageops};
use lookalike_core::{
    Framing, Orientation, PixelLayout, Pixels, Sensitivity, SideProbe, Signature, Weights,
    compare_sided,
};
use lookalike_tests::{Modification, photos_dir};
use serde_json::{Value, json};

use driver::Browser;
use server::Server;

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
    // The picture with no structure is named in a note (not an error) and counted in the status
    // line, as the command line's scan names it.
    let notes = names(&summary["notes"]);
    assert_eq!(notes.len(), 1, "{summary:#}");
    assert!(
        notes[0].starts_with("blank.png: no structure to compare"),
        "{notes:?}"
    );
    let status = summary["status"].as_str().unwrap();
    assert!(status.contains("1 with no structure"), "{status}");

    // One group at the default sensitivity, in keep order: the original (the older of the two
    // largest), the watermarked copy (as many pixels), then the half-size copy.
    assert_eq!(
        groups(&summary),
        vec![vec![
            format!("{ORIGINAL}.jpg"),
            "dragonfly-watermarked.jpg".to_owned(),
            "dragonfly-half.png".to_owned()
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
        probed_hex(&fixtures.half)
    );

    // ---- byte-for-byte equality on shared test vectors (raw RGBA, no decoder involved)
    for (width, height, rgba) in test_vectors() {
        let native = Signature::compute_sided(
            &Pixels::new(width, height, PixelLayout::Rgba8, &rgba).unwrap(),
        );
        let wasm: String = browser.run_async(
            "lookalikeTest.hashRgbaHex(arguments[0], arguments[1], arguments[2])",
            [json!(width), json!(height), json!(base64(&rgba))],
        );
        assert_eq!(wasm, probed_hex(&native), "{width}×{height} RGBA");
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
    let (original, half) = (&fixtures.original, &fixtures.half);
    let native = compare_sided(
        (&original.0, &original.1, &original.2),
        (&half.0, &half.1, &half.2),
        Weights::Scanned,
        Orientation::DEFAULT,
    );
    assert_eq!(shown.parse::<f64>().unwrap(), f64::from(native.similarity));
    let verdict: String = browser.run("return document.querySelector('#verdict').textContent", []);
    assert!(verdict.contains("look alike"), "{verdict}");
    assert!(!verdict.contains("mirrored"), "{verdict}");
    // A mirrored copy: the verdict says how the second looks next to the first.
    browser.send_files(
        &browser.element("#compare-b"),
        std::slice::from_ref(&fixtures.mirrored_png),
    );
    let verdict = browser.wait(|| {
        let v: String = browser.run("return document.querySelector('#verdict').textContent", []);
        v.contains("mirrored").then_some(v)
    });
    assert!(
        verdict.contains("the second is the first mirrored") && verdict.contains("look alike"),
        "{verdict}"
    );
    // A cropped copy, found through the original's cropped probe (natively too): the verdict
    // says which is the crop.
    let native = compare_sided(
        (&original.0, &original.1, &original.2),
        (
            &fixtures.cropped.0,
            &fixtures.cropped.1,
            &fixtures.cropped.2,
        ),
        Weights::Scanned,
        Orientation::DEFAULT,
    );
    assert_eq!(native.framing, Framing::Cropped, "{native:?}");
    browser.send_files(
        &browser.element("#compare-b"),
        std::slice::from_ref(&fixtures.cropped_png),
    );
    let verdict = browser.wait(|| {
        let v: String = browser.run("return document.querySelector('#verdict').textContent", []);
        v.contains("cropped").then_some(v)
    });
    assert!(
        verdict.contains("the second is the first cropped") && verdict.contains("look alike"),
        "{verdict}"
    );

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

// ------------------------------------------------------------------------------- fixtures

struct Fixtures {
    /// Files for the page's file input.
    inputs: Vec<PathBuf>,
    /// Native signatures and probes of the lossless copies.
    original: Sided,
    half: Sided,
    original_png: PathBuf,
    half_png: PathBuf,
    /// The half-size copy mirrored, for the compare view.
    mirrored_png: PathBuf,
    /// The half-size copy cut by 10 % (5 % off each side), and its native signature and probe.
    cropped_png: PathBuf,
    cropped: Sided,
}

impl Fixtures {
    fn write(dir: &Path) -> Fixtures {
        let photo = |name: &str| photos_dir().join(format!("{name}.jpg"));
        let original = image::open(photo(ORIGINAL)).unwrap().to_rgb8();
        let half = Modification::HalfSize.apply(&original);
        let watermarked = Modification::Watermark.apply(&original);

        let half_png = dir.join("dragonfly-half.png");
        half.save_with_format(&half_png, ImageFormat::Png).unwrap();
        let mirrored_png = dir.join("dragonfly-mirrored.png");
        image::imageops::flip_horizontal(&half)
            .save_with_format(&mirrored_png, ImageFormat::Png)
            .unwrap();
        let (w, h) = half.dimensions();
        let cropped =
            image::imageops::crop_imm(&half, w / 20, h / 20, w - w / 10, h - h / 10).to_image();
        let cropped_png = dir.join("dragonfly-cropped.png");
        cropped
            .save_with_format(&cropped_png, ImageFormat::Png)
            .unwrap();
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

        // A picture with no structure (a dark frame with a few levels of noise): it matches
        // nothing, and the page names it in a note.
        let blank = dir.join("blank.png");
        let mut x = 7u32;
        RgbImage::from_fn(320, 180, |_, _| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let v = 24 + (x >> 29) as u8;
            image::Rgb([v, v, v])
        })
        .save_with_format(&blank, ImageFormat::Png)
        .unwrap();

        let mut inputs = vec![photo(ORIGINAL), half_png.clone(), watermarked_jpg];
        inputs.extend(UNRELATED.iter().map(|name| photo(name)));
        inputs.push(blank);
        inputs.push(not_a_photo);
        Fixtures {
            inputs,
            original: rgb_signature(&original),
            half: rgb_signature(&half),
            original_png,
            half_png,
            mirrored_png,
            cropped_png,
            cropped: rgb_signature(&cropped),
        }
    }
}

/// The native signature, cropped probe and side probes of an RGB image.
fn rgb_signature(img: &RgbImage) -> Sided {
    Signature::compute_sided(
        &Pixels::new(img.width(), img.height(), PixelLayout::Rgb8, img.as_raw()).unwrap(),
    )
}

/// The hex of what the page holds for an image: its signature's bytes, its probe's, then its
/// side probes'.
fn probed_hex((signature, probe, sides): &Sided) -> String {
    let mut bytes = [signature.to_bytes(), probe.to_bytes()].concat();
    for side in sides {
        bytes.extend_from_slice(&side.signature.to_bytes());
    }
    hex(&bytes)
}

/// A picture's signature, cropped probe and side probes.
type Sided = (Signature, Signature, Vec<SideProbe>);

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

/// A browser showing the page from a fresh server; `None` (after [`skip`]) without a browser.
fn open_page() -> Option<(Browser, Server)> {
    let browser = match Browser::start() {
        Ok(browser) => browser,
        Err(reason) => {
            skip(&reason);
            return None;
        }
    };
    let server = Server::start(&web_root());
    browser.open(&format!("http://127.0.0.1:{}/index.html", server.port));
    Some((browser, server))
}

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

// ------------------------------------------------------------------------------- keeper, numbers, plan

/// The scenario: copies with as many pixels as the original (a captioned copy and a
/// JPEG-q25 copy) whose names sort before it. The page must keep the original (core's rule: the
/// older file), show every member's similarity to the keeper as the compare view computes it, and
/// say how a member joined when that similarity is below the group's threshold.
#[test]
fn page_keeps_the_original_agrees_with_compare_and_exports_a_plan() {
    let Some((browser, _server)) = open_page() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let inputs = keeper_fixtures(dir.path());
    // The corner crop (last) in a second drop, once its original is hashed: the pair is then
    // found through the crop's side probes, the weaker way round for this photo.
    let (first, crop) = inputs.split_at(inputs.len() - 1);
    browser.send_files(&browser.element("#files"), first);
    browser.wait_for_hashing(first.len());
    browser.send_files(&browser.element("#files"), crop);
    let summary = browser.wait_for_hashing(inputs.len());
    let shown = groups(&summary);
    eprintln!("browser: keeper scenario: {}", summary["groups"]);
    assert_eq!(shown.len(), 1, "{summary:#}");
    assert_eq!(shown[0][0], "orig_photo.jpg", "{summary:#}");
    let mut expected = vec![
        "copy_captioned.jpg",
        "copy_cut.jpg",
        "copy_half.png",
        "copy_q25.jpg",
    ];
    let mut members: Vec<&str> = shown[0][1..].iter().map(String::as_str).collect();
    members.sort_unstable();
    expected.sort_unstable();
    assert_eq!(members, expected);

    // At every sensitivity: a member's number is its similarity to the keeper; below the
    // threshold only with the member it joined through, which is at or above it.
    for sensitivity in [0, 15, Sensitivity::DEFAULT.get(), 60, 100] {
        let summary: Value = browser.run(
            "lookalikeTest.slider(arguments[0]); return lookalikeTest.summary()",
            [json!(sensitivity)],
        );
        let threshold = f64::from(Sensitivity::new(sensitivity).unwrap().min_similarity());
        for group in summary["groups"].as_array().unwrap() {
            let group = group.as_array().unwrap();
            assert!(group[0]["similarity"].is_null(), "{group:?}");
            for member in &group[1..] {
                let similarity = member["similarity"].as_f64().unwrap();
                if similarity < threshold - 0.05 {
                    let via = member["joinedVia"].as_str();
                    let joined = member["joinedSimilarity"].as_f64().unwrap_or(0.0);
                    assert!(
                        via.is_some() && joined >= threshold - 0.05,
                        "at {sensitivity}: {member} is below {threshold:.1} and says no link"
                    );
                } else {
                    assert!(member["joinedVia"].is_null(), "{member}");
                }
                // The compare view, given the keeper and this member, shows the same number.
                let verdict: String = browser.run(
                    "const pick = (n) => [...document.querySelectorAll('#groups .member')]
                         .find((m) => m.dataset.name === n).querySelector('.pick').click();
                     pick(arguments[0]); pick(arguments[1]);
                     return document.querySelector('#verdict').dataset.similarity",
                    [group[0]["name"].clone(), member["name"].clone()],
                );
                let verdict: f64 = verdict.parse().unwrap();
                assert!(
                    (verdict - similarity).abs() <= 0.05,
                    "at {sensitivity}: compare view {verdict} vs group {member}"
                );
            }
        }
    }
    browser.run::<Value, 1>(
        "lookalikeTest.slider(arguments[0])",
        [json!(Sensitivity::DEFAULT.get())],
    );

    // ---- decisions and the plan file (read back from the Blob the page offers)
    browser.run::<Value, 0>(
        "const m = [...document.querySelectorAll('#groups .member')]
             .find((m) => m.dataset.name === 'copy_half.png').querySelector('select');
         m.value = 'not_duplicate'; m.dispatchEvent(new Event('change'));",
        [],
    );
    // A plan `lookalike apply` would refuse is not offered: every member of the group marked
    // remove, the page says why and downloads nothing; the choices put back, it does.
    let refused: Value = browser.run::<Value, 0>(
        "const select = (n) => [...document.querySelectorAll('#groups .member')]
             .find((m) => m.dataset.name === n).querySelector('select');
         const set = (n, v) => { const s = select(n); s.value = v; s.dispatchEvent(new Event('change')); };
         const names = [...document.querySelectorAll('#groups .member')].map((m) => m.dataset.name);
         const before = names.map((n) => select(n).value);
         names.forEach((n) => set(n, 'remove'));
         document.querySelector('#export').click();
         const note = document.querySelector('#plan-problem');
         const said = note.hidden ? '' : note.textContent;
         names.forEach((n, i) => set(n, before[i]));
         return { said };",
        [],
    );
    assert!(
        refused["said"]
            .as_str()
            .unwrap()
            .contains("would remove every copy"),
        "{refused}"
    );
    let text: String = browser.run_async("lookalikeTest.exportedPlan()", []);
    let note_hidden: bool =
        browser.run::<bool, 0>("return document.querySelector('#plan-problem').hidden", []);
    assert!(note_hidden, "the note goes once the plan is fine");
    let plan: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(plan["format"], "lookalike-plan");
    assert_eq!(plan["version"], 1);
    assert!(plan["base"].is_null());
    assert_eq!(plan.as_object().unwrap().len(), 4, "{plan:#}");
    let planned = plan["groups"].as_array().unwrap();
    assert_eq!(planned.len(), 1, "{plan:#}");
    let members = planned[0]["members"].as_array().unwrap();
    assert_eq!(members.len(), 5, "{plan:#}");
    for member in members {
        assert_eq!(member.as_object().unwrap().len(), 4, "{member}");
        let name = member["path"].as_str().unwrap();
        let meta = std::fs::metadata(dir.path().join(name)).unwrap();
        assert_eq!(member["size"], meta.len(), "{member}");
        let mtime_ms = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        assert_eq!(member["mtime_ms"].as_u64().map(u128::from), Some(mtime_ms));
        let decision = match name {
            "orig_photo.jpg" => "keep",
            "copy_half.png" => "not_duplicate",
            _ => "remove",
        };
        assert_eq!(member["decision"], decision, "{member}");
    }

    // ---- the same files again: skipped, no group of a file with itself
    browser.send_files(&browser.element("#files"), &inputs);
    let again = browser.wait_for_hashing(inputs.len());
    assert_eq!(groups(&again), shown, "{again:#}");
    assert!(
        again["status"]
            .as_str()
            .unwrap()
            .contains("6 added twice (skipped)"),
        "{again:#}"
    );

    // ---- the keyboard reaches the choosers, Enter on the drop zone opens one, and picking two
    // thumbnails far down the page brings the comparison into view
    let keys: Value = browser.run(
        "const labels = [...document.querySelectorAll('label.button')].map((l) => l.tabIndex);
         let opened = 0;
         document.querySelector('#files').addEventListener('click', (e) => { opened++; e.preventDefault(); });
         const drop = document.querySelector('#drop');
         drop.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
         const picks = document.querySelectorAll('#groups .member .pick');
         const groups = document.querySelector('#groups');
         groups.style.marginTop = '4000px';
         picks[0].scrollIntoView();
         const compare = document.querySelector('#compare');
         const away = compare.getBoundingClientRect().bottom < 0;
         picks[0].click(); picks[1].click();
         const box = compare.getBoundingClientRect();
         groups.style.marginTop = '';
         return { labels, opened, away, inView: box.bottom > 0 && box.top < window.innerHeight };",
        [],
    );
    assert_eq!(
        keys,
        json!({ "labels": [0, 0, 0, 0], "opened": 1, "away": true, "inView": true })
    );

    // ---- Clear empties the compare view too
    browser.run::<Value, 0>("document.querySelector('#clear').click()", []);
    let left: Value = browser.run(
        "return [document.querySelector('#verdict').textContent,
                 document.querySelector('#slot-a .name').textContent,
                 document.querySelectorAll('#slot-a img, #slot-b img').length]",
        [],
    );
    assert_eq!(left, json!(["", "none", 0]));
}

#[test]
fn page_refuses_a_plan_that_names_one_path_twice() {
    // Two copies of one photo, both called IMG_0001.jpg, added one after the other from two
    // folders: the browser gives each only its name, so a plan could not tell them apart
    // (`apply` refuses a plan that names a file twice).
    let Some((browser, _server)) = open_page() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = photos_dir().join(format!("{ORIGINAL}.jpg"));
    let mut added = Vec::new();
    for (folder, scale) in [("a", 1.0f32), ("b", 0.5)] {
        std::fs::create_dir(dir.path().join(folder)).unwrap();
        let img = image::open(&source).unwrap().to_rgb8();
        let (w, h) = img.dimensions();
        let path = dir.path().join(folder).join("IMG_0001.jpg");
        imageops::resize(
            &img,
            (w as f32 * scale) as u32,
            (h as f32 * scale) as u32,
            imageops::FilterType::Triangle,
        )
        .save(&path)
        .unwrap();
        added.push(path.clone());
        browser.send_files(&browser.element("#files"), &[path]);
        browser.wait_for_hashing(added.len());
    }
    let summary: Value = browser.run("return lookalikeTest.summary()", []);
    assert_eq!(groups(&summary).len(), 1, "{summary:#}");
    let said: Value = browser.run(
        "document.querySelector('#export').click();
         const note = document.querySelector('#plan-problem');
         return { said: note.hidden ? '' : note.textContent };",
        [],
    );
    assert!(
        said["said"]
            .as_str()
            .unwrap()
            .contains("Two files are both called IMG_0001.jpg"),
        "{said}"
    );
}

/// `orig_photo.jpg` (the photo as it came, older) and copies made later with as many pixels or
/// fewer, named to sort before it; plus an unrelated photo.
fn keeper_fixtures(dir: &Path) -> Vec<PathBuf> {
    let source = photos_dir().join(format!("{ORIGINAL}.jpg"));
    let original = image::open(&source).unwrap().to_rgb8();
    let save_jpeg = |img: &RgbImage, quality: u8, name: &str| {
        let mut bytes = Vec::new();
        img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut bytes, quality,
        ))
        .unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
        dir.join(name)
    };
    let orig = dir.join("orig_photo.jpg");
    std::fs::copy(&source, &orig).unwrap();
    let captioned = save_jpeg(
        &Modification::Caption.apply(&original),
        90,
        "copy_captioned.jpg",
    );
    let q25 = save_jpeg(&original, 25, "copy_q25.jpg");
    let half = dir.join("copy_half.png");
    Modification::HalfSize
        .apply(&original)
        .save_with_format(&half, ImageFormat::Png)
        .unwrap();
    // Cut 12 % from the left and 8 % from the top: found through side probes, which frame it
    // differently from each side: about 53 through the original's inner windows, 46 (below the
    // default's 51.5) through the crop's outer ones. Hashed after the original (the test sends
    // it in a second drop), it joins the group only if the page compares both pictures' side
    // probes.
    let (w, h) = original.dimensions();
    let (x, y) = (w * 12 / 100, h * 8 / 100);
    let cut = save_jpeg(
        &image::imageops::crop_imm(&original, x, y, w - x, h - y).to_image(),
        90,
        "copy_cut.jpg",
    );
    let unrelated = dir.join("other.jpg");
    std::fs::copy(
        photos_dir().join(format!("{}.jpg", UNRELATED[1])),
        &unrelated,
    )
    .unwrap();
    let day = std::time::Duration::from_secs(86_400);
    let then = std::time::UNIX_EPOCH + 19_000 * day;
    for (path, days) in [
        (&orig, 0),
        (&captioned, 30),
        (&q25, 31),
        (&half, 32),
        (&cut, 33),
        (&unrelated, 5),
    ] {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(then + days * day).unwrap();
    }
    // The crop last: the test sends it after the others.
    vec![captioned, half, orig, q25, unrelated, cut]
}

// ------------------------------------------------------------------------------- privacy

/// The workers receive the files, so the policy must bind them: a worker started as the page
/// starts its hashing workers tries fetch(), import() and a WebSocket to another local server,
/// and that server must see no connection at all.
#[test]
fn page_workers_cannot_connect_to_another_server() {
    let browser = match Browser::start() {
        Ok(browser) => browser,
        Err(reason) => return skip(&reason),
    };
    let server = Server::start(&web_root());
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("import.js"), "export default 1;\n").unwrap();
    std::fs::write(elsewhere.path().join("fetch"), "leaked").unwrap();
    let other = Server::start(elsewhere.path());
    let other_origin = format!("http://127.0.0.1:{}", other.port);
    // The other server answers anyone else (so a blocked request is the policy's doing).
    let reachable = ureq::get(format!("{other_origin}/fetch")).call().is_ok();
    assert!(reachable, "the other server does not answer");
    let logged = |n: usize| (0..50).any(|_| other.log().len() >= n || sleep_ms(20));
    assert!(logged(1), "{:?}", other.log());

    browser.open(&format!("http://127.0.0.1:{}/index.html", server.port));
    let outcomes: Value = browser.run_async(
        "lookalikeTest.probeWorker(arguments[0], 3000)",
        [json!(other_origin)],
    );
    eprintln!("browser: a worker's attempts to connect: {outcomes}");
    // The proof: the other server saw no connection (a failed fetch alone proves nothing, since a
    // cross-origin response without CORS headers fails too, after the request went out).
    assert!(
        !logged(2),
        "a worker reached the other server: {:?}",
        other.log()
    );
    for attempt in ["fetch", "import", "websocket"] {
        assert_eq!(outcomes[attempt], "failed", "{outcomes}");
    }
    assert!(
        outcomes["violation"]
            .as_str()
            .is_some_and(|v| v.contains("connect-src")),
        "the worker saw no CSP violation: {outcomes}"
    );
}

/// Sleeps; false, for use in `any`.
fn sleep_ms(ms: u64) -> bool {
    std::thread::sleep(std::time::Duration::from_millis(ms));
    false
}
