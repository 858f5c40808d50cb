//! What a query of an [`Index`](super::Index) returns, and the working memory it reuses.
use alloc::vec::Vec;

use crate::{Framing, Orientation};

/// One result of a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The id [`Index::insert`](super::Index::insert) returned.
    pub id: u32,
    /// 0–100, as [`Comparison::similarity`](crate::Comparison::similarity).
    pub similarity: f32,
    /// The paper's score, as [`Comparison::score`](crate::Comparison::score).
    pub score: f32,
    /// How the query was turned for this match.
    pub orientation: Orientation,
    /// How the hit is framed next to the query: [`Framing::Whole`] unless the match came
    /// through a cropped probe ([`crate::ProbedIndex::query_with`]).
    pub framing: Framing,
}

/// Reusable working memory for [`Index::query_with`](super::Index::query_with): one counter per id.
#[derive(Debug, Default, Clone)]
pub struct QueryScratch {
    /// Weights of agreeing minus disagreeing coefficients, in hundredths: at most 60 × 2.72 per
    /// channel either way, well inside an `i16`.
    pub(super) matched: Vec<i16>,
}

impl QueryScratch {
    /// Empty scratch; it grows to the index on first use.
    pub fn new() -> Self {
        Self::default()
    }
}
