//! [`SignatureIndex`]: the page's in-memory index of signatures with their probes.

use lookalike_core::{Error, ProbedIndex, Weights};
use wasm_bindgen::prelude::*;

use crate::probed_from_bytes;

/// One result of [`SignatureIndex::query`].
#[wasm_bindgen]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The id `add` returned.
    pub id: u32,
    /// 0–100.
    pub similarity: f32,
    /// The paper's score.
    pub score: f32,
}

/// An in-memory inverted index of signatures with their probes (core's [`ProbedIndex`],
/// photograph weights).
#[wasm_bindgen]
#[derive(Debug)]
pub struct SignatureIndex {
    index: ProbedIndex,
    scratch: lookalike_core::QueryScratch,
}

#[wasm_bindgen]
impl SignatureIndex {
    /// An empty index.
    #[wasm_bindgen(constructor)]
    pub fn new() -> SignatureIndex {
        SignatureIndex {
            index: ProbedIndex::new(Weights::Scanned),
            scratch: lookalike_core::QueryScratch::new(),
        }
    }

    /// Adds a signature (bytes) and returns its id.
    pub fn add(&mut self, signature: &[u8]) -> Result<u32, JsError> {
        Ok(self.add_bytes(signature)?)
    }

    /// Removes an id; whether it was present.
    pub fn remove(&mut self, id: u32) -> bool {
        self.index.remove(id)
    }

    /// Queries in all eight orientations from now on (`true`, as `scan --all-turns` does:
    /// flipped upside down and reflected in a diagonal too), or in the default five (`false`).
    #[wasm_bindgen(js_name = setAllTurns)]
    pub fn set_all_turns(&mut self, all_turns: bool) {
        self.index.set_orientations(crate::orientations(all_turns));
    }

    /// How many signatures are indexed.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.index.len()
    }

    /// The best `limit` matches with similarity at least `min_similarity`, most similar first.
    pub fn query(
        &mut self,
        signature: &[u8],
        min_similarity: f32,
        limit: usize,
    ) -> Result<Vec<Hit>, JsError> {
        Ok(self.query_bytes(signature, min_similarity, limit)?)
    }
}

impl Default for SignatureIndex {
    fn default() -> Self {
        SignatureIndex::new()
    }
}

impl SignatureIndex {
    /// The plain-Rust twin of [`SignatureIndex::add`].
    pub fn add_bytes(&mut self, signature: &[u8]) -> Result<u32, Error> {
        let (signature, probe, _sides) = probed_from_bytes(signature)?;
        Ok(self.index.insert(&signature, &probe))
    }

    /// The plain-Rust twin of [`SignatureIndex::query`].
    pub fn query_bytes(
        &mut self,
        signature: &[u8],
        min_similarity: f32,
        limit: usize,
    ) -> Result<Vec<Hit>, Error> {
        let (query, probe, sides) = probed_from_bytes(signature)?;
        Ok(self
            .index
            .query_sided_with(
                &mut self.scratch,
                (&query, &probe, &sides),
                min_similarity,
                limit,
            )
            .into_iter()
            .map(|h| Hit {
                id: h.id,
                similarity: h.similarity,
                score: h.score,
            })
            .collect())
    }
}
