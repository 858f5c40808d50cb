//! Query latency of the inverted index with 10 000, 100 000 and 1 000 000 signatures (and at
//! 100 000 with all eight orientations, `--all-turns`), and memory per indexed image.
//! `cargo bench -p lookalike-core --bench query`
//!
//! The indexed signatures are synthetic but follow the coefficient statistics of real photos
//! (see `common/mod.rs`).
use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use lookalike_core::{IndexBuilder, Orientation, QueryScratch, Sensitivity, Signature, Weights};

mod common;
use common::{real_signatures, synthetic};

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
        let mut index = builder.build();
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
        // The default five orientations; at 100 000 also all eight (`--all-turns`).
        let runs: &[(&str, &'static [Orientation])] = if n == 100_000 {
            &[
                ("top10_default_sensitivity", Orientation::DEFAULT),
                ("top10_all_turns", &Orientation::ALL),
            ]
        } else {
            &[("top10_default_sensitivity", Orientation::DEFAULT)]
        };
        for &(name, orientations) in runs {
            index.set_orientations(orientations);
            g.bench_with_input(BenchmarkId::new(name, n), &index, |b, index| {
                b.iter(|| {
                    k = (k + 1) % queries.len();
                    index.query_with(&mut scratch, black_box(&queries[k]), threshold, 10)
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
