//! The in-memory side of the database: the `lookalike-core` [`Index`] over every stored
//! signature, and per id the file it came from. Rebuilt from the store on start
//! ([`Library::load`]); kept in step with the store by the scan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use lookalike_core::{Hit, Index, IndexBuilder, QueryScratch, Signature, Weights};

use crate::messages;
use crate::progress::Progress;
use crate::store::{FileRecord, ImageFile, IterError, Store};

/// The index and the files behind its ids.
pub struct Library {
    index: Index,
    files: Vec<Option<ImageFile>>,
    /// Per id: hashed by a scan that has not reported yet.
    pending: Vec<bool>,
    ids: HashMap<PathBuf, u32>,
}

impl Library {
    /// Reads every record of `store` and builds the index. Damaged records are reported as
    /// warnings and skipped (their files are hashed again by the next scan).
    pub fn load(store: &Store, progress: &Progress) -> Result<Library> {
        let bar = progress.bar(store.len() as u64, "loading", "entries");
        let mut builder = IndexBuilder::new(Weights::Scanned);
        let mut files = Vec::with_capacity(store.len());
        let mut pending = Vec::with_capacity(store.len());
        let mut ids = HashMap::with_capacity(store.len());
        let mut failure = None;
        let mut load = |chunk: Vec<Result<FileRecord, IterError>>| {
            bar.inc(chunk.len() as u64);
            for item in chunk {
                match item {
                    Ok(record) => {
                        let id = builder.add(&record.signature);
                        debug_assert_eq!(id as usize, files.len());
                        ids.insert(record.file.path.clone(), id);
                        files.push(Some(record.file));
                        pending.push(record.pending);
                    }
                    Err(IterError::Damaged { path, reason }) => messages::warning(format!(
                        "damaged index entry for {} ({reason}); it will be hashed again",
                        messages::shown(&path)
                    )),
                    Err(e) => failure = Some(e),
                }
            }
        };
        if !store.is_empty() {
            store.load_files(&mut load)?;
        }
        bar.finish_and_clear();
        if let Some(e) = failure {
            return Err(e.into());
        }
        Ok(Library {
            index: builder.build(),
            files,
            pending,
            ids,
        })
    }

    /// Queries upright only from now on (`--upright`): no mirrored or turned matches.
    pub fn upright_only(&mut self) {
        self.index.set_orientations(&[]);
    }

    /// How many files are indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id and file of `path`.
    pub fn get(&self, path: &Path) -> Option<(u32, &ImageFile)> {
        let id = *self.ids.get(path)?;
        Some((id, self.file(id)?))
    }

    /// The file of `id`.
    pub fn file(&self, id: u32) -> Option<&ImageFile> {
        self.files.get(id as usize)?.as_ref()
    }

    /// Whether `id` was hashed by a scan that has not reported it yet.
    pub fn is_pending(&self, id: u32) -> bool {
        self.pending.get(id as usize).copied().unwrap_or(false)
    }

    /// Every live file with its id.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &ImageFile)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(id, f)| Some((id as u32, f.as_ref()?)))
    }

    /// Adds (or replaces) the file of `record`.
    pub fn insert(&mut self, record: &FileRecord) -> u32 {
        let path = &record.file.path;
        self.remove(path);
        let id = self.index.insert(&record.signature);
        let slot = id as usize;
        if self.files.len() <= slot {
            self.files.resize(slot + 1, None);
            self.pending.resize(slot + 1, false);
        }
        self.files[slot] = Some(record.file.clone());
        self.pending[slot] = record.pending;
        self.ids.insert(path.clone(), id);
        id
    }

    /// Forgets `path`; whether it was there.
    pub fn remove(&mut self, path: &Path) -> bool {
        match self.ids.remove(path) {
            Some(id) => {
                self.index.remove(id);
                if let Some(slot) = self.files.get_mut(id as usize) {
                    *slot = None;
                }
                true
            }
            None => false,
        }
    }

    /// The file of `from` is now at `to` (moved by the review).
    pub fn rename(&mut self, from: &Path, to: &Path) {
        if let Some(id) = self.ids.remove(from) {
            if let Some(Some(file)) = self.files.get_mut(id as usize) {
                file.path = to.to_path_buf();
            }
            self.ids.insert(to.to_path_buf(), id);
        }
    }

    /// Clears the in-memory pending marks of `ids`.
    pub fn mark_reported(&mut self, ids: &[u32]) {
        for &id in ids {
            if let Some(pending) = self.pending.get_mut(id as usize) {
                *pending = false;
            }
        }
    }

    /// The best matches of `signature`, most similar first.
    pub fn query(
        &self,
        scratch: &mut QueryScratch,
        signature: &Signature,
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        self.index
            .query_with(scratch, signature, min_similarity, limit)
    }

    /// Bytes of memory the index uses.
    pub fn index_bytes(&self) -> usize {
        self.index.memory_bytes()
    }
}
