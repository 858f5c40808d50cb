//! All pairs at once: every pair among `N` signatures whose similarity reaches a threshold.
//!
//! Querying the [`Index`](crate::Index) once per image walks the posting lists of the common
//! low-frequency coefficients for every image, so a library's first scan costs `N` times a query
//! whose own cost grows with `N` (issue 14). [`AllPairs`] instead finds the pairs of a whole set
//! in one pass, with a *prefix filter* (Chaudhuri, Ganti & Kaushik 2006; Bayardo, Ma & Srikant,
//! "Scaling up all pairs similarity search", 2007), adapted to the weighted score of the paper:
//!
//! 1. Order every coefficient code `(channel, sign, position)` from the rarest in the set to the
//!    most common.
//! 2. A pair reaches similarity `T` only if the weights of the codes both keep add up to at least
//!    `α = T/200 · (self(a) + self(b))` (see [`compare`](crate::compare): the average-colour term
//!    only subtracts). So if the codes of `a` after some point weigh less than `α`, the pair must
//!    share a code *before* that point: in `a`'s *prefix*, its rarest codes. The first code the
//!    pair shares lies in the prefixes of both.
//! 3. Index only the prefixes (a posting per prefix code), and for each image walk the postings
//!    of its own prefix: the candidates. Common codes sit at the end of the order, so they are
//!    rarely in a prefix, and the long lists that make a query slow are never walked.
//! 4. Verify every candidate with [`compare`](crate::compare), the exact similarity of the index
//!    and the CLI. Nothing is approximated: the result is exactly the set of pairs an exhaustive
//!    comparison of all `N²/2` pairs finds (a test checks this against [`compare`] on every pair).
//!
//! `self(b)` is not known when `a`'s prefix is cut, so `α` uses the smallest `self` of the set per
//! channel instead, and is taken for every combination of channels that the two images may both
//! find informative ([`Signature::is_informative`]): a gray copy is compared on Y alone, and must
//! be found through its Y codes.
//!
//! Work is split by query id: [`AllPairs::pairs_in`] reports the pairs `(a, b)` with `b` in a
//! range and `a < b`, so threads given disjoint ranges report disjoint pairs and together all of
//! them. This crate starts no threads.
//!
//! Memory: one posting (`u32`) per prefix code, plus a table of 98 304 counters; [`PairScratch`]
//! holds one `u32` per image. The signatures themselves are the caller's.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use crate::signature::NEGATIVE;
use crate::{Error, Signature, Weights, bin, compare};

/// Codes per channel: sign bit + 14-bit position.
const CODES_PER_CHANNEL: usize = 2 * NEGATIVE as usize;

/// Every channel set a pair can be compared on: Y always, I and Q when both sides are informative
/// (bit `c` set = channel `c` counts).
const CHANNEL_SETS: [u8; 4] = [0b001, 0b011, 0b101, 0b111];

/// One pair of [`AllPairs`]: indices into the signatures given to [`AllPairs::new`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// The smaller index.
    pub a: u32,
    /// The larger index.
    pub b: u32,
    /// 0–100, exactly [`Comparison::similarity`](crate::Comparison::similarity) of
    /// [`compare`](crate::compare).
    pub similarity: f32,
    /// The paper's score, exactly [`Comparison::score`](crate::Comparison::score).
    pub score: f32,
}

/// Reusable working memory for [`AllPairs::pairs_in`], one per thread: one `u32` per signature.
#[derive(Debug, Default, Clone)]
pub struct PairScratch {
    /// Per signature, `1 +` the last query that met it as a candidate.
    seen: Vec<u32>,
    prefix: Vec<(u32, u32)>,
}

impl PairScratch {
    /// Empty scratch; it grows to the set on first use.
    pub fn new() -> Self {
        Self::default()
    }
}

/// What [`AllPairs::pairs_in`] did: the work, for benchmarks and progress reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PairStats {
    /// Postings walked.
    pub postings: u64,
    /// Distinct candidate pairs scored with [`compare`](crate::compare).
    pub candidates: u64,
    /// Pairs reported.
    pub pairs: u64,
}

impl core::ops::AddAssign for PairStats {
    fn add_assign(&mut self, other: Self) {
        self.postings += other.postings;
        self.candidates += other.candidates;
        self.pairs += other.pairs;
    }
}

/// The prefix-filter index of a set of signatures, ready to report all pairs at or above a
/// similarity (see the module docs).
#[derive(Debug, Clone)]
pub struct AllPairs<'a> {
    signatures: &'a [Signature],
    weights: Weights,
    min_similarity: f32,
    /// Per token (`channel × CODES_PER_CHANNEL + code`), its place in the order rarest → commonest.
    rank: Vec<u32>,
    /// Per channel, the smallest self weight (hundredths) among the signatures informative in it.
    least_self: [u32; 3],
    /// CSR posting lists of prefix tokens: `ids[offsets[t]..offsets[t + 1]]`, ascending.
    offsets: Vec<u32>,
    ids: Vec<u32>,
}

impl<'a> AllPairs<'a> {
    /// Indexes the prefixes of `signatures` for the pairs with similarity at least
    /// `min_similarity` (0–100; pairs of similarity 0 are never reported). Pairs are scored with
    /// `weights`.
    ///
    /// Fails with [`Error::TooManySignatures`] beyond `u32::MAX - 1` signatures.
    pub fn new(
        signatures: &'a [Signature],
        weights: Weights,
        min_similarity: f32,
    ) -> Result<Self, Error> {
        if signatures.len() >= u32::MAX as usize {
            return Err(Error::TooManySignatures(signatures.len()));
        }
        let tokens = 3 * CODES_PER_CHANNEL;
        let mut frequency = vec![0u32; tokens];
        let mut least_self = [u32::MAX; 3];
        for s in signatures {
            for c in informative(s) {
                let mut own = 0;
                for &code in s.codes(c) {
                    frequency[token(c, code)] += 1;
                    own += u32::from(weights.centi(c, bin(usize::from(code & !NEGATIVE))));
                }
                least_self[c] = least_self[c].min(own);
            }
        }
        let mut order: Vec<u32> = (0..tokens as u32).collect();
        order.sort_unstable_by_key(|&t| (frequency[t as usize], t));
        let mut rank = frequency;
        for (r, &t) in order.iter().enumerate() {
            rank[t as usize] = r as u32;
        }
        drop(order);
        let mut pairs = AllPairs {
            signatures,
            weights,
            min_similarity: if min_similarity.is_nan() {
                0.0
            } else {
                min_similarity.clamp(0.0, 100.0)
            },
            rank,
            least_self: least_self.map(|v| if v == u32::MAX { 0 } else { v }),
            offsets: vec![0; tokens + 1],
            ids: Vec::new(),
        };
        // Two passes over the prefixes: count, then fill, so the lists are one exact allocation.
        let mut prefix = Vec::new();
        for s in signatures {
            pairs.prefix_of(s, &mut prefix);
            for &(_, t) in &prefix {
                pairs.offsets[t as usize + 1] += 1;
            }
        }
        for t in 0..tokens {
            pairs.offsets[t + 1] += pairs.offsets[t];
        }
        let mut next = pairs.offsets.clone();
        pairs.ids = vec![0; pairs.offsets[tokens] as usize];
        for (id, s) in signatures.iter().enumerate() {
            pairs.prefix_of(s, &mut prefix);
            for &(_, t) in &prefix {
                pairs.ids[next[t as usize] as usize] = id as u32;
                next[t as usize] += 1;
            }
        }
        Ok(pairs)
    }

    /// How many signatures the set holds.
    pub fn len(&self) -> usize {
        self.signatures.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.signatures.is_empty()
    }

    /// The similarity the reported pairs reach.
    pub fn min_similarity(&self) -> f32 {
        self.min_similarity
    }

    /// Postings indexed: prefix codes over all signatures.
    pub fn postings(&self) -> usize {
        self.ids.len()
    }

    /// Bytes held (postings and tables; not the signatures, nor a [`PairScratch`]).
    pub fn memory_bytes(&self) -> usize {
        4 * (self.ids.capacity() + self.offsets.capacity() + self.rank.capacity())
    }

    /// Appends to `out` every pair `(a, b)` with `b` in `queries`, `a < b` and similarity at
    /// least [`AllPairs::min_similarity`], ordered by `b`, then `a`. Ids past the set are
    /// ignored. Disjoint ranges give disjoint pairs; `0..len` gives them all.
    pub fn pairs_in(
        &self,
        queries: Range<u32>,
        scratch: &mut PairScratch,
        out: &mut Vec<Pair>,
    ) -> PairStats {
        let n = self.signatures.len() as u32;
        let PairScratch { seen, prefix } = scratch;
        if seen.len() != self.signatures.len() {
            seen.clear();
            seen.resize(self.signatures.len(), 0);
        }
        let mut stats = PairStats::default();
        for b in queries.start.min(n)..queries.end.min(n) {
            let query = &self.signatures[b as usize];
            self.prefix_of(query, prefix);
            let first = out.len();
            for &(_, t) in prefix.iter() {
                let list = &self.ids
                    [self.offsets[t as usize] as usize..self.offsets[t as usize + 1] as usize];
                for &a in list {
                    stats.postings += 1;
                    // Lists ascend: the rest are later queries, which find this pair themselves.
                    if a >= b {
                        break;
                    }
                    if seen[a as usize] == b + 1 {
                        continue;
                    }
                    seen[a as usize] = b + 1;
                    stats.candidates += 1;
                    let cmp = compare(&self.signatures[a as usize], query, self.weights);
                    if cmp.similarity >= self.min_similarity && cmp.similarity > 0.0 {
                        out.push(Pair {
                            a,
                            b,
                            similarity: cmp.similarity,
                            score: cmp.score,
                        });
                    }
                }
            }
            out[first..].sort_unstable_by_key(|p| p.a);
            stats.pairs += (out.len() - first) as u64;
        }
        stats
    }

    /// Every pair, on this thread: [`AllPairs::pairs_in`] over all ids.
    pub fn pairs(&self) -> Vec<Pair> {
        let mut out = Vec::new();
        self.pairs_in(
            0..self.signatures.len() as u32,
            &mut PairScratch::new(),
            &mut out,
        );
        out
    }

    /// The prefix of `s`: its informative codes as `(rank, token)`, rarest first, cut where the
    /// codes left weigh less than any qualifying pair must share, for every channel set the pair
    /// may be compared on.
    fn prefix_of(&self, s: &Signature, prefix: &mut Vec<(u32, u32)>) {
        prefix.clear();
        let mut own = [0u32; 3];
        let mut mask = 0u8;
        for c in informative(s) {
            mask |= 1 << c;
            for &code in s.codes(c) {
                let t = token(c, code) as u32;
                prefix.push((self.rank[t as usize], t));
                own[c] += u32::from(self.weights.centi(c, bin(usize::from(code & !NEGATIVE))));
            }
        }
        prefix.sort_unstable();
        // A pair compared on channels S has similarity ≥ T only if
        //   matched ≥ T/200 · Σ_{c∈S} (self_a[c] + self_b[c])  (hundredths; `finish` in score.rs)
        // and self_b[c] ≥ least_self[c]. One hundredth of slack keeps f32 rounding on the safe
        // side (a longer prefix only adds candidates).
        let t = self.min_similarity / 200.0;
        let mut keep = 0;
        for set in CHANNEL_SETS {
            if set & !mask != 0 {
                continue;
            }
            let need: u32 = (0..3)
                .filter(|c| set & (1 << c) != 0)
                .map(|c| own[c] + self.least_self[c])
                .sum();
            let alpha = t * need as f32 - 1.0;
            // The longest tail of codes in S that weighs less than alpha stays out.
            let mut tail = 0u32;
            let mut cut = 0;
            for (i, &(_, tok)) in prefix.iter().enumerate().rev() {
                let c = tok as usize / CODES_PER_CHANNEL;
                if set & (1 << c) != 0 {
                    let code = (tok as usize % CODES_PER_CHANNEL) & !usize::from(NEGATIVE);
                    tail += u32::from(self.weights.centi(c, bin(code)));
                    if tail as f32 >= alpha {
                        cut = i + 1;
                        break;
                    }
                }
            }
            keep = keep.max(cut);
        }
        prefix.truncate(keep);
    }
}

/// All pairs of `signatures` with similarity at least `min_similarity`, on this thread.
pub fn all_pairs(
    signatures: &[Signature],
    weights: Weights,
    min_similarity: f32,
) -> Result<Vec<Pair>, Error> {
    Ok(AllPairs::new(signatures, weights, min_similarity)?.pairs())
}

fn informative(s: &Signature) -> impl Iterator<Item = usize> + '_ {
    (0..3).filter(|&c| s.is_informative(c))
}

fn token(channel: usize, code: u16) -> usize {
    channel * CODES_PER_CHANNEL + usize::from(code)
}

#[cfg(test)]
mod tests {
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

    fn fill(rng: &mut Rng, set: &mut Vec<u16>, m: usize) {
        while set.len() < m {
            let c = code(rng);
            if !set.contains(&c) {
                set.push(c);
            }
        }
        set.sort_unstable();
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
                let codes = core::array::from_fn(|c| {
                    let mut set = original.codes(c).to_vec();
                    for _ in 0..replace {
                        set.remove(rng.below(set.len() as u64) as usize);
                    }
                    fill(&mut rng, &mut set, usize::from(original.m()));
                    set
                });
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
        let mut out = Vec::new();
        for b in 0..sigs.len() {
            for a in 0..b {
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
        out
    }

    #[test]
    fn all_pairs_are_exactly_the_pairs_an_exhaustive_comparison_finds() {
        let sigs = library(2000, 11);
        for min in [Sensitivity::DEFAULT.min_similarity(), 35.0, 90.0] {
            let expected = exhaustive(&sigs, min);
            let found = all_pairs(&sigs, Weights::Scanned, min).unwrap();
            assert!(expected.len() > 100, "{min}: only {} pairs", expected.len());
            assert_eq!(found.len(), expected.len(), "at similarity {min}");
            assert_eq!(found, expected, "at similarity {min}");
        }
    }

    #[test]
    fn edited_copies_of_gray_images_are_found_through_their_luminance() {
        let sigs = library(3000, 5);
        let min = Sensitivity::DEFAULT.min_similarity();
        let gray_pairs: Vec<Pair> = exhaustive(&sigs, min)
            .into_iter()
            .filter(|p| !sigs[p.a as usize].is_informative(1))
            .collect();
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
        assert!(!whole.is_empty());
        assert_eq!(parts, whole);
        let mut none = Vec::new();
        pairs.pairs_in(5000..6000, &mut scratch, &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn an_empty_set_has_no_pairs() {
        let pairs = AllPairs::new(&[], Weights::Scanned, 50.0).unwrap();
        assert!(pairs.is_empty());
        assert!(pairs.pairs().is_empty());
    }
}
