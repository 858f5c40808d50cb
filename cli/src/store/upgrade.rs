//! `lookalike db upgrade`: a database of an older signature format brought to this version's.
//! Its image signatures cannot be compared with this version's and are dropped (so are its
//! videos' screenshots when their format changed too); what the user decided (the
//! not-a-duplicate pairs) and the videos' screenshot interval are kept.

use std::path::Path;

use lookalike_core::DEFAULT_COEFFICIENTS;

use super::{FORMAT_VERSION, Formats, Store, StoreError, lock};

/// The oldest store format whose videos' screenshot signatures are this version's: format 25
/// cuts a flat, dark ground with the black bars beside it (signature format 18), in
/// screenshots too.
const SCREENSHOTS_SINCE: u8 = 25;

/// What [`Store::upgrade`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upgraded {
    /// The signature format the database held.
    pub from: u8,
    /// Image records dropped.
    pub images: usize,
    /// Videos dropped (their screenshots with them).
    pub videos: usize,
    /// Whether the videos were kept (their screenshots' signatures are this version's).
    pub videos_kept: bool,
    /// Not-a-duplicate pairs kept.
    pub ignored: usize,
}

impl Store {
    /// Opens an existing database for `db upgrade`: one whose signatures are of an older format
    /// is opened too (nothing else may read it), one of a newer format is refused.
    pub fn open_for_upgrade(path: &Path) -> Result<Store, StoreError> {
        Store::must_hold_database(path)?;
        let lock = lock(path)?;
        Store::start(path, path, lock, None, Formats::OlderToo)
    }

    /// Brings a database of an older signature format to this version's ([`FORMAT_VERSION`]):
    /// drops every image record, and every video when it is older than [`SCREENSHOTS_SINCE`]
    /// (their signatures cannot be compared with this version's, and are made again from the
    /// files by the next `scan` and `videos` run), and keeps what the user decided (the not-a-duplicate pairs) and the videos' screenshot
    /// interval. `None` when the database is of this format already. The format is written last,
    /// after the rest is on disk, so a run killed half-way leaves a database that is still of
    /// the older format, refused as before and upgraded by running this again.
    pub fn upgrade(&self) -> anyhow::Result<Option<Upgraded>> {
        let from = self.settings().format;
        if from == FORMAT_VERSION {
            return Ok(None);
        }
        let images = self.files.len();
        // The damage check expects no record from here on (see `COUNT_FILE`).
        self.set_durable(0);
        self.changing()?;
        self.files.clear()?;
        let videos_kept = from >= SCREENSHOTS_SINCE;
        let videos = if !videos_kept {
            self.videos()?.clear()?
        } else {
            0
        };
        // The settings of this version (the number of coefficients, 60 since store format 14),
        // then the format, last.
        self.settings.insert("m", &[DEFAULT_COEFFICIENTS])?;
        self.db.flush()?;
        self.settings.insert("format", &[FORMAT_VERSION])?;
        self.db.flush()?;
        Ok(Some(Upgraded {
            from,
            images,
            videos,
            videos_kept,
            ignored: self.ignored_count()?,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::*;

    /// `db upgrade`: a database of an older format loses its image records and, when older than
    /// [`SCREENSHOTS_SINCE`], its videos; keeps its not-a-duplicate pairs and screenshot
    /// interval, and opens again; a second run has nothing to do; a database of a newer format
    /// is refused by it too.
    #[test]
    fn an_older_database_is_upgraded_keeping_what_the_user_decided() {
        upgrade_from(SCREENSHOTS_SINCE - 1);
        upgrade_from(SCREENSHOTS_SINCE - 2);
        // Videos are kept from a format whose screenshots are this version's, when there is one
        // older than this version.
        if SCREENSHOTS_SINCE < FORMAT_VERSION {
            upgrade_from(SCREENSHOTS_SINCE);
        }
    }

    fn upgrade_from(format: u8) {
        let kept_videos = format >= SCREENSHOTS_SINCE;
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            for (i, name) in ["/p/a.jpg", "/p/b.jpg", "/p/c.jpg"].iter().enumerate() {
                store
                    .put(&super::super::files::tests::record(
                        name,
                        100 + i as u64,
                        1,
                        Format::Jpeg,
                        false,
                    ))
                    .unwrap();
            }
            store
                .ignore_pair(Path::new("/p/a.jpg"), Path::new("/p/b.jpg"))
                .unwrap();
            let videos = store.videos().unwrap();
            videos.interval(Some(2.5), true).unwrap();
            let record = super::super::videos::tests::record(videos.next_id().unwrap());
            videos
                .save(
                    Path::new("/v/a.mp4"),
                    &record,
                    &super::super::videos::tests::shots(2),
                )
                .unwrap();
            store.settings.insert("format", &[format]).unwrap();
            if format < 14 {
                // Store formats before 14 kept 40 coefficients per channel.
                store.settings.insert("m", &[40]).unwrap();
            }
            store.db.flush().unwrap();
        }
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::Incompatible { .. })
        ));
        let store = Store::open_for_upgrade(dir.path()).unwrap();
        assert_eq!(
            store.upgrade().unwrap(),
            Some(Upgraded {
                from: format,
                images: 3,
                videos: usize::from(!kept_videos),
                videos_kept: kept_videos,
                ignored: 1
            })
        );
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.len(), 0);
        assert_eq!(store.ignored_count().unwrap(), 1);
        let videos = store.videos().unwrap();
        assert_eq!(videos.records().unwrap().is_empty(), !kept_videos);
        assert_eq!(
            videos.signature(0, 0).is_some(),
            kept_videos,
            "screenshots kept only when their format is this version's"
        );
        assert_eq!(videos.stored_interval().unwrap(), Some(2.5));
        assert_eq!(store.upgrade().unwrap(), None, "nothing left to do");
        store
            .settings
            .insert("format", &[FORMAT_VERSION + 1])
            .unwrap();
        drop((videos, store));
        match Store::open_for_upgrade(dir.path()) {
            Err(e @ StoreError::Incompatible { .. }) => {
                assert!(e.to_string().contains("newer lookalike"), "{e}")
            }
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a database of a newer format was opened for upgrade"),
        }
    }
}
