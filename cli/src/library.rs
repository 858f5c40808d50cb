//! The in-memory side of the database: the `lookalike-core` [`Index`] over every stored
//! signature, and per id the file it came from. Rebuilt from the store on start
//! ([`Library::load`]); kept in step with the store by the scan.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use lookalike_core::{Hit, Index, IndexBuilder, QueryScratch, Signature, Weights};
use rayon::prelude::*;

use crate::messages;
use crate::progress::Progress;
use crate::store::{FileRecord, Format, Store, key_path};

/// What the reports need to know about a stored file.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub pending: bool,
}

impl Entry {
    fn new(path: PathBuf, record: &FileRecord) -> Entry {
        Entry {
            path,
            size: record.size,
            mtime_ns: record.mtime_ns,
            width: record.width,
            height: record.height,
            format: record.format,
            pending: record.pending,
        }
    }
}

/// The index and the files behind its ids.
pub struct Library {
    index: Index,
    entries: Vec<Option<Entry>>,
    ids: HashMap<PathBuf, u32>,
}

impl Library {
    /// Reads every record of `store` and builds the index. Damaged records are reported as
    /// warnings and skipped (their files are hashed again by the next scan).
    pub fn load(store: &Store, progress: &Progress) -> Result<Library> {
        let bar = progress.bar(store.len() as u64, "loading", "entries");
        if store.is_empty() {
            bar.finish_and_clear();
        }
        let mut builder = IndexBuilder::new(Weights::Scanned);
        let mut entries = Vec::with_capacity(store.len());
        let mut ids = HashMap::with_capacity(store.len());
        // Decoding a record is cheap but not free; sled iterates on one thread, so raw values
        // are gathered in chunks and decoded on all cores.
        let mut chunk: Vec<(sled::IVec, sled::IVec)> = Vec::with_capacity(CHUNK);
        let mut raw = store.raw_iter();
        loop {
            chunk.clear();
            for item in raw.by_ref().take(CHUNK) {
                chunk.push(item?);
            }
            if chunk.is_empty() {
                break;
            }
            let decoded: Vec<(PathBuf, Result<FileRecord, String>)> = chunk
                .par_iter()
                .map(|(k, v)| (key_path(k), FileRecord::decode(v)))
                .collect();
            for (path, record) in decoded {
                match record {
                    Ok(record) => {
                        let id = builder.add(&record.signature);
                        debug_assert_eq!(id as usize, entries.len());
                        ids.insert(path.clone(), id);
                        entries.push(Some(Entry::new(path, &record)));
                    }
                    Err(reason) => messages::warning(format!(
                        "damaged index entry for {} ({reason}); it will be hashed again",
                        messages::shown(&path)
                    )),
                }
            }
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(Library {
            index: builder.build(),
            entries,
            ids,
        })
    }

    /// How many files are indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id and entry of `path`.
    pub fn get(&self, path: &Path) -> Option<(u32, &Entry)> {
        let id = *self.ids.get(path)?;
        Some((id, self.entries.get(id as usize)?.as_ref()?))
    }

    /// The entry of `id`.
    pub fn entry(&self, id: u32) -> Option<&Entry> {
        self.entries.get(id as usize)?.as_ref()
    }

    /// Every live entry with its id.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(id, e)| Some((id as u32, e.as_ref()?)))
    }

    /// Adds (or replaces) `path`.
    pub fn insert(&mut self, path: &Path, record: &FileRecord) -> u32 {
        self.remove(path);
        let id = self.index.insert(&record.signature);
        let slot = id as usize;
        if self.entries.len() <= slot {
            self.entries.resize(slot + 1, None);
        }
        self.entries[slot] = Some(Entry::new(path.to_path_buf(), record));
        self.ids.insert(path.to_path_buf(), id);
        id
    }

    /// Forgets `path`; whether it was there.
    pub fn remove(&mut self, path: &Path) -> bool {
        match self.ids.remove(path) {
            Some(id) => {
                self.index.remove(id);
                if let Some(slot) = self.entries.get_mut(id as usize) {
                    *slot = None;
                }
                true
            }
            None => false,
        }
    }

    /// The entry of `from` now describes `to` (a file moved by the review).
    pub fn rename(&mut self, from: &Path, to: &Path) {
        if let Some(id) = self.ids.remove(from) {
            if let Some(Some(entry)) = self.entries.get_mut(id as usize) {
                entry.path = to.to_path_buf();
            }
            self.ids.insert(to.to_path_buf(), id);
        }
    }

    /// Clears the in-memory pending marks of `ids`.
    pub fn mark_reported(&mut self, ids: &[u32]) {
        for &id in ids {
            if let Some(Some(entry)) = self.entries.get_mut(id as usize) {
                entry.pending = false;
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

const CHUNK: usize = 16 * 1024;
