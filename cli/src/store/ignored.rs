//! The `ignored` tree: pairs of files the user said are not duplicates of each other
//! (`lookalike apply` with `not_duplicate`, `lookalike ignore add`). A scan never reports such a
//! pair again; `lookalike ignore list` shows them and `lookalike ignore remove` forgets one.
//!
//! Key = the two paths' key bytes ([`path_key`]), the smaller first, as
//! `len(first) as u32 big-endian ‖ first ‖ second`; value = the time it was recorded, in
//! milliseconds since the Unix epoch (`i64` little-endian). A pair is keyed by paths, so a file
//! that is renamed or moved loses its remembered pairs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::keys::{key_path, path_key};
use super::{Store, StoreError};

const TREE: &str = "ignored";

/// The key of the pair `a`, `b` (in either order).
fn pair_key(a: &Path, b: &Path) -> Vec<u8> {
    let (ka, kb) = (path_key(a), path_key(b));
    let (first, second) = if ka <= kb { (ka, kb) } else { (kb, ka) };
    let mut key = Vec::with_capacity(4 + first.len() + second.len());
    key.extend_from_slice(&(first.len() as u32).to_be_bytes());
    key.extend_from_slice(&first);
    key.extend_from_slice(&second);
    key
}

/// The two paths of a key, or `None` for bytes that are not one.
fn split_key(key: &[u8]) -> Option<(PathBuf, PathBuf)> {
    let len = u32::from_be_bytes(key.get(..4)?.try_into().ok()?) as usize;
    let first = key.get(4..4 + len)?;
    let second = key.get(4 + len..)?;
    Some((key_path(first), key_path(second)))
}

/// The ignored pairs, as a set that answers [`IgnoredPairs::contains`] without the database.
#[derive(Debug, Default)]
pub struct IgnoredPairs(HashSet<Vec<u8>>);

impl IgnoredPairs {
    /// Whether the user said `a` and `b` are not duplicates.
    pub fn contains(&self, a: &Path, b: &Path) -> bool {
        !self.0.is_empty() && self.0.contains(&pair_key(a, b))
    }

    /// How many pairs.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl Store {
    fn ignored_tree(&self) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(TREE)?)
    }

    /// Remembers that `a` and `b` are not duplicates; `false` when it was known already.
    pub fn ignore_pair(&self, a: &Path, b: &Path) -> Result<bool, StoreError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let old = self
            .ignored_tree()?
            .insert(pair_key(a, b), &now.to_le_bytes())?;
        Ok(old.is_none())
    }

    /// Forgets the pair `a`, `b`; `false` when it was not remembered.
    pub fn unignore_pair(&self, a: &Path, b: &Path) -> Result<bool, StoreError> {
        Ok(self.ignored_tree()?.remove(pair_key(a, b))?.is_some())
    }

    /// Every remembered pair with the time it was recorded (ms since the epoch), in key order.
    pub fn ignored_pairs(&self) -> Result<Vec<(PathBuf, PathBuf, i64)>, StoreError> {
        let mut pairs = Vec::new();
        for item in self.ignored_tree()?.iter() {
            let (key, value) = item?;
            if let Some((a, b)) = split_key(&key) {
                let ms = value
                    .get(..8)
                    .and_then(|v| v.try_into().ok())
                    .map_or(0, i64::from_le_bytes);
                pairs.push((a, b, ms));
            }
        }
        Ok(pairs)
    }

    /// How many pairs are remembered.
    pub fn ignored_count(&self) -> Result<usize, StoreError> {
        Ok(self.ignored_tree()?.len())
    }

    /// The remembered pairs as a set, for a scan.
    pub fn ignored_set(&self) -> Result<IgnoredPairs, StoreError> {
        let mut set = HashSet::new();
        for item in self.ignored_tree()?.iter() {
            let (key, _) = item?;
            set.insert(key.to_vec());
        }
        Ok(IgnoredPairs(set))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_remembered_in_either_order_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (a, b, c) = (
            Path::new("/p/b.jpg"),
            Path::new("/p/a.jpg"),
            Path::new("/q"),
        );
        assert!(store.ignore_pair(a, b).unwrap());
        assert!(!store.ignore_pair(b, a).unwrap());
        let set = store.ignored_set().unwrap();
        assert!(set.contains(a, b) && set.contains(b, a));
        assert!(!set.contains(a, c));
        let listed = store.ignored_pairs().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].0.as_path(), listed[0].1.as_path()), (b, a));
        assert!(store.unignore_pair(b, a).unwrap());
        assert!(!store.unignore_pair(a, b).unwrap());
        assert_eq!(store.ignored_set().unwrap().len(), 0);
    }
}
