//! Step 4 of the method: scoring a query against a target, and the user's sensitivity.
//!
//! # The paper's score
//! §3.3 of the paper scores query `Q` against target `T` as
//!
//! ```text
//! score = Σ_c w[c][0] · |Q_c[0,0] − T_c[0,0]|  −  Σ_c Σ_{(i,j): Q̃_c[i,j] = T̃_c[i,j] ≠ 0} w[c][bin(i,j)]
//! ```
//!
//! where `Q̃`, `T̃` are the truncated, quantised signatures (sign of the kept coefficients, 0
//! elsewhere): a weighted difference of the average colours, minus the weights of the
//! coefficients kept in both with the same sign. Lower is better. [`Comparison::score`] is this
//! number, with the weights of [`Weights`]. (duplo-rs drops the average-colour term; we keep it.)
//!
//! # Similarity, 0–100
//! The raw score depends on how much structure the images have, so it makes a poor threshold.
//! We divide by what a perfect match would subtract:
//!
//! ```text
//! similarity = 100 · (matched − dc) / ((self(Q) + self(T)) / 2),   clamped to [0, 100]
//! ```
//!
//! with `matched` the weights of the coefficients both keep, `dc` the average-colour term, and
//! `self(X)` the weights of all coefficients `X` keeps. An image compared with itself scores
//! 100; two unrelated photos share a few coarse coefficients and score 10–30.
//!
//! Only *informative* channels enter `matched` and `self`: Y always, and I or Q when both images
//! carry structure in it ([`Signature::is_informative`]). A gray copy of a colour photo is thus
//! compared on luminance (plus the average-colour term), instead of on random chroma positions.
//! A *faint* luminance (a foggy or low-contrast copy, [`crate::FAINT_FLOOR`]) counts against one
//! with structure, not against another faint one ([`Signature::informative_with`]).
//!
//! # Sensitivity
//! Users choose a [`Sensitivity`] from 0 to 100. It maps linearly onto the similarity a pair
//! needs, from [`Sensitivity::LOWEST_SIMILARITY`] at 0 (heavy modifications, a new pose from the
//! same shoot) to [`Sensitivity::HIGHEST_SIMILARITY`] at 100 (only resized copies). Both ends,
//! and the default, come from measurements on real photographs; see the README.

use alloc::string::String;

use crate::signature::NEGATIVE;
use crate::{Error, MAX_COEFFICIENTS, Orientation, Signature, Weights, weights::bin};

/// The result of comparing two signatures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// How the first signature was turned to match the second best ([`Orientation::Upright`]
    /// from [`compare_upright`]).
    pub orientation: Orientation,
    /// The paper's score: weighted average-colour difference minus the weights of the matching
    /// coefficients. Lower is more alike; an image against itself scores the negative of its own
    /// coefficient weights.
    pub score: f32,
    /// 0–100, where 100 is identical (see the module docs); a turned match's as
    /// [`Orientation::discount`] counts it.
    pub similarity: f32,
    /// How the second picture is framed next to the first: [`Framing::Whole`] unless the match
    /// came through a cropped probe ([`crate::compare_probed`]).
    pub framing: Framing,
}

/// How the second of two matched pictures is framed next to the first: whole, or one of them
/// the middle of the other (a match through a cropped probe, [`crate::compare_probed`]), so that
/// reports can say "cropped" as they say "mirrored".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Framing {
    /// The two pictures matched whole with whole.
    #[default]
    Whole,
    /// The second looks like the middle of the first: a cropped copy of it.
    Cropped,
    /// The first looks like the middle of the second: the second shows more around it.
    Wider,
}

impl Framing {
    /// The first next to the second, given the second next to the first.
    pub fn inverse(self) -> Framing {
        match self {
            Framing::Whole => Framing::Whole,
            Framing::Cropped => Framing::Wider,
            Framing::Wider => Framing::Cropped,
        }
    }

    /// The reports' word for it: "cropped", "wider", or `None` when whole.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Framing::Whole => None,
            Framing::Cropped => Some("cropped"),
            Framing::Wider => Some("wider"),
        }
    }
}

/// How the second of two matched pictures looks next to the first, in the words the command
/// line and the page share: "mirrored", "cropped", "rotated 90°, wider"…; `None` as it is.
pub fn look_label(orientation: Orientation, framing: Framing) -> Option<String> {
    match (orientation.label(), framing.label()) {
        (None, None) => None,
        (Some(one), None) | (None, Some(one)) => Some(one.into()),
        (Some(turn), Some(frame)) => Some(alloc::format!("{turn}, {frame}")),
    }
}

/// The average-colour term: `Σ_c w[c][0] · |a_c − b_c|`.
#[inline]
pub(crate) fn average_term(weights: Weights, a: &[f32; 3], b: &[f32; 3]) -> f32 {
    let mut dc = 0.0;
    for c in 0..3 {
        dc += weights.weight(c, 0) * (a[c] - b[c]).abs();
    }
    dc
}

/// The weight, in hundredths, of one channel's coefficient codes.
#[inline]
pub(crate) fn self_weight(weights: Weights, channel: usize, codes: &[u16]) -> u32 {
    codes
        .iter()
        .map(|&code| {
            u32::from(weights.centi(
                channel,
                bin(usize::from(code & !crate::signature::NEGATIVE)),
            ))
        })
        .sum()
}

/// [`self_weight`] in a turned comparison ([`Weights::turned_centi`]; `reversal` 0: upright).
#[inline]
pub(crate) fn turned_self_weight(
    weights: Weights,
    channel: usize,
    codes: &[u16],
    reversal: usize,
) -> u32 {
    codes
        .iter()
        .map(|&code| {
            u32::from(weights.turned_centi(channel, usize::from(code & !NEGATIVE), reversal))
        })
        .sum()
}

/// The sum of both sides' coefficient weights that a pair is normalised by, in hundredths.
///
/// Channels informative on both sides count in full. A chroma channel informative on one side
/// only (a gray copy of a colour photo) adds an eighth of that side's weight: the colour that was
/// lost is a visible change, so such a copy cannot reach the top of the scale, but its luminance
/// still decides whether it is a copy at all.
#[inline]
pub(crate) fn pair_weight(
    a_informative: [bool; 3],
    a_self: [u32; 3],
    b_informative: [bool; 3],
    b_self: [u32; 3],
) -> u32 {
    let mut sum = 0;
    for c in 0..3 {
        sum += match (a_informative[c], b_informative[c]) {
            (true, true) => a_self[c] + b_self[c],
            (true, false) => a_self[c] / 8,
            (false, true) => b_self[c] / 8,
            (false, false) => 0,
        };
    }
    sum
}

/// Turns the parts into a [`Comparison`]; shared by [`compare`] and the index so that both give
/// the same bits.
#[inline]
pub(crate) fn finish(matched_centi: i32, pair_weight_centi: u32, dc: f32) -> Comparison {
    let matched = matched_centi as f32 / 100.0;
    let score = dc - matched;
    let norm = pair_weight_centi as f32 / 200.0;
    let similarity = if norm > 0.0 {
        (100.0 * (matched - dc) / norm).clamp(0.0, 100.0)
    } else {
        0.0
    };
    Comparison {
        orientation: Orientation::Upright,
        score,
        similarity,
        framing: Framing::Whole,
    }
}

/// Compares two signatures with the given weight table, trying `a` in every orientation of
/// [`Orientation::DEFAULT`] (as it is, mirrored, turned by a quarter, a half, three quarters)
/// and keeping the most similar; the first wins a tie, so an upright match is reported as
/// upright. A turned match counts as [`Orientation::discount`] says (its `similarity`; its
/// `score` is the turned comparison's). Symmetric: the
/// set of orientations holds the inverse of each, and a turned comparison weighs every place by
/// the lighter of the paper's bins it has in the two images ([`Weights::turned_centi`]; a turn
/// moves coefficients between bins 2 and 3, and 4 and 5), so turning `a` one way and `b` the
/// other give the same similarity. (With the paper's weights alone they differed by up to a few
/// points, so whether a mirrored copy was reported could depend on which file came first.)
pub fn compare(a: &Signature, b: &Signature, weights: Weights) -> Comparison {
    compare_in(a, b, weights, Orientation::DEFAULT)
}

/// [`compare`] over the given orientations (an empty list compares upright).
pub fn compare_in(
    a: &Signature,
    b: &Signature,
    weights: Weights,
    orientations: &[Orientation],
) -> Comparison {
    let mut best = compare_upright(a, b, weights);
    for &o in orientations {
        if o == Orientation::Upright {
            continue;
        }
        let c = compare_weighted(&a.oriented(o), b, weights, o.reversal());
        let similarity = o.discount(c.similarity);
        if similarity > best.similarity {
            best = Comparison {
                orientation: o,
                similarity,
                ..c
            };
        }
    }
    best
}

/// Compares two signatures as they are: the paper's comparison, with one change (issue 17): a
/// luminance coefficient both keep with *opposite* signs subtracts its weight, where the paper
/// only adds those kept with the same sign.
///
/// Why: most photographs keep the coarsest coefficients (bins 1 and 2, the heaviest weights), and
/// for two unrelated pictures their signs agree by chance half of the time. Those chance
/// agreements were most of the score of different pictures that share a layout, bars or an
/// overlay. Counting disagreements against them makes the expected sum for unrelated pictures
/// zero, while copies, whose shared coefficients agree, lose almost nothing. Only in Y: colour
/// edits (hue, sepia, a tint) turn the I and Q axes, so a chroma sign that flips is no evidence
/// of another picture.
pub fn compare_upright(a: &Signature, b: &Signature, weights: Weights) -> Comparison {
    compare_weighted(a, b, weights, 0)
}

/// [`compare_upright`] of `a`, already turned, with `b`, every place weighed as
/// [`Weights::turned_centi`] weighs it for `reversal` (0: the paper's weights): the lighter of
/// the bins of the place in either image, so that turning `a` one way and turning `b` the
/// other way give the same comparison.
fn compare_weighted(a: &Signature, b: &Signature, weights: Weights, reversal: usize) -> Comparison {
    let informative_a: [bool; 3] = core::array::from_fn(|c| a.informative_with(b, c));
    let informative_b: [bool; 3] = core::array::from_fn(|c| b.informative_with(a, c));
    let mut matched = 0i32;
    for c in 0..3 {
        if !(informative_a[c] && informative_b[c]) {
            continue;
        }
        let (ca, cb) = (by_position(a.codes(c)), by_position(b.codes(c)));
        let (ca, cb) = (&ca.0[..ca.1], &cb.0[..cb.1]);
        // Both are sorted by position: merge.
        let (mut i, mut j) = (0, 0);
        while i < ca.len() && j < cb.len() {
            let (pa, pb) = (ca[i] & !NEGATIVE, cb[j] & !NEGATIVE);
            match pa.cmp(&pb) {
                core::cmp::Ordering::Less => i += 1,
                core::cmp::Ordering::Greater => j += 1,
                core::cmp::Ordering::Equal => {
                    let w = turned_self_weight(weights, c, &ca[i..=i], reversal) as i32;
                    if ca[i] == cb[j] {
                        matched += w;
                    } else if c == 0 {
                        matched -= w;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
    }
    let own = |s: &Signature| {
        core::array::from_fn(|c| turned_self_weight(weights, c, s.codes(c), reversal))
    };
    let pair = pair_weight(informative_a, own(a), informative_b, own(b));
    let mut c = finish(
        matched,
        pair,
        average_term(weights, &a.average(), &b.average()),
    );
    if a.banded() != b.banded() {
        c.similarity = c.similarity.min(BANDED_CAP);
    }
    c
}

/// The most similar a picture whose caption band was read as its nearest row
/// ([`Signature::banded`]) can be to one without (signature format 12): 90, below what
/// sensitivity 100 requires (94), which reports resized copies only. Filled, the band of a
/// picture whose bottom is plain leaves it nearly its picture (`free_by` in `tests/photos`,
/// captioned: 98.3); a caption is an edit that sensitivity 100 must not see through. The
/// default (51.52) and everything below 90 are untouched.
pub const BANDED_CAP: f32 = 90.0;

/// A channel's codes sorted by position (the sign bit left out of the order). A signature's
/// codes are sorted ascending ([`Signature::codes`]), so the positive ones come first and the
/// negative ones after, each run in position order: one merge of the two runs (a sort here was
/// most of the time a comparison took). A position kept with both signs (a signature made
/// with [`Signature::from_parts`] or read from bytes may have one) comes negative first.
fn by_position(codes: &[u16]) -> ([u16; MAX_COEFFICIENTS], usize) {
    let mut out = [0u16; MAX_COEFFICIENTS];
    let (positive, negative) = codes.split_at(codes.partition_point(|&c| c & NEGATIVE == 0));
    let (mut i, mut j) = (0, 0);
    for slot in &mut out[..codes.len()] {
        if j == negative.len() || (i < positive.len() && positive[i] < negative[j] & !NEGATIVE) {
            *slot = positive[i];
            i += 1;
        } else {
            *slot = negative[j];
            j += 1;
        }
    }
    debug_assert!(
        out[..codes.len()]
            .windows(2)
            .all(|w| w[0] & !NEGATIVE <= w[1] & !NEGATIVE),
        "codes sorted ascending"
    );
    (out, codes.len())
}

/// How alike two images must be to be reported, 0–100: 100 reports only resized copies, 0
/// reports heavy modifications too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sensitivity(u8);

impl Sensitivity {
    /// The similarity that sensitivity 0 requires.
    pub const LOWEST_SIMILARITY: f32 = 35.0;
    /// The similarity that sensitivity 100 requires: 94 (97.5 until format 3, 97 until format
    /// 4, whose detail coefficients move more under resampling: a copy scaled to 37 % scores
    /// 94.5–99.3 on the test photographs, captioned copies at most 93.4 and gray ones 91.2;
    /// `tests/tests/sensitivity.rs`).
    pub const HIGHEST_SIMILARITY: f32 = 94.0;
    /// The default sensitivity for pictures compared with their cropped probes
    /// ([`compare_probed`](crate::compare_probed): the command line's `scan` and `query`, and
    /// the page): 28, i.e. a similarity of 51.52 (25 before the probes, 30 until signature
    /// format 4). Probes find cropped copies, and give every pair a second chance; at 28 the
    /// accuracy harness finds 98.47 % of its copies, against 97.68 % at 25 without probes, and
    /// reports 2 298 pairs of different pictures against 2 605 (332 between different
    /// photographs against 375). It is the highest default at which no kind of copy loses more
    /// than 3 points of recall to the one without probes (text over the picture: 0.91 → 0.88;
    /// sepia 0.96 → 0.94); at 29, text and sepia lose 3.5 and 3. docs/accuracy.md, README
    /// "Sensitivity".
    pub const DEFAULT: Sensitivity = Sensitivity(28);

    /// The default sensitivity for signatures compared without probes (the screenshots of
    /// videos; pairs that a SQL engine computed from exported signatures): 25, i.e. a
    /// similarity of 49.75, as chosen for signatures alone before the probes.
    pub const PLAIN_DEFAULT: Sensitivity = Sensitivity(25);

    /// Checks that `value` is in `0..=100`.
    pub fn new(value: u8) -> Result<Self, Error> {
        if value > 100 {
            return Err(Error::Sensitivity(value));
        }
        Ok(Sensitivity(value))
    }

    /// The value, 0–100.
    pub fn get(self) -> u8 {
        self.0
    }

    /// The similarity (0–100) a pair needs at this sensitivity.
    pub fn min_similarity(self) -> f32 {
        Self::LOWEST_SIMILARITY
            + (Self::HIGHEST_SIMILARITY - Self::LOWEST_SIMILARITY) * f32::from(self.0) / 100.0
    }

    /// Whether a comparison passes.
    pub fn accepts(self, comparison: &Comparison) -> bool {
        comparison.similarity >= self.min_similarity()
    }
}

impl Default for Sensitivity {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PixelLayout, Pixels};
    use alloc::vec::Vec;

    fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .flat_map(|(x, y)| f(x, y))
            .collect()
    }

    fn sig(w: u32, h: u32, data: &[u8]) -> Signature {
        Signature::compute(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
    }

    /// Codes come in position order for the merge whatever signs they carry, also a position
    /// kept with both signs, which `from_parts` and `from_bytes` accept (a video's seed query
    /// makes such signatures): comparing them is no panic, in debug builds either.
    #[test]
    fn codes_by_position_whatever_their_signs() {
        let codes: [u16; 6] = [3, 9, 200, 3 | NEGATIVE, 7 | NEGATIVE, 9000 | NEGATIVE];
        let mut sorted = codes;
        sorted.sort_unstable();
        let (out, n) = by_position(&sorted);
        let positions: Vec<u16> = out[..n].iter().map(|c| c & !NEGATIVE).collect();
        assert_eq!(positions, [3, 3, 7, 9, 200, 9000]);
        let both = Signature::from_parts(1.0, [0.5; 3], [0.1; 3], [&codes; 3]).unwrap();
        let c = compare(&both, &both, Weights::Scanned);
        assert!(c.similarity > 0.0, "{c:?}");
    }

    #[test]
    fn identical_images_are_fully_similar() {
        let d = image(200, 150, |x, y| {
            [(x % 256) as u8, (y * 2 % 256) as u8, ((x * y) % 256) as u8]
        });
        let s = sig(200, 150, &d);
        let c = compare(&s, &s, Weights::Scanned);
        assert_eq!(c.similarity, 100.0);
        assert!(c.score < -10.0, "{c:?}");
    }

    #[test]
    fn score_is_symmetric() {
        let a = image(160, 120, |x, y| [(x + y) as u8, 40, (x * 2) as u8]);
        let b = image(160, 120, |x, y| [(x * 3 / 2) as u8, (y / 2) as u8, 200]);
        let (sa, sb) = (sig(160, 120, &a), sig(160, 120, &b));
        let (ab, ba) = (
            compare(&sa, &sb, Weights::Scanned),
            compare(&sb, &sa, Weights::Scanned),
        );
        assert_eq!((ab.similarity, ab.score), (ba.similarity, ba.score));
    }

    #[test]
    fn a_turned_pair_compares_alike_whichever_image_is_turned() {
        // Sides that are multiples of 128, so that the resample treats both ends alike.
        let (w, h) = (256u32, 256u32);
        let a = image(w, h, |x, y| {
            let (dx, dy) = (x as i32 - 90, y as i32 - 170);
            [
                (x * 200 / w) as u8,
                (240 - (dx * dx + dy * dy) / 150).clamp(0, 255) as u8,
                ((x * y / 200 + y / 2) % 256) as u8,
            ]
        });
        let at = |x: u32, y: u32| -> [u8; 3] {
            let i = 3 * (y * w + x) as usize;
            // A retouched copy: a little brighter.
            [a[i], a[i + 1], a[i + 2]].map(|v| v.saturating_add(12))
        };
        let mirrored = image(w, h, |x, y| at(w - 1 - x, y));
        let turned = image(h, w, |x, y| at(y, h - 1 - x));
        let sa = sig(w, h, &a);
        for (copy, cw, ch, o) in [
            (&mirrored, w, h, Orientation::Mirrored),
            (&turned, h, w, Orientation::Rotated90),
        ] {
            let sb = sig(cw, ch, copy);
            let (ab, ba) = (
                compare(&sa, &sb, Weights::Scanned),
                compare(&sb, &sa, Weights::Scanned),
            );
            assert!(
                ab.similarity >= Sensitivity::default().min_similarity(),
                "{o:?}: {ab:?}"
            );
            assert_eq!(ab.orientation, o);
            assert_eq!(ba.orientation, o.inverse());
            assert_eq!(
                (ab.similarity, ab.score),
                (ba.similarity, ba.score),
                "{o:?}"
            );
            // The paper's weights alone give two answers here: the turn moves coefficients
            // between bins.
            let (paper_ab, paper_ba) = (
                compare_weighted(&sa.oriented(o), &sb, Weights::Scanned, 0),
                compare_weighted(&sb.oriented(o.inverse()), &sa, Weights::Scanned, 0),
            );
            assert_ne!(paper_ab.similarity, paper_ba.similarity, "{o:?}");
        }
    }

    #[test]
    fn average_term_uses_the_bin_zero_weights() {
        let dc = average_term(Weights::Scanned, &[0.5, 0.1, 0.0], &[0.4, 0.0, 0.1]);
        let expected = 5.00 * 0.1 + 19.21 * 0.1 + 34.37 * 0.1;
        assert!((dc - expected).abs() < 1e-4, "{dc} vs {expected}");
    }

    #[test]
    fn sensitivity_maps_linearly_and_rejects_out_of_range() {
        assert_eq!(
            Sensitivity::new(0).unwrap().min_similarity(),
            Sensitivity::LOWEST_SIMILARITY
        );
        assert_eq!(
            Sensitivity::new(100).unwrap().min_similarity(),
            Sensitivity::HIGHEST_SIMILARITY
        );
        assert!(Sensitivity::new(50).unwrap().min_similarity() > Sensitivity::LOWEST_SIMILARITY);
        assert!(Sensitivity::new(101).is_err());
    }
}
