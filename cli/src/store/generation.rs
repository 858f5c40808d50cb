//! Which state of the `files` tree a saved library belongs to (issue 14: opening a database of a
//! million images must not re-read and re-index every record).
//!
//! The tree `settings` holds a `generation`: a random 64-bit value that changes before the first
//! change of the `files` tree in each writing session ([`Store::changing`]), and is flushed to disk
//! before that change can be. A saved library (`image::snapshot`) records the generation it was
//! taken at ([`Store::seal`]); it is used only while the generation still says the same, so any
//! write that did not come with a new save (a killed scan, `db prune`, `apply`, an older
//! lookalike) makes it stale, and the library is rebuilt from the records.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;

use super::{Store, StoreError};

const KEY: &str = "generation";

impl Store {
    /// The current generation, if any write ever set one.
    pub fn generation(&self) -> Option<u64> {
        let value = self.settings.get(KEY).ok()??;
        Some(u64::from_le_bytes(value.as_ref().try_into().ok()?))
    }

    /// Whether the `files` tree changed since the start or the last [`Store::seal`].
    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }

    /// Called before every change of the `files` tree: the first one of a session moves the
    /// generation on, durably, so that no saved library can describe the changed tree.
    pub(super) fn changing(&self) -> Result<(), StoreError> {
        self.wrote.store(true, Ordering::Relaxed);
        let mut moved = self.moved.lock().unwrap_or_else(PoisonError::into_inner);
        if !*moved {
            self.new_generation()?;
            *moved = true;
        }
        Ok(())
    }

    /// Flushes every change and returns the generation that now describes the `files` tree; the
    /// next change moves it on again. The caller, which holds `records` of the tree's records
    /// (all but damaged ones), saves what it holds under this value; `records` becomes the count
    /// the next start expects at least, so the end of the command need not count them again.
    pub fn seal(&self, records: u64) -> Result<u64, StoreError> {
        let mut moved = self.moved.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = match self.generation() {
            Some(g) => g,
            None => self.new_generation()?,
        };
        self.db.flush()?;
        if self.copy.is_none() {
            self.set_durable(records);
        }
        self.wrote.store(false, Ordering::Relaxed);
        *moved = false;
        Ok(generation)
    }

    fn new_generation(&self) -> Result<u64, StoreError> {
        // Random, not counted: a database restored from a backup must not meet a newer save
        // that happens to carry the same number.
        let mut generation = RandomState::new().hash_one(std::process::id());
        if Some(generation) == self.generation() {
            generation = generation.wrapping_add(1);
        }
        self.settings.insert(KEY, &generation.to_le_bytes())?;
        self.db.flush()?;
        Ok(generation)
    }
}

#[cfg(test)]
mod tests {
    use super::super::files::tests::record;
    use super::*;

    #[test]
    fn every_session_that_changes_files_moves_the_generation_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.generation(), None);
        let sealed = store.seal(1).unwrap();
        assert_eq!(store.generation(), Some(sealed));
        // Reading and sealing again change nothing.
        assert_eq!(store.seal(1).unwrap(), sealed);

        let a = record("/p/a.jpg", 1, 1, super::super::Format::Jpeg, true);
        store.put_many([&a]).unwrap();
        let first = store.generation().unwrap();
        assert_ne!(first, sealed);
        store.put_many([&a]).unwrap();
        store.clear_pending([a.file.path.as_path()]).unwrap();
        assert_eq!(store.generation(), Some(first), "one move per session");
        assert_eq!(store.seal(1).unwrap(), first);

        for change in 0..3 {
            match change {
                0 => store.rename(&a.file.path, "/p/b.jpg".as_ref()).unwrap(),
                1 => store.remove("/p/b.jpg".as_ref()).unwrap(),
                _ => store.put_many([&a]).unwrap(),
            }
            let now = store.generation().unwrap();
            assert_ne!(now, first, "change {change} after a seal moves it");
            assert_eq!(store.seal(1).unwrap(), now);
        }
        let last = store.generation();
        drop(store);
        // It is stored: a reopened database says the same.
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.generation(), last);
    }
}
