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
//!    [`compare`] on every pair).
//!
//! `self(b)` is not known when `a`'s prefix is cut. The signatures are therefore joined in order
//! of their Y self weight: a posted prefix assumes a partner with at least its own Y weight (it
//! is found by later queries), a query's prefix assumes the smallest of the set. The chroma
//! channels use the smallest of the set, and the cut is taken for every combination of channels
//! two images may both find informative ([`Signature::is_informative`]): a gray copy is compared
//! on Y alone, and must be found through its Y codes.
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
//! Seeding reads the codes as they are: a pair that [`compare`](crate::compare) matches only
//! with one side mirrored or turned ([`Orientation`](crate::Orientation)) shares too few upright
//! codes to be seeded, and is missed. (Written before orientations came to `compare`; probing
//! each orientation of the query is the way to close this.)
//!
//! Work is split by query: [`AllPairs::pairs_in`] takes a range of places in the join's order,
//! so threads given disjoint ranges report disjoint pairs and together all of them. This crate
//! starts no threads.
//!
//! Memory: six bytes per posted prefix code (id and remaining weight), 14 bytes per signature and
//! two tables of 98 304 entries; [`PairScratch`] holds 11 bytes per signature per thread. The
//! signatures themselves are the caller's.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use crate::score::{average_term, pair_weight};
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

/// Reusable working memory for [`AllPairs::pairs_in`], one per thread: eleven bytes per signature.
#[derive(Debug, Default, Clone)]
pub struct PairScratch {
    /// Per signature (by place in the order), `1 +` the last query that met it.
    seen: Vec<u32>,
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
        4 * (self.seen.capacity() + self.need.capacity() + self.candidates.capacity())
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
    /// Per channel, the smallest self weight (hundredths) among the signatures informative in it.
    least_self: [u32; 3],
    /// Signature ids by their Y self weight, ascending (ties: id): the order of the join.
    order: Vec<u32>,
    /// Per place in `order`, the self weights Y, I, Q (hundredths; 0 where not informative).
    own: Vec<[u16; 3]>,
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
        let mut least_self = [u32::MAX; 3];
        let mut own_by_id = Vec::with_capacity(signatures.len());
        for s in signatures {
            let mut own = [0u16; 3];
            for c in informative(s) {
                let mut sum = 0u32;
                for &code in s.codes(c) {
                    frequency[token(c, code)] += 1;
                    sum += u32::from(weights.centi(c, bin(usize::from(code & !NEGATIVE))));
                }
                least_self[c] = least_self[c].min(sum);
                // At most 60 codes of at most 1.26: fits.
                own[c] = sum as u16;
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
        order.sort_unstable_by_key(|&id| (own_by_id[id as usize][0], id));
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
            least_self: least_self.map(|v| if v == u32::MAX { 0 } else { v }),
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
        for place in 0..signatures.len() {
            let keep = pairs.sorted_codes(place, &mut prefix, &mut rest, true);
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
            let keep = pairs.sorted_codes(place, &mut prefix, &mut rest, true);
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
            + 6 * self.own.capacity()
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
        let PairScratch {
            seen,
            shared,
            need,
            hits,
            prefix,
            rest,
            candidates,
            codes,
        } = scratch;
        codes.resize(3 * CODES_PER_CHANNEL / 64, 0);
        if seen.len() != self.signatures.len() {
            seen.clear();
            seen.resize(self.signatures.len(), 0);
            shared.clear();
            shared.resize(self.signatures.len(), 0);
            need.clear();
            need.resize(self.signatures.len(), 0.0);
            hits.clear();
            hits.resize(self.signatures.len(), 0);
        }
        let t = self.min_similarity / 200.0;
        let mut stats = PairStats::default();
        for b in queries.start.min(n)..queries.end.min(n) {
            let query_id = self.order[b as usize];
            let query = &self.signatures[query_id as usize];
            let keep = self.sorted_codes(b as usize, prefix, rest, false);
            for &(_, tok) in prefix.iter() {
                codes[tok as usize / 64] |= 1 << (tok % 64);
            }
            let own_b = self.own[b as usize];
            let informative_b: [bool; 3] = core::array::from_fn(|c| query.is_informative(c));
            let average_b = query.average();
            candidates.clear();
            for (i, &(_, tok)) in prefix[..keep].iter().enumerate() {
                let (c, code) = (
                    tok as usize / CODES_PER_CHANNEL,
                    tok as usize % CODES_PER_CHANNEL,
                );
                let w = self.weights.centi(c, bin(code & !usize::from(NEGATIVE)));
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
                    if seen[a] != b + 1 {
                        seen[a] = b + 1;
                        shared[a] = 0;
                        hits[a] = 0;
                        need[a] = self.need(t, a, own_b, informative_b, &average_b);
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
                stats.candidates += 1;
                let a_id = self.order[a as usize];
                let sig_a = &self.signatures[a_id as usize];
                // What compare computes, from the weights cached here: most candidates stop
                // at this, and compare itself decides on the rest.
                let mut matched = 0u32;
                for (c, &informative) in informative_b.iter().enumerate() {
                    if !(informative && sig_a.is_informative(c)) {
                        continue;
                    }
                    for &code in sig_a.codes(c) {
                        let tok = token(c, code);
                        if codes[tok / 64] & (1 << (tok % 64)) != 0 {
                            matched += u32::from(
                                self.weights.centi(c, bin(usize::from(code & !NEGATIVE))),
                            );
                        }
                    }
                }
                if (matched as f32) < need[a as usize] {
                    continue;
                }
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
        stats
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

    /// A lower bound (hundredths, with slack for `f32` rounding) on the weight that the
    /// signature at place `a` and the query must share to reach the threshold `200 t`:
    /// `matched ≥ t · pair + dc` (`finish` in score.rs).
    fn need(
        &self,
        t: f32,
        a: usize,
        own_b: [u16; 3],
        informative_b: [bool; 3],
        average_b: &[f32; 3],
    ) -> f32 {
        let sig_a = &self.signatures[self.order[a] as usize];
        let own_a = self.own[a];
        let informative_a: [bool; 3] = core::array::from_fn(|c| sig_a.is_informative(c));
        let pair = pair_weight(
            informative_a,
            own_a.map(u32::from),
            informative_b,
            own_b.map(u32::from),
        );
        t * pair as f32 + 100.0 * average_term(self.weights, &sig_a.average(), average_b) - 1.0
    }

    /// The informative codes of the signature at `place` as `(rank, token)`, rarest first, with
    /// `rest[i]` the weight of the codes after the `i`-th; returns the length of its prefix:
    /// where the codes left weigh less than any qualifying pair must share, for every channel set
    /// the pair may be compared on. `indexed`: the prefix that is posted, for partners later in
    /// the order, whose Y self weight is at least this one's; otherwise the prefix a query walks,
    /// for partners earlier in the order.
    fn sorted_codes(
        &self,
        place: usize,
        prefix: &mut Vec<(u32, u32)>,
        rest: &mut Vec<u16>,
        indexed: bool,
    ) -> usize {
        let s = &self.signatures[self.order[place] as usize];
        let own = self.own[place].map(u32::from);
        prefix.clear();
        let mut mask = 0u8;
        for c in informative(s) {
            mask |= 1 << c;
            for &code in s.codes(c) {
                let t = token(c, code) as u32;
                prefix.push((self.rank[t as usize], t));
            }
        }
        prefix.sort_unstable();
        let weight = |tok: u32| {
            let c = tok as usize / CODES_PER_CHANNEL;
            let code = (tok as usize % CODES_PER_CHANNEL) & !usize::from(NEGATIVE);
            (c, u32::from(self.weights.centi(c, bin(code))))
        };
        rest.clear();
        rest.resize(prefix.len(), 0);
        let mut tail = 0u32;
        for i in (0..prefix.len()).rev() {
            rest[i] = tail as u16;
            tail += weight(prefix[i].1).1;
        }
        // A pair compared on channels S has similarity ≥ T only if
        //   matched ≥ T/200 · (Σ_{c∈S} (self_a[c] + self_b[c]) + Σ_{one side only} self/8)
        // (hundredths; `pair_weight` and `finish` in score.rs). The partner's self weights are
        // bounded below by the least of the set, and for Y, when the partner comes later in the
        // order, by this signature's own. One hundredth of slack keeps f32 rounding on the
        // safe side (a longer prefix only adds work).
        let t = self.min_similarity / 200.0;
        let mut keep = 0;
        for set in CHANNEL_SETS {
            if set & !mask != 0 {
                continue;
            }
            let mut need = 0;
            for c in 0..3 {
                if set & (1 << c) != 0 {
                    let partner = if c == 0 && indexed {
                        own[0]
                    } else {
                        self.least_self[c]
                    };
                    need += own[c] + partner;
                } else if mask & (1 << c) != 0 {
                    need += own[c] / 8;
                }
            }
            let alpha = t * need as f32 - 1.0;
            // The longest tail of codes in S that weighs less than alpha stays out.
            let mut tail = 0u32;
            let mut cut = 0;
            for (i, &(_, tok)) in prefix.iter().enumerate().rev() {
                let (c, w) = weight(tok);
                if set & (1 << c) != 0 {
                    tail += w;
                    if tail as f32 >= alpha {
                        cut = i + 1;
                        break;
                    }
                }
            }
            keep = keep.max(cut);
        }
        keep.min(self.limit)
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
mod tests;
