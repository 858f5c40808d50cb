//! Pictures with their cropped probes ([`crate::probe`]): the comparison of two of them, and
//! the index that searches them, both as the command line and the browser page use them.
use alloc::vec::Vec;

use crate::{
    Comparison, Error, Framing, Hit, Index, IndexBuilder, Orientation, QueryScratch, SIDE_PENALTY,
    SideProbe, Signature, Weights, compare_in, compare_sides,
};

/// What a match through a probe gives up of its similarity: 6 points. A probe is a second,
/// blurrier look at part of the picture, and a second chance for every pair, different pictures
/// included, so its matches must clear a higher bar. Measured on the accuracy harness (README
/// "Sensitivity"): without it, the probes that find cropped copies also let through more pairs of
/// different pictures than the copies they find; with 6 points, at the default, more copies of
/// every kind but gray, sepia and text are found, and fewer pairs of different pictures.
pub const PROBE_PENALTY: f32 = 6.0;

/// [`compare_in`] of two pictures given with their probes: the best of the picture with the
/// picture, the first's probe with the second, and the first with the second's probe (so
/// whichever of the two is a cropped copy of the other; two probes are not compared), a match
/// through a probe lowered by [`PROBE_PENALTY`] and told by its [`Framing`] (`b` cropped when
/// it matched `a`'s probe, wider when `a` matched its probe). Symmetric, as [`compare_in`] is
/// (the framing inverted).
pub fn compare_probed(
    a: (&Signature, &Signature),
    b: (&Signature, &Signature),
    weights: Weights,
    orientations: &[Orientation],
) -> Comparison {
    let mut best = compare_in(a.0, b.0, weights, orientations);
    // In the order `ProbedIndex::query_with` takes them, so a tie is told the same way.
    for (x, y, framing) in [(a.0, b.1, Framing::Wider), (a.1, b.0, Framing::Cropped)] {
        let mut c = compare_in(x, y, weights, orientations);
        c.similarity = (c.similarity - PROBE_PENALTY).max(0.0);
        if c.similarity > best.similarity {
            best = Comparison { framing, ..c };
        }
    }
    best
}

/// [`compare_probed`], then also the side probes of either picture ([`crate::side_probes`]) with the
/// other whole ([`compare_sides`]): the best of all, framed as the second next to the first.
/// Symmetric as [`compare_probed`] is. With the side probes each picture had when hashed, this
/// is what [`ProbedIndex::query_sided_with`] finds, whichever of the two was stored first.
pub fn compare_sided(
    a: (&Signature, &Signature, &[SideProbe]),
    b: (&Signature, &Signature, &[SideProbe]),
    weights: Weights,
    orientations: &[Orientation],
) -> Comparison {
    let mut best = compare_probed((a.0, a.1), (b.0, b.1), weights, orientations);
    let from_a = compare_sides(a.2, b.0, weights);
    let from_b = compare_sides(b.2, a.0, weights).map(|c| Comparison {
        framing: c.framing.inverse(),
        ..c
    });
    for c in [from_a, from_b].into_iter().flatten() {
        if c.similarity > best.similarity {
            best = c;
        }
    }
    best
}

/// Raises `hit`, one of [`ProbedIndex::query_sided_with`]'s for the picture whose signature is
/// `query`, with the stored picture's own side probes, `stored_sides`, which are not indexed:
/// compared with `query` whole, their windows framed the other way; then caps it at
/// [`crate::BANDED_CAP`] when one of the two had a caption band and the other not
/// (`stored_banded`, [`Signature::banded`]), which the index does not know. The hit then is
/// what [`compare_sided`] gives for the two pictures (the index's part is the same bits), so a
/// pair scores the same whichever of its two pictures is the query.
pub fn raise_with_sides(
    hit: &mut Hit,
    stored_sides: &[SideProbe],
    stored_banded: bool,
    query: &Signature,
    weights: Weights,
) {
    if let Some(c) = compare_sides(stored_sides, query, weights)
        && c.similarity > hit.similarity
    {
        hit.similarity = c.similarity;
        hit.score = c.score;
        hit.orientation = c.orientation;
        hit.framing = c.framing.inverse();
    }
    if stored_banded != query.banded() {
        hit.similarity = hit.similarity.min(crate::BANDED_CAP);
    }
}

/// Keeps each id's best hit (the first of equals, in the order given), best first, at most
/// `limit`.
fn best_per_id(hits: &mut Vec<Hit>, limit: usize) {
    hits.sort_by(|a, b| a.id.cmp(&b.id).then(b.similarity.total_cmp(&a.similarity)));
    hits.dedup_by_key(|h| h.id);
    hits.sort_unstable_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
    hits.truncate(limit);
}

/// An [`Index`] of pictures and one of their probes, under the same ids: a query with a
/// picture and its probe finds what [`compare_probed`] would.
#[derive(Debug, Clone)]
pub struct ProbedIndex {
    pictures: Index,
    probes: Index,
}

impl ProbedIndex {
    /// An empty index scored with `weights`.
    pub fn new(weights: Weights) -> Self {
        ProbedIndex {
            pictures: Index::new(weights),
            probes: Index::new(weights),
        }
    }

    /// Adds a picture and its probe; returns its id, as [`Index::insert`] does.
    pub fn insert(&mut self, signature: &Signature, probe: &Signature) -> u32 {
        let id = self.pictures.insert(signature);
        let same = self.probes.insert(probe);
        // Both hold the same ids, live and free, in the same order (`remove`).
        assert_eq!(
            id, same,
            "the two indexes of a ProbedIndex hand out the same ids"
        );
        id
    }

    /// Removes `id` from both; whether it was there. When either index has enough removed
    /// postings to purge, both are compacted: a picture and its probe may post different
    /// numbers of codes (a probe without colour posts only Y's), and an index compacted alone
    /// would hand out its removed ids again while the other appends new ones.
    pub fn remove(&mut self, id: u32) -> bool {
        let removed = self.pictures.remove_deferred(id);
        self.probes.remove_deferred(id);
        if self.pictures.needs_compaction() || self.probes.needs_compaction() {
            self.pictures.compact();
            self.probes.compact();
        }
        removed
    }

    /// Whether `id` is live.
    pub fn contains(&self, id: u32) -> bool {
        self.pictures.contains(id)
    }

    /// Live pictures.
    pub fn len(&self) -> usize {
        self.pictures.len()
    }

    /// Whether no picture is live.
    pub fn is_empty(&self) -> bool {
        self.pictures.is_empty()
    }

    /// Ids handed out, live or not.
    pub fn slots(&self) -> usize {
        self.pictures.slots()
    }

    /// Bytes of memory both indexes use.
    pub fn memory_bytes(&self) -> usize {
        self.pictures.memory_bytes() + self.probes.memory_bytes()
    }

    /// The orientations queries are tried in ([`Index::set_orientations`]).
    pub fn set_orientations(&mut self, orientations: &'static [Orientation]) {
        self.pictures.set_orientations(orientations);
        self.probes.set_orientations(orientations);
    }

    /// The pictures most like `signature` with its `probe`, most similar first, each with its
    /// best hit of the three comparisons of [`compare_probed`] (a match through a probe
    /// lowered by [`PROBE_PENALTY`]; the picture with the picture first among equals).
    pub fn query_with(
        &self,
        scratch: &mut QueryScratch,
        signature: &Signature,
        probe: &Signature,
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        // Each list holds its top `limit`; an id's best is in the list that gave it, so the
        // union's top `limit` is the answer. A probe's hits must clear the penalty too.
        let mut hits = self
            .pictures
            .query_with(scratch, signature, min_similarity, limit);
        let raised = min_similarity + PROBE_PENALTY;
        let lowered = |framing: Framing| {
            move |mut hit: Hit| {
                hit.similarity = (hit.similarity - PROBE_PENALTY).max(0.0);
                hit.framing = framing;
                hit
            }
        };
        // The query like a hit's probe: the query is the hit's middle, the hit wider. The
        // query's probe like a hit: the hit is the query's middle, cropped.
        let wider = self.probes.query_with(scratch, signature, raised, limit);
        let cropped = self.pictures.query_with(scratch, probe, raised, limit);
        hits.extend(wider.into_iter().map(lowered(Framing::Wider)));
        hits.extend(cropped.into_iter().map(lowered(Framing::Cropped)));
        best_per_id(&mut hits, limit);
        hits
    }

    /// The pictures like one of a picture's side probes ([`crate::side_probes`]), each match lowered
    /// by [`SIDE_PENALTY`] and framed as its probe says; best first, at most `limit`, one hit
    /// per picture. Only the pictures are searched (not their probes): a side probe against
    /// the middle of another picture would be two crops at once.
    pub fn query_sides_with(
        &self,
        scratch: &mut QueryScratch,
        sides: &[SideProbe],
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        let raised = min_similarity + SIDE_PENALTY;
        let mut hits = Vec::new();
        for side in sides {
            let found = self
                .pictures
                .query_upright_with(scratch, &side.signature, raised, limit);
            hits.extend(found.into_iter().map(|mut hit| {
                hit.similarity = (hit.similarity - SIDE_PENALTY).max(0.0);
                hit.framing = side.framing;
                hit
            }));
        }
        best_per_id(&mut hits, limit);
        hits
    }

    /// [`ProbedIndex::query_with`] and [`ProbedIndex::query_sides_with`] at once: each
    /// picture's best hit of either, best first, at most `limit`. What [`compare_sided`] gives.
    pub fn query_sided_with(
        &self,
        scratch: &mut QueryScratch,
        (signature, probe, sides): (&Signature, &Signature, &[SideProbe]),
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        let mut hits = self.query_with(scratch, signature, probe, min_similarity, limit);
        if !sides.is_empty() {
            hits.extend(self.query_sides_with(scratch, sides, min_similarity, limit));
            best_per_id(&mut hits, limit);
        }
        hits
    }

    /// The pictures most like `signature` compared whole, without probes: [`Index::query_with`]
    /// of the pictures alone (the paper's comparison).
    pub fn query_whole_with(
        &self,
        scratch: &mut QueryScratch,
        signature: &Signature,
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        self.pictures
            .query_with(scratch, signature, min_similarity, limit)
    }

    /// The byte form: the pictures' [`Index::to_bytes`], then the probes'.
    pub fn to_bytes(&self) -> Vec<u8> {
        let pictures = self.pictures.to_bytes();
        let mut out = Vec::with_capacity(8 + pictures.len() + self.probes.encoded_len());
        out.extend_from_slice(&(pictures.len() as u64).to_le_bytes());
        out.extend_from_slice(&pictures);
        out.extend_from_slice(&self.probes.to_bytes());
        out
    }

    /// Reads [`ProbedIndex::to_bytes`]; refuses two indexes that disagree on their ids (live,
    /// or to be handed out next).
    pub fn from_bytes(bytes: &[u8]) -> Result<ProbedIndex, Error> {
        let damaged = Error::InvalidIndex("the pictures and probes of a probed index");
        let (len, rest) = bytes.split_at_checked(8).ok_or(damaged.clone())?;
        let len = u64::from_le_bytes(len.try_into().map_err(|_| damaged.clone())?);
        let len = usize::try_from(len).map_err(|_| damaged.clone())?;
        let (pictures, probes) = rest.split_at_checked(len).ok_or(damaged.clone())?;
        let pictures = Index::from_bytes(pictures)?;
        let probes = Index::from_bytes(probes)?;
        if pictures.slots() != probes.slots()
            || pictures.free_ids() != probes.free_ids()
            || (0..pictures.slots() as u32).any(|id| pictures.contains(id) != probes.contains(id))
        {
            return Err(damaged);
        }
        Ok(ProbedIndex { pictures, probes })
    }
}

/// Builds a [`ProbedIndex`] from many pictures at once ([`IndexBuilder`]).
#[derive(Debug)]
pub struct ProbedIndexBuilder {
    pictures: IndexBuilder,
    probes: IndexBuilder,
}

impl ProbedIndexBuilder {
    /// A builder for an index scored with `weights`.
    pub fn new(weights: Weights) -> Self {
        ProbedIndexBuilder {
            pictures: IndexBuilder::new(weights),
            probes: IndexBuilder::new(weights),
        }
    }

    /// Adds a picture and its probe; returns its id (0, 1, 2, … in order).
    pub fn add(&mut self, signature: &Signature, probe: &Signature) -> u32 {
        let id = self.pictures.add(signature);
        self.probes.add(probe);
        id
    }

    /// The finished index.
    pub fn build(self) -> ProbedIndex {
        ProbedIndex {
            pictures: self.pictures.build(),
            probes: self.probes.build(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::tests::blocks;
    use crate::{PixelLayout, Pixels};

    fn crop(data: &[u8], width: u32, height: u32, percent: u32) -> (Vec<u8>, u32, u32) {
        let (dx, dy) = (width * percent / 200, height * percent / 200);
        let (w, h) = (width - 2 * dx, height - 2 * dy);
        let mut out = Vec::new();
        for y in dy..dy + h {
            let at = (y * width + dx) as usize * 3;
            out.extend_from_slice(&data[at..at + w as usize * 3]);
        }
        (out, w, h)
    }

    fn probed(data: &[u8], w: u32, h: u32) -> (Signature, Signature) {
        Signature::compute_probed(&Pixels::new(w, h, PixelLayout::Rgb8, data).unwrap())
    }

    /// A signature of `m` = 40 codes per channel from a counter; colour (I and Q informative)
    /// or not.
    fn made(seed: u32, colour: bool) -> Signature {
        let codes: [Vec<u16>; 3] = core::array::from_fn(|c| {
            (0..40u32)
                .map(|k| (1 + (seed * 131 + k * 397 + c as u32 * 7_919) % 16_000) as u16)
                .collect::<alloc::collections::BTreeSet<u16>>()
                .into_iter()
                .chain(16_001..)
                .take(40)
                .collect()
        });
        let chroma = if colour { 0.01 } else { 0.0 };
        let strength = [0.01, chroma, chroma];
        Signature::from_parts(
            1.5,
            [0.5, 0.0, 0.0],
            strength,
            [&codes[0], &codes[1], &codes[2]],
        )
        .unwrap()
    }

    /// A picture in colour whose probe is not (its colour only at the edges) posts three times
    /// the codes of its probe: removals then call for compacting the pictures' index long
    /// before the probes'. Compacted alone, the pictures' index handed its removed ids out
    /// again while the probes' appended new ones, and a probe's match went to another picture
    /// (a user's rescan of touched files reported pairs of unrelated photographs).
    #[test]
    fn removals_keep_the_pictures_and_their_probes_under_one_id() {
        let mut index = ProbedIndex::new(Weights::Scanned);
        let mut live: Vec<(u32, Signature, Signature)> = Vec::new();
        let mut seed = 0;
        for round in 0..6 {
            for _ in 0..60 {
                seed += 1;
                let (picture, probe) = (made(seed, true), made(seed + 100_000, false));
                live.push((index.insert(&picture, &probe), picture, probe));
            }
            // Remove every other one: 30 × 120 postings of pictures, 30 × 40 of probes.
            let (gone, kept): (Vec<_>, Vec<_>) = live
                .into_iter()
                .enumerate()
                .partition(|(k, _)| k % 2 == round % 2);
            for (_, (id, _, _)) in &gone {
                assert!(index.remove(*id));
            }
            live = kept.into_iter().map(|(_, e)| e).collect();
        }
        let index = ProbedIndex::from_bytes(&index.to_bytes()).unwrap();
        let mut scratch = QueryScratch::new();
        for (id, picture, probe) in &live {
            // The stored probe, asked as a picture, finds its own picture's id through the
            // probes' index (and the stored picture, asked as a probe, through the pictures').
            let hits = index.query_with(&mut scratch, probe, picture, 90.0, 3);
            assert_eq!(hits.first().map(|h| h.id), Some(*id), "{hits:?}");
        }
    }

    #[test]
    fn a_query_finds_what_the_comparison_finds_and_the_byte_form_keeps_it() {
        let (w, h) = (480, 360);
        let mut index = ProbedIndex::new(Weights::Scanned);
        let mut all = Vec::new();
        for seed in 0..6 {
            let data = blocks(seed * 7_919, w, h);
            let whole = probed(&data, w, h);
            let (c, cw, ch) = crop(&data, w, h, 10);
            let cropped = probed(&c, cw, ch);
            for p in [whole, cropped] {
                index.insert(&p.0, &p.1);
                all.push(p);
            }
        }
        index.remove(3);
        let read = ProbedIndex::from_bytes(&index.to_bytes()).unwrap();
        let mut scratch = QueryScratch::new();
        for (i, q) in all.iter().enumerate() {
            let hits = read.query_with(&mut scratch, &q.0, &q.1, 0.0, usize::MAX);
            assert_eq!(
                hits,
                index.query_with(&mut scratch, &q.0, &q.1, 0.0, usize::MAX)
            );
            for (j, t) in all.iter().enumerate() {
                let expected = compare_probed(
                    (&q.0, &q.1),
                    (&t.0, &t.1),
                    Weights::Scanned,
                    Orientation::DEFAULT,
                );
                let hit = hits.iter().find(|h| h.id as usize == j);
                match hit {
                    Some(hit) => {
                        assert_eq!(hit.similarity, expected.similarity, "{i} {j}");
                        assert_eq!(hit.framing, expected.framing, "{i} {j}");
                    }
                    None => assert!(j == 3 || expected.similarity == 0.0, "{i} {j}"),
                }
            }
        }
        // A crop by 10 % is more like its picture with the probes than without.
        let (crop_q, whole_t) = (&all[1], &all[0]);
        let plain = compare_in(
            &crop_q.0,
            &whole_t.0,
            Weights::Scanned,
            Orientation::DEFAULT,
        );
        let with = compare_probed(
            (&crop_q.0, &crop_q.1),
            (&whole_t.0, &whole_t.1),
            Weights::Scanned,
            Orientation::DEFAULT,
        );
        assert!(
            with.similarity > plain.similarity + 5.0,
            "{} against {}",
            with.similarity,
            plain.similarity
        );
        // ... and it says which is the crop: the second is wider than the cropped first, and
        // the other way round the second is the crop.
        assert_eq!(with.framing, Framing::Wider);
        let back = compare_probed(
            (&whole_t.0, &whole_t.1),
            (&crop_q.0, &crop_q.1),
            Weights::Scanned,
            Orientation::DEFAULT,
        );
        assert_eq!(
            (back.similarity, back.framing),
            (with.similarity, Framing::Cropped)
        );
        assert_eq!(plain.framing, Framing::Whole);
        assert!(ProbedIndex::from_bytes(&index.to_bytes()[..20]).is_err());
    }
}
