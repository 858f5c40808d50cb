//! `hash --shard I/N`: a stable split of a list of files among N machines.
//!
//! A file belongs to shard `1 + FNV-1a-64(path bytes) mod N`, where the path is taken byte for
//! byte as it was given (argument or stdin line; on Unix the `OsStr`'s bytes). The hash is
//! written out here rather than taken from `std` (whose `DefaultHasher` may change between Rust
//! releases), so the same list splits the same way on every machine and with every build: give
//! all machines the same list, each its own `I`, and every file is hashed exactly once.
//! `/a/x.jpg` and `./a/x.jpg` are different names and may land in different shards.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::store::path_key;

/// One shard of N: `index` is 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Whether `path` belongs to this shard.
    pub fn contains(&self, path: &Path) -> bool {
        fnv1a64(&path_key(path)) % self.count + 1 == self.index
    }
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo; the offset basis and prime of the published algorithm).
fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let usage = || format!("{text:?} is not I/N with 1 ≤ I ≤ N (e.g. 3/8)");
        let (i, n) = text.split_once('/').ok_or_else(usage)?;
        let index: u64 = i.trim().parse().map_err(|_| usage())?;
        let count: u64 = n.trim().parse().map_err(|_| usage())?;
        if index == 0 || index > count {
            return Err(usage());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn every_path_is_in_exactly_one_shard() {
        let shards: Vec<Shard> = (1..=4).map(|i| format!("{i}/4").parse().unwrap()).collect();
        let mut sizes = [0usize; 4];
        for k in 0..1000 {
            let path = format!("/photos/{k:04}.jpg");
            let owners: Vec<usize> = (0..4)
                .filter(|&s| shards[s].contains(Path::new(&path)))
                .collect();
            assert_eq!(owners.len(), 1, "{path}: {owners:?}");
            sizes[owners[0]] += 1;
        }
        // A hash, not a round robin, but none of four shards is far from a quarter.
        assert!(sizes.iter().all(|&n| (200..300).contains(&n)), "{sizes:?}");
        let one: Shard = "1/1".parse().unwrap();
        assert!(one.contains(Path::new("anything")));
    }

    #[test]
    fn bad_shards_are_refused() {
        for bad in ["0/4", "5/4", "1", "a/b", "1/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!("2/3".parse::<Shard>().unwrap().to_string(), "2/3");
    }
}
