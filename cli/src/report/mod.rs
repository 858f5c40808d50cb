//! What a scan found, and its three renderings: a table on the terminal ([`table`]), JSON lines
//! ([`json`]) and an HTML page with thumbnails ([`html`]).
//!
//! Matches are pairs of files whose similarity reaches the sensitivity's threshold. Pairs that
//! share a file are joined into groups (union–find); in each group the *best* file is the one to
//! keep: more pixels, then the larger file, then the older one, then the smaller path.

pub mod html;
pub mod json;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use crate::library::Entry;
use crate::store::Format;

/// A file in a report.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub path: PathBuf,
    pub size: u64,
    pub width: u32,
    pub height: u32,
    pub format: Format,
    pub mtime_ns: i64,
}

impl From<&Entry> for Member {
    fn from(e: &Entry) -> Member {
        Member {
            path: e.path.clone(),
            size: e.size,
            width: e.width,
            height: e.height,
            format: e.format,
            mtime_ns: e.mtime_ns,
        }
    }
}

impl Member {
    fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// `Less` when `a` is the better file to keep.
pub fn better(a: &Member, b: &Member) -> Ordering {
    b.pixels()
        .cmp(&a.pixels())
        .then(b.size.cmp(&a.size))
        .then(a.mtime_ns.cmp(&b.mtime_ns))
        .then(a.path.cmp(&b.path))
}

/// One similar pair: `keep` is the better file.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub group: usize,
    pub similarity: f32,
    pub score: f32,
    pub keep: Member,
    pub remove: Member,
}

/// Files linked by matches; `members[0]` is the one to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub number: usize,
    pub members: Vec<Member>,
    /// Per member, the best similarity it has with another member (the first: with anyone).
    pub similarity: Vec<f32>,
}

/// Everything a scan reports.
#[derive(Debug, Default)]
pub struct Report {
    pub groups: Vec<Group>,
    pub matches: Vec<Match>,
}

/// A raw pair from the index: two members, their similarity and score.
pub struct Pair {
    pub a: Member,
    pub b: Member,
    pub similarity: f32,
    pub score: f32,
}

impl Report {
    /// Groups `pairs` and orders everything deterministically: groups by their best file's
    /// path, matches within a group by similarity (highest first), then by path.
    pub fn build(pairs: Vec<Pair>) -> Report {
        let mut ids: HashMap<PathBuf, usize> = HashMap::new();
        let mut members: Vec<Member> = Vec::new();
        let mut id_of = |m: &Member, members: &mut Vec<Member>| {
            *ids.entry(m.path.clone()).or_insert_with(|| {
                members.push(m.clone());
                members.len() - 1
            })
        };
        let mut links = Vec::with_capacity(pairs.len());
        for pair in &pairs {
            let a = id_of(&pair.a, &mut members);
            let b = id_of(&pair.b, &mut members);
            links.push((a, b));
        }
        let mut parent: Vec<usize> = (0..members.len()).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        for &(a, b) in &links {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
        let mut best_similarity = vec![0f32; members.len()];
        for (pair, &(a, b)) in pairs.iter().zip(&links) {
            best_similarity[a] = best_similarity[a].max(pair.similarity);
            best_similarity[b] = best_similarity[b].max(pair.similarity);
        }
        let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
        for m in 0..members.len() {
            let r = root(&mut parent, m);
            by_root.entry(r).or_default().push(m);
        }
        let mut groups: Vec<(usize, Vec<usize>)> = by_root.into_iter().collect();
        for (_, list) in &mut groups {
            list.sort_by(|&x, &y| better(&members[x], &members[y]));
        }
        groups.sort_by(|a, b| members[a.1[0]].path.cmp(&members[b.1[0]].path));
        let mut number_of_root = HashMap::new();
        let mut report = Report::default();
        for (n, (r, list)) in groups.into_iter().enumerate() {
            number_of_root.insert(r, n + 1);
            report.groups.push(Group {
                number: n + 1,
                similarity: list.iter().map(|&m| best_similarity[m]).collect(),
                members: list.into_iter().map(|m| members[m].clone()).collect(),
            });
        }
        for (pair, &(a, _)) in pairs.into_iter().zip(&links) {
            let group = number_of_root[&root(&mut parent, a)];
            let (keep, remove) = if better(&pair.a, &pair.b) == Ordering::Greater {
                (pair.b, pair.a)
            } else {
                (pair.a, pair.b)
            };
            report.matches.push(Match {
                group,
                similarity: pair.similarity,
                score: pair.score,
                keep,
                remove,
            });
        }
        report.matches.sort_by(|x, y| {
            x.group
                .cmp(&y.group)
                .then(y.similarity.total_cmp(&x.similarity))
                .then(x.keep.path.cmp(&y.keep.path))
                .then(x.remove.path.cmp(&y.remove.path))
        });
        report
    }
}

/// "3.2 MB", "812 kB", "95 B".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// The terminal table: one block per group, the file to keep first.
pub fn table(report: &Report, out: &mut impl Write) -> std::io::Result<()> {
    for group in &report.groups {
        writeln!(
            out,
            "group {} ({} images)",
            group.number,
            group.members.len()
        )?;
        for (i, (m, s)) in group.members.iter().zip(&group.similarity).enumerate() {
            let label = if i == 0 {
                "keep".to_string()
            } else {
                format!("{s:5.1}")
            };
            writeln!(
                out,
                "  {label:>5}  {:>11}  {:>8}  {}",
                format!("{}×{}", m.width, m.height),
                human_size(m.size),
                crate::messages::shown(&m.path)
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(path: &str, width: u32, size: u64, mtime_ns: i64) -> Member {
        Member {
            path: PathBuf::from(path),
            size,
            width,
            height: 100,
            format: Format::Jpeg,
            mtime_ns,
        }
    }

    #[test]
    fn better_prefers_pixels_then_size_then_age() {
        let big = member("/z", 200, 10, 5);
        let small = member("/a", 100, 99, 1);
        assert_eq!(better(&big, &small), Ordering::Less);
        let heavy = member("/z", 100, 100, 5);
        assert_eq!(better(&heavy, &small), Ordering::Less);
        let old = member("/z", 100, 99, 0);
        assert_eq!(better(&old, &small), Ordering::Less);
    }

    #[test]
    fn pairs_sharing_a_file_form_one_group() {
        let (a, b, c, d, e) = (
            member("/a", 300, 1, 0),
            member("/b", 200, 1, 0),
            member("/c", 100, 1, 0),
            member("/d", 100, 1, 0),
            member("/e", 200, 1, 0),
        );
        let pair = |x: &Member, y: &Member, s| Pair {
            a: x.clone(),
            b: y.clone(),
            similarity: s,
            score: -s,
        };
        let report = Report::build(vec![
            pair(&c, &b, 90.0),
            pair(&b, &a, 80.0),
            pair(&d, &e, 70.0),
        ]);
        assert_eq!(report.groups.len(), 2);
        let paths: Vec<_> = report.groups[0]
            .members
            .iter()
            .map(|m| m.path.clone())
            .collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("/a"),
                PathBuf::from("/b"),
                PathBuf::from("/c")
            ]
        );
        assert_eq!(report.groups[1].members[0].path, PathBuf::from("/e"));
        assert_eq!(report.matches[0].keep.path, PathBuf::from("/b"));
        assert_eq!(report.matches[0].remove.path, PathBuf::from("/c"));
        assert_eq!(report.matches[1].keep.path, PathBuf::from("/a"));
        assert_eq!(report.matches[2].group, 2);
        assert_eq!(human_size(3_200_000), "3.2 MB");
        assert_eq!(human_size(95), "95 B");
    }
}
