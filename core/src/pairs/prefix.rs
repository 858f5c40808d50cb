//! The prefixes of the all-pairs search: which codes of a signature are posted or walked, and
//! the weight a candidate must share (see the module docs of `pairs`).

use alloc::vec::Vec;

use super::{AllPairs, CHANNEL_SETS, CODES_PER_CHANNEL, comparable, token};
use crate::score::{average_term, pair_weight};
use crate::signature::NEGATIVE;
use crate::{Orientation, Signature};

impl AllPairs<'_> {
    /// A lower bound (hundredths, with slack for `f32` rounding) on the weight that the
    /// signature at place `a` and the query must share to reach the threshold `200 t`:
    /// `matched ≥ t · pair + dc` (`finish` in score.rs).
    pub(super) fn need(
        &self,
        t: f32,
        a: usize,
        reversal: usize,
        own_b: [u16; 3],
        query: &Signature,
        average_b: &[f32; 3],
    ) -> f32 {
        let sig_a = &self.signatures[self.order[a] as usize];
        let own_a = self.own[a][reversal];
        let informative_a: [bool; 3] = core::array::from_fn(|c| sig_a.informative_with(query, c));
        let informative_b: [bool; 3] = core::array::from_fn(|c| query.informative_with(sig_a, c));
        let pair = pair_weight(
            informative_a,
            own_a.map(u32::from),
            informative_b,
            own_b.map(u32::from),
        );
        t * pair as f32 + 100.0 * average_term(self.weights, &sig_a.average(), average_b) - 1.0
    }

    /// The comparable codes of `s` (a signature of the set, or one turned with `reversal`;
    /// `own[r]`: its self weights with reversal `r`, of which a probe reads only its own) as
    /// `(rank, token)`, rarest first, with `rest[i]` the weight of the codes after the `i`-th;
    /// returns the length of its prefix: where the codes left weigh less than any pair of
    /// similarity `min_similarity` must share, for every channel set the pair may be compared
    /// on. `indexed`: the prefix that is posted, for partners later in the order, whose Y self
    /// weight is at least this one's, and long enough for their turned probes too; otherwise
    /// the prefix a query walks, for partners earlier in the order.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sorted_codes(
        &self,
        s: &Signature,
        own: &[[u16; 3]; 4],
        reversal: usize,
        min_similarity: f32,
        indexed: bool,
        prefix: &mut Vec<(u32, u32)>,
        rest: &mut Vec<u16>,
    ) -> usize {
        prefix.clear();
        let mut mask = 0u8;
        for c in comparable(s) {
            mask |= 1 << c;
            for &code in s.codes(c) {
                let t = token(c, code) as u32;
                prefix.push((self.rank[t as usize], t));
            }
        }
        prefix.sort_unstable();
        // The rests are in the paper's weights, which no turned weight exceeds: a bound for
        // upright and turned probes alike.
        rest.clear();
        rest.resize(prefix.len(), 0);
        let mut tail = 0u32;
        for i in (0..prefix.len()).rev() {
            rest[i] = tail as u16;
            tail += u32::from(self.token_weight(prefix[i].1, 0));
        }
        let mut keep = self.cut(
            own[reversal],
            mask,
            prefix,
            reversal,
            min_similarity,
            indexed,
        );
        if indexed {
            // A posted prefix serves the turned probes of later queries too, whose similarity
            // comparisons must reach `Orientation::turned_min_similarity` in turned weights.
            let turned_min = Orientation::turned_min_similarity(min_similarity) - 0.01;
            for &o in Orientation::DEFAULT {
                if o.reversal() != 0 {
                    let r = o.reversal();
                    let cut = self.cut(own[r], mask, prefix, r, turned_min, false);
                    keep = keep.max(cut);
                }
            }
        }
        // With a limit, turned probes are cut too: searching them exactly needs posted prefixes
        // long enough for any partner (42 codes per image instead of 8 on the pairs bench,
        // and more than ten times the time).
        keep.min(self.limit)
    }

    /// The weight of a token in a comparison with [`Orientation::reversal`] `reversal`.
    fn token_weight(&self, token: u32, reversal: usize) -> u16 {
        let c = token as usize / CODES_PER_CHANNEL;
        let position = (token as usize % CODES_PER_CHANNEL) & !usize::from(NEGATIVE);
        self.weights.turned_centi(c, position, reversal)
    }

    /// The length of the prefix of `prefix` (the codes of a signature with self weights `own`
    /// in this comparison, rarest first; `mask` its comparable channels) beyond which the codes left weigh less than what any pair of
    /// similarity `min_similarity` must share in a comparison with reversal `reversal`, for
    /// every channel set the pair may be compared on. `later`: the partner comes later in the
    /// join's order, so its upright Y self weight is at least this one's.
    fn cut(
        &self,
        own: [u16; 3],
        mask: u8,
        prefix: &[(u32, u32)],
        reversal: usize,
        min_similarity: f32,
        later: bool,
    ) -> usize {
        let own = own.map(u32::from);
        // A pair compared on channels S has similarity ≥ T only if
        //   matched ≥ T/200 · (Σ_{c∈S} (self_a[c] + self_b[c]) + Σ_{one side only} self/8)
        // (hundredths; `pair_weight` and `finish` in score.rs). The partner's self weights are
        // bounded below by the least of the set, and for Y, upright, when the partner comes
        // later in the order, by this signature's own. One hundredth of slack keeps f32
        // rounding on the safe side (a longer prefix only adds work).
        let t = min_similarity / 200.0;
        let mut keep = 0;
        for set in CHANNEL_SETS {
            if set & !mask != 0 {
                continue;
            }
            let mut need = 0;
            for c in 0..3 {
                if set & (1 << c) != 0 {
                    let partner = if c == 0 && later && reversal == 0 {
                        own[0]
                    } else {
                        self.least_self[reversal][c]
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
                if set & (1 << (tok as usize / CODES_PER_CHANNEL)) != 0 {
                    tail += u32::from(self.token_weight(tok, reversal));
                    if tail as f32 >= alpha {
                        cut = i + 1;
                        break;
                    }
                }
            }
            keep = keep.max(cut);
        }
        keep
    }
}
