//! The in-memory side of the database: the `lookalike-core` [`ProbedIndex`] over every stored
//! signature and its cropped probe, and per id the file it came from. Read on start from the saved copy when it is
//! current ([`super::snapshot`]), else rebuilt from the store ([`Library::load`]); kept in step
//! with the store by the scan, which saves it at its end ([`Library::save`]).

use std::path::{Path, PathBuf};

use anyhow::Result;
use lookalike_core::{
    BANDED_CAP, BOTH_WAYS_MARGIN, Hit, Orientation, ProbedIndex, ProbedIndexBuilder, QueryScratch,
    SideProbe, Signature, Weights, raise_with_sides,
};

use super::path_ids::PathIds;
use super::snapshot;
use crate::messages;
use crate::progress::Progress;
use crate::store::{FileRecord, ImageFile, IterError, Store};

/// How many times `limit` hits [`Library::query_both_ways`] takes from the index before
/// raising them with the stored pictures' side probes and keeping the best `limit`.
pub const RAISED_SHARE: usize = 4;

/// The index and the files behind its ids.
pub struct Library {
    index: ProbedIndex,
    files: Vec<Option<ImageFile>>,
    /// Per id: hashed by a scan that has not reported yet.
    pending: Vec<bool>,
    ids: PathIds,
    /// Read from the saved copy, or saved since, and unchanged.
    saved: bool,
    /// Records that could not be read when it was rebuilt (their files are hashed again).
    damaged: Vec<PathBuf>,
    /// Queries compare whole pictures only (`--whole`).
    whole: bool,
}

impl Library {
    /// The library of `store`: its saved copy when that is current, else every record read and
    /// indexed ([`Library::rebuild`]).
    pub fn load(store: &Store, progress: &Progress) -> Result<Library> {
        match snapshot::load(store) {
            Ok(Some(parts)) => {
                return Ok(Library {
                    index: parts.index,
                    files: parts.files,
                    pending: parts.pending,
                    ids: parts.ids,
                    saved: true,
                    damaged: Vec::new(),
                    whole: false,
                });
            }
            Ok(None) => {}
            Err(e) => messages::info(format!(
                "note: {e:#}; rebuilding the index from the database"
            )),
        }
        Library::rebuild(store, progress)
    }

    /// Saves the library beside `store` for the next start ([`super::snapshot`]). Failing only
    /// costs the next start its time, so it is a note, not an error.
    pub fn save(&mut self, store: &Store) {
        if self.saved && !store.wrote() {
            return;
        }
        match snapshot::save(store, self) {
            Ok(()) => self.saved = true,
            Err(e) => messages::info(format!("note: {e:#}; the next start rebuilds the index")),
        }
    }

    /// Whether this library was read from, or written to, the saved copy.
    pub fn is_saved(&self) -> bool {
        self.saved
    }

    /// What [`super::snapshot::save`] writes.
    pub(super) fn parts(&self) -> (&ProbedIndex, &[Option<ImageFile>], &[bool]) {
        (&self.index, &self.files, &self.pending)
    }

    /// Reads every record of `store` and builds the index. Damaged records are reported as
    /// warnings and skipped (their files are hashed again by the next scan).
    pub fn rebuild(store: &Store, progress: &Progress) -> Result<Library> {
        // (Counting the records first would walk them twice: sled has no count.)
        let bar = progress.spinner("loading", "entries");
        let mut builder = ProbedIndexBuilder::new(Weights::Scanned);
        let mut files = Vec::new();
        let mut pending = Vec::new();
        let mut ids = PathIds::default();
        let mut failure = None;
        let mut held = 0u64;
        let mut damaged = Vec::new();
        let mut load = |chunk: Vec<Result<FileRecord, IterError>>| {
            bar.inc(chunk.len() as u64);
            for item in chunk {
                held += u64::from(!matches!(item, Err(IterError::Sled(_))));
                match item {
                    Ok(record) => {
                        let id = builder.add(&record.signature, &record.probe);
                        debug_assert_eq!(id as usize, files.len());
                        files.push(Some(record.file));
                        ids.insert(id, &files);
                        pending.push(record.pending);
                    }
                    Err(IterError::Damaged { path, reason }) => {
                        messages::warning(format!(
                            "damaged index entry for {} ({reason}); it will be hashed again",
                            messages::shown(&path)
                        ));
                        damaged.push(path);
                    }
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
        store.check_held(held)?;
        Ok(Library {
            index: builder.build(),
            files,
            pending,
            ids,
            saved: false,
            damaged,
            whole: false,
        })
    }

    /// Queries upright only from now on (`--upright`): no mirrored or turned matches.
    pub fn upright_only(&mut self) {
        self.index.set_orientations(&[]);
    }

    /// Queries in all eight orientations from now on (`--all-turns`): flipped upside down and
    /// reflected in a diagonal too.
    pub fn all_turns(&mut self) {
        self.index.set_orientations(&Orientation::ALL);
    }

    /// Queries pictures whole only from now on (`--whole`): no match through a cropped probe.
    pub fn whole_only(&mut self) {
        self.whole = true;
    }

    /// How many files are indexed.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The id and file of `path`.
    pub fn get(&self, path: &Path) -> Option<(u32, &ImageFile)> {
        let id = self.ids.get(path, &self.files)?;
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

    /// The stored paths under `root` (it, or below it), damaged records included.
    pub fn paths_under<'a>(&'a self, root: &'a Path) -> impl Iterator<Item = &'a Path> + 'a {
        self.files
            .iter()
            .flatten()
            .map(|f| f.path.as_path())
            .chain(self.damaged.iter().map(PathBuf::as_path))
            .filter(move |p| p.starts_with(root))
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
        self.saved = false;
        let path = &record.file.path;
        self.remove(path);
        let id = self.index.insert(&record.signature, &record.probe);
        let slot = id as usize;
        if self.files.len() <= slot {
            self.files.resize(slot + 1, None);
            self.pending.resize(slot + 1, false);
        }
        self.files[slot] = Some(record.file.clone());
        self.pending[slot] = record.pending;
        self.ids.insert(id, &self.files);
        id
    }

    /// Forgets `path`; whether it was there.
    pub fn remove(&mut self, path: &Path) -> bool {
        match self.ids.remove(path, &self.files) {
            Some(id) => {
                self.saved = false;
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
        if let Some(id) = self.ids.remove(from, &self.files) {
            self.saved = false;
            // The store's rename replaces a record at `to`; so does this.
            self.remove(to);
            if let Some(Some(file)) = self.files.get_mut(id as usize) {
                file.path = to.to_path_buf();
            }
            self.ids.insert(id, &self.files);
        }
    }

    /// Clears the in-memory pending marks of `ids`.
    pub fn mark_reported(&mut self, ids: &[u32]) {
        for &id in ids {
            if let Some(pending) = self.pending.get_mut(id as usize)
                && *pending
            {
                self.saved = false;
                *pending = false;
            }
        }
    }

    /// The best matches of a picture's `signature` with its `probe` and its side probes, most
    /// similar first (`ProbedIndex::query_sided_with`); with `--whole`, the signature alone.
    pub fn query(
        &self,
        scratch: &mut QueryScratch,
        probed: (&Signature, &Signature, &[SideProbe]),
        min_similarity: f32,
        limit: usize,
    ) -> Vec<Hit> {
        if self.whole {
            return self
                .index
                .query_whole_with(scratch, probed.0, min_similarity, limit);
        }
        self.index
            .query_sided_with(scratch, probed, min_similarity, limit)
    }

    /// [`Library::query`], then each hit compared again with the stored picture's own side
    /// probes too (so as `lookalike_core::compare_sided` compares both records), best first, at
    /// most `limit`. A query's side probes find the stored pictures; the stored picture's side
    /// probes, which are not indexed, may frame the pair better (a crop's outer windows against
    /// the original, where the original's inner windows miss by a few pixels: up to tens of
    /// points on the harness). With both, a pair scores the same whichever of its two files is
    /// the query, so a first scan, a `scan --all` and a `query` agree. The index is asked down to
    /// [`BOTH_WAYS_MARGIN`] below `min_similarity`, so that a pair the stored picture's side
    /// probes show is found from either file, also when a scan adds one of them to a library
    /// that holds the other; and for [`RAISED_SHARE`] times `limit` hits, since a hit may rise
    /// past others. With `--whole`, the index's hits as they are, but capped at `BANDED_CAP`
    /// where one of the two pictures had a caption band and the other not.
    pub fn query_both_ways(
        &self,
        store: &Store,
        scratch: &mut QueryScratch,
        probed: (&Signature, &Signature, &[SideProbe]),
        min_similarity: f32,
        limit: usize,
    ) -> Result<Vec<Hit>> {
        if self.whole {
            // The index does not know which pictures had a caption band: a hit past the cap
            // is capped as `compare_upright` caps it (rare, so its record is read then only).
            let mut hits = self.query(scratch, probed, min_similarity, limit);
            for hit in hits.iter_mut().filter(|h| h.similarity > BANDED_CAP) {
                let Some(file) = self.file(hit.id) else {
                    continue;
                };
                if let Some(other) = store.get(&file.path)?
                    && other.signature.banded() != probed.0.banded()
                {
                    hit.similarity = BANDED_CAP;
                }
            }
            hits.retain(|hit| hit.similarity >= min_similarity);
            hits.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
            return Ok(hits);
        }
        let surface = (min_similarity - BOTH_WAYS_MARGIN).max(0.0);
        let mut hits = self.query(scratch, probed, surface, limit.saturating_mul(RAISED_SHARE));
        for hit in &mut hits {
            let Some(file) = self.file(hit.id) else {
                continue;
            };
            let Some(other) = store.get(&file.path)? else {
                continue;
            };
            let banded = other.signature.banded();
            raise_with_sides(hit, &other.sides, banded, probed.0, Weights::Scanned);
        }
        hits.retain(|hit| hit.similarity >= min_similarity);
        hits.sort_by(|a, b| b.similarity.total_cmp(&a.similarity).then(a.id.cmp(&b.id)));
        hits.truncate(limit);
        Ok(hits)
    }

    /// Bytes of memory the index uses.
    pub fn index_bytes(&self) -> usize {
        self.index.memory_bytes()
    }
}
