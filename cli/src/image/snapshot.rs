//! The saved [`Library`]: one file beside the database (`library.snapshot`) that holds the index's
//! byte form and the table of files behind its ids, so that opening a database of a million
//! images reads two blocks instead of decoding a million records and re-deriving every posting
//! list (issue 14; README "Scale" has the figures).
//!
//! The file is a cache: it is written at the end of a scan, replaced atomically (a temporary file
//! renamed over it), and trusted only when it names the database's current generation
//! ([`Store::generation`]), so that anything written after it — a killed scan, `db prune`,
//! `apply`, another version — makes it stale. A stale or missing file is rebuilt from the records
//! without a word, a damaged one after a note; either costs only that time.
//!
//! # Layout (little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `LKLS` |
//! | 4 | 1 | layout version (2: the index is a [`ProbedIndex`]) |
//! | 5 | 1 | store format ([`crate::store::FORMAT_VERSION`]) |
//! | 6 | 1 | index format ([`Index::FORMAT_VERSION`], of both of a [`ProbedIndex`]'s indexes) |
//! | 7 | 1 | zero |
//! | 8 | 8 | generation |
//! | 16 | 4 | `S`, slots (ids handed out) |
//! | 20 | 4 | files (live slots) |
//! | 24 | 8 | `T`, bytes of the file table |
//! | 32 | 8 | checksum of the file table |
//! | 40 | 8 | `X`, bytes of the index |
//! | 48 | `T` | per slot: 0 (free), or 1 / 3 (a file; 3: pending) followed by format (u8), size (u64), mtime (i64), width, height, path length (u32 each), path bytes |
//! | 48 + `T` | `X` | [`ProbedIndex::to_bytes`] |

use std::fs::File;
use std::io::{BufWriter, Read, Write};

use anyhow::{Context, Result, bail};
use lookalike_core::{Index, ProbedIndex};

use super::library::Library;
use super::path_ids::PathIds;
use crate::store::{Format, ImageFile, Picture, Stamp, Store, key_path, path_key};

/// The file's name in the database folder.
pub const FILE_NAME: &str = "library.snapshot";
const MAGIC: [u8; 4] = *b"LKLS";
const VERSION: u8 = 2;
const HEADER: usize = 48;
const LIVE: u8 = 1;
const PENDING: u8 = 2;

/// The parts of a [`Library`], as saved.
pub struct Parts {
    pub index: ProbedIndex,
    pub files: Vec<Option<ImageFile>>,
    pub pending: Vec<bool>,
    pub ids: PathIds,
}

/// Writes `parts` for `store`'s generation after [`Store::seal`]. Best effort for the caller: an
/// error only means that the next start rebuilds.
pub fn save(store: &Store, library: &Library) -> Result<()> {
    let (index, files, pending) = library.parts();
    let generation = store.seal(index.len() as u64)?;
    let mut table = Vec::with_capacity(files.len() * 64);
    for (file, &pending) in files.iter().zip(pending) {
        let Some(file) = file else {
            table.push(0);
            continue;
        };
        table.push(if pending { LIVE | PENDING } else { LIVE });
        table.push(file.picture.format as u8);
        table.extend_from_slice(&file.stamp.size.to_le_bytes());
        table.extend_from_slice(&file.stamp.mtime_ns.to_le_bytes());
        table.extend_from_slice(&file.picture.width.to_le_bytes());
        table.extend_from_slice(&file.picture.height.to_le_bytes());
        let key = path_key(&file.path);
        table.extend_from_slice(&(key.len() as u32).to_le_bytes());
        table.extend_from_slice(&key);
    }
    let index_bytes = index.to_bytes();
    let mut header = Vec::with_capacity(HEADER);
    header.extend_from_slice(&MAGIC);
    header.extend_from_slice(&[
        VERSION,
        crate::store::FORMAT_VERSION,
        Index::FORMAT_VERSION,
        0,
    ]);
    header.extend_from_slice(&generation.to_le_bytes());
    header.extend_from_slice(&(files.len() as u32).to_le_bytes());
    header.extend_from_slice(&(index.len() as u32).to_le_bytes());
    header.extend_from_slice(&(table.len() as u64).to_le_bytes());
    header.extend_from_slice(&checksum(&table).to_le_bytes());
    header.extend_from_slice(&(index_bytes.len() as u64).to_le_bytes());

    let path = store.path().join(FILE_NAME);
    let tmp = store.path().join(format!("{FILE_NAME}.tmp"));
    let write = || -> std::io::Result<()> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
        out.write_all(&header)?;
        out.write_all(&table)?;
        out.write_all(&index_bytes)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write()
        // A disk that filled up keeps no half-written file.
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
        .with_context(|| format!("cannot save {}", path.display()))
}

/// What `db info` says of the saved library.
pub fn describe(store: &Store) -> String {
    let path = store.path().join(FILE_NAME);
    let Ok(mut file) = File::open(&path) else {
        return "none (the next scan saves it)".to_owned();
    };
    let mut header = [0u8; HEADER];
    let size = file.metadata().map_or(0, |m| m.len());
    let current = file.read_exact(&mut header).is_ok()
        && header[..4] == MAGIC
        && header[4..8]
            == [
                VERSION,
                crate::store::FORMAT_VERSION,
                Index::FORMAT_VERSION,
                0,
            ]
        && store.generation().map(u64::to_le_bytes)
            == Some(header[8..16].try_into().unwrap_or([0; 8]));
    if current {
        let images = u32::from_le_bytes(header[20..24].try_into().unwrap_or([0; 4]));
        format!(
            "current ({images} images, {})",
            crate::messages::human_size(size)
        )
    } else {
        "out of date (the database changed since; the next scan saves it anew)".to_owned()
    }
}

/// The saved library of `store`, if there is one for its current generation. `Ok(None)`: none
/// (or a stale one); `Err`: the file is there and current but cannot be read.
pub fn load(store: &Store) -> Result<Option<Parts>> {
    let path = store.path().join(FILE_NAME);
    let Some(generation) = store.generation() else {
        return Ok(None);
    };
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut header = [0u8; HEADER];
    file.read_exact(&mut header)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let u64_at = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap_or([0; 8]));
    if header[..4] != MAGIC
        || header[4..8]
            != [
                VERSION,
                crate::store::FORMAT_VERSION,
                Index::FORMAT_VERSION,
                0,
            ]
        || u64_at(8) != generation
    {
        return Ok(None);
    }
    let slots = u32::from_le_bytes(header[16..20].try_into().unwrap_or([0; 4])) as usize;
    let (table_len, index_len) = (u64_at(24), u64_at(40));
    let on_disk = file.metadata()?.len();
    let expected = table_len
        .checked_add(index_len)
        .and_then(|n| n.checked_add(HEADER as u64));
    // Every slot takes at least one byte of the table: a damaged count cannot ask for more.
    if Some(on_disk) != expected || slots as u64 > table_len {
        bail!("{}: its length does not match its header", path.display());
    }
    let mut table = vec![0u8; table_len as usize];
    file.read_exact(&mut table)?;
    if checksum(&table) != u64_at(32) {
        bail!(
            "{}: the file table's checksum does not match",
            path.display()
        );
    }
    let mut index_bytes = vec![0u8; index_len as usize];
    file.read_exact(&mut index_bytes)?;
    // The index (most of the bytes) on one core, the file table and its map on the other.
    let (index, table) = rayon::join(
        || ProbedIndex::from_bytes(&index_bytes),
        || {
            let (files, pending) = read_table(&table, slots)?;
            let mut ids = PathIds::with_capacity(files.len());
            for (id, file) in files.iter().enumerate() {
                if let Some(file) = file
                    && !ids.insert(id as u32, &files)
                {
                    bail!("{} is there twice", file.path.display());
                }
            }
            Ok((files, pending, ids))
        },
    );
    drop(index_bytes);
    let index = index.with_context(|| format!("{}: its index", path.display()))?;
    let (files, pending, ids) =
        table.with_context(|| format!("{}: its file table", path.display()))?;
    if index.slots() != files.len()
        || files
            .iter()
            .enumerate()
            .any(|(id, f)| f.is_some() != index.contains(id as u32))
    {
        bail!("{}: its files and its index disagree", path.display());
    }
    store.check_held(index.len() as u64)?;
    Ok(Some(Parts {
        index,
        files,
        pending,
        ids,
    }))
}

type Table = (Vec<Option<ImageFile>>, Vec<bool>);

fn read_table(bytes: &[u8], slots: usize) -> Result<Table> {
    let mut files = Vec::with_capacity(slots);
    let mut pending = Vec::with_capacity(slots);
    let mut at = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let part = bytes.get(at..at + n).context("cut short")?;
        at += n;
        Ok(part)
    };
    for _ in 0..slots {
        let state = take(1)?[0];
        if state == 0 {
            files.push(None);
            pending.push(false);
            continue;
        }
        if state & !(LIVE | PENDING) != 0 || state & LIVE == 0 {
            bail!("a slot is marked {state}");
        }
        let fixed = take(29)?;
        let u32_at = |i: usize| u32::from_le_bytes(fixed[i..i + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |i: usize| u64::from_le_bytes(fixed[i..i + 8].try_into().unwrap_or([0; 8]));
        let (format, size, mtime_ns) = (fixed[0], u64_at(1), u64_at(9) as i64);
        let (width, height, path_len) = (u32_at(17), u32_at(21), u32_at(25));
        let path = key_path(take(path_len as usize)?);
        files.push(Some(ImageFile {
            path,
            stamp: Stamp { size, mtime_ns },
            picture: Picture {
                width,
                height,
                format: Format::from_byte(format),
            },
        }));
        pending.push(state & PENDING != 0);
    }
    if at != bytes.len() {
        bail!("{} bytes left over", bytes.len() - at);
    }
    Ok((files, pending))
}

/// A 64-bit checksum of `bytes`, eight at a time (FNV-1a's prime over words).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        h = (h ^ u64::from_le_bytes(w.try_into().unwrap_or([0; 8]))).wrapping_mul(0x100_0000_01b3);
        h = h.rotate_left(29);
    }
    for &b in words.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h ^ bytes.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Progress;
    use crate::store::FileRecord;
    use lookalike_core::{PixelLayout, Pixels, Signature};
    use std::path::{Path, PathBuf};

    fn record(path: &str, seed: u32, pending: bool) -> FileRecord {
        let data: Vec<u8> = (0..64 * 48 * 3)
            .map(|i: u32| ((i * (seed + 3) + i / 7 * seed) % 251) as u8)
            .collect();
        let (signature, probe, sides) =
            Signature::compute_sided(&Pixels::new(64, 48, PixelLayout::Rgb8, &data).unwrap());
        FileRecord {
            file: ImageFile {
                path: PathBuf::from(path),
                stamp: Stamp {
                    size: u64::from(seed) * 1000,
                    mtime_ns: -i64::from(seed),
                },
                picture: Picture {
                    width: 64 + seed,
                    height: 48,
                    format: Format::Png,
                },
            },
            pending,
            signature,
            probe,
            sides,
        }
    }

    /// Per file: id, facts, pending, and the hits of one probe query (id, similarity bits).
    type Answers = Vec<(u32, ImageFile, bool, Vec<(u32, u32)>)>;

    /// What a library answers, to compare two of them.
    fn answers(library: &Library) -> Answers {
        let mut scratch = lookalike_core::QueryScratch::new();
        let probe = record("/probe", 2, false);
        let hits: Vec<(u32, u32)> = library
            .query(
                &mut scratch,
                (&probe.signature, &probe.probe, &probe.sides),
                0.0,
                100,
            )
            .iter()
            .map(|h| (h.id, h.similarity.to_bits()))
            .collect();
        library
            .iter()
            .map(|(id, f)| (id, f.clone(), library.is_pending(id), hits.clone()))
            .collect()
    }

    #[test]
    fn a_saved_library_reads_back_the_same_until_the_files_change() {
        let dir = tempfile::tempdir().unwrap();
        let progress = Progress::new();
        let store = Store::open(dir.path()).unwrap();
        let records: Vec<FileRecord> = (1..=6)
            .map(|i| record(&format!("/p/{i}/é.png"), i, i % 2 == 0))
            .collect();
        store.put_many(&records).unwrap();
        let mut library = Library::load(&store, &progress).unwrap();
        assert!(!library.is_saved(), "nothing saved yet: rebuilt");
        // A free slot in the middle, as removals leave them.
        store.remove(&records[2].file.path).unwrap();
        library.remove(&records[2].file.path);
        library.save(&store);
        assert!(dir.path().join(FILE_NAME).is_file());
        let expected = answers(&library);
        assert_eq!(expected.len(), 5);
        drop(library);
        drop(store);

        let store = Store::open(dir.path()).unwrap();
        let read = Library::load(&store, &progress).unwrap();
        assert!(read.is_saved(), "current: read from the saved copy");
        assert_eq!(answers(&read), expected);
        assert_eq!(
            read.paths_under(Path::new("/p/1")).collect::<Vec<_>>(),
            [Path::new("/p/1/é.png")]
        );
        assert_eq!(read.get(&records[2].file.path), None);

        // A change without a save (as `db prune` or a killed scan leaves it): stale, rebuilt from
        // the records, which then answer for the change.
        store.remove(&records[0].file.path).unwrap();
        drop(read);
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let rebuilt = Library::load(&store, &progress).unwrap();
        assert!(!rebuilt.is_saved());
        assert_eq!(rebuilt.len(), 4);
        assert_eq!(rebuilt.get(&records[0].file.path), None);
    }

    #[test]
    fn a_damaged_saved_library_is_rebuilt_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let progress = Progress::new();
        let store = Store::open(dir.path()).unwrap();
        let records: Vec<FileRecord> = (1..=4)
            .map(|i| record(&format!("/q/{i}.png"), i, false))
            .collect();
        store.put_many(&records).unwrap();
        let mut library = Library::load(&store, &progress).unwrap();
        library.save(&store);
        let expected = answers(&library);
        let file = dir.path().join(FILE_NAME);
        let good = std::fs::read(&file).unwrap();
        // One byte changed in the file table, in the index, or the file cut short.
        let table_byte = HEADER + 12;
        let index_byte = good.len() - 3;
        for damage in 0..5 {
            let mut bytes = good.clone();
            match damage {
                0 => bytes[table_byte] ^= 0x40,
                1 => bytes[index_byte] ^= 0x01,
                2 => bytes.truncate(good.len() - 100),
                // The header's slot count and table length (not under the checksum).
                3 => bytes[16..20].copy_from_slice(&u32::MAX.to_le_bytes()),
                _ => bytes[24..32].copy_from_slice(&u64::MAX.to_le_bytes()),
            }
            std::fs::write(&file, &bytes).unwrap();
            assert!(load(&store).is_err(), "damage {damage} is noticed");
            let library = Library::load(&store, &progress).unwrap();
            assert!(!library.is_saved());
            assert_eq!(
                answers(&library),
                expected,
                "damage {damage}: rebuilt alike"
            );
        }
    }
}
