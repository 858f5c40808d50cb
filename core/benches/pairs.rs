//! All pairs of a library at the default sensitivity (issue 14): the inverted index queried once
//! per image (before) against [`AllPairs`] (after), with time, memory and recall against an
//! exhaustive comparison.
//!
//! ```sh
//! cargo bench -p lookalike-core --bench pairs              # 100 000 and 1 000 000 signatures
//! cargo bench -p lookalike-core --bench pairs -- 100000    # sizes of your choice
//! PAIRS_DUMP=lib.bin cargo bench -p lookalike-core --bench pairs -- 100000   # only write the set
//! PAIRS_LOAD=sigs.bin cargo bench -p lookalike-core --bench pairs   # a set of real signatures
//! ```
//!
//! `PAIRS_LOAD` reads what `cargo run --release -p lookalike-tests --bin accuracy --signatures
//! sigs.bin` writes: the accuracy harness's real photos, their parts and 38 kinds of copies,
//! where every pair of the set is checked. Other knobs: `PAIRS_LIMIT`, `PAIRS_SHARED` (the
//! approximate modes), `PAIRS_AFTER=0` (the index only), `PAIRS_SAMPLE` (query images, 2 000),
//! `PAIRS_EXHAUSTIVE` (of those, how many are compared with every signature), `PAIRS_CACHE=DIR`
//! (keep the exhaustive pairs per size), `PAIRS_DEBUG=1` (the missed pairs by orientation and
//! similarity).
//!
//! Not a criterion bench: one run at 1 000 000 takes minutes, so it is timed once, on every core
//! (`std::thread::scope`, work split by query id ranges), and reported with CPU time and load
//! average, which matter on a shared machine.
//!
//! The library: synthetic signatures with the coefficient statistics of real photos (the query
//! bench's generator, `common/mod.rs`), of which 2 % are planted duplicates, edited copies of
//! another signature of the set (1–12 codes per channel replaced, average colour shifted).
//! Recall: a sample of query images is compared with every signature of the set by
//! [`compare`]; recall is the share of those exhaustive pairs that the method reports.
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use lookalike_core::{
    AllPairs, Index, IndexBuilder, Pair, PairScratch, PairStats, QueryScratch, Sensitivity,
    Signature, Weights, compare,
};

mod common;
use common::{Rng, edited_copy, pools, real_signatures, synthetic};

/// Sample images per size: queried through the index (the before method, timed and
/// extrapolated), whose pairs are the reference of recall.
const SAMPLE: usize = 2000;
/// Ids a thread takes at a time.
const CHUNK: u32 = 1024;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .map(|a| a.replace('_', "").parse().expect("sizes are numbers"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let min = Sensitivity::default().min_similarity();
    eprintln!(
        "{threads} threads, similarity ≥ {min}, prefix limit {}, shared codes {}; {}",
        limit(),
        shared(),
        load()
    );
    if let Some(path) = std::env::var_os("PAIRS_LOAD") {
        let sigs = loaded(&path);
        eprintln!(
            "\n== {} signatures from {}",
            sigs.len(),
            path.to_string_lossy()
        );
        measure(sigs, Vec::new(), threads, min);
        return;
    }
    let real = real_signatures();
    for n in sizes {
        run(&real, n, threads, min);
    }
}

fn run(real: &[Signature], n: usize, threads: usize, min: f32) {
    let started = Instant::now();
    let (sigs, planted) = library(real, n);
    eprintln!(
        "\n== {n} signatures ({} planted duplicates), made in {:.1} s; {}",
        planted.len(),
        started.elapsed().as_secs_f64(),
        load()
    );
    measure(sigs, planted, threads, min);
}

/// Reads the signatures that `accuracy --signatures FILE` wrote (tests/src/bin/accuracy): real
/// photos, their quarters and thirds, and 38 kinds of copies of them.
fn loaded(path: &std::ffi::OsStr) -> Vec<Signature> {
    let bytes = std::fs::read(path).expect("PAIRS_LOAD is readable");
    let mut sigs = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        // The header names m (byte 5); 34 header bytes, then 3 × m codes of 2 bytes.
        let name = path.to_string_lossy();
        let m = *bytes
            .get(at + 5)
            .unwrap_or_else(|| panic!("{name}: cut short at byte {at}"));
        let len = 34 + 6 * usize::from(m);
        let one = bytes
            .get(at..at + len)
            .unwrap_or_else(|| panic!("{name}: cut short at byte {at}"));
        sigs.push(
            Signature::from_bytes(one)
                .unwrap_or_else(|e| panic!("{name}: no signature at byte {at}: {e}")),
        );
        at += len;
    }
    sigs
}

fn measure(sigs: Vec<Signature>, planted: Vec<(u32, u32)>, threads: usize, min: f32) {
    let n = sigs.len();
    if let Some(path) = std::env::var_os("PAIRS_DUMP") {
        // The same library for other engines (scale/README.md): every signature's bytes, one
        // after the other, in id order; nothing else is run.
        let bytes: Vec<u8> = sigs.iter().flat_map(|s| s.to_bytes()).collect();
        std::fs::write(&path, bytes).expect("PAIRS_DUMP is writable");
        eprintln!("wrote {n} signatures to {}", path.to_string_lossy());
        return;
    }
    let mut rng = Rng(n as u64 ^ 0x5eed);
    let sample: Vec<u32> = if n <= SAMPLE * 4 {
        // A small set (PAIRS_LOAD): every image is a sample image.
        (0..n as u32).collect()
    } else {
        let size = std::env::var("PAIRS_SAMPLE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(SAMPLE);
        (0..size).map(|_| rng.below(n) as u32).collect()
    };

    // After first, so that the process's peak memory is its own.
    if std::env::var("PAIRS_AFTER").is_ok_and(|v| v == "0") {
        before(&sigs, &sample, n, threads, min, &HashSet::new());
        return;
    }
    reset_peak();
    let clock = Clock::start();
    let all = AllPairs::with_prefix_limit(&sigs, Weights::Scanned, min, limit())
        .expect("fits u32 ids")
        .require_shared_codes(shared());

    let built = clock.stop();
    eprintln!(
        "after: built {built}; {} postings ({:.1} per image, {:.0} B per image)",
        all.postings(),
        all.postings() as f64 / n as f64,
        all.memory_bytes() as f64 / n as f64,
    );
    let clock = Clock::start();
    let next = AtomicU32::new(0);
    let tenth = (n as u32 / 10).max(CHUNK);
    let results: Vec<(Vec<Pair>, PairStats, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut scratch = PairScratch::new();
                    let mut out = Vec::new();
                    let mut stats = PairStats::default();
                    loop {
                        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                        if start >= n as u32 {
                            break;
                        }
                        stats += all.pairs_in(start..start + CHUNK, &mut scratch, &mut out);
                        if start / tenth != (start + CHUNK) / tenth {
                            eprintln!(
                                "  {:.0} % after {:.1} s",
                                100.0 * f64::from(start + CHUNK) / n as f64,
                                clock.wall.elapsed().as_secs_f64()
                            );
                        }
                    }
                    let scratch_bytes = scratch.memory_bytes();
                    (out, stats, scratch_bytes)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let pairs_took = clock.stop();
    let peak = peak_bytes();
    let mut stats = PairStats::default();
    let mut pair_bytes = 0;
    let mut scratch_bytes = 0;
    for (out, s, scratch) in &results {
        stats += *s;
        pair_bytes += out.capacity() * size_of::<Pair>();
        scratch_bytes += scratch;
    }
    let sig_bytes = n * size_of::<Signature>();
    let held = all.memory_bytes() + scratch_bytes + pair_bytes + sig_bytes;
    drop(all);
    let after_found: HashSet<(u32, u32)> = results
        .iter()
        .flat_map(|(out, _, _)| out.iter().map(|p| (p.a, p.b)))
        .collect();
    drop(results);
    eprintln!(
        "after: all pairs {pairs_took}; {} pairs, {} candidates ({:.0} per image), {} postings walked; {}",
        stats.pairs,
        stats.candidates,
        stats.candidates as f64 / n as f64,
        stats.postings,
        load()
    );
    eprintln!(
        "after: memory per image {:.0} B held (index {:.0} + scratch {:.0} + pairs {:.0} + signatures {:.0}); process peak {:.0} B per image",
        held as f64 / n as f64,
        (held - scratch_bytes - pair_bytes - sig_bytes) as f64 / n as f64,
        scratch_bytes as f64 / n as f64,
        pair_bytes as f64 / n as f64,
        sig_bytes as f64 / n as f64,
        peak as f64 / n as f64
    );
    let planted_pairs = planted
        .iter()
        .filter(|&&(a, b)| {
            compare(&sigs[a as usize], &sigs[b as usize], Weights::Scanned).similarity >= min
        })
        .count();
    let planted_found = planted
        .iter()
        .filter(|&&(a, b)| after_found.contains(&(a.min(b), a.max(b))))
        .count();
    eprintln!(
        "after: planted duplicates at or above {min}: {planted_found} of {planted_pairs} found (of {} planted)",
        planted.len()
    );

    let (per_query_cpu, after_recall, after_exhaustive) =
        before(&sigs, &sample, n, threads, min, &after_found);
    println!(
        "| {n} | before ≈ {:.0} s wall (extrapolated) | after {:.1} s wall ({:.1} s build + {:.1} s pairs), {:.1} s CPU | {:.0} B/image held, peak {:.0} | recall {after_recall}, exhaustive {after_exhaustive} | {} |",
        per_query_cpu * n as f64 / threads as f64,
        built.wall + pairs_took.wall,
        built.wall,
        pairs_took.wall,
        built.cpu + pairs_took.cpu,
        held as f64 / n as f64,
        peak as f64 / n as f64,
        load()
    );
}

/// The prefix limit of [`AllPairs::with_prefix_limit`]: `PAIRS_LIMIT`, or exact.
fn limit() -> usize {
    std::env::var("PAIRS_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(usize::MAX)
}

/// [`AllPairs::require_shared_codes`]: `PAIRS_SHARED`, or 1 (exact).
fn shared() -> u8 {
    std::env::var("PAIRS_SHARED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// How many sample images are compared with every signature: 100 000 000 comparisons at most
/// (about a minute per core), at least 50 images.
fn exhaustive_sample(n: usize) -> usize {
    std::env::var("PAIRS_EXHAUSTIVE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or((100_000_000 / n.max(1)).max(50))
}

/// The one-query-per-image method on the sample, the exhaustive check, and the index's byte
/// form; returns the CPU seconds per query and the recall of `after_found`.
fn before(
    sigs: &[Signature],
    sample: &[u32],
    n: usize,
    threads: usize,
    min: f32,
    after_found: &HashSet<(u32, u32)>,
) -> (f64, String, String) {
    // Before: the inverted index, queried once per sample image; the full run is extrapolated.
    // Its answers are exact (the index test `query_agrees_with_pairwise_compare_to_the_bit`),
    // and are checked below against `compare` on every signature for the first sample images.
    let clock = Clock::start();
    let mut builder = IndexBuilder::new(Weights::Scanned);
    for s in sigs {
        builder.add(s);
    }
    let index = builder.build();
    eprintln!(
        "before: index built {}, {:.0} B per image",
        clock.stop(),
        index.memory_bytes() as f64 / n as f64
    );
    let clock = Clock::start();
    let found: Vec<Vec<(u32, u32)>> = parallel(threads, sample.len() as u32, 16, |range| {
        let mut scratch = QueryScratch::new();
        let mut out = Vec::new();
        for &q in &sample[range.start as usize..range.end as usize] {
            for hit in index.query_with(&mut scratch, &sigs[q as usize], min, usize::MAX) {
                if hit.id != q {
                    out.push((q.min(hit.id), q.max(hit.id)));
                }
            }
        }
        out
    });
    let took = clock.stop();
    let per_query_cpu = took.cpu / sample.len() as f64;
    let reference: HashSet<(u32, u32)> = found.into_iter().flatten().collect();
    eprintln!(
        "before: {} queries {took}; {:.3} ms CPU per query → all {n}: {:.0} s CPU, ≈ {:.0} s wall on {threads} threads; {}",
        sample.len(),
        per_query_cpu * 1e3,
        per_query_cpu * n as f64,
        per_query_cpu * n as f64 / threads as f64,
        load()
    );

    // Exhaustive: `compare` against every signature, for the first sample images.
    let checked = &sample[..exhaustive_sample(n).min(sample.len())];
    let clock = Clock::start();
    // PAIRS_CACHE=DIR keeps the exhaustive pairs of a size (the set is the same for a size and
    // signature format), so that methods can be compared without minutes of `compare` each
    // time. Delete it when scoring changes.
    let cache = std::env::var_os("PAIRS_CACHE").map(|dir| {
        std::path::PathBuf::from(dir).join(format!(
            "exhaustive-v{}-{n}-{}.bin",
            lookalike_core::signature::FORMAT_VERSION,
            checked.len()
        ))
    });
    let cached: Option<Vec<(u32, u32)>> = cache
        .as_ref()
        .and_then(|path| std::fs::read(path).ok())
        .map(|bytes| {
            bytes
                .chunks_exact(8)
                .map(|c| {
                    let word = |i: usize| u32::from_le_bytes(c[i..i + 4].try_into().unwrap());
                    (word(0), word(4))
                })
                .collect()
        });
    let exhaustive: Vec<Vec<(u32, u32)>> = if let Some(pairs) = cached {
        vec![pairs]
    } else {
        parallel(threads, checked.len() as u32, 4, |range| {
            let mut out = Vec::new();
            for &q in &checked[range.start as usize..range.end as usize] {
                for (y, s) in sigs.iter().enumerate() {
                    let y = y as u32;
                    if y != q && compare(&sigs[q as usize], s, Weights::Scanned).similarity >= min {
                        out.push((q.min(y), q.max(y)));
                    }
                }
            }
            out
        })
    };
    let exhaustive: HashSet<(u32, u32)> = exhaustive.into_iter().flatten().collect();
    if let Some(path) = &cache {
        let bytes: Vec<u8> = exhaustive
            .iter()
            .flat_map(|&(a, b)| a.to_le_bytes().into_iter().chain(b.to_le_bytes()))
            .collect();
        std::fs::write(path, bytes).expect("PAIRS_CACHE is writable");
    }
    let of_checked = |set: &HashSet<(u32, u32)>| -> HashSet<(u32, u32)> {
        let ids: HashSet<u32> = checked.iter().copied().collect();
        set.iter()
            .filter(|(a, b)| ids.contains(a) || ids.contains(b))
            .copied()
            .collect()
    };
    eprintln!(
        "exhaustive: {} images × {n} compared {}; {} pairs, the index found {}",
        checked.len(),
        clock.stop(),
        exhaustive.len(),
        if of_checked(&reference) == exhaustive {
            "the same"
        } else {
            "OTHERS"
        },
    );
    let after_recall = recall(&reference, sample, |p| after_found.contains(p));
    if std::env::var_os("PAIRS_DEBUG").is_some() {
        let mut by = std::collections::BTreeMap::new();
        for p in reference.iter().filter(|p| !after_found.contains(p)) {
            let c = compare(&sigs[p.0 as usize], &sigs[p.1 as usize], Weights::Scanned);
            *by.entry((format!("{:?}", c.orientation), c.similarity as u32 / 5 * 5))
                .or_insert(0) += 1;
        }
        eprintln!("missed: {by:?}");
    }
    let after_exhaustive = recall(&exhaustive, checked, |p| after_found.contains(p));
    eprintln!(
        "after: recall {after_recall} of the index's pairs of {} sample images; {after_exhaustive} of the exhaustive pairs of {}",
        sample.len(),
        checked.len()
    );

    let clock = Clock::start();
    let bytes = index.to_bytes();
    let encode = clock.stop();
    drop(index);
    let clock = Clock::start();
    let back = Index::from_bytes(&bytes).expect("round trip");
    let decode = clock.stop();
    eprintln!(
        "index bytes: {} MB ({:.0} B per image); to_bytes {encode}; from_bytes {decode} ({} live ids); {}",
        bytes.len() / 1_000_000,
        bytes.len() as f64 / n as f64,
        back.len(),
        load()
    );
    (per_query_cpu, after_recall, after_exhaustive)
}

/// `n` signatures, 2 % of them edited copies of another; returns the (original, copy) pairs.
fn library(real: &[Signature], n: usize) -> (Vec<Signature>, Vec<(u32, u32)>) {
    let copies = n / 50;
    let mut sigs = synthetic(real, n - copies, n as u64);
    let pools = pools(real);
    let mut rng = Rng(n as u64 * 31 + 7);
    let mut planted = Vec::with_capacity(copies);
    for _ in 0..copies {
        let original = rng.below(sigs.len());
        let copy = edited_copy(&sigs[original], &pools, &mut rng);
        planted.push((original as u32, sigs.len() as u32));
        sigs.push(copy);
    }
    // Shuffle, so that copies are not all at the end of the id order.
    let mut place: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        place.swap(i, rng.below(i + 1));
    }
    let mut shuffled = vec![sigs[0]; n];
    for (old, &new) in place.iter().enumerate() {
        shuffled[new as usize] = sigs[old];
    }
    let planted = planted
        .into_iter()
        .map(|(a, b)| (place[a as usize], place[b as usize]))
        .collect();
    (shuffled, planted)
}

/// The share of the exhaustive pairs of the `checked` sample images that `found` holds.
fn recall(
    exhaustive: &HashSet<(u32, u32)>,
    checked: &[u32],
    found: impl Fn(&(u32, u32)) -> bool,
) -> String {
    let checked: HashSet<u32> = checked.iter().copied().collect();
    let relevant: Vec<&(u32, u32)> = exhaustive
        .iter()
        .filter(|(a, b)| checked.contains(a) || checked.contains(b))
        .collect();
    let hit = relevant.iter().filter(|p| found(p)).count();
    format!(
        "{:.3} % ({hit} of {})",
        100.0 * hit as f64 / relevant.len().max(1) as f64,
        relevant.len()
    )
}

/// Runs `work` over `0..n` in chunks on `threads` threads; one result per chunk.
fn parallel<T: Send>(
    threads: usize,
    n: u32,
    chunk: u32,
    work: impl Fn(std::ops::Range<u32>) -> T + Sync,
) -> Vec<T> {
    let next = AtomicU32::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let start = next.fetch_add(chunk, Ordering::Relaxed);
                        if start >= n {
                            break;
                        }
                        out.push(work(start..(start + chunk).min(n)));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    })
}

/// Wall and CPU time (user + system, all threads of the process) of a step.
struct Clock {
    wall: Instant,
    cpu: f64,
}

#[derive(Clone, Copy)]
struct Took {
    wall: f64,
    cpu: f64,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }
    fn stop(self) -> Took {
        Took {
            wall: self.wall.elapsed().as_secs_f64(),
            cpu: cpu_seconds() - self.cpu,
        }
    }
}

impl std::fmt::Display for Took {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} s wall, {:.2} s CPU", self.wall, self.cpu)
    }
}

/// utime + stime of this process from `/proc/self/stat`, at 100 ticks per second (Linux).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name, which ends with the last ')'.
    let rest = &stat[stat.rfind(')').map_or(0, |i| i + 2)..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    (ticks(11) + ticks(12)) / 100.0
}

/// Resets the process's peak resident size (Linux ≥ 4.0), so that the next peak is this step's.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident size in bytes (`VmHWM`), or 0 where unknown.
fn peak_bytes() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<usize>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn load() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "load average {}",
        l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    )
}
