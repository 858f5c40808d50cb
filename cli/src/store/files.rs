//! The `files` tree: one record per image file, and the types that describe a file.
//!
//! Key = the file's absolute path ([`path_key`]), value = a [`FileRecord`] in the little-endian
//! layout of [`FileRecord::encode`]. One insert per file, so a record is either whole or absent
//! after a crash.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use lookalike_core::{Framing, SideProbe, Signature};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::keys::{key_path, path_key};
use super::{Store, StoreError};

const RECORD_VERSION: u8 = 3;
const HEADER: usize = 31;
const PENDING: u8 = 1;
/// The two bytes after the probe: how many inner and outer side probes follow.
const SIDE_COUNTS: usize = 2;
/// Records decoded on all cores at a time by [`Store::load_files`].
const CHUNK: usize = 16 * 1024;

/// Image formats, stored as one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg = 1,
    Png = 2,
    Gif = 3,
    WebP = 4,
    Bmp = 5,
    Tiff = 6,
    Heif = 7,
    Avif = 8,
    Other = 255,
}

impl Format {
    pub(crate) fn from_byte(b: u8) -> Format {
        match b {
            1 => Format::Jpeg,
            2 => Format::Png,
            3 => Format::Gif,
            4 => Format::WebP,
            5 => Format::Bmp,
            6 => Format::Tiff,
            7 => Format::Heif,
            8 => Format::Avif,
            _ => Format::Other,
        }
    }

    /// The inverse of [`Format::name`] (`Other` for a name it does not give).
    pub fn from_name(name: &str) -> Format {
        (1..=8)
            .map(Format::from_byte)
            .find(|f| f.name() == name)
            .unwrap_or(Format::Other)
    }

    /// Lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::WebP => "webp",
            Format::Bmp => "bmp",
            Format::Tiff => "tiff",
            Format::Heif => "heif",
            Format::Avif => "avif",
            Format::Other => "other",
        }
    }
}

/// Size and modification time: what tells that a stored file (image or video) is unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (negative before it; 0 when the
    /// file system does not say).
    pub mtime_ns: i64,
}

impl Stamp {
    /// The stamp of a file from its metadata.
    pub fn of(metadata: &std::fs::Metadata) -> Stamp {
        Stamp {
            size: metadata.len(),
            mtime_ns: metadata.modified().map_or(0, mtime_ns),
        }
    }
}

/// Nanoseconds since the epoch, saturating, for [`Stamp::mtime_ns`].
fn mtime_ns(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    }
}

/// What decoding tells about an image: its size as displayed, and its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub format: Format,
}

/// The facts of one stored image file: where it is, its [`Stamp`] and its [`Picture`]. The one
/// type for them, shared by the store, the in-memory library and the reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile {
    pub path: PathBuf,
    pub stamp: Stamp,
    pub picture: Picture,
}

impl ImageFile {
    /// Width × height.
    pub fn pixels(&self) -> u64 {
        u64::from(self.picture.width) * u64::from(self.picture.height)
    }
}

/// A picture's signature, its cropped probe and its side probes (`Signature::compute_sided`,
/// issue 17).
pub type Probed = (Signature, Signature, Vec<SideProbe>);

/// What is stored per file.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRecord {
    pub file: ImageFile,
    /// Hashed by a scan that has not reported yet.
    pub pending: bool,
    pub signature: Signature,
    /// The signature of the middle of the picture (`Signature::probe_from_coefficients`).
    pub probe: Signature,
    /// Its side probes (`lookalike_core::side_probes`), inner (`Framing::Cropped`) and outer
    /// (`Framing::Wider`), kept once reported since store format 15: a pair's comparison uses
    /// both records' (`compare_sided`), so it does not depend on which file was hashed first,
    /// nor on whether the scan is the one that hashed them. Empty when [`Store::load_files`] or
    /// [`Store::iter`] read it.
    pub sides: Vec<SideProbe>,
}

impl FileRecord {
    /// `[version u8][flags u8][format u8][size u64][mtime_ns i64][width u32][height u32]
    /// [signature length L u32][signature, L bytes][probe, L bytes][inner sides u8]
    /// [outer sides u8][the inner sides' signatures, then the outer ones', L bytes each]`,
    /// little-endian (all signatures of one record have the same `m`, so the same length). The
    /// path is the key, not in the value.
    pub fn encode(&self) -> Vec<u8> {
        let sig = self.signature.to_bytes();
        let probe = self.probe.to_bytes();
        let (stamp, picture) = (&self.file.stamp, &self.file.picture);
        let (inner, outer): (Vec<&SideProbe>, Vec<&SideProbe>) = self
            .sides
            .iter()
            .partition(|s| s.framing == Framing::Cropped);
        let mut out = Vec::with_capacity(HEADER + (2 + self.sides.len()) * sig.len() + SIDE_COUNTS);
        out.push(RECORD_VERSION);
        out.push(if self.pending { PENDING } else { 0 });
        out.push(picture.format as u8);
        out.extend_from_slice(&stamp.size.to_le_bytes());
        out.extend_from_slice(&stamp.mtime_ns.to_le_bytes());
        out.extend_from_slice(&picture.width.to_le_bytes());
        out.extend_from_slice(&picture.height.to_le_bytes());
        out.extend_from_slice(&(sig.len() as u32).to_le_bytes());
        out.extend_from_slice(&sig);
        out.extend_from_slice(&probe);
        out.push(inner.len() as u8);
        out.push(outer.len() as u8);
        for side in inner.into_iter().chain(outer) {
            out.extend_from_slice(&side.signature.to_bytes());
        }
        out
    }

    /// Decodes [`FileRecord::encode`] for `path`; damaged bytes give an error, never a panic.
    pub fn decode(path: PathBuf, bytes: &[u8]) -> Result<FileRecord, String> {
        Self::decode_with(path, bytes, true)
    }

    /// [`FileRecord::decode`], leaving `sides` empty unless `with_sides` (they are most of
    /// the bytes, and loading the library needs none).
    fn decode_with(path: PathBuf, bytes: &[u8], with_sides: bool) -> Result<FileRecord, String> {
        if bytes.len() < HEADER {
            return Err(format!("record of {} bytes is too short", bytes.len()));
        }
        if bytes[0] != RECORD_VERSION {
            return Err(format!("record version {} is not supported", bytes[0]));
        }
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let u64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[at..at + 8]);
            u64::from_le_bytes(b)
        };
        let out_of_range = || "record's signature length is out of range".to_owned();
        let len = usize::try_from(u32_at(27)).map_err(|_| out_of_range())?;
        let (signature, rest) = bytes[HEADER..]
            .split_at_checked(len)
            .ok_or_else(out_of_range)?;
        let (probe, rest) = rest.split_at_checked(len).ok_or_else(out_of_range)?;
        let signature = Signature::from_bytes(signature).map_err(|e| e.to_string())?;
        let probe = Signature::from_bytes(probe).map_err(|e| e.to_string())?;
        let (counts, rest) = rest
            .split_at_checked(SIDE_COUNTS)
            .ok_or_else(|| "record has no side probe counts".to_owned())?;
        let (inner, outer) = (usize::from(counts[0]), usize::from(counts[1]));
        if len == 0 || rest.len() != (inner + outer) * len {
            return Err(format!(
                "record's side probes take {} bytes, not {} × {len}",
                rest.len(),
                inner + outer
            ));
        }
        let mut sides = Vec::new();
        if with_sides {
            sides.reserve(inner + outer);
            for (k, bytes) in rest.chunks_exact(len).enumerate() {
                sides.push(SideProbe {
                    framing: if k < inner {
                        Framing::Cropped
                    } else {
                        Framing::Wider
                    },
                    signature: Signature::from_bytes(bytes).map_err(|e| e.to_string())?,
                });
            }
        }
        Ok(FileRecord {
            file: ImageFile {
                path,
                stamp: Stamp {
                    size: u64_at(3),
                    mtime_ns: u64_at(11) as i64,
                },
                picture: Picture {
                    format: Format::from_byte(bytes[2]),
                    width: u32_at(19),
                    height: u32_at(23),
                },
            },
            pending: bytes[1] & PENDING != 0,
            signature,
            probe,
            sides,
        })
    }
}

/// A stored record that could not be read.
#[derive(Debug)]
pub enum IterError {
    Damaged { path: PathBuf, reason: String },
    Sled(sled::Error),
}

impl std::fmt::Display for IterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IterError::Damaged { path, reason } => {
                write!(f, "damaged index entry for {}: {reason}", path.display())
            }
            IterError::Sled(e) => write!(f, "database error: {e}"),
        }
    }
}

impl std::error::Error for IterError {}

fn decode_item(item: sled::Result<(sled::IVec, sled::IVec)>) -> Result<FileRecord, IterError> {
    let (k, v) = item.map_err(IterError::Sled)?;
    let path = key_path(&k);
    FileRecord::decode_with(path.clone(), &v, false)
        .map_err(|reason| IterError::Damaged { path, reason })
}

impl Store {
    /// How many files are stored.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is stored.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The stored record of `path`. A damaged record reads as absent (the file is hashed again).
    pub fn get(&self, path: &Path) -> Result<Option<FileRecord>, StoreError> {
        Ok(self
            .files
            .get(path_key(path))?
            .and_then(|v| FileRecord::decode(path.to_path_buf(), &v).ok()))
    }

    /// Stores (or replaces) a record.
    #[cfg(test)]
    pub fn put(&self, record: &FileRecord) -> Result<(), StoreError> {
        self.changing()?;
        self.files
            .insert(path_key(&record.file.path), record.encode())?;
        Ok(())
    }

    /// Stores many records in one atomic batch.
    pub fn put_many<'a>(
        &self,
        records: impl IntoIterator<Item = &'a FileRecord>,
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for record in records {
            batch.insert(path_key(&record.file.path), record.encode());
        }
        self.changing()?;
        self.files.apply_batch(batch)?;
        Ok(())
    }

    /// Forgets `path`.
    pub fn remove(&self, path: &Path) -> Result<(), StoreError> {
        if self.files.contains_key(path_key(path))? {
            self.changing()?;
            self.before_removal();
            self.files.remove(path_key(path))?;
        }
        Ok(())
    }

    /// Moves the record of `from` to `to` in one transaction-free step that never loses it: the
    /// new key is written before the old one is removed.
    pub fn rename(&self, from: &Path, to: &Path) -> Result<(), StoreError> {
        if let Some(value) = self.files.get(path_key(from))? {
            self.changing()?;
            self.files.insert(path_key(to), value)?;
            self.files.remove(path_key(from))?;
        }
        Ok(())
    }

    /// Clears the pending flag of the records of `paths`.
    pub fn clear_pending<'a>(
        &self,
        paths: impl IntoIterator<Item = &'a Path>,
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        let mut any = false;
        for path in paths {
            let key = path_key(path);
            if let Some(mut value) = self.files.get(&key)?.map(|v| v.to_vec())
                && value.len() > 1
                && value[1] & PENDING != 0
            {
                value[1] &= !PENDING;
                batch.insert(key, value);
                any = true;
            }
        }
        if !any {
            return Ok(());
        }
        self.changing()?;
        self.files.apply_batch(batch)?;
        Ok(())
    }

    /// Every stored record, in key order. Damaged records come back as `Err(Damaged)`.
    pub fn iter(&self) -> impl Iterator<Item = Result<FileRecord, IterError>> + '_ {
        self.files.iter().map(decode_item)
    }

    /// Every stored record, in key order, handed to `sink` in chunks that were decoded on all
    /// cores (sled iterates on one thread; decoding a million records is not free). Damaged
    /// records come as `Err(Damaged)`; a database error stops the load.
    pub fn load_files(
        &self,
        sink: &mut dyn FnMut(Vec<Result<FileRecord, IterError>>),
    ) -> Result<(), StoreError> {
        let mut raw = self.files.iter();
        let mut chunk: Vec<(sled::IVec, sled::IVec)> = Vec::with_capacity(CHUNK);
        loop {
            chunk.clear();
            for item in raw.by_ref().take(CHUNK) {
                chunk.push(item?);
            }
            if chunk.is_empty() {
                return Ok(());
            }
            let decoded = chunk
                .par_iter()
                .map(|(k, v)| decode_item(Ok((k.clone(), v.clone()))))
                .collect();
            sink(decoded);
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use lookalike_core::{PixelLayout, Pixels};

    pub(crate) fn signature(seed: u8) -> Signature {
        probed(seed).0
    }

    /// A picture's signature, probe and side probes, different for each seed.
    pub(crate) fn probed(seed: u8) -> Probed {
        let data: Vec<u8> = (0..64 * 48 * 3)
            .map(|i: u32| (i.wrapping_mul(u32::from(seed) + 7) % 251) as u8)
            .collect();
        Signature::compute_sided(&Pixels::new(64, 48, PixelLayout::Rgb8, &data).unwrap())
    }

    pub(crate) fn record(
        path: &str,
        size: u64,
        mtime_ns: i64,
        format: Format,
        pending: bool,
    ) -> FileRecord {
        FileRecord {
            file: ImageFile {
                path: PathBuf::from(path),
                stamp: Stamp { size, mtime_ns },
                picture: Picture {
                    width: 4000,
                    height: 3000,
                    format,
                },
            },
            pending,
            signature: probed(size as u8).0,
            probe: probed(size as u8).1,
            sides: probed(size as u8).2,
        }
    }

    /// A record keeps all its side probes, also once reported (`clear_pending` clears the flag
    /// alone); reading every record (`iter`, the library's load) skips them.
    #[test]
    fn reported_records_keep_their_side_probes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let pending = record("/p/a.jpg", 7, 1, Format::Jpeg, true);
        assert_eq!(pending.sides.len(), lookalike_core::SIDE_PROBES);
        store.put(&pending).unwrap();
        assert_eq!(store.get(Path::new("/p/a.jpg")).unwrap().unwrap(), pending);
        let listed = store.iter().next().unwrap().unwrap();
        assert!(listed.sides.is_empty());
        assert_eq!(listed.signature, pending.signature);
        store.clear_pending([Path::new("/p/a.jpg")]).unwrap();
        let reported = store.get(Path::new("/p/a.jpg")).unwrap().unwrap();
        assert_eq!(reported, record("/p/a.jpg", 7, 1, Format::Jpeg, false));
        assert!(!reported.pending);
        assert_eq!(reported.sides.len(), lookalike_core::SIDE_PROBES);
        for framing in [Framing::Cropped, Framing::Wider] {
            let n = reported
                .sides
                .iter()
                .filter(|s| s.framing == framing)
                .count();
            assert_eq!(n, lookalike_core::SIDE_PROBES / 2, "{framing:?}");
        }
        // Clearing again changes nothing.
        store.clear_pending([Path::new("/p/a.jpg")]).unwrap();
        assert_eq!(store.get(Path::new("/p/a.jpg")).unwrap().unwrap(), reported);
    }

    #[test]
    fn record_round_trips() {
        let record = record("/p/a.jpg", 123_456_789, -5, Format::Jpeg, true);
        let bytes = record.encode();
        let path = record.file.path.clone();
        assert_eq!(FileRecord::decode(path.clone(), &bytes).unwrap(), record);
        assert!(FileRecord::decode(path.clone(), &bytes[..20]).is_err());
        assert!(FileRecord::decode(path, &bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn rename_moves_the_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for p in ["/a/b/x.png", "/a/bc/y.png", "/a/b", "/a/b/c/z.png"] {
            store.put(&record(p, 1, 2, Format::Png, false)).unwrap();
        }
        store
            .rename(Path::new("/a/b/x.png"), Path::new("/r/x.png"))
            .unwrap();
        assert!(store.get(Path::new("/a/b/x.png")).unwrap().is_none());
        let moved = store.get(Path::new("/r/x.png")).unwrap().unwrap();
        assert_eq!(moved.file.path, PathBuf::from("/r/x.png"));
        let mut loaded = Vec::new();
        store
            .load_files(&mut |chunk| loaded.extend(chunk.into_iter().map(|r| r.unwrap().file.path)))
            .unwrap();
        assert_eq!(loaded.len(), 4);
        assert!(loaded.windows(2).all(|w| w[0] < w[1]), "key order");
    }
}
