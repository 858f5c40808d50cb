//! Tests of the all-pairs search: exact against `compare` on every pair, and the faster modes.

use super::*;
use crate::signature::{FORMAT_VERSION, MAGIC};
use crate::{AREA, Sensitivity};

/// splitmix64: a small deterministic generator for the test libraries.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let z = (self.0 ^ (self.0 >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A code biased to low frequencies, as in photos: rows and columns near 0 are common.
fn code(rng: &mut Rng) -> u16 {
    loop {
        let skew = |r: &mut Rng| {
            let u = r.below(1 << 16) as f32 / 65536.0;
            (u * u * u * 128.0) as u16
        };
        let (row, col) = (skew(rng), skew(rng));
        let position = row * 128 + col;
        if position != 0 && usize::from(position) < AREA {
            return position | if rng.next() & 1 == 0 { NEGATIVE } else { 0 };
        }
    }
}

fn assemble(m: u8, average: [f32; 3], strength: [f32; 3], codes: &[Vec<u16>; 3]) -> Signature {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&MAGIC);
    bytes.push(FORMAT_VERSION);
    bytes.push(m);
    bytes.extend_from_slice(&1.5f32.to_le_bytes());
    for v in average.iter().chain(strength.iter()) {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    for channel in codes {
        for code in channel {
            bytes.extend_from_slice(&code.to_le_bytes());
        }
    }
    Signature::from_bytes(&bytes).unwrap()
}

/// Adds codes at positions new to `set` (a signature keeps a position with one sign) up to `m`.
fn fill(rng: &mut Rng, set: &mut Vec<u16>, m: usize) {
    while set.len() < m {
        let c = code(rng);
        if !set.iter().any(|&k| k & !NEGATIVE == c & !NEGATIVE) {
            set.push(c);
        }
    }
    set.sort_unstable();
}

/// The codes of `original` with `replace` of them per channel swapped for new random ones.
fn replaced(rng: &mut Rng, original: &Signature, replace: usize) -> [Vec<u16>; 3] {
    core::array::from_fn(|c| {
        let mut set = original.codes(c).to_vec();
        for _ in 0..replace {
            set.remove(rng.below(set.len() as u64) as usize);
        }
        fill(rng, &mut set, usize::from(original.m()));
        set
    })
}

/// `n` signatures: random ones (some gray, some with fewer coefficients), and after every
/// third one an edited copy of an earlier one, with up to half its codes replaced and its
/// average colour shifted a little.
fn library(n: usize, seed: u64) -> Vec<Signature> {
    let mut rng = Rng(seed);
    let mut out: Vec<Signature> = Vec::new();
    while out.len() < n {
        if out.len() % 3 == 2 {
            let original = out[rng.below(out.len() as u64) as usize];
            let replace = rng.below(u64::from(original.m()) / 2 + 1) as usize;
            let codes = replaced(&mut rng, &original, replace);
            let shift = (rng.below(100) as f32 - 50.0) / 5000.0;
            let average = original.average().map(|v| v + shift);
            out.push(assemble(original.m(), average, original.strength(), &codes));
        } else {
            let m = if rng.below(10) == 0 { 25 } else { 40 };
            let gray = rng.below(20) == 0;
            let strength = if gray {
                [0.1, 0.0, 0.0]
            } else {
                [0.1, 0.01, 0.01]
            };
            let average = [
                rng.below(1000) as f32 / 1000.0,
                rng.below(1000) as f32 / 2000.0 - 0.25,
                rng.below(1000) as f32 / 2000.0 - 0.25,
            ];
            let codes = core::array::from_fn(|_| {
                let mut set = Vec::new();
                fill(&mut rng, &mut set, m);
                set
            });
            out.push(assemble(m as u8, average, strength, &codes));
        }
    }
    out
}

fn exhaustive(sigs: &[Signature], min_similarity: f32) -> Vec<Pair> {
    exhaustive_where(sigs, min_similarity, |_, _| true)
}

/// [`exhaustive`] over the pairs `(a, b)`, `a < b`, that `keep` accepts.
fn exhaustive_where(
    sigs: &[Signature],
    min_similarity: f32,
    keep: impl Fn(usize, usize) -> bool,
) -> Vec<Pair> {
    let mut out = Vec::new();
    for b in 0..sigs.len() {
        for a in (0..b).filter(|&a| keep(a, b)) {
            let c = compare(&sigs[a], &sigs[b], Weights::Scanned);
            if c.similarity >= min_similarity && c.similarity > 0.0 {
                out.push(Pair {
                    a: a as u32,
                    b: b as u32,
                    similarity: c.similarity,
                    score: c.score,
                });
            }
        }
    }
    out.sort_unstable_by_key(|p| (p.a, p.b));
    out
}

#[test]
fn all_pairs_are_exactly_the_pairs_an_exhaustive_comparison_finds() {
    let sigs = library(2000, 11);
    let thresholds = [Sensitivity::DEFAULT.min_similarity(), 35.0, 90.0];
    // Compared once, at the lowest of them.
    let lowest = exhaustive(&sigs, thresholds.into_iter().fold(f32::INFINITY, f32::min));
    for min in thresholds {
        let expected: Vec<Pair> = lowest
            .iter()
            .filter(|p| p.similarity >= min)
            .cloned()
            .collect();
        let found = all_pairs(&sigs, Weights::Scanned, min).unwrap();
        assert!(expected.len() > 100, "{min}: only {} pairs", expected.len());
        assert_eq!(found.len(), expected.len(), "at similarity {min}");
        assert_eq!(found, expected, "at similarity {min}");
    }
}

/// `library(n, seed)` plus, for every fifth signature, a copy turned one of the ways `compare`
/// tries, with `0..=3` codes per channel replaced (similarity 85–100 turned, little upright).
fn library_with_turned_copies(n: usize, seed: u64) -> Vec<Signature> {
    let mut sigs = library(n, seed);
    let mut rng = Rng(seed ^ 0x7a11);
    for i in (0..n).step_by(5) {
        let o = Orientation::DEFAULT[1 + i / 5 % 4];
        let turned = sigs[i].oriented(o);
        let replace = rng.below(4) as usize;
        let codes = replaced(&mut rng, &turned, replace);
        sigs.push(assemble(
            turned.m(),
            turned.average(),
            turned.strength(),
            &codes,
        ));
    }
    sigs
}

#[test]
fn turned_copies_are_found_exactly_as_compare_finds_them() {
    let sigs = library_with_turned_copies(1500, 17);
    let min = Sensitivity::DEFAULT.min_similarity();
    let expected = exhaustive(&sigs, min);
    let turned = expected
        .iter()
        .filter(|p| {
            compare(&sigs[p.a as usize], &sigs[p.b as usize], Weights::Scanned).orientation
                != Orientation::Upright
        })
        .count();
    assert!(turned > 100, "only {turned} turned pairs");
    for p in &expected {
        let back = compare(&sigs[p.b as usize], &sigs[p.a as usize], Weights::Scanned);
        let there = compare(&sigs[p.a as usize], &sigs[p.b as usize], Weights::Scanned);
        assert_eq!(
            (back.similarity, back.score),
            (p.similarity, p.score),
            "{there:?} {back:?}"
        );
    }
    let found = all_pairs(&sigs, Weights::Scanned, min).unwrap();
    let missing: Vec<_> = expected.iter().filter(|p| !found.contains(p)).collect();
    let extra: Vec<_> = found.iter().filter(|p| !expected.contains(p)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    // And the pair is the same pair whichever side comes first.
    for p in &expected {
        let back = compare(&sigs[p.b as usize], &sigs[p.a as usize], Weights::Scanned);
        assert_eq!((back.similarity, back.score), (p.similarity, p.score));
    }
}

#[test]
fn edited_copies_of_gray_images_are_found_through_their_luminance() {
    let sigs = library(3000, 5);
    let min = Sensitivity::DEFAULT.min_similarity();
    let gray_pairs = exhaustive_where(&sigs, min, |a, _| !sigs[a].is_informative(1));
    assert!(gray_pairs.len() > 5, "{} gray pairs", gray_pairs.len());
    let found = all_pairs(&sigs, Weights::Scanned, min).unwrap();
    for p in &gray_pairs {
        assert!(found.contains(p), "{p:?} missing");
    }
}

#[test]
fn the_prefix_filter_skips_most_pairs() {
    let sigs = library(3000, 3);
    let pairs = AllPairs::new(&sigs, Weights::Scanned, 53.75).unwrap();
    let mut out = Vec::new();
    let stats = pairs.pairs_in(0..3000, &mut PairScratch::new(), &mut out);
    let all = 3000 * 2999 / 2;
    assert!(stats.candidates < all / 5, "{stats:?} of {all}");
    assert_eq!(stats.pairs, out.len() as u64);
    assert!(pairs.postings() < 3000 * 120, "{}", pairs.postings());
}

#[test]
fn disjoint_ranges_split_the_pairs_between_threads() {
    let sigs = library(1200, 8);
    let pairs = AllPairs::new(&sigs, Weights::Scanned, 50.0).unwrap();
    let whole = pairs.pairs();
    let mut parts = Vec::new();
    let mut scratch = PairScratch::new();
    for start in (0..1300).step_by(250) {
        pairs.pairs_in(start..start + 250, &mut scratch, &mut parts);
    }
    parts.sort_unstable_by_key(|p| (p.a, p.b));
    assert!(!whole.is_empty());
    assert_eq!(parts, whole);
    let mut none = Vec::new();
    pairs.pairs_in(5000..6000, &mut scratch, &mut none);
    assert!(none.is_empty());
}

#[test]
fn a_prefix_limit_reports_only_true_pairs_and_finds_edited_copies() {
    let sigs = library(2000, 21);
    let min = Sensitivity::DEFAULT.min_similarity();
    let expected = exhaustive(&sigs, min);
    let exact = AllPairs::new(&sigs, Weights::Scanned, min).unwrap();
    let limited = AllPairs::with_prefix_limit(&sigs, Weights::Scanned, min, 8)
        .unwrap()
        .require_shared_codes(2);
    assert!(limited.postings() <= 8 * sigs.len());
    assert!(
        limited.postings() < exact.postings() / 4,
        "{}",
        limited.postings()
    );
    let found = limited.pairs();
    assert!(found.iter().all(|p| expected.contains(p)), "a false pair");
    // Near-identical copies (similarity ≥ 95) keep their rarest codes, and are all found;
    // heavier edits may be missed (the benchmark measures how many).
    let close: Vec<&Pair> = expected.iter().filter(|p| p.similarity >= 95.0).collect();
    assert!(close.len() > 20, "{}", close.len());
    for p in close {
        assert!(found.contains(p), "{p:?} missing");
    }
}

#[test]
fn an_empty_set_has_no_pairs() {
    let pairs = AllPairs::new(&[], Weights::Scanned, 50.0).unwrap();
    assert!(pairs.is_empty());
    assert!(pairs.pairs().is_empty());
}

/// `library(n, seed)` plus, for every fourth signature, a gray copy whose luminance is faint
/// (`FAINT_FLOOR` to `STRUCTURE_FLOOR`: a foggy copy) with `0..=3` codes replaced, and for
/// every eighth, the signature itself made faint.
fn library_with_faint_copies(n: usize, seed: u64) -> Vec<Signature> {
    let mut sigs = library(n, seed);
    let mut rng = Rng(seed ^ 0xfa17);
    for i in (0..n).step_by(4) {
        let replace = rng.below(4) as usize;
        let codes = replaced(&mut rng, &sigs[i], replace);
        sigs.push(assemble(
            sigs[i].m(),
            sigs[i].average(),
            [2.5e-4, 0.0, 0.0],
            &codes,
        ));
    }
    for i in (0..n).step_by(8) {
        let s = sigs[i];
        let codes = core::array::from_fn(|c| s.codes(c).to_vec());
        let strength = s.strength();
        sigs[i] = assemble(
            s.m(),
            s.average(),
            [2.2e-4, strength[1], strength[2]],
            &codes,
        );
    }
    sigs
}

#[test]
fn faint_copies_are_found_exactly_as_compare_finds_them() {
    let sigs = library_with_faint_copies(1600, 23);
    let min = Sensitivity::DEFAULT.min_similarity();
    let expected = exhaustive(&sigs, min);
    let faint = |i: u32| sigs[i as usize].is_faint();
    let with_faint = expected.iter().filter(|p| faint(p.a) || faint(p.b)).count();
    assert!(
        with_faint > 100,
        "only {with_faint} pairs with a faint side"
    );
    // Two faint luminances never count: a faint picture and its gray faint copy share no
    // channel to compare, while the same copy is found when the picture's luminance has
    // structure.
    for i in (0..1600usize).step_by(8) {
        let (picture, copy) = (&sigs[i], &sigs[1600 + i / 4]);
        assert_eq!(
            compare(picture, copy, Weights::Scanned).similarity,
            0.0,
            "{i}"
        );
        let codes = core::array::from_fn(|c| picture.codes(c).to_vec());
        let strength = picture.strength();
        let structured = assemble(
            picture.m(),
            picture.average(),
            [0.1, strength[1], strength[2]],
            &codes,
        );
        let c = compare(&structured, copy, Weights::Scanned);
        assert!(c.similarity >= min, "{i}: {c:?}");
    }
    let found = all_pairs(&sigs, Weights::Scanned, min).unwrap();
    assert_eq!(found, expected);
}
