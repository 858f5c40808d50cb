//! The GPU path of `lookalike-gpu` against the CPU path of `lookalike-core`, on more than 1 000
//! real and photo-like images: the 19 photographs of `tests/photos/`, their modified copies
//! (resized, recompressed, brightened, gray, watermarked, captioned, cropped, mirrored), random
//! crops and resizes of them (down and up), copies with an alpha channel, and synthetic scenes
//! (flat colours, gradients, shapes, noise, stripes, degenerate sizes, one of 17 megapixels).
//!
//! Without a GPU adapter the GPU tests print "skipped: no GPU adapter" and pass, unless
//! `LOOKALIKE_REQUIRE_GPU` is set (as in CI, which runs them on Mesa's lavapipe): then they
//! fail.

use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage, RgbaImage};
use lookalike_core::{
    PixelLayout, Pixels, Region, SideProbe, Signature, Weights, bin, compare, content,
    content_region,
};
use lookalike_gpu::{BackendRequest, GpuError, Hasher, Stage, Timings};
use lookalike_tests::{Modification, copies, photos};

/// Largest difference allowed between a GPU and a CPU plane value (YIQ values lie in about
/// [−0.6, 1], coefficients in [−1, 1]). The design aims at bit-identical planes; this bound
/// leaves room for drivers that flush denormals, and is far below the gaps between the
/// coefficients that decide a signature (see the printed figures). It does not cover the rare
/// double-rounding case documented in `shaders/downscale.wgsl` when that one-unit difference in
/// a level crosses an edge of the equalization's bins (signature format 6): that pixel's Y then
/// moves by a used bin's share of the range (up to about 1/60 on a hazy picture), and if the
/// bin it leaves or enters becomes empty, every value of the plane shifts. The plane check
/// below would then fail and name the image; it has not happened on these images.
const PLANE_TOLERANCE: f32 = 1e-6;

/// Share of images whose signatures must be identical.
const IDENTICAL_SHARE: f64 = 0.995;

/// The heaviest single coefficient of the scanned weights (bins 1–5, any channel): a score may
/// move by at most this much when one tie within tolerance is broken differently.
fn heaviest_coefficient() -> f32 {
    (0..3)
        .flat_map(|c| (1..6).map(move |b| Weights::Scanned.weight(c, b)))
        .fold(0.0, f32::max)
}

fn require_gpu() -> bool {
    std::env::var("LOOKALIKE_REQUIRE_GPU").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The GPU hasher, or `None` (with the message) when there is no adapter and none is required.
fn gpu_or_skip() -> Option<Hasher> {
    match Hasher::new(BackendRequest::Gpu) {
        Ok(hasher) => {
            println!("{}", hasher.description());
            Some(hasher)
        }
        Err(GpuError::NoAdapter(why)) if !require_gpu() => {
            println!("skipped: no GPU adapter{why}");
            None
        }
        Err(e) => panic!("LOOKALIKE_REQUIRE_GPU is set, but the GPU path failed: {e}"),
    }
}

/// An owned test image.
struct Sample {
    name: String,
    width: u32,
    height: u32,
    layout: PixelLayout,
    data: Vec<u8>,
}

impl Sample {
    fn rgb(name: String, img: RgbImage) -> Sample {
        Sample {
            name,
            width: img.width(),
            height: img.height(),
            layout: PixelLayout::Rgb8,
            data: img.into_raw(),
        }
    }

    fn rgba(name: String, img: RgbaImage) -> Sample {
        Sample {
            name,
            width: img.width(),
            height: img.height(),
            layout: PixelLayout::Rgba8,
            data: img.into_raw(),
        }
    }

    fn pixels(&self) -> Pixels<'_> {
        Pixels::new(self.width, self.height, self.layout, &self.data).expect("valid sample")
    }
}

/// A small deterministic generator (PCG-style LCG).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }

    /// In `lo..hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.next() % (hi - lo)
    }
}

/// A photo-like synthetic scene: sky gradient, sun, hills, a few blocks, optional noise.
fn scene(w: u32, h: u32, rng: &mut Rng) -> RgbImage {
    let sky = [rng.range(40, 200), rng.range(60, 220), rng.range(120, 255)];
    let ground = [rng.range(20, 120), rng.range(60, 180), rng.range(10, 90)];
    let (sx, sy, sr) = (
        rng.range(0, 100) as f32 / 100.0,
        rng.range(0, 50) as f32 / 100.0,
        rng.range(3, 20) as f32 / 100.0,
    );
    let blocks: Vec<[u32; 7]> = (0..rng.range(0, 6))
        .map(|_| {
            [
                rng.range(0, w),
                rng.range(0, h),
                rng.range(1, w.max(2)),
                rng.range(1, h.max(2)),
                rng.range(0, 256),
                rng.range(0, 256),
                rng.range(0, 256),
            ]
        })
        .collect();
    let noise = rng.range(0, 3) * 8;
    let mut seed = Rng(u64::from(rng.next()));
    RgbImage::from_fn(w, h, |x, y| {
        let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
        let mut p = if (u - sx) * (u - sx) + (v - sy) * (v - sy) < sr * sr {
            [250, 210, 60]
        } else if v > 0.6 + 0.2 * (u - 0.4) * (u - 0.4) {
            ground
        } else {
            let t = (v * 100.0) as u32;
            [
                sky[0].saturating_sub(t / 2),
                sky[1].saturating_sub(t / 3),
                sky[2],
            ]
        };
        for b in &blocks {
            if x >= b[0] && x < b[0] + b[2] && y >= b[1] && y < b[1] + b[3] {
                p = [b[4], b[5], b[6]];
            }
        }
        if noise > 0 {
            for c in p.iter_mut() {
                *c = (*c + seed.range(0, noise)).min(255);
            }
        }
        Rgb([p[0] as u8, p[1] as u8, p[2] as u8])
    })
}

/// Every test image (more than 1 000), small enough that lavapipe hashes them quickly; made
/// once per test process.
fn samples() -> &'static [Sample] {
    static SAMPLES: std::sync::OnceLock<Vec<Sample>> = std::sync::OnceLock::new();
    SAMPLES.get_or_init(make_samples)
}

fn make_samples() -> Vec<Sample> {
    let mut out = Vec::new();
    let mut rng = Rng(0x5eed_1995);
    let photo_list = photos();
    for (name, photo) in photo_list.iter() {
        let (w, h) = photo.dimensions();
        out.push(Sample::rgb(name.clone(), photo.clone()));
        let half = imageops::resize(photo, w / 2, h / 2, FilterType::Triangle);
        for m in Modification::ALL {
            out.push(Sample::rgb(format!("{name} {m:?}"), m.apply(&half)));
        }
        for k in 0..20 {
            let (cw, ch) = (rng.range(8, w.min(320)), rng.range(8, h.min(320)));
            let (x, y) = (rng.range(0, w - cw + 1), rng.range(0, h - ch + 1));
            let crop = imageops::crop_imm(photo, x, y, cw, ch).to_image();
            out.push(Sample::rgb(format!("{name} crop {k} {cw}x{ch}"), crop));
        }
        for k in 0..12 {
            // Down to a few pixels and up past 128: both directions of the area average.
            let (rw, rh) = (rng.range(1, 260), rng.range(1, 260));
            let filter = [
                FilterType::Triangle,
                FilterType::Nearest,
                FilterType::Lanczos3,
            ][k % 3];
            let small = imageops::resize(photo, rw, rh, filter);
            out.push(Sample::rgb(format!("{name} resized {k} {rw}x{rh}"), small));
        }
        for k in 0..4 {
            // Alpha: a soft disc, or random transparency, composited on white by both paths.
            let (cw, ch) = (rng.range(16, 300), rng.range(16, 300));
            let base = imageops::resize(photo, cw, ch, FilterType::Triangle);
            let mut alpha_rng = Rng(u64::from(rng.next()));
            let rgba = RgbaImage::from_fn(cw, ch, |x, y| {
                let p = base.get_pixel(x, y).0;
                let a = if k % 2 == 0 {
                    let (dx, dy) = (x as f32 / cw as f32 - 0.5, y as f32 / ch as f32 - 0.5);
                    (255.0 * (1.0 - 2.0 * (dx * dx + dy * dy).min(0.5))) as u8
                } else {
                    alpha_rng.range(0, 256) as u8
                };
                image::Rgba([p[0], p[1], p[2], a])
            });
            out.push(Sample::rgba(format!("{name} alpha {k} {cw}x{ch}"), rgba));
        }
        // Issue 17: bars and frames, which both paths cut away before the resample, so the GPU
        // reads a region of the buffer (its own span tables, the full row stride).
        out.push(Sample::rgb(
            format!("{name} letterboxed"),
            copies::letterbox(&half, Rgb([0, 0, 0])),
        ));
        out.push(Sample::rgb(
            format!("{name} pillarboxed"),
            copies::pillarbox(&half, Rgb([128, 128, 128])),
        ));
        let (fw, fh) = (half.width() + 37, half.height() + 23);
        let mut framed = RgbImage::from_pixel(fw, fh, Rgb([20, 40, 110]));
        imageops::replace(&mut framed, &half, 11, 9);
        out.push(Sample::rgb(format!("{name} framed"), framed));
        // Signature format 17: a vignette, which both paths take out before equalizing.
        for angle in [std::f32::consts::FRAC_PI_4, std::f32::consts::PI / 5.0] {
            out.push(Sample::rgb(
                format!("{name} vignette {angle:.2}"),
                copies::vignette(&half, angle),
            ));
        }
        // Signature format 10: text over a hazy copy, whose levels both paths pull to the
        // picture's median (all the way), and the text over the photograph (not at all or part
        // of the way).
        out.push(Sample::rgb(
            format!("{name} hazy with text"),
            copies::text(&copies::hazy(&half)),
        ));
        out.push(Sample::rgb(
            format!("{name} with text"),
            copies::text(&half),
        ));
        // Signature format 12: caption bands, at the bottom and (flipped) at the top, whose
        // rows both paths read as the picture's nearest row (clamped span tables).
        let cropped = copies::crop_centre(&half, 6);
        out.push(Sample::rgb(
            format!("{name} cropped, captioned, JPEG"),
            lookalike_tests::jpeg(&lookalike_tests::caption(&cropped), 40),
        ));
        out.push(Sample::rgb(
            format!("{name} captioned at the top"),
            imageops::flip_vertical(&lookalike_tests::caption(&imageops::flip_vertical(&half))),
        ));
        // And text on a plain ground with grain, which the pull fades out for.
        let mut grain = Rng(u64::from(rng.next()));
        let card = RgbImage::from_fn(w / 3, h / 3, |_, _| {
            let v = grain.range(0, 12) as u8;
            Rgb([v, v, v])
        });
        out.push(Sample::rgb(
            format!("{name} title card"),
            copies::text(&card),
        ));
        for k in 0..2 {
            let (cw, ch) = (rng.range(50, w.min(400)), rng.range(50, h.min(400)));
            let crop = imageops::crop_imm(photo, w - cw, h - ch, cw, ch).to_image();
            let gray = Modification::Gray.apply(&crop);
            out.push(Sample::rgb(format!("{name} gray crop {k}"), gray));
        }
    }
    for k in 0..140 {
        let (w, h) = match k % 7 {
            0 => (rng.range(1, 4), rng.range(1, 300)),
            1 => (rng.range(1, 300), rng.range(1, 4)),
            2 => (128, 128),
            3 => (rng.range(126, 131), rng.range(126, 131)),
            _ => (rng.range(4, 240), rng.range(4, 240)),
        };
        let img = match k % 5 {
            0 => {
                let c = [rng.next() as u8, rng.next() as u8, rng.next() as u8];
                RgbImage::from_pixel(w, h, Rgb(c))
            }
            1 => {
                let mut noise = Rng(u64::from(rng.next()));
                RgbImage::from_fn(w, h, |_, _| {
                    Rgb([noise.next() as u8, noise.next() as u8, noise.next() as u8])
                })
            }
            2 => RgbImage::from_fn(w, h, |x, y| {
                let v = if (x / 3 + y / 5) % 2 == 0 { 230 } else { 20 };
                Rgb([v, (x * 255 / w) as u8, v])
            }),
            _ => scene(w, h, &mut rng),
        };
        out.push(Sample::rgb(format!("synthetic {k} {w}x{h}"), img));
    }
    // 4200 × 4100 = 17.2 megapixels of bright pixels: the 2-D sums exceed 2^32. (Made with the
    // image crate's optimised filters; a per-pixel loop here is slow in the dev profile.)
    let (_, photo) = &photo_list[7];
    let big = imageops::resize(photo, 4200, 4100, FilterType::Nearest);
    out.push(Sample::rgb(
        "synthetic 17 MP".into(),
        imageops::brighten(&big, 120),
    ));
    out
}

/// Largest absolute difference between two sets of planes, and whether they are bit-identical.
fn plane_difference(gpu: &[f32], cpu: &[f32]) -> (f32, bool) {
    let mut max = 0f32;
    let mut identical = true;
    for (g, c) in gpu.iter().zip(cpu) {
        identical &= g.to_bits() == c.to_bits();
        max = max.max((g - c).abs());
    }
    (max, identical)
}

#[test]
fn gpu_signatures_match_the_cpu_on_a_thousand_images() {
    let Some(gpu) = gpu_or_skip() else { return };
    let started = std::time::Instant::now();
    let samples = samples();
    // The bordered samples really are cut (else this would not test the GPU's region).
    let cut = samples
        .iter()
        .filter(|s| {
            let p = s.pixels();
            content_region(&p) != Region::whole(&p)
        })
        .count();
    assert!(cut >= 3 * 19, "only {cut} samples have borders cut");
    // And the captioned ones have bands (else this would not test the clamped span tables).
    let banded = samples
        .iter()
        .filter(|s| content(&s.pixels()).bands != [0, 0])
        .count();
    assert!(banded >= 19, "only {banded} samples have caption bands");
    // And the vignetted ones have their vignette taken out (else this would not test it).
    let lifted = |s: &&Sample| {
        let mut planes = lookalike_gpu::cpu_planes(&s.pixels(), Stage::Rgb);
        lookalike_core::planes_to_yiq(&mut planes);
        lookalike_core::undoes_vignette(planes.channel(0))
    };
    let vignettes: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name.contains("vignette"))
        .collect();
    let undone = vignettes.iter().copied().filter(lifted).count();
    assert!(
        undone * 4 >= vignettes.len() * 3,
        "only {undone} of {} vignetted samples have their vignette undone",
        vignettes.len()
    );
    let vignetted = samples.iter().filter(lifted).count();
    println!(
        "{} samples made in {:.2?}, {vignetted} with a vignette undone ({undone} of the {} \
         vignetted)",
        samples.len(),
        started.elapsed(),
        vignettes.len()
    );
    assert!(samples.len() >= 1000, "{} images", samples.len());
    let pixels: Vec<Pixels<'_>> = samples.iter().map(Sample::pixels).collect();

    // Intermediate planes: the Haar coefficients of every second image and the YIQ planes of
    // every fourth (to keep the test quick on lavapipe; the signatures below cover all).
    for (stage, step) in [(Stage::Yiq, 4), (Stage::Coefficients, 2)] {
        let some: Vec<Pixels<'_>> = pixels.iter().copied().step_by(step).collect();
        let planes = gpu.planes(&some, stage).expect("GPU planes");
        let mut worst = (0f32, "");
        let mut identical = 0;
        let names = samples.iter().step_by(step);
        for ((sample, p), g) in names.zip(&some).zip(&planes) {
            let cpu = lookalike_gpu::cpu_planes(p, stage);
            let (diff, same) = plane_difference(g.as_slice(), cpu.as_slice());
            identical += usize::from(same);
            if diff > worst.0 {
                worst = (diff, &sample.name);
            }
        }
        println!(
            "{stage:?} planes: {identical} of {} images bit-identical; largest difference {:e} ({})",
            some.len(),
            worst.0,
            worst.1
        );
        assert!(
            worst.0 <= PLANE_TOLERANCE,
            "{stage:?}: {} differs by {:e}",
            worst.1,
            worst.0
        );
    }

    // Signatures, through the batched API.
    let started = std::time::Instant::now();
    let signatures = gpu.hash(&pixels).expect("GPU hashing");
    println!(
        "hashed {} images on the GPU in {:.2?}",
        pixels.len(),
        started.elapsed()
    );
    assert_eq!(signatures.len(), samples.len());
    let heaviest = heaviest_coefficient();
    let mut identical = 0;
    let mut worst_score = 0f32;
    let mut differing = Vec::new();
    let cpu: Vec<Signature> = pixels.iter().map(Signature::compute).collect();
    for (i, (g, c)) in signatures.iter().zip(&cpu).enumerate() {
        if g == c {
            identical += 1;
        } else {
            differing.push(samples[i].name.as_str());
        }
        // Against itself and against a neighbour: the GPU signature in place of the CPU one.
        let other = &cpu[(i + 1) % cpu.len()];
        for (a, b) in [(g, c), (g, other)] {
            let reference = if std::ptr::eq(b, c) { c } else { b };
            let d = (compare(a, b, Weights::Scanned).score
                - compare(c, reference, Weights::Scanned).score)
                .abs();
            worst_score = worst_score.max(d);
        }
    }
    let share = identical as f64 / samples.len() as f64;
    println!(
        "signatures: {identical} of {} identical ({:.2} %); largest score difference {worst_score} \
         (one coefficient weighs at most {heaviest}); differing: {differing:?}",
        samples.len(),
        100.0 * share
    );
    assert!(
        share >= IDENTICAL_SHARE,
        "only {identical} identical: {differing:?}"
    );
    assert!(worst_score <= heaviest, "score moved by {worst_score}");
    // The kept coefficients' bins are well formed (a broken readback would show here first).
    assert!(signatures.iter().all(|s| {
        s.codes(0)
            .iter()
            .all(|&c| bin(usize::from(c & 0x3fff)) <= 5)
    }));
}

#[test]
fn gpu_handles_empty_and_single_batches() {
    let Some(gpu) = gpu_or_skip() else { return };
    assert!(gpu.hash(&[]).expect("empty batch").is_empty());
    let (_, photo) = photos().swap_remove(3);
    let sample = Sample::rgb("one".into(), photo);
    let one = gpu.hash(&[sample.pixels()]).expect("one image");
    assert_eq!(one, vec![Signature::compute(&sample.pixels())]);
    // A second batch on the same hasher reuses the buffers and gives the same answer.
    let again = gpu
        .hash(&[sample.pixels(), sample.pixels()])
        .expect("two images");
    assert_eq!(again, vec![one[0], one[0]]);
}

/// Issue 17: the cropped probes and side probes the host makes from the GPU's coefficients are
/// the CPU's, bit for bit (they are made from the same coefficients), on the GPU path and the
/// CPU path alike.
#[test]
fn probes_from_the_gpu_are_the_cpus() {
    let batch: Vec<Pixels<'_>> = samples()
        .iter()
        .step_by(5)
        .take(60)
        .map(Sample::pixels)
        .collect();
    // The side probes too: 68 more signatures per image, made on the host from the same
    // coefficients.
    let expected: Vec<(Signature, Signature, Vec<SideProbe>)> =
        batch.iter().map(Signature::compute_sided).collect();
    let cpu = Hasher::new(BackendRequest::Cpu).expect("the CPU path always works");
    assert_eq!(cpu.hash_probed(&batch).expect("CPU hashing"), expected);
    let Some(gpu) = gpu_or_skip() else { return };
    let probed = gpu.hash_probed(&batch).expect("GPU hashing");
    let differ: Vec<usize> = (0..batch.len())
        .filter(|&i| probed[i] != expected[i])
        .collect();
    assert!(differ.is_empty(), "probes differ for images {differ:?}");
    let signatures: Vec<Signature> = probed.iter().map(|p| p.0).collect();
    assert_eq!(signatures, gpu.hash(&batch).expect("plain hashing"));
}

#[test]
fn profiled_hashing_gives_the_same_signatures_and_accounts_for_every_kernel() {
    let Some(gpu) = gpu_or_skip() else { return };
    let batch: Vec<Pixels<'_>> = samples().iter().take(70).map(Sample::pixels).collect();
    let (signatures, t) = gpu.hash_profiled(&batch).expect("profiled hashing");
    assert_eq!(signatures, gpu.hash(&batch).expect("plain hashing"));
    // Each kernel of each chunk is submitted and timed by itself, and they add up to `compute`.
    assert_eq!(t.kernels.iter().sum::<std::time::Duration>(), t.compute);
    assert!(t.kernels.iter().all(|k| !k.is_zero()), "{t:?}");
    assert_eq!(t.dispatches % Timings::KERNELS.len(), 0, "{t:?}");
    let chunks = t.dispatches / Timings::KERNELS.len();
    assert!(chunks >= 2, "70 images take more than one chunk: {t:?}");
    assert_eq!(
        t.submissions,
        chunks * (2 + Timings::KERNELS.len()),
        "{t:?}"
    );
    assert_eq!(t.readback_bytes, 70 * 4 * 128 * 128 * 4);
    let pixel_bytes: u64 = batch.iter().map(|p| p.data().len() as u64).sum();
    assert!(t.upload_bytes >= pixel_bytes, "{t:?}");
}

#[test]
fn cpu_request_equals_core() {
    let hasher = Hasher::new(BackendRequest::Cpu).expect("the CPU path always works");
    assert!(!hasher.is_gpu());
    assert!(
        hasher.description().starts_with("CPU ("),
        "{}",
        hasher.description()
    );
    let pixels: Vec<Pixels<'_>> = samples().iter().step_by(7).map(Sample::pixels).collect();
    let expected: Vec<Signature> = pixels.iter().map(Signature::compute).collect();
    assert_eq!(hasher.hash(&pixels).expect("CPU hashing"), expected);
}

/// Runs one test of this binary in a child process with extra environment variables.
fn run_child(test: &str, env: &[(&str, &str)], remove: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command.args([test, "--exact", "--ignored", "--nocapture"]);
    for (k, v) in env {
        command.env(k, v);
    }
    for k in remove {
        command.env_remove(k);
    }
    command.output().expect("the test binary runs")
}

#[test]
fn backend_env_cpu_forces_the_cpu_path() {
    let out = run_child(
        "child_auto_hasher_follows_the_environment",
        &[("LOOKALIKE_BACKEND", "cpu")],
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("CPU (") && stdout.contains("LOOKALIKE_BACKEND=cpu"),
        "{stdout}"
    );
}

#[test]
#[ignore = "run by backend_env_cpu_forces_the_cpu_path with LOOKALIKE_BACKEND=cpu"]
fn child_auto_hasher_follows_the_environment() {
    assert_eq!(std::env::var("LOOKALIKE_BACKEND").as_deref(), Ok("cpu"));
    let hasher = Hasher::new(BackendRequest::Auto).expect("Auto never fails");
    println!("{}", hasher.description());
    assert!(!hasher.is_gpu());
    // The photographs themselves: this runs in a child process, which would otherwise have to
    // make every sample again.
    let samples: Vec<Sample> = photos()
        .into_iter()
        .map(|(name, photo)| Sample::rgb(name, photo))
        .collect();
    let pixels: Vec<Pixels<'_>> = samples.iter().map(Sample::pixels).collect();
    let expected: Vec<Signature> = pixels.iter().map(Signature::compute).collect();
    assert_eq!(hasher.hash(&pixels).expect("CPU hashing"), expected);
}

#[test]
fn a_missing_adapter_skips_only_when_no_gpu_is_required() {
    // No platform has both DX12 and Metal; ask for the one this platform lacks.
    let absent = if cfg!(target_os = "windows") {
        "metal"
    } else {
        "dx12"
    };
    let skipped = run_child(
        "child_gpu_test",
        &[("LOOKALIKE_BACKEND", absent)],
        &["LOOKALIKE_REQUIRE_GPU"],
    );
    let stdout = String::from_utf8_lossy(&skipped.stdout);
    assert!(skipped.status.success(), "{stdout}");
    assert!(stdout.contains("skipped: no GPU adapter"), "{stdout}");

    let required = run_child(
        "child_gpu_test",
        &[
            ("LOOKALIKE_BACKEND", absent),
            ("LOOKALIKE_REQUIRE_GPU", "1"),
        ],
        &[],
    );
    assert!(
        !required.status.success(),
        "{}",
        String::from_utf8_lossy(&required.stdout)
    );
}

#[test]
#[ignore = "run by a_missing_adapter_skips_only_when_no_gpu_is_required"]
fn child_gpu_test() {
    let Some(gpu) = gpu_or_skip() else { return };
    let img = RgbImage::from_pixel(40, 30, Rgb([10, 200, 30]));
    let sample = Sample::rgb("flat".into(), img);
    assert_eq!(
        gpu.hash(&[sample.pixels()]).expect("hashing"),
        vec![Signature::compute(&sample.pixels())]
    );
}
