//! The versioned byte form of an [`Index`], so that a database of a million images reopens its
//! index by copying posting lists instead of re-deriving them from every signature (issue 14:
//! rebuilding 1 000 000 entries took 7.2 s).
//!
//! # Byte format (version 8, little-endian)
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `LKIX` |
//! | 4 | 1 | format version (8; versions 1 to 4 had 20-byte entries without the turned weights, and held signatures of formats 2 to 5; version 5 has this layout and held signatures of format 5) |
//! | 5 | 1 | weight table ([`Weights::code`]) |
//! | 6 | 2 | zero |
//! | 8 | 4 | `E`, entries (ids handed out, live or removed) |
//! | 12 | 4 | `F`, ids free for reuse |
//! | 16 | 8 | `P`, postings |
//! | 24 | 8 | checksum of every byte from offset 32 on |
//! | 32 | 38E | per id: average colour Y, I, Q (f32 each), self weight Y, I, Q in hundredths (u16 each), flags (bit 0 live, bit 1 I informative, bit 2 Q informative, bit 3 Y informative, bit 4 Y faint), `m`, then the self weights of turned comparisons, Y, I, Q for each reversal 1–3 (u16 each) |
//! | … | 4F | free ids (u32), in the order they will be handed out, last first |
//! | … | 4 × 98 304 | posting-list lengths (u32), per channel Y, I, Q, per coefficient code 0–32 767 |
//! | … | 4P | the posting lists' ids (u32), list after list |
//!
//! Everything is checked on reading: lengths, the checksum, every id, and that each id has
//! exactly the postings its entry says (none for an id free for reuse), so that damaged bytes
//! give an [`Error`], never a panic nor an index that answers wrongly.

use alloc::vec::Vec;

use super::{
    ALIVE, Entry, FAINT_Y, INFORMATIVE_I, INFORMATIVE_Q, INFORMATIVE_Y, Index, LISTS_PER_CHANNEL,
};
use crate::{Error, MAX_COEFFICIENTS, Weights};

/// The four bytes an encoded index starts with.
const MAGIC: [u8; 4] = *b"LKIX";
/// Bytes before the entries.
const HEADER_LEN: usize = 32;
/// Bytes per entry.
const ENTRY_LEN: usize = 38;
const LISTS: usize = 3 * LISTS_PER_CHANNEL;

impl Index {
    /// The index format version this build writes and reads. 2 to 4: the same layout as 1, for
    /// signatures of formats 3 to 5 (issue 17: their coefficients, and so the posting lists,
    /// are chosen otherwise); 5: entries carry the self weights of turned comparisons; 6: the
    /// layout of 5, for signatures of format 6 (the luminance equalized); 7: the layout of 5, for
    /// signatures of format 7 (toned chroma told at full size); 8: the layout of 5, flag bit 4 a
    /// faint luminance ([`crate::FAINT_FLOOR`]), whose codes are posted.
    pub const FORMAT_VERSION: u8 = 8;

    /// The length of [`Index::to_bytes`].
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + ENTRY_LEN * self.entries.len()
            + 4 * self.free.len()
            + 4 * LISTS
            + 4 * self.total_postings
    }

    /// The versioned byte encoding described in [`Index::from_bytes`]'s module docs: the posting
    /// lists as they are, so that reading them back re-derives nothing.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(&MAGIC);
        out.push(Self::FORMAT_VERSION);
        out.push(self.weights.code());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.free.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.total_postings as u64).to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        for e in &self.entries {
            for v in e.average {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in e.self_centi {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.push(e.flags);
            out.push(e.m);
            for v in e.turned_centi.as_flattened() {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        for id in &self.free {
            out.extend_from_slice(&id.to_le_bytes());
        }
        for list in &self.lists {
            out.extend_from_slice(&(list.len() as u32).to_le_bytes());
        }
        for list in &self.lists {
            for id in list {
                out.extend_from_slice(&id.to_le_bytes());
            }
        }
        let sum = checksum(&out[HEADER_LEN..]);
        out[24..32].copy_from_slice(&sum.to_le_bytes());
        out
    }

    /// Decodes [`Index::to_bytes`]. Untrusted bytes give an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Index, Error> {
        if bytes.len() < 5 || bytes[..4] != MAGIC {
            return Err(Error::InvalidIndex("magic"));
        }
        if bytes[4] != Self::FORMAT_VERSION {
            return Err(Error::UnsupportedIndexVersion(bytes[4]));
        }
        if bytes.len() < HEADER_LEN {
            return Err(Error::InvalidIndex("length"));
        }
        let weights = Weights::from_code(bytes[5]).ok_or(Error::InvalidIndex("weight table"))?;
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let u64_at = |at: usize| u64::from(u32_at(at)) | (u64::from(u32_at(at + 4)) << 32);
        let n_entries = u32_at(8) as usize;
        let n_free = u32_at(12) as usize;
        let n_postings =
            usize::try_from(u64_at(16)).map_err(|_| Error::InvalidIndex("posting count"))?;
        let expected = n_entries
            .checked_mul(ENTRY_LEN)
            .and_then(|v| v.checked_add(HEADER_LEN + 4 * LISTS))
            .and_then(|v| v.checked_add(n_free.checked_mul(4)?))
            .and_then(|v| v.checked_add(n_postings.checked_mul(4)?))
            .ok_or(Error::InvalidIndex("length"))?;
        if bytes[6..8] != [0, 0] || bytes.len() != expected {
            return Err(Error::InvalidIndex("length"));
        }
        if checksum(&bytes[HEADER_LEN..]) != u64_at(24) {
            return Err(Error::InvalidIndex("checksum"));
        }

        let f32_at = |at: usize| f32::from_bits(u32_at(at));
        let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]);
        let mut entries = Vec::with_capacity(n_entries);
        let mut at = HEADER_LEN;
        for _ in 0..n_entries {
            let average = [f32_at(at), f32_at(at + 4), f32_at(at + 8)];
            let self_centi = [u16_at(at + 12), u16_at(at + 14), u16_at(at + 16)];
            let (flags, m) = (bytes[at + 18], bytes[at + 19]);
            let turned_centi: [[u16; 3]; 3] =
                core::array::from_fn(|r| core::array::from_fn(|c| u16_at(at + 20 + 6 * r + 2 * c)));
            if average.iter().any(|v| !v.is_finite()) {
                return Err(Error::InvalidIndex("average colour"));
            }
            if flags & !(ALIVE | INFORMATIVE_Y | FAINT_Y | INFORMATIVE_I | INFORMATIVE_Q) != 0
                || flags & INFORMATIVE_Y != 0 && flags & FAINT_Y != 0
            {
                return Err(Error::InvalidIndex("entry flags"));
            }
            if m == 0 || usize::from(m) > MAX_COEFFICIENTS {
                return Err(Error::InvalidIndex("coefficient count"));
            }
            entries.push(Entry {
                average,
                self_centi,
                turned_centi,
                flags,
                m,
            });
            at += ENTRY_LEN;
        }

        // Postings per id, to hold every id to what its entry says it posted.
        let mut posted = alloc::vec![0u8; n_entries];
        let mut free = Vec::with_capacity(n_free);
        for _ in 0..n_free {
            let id = u32_at(at);
            at += 4;
            let slot = posted
                .get_mut(id as usize)
                .ok_or(Error::InvalidIndex("free id"))?;
            if entries[id as usize].flags & ALIVE != 0 || *slot != 0 {
                return Err(Error::InvalidIndex("free id"));
            }
            // Marks the id as free (and seen once) until the lists are counted.
            *slot = u8::MAX;
            free.push(id);
        }

        let mut lengths = Vec::with_capacity(LISTS);
        let mut sum = 0usize;
        for _ in 0..LISTS {
            let len = u32_at(at) as usize;
            at += 4;
            sum = sum.saturating_add(len);
            lengths.push(len);
        }
        if sum != n_postings {
            return Err(Error::InvalidIndex("posting count"));
        }
        // Per id, its postings so far and the channels it may post in, side by side: one small
        // array, so that checking a posting touches one cache line, not the entries.
        let mut state: Vec<[u8; 2]> = entries
            .iter()
            .zip(posted)
            .map(|(e, count)| [count, (0..3).filter(|&c| e.posted(c)).map(|c| 1 << c).sum()])
            .collect();
        let mut lists = Vec::with_capacity(LISTS);
        for (l, len) in lengths.into_iter().enumerate() {
            let channel_bit = 1u8 << (l / LISTS_PER_CHANNEL);
            let mut list = Vec::with_capacity(len);
            for chunk in bytes[at..at + 4 * len].chunks_exact(4) {
                let id = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
                let Some([count, channels]) = state.get_mut(id as usize) else {
                    return Err(Error::InvalidIndex("posting id"));
                };
                // A free id has no postings, and nobody posts more than 3 × 60, nor in a
                // channel its entry does not find informative (exact counts are checked below).
                if *count >= (3 * MAX_COEFFICIENTS) as u8 || *channels & channel_bit == 0 {
                    return Err(Error::InvalidIndex("posting id"));
                }
                *count += 1;
                list.push(id);
            }
            at += 4 * len;
            lists.push(list);
        }

        let mut live = 0;
        let mut dead_postings = 0;
        // Free ids still hold u8::MAX: no posting could be added to them.
        for (entry, &[count, _]) in entries.iter().zip(&state) {
            let expected = (0..3).filter(|&c| entry.posted(c)).count() * usize::from(entry.m);
            if entry.flags & ALIVE != 0 {
                if usize::from(count) != expected {
                    return Err(Error::InvalidIndex("postings of a live id"));
                }
                live += 1;
            } else if count != u8::MAX {
                if count != 0 && usize::from(count) != expected {
                    return Err(Error::InvalidIndex("postings of a removed id"));
                }
                dead_postings += usize::from(count);
            }
        }
        Ok(Index {
            weights,
            orientations: crate::Orientation::DEFAULT,
            lists,
            entries,
            free,
            live,
            dead_postings,
            total_postings: n_postings,
        })
    }
}

/// A fast 64-bit checksum (multiply–rotate over 8-byte words) that catches damaged bytes; not a
/// defence against deliberate forgery, which the structural checks alone handle safely.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut lanes = [K, K ^ 1, K ^ 2, K ^ 3];
    let mut words = bytes.chunks_exact(32);
    for block in &mut words {
        for (lane, w) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
            *lane = (*lane ^ w).wrapping_mul(K).rotate_left(29);
        }
    }
    let mut tail = [0u8; 32];
    let rest = words.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    let mut h = bytes.len() as u64;
    for (lane, w) in lanes.iter().zip(tail.chunks_exact(8)) {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h ^ lane.wrapping_add(w)).wrapping_mul(K).rotate_left(31);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PixelLayout, Pixels, Signature};

    fn picture(seed: u32) -> Signature {
        let (w, h) = (64u32, 48u32);
        let data: Vec<u8> = (0..w * h * 3)
            .map(|i| {
                let (p, c) = (i / 3, i % 3);
                let (x, y) = (p % w, p / w);
                let v = (x * (seed % 7 + 1) + y * (seed % 5 + 2) + c * seed) ^ (x * y / (seed + 1));
                (v % 256) as u8
            })
            .collect();
        Signature::compute(&Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap())
    }

    fn gray(seed: u32) -> Signature {
        let (w, h) = (50u32, 50u32);
        let data: Vec<u8> = (0..w * h)
            .flat_map(|p| [((p % w) * seed + (p / w) * 3) as u8; 3])
            .collect();
        let s = Signature::compute(&Pixels::new(w, h, PixelLayout::Rgb8, &data).unwrap());
        assert!(!s.is_informative(1), "gray");
        s
    }

    /// `s` with a faint luminance ([`crate::FAINT_FLOOR`]): its Y codes posted, flag `FAINT_Y`.
    fn faint(s: Signature) -> Signature {
        let strength = s.strength();
        let faint = Signature::from_parts(
            s.aspect_ratio(),
            s.average(),
            [2.5e-4, strength[1], strength[2]],
            [s.codes(0), s.codes(1), s.codes(2)],
        )
        .unwrap();
        assert!(faint.is_faint());
        faint
    }

    /// An index with live ids, removed ids still posted, and free ids after a compaction; faint
    /// pictures among them.
    fn sample() -> (Index, Vec<Signature>) {
        let sigs: Vec<Signature> = (0..60)
            .map(picture)
            .chain((1..5).map(gray))
            .chain((60..64).map(|s| faint(picture(s))))
            .collect();
        let mut index = Index::new(Weights::Painted);
        for s in &sigs {
            index.insert(s);
        }
        for id in [3, 9, 10] {
            index.remove(id);
        }
        index.compact();
        for id in [20, 61] {
            index.remove(id);
        }
        (index, sigs)
    }

    #[test]
    fn an_index_read_back_answers_every_query_as_the_original() {
        let (index, sigs) = sample();
        let bytes = index.to_bytes();
        assert_eq!(bytes.len(), index.encoded_len());
        let mut back = Index::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(
            (back.len(), back.postings()),
            (index.len(), index.postings())
        );
        assert_eq!(back.weights(), Weights::Painted);
        for s in &sigs {
            assert_eq!(
                back.query(s, 0.0, usize::MAX),
                index.query(s, 0.0, usize::MAX)
            );
        }
        assert!(!back.contains(20) && back.contains(21));
        // The free ids are handed out in the same order as by the original.
        let mut original = index.clone();
        for s in &sigs[..4] {
            assert_eq!(back.insert(s), original.insert(s));
        }
    }

    #[test]
    fn an_empty_index_round_trips() {
        let index = Index::new(Weights::Scanned);
        let back = Index::from_bytes(&index.to_bytes()).unwrap();
        assert!(back.is_empty());
        assert_eq!(back.to_bytes(), index.to_bytes());
    }

    #[test]
    fn damaged_bytes_are_an_error() {
        let (index, _) = sample();
        let bytes = index.to_bytes();
        assert_eq!(
            Index::from_bytes(&bytes[..bytes.len() - 1]).unwrap_err(),
            Error::InvalidIndex("length")
        );
        assert_eq!(
            Index::from_bytes(b"LKSG\x01").unwrap_err(),
            Error::InvalidIndex("magic")
        );
        let mut v1 = bytes.clone();
        v1[4] = 2;
        assert_eq!(
            Index::from_bytes(&v1).unwrap_err(),
            Error::UnsupportedIndexVersion(2)
        );
        // One flipped bit anywhere after the header: the checksum catches it.
        for at in [
            HEADER_LEN,
            HEADER_LEN + 37,
            bytes.len() / 2,
            bytes.len() - 1,
        ] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert_eq!(
                Index::from_bytes(&damaged).unwrap_err(),
                Error::InvalidIndex("checksum"),
                "byte {at}"
            );
        }
    }

    /// Rewrites the checksum, so that the structural checks behind it are what is tested.
    fn resealed(mut bytes: Vec<u8>) -> Vec<u8> {
        let sum = checksum(&bytes[HEADER_LEN..]);
        bytes[24..32].copy_from_slice(&sum.to_le_bytes());
        bytes
    }

    #[test]
    fn inconsistent_bytes_with_a_valid_checksum_are_an_error() {
        let (index, _) = sample();
        let bytes = index.to_bytes();
        let last_id_at = bytes.len() - 4;
        let entries = index.entries.len() as u32;
        let mut out_of_range = bytes.clone();
        out_of_range[last_id_at..].copy_from_slice(&entries.to_le_bytes());
        assert_eq!(
            Index::from_bytes(&resealed(out_of_range)).unwrap_err(),
            Error::InvalidIndex("posting id")
        );
        let mut both = bytes.clone();
        both[HEADER_LEN + 18] |= INFORMATIVE_Y | FAINT_Y;
        assert_eq!(
            Index::from_bytes(&resealed(both)).unwrap_err(),
            Error::InvalidIndex("entry flags")
        );
        let mut flags = bytes.clone();
        flags[HEADER_LEN + 18] = 0x80;
        assert_eq!(
            Index::from_bytes(&resealed(flags)).unwrap_err(),
            Error::InvalidIndex("entry flags")
        );
        // A live id claims one fewer posting than it has.
        let mut moved = bytes.clone();
        let id = u32::from_le_bytes(bytes[last_id_at..].try_into().unwrap());
        let other = if id == 0 { 1u32 } else { 0 };
        moved[last_id_at..].copy_from_slice(&other.to_le_bytes());
        assert!(Index::from_bytes(&resealed(moved)).is_err());
    }

    proptest::proptest! {
        #[test]
        fn mutated_bytes_never_panic(at in 0usize..2000, value in proptest::prelude::any::<u8>(), reseal in proptest::prelude::any::<bool>()) {
            let (index, _) = sample();
            let mut bytes = index.to_bytes();
            let at = at % bytes.len();
            bytes[at] = value;
            let bytes = if reseal { resealed(bytes) } else { bytes };
            let _ = Index::from_bytes(&bytes);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            let _ = Index::from_bytes(&bytes);
        }
    }
}
