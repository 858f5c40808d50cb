//! Query latency of the inverted index with 10 000, 100 000 and 1 000 000 signatures, and memory
//! per indexed image. `cargo bench -p lookalike-core --bench query`
//!
//! The indexed signatures are synthetic but follow the coefficient statistics of real photos:
//! 950 real signatures are computed from random crops of the 19 test photographs
//! (`tests/photos/`); each synthetic signature starts from one of them and replaces half of its
//! coefficients per channel with codes drawn from the pooled distribution of that channel's codes
//! in the real set (so popular low-frequency positions stay popular, as they are in a library).
use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use lookalike_core::signature::{FORMAT_VERSION, MAGIC};
use lookalike_core::{
    IndexBuilder, PixelLayout, Pixels, QueryScratch, Sensitivity, Signature, Weights,
};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn real_signatures() -> Vec<Signature> {
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
fn assemble(base: &Signature, codes: &[Vec<u16>; 3]) -> Signature {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&MAGIC);
    bytes.push(FORMAT_VERSION);
    bytes.push(base.m());
    bytes.extend_from_slice(&base.aspect_ratio().to_le_bytes());
    for v in base.average().iter().chain(base.strength().iter()) {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    for c in codes {
        for code in c {
            bytes.extend_from_slice(&code.to_le_bytes());
        }
    }
    Signature::from_bytes(&bytes).expect("assembled signature is valid")
}

fn synthetic(real: &[Signature], n: usize, seed: u64) -> Vec<Signature> {
    let pools: [Vec<u16>; 3] =
        std::array::from_fn(|c| real.iter().flat_map(|s| s.codes(c).to_vec()).collect());
    let mut rng = Rng(seed);
    (0..n)
        .map(|_| {
            let base = &real[rng.below(real.len())];
            let codes: [Vec<u16>; 3] = std::array::from_fn(|c| {
                let mut set: Vec<u16> = base.codes(c).to_vec();
                for slot in 0..set.len() {
                    if rng.next() & 1 == 0 {
                        // Draw until the code is new to this channel.
                        loop {
                            let code = pools[c][rng.below(pools[c].len())];
                            if !set.contains(&code) {
                                set[slot] = code;
                                break;
                            }
                        }
                    }
                }
                set.sort_unstable();
                set
            });
            assemble(base, &codes)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let real = real_signatures();
    let queries: Vec<Signature> = synthetic(&real, 64, 7);
    let threshold = Sensitivity::default().min_similarity();
    let mut g = c.benchmark_group("query");
    g.sample_size(20);
    for n in [10_000usize, 100_000, 1_000_000] {
        let mut builder = IndexBuilder::new(Weights::Scanned);
        for s in synthetic(&real, n, n as u64) {
            builder.add(&s);
        }
        let index = builder.build();
        let per_image = index.memory_bytes() as f64 / n as f64;
        let postings = index.postings() as f64 / n as f64;
        let cost = queries.iter().map(|q| index.query_cost(q)).sum::<usize>() / queries.len();
        eprintln!(
            "index of {n}: {per_image:.0} bytes per image ({postings:.1} postings per image); \
             a query walks {cost} postings ({:.1} per image)",
            cost as f64 / n as f64
        );
        let mut scratch = QueryScratch::new();
        let mut k = 0;
        g.bench_with_input(
            BenchmarkId::new("top10_default_sensitivity", n),
            &index,
            |b, index| {
                b.iter(|| {
                    k = (k + 1) % queries.len();
                    index.query_with(&mut scratch, black_box(&queries[k]), threshold, 10)
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
