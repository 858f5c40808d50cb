//! [`IndexBuilder`]: a bulk load of an [`Index`].

use super::Index;
use crate::{Signature, Weights};

/// Builds an [`Index`] from many signatures at once, then releases spare capacity, so that a
/// bulk load (a database reopened) ends with exactly-sized posting lists.
#[derive(Debug)]
pub struct IndexBuilder {
    index: Index,
}

impl IndexBuilder {
    /// A builder for an index scored with `weights`.
    pub fn new(weights: Weights) -> Self {
        IndexBuilder {
            index: Index::new(weights),
        }
    }

    /// Adds a signature; returns its id (0, 1, 2, … in order).
    pub fn add(&mut self, signature: &Signature) -> u32 {
        self.index.insert(signature)
    }

    /// The finished index.
    pub fn build(mut self) -> Index {
        self.index.shrink_to_fit();
        self.index
    }
}
