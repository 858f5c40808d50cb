//! The synthetic signatures of the benches, shared by `query` and `pairs`: they follow the
//! coefficient statistics of real photos.
//!
//! 950 real signatures are computed from random crops of the 19 test photographs
//! (`tests/photos/`); each synthetic signature starts from one of them and replaces half of its
//! coefficients per channel with codes drawn from the pooled distribution of that channel's codes
//! in the real set (so popular low-frequency positions stay popular, as they are in a library).
#![allow(dead_code)] // each bench uses its own part

use lookalike_core::signature::{FORMAT_VERSION, MAGIC, NEGATIVE};
use lookalike_core::{PixelLayout, Pixels, Signature};

pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn real_signatures() -> Vec<Signature> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/photos");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/photos")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    paths.sort();
    let mut rng = Rng(42);
    let mut out = Vec::new();
    for p in paths {
        let img = image::open(&p).unwrap().to_rgb8();
        for _ in 0..50 {
            let (w, h) = img.dimensions();
            let cw = w / 3 + rng.below((w * 2 / 3) as usize) as u32;
            let ch = h / 3 + rng.below((h * 2 / 3) as usize) as u32;
            let x = rng.below((w - cw + 1) as usize) as u32;
            let y = rng.below((h - ch + 1) as usize) as u32;
            let crop = image::imageops::crop_imm(&img, x, y, cw, ch).to_image();
            out.push(Signature::compute(
                &Pixels::new(cw, ch, PixelLayout::Rgb8, crop.as_raw()).unwrap(),
            ));
        }
    }
    out
}

/// Encodes a signature from parts, through the public byte format.
pub fn assemble(base: &Signature, average: [f32; 3], codes: &[Vec<u16>; 3]) -> Signature {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&MAGIC);
    bytes.push(FORMAT_VERSION);
    bytes.push(base.m());
    bytes.extend_from_slice(&base.aspect_ratio().to_le_bytes());
    for v in average.iter().chain(base.strength().iter()) {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    for c in codes {
        for code in c {
            bytes.extend_from_slice(&code.to_le_bytes());
        }
    }
    Signature::from_bytes(&bytes).expect("assembled signature is valid")
}

/// Every code of every real signature, per channel: a draw from a pool follows the frequencies
/// of real photos.
pub fn pools(real: &[Signature]) -> [Vec<u16>; 3] {
    std::array::from_fn(|c| real.iter().flat_map(|s| s.codes(c).to_vec()).collect())
}

/// Replaces the codes of the slots `pick` chooses with pool codes new to the set, then sorts.
fn redraw(
    set: &mut [u16],
    pool: &[u16],
    rng: &mut Rng,
    mut pick: impl FnMut(&mut Rng, usize) -> bool,
) {
    for slot in 0..set.len() {
        if pick(rng, slot) {
            // Draw until the position is new to this channel (a signature keeps a position
            // with one sign).
            loop {
                let code = pool[rng.below(pool.len())];
                if !set.iter().any(|&k| k & !NEGATIVE == code & !NEGATIVE) {
                    set[slot] = code;
                    break;
                }
            }
        }
    }
    set.sort_unstable();
}

pub fn synthetic(real: &[Signature], n: usize, seed: u64) -> Vec<Signature> {
    let pools = pools(real);
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let base = &real[rng.below(real.len())];
            let codes: [Vec<u16>; 3] = std::array::from_fn(|c| {
                let mut set: Vec<u16> = base.codes(c).to_vec();
                redraw(&mut set, &pools[c], &mut rng, |rng, _| rng.next() & 1 == 0);
                set
            });
            assemble(base, base.average(), &codes)
        })
        .collect()
}

/// A planted duplicate: an edited copy of `original` (recompressed, retouched, cropped a
/// little), with 1–12 codes per channel replaced by pool codes and the average colour shifted
/// by up to ±0.01 per channel.
pub fn edited_copy(original: &Signature, pools: &[Vec<u16>; 3], rng: &mut Rng) -> Signature {
    let codes: [Vec<u16>; 3] = std::array::from_fn(|c| {
        let mut set: Vec<u16> = original.codes(c).to_vec();
        let m = set.len();
        // Exactly `k` slots, by selection sampling.
        let mut left = 1 + rng.below(12);
        redraw(&mut set, &pools[c], rng, |rng, slot| {
            let take = rng.below(m - slot) < left;
            left -= usize::from(take);
            take
        });
        set
    });
    let average = original
        .average()
        .map(|v| v + (rng.below(2001) as f32 - 1000.0) / 100_000.0);
    assemble(original, average, &codes)
}
