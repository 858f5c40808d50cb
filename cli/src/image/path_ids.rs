//! The id of each stored path, without a second copy of every path: a hash table of ids whose
//! keys are read from the library's file table. At a million files that saves a million
//! allocations when the library is read (issue 14) and about 40 MB.

use std::hash::BuildHasher;
use std::path::Path;

use hashbrown::DefaultHashBuilder;
use hashbrown::HashTable;

use crate::store::ImageFile;

/// Ids by path; each call passes the file table the ids point into.
#[derive(Default)]
pub struct PathIds {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl PathIds {
    /// Empty, with room for `n`.
    pub fn with_capacity(n: usize) -> PathIds {
        PathIds {
            table: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    /// How many paths.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    fn hash(&self, path: &Path) -> u64 {
        self.hasher.hash_one(path)
    }

    /// The id of `path`.
    pub fn get(&self, path: &Path, files: &[Option<ImageFile>]) -> Option<u32> {
        self.table
            .find(self.hash(path), |&id| path_of(files, id) == Some(path))
            .copied()
    }

    /// Records `id` under the path `files[id]` holds. False if that path already has an id.
    pub fn insert(&mut self, id: u32, files: &[Option<ImageFile>]) -> bool {
        let Some(path) = path_of(files, id) else {
            return false;
        };
        let hash = self.hash(path);
        if self
            .table
            .find(hash, |&other| path_of(files, other) == Some(path))
            .is_some()
        {
            return false;
        }
        let hasher = &self.hasher;
        self.table.insert_unique(hash, id, |&other| {
            hasher.hash_one(path_of(files, other).unwrap_or(Path::new("")))
        });
        true
    }

    /// Forgets `path` (while `files` still holds it under its id); its id.
    pub fn remove(&mut self, path: &Path, files: &[Option<ImageFile>]) -> Option<u32> {
        let entry = self
            .table
            .find_entry(self.hash(path), |&id| path_of(files, id) == Some(path))
            .ok()?;
        Some(entry.remove().0)
    }
}

fn path_of(files: &[Option<ImageFile>], id: u32) -> Option<&Path> {
    files.get(id as usize)?.as_ref().map(|f| f.path.as_path())
}
