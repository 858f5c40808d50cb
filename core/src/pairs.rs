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
//!    rarely in a prefix, and the long lists that make a query slow are rarely walked.
//! 4. Verify every candidate with [`compare`](crate::compare), the exact similarity of the index
//!    and the CLI. With [`AllPairs::new`] nothing is approximated: the result is exactly the set
//!    of pairs an exhaustive comparison of all `N²/2` pairs finds (a test checks this against
//!    [`compare`] on every pair), but for pairs compared on chroma alone, which are not searched
//!    (below).
//!
//! `self(b)` is not known when `a`'s prefix is cut. The signatures are therefore joined in order
//! of their Y self weight: a posted prefix assumes a partner with at least its own Y weight (it
//! is found by later queries), a query's prefix assumes the smallest of the set. The chroma
//! channels use the smallest of the set, and the cut is taken for every combination of channels
//! two images may both find informative ([`Signature::is_informative`]): a gray copy is compared
//! on Y alone, and must be found through its Y codes. A faint luminance
//! ([`FAINT_FLOOR`](crate::FAINT_FLOOR)) is posted and walked as if informative, and counts
//! against a structured one only ([`Signature::informative_with`]). Pairs compared without Y
//! (two faint or flat luminances, on chroma alone) are not searched.
//!
//! While a query walks its prefix, each candidate's shared weight so far plus what can still
//! follow (the smaller of the two signatures' remaining code weights, stored in the posting) is
//! a bound on what they share (the positional filter of PPJoin, Xiao et al. 2008); candidates
//! below the weight they need are dropped before they are scored.
//!
//! # Exact, or faster
//! On photo libraries the exact prefix is long: rare codes are the fine-detail ones, which weigh
//! least in the paper's table, so a prefix needs most of them. [`AllPairs::with_prefix_limit`]
//! and [`AllPairs::require_shared_codes`] trade recall for time (post only the rarest codes,
//! score only candidates that share several of them); reported pairs are still exact. The
//! benchmark `cargo bench -p lookalike-core --bench pairs` measures both (README, "Core figures").
//!
//! Mirrored and turned copies ([`Orientation`](crate::Orientation)) share few codes as they are:
//! each query also probes with its signature turned every way [`compare`](crate::compare)
//! tries, for the pairs whose turned comparison reaches
//! [`Orientation::turned_min_similarity`](crate::Orientation::turned_min_similarity). Those probes weigh codes as turned comparisons do
//! ([`Weights::turned_centi`](crate::Weights::turned_centi), never more than the paper's
//! weights, so the posted rests stay bounds), and the posted prefixes are cut long enough for
//! them too. A turned comparison gives the same similarity whichever image is turned, so the
//! pairs do not depend on which of the two comes first.
//!
//! Work is split by query: [`AllPairs::pairs_in`] takes a range of places in the join's order,
//! so threads given disjoint ranges report disjoint pairs and together all of them. This crate
//! starts no threads.
//!
//! Memory: six bytes per posted prefix code (id and remaining weight), 28 bytes per signature and
//! two tables of 98 304 entries; [`PairScratch`] holds 15 bytes per signature per thread. The
//! signatures themselves are the caller's.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use crate::score::turned_self_weight;
use crate::signature::NEGATIVE;
use crate::{Error, Orientation, Signature, Weights, bin, compare};

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

/// Reusable working memory for [`AllPairs::pairs_in`], one per thread: fifteen bytes per
/// signature.
#[derive(Debug, Default, Clone)]
pub struct PairScratch {
    /// Per signature (by place in the order), the last probe that met it ([`PairScratch::probe`]).
    seen: Vec<u32>,
    /// Per signature, `1 +` the last query that scored it with [`compare`](crate::compare),
    /// which tries every orientation: later probes of that query skip it.
    scored: Vec<u32>,
    /// Counts probes (a query in one orientation); 0 is never a probe's number.
    probe: u32,
    /// Per signature, the weight shared with the current query so far, or [`PRUNED`].
    shared: Vec<u16>,
    /// Per signature, the weight it must share with the current query ([`AllPairs::need`]).
    need: Vec<f32>,
    /// Per signature, how many prefix codes it shares with the current query (saturating).
    hits: Vec<u8>,
    prefix: Vec<(u32, u32)>,
    rest: Vec<u16>,
    candidates: Vec<u32>,
    /// The current query's codes, one bit per token.
    codes: Vec<u64>,
}

/// Marks a candidate that the positional bound has ruled out.
const PRUNED: u16 = u16::MAX;

impl PairScratch {
    /// Empty scratch; it grows to the set on first use.
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        4 * (self.seen.capacity()
            + self.scored.capacity()
            + self.need.capacity()
            + self.candidates.capacity())
            + 2 * (self.shared.capacity() + self.rest.capacity())
            + self.hits.capacity()
            + 8 * (self.prefix.capacity() + self.codes.capacity())
    }
}

/// What [`AllPairs::pairs_in`] did: the work, for benchmarks and progress reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PairStats {
    /// Postings walked.
    pub postings: u64,
    /// Candidate pairs scored with [`compare`](crate::compare).
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
    /// Per [`Orientation::reversal`] (0: upright) and channel, the smallest self weight
    /// (hundredths) among the signatures that may count in it ([`Signature::is_comparable`]).
    least_self: [[u32; 3]; 4],
    /// Signature ids by their Y self weight, ascending (ties: id): the order of the join.
    order: Vec<u32>,
    /// Per place in `order` and [`Orientation::reversal`] (0: upright), the self weights Y, I,
    /// Q (hundredths; 0 where not comparable).
    own: Vec<[[u16; 3]; 4]>,
    /// CSR posting lists of indexed-prefix tokens: `places[offsets[t]..offsets[t + 1]]`,
    /// ascending, and beside each, what the signature's codes after that token weigh.
    offsets: Vec<u32>,
    places: Vec<u32>,
    rests: Vec<u16>,
    /// The most codes a prefix keeps ([`AllPairs::with_prefix_limit`]); `usize::MAX`: exact.
    limit: usize,
    /// Prefix codes a candidate must share with the query (1: exact).
    min_shared: u8,
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
        Self::with_prefix_limit(signatures, weights, min_similarity, usize::MAX)
    }

    /// [`AllPairs::new`], with every prefix cut to at most its `limit` rarest codes: less work,
    /// but no longer exact. A pair whose codes in common all lie beyond the limit on one side
    /// is missed; every pair reported is still verified with [`compare`](crate::compare), so
    /// none is reported that should not be. The benchmark (`cargo bench -p lookalike-core
    /// --bench pairs`) measures the recall.
    pub fn with_prefix_limit(
        signatures: &'a [Signature],
        weights: Weights,
        min_similarity: f32,
        limit: usize,
    ) -> Result<Self, Error> {
        if signatures.len() >= u32::MAX as usize {
            return Err(Error::TooManySignatures(signatures.len()));
        }
        let tokens = 3 * CODES_PER_CHANNEL;
        let mut frequency = vec![0u32; tokens];
        let mut least_self = [[u32::MAX; 3]; 4];
        let mut own_by_id = Vec::with_capacity(signatures.len());
        for s in signatures {
            let own = turned_own(weights, s);
            for c in comparable(s) {
                for &code in s.codes(c) {
                    frequency[token(c, code)] += 1;
                }
                for (least, own) in least_self.iter_mut().zip(&own) {
                    least[c] = least[c].min(u32::from(own[c]));
                }
            }
            own_by_id.push(own);
        }
        let mut by_frequency: Vec<u32> = (0..tokens as u32).collect();
        by_frequency.sort_unstable_by_key(|&t| (frequency[t as usize], t));
        let mut rank = frequency;
        for (r, &t) in by_frequency.iter().enumerate() {
            rank[t as usize] = r as u32;
        }
        drop(by_frequency);
        let mut order: Vec<u32> = (0..signatures.len() as u32).collect();
        order.sort_unstable_by_key(|&id| (own_by_id[id as usize][0][0], id));
        let own = order.iter().map(|&id| own_by_id[id as usize]).collect();
        drop(own_by_id);
        let mut pairs = AllPairs {
            signatures,
            weights,
            min_similarity: if min_similarity.is_nan() {
                0.0
            } else {
                min_similarity.clamp(0.0, 100.0)
            },
            rank,
            least_self: least_self.map(|r| r.map(|v| if v == u32::MAX { 0 } else { v })),
            order,
            own,
            offsets: vec![0; tokens + 1],
            places: Vec::new(),
            rests: Vec::new(),
            limit,
            min_shared: 1,
        };
        // Two passes over the prefixes: count, then fill, so the lists are one exact allocation.
        let mut prefix = Vec::new();
        let mut rest = Vec::new();
        let min = pairs.min_similarity;
        for place in 0..signatures.len() {
            let s = &signatures[pairs.order[place] as usize];
            let own = &pairs.own[place];
            let keep = pairs.sorted_codes(s, own, 0, min, true, &mut prefix, &mut rest);
            for &(_, t) in &prefix[..keep] {
                pairs.offsets[t as usize + 1] += 1;
            }
        }
        for t in 0..tokens {
            pairs.offsets[t + 1] += pairs.offsets[t];
        }
        let mut next = pairs.offsets.clone();
        let total = pairs.offsets[tokens] as usize;
        pairs.places = vec![0; total];
        pairs.rests = vec![0; total];
        for place in 0..signatures.len() {
            let s = &signatures[pairs.order[place] as usize];
            let own = &pairs.own[place];
            let keep = pairs.sorted_codes(s, own, 0, min, true, &mut prefix, &mut rest);
            for (i, &(_, t)) in prefix[..keep].iter().enumerate() {
                let at = next[t as usize] as usize;
                pairs.places[at] = place as u32;
                pairs.rests[at] = rest[i];
                next[t as usize] += 1;
            }
        }
        Ok(pairs)
    }

    /// Reports only candidates that share at least `codes` prefix codes with the query
    /// (default 1, which is exact; more is less work and may miss pairs, as
    /// [`AllPairs::with_prefix_limit`] may).
    pub fn require_shared_codes(mut self, codes: u8) -> Self {
        self.min_shared = codes.max(1);
        self
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
        self.places.len()
    }

    /// Bytes held (postings and tables; not the signatures, nor a [`PairScratch`]).
    pub fn memory_bytes(&self) -> usize {
        4 * (self.places.capacity()
            + self.offsets.capacity()
            + self.rank.capacity()
            + self.order.capacity())
            + 2 * self.rests.capacity()
            + 24 * self.own.capacity()
    }

    /// Appends to `out` the pairs that the queries in `queries` report, each pair `(a, b)` with
    /// `a < b` and similarity at least [`AllPairs::min_similarity`]. A query is a place in the
    /// join's own order (`0..len`), not a signature id: disjoint ranges give disjoint pairs, and
    /// ranges that cover `0..len` give them all. Places past the set are ignored.
    pub fn pairs_in(
        &self,
        queries: Range<u32>,
        scratch: &mut PairScratch,
        out: &mut Vec<Pair>,
    ) -> PairStats {
        let n = self.signatures.len() as u32;
        scratch.codes.resize(3 * CODES_PER_CHANNEL / 64, 0);
        if scratch.seen.len() != self.signatures.len() {
            scratch.seen.clear();
            scratch.seen.resize(self.signatures.len(), 0);
            scratch.scored.clear();
            scratch.scored.resize(self.signatures.len(), 0);
            scratch.probe = 0;
            scratch.shared.clear();
            scratch.shared.resize(self.signatures.len(), 0);
            scratch.need.clear();
            scratch.need.resize(self.signatures.len(), 0.0);
            scratch.hits.clear();
            scratch.hits.resize(self.signatures.len(), 0);
        }
        let mut stats = PairStats::default();
        for b in queries.start.min(n)..queries.end.min(n) {
            let query = &self.signatures[self.order[b as usize] as usize];
            let own = &self.own[b as usize];
            self.probe(
                b,
                query,
                0,
                own[0],
                self.min_similarity,
                scratch,
                out,
                &mut stats,
            );
            // A turned or mirrored copy shares few codes as they are: probe with the query
            // turned each way [`compare`] tries (its inverse is there too, so the pair that
            // `compare(a, query)` finds by turning `a` is met by turning the query). Those
            // comparisons must reach `Orientation::turned_min_similarity` (less a hair for
            // rounding; `compare` decides), so the prefixes are shorter.
            let turned_min = Orientation::turned_min_similarity(self.min_similarity) - 0.01;
            for &o in Orientation::DEFAULT {
                if o != Orientation::Upright {
                    let turned = query.oriented(o);
                    // The turned query's places weigh as the query's own places do with the
                    // reversal of the opposite turn.
                    let own_turned = own[o.inverse().reversal()];
                    let reversal = o.reversal();
                    self.probe(
                        b, &turned, reversal, own_turned, turned_min, scratch, out, &mut stats,
                    );
                }
            }
        }
        stats
    }

    /// Walks the postings of `probe`'s prefix (the query at place `b`, perhaps turned, with
    /// that turn's [`Orientation::reversal`] and its self weights `own_b`) for pairs of similarity at least `min` with
    /// signatures earlier in the order, scores the candidates and appends the pairs to `out`.
    #[allow(clippy::too_many_arguments)]
    fn probe(
        &self,
        b: u32,
        probe: &Signature,
        reversal: usize,
        own_b: [u16; 3],
        min: f32,
        scratch: &mut PairScratch,
        out: &mut Vec<Pair>,
        stats: &mut PairStats,
    ) {
        let PairScratch {
            seen,
            scored,
            probe: stamp,
            shared,
            need,
            hits,
            prefix,
            rest,
            candidates,
            codes,
        } = scratch;
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            seen.fill(0);
            *stamp = 1;
        }
        let stamp = *stamp;
        let query_id = self.order[b as usize];
        let query = &self.signatures[query_id as usize];
        let keep = self.sorted_codes(probe, &[own_b; 4], reversal, min, false, prefix, rest);
        for &(_, tok) in prefix.iter() {
            codes[tok as usize / 64] |= 1 << (tok % 64);
        }
        let average_b = query.average();
        let t = min / 200.0;
        candidates.clear();
        for (i, &(_, tok)) in prefix[..keep].iter().enumerate() {
            let (c, code) = (
                tok as usize / CODES_PER_CHANNEL,
                tok as usize % CODES_PER_CHANNEL,
            );
            let w = self
                .weights
                .turned_centi(c, code & !usize::from(NEGATIVE), reversal);
            let (from, to) = (
                self.offsets[tok as usize] as usize,
                self.offsets[tok as usize + 1] as usize,
            );
            for (&a, &rest_a) in self.places[from..to].iter().zip(&self.rests[from..to]) {
                stats.postings += 1;
                // Lists ascend: the rest are later in the order, and find this pair themselves.
                if a >= b {
                    break;
                }
                let a = a as usize;
                if seen[a] != stamp {
                    seen[a] = stamp;
                    if scored[a] == b + 1 {
                        // Scored by an earlier probe of this query, in every orientation.
                        shared[a] = PRUNED;
                        continue;
                    }
                    shared[a] = 0;
                    hits[a] = 0;
                    need[a] = self.need(t, a, reversal, own_b, query, &average_b);
                    candidates.push(a as u32);
                } else if shared[a] == PRUNED {
                    continue;
                }
                shared[a] += w;
                hits[a] = hits[a].saturating_add(1);
                // Everything shared before this code was counted (it lies in both
                // prefixes); what comes after weighs at most the smaller rest.
                let bound = u32::from(shared[a]) + u32::from(rest[i].min(rest_a));
                if (bound as f32) < need[a] {
                    shared[a] = PRUNED;
                }
            }
        }
        let first = out.len();
        for &a in candidates.iter() {
            if shared[a as usize] == PRUNED || hits[a as usize] < self.min_shared {
                continue;
            }
            let a_id = self.order[a as usize];
            let sig_a = &self.signatures[a_id as usize];
            // What compare computes, from the weights cached here: most candidates stop
            // at this, and compare itself decides on the rest.
            let mut matched = 0u32;
            for c in 0..3 {
                if !(query.informative_with(sig_a, c) && sig_a.informative_with(query, c)) {
                    continue;
                }
                for &code in sig_a.codes(c) {
                    let tok = token(c, code);
                    if codes[tok / 64] & (1 << (tok % 64)) != 0 {
                        matched +=
                            u32::from(self.weights.centi(c, bin(usize::from(code & !NEGATIVE))));
                    }
                }
            }
            if (matched as f32) < need[a as usize] {
                continue;
            }
            stats.candidates += 1;
            scored[a as usize] = b + 1;
            let cmp = compare(sig_a, query, self.weights);
            if cmp.similarity >= self.min_similarity && cmp.similarity > 0.0 {
                out.push(Pair {
                    a: a_id.min(query_id),
                    b: a_id.max(query_id),
                    similarity: cmp.similarity,
                    score: cmp.score,
                });
            }
        }
        stats.pairs += (out.len() - first) as u64;
        for &(_, tok) in prefix.iter() {
            codes[tok as usize / 64] = 0;
        }
    }

    /// Every pair, on this thread, ordered by `a`, then `b`.
    pub fn pairs(&self) -> Vec<Pair> {
        let mut out = Vec::new();
        self.pairs_in(
            0..self.signatures.len() as u32,
            &mut PairScratch::new(),
            &mut out,
        );
        out.sort_unstable_by_key(|p| (p.a, p.b));
        out
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

/// The self weights of `s` (hundredths; 0 where not comparable) per
/// [`Orientation::reversal`]: as it is (0), and as the image turned with that reversal weighs it.
fn turned_own(weights: Weights, s: &Signature) -> [[u16; 3]; 4] {
    core::array::from_fn(|r| {
        core::array::from_fn(|c| {
            if s.is_comparable(c) {
                // At most 60 codes of at most 1.26: fits.
                turned_self_weight(weights, c, s.codes(c), r) as u16
            } else {
                0
            }
        })
    })
}

/// The channels of `s` that may count in some comparison ([`Signature::is_comparable`]): a
/// faint luminance is posted and walked, and counts against structured ones only.
fn comparable(s: &Signature) -> impl Iterator<Item = usize> + '_ {
    (0..3).filter(|&c| s.is_comparable(c))
}

fn token(channel: usize, code: u16) -> usize {
    channel * CODES_PER_CHANNEL + usize::from(code)
}

mod prefix;
#[cfg(test)]
mod tests;
