//! `--gpu auto` must never make a scan slower than `--gpu off` (issue 13). CI has no real GPU,
//! but it has Mesa's lavapipe: a Vulkan adapter in software that computes on the same two cores
//! that decode, i.e. a GPU that can never pay for itself. Forced into `--gpu auto` with
//! `LOOKALIKE_BACKEND=vulkan`, it must cost at most 10 % of the scan's time (990 PNGs, about
//! 6 s a scan on 2 idle cores, so that its start-up — 0.2–0.4 s of the two cores, whatever the
//! library — is a small part; with 660, one CI run on a noisy VM measured 1.16×, the same
//! test alone 1.02×; median of 5 runs each, interleaved), and the results
//! must equal the CPU's. Skipped (saying so) without a Vulkan adapter, unless
//! `LOOKALIKE_REQUIRE_GPU` is set, as in CI.
//!
//! One test in its own binary: nothing else of this crate's tests runs beside the timed scans.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use image::imageops::FilterType;

const BIN: &str = env!("CARGO_BIN_EXE_lookalike");

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn required() -> bool {
    std::env::var("LOOKALIKE_REQUIRE_GPU").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn lookalike(db: &Path, gpu: &str, lavapipe: bool, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--db")
        .arg(db)
        .args(["--threads", "2", "--gpu", gpu]);
    cmd.args(args)
        .env_remove("LOOKALIKE_DB")
        .stdin(Stdio::null());
    if lavapipe {
        cmd.env("LOOKALIKE_BACKEND", "vulkan");
    } else {
        cmd.env_remove("LOOKALIKE_BACKEND");
    }
    cmd.output().unwrap()
}

/// `n` distinct PNGs of 1200 × 900 (crops of the test photographs at shifting places and
/// brightness), every tenth with a resized copy, so that the scan has pairs to report. PNGs,
/// decoded at full size, leave the transform enough work for `--gpu auto` to start the GPU
/// (JPEGs are decoded at a reduced DCT scale). Only `DynamicImage` methods: they run at the
/// `image` crate's optimisation, not this test's.
fn library(dir: &Path, n: usize) {
    let photos_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/photos");
    let mut photos: Vec<PathBuf> = fs::read_dir(photos_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    photos.sort();
    let sources: Vec<image::DynamicImage> = photos
        .iter()
        .map(|p| {
            image::open(p)
                .unwrap()
                .resize_to_fill(1600, 1200, FilterType::Triangle)
        })
        .collect();
    for i in 0..n {
        let src = &sources[i % sources.len()];
        let k = (i / sources.len()) as u32;
        let (x, y) = ((k * 61) % 400, (k * 43) % 300);
        let crop = src.crop_imm(x, y, 1200, 900).brighten((k % 7) as i32 * 6);
        crop.save(dir.join(format!("{i:05}.png"))).unwrap();
        if i % 10 == 0 {
            let copy = crop.resize_exact(600, 450, FilterType::Triangle);
            copy.save(dir.join(format!("{i:05} small.png"))).unwrap();
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
fn auto_with_a_gpu_that_does_not_pay_is_not_slower_than_the_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let pics = tmp.path().join("pics");
    fs::create_dir(&pics).unwrap();
    // Is there a Vulkan adapter at all? (This also fills Mesa's shader cache, as a user's
    // first run would.)
    let probe_file = pics.join("probe.png");
    image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]))
        .save(&probe_file)
        .unwrap();
    let probe = lookalike(
        &tmp.path().join("db-probe"),
        "on",
        true,
        &["hash", probe_file.to_str().unwrap()],
    );
    fs::remove_file(&probe_file).unwrap();
    if !probe.status.success() {
        assert!(
            !required(),
            "LOOKALIKE_REQUIRE_GPU is set, but no Vulkan adapter: {}",
            text(&probe.stderr)
        );
        eprintln!(
            "skipped: no Vulkan adapter ({})",
            text(&probe.stderr).trim()
        );
        return;
    }

    library(&pics, 900);
    let pics_arg = pics.to_str().unwrap();
    let scan = |gpu: &str, lavapipe: bool, run: usize| {
        let db = tmp.path().join(format!("db-{gpu}-{run}"));
        let started = Instant::now();
        let out = lookalike(&db, gpu, lavapipe, &["scan", pics_arg, "--json"]);
        let took = started.elapsed();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let mut pairs: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
        pairs.sort();
        (took, pairs, text(&out.stderr))
    };
    let (mut off, mut auto) = (Vec::new(), Vec::new());
    let mut reference = None;
    for run in 0..5 {
        let (t_off, pairs_off, _) = scan("off", false, run);
        let (t_auto, pairs_auto, err) = scan("auto", true, run);
        assert!(
            err.lines().any(
                |l| l.starts_with("GPU ") && (l.contains("llvmpipe") || l.contains("lavapipe"))
            ),
            "the software adapter was started, tried and named: {err}"
        );
        assert!(!pairs_off.is_empty(), "the library has pairs");
        assert_eq!(pairs_auto, pairs_off, "the same pairs with the GPU allowed");
        if let Some(first) = &reference {
            assert_eq!(&pairs_off, first);
        }
        reference = Some(pairs_off);
        eprintln!(
            "run {run}: --gpu off {:.2} s, --gpu auto with lavapipe {:.2} s; {}",
            t_off.as_secs_f64(),
            t_auto.as_secs_f64(),
            err.lines().find(|l| l.starts_with("GPU ")).unwrap_or("")
        );
        off.push(t_off);
        auto.push(t_auto);
    }
    let (off, auto) = (median(off), median(auto));
    assert!(
        auto.as_secs_f64() <= 1.1 * off.as_secs_f64(),
        "--gpu auto with a GPU that does not pay took {:.2} s (median of 5), --gpu off {:.2} s",
        auto.as_secs_f64(),
        off.as_secs_f64()
    );
}
