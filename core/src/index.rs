//! Step 5 of the method: the inverted index and the query.
//!
//! As in the paper (§4.1, "fast query"): for every channel, sign and position there is a list of
//! the images whose signature keeps that coefficient with that sign. A query walks only the lists
//! of its own `3 × m` coefficients and adds each list's weight to the images in it; the average
//! colour term and the normalisation ([`compare`](crate::compare)) are applied only to images
//! whose accumulated weight can still reach the requested similarity. No signature is read or
//! scored for an image that shares too little with the query; the work is the postings walked
//! ([`Index::query_cost`]) plus one sweep over a 2-byte counter per image, held in a reusable
//! [`QueryScratch`]. (duplo-rs allocates a full score slot per stored image on every query and
//! scores every one of them.)
//!
//! Memory: a posting is a `u32` id, and an image has at most `3 × m` postings (chroma channels
//! that are noise are not posted); plus 20 bytes of per-image data ([`Index::memory_bytes`]).
//! With `m = 60` (the default), that is at most about 740 bytes per image after
//! [`Index::shrink_to_fit`] (500 with 40).
//!
//! Removal marks an id dead; its postings are purged, and its id becomes reusable, by
//! [`Index::compact`], which runs by itself when a quarter of the postings are dead.

use alloc::vec;
use alloc::vec::Vec;

mod builder;
mod bytes;
mod hit;

pub use builder::IndexBuilder;
pub use hit::{Hit, QueryScratch};

use crate::score::{average_term, finish, pair_weight, self_weight, turned_self_weight};
use crate::signature::NEGATIVE;
use crate::{Framing, Orientation, Signature, Weights};

/// Lists per channel: one per 15-bit coefficient code (sign bit + 14-bit position).
const LISTS_PER_CHANNEL: usize = 2 * NEGATIVE as usize;

const ALIVE: u8 = 1;
const INFORMATIVE_I: u8 = 2;
const INFORMATIVE_Q: u8 = 4;
const INFORMATIVE_Y: u8 = 8;
/// A faint luminance ([`Signature::is_faint`]): posted, counted against structured ones only.
const FAINT_Y: u8 = 16;

#[derive(Debug, Clone, Copy)]
struct Entry {
    average: [f32; 3],
    /// Σ weights of the kept coefficients per channel, in hundredths.
    self_centi: [u16; 3],
    /// The same in a turned comparison, per [`Orientation::reversal`] 1–3
    /// ([`Weights::turned_centi`]).
    turned_centi: [[u16; 3]; 3],
    flags: u8,
    m: u8,
}

impl Entry {
    /// Whether the channel's codes are posted ([`Signature::is_comparable`]).
    fn posted(&self, channel: usize) -> bool {
        match channel {
            0 => self.flags & (INFORMATIVE_Y | FAINT_Y) != 0,
            1 => self.flags & INFORMATIVE_I != 0,
            _ => self.flags & INFORMATIVE_Q != 0,
        }
    }

    /// Whether the luminance has structure ([`Signature::is_informative`]).
    fn structured(&self) -> bool {
        self.flags & INFORMATIVE_Y != 0
    }

    /// Whether the channel counts against a query whose luminance has structure or not
    /// ([`Signature::informative_with`]).
    fn informative_with(&self, channel: usize, query_structured: bool) -> bool {
        match channel {
            0 => self.structured() || (query_structured && self.flags & FAINT_Y != 0),
            c => self.posted(c),
        }
    }
}

/// An in-memory inverted index of signatures.
#[derive(Debug, Clone)]
pub struct Index {
    weights: Weights,
    orientations: &'static [Orientation],
    lists: Vec<Vec<u32>>,
    entries: Vec<Entry>,
    free: Vec<u32>,
    live: usize,
    dead_postings: usize,
    total_postings: usize,
}

impl Default for Index {
    fn default() -> Self {
        Self::new(Weights::default())
    }
}

impl Index {
    /// An empty index that scores with `weights`.
    pub fn new(weights: Weights) -> Self {
        Index {
            weights,
            orientations: Orientation::DEFAULT,
            lists: vec![Vec::new(); 3 * LISTS_PER_CHANNEL],
            entries: Vec::new(),
            free: Vec::new(),
            live: 0,
            dead_postings: 0,
            total_postings: 0,
        }
    }

    /// The weight table queries use.
    pub fn weights(&self) -> Weights {
        self.weights
    }

    /// How many signatures are indexed.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Ids handed out so far, live or removed (each below this).
    pub fn slots(&self) -> usize {
        self.entries.len()
    }

    /// Adds a signature and returns its id (small integers, reused after removal and
    /// compaction).
    pub fn insert(&mut self, signature: &Signature) -> u32 {
        let mut flags = ALIVE;
        if signature.is_informative(0) {
            flags |= INFORMATIVE_Y;
        } else if signature.is_faint() {
            flags |= FAINT_Y;
        }
        if signature.is_informative(1) {
            flags |= INFORMATIVE_I;
        }
        if signature.is_informative(2) {
            flags |= INFORMATIVE_Q;
        }
        let self_centi: [u16; 3] =
            core::array::from_fn(|c| self_weight(self.weights, c, signature.codes(c)) as u16);
        let turned_centi = core::array::from_fn(|r| {
            core::array::from_fn(|c| {
                turned_self_weight(self.weights, c, signature.codes(c), r + 1) as u16
            })
        });
        let entry = Entry {
            average: signature.average(),
            self_centi,
            turned_centi,
            flags,
            m: signature.m(),
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.entries[id as usize] = entry;
                id
            }
            None => {
                self.entries.push(entry);
                (self.entries.len() - 1) as u32
            }
        };
        for c in 0..3 {
            if !entry.posted(c) {
                continue;
            }
            for &code in signature.codes(c) {
                self.lists[c * LISTS_PER_CHANNEL + usize::from(code)].push(id);
                self.total_postings += 1;
            }
        }
        self.live += 1;
        id
    }

    /// Removes an id. Returns whether it was present.
    pub fn remove(&mut self, id: u32) -> bool {
        let removed = self.remove_deferred(id);
        if self.needs_compaction() {
            self.compact();
        }
        removed
    }

    /// [`Index::remove`] without the compaction it may call for, which hands out removed ids
    /// again: a [`crate::ProbedIndex`] compacts its two indexes together, so that they keep
    /// handing out the same ids.
    pub(crate) fn remove_deferred(&mut self, id: u32) -> bool {
        let Some(entry) = self.entries.get_mut(id as usize) else {
            return false;
        };
        if entry.flags & ALIVE == 0 {
            return false;
        }
        entry.flags &= !ALIVE;
        let posted = (0..3).filter(|&c| entry.posted(c)).count() * usize::from(entry.m);
        self.live -= 1;
        self.dead_postings += posted;
        true
    }

    /// Whether removed postings have piled up enough to purge them ([`Index::compact`]).
    pub(crate) fn needs_compaction(&self) -> bool {
        self.dead_postings * 4 > self.total_postings.max(4096)
    }

    /// The ids handed out next, last first.
    pub(crate) fn free_ids(&self) -> &[u32] {
        &self.free
    }

    /// Whether `id` is indexed.
    pub fn contains(&self, id: u32) -> bool {
        self.entries
            .get(id as usize)
            .is_some_and(|e| e.flags & ALIVE != 0)
    }

    /// Purges the postings of removed ids and makes those ids reusable.
    pub fn compact(&mut self) {
        let entries = &self.entries;
        let mut total = 0;
        for list in self.lists.iter_mut() {
            list.retain(|&id| entries[id as usize].flags & ALIVE != 0);
            total += list.len();
        }
        self.total_postings = total;
        // Every dead id is purged now; hand them out smallest first.
        self.free = (0..self.entries.len() as u32)
            .rev()
            .filter(|&id| self.entries[id as usize].flags & ALIVE == 0)
            .collect();
        self.dead_postings = 0;
    }

    /// Releases the spare capacity of the posting lists (after a bulk load).
    pub fn shrink_to_fit(&mut self) {
        for list in self.lists.iter_mut() {
            list.shrink_to_fit();
        }
        self.entries.shrink_to_fit();
    }

    /// Bytes held by the index: posting lists (by capacity), their headers, and per-image data.
    pub fn memory_bytes(&self) -> usize {
        let postings: usize = self.lists.iter().map(|l| l.capacity() * 4).sum();
        postings
            + self.lists.len() * core::mem::size_of::<Vec<u32>>()
            + self.entries.capacity() * core::mem::size_of::<Entry>()
            + self.free.capacity() * 4
    }

    /// Number of postings (live and not yet purged).
    pub fn postings(&self) -> usize {
        self.total_postings
    }

    /// How many postings a query for `query` walks, in one orientation: the work of [`Index::query`], which grows with
    /// the popularity of the query's coefficients, not with the number of images.
    pub fn query_cost(&self, query: &Signature) -> usize {
        (0..3)
            .filter(|&c| query.is_comparable(c))
            .flat_map(|c| query.codes(c).iter().map(move |&code| (c, code)))
            .map(|(c, code)| self.lists[c * LISTS_PER_CHANNEL + usize::from(code)].len())
            .sum()
    }

    /// The best `limit` matches of `query` with similarity at least `min_similarity`, most
    /// similar first (ties: smaller id first).
    pub fn query(&self, query: &Signature, min_similarity: f32, limit: usize) -> Vec<Hit> {
        self.query_with(&mut QueryScratch::new(), query, min_similarity, limit)
    }

    /// [`Index::query`] with reusable working memory.
    ///
    /// The query is tried in each of the index's [orientations](Index::set_orientations) (by
    /// default [`Orientation::DEFAULT`]; a turned match's similarity as [`Orientation::discount`]
    /// counts it);
    /// an image's hit is its best one, as [`compare`](crate::compare) gives it.
    pub fn query_with(
        &self,
        scratch: &mut QueryScratch,
        query: &Signature,
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        self.query_turned_with(
            scratch,
            &|o| match o {
                Orientation::Upright => *query,
                o => query.oriented(o),
            },
            min_similarity,
            limit,
        )
    }

    /// [`Index::query_with`] upright only, whatever the index's orientations.
    pub fn query_upright_with(
        &self,
        scratch: &mut QueryScratch,
        query: &Signature,
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        self.query_in(scratch, &|_| *query, &[], min_similarity, limit)
    }

    /// [`Index::query_with`] where each orientation's query is `turned(o)`, the query already
    /// turned `o` (or a signature standing for it): the video search's seed queries leave out,
    /// per orientation, the codes common in that orientation.
    pub fn query_turned_with(
        &self,
        scratch: &mut QueryScratch,
        turned: &dyn Fn(Orientation) -> Signature,
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        self.query_in(scratch, turned, self.orientations, min_similarity, limit)
    }

    /// [`Index::query_turned_with`] in `orientations` (and upright).
    fn query_in(
        &self,
        scratch: &mut QueryScratch,
        turned: &dyn Fn(Orientation) -> Signature,
        orientations: &[Orientation],
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        if limit == 0 || self.live == 0 {
            return Vec::new();
        }
        let mut hits = Vec::new();
        self.collect(
            scratch,
            &turned(Orientation::Upright),
            Orientation::Upright,
            min_similarity,
            &mut hits,
        );
        for &o in orientations {
            if o != Orientation::Upright {
                self.collect(scratch, &turned(o), o, min_similarity, &mut hits);
            }
        }
        if orientations.len() > 1 {
            // Best hit per id; among equals, the earlier orientation (stable sort).
            hits.sort_by(|a, b| a.id.cmp(&b.id).then(b.similarity.total_cmp(&a.similarity)));
            hits.dedup_by_key(|h| h.id);
        }
        hits.sort_unstable_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
        hits.truncate(limit);
        hits
    }

    /// The orientations a query is tried in (see [`Orientation`]); `&[]` or
    /// `&[Orientation::Upright]` queries upright only, as the paper does.
    pub fn set_orientations(&mut self, orientations: &'static [Orientation]) {
        self.orientations = orientations;
    }

    /// The hits of one orientation of the query, appended to `hits`.
    fn collect(
        &self,
        scratch: &mut QueryScratch,
        query: &Signature,
        orientation: Orientation,
        min_similarity: f32,
        hits: &mut Vec<Hit>,
    ) {
        let QueryScratch { matched, .. } = scratch;
        // A turned query weighs each place as the comparison does (`compare_in`).
        let reversal = orientation.reversal();
        // One counter per id, zeroed in one sweep (a memset: cheap next to the postings).
        matched.clear();
        matched.resize(self.entries.len(), 0);
        let query_structured = query.is_informative(0);
        for c in 0..3 {
            if !query.is_comparable(c) {
                continue;
            }
            let base = c * LISTS_PER_CHANNEL;
            for &code in query.codes(c) {
                let w = self
                    .weights
                    .turned_centi(c, usize::from(code & !NEGATIVE), reversal)
                    as i16;
                let (same, opposite) = (
                    &self.lists[base + usize::from(code)],
                    &self.lists[base + usize::from(code ^ NEGATIVE)],
                );
                if c == 0 && !query_structured {
                    // A faint query's luminance counts against structured ones only
                    // (`Signature::informative_with`).
                    for &id in same {
                        if self.entries[id as usize].structured() {
                            matched[id as usize] += w;
                        }
                    }
                    for &id in opposite {
                        if self.entries[id as usize].structured() {
                            matched[id as usize] -= w;
                        }
                    }
                    continue;
                }
                // Ids in a list mostly ascend (appended in insertion order, purged in place;
                // only reused ids break the order), so these writes sweep the counters front
                // to back. In Y, the same position with the other sign counts against (see
                // `compare_upright`).
                for &id in same {
                    matched[id as usize] += w;
                }
                if c == 0 {
                    for &id in opposite {
                        matched[id as usize] -= w;
                    }
                }
            }
        }
        // A pair reaches `min_similarity` only if matched ≥ min/100 · pair/2 + dc, and the pair
        // weight is at least an eighth of the query's Y weight when the query's Y is
        // informative (all of it when the target's is too): a cheap bound before the exact
        // computation. Images whose agreements do not outweigh their disagreements are not
        // results.
        let query_self: [u32; 3] =
            core::array::from_fn(|c| turned_self_weight(self.weights, c, query.codes(c), reversal));
        let min_similarity = min_similarity.max(0.0);
        // A turned match counts as `Orientation::discount` says: its comparison must reach
        // `turned_min_similarity` (less a hair, so that rounding never drops one the exact
        // test below keeps).
        let compared_min = match orientation {
            Orientation::Upright => min_similarity,
            _ => Orientation::turned_min_similarity(min_similarity) - 0.01,
        };
        let cutoff = if query.is_informative(0) {
            ((compared_min * query_self[0] as f32 / 1600.0) as i32).max(1)
        } else {
            1
        };
        let query_average = query.average();
        let query_comparable: [bool; 3] = core::array::from_fn(|c| query.is_comparable(c));
        for (id, &m) in matched.iter().enumerate() {
            let m = i32::from(m);
            if m < cutoff {
                continue;
            }
            let entry = &self.entries[id];
            if entry.flags & ALIVE == 0 {
                continue;
            }
            let target_informative =
                core::array::from_fn(|c| entry.informative_with(c, query_structured));
            let mut query_informative = query_comparable;
            query_informative[0] &= query_structured || entry.structured();
            let target_self = match reversal {
                0 => entry.self_centi,
                r => entry.turned_centi[r - 1],
            }
            .map(u32::from);
            let pair = pair_weight(
                query_informative,
                query_self,
                target_informative,
                target_self,
            );
            let cmp = finish(
                m,
                pair,
                average_term(self.weights, &query_average, &entry.average),
            );
            let similarity = orientation.discount(cmp.similarity);
            // A turned match of similarity 0 is no match (`compare` keeps the upright one).
            if similarity >= min_similarity
                && (orientation == Orientation::Upright || similarity > 0.0)
            {
                hits.push(Hit {
                    id: id as u32,
                    similarity,
                    score: cmp.score,
                    orientation,
                    framing: Framing::Whole,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
